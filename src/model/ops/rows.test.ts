/** Row ops for ragged batches: gather, scatter, concat, segment pooling, row dot; gradients and errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import {
  concatCols,
  gatherCells,
  gatherRowDot,
  gatherRows,
  rowDot,
  scatterAddRows,
  segmentMean,
  segmentSum,
  sliceRows,
} from "./rows.js";

// Central differences, eps = 1e-2, loss summed in float64; pass when |a − n| ≤ 1e-3 + 1e-2·|n|.
// These ops are linear or bilinear, so the differences are exact up to float32 rounding.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 1e-3, rtol: 1e-2 };

test("gatherRows with repeated indices has gradients that match central differences", () => {
  const rng = Rng.fromSeed("gather");
  const x = randomParameter("x", 4, 3, rng);
  const indices = Int32Array.from([2, 0, 2, 3]);
  const result = checkGradients((g) => gatherRows(g, g.param(x), indices), [x], rng, TOL);
  assert.ok(result.ok, result.worst);
});

test("scatterAddRows has gradients that match central differences", () => {
  const rng = Rng.fromSeed("scatter");
  const x = randomParameter("x", 4, 3, rng);
  const indices = Int32Array.from([1, 1, 0, 4]);
  const result = checkGradients((g) => scatterAddRows(g, g.param(x), indices, 5), [x], rng, TOL);
  assert.ok(result.ok, result.worst);
});

test("concatCols has gradients that match central differences", () => {
  const rng = Rng.fromSeed("concat");
  const a = randomParameter("a", 3, 2, rng);
  const b = randomParameter("b", 3, 4, rng);
  const result = checkGradients((g) => concatCols(g, [g.param(a), g.param(b)]), [a, b], rng, TOL);
  assert.ok(result.ok, result.worst);
});

test("segment sum and mean with an empty segment have gradients that match central differences", () => {
  const rng = Rng.fromSeed("segments");
  const x = randomParameter("x", 5, 3, rng);
  const offsets = Int32Array.from([0, 2, 2, 5]);
  for (const pool of [segmentSum, segmentMean]) {
    const result = checkGradients((g) => pool(g, g.param(x), offsets), [x], rng, TOL);
    assert.ok(result.ok, result.worst);
  }
});

test("segment mean of an empty segment is a zero row", () => {
  const g = new Graph(naiveGemm);
  const x = g.input("x", Float32Array.from([1, 2, 3, 4]), 2, 2);
  const pooled = segmentMean(g, x, Int32Array.from([0, 2, 2])).value;
  assert.deepEqual(Array.from(pooled), [2, 3, 0, 0]);
});

test("rowDot has gradients that match central differences", () => {
  const rng = Rng.fromSeed("row-dot");
  const a = randomParameter("a", 4, 3, rng);
  const b = randomParameter("b", 4, 3, rng);
  const result = checkGradients((g) => rowDot(g, g.param(a), g.param(b)), [a, b], rng, TOL);
  assert.ok(result.ok, result.worst);
});

test("an out-of-range row index throws a ShapeError naming the index", () => {
  const g = new Graph(naiveGemm);
  const x = g.input("x", new Float32Array(6), 3, 2);
  assert.throws(
    () => gatherRows(g, x, Int32Array.from([0, 3])),
    (e: unknown) => {
      assert.ok(e instanceof ShapeError);
      assert.match(e.message, /indices\[1\].*\[0, 3\).*got 3/);
      return true;
    },
  );
});

test("offsets that do not end at the row count throw a ShapeError", () => {
  const g = new Graph(naiveGemm);
  const x = g.input("x", new Float32Array(6), 3, 2);
  assert.throws(() => segmentSum(g, x, Int32Array.from([0, 2])), ShapeError);
});

// Pairs of rows: with 3 rows of a and 2 of b, 5 pairs take the GEMM over all 6 products, 2 the loop.
for (const [path, aRows, bRows] of [
  ["all pairs by GEMM", [0, 2, 1, 2, 0], [1, 0, 0, 1, 1]],
  ["pair by pair", [2, 0], [1, 1]],
] as const) {
  test(`gatherRowDot (${path}) equals rowDot of two gathers and its gradients match central differences`, () => {
    const rng = Rng.fromSeed(`gather-row-dot-${path}`);
    const a = randomParameter("a", 3, 4, rng);
    const b = randomParameter("b", 2, 4, rng);
    const ai = Int32Array.from(aRows);
    const bi = Int32Array.from(bRows);
    const run = (fused: boolean) => {
      const g = new Graph(naiveGemm);
      const [pa, pb] = [g.param(a), g.param(b)];
      const out = fused
        ? gatherRowDot(g, pa, ai, pb, bi)
        : rowDot(g, gatherRows(g, pa, ai), gatherRows(g, pb, bi));
      g.backwardFrom(
        out,
        Float32Array.from(ai, (_, i) => i - 1.5),
      );
      const result = [out.value, a.grad, b.grad].map((v) => Array.from(v));
      a.grad.fill(0);
      b.grad.fill(0);
      return result;
    };
    const fused = run(true);
    for (const [k, values] of run(false).entries()) {
      for (let i = 0; i < values.length; i++)
        assert.ok(Math.abs(fused[k][i] - values[i]) <= 1e-6, `${k}[${i}]`);
    }
    const result = checkGradients(
      (g) => gatherRowDot(g, g.param(a), ai, g.param(b), bi),
      [a, b],
      rng,
      TOL,
    );
    assert.ok(result.ok, result.worst);
  });
}

test("gatherCells with a repeated cell has gradients that match central differences", () => {
  const rng = Rng.fromSeed("cells");
  const x = randomParameter("x", 3, 4, rng);
  const rows = Int32Array.from([2, 0, 2, 1]);
  const cols = Int32Array.from([3, 0, 3, 1]);
  const g = new Graph(naiveGemm);
  assert.deepEqual(Array.from(gatherCells(g, g.param(x), rows, cols).value), [
    x.value[11],
    x.value[0],
    x.value[11],
    x.value[5],
  ]);
  const result = checkGradients((h) => gatherCells(h, h.param(x), rows, cols), [x], rng, TOL);
  assert.ok(result.ok, result.worst);
});

test("sliceRows shares the source's values and passes its gradient to the source's rows", () => {
  const rng = Rng.fromSeed("slice");
  const x = randomParameter("x", 4, 3, rng);
  const g = new Graph(naiveGemm);
  const slice = sliceRows(g, g.param(x), 1, 2);
  assert.deepEqual(Array.from(slice.value), Array.from(x.value.subarray(3, 9)));
  const result = checkGradients((h) => sliceRows(h, h.param(x), 1, 2), [x], rng, TOL);
  assert.ok(result.ok, result.worst);
  assert.throws(() => sliceRows(g, g.param(x), 3, 2), ShapeError);
});
