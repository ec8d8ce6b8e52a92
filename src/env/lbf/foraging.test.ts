import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../../core/prng.js";
import { randomReturnStats } from "../marl.js";
import { ParallelEnv } from "../parallel-env.js";
import { canHoldFood, ForagingSim } from "./foraging.js";
import { parseForagingId } from "./ids.js";

const [NONE, NORTH, SOUTH, WEST, EAST, LOAD] = [0, 1, 2, 3, 4, 5];
type Cell = readonly [number, number, number];

/** A sim for `id` with the grid set by hand. */
function grid(id: string, food: Cell[], players: Cell[]): ForagingSim {
  const sim = new ForagingSim(parseForagingId(id));
  sim.setState(food, players);
  return sim;
}

function stepWith(sim: ForagingSim, actions: number[]): number[] {
  const rewards = new Float64Array(sim.numAgents);
  sim.step(Int32Array.from(actions), new Int32Array(sim.numAgents), rewards);
  return [...rewards];
}

const positions = (sim: ForagingSim) => [...sim.playerRow].map((r, i) => [r, sim.playerCol[i]]);
const FAR_FOOD: Cell = [6, 6, 1];

describe("Level-Based Foraging movement", () => {
  test("two players moving into the same cell both stay", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [FAR_FOOD],
      [
        [2, 2, 1],
        [2, 4, 1],
      ],
    );
    stepWith(sim, [EAST, WEST]);
    assert.deepEqual(positions(sim), [
      [2, 2],
      [2, 4],
    ]);
  });

  test("a move off the grid or into food acts as staying", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [[3, 4, 1]],
      [
        [0, 0, 1],
        [3, 3, 1],
      ],
    );
    stepWith(sim, [NORTH, EAST]);
    assert.deepEqual(positions(sim), [
      [0, 0],
      [3, 3],
    ]);
  });

  test("a move onto a player who stays fails, a move into a cell being left succeeds", () => {
    const blocked = grid(
      "Foraging-8x8-2p-2f-v3",
      [FAR_FOOD],
      [
        [2, 2, 1],
        [2, 3, 1],
      ],
    );
    stepWith(blocked, [EAST, NONE]);
    assert.deepEqual(positions(blocked), [
      [2, 2],
      [2, 3],
    ]);
    const following = grid(
      "Foraging-8x8-2p-2f-v3",
      [FAR_FOOD],
      [
        [2, 2, 1],
        [2, 3, 1],
      ],
    );
    stepWith(following, [EAST, EAST]);
    assert.deepEqual(positions(following), [
      [2, 3],
      [2, 4],
    ]);
  });

  test("moves in all four directions change row and column as the reference numbers them", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [FAR_FOOD],
      [
        [3, 3, 1],
        [0, 7, 1],
      ],
    );
    stepWith(sim, [NORTH, SOUTH]);
    stepWith(sim, [WEST, WEST]);
    assert.deepEqual(positions(sim), [
      [2, 2],
      [1, 6],
    ]);
  });
});

describe("Level-Based Foraging loading", () => {
  test("a group whose level sum is below the food's fails and the food stays", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [[3, 3, 3], FAR_FOOD],
      [
        [2, 3, 1],
        [3, 2, 1],
      ],
    );
    assert.deepEqual(stepWith(sim, [LOAD, LOAD]), [0, 0]);
    assert.equal(sim.foodRemaining, 2);
  });

  test("with -pen a failed load costs each member 0.1", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-pen-v3",
      [[3, 3, 3], FAR_FOOD],
      [
        [2, 3, 1],
        [3, 2, 1],
      ],
    );
    assert.deepEqual(stepWith(sim, [LOAD, LOAD]), [-0.1, -0.1]);
  });

  test("a successful group load pays each member level × food / (group level × food spawned)", () => {
    // Food levels 3 and 1 were spawned (sum 4); levels 1 and 2 load the level-3 food together.
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [[3, 3, 3], FAR_FOOD],
      [
        [2, 3, 1],
        [3, 2, 2],
      ],
    );
    assert.deepEqual(stepWith(sim, [LOAD, LOAD]), [(1 * 3) / (3 * 4), (2 * 3) / (3 * 4)]);
    assert.equal(sim.field[3 * 8 + 3], 0);
    assert.equal(sim.foodRemaining, 1);
  });

  test("an adjacent player who does not load is not part of the group", () => {
    const sim = grid(
      "Foraging-8x8-3p-2f-v3",
      [[3, 3, 3], FAR_FOOD],
      [
        [2, 3, 1],
        [3, 2, 1],
        [4, 3, 2],
      ],
    );
    assert.deepEqual(stepWith(sim, [LOAD, LOAD, NONE]), [0, 0, 0]);
    assert.deepEqual(stepWith(sim, [LOAD, LOAD, LOAD]), [0.75 / 4, 0.75 / 4, 1.5 / 4]);
  });

  test("clearing all food sums to 1 and ends the episode without truncation", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [
        [3, 3, 2],
        [5, 5, 1],
      ],
      [
        [2, 3, 2],
        [5, 4, 1],
      ],
    );
    const rewards = stepWith(sim, [LOAD, LOAD]);
    assert.equal(rewards[0] + rewards[1], 1);
    assert.equal(sim.done, true);
    assert.equal(sim.truncated, false);
  });

  test("an episode that runs out of steps with food left is a truncation at step 50", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [FAR_FOOD],
      [
        [0, 0, 1],
        [0, 1, 1],
      ],
    );
    for (let k = 0; k < 49; k++) stepWith(sim, [NONE, NONE]);
    assert.equal(sim.done, false);
    stepWith(sim, [NONE, NONE]);
    assert.equal(sim.truncated, true);
  });
});

