/** Segment attention: gradients, empty key sets, permutation invariance over a query's keys. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import { segmentAttention } from "./attention.js";
import { gatherRows } from "./rows.js";

// Central differences, eps = 1e-2, loss summed in float64; pass when |a − n| ≤ 1e-3 + 1e-2·|n|.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 1e-3, rtol: 1e-2 };
// Three queries: 2 keys, none, 3 keys.
const OFFSETS = Int32Array.from([0, 2, 2, 5]);

test("two-head segment attention has gradients for q, k and v that match central differences", () => {
  const rng = Rng.fromSeed("attention");
  const q = randomParameter("q", 3, 4, rng);
  const k = randomParameter("k", 5, 4, rng);
  const v = randomParameter("v", 5, 6, rng);
  const result = checkGradients(
    (g) => segmentAttention(g, g.param(q), g.param(k), g.param(v), OFFSETS, 2),
    [q, k, v],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("a query with no keys gets a zero output", () => {
  const rng = Rng.fromSeed("empty-keys");
  const g = new Graph(naiveGemm);
  const out = segmentAttention(
    g,
    g.param(randomParameter("q", 3, 4, rng)),
    g.param(randomParameter("k", 5, 4, rng)),
    g.param(randomParameter("v", 5, 4, rng)),
    OFFSETS,
    2,
  );
  assert.deepEqual(Array.from(out.value.subarray(4, 8)), [0, 0, 0, 0]);
  assert.notDeepEqual(Array.from(out.value.subarray(0, 4)), [0, 0, 0, 0]);
});

test("permuting the keys and values of one query leaves its output unchanged", () => {
  const rng = Rng.fromSeed("equivariance");
  const q = randomParameter("q", 3, 4, rng);
  const k = randomParameter("k", 5, 4, rng);
  const v = randomParameter("v", 5, 4, rng);
  const run = (order: Int32Array) => {
    const g = new Graph(naiveGemm);
    const keys = gatherRows(g, g.param(k), order);
    const values = gatherRows(g, g.param(v), order);
    return Array.from(segmentAttention(g, g.param(q), keys, values, OFFSETS, 2).value);
  };
  const original = run(Int32Array.from([0, 1, 2, 3, 4]));
  const permuted = run(Int32Array.from([0, 1, 4, 2, 3]));
  for (let i = 0; i < original.length; i++) {
    assert.ok(
      Math.abs(original[i] - permuted[i]) <= 1e-6,
      `element ${i}: ${original[i]} vs ${permuted[i]}`,
    );
  }
});

test("offsets with the wrong number of segments throw a ShapeError", () => {
  const g = new Graph(naiveGemm);
  const q = g.input("q", new Float32Array(8), 2, 4);
  const k = g.input("k", new Float32Array(12), 3, 4);
  assert.throws(() => segmentAttention(g, q, k, k, Int32Array.from([0, 3]), 2), ShapeError);
});
