/** A fully connected layer `act(x · W + b)` (W is in×out), Glorot-initialised from the PRNG. */
import { ShapeError } from "../../core/errors.js";
import type { Rng } from "../../core/prng.js";
import { expectShape } from "../check.js";
import type { Gemm } from "../gemm.js";
import type { Graph } from "../graph.js";
import { glorotUniform } from "../init.js";
import { type Activation, activation, biasActivate } from "../ops/activations.js";
import { dense, matmulTransposed } from "../ops/dense.js";
import { gatherRows, sliceRows } from "../ops/rows.js";
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

  /**
   * `act([x, c]·W + b)` on the tape (or `act([c, x]·W + b)` when `constantFirst`), where the 1×t
   * row `c` is the same for every row of x (n×(inDim − t)): c's rows of W are folded into the bias
   * once, `b' = c·W_c + b`, instead of being multiplied on every row, so the GEMMs are
   * n×(inDim − t)×out instead of n×inDim×out and no concatenation is built. The same function
   * and gradients as {@link Linear.forward} on the concatenation, up to float32 rounding (the sums
   * are associated differently).
   */
  forwardWithConstant(g: Graph, x: Tensor, c: Tensor, constantFirst = false): Tensor {
    expectShape("Linear.forwardWithConstant", c, 1, this.inDim - x.cols);
    const weight = g.param(this.weight);
    const bias = dense(
      g,
      c,
      sliceRows(g, weight, constantFirst ? 0 : x.cols, c.cols),
      this.bias === null ? null : g.param(this.bias),
    );
    return dense(
      g,
      x,
      sliceRows(g, weight, constantFirst ? c.cols : 0, x.cols),
      bias,
      this.activation,
    );
  }

  /**
   * `(x·W + b)·cᵀ` on the tape for an identity layer: every output row dotted with every row of
   * `c` (m×outDim), n×m. It is computed as `x·(W·cᵀ) + b·cᵀ`, which for m rows of c below n and
   * outDim costs n·inDim·m multiply-adds instead of n·inDim·outDim (scoring a handful of distinct
   * candidates against many agents). The same function as {@link Linear.forward} followed by the
   * products, up to float32 rounding.
   */
  forwardProducts(g: Graph, x: Tensor, c: Tensor): Tensor {
    if (this.activation !== "identity") {
      throw new ShapeError({
        input: `Linear.forwardProducts: layer "${this.weight.name}"`,
        problem: "has an activation, so its products cannot be re-associated",
        expected: "an identity layer",
        actual: this.activation,
        fix: "call forward and take the products of its output",
      });
    }
    expectShape("Linear.forwardProducts", x, -1, this.inDim);
    const weight = matmulTransposed(g, g.param(this.weight), c);
    const bias = this.bias === null ? null : matmulTransposed(g, g.param(this.bias), c);
    return dense(g, x, weight, bias);
  }

  /**
   * The layer applied to `rows` rows of zeros, `act(b)` on every row (zeros without a bias), with
   * the bias gradient of {@link Linear.forward} (column sums of the output gradient, in row order)
   * and no GEMM: what the layer gives for an input known to be zero.
   */
  emptyInput(g: Graph, rows: number): Tensor {
    if (this.bias === null) {
      const zeros = g.pool.take(rows * this.outDim).fill(0);
      return activation(
        g,
        g.input(`${this.weight.name}(0)`, zeros, rows, this.outDim),
        this.activation,
      );
    }
    const row = gatherRows(g, g.param(this.bias), new Int32Array(rows));
    return this.activation === "identity" ? row : activation(g, row, this.activation);
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
