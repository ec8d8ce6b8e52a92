/**
 * One training run of the race against EPyMARL on a standard MARL scenario, evaluated as EPyMARL
 * does (run.py): after each update, when at least `testInterval` joint steps have passed since the
 * last test (the first test follows the first update), `testEpisodes` test episodes are played;
 * they are not training steps, but their time is in the wall time. Training stops once
 * `budget` joint steps are reached, with a final test there if the schedule did not just test.
 *
 * Test actions are sampled from the policy, not its argmax: EPyMARL's IPPO and MAPPO configs use
 * the `soft_policies` action selector (components/action_selectors.py), whose select_action draws
 * from Categorical(π) whatever `test_mode` and `test_greedy` say. This matters on LBF: a
 * memoryless greedy policy locks into loops (two agents wanting one cell both stay, forever), so
 * the argmax scores a fraction of what the same policy samples (IPPO at 61k joint steps: 0.10
 * greedy, 0.57 sampled). `testGreedy: true` gives the argmax tests (a labelled extra, not EPyMARL's).
 */

import { ConfigError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import type { TextEncoder } from "../encode/encoder.js";
import { LabelEncoder } from "../encode/label.js";
import type { Gemm } from "../model/gemm.js";
import type { LearnerConfig } from "./config.js";
import { epymarlConfig } from "./epymarl.js";
import { evaluatePolicy } from "./evaluate.js";
import { Learner } from "./learner.js";
import { EPYMARL_TASK_OPTIONS, marlTrainingTasks } from "./marl-tasks.js";

/** One test point of a run. */
export interface RaceTest {
  /** Joint training steps when the test ran. */
  readonly step: number;
  /** Mean team return of the test episodes. */
  readonly meanReturn: number;
  /** Wall seconds since the run started (training and tests). */
  readonly wallSeconds: number;
}

/** What {@link runRace} needs. */
export interface RaceOptions {
  /** "ippo" or "mappo". */
  readonly algorithm: string;
  /** A scenario id of makeMarlEnv, e.g. "simple_spread_v3". */
  readonly scenario: string;
  readonly seed: number;
  /** Joint training steps to reach. */
  readonly budget: number;
  readonly testInterval: number;
  readonly testEpisodes: number;
  readonly gemm: Gemm;
  /** Config fields on top of EPyMARL's defaults (a tuned row, or a small test budget). */
  readonly overrides?: Partial<LearnerConfig>;
  /**
   * Play the tests with the policy's most probable action instead of sampling it (default false:
   * sampled, as EPyMARL's soft_policies selector does in test mode).
   */
  readonly testGreedy?: boolean;
  /** Called after each test. */
  readonly onTest?: (test: RaceTest) => void;
}

/** The outcome of {@link runRace}. */
export interface RaceResult {
  readonly tests: readonly RaceTest[];
  readonly steps: number;
  readonly wallSeconds: number;
}

/**
 * The text encoder of the numeric-only race: the views are one constant text and the only other
 * texts are the action names, which must stay independent (EPyMARL's output layer has a free
 * logit per action), so each text gets its own random row (see LabelEncoder: 8 hashing buckets
 * tied LBF's "none" to −"load" and "west" to −"east").
 */
function raceEncoder(): TextEncoder {
  return new LabelEncoder();
}

/**
 * Test layouts come from each run's own stream, as in EPyMARL, whose test episodes are played on
 * the run's environments (seeded by the run's seed): runs with different seeds meet different
 * layouts, so the spread of final scores over seeds includes the layout draw, as EPyMARL's does.
 * (With one layout set for every seed, the ~0.015 standard error of a 100-episode LBF mean was
 * shared by every seed and missing from the Welch interval.) IPPO and MAPPO with the same seed
 * meet the same layouts. Reset seeds from 10⁹ up are never training layouts.
 */
const TEST_SEED_BASE = 1_000_000_000;
/** Reset seeds reserved for each run's tests (more than any test schedule uses). */
const TEST_SEEDS_PER_RUN = 1_000_000;

/** The reset seed of the first test layout of run `seed`'s test round `round` (0 first). */
export function raceTestFirstSeed(seed: number, round: number, episodes: number): number {
  return TEST_SEED_BASE + seed * TEST_SEEDS_PER_RUN + round * episodes;
}

/** Trains one EPyMARL-style run and returns its test curve. */
export async function runRace(options: RaceOptions): Promise<RaceResult> {
  const testSeeds = Math.ceil(options.budget / options.testInterval + 2) * options.testEpisodes;
  if (
    !Number.isInteger(options.seed) ||
    options.seed < 0 ||
    options.seed > 1000 ||
    testSeeds > TEST_SEEDS_PER_RUN
  ) {
    throw new ConfigError({
      input: `race seed ${options.seed} / test schedule`,
      problem: "does not fit the reserved test layouts",
      expected: `a seed in 0…1000 and at most ${TEST_SEEDS_PER_RUN} test episodes per run`,
      actual: `seed ${options.seed}, about ${testSeeds} test episodes`,
      fix: "use a smaller seed, fewer test episodes or a longer test interval",
    });
  }
  const { method, config } = epymarlConfig(options.algorithm, options.scenario, options.overrides);
  const started = performance.now();
  const learner = new Learner({
    method,
    config,
    // Fresh layouts: the task's seed is ignored and every reset draws a new layout.
    tasks: marlTrainingTasks(options.scenario, 1, {}, EPYMARL_TASK_OPTIONS),
    encoder: raceEncoder(),
    gemm: options.gemm,
    seed: options.seed,
  });
  const rng = Rng.fromSeed(`race-test-${options.seed}`);
  const tests: RaceTest[] = [];
  let lastTest = Number.NEGATIVE_INFINITY;
  const test = async () => {
    const tasks = marlTrainingTasks(
      options.scenario,
      options.testEpisodes,
      {},
      {
        ...EPYMARL_TASK_OPTIONS,
        freshLayouts: false,
        firstSeed: raceTestFirstSeed(options.seed, tests.length, options.testEpisodes),
      },
    );
    const result = await evaluatePolicy(learner.policy, learner.table, options.gemm, tasks, null, {
      greedy: options.testGreedy === true,
      rng,
      numericWidth: config.numericWidth,
    });
    lastTest = learner.jointSteps;
    const point = {
      step: learner.jointSteps,
      meanReturn: result.meanTeamReturn,
      wallSeconds: (performance.now() - started) / 1000,
    };
    tests.push(point);
    options.onTest?.(point);
  };
  while (learner.jointSteps < options.budget) {
    await learner.iterate();
    if (learner.jointSteps - lastTest >= options.testInterval) await test();
  }
  if (lastTest !== learner.jointSteps) await test();
  return { tests, steps: learner.jointSteps, wallSeconds: (performance.now() - started) / 1000 };
}
