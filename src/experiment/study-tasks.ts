/**
 * The study's task sets, drawn from one generated suite: train and validation (seen strata) and
 * test split into seen and unseen (test-only) strata per family. Tasks are taken round-robin over
 * family × stratum so that a small preset still covers every stratum. Deterministic in the config,
 * so every worker rebuilds the same sets instead of receiving them.
 */

import { taskFamilies } from "../env/families.js";
import { generateSuite, STRATA } from "../env/suite.js";
import type { TaskHeader } from "../env/types.js";
import type { TrainingTask } from "../learn/tasks.js";
import type { StudyConfig } from "./presets.js";

/** One labelled group of test tasks. */
export interface TestGroup {
  readonly family: string;
  readonly seen: boolean;
  readonly tasks: readonly TrainingTask[];
}

/** The task sets of a study. */
export interface StudyTasks {
  readonly train: readonly TrainingTask[];
  readonly validation: readonly TrainingTask[];
  readonly test: readonly TestGroup[];
}

const unseenStrata = new Set(STRATA.filter((s) => s.testOnly).map((s) => s.name));

/** At most `limit` tasks, taken in turn from each family/stratum group (groups in first-seen order). */
export function roundRobin(tasks: readonly TaskHeader[], limit: number): TaskHeader[] {
  const groups = new Map<string, TaskHeader[]>();
  for (const task of tasks) {
    const key = `${task.family}/${task.stratum}`;
    const group = groups.get(key) ?? [];
    group.push(task);
    groups.set(key, group);
  }
  const out: TaskHeader[] = [];
  for (let round = 0; out.length < limit; round++) {
    let added = false;
    for (const group of groups.values()) {
      if (round < group.length && out.length < limit) {
        out.push(group[round]);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

function withFamily(tasks: readonly TaskHeader[]): TrainingTask[] {
  return tasks.flatMap((task) => {
    const family = taskFamilies.get(task.family);
    return family === undefined ? [] : [{ family, task }];
  });
}

/** Builds the study's task sets from the suite its config names. */
export function buildStudyTasks(config: StudyConfig): StudyTasks {
  const suite = generateSuite(config.suiteSeed, config.suiteSize);
  const test: TestGroup[] = [];
  for (const family of taskFamilies.keys()) {
    for (const seen of [true, false]) {
      const pool = suite.splits.test.filter(
        (t) => t.family === family && unseenStrata.has(t.stratum) !== seen,
      );
      const tasks = withFamily(roundRobin(pool, config.testTasksPerGroup));
      if (tasks.length > 0) test.push({ family, seen, tasks });
    }
  }
  return {
    train: withFamily(roundRobin(suite.splits.train, config.trainTasks)),
    validation: withFamily(roundRobin(suite.splits.validation, config.validationTasks)),
    test,
  };
}
