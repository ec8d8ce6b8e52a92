/**
 * Rollout collection: `envs` tasks stepped in lock-step by the current policy for `rolloutSteps`
 * joint steps, stored once as one ragged {@link PolicyBatch} (team `t · envs + e` is step t of
 * environment e) plus per-sample and per-team arrays. An environment whose episode ends starts a
 * new one on a task and reset seed drawn from that slot's own task stream (one {@link Rng} per
 * slot, never used for anything else), so the n-th episode of slot e is the same task and reset
 * seed for every method and config with the same seed and `envs`, whatever the policy samples.
 * Each environment's episode is also kept as (task, reset seed, joint actions so far) so a resumed
 * run can replay it to the same state.
 */

import { BatchBuilder, type PolicyBatch, selectTeams } from "../agents/batch.js";
import { TeamMemory } from "../agents/memory.js";
import {
  type MemoryInput,
  type PolicyNetwork,
  type PolicyOutput,
  sampleCandidate,
} from "../agents/policy.js";
import type { TextTable } from "../agents/text-table.js";
import { Rng, type RngState } from "../core/prng.js";
import { SILENT, type TaskSim, type TeamPolicy } from "../env/types.js";
import type { Gemm } from "../model/gemm.js";
import { Graph } from "../model/graph.js";
import type { Tensor } from "../model/tensor.js";
import type { TrainingTask } from "./tasks.js";

/** One collected rollout; T = steps, E = envs, S = agent-steps, J = T · E teams. */
export interface Rollout {
  readonly steps: number;
  readonly envs: number;
  /** Largest team size seen (the per-agent column count of agent-level buffers). */
  readonly maxAgents: number;
  readonly batch: PolicyBatch;
  /** log π(a) and log μ(m) of the taken action and message at collection, `[S]`. */
  readonly actionLogProbs: Float32Array;
  readonly messageLogProbs: Float32Array;
  /** Each agent's own reward, `[S]`; team reward and termination per team, `[J]`. */
  readonly agentRewards: Float32Array;
  readonly teamRewards: Float32Array;
  readonly terminated: Uint8Array;
  /**
   * 1 where team j's episode was cut by a time limit the environment calls a truncation
   * ({@link TaskSim.truncated}), `[J]`; `terminated` is also 1 there (the episode is over), and
   * the advantage code bootstraps from the final observation's values below instead of 0.
   */
  readonly truncated: Uint8Array;
  /** V(s) of the final state where `truncated` is 1 (else 0), `[J]`. */
  readonly truncatedStateValues: Float32Array;
  /** V(oⁱ) of each agent's final observation where its team's `truncated` is 1 (else 0), `[S]`. */
  readonly truncatedObservationValues: Float32Array;
  /**
   * Privileged difference rewards only (else empty): per sample, the team reward had that agent
   * taken the default action and stayed silent, `[S]`; and how many such counterfactual joint
   * steps the simulator evaluated (they count towards the budget).
   */
  readonly counterfactualTeamRewards: Float32Array;
  readonly counterfactualSteps: number;
  /** V(oⁱ) `[S]` and V(s) `[J]` at collection. */
  readonly observationValues: Float32Array;
  readonly stateValues: Float32Array;
  /** Bootstrap values after the last step: V(s_T) `[E]`, V(oⁱ_T) `[E × maxAgents]` (0-padded). */
  readonly lastStateValues: Float32Array;
  readonly lastObservationValues: Float32Array;
  /** The teams the rollout stops in (what the bootstrap values were computed on), `E` teams. */
  readonly lastBatch: PolicyBatch;
  /** 1 where environment e's episode started exactly at the rollout's first step, `[E]`. */
  readonly startsFresh: Uint8Array;
  /** Episodes that ended during the rollout: task index and raw team return. */
  readonly episodes: readonly { readonly task: number; readonly teamReturn: number }[];
  /**
   * A recurrent policy's states that the rollout's first step continued, `[S₀ × hidden]` in the
   * order of step 0's samples (zero rows for episodes that start there); null without memory.
   */
  readonly initialMemory: Float32Array | null;
}

