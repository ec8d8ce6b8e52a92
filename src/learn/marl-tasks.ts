/**
 * Standard MARL environments (MPE Simple Spread, Level-Based Foraging; `env/marl.ts`) as training
 * tasks, so the same learner trains them on their numeric observations (`numericWidth` = the
 * scenario's feature size). Each task is one episode seed of the scenario; the scenario's
 * hand-written heuristic stands in for the oracle of the normalised score (heuristic = 1, doing
 * nothing = 0) and for behaviour cloning's demonstrations.
 *
 * For the race against EPyMARL ({@link MarlTaskOptions}): an agent-id one-hot appended to each
 * agent's features (EPyMARL's `obs_agent_id`; only these standard environments get one, never the
 * task families), a fresh random layout every episode (EPyMARL resets with the env's own RNG), and
 * a constant view text so the policy reads only the numeric observation.
 */
import { InputError } from "../core/errors.js";
import { type MarlOptions, makeMarlEnv, marlHeuristicPolicy } from "../env/marl.js";
import { nothingPolicy, randomPolicy } from "../env/policies.js";
import type { TaskFamily, TaskHeader, TaskSim, TeamPolicy } from "../env/types.js";
import type { TrainingTask } from "./tasks.js";

/** How {@link marlTrainingTasks} presents a scenario to the learner. */
export interface MarlTaskOptions {
  /** Append a one-hot of the agent's index to its features (EPyMARL's `obs_agent_id`). */
  readonly agentId?: boolean;
  /** Reset with the caller's seed (a new layout every episode) instead of the task's own. */
  readonly freshLayouts?: boolean;
  /** The reset seed of task 0 (task i uses firstSeed + i); default 0. Keeps test layouts apart. */
  readonly firstSeed?: number;
  /** Render every view as one constant text, so only the numeric features inform the policy. */
  readonly numericOnly?: boolean;
}

/** The task options of the EPyMARL-style race: agent id, fresh layouts, numeric observations only. */
export const EPYMARL_TASK_OPTIONS: MarlTaskOptions = {
  agentId: true,
  freshLayouts: true,
  numericOnly: true,
};

/** `count` tasks of MARL scenario `id` (e.g. "Foraging-8x8-2p-2f-v3"), differing in reset seed. */
export function marlTrainingTasks(
  id: string,
  count: number,
  options: MarlOptions = {},
  taskOptions: MarlTaskOptions = {},
): TrainingTask[] {
  const probe = makeMarlEnv(id, options);
  const family = marlFamily(id, options, taskOptions);
  const firstSeed = taskOptions.firstSeed ?? 0;
  return Array.from({ length: count }, (_, i) => ({
    family,
    task: {
      family: family.name,
      version: 1,
      id: `${id}#${firstSeed + i}`,
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
export function marlFeatureSize(
  id: string,
  options: MarlOptions = {},
  taskOptions: MarlTaskOptions = {},
): number {
  const sim = makeMarlEnv(id, options);
  return sim.featureSize + (taskOptions.agentId === true ? sim.numAgents : 0);
}

/**
 * A task family over one scenario. A task's reset seed is its index (`id#i`): the sim ignores
 * the seed its caller passes at reset and uses the task's, so every episode of a task is the
 * same layout and reference returns are comparable.
 */
function marlFamily(id: string, options: MarlOptions, taskOptions: MarlTaskOptions): TaskFamily {
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
    createSim(task: TaskHeader): TaskSim {
      let sim: TaskSim = makeMarlEnv(id, options);
      if (taskOptions.freshLayouts !== true) sim = seededSim(sim, taskSeed(task));
      if (taskOptions.agentId === true) sim = withAgentId(sim);
      if (taskOptions.numericOnly === true) sim.renderView = () => NUMERIC_VIEW;
      return sim;
    },
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

const NUMERIC_VIEW = "(numeric observation)";

/**
 * `sim` with a one-hot of the agent's index after its own features (`featureSize` grows by the
 * team size); every other member is the sim's own, so truncation and stepping are untouched.
 */
function withAgentId(sim: TaskSim): TaskSim {
  const own = sim.featureSize;
  const n = sim.numAgents;
  const writeFeatures = sim.writeFeatures.bind(sim);
  const withId = (agent: number, out: Float32Array, offset: number) => {
    writeFeatures(agent, out, offset);
    out.fill(0, offset + own, offset + own + n);
    out[offset + own + agent] = 1;
  };
  // Methods are bound to the sim once per function (binding on every read cost ~3 % of a race
  // run); keyed by the function itself, so a method replaced on the sim gets its own binding.
  const bound = new WeakMap<object, unknown>();
  return new Proxy(sim, {
    get(target, key) {
      if (key === "featureSize") return own + n;
      if (key === "writeFeatures") return withId;
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      let method = bound.get(value);
      if (method === undefined) {
        method = value.bind(target);
        bound.set(value, method);
      }
      return method;
    },
    set(target, key, value) {
      return Reflect.set(target, key, value, target);
    },
  });
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
