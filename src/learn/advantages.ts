/**
 * From a collected rollout to per-sample advantages and value targets, by calling the credit
 * kernels (src/learn/credit/) in the layouts they document: team-level GAE on V(s) (one column per
 * environment), agent-level GAE (one column per environment × team position, padded), and
 * COMA's counterfactual advantages per head from the centralised Q.
 */

import { type AdjustedRewards, columnOf } from "./adjust.js";
import type { LearnerConfig } from "./config.js";
import { counterfactualAdvantage } from "./credit/counterfactual.js";
import { computeGae, type GaeInput, type GaeOutput } from "./credit/gae.js";
import { normalizeAdvantagesPerGroup } from "./credit/normalize.js";
import type { Rollout } from "./rollout.js";

/** Per-sample advantages of each head and value targets. */
export interface Advantages {
  /** Advantage of the action head, `[S]`. */
  readonly action: Float32Array;
  /** Advantage of the message head, `[S]`. */
  readonly message: Float32Array;
  /** λ-return targets of V(s): the (possibly redistributed) team reward, per team `[J]`. */
  readonly teamReturns: Float32Array;
  /** λ-return targets per sample `[S]` of the agent's adjusted reward: V(oⁱ)'s and Q's target. */
  readonly sampleReturns: Float32Array;
}

/**
 * GAE (or EPyMARL's n-step returns, `returns: "n-step"`) per agent column on the adjusted rewards,
 * with the configured critic as baseline (V(s) of the agent's team, or its own V(oⁱ)), and the
 * same estimator at team level on the team reward for V(s)'s targets. Truncated episodes
 * bootstrap from their final observation's value; terminated ones from 0. Padded columns are
 * terminal with zero reward and value, so their advantages are 0 and unused.
 */
export function temporalAdvantages(
  rollout: Rollout,
  config: LearnerConfig,
  rewards: AdjustedRewards,
): Advantages {
  const { steps, envs, maxAgents, batch } = rollout;
  const estimate = (input: GaeInput): GaeOutput =>
    config.returns === "n-step" ? nStepAdvantages(input, config.nSteps) : computeGae(input);
  // A truncated step is also marked terminated (the episode is over); the kernels want only one.
  const terminal = Uint8Array.from(
    rollout.terminated,
    (end, j) => end & (1 - rollout.truncated[j]),
  );
  const team = estimate({
    steps,
    width: envs,
    rewards: rewards.team,
    values: rollout.stateValues,
    lastValues: rollout.lastStateValues,
    terminated: terminal,
    truncated: rollout.truncated,
    truncatedValues: rollout.truncatedStateValues,
    gamma: config.gamma,
    lambda: config.lambda,
  });
  const width = envs * maxAgents;
  const stateCritic = config.critic === "state";
  const values = new Float32Array(steps * width);
  const terminated = new Uint8Array(steps * width).fill(1);
  const truncated = new Uint8Array(steps * width);
  const truncatedValues = new Float32Array(steps * width);
  for (let s = 0; s < batch.samples; s++) {
    const k = columnOf(rollout, batch, s);
    const j = batch.sampleTeam[s];
    values[k] = stateCritic ? rollout.stateValues[j] : rollout.observationValues[s];
    terminated[k] = terminal[j];
    truncated[k] = rollout.truncated[j];
    truncatedValues[k] = stateCritic
      ? rollout.truncatedStateValues[j]
      : rollout.truncatedObservationValues[s];
  }
  const lastValues = new Float32Array(width);
  const last = rollout.lastBatch;
  for (let s = 0; s < last.samples; s++) {
    const e = last.sampleTeam[s];
    const k = e * maxAgents + last.agentIndex[s];
    lastValues[k] = stateCritic ? rollout.lastStateValues[e] : rollout.lastObservationValues[k];
  }
  const agent = estimate({
    steps,
    width,
    rewards: rewards.columns,
    values,
    lastValues,
    terminated,
    truncated,
    truncatedValues,
    gamma: config.gamma,
    lambda: config.lambda,
  });
  const action = new Float32Array(batch.samples);
  const sampleReturns = new Float32Array(batch.samples);
  for (let s = 0; s < batch.samples; s++) {
    action[s] = agent.advantages[columnOf(rollout, batch, s)];
    sampleReturns[s] = agent.returns[columnOf(rollout, batch, s)];
  }
  return { action, message: Float32Array.from(action), teamReturns: team.returns, sampleReturns };
}

