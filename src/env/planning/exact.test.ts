import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { referenceReturns } from "../evaluate.js";
import { REFERENCE_POLICIES } from "../types.js";
import { exactPlanningReturn } from "./exact.js";
import { planningFamily } from "./index.js";
import type { PlanningTask } from "./task.js";

const params = { agents: 3, horizon: 10, dependency: 0.5, coupling: 0.7, view: 0.2, disruption: 0 };

describe("exact planning optimum", () => {
  test("on a hand-sized task it finds the schedule that finishes everything on time", () => {
    const task: PlanningTask = {
      family: "planning",
      version: 1,
      id: "tiny",
      stratum: "test",
      params: { ...params, horizon: 6 },
      agentSkills: [[0], [0], [0]],
      subtasks: [
        { skill: 0, work: 2, crew: 1, deadline: 6, value: 1, deps: [] },
        { skill: 0, work: 1, crew: 2, deadline: 6, value: 2, deps: [0] },
      ],
      viewRadius: 1,
      goalBonus: 3,
      events: [],
    };
    assert.equal(exactPlanningReturn(task), 6);
  });

  test("no reference policy beats the optimum on small generated tasks", () => {
    let checked = 0;
    for (let i = 0; checked < 8 && i < 50; i++) {
      const task = planningFamily.generate(
        { id: `e${i}`, stratum: "test", params },
        Rng.fromSeed(i),
      );
      if (task.subtasks.length > 8) continue;
      const exact = exactPlanningReturn(task);
      const returns = referenceReturns(planningFamily, task);
      for (const name of REFERENCE_POLICIES)
        assert.ok(returns[name] <= exact + 1e-9, `${task.id} ${name}`);
      checked++;
    }
    assert.equal(checked, 8);
  });

  test("a task beyond the solver's limits is refused with the limits named", () => {
    const task = planningFamily.generate(
      { id: "big", stratum: "test", params: { ...params, agents: 6, horizon: 30 } },
      Rng.fromSeed(1),
    );
    assert.throws(
      () => exactPlanningReturn(task),
      (e: unknown) => e instanceof ConfigError && /at most 4 agents/.test(e.message),
    );
  });
});
