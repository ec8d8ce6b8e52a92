import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { referenceReturns } from "../evaluate.js";
import { runEpisode } from "../policies.js";
import { REFERENCE_POLICIES, SILENT } from "../types.js";
import { AllocationSim } from "./allocation.js";
import { exactAllocationReturn, withinExactLimits } from "./exact.js";
import { allocationFamily } from "./index.js";
import type { AllocationTask } from "./task.js";

// Cost of the DP per decision (this machine): on generated tasks with 3 agents and horizon 8,
// ~7 ms on average, under 0.2 s at worst (a decision that meets a new demand solves from there);
// at the limits (horizon 12) ~6 ms on average, ~1.6 s at worst. Each test below stays under 2 s.

const params = { agents: 3, horizon: 8, dependency: 0.3, coupling: 0.7, view: 0.2, disruption: 0 };

/** Generated small tasks, cut to what is known at reset (demands appearing at 0, no events). */
function knownAtReset(count: number, overrides = {}): AllocationTask[] {
  return Array.from({ length: count }, (_, i) => {
    const task = allocationFamily.generate(
      { id: `k${i}`, stratum: "test", params: { ...params, ...overrides } },
      Rng.fromSeed(i),
    );
    assert.ok(withinExactLimits(task));
    return allocationFamily.withoutEventsAfter(task, 0);
  });
}

