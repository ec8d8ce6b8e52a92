import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../../core/prng.js";
import { ForagingSim } from "./foraging.js";
import { parseForagingId } from "./ids.js";

interface Player {
  position: [number, number];
  level: number;
  reward: number;
}

/**
 * lbforaging v3's `step` transcribed plainly: a 2-D field, a dict of wanted cells, a set of
 * loaders popped in agent order. The typed-array simulator must agree with it step for step.
 */
function obviousStep(
  field: number[][],
  players: Player[],
  actions: number[],
  penalty: number,
  spawned: number,
): void {
  const rows = field.length;
  const cols = field[0].length;
  const adjacentFood = ([r, c]: [number, number]) =>
    field[Math.max(r - 1, 0)][c] +
    field[Math.min(r + 1, rows - 1)][c] +
    field[r][Math.max(c - 1, 0)] +
    field[r][Math.min(c + 1, cols - 1)];
  const valid = (p: Player, a: number): boolean => {
    const [r, c] = p.position;
    if (a === 0) return true;
    if (a === 1) return r > 0 && field[r - 1][c] === 0;
    if (a === 2) return r < rows - 1 && field[r + 1][c] === 0;
    if (a === 3) return c > 0 && field[r][c - 1] === 0;
    if (a === 4) return c < cols - 1 && field[r][c + 1] === 0;
    return adjacentFood(p.position) > 0;
  };
  for (const p of players) p.reward = 0;
  const effective = players.map((p, i) => (valid(p, actions[i]) ? actions[i] : 0));
  const wanted = new Map<string, Player[]>();
  const loaders = new Set<Player>();
  players.forEach((p, i) => {
    const [r, c] = p.position;
    const a = effective[i];
    const target: [number, number] =
      a === 1
        ? [r - 1, c]
        : a === 2
          ? [r + 1, c]
          : a === 3
            ? [r, c - 1]
            : a === 4
              ? [r, c + 1]
              : [r, c];
    if (a === 5) loaders.add(p);
    const key = target.join(",");
    wanted.set(key, [...(wanted.get(key) ?? []), p]);
  });
  for (const [key, who] of wanted) {
    if (who.length === 1) who[0].position = key.split(",").map(Number) as [number, number];
  }
  while (loaders.size > 0) {
    const player = loaders.values().next().value as Player;
    loaders.delete(player);
    const [r, c] = player.position;
    let food: [number, number] | undefined;
    if (r > 0 && field[r - 1][c] > 0) food = [r - 1, c];
    else if (r < rows - 1 && field[r + 1][c] > 0) food = [r + 1, c];
    else if (c > 0 && field[r][c - 1] > 0) food = [r, c - 1];
    else if (c < cols - 1 && field[r][c + 1] > 0) food = [r, c + 1];
    if (food === undefined) continue;
    const [fr, fc] = food;
    const group = players.filter(
      (p) =>
        (loaders.has(p) || p === player) &&
        ((Math.abs(p.position[0] - fr) === 1 && p.position[1] === fc) ||
          (Math.abs(p.position[1] - fc) === 1 && p.position[0] === fr)),
    );
    const level = group.reduce((s, p) => s + p.level, 0);
    for (const p of group) loaders.delete(p);
    if (level < field[fr][fc]) {
      for (const p of group) p.reward -= penalty;
      continue;
    }
    for (const p of group) p.reward = (p.level * field[fr][fc]) / (level * spawned);
    field[fr][fc] = 0;
  }
}

describe("ForagingSim against a plain transcription of lbforaging v3's step", () => {
  for (const id of [
    "Foraging-5x5-4p-2f-pen-v3",
    "Foraging-8x8-3p-3f-v3",
    "Foraging-6x6-5p-2f-coop-v3",
  ]) {
    test(`${id}: positions, food and rewards agree at every step of 100 random episodes`, () => {
      const config = parseForagingId(id);
      const sim = new ForagingSim(config);
      const rng = Rng.fromSeed(`lbf-transcription-${id}`);
      const n = config.players;
      const actions = new Int32Array(n);
      const rewards = new Float64Array(n);
      let loads = 0;
      for (let episode = 0; episode < 100; episode++) {
        sim.reset(episode);
        const field = Array.from({ length: config.size }, (_, r) =>
          Array.from(sim.field.subarray(r * config.size, (r + 1) * config.size)),
        );
        const players: Player[] = Array.from({ length: n }, (_, i) => ({
          position: [sim.playerRow[i], sim.playerCol[i]],
          level: sim.playerLevel[i],
          reward: 0,
        }));
        while (!sim.done) {
          // Mostly loads and moves toward crowding, so groups, conflicts and overlaps happen.
          for (let i = 0; i < n; i++) actions[i] = rng.bernoulli(0.4) ? 5 : rng.int(6);
          sim.step(actions, new Int32Array(n), rewards);
          obviousStep(field, players, [...actions], config.penalty, sim.foodSpawned);
          const where = `episode ${episode} step ${sim.t}`;
          assert.deepEqual(
            positions(sim),
            players.map((p) => p.position),
            `${where} positions`,
          );
          assert.deepEqual(Array.from(sim.field), field.flat(), `${where} field`);
          assert.deepEqual(
            Array.from(rewards),
            players.map((p) => p.reward),
            `${where} rewards`,
          );
          if (rewards.some((r) => r > 0)) loads++;
        }
      }
      assert.ok(
        loads >= 20,
        `only ${loads} successful loads: the episodes did not exercise loading`,
      );
    });
  }
});

function positions(sim: ForagingSim): [number, number][] {
  return Array.from(sim.playerRow, (r, i) => [r, sim.playerCol[i]]);
}