/**
 * What a recurrent policy's forward pass over the whole rollout batch reads: each sample continues
 * the same agent's sample of the step before in its environment, or the carried-in state at step
 * 0, or the zero state where its episode started (the step after a terminal one). Time blocks
 * are the steps, so the recurrence runs over every environment at once.
 */
export function rolloutMemory(rollout: Rollout): MemoryInput | null {
  if (rollout.initialMemory === null) return null;
  const { batch, envs, steps, terminated } = rollout;
  const previous = new Int32Array(batch.samples);
  for (let t = 0; t < steps; t++) {
    for (let e = 0; e < envs; e++) {
      const j = t * envs + e;
      for (let s = batch.teamOffsets[j]; s < batch.teamOffsets[j + 1]; s++) {
        if (t === 0) previous[s] = -2 - s;
        else if (terminated[j - envs] === 1) previous[s] = -1;
        else previous[s] = batch.teamOffsets[j - envs] + batch.agentIndex[s];
      }
    }
  }
  const blocks = Int32Array.from({ length: steps + 1 }, (_, t) => batch.teamOffsets[t * envs]);
  return { initial: rollout.initialMemory, layout: { previous, blocks } };
}

/** Values of one critic that returns bootstrap from in place of the policy's (a target critic). */
export interface BootstrapValues {
  readonly critic: "observation" | "state";
  /** The values of a batch: per sample (`[S × 1]`, "observation") or per team (`[J × 1]`, "state"). */
  readonly of: (g: Graph, batch: PolicyBatch) => Tensor;
}

/** An environment slot's episode so far, enough to rebuild its sim by replay. */
export interface EpisodeRecord {
  task: number;
  seed: number;
  teamReturn: number;
  /** Joint actions and messages taken so far, agent-major per step. */
  actions: number[];
  messages: number[];
}

/** Steps `envs` sims with a policy and collects rollouts. */
export class RolloutCollector {
  private readonly sims: TaskSim[] = [];
  private readonly episodes: EpisodeRecord[] = [];
  private readonly oracles: (TeamPolicy | undefined)[] = [];
  private readonly oracleEpisodes: (EpisodeRecord | undefined)[] = [];
  /** Each slot's task stream: draws (task index, reset seed) of its episodes and nothing else. */
  private taskStreams: Rng[];
  /** A recurrent policy's states per slot (made on the first collection with one). */
  memory: TeamMemory | null = null;

  /**
   * Starts one episode per task stream: slot e draws its tasks and reset seeds from
   * `taskStreams[e]` only (the learner derives them as `root.split("tasks/" + e)`).
   */
  constructor(
    readonly tasks: readonly TrainingTask[],
    readonly table: TextTable,
    readonly numericWidth: number,
    taskStreams: readonly Rng[],
  ) {
    this.taskStreams = [...taskStreams];
    for (let e = 0; e < taskStreams.length; e++) {
      this.sims.push(this.tasks[0].family.createSim(this.tasks[0].task));
      this.episodes.push(this.startEpisode(e));
    }
  }

  /** The number of environment slots. */
  get envs(): number {
    return this.sims.length;
  }

  /** Each slot's task stream state (for checkpoints). */
  taskStreamStates(): RngState[] {
    return this.taskStreams.map((stream) => stream.getState());
  }

  /** Restores the task streams saved by {@link taskStreamStates} (one per slot). */
  restoreTaskStreams(states: readonly RngState[]): void {
    this.taskStreams = states.map((state) => Rng.fromState(state));
  }

  /** Each slot's episode so far (for checkpoints). */
  episodeRecords(): readonly EpisodeRecord[] {
    return this.episodes;
  }

  /** Rebuilds every slot's sim from saved records by replaying their joint actions. */
  restoreEpisodes(records: readonly EpisodeRecord[]): void {
    records.forEach((record, e) => {
      this.sims[e] = this.replay(record);
      this.episodes[e] = {
        ...record,
        actions: [...record.actions],
        messages: [...record.messages],
      };
    });
  }

