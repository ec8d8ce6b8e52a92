/**
 * `reproduce` as a function: the seed paper's protocol run end to end. Hyper-parameter selection on
 * validation (the same grid size and tuning seeds for every method, disjoint from the reported
 * seeds, scored on the raw undiscounted validation return), then every reported seed per method
 * with the chosen values, test evaluation on seen and unseen strata, aggregation in run-id order,
 * and the files: config.json, runs/ID/{metrics.jsonl,result.json}, results.json, timings.json,
 * figures/, report.md and report.html. Finished runs are kept, so `--resume` redoes only the rest.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { atomicWriteFile, type FileSystem, nodeFileSystem } from "../core/fs.js";
import { canonicalJson } from "../core/json.js";
import { describeEncoder } from "../encode/encoder.js";
import { HashingEncoder } from "../encode/hashing.js";
import { referenceReturns } from "../env/evaluate.js";
import { normalise } from "../env/policies.js";
import { describeGemm, resolveGemm } from "../model/backend.js";
import { aggregate, type Protocol, type ReferenceTable, type StudyResults } from "./aggregate.js";
import { writeFigures } from "./figures.js";
import type { StudyConfig } from "./presets.js";
import { Progress } from "./progress.js";
import { renderReport } from "./report.js";
import { learnerConfigOf, type RunResult, type RunSpec } from "./run.js";
import { ProcessPoolRunner, type Runner, workerCount } from "./runner.js";
import { mean } from "./stats.js";
import { acquireLock, checkFolder, readFinished, writeIdentity } from "./store.js";
import { buildStudyTasks, type StudyTasks } from "./study-tasks.js";

/** Options of {@link runStudy}. */
export interface StudyOptions {
  readonly config: StudyConfig;
  readonly dir: string;
  readonly resume: boolean;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
  /** True when the log is a terminal: the progress line is redrawn in place instead of appended. */
  readonly interactive?: boolean;
  /** The terminal's width in columns (the redrawn line is cut to fit); default 80. */
  readonly width?: number;
  readonly fs?: FileSystem;
  /** Builds the runner (tests swap it); default: the local process pool. */
  readonly runner?: (config: StudyConfig, dir: string, runs: number) => Runner;
}

/** What {@link runStudy} did. */
export interface StudyOutcome {
  readonly reportPath: string;
  /** True when the folder already held the finished study and nothing was run. */
  readonly alreadyFinished: boolean;
}

/** The selection runs: every method × grid point × tuning seed. */
export function selectionSpecs(config: StudyConfig): RunSpec[] {
  return config.methods.flatMap((method) =>
    config.grid.flatMap((_, point) =>
      config.tuningSeeds.map((seed) => ({
        id: `select-${method}-p${point}-s${seed}`,
        phase: "selection" as const,
        method,
        seed,
        point,
        budget: config.selectionBudget,
      })),
    ),
  );
}

/** The grid point each method keeps: the best mean raw validation return (lowest index on ties). */
export function choosePoints(
  config: StudyConfig,
  results: readonly RunResult[],
): Record<string, { scores: number[]; chosen: number }> {
  const out: Record<string, { scores: number[]; chosen: number }> = {};
  for (const method of config.methods) {
    const scores = config.grid.map((_, point) =>
      mean(
        results
          .filter((r) => r.spec.method === method && r.spec.point === point)
          .map((r) => r.validation.meanTeamReturn),
      ),
    );
    let chosen = 0;
    for (let p = 1; p < scores.length; p++) if (scores[p] > scores[chosen]) chosen = p;
    out[method] = { scores, chosen };
  }
  return out;
}

/** The reported runs: every method × reported seed at its chosen point. */
export function finalSpecs(
  config: StudyConfig,
  chosen: Record<string, { chosen: number }>,
): RunSpec[] {
  return config.methods.flatMap((method) =>
    config.seeds.map((seed) => ({
      id: `final-${method}-s${seed}`,
      phase: "final" as const,
      method,
      seed,
      point: chosen[method].chosen,
      budget: config.budget,
    })),
  );
}

function references(tasks: StudyTasks): ReferenceTable {
  const table: ReferenceTable = {};
  for (const name of ["random", "nothing", "greedy", "oracle"]) {
    const pick = (seen: boolean) => {
      const returns: number[] = [];
      const scores: number[] = [];
      for (const group of tasks.test.filter((g) => g.seen === seen)) {
        for (const { family, task } of group.tasks) {
          const r = referenceReturns(family, task) as Record<string, number>;
          returns.push(r[name]);
          scores.push(normalise(r[name], r.oracle, r.nothing));
        }
      }
      return { meanReturn: mean(returns), meanScore: mean(scores) };
    };
    table[name] = { seen: pick(true), unseen: pick(false) };
  }
  return table;
}

async function runPhase(
  specs: readonly RunSpec[],
  options: StudyOptions,
  progress: Progress,
  runner: () => Runner,
): Promise<RunResult[]> {
  const results = new Map<string, RunResult>();
  const todo: RunSpec[] = [];
  for (const spec of specs) {
    const kept = await readFinished(options.dir, spec, (l) => progress.note(l), options.fs);
    if (kept === null) todo.push(spec);
    else {
      results.set(spec.id, kept);
      progress.finish(kept, true);
    }
  }
  await runner().runAll(
    todo,
    async (result) => {
      results.set(result.spec.id, result);
      progress.finish(result, false);
    },
    (report) => progress.report(report),
  );
  return specs.map((s) => results.get(s.id) as RunResult);
}