/** Each step's joint action and messages of `policy` on `task`, from reset to the end. */
function played(task: AllocationTask, policy = allocationFamily.policy("oracle")): number[][][] {
  const sim = allocationFamily.createSim(task);
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

function oracleReturn(task: AllocationTask): number {
  return runEpisode(
    allocationFamily.createSim(task),
    allocationFamily.policy("oracle"),
    Rng.fromSeed(1),
  );
}

/**
 * The best team return by plain exhaustive search over every legal joint action (waste and all)
 * with the simulator itself, memoised on its whole state: independent of the DP's pruning.
 */
function bruteForce(task: AllocationTask): number {
  const sim = new AllocationSim(task);
  const raw = sim as unknown as Record<string, unknown>;
  const arrays = ["pos", "stock", "fill", "openAt", "given"];
  const n = sim.numAgents;
  const memo = new Map<string, number>();
  const rewards = new Float64Array(n);
  const messages = new Int32Array(n);
  const search = (): number => {
    if (sim.done) return 0;
    const saved = arrays.map((k) => Int32Array.from(raw[k] as Int32Array));
    const scalars = [sim.t, raw.nextDemand, raw.nextEvent] as number[];
    const key = `${scalars.join(",")}|${saved
      .slice(0, 3)
      .map((x) => x.join(","))
      .join("|")}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    const legal: number[][] = [];
    for (let a = 0; a < n; a++) {
      legal.push([]);
      for (let x = 0; x < sim.numActions; x++) if (sim.isLegal(a, x)) legal[a].push(x);
    }
    let best = Number.NEGATIVE_INFINITY;
    const joint = new Int32Array(n);
    const visit = (a: number): void => {
      if (a === n) {
        sim.step(joint, messages, rewards);
        const r = rewards.reduce((x, y) => x + y, 0);
        best = Math.max(best, r + search());
        for (let i = 0; i < arrays.length; i++) (raw[arrays[i]] as Int32Array).set(saved[i]);
        [sim.t, raw.nextDemand, raw.nextEvent] = scalars;
        sim.done = false;
        return;
      }
      for (const x of legal[a]) {
        joint[a] = x;
        visit(a + 1);
      }
    };
    visit(0);
    memo.set(key, best);
    return best;
  };
  return search();
}

/** Three water carriers on three sites; 4 water wanted at site 1 by step 3 (the family's tiny). */
function tiny(): AllocationTask {
  return {
    family: "allocation",
    version: 1,
    id: "tiny",
    stratum: "test",
    params: { agents: 3, horizon: 4, dependency: 0, coupling: 1, view: 1, disruption: 0 },
    sites: 3,
    mobile: true,
    start: [0, 1, 2],
    agentKind: [0, 0, 0],
    stock: [3, 1, 3],
    capacity: 3,
    replenishEvery: 4,
    viewRadius: 2,
    demands: [
      { site: 1, kind: 0, amount: 4, appear: 0, close: 3, value: 8 },
      { site: 0, kind: 0, amount: 2, appear: 0, close: 2, value: 3 },
    ],
    events: [],
  };
}

describe("exact allocation oracle on small tasks", () => {
  test("its return equals a plain exhaustive search over joint actions on tiny tasks", () => {
    const cases = [tiny(), { ...tiny(), id: "swap", stock: [1, 3, 2], replenishEvery: 2 }];
    for (const task of cases) {
      const best = bruteForce(task);
      assert.ok(Math.abs(exactAllocationReturn(task) - best) < 1e-9, `${task.id} DP vs search`);
      assert.ok(Math.abs(oracleReturn(task) - best) < 1e-9, `${task.id} oracle vs search`);
    }
  });

  test("on generated tasks known at reset its return is the DP optimum, above every policy", () => {
    for (const overrides of [{}, { coupling: 1 }, { view: 1, coupling: 0.5 }, { coupling: 0 }]) {
      for (const task of knownAtReset(3, overrides)) {
        const optimum = exactAllocationReturn(task);
        const returns = referenceReturns(allocationFamily, task);
        assert.ok(Math.abs(returns.oracle - optimum) < 1e-9, `${task.id} ${returns.oracle}`);
        for (const name of REFERENCE_POLICIES)
          assert.ok(returns[name] <= optimum + 1e-9, `${task.id} ${name}`);
      }
    }
  });

  test("on a hand-built task it plays the hand-derived optimal joint action", () => {
    // Horizon 2, water only. D0: 2 units at site 0 (value 2); D1: 2 units at site 2 (value 4); both
    // settle at step 2. agent_0 at site 1 holds 2, agent_1 at site 0 and agent_2 at site 2 hold 1.
    // agent_1 and agent_2 each give their unit at home; agent_0 can reach one side by step 1: D1
    // full and D0 half gives 4 + (0.5 − 1) = 3.5, the other way 2 + (1 − 2) = 1. So at step 0
    // agent_0 moves toward site 2, and asks for help for D0, which will fall short.
    const task: AllocationTask = {
      ...tiny(),
      id: "hand",
      params: { ...tiny().params, horizon: 2 },
      start: [1, 0, 2],
      stock: [2, 1, 1],
      demands: [
        { site: 0, kind: 0, amount: 2, appear: 0, close: 2, value: 2 },
        { site: 2, kind: 0, amount: 2, appear: 0, close: 2, value: 4 },
      ],
    };
    const steps = played(task);
    assert.equal(steps[0][0][0], 1 + 2, "agent_0 heads to site 2");
    assert.equal(steps[0][1][0], 1 + task.sites + 3 * 0 + 0, "agent_0: site 0 needs water");
    assert.equal(steps[1][0][0], task.sites + 1, "agent_0 gives 1 unit at site 2");
    assert.ok(Math.abs(oracleReturn(task) - 3.5) < 1e-9);
    assert.ok(Math.abs(bruteForce(task) - 3.5) < 1e-9);
  });

  test("it never reads events to come: its actions up to step t ignore events after t", () => {
    let cuts = 0;
    for (let i = 0; i < 3; i++) {
      const task = allocationFamily.generate(
        { id: `b${i}`, stratum: "test", params: { ...params, disruption: 1, dependency: 0.8 } },
        Rng.fromSeed(i),
      );
      const full = played(task);
      const times = [...task.events.map((e) => e.t), ...task.demands.map((d) => d.appear)];
      for (const cut of new Set(times.filter((x) => x > 0).map((x) => x - 1))) {
        cuts++;
        const blind = played(allocationFamily.withoutEventsAfter(task, cut));
        assert.deepEqual(full.slice(0, cut + 1), blind.slice(0, cut + 1), `${task.id} at ${cut}`);
      }
    }
    assert.ok(cuts > 0);
  });

  test("limits: large tasks fall back to the heuristic; the yardstick refuses later events", () => {
    const big = allocationFamily.generate(
      { id: "big", stratum: "test", params: { ...params, agents: 5, horizon: 20 } },
      Rng.fromSeed(1),
    );
    assert.equal(withinExactLimits(big), false);
    const later = allocationFamily.generate(
      { id: "later", stratum: "test", params: { ...params, disruption: 1 } },
      Rng.fromSeed(1),
    );
    assert.throws(
      () => exactAllocationReturn(later),
      (e: unknown) => e instanceof ConfigError && /known at reset/.test(e.message),
    );
  });

  test("the no-communication oracle stays the heuristic: silent on small tasks too", () => {
    for (const [, messages] of played(tiny(), allocationFamily.policy("oracle-no-comm")))
      assert.ok(messages.every((m) => m === SILENT));
  });
});
