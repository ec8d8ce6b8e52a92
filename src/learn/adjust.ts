/**
 * The "rewards adjusted" phase: what the learner feeds the credit kernels (src/learn/credit/) and
 * in which layout. Rewards leave this phase per agent column, time-major `[T × E·A]` (column
 * `e · A + i`: team position i of environment e, A = the rollout's largest team, padding = 0):
 *
 * 1. temporal redistribution (optional): each step's team reward is replaced by the running
 *    redistribution's r̃_t ({@link Redistributor}: ψ(x_t) as the step is paid once ψ is warm, the
 *    episode's raw return minus what was paid at its final step, across rollout boundaries), so
 *    every finished episode's r̃ sum to its return; step features are the team's mean view row
 *    and mean chosen-action row from the text table;
 * 2. the base reward of each agent: the team reward, its own share (`reward: "individual"`), or
 *    its difference reward R(s, u) − R(s, (u⁻ⁱ, default)) from simulator resets (the privileged
 *    ablation, `reward: "difference-privileged"`);
 * 3. communication-aware adjustment (optional): Φⁱ(s_t) = influence of i's last message on its
 *    receivers' action distributions (total variation against the same receivers with i silenced,
 *    from {@link inboxWithout}), then potential-based shaping, the paper-literal re-weighting, or
 *    the raw influence bonus.
 */
import type { PolicyBatch } from "../agents/batch.js";
import { inboxWithout, type PolicyNetwork } from "../agents/policy.js";
import type { TextTable } from "../agents/text-table.js";
import type { Gemm } from "../model/gemm.js";
import { Graph } from "../model/graph.js";
import type { LearnerConfig } from "./config.js";
import { differenceRewards } from "./credit/counterfactual.js";
import { messageInfluence } from "./credit/influence.js";
import { influenceBonus, reweightTeamReward, shapeRewards } from "./credit/shaping.js";
import type { Redistributor } from "./redistributor.js";
import type { Rollout } from "./rollout.js";

/** The rewards the advantages are computed from. */
export interface AdjustedRewards {
  /** Team reward per team `[J]` (redistributed when that term is on): the V(s) and Q targets' reward. */
  readonly team: Float32Array;
  /** Per agent column `[T × E·A]`: base reward plus the communication term. */
  readonly columns: Float32Array;
  /** Mean |Φ| or influence over the rollout's agents (0 when no term needs it), for metrics. */
  readonly meanInfluence: number;
  /** Share of the rollout's steps whose team reward was redistributed (0 without that term). */
  readonly redistributedFraction: number;
}

/** The time-major agent column of sample `s` (see the file header). */
export function columnOf(rollout: Rollout, batch: PolicyBatch, s: number): number {
  const j = batch.sampleTeam[s];
  const t = Math.floor(j / rollout.envs);
  return (
    t * rollout.envs * rollout.maxAgents +
    (j - t * rollout.envs) * rollout.maxAgents +
    batch.agentIndex[s]
  );
}

/**
 * Runs the phase (see the file header); `redistribution` is required with temporal redistribution,
 * and is advanced by it (its per-slot running sums and episode buffer; ψ is fitted on the buffer).
 */
export function adjustRewards(
  rollout: Rollout,
  config: LearnerConfig,
  context: {
    readonly policy: PolicyNetwork;
    readonly table: TextTable;
    readonly gemm: Gemm;
    readonly redistribution: Redistributor | null;
  },
): AdjustedRewards {
  const { steps, envs, maxAgents, batch } = rollout;
  const width = envs * maxAgents;
  let team = rollout.teamRewards;
  let redistributedFraction = 0;
  if (config.temporalRedistribution && context.redistribution !== null) {
    const paid = context.redistribution.apply(
      {
        steps,
        envs,
        teamRewards: rollout.teamRewards,
        terminated: rollout.terminated,
        features: decompositionFeatures(batch, context.table),
      },
      config.epochs,
    );
    team = paid.team;
    redistributedFraction = paid.redistributedSteps / (steps * envs);
  }
  const base = new Float32Array(steps * width);
  const difference =
    config.reward === "difference-privileged"
      ? differenceRewards(
          Float32Array.from(batch.sampleTeam, (j) => rollout.teamRewards[j]),
          rollout.counterfactualTeamRewards,
        )
      : null;
  for (let s = 0; s < batch.samples; s++) {
    base[columnOf(rollout, batch, s)] =
      difference !== null
        ? difference[s]
        : config.reward === "team"
          ? team[batch.sampleTeam[s]]
          : rollout.agentRewards[s];
  }
  if (config.shaping === "none")
    return { team, columns: base, meanInfluence: 0, redistributedFraction };

  const influence = influenceByColumn(rollout, batch, context);
  const lastInfluence = influenceByColumn(rollout, rollout.lastBatch, context);
  const terminated = new Uint8Array(steps * width);
  for (let k = 0; k < terminated.length; k++)
    terminated[k] =
      rollout.terminated[Math.floor(k / width) * envs + Math.floor((k % width) / maxAgents)];
  let meanInfluence = 0;
  for (let k = 0; k < influence.length; k++)
    meanInfluence += influence[k] / Math.max(1, batch.samples);
  let columns: Float32Array;
  if (config.shaping === "influence-potential") {
    columns = shapeRewards({
      steps,
      width,
      rewards: base,
      potentials: influence,
      lastPotentials: lastInfluence,
      terminated,
      gamma: config.gamma,
      beta: config.shapingWeight,
    });
  } else if (config.shaping === "paper-reweight") {
    columns = reweightTeamReward({
      teamRewards: base,
      communication: influence,
      envOfColumn: Int32Array.from({ length: width }, (_, n) => Math.floor(n / maxAgents)),
      alpha: Math.min(1, config.shapingWeight),
    });
  } else {
    columns = influenceBonus(base, influence, config.shapingWeight);
  }
  return { team, columns, meanInfluence, redistributedFraction };
}

