/**
 * Scalar losses: the policy-gradient loss `−mean(A · log π(a))`, cross-entropy for behaviour
 * cloning (the same with A = 1), and mean squared error for value heads.
 */
import { InputError } from "../../core/errors.js";
import { expectEqual, expectIndices } from "../check.js";
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";

/**
 * `−(1/B) Σ_b advantages[b] · logProbs[chosen[b]]`, where `chosen[b]` is the flat index of the
 * action taken in sample b (its segment start plus the candidate's position).
 */
export function policyGradientLoss(
  g: Graph,
  logProbs: Tensor,
  chosen: Int32Array,
  advantages: Float32Array,
): Tensor {
  expectEqual(
    "policyGradientLoss",
    "advantages.length vs chosen.length",
    chosen.length,
    advantages.length,
    "pass one advantage per chosen action",
  );
  return weightedPickLoss(g, logProbs, chosen, advantages, "policyGradientLoss");
}

/** `−(1/B) Σ_b logProbs[targets[b]]`: cross-entropy against demonstrated actions (flat indices). */
export function crossEntropyLoss(g: Graph, logProbs: Tensor, targets: Int32Array): Tensor {
  return weightedPickLoss(g, logProbs, targets, null, "crossEntropyLoss");
}

function weightedPickLoss(
  g: Graph,
  logProbs: Tensor,
  chosen: Int32Array,
  weights: Float32Array | null,
  op: string,
): Tensor {
  expectIndices(op, "chosen", chosen, logProbs.size);
  const lp = logProbs.value;
  for (let b = 0; b < chosen.length; b++) {
    if (lp[chosen[b]] === Number.NEGATIVE_INFINITY) {
      throw new InputError({
        input: `${op}: chosen[${b}] = ${chosen[b]}`,
        problem: "names a masked-out candidate",
        expected: "an allowed candidate (mask 1)",
        actual: "a candidate with probability 0",
        fix: "check that actions are sampled with the same mask the loss uses",
      });
    }
  }
  const out = g.output(op, 1, 1, [logProbs]);
  const factor = chosen.length === 0 ? 0 : -1 / chosen.length;
  let total = 0;
  for (let b = 0; b < chosen.length; b++)
    total += (weights === null ? 1 : weights[b]) * lp[chosen[b]];
  out.value[0] = factor * total;
  if (logProbs.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      const dlp = g.gradOf(logProbs);
      const d = dOut[0] * factor;
      for (let b = 0; b < chosen.length; b++)
        dlp[chosen[b]] += d * (weights === null ? 1 : weights[b]);
    });
  }
  return out;
}

/** `mean((prediction − target)²)` over all elements; `target` has one value per element. */
export function mseLoss(g: Graph, prediction: Tensor, target: Float32Array): Tensor {
  expectEqual(
    "mseLoss",
    "target length vs prediction size",
    prediction.size,
    target.length,
    "pass one target per predicted value",
  );
  const out = g.output("mseLoss", 1, 1, [prediction]);
  const n = prediction.size;
  const p = prediction.value;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - target[i];
    total += d * d;
  }
  out.value[0] = n === 0 ? 0 : total / n;
  if (prediction.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null || n === 0) return;
      const dp = g.gradOf(prediction);
      const factor = (2 * dOut[0]) / n;
      for (let i = 0; i < n; i++) dp[i] += factor * (p[i] - target[i]);
    });
  }
  return out;
}
