/** Layer normalisation with a learned gain (starts at 1) and bias (starts at 0). */
import type { Graph } from "../graph.js";
import { layerNorm } from "../ops/norm.js";
import { Parameter, type Tensor } from "../tensor.js";
import type { Module } from "./module.js";

/** Normalises each row of width `dim`; owns `${name}.gain` and `${name}.bias` (1×dim). */
export class LayerNorm implements Module {
  readonly gain: Parameter;
  readonly bias: Parameter;

  /** A layer norm over `dim` features with variance floor `eps`. */
  constructor(
    name: string,
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    this.gain = new Parameter(`${name}.gain`, 1, dim);
    this.gain.value.fill(1);
    this.bias = new Parameter(`${name}.bias`, 1, dim);
  }

  /** The normalised rows of x (n×dim). */
  forward(g: Graph, x: Tensor): Tensor {
    return layerNorm(g, x, g.param(this.gain), g.param(this.bias), this.eps);
  }

  /** The gain, then the bias. */
  parameters(): Parameter[] {
    return [this.gain, this.bias];
  }
}
