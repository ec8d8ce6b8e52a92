/**
 * Canonical JSON and JSONL helpers: one byte-exact encoding (object keys sorted, no whitespace)
 * so that the same data always hashes to the same content hash, and JSONL parsing whose errors
 * name the file, the line and the field at fault.
 */
import { createHash } from "node:crypto";
import { InputError } from "./errors.js";

/** JSON with object keys sorted at every depth and no whitespace: equal data, equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort()) {
      if (record[key] !== undefined) sorted[key] = sortKeys(record[key]);
    }
    return sorted;
  }
  return value;
}

/** The sha256 (hex) of a value's canonical JSON: a content hash independent of key order. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** The sha256 (hex) of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Values as JSONL: one canonical JSON object per line, ending with a newline. */
export function toJsonl(values: readonly unknown[]): string {
  let out = "";
  for (const value of values) out += `${canonicalJson(value)}\n`;
  return out;
}

/** One parsed JSONL record with where it came from, for error messages. */
export interface JsonlRecord {
  readonly value: unknown;
  /** `file:line`, 1-based, as error messages name it. */
  readonly where: string;
}

/**
 * Parses JSONL text. Blank lines are skipped; a line that is not JSON (a truncated file, say)
 * throws an {@link InputError} naming `file:line`. A file whose last line has no newline and does
 * not parse is reported as truncated.
 */
export function parseJsonl(text: string, file: string): JsonlRecord[] {
  const lines = text.split("\n");
  const records: JsonlRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const where = `${file}:${i + 1}`;
    try {
      records.push({ value: JSON.parse(line), where });
    } catch (error) {
      const last = i === lines.length - 1;
      throw new InputError({
        input: where,
        problem: last ? "the last line is not complete JSON (truncated file?)" : "not valid JSON",
        expected: "one JSON object per line",
        actual: line.length > 80 ? `${line.slice(0, 80)}…` : line,
        fix: last ? "regenerate the file; it was cut short" : "fix or regenerate the file",
        cause: error,
      });
    }
  }
  return records;
}

/** An {@link InputError} for one field of one record: `file:line field: problem; expected …`. */
export function fieldError(
  where: string,
  field: string,
  expected: string,
  actual: unknown,
  fix = "regenerate the file with `troupe tasks generate`, or correct the field",
): InputError {
  const shown = JSON.stringify(actual);
  return new InputError({
    input: `${where} field "${field}"`,
    problem: "invalid value",
    expected,
    actual: shown === undefined ? "nothing (missing)" : shown.slice(0, 80),
    fix,
  });
}
