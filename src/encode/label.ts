/**
 * The label encoder: every distinct text gets its own fixed random unit row, drawn from a PRNG
 * seeded by the text itself. No two texts share a direction (almost surely), and no text is
 * similar to another: an embedding table with one row per label, for tasks whose texts are
 * labels to tell apart, not language (the standard MARL scenarios of the EPyMARL race, whose
 * observations are numeric and whose texts are only the action names). There a small hashing
 * encoder is the wrong tool: with 8 buckets LBF's "none" and "load" fall in one bucket with
 * opposite signs, as do "west" and "east", so the policy's candidate embeddings of those actions
 * were tied to each other's negatives, where EPyMARL's output layer has a free logit per action.
 */
import { ConfigError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import type { TextEncoder } from "./encoder.js";

const FORMAT_VERSION = 1;

/** Options of {@link LabelEncoder}. */
export interface LabelEncoderOptions {
  /** Row length; default 16 (independent rows for up to 16 labels). */
  readonly dimension?: number;
}

/** One seeded random unit row per distinct text. */
export class LabelEncoder implements TextEncoder {
  readonly name = "label";
  readonly dimension: number;
  readonly identity: string;

  constructor(options: LabelEncoderOptions = {}) {
    const dimension = options.dimension ?? 16;
    if (!Number.isInteger(dimension) || dimension < 2 || dimension > 4096) {
      throw new ConfigError({
        input: "label encoder: dimension",
        problem: "out of range",
        expected: "an integer in [2, 4096]",
        actual: String(dimension),
        fix: "use a dimension at least the number of labels, such as 16",
      });
    }
    this.dimension = dimension;
    this.identity = `label:v${FORMAT_VERSION}:d=${dimension}`;
  }

  /** Encodes `texts` into `texts.length` unit rows, the same row for the same text. */
  async encode(texts: readonly string[]): Promise<Float32Array> {
    const d = this.dimension;
    const out = new Float32Array(texts.length * d);
    for (let i = 0; i < texts.length; i++) {
      const rng = Rng.fromSeed(`label/${texts[i]}`);
      const row = Array.from({ length: d }, () => rng.normal());
      const norm = Math.hypot(...row);
      for (let k = 0; k < d; k++) out[i * d + k] = row[k] / norm;
    }
    return out;
  }
}
