/** An embedding table: row `id` is the learned vector of token or entity `id`. */
import type { Rng } from "../../core/prng.js";
import type { Graph } from "../graph.js";
import { normalInit } from "../init.js";
import { gatherRows } from "../ops/rows.js";
import { Parameter, type Tensor } from "../tensor.js";
import type { Module } from "./module.js";

/** A `count × dim` table named `${name}.table`. */
export class Embedding implements Module {
  readonly table: Parameter;

  /** Draws the table from `rng` with standard deviation `std` (default 1/sqrt(dim)). */
  constructor(name: string, count: number, dim: number, rng: Rng, std = 1 / Math.sqrt(dim)) {
    this.table = new Parameter(`${name}.table`, count, dim);
    normalInit(this.table, rng, std);
  }

  /** The rows of the given ids, ids.length × dim; out-of-range ids throw a ShapeError. */
  forward(g: Graph, ids: Int32Array): Tensor {
    return gatherRows(g, g.param(this.table), ids);
  }

  /** The table. */
  parameters(): Parameter[] {
    return [this.table];
  }
}
