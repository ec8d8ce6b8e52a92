/**
 * One run of the study: a learner of one method, seed and grid point trained for its budget, with
 * the validation curve and the probe snapshots taken every K joint environment steps, and, for the
 * reported runs, the evaluation on every test group. Writes `runs/ID/metrics.jsonl` (the learner's
 * rows plus `eval/…` and `probe/…` keys at the probe points) and `runs/ID/result.json` atomically.
 */
import { join } from "node:path";
import { atomicWriteFile, type FileSystem, nodeFileSystem } from "../core/fs.js";
import { canonicalJson, toJsonl } from "../core/json.js";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import type { TaskSim } from "../env/types.js";
import { resolveConfig } from "../learn/config.js";
import { evaluatePolicy } from "../learn/evaluate.js";
import { Learner } from "../learn/learner.js";
import type { MetricsRow } from "../learn/metrics.js";
import { loadLearnerState, saveLearnerState } from "../learn/state.js";
import { ReferenceScores, type TrainingTask } from "../learn/tasks.js";
import type { Gemm } from "../model/gemm.js";
import { meanTotalVariation, type Oscillation, policyOscillation } from "./metrics.js";
import type { GridPoint, StudyConfig } from "./presets.js";
import { Probe } from "./probe.js";
import type { StudyTasks } from "./study-tasks.js";

/** What one run is: enough to replay it alone. */
export interface RunSpec {
  readonly id: string;
  readonly phase: "selection" | "final";
  readonly method: string;
  readonly seed: number;
  /** Index into the config's grid. */
  readonly point: number;
  readonly budget: number;
}

/** Test outcome of one group of tasks (indexed like the group's tasks). */
export interface GroupResult {
  readonly family: string;
  readonly seen: boolean;
  readonly teamReturns: readonly number[];
  readonly scores: readonly number[];
}

/** What a worker reports while a run trains (IPC `progress` message). */
export interface RunProgressReport {
  readonly id: string;
  readonly jointSteps: number;
  readonly budget: number;
  /** Joint steps the run had when this process took it up (a resumed run starts above 0). */
  readonly startSteps: number;
  /** Wall seconds since this process took the run up. */
  readonly seconds: number;
}

/** What one run produced (result.json); wall time is kept apart from the deterministic fields. */
export interface RunResult {
  readonly spec: RunSpec;
  readonly jointSteps: number;
  readonly iterations: number;
  readonly curve: {
    readonly steps: readonly number[];
    readonly validationScore: readonly number[];
    readonly validationReturn: readonly number[];
    /** Mean TV between successive probe snapshots (0 at the first). */
    readonly probeTv: readonly number[];
  };
  readonly oscillation: Oscillation;
  readonly validation: { readonly meanTeamReturn: number; readonly meanNormalisedScore: number };
  readonly test: readonly GroupResult[];
  readonly wallSeconds: number;
}

/** What every run of a study shares (built once per process). */
export interface RunContext {
  readonly config: StudyConfig;
  readonly tasks: StudyTasks;
  readonly probeSims: readonly TaskSim[];
  readonly gemm: Gemm;
  readonly dir: string;
  readonly fs?: FileSystem;
  /** Where notices go: a damaged checkpoint, a run resumed from its checkpoint. */
  readonly warn?: (line: string) => void;
  /** Test hook: throw right after the Nth checkpoint of a run is saved (a crash at a boundary). */
  readonly crashAfterSave?: number;
  /**
   * Live progress (display only): called when a run starts, at every probe point and at most once
   * a second in between. Never affects what the run computes.
   */
  readonly onProgress?: (report: RunProgressReport) => void;
}

/** The learner config of `spec`: the method preset, the study's sizes and the grid point. */
export function learnerConfigOf(config: StudyConfig, spec: RunSpec) {
  const point: GridPoint = config.grid[spec.point];
  const methodFields = config.methodGrids[spec.method]?.[spec.point] ?? {};
  return resolveConfig(spec.method, {
    envs: config.envs,
    hidden: config.hidden,
    epochs: config.epochs,
    minibatchTeams: Math.min(config.minibatchTeams, config.envs * point.rolloutSteps),
    heads: 2,
    ...point,
    ...methodFields,
  });
}

