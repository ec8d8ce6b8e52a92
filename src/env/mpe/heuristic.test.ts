import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { ForagingSim } from "../lbf/foraging.js";
import { parseForagingId } from "../lbf/ids.js";
import { policyReturnStats, randomReturnStats } from "../marl.js";
import { spreadHeuristicPolicy } from "./heuristic.js";
import { SpreadSim } from "./simple-spread.js";

describe("spreadHeuristicPolicy", () => {
  test("it steers a lone agent toward its landmark", () => {
    const sim = new SpreadSim({ agents: 1 });
    sim.setState([0, 0], [0.8, -0.3]);
    const policy = spreadHeuristicPolicy();
    policy.reset(sim);
    const actions = new Int32Array(1);
    policy.act(sim, Rng.fromSeed(0), actions, new Int32Array(1));
    assert.equal(actions[0], 2, "move right, along the larger gap");
  });

  test("it scores far above random play on simple_spread_v3", () => {
    const sim = new SpreadSim();
    const heuristic = policyReturnStats(sim, spreadHeuristicPolicy(), 200, Rng.fromSeed(1));
    const random = randomReturnStats(sim, 200, Rng.fromSeed(1));
    assert.ok(
      heuristic.mean - random.mean > 5 * (heuristic.se + random.se),
      `${heuristic.mean} vs ${random.mean}`,
    );
  });

  test("it refuses a simulator that is not Simple Spread", () => {
    const policy = spreadHeuristicPolicy();
    assert.throws(
      () => policy.reset(new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-v3"))),
      InputError,
    );
  });
});