/**
 * Influence of each sender's last message on its receivers' action distributions, `[T' × E·A]`
 * for a batch of T'·E teams: the policy under the batch's inbox and under each team position's
 * silence, the layers before attention shared by all of them.
 */
function influenceByColumn(
  rollout: Rollout,
  batch: PolicyBatch,
  context: { readonly policy: PolicyNetwork; readonly table: TextTable; readonly gemm: Gemm },
): Float32Array {
  const { envs, maxAgents } = rollout;
  const teams = batch.teamOffsets.length - 1;
  const outputSize = (teams / envs) * envs * maxAgents;
  const g = new Graph(context.gemm, { recordGradients: false });
  const texts = context.table.matrix();
  // Who heard each team position k; one policy pass with k silenced for each k that was heard.
  const senders: { readonly k: number; readonly heard: number[] }[] = [];
  for (let k = 0; k < maxAgents; k++) {
    const heard: number[] = [];
    for (let s = 0; s < batch.samples; s++) {
      for (let i = batch.inboxOffsets[s]; i < batch.inboxOffsets[s + 1]; i++)
        if (batch.inboxSenders[i] === k) heard.push(s);
    }
    if (heard.length > 0) senders.push({ k, heard });
  }
  const silenced = new Int32Array(batch.samples);
  const inboxes = [
    { offsets: batch.inboxOffsets, ids: batch.inboxIds },
    ...senders.map(({ k }) => inboxWithout(batch, silenced.fill(k))),
  ];
  // The layers before attention do not read the inbox: computed once for every silenced sender.
  const [fullLog, ...withoutLog] = context.policy.actionLogProbsUnderInboxes(
    g,
    texts,
    batch,
    inboxes,
  );
  const full = Float32Array.from(fullLog, Math.exp);
  const offsets: number[] = [0];
  const withMessage: number[] = [];
  const silencedProbs: number[] = [];
  const sender: number[] = [];
  senders.forEach(({ k, heard }, n) => {
    const without = withoutLog[n];
    for (const s of heard) {
      for (let c = batch.actionOffsets[s]; c < batch.actionOffsets[s + 1]; c++) {
        withMessage.push(full[c]);
        silencedProbs.push(Math.exp(without[c]));
      }
      offsets.push(withMessage.length);
      const j = batch.sampleTeam[s];
      const t = Math.floor(j / envs);
      sender.push(t * envs * maxAgents + (j - t * envs) * maxAgents + k);
    }
  });
  return messageInfluence({
    offsets: Int32Array.from(offsets),
    withMessage: Float32Array.from(withMessage),
    silenced: Float32Array.from(silencedProbs),
    sender: Int32Array.from(sender),
    outputSize,
  });
}

/** Step features of the return decomposition: mean view row and mean chosen-action row per team. */
export function decompositionFeatures(batch: PolicyBatch, table: TextTable): Float32Array {
  const d = table.dimension;
  const texts = table.matrix();
  const teams = batch.teamOffsets.length - 1;
  const out = new Float32Array(teams * 2 * d);
  for (let j = 0; j < teams; j++) {
    const size = batch.teamOffsets[j + 1] - batch.teamOffsets[j];
    for (let s = batch.teamOffsets[j]; s < batch.teamOffsets[j + 1]; s++) {
      const view = batch.viewIds[s] * d;
      const action = batch.actionIds[batch.actionOffsets[s] + batch.chosenAction[s]] * d;
      for (let f = 0; f < d; f++) {
        out[j * 2 * d + f] += texts[view + f] / size;
        out[j * 2 * d + d + f] += texts[action + f] / size;
      }
    }
  }
  return out;
}
