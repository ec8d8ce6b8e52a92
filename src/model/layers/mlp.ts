/**
 * A multi-layer perceptron: dense layers with one activation between them and a linear output.
 * Besides the tape `forward`, {@link Mlp.forwardInto} runs inference on preallocated buffers with
 * no graph at all, for batch-1 action selection.
 */
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import type { Gemm } from "../gemm.js";
import type { Graph } from "../graph.js";
import type { Activation } from "../ops/activations.js";
import type { Parameter, Tensor } from "../tensor.js";
import { Linear } from "./linear.js";
import type { Module } from "./module.js";

/** An MLP with layer sizes `sizes` (input first), e.g. `[128, 128, 16]`. */
export class Mlp implements Module {
  readonly layers: readonly Linear[];
  // Hidden activations of forwardInto, sized for the last row count (views made once per size).
  private scratch: Float32Array[] = [];
  private scratchRows = -1;

  /** Layers are named `${name}.0`, `${name}.1`, …; weights come from `rng` in layer order. */
  constructor(
    name: string,
    readonly sizes: readonly number[],
    activation: Activation,
    rng: Rng,
  ) {
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new ShapeError({
        input: `Mlp "${name}" sizes`,
        problem: "do not describe a network",
        expected: "at least two positive integers (input size first)",
        actual: JSON.stringify(sizes),
        fix: "pass sizes such as [128, 128, 16]",
      });
    }
    this.layers = sizes.slice(1).map(
      (outDim, i) =>
        new Linear(`${name}.${i}`, sizes[i], outDim, rng, {
          activation: i === sizes.length - 2 ? "identity" : activation,
        }),
    );
  }

  /** The network on the tape; x is n×sizes[0], the result n×sizes[last]. */
  forward(g: Graph, x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(g, h);
    return h;
  }

  /**
   * Inference without a tape: `input` holds whole rows of sizes[0], `output` receives the same
   * number of rows of sizes[last]. Hidden buffers are kept and reused across calls.
   */
  forwardInto(gemm: Gemm, input: Float32Array, output: Float32Array): void {
    const inDim = this.sizes[0];
    const outDim = this.sizes[this.sizes.length - 1];
    const rows = input.length / inDim;
    if (!Number.isInteger(rows) || output.length !== rows * outDim) {
      throw new ShapeError({
        input: "Mlp.forwardInto: input/output",
        problem: "lengths do not hold whole rows",
        expected: `input n×${inDim}, output n×${outDim}`,
        actual: `input ${input.length}, output ${output.length} elements`,
        fix: "size the buffers as rows × layer width",
      });
    }
    if (rows !== this.scratchRows) {
      this.scratch = this.sizes.slice(1, -1).map((s) => new Float32Array(rows * s));
      this.scratchRows = rows;
    }
    let current = input;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const target = i === this.layers.length - 1 ? output : this.scratch[i];
      layer.forwardInto(gemm, current, target, rows);
      current = target;
    }
  }

  /** Every layer's parameters, in layer order. */
  parameters(): Parameter[] {
    return this.layers.flatMap((layer) => layer.parameters());
  }

  /**
   * A copy of this network under the name `name` (same sizes, activations and weights): e.g. a
   * target network, moved towards this one by {@link Mlp.blendFrom}.
   */
  copy(name: string): Mlp {
    const activation = this.layers.length > 1 ? this.layers[0].activation : "identity";
    // The initial draw is overwritten at once; a fixed seed keeps the copy deterministic anyway.
    const twin = new Mlp(name, this.sizes, activation, Rng.fromSeed("mlp-copy"));
    twin.blendFrom(this, 1);
    return twin;
  }

  /**
   * Moves every weight τ of the way towards `source`'s, w ← (1 − τ)·w + τ·w_source (τ = 1
   * copies): the soft update of a target network. Throws a ShapeError when the sizes differ.
   */
  blendFrom(source: Mlp, tau: number): void {
    if (source.sizes.join() !== this.sizes.join()) {
      throw new ShapeError({
        input: "Mlp.blendFrom: source",
        problem: "has other layer sizes",
        expected: JSON.stringify(this.sizes),
        actual: JSON.stringify(source.sizes),
        fix: "blend from a network of the same shape (made by copy())",
      });
    }
    const from = source.parameters();
    const to = this.parameters();
    for (let p = 0; p < to.length; p++) {
      const target = to[p].value;
      const value = from[p].value;
      if (tau === 1) target.set(value);
      else for (let i = 0; i < target.length; i++) target[i] += tau * (value[i] - target[i]);
    }
  }
}
