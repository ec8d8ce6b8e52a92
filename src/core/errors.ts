/**
 * Troupe's typed errors. Every error names the bad input, what was expected, what was found and
 * what to do about it, so that a user can act on the message alone.
 */

/** What a {@link TroupeError} says: the input at fault, the mismatch, and the fix. */
export interface ErrorDetails {
  /** The input at fault: a file and line, a config key, a tensor name, a CLI flag. */
  readonly input: string;
  /** What is wrong with it, in a few words. */
  readonly problem: string;
  /** What was expected, when there is a definite expectation. */
  readonly expected?: string;
  /** What was found instead. */
  readonly actual?: string;
  /** What the user should do. */
  readonly fix: string;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/** The kinds of error Troupe throws; `code` lets callers branch without parsing messages. */
export type ErrorCode =
  | "config"
  | "shape"
  | "numeric"
  | "checkpoint"
  | "input"
  | "io"
  | "backend"
  | "state";

/** Base class of every error Troupe throws on purpose. */
export class TroupeError extends Error {
  readonly code: ErrorCode;
  readonly input: string;
  readonly problem: string;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  readonly fix: string;

  constructor(code: ErrorCode, details: ErrorDetails) {
    super(formatMessage(details), details.cause === undefined ? {} : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.input = details.input;
    this.problem = details.problem;
    this.expected = details.expected;
    this.actual = details.actual;
    this.fix = details.fix;
  }
}

/** A config field, flag or preset that is unknown or out of range. */
export class ConfigError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("config", details);
  }
}

/** Tensors or buffers whose shapes do not fit together. */
export class ShapeError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("shape", details);
  }
}

/** A NaN or infinity where a finite number is required (loss, gradient, parameter). */
export class NumericError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("numeric", details);
  }
}

/** A checkpoint that is truncated, foreign, or from another architecture. */
export class CheckpointError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("checkpoint", details);
  }
}

/** A data file (tasks, JSONL, vectors) that does not parse or holds values out of range. */
export class InputError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("input", details);
  }
}

/** A file-system operation that failed (disk full, permission, missing folder). */
export class IoError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("io", details);
  }
}

/** A compute backend (OpenBLAS addon) that is missing or was called wrongly. */
export class BackendError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("backend", details);
  }
}

/** An object used in a state that does not allow the call (stepping a finished episode). */
export class StateError extends TroupeError {
  constructor(details: ErrorDetails) {
    super("state", details);
  }
}

function formatMessage(details: ErrorDetails): string {
  let message = `${details.input}: ${details.problem}`;
  if (details.expected !== undefined) message += `; expected ${details.expected}`;
  if (details.actual !== undefined) message += `, got ${details.actual}`;
  return `${message}. Fix: ${details.fix}`;
}
