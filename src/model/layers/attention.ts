/**
 * Multi-head attention over variable-length sets: each query row attends over its own segment of
 * key/value rows (an agent over the messages it received; none → a zero vector before the output
 * projection, i.e. the output bias).
 */
import type { Rng } from "../../core/prng.js";
import type { Graph } from "../graph.js";
import { segmentAttention } from "../ops/attention.js";
import type { Parameter, Tensor } from "../tensor.js";
import { Linear } from "./linear.js";
import type { Module } from "./module.js";

/** Projections `${name}.query/key/value/output` around {@link segmentAttention}. */
export class MultiHeadAttention implements Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly output: Linear;

  /** Queries have width `dim`, keys/values width `keyDim`; `heads` must divide `dim`. */
  constructor(
    name: string,
    readonly dim: number,
    readonly keyDim: number,
    readonly heads: number,
    rng: Rng,
  ) {
    this.query = new Linear(`${name}.query`, dim, dim, rng);
    this.key = new Linear(`${name}.key`, keyDim, dim, rng);
    this.value = new Linear(`${name}.value`, keyDim, dim, rng);
    this.output = new Linear(`${name}.output`, dim, dim, rng);
  }

  /**
   * Attends each row of `queries` (n×dim) over its segment of `keys` (m×keyDim); `offsets` has
   * n + 1 entries over the m key rows. Returns n×dim.
   */
  forward(g: Graph, queries: Tensor, keys: Tensor, offsets: Int32Array): Tensor {
    if (keys.rows === 0 && offsets.length === queries.rows + 1 && offsets.every((o) => o === 0)) {
      // No query has a key (nobody spoke): attention is zero on every row, so the output is the
      // output projection's bias on every row, and no gradient reaches the queries or the other
      // projections. Skipping the four projections gives the same values and gradients.
      return this.output.emptyInput(g, queries.rows);
    }
    const q = this.query.forward(g, queries);
    const k = this.key.forward(g, keys);
    const v = this.value.forward(g, keys);
    return this.output.forward(g, segmentAttention(g, q, k, v, offsets, this.heads));
  }

  /**
   * The 1×dim row every query gets when no query has a key: the output projection of a zero
   * vector (its bias). Backward reaches the bias only, as through {@link forward}.
   */
  silentRow(g: Graph): Tensor {
    return this.output.emptyInput(g, 1);
  }

  /** The four projections' parameters. */
  parameters(): Parameter[] {
    return [this.query, this.key, this.value, this.output].flatMap((l) => l.parameters());
  }
}
