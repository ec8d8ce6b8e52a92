/**
 * Elementwise activations (tanh, ReLU, GELU): the fused forward/backward kernels that `dense`
 * and the `Mlp` inference path share, and the standalone {@link activation} op.
 */
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";

/** The activations a dense layer can apply after its bias. */
export type Activation = "identity" | "tanh" | "relu" | "gelu";

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * `out[r, j] = act(pre[r, j] + bias[j])`, in place on `pre`, which is left holding `pre + bias`
 * (GELU's backward needs it). `out` may be `pre` itself except for GELU.
 */
export function biasActivate(
  kind: Activation,
  pre: Float32Array,
  bias: Float32Array | null,
  out: Float32Array,
  rows: number,
  cols: number,
): void {
  if (bias !== null) {
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) pre[base + j] += bias[j];
    }
  }
  const n = rows * cols;
  // One loop per kind keeps the branch out of the element loop.
  if (kind === "tanh") for (let i = 0; i < n; i++) out[i] = Math.tanh(pre[i]);
  else if (kind === "relu") for (let i = 0; i < n; i++) out[i] = Math.max(pre[i], 0);
  else if (kind === "gelu") {
    for (let i = 0; i < n; i++) {
      const z = pre[i];
      out[i] = 0.5 * z * (1 + Math.tanh(GELU_C * (z + GELU_A * z * z * z)));
    }
  } else if (out !== pre) out.set(pre.subarray(0, n));
}

/**
 * `dPre = dOut · act'(pre)` over `n` elements (added to `dPre` when `accumulate`). Tanh and ReLU
 * read their derivative from `out`, GELU from `pre`.
 */
export function activationBackward(
  kind: Activation,
  pre: Float32Array,
  out: Float32Array,
  dOut: Float32Array,
  dPre: Float32Array,
  n: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < n; i++) {
    let d: number;
    if (kind === "tanh") {
      const y = out[i];
      d = dOut[i] * (1 - y * y);
    } else if (kind === "relu") d = out[i] > 0 ? dOut[i] : 0;
    else if (kind === "gelu") {
      const z = pre[i];
      const t = Math.tanh(GELU_C * (z + GELU_A * z * z * z));
      const dInner = GELU_C * (1 + 3 * GELU_A * z * z);
      d = dOut[i] * (0.5 * (1 + t) + 0.5 * z * (1 - t * t) * dInner);
    } else d = dOut[i];
    dPre[i] = accumulate ? dPre[i] + d : d;
  }
}

/** `act(x)` elementwise, as its own op. */
export function activation(g: Graph, x: Tensor, kind: Activation): Tensor {
  const out = g.output(`${kind}(${x.name})`, x.rows, x.cols, x.requiresGrad);
  // GELU's backward needs the input, which biasActivate overwrites in place: work on a copy.
  const pre = kind === "gelu" ? g.pool.take(x.size) : out.value;
  pre.set(x.value);
  biasActivate(kind, pre, null, out.value, x.rows, x.cols);
  if (x.requiresGrad) {
    g.record(() => {
      if (out.grad === null) return;
      activationBackward(kind, pre, out.value, out.grad, g.gradOf(x), x.size, true);
    });
  }
  return out;
}
