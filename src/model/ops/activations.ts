/**
 * Elementwise activations (tanh, ReLU, GELU): the fused forward/backward kernels that `dense`
 * and the `Mlp` inference path share, and the standalone {@link activation} op.
 */
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";
import { simdKernels } from "./simd.js";

/** The activations a dense layer can apply after its bias. */
export type Activation = "identity" | "tanh" | "relu" | "gelu";

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;
// Past 9, float32(tanh(x)) is exactly ±1 (Eigen clamps at 7.905, which is 4 ulps off near there).
const TANH_CLAMP = 9;

/**
 * tanh as a [13/6] rational function (Eigen's float32 `ptanh` coefficients), within 3 float32
 * ulps of `Math.tanh` and about 3× faster: the tanh layer's forward was the largest non-GEMM
 * cost of a training step (bench nn).
 */
export function fastTanh(x: number): number {
  if (x > TANH_CLAMP) return 1;
  if (x < -TANH_CLAMP) return -1;
  const x2 = x * x;
  let p = -2.76076847742355e-16 * x2 + 2.00018790482477e-13;
  p = p * x2 - 8.60467152213735e-11;
  p = p * x2 + 5.12229709037114e-8;
  p = p * x2 + 1.48572235717979e-5;
  p = p * x2 + 6.37261928875436e-4;
  p = p * x2 + 4.89352455891786e-3;
  let q = 1.19825839466702e-6 * x2 + 1.18534705686654e-4;
  q = q * x2 + 2.268434632439e-3;
  q = q * x2 + 4.89352518554385e-3;
  return (x * p) / q;
}

/**
 * `out[r, j] = act(pre[r, j] + bias[j])` in one pass per element. `out` may be `pre` itself.
 * For GELU, whose backward needs the pre-activation, `pre` is left holding `pre + bias`, so pass
 * a separate `out` when a backward pass follows (tanh and ReLU differentiate from their output).
 * One loop per kind keeps every branch out of the element loop; tanh is {@link fastTanh} written
 * inline with its input clamped to ±{@link TANH_CLAMP} instead of two early returns (the same
 * float32 results: the rational function rounds to ±1 there). Measured on this machine (Node 20,
 * 750×128, under load, CPU time): tanh with bias 12.0 → 9.6 ns per element. With a bias and an
 * even width, tanh runs in the WebAssembly SIMD kernel of simd.ts instead (the same bits, 8.7 ns).
 */
export function biasActivate(
  kind: Activation,
  pre: Float32Array,
  bias: Float32Array | null,
  out: Float32Array,
  rows: number,
  cols: number,
): void {
  if (kind === "tanh") tanhRows(pre, bias, out, rows, cols);
  else if (kind === "relu") reluRows(pre, bias, out, rows, cols);
  else if (kind === "gelu") {
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      if (bias === null) for (let j = 0; j < cols; j++) out[base + j] = gelu(pre[base + j]);
      else {
        for (let j = 0; j < cols; j++) {
          const z = pre[base + j] + bias[j];
          pre[base + j] = z;
          out[base + j] = gelu(z);
        }
      }
    }
  } else if (bias !== null) {
    // In place with a width of fours, the float32 SIMD add (the same bits: 4 → ~1 ns per element).
    const simd = out === pre && cols % 4 === 0 ? simdKernels() : null;
    if (simd !== null) {
      simd.addRow(out, bias, rows, cols);
      return;
    }
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) out[base + j] = pre[base + j] + bias[j];
    }
  } else if (out !== pre) out.set(pre.subarray(0, rows * cols));
}

/**
 * `out = max(pre + bias, 0)` over `rows × cols` (bias may be null), through the WebAssembly SIMD
 * kernel with a bias and an even width, else without a branch as (z + |z|)/2 (exact in float: z
 * doubled, or 0; NaN passes through; −0 becomes +0, as the kernel's max does). Pre-activation
 * signs are near coin flips, so a compare-and-branch mispredicts half the time: 7.6 ns per element
 * for Math.max or a ternary against 1–4 ns for this (750 × 128 rows, Node 20, this machine).
 */
function reluRows(
  pre: Float32Array,
  bias: Float32Array | null,
  out: Float32Array,
  rows: number,
  cols: number,
): void {
  if (bias === null) {
    for (let i = 0; i < rows * cols; i++) {
      const z = pre[i];
      out[i] = (z + Math.abs(z)) * 0.5;
    }
    return;
  }
  const simd = cols % 2 === 0 ? simdKernels() : null;
  if (simd !== null) {
    simd.reluBias(pre, bias, out, rows, cols);
    return;
  }
  // One running index (not r·cols + j): V8 then drops the bounds checks, 3.1 → 1.1 ns.
  let i = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++, i++) {
      const z = pre[i] + bias[j];
      out[i] = (z + Math.abs(z)) * 0.5;
    }
  }
}

/**
 * ReLU's backward from its output: dPre = dOut·[y > 0] (+0 where masked), dBias += dPre, through
 * the WebAssembly SIMD kernel when it is there. The scalar loop reads the indicator from y's
 * float32 bits without a branch (see {@link positive}): 2.4 ns per element against 6.5 for a
 * ternary; the same bits as the SIMD kernel (a test checks it).
 */
