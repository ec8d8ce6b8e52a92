/**
 * Scaled dot-product attention where each query attends over its own variable-length set of
 * keys and values (an agent over the messages it received). Keys and values are rows grouped by
 * `offsets` (one segment per query); a query with an empty set gets a zero output. To let several
 * queries attend over the same set, gather its rows once per query with `gatherRows`.
 */
import { expectEqual, expectOffsets, expectShape } from "../check.js";
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";

/**
 * Multi-head attention core: q is nq×d, k is nk×d, v is nk×dv, `offsets` has nq + 1 entries
 * over the nk key rows; `heads` divides d and dv. Returns nq×dv.
 */
export function segmentAttention(
  g: Graph,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  offsets: Int32Array,
  heads: number,
): Tensor {
  expectShape("segmentAttention", k, -1, q.cols);
  expectShape("segmentAttention", v, k.rows, -1);
  expectEqual(
    "segmentAttention",
    "offsets.length vs queries + 1",
    q.rows + 1,
    offsets.length,
    "pass one key segment per query",
  );
  expectOffsets("segmentAttention", offsets, k.rows);
  const fix = "choose a head count that divides the model width";
  expectEqual("segmentAttention", `query width mod heads (${heads})`, 0, q.cols % heads, fix);
  expectEqual("segmentAttention", `value width mod heads (${heads})`, 0, v.cols % heads, fix);
  const d = q.cols;
  const dv = v.cols;
  const dh = d / heads;
  const dvh = dv / heads;
  const scaleFactor = 1 / Math.sqrt(dh);
  const out = g.output(`attention(${q.name})`, q.rows, dv, [q, k, v]);
  const requiresGrad = out.requiresGrad;
  out.value.fill(0);
  // probs[j * heads + h]: weight of key j for its query, in head h (each key has one query).
  const probs = g.pool.take(k.rows * heads);
  const qv = q.value;
  const kv = k.value;
  const vv = v.value;
  for (let i = 0; i < q.rows; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    for (let h = 0; h < heads; h++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let j = start; j < end; j++) {
        let s = 0;
        for (let c = 0; c < dh; c++) s += qv[i * d + h * dh + c] * kv[j * d + h * dh + c];
        s *= scaleFactor;
        probs[j * heads + h] = s;
        if (s > max) max = s;
      }
      let total = 0;
      for (let j = start; j < end; j++) {
        const e = Math.exp(probs[j * heads + h] - max);
        probs[j * heads + h] = e;
        total += e;
      }
      for (let j = start; j < end; j++) {
        const p = probs[j * heads + h] / total;
        probs[j * heads + h] = p;
        for (let c = 0; c < dvh; c++)
          out.value[i * dv + h * dvh + c] += p * vv[j * dv + h * dvh + c];
      }
    }
  }
  if (!requiresGrad) return out;
  g.record(() => {
    const dOut = out.grad;
    if (dOut === null) return;
    const dq = q.requiresGrad ? g.gradOf(q) : null;
    const dk = k.requiresGrad ? g.gradOf(k) : null;
    const dvals = v.requiresGrad ? g.gradOf(v) : null;
    const dProbs = g.pool.take(k.rows);
    for (let i = 0; i < q.rows; i++) {
      const start = offsets[i];
      const end = offsets[i + 1];
      for (let h = 0; h < heads; h++) {
        let weighted = 0;
        for (let j = start; j < end; j++) {
          const p = probs[j * heads + h];
          let dp = 0;
          for (let c = 0; c < dvh; c++) {
            const dy = dOut[i * dv + h * dvh + c];
            dp += dy * vv[j * dv + h * dvh + c];
            if (dvals !== null) dvals[j * dv + h * dvh + c] += p * dy;
          }
          dProbs[j] = dp;
          weighted += p * dp;
        }
        for (let j = start; j < end; j++) {
          const ds = probs[j * heads + h] * (dProbs[j] - weighted) * scaleFactor;
          for (let c = 0; c < dh; c++) {
            if (dq !== null) dq[i * d + h * dh + c] += ds * kv[j * d + h * dh + c];
            if (dk !== null) dk[j * d + h * dh + c] += ds * qv[i * d + h * dh + c];
          }
        }
      }
    }
  });
  return out;
}