  /** A fresh sim brought to the state of `record` by resetting and replaying its joint actions. */
  private replay(record: EpisodeRecord): TaskSim {
    const { family, task } = this.tasks[record.task];
    const sim = family.createSim(task);
    sim.reset(record.seed);
    const n = sim.numAgents;
    const actions = new Int32Array(n);
    const messages = new Int32Array(n);
    const rewards = new Float64Array(n);
    for (let k = 0; k < record.actions.length; k += n) {
      for (let i = 0; i < n; i++) {
        actions[i] = record.actions[k + i];
        messages[i] = record.messages[k + i];
      }
      sim.step(actions, messages, rewards);
    }
    return sim;
  }

  /**
   * Team reward of the current step of slot `slot` with agent `agent`'s action replaced by the
   * default (action 0, silence), the others' kept: the privileged counterfactual of difference
   * rewards, evaluated on a replayed copy of the sim (one counterfactual joint step).
   */
  private counterfactualTeamReward(
    slot: number,
    actions: Int32Array,
    messages: Int32Array,
    agent: number,
  ): number {
    const sim = this.replay(this.episodes[slot]);
    const n = sim.numAgents;
    const altered = Int32Array.from(actions);
    const silent = Int32Array.from(messages);
    altered[agent] = 0;
    silent[agent] = SILENT;
    const rewards = new Float64Array(n);
    sim.step(altered, silent, rewards);
    let team = 0;
    for (let i = 0; i < n; i++) team += rewards[i];
    return team;
  }

