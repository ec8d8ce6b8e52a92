/** Gradient checks and shape errors of the dense ops (dense layer, matmul, elementwise, reductions). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import { activation } from "./activations.js";
import { add, dense, matmul, matmulTransposed, mean, mul, scale, sum } from "./dense.js";

// Central differences with eps = 1e-2 on float32 values of order 1; the probe loss is summed in
// float64. An element passes when |analytic − numeric| ≤ 1e-3 + 1e-2·|numeric|.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 1e-3, rtol: 1e-2 };

describe("dense", () => {
  for (const kind of ["identity", "tanh", "gelu"] as const) {
    test(`the ${kind} dense layer's gradients match central differences`, () => {
      const rng = Rng.fromSeed(`dense-${kind}`);
      const x = randomParameter("x", 3, 4, rng);
      const w = randomParameter("w", 4, 5, rng);
      const b = randomParameter("b", 1, 5, rng);
      const result = checkGradients(
        (g) => dense(g, g.param(x), g.param(w), g.param(b), kind),
        [x, w, b],
        rng,
        TOL,
      );
      assert.ok(result.ok, result.worst);
    });
  }

  test("the ReLU dense layer's gradients match central differences away from the kink", () => {
    const rng = Rng.fromSeed("dense-relu");
    const x = randomParameter("x", 3, 4, rng);
    const w = randomParameter("w", 4, 5, rng);
    const b = randomParameter("b", 1, 5, rng);
    // eps 1e-3: smaller than the distance of every pre-activation from 0 for this seed.
    const result = checkGradients(
      (g) => dense(g, g.param(x), g.param(w), g.param(b), "relu"),
      [x, w, b],
      rng,
      { ...TOL, eps: 1e-3, atol: 3e-3 },
    );
    assert.ok(result.ok, result.worst);
  });

  test("a weight with the wrong number of rows throws a ShapeError naming it", () => {
    const g = new Graph(naiveGemm);
    const x = g.input("obs", new Float32Array(6), 2, 3);
    const w = g.input("w", new Float32Array(8), 4, 2);
    assert.throws(
      () => dense(g, x, w, null),
      (e: unknown) => {
        assert.ok(e instanceof ShapeError);
        assert.match(e.message, /"w".*expected 3×any, got 4×2/);
        return true;
      },
    );
  });
});

describe("elementwise ops", () => {
  test("the standalone activations' gradients match central differences", () => {
    const rng = Rng.fromSeed("activations");
    for (const kind of ["tanh", "relu", "gelu"] as const) {
      // Entries kept at least 0.1 away from ReLU's kink, far more than eps.
      const x = randomParameter("x", 4, 3, rng, 0.1, 1.5);
      for (let i = 0; i < x.value.length; i += 2) x.value[i] = -x.value[i];
      const result = checkGradients((g) => activation(g, g.param(x), kind), [x], rng, TOL);
      assert.ok(result.ok, `${kind}: ${result.worst}`);
    }
  });

  test("matmul's gradients match central differences", () => {
    const rng = Rng.fromSeed("matmul");
    const a = randomParameter("a", 2, 3, rng);
    const b = randomParameter("b", 3, 4, rng);
    const result = checkGradients((g) => matmul(g, g.param(a), g.param(b)), [a, b], rng, TOL);
    assert.ok(result.ok, result.worst);
  });

  test("add with a broadcast row, mul and scale have gradients that match central differences", () => {
    const rng = Rng.fromSeed("elementwise");
    const a = randomParameter("a", 3, 4, rng);
    const b = randomParameter("b", 3, 4, rng);
    const row = randomParameter("row", 1, 4, rng);
    const result = checkGradients(
      (g) => scale(g, mul(g, add(g, g.param(a), g.param(row)), g.param(b)), -1.5),
      [a, b, row],
      rng,
      TOL,
    );
    assert.ok(result.ok, result.worst);
  });

  test("sum and mean have gradients that match central differences", () => {
    const rng = Rng.fromSeed("reduce");
    const x = randomParameter("x", 3, 5, rng);
    for (const reduce of [sum, mean]) {
      const result = checkGradients((g) => reduce(g, g.param(x)), [x], rng, TOL);
      assert.ok(result.ok, result.worst);
    }
  });
});

test("matmulTransposed equals a·bᵀ and its gradients match central differences", () => {
  const rng = Rng.fromSeed("matmul-transposed");
  const a = randomParameter("a", 3, 4, rng);
  const b = randomParameter("b", 2, 4, rng);
  const g = new Graph(naiveGemm);
  const out = matmulTransposed(g, g.param(a), g.param(b)).value;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      let dot = 0;
      for (let k = 0; k < 4; k++) dot += a.value[i * 4 + k] * b.value[j * 4 + k];
      assert.ok(Math.abs(out[i * 2 + j] - dot) < 1e-6);
    }
  }
  const result = checkGradients(
    (h) => matmulTransposed(h, h.param(a), h.param(b)),
    [a, b],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});
