/**
 * Coordination measured, not assumed: per family and stratum, the mean normalised score of every
 * reference policy, the coordination gap (oracle − independent greedy) and the communication gap
 * (oracle − no-communication oracle).
 */
import { ConfigError } from "../core/errors.js";
import { normalisedScores, type PolicyReturns, referenceReturns } from "./evaluate.js";
import { taskFamilies } from "./families.js";
import { REFERENCE_POLICIES, type TaskHeader } from "./types.js";

/** One row of the stats table. */
export interface StratumStats {
  readonly family: string;
  readonly stratum: string;
  readonly tasks: number;
  /** Mean normalised score per reference policy. */
  readonly scores: PolicyReturns;
  readonly coordinationGap: number;
  readonly communicationGap: number;
}

/** Scores every task with every reference policy and averages per family and stratum. */
export function suiteStats(tasks: readonly TaskHeader[]): StratumStats[] {
  const groups = new Map<
    string,
    { family: string; stratum: string; sums: PolicyReturns; tasks: number }
  >();
  for (const task of tasks) {
    const family = taskFamilies.get(task.family);
    if (family === undefined) {
      throw new ConfigError({
        input: `task ${task.id}`,
        problem: `unknown family "${task.family}"`,
        fix: "read tasks through readSuite, which validates them",
      });
    }
    const scores = normalisedScores(referenceReturns(family, task));
    const key = `${task.family}/${task.stratum}`;
    let group = groups.get(key);
    if (group === undefined) {
      const sums = {} as PolicyReturns;
      for (const name of REFERENCE_POLICIES) sums[name] = 0;
      group = { family: task.family, stratum: task.stratum, sums, tasks: 0 };
      groups.set(key, group);
    }
    group.tasks++;
    for (const name of REFERENCE_POLICIES) group.sums[name] += scores[name];
  }
  return [...groups.values()].map(({ family, stratum, sums, tasks: count }) => {
    const scores = {} as PolicyReturns;
    for (const name of REFERENCE_POLICIES) scores[name] = sums[name] / count;
    return {
      family,
      stratum,
      tasks: count,
      scores,
      coordinationGap: scores.oracle - scores.greedy,
      communicationGap: scores.oracle - scores["oracle-no-comm"],
    };
  });
}

/** The stats as a Markdown table (the form docs/tasks.md shows). */
export function formatStats(rows: readonly StratumStats[]): string {
  const header = ["family", "stratum", "tasks", ...REFERENCE_POLICIES, "coord. gap", "comm. gap"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const r of rows) {
    const cells = [
      r.family,
      r.stratum,
      String(r.tasks),
      ...REFERENCE_POLICIES.map((p) => r.scores[p].toFixed(2)),
      r.coordinationGap.toFixed(2),
      r.communicationGap.toFixed(2),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
