/** The EPyMARL-style race run: its test schedule and EPyMARL's test-mode action selection. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { type RaceOptions, raceTestFirstSeed, runRace } from "./marl-race.js";

const BASE: RaceOptions = {
  algorithm: "ippo",
  scenario: "Foraging-8x8-2p-2f-v3",
  seed: 3,
  budget: 1,
  testInterval: 20_000,
  testEpisodes: 60,
  gemm: blockedGemm,
  overrides: { hidden: 16 },
};

test("race tests sample actions from the policy by default, as EPyMARL's soft_policies selector does", async () => {
  // After one update the policy is close to uniform: sampled, it plays like random play on LBF
  // (0.20); its argmax repeats one action per observation and mostly loads nothing.
  const sampled = await runRace(BASE);
  const greedy = await runRace({ ...BASE, testGreedy: true });
  assert.equal(sampled.tests.length, 1);
  assert.equal(sampled.tests[0].step, 500);
  assert.ok(sampled.tests[0].meanReturn > 0.1, `sampled ${sampled.tests[0].meanReturn}`);
  assert.ok(
    greedy.tests[0].meanReturn < sampled.tests[0].meanReturn - 0.05,
    `greedy ${greedy.tests[0].meanReturn} vs sampled ${sampled.tests[0].meanReturn}`,
  );
});

test("a race tests after the first update, then every testInterval joint steps, and at the budget", async () => {
  const steps: number[] = [];
  const result = await runRace({
    ...BASE,
    budget: 2_500,
    testInterval: 1_000,
    testEpisodes: 2,
    onTest: (t) => steps.push(t.step),
  });
  assert.deepEqual(steps, [500, 1_500, 2_500]);
  assert.deepEqual(
    result.tests.map((t) => t.step),
    steps,
  );
  assert.equal(result.steps, 2_500);
});

test("each run's tests meet layouts of its own, disjoint across seeds and rounds, in the reserved range", () => {
  const ranges = [0, 1, 999].flatMap((seed) =>
    [0, 1, 10].map((round) => raceTestFirstSeed(seed, round, 100)),
  );
  ranges.sort((a, b) => a - b);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i] - ranges[i - 1] >= 100);
  assert.ok(ranges[0] >= 1_000_000_000);
});

test("a race seed outside the reserved test layouts is refused with a ConfigError", async () => {
  await assert.rejects(
    runRace({ ...BASE, seed: 5000 }),
    (e: unknown) => e instanceof ConfigError && /race seed 5000/.test(e.message),
  );
});