describe("Level-Based Foraging reset", () => {
  test("food lies inside the border, spaced by the reference's rule, with levels up to the players' sum", () => {
    const sim = new ForagingSim(parseForagingId("Foraging-8x8-3p-4f-v3"));
    for (let seed = 0; seed < 200; seed++) {
      sim.reset(seed);
      const levels = [...sim.playerLevel].sort((a, b) => a - b);
      const maxLevel = levels[0] + levels[1] + levels[2];
      assert.ok(levels.every((l) => l === 1 || l === 2));
      let total = 0;
      for (let cell = 0; cell < 64; cell++) {
        const level = sim.field[cell];
        if (level === 0) continue;
        total += level;
        const [row, col] = [Math.floor(cell / 8), cell % 8];
        assert.ok(row >= 1 && row <= 6 && col >= 1 && col <= 6, `food at ${row},${col}`);
        assert.ok(level >= 1 && level <= maxLevel);
        sim.field[cell] = 0;
        assert.ok(canHoldFood(sim.field, 8, row, col), `food at ${row},${col} has a neighbour`);
        sim.field[cell] = level;
      }
      assert.equal(sim.foodSpawned, total);
    }
  });

  test("with -coop every food needs all players' levels", () => {
    const sim = new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-coop-v3"));
    for (let seed = 0; seed < 50; seed++) {
      sim.reset(seed);
      const sum = sim.playerLevel[0] + sim.playerLevel[1];
      assert.ok([...sim.field].every((level) => level === 0 || level === sum));
    }
  });

  test("the same seed gives the same grid", () => {
    const a = new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-v3"));
    const b = new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-v3"));
    a.reset(11);
    b.reset(11);
    assert.deepEqual(
      [...a.field, ...a.playerRow, ...a.playerCol],
      [...b.field, ...b.playerRow, ...b.playerCol],
    );
  });

  // EPyMARL reports 0.20 for random play on 8x8-2p-2f; we accept the issue's margin for "the same
  // return" on LBF, 0.03, with our mean tight (SE < 0.006).
  test("the random-policy return on 8x8-2p-2f matches the published 0.20", () => {
    const sim = new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-v3"));
    const { mean, se } = randomReturnStats(sim, 10_000, Rng.fromSeed("lbf-random"));
    assert.ok(se < 0.006, `SE ${se}`);
    assert.ok(Math.abs(mean - 0.2) < 0.03, `mean ${mean.toFixed(3)} ± ${se.toFixed(3)}`);
  });
});

describe("Level-Based Foraging observations", () => {
  test("full view lists food then self then team-mates as (row, col, level) with unseen slots (−1, −1, 0)", () => {
    const sim = grid(
      "Foraging-8x8-3p-3f-v3",
      [
        [3, 3, 2],
        [1, 5, 1],
      ],
      [
        [2, 3, 1],
        [6, 0, 2],
        [0, 0, 1],
      ],
    );
    const out = new Float32Array(sim.featureSize);
    sim.writeFeatures(1, out, 0);
    assert.deepEqual([...out], [1, 5, 1, 3, 3, 2, -1, -1, 0, 6, 0, 2, 2, 3, 1, 0, 0, 1]);
  });

  test("with -2s coordinates are relative to the clipped 5×5 window and far items are unseen", () => {
    const sim = grid(
      "Foraging-2s-8x8-2p-2f-v3",
      [
        [3, 3, 2],
        [6, 6, 1],
      ],
      [
        [4, 1, 1],
        [0, 7, 2],
      ],
    );
    const out = new Float32Array(sim.featureSize);
    sim.writeFeatures(0, out, 0);
    // Window rows 2..6, columns 0..3: food (3,3) at (1,3); food (6,6) and agent_1 unseen.
    assert.deepEqual([...out], [1, 3, 2, -1, -1, 0, 2, 1, 1, -1, -1, 0]);
  });

  test("ParallelEnv wraps the simulator: 12 features per agent, a 24-float state, team reward in infos", () => {
    const env = new ParallelEnv(new ForagingSim(parseForagingId("Foraging-8x8-2p-2f-v3")));
    const { observations } = env.reset(4);
    assert.equal(observations.agent_1.features.length, 12);
    assert.equal(env.state().length, 24);
    const result = env.step({ agent_0: { action: LOAD }, agent_1: { action: EAST } });
    assert.equal(result.infos.agent_1.teamReward, result.rewards.agent_0 + result.rewards.agent_1);
  });

  test("the valid-action view marks what the reference would execute", () => {
    const sim = grid(
      "Foraging-8x8-2p-2f-v3",
      [[1, 0, 1], FAR_FOOD],
      [
        [0, 0, 1],
        [7, 7, 1],
      ],
    );
    const valid = new Uint8Array(6);
    sim.writeValidActions(0, valid, 0);
    assert.deepEqual([...valid], [1, 0, 0, 0, 1, 1]);
  });
});
