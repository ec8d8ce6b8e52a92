/**
 * Field checks for stored tasks: each returns the value or throws an InputError naming the file,
 * line and field, what was expected and what was found. Families build their validators from these.
 */
import { fieldError } from "../core/json.js";
import type { GeneratorParams, TaskHeader } from "./types.js";

/** A reader over one JSON object, tagged with `file:line` and a field path prefix. */
export class FieldReader {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly where: string,
    readonly prefix = "",
  ) {}

  /** Wraps `raw` after checking it is an object. */
  static of(raw: unknown, where: string, prefix = ""): FieldReader {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw fieldError(where, prefix || "(record)", "a JSON object", raw);
    }
    return new FieldReader(raw as Record<string, unknown>, where, prefix);
  }

  private path(field: string): string {
    return this.prefix === "" ? field : `${this.prefix}.${field}`;
  }

  /** An integer field in [min, max]. */
  int(field: string, min: number, max: number): number {
    const value = this.raw[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw fieldError(this.where, this.path(field), `an integer in [${min}, ${max}]`, value);
    }
    return value;
  }

  /** A finite number field in [min, max]. */
  num(field: string, min: number, max: number): number {
    const value = this.raw[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      throw fieldError(this.where, this.path(field), `a number in [${min}, ${max}]`, value);
    }
    return value;
  }

  /** A string field. */
  str(field: string): string {
    const value = this.raw[field];
    if (typeof value !== "string" || value === "") {
      throw fieldError(this.where, this.path(field), "a non-empty string", value);
    }
    return value;
  }

  /** A boolean field. */
  bool(field: string): boolean {
    const value = this.raw[field];
    if (typeof value !== "boolean")
      throw fieldError(this.where, this.path(field), "true or false", value);
    return value;
  }

  /** An array field with length in [min, max]; each element read by `item`. */
  array<T>(field: string, min: number, max: number, item: (r: FieldReader, i: number) => T): T[] {
    const value = this.raw[field];
    if (!Array.isArray(value) || value.length < min || value.length > max) {
      throw fieldError(this.where, this.path(field), `an array of ${min} to ${max} items`, value);
    }
    return value.map((element, i) =>
      item(FieldReader.of(element, this.where, `${this.path(field)}[${i}]`), i),
    );
  }

  /** An array of integers in [min, max]. */
  intArray(field: string, maxLength: number, min: number, max: number): number[] {
    return readIntArray(this.raw[field], this.where, this.path(field), maxLength, min, max);
  }

  /** An array of `length` integer arrays (each of 1 to `maxLength` integers in [min, max]). */
  intArrays(
    field: string,
    length: number,
    maxLength: number,
    min: number,
    max: number,
  ): number[][] {
    const value = this.raw[field];
    if (!Array.isArray(value) || value.length !== length) {
      throw fieldError(this.where, this.path(field), `an array of ${length} arrays`, value);
    }
    return value.map((v, i) => {
      const items = readIntArray(v, this.where, `${this.path(field)}[${i}]`, maxLength, min, max);
      if (items.length === 0)
        throw fieldError(this.where, `${this.path(field)}[${i}]`, "at least one integer", v);
      return items;
    });
  }

  /** A nested object field. */
  object(field: string): FieldReader {
    return FieldReader.of(this.raw[field], this.where, this.path(field));
  }
}

function readIntArray(
  value: unknown,
  where: string,
  path: string,
  maxLength: number,
  min: number,
  max: number,
): number[] {
  const ok =
    Array.isArray(value) &&
    value.length <= maxLength &&
    value.every((v) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max);
  if (!ok)
    throw fieldError(
      where,
      path,
      `an array of at most ${maxLength} integers in [${min}, ${max}]`,
      value,
    );
  return value as number[];
}

/** Inclusive ranges of the generator parameters a stored task may carry. */
export const PARAM_RANGES = {
  agents: [3, 10],
  horizon: [4, 200],
  dependency: [0, 1],
  coupling: [0, 1],
  view: [0, 1],
  disruption: [0, 1],
} as const;

/**
 * Checks the header every task shares: family and version must match the reader's family,
 * parameters must be in range.
 */
export function readHeader(
  raw: unknown,
  where: string,
  family: string,
  version: number,
): TaskHeader {
  const r = FieldReader.of(raw, where);
  const name = r.str("family");
  if (name !== family) throw fieldError(where, "family", `"${family}"`, name);
  const v = r.raw.version;
  if (v !== version) {
    throw fieldError(
      where,
      "version",
      `${version} (this Troupe reads ${family} tasks of version ${version})`,
      v,
    );
  }
  const p = r.object("params");
  const params: GeneratorParams = {
    agents: p.int("agents", PARAM_RANGES.agents[0], PARAM_RANGES.agents[1]),
    horizon: p.int("horizon", PARAM_RANGES.horizon[0], PARAM_RANGES.horizon[1]),
    dependency: p.num("dependency", 0, 1),
    coupling: p.num("coupling", 0, 1),
    view: p.num("view", 0, 1),
    disruption: p.num("disruption", 0, 1),
  };
  return { family, version, id: r.str("id"), stratum: r.str("stratum"), params };
}
