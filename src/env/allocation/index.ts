/** The resource-allocation task family: validator, simulator, generator and reference policies. */
import type { TaskFamily } from "../types.js";
import { AllocationSim } from "./allocation.js";
import { generateAllocation } from "./generate.js";
import { allocationPolicy } from "./policies.js";
import {
  ALLOCATION,
  ALLOCATION_VERSION,
  type AllocationTask,
  validateAllocationTask,
} from "./task.js";

/** Resource allocation: replenished stock, demands with windows, settlement rewards. */
export const allocationFamily: TaskFamily<AllocationTask> = {
  name: ALLOCATION,
  version: ALLOCATION_VERSION,
  validate: validateAllocationTask,
  createSim: (task) => new AllocationSim(task),
  generate: generateAllocation,
  withoutEventsAfter: (task, t) => ({
    ...task,
    demands: task.demands.filter((d) => d.appear <= t),
    events: task.events.filter((e) => e.t <= t),
  }),
  policy: allocationPolicy,
};
