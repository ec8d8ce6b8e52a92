/** Layer norm: gradient check, normalisation, shape errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import { layerNorm } from "./norm.js";

// Central differences, eps = 1e-2, loss summed in float64; pass when |a − n| ≤ 2e-3 + 1e-2·|n|.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 2e-3, rtol: 1e-2 };

test("layer norm's gradients for input, gain and bias match central differences", () => {
  const rng = Rng.fromSeed("layer-norm");
  const x = randomParameter("x", 3, 6, rng, -2, 2);
  const gain = randomParameter("gain", 1, 6, rng, 0.5, 1.5);
  const bias = randomParameter("bias", 1, 6, rng);
  const result = checkGradients(
    (g) => layerNorm(g, g.param(x), g.param(gain), g.param(bias)),
    [x, gain, bias],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("layer norm gives each row zero mean and unit variance before gain and bias", () => {
  const g = new Graph(naiveGemm);
  const x = g.input("x", Float32Array.from([1, 2, 3, 4, -5, 0, 5, 10]), 2, 4);
  const ones = g.input("gain", Float32Array.from([1, 1, 1, 1]), 1, 4);
  const zeros = g.input("bias", new Float32Array(4), 1, 4);
  const y = layerNorm(g, x, ones, zeros, 0).value;
  for (let r = 0; r < 2; r++) {
    const row = Array.from(y.subarray(r * 4, r * 4 + 4));
    const mu = row.reduce((a, b) => a + b, 0) / 4;
    const variance = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 4;
    assert.ok(Math.abs(mu) < 1e-6, `row ${r} mean ${mu}`);
    assert.ok(Math.abs(variance - 1) < 1e-5, `row ${r} variance ${variance}`);
  }
});

test("a gain of the wrong width throws a ShapeError naming it", () => {
  const g = new Graph(naiveGemm);
  const x = g.input("x", new Float32Array(8), 2, 4);
  const gain = g.input("ln.gain", new Float32Array(3), 1, 3);
  assert.throws(
    () => layerNorm(g, x, gain, gain),
    (e: unknown) => e instanceof ShapeError && /ln\.gain/.test(e.message),
  );
});