/**
 * Test hook: when this environment variable names a run, the worker writing that run's result
 * leaves half of it on disk in place (a torn, non-atomic write) and then kills the study and
 * itself with SIGKILL, as a power cut in the middle of a write would.
 */
export const CRASH_HOOK = "TROUPE_TEST_CRASH_IN_WRITE";

/**
 * Test hook: `RUN_ID:N` kills the study and the worker with SIGKILL right after run RUN_ID saved
 * its Nth in-run checkpoint (a `kill -9` inside a run).
 */
export const KILL_AFTER_SAVE_HOOK = "TROUPE_TEST_KILL_AFTER_SAVE";

async function crashMidWrite(path: string, text: string): Promise<void> {
  await atomicWriteFile(path, text.slice(0, Math.floor(text.length / 2)));
  process.kill(process.ppid, "SIGKILL");
  process.kill(process.pid, "SIGKILL");
}

/** The folder of run `id` inside the study folder. */
export function runDir(dir: string, id: string): string {
  return join(dir, "runs", id);
}

/** What a run has recorded so far; saved beside the learner checkpoint (progress.json). */
interface RunProgress {
  jointSteps: number;
  nextProbe: number;
  wallSeconds: number;
  rows: MetricsRow[];
  steps: number[];
  validationScore: number[];
  validationReturn: number[];
  probeTv: number[];
  snapshots: number[][];
}

/** The learner of `spec` and the probe, built the same way in every run and resumption. */
export async function buildLearner(spec: RunSpec, context: RunContext) {
  const learnerConfig = learnerConfigOf(context.config, spec);
  const learner = new Learner({
    method: spec.method,
    config: learnerConfig,
    tasks: context.tasks.train,
    encoder: new HashingEncoder({ dimension: context.config.dimension }),
    gemm: context.gemm,
    seed: spec.seed,
  });
  // The probe texts are registered first, in every run and every resumption alike.
  const probe = await Probe.create(context.probeSims, learner.table, learnerConfig.numericWidth);
  return { learner, probe, numericWidth: learnerConfig.numericWidth };
}

/**
 * Trains and evaluates one run, writes its files, and returns its result. At every probe point
 * the learner state (state.ckpt) and what was recorded (progress.json) are saved atomically; a
 * run that finds both continues from them, and one whose checkpoint is damaged says so and starts
 * over (that run only).
 */
