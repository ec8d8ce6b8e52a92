/**
 * Shape and value checks shared by the ops and layers: each throws a {@link ShapeError} or
 * {@link NumericError} that names the tensor, the expected and actual values, and the fix.
 */
import { NumericError, ShapeError } from "../core/errors.js";
import type { Tensor } from "./tensor.js";

/** Throws unless `tensor` is `rows × cols` (a `-1` accepts any extent). */
export function expectShape(op: string, tensor: Tensor, rows: number, cols: number): void {
  if ((rows !== -1 && tensor.rows !== rows) || (cols !== -1 && tensor.cols !== cols)) {
    throw new ShapeError({
      input: `${op}: tensor "${tensor.name}"`,
      problem: "has the wrong shape",
      expected: `${rows === -1 ? "any" : rows}×${cols === -1 ? "any" : cols}`,
      actual: tensor.shapeText,
      fix: `pass a tensor of the expected shape to ${op}`,
    });
  }
}

/** Throws unless `actual === expected`, naming what was measured. */
export function expectEqual(
  op: string,
  what: string,
  expected: number,
  actual: number,
  fix: string,
): void {
  if (expected !== actual) {
    throw new ShapeError({
      input: `${op}: ${what}`,
      problem: "does not match",
      expected: String(expected),
      actual: String(actual),
      fix,
    });
  }
}

/**
 * Throws unless `offsets` is a valid segment array over `total` items: starts at 0, never
 * decreases, ends at `total`. Segment `s` is the half-open range `[offsets[s], offsets[s+1])`.
 */
export function expectOffsets(op: string, offsets: Int32Array, total: number): void {
  const fix = "build offsets as [0, end of segment 0, end of segment 1, …, total]";
  if (offsets.length === 0 || offsets[0] !== 0 || offsets[offsets.length - 1] !== total) {
    throw new ShapeError({
      input: `${op}: offsets`,
      problem: "do not cover the items",
      expected: `a non-empty array from 0 to ${total}`,
      actual: offsets.length === 0 ? "empty" : `${offsets[0]} … ${offsets[offsets.length - 1]}`,
      fix,
    });
  }
  for (let s = 1; s < offsets.length; s++) {
    if (offsets[s] < offsets[s - 1]) {
      throw new ShapeError({
        input: `${op}: offsets[${s}]`,
        problem: "decreases",
        expected: `≥ ${offsets[s - 1]}`,
        actual: String(offsets[s]),
        fix,
      });
    }
  }
}

/** Throws unless every index is an integer in `[0, limit)`. */
export function expectIndices(op: string, what: string, indices: Int32Array, limit: number): void {
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0 || indices[i] >= limit) {
      throw new ShapeError({
        input: `${op}: ${what}[${i}]`,
        problem: "is out of range",
        expected: `an index in [0, ${limit})`,
        actual: String(indices[i]),
        fix: `check how ${what} was built`,
      });
    }
  }
}

/** Throws a {@link NumericError} naming the first non-finite entry of `values`, if any. */
export function expectFinite(what: string, values: Float32Array, fix: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new NumericError({
        input: what,
        problem: `holds a non-finite value at index ${i}`,
        expected: "finite numbers",
        actual: String(values[i]),
        fix,
      });
    }
  }
}
