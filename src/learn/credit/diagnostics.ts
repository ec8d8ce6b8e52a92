/**
 * Stability diagnostics recorded every iteration: policy entropy over ragged candidate segments,
 * approximate and exact KL between successive policies, the clipped-ratio fraction, and the
 * critic's explained variance. All reductions run in float64.
 *
 * Layouts: per-candidate buffers are `[offsets[rows]]` with `offsets` `[rows + 1]` (segment r is
 * row r's candidates, as in the policy's masked log-softmax; masked candidates have log-prob
 * −Infinity and contribute nothing); per-decision buffers (log-probs of taken candidates) are
 * `[rows]`; value buffers are any flat `[T × N]`.
 */
import { expectOffsets } from "../../model/check.js";
import { expectLength, expectNonNegative } from "./checks.js";

/**
 * Mean entropy −Σ p log p of the categorical distributions, one per non-empty segment, given
 * their log-probabilities. Empty segments are not counted; no segment gives 0.
 */
export function meanEntropy(logProbs: Float32Array, offsets: Int32Array): number {
  expectOffsets("meanEntropy", offsets, logProbs.length);
  let total = 0;
  let counted = 0;
  for (let r = 0; r + 1 < offsets.length; r++) {
    if (offsets[r] === offsets[r + 1]) continue;
    let h = 0;
    for (let c = offsets[r]; c < offsets[r + 1]; c++) {
      const lp = logProbs[c];
      if (lp === Number.NEGATIVE_INFINITY) continue;
      h -= Math.exp(lp) * lp;
    }
    total += h;
    counted++;
  }
  return counted === 0 ? 0 : total / counted;
}

/**
 * Approximate KL(π_old ‖ π_new) from the taken actions' log-probabilities under both policies,
 * with the low-variance, always non-negative estimator mean((r − 1) − log r), r = π_new/π_old
 * (Schulman 2020, "Approximating KL divergence"; CleanRL's `approx_kl`). Both are `[rows]`.
 */
export function approxKl(oldLogProbs: Float32Array, newLogProbs: Float32Array): number {
  expectLength(
    "approxKl",
    "newLogProbs",
    newLogProbs,
    oldLogProbs.length,
    "[rows], same as oldLogProbs",
  );
  if (oldLogProbs.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < oldLogProbs.length; i++) {
    const logRatio = newLogProbs[i] - oldLogProbs[i];
    total += Math.expm1(logRatio) - logRatio;
  }
  return total / oldLogProbs.length;
}

/**
 * Exact mean KL(π_old ‖ π_new) = Σ_c p_old (log p_old − log p_new) per non-empty segment, from
 * both policies' full log-probability vectors over the same candidates.
 */
export function exactKl(
  oldLogProbs: Float32Array,
  newLogProbs: Float32Array,
  offsets: Int32Array,
): number {
  expectOffsets("exactKl", offsets, oldLogProbs.length);
  expectLength(
    "exactKl",
    "newLogProbs",
    newLogProbs,
    oldLogProbs.length,
    "one per candidate, same as oldLogProbs",
  );
  let total = 0;
  let counted = 0;
  for (let r = 0; r + 1 < offsets.length; r++) {
    if (offsets[r] === offsets[r + 1]) continue;
    let kl = 0;
    for (let c = offsets[r]; c < offsets[r + 1]; c++) {
      const lp = oldLogProbs[c];
      if (lp === Number.NEGATIVE_INFINITY) continue;
      kl += Math.exp(lp) * (lp - newLogProbs[c]);
    }
    total += kl;
    counted++;
  }
  return counted === 0 ? 0 : total / counted;
}

/** Fraction of decisions whose probability ratio left [1 − clip, 1 + clip] (PPO's `clipfrac`). */
export function clipFraction(
  oldLogProbs: Float32Array,
  newLogProbs: Float32Array,
  clip: number,
): number {
  expectLength(
    "clipFraction",
    "newLogProbs",
    newLogProbs,
    oldLogProbs.length,
    "[rows], same as oldLogProbs",
  );
  expectNonNegative("clipFraction", "clip", clip);
  if (oldLogProbs.length === 0) return 0;
  let clipped = 0;
  for (let i = 0; i < oldLogProbs.length; i++) {
    if (Math.abs(Math.exp(newLogProbs[i] - oldLogProbs[i]) - 1) > clip) clipped++;
  }
  return clipped / oldLogProbs.length;
}

/**
 * Explained variance 1 − Var(G − V) / Var(G) of the value predictions V against the targets G:
 * 1 is perfect, 0 no better than a constant, negative worse. When Var(G) = 0 it is undefined;
 * this returns 0 then (SB3 returns NaN), so that a constant-return batch does not trip the
 * learner's NaN guard.
 */
export function explainedVariance(values: Float32Array, returns: Float32Array): number {
  expectLength("explainedVariance", "values", values, returns.length, "one prediction per return");
  const n = returns.length;
  if (n === 0) return 0;
  let meanReturn = 0;
  let meanResidual = 0;
  for (let i = 0; i < n; i++) {
    meanReturn += returns[i];
    meanResidual += returns[i] - values[i];
  }
  meanReturn /= n;
  meanResidual /= n;
  let varReturn = 0;
  let varResidual = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - meanReturn;
    const e = returns[i] - values[i] - meanResidual;
    varReturn += d * d;
    varResidual += e * e;
  }
  return varReturn === 0 ? 0 : 1 - varResidual / varReturn;
}