function reluBackward(
  out: Float32Array,
  dOut: Float32Array,
  dPre: Float32Array,
  dBias: Float32Array | null,
  rows: number,
  cols: number,
): void {
  const simd = dBias !== null && cols % 2 === 0 ? simdKernels() : null;
  if (simd !== null && dBias !== null) {
    simd.reluBackward(out, dOut, dPre, dBias, rows, cols);
    return;
  }
  const n = rows * cols;
  const bits = new Int32Array(out.buffer, out.byteOffset, n);
  if (dBias === null) {
    for (let i = 0; i < n; i++) dPre[i] = dOut[i] * positive(bits[i]) + 0;
    return;
  }
  let i = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++, i++) {
      const d = dOut[i] * positive(bits[i]) + 0;
      dPre[i] = d;
      dBias[j] += d;
    }
  }
}

/**
 * 1 when the float32 with these bits is > 0 (finite or +∞), else 0 (zeros, negatives, NaN),
 * without a branch: bits in 1…0x7F800000.
 */
function positive(bits: number): number {
  return (-bits >>> 31) & ((bits - 0x7f800001) >>> 31);
}

/** `out = tanh(pre + bias)` over `rows × cols` (bias may be null): {@link fastTanh} inline. */
function tanhRows(
  pre: Float32Array,
  bias: Float32Array | null,
  out: Float32Array,
  rows: number,
  cols: number,
): void {
  const simd = bias !== null && cols % 2 === 0 ? simdKernels() : null;
  if (simd !== null && bias !== null) {
    simd.tanhBias(pre, bias, out, rows, cols);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (bias === null) for (let j = 0; j < cols; j++) out[base + j] = tanhClamped(pre[base + j]);
    else for (let j = 0; j < cols; j++) out[base + j] = tanhClamped(pre[base + j] + bias[j]);
  }
}

/**
 * {@link fastTanh} with the input clamped instead of two early returns: the same float32 value
 * everywhere (past ±9 the rational function rounds to ±1), one predictable select fewer per call.
 * NaN passes through (Math.min and Math.max return it).
 */
function tanhClamped(input: number): number {
  const x = Math.min(Math.max(input, -TANH_CLAMP), TANH_CLAMP);
  const x2 = x * x;
  let p = -2.76076847742355e-16 * x2 + 2.00018790482477e-13;
  p = p * x2 - 8.60467152213735e-11;
  p = p * x2 + 5.12229709037114e-8;
  p = p * x2 + 1.48572235717979e-5;
  p = p * x2 + 6.37261928875436e-4;
  p = p * x2 + 4.89352455891786e-3;
  let q = 1.19825839466702e-6 * x2 + 1.18534705686654e-4;
  q = q * x2 + 2.268434632439e-3;
  q = q * x2 + 4.89352518554385e-3;
  return (x * p) / q;
}

function gelu(z: number): number {
  return 0.5 * z * (1 + fastTanh(GELU_C * (z + GELU_A * z * z * z)));
}

/**
 * `dPre = dOut · act'(pre)` over `rows × cols` elements (added to `dPre` when `accumulate`), and,
 * when `dBias` is given, the column sums of `dPre` added to it in the same pass. Tanh and ReLU
 * read their derivative from `out`, GELU from `pre`. One loop per kind and flag, so the element
 * loop has no branch (tanh, the common case: 1 − y² inline; 750×128 under load 9.5 → 4.3–6.4 ns
 * per element, and 1.6 ns in the SIMD kernel of simd.ts when a bias gradient is asked for and
 * the width is even).
 */
export function activationBackward(
  kind: Activation,
  pre: Float32Array,
  out: Float32Array,
  dOut: Float32Array,
  dPre: Float32Array,
  rows: number,
  cols: number,
  accumulate: boolean,
  dBias: Float32Array | null,
): void {
  if (kind === "tanh" && !accumulate) {
    const simd = dBias !== null && cols % 2 === 0 ? simdKernels() : null;
    if (simd !== null && dBias !== null) {
      simd.tanhBackward(out, dOut, dPre, dBias, rows, cols);
      return;
    }
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      if (dBias === null) {
        for (let j = 0; j < cols; j++) {
          const y = out[base + j];
          dPre[base + j] = dOut[base + j] * (1 - y * y);
        }
      } else {
        for (let j = 0; j < cols; j++) {
          const y = out[base + j];
          const d = dOut[base + j] * (1 - y * y);
          dPre[base + j] = d;
          dBias[j] += d;
        }
      }
    }
    return;
  }
  if (kind === "relu" && !accumulate) {
    reluBackward(out, dOut, dPre, dBias, rows, cols);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const k = base + j;
      const d = dOut[k] * derivative(kind, pre[k], out[k]);
      dPre[k] = accumulate ? dPre[k] + d : d;
      if (dBias !== null) dBias[j] += d;
    }
  }
}

/** `act'` at one element, from the pre-activation `z` (GELU) or the output `y` (tanh, ReLU). */
function derivative(kind: Activation, z: number, y: number): number {
  if (kind === "tanh") return 1 - y * y;
  if (kind === "relu") return y > 0 ? 1 : 0;
  if (kind === "gelu") {
    const t = fastTanh(GELU_C * (z + GELU_A * z * z * z));
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * z * z);
  }
  return 1;
}

/** `act(x)` elementwise, as its own op. */
export function activation(g: Graph, x: Tensor, kind: Activation): Tensor {
  const out = g.output(`${kind}(${x.name})`, x.rows, x.cols, [x]);
  // Without a bias nothing is written back into the input, which backward reads as `pre`.
  const pre = x.value;
  biasActivate(kind, pre, null, out.value, x.rows, x.cols);
  if (x.requiresGrad) {
    g.record(() => {
      if (out.grad === null) return;
      activationBackward(kind, pre, out.value, out.grad, g.gradOf(x), x.rows, x.cols, true, null);
    });
  }
  return out;
}
