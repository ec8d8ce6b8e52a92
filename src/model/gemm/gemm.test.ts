/**
 * The fast GEMM backends (blocked, openblas) against the naive reference on random shapes: edge
 * sizes, all transposes, alpha/beta, subarray views with leading dimensions; beta = 0 ignoring NaN
 * in C; bit-for-bit repeatability; ShapeErrors for arguments that do not fit.
 *
 * Tolerance: both the reference and the backend compute each element of C as a dot product of
 * length k in floating point, so each is within about (k + 2)·u·S of the exact value, where
 * u = 2⁻²⁴ is float32's unit roundoff and S = |alpha|·Σₚ|A(i,p)·B(p,j)| + |beta·C₀(i,j)| is the
 * size of the terms summed. Their difference is then below 2·(k + 2)·u·S; the test allows twice
 * that, 4·(k + 2)·u·S, which is relative to the terms rather than to a result that may cancel to 0.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import type { Gemm } from "../gemm.js";
import { blockedGemm } from "./blocked.js";
import { naiveGemm } from "./naive.js";
import { loadOpenBlas, OPENBLAS_SMALL_PRODUCT, openBlasGemm } from "./openblas.js";

const UNIT_ROUNDOFF = 2 ** -24;

/** One random product: sizes, flags, scalars and the stored arrays (views into larger buffers). */
interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  c: Float32Array;
  ldc: number;
}

/** A matrix of `rows` rows with row stride ld, in a view that starts a few floats into its buffer. */
function randomMatrix(rng: Rng, rows: number, ld: number): Float32Array {
  const offset = rng.int(3);
  const buffer = new Float32Array(offset + rows * ld + rng.int(3));
  for (let i = 0; i < buffer.length; i++) buffer[i] = rng.uniform(-1, 1);
  return buffer.subarray(offset);
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 33];

function randomCase(rng: Rng, maxProduct = Number.POSITIVE_INFINITY): Case {
  let m: number;
  let n: number;
  let k: number;
  do {
    m = rng.pick(SIZES);
    n = rng.pick(SIZES);
    k = rng.pick(SIZES);
  } while (m * n * k > maxProduct);
  const transA = rng.bernoulli(0.5);
  const transB = rng.bernoulli(0.5);
  // Leading dimensions at least the stored row length, sometimes padded (a view of a wider matrix).
  const lda = (transA ? m : k) + rng.pick([0, 0, 1, 3]);
  const ldb = (transB ? k : n) + rng.pick([0, 0, 1, 3]);
  const ldc = n + rng.pick([0, 0, 2]);
  return {
    transA,
    transB,
    m,
    n,
    k,
    alpha: rng.pick([1, -1, 0.5, 1.7]),
    beta: rng.pick([0, 1, -0.5, 2]),
    a: randomMatrix(rng, transA ? k : m, lda),
    lda,
    b: randomMatrix(rng, transB ? n : k, ldb),
    ldb,
    c: randomMatrix(rng, m, ldc),
    ldc,
  };
}

/** Runs the case on a copy of C (its whole buffer, so padding is checked too) and returns it. */
function run(gemm: Gemm, x: Case): Float32Array {
  const buffer = new Float32Array(x.c.buffer.slice(0));
  const c = buffer.subarray(x.c.byteOffset / 4, x.c.byteOffset / 4 + x.c.length);
  gemm.sgemm(x.transA, x.transB, x.m, x.n, x.k, x.alpha, x.a, x.lda, x.b, x.ldb, x.beta, c, x.ldc);
  return buffer;
}

/** S(i, j) of the tolerance: the size of the terms summed into C(i, j), in float64. */
function termSize(x: Case, i: number, j: number): number {
  let sum = Math.abs(x.beta * x.c[i * x.ldc + j]);
  for (let p = 0; p < x.k; p++) {
    const aip = x.transA ? x.a[p * x.lda + i] : x.a[i * x.lda + p];
    const bpj = x.transB ? x.b[j * x.ldb + p] : x.b[p * x.ldb + j];
    sum += Math.abs(x.alpha * aip * bpj);
  }
  return sum;
}

function assertAgrees(gemm: Gemm, x: Case): void {
  const expected = run(naiveGemm, x);
  const actual = run(gemm, x);
  const start = x.c.byteOffset / 4;
  const label = `${gemm.name} ${x.transA ? "T" : "N"}${x.transB ? "T" : "N"} m=${x.m} n=${x.n} k=${x.k} alpha=${x.alpha} beta=${x.beta} lda=${x.lda} ldb=${x.ldb} ldc=${x.ldc}`;
  for (let index = 0; index < actual.length; index++) {
    const row = Math.floor((index - start) / x.ldc);
    const col = index - start - row * x.ldc;
    const inside = index >= start && row < x.m && col < x.n;
    if (!inside) {
      assert.equal(actual[index], expected[index], `${label}: wrote outside C at ${index}`);
      continue;
    }
    const tolerance = 4 * (x.k + 2) * UNIT_ROUNDOFF * termSize(x, row, col);
    const error = Math.abs(actual[index] - expected[index]);
    assert.ok(
      error <= tolerance,
      `${label}: C(${row},${col}) = ${actual[index]}, naive ${expected[index]}, |diff| ${error} > ${tolerance}`,
    );
  }
}