/**
 * EPyMARL's n-step returns (`ppo_learner.nstep_returns`, `q_nstep`) as value targets, and
 * advantages = target − V(s_t) (λ is ignored): G_t = Σ_{k<n} γᵏ r_{t+k} + γⁿ V(s_{t+n}), cut at
 * an episode end (terminated: nothing after it; truncated: the final observation's value) and
 * bootstrapped from the next collected value or `lastValues` when the rollout ends first.
 */
export function nStepAdvantages(input: GaeInput, nSteps: number): GaeOutput {
  const { steps, width, rewards, values, lastValues, terminated, gamma } = input;
  const truncated = input.truncated ?? new Uint8Array(steps * width);
  const truncatedValues = input.truncatedValues ?? new Float32Array(steps * width);
  const advantages = new Float32Array(steps * width);
  const returns = new Float32Array(steps * width);
  for (let t = 0; t < steps; t++) {
    for (let n = 0; n < width; n++) {
      let target = 0;
      let discount = 1;
      for (let k = 0; k < nSteps; k++) {
        const i = (t + k) * width + n;
        target += discount * rewards[i];
        discount *= gamma;
        if (terminated[i] !== 0) break;
        if (truncated[i] !== 0) {
          target += discount * truncatedValues[i];
          break;
        }
        if (t + k + 1 === steps) {
          target += discount * lastValues[n];
          break;
        }
        if (k === nSteps - 1) target += discount * values[i + width];
      }
      const i = t * width + n;
      returns[i] = target;
      advantages[i] = target - values[i];
    }
  }
  return { advantages, returns };
}

/** The inputs of {@link counterfactualAdvantages}: Q and log-probabilities over the rollout. */
export interface CriticOutputs {
  readonly actionQ: Float32Array;
  readonly messageQ: Float32Array;
  readonly actionLogProbs: Float32Array;
  readonly messageLogProbs: Float32Array;
}

/**
 * Agent credit for both heads from the centralised Q: the counterfactual baseline of COMA,
 * bⁱ = Σ_c πⁱ(c) Q(s, u⁻ⁱ, c) (agent i's choice marginalised under its own policy, the others'
 * kept; per head, u⁻ⁱ is the team-mates' choices of that head only: a⁻ⁱ for the action Q, m⁻ⁱ for
 * the message Q), subtracted from the agent's λ-return, Âⁱ = Gⁱ − bⁱ. COMA proper uses Q(s, u) − bⁱ; using the
 * return for the taken choice keeps the gradient unbiased whatever Q's error (bⁱ does not depend on
 * i's choice), where an untrained Q's preference otherwise drives the policy to collapse onto it
 * within a few iterations (measured: action entropy 0.97 → 0.2 in 5 iterations on small planning
 * tasks). An agent whose choice does not change Q still gets the same baseline for every choice,
 * so its credit is what its choice did to the return.
 */
export function counterfactualAdvantages(
  rollout: Rollout,
  critic: CriticOutputs,
  temporal: Advantages,
): Advantages {
  const { batch } = rollout;
  const head = (
    offsets: Int32Array,
    q: Float32Array,
    logProbs: Float32Array,
    chosen: Int32Array,
  ) => {
    const { baselines } = counterfactualAdvantage({
      offsets,
      qValues: q,
      probs: Float32Array.from(logProbs, (lp) => Math.exp(lp)),
      chosen,
    });
    return Float32Array.from(baselines, (b, s) => temporal.sampleReturns[s] - b);
  };
  return {
    ...temporal,
    action: head(batch.actionOffsets, critic.actionQ, critic.actionLogProbs, batch.chosenAction),
    message: head(
      batch.messageOffsets,
      critic.messageQ,
      critic.messageLogProbs,
      batch.chosenMessage,
    ),
  };
}

/**
 * Normalises both heads' advantages in place: per team position, as one batch, or not at all.
 * The two heads share one mean and scale per group, so a head whose advantages are all near zero
 * (COMA's message head when messages barely move Q) is not blown up to unit variance.
 */
export function normaliseAdvantages(
  advantages: Advantages,
  rollout: Rollout,
  mode: LearnerConfig["advantageNorm"],
): void {
  if (mode === "none") return;
  const samples = rollout.batch.samples;
  const joint = new Float32Array(2 * samples);
  joint.set(advantages.action, 0);
  joint.set(advantages.message, samples);
  const groupOf = new Int32Array(2 * samples);
  if (mode === "per-agent") {
    groupOf.set(rollout.batch.agentIndex, 0);
    groupOf.set(rollout.batch.agentIndex, samples);
  }
  normalizeAdvantagesPerGroup(joint, {
    groupOf,
    groups: mode === "per-agent" ? rollout.maxAgents : 1,
  });
  advantages.action.set(joint.subarray(0, samples));
  advantages.message.set(joint.subarray(samples));
}
