/** The registered task families, by name. Adding a family is one folder and one line here. */
import { allocationFamily } from "./allocation/index.js";
import { planningFamily } from "./planning/index.js";
import type { TaskFamily, TaskHeader } from "./types.js";

const all: readonly TaskFamily[] = [
  planningFamily as unknown as TaskFamily,
  allocationFamily as unknown as TaskFamily,
];

/** Every task family, keyed by name. */
export const taskFamilies: ReadonlyMap<string, TaskFamily<TaskHeader>> = new Map(
  all.map((f) => [f.name, f]),
);
