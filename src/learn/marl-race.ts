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

import { Rng } from "../core/prng.js";
import type { TextEncoder } from "../encode/encoder.js";
import { HashingEncoder } from "../encode/hashing.js";
import type { Gemm } from "../model/gemm.js";
import type { LearnerConfig } from "./config.js";
import { epymarlConfig } from "./epymarl.js";
import { evaluatePolicy } from "./evaluate.js";
import { Learner } from "./learner.js";
import { EPYMARL_TASK_OPTIONS, marlTrainingTasks } from "./marl-tasks.js";
import { ReferenceScores } from "./tasks.js";

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

/** The text encoder the numeric-only race uses: views are one constant text, so any tiny one does. */
function raceEncoder(): TextEncoder {
  return new HashingEncoder({ dimension: 8 });
}

/** Test layouts are the same for every run at a given test round, and never training layouts. */
const TEST_SEED_BASE = 1_000_000_000;

/** Trains one EPyMARL-style run and returns its test curve. */
export async function runRace(options: RaceOptions): Promise<RaceResult> {
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
        firstSeed: TEST_SEED_BASE + tests.length * options.testEpisodes,
      },
    );
    const result = await evaluatePolicy(
      learner.policy,
      learner.table,
      options.gemm,
      tasks,
      new ReferenceScores(tasks),
      { greedy: options.testGreedy === true, rng, numericWidth: config.numericWidth },
    );
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
