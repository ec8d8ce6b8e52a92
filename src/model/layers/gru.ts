/**
 * A GRU cell (PyTorch's `GRUCell`, gate order r, z, n) run over time-ordered rows: the input
 * gates of every row in one GEMM (`${name}.input`, in×3H), then the recurrence
 * ({@link gruSequence}, `${name}.recurrent.weight` H×3H and `.bias` 1×3H). Initialised as
 * PyTorch initialises it, every weight and bias from U(−1/√H, 1/√H): EPyMARL's RNNAgent is this
 * cell, and its first policy's near-uniform logits start from these scales.
 */
import type { Rng } from "../../core/prng.js";
import type { Graph } from "../graph.js";
import { gruSequence, type RecurrentLayout } from "../ops/gru.js";
import { Parameter, type Tensor } from "../tensor.js";
import { Linear } from "./linear.js";
import type { Module } from "./module.js";

/** A GRU cell owning its input projection and recurrent weights. */
export class Gru implements Module {
  readonly input: Linear;
  readonly recurrentWeight: Parameter;
  readonly recurrentBias: Parameter;

  /** Creates the cell, every parameter drawn from U(−1/√hidden, 1/√hidden) by `rng`. */
  constructor(
    name: string,
    readonly inDim: number,
    readonly hidden: number,
    rng: Rng,
  ) {
    this.input = new Linear(`${name}.input`, inDim, 3 * hidden, rng);
    this.recurrentWeight = new Parameter(`${name}.recurrent.weight`, hidden, 3 * hidden);
    this.recurrentBias = new Parameter(`${name}.recurrent.bias`, 1, 3 * hidden);
    const limit = 1 / Math.sqrt(hidden);
    for (const p of this.parameters())
      for (let i = 0; i < p.value.length; i++) p.value[i] = rng.uniform(-limit, limit);
  }

  /**
   * The states `[S × hidden]` of the rows of `x` (`[S × inDim]`) in `layout`, continuing the
   * carried-in `initial` states (`[K × hidden]`, or null when every row starts fresh or continues
   * a row of `x`).
   */
  forward(g: Graph, x: Tensor, initial: Tensor | null, layout: RecurrentLayout): Tensor {
    return this.recur(g, this.input.forward(g, x), initial, layout);
  }

  /**
   * {@link forward} on `[x, c]` where the row `c` is the same for every row (folded into the input
   * projection's bias, as {@link Linear.forwardWithConstant} does).
   */
  forwardWithConstant(
    g: Graph,
    x: Tensor,
    c: Tensor,
    initial: Tensor | null,
    layout: RecurrentLayout,
  ): Tensor {
    return this.recur(g, this.input.forwardWithConstant(g, x, c), initial, layout);
  }

  private recur(g: Graph, gates: Tensor, initial: Tensor | null, layout: RecurrentLayout): Tensor {
    return gruSequence(
      g,
      gates,
      g.param(this.recurrentWeight),
      g.param(this.recurrentBias),
      initial,
      layout,
    );
  }

  /** The input projection's weight and bias, then the recurrent weight and bias. */
  parameters(): Parameter[] {
    return [...this.input.parameters(), this.recurrentWeight, this.recurrentBias];
  }
}
