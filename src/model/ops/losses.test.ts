/** The scalar losses: policy gradient, cross-entropy, MSE; gradients and errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError, ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import { crossEntropyLoss, mseLoss, policyGradientLoss } from "./losses.js";
import { maskedLogSoftmax } from "./softmax.js";

// Central differences, eps = 1e-2, loss summed in float64; pass when |a − n| ≤ 1e-3 + 1e-2·|n|.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 1e-3, rtol: 1e-2 };
const OFFSETS = Int32Array.from([0, 3, 5, 9]);
const CHOSEN = Int32Array.from([1, 3, 8]);

test("the policy-gradient loss through a log-softmax has gradients that match central differences", () => {
  const rng = Rng.fromSeed("pg-loss");
  const scores = randomParameter("scores", 9, 1, rng, -2, 2);
  const advantages = Float32Array.from([0.5, -1.25, 2]);
  const result = checkGradients(
    (g) => policyGradientLoss(g, maskedLogSoftmax(g, g.param(scores), OFFSETS), CHOSEN, advantages),
    [scores],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("cross-entropy has gradients that match central differences", () => {
  const rng = Rng.fromSeed("cross-entropy");
  const scores = randomParameter("scores", 9, 1, rng, -2, 2);
  const result = checkGradients(
    (g) => crossEntropyLoss(g, maskedLogSoftmax(g, g.param(scores), OFFSETS), CHOSEN),
    [scores],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("mean squared error has gradients that match central differences", () => {
  const rng = Rng.fromSeed("mse");
  const prediction = randomParameter("value", 4, 1, rng);
  const target = Float32Array.from([0.5, -0.25, 1, 0]);
  const result = checkGradients(
    (g) => mseLoss(g, g.param(prediction), target),
    [prediction],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("choosing a masked-out candidate throws an InputError naming the sample", () => {
  const g = new Graph(naiveGemm);
  const scores = g.input("scores", new Float32Array(3), 3, 1);
  const logp = maskedLogSoftmax(g, scores, Int32Array.from([0, 3]), Uint8Array.from([1, 0, 1]));
  assert.throws(
    () => policyGradientLoss(g, logp, Int32Array.from([1]), Float32Array.from([1])),
    (e: unknown) => e instanceof InputError && /chosen\[0\] = 1/.test(e.message),
  );
});

test("a target of the wrong length throws a ShapeError", () => {
  const g = new Graph(naiveGemm);
  const prediction = g.input("value", new Float32Array(4), 4, 1);
  assert.throws(() => mseLoss(g, prediction, new Float32Array(3)), ShapeError);
});
