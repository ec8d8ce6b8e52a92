/** Masked log-softmax and entropy over variable-length candidate segments. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError, NumericError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import { maskedLogSoftmax, segmentEntropy } from "./softmax.js";

// Central differences, eps = 1e-2, loss summed in float64 (masked −∞ entries left out);
// pass when |a − n| ≤ 1e-3 + 1e-2·|n|.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 1e-3, rtol: 1e-2 };
const OFFSETS = Int32Array.from([0, 3, 4, 8]);
const MASK = Uint8Array.from([1, 0, 1, 1, 1, 1, 0, 1]);

test("masked log-softmax over ragged segments has gradients that match central differences", () => {
  const rng = Rng.fromSeed("log-softmax");
  const scores = randomParameter("scores", 8, 1, rng, -2, 2);
  const result = checkGradients(
    (g) => maskedLogSoftmax(g, g.param(scores), OFFSETS, MASK),
    [scores],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("segment entropy has gradients that match central differences through the softmax", () => {
  const rng = Rng.fromSeed("entropy");
  const scores = randomParameter("scores", 8, 1, rng, -2, 2);
  const result = checkGradients(
    (g) => segmentEntropy(g, maskedLogSoftmax(g, g.param(scores), OFFSETS, MASK), OFFSETS),
    [scores],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("masked candidates get probability exactly 0 and the rest sum to 1", () => {
  const g = new Graph(naiveGemm);
  const scores = g.input("scores", Float32Array.from([5, 100, -1, 0, 1, 2, 50, 3]), 8, 1);
  const logp = maskedLogSoftmax(g, scores, OFFSETS, MASK).value;
  assert.equal(Math.exp(logp[1]), 0);
  assert.equal(Math.exp(logp[6]), 0);
  for (const [start, end] of [
    [0, 3],
    [3, 4],
    [4, 8],
  ]) {
    let total = 0;
    for (let i = start; i < end; i++) total += Math.exp(logp[i]);
    assert.ok(Math.abs(total - 1) < 1e-6, `segment ${start}–${end} sums to ${total}`);
  }
});

test("a segment of length 1 has log-probability 0 and passes no gradient to its score", () => {
  const g = new Graph(naiveGemm);
  const scores = g.param(randomParameter("scores", 1, 1, Rng.fromSeed(3)));
  const logp = maskedLogSoftmax(g, scores, Int32Array.from([0, 1]));
  assert.equal(logp.value[0], 0);
  g.backwardFrom(logp, Float32Array.from([1]));
  assert.equal(scores.grad?.[0], 0);
});

test("a fully masked segment throws an InputError naming the segment", () => {
  const g = new Graph(naiveGemm);
  const scores = g.input("scores", new Float32Array(4), 4, 1);
  const offsets = Int32Array.from([0, 2, 4]);
  assert.throws(
    () => maskedLogSoftmax(g, scores, offsets, Uint8Array.from([1, 1, 0, 0])),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /segment 1 .*every candidate masked out/);
      return true;
    },
  );
});

test("a segment whose allowed scores are all NaN throws a NumericError, not a mask error", () => {
  const g = new Graph(naiveGemm);
  const scores = g.input("scores", Float32Array.from([0, 1, Number.NaN, Number.NaN]), 4, 1);
  const offsets = Int32Array.from([0, 2, 4]);
  assert.throws(
    () => maskedLogSoftmax(g, scores, offsets, Uint8Array.from([1, 1, 1, 0])),
    (e: unknown) => {
      assert.ok(e instanceof NumericError);
      assert.match(e.message, /segment 1 .*no finite score among its allowed candidates/);
      return true;
    },
  );
});
