/**
 * Dense linear algebra on the tape: the fused `dense` layer op (`act(x·W + b)`), the general
 * `matmul` and `matmulTransposed` (`a·bᵀ`), and the elementwise `add`, `mul`, `scale` and the `sum`/`mean` reductions.
 */
import { expectShape } from "../check.js";
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";
import { type Activation, activationBackward, biasActivate } from "./activations.js";
import { simdKernels } from "./simd.js";

/**
 * `act(x · w + b)`: x is n×in, w is in×out, b is 1×out or null. Bias and activation are fused
 * into one pass after the GEMM; backward forms `dPre` once and runs two GEMMs.
 */
export function dense(
  g: Graph,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  kind: Activation = "identity",
): Tensor {
  expectShape("dense", w, x.cols, -1);
  if (b !== null) expectShape("dense", b, 1, w.cols);
  const rows = x.rows;
  const inDim = x.cols;
  const outDim = w.cols;
  const out = g.output(`dense(${x.name})`, rows, outDim, [x, w, b]);
  const requiresGrad = out.requiresGrad;
  const pre = kind === "gelu" ? g.pool.take(rows * outDim) : out.value;
  g.gemm.sgemm(
    false,
    false,
    rows,
    outDim,
    inDim,
    1,
    x.value,
    inDim,
    w.value,
    outDim,
    0,
    pre,
    outDim,
  );
  biasActivate(kind, pre, b === null ? null : b.value, out.value, rows, outDim);
  if (!requiresGrad) return out;
  g.record(() => {
    const dOut = out.grad;
    if (dOut === null) return;
    const db = b?.requiresGrad ? g.gradOf(b) : null;
    let dPre = dOut;
    if (kind !== "identity") {
      dPre = g.pool.take(rows * outDim);
      activationBackward(kind, pre, out.value, dOut, dPre, rows, outDim, false, db);
    } else if (db !== null) addColumnSums(db, dPre, rows, outDim);
    if (w.requiresGrad) {
      g.gemm.sgemm(
        true,
        false,
        inDim,
        outDim,
        rows,
        1,
        x.value,
        inDim,
        dPre,
        outDim,
        1,
        g.gradOf(w),
        outDim,
      );
    }
    if (x.requiresGrad) {
      g.gemm.sgemm(
        false,
        true,
        rows,
        inDim,
        outDim,
        1,
        dPre,
        outDim,
        w.value,
        outDim,
        1,
        g.gradOf(x),
        inDim,
      );
    }
  });
  return out;
}

/**
 * `sums[j] += Σ_r m[r, j]`, rows in order: the float32 SIMD kernel for widths of fours (the same
 * bits as the loop, which took ~4 ns per element on the recurrent agent's 384-wide gates).
 */
export function addColumnSums(
  sums: Float32Array,
  m: Float32Array,
  rows: number,
  cols: number,
): void {
  const simd = cols % 4 === 0 ? simdKernels() : null;
  if (simd !== null) {
    simd.addColumnSums(sums, m, rows, cols);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) sums[j] += m[base + j];
  }
}

/** The matrix product `a · b` (a is n×k, b is k×m). */
export function matmul(g: Graph, a: Tensor, b: Tensor): Tensor {
  return dense(g, a, b, null, "identity");
}

/** The product `a · bᵀ` (a is n×k, b is m×k): every row of a dotted with every row of b, n×m. */
export function matmulTransposed(g: Graph, a: Tensor, b: Tensor): Tensor {
  expectShape("matmulTransposed", b, -1, a.cols);
  const n = a.rows;
  const m = b.rows;
  const k = a.cols;
  const out = g.output(`matmulT(${a.name},${b.name})`, n, m, [a, b]);
  g.gemm.sgemm(false, true, n, m, k, 1, a.value, k, b.value, k, 0, out.value, m);
  if (out.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      if (a.requiresGrad)
        g.gemm.sgemm(false, false, n, k, m, 1, dOut, m, b.value, k, 1, g.gradOf(a), k);
      if (b.requiresGrad)
        g.gemm.sgemm(true, false, m, k, n, 1, dOut, m, a.value, k, 1, g.gradOf(b), k);
    });
  }
  return out;
}

/** Elementwise `a + b`; `b` may also be a 1×cols row broadcast over the rows of `a`. */
export function add(g: Graph, a: Tensor, b: Tensor): Tensor {
  const broadcast = b.rows === 1 && a.rows !== 1;
  expectShape("add", b, broadcast ? 1 : a.rows, a.cols);
  const out = g.output(`add(${a.name},${b.name})`, a.rows, a.cols, [a, b]);
  const cols = a.cols;
  for (let i = 0; i < a.size; i++) out.value[i] = a.value[i] + b.value[broadcast ? i % cols : i];
  if (out.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      if (a.requiresGrad) {
        const da = g.gradOf(a);
        for (let i = 0; i < a.size; i++) da[i] += dOut[i];
      }
      if (b.requiresGrad) {
        const db = g.gradOf(b);
        for (let i = 0; i < a.size; i++) db[broadcast ? i % cols : i] += dOut[i];
      }
    });
  }
  return out;
}

/** Elementwise product `a ⊙ b` of two tensors of the same shape. */
export function mul(g: Graph, a: Tensor, b: Tensor): Tensor {
  expectShape("mul", b, a.rows, a.cols);
  const out = g.output(`mul(${a.name},${b.name})`, a.rows, a.cols, [a, b]);
  for (let i = 0; i < a.size; i++) out.value[i] = a.value[i] * b.value[i];
  if (out.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      if (a.requiresGrad) {
        const da = g.gradOf(a);
        for (let i = 0; i < a.size; i++) da[i] += dOut[i] * b.value[i];
      }
      if (b.requiresGrad) {
        const db = g.gradOf(b);
        for (let i = 0; i < a.size; i++) db[i] += dOut[i] * a.value[i];
      }
    });
  }
  return out;
}

/** `factor · x`, e.g. to weight one loss term before adding it to another. */
export function scale(g: Graph, x: Tensor, factor: number): Tensor {
  const out = g.output(`scale(${x.name})`, x.rows, x.cols, [x]);
  for (let i = 0; i < x.size; i++) out.value[i] = factor * x.value[i];
  if (x.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      const dx = g.gradOf(x);
      for (let i = 0; i < x.size; i++) dx[i] += factor * dOut[i];
    });
  }
  return out;
}

/** The sum of all elements, as a 1×1 tensor (accumulated in float64). */
export function sum(g: Graph, x: Tensor): Tensor {
  return reduceAll(g, x, 1, "sum");
}

/** The mean of all elements, as a 1×1 tensor (0 for an empty tensor). */
export function mean(g: Graph, x: Tensor): Tensor {
  return reduceAll(g, x, x.size === 0 ? 0 : 1 / x.size, "mean");
}

function reduceAll(g: Graph, x: Tensor, factor: number, label: string): Tensor {
  const out = g.output(`${label}(${x.name})`, 1, 1, [x]);
  let total = 0;
  for (let i = 0; i < x.size; i++) total += x.value[i];
  out.value[0] = total * factor;
  if (x.requiresGrad) {
    g.record(() => {
      const dOut = out.grad;
      if (dOut === null) return;
      const dx = g.gradOf(x);
      const d = dOut[0] * factor;
      for (let i = 0; i < x.size; i++) dx[i] += d;
    });
  }
  return out;
}
