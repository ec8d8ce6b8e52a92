/**
 * The `TextEncoder` interface: the frozen language model that turns observations, action
 * candidates and messages into feature rows for the policy and critic. Implementations live
 * beside this file; `cache.ts` wraps any of them so that a repeated run encodes nothing twice.
 */
import { ShapeError } from "../core/errors.js";

/**
 * Turns a batch of texts into a row-major `Float32Array` of `texts.length × dimension` values.
 * Encoding must be deterministic and independent of batching: a text's row is the same whether it
 * is encoded alone or in any batch.
 */
export interface TextEncoder {
  /** The encoder's short kind, e.g. `"hashing"` or `"glove-100d"`, recorded with every run. */
  readonly name: string;
  /** The length of every row. */
  readonly dimension: number;
  /**
   * A stable string that changes whenever the features could change (kind, model, options,
   * format version): the cache key, and the check against a saved checkpoint.
   */
  readonly identity: string;
  /** Encodes `texts` into `texts.length` rows of `dimension` finite values. */
  encode(texts: readonly string[]): Promise<Float32Array>;
  /** Releases files, sessions or sockets; encoding after `close` is not allowed. */
  close?(): Promise<void>;
}

/** What a run records about its encoder, and what a checkpoint is checked against. */
export interface EncoderRecord {
  readonly name: string;
  readonly dimension: number;
  readonly identity: string;
}

/** The record a run stores for `encoder`. */
export function describeEncoder(encoder: TextEncoder): EncoderRecord {
  return { name: encoder.name, dimension: encoder.dimension, identity: encoder.identity };
}

/**
 * Throws unless `encoder` produces the features a checkpoint was trained on: same dimension
 * (else the policy's first layer cannot even be applied) and same identity.
 */
export function checkEncoderMatches(
  encoder: TextEncoder,
  saved: EncoderRecord,
  checkpoint: string,
): void {
  if (encoder.dimension !== saved.dimension) {
    throw new ShapeError({
      input: `${checkpoint} (encoder ${encoder.name})`,
      problem: "the checkpoint was trained on features of another dimension",
      expected: `dimension ${saved.dimension} (${saved.identity})`,
      actual: `dimension ${encoder.dimension} (${encoder.identity})`,
      fix: `configure the encoder the checkpoint was trained with ("${saved.name}"), or retrain`,
    });
  }
  if (encoder.identity !== saved.identity) {
    throw new ShapeError({
      input: `${checkpoint} (encoder ${encoder.name})`,
      problem: "the checkpoint was trained on features from another encoder",
      expected: saved.identity,
      actual: encoder.identity,
      fix: `configure the encoder the checkpoint was trained with ("${saved.name}"), or retrain`,
    });
  }
}