  /** Runs `steps` joint steps in every environment with `policy`, sampling from `rng`. */
  async collect(
    policy: PolicyNetwork,
    gemm: Gemm,
    steps: number,
    rng: Rng,
    options: {
      readonly counterfactuals?: boolean;
      /** Values of one critic taken from elsewhere (a target critic) instead of the policy's. */
      readonly bootstrap?: BootstrapValues;
      /**
       * The one critic whose values the learner reads ("observation": V(oⁱ), "state": V(s));
       * the other's are left 0 and its layers never run. Default: both.
       */
      readonly critic?: "observation" | "state";
    } = {},
  ): Promise<Rollout> {
    const { bootstrap, critic } = options;
    // Each critic's values of a batch, from the bootstrap network or else the policy's forward
    // pass (run only if needed: at truncations and the rollout's end nothing else needs it).
    const valuesOf = (forward: () => PolicyOutput, g: Graph, batch: PolicyBatch) => {
      let out: PolicyOutput | null = null;
      const policyOut = () => {
        out ??= forward();
        return out;
      };
      const of = (kind: "observation" | "state"): Float32Array | null => {
        if (critic !== undefined && critic !== kind) return null;
        if (bootstrap?.critic === kind) return bootstrap.of(g, batch).value;
        const values = policyOut();
        return kind === "observation" ? values.observationValues.value : values.stateValues.value;
      };
      return { observation: of("observation"), state: of("state") };
    };
    const envs = this.sims.length;
    const graph = new Graph(gemm, { recordGradients: false });
    const slots = Array.from({ length: envs }, (_, e) => e);
    if (policy.recurrent !== null && this.memory === null)
      this.memory = new TeamMemory(policy.config.hidden, envs);
    const memory = policy.recurrent === null ? null : this.memory;
    // The carried states of `teams`' slots, for a forward pass over their batch.
    const memoryOf = (batch: PolicyBatch, teams: readonly number[]) =>
      memory === null ? {} : { memory: memory.input(batch, teams) };
    let initialMemory: Float32Array | null = null;
    const stepBatches: PolicyBatch[] = [];
    const actionLogProbs: number[] = [];
    const messageLogProbs: number[] = [];
    const agentRewards: number[] = [];
    const counterfactualTeamRewards: number[] = [];
    let counterfactualSteps = 0;
    const observationValues: number[] = [];
    const teamRewards = new Float32Array(steps * envs);
    const terminated = new Uint8Array(steps * envs);
    const truncated = new Uint8Array(steps * envs);
    const truncatedStateValues = new Float32Array(steps * envs);
    const truncatedObservationValues: number[] = [];
    let stepSampleBase = 0;
    const stateValues = new Float32Array(steps * envs);
    const finished: { task: number; teamReturn: number }[] = [];
    let maxAgents = 0;
    const startsFresh = Uint8Array.from(this.episodes, (e) => (e.actions.length === 0 ? 1 : 0));
    for (let t = 0; t < steps; t++) {
      // Observe every environment and act with the current policy.
      const batch = await this.observe();
      graph.reset();
      const carried = memoryOf(batch, slots);
      if (t === 0) initialMemory = carried.memory?.initial ?? null;
      const out = policy.forward(graph, this.table.matrix(), batch, carried);
      if (memory !== null && out.memory !== null) memory.store(batch, slots, out.memory.value);
      const values = valuesOf(() => out, graph, batch);
      for (let s = 0; s < batch.samples; s++) {
        const a0 = batch.actionOffsets[s];
        const m0 = batch.messageOffsets[s];
        const lpa = out.actionLogProbs.value;
        const lpm = out.messageLogProbs.value;
        batch.chosenAction[s] = sampleCandidate(rng, lpa, a0, batch.actionOffsets[s + 1]);
        batch.chosenMessage[s] = sampleCandidate(rng, lpm, m0, batch.messageOffsets[s + 1]);
        actionLogProbs.push(lpa[a0 + batch.chosenAction[s]]);
        messageLogProbs.push(lpm[m0 + batch.chosenMessage[s]]);
        observationValues.push(values.observation?.[s] ?? 0);
        truncatedObservationValues.push(0);
      }
      const ended: number[] = [];
      // Step every environment; an ended episode restarts on a new task.
      for (let e = 0; e < envs; e++) {
        const sim = this.sims[e];
        const n = sim.numAgents;
        maxAgents = Math.max(maxAgents, n);
        const first = batch.teamOffsets[e];
        const actions = Int32Array.from(batch.chosenAction.subarray(first, first + n));
        const messages = Int32Array.from(batch.chosenMessage.subarray(first, first + n));
        if (options.counterfactuals === true) {
          for (let i = 0; i < n; i++)
            counterfactualTeamRewards.push(this.counterfactualTeamReward(e, actions, messages, i));
          counterfactualSteps += n;
        }
        const rewards = new Float64Array(n);
        sim.step(actions, messages, rewards);
        const episode = this.episodes[e];
        episode.actions.push(...actions);
        episode.messages.push(...messages);
        let team = 0;
        for (let i = 0; i < n; i++) {
          agentRewards.push(rewards[i]);
          team += rewards[i];
        }
        episode.teamReturn += team;
        teamRewards[t * envs + e] = team;
        stateValues[t * envs + e] = values.state?.[e] ?? 0;
        if (sim.done) {
          terminated[t * envs + e] = 1;
          if (sim.truncated === true) truncated[t * envs + e] = 1;
          finished.push({ task: episode.task, teamReturn: episode.teamReturn });
          ended.push(e);
        }
      }
      // Truncated episodes bootstrap from their final observations: value them before restarting.
      const cut = ended.filter((e) => truncated[t * envs + e] === 1);
      if (cut.length > 0) {
        const finals = await this.observe(cut);
        graph.reset();
        const finalValues = valuesOf(
          () => policy.forward(graph, this.table.matrix(), finals, memoryOf(finals, cut)),
          graph,
          finals,
        );
        cut.forEach((e, team) => {
          truncatedStateValues[t * envs + e] = finalValues.state?.[team] ?? 0;
          const base = stepSampleBase + batch.teamOffsets[e];
          for (let s = finals.teamOffsets[team]; s < finals.teamOffsets[team + 1]; s++)
            truncatedObservationValues[base + finals.agentIndex[s]] =
              finalValues.observation?.[s] ?? 0;
        });
      }
      for (const e of ended) {
        this.episodes[e] = this.startEpisode(e);
        memory?.reset(e);
      }
      stepSampleBase += batch.samples;
      stepBatches.push(batch);
    }
    // Bootstrap: values of the states the rollout stops in.
    const last = await this.observe();
    graph.reset();
    const lastValues = valuesOf(
      () => policy.forward(graph, this.table.matrix(), last, memoryOf(last, slots)),
      graph,
      last,
    );
    for (let e = 0; e < envs; e++) maxAgents = Math.max(maxAgents, this.sims[e].numAgents);
    const lastObservationValues = new Float32Array(envs * maxAgents);
    for (let s = 0; s < last.samples; s++) {
      lastObservationValues[last.sampleTeam[s] * maxAgents + last.agentIndex[s]] =
        lastValues.observation?.[s] ?? 0;
    }
    const all = new Int32Array(steps * envs);
    for (let j = 0; j < all.length; j++) all[j] = j;
    return {
      steps,
      envs,
      maxAgents,
      batch: selectTeams(stepBatches, all),
      actionLogProbs: Float32Array.from(actionLogProbs),
      messageLogProbs: Float32Array.from(messageLogProbs),
      agentRewards: Float32Array.from(agentRewards),
      counterfactualTeamRewards: Float32Array.from(counterfactualTeamRewards),
      counterfactualSteps,
      teamRewards,
      terminated,
      truncated,
      truncatedStateValues,
      truncatedObservationValues: Float32Array.from(truncatedObservationValues),
      observationValues: Float32Array.from(observationValues),
      stateValues,
      lastStateValues:
        lastValues.state === null ? new Float32Array(envs) : Float32Array.from(lastValues.state),
      lastObservationValues,
      lastBatch: last,
      startsFresh,
      episodes: finished,
      initialMemory,
    };
  }

