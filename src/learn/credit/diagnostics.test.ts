/** Stability diagnostics: entropy, KL estimators, clip fraction, explained variance. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../core/prng.js";
import { approxKl, clipFraction, exactKl, explainedVariance, meanEntropy } from "./diagnostics.js";

const log = (values: number[]) => Float32Array.from(values.map(Math.log));

test("the entropy of a uniform distribution over k candidates is log k, averaged over segments", () => {
  const logProbs = log([0.5, 0.5, 0.25, 0.25, 0.25, 0.25]);
  const h = meanEntropy(logProbs, Int32Array.from([0, 2, 2, 6]));
  assert.ok(Math.abs(h - (Math.log(2) + Math.log(4)) / 2) < 1e-6);
});

test("masked candidates (log-prob −∞) add nothing to the entropy", () => {
  const logProbs = Float32Array.from([0, Number.NEGATIVE_INFINITY]);
  assert.equal(meanEntropy(logProbs, Int32Array.from([0, 2])), 0);
});

test("exact KL between a distribution and itself is 0 and matches the closed form otherwise", () => {
  const p = log([0.5, 0.5]);
  const q = log([0.25, 0.75]);
  const offsets = Int32Array.from([0, 2]);
  assert.equal(exactKl(p, p, offsets), 0);
  const expected = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
  assert.ok(Math.abs(exactKl(p, q, offsets) - expected) < 1e-6);
});

test("approx-KL from sampled actions converges to the exact KL", () => {
  const rng = Rng.fromSeed("approx-kl");
  const pOld = [0.2, 0.3, 0.5];
  const pNew = [0.3, 0.3, 0.4];
  const samples = 20000;
  const oldLp = new Float32Array(samples);
  const newLp = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    let u = rng.float();
    let c = 0;
    while (c < 2 && u >= pOld[c]) u -= pOld[c++];
    oldLp[i] = Math.log(pOld[c]);
    newLp[i] = Math.log(pNew[c]);
  }
  const exact = exactKl(log(pOld), log(pNew), Int32Array.from([0, 3]));
  assert.ok(
    Math.abs(approxKl(oldLp, newLp) - exact) < 0.2 * exact,
    `${approxKl(oldLp, newLp)} vs ${exact}`,
  );
  assert.equal(approxKl(oldLp, oldLp), 0);
});

test("clip fraction counts the ratios outside [1 − clip, 1 + clip]", () => {
  const oldLp = log([0.5, 0.5, 0.5, 0.5]);
  const newLp = log([0.5, 0.55, 0.7, 0.2]);
  assert.equal(clipFraction(oldLp, newLp, 0.2), 0.5);
});

test("explained variance is 1 for perfect values, 0 for a constant, negative when worse", () => {
  const returns = Float32Array.from([1, 2, 3, 4]);
  assert.equal(explainedVariance(returns, returns), 1);
  assert.equal(explainedVariance(Float32Array.from([7, 7, 7, 7]), returns), 0);
  assert.ok(explainedVariance(Float32Array.from([4, 3, 2, 1]), returns) < 0);
});

test("explained variance of constant returns is 0, not NaN", () => {
  assert.equal(explainedVariance(Float32Array.from([1, 2]), Float32Array.from([3, 3])), 0);
});
