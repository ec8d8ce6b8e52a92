/** The WebAssembly SIMD tanh and ReLU kernels give the scalar loops' results bit for bit. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../core/prng.js";
import { activationBackward, biasActivate } from "./activations.js";
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
