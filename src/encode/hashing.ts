/**
 * The hashing encoder: a deterministic feature-hashing bag of words and word n-grams, with no
 * weights to load. The zero-install fallback and the encoder of every fast unit test. Word n-grams
 * keep word order: "A helps B" and "B helps A" share their words but not their bigrams.
 */
import { ConfigError } from "../core/errors.js";
import type { TextEncoder } from "./encoder.js";
import { hashText, mix32 } from "./hash.js";
import { tokenize } from "./tokenize.js";

/** Options of {@link HashingEncoder}. */
export interface HashingEncoderOptions {
  /** Row length; more buckets, fewer collisions. Default 512. */
  readonly dimension?: number;
  /** Longest word n-gram hashed (1 = bag of words, loses word order). Default 2. */
  readonly maxNgram?: number;
}

const FORMAT_VERSION = 2;

/** Feature hashing of words and word n-grams, signed buckets, rows scaled to unit length. */
export class HashingEncoder implements TextEncoder {
  readonly name = "hashing";
  readonly dimension: number;
  readonly identity: string;
  private readonly maxNgram: number;
  /** Scratch: the hashes of the current text's tokens, grown as needed. */
  private tokenHashes = new Uint32Array(64);

  constructor(options: HashingEncoderOptions = {}) {
    const dimension = options.dimension ?? 512;
    const maxNgram = options.maxNgram ?? 2;
    if (!Number.isInteger(dimension) || dimension < 2 || dimension > 1 << 20) {
      throw new ConfigError({
        input: "hashing encoder: dimension",
        problem: "out of range",
        expected: "an integer in [2, 1048576]",
        actual: String(dimension),
        fix: "use a dimension such as 256 or 512",
      });
    }
    if (!Number.isInteger(maxNgram) || maxNgram < 1 || maxNgram > 5) {
      throw new ConfigError({
        input: "hashing encoder: maxNgram",
        problem: "out of range",
        expected: "an integer in [1, 5]",
        actual: String(maxNgram),
        fix: "use 2 (words and word pairs), the default",
      });
    }
    this.dimension = dimension;
    this.maxNgram = maxNgram;
    this.identity = `hashing:v${FORMAT_VERSION}:d=${dimension}:n=${maxNgram}`;
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dimension);
    for (let row = 0; row < texts.length; row++) this.encodeInto(texts[row], out, row);
    return out;
  }

  /** Writes the row of `text` into `out` at row `row`. */
  private encodeInto(text: string, out: Float32Array, row: number): void {
    const tokens = tokenize(text);
    const base = row * this.dimension;
    if (this.tokenHashes.length < tokens.length)
      this.tokenHashes = new Uint32Array(tokens.length * 2);
    for (let t = 0; t < tokens.length; t++) this.tokenHashes[t] = hashText(tokens[t]);
    for (let n = 1; n <= this.maxNgram; n++) {
      for (let start = 0; start + n <= tokens.length; start++) {
        // An n-gram's hash chains its words' hashes, seeded by n, so a bigram never shares its
        // unigram's bucket by construction and no n-gram string is ever built.
        let hash = mix32(n * 0x9e3779b9);
        for (let k = 0; k < n; k++) hash = mix32(hash ^ this.tokenHashes[start + k]);
        const bucket = hash % this.dimension;
        // The top bit gives the sign, so that collisions cancel on average instead of piling up.
        out[base + bucket] += hash & 0x80000000 ? -1 : 1;
      }
    }
    let norm = 0;
    for (let i = 0; i < this.dimension; i++) norm += out[base + i] * out[base + i];
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < this.dimension; i++) out[base + i] *= scale;
    }
  }
}
