/**
 * Standard MARL environments (MPE Simple Spread, Level-Based Foraging; `env/marl.ts`) as training
 * tasks, so the same learner trains them on their numeric observations (`numericWidth` = the
 * scenario's feature size). Each task is one episode seed of the scenario; the scenario's
 * hand-written heuristic stands in for the oracle of the normalised score (heuristic = 1, doing
 * nothing = 0) and for behaviour cloning's demonstrations.
 */
import { InputError } from "../core/errors.js";
import { type MarlOptions, makeMarlEnv, marlHeuristicPolicy } from "../env/marl.js";
import { nothingPolicy, randomPolicy } from "../env/policies.js";
import type { TaskFamily, TaskHeader, TaskSim, TeamPolicy } from "../env/types.js";
import type { TrainingTask } from "./tasks.js";

/** `count` tasks of MARL scenario `id` (e.g. "Foraging-8x8-2p-2f-v3"), differing in reset seed. */
export function marlTrainingTasks(
  id: string,
  count: number,
  options: MarlOptions = {},
): TrainingTask[] {
  const probe = makeMarlEnv(id, options);
  const family = marlFamily(id, options);
  return Array.from({ length: count }, (_, i) => ({
    family,
    task: {
      family: family.name,
      version: 1,
      id: `${id}#${i}`,
      stratum: id,
      params: {
        agents: probe.numAgents,
        horizon: probe.horizon,
        dependency: 0,
        coupling: 0,
        view: 1,
        disruption: 0,
      },
    },
  }));
}

/** The feature size of scenario `id` (what `numericWidth` must be to train it numerically). */
export function marlFeatureSize(id: string, options: MarlOptions = {}): number {
  return makeMarlEnv(id, options).featureSize;
}

/**
 * A task family over one scenario. A task's reset seed is its index (`id#i`): the sim ignores
 * the seed its caller passes at reset and uses the task's, so every episode of a task is the
 * same layout and reference returns are comparable.
 */
function marlFamily(id: string, options: MarlOptions): TaskFamily {
  const unsupported = (what: string): never => {
    throw new InputError({
      input: `MARL scenario "${id}"`,
      problem: `has no ${what}`,
      fix: "use marlTrainingTasks() to make its tasks; they are not stored in suites",
    });
  };
  return {
    name: `marl:${id}`,
    version: 1,
    validate: () => unsupported("stored-task validation"),
    generate: () => unsupported("task generator"),
    withoutEventsAfter: (task) => task,
    createSim: (task: TaskHeader) => seededSim(makeMarlEnv(id, options), taskSeed(task)),
    policy(name): TeamPolicy {
      if (name === "random") return randomPolicy();
      if (name === "nothing") return nothingPolicy();
      let heuristic: TeamPolicy | null = null;
      return {
        name,
        reset(sim) {
          heuristic = marlHeuristicPolicy(sim);
          heuristic.reset(sim);
        },
        act(sim, rng, actions, messages) {
          heuristic?.act(sim, rng, actions, messages);
        },
      };
    },
  };
}

function taskSeed(task: TaskHeader): number {
  return Number(task.id.slice(task.id.lastIndexOf("#") + 1)) || 0;
}

/** `sim` with every reset using `seed` instead of the caller's. */
function seededSim(sim: TaskSim, seed: number): TaskSim {
  const reset = sim.reset.bind(sim);
  sim.reset = () => reset(seed);
  return sim;
}
