/** The planning task family: validator, simulator, generator and reference policies in one object. */
import type { TaskFamily } from "../types.js";
import { generatePlanning } from "./generate.js";
import { PlanningSim } from "./planning.js";
import { planningPolicy } from "./policies.js";
import { PLANNING, PLANNING_VERSION, type PlanningTask, validatePlanningTask } from "./task.js";

/** Planning: a goal as a DAG of subtasks with skills, deadlines and joint work. */
export const planningFamily: TaskFamily<PlanningTask> = {
  name: PLANNING,
  version: PLANNING_VERSION,
  validate: validatePlanningTask,
  createSim: (task) => new PlanningSim(task),
  generate: generatePlanning,
  withoutEventsAfter: (task, t) => ({ ...task, events: task.events.filter((e) => e.t <= t) }),
  policy: planningPolicy,
};
