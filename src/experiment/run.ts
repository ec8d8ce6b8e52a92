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

async function crashMidWrite(path: string, text: string): Promise<void> {
  await atomicWriteFile(path, text.slice(0, Math.floor(text.length / 2)));
  process.kill(process.ppid, "SIGKILL");
  process.kill(process.pid, "SIGKILL");
}

/** The folder of run `id` inside the study folder. */
export function runDir(dir: string, id: string): string {
  return join(dir, "runs", id);
}

/** Trains and evaluates one run, writes its files, and returns its result. */
export async function executeRun(spec: RunSpec, context: RunContext): Promise<RunResult> {
  const { config, tasks, gemm } = context;
  const fs = context.fs ?? nodeFileSystem;
  const learnerConfig = learnerConfigOf(config, spec);
  const encoder = new HashingEncoder({ dimension: config.dimension });
  const learner = new Learner({
    method: spec.method,
    config: learnerConfig,
    tasks: tasks.train,
    encoder,
    gemm,
    seed: spec.seed,
  });
  const probe = await Probe.create(context.probeSims, learner.table, learnerConfig.numericWidth);
  const validationRefs = new ReferenceScores(tasks.validation);
  const evaluate = (set: readonly TrainingTask[], refs: ReferenceScores) =>
    evaluatePolicy(learner.policy, learner.table, gemm, set, refs, {
      greedy: config.greedyEvaluation,
      rng: Rng.fromSeed(spec.seed).split("evaluation"),
      numericWidth: learnerConfig.numericWidth,
    });
  const steps: number[] = [];
  const validationScore: number[] = [];
  const validationReturn: number[] = [];
  const probeTv: number[] = [];
  const snapshots: Float32Array[] = [];
  const rows: MetricsRow[] = [];
  const checkpoint = async (row: Record<string, number>) => {
    const evaluation = await evaluate(tasks.validation, validationRefs);
    const probs = probe.probabilities(learner.policy, gemm);
    const tv =
      snapshots.length === 0
        ? 0
        : meanTotalVariation(probe.offsets, probs, snapshots[snapshots.length - 1]);
    snapshots.push(probs);
    steps.push(learner.jointSteps);
    validationScore.push(evaluation.meanNormalisedScore);
    validationReturn.push(evaluation.meanTeamReturn);
    probeTv.push(tv);
    row["eval/validation_score"] = evaluation.meanNormalisedScore;
    row["eval/validation_return"] = evaluation.meanTeamReturn;
    row["probe/tv_step"] = tv;
  };
  const started = performance.now();
  const first: Record<string, number> = { iteration: 0, "budget/joint_steps": 0 };
  await checkpoint(first);
  rows.push(first);
  let nextProbe = config.probeEvery;
  await learner.train(spec.budget, {
    async onIteration(row) {
      const copy: Record<string, number> = { ...row };
      if (learner.jointSteps >= nextProbe || learner.jointSteps >= spec.budget) {
        await checkpoint(copy);
        while (nextProbe <= learner.jointSteps) nextProbe += config.probeEvery;
      }
      rows.push(copy);
      return false;
    },
  });
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
  const folder = runDir(context.dir, spec.id);
  await atomicWriteFile(join(folder, "metrics.jsonl"), toJsonl(rows), fs);
  const text = `${canonicalJson(result)}\n`;
  if (process.env[CRASH_HOOK] === spec.id) await crashMidWrite(join(folder, "result.json"), text);
  await atomicWriteFile(join(folder, "result.json"), text, fs);
  return result;
}
