import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { describeTaskFamily } from "../../testing/task-family.js";
import { normalisedScores, referenceReturns } from "../evaluate.js";
import type { GeneratorParams } from "../types.js";
import { AllocationSim } from "./allocation.js";
import { allocationFamily } from "./index.js";
import type { AllocationTask } from "./task.js";

const coupled: GeneratorParams = {
  agents: 6,
  horizon: 30,
  dependency: 0.5,
  coupling: 0.7,
  view: 0.2,
  disruption: 0.5,
};

function sample(params: GeneratorParams, count: number): AllocationTask[] {
  return Array.from({ length: count }, (_, i) =>
    allocationFamily.generate({ id: `a${i}`, stratum: "test", params }, Rng.fromSeed(i)),
  );
}

describeTaskFamily(allocationFamily, {
  tasks: () => [
    ...sample(coupled, 2),
    ...sample({ ...coupled, agents: 3, horizon: 12 }, 1),
    ...sample({ ...coupled, agents: 10, coupling: 0, view: 1 }, 1),
  ],
});

/** Three water carriers on three sites; one demand of 4 water at site 1 from step 0 to 3. */
function tiny(): AllocationTask {
  return {
    family: "allocation",
    version: 1,
    id: "tiny",
    stratum: "test",
    params: { agents: 3, horizon: 5, dependency: 0, coupling: 1, view: 1, disruption: 0 },
    sites: 3,
    mobile: true,
    start: [0, 1, 2],
    agentKind: [0, 0, 0],
    stock: [3, 3, 3],
    capacity: 3,
    replenishEvery: 5,
    viewRadius: 2,
    demands: [{ site: 1, kind: 0, amount: 4, appear: 0, close: 3, value: 8 }],
    events: [{ t: 1, agent: 2, loss: 2 }],
  };
}

function stepWith(sim: AllocationSim, actions: number[]): number[] {
  const rewards = new Float64Array(3);
  sim.step(Int32Array.from(actions), new Int32Array(3), rewards);
  return [...rewards];
}

describe("allocation dynamics", () => {
  test("units beyond the need are wasted at a cost, and settlement pays by units given", () => {
    const sim = new AllocationSim(tiny());
    const commit3 = 3 + 3;
    stepWith(sim, [2, commit3, 0]);
    const rewards = stepWith(sim, [commit3, 0, 0]);
    assert.ok(Math.abs(rewards[0] + 0.2) < 1e-9, "2 of agent_0's 3 units were wasted");
    const settled = stepWith(sim, [0, 0, 0]);
    assert.ok(Math.abs(settled[0] - 2) < 1e-9 && Math.abs(settled[1] - 6) < 1e-9);
  });

  test("a demand served short costs half its value, split equally", () => {
    const sim = new AllocationSim(tiny());
    stepWith(sim, [0, 0, 0]);
    stepWith(sim, [0, 0, 0]);
    const settled = stepWith(sim, [0, 0, 0]);
    assert.deepEqual(
      settled.map((r) => Math.round(r * 1e6) / 1e6),
      [-4 / 3, -4 / 3, -4 / 3].map((r) => Math.round(r * 1e6) / 1e6),
    );
  });

  test("a disruption removes stock only when it happens", () => {
    const sim = new AllocationSim(tiny());
    assert.equal(sim.stock[2], 3);
    stepWith(sim, [0, 0, 0]);
    assert.equal(sim.stock[2], 1);
  });

  test("committing a kind the demand does not want is masked out", () => {
    const sim = new AllocationSim({ ...tiny(), agentKind: [0, 1, 0] });
    const mask = new Uint8Array(sim.numActions);
    sim.writeActionMask(1, mask, 0);
    assert.deepEqual([...mask.subarray(4)], [0, 0, 0]);
    assert.throws(() => stepWith(sim, [0, 5, 0]), InputError);
  });
});

describe("allocation reference policies", () => {
  test("on coupled tasks with a narrow view the oracle beats greedy and the no-communication oracle", () => {
    const tasks = sample(coupled, 12);
    let greedy = 0;
    let noComm = 0;
    for (const task of tasks) {
      const s = normalisedScores(referenceReturns(allocationFamily, task));
      greedy += s.greedy / tasks.length;
      noComm += s["oracle-no-comm"] / tasks.length;
    }
    assert.ok(1 - greedy >= 0.1, `coordination gap ${1 - greedy}`);
    assert.ok(1 - noComm >= 0.1, `communication gap ${1 - noComm}`);
  });

  test("with no coupling and a full view coordination and communication do not help", () => {
    for (const task of sample({ ...coupled, coupling: 0, view: 1 }, 6)) {
      const s = normalisedScores(referenceReturns(allocationFamily, task));
      assert.ok(Math.abs(1 - s.greedy) < 1e-9 && Math.abs(1 - s["oracle-no-comm"]) < 1e-9);
    }
  });
});

describe("allocation task validation", () => {
  const where = "tasks.jsonl:9";
  const expectError = (task: unknown, pattern: RegExp) =>
    assert.throws(
      () => allocationFamily.validate(task, where),
      (e: unknown) => e instanceof InputError && pattern.test(e.message),
    );

  test("two overlapping demands at one site are refused", () => {
    const d = tiny().demands[0];
    expectError(
      { ...tiny(), demands: [d, { ...d, appear: 1 }] },
      /tasks.jsonl:9 field "demands\[1\]".*one open demand per site/,
    );
  });

  test("a demand at a site that does not exist is named", () => {
    expectError(
      { ...tiny(), demands: [{ ...tiny().demands[0], site: 7 }] },
      /demands\[0\]\.site.*\[0, 2\]/,
    );
  });

  test("a missing field is named as missing", () => {
    const { capacity: _, ...rest } = tiny();
    expectError(rest, /field "capacity".*got nothing \(missing\)/);
  });
});

describe("allocation features", () => {
  test("the cover and help features agree with expectedCover and heardHelp on random play", () => {
    const task = sample(coupled, 1)[0];
    const sim = new AllocationSim(task);
    const rng = Rng.fromSeed("features");
    const n = sim.numAgents;
    const actions = new Int32Array(n);
    const messages = new Int32Array(n);
    const rewards = new Float64Array(n);
    const mask = new Uint8Array(sim.numActions);
    const features = new Float32Array(sim.featureSize);
    let compared = 0;
    while (!sim.done) {
      for (let a = 0; a < n; a++) {
        sim.writeActionMask(a, mask, 0);
        const legal = [...mask.keys()].filter((k) => mask[k] === 1);
        actions[a] = legal[rng.int(legal.length)];
        messages[a] = rng.int(sim.numMessages);
      }
      sim.step(actions, messages, rewards);
      for (let a = 0; a < n; a++) {
        sim.writeFeatures(a, features, 0);
        for (let s = 0; s < task.sites; s++) {
          const cover = sim.expectedCover(a, s, true) / task.capacity / n;
          assert.ok(Math.abs(features[s * 9 + 6] - cover) < 1e-6, `cover, agent ${a}, site ${s}`);
          assert.equal(features[s * 9 + 7], sim.heardHelp(s, task.agentKind[a]) ? 1 : 0);
          compared++;
        }
      }
    }
    assert.ok(compared > 0);
  });
});
