/**
 * Argument checks shared by the credit kernels: lengths of time-major buffers and the ranges of
 * the discount-like parameters. Each throws a typed error that names the input and the fix.
 */
import { ConfigError, ShapeError } from "../../core/errors.js";

/** Anything with a length: the typed arrays the kernels read. */
interface Sized {
  readonly length: number;
}

/** Throws a {@link ShapeError} unless `buffer.length === expected`. */
export function expectLength(
  op: string,
  name: string,
  buffer: Sized,
  expected: number,
  layout: string,
): void {
  if (buffer.length !== expected) {
    throw new ShapeError({
      input: `${op}: ${name}`,
      problem: "has the wrong length",
      expected: `${expected} (${layout})`,
      actual: String(buffer.length),
      fix: `allocate ${name} as ${layout}`,
    });
  }
}

/**
 * Throws a {@link ShapeError} unless the optional `buffer` is present (because `because` says it
 * is needed) and has `expected` entries.
 */
export function expectPresent(
  op: string,
  name: string,
  buffer: Sized | undefined,
  expected: number,
  layout: string,
  because: string,
): void {
  if (buffer === undefined) {
    throw new ShapeError({
      input: `${op}: ${name}`,
      problem: `is missing, but ${because}`,
      expected: `${expected} entries (${layout})`,
      actual: "undefined",
      fix: `pass ${name}, or leave out the flags that need it`,
    });
  }
  expectLength(op, name, buffer, expected, layout);
}

/** Throws a {@link ConfigError} unless `value` is a positive integer (a count such as T or N). */
export function expectCount(op: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError({
      input: `${op}: ${name}`,
      problem: "is not a positive integer",
      expected: "an integer ≥ 1",
      actual: String(value),
      fix: `pass the number of ${name} in the buffers`,
    });
  }
}

/** Throws a {@link ConfigError} unless `lower (<|≤) value ≤ upper` and `value` is finite. */
export function expectInRange(
  op: string,
  name: string,
  value: number,
  lower: number,
  upper: number,
  lowerOpen: boolean,
): void {
  const aboveLower = lowerOpen ? value > lower : value >= lower;
  if (!Number.isFinite(value) || !aboveLower || value > upper) {
    const interval = `${lowerOpen ? "(" : "["}${lower}, ${upper}]`;
    throw new ConfigError({
      input: `${op}: ${name}`,
      problem: "is out of range",
      expected: `a number in ${interval}`,
      actual: String(value),
      fix: `set ${name} within ${interval}`,
    });
  }
}

/** Throws a {@link ConfigError} unless `value` is a finite number ≥ 0 (a weight or coefficient). */
export function expectNonNegative(op: string, name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError({
      input: `${op}: ${name}`,
      problem: "is not a finite non-negative number",
      expected: "a number ≥ 0",
      actual: String(value),
      fix: `set ${name} to 0 (off) or a positive weight`,
    });
  }
}
