import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { aggregate } from "./aggregate.js";
import { resolveStudyConfig } from "./presets.js";
import type { RunResult } from "./run.js";

/** A synthetic final run whose validation curve ends at `final` and test score is `score`. */
function runOf(method: string, seed: number, final: number, score: number): RunResult {
  return {
    spec: { id: `final-${method}-s${seed}`, phase: "final", method, seed, point: 0, budget: 96 },
    jointSteps: 96,
    iterations: 3,
    curve: {
      steps: [32, 64, 96],
      validationScore: [0, final / 2, final],
      validationReturn: [0, final, 2 * final],
      probeTv: [0, 0.1, 0.1],
    },
    oscillation: {
      detrendedVariance: 0.01,
      rawVariance: 0.02,
      excessPathLength: 0,
      meanSuccessiveKl: 0.001,
    },
    validation: { meanTeamReturn: 2 * final, meanNormalisedScore: final },
    test: [
      { family: "planning", seen: true, teamReturns: [score, score], scores: [score, score] },
      { family: "planning", seen: false, teamReturns: [score], scores: [score] },
    ],
    wallSeconds: 1,
  };
}

describe("aggregate", () => {
  const config = resolveStudyConfig("tiny", {
    methods: ["coordinated", "shared-td", "decentralized", "bc", "coordinated-no-shaping"],
  });
  // The ablation ends highest of the non-proposed methods; it must not set the convergence target.
  const finals = config.methods.flatMap((method, m) =>
    config.seeds.map((seed) =>
      runOf(
        method,
        seed,
        method === "coordinated-no-shaping" ? 0.9 : 0.3 + 0.05 * m + 0.01 * seed,
        0.5,
      ),
    ),
  );
  const results = aggregate(finals, config, [[3, 3], [4]]);

  test("the convergence target is the best paper baseline, never an ablation", () => {
    assert.equal(results.convergence.bestBaseline, "decentralized");
  });

  test("ablations are compared in their own Holm family, apart from the paper's baselines", () => {
    const roles = new Map(results.comparisons.map((c) => [c.baseline, c.role]));
    assert.equal(roles.get("shared-td"), "baseline");
    assert.equal(roles.get("bc"), "baseline");
    assert.equal(roles.get("coordinated-no-shaping"), "ablation");
    // One comparison per metric in the ablation family: Holm's factor there is the metric count.
    const ablation = results.comparisons.filter((c) => c.role === "ablation");
    const smallest = ablation.reduce((a, b) => (a.welchP <= b.welchP ? a : b));
    assert.ok(
      Math.abs(smallest.welchHolm - Math.min(1, smallest.welchP * ablation.length)) < 1e-12,
    );
  });

  test("a metric some runs could not measure is compared on the others and never stalls", () => {
    const broken = finals.map((r, i) =>
      i % 2 === 0 ? { ...r, oscillation: { ...r.oscillation, rawVariance: Number.NaN } } : r,
    );
    const comparisons = aggregate(broken, config, [[3, 3], [4]]).comparisons;
    for (const c of comparisons) {
      assert.ok(Number.isFinite(c.welchHolm) && Number.isFinite(c.mannWhitneyHolm), c.metric);
    }
  });
});
