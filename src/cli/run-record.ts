/**
 * The run folder's record: what `troupe train` writes as config.json and what `eval`, `play` and
 * `train --resume` read back, with the one function that rebuilds a run's text encoder from it.
 */
import { join } from "node:path";
import { readFileOrThrow } from "../core/fs.js";
import { createEncoder, type EncoderConfig } from "../encode/config.js";
import type { describeEncoder, TextEncoder } from "../encode/encoder.js";
import type { resolveConfig } from "../learn/config.js";

/** What `troupe train` writes as config.json (and `troupe eval` reads back). */
export interface RunRecord {
  readonly method: string;
  readonly config: ReturnType<typeof resolveConfig>;
  readonly seed: number;
  readonly steps: number;
  readonly encoder: ReturnType<typeof describeEncoder>;
  /** The encoder config to rebuild the encoder from (absent in runs older than `--encoder`). */
  readonly encoderConfig?: EncoderConfig;
  readonly backend: string;
  readonly tasks: {
    readonly dir?: string;
    readonly family?: string;
    readonly agents?: number;
    readonly maxTasks?: number;
  };
}

/** Reads the config.json of a `troupe train` run folder. */
export async function readRunRecord(dir: string): Promise<RunRecord> {
  return JSON.parse(
    (await readFileOrThrow(join(dir, "config.json"))).toString("utf8"),
  ) as RunRecord;
}

/**
 * The encoder config a run was trained with. Runs written before `--encoder` existed used the
 * hashing encoder at the recorded width.
 */
export function encoderConfigOf(record: RunRecord): EncoderConfig {
  return record.encoderConfig ?? { kind: "hashing", dimension: record.encoder.dimension };
}

/** Builds the run's encoder (no feature cache: the learner's text table already dedupes texts). */
export function encoderOf(record: RunRecord): Promise<TextEncoder> {
  return createEncoder(encoderConfigOf(record), { cache: false });
}
