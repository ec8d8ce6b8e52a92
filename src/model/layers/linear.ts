/** A fully connected layer `act(x · W + b)` (W is in×out), Glorot-initialised from the PRNG. */
import type { Rng } from "../../core/prng.js";
import type { Gemm } from "../gemm.js";
import type { Graph } from "../graph.js";
import { glorotUniform } from "../init.js";
import { type Activation, biasActivate } from "../ops/activations.js";
import { dense } from "../ops/dense.js";
import { Parameter, type Tensor } from "../tensor.js";
import type { Module } from "./module.js";

/** Options of a {@link Linear} layer. */
export interface LinearOptions {
  /** Activation applied after the bias; default identity. */
  readonly activation?: Activation;
  /** Whether the layer has a bias; default true. */
  readonly bias?: boolean;
}

/** A dense layer owning `${name}.weight` (in×out) and `${name}.bias` (1×out). */
export class Linear implements Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly activation: Activation;

  /** Creates the layer and initialises its weight from `rng` (bias starts at zero). */
  constructor(
    name: string,
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
    options: LinearOptions = {},
  ) {
    this.activation = options.activation ?? "identity";
    this.weight = new Parameter(`${name}.weight`, inDim, outDim);
    this.bias = options.bias === false ? null : new Parameter(`${name}.bias`, 1, outDim);
    glorotUniform(this.weight, rng);
  }

  /** `act(x · W + b)` on the tape; x is n×inDim. */
  forward(g: Graph, x: Tensor): Tensor {
    return dense(
      g,
      x,
      g.param(this.weight),
      this.bias === null ? null : g.param(this.bias),
      this.activation,
    );
  }

  /** Tape-free forward of `rows` rows from `input` into `output` (inference path). */
  forwardInto(gemm: Gemm, input: Float32Array, output: Float32Array, rows: number): void {
    gemm.sgemm(
      false,
      false,
      rows,
      this.outDim,
      this.inDim,
      1,
      input,
      this.inDim,
      this.weight.value,
      this.outDim,
      0,
      output,
      this.outDim,
    );
    biasActivate(
      this.activation,
      output,
      this.bias === null ? null : this.bias.value,
      output,
      rows,
      this.outDim,
    );
  }

  /** The weight, then the bias. */
  parameters(): Parameter[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }
}
