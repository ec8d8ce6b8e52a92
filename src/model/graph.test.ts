/** The tape itself: steady-state pooling, non-finite and non-scalar losses, input shapes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NumericError, ShapeError, StateError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { Adam } from "./adam.js";
import { naiveGemm } from "./gemm/naive.js";
import { Graph } from "./graph.js";
import { Mlp } from "./layers/mlp.js";
import { sum } from "./ops/dense.js";
import { policyGradientStep, randomPolicyBatch } from "./toy.js";

test("after the first step, training allocates no new Float32Array from the pool", () => {
  const rng = Rng.fromSeed("pool");
  const mlp = new Mlp("policy", [6, 8, 4], "tanh", rng);
  const adam = new Adam(mlp.parameters(), { learningRate: 1e-2 });
  const g = new Graph(naiveGemm);
  const batch = randomPolicyBatch(rng, 16, 6, 4);
  policyGradientStep(g, mlp, adam, batch);
  const afterFirst = g.pool.allocations;
  for (let i = 0; i < 5; i++) policyGradientStep(g, mlp, adam, batch);
  assert.ok(afterFirst > 0);
  assert.equal(g.pool.allocations, afterFirst);
});

test("a NaN loss throws a NumericError naming the loss", () => {
  const g = new Graph(naiveGemm);
  const x = g.input("reward", Float32Array.from([1, Number.NaN]), 2, 1);
  assert.throws(
    () => g.backward(sum(g, x)),
    (e: unknown) => {
      assert.ok(e instanceof NumericError);
      assert.match(e.message, /loss "sum\(reward\)": is not finite.*got NaN/);
      return true;
    },
  );
});

test("backward from a loss that is not a scalar throws a ShapeError", () => {
  const g = new Graph(naiveGemm);
  const x = g.input("x", new Float32Array(2), 2, 1);
  assert.throws(() => g.backward(x), ShapeError);
});

test("an input whose data does not fill its shape throws a ShapeError naming it", () => {
  const g = new Graph(naiveGemm);
  assert.throws(
    () => g.input("obs", new Float32Array(5), 2, 3),
    (e: unknown) => {
      assert.ok(e instanceof ShapeError);
      assert.match(e.message, /input "obs".*expected 2×3 = 6 elements, got 5 elements/);
      return true;
    },
  );
});

test("a graph that records no gradients leaves the tape and parameter gradients untouched", () => {
  const rng = Rng.fromSeed("no-grad");
  const mlp = new Mlp("policy", [3, 4, 2], "tanh", rng);
  const g = new Graph(naiveGemm, { recordGradients: false });
  const out = mlp.forward(g, g.input("x", Float32Array.from([1, 2, 3]), 1, 3));
  assert.equal(out.requiresGrad, false);
  g.backward(sum(g, out));
  for (const p of mlp.parameters())
    assert.ok(
      p.grad.every((v) => v === 0),
      p.name,
    );
});

test("a second backward pass on the same step throws a StateError", () => {
  const rng = Rng.fromSeed("twice");
  const mlp = new Mlp("policy", [3, 2], "tanh", rng);
  const g = new Graph(naiveGemm);
  const loss = sum(g, mlp.forward(g, g.input("x", Float32Array.from([1, 2, 3]), 1, 3)));
  g.backward(loss);
  assert.throws(() => g.backward(loss), StateError);
});

test("using a tensor from before graph.reset() throws a StateError naming it", () => {
  const g = new Graph(naiveGemm);
  const stale = g.input("observations", new Float32Array(4), 2, 2);
  g.reset();
  assert.throws(
    () => sum(g, stale),
    (e: unknown) => {
      assert.ok(e instanceof StateError);
      assert.match(e.message, /tensor "observations" used by sum\(observations\)/);
      return true;
    },
  );
});
