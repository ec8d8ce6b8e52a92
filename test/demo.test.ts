import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runDemo } from "../src/cli/demo.js";
import { naiveGemm } from "../src/model/gemm/naive.js";
import { runTroupe } from "./cli-helpers.js";

const options = {
  steps: 150,
  batch: 128,
  actions: 4,
  features: 8,
  learningRate: 0.01,
  backend: "naive" as const,
  seed: 3,
};

describe("troupe demo", () => {
  test("the policy learns the bandit: held-out accuracy rises well above chance", () => {
    const result = runDemo(options, naiveGemm, () => undefined);
    // Chance is 1/4; 150 updates of 128 contexts reach about 0.8 on this seed.
    assert.ok(result.finalAccuracy > 0.6, `final accuracy ${result.finalAccuracy}`);
    assert.ok(result.finalAccuracy > result.initialAccuracy + 0.3);
  });

  test("the same seed gives the same run, line for line", () => {
    const first: string[] = [];
    const second: string[] = [];
    runDemo({ ...options, steps: 20 }, naiveGemm, (line) => first.push(line));
    runDemo({ ...options, steps: 20 }, naiveGemm, (line) => second.push(line));
    assert.deepEqual(first, second);
  });

  test("the built command prints its progress and the result", async () => {
    const result = await runTroupe(["demo", "--steps", "40", "--backend", "blocked"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /troupe: GEMM backend blocked/);
    assert.match(result.stdout, /done: held-out accuracy \d\.\d{3} -> \d\.\d{3}/);
  });

  test("a bad flag value names the flag and exits 2", async () => {
    const result = await runTroupe(["demo", "--learning-rate", "5"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--learning-rate: invalid value/);
  });
});
