/**
 * Distributions over a variable number of candidates: masked log-softmax per segment, the
 * entropy of each segment's distribution. Scores are read as one flat vector (usually an n×1
 * column of candidate scores; a dense B×K matrix is B segments of K with offsets 0, K, 2K, …).
 */
import { InputError, NumericError } from "../../core/errors.js";
import { expectEqual, expectOffsets } from "../check.js";
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";

/**
 * Log-probabilities of a softmax over each segment of `scores`, skipping entries whose `mask` is 0:
 * masked entries get log-probability −∞ (probability exactly 0) and no gradient. Throws an
 * InputError naming the segment when a segment has no allowed entry.
 */
export function maskedLogSoftmax(
  g: Graph,
  scores: Tensor,
  offsets: Int32Array,
  mask: Uint8Array | null = null,
): Tensor {
  expectOffsets("maskedLogSoftmax", offsets, scores.size);
  if (mask !== null) {
    expectEqual(
      "maskedLogSoftmax",
      "mask length vs scores",
      scores.size,
      mask.length,
      "pass one mask byte per score",
    );
  }
  const out = g.output(`logSoftmax(${scores.name})`, scores.rows, scores.cols, [scores]);
  const z = scores.value;
  const y = out.value;
  const probs = g.pool.take(scores.size);
  const segments = offsets.length - 1;
  for (let s = 0; s < segments; s++) {
    const start = offsets[s];
    const end = offsets[s + 1];
    let max = Number.NEGATIVE_INFINITY;
    for (let i = start; i < end; i++)
      if ((mask === null || mask[i] !== 0) && z[i] > max) max = z[i];
    if (max === Number.NEGATIVE_INFINITY) {
      let allowed = 0;
      for (let i = start; i < end; i++) if (mask === null || mask[i] !== 0) allowed++;
      if (allowed > 0) {
        // Allowed candidates whose scores are all NaN or −∞: the network diverged, not the mask.
        throw new NumericError({
          input: `maskedLogSoftmax: segment ${s} of "${scores.name}" (entries ${start}–${end - 1})`,
          problem: "has no finite score among its allowed candidates",
          expected: "finite scores",
          actual: `${allowed} allowed, scores ${Array.from(z.subarray(start, end)).join(", ")}`,
          fix: "the policy's weights went NaN or infinite: lower the learning rate or check the inputs, and resume from the last good checkpoint",
        });
      }
      throw new InputError({
        input: `maskedLogSoftmax: segment ${s} of "${scores.name}" (entries ${start}–${end - 1})`,
        problem: end === start ? "is empty" : "has every candidate masked out",
        expected: "at least one allowed candidate per segment",
        actual: `${end - start} candidates, 0 allowed`,
        fix: "give every observation at least one legal action (e.g. a no-op), or drop it from the batch",
      });
    }
    // Probabilities are kept for backward, so it needs no second exp per candidate.
    let total = 0;
    for (let i = start; i < end; i++) {
      const e = mask === null || mask[i] !== 0 ? Math.exp(z[i] - max) : 0;
      probs[i] = e;
      total += e;
    }
    const logTotal = max + Math.log(total);
    const inverse = 1 / total;
    for (let i = start; i < end; i++) {
      probs[i] *= inverse;
      y[i] = mask === null || mask[i] !== 0 ? z[i] - logTotal : Number.NEGATIVE_INFINITY;
    }
  }
  if (scores.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      const dz = g.gradOf(scores);
      for (let s = 0; s < segments; s++) {
        const start = offsets[s];
        const end = offsets[s + 1];
        let total = 0;
        for (let i = start; i < end; i++) if (y[i] !== Number.NEGATIVE_INFINITY) total += dOut[i];
        for (let i = start; i < end; i++) {
          if (y[i] !== Number.NEGATIVE_INFINITY) dz[i] += dOut[i] - probs[i] * total;
        }
      }
    });
  }
  return out;
}

/**
 * The entropy `−Σ p log p` of each segment's distribution, from log-probabilities (masked −∞
 * entries contribute 0), as a segments×1 column.
 */
export function segmentEntropy(g: Graph, logProbs: Tensor, offsets: Int32Array): Tensor {
  expectOffsets("segmentEntropy", offsets, logProbs.size);
  const segments = offsets.length - 1;
  const out = g.output(`entropy(${logProbs.name})`, segments, 1, [logProbs]);
  const lp = logProbs.value;
  for (let s = 0; s < segments; s++) {
    let h = 0;
    for (let i = offsets[s]; i < offsets[s + 1]; i++)
      if (lp[i] !== Number.NEGATIVE_INFINITY) h -= Math.exp(lp[i]) * lp[i];
    out.value[s] = h;
  }
  if (logProbs.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      const dlp = g.gradOf(logProbs);
      for (let s = 0; s < segments; s++) {
        for (let i = offsets[s]; i < offsets[s + 1]; i++) {
          if (lp[i] !== Number.NEGATIVE_INFINITY) dlp[i] -= dOut[s] * Math.exp(lp[i]) * (lp[i] + 1);
        }
      }
    });
  }
  return out;
}