function assertBeta0IgnoresNaN(gemm: Gemm): void {
  assert.ok(9 * 10 * 11 >= OPENBLAS_SMALL_PRODUCT);
  // 9·10·11 = 990 multiply-adds: above the openblas cut-off, so the addon itself is checked.
  const m = 9;
  const n = 10;
  const k = 11;
  const rng = Rng.fromSeed(`nan-${gemm.name}`);
  const a = Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1));
  const c = new Float32Array(m * n).fill(Number.NaN);
  gemm.sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
  assert.ok(
    c.every((v) => Number.isFinite(v)),
    `${gemm.name}: NaN in C survived beta = 0`,
  );
}

function assertRepeatable(gemm: Gemm, m: number, n: number, k: number): void {
  const rng = Rng.fromSeed(`repeat-${gemm.name}-${m}-${n}-${k}`);
  const a = Float32Array.from({ length: m * k }, () => rng.normal());
  const b = Float32Array.from({ length: n * k }, () => rng.normal());
  const first = new Float32Array(m * n);
  const second = new Float32Array(m * n);
  gemm.sgemm(false, true, m, n, k, 1, a, k, b, k, 0, first, n);
  gemm.sgemm(false, true, m, n, k, 1, a, k, b, k, 0, second, n);
  assert.deepEqual(new Uint32Array(second.buffer), new Uint32Array(first.buffer));
}

/** The checks every fast backend must pass; `gemm` is called lazily so that a skip can explain. */
function describeBackend(name: string, getGemm: () => Gemm, skip: string | false): void {
  describe(`the ${name} GEMM backend`, { skip }, () => {
    test("agrees with naiveGemm on 300 random shapes, transposes, scalars and strided views", () => {
      const gemm = getGemm();
      const rng = Rng.fromSeed(`agree-${name}`);
      for (let trial = 0; trial < 300; trial++) assertAgrees(gemm, randomCase(rng));
    });

    test("agrees with naiveGemm on row and column vectors (1×N, N×1)", () => {
      const gemm = getGemm();
      const rng = Rng.fromSeed(`vectors-${name}`);
      for (const [m, n, k] of [
        [1, 128, 128],
        [1, 16, 128],
        [128, 1, 128],
        [64, 64, 1],
        [1, 1, 257],
      ]) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const x = randomCase(rng);
            Object.assign(x, { m, n, k, transA, transB, lda: transA ? m : k });
            Object.assign(x, { ldb: transB ? k : n, ldc: n });
            Object.assign(x, {
              a: randomMatrix(rng, transA ? k : m, x.lda),
              b: randomMatrix(rng, transB ? n : k, x.ldb),
              c: randomMatrix(rng, m, n),
            });
            assertAgrees(gemm, x);
          }
        }
      }
    });

    test("ignores NaN garbage in C when beta is 0, as BLAS does", () => {
      assertBeta0IgnoresNaN(getGemm());
    });

    test("scales C by beta only when k is 0", () => {
      const gemm = getGemm();
      const c = new Float32Array([1, 2, 3, 4]);
      gemm.sgemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(2), 2, 3, c, 2);
      assert.deepEqual([...c], [3, 6, 9, 12]);
    });

    test("gives identical bits for the same inputs twice, small and large", () => {
      const gemm = getGemm();
      assertRepeatable(gemm, 3, 5, 7);
      assertRepeatable(gemm, 64, 48, 96);
    });

    test("throws a ShapeError naming lda when it is shorter than a stored row", () => {
      const gemm = getGemm();
      const a = new Float32Array(64);
      assert.throws(
        () => gemm.sgemm(false, false, 4, 4, 4, 1, a, 3, new Float32Array(16), 4, 0, a, 4),
        (error: unknown) => error instanceof ShapeError && error.input.endsWith("sgemm lda"),
      );
    });

    test("throws a ShapeError naming b when the array is too short for k×n", () => {
      const gemm = getGemm();
      assert.throws(
        () =>
          gemm.sgemm(
            false,
            false,
            16,
            16,
            16,
            1,
            new Float32Array(256),
            16,
            new Float32Array(255),
            16,
            0,
            new Float32Array(256),
            16,
          ),
        (error: unknown) => error instanceof ShapeError && error.input.endsWith("sgemm b"),
      );
    });

    test("throws a ShapeError when C overlaps A", () => {
      const gemm = getGemm();
      const buffer = new Float32Array(512);
      const a = buffer.subarray(0, 256);
      const c = buffer.subarray(128, 384);
      assert.throws(
        () => gemm.sgemm(false, false, 16, 16, 16, 1, a, 16, new Float32Array(256), 16, 0, c, 16),
        (error: unknown) => error instanceof ShapeError && error.input.endsWith("sgemm c"),
      );
    });
  });
}

describeBackend("blocked", () => blockedGemm, false);

const blas = loadOpenBlas();
const requireBlas = process.env.TROUPE_REQUIRE_BLAS === "1";
const blasSkip =
  blas.ok || requireBlas
    ? false
    : `OpenBLAS addon unavailable (${blas.reason}); set TROUPE_REQUIRE_BLAS=1 to fail instead`;

describeBackend("openblas", openBlasGemm, blasSkip);

describeBackend(
  "openblas addon, small products included",
  () => {
    const load = loadOpenBlas();
    return load.ok ? load.unrouted : openBlasGemm();
  },
  blasSkip,
);

describe("the openblas backend's small-product route", { skip: blasSkip }, () => {
  test("agrees with naiveGemm on both sides of the size cut-off", () => {
    const gemm = openBlasGemm();
    const rng = Rng.fromSeed("cut-off");
    for (let trial = 0; trial < 100; trial++) {
      assertAgrees(gemm, randomCase(rng, OPENBLAS_SMALL_PRODUCT * 2));
    }
  });
});
