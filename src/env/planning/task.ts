/**
 * The stored form of a planning task and its validator: every field checked, the dependency graph
 * checked for missing nodes and cycles, errors naming file, line and field.
 */
import { fieldError } from "../../core/json.js";
import type { TaskHeader } from "../types.js";
import { FieldReader, readHeader } from "../validate.js";

/** The family name and the version of the stored format this code reads. */
export const PLANNING = "planning";
/** Stored format version of planning tasks. */
export const PLANNING_VERSION = 1;
/** Skill names, so observations read as work rather than numbers. */
export const SKILL_NAMES = [
  "wiring",
  "welding",
  "painting",
  "plumbing",
  "carpentry",
  "surveying",
  "logistics",
  "testing",
  "design",
  "inspection",
] as const;
/** Most subtasks a planning task may hold. */
export const MAX_SUBTASKS = 400;
/** Most work units one subtask may need. */
export const MAX_WORK = 20;

/** One node of the goal's DAG. */
export interface Subtask {
  /** Index into {@link SKILL_NAMES}. */
  readonly skill: number;
  /** Work units; each step with enough workers removes one. */
  readonly work: number;
  /** 1 = solo; 2 = joint (needs two agents with the skill in the same step). */
  readonly crew: 1 | 2;
  /** Last step at which completion earns the full value (later: half). */
  readonly deadline: number;
  readonly value: number;
  /** Indices of the subtasks that must be done first. */
  readonly deps: readonly number[];
}

/** A change of conditions: at step `t` subtask `subtask` turns out to need `extraWork` more. */
export interface PlanningEvent {
  readonly t: number;
  readonly subtask: number;
  readonly extraWork: number;
}

/** A planning task as stored in JSONL. */
export interface PlanningTask extends TaskHeader {
  /** Per agent, the skills it has. */
  readonly agentSkills: readonly (readonly number[])[];
  readonly subtasks: readonly Subtask[];
  /** Agents see the last action of team-mates within this ring distance. */
  readonly viewRadius: number;
  /** Paid, split equally, when every subtask is done. */
  readonly goalBonus: number;
  /** Sorted by `t`. */
  readonly events: readonly PlanningEvent[];
}

/** Checks a parsed record; throws an InputError naming `where` and the field at fault. */
export function validatePlanningTask(raw: unknown, where: string): PlanningTask {
  const header = readHeader(raw, where, PLANNING, PLANNING_VERSION);
  const r = FieldReader.of(raw, where);
  const n = header.params.agents;
  const horizon = header.params.horizon;
  const skills = SKILL_NAMES.length - 1;
  const agentSkills = r.intArrays("agentSkills", n, skills + 1, 0, skills);
  const subtasks = r.array("subtasks", 1, MAX_SUBTASKS, (s) => ({
    skill: s.int("skill", 0, skills),
    work: s.int("work", 1, MAX_WORK),
    crew: s.int("crew", 1, 2) as 1 | 2,
    deadline: s.int("deadline", 1, horizon),
    value: s.num("value", 0, 1000),
    deps: s.intArray("deps", MAX_SUBTASKS, 0, MAX_SUBTASKS),
  }));
  checkDag(subtasks, where);
  const events = r.array("events", 0, 10_000, (e) => ({
    t: e.int("t", 1, horizon),
    subtask: e.int("subtask", 0, subtasks.length - 1),
    extraWork: e.int("extraWork", 1, MAX_WORK),
  }));
  for (let i = 1; i < events.length; i++) {
    if (events[i].t < events[i - 1].t) {
      throw fieldError(where, `events[${i}].t`, "events sorted by t", events[i].t);
    }
  }
  return {
    ...header,
    agentSkills,
    subtasks,
    viewRadius: r.int("viewRadius", 0, n),
    goalBonus: r.num("goalBonus", 0, 100_000),
    events,
  };
}

/** Throws unless every dependency names an existing subtask and the graph has no cycle. */
export function checkDag(subtasks: readonly Subtask[], where: string): void {
  const m = subtasks.length;
  for (let j = 0; j < m; j++) {
    for (const d of subtasks[j].deps) {
      if (d >= m || d === j) {
        throw fieldError(
          where,
          `subtasks[${j}].deps`,
          `indices of other subtasks in [0, ${m - 1}]`,
          d,
          "remove the missing node or add it to subtasks",
        );
      }
    }
  }
  // Kahn's algorithm: what is left after peeling every node with no pending dependency is a cycle.
  const pending = subtasks.map((s) => s.deps.length);
  const dependents: number[][] = subtasks.map(() => []);
  subtasks.forEach((s, j) => {
    for (const d of s.deps) dependents[d].push(j);
  });
  const queue = pending.flatMap((p, j) => (p === 0 ? [j] : []));
  let seen = 0;
  while (queue.length > 0) {
    const j = queue.pop() as number;
    seen++;
    for (const k of dependents[j]) if (--pending[k] === 0) queue.push(k);
  }
  if (seen < m) {
    const inCycle = pending.flatMap((p, j) => (p > 0 ? [j] : []));
    throw fieldError(
      where,
      "subtasks[].deps",
      "an acyclic dependency graph",
      `a cycle through subtasks ${inCycle.slice(0, 8).join(", ")}`,
      "break the cycle: a subtask cannot (indirectly) depend on itself",
    );
  }
}
