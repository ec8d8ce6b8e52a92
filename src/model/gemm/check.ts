/**
 * The argument check every fast GEMM backend runs once at the top of `sgemm`: sizes are
 * non-negative integers, leading dimensions cover the stored rows, each array (view) is long
 * enough, and C does not share memory with A or B. Past it, the kernels index without checks.
 */
import { ShapeError } from "../../core/errors.js";

/** Throws a {@link ShapeError} naming the argument when the sgemm arguments do not fit together. */
export function checkGemmArguments(
  backend: string,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  c: Float32Array,
  ldc: number,
): void {
  checkSize(backend, "m", m);
  checkSize(backend, "n", n);
  checkSize(backend, "k", k);
  // As stored: A is m×k (k×m when transposed), B is k×n (n×k when transposed), C is m×n.
  checkMatrix(backend, "a", "lda", transA ? k : m, transA ? m : k, a, lda);
  checkMatrix(backend, "b", "ldb", transB ? n : k, transB ? k : n, b, ldb);
  checkMatrix(backend, "c", "ldc", m, n, c, ldc);
  if (sharesMemory(c, a) || sharesMemory(c, b)) {
    throw new ShapeError({
      input: `${backend} sgemm c`,
      problem: "the output shares memory with an input",
      expected: "c apart from a and b",
      actual: "overlapping views of one ArrayBuffer",
      fix: "write the product into a separate Float32Array and copy it back",
    });
  }
}

function checkSize(backend: string, name: string, value: number): void {
  if (Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) return;
  throw new ShapeError({
    input: `${backend} sgemm ${name}`,
    problem: "not a valid matrix size",
    expected: "an integer in [0, 2^31 - 1]",
    actual: String(value),
    fix: `pass the ${name} dimension of the product as a non-negative integer`,
  });
}

function checkMatrix(
  backend: string,
  name: string,
  ldName: string,
  rows: number,
  cols: number,
  array: Float32Array,
  ld: number,
): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new ShapeError({
      input: `${backend} sgemm ${ldName}`,
      problem: `leading dimension smaller than the stored row of ${name}`,
      expected: `an integer >= max(1, ${cols})`,
      actual: String(ld),
      fix: `pass the row stride of ${name} as stored (its column count for a dense matrix)`,
    });
  }
  const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (array.length < needed) {
    throw new ShapeError({
      input: `${backend} sgemm ${name}`,
      problem: `array too short for a ${rows}×${cols} matrix with ${ldName}=${ld}`,
      expected: `length >= ${needed}`,
      actual: `length ${array.length}`,
      fix: `check m, n, k, the transpose flags and ${ldName} against the array ${name}`,
    });
  }
}

function sharesMemory(x: Float32Array, y: Float32Array): boolean {
  if (x.buffer !== y.buffer || x.length === 0 || y.length === 0) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}
