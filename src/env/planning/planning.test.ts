import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { describeTaskFamily } from "../../testing/task-family.js";
import { normalisedScores, referenceReturns } from "../evaluate.js";
import type { GeneratorParams } from "../types.js";
import { planningFamily } from "./index.js";
import type { PlanningTask } from "./task.js";

const coupled: GeneratorParams = {
  agents: 5,
  horizon: 24,
  dependency: 0.5,
  coupling: 0.7,
  view: 0.2,
  disruption: 0.5,
};

function sample(params: GeneratorParams, count: number): PlanningTask[] {
  return Array.from({ length: count }, (_, i) =>
    planningFamily.generate({ id: `p${i}`, stratum: "test", params }, Rng.fromSeed(i)),
  );
}

describeTaskFamily(planningFamily, {
  tasks: () => [
    ...sample(coupled, 2),
    ...sample({ ...coupled, agents: 3, horizon: 10 }, 1),
    ...sample({ ...coupled, agents: 10, horizon: 30, coupling: 0 }, 1),
  ],
});

/** A hand-made two-subtask task: S0 solo (2 work), S1 joint (1 work) after S0. */
function tiny(): PlanningTask {
  return {
    family: "planning",
    version: 1,
    id: "tiny",
    stratum: "test",
    params: { agents: 3, horizon: 6, dependency: 0, coupling: 1, view: 1, disruption: 0 },
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

function stepWith(sim: ReturnType<typeof planningFamily.createSim>, actions: number[]): number[] {
  const rewards = new Float64Array(3);
  sim.step(Int32Array.from(actions), new Int32Array(3), rewards);
  return [...rewards];
}

describe("planning dynamics", () => {
  test("a second agent on a solo subtask adds no progress", () => {
    const sim = planningFamily.createSim(tiny());
    stepWith(sim, [1, 1, 0]);
    const rewards = stepWith(sim, [1, 0, 0]);
    assert.deepEqual(rewards, [1, 0, 0], "S0 needs two steps of work even with two workers");
  });

  test("a joint subtask progresses only with two agents, and finishing the goal pays the bonus to all", () => {
    const sim = planningFamily.createSim(tiny());
    stepWith(sim, [1, 0, 0]);
    stepWith(sim, [1, 0, 0]);
    assert.deepEqual(stepWith(sim, [2, 0, 0]), [0, 0, 0]);
    assert.deepEqual(stepWith(sim, [2, 2, 0]), [2, 2, 1]);
    assert.ok(sim.done);
  });

  test("a locked subtask is masked out until its dependency is done", () => {
    const sim = planningFamily.createSim(tiny());
    const mask = new Uint8Array(3);
    sim.writeActionMask(0, mask, 0);
    assert.deepEqual([...mask], [1, 1, 0]);
    assert.throws(() => stepWith(sim, [2, 0, 0]), InputError);
  });

  test("a delay is revealed only at its step", () => {
    const task = { ...tiny(), events: [{ t: 2, subtask: 0, extraWork: 3 }] };
    const sim = planningFamily.createSim(task);
    stepWith(sim, [1, 0, 0]);
    assert.match(sim.renderView(0), /S0: wiring, 1 work left/);
    stepWith(sim, [0, 0, 0]);
    assert.match(sim.renderView(0), /S0: wiring, 4 work left/);
  });
});

describe("planning reference policies", () => {
  test("on coupled tasks with a narrow view the oracle beats greedy and the no-communication oracle", () => {
    const tasks = sample({ ...coupled, horizon: 30 }, 12);
    let greedy = 0;
    let noComm = 0;
    for (const task of tasks) {
      const s = normalisedScores(referenceReturns(planningFamily, task));
      greedy += s.greedy / tasks.length;
      noComm += s["oracle-no-comm"] / tasks.length;
    }
    assert.ok(1 - greedy >= 0.2, `coordination gap ${1 - greedy}`);
    assert.ok(1 - noComm >= 0.2, `communication gap ${1 - noComm}`);
  });

  test("with no coupling and a full view coordination and communication do not help", () => {
    for (const task of sample({ ...coupled, coupling: 0, view: 1 }, 6)) {
      const s = normalisedScores(referenceReturns(planningFamily, task));
      assert.ok(Math.abs(1 - s.greedy) < 1e-9 && Math.abs(1 - s["oracle-no-comm"]) < 1e-9);
    }
  });
});

describe("planning task validation", () => {
  const where = "tasks.jsonl:4";
  const expectError = (task: unknown, pattern: RegExp) =>
    assert.throws(
      () => planningFamily.validate(task, where),
      (e: unknown) => e instanceof InputError && pattern.test(e.message),
    );

  test("a dependency cycle is named with its subtasks", () => {
    const task = tiny();
    expectError(
      { ...task, subtasks: [{ ...task.subtasks[0], deps: [1] }, task.subtasks[1]] },
      /tasks.jsonl:4.*acyclic.*cycle through subtasks 0, 1/,
    );
  });

  test("a dependency on a missing subtask is named", () => {
    const task = tiny();
    expectError(
      { ...task, subtasks: [task.subtasks[0], { ...task.subtasks[1], deps: [9] }] },
      /subtasks\[1\]\.deps/,
    );
  });

  test("an unknown family or version is refused", () => {
    expectError({ ...tiny(), family: "chess" }, /field "family".*"planning"/);
    expectError({ ...tiny(), version: 99 }, /field "version"/);
  });

  test("an out-of-range parameter is named", () => {
    expectError(
      { ...tiny(), params: { ...tiny().params, agents: 11 } },
      /params\.agents.*\[3, 10\]/,
    );
  });
});

describe("planning features", () => {
  test("the claim feature counts the team-mates an agent knows to be on each subtask", () => {
    const task = {
      ...tiny(),
      subtasks: [
        ...tiny().subtasks,
        { skill: 0, work: 2, crew: 1 as const, deadline: 6, value: 1, deps: [] },
      ],
      viewRadius: 0,
    };
    const sim = planningFamily.createSim(task);
    const rewards = new Float64Array(3);
    // agent_1 works on S0 but says S2; agent_2 works on S2 silently (unseen: view radius 0).
    sim.step(Int32Array.from([0, 1, 3]), Int32Array.from([0, 3, 0]), rewards);
    const features = new Float32Array(sim.featureSize);
    sim.writeFeatures(0, features, 0);
    const claimFeature = (j: number) => features[j * 9 + 7] * 3;
    const expected = [0, 1, 2].map((j) =>
      (sim as unknown as { knownClaims(a: number, j: number, m: boolean): number }).knownClaims(
        0,
        j,
        true,
      ),
    );
    assert.deepEqual(
      [0, 1, 2].map((j) => Math.round(claimFeature(j))),
      expected,
    );
    assert.deepEqual(expected, [0, 0, 1]);
  });
});
