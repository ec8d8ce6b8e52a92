import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { canonicalForagingId, foodCapacity, parseForagingId } from "./lbf/ids.js";
import { episodeBuffers, MARL_SCENARIOS, makeMarlEnv, playRandomEpisode } from "./marl.js";

/** Asserts that `make` throws a ConfigError whose message matches every pattern. */
function failsWith(make: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(make, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

describe("makeMarlEnv", () => {
  test("simple_spread_v3 with 4 agents has 24 features and 5 actions", () => {
    const sim = makeMarlEnv("simple_spread_v3", { agents: 4 });
    assert.equal(sim.numAgents, 4);
    assert.equal(sim.featureSize, 24);
    assert.equal(sim.numActions, 5);
    assert.equal(sim.horizon, 25);
  });

  test("Foraging-8x8-2p-2f-v3 has 2 players, 6 actions, 12 features and 50 steps", () => {
    const sim = makeMarlEnv("Foraging-8x8-2p-2f-v3");
    assert.deepEqual([sim.numAgents, sim.numActions, sim.featureSize, sim.horizon], [2, 6, 12, 50]);
  });

  test("an unknown id fails listing the valid ids", () => {
    failsWith(() => makeMarlEnv("simple_tag_v3"), /simple_spread_v3/, /Foraging\[-2s\]/);
  });

  test("fewer than one agent fails naming the option and its range", () => {
    failsWith(() => makeMarlEnv("simple_spread_v3", { agents: 0 }), /agents/, /≥ 1/);
  });

  test("an option the scenario does not take fails listing the ones it does", () => {
    failsWith(
      () => makeMarlEnv("simple_spread_v3", { agnets: 3 } as unknown as { agents: number }),
      /agnets/,
      /agents, localRatio, maxCycles/,
    );
    failsWith(() => makeMarlEnv("Foraging-8x8-2p-2f-v3", { agents: 3 }), /no options/);
  });

  test("a grid too small for its food fails saying how much fits", () => {
    failsWith(
      () => makeMarlEnv("Foraging-5x5-2p-9f-v3"),
      /too small/,
      new RegExp(`at most ${foodCapacity(5)} food`),
    );
  });

  test("players, food or size outside lbforaging's registered ranges fail with the range", () => {
    failsWith(() => makeMarlEnv("Foraging-8x8-1p-2f-v3"), /players in 2\.\.9/);
    failsWith(() => makeMarlEnv("Foraging-4x4-2p-1f-v3"), /grid size in 5\.\.19/);
    failsWith(() => makeMarlEnv("Foraging-8x9-2p-1f-v3"), /not square/);
    failsWith(() => makeMarlEnv("Foraging-8x8-2p-2f-v2"), /Foraging\[-2s\]-\{s\}x\{s\}/);
  });

  test("-2s works in front (lbforaging's spelling) and after the food count", () => {
    const front = parseForagingId("Foraging-2s-8x8-2p-2f-coop-v3");
    const after = parseForagingId("Foraging-8x8-2p-2f-coop-2s-v3");
    assert.deepEqual(front, after);
    assert.equal(front.sight, 2);
    assert.equal(canonicalForagingId(after), "Foraging-2s-8x8-2p-2f-coop-v3");
  });

  test("every listed scenario family builds and plays a random episode to its end", () => {
    assert.ok(MARL_SCENARIOS.length >= 3);
    for (const id of [
      "simple_spread_v3",
      "simple_spread_v2",
      "Foraging-2s-10x10-3p-3f-coop-pen-v3",
    ]) {
      const sim = makeMarlEnv(id);
      const total = playRandomEpisode(sim, 1, Rng.fromSeed(id), episodeBuffers(sim), true);
      assert.ok(Number.isFinite(total), id);
      assert.equal(sim.done, true, id);
    }
  });
});