  /**
   * Runs `steps` joint steps in every environment with each family's oracle acting, and returns
   * the observed teams with the oracle's actions and messages as the chosen ones (the
   * demonstrations behaviour cloning learns from).
   */
  async collectDemonstrations(steps: number, rng: Rng): Promise<PolicyBatch> {
    const envs = this.sims.length;
    const batches: PolicyBatch[] = [];
    for (let t = 0; t < steps; t++) {
      const batch = await this.observe();
      for (let e = 0; e < envs; e++) {
        const sim = this.sims[e];
        const n = sim.numAgents;
        const actions = new Int32Array(n);
        const messages = new Int32Array(n);
        this.oracleOf(e).act(sim, rng, actions, messages);
        batch.chosenAction.set(actions, batch.teamOffsets[e]);
        batch.chosenMessage.set(messages, batch.teamOffsets[e]);
        sim.step(actions, messages, new Float64Array(n));
        this.episodes[e].actions.push(...actions);
        this.episodes[e].messages.push(...messages);
        if (sim.done) this.episodes[e] = this.startEpisode(e);
      }
      batches.push(batch);
    }
    const all = new Int32Array(steps * envs);
    for (let j = 0; j < all.length; j++) all[j] = j;
    return selectTeams(batches, all);
  }

  private oracleOf(slot: number): TeamPolicy {
    const episode = this.episodes[slot];
    let oracle = this.oracles[slot];
    if (oracle === undefined || this.oracleEpisodes[slot] !== episode) {
      oracle = this.tasks[episode.task].family.policy("oracle");
      oracle.reset(this.sims[slot]);
      this.oracles[slot] = oracle;
      this.oracleEpisodes[slot] = episode;
    }
    return oracle;
  }

  /** The batch of every slot's sim, or only of `slots` (in that order) when given. */
  private async observe(slots?: readonly number[]): Promise<PolicyBatch> {
    const builder = new BatchBuilder(this.table, this.numericWidth);
    if (slots === undefined) for (const sim of this.sims) builder.addTeam(sim);
    else for (const e of slots) builder.addTeam(this.sims[e]);
    await this.table.flush();
    return builder.build();
  }

  /** A new episode in `slot` on the task and reset seed next in that slot's task stream. */
  private startEpisode(slot: number): EpisodeRecord {
    const rng = this.taskStreams[slot];
    const index = rng.int(this.tasks.length);
    const { family, task } = this.tasks[index];
    const sim = family.createSim(task);
    const seed = rng.int(0x7fffffff);
    sim.reset(seed);
    this.sims[slot] = sim;
    return { task: index, seed, teamReturn: 0, actions: [], messages: [] };
  }
}
