/**
 * The ops composed as the actor-critic policy will use them on a ragged batch: a shared encoder
 * over observations and candidates, each candidate scored bilinearly against its observation's
 * state, a masked log-softmax per observation, entropy bonus, policy-gradient loss and a value
 * head with MSE — one gradient check through all of it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/prng.js";
import { naiveGemm } from "./gemm/naive.js";
import { checkGradients, randomParameter } from "./gradcheck.js";
import { add, dense, mean, scale } from "./ops/dense.js";
import { mseLoss, policyGradientLoss } from "./ops/losses.js";
import { concatCols, gatherRows, rowDot, segmentMean } from "./ops/rows.js";
import { maskedLogSoftmax, segmentEntropy } from "./ops/softmax.js";

// Central differences, eps = 1e-2, loss summed in float64; pass when |a − n| ≤ 2e-3 + 1e-2·|n|.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 2e-3, rtol: 1e-2 };

test("a ragged actor-critic loss has parameter gradients that match central differences", () => {
  const rng = Rng.fromSeed("policy-head");
  // Three observations with 3, 1 and 4 candidates; one candidate of the last is illegal.
  const candidateOffsets = Int32Array.from([0, 3, 4, 8]);
  const owner = Int32Array.from([0, 0, 0, 1, 2, 2, 2, 2]);
  const mask = Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1]);
  const chosen = Int32Array.from([2, 3, 7]);
  const advantages = Float32Array.from([1.5, -0.5, 0.75]);
  const returns = Float32Array.from([0.2, -0.1, 0.4]);
  const observations = randomParameter("obs", 3, 4, rng).value;
  const candidates = randomParameter("cand", 8, 3, rng).value;
  const encoder = randomParameter("enc.weight", 4, 5, rng);
  const encoderBias = randomParameter("enc.bias", 1, 5, rng);
  const candidateWeight = randomParameter("cand.weight", 3, 5, rng);
  const bilinear = randomParameter("score.weight", 5, 5, rng);
  const valueWeight = randomParameter("value.weight", 10, 1, rng);
  const params = [encoder, encoderBias, candidateWeight, bilinear, valueWeight];
  const result = checkGradients(
    (g) => {
      const state = dense(
        g,
        g.input("obs", observations, 3, 4),
        g.param(encoder),
        g.param(encoderBias),
        "tanh",
      );
      const cand = dense(
        g,
        g.input("cand", candidates, 8, 3),
        g.param(candidateWeight),
        null,
        "gelu",
      );
      const projected = dense(g, gatherRows(g, state, owner), g.param(bilinear), null);
      const logProbs = maskedLogSoftmax(g, rowDot(g, projected, cand), candidateOffsets, mask);
      const entropy = mean(g, segmentEntropy(g, logProbs, candidateOffsets));
      const pooled = segmentMean(g, cand, candidateOffsets);
      const value = dense(g, concatCols(g, [state, pooled]), g.param(valueWeight), null);
      const actor = add(
        g,
        policyGradientLoss(g, logProbs, chosen, advantages),
        scale(g, entropy, -0.01),
      );
      return add(g, actor, scale(g, mseLoss(g, value, returns), 0.5));
    },
    params,
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
  assert.equal(result.checked, 20 + 5 + 15 + 25 + 10);
});
