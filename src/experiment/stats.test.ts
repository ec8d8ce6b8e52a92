/** Hand-computed cases for every statistic of the study. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../core/prng.js";
import {
  holmAdjust,
  iqm,
  iqrOutliers,
  mannWhitneyTest,
  meanStd,
  pairedBootstrapCi,
  probabilityOfImprovement,
  quantile,
  relativeDifference,
  stratifiedBootstrapCi,
  studentTwoSidedP,
  welchTest,
} from "./stats.js";

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≉ ${expected}`);

describe("stats", () => {
  test("meanStd uses the sample (n − 1) standard deviation", () => {
    const { mean, std, n } = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.equal(mean, 5);
    close(std, Math.sqrt(32 / 7));
    assert.equal(n, 8);
  });

  test("quantile interpolates between order statistics like R's type 7", () => {
    close(quantile([4, 1, 3, 2], 0.25), 1.75);
    close(quantile([4, 1, 3, 2], 0.5), 2.5);
    assert.equal(quantile([4, 1, 3, 2], 1), 4);
  });

  test("iqrOutliers removes a value past Q3 + 1.5·IQR and keeps the rest", () => {
    // Q1 = 2, Q3 = 4, IQR = 2: fences −1 and 7.
    const split = iqrOutliers([1, 2, 3, 4, 100]);
    assert.deepEqual(split.removed, [4]);
    assert.deepEqual(split.kept, [0, 1, 2, 3]);
    assert.equal(split.lower, -1);
    assert.equal(split.upper, 7);
  });

  test("iqm trims a quarter from each end before averaging", () => {
    assert.equal(iqm([100, 1, 3, 2, 4]), 3);
    assert.equal(iqm([1, 2, 3, 4, 5, 6, 7, 80]), 4.5);
  });

  test("probabilityOfImprovement counts wins over all pairs, ties as one half", () => {
    assert.equal(probabilityOfImprovement([1, 2, 3], [0, 0, 0]), 1);
    assert.equal(probabilityOfImprovement([1, 2], [2, 3]), 0.125);
  });

  test("studentTwoSidedP matches the t table (t = 2.228, df = 10 is p ≈ 0.05)", () => {
    close(studentTwoSidedP(2.228, 10), 0.0500118, 1e-6);
    close(studentTwoSidedP(0, 7), 1, 1e-12);
  });

  test("welchTest gives Welch's t, df and p", () => {
    // Means 2.5 and 6, variances 5/3 and 10: t = −3.5/√(5/12 + 2) = −2.25144, df ≈ 5.5208.
    const result = welchTest([1, 2, 3, 4], [2, 4, 6, 8, 10]);
    close(result.statistic, -2.2514363);
    close(result.p, 0.0691336, 1e-6);
  });

  test("mannWhitneyTest is exact without ties: complete separation of 3 vs 3 gives p = 2/20", () => {
    const result = mannWhitneyTest([1, 2, 3], [4, 5, 6]);
    assert.equal(result.statistic, 0);
    close(result.p, 0.1, 1e-12);
  });

  test("mannWhitneyTest counts the U distribution: U = 4 of 5 vs 5 has p = 24/252", () => {
    const result = mannWhitneyTest([1, 2, 3, 4, 5], [1.5, 6, 7, 8, 9]);
    assert.equal(result.statistic, 4);
    close(result.p, 24 / 252, 1e-12);
  });

  test("mannWhitneyTest falls back to the tie-corrected normal approximation with ties", () => {
    const result = mannWhitneyTest([1, 2, 2, 3], [2, 4, 5]);
    assert.equal(result.statistic, 2);
    close(result.p, 0.19909, 1e-4);
  });

  test("holmAdjust multiplies by the remaining count and keeps the order monotone", () => {
    assert.deepEqual(
      holmAdjust([0.01, 0.04, 0.03]).map((p) => Number(p.toFixed(10))),
      [0.03, 0.06, 0.06],
    );
    assert.deepEqual(holmAdjust([0.5, 0.9]), [1, 1]);
  });

  test("relativeDifference is 100·(m − base)/|base| and flags a base near zero for its scale", () => {
    assert.deepEqual(relativeDifference(1.271, 1), {
      percent: 100 * (1.271 - 1),
      baseNearZero: false,
    });
    close(relativeDifference(-0.5, -1).percent, 50);
    assert.equal(relativeDifference(1, 1e-5).baseNearZero, true);
    // Small but not small against m: a variance of 1e-5 beside 1.6e-5 is a fair base.
    assert.equal(relativeDifference(1.6e-5, 1e-5).baseNearZero, false);
  });

  test("stratifiedBootstrapCi of constant strata is that constant", () => {
    const ci = stratifiedBootstrapCi(
      [
        [2, 2],
        [2, 2, 2],
      ],
      iqm,
      { rng: Rng.fromSeed(1), resamples: 50 },
    );
    assert.deepEqual(ci, { low: 2, high: 2 });
  });

  test("stratifiedBootstrapCi brackets the mean and is the same for the same seed", () => {
    const strata = [
      [1, 2, 3, 4, 5],
      [10, 11, 12],
    ];
    const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const a = stratifiedBootstrapCi(strata, mean, { rng: Rng.fromSeed(3), resamples: 400 });
    const b = stratifiedBootstrapCi(strata, mean, { rng: Rng.fromSeed(3), resamples: 400 });
    assert.deepEqual(a, b);
    assert.ok(a.low < 6 && 6 < a.high, `${a.low}..${a.high}`);
  });

  test("pairedBootstrapCi of a constant paired shift is that shift", () => {
    const diff = (a: readonly number[], b: readonly number[]) =>
      a.reduce((s, v, i) => s + v - b[i], 0) / a.length;
    const ci = pairedBootstrapCi([5, 9, 2], [4, 8, 1], diff, {
      rng: Rng.fromSeed(2),
      resamples: 100,
    });
    close(ci.low, 1, 1e-12);
    close(ci.high, 1, 1e-12);
  });

  test("pairedBootstrapCi refuses samples of different lengths", () => {
    assert.throws(
      () => pairedBootstrapCi([1, 2], [1], () => 0, { rng: Rng.fromSeed(0) }),
      /paired bootstrap b/,
    );
  });
});
