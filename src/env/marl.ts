/**
 * The standard MARL environments by scenario id: `makeMarlEnv("simple_spread_v3", { agents: 3 })`,
 * `makeMarlEnv("Foraging-8x8-2p-2f-v3")`. Each returns a {@link TaskSim} (wrap it in ParallelEnv for
 * PettingZoo's parallel API). Unknown ids and options fail listing the valid ones.
 *
 * Also the random-policy episode loop that the parity tests and the throughput benchmark share.
 */
import { ConfigError } from "../core/errors.js";
import type { Rng } from "../core/prng.js";
import { ForagingSim } from "./lbf/foraging.js";
import { foragingHeuristicPolicy } from "./lbf/heuristic.js";
import { FORAGING_ID_PATTERN, isForagingId, parseForagingId } from "./lbf/ids.js";
import { spreadHeuristicPolicy } from "./mpe/heuristic.js";
import { type SpreadOptions, SpreadSim } from "./mpe/simple-spread.js";
import { randomPolicy, runEpisode } from "./policies.js";
import { SILENT, type TaskSim, type TeamPolicy } from "./types.js";

/** Options a scenario accepts (Simple Spread's; Foraging ids take none: the id says everything). */
export type MarlOptions = SpreadOptions;

/** A standard MARL simulator: a {@link TaskSim} that also says whether its end was a truncation. */
export type MarlSim = TaskSim & { readonly truncated: boolean };

interface Scenario {
  readonly options: readonly string[];
  make(options: MarlOptions): MarlSim;
}

const SPREAD_OPTIONS = ["agents", "localRatio", "maxCycles"] as const;

const scenarios: ReadonlyMap<string, Scenario> = new Map([
  [
    "simple_spread_v3",
    { options: SPREAD_OPTIONS, make: (o: MarlOptions) => new SpreadSim({ ...o, variant: "v3" }) },
  ],
  [
    "simple_spread_v2",
    { options: SPREAD_OPTIONS, make: (o: MarlOptions) => new SpreadSim({ ...o, variant: "v2" }) },
  ],
]);

/** Every scenario id pattern {@link makeMarlEnv} accepts. */
export const MARL_SCENARIOS: readonly string[] = [...scenarios.keys(), FORAGING_ID_PATTERN];

/** Makes the simulator for a scenario id; throws a ConfigError listing valid ids and options. */
export function makeMarlEnv(id: string, options: MarlOptions = {}): MarlSim {
  const scenario: Scenario | undefined = isForagingId(id)
    ? { options: [], make: () => new ForagingSim(parseForagingId(id)) }
    : scenarios.get(id);
  if (scenario === undefined) {
    throw new ConfigError({
      input: `scenario "${id}"`,
      problem: "unknown scenario",
      expected: `one of ${MARL_SCENARIOS.join(", ")}`,
      actual: id,
      fix: "pick a listed id, e.g. simple_spread_v3 or Foraging-8x8-2p-2f-v3",
    });
  }
  const unknown = Object.keys(options).filter((key) => !scenario.options.includes(key));
  if (unknown.length > 0) {
    throw new ConfigError({
      input: `scenario "${id}" options`,
      problem: `unknown option ${unknown.join(", ")}`,
      expected:
        scenario.options.length > 0
          ? `only ${scenario.options.join(", ")}`
          : "no options (the id fixes the task)",
      actual: JSON.stringify(options),
      fix: "drop the unknown options",
    });
  }
  return scenario.make(options);
}

/** Buffers for {@link playRandomEpisode}, allocated once per simulator. */
export interface EpisodeBuffers {
  readonly actions: Int32Array;
  readonly messages: Int32Array;
  readonly rewards: Float64Array;
  /** One agent's features (written every step when `observe` is on). */
  readonly features: Float32Array;
}

/** Allocates the buffers {@link playRandomEpisode} needs for `sim`. */
export function episodeBuffers(sim: TaskSim): EpisodeBuffers {
  return {
    actions: new Int32Array(sim.numAgents),
    messages: new Int32Array(sim.numAgents).fill(SILENT),
    rewards: new Float64Array(sim.numAgents),
    features: new Float32Array(sim.featureSize),
  };
}

/**
 * Plays one episode from `reset(seed)` with uniformly random actions over all `numActions` (the
 * standard ports allow every action at every step) and returns the team return (rewards summed
 * over agents and steps). With `observe`, every agent's features are written after the reset and
 * each step, as a parallel-API loop would produce them.
 */
export function playRandomEpisode(
  sim: TaskSim,
  seed: number,
  rng: Rng,
  buffers: EpisodeBuffers,
  observe = false,
): number {
  const { actions, messages, rewards, features } = buffers;
  sim.reset(seed);
  if (observe) for (let i = 0; i < sim.numAgents; i++) sim.writeFeatures(i, features, 0);
  let total = 0;
  while (!sim.done) {
    for (let i = 0; i < sim.numAgents; i++) actions[i] = rng.int(sim.numActions);
    sim.step(actions, messages, rewards);
    for (let i = 0; i < sim.numAgents; i++) total += rewards[i];
    if (observe) for (let i = 0; i < sim.numAgents; i++) sim.writeFeatures(i, features, 0);
  }
  return total;
}

/** Mean and standard error of a policy's team return over seeded episodes. */
export interface ReturnStats {
  readonly episodes: number;
  readonly mean: number;
  /** Standard error of the mean (sample standard deviation / √episodes). */
  readonly se: number;
}

/** Plays `episodes` episodes of `policy` (seeds 0, 1, …) and summarises their team returns. */
export function policyReturnStats(
  sim: TaskSim,
  policy: TeamPolicy,
  episodes: number,
  rng: Rng,
): ReturnStats {
  if (!Number.isInteger(episodes) || episodes < 2) {
    throw new ConfigError({
      input: "policyReturnStats episodes",
      problem: "too few episodes for a standard error",
      expected: "an integer ≥ 2",
      actual: String(episodes),
      fix: "pass more episodes, e.g. 10000",
    });
  }
  let sum = 0;
  let squares = 0;
  for (let seed = 0; seed < episodes; seed++) {
    const total = runEpisode(sim, policy, rng, seed);
    sum += total;
    squares += total * total;
  }
  const mean = sum / episodes;
  const variance = Math.max(0, (squares - episodes * mean * mean) / (episodes - 1));
  return { episodes, mean, se: Math.sqrt(variance / episodes) };
}

/** {@link policyReturnStats} for the uniformly random policy over all actions. */
export function randomReturnStats(sim: TaskSim, episodes: number, rng: Rng): ReturnStats {
  return policyReturnStats(sim, randomPolicy(), episodes, rng);
}

/** The hand-written heuristic for a standard MARL simulator (closest-food LBF, greedy-matching Spread). */
export function marlHeuristicPolicy(sim: TaskSim): TeamPolicy {
  return sim instanceof ForagingSim ? foragingHeuristicPolicy() : spreadHeuristicPolicy();
}
