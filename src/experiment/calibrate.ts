/**
 * A short calibration run for the time projection of a large study (the `paper` preset): a few
 * training iterations of one run of the study's own config (its first method, first grid point,
 * first tuning seed) timed after one warm-up iteration, and the reference scores and a greedy
 * episode timed on a sample of validation and test tasks. {@link projectStudy} turns the measured
 * rates into core-seconds for the whole study. Nothing is written to disk.
 */
import { Rng } from "../core/prng.js";
import { evaluatePolicy } from "../learn/evaluate.js";
import { ReferenceScores, type TrainingTask } from "../learn/tasks.js";
import type { StudyConfig } from "./presets.js";
import { buildLearner, type RunContext, type RunSpec } from "./run.js";

/** What a calibration run measured. */
export interface Calibration {
  readonly method: string;
  /** Timed iterations (after one warm-up) and the joint steps they took. */
  readonly iterations: number;
  readonly jointSteps: number;
  readonly trainSeconds: number;
  /** Training joint steps per second, one thread. */
  readonly stepsPerSecond: number;
  /** Seconds per task to compute the reference scores (oracle and baselines), then one episode. */
  readonly referenceSecondsPerTask: number;
  readonly evaluationSecondsPerTask: number;
  /** Tasks evaluated per validation point and per test evaluation in this study. */
  readonly validationTasks: number;
  readonly testTasks: number;
  /** Wall seconds the calibration took (after the task sets were built). */
  readonly seconds: number;
}

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Timed iterations after the warm-up one (default 3). */
  readonly iterations?: number;
  /** Tasks of the evaluation sample, taken from validation and each test group in turn (default 8). */
  readonly evaluationTasks?: number;
}

function sample(context: RunContext, count: number): TrainingTask[] {
  const pools = [context.tasks.validation, ...context.tasks.test.map((g) => g.tasks)];
  const out: TrainingTask[] = [];
  for (let round = 0; out.length < count; round++) {
    let added = false;
    for (const pool of pools) {
      if (round < pool.length && out.length < count) {
        out.push(pool[round]);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

/** Times a few iterations of the study's first run and a sample of evaluation episodes. */
export async function calibrate(
  context: RunContext,
  options: CalibrateOptions = {},
): Promise<Calibration> {
  const started = performance.now();
  const { config } = context;
  const spec: RunSpec = {
    id: "calibration",
    phase: "selection",
    method: config.methods[0],
    seed: config.tuningSeeds[0],
    point: 0,
    budget: config.selectionBudget,
  };
  const { learner, numericWidth } = await buildLearner(spec, context);
  await learner.iterate();
  const iterations = options.iterations ?? 3;
  const steps0 = learner.jointSteps;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await learner.iterate();
  const trainSeconds = (performance.now() - t0) / 1000;
  const jointSteps = learner.jointSteps - steps0;
  const tasks = sample(context, options.evaluationTasks ?? 8);
  const refs = new ReferenceScores(tasks);
  const t1 = performance.now();
  for (let i = 0; i < tasks.length; i++) refs.returns(i);
  const t2 = performance.now();
  await evaluatePolicy(learner.policy, learner.table, context.gemm, tasks, refs, {
    greedy: config.greedyEvaluation,
    rng: Rng.fromSeed(spec.seed).split("evaluation"),
    numericWidth,
  });
  const t3 = performance.now();
  const perTask = (ms: number) => ms / 1000 / Math.max(tasks.length, 1);
  return {
    method: spec.method,
    iterations,
    jointSteps,
    trainSeconds,
    stepsPerSecond: jointSteps / Math.max(trainSeconds, 1e-9),
    referenceSecondsPerTask: perTask(t2 - t1),
    evaluationSecondsPerTask: perTask(t3 - t2),
    validationTasks: context.tasks.validation.length,
    testTasks: context.tasks.test.reduce((n, g) => n + g.tasks.length, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The projected cost of a study from a calibration. */
export interface Projection {
  readonly selectionRuns: number;
  readonly finalRuns: number;
  /** Seconds of one worker (one core) for every run: training, validation points, test. */
  readonly coreSeconds: number;
}

/**
 * Core-seconds for the whole study at the calibrated rates: per run, its budget at the training
 * rate, a validation evaluation at each probe point (budget / K + 1 of them) plus the validation
 * references once, and for each reported run the test references and episodes.
 */
export function projectStudy(config: StudyConfig, c: Calibration): Projection {
  const selectionRuns = config.methods.length * config.grid.length * config.tuningSeeds.length;
  const finalRuns = config.methods.length * config.seeds.length;
  const perEpisode = c.evaluationSecondsPerTask;
  const run = (budget: number) =>
    budget / c.stepsPerSecond +
    (Math.ceil(budget / config.probeEvery) + 1) * c.validationTasks * perEpisode +
    c.validationTasks * c.referenceSecondsPerTask;
  const test = c.testTasks * (c.referenceSecondsPerTask + perEpisode);
  return {
    selectionRuns,
    finalRuns,
    coreSeconds:
      selectionRuns * run(config.selectionBudget) + finalRuns * (run(config.budget) + test),
  };
}
