/**
 * What a learner trains on: tasks paired with their family, and each task's reference returns
 * (oracle and do-nothing) that turn a raw team return into a normalised score.
 */

import { ConfigError, InputError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { type PolicyReturns, referenceReturns } from "../env/evaluate.js";
import { taskFamilies } from "../env/families.js";
import { normalise } from "../env/policies.js";
import type { Split } from "../env/suite.js";
import { loadDefaultSuite, readSuite } from "../env/suite-io.js";
import type { GeneratorParams, TaskFamily, TaskHeader } from "../env/types.js";

/** One task and the family that simulates it. */
export interface TrainingTask {
  readonly family: TaskFamily;
  readonly task: TaskHeader;
}

/** Options of {@link generateTasks}. */
export interface GenerateTasksOptions {
  readonly family: string;
  readonly count: number;
  readonly seed: number;
  /** Generator knobs; defaults: 3 agents, horizon 8, dependency 0.3, coupling 0.5, full view, no disruption. */
  readonly params?: Partial<GeneratorParams>;
}

/** `count` tasks of one family from the generator, deterministic in `seed`. */
export function generateTasks(options: GenerateTasksOptions): TrainingTask[] {
  const family = taskFamilies.get(options.family);
  if (family === undefined) {
    throw new ConfigError({
      input: `family "${options.family}"`,
      problem: "is not a known task family",
      expected: [...taskFamilies.keys()].join(", "),
      actual: options.family,
      fix: "pick one of the listed families",
    });
  }
  const params: GeneratorParams = {
    agents: 3,
    horizon: 8,
    dependency: 0.3,
    coupling: 0.5,
    view: 1,
    disruption: 0,
    ...options.params,
  };
  const rng = Rng.fromSeed(options.seed);
  return Array.from({ length: options.count }, (_, i) => ({
    family,
    task: family.generate(
      { id: `${options.family}-${options.seed}-${i}`, stratum: "generated", params },
      rng.split(i),
    ),
  }));
}

/** Reference returns per task, computed once each (they run the oracle, which is not free). */
export class ReferenceScores {
  private readonly cache = new Map<number, PolicyReturns>();

  /** Scores for `tasks`, indexed like it. */
  constructor(readonly tasks: readonly TrainingTask[]) {}

  /** The reference returns of task `index`. */
  returns(index: number): PolicyReturns {
    let known = this.cache.get(index);
    if (known === undefined) {
      const { family, task } = this.tasks[index];
      known = referenceReturns(family, task);
      this.cache.set(index, known);
    }
    return known;
  }

  /** A raw team return on task `index` as a normalised score (oracle 1, nothing 0). */
  normalised(index: number, teamReturn: number): number {
    const r = this.returns(index);
    return normalise(teamReturn, r.oracle, r.nothing);
  }
}

/** Options of {@link loadSuiteTasks}. */
export interface SuiteTaskOptions {
  /** A suite folder written by `troupe tasks generate`; the built-in suite (seed 0) when absent. */
  readonly dir?: string;
  readonly split: Split;
  /** Keep one family only. */
  readonly family?: string;
  /** Keep one team size only. */
  readonly agents?: number;
  /** Keep at most this many (the first ones, in suite order). */
  readonly limit?: number;
}

/** Tasks of one split of a stored suite, filtered; throws an InputError when nothing is left. */
export async function loadSuiteTasks(options: SuiteTaskOptions): Promise<TrainingTask[]> {
  const suite = options.dir === undefined ? await loadDefaultSuite() : await readSuite(options.dir);
  const picked: TrainingTask[] = [];
  for (const task of suite.splits[options.split]) {
    if (options.family !== undefined && task.family !== options.family) continue;
    if (options.agents !== undefined && task.params.agents !== options.agents) continue;
    const family = taskFamilies.get(task.family);
    if (family === undefined) continue;
    picked.push({ family, task });
    if (options.limit !== undefined && picked.length >= options.limit) break;
  }
  if (picked.length === 0) {
    throw new InputError({
      input: `tasks of split "${options.split}"${options.family ? `, family ${options.family}` : ""}${options.agents ? `, ${options.agents} agents` : ""}`,
      problem: "none match",
      expected: "at least one task",
      actual: `0 of ${suite.splits[options.split].length}`,
      fix: "widen the filters (--family, --agents) or pass a suite that has such tasks (--tasks DIR)",
    });
  }
  return picked;
}
