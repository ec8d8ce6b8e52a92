/**
 * Fixtures shared by the `llm/` tests (not part of the public API): a small planning task and the
 * decision input of one of its agents at reset.
 */
import { Rng } from "../core/prng.js";
import type { TextObservation } from "../env/parallel-env.js";
import { ParallelEnv } from "../env/parallel-env.js";
import { planningFamily } from "../env/planning/index.js";
import type { TaskSim } from "../env/types.js";
import type { DecisionInput } from "./prompt.js";

/** A three-agent, twelve-step planning task's simulator, the same every call. */
export function smallPlanningSim(agents = 3, horizon = 12): TaskSim {
  const task = planningFamily.generate(
    {
      id: "llm-test-task",
      stratum: "core",
      params: { agents, horizon, dependency: 0.3, coupling: 0.3, view: 1, disruption: 0 },
    },
    Rng.fromSeed("llm-test-task"),
  );
  return planningFamily.createSim(task);
}

/** agent_0's decision input at reset of {@link smallPlanningSim}, with its text observation. */
export function firstDecisionInput(): DecisionInput & { readonly observation: TextObservation } {
  const env = new ParallelEnv(smallPlanningSim());
  const observation = env.reset(0).observations.agent_0;
  return {
    agent: "agent_0",
    teamSize: 3,
    observation: observation.text(),
    actionMask: observation.actionMask,
    messageMask: observation.messageMask,
  };
}

/** The first legal action index under `mask` whose index is not `except`. */
export function legalAction(mask: Uint8Array, except = -1): number {
  for (let k = 0; k < mask.length; k++) if (mask[k] === 1 && k !== except) return k;
  throw new Error("no legal action in the test task");
}

/** The first illegal action index under `mask`. */
export function illegalAction(mask: Uint8Array): number {
  for (let k = 0; k < mask.length; k++) if (mask[k] === 0) return k;
  throw new Error("every action is legal in the test task");
}