export async function executeRun(spec: RunSpec, context: RunContext): Promise<RunResult> {
  const { config, tasks, gemm } = context;
  const fs = context.fs ?? nodeFileSystem;
  const folder = runDir(context.dir, spec.id);
  const statePath = join(folder, "state.ckpt");
  const progressPath = join(folder, "progress.json");
  let built = await buildLearner(spec, context);
  let progress: RunProgress = {
    jointSteps: 0,
    nextProbe: config.probeEvery,
    wallSeconds: 0,
    rows: [],
    steps: [],
    validationScore: [],
    validationReturn: [],
    probeTv: [],
    snapshots: [],
  };
  if ((await fs.exists(progressPath)) && (await fs.exists(statePath))) {
    try {
      const saved = JSON.parse((await fs.readFile(progressPath)).toString("utf8")) as RunProgress;
      await loadLearnerState(statePath, built.learner, fs);
      if (built.learner.jointSteps !== saved.jointSteps) throw new Error("step counts differ");
      progress = saved;
      context.warn?.(
        `troupe reproduce: run ${spec.id}: resuming from its checkpoint at ${saved.jointSteps} joint steps\n`,
      );
    } catch (error) {
      context.warn?.(
        `troupe reproduce: run ${spec.id}: damaged checkpoint (${statePath}: ${(error as Error).message}); restarting this run\n`,
      );
      built = await buildLearner(spec, context);
    }
  }
  const { learner, probe, numericWidth } = built;
  const startSteps = learner.jointSteps;
  const takenUp = performance.now();
  let reported = Number.NEGATIVE_INFINITY;
  const report = (force: boolean) => {
    const now = performance.now();
    if (context.onProgress === undefined || (!force && now - reported < 1000)) return;
    reported = now;
    context.onProgress({
      id: spec.id,
      jointSteps: learner.jointSteps,
      budget: spec.budget,
      startSteps,
      seconds: (now - takenUp) / 1000,
    });
  };
  report(true);
  const validationRefs = new ReferenceScores(tasks.validation);
  const evaluate = (set: readonly TrainingTask[], refs: ReferenceScores) =>
    evaluatePolicy(learner.policy, learner.table, gemm, set, refs, {
      greedy: config.greedyEvaluation,
      rng: Rng.fromSeed(spec.seed).split("evaluation"),
      numericWidth,
    });
  const snapshots: Float32Array[] = progress.snapshots.map((s) => Float32Array.from(s));
  const probePoint = async (row: Record<string, number>) => {
    const evaluation = await evaluate(tasks.validation, validationRefs);
    const probs = probe.probabilities(learner.policy, gemm);
    const tv =
      snapshots.length === 0
        ? 0
        : meanTotalVariation(probe.offsets, probs, snapshots[snapshots.length - 1]);
    snapshots.push(probs);
    progress.snapshots.push(Array.from(probs));
    progress.steps.push(learner.jointSteps);
    progress.validationScore.push(evaluation.meanNormalisedScore);
    progress.validationReturn.push(evaluation.meanTeamReturn);
    progress.probeTv.push(tv);
    row["eval/validation_score"] = evaluation.meanNormalisedScore;
    row["eval/validation_return"] = evaluation.meanTeamReturn;
    row["probe/tv_step"] = tv;
  };
  const started = performance.now() - progress.wallSeconds * 1000;
  let saves = 0;
  const save = async () => {
    progress.jointSteps = learner.jointSteps;
    progress.wallSeconds = (performance.now() - started) / 1000;
    await saveLearnerState(statePath, learner, fs);
    await atomicWriteFile(progressPath, JSON.stringify(progress), fs);
    saves++;
    if (saves === context.crashAfterSave) throw new Error(`test crash after checkpoint ${saves}`);
    if (process.env[KILL_AFTER_SAVE_HOOK] === `${spec.id}:${saves}`) {
      process.kill(process.ppid, "SIGKILL");
      process.kill(process.pid, "SIGKILL");
    }
  };
  if (progress.rows.length === 0) {
    const first: Record<string, number> = { iteration: 0, "budget/joint_steps": 0 };
    await probePoint(first);
    progress.rows.push(first);
  }
  await learner.train(spec.budget, {
    async onIteration(row) {
      const copy: Record<string, number> = { ...row };
      const atProbe = learner.jointSteps >= progress.nextProbe || learner.jointSteps >= spec.budget;
      if (atProbe) {
        await probePoint(copy);
        while (progress.nextProbe <= learner.jointSteps) progress.nextProbe += config.probeEvery;
      }
      progress.rows.push(copy);
      if (atProbe && learner.jointSteps < spec.budget) await save();
      report(atProbe);
      return false;
    },
  });
  const { rows, steps, validationScore, validationReturn, probeTv } = progress;
  const test: GroupResult[] = [];
  if (spec.phase === "final") {
    for (const group of tasks.test) {
      const refs = new ReferenceScores(group.tasks);
      const evaluation = await evaluate(group.tasks, refs);
      test.push({
        family: group.family,
        seen: group.seen,
        teamReturns: evaluation.teamReturns,
        scores: evaluation.teamReturns.map((r, i) => refs.normalised(i, r)),
      });
    }
  }
  const result: RunResult = {
    spec,
    jointSteps: learner.jointSteps,
    iterations: learner.iteration,
    curve: { steps, validationScore, validationReturn, probeTv },
    oscillation: policyOscillation({ offsets: probe.offsets, snapshots }),
    validation: {
      meanTeamReturn: validationReturn[validationReturn.length - 1],
      meanNormalisedScore: validationScore[validationScore.length - 1],
    },
    test,
    wallSeconds: (performance.now() - started) / 1000,
  };
  await atomicWriteFile(join(folder, "metrics.jsonl"), toJsonl(rows), fs);
  const text = `${canonicalJson(result)}\n`;
  if (process.env[CRASH_HOOK] === spec.id) await crashMidWrite(join(folder, "result.json"), text);
  await atomicWriteFile(join(folder, "result.json"), text, fs);
  return result;
}
