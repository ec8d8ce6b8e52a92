import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { referenceReturns } from "../evaluate.js";
import { runEpisode } from "../policies.js";
import { REFERENCE_POLICIES, SILENT } from "../types.js";
import { EXACT_LIMITS, exactPlanningReturn, withinExactLimits } from "./exact.js";
import { planningFamily } from "./index.js";
import type { PlanningTask } from "./task.js";

const params = { agents: 3, horizon: 10, dependency: 0.5, coupling: 0.7, view: 0.2, disruption: 0 };

/** Generated tasks within the exact solver's limits. */
function smallTasks(count: number, overrides = {}): PlanningTask[] {
  const tasks: PlanningTask[] = [];
  for (let i = 0; tasks.length < count && i < 100; i++) {
    const task = planningFamily.generate(
      { id: `e${i}`, stratum: "test", params: { ...params, ...overrides } },
      Rng.fromSeed(i),
    );
    if (withinExactLimits(task)) tasks.push(task);
  }
  assert.equal(tasks.length, count);
  return tasks;
}

/** S0 solo (2 work), S1 joint (1 work) after S0; three agents of the same skill. */
function tiny(): PlanningTask {
  return {
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
}

/** Each step's joint action and messages of `policy` on `task`, from reset to the end. */
function playedActions(task: PlanningTask, policy = planningFamily.policy("oracle")): number[][][] {
  const sim = planningFamily.createSim(task);
  const n = sim.numAgents;
  const actions = new Int32Array(n);
  const messages = new Int32Array(n);
  const rewards = new Float64Array(n);
  const rng = Rng.fromSeed(1);
  sim.reset(0);
  policy.reset(sim);
  const steps: number[][][] = [];
  while (!sim.done) {
    policy.act(sim, rng, actions, messages);
    steps.push([[...actions], [...messages]]);
    sim.step(actions, messages, rewards);
  }
  return steps;
}

describe("exact planning optimum", () => {
  test("on a hand-sized task it finds the schedule that finishes everything on time", () => {
    assert.equal(exactPlanningReturn(tiny()), 6);
  });

  test("no reference policy beats the optimum on small generated tasks", () => {
    for (const task of smallTasks(8)) {
      const exact = exactPlanningReturn(task);
      const returns = referenceReturns(planningFamily, task);
      for (const name of REFERENCE_POLICIES)
        assert.ok(returns[name] <= exact + 1e-9, `${task.id} ${name}`);
    }
  });

  test("a task beyond the solver's limits is refused with the limits named", () => {
    const task = planningFamily.generate(
      { id: "big", stratum: "test", params: { ...params, agents: 6, horizon: 30 } },
      Rng.fromSeed(1),
    );
    assert.equal(withinExactLimits(task), false);
    assert.throws(
      () => exactPlanningReturn(task),
      (e: unknown) => e instanceof ConfigError && /at most 4 agents/.test(e.message),
    );
  });

  test("the work cap admits every generated task within the other limits", () => {
    // At most 8 subtasks of at most 4 work: the cap only refuses hand-built tasks.
    assert.ok(EXACT_LIMITS.work >= EXACT_LIMITS.subtasks * 4);
    const heavy = {
      ...tiny(),
      subtasks: tiny().subtasks.map((s) => ({ ...s, work: 17 })),
    };
    assert.equal(withinExactLimits(heavy), false);
  });
});

describe("exact oracle on small tasks", () => {
  test("on generated tasks without delays its return is the optimum", () => {
    for (const overrides of [{}, { agents: 4, horizon: 12 }, { horizon: 16, view: 1 }]) {
      for (const task of smallTasks(4, overrides)) {
        const oracle = runEpisode(
          planningFamily.createSim(task),
          planningFamily.policy("oracle"),
          Rng.fromSeed(1),
        );
        // Equal up to the order of float additions (per-agent shares vs whole values).
        assert.ok(
          Math.abs(oracle - exactPlanningReturn(task)) < 1e-9,
          `${task.id}: oracle ${oracle} vs optimum ${exactPlanningReturn(task)}`,
        );
      }
    }
  });

  test("on the hand-sized task it plays the hand-derived optimal schedule, announcing its work", () => {
    // Optimal: one agent works S0 twice (steps 0, 1), two agents do joint S1 at step 2 — done by
    // step 3 ≤ every deadline, return 1 + 2 + 3 = 6. Crowding S0 at step 0 gains nothing, so among
    // optimal joint actions the oracle keeps the heuristic's: agent_0 on S0, the others waiting.
    assert.deepEqual(playedActions(tiny()), [
      [
        [1, 0, 0],
        [1, SILENT, SILENT],
      ],
      [
        [1, 0, 0],
        [1, SILENT, SILENT],
      ],
      [
        [2, 2, 0],
        [2, 2, SILENT],
      ],
    ]);
  });

  test("where the heuristic collides, the oracle plays the hand-derived optimal joint actions", () => {
    // Horizon 2. S0 and S1 (skill 0, solo) unlock S2 (skill 1, joint, value 5). agent_0 has skill
    // 0, agent_1 both, agent_2 skill 1. The only way to S2 in time: step 0 agents 0 and 1 split
    // S0 and S1 (agent_2 has nothing open), step 1 agents 1 and 2 do S2 — return 1 + 1 + 5 = 7.
    // The heuristic sends both skill-0 agents to the urgent S1 at step 0 (no claims heard yet).
    const task: PlanningTask = {
      ...tiny(),
      id: "split",
      params: { ...params, horizon: 2 },
      agentSkills: [[0], [0, 1], [1]],
      subtasks: [
        { skill: 0, work: 1, crew: 1, deadline: 2, value: 1, deps: [] },
        { skill: 0, work: 1, crew: 1, deadline: 1, value: 1, deps: [] },
        { skill: 1, work: 1, crew: 2, deadline: 2, value: 5, deps: [0, 1] },
      ],
      goalBonus: 0,
    };
    const steps = playedActions(task);
    assert.equal(steps.length, 2);
    const [[first, firstMessages], [second, secondMessages]] = steps;
    assert.ok(
      ["1,2,0", "2,1,0"].includes(first.join(",")),
      `step 0: ${first} splits S0 and S1 between agents 0 and 1`,
    );
    assert.deepEqual(firstMessages, first, "each agent announces the subtask it works on");
    assert.deepEqual(second, [0, 3, 3]);
    assert.deepEqual(secondMessages, [SILENT, 3, 3]);
    assert.equal(exactPlanningReturn(task), 7);
    const heuristic = runEpisode(
      planningFamily.createSim(task),
      planningFamily.policy("oracle-no-comm"),
      Rng.fromSeed(1),
    );
    assert.ok(heuristic < 7, `the heuristic scores ${heuristic}`);
  });

  test("it never reads delays to come: its actions up to step t ignore events after t", () => {
    const tasks = smallTasks(4, { disruption: 1, agents: 4, horizon: 12 }).filter(
      (task) => task.events.length > 0,
    );
    assert.ok(tasks.length > 0);
    for (const task of tasks) {
      const full = playedActions(task);
      for (const cut of new Set(task.events.map((e) => e.t - 1))) {
        const blind = playedActions(planningFamily.withoutEventsAfter(task, cut));
        assert.deepEqual(
          full.slice(0, cut + 1),
          blind.slice(0, cut + 1),
          `${task.id}: actions up to step ${cut} depend on later events`,
        );
      }
    }
  });

  test("with delays it stays within the optimum of a planner that knows them in advance", () => {
    for (const task of smallTasks(4, { disruption: 1 })) {
      const oracle = runEpisode(
        planningFamily.createSim(task),
        planningFamily.policy("oracle"),
        Rng.fromSeed(1),
      );
      assert.ok(oracle <= exactPlanningReturn(task) + 1e-9, task.id);
    }
  });

  test("the no-communication oracle stays the heuristic: silent on small tasks too", () => {
    for (const [, messages] of playedActions(tiny(), planningFamily.policy("oracle-no-comm")))
      assert.ok(messages.every((m) => m === SILENT));
  });
});
