/**
 * The environment API's types. Two levels:
 *
 * - {@link TaskSim}: one task's simulator on typed arrays. It steps with joint actions in
 *   `Int32Array`s and writes rewards, masks and features into caller-owned buffers, so the
 *   vectorised runner steps thousands of tasks without allocating. Text is rendered only on request.
 * - {@link ParallelEnv} (parallel-env.ts): PettingZoo's parallel API over one sim, with records keyed
 *   by agent and natural-language observations, for agents, LLMs and tests.
 *
 * A numeric-only environment (MPE, LBF) implements {@link TaskSim} and may render short texts.
 */
import type { Rng } from "../core/prng.js";

/** Message index 0 means "say nothing" in every family. */
export const SILENT = 0;

/** One task's simulator: the current world state, stepped in place. */
export interface TaskSim {
  readonly numAgents: number;
  readonly horizon: number;
  /** Size of the action candidate list (fixed for the task; the mask says which are legal). */
  readonly numActions: number;
  /** Size of the message candidate list; index {@link SILENT} is "say nothing". */
  readonly numMessages: number;
  /** Length of one agent's structured feature vector. */
  readonly featureSize: number;
  /** Length of the centralised state vector. */
  readonly stateSize: number;
  /** Steps taken since reset. */
  readonly t: number;
  /** True once the episode has ended (goal reached or horizon; both are terminations). */
  readonly done: boolean;
  /**
   * True when the ended episode was cut by a time limit that the environment's definition treats
   * as a truncation (the standard MARL ports: Spread's 25 and LBF's 50 steps), so a learner
   * bootstraps from the final observation's value. The task families leave it unset: their
   * horizon is a termination (their spec says so).
   */
  readonly truncated?: boolean;
  /** The message each agent sent at the last step ({@link SILENT} after reset); read-only view. */
  readonly lastMessages: Int32Array;
  /** The action each agent took at the last step (0 after reset); read-only view. */
  readonly lastActions: Int32Array;
  /** Restarts the episode. `seed` drives in-episode randomness for families that have any. */
  reset(seed: number): void;
  /**
   * Advances one step with every agent's action and message; writes each agent's reward (they sum
   * to the team reward) into `rewards`. Throws an InputError for an action or message outside the
   * mask and a StateError when the episode is done.
   */
  step(actions: Int32Array, messages: Int32Array, rewards: Float64Array): void;
  writeActionMask(agent: number, out: Uint8Array, offset: number): void;
  writeMessageMask(agent: number, out: Uint8Array, offset: number): void;
  writeFeatures(agent: number, out: Float32Array, offset: number): void;
  /** The current world state for a centralised critic: never events that have not happened. */
  writeState(out: Float32Array, offset: number): void;
  /** What `agent` sees now, in words (not the candidates or messages). */
  renderView(agent: number): string;
  /** Action candidate `action` as `agent` reads it. */
  actionText(agent: number, action: number): string;
  /** Message candidate `message` as text ("" for silent). */
  messageText(message: number): string;
}

/** A policy over a whole team: writes one action and one message per agent from the sim's state. */
export interface TeamPolicy {
  readonly name: string;
  /** Resets any memory at the start of an episode. */
  reset(sim: TaskSim): void;
  act(sim: TaskSim, rng: Rng, actions: Int32Array, messages: Int32Array): void;
}

/** The reference policies every family provides; scores are normalised oracle = 1, nothing = 0. */
export const REFERENCE_POLICIES = [
  "oracle",
  "oracle-no-comm",
  "greedy",
  "random",
  "nothing",
] as const;
/** A reference policy name. */
export type ReferencePolicyName = (typeof REFERENCE_POLICIES)[number];

/** The generator's knobs; each family maps them onto its own task structure. */
export interface GeneratorParams {
  readonly agents: number;
  readonly horizon: number;
  /** 0..1: how densely subtasks/demands depend on each other. */
  readonly dependency: number;
  /** 0..1: how much agents' actions interact (joint work, shared skills, pooled demands). */
  readonly coupling: number;
  /** 0..1: how much of the team an agent sees (1 = full view). */
  readonly view: number;
  /** 0..1: how often conditions change mid-episode. */
  readonly disruption: number;
}

/** Header fields every stored task has. */
export interface TaskHeader {
  readonly family: string;
  readonly version: number;
  readonly id: string;
  readonly stratum: string;
  readonly params: GeneratorParams;
}

/** A task family: validation of stored tasks, the simulator, the generator, reference policies. */
export interface TaskFamily<T extends TaskHeader = TaskHeader> {
  readonly name: string;
  readonly version: number;
  /** Checks a parsed JSON record; throws an InputError naming `where` and the field. */
  validate(raw: unknown, where: string): T;
  createSim(task: T): TaskSim;
  /** A task from generator params, deterministic in `rng`. */
  generate(header: Omit<TaskHeader, "family" | "version">, rng: Rng): T;
  /** The task with every event after step `t` removed (for the "no future in state" check). */
  withoutEventsAfter(task: T, t: number): T;
  /** Makes a reference policy. */
  policy(name: ReferencePolicyName): TeamPolicy;
}
