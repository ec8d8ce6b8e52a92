/**
 * Plays a team on a fixed sample of tasks and scores it the way the study does: each episode's
 * cumulative reward, its score normalised so the task's oracle is 1 and doing nothing is 0, and
 * what it cost (fallbacks, requests, tokens, wall time). Used by `troupe play` and by comparisons
 * of an LLM team against reference or trained policies.
 */
import { InputError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import type { RecordWriter } from "../core/record-writer.js";
import { referenceReturns } from "../env/evaluate.js";
import { taskFamilies } from "../env/families.js";
import { normalise } from "../env/policies.js";
import type { TaskFamily, TaskHeader } from "../env/types.js";
import { type EpisodeSummary, playEpisode, type StepRecord } from "./episode.js";
import type { TeamDecider } from "./team.js";

/** One played task with its score. */
export interface PlayedTask {
  readonly task: string;
  readonly summary: EpisodeSummary;
  /** Normalised score: 1 = the task's oracle, 0 = doing nothing. */
  readonly score: number;
}

/** Options of {@link playTasks}. */
export interface PlayTasksOptions {
  readonly writer?: RecordWriter;
  /** Called after every step of every episode. */
  readonly onStep?: (task: TaskHeader, step: StepRecord) => void;
  /** Stop each episode after this many steps (its score is then against the full oracle). */
  readonly maxSteps?: number;
  /** Seed of in-episode randomness. Default 0. */
  readonly seed?: number;
}

/** `count` tasks drawn without replacement from `tasks` by `seed`: the same sample every time. */
export function sampleTasks<T>(tasks: readonly T[], count: number, seed: number): T[] {
  const order = tasks.map((_, i) => i);
  const rng = Rng.fromSeed(seed).split("task-sample");
  const n = Math.min(count, order.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(order.length - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, n).map((i) => tasks[i]);
}

/** Plays `makeTeam(task)` once on each task, in order; see the file header. */
export async function playTasks(
  tasks: readonly TaskHeader[],
  makeTeam: (task: TaskHeader, family: TaskFamily) => TeamDecider,
  options: PlayTasksOptions = {},
): Promise<PlayedTask[]> {
  const out: PlayedTask[] = [];
  for (const task of tasks) {
    const family = taskFamilies.get(task.family);
    if (family === undefined) {
      throw new InputError({
        input: `task ${task.id}`,
        problem: `unknown family "${task.family}"`,
        expected: [...taskFamilies.keys()].join(", "),
        fix: "validate the tasks with `troupe tasks stats DIR`, or regenerate them",
      });
    }
    const summary = await playEpisode(family.createSim(task), makeTeam(task, family), {
      task: task.id,
      ...(options.writer === undefined ? {} : { writer: options.writer }),
      ...(options.onStep === undefined ? {} : { onStep: (step) => options.onStep?.(task, step) }),
      ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
      seed: options.seed ?? 0,
    });
    const reference = referenceReturns(family, task);
    out.push({
      task: task.id,
      summary,
      score: normalise(summary.return, reference.oracle, reference.nothing),
    });
  }
  return out;
}

/** A Markdown table of played tasks with a mean row: score, return, fallbacks, tokens, time. */
export function formatPlayTable(rows: readonly PlayedTask[]): string {
  const header = [
    "task",
    "team",
    "score",
    "return",
    "steps",
    "fallbacks",
    "requests",
    "tokens",
    "wall s",
  ];
  const cells = (r: PlayedTask): string[] => {
    const s = r.summary;
    return [
      r.task,
      s.decider,
      r.score.toFixed(3),
      s.return.toFixed(2),
      String(s.steps),
      `${s.fallbacks}/${s.decisions}`,
      String(s.requests),
      String(s.promptTokens + s.completionTokens),
      (s.wallMs / 1000).toFixed(2),
    ];
  };
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const row of rows) lines.push(`| ${cells(row).join(" | ")} |`);
  if (rows.length > 1) {
    const mean = (f: (r: PlayedTask) => number) =>
      rows.reduce((sum, r) => sum + f(r), 0) / rows.length;
    const sum = (f: (r: PlayedTask) => number) => rows.reduce((total, r) => total + f(r), 0);
    lines.push(
      `| mean of ${rows.length} | ${rows[0].summary.decider} | ${mean((r) => r.score).toFixed(3)} | ${mean((r) => r.summary.return).toFixed(2)} | ` +
        `${mean((r) => r.summary.steps).toFixed(1)} | ${sum((r) => r.summary.fallbacks)}/${sum((r) => r.summary.decisions)} | ` +
        `${sum((r) => r.summary.requests)} | ${sum((r) => r.summary.promptTokens + r.summary.completionTokens)} | ` +
        `${(sum((r) => r.summary.wallMs) / 1000).toFixed(2)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** One team's results on the shared task sample, for {@link formatComparison}. */
export interface TeamResults {
  readonly team: string;
  readonly rows: readonly PlayedTask[];
}

/**
 * A Markdown table comparing teams on the same tasks: mean normalised score, mean cumulative
 * reward, fallbacks, requests, tokens and wall time.
 */
export function formatComparison(results: readonly TeamResults[]): string {
  const header = [
    "team",
    "tasks",
    "mean score",
    "mean return",
    "fallbacks",
    "requests",
    "tokens",
    "wall s",
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const { team, rows } of results) {
    const sum = (f: (r: PlayedTask) => number) => rows.reduce((total, r) => total + f(r), 0);
    const n = Math.max(1, rows.length);
    const cells = [
      team,
      String(rows.length),
      (sum((r) => r.score) / n).toFixed(3),
      (sum((r) => r.summary.return) / n).toFixed(2),
      `${sum((r) => r.summary.fallbacks)}/${sum((r) => r.summary.decisions)}`,
      String(sum((r) => r.summary.requests)),
      String(sum((r) => r.summary.promptTokens + r.summary.completionTokens)),
      (sum((r) => r.summary.wallMs) / 1000).toFixed(2),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}
