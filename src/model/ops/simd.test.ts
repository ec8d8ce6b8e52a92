/** The WebAssembly SIMD kernels (tanh, ReLU, identity bias, GRU gates) give the scalar loops' results bit for bit. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { Graph } from "../graph.js";
import { Parameter } from "../tensor.js";
import { activationBackward, biasActivate } from "./activations.js";
import { addColumnSums } from "./dense.js";
import { gruSequence } from "./gru.js";
import { simdKernels, useSimdKernels } from "./simd.js";

/** `rows × cols` values of −12…12 with NaN, ±0, ±9 and values past the clamp among them. */
function values(rows: number, cols: number, seed: string): Float32Array {
  const rng = Rng.fromSeed(seed);
  const out = Float32Array.from({ length: rows * cols }, () => rng.uniform(-12, 12));
  const special = [Number.NaN, 0, -0, 9, -9, 40, -40, 1e-30];
  out.set(special.slice(0, Math.max(0, out.length - 3)), Math.min(3, out.length));
  return out;
}

/** The same call with the SIMD kernels off, then on. */
function bothWays<T>(run: () => T): { scalar: T; simd: T } {
  useSimdKernels(false);
  try {
    const scalar = run();
    useSimdKernels(true);
    return { scalar, simd: run() };
  } finally {
    useSimdKernels(true);
  }
}

test("WebAssembly SIMD is available here, so the kernels are the ones measured", () => {
  assert.notEqual(simdKernels(), null);
});

for (const [rows, cols] of [
  [3, 8],
  [50, 128],
  [1, 2],
  [0, 4],
]) {
  test(`relu forward and backward on ${rows}×${cols} give the scalar loops' bits`, () => {
    const pre = values(rows, cols, `relu-pre-${rows}-${cols}`);
    const bias = values(1, cols, `relu-bias-${cols}`);
    const dOut = values(rows, cols, `relu-d-${rows}-${cols}`).map((v) =>
      Number.isNaN(v) ? -0.5 : v,
    );
    const { scalar, simd } = bothWays(() => {
      const out = new Float32Array(rows * cols);
      biasActivate("relu", pre, bias, out, rows, cols);
      const dPre = new Float32Array(rows * cols);
      const dBias = Float32Array.from({ length: cols }, (_, j) => -j / 7);
      activationBackward("relu", pre, out, dOut, dPre, rows, cols, false, dBias);
      return [out, dPre, dBias].map((a) => Array.from(a));
    });
    assert.deepEqual(simd, scalar);
  });

  test(`tanh forward and backward on ${rows}×${cols} give the scalar loops' bits`, () => {
    const pre = values(rows, cols, `pre-${rows}-${cols}`);
    const bias = values(1, cols, `bias-${cols}`);
    const dOut = values(rows, cols, `d-${rows}-${cols}`).map((v) => (Number.isNaN(v) ? 0.5 : v));
    const { scalar, simd } = bothWays(() => {
      const out = new Float32Array(rows * cols);
      biasActivate("tanh", pre, bias, out, rows, cols);
      const dPre = new Float32Array(rows * cols);
      const dBias = Float32Array.from({ length: cols }, (_, j) => j / 7);
      activationBackward("tanh", pre, out, dOut, dPre, rows, cols, false, dBias);
      return [out, dPre, dBias].map((a) => Array.from(a));
    });
    // deepEqual tells −0 from +0 and matches NaN with NaN.
    assert.deepEqual(simd, scalar);
  });
}

test("a call larger than every earlier one grows the module's memory and still matches", () => {
  const rows = 700;
  const cols = 256;
  const pre = values(rows, cols, "large");
  const bias = values(1, cols, "large-bias");
  const { scalar, simd } = bothWays(() => {
    const out = new Float32Array(rows * cols);
    biasActivate("tanh", pre, bias, out, rows, cols);
    return Array.from(out);
  });
  assert.deepEqual(simd, scalar);
});

test("the identity layer's bias add and bias gradient give the scalar loops' bits in float32 lanes", () => {
  const [rows, cols] = [37, 384];
  const pre = values(rows, cols, "identity-pre");
  const bias = values(1, cols, "identity-bias");
  const { scalar, simd } = bothWays(() => {
    const out = Float32Array.from(pre);
    biasActivate("identity", out, bias, out, rows, cols);
    const sums = Float32Array.from({ length: cols }, (_, j) => j / 3);
    addColumnSums(sums, pre, rows, cols);
    return [out, sums].map((a) => Array.from(a));
  });
  assert.deepEqual(simd, scalar);
});

test("the GRU gate kernels give the float32 scalar loops' bits, forward and backward", () => {
  // Through gruSequence with a hidden width of 8 (the SIMD path) on inputs past the tanh clamp.
  const rng = Rng.fromSeed("gru-simd");
  const [rows, hidden] = [6, 8];
  const gx = Float32Array.from({ length: rows * 3 * hidden }, () => rng.uniform(-20, 20));
  const whh = Float32Array.from({ length: hidden * 3 * hidden }, () => rng.uniform(-0.5, 0.5));
  const bhh = Float32Array.from({ length: 3 * hidden }, () => rng.uniform(-1, 1));
  const seed = Float32Array.from({ length: rows * hidden }, () => rng.uniform(-1, 1));
  const layout = {
    previous: Int32Array.of(-1, -1, 0, -1, 2, 3),
    blocks: Int32Array.of(0, 2, 4, 6),
  };
  const { scalar, simd } = bothWays(() => {
    const g = new Graph(naiveGemm);
    const x = new Parameter("gx", rows, 3 * hidden);
    x.value.set(gx);
    const w = new Parameter("whh", hidden, 3 * hidden);
    w.value.set(whh);
    const b = new Parameter("bhh", 1, 3 * hidden);
    b.value.set(bhh);
    const out = gruSequence(g, g.param(x), g.param(w), g.param(b), null, layout);
    const states = Array.from(out.value);
    g.backwardFrom(out, seed);
    return [states, Array.from(x.grad), Array.from(w.grad), Array.from(b.grad)];
  });
  assert.deepEqual(simd, scalar);
  assert.ok(
    scalar[0].some((v) => Math.abs(v) > 0.5),
    "the states are not all near zero",
  );
});
