/** The activation kernels: the rational tanh against Math.tanh, the SIMD tanh and the branch-free ReLU. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { activationBackward, biasActivate, fastTanh } from "./activations.js";

test("fastTanh is within 3 float32 ulps of Math.tanh from −12 to 12 and odd", () => {
  const f32 = new Float32Array(2);
  for (let x = -12; x <= 12; x += 1 / 1024 + 1e-7) {
    f32[0] = Math.tanh(x);
    f32[1] = fastTanh(x);
    // One float32 ulp at |t| is 2^(exponent − 23); below 2^−126 the spacing is fixed.
    const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(f32[0]) || 2 ** -126)), -126) - 23);
    assert.ok(Math.abs(f32[0] - f32[1]) <= 3 * ulp, `x = ${x}: ${f32[1]} vs ${f32[0]}`);
    assert.equal(fastTanh(-x), -fastTanh(x));
  }
});

test("fastTanh saturates to ±1 and passes NaN through", () => {
  assert.equal(fastTanh(40), 1);
  assert.equal(fastTanh(-40), -1);
  assert.ok(Number.isNaN(fastTanh(Number.NaN)));
});

test("the tanh kernel stores exactly float32(fastTanh(pre + bias)), past the clamp and for NaN too", () => {
  const pre = Float32Array.from({ length: 4001 }, (_, i) => -20 + i / 100);
  pre[7] = Number.NaN;
  const bias = Float32Array.from([0.25]);
  const out = new Float32Array(pre.length);
  biasActivate("tanh", pre, bias, out, pre.length, 1);
  const expected = Float32Array.from(pre, (x) => fastTanh(x + 0.25));
  assert.deepEqual(Array.from(out), Array.from(expected));
});

test("the branch-free ReLU kernels equal max(pre + bias, 0) and its masked gradient, NaN passing forward", () => {
  const rows = 3;
  const cols = 4;
  const pre = Float32Array.from([-1.5, 0, 2.25, -0, 1e-40, -3, 7, Number.NaN, 0.5, -0.5, 3, -2]);
  const bias = Float32Array.from([1, 0.5, -3, 0]);
  const out = new Float32Array(12);
  biasActivate("relu", pre.slice(), bias, out, rows, cols);
  for (let i = 0; i < 12; i++) {
    const expected = Math.fround(Math.max(pre[i] + bias[i % cols], 0));
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(out[i]), `index ${i}`);
    else assert.equal(out[i] + 0, expected + 0, `index ${i}`);
  }
  // The backward on outputs without the NaN (a NaN loss stops training before any backward).
  out[7] = 0;
  const dOut = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
  const dPre = new Float32Array(12);
  const dBias = new Float32Array(cols);
  activationBackward("relu", pre, out, dOut, dPre, rows, cols, false, dBias);
  const expectedBias = new Float32Array(cols);
  for (let i = 0; i < 12; i++) {
    const d = out[i] > 0 ? dOut[i] : 0;
    assert.equal(dPre[i] + 0, d, `gradient ${i}`);
    expectedBias[i % cols] += d;
  }
  assert.deepEqual(Array.from(dBias), Array.from(expectedBias));
});