/** Troupe's version and its dependencies' declared versions (package.json is saved exact). */
function packageVersions(): Record<string, string> {
  try {
    const url = new URL("../../package.json", import.meta.url);
    const pkg = JSON.parse(readFileSync(url, "utf8")) as {
      version: string;
      dependencies?: Record<string, string>;
    };
    return { troupe: pkg.version, ...pkg.dependencies };
  } catch {
    return { troupe: "unknown" };
  }
}

function configRecord(config: StudyConfig, specs: readonly RunSpec[]): unknown {
  const gemm = resolveGemm(config.backend);
  const encoder = new HashingEncoder({ dimension: config.dimension });
  return {
    study: config,
    backend: describeGemm(gemm),
    encoder: describeEncoder(encoder),
    node: process.versions.node,
    libraries: { ...packageVersions(), v8: process.versions.v8, openblasThreadsPerWorker: 1 },
    cpu: { model: cpus()[0]?.model ?? "unknown", cores: cpus().length },
    runs: specs.map((spec) => ({ ...spec, learner: learnerConfigOf(config, spec) })),
  };
}

/** Runs (or resumes, or recognises as finished) the study in `options.dir`. */
export async function runStudy(options: StudyOptions): Promise<StudyOutcome> {
  const { config, dir } = options;
  const fs = options.fs ?? nodeFileSystem;
  const reportPath = join(dir, "report.md");
  const state = await checkFolder(dir, config, options.resume, fs);
  if (state === "same-finished") return { reportPath, alreadyFinished: true };
  const release = await acquireLock(dir);
  let runner: Runner | null = null;
  try {
    await writeIdentity(dir, config, fs);
    const tasks = buildStudyTasks(config);
    const selection = selectionSpecs(config);
    const finalCount = config.methods.length * config.seeds.length;
    const total = selection.length + finalCount;
    const progress = new Progress({
      total,
      totalSteps: selection.length * config.selectionBudget + finalCount * config.budget,
      log: options.log,
      interactive: options.interactive ?? false,
      width: options.width,
    });
    const makeRunner = () => {
      runner ??= (options.runner ?? defaultRunner)(config, dir, total);
      return runner;
    };
    await atomicWriteFile(
      join(dir, "config.json"),
      `${JSON.stringify(configRecord(config, selection), null, 2)}\n`,
      fs,
    );
    const selected = await runPhase(selection, options, progress, makeRunner);
    const chosen = choosePoints(config, selected);
    const finals = finalSpecs(config, chosen);
    await atomicWriteFile(
      join(dir, "config.json"),
      `${JSON.stringify(configRecord(config, [...selection, ...finals]), null, 2)}\n`,
      fs,
    );
    const finished = await runPhase(finals, options, progress, makeRunner);
    const teamSizes = tasks.test.map((g) => g.tasks.map((t) => t.task.params.agents));
    const results: StudyResults = {
      protocol: protocolOf(config, tasks, chosen),
      selection: chosen,
      references: references(tasks),
      ...aggregate(finished, config, teamSizes),
    };
    const timings = {
      runs: Object.fromEntries(
        [...selected, ...finished]
          .map((r) => [r.spec.id, r.wallSeconds] as const)
          .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      ),
    };
    await atomicWriteFile(join(dir, "timings.json"), `${JSON.stringify(timings, null, 2)}\n`, fs);
    const figures = await writeFigures(join(dir, "figures"), results, fs);
    const report = renderReport(results, figures);
    await atomicWriteFile(reportPath, report.markdown, fs);
    await atomicWriteFile(join(dir, "report.html"), report.html, fs);
    const removed = Object.entries(results.outliers)
      .map(([m, o]) => `${m} ${o.removedSeeds.length}`)
      .join(", ");
    progress.note(`troupe reproduce: runs removed by the IQR rule: ${removed}\n`);
    // results.json last: its presence marks the study finished.
    await atomicWriteFile(join(dir, "results.json"), `${canonicalJson(results)}\n`, fs);
    return { reportPath, alreadyFinished: false };
  } finally {
    await (runner as Runner | null)?.close();
    await release();
  }
}

function defaultRunner(config: StudyConfig, dir: string, runs: number): Runner {
  return new ProcessPoolRunner(config, dir, workerCount(config, runs));
}

/** The protocol as run, for the report's first section. */
function protocolOf(
  config: StudyConfig,
  tasks: StudyTasks,
  chosen: Record<string, { chosen: number }>,
): Protocol {
  return {
    preset: config.preset,
    paperBudgets: config.preset === "paper",
    methods: config.methods,
    baseline: config.baseline,
    budget: config.budget,
    selectionBudget: config.selectionBudget,
    seeds: config.seeds,
    tuningSeeds: config.tuningSeeds,
    grid: config.grid,
    methodGrids: config.methodGrids,
    chosen: Object.fromEntries(
      config.methods.map((m) => [
        m,
        { ...config.grid[chosen[m].chosen], ...(config.methodGrids[m]?.[chosen[m].chosen] ?? {}) },
      ]),
    ),
    evaluation: config.greedyEvaluation ? ("greedy" as const) : ("sampled" as const),
    probeEvery: config.probeEvery,
    probeStates: config.probeStates,
    suite: { seed: config.suiteSeed, size: config.suiteSize },
    splits: {
      train: tasks.train.length,
      validation: tasks.validation.length,
      test: tasks.test.map((g) => ({ family: g.family, seen: g.seen, tasks: g.tasks.length })),
    },
  };
}
