/**
 * Row-wise ops for ragged batches: gather and scatter of rows (embedding lookup is a gather from
 * a parameter), concatenation along features, per-segment sum and mean pooling, and the row-wise
 * dot product used to score action candidates against their observation's state.
 */
import { expectEqual, expectIndices, expectOffsets, expectShape } from "../check.js";
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";

/** Row `i` of the result is row `indices[i]` of `x` (rows may repeat). */
export function gatherRows(g: Graph, x: Tensor, indices: Int32Array): Tensor {
  expectIndices("gatherRows", "indices", indices, x.rows);
  const cols = x.cols;
  const out = g.output(`gather(${x.name})`, indices.length, cols, [x]);
  for (let i = 0; i < indices.length; i++) {
    out.value.set(x.value.subarray(indices[i] * cols, indices[i] * cols + cols), i * cols);
  }
  if (x.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      addRows(dOut, g.gradOf(x), indices, cols, false);
    });
  }
  return out;
}

/** Row `indices[i]` of the `rows × cols` result gets row `i` of `x` added (the adjoint of gather). */
export function scatterAddRows(g: Graph, x: Tensor, indices: Int32Array, rows: number): Tensor {
  expectEqual(
    "scatterAddRows",
    "indices.length vs rows of x",
    x.rows,
    indices.length,
    "pass one target row per row of x",
  );
  expectIndices("scatterAddRows", "indices", indices, rows);
  const cols = x.cols;
  const out = g.output(`scatter(${x.name})`, rows, cols, [x]);
  out.value.fill(0);
  addRows(x.value, out.value, indices, cols, false);
  if (x.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      addRows(dOut, g.gradOf(x), indices, cols, true);
    });
  }
  return out;
}

/** `to[indices[i]] += from[i]` (or, `reverse`, `to[i] += from[indices[i]]`), rows of `cols`. */
function addRows(
  from: Float32Array,
  to: Float32Array,
  indices: Int32Array,
  cols: number,
  reverse: boolean,
): void {
  for (let i = 0; i < indices.length; i++) {
    const src = (reverse ? indices[i] : i) * cols;
    const dst = (reverse ? i : indices[i]) * cols;
    for (let j = 0; j < cols; j++) to[dst + j] += from[src + j];
  }
}

/** The tensors side by side along features: all must have the same number of rows. */
export function concatCols(g: Graph, parts: readonly Tensor[]): Tensor {
  const rows = parts.length === 0 ? 0 : parts[0].rows;
  let cols = 0;
  for (const part of parts) {
    expectShape("concatCols", part, rows, -1);
    cols += part.cols;
  }
  const out = g.output("concat", rows, cols, parts);
  const requiresGrad = out.requiresGrad;
  let offset = 0;
  for (const part of parts) {
    for (let r = 0; r < rows; r++) {
      out.value.set(part.value.subarray(r * part.cols, (r + 1) * part.cols), r * cols + offset);
    }
    offset += part.cols;
  }
  if (requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      let start = 0;
      for (const part of parts) {
        if (part.requiresGrad) {
          const dp = g.gradOf(part);
          for (let r = 0; r < rows; r++) {
            for (let j = 0; j < part.cols; j++) dp[r * part.cols + j] += dOut[r * cols + start + j];
          }
        }
        start += part.cols;
      }
    });
  }
  return out;
}

/** Per-segment sum of rows: one output row per segment (zeros for an empty segment). */
export function segmentSum(g: Graph, x: Tensor, offsets: Int32Array): Tensor {
  return segmentPool(g, x, offsets, false);
}

/** Per-segment mean of rows: one output row per segment (zeros for an empty segment). */
export function segmentMean(g: Graph, x: Tensor, offsets: Int32Array): Tensor {
  return segmentPool(g, x, offsets, true);
}

function segmentPool(g: Graph, x: Tensor, offsets: Int32Array, average: boolean): Tensor {
  const op = average ? "segmentMean" : "segmentSum";
  expectOffsets(op, offsets, x.rows);
  const segments = offsets.length - 1;
  const cols = x.cols;
  const out = g.output(`${op}(${x.name})`, segments, cols, [x]);
  out.value.fill(0);
  for (let s = 0; s < segments; s++) {
    const count = offsets[s + 1] - offsets[s];
    const factor = average && count > 0 ? 1 / count : 1;
    for (let r = offsets[s]; r < offsets[s + 1]; r++) {
      for (let j = 0; j < cols; j++) out.value[s * cols + j] += factor * x.value[r * cols + j];
    }
  }
  if (x.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      const dx = g.gradOf(x);
      for (let s = 0; s < segments; s++) {
        const count = offsets[s + 1] - offsets[s];
        const factor = average && count > 0 ? 1 / count : 1;
        for (let r = offsets[s]; r < offsets[s + 1]; r++) {
          for (let j = 0; j < cols; j++) dx[r * cols + j] += factor * dOut[s * cols + j];
        }
      }
    });
  }
  return out;
}

/** `out[i] = a[i, :] · b[i, :]` as an n×1 column: scores candidates against gathered states. */
export function rowDot(g: Graph, a: Tensor, b: Tensor): Tensor {
  expectShape("rowDot", b, a.rows, a.cols);
  const { rows, cols } = a;
  const out = g.output(`rowDot(${a.name},${b.name})`, rows, 1, [a, b]);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let j = 0; j < cols; j++) total += a.value[r * cols + j] * b.value[r * cols + j];
    out.value[r] = total;
  }
  if (out.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      const da = a.requiresGrad ? g.gradOf(a) : null;
      const db = b.requiresGrad ? g.gradOf(b) : null;
      for (let r = 0; r < rows; r++) {
        const d = dOut[r];
        for (let j = 0; j < cols; j++) {
          if (da !== null) da[r * cols + j] += d * b.value[r * cols + j];
          if (db !== null) db[r * cols + j] += d * a.value[r * cols + j];
        }
      }
    });
  }
  return out;
}

/** Offsets of `segments` equal segments of `width` items: `[0, width, 2·width, …]`. */
export function uniformOffsets(segments: number, width: number): Int32Array {
  const offsets = new Int32Array(segments + 1);
  for (let s = 0; s <= segments; s++) offsets[s] = s * width;
  return offsets;
}
