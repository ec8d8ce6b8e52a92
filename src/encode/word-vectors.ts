/**
 * The word-vector encoder: pooled pretrained word vectors, with a hashed vector for each word the
 * vocabulary lacks (ids, numbers, names). Mean pooling alone loses word order ("A helps B" =
 * "B helps A"), so a row is two blocks: the mean of the word vectors, and their mean weighted by a
 * position ramp running from -1 (first word) to +1 (last word). Swapping two different words
 * changes the ramp block by (p_i - p_j)(v_j - v_i)/n, which is never zero for distinct positions.
 * The row is scaled to unit length.
 */
import { ShapeError } from "../core/errors.js";
import type { TextEncoder } from "./encoder.js";
import { hashedVector, hashText } from "./hash.js";
import { tokenize } from "./tokenize.js";

/** A table of word vectors: `vectors` holds `words.length × dimension` values, row i for word i. */
export interface VectorTable {
  readonly words: readonly string[];
  readonly dimension: number;
  readonly vectors: Float32Array;
  /** A short hash of the table's content, part of the encoder identity. */
  readonly checksum: string;
}

const POOLING_VERSION = 1;

/** Encodes texts as position-aware pooled word vectors; see the file header. */
export class WordVectorEncoder implements TextEncoder {
  readonly name: string;
  readonly dimension: number;
  readonly identity: string;
  /** Words known to the table, by row. */
  readonly vocabularySize: number;
  private readonly index: Map<string, number>;
  private readonly vectors: Float32Array;
  private readonly wordDimension: number;
  /** Per-component half-width of out-of-vocabulary vectors, so they match the table's mean norm. */
  private readonly oovScale: number;
  private readonly scratch: Float32Array;

  constructor(name: string, table: VectorTable) {
    const { words, dimension, vectors } = table;
    if (
      !Number.isInteger(dimension) ||
      dimension < 1 ||
      vectors.length !== words.length * dimension
    ) {
      throw new ShapeError({
        input: `${name} vector table`,
        problem: "the vectors do not fit the word list",
        expected: `${words.length} words × ${dimension} = ${words.length * dimension} values`,
        actual: `${vectors.length} values`,
        fix: "delete the vector cache so that it is rebuilt from the source",
      });
    }
    this.name = name;
    this.wordDimension = dimension;
    this.dimension = 2 * dimension;
    this.vectors = vectors;
    this.vocabularySize = words.length;
    this.index = new Map();
    // The first occurrence wins, as in the source's own lookup.
    for (let i = 0; i < words.length; i++)
      if (!this.index.has(words[i])) this.index.set(words[i], i);
    this.oovScale = meanNorm(vectors, words.length, dimension) * Math.sqrt(3 / dimension);
    this.scratch = new Float32Array(dimension);
    this.identity = `${name}:v${POOLING_VERSION}:pool=mean+ramp:d=${this.dimension}:table=${table.checksum}`;
  }

  /** Whether `word` (already lower-cased) has a pretrained vector. */
  has(word: string): boolean {
    return this.index.has(word);
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dimension);
    for (let row = 0; row < texts.length; row++)
      this.encodeInto(texts[row], out, row * this.dimension);
    return out;
  }

  private encodeInto(text: string, out: Float32Array, base: number): void {
    const tokens = tokenize(text);
    const n = tokens.length;
    if (n === 0) return;
    const d = this.wordDimension;
    const ramp = base + d;
    for (let t = 0; t < n; t++) {
      const position = n === 1 ? 0 : (2 * t) / (n - 1) - 1;
      const row = this.index.get(tokens[t]);
      let source: Float32Array;
      let offset: number;
      if (row === undefined) {
        hashedVector(hashText(tokens[t], 0x0f0f), this.scratch, 0, d, this.oovScale);
        source = this.scratch;
        offset = 0;
      } else {
        source = this.vectors;
        offset = row * d;
      }
      for (let i = 0; i < d; i++) {
        const v = source[offset + i];
        out[base + i] += v;
        out[ramp + i] += position * v;
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

function meanNorm(vectors: Float32Array, count: number, dimension: number): number {
  if (count === 0) return 1;
  // A sample of rows is enough for a scale, and keeps loading fast on 341k words.
  const step = Math.max(1, Math.floor(count / 2000));
  let sum = 0;
  let sampled = 0;
  for (let w = 0; w < count; w += step) {
    let sq = 0;
    for (let i = 0; i < dimension; i++) sq += vectors[w * dimension + i] ** 2;
    sum += Math.sqrt(sq);
    sampled++;
  }
  return sum / sampled || 1;
}
