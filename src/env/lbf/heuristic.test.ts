import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { policyReturnStats, randomReturnStats } from "../marl.js";
import { SpreadSim } from "../mpe/simple-spread.js";
import { ForagingSim } from "./foraging.js";
import { foragingHeuristicPolicy } from "./heuristic.js";
import { parseForagingId } from "./ids.js";

const LOAD = 5;
const SOUTH = 2;

function act(sim: ForagingSim): number[] {
  const policy = foragingHeuristicPolicy();
  policy.reset(sim);
  const actions = new Int32Array(sim.numAgents);
  policy.act(sim, Rng.fromSeed(0), actions, new Int32Array(sim.numAgents));
  return [...actions];
}

describe("foragingHeuristicPolicy", () => {
  test("an agent next to food loads and a far one closes the larger gap first", () => {
    const sim = new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-v3"));
    sim.setState(
      [[3, 3, 1]],
      [
        [3, 2, 1],
        [0, 2, 1],
      ],
    );
    assert.deepEqual(act(sim), [LOAD, SOUTH]);
  });

  test("it scores far above random play on Foraging-8x8-2p-2f-v3", () => {
    const sim = new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-v3"));
    const heuristic = policyReturnStats(sim, foragingHeuristicPolicy(), 300, Rng.fromSeed(2));
    const random = randomReturnStats(sim, 300, Rng.fromSeed(2));
    assert.ok(
      heuristic.mean - random.mean > 5 * (heuristic.se + random.se),
      `${heuristic.mean} vs ${random.mean}`,
    );
  });

  test("it refuses a simulator that is not Level-Based Foraging", () => {
    assert.throws(() => foragingHeuristicPolicy().reset(new SpreadSim()), InputError);
  });
});
