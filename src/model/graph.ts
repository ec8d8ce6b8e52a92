/**
 * The model layer's autodiff: a small define-by-run tape. This header is the design note of
 * `src/model/`.
 *
 * Design
 * - Values are row-major `Float32Array` matrices. A {@link Parameter} (value + grad, a name that is
 *   its checkpoint key) lives across steps; a {@link Tensor} is one node of one step's graph.
 * - Ops are plain functions in `ops/` that take the {@link Graph} first (`dense(g, x, w, b,
 *   "tanh")`). Each checks its shapes at the top (ShapeError naming the tensor), computes its
 *   output into a buffer from the graph's {@link BufferPool}, and, when a trainable value flows
 *   in, records a backward closure on the tape. `graph.backward(loss)` runs the tape in reverse;
 *   gradients of parameters accumulate straight into `Parameter.grad`.
 * - `graph.reset()` at the start of each step hands every buffer back to the pool. A training
 *   loop builds the same graph every step, so after the first step no `Float32Array` is
 *   allocated (`pool.allocations` stays constant; a test checks it). Each tensor carries the
 *   step it belongs to, and an op given a tensor of an earlier step throws a StateError instead
 *   of reading a buffer that now holds something else.
 * - Every matrix product goes through the {@link Gemm} the graph was built with (the backend is
 *   a run's config choice, never imported by a layer). Ragged per-segment work (softmax over a
 *   variable number of candidates, attention over a variable-length set of keys) is hand-written
 *   loops: its segments are a few rows long, far below where a GEMM call pays.
 * - Elementwise work is fused where it sits on the hot path: `dense` adds the bias and applies the
 *   activation in one loop, its backward forms `dPre` once for the bias, weight and input
 *   gradients; Adam updates moments and parameters in one pass. The tanh layer's two loops also exist as
 *   WebAssembly SIMD kernels (ops/simd.ts) that give the same bits.
 * - Layers (`layers/`) own Parameters and offer `forward(g, x)` on the tape; `Mlp` also has a
 *   tape-free `forwardInto(input, output)` on preallocated buffers for inference.
 * - Segments: ragged batches are rows grouped by an `offsets: Int32Array` of length
 *   `segments + 1` (segment `s` is rows `[offsets[s], offsets[s+1])`), as in CSR matrices.
 */
import { NumericError, ShapeError, StateError } from "../core/errors.js";
import type { Gemm } from "./gemm.js";
import { BufferPool } from "./pool.js";
import { type Parameter, Tensor } from "./tensor.js";

let nextGeneration = 1;

/**
 * One step's computation graph: the tape, the buffer pool and the GEMM backend.
 * @example
 * const g = new Graph(resolveGemm("auto"));
 * for (const batch of batches) {
 *   g.reset();
 *   const logProbs = maskedLogSoftmax(g, mlp.forward(g, g.input("obs", batch.obs, n, d)), offsets);
 *   g.backward(policyGradientLoss(g, logProbs, batch.chosen, batch.advantages));
 *   adam.step();
 * }
 */
export class Graph {
  readonly pool = new BufferPool();
  private readonly tape: (() => void)[] = [];
  private tapeLength = 0;
  private backwardDone = false;
  // Unique across graphs, so a tensor of another graph is caught like one of an earlier step.
  private generation = nextGeneration++;

  /**
   * A graph whose matrix products run on `gemm`. With `recordGradients: false` parameters enter
   * as constants and no op records a backward pass (rollouts, evaluation).
   */
  constructor(
    readonly gemm: Gemm,
    options: { readonly recordGradients?: boolean } = {},
  ) {
    this.recordGradients = options.recordGradients ?? true;
  }

  /** Whether parameters are trainable in this graph (false: forward only, nothing on the tape). */
  readonly recordGradients: boolean;

  /** Starts a new step: clears the tape and hands every pooled buffer back. */
  reset(): void {
    this.tapeLength = 0;
    this.backwardDone = false;
    this.generation = nextGeneration++;
    this.pool.reset();
  }

  /** Wraps caller-owned data as a constant `rows × cols` input (no gradient, no copy). */
  input(name: string, data: Float32Array, rows: number, cols: number): Tensor {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new ShapeError({
        input: `input "${name}"`,
        problem: "has an invalid shape",
        expected: "non-negative integer rows and cols",
        actual: `${rows}×${cols}`,
        fix: "pass the number of rows and columns of the data",
      });
    }
    if (data.length !== rows * cols) {
      throw new ShapeError({
        input: `input "${name}"`,
        problem: "data length does not match its shape",
        expected: `${rows}×${cols} = ${rows * cols} elements`,
        actual: `${data.length} elements`,
        fix: "pass rows and cols that describe the data, or a subarray of the right length",
      });
    }
    return new Tensor(name, rows, cols, data, false, this.generation);
  }

  /** The node of a parameter; backward accumulates into `param.grad` (when recording). */
  param(param: Parameter): Tensor {
    const node = new Tensor(
      param.name,
      param.rows,
      param.cols,
      param.value,
      this.recordGradients,
      this.generation,
    );
    if (this.recordGradients) node.grad = param.grad;
    return node;
  }

  /**
   * A fresh pooled `rows × cols` output node of an op reading `inputs` (content arbitrary until
   * the op writes it). It requires a gradient when any input does. Throws a StateError when an
   * input is from an earlier step: its buffer may already hold another tensor's values.
   */
  output(name: string, rows: number, cols: number, inputs: readonly (Tensor | null)[]): Tensor {
    let requiresGrad = false;
    for (const input of inputs) {
      if (input === null) continue;
      this.expectCurrent(input, name);
      requiresGrad ||= input.requiresGrad;
    }
    return new Tensor(name, rows, cols, this.pool.take(rows * cols), requiresGrad, this.generation);
  }

  /**
   * A `rows × cols` node over `value`, a part of `source`'s storage (no copy), e.g. some of its
   * rows. With `grad` (the same part of the source's gradient), what flows into the view lands in
   * the source. Throws a StateError when `source` is from an earlier step.
   */
  view(
    name: string,
    source: Tensor,
    value: Float32Array,
    grad: Float32Array | null,
    rows: number,
    cols: number,
  ): Tensor {
    this.expectCurrent(source, name);
    const node = new Tensor(name, rows, cols, value, grad !== null, this.generation);
    node.grad = grad;
    return node;
  }

  /** Throws a StateError unless `tensor` belongs to this graph's current step. */
  private expectCurrent(tensor: Tensor, user: string): void {
    if (tensor.generation !== this.generation) {
      throw new StateError({
        input: `tensor "${tensor.name}" used by ${user}`,
        problem: "belongs to an earlier step of this graph (or to another graph)",
        expected: "a tensor built since this graph's last reset()",
        actual: "a tensor of an earlier step or another graph",
        fix: "rebuild the tensor after graph.reset(), or copy its values out before the reset",
      });
    }
  }

  /** Records an op's backward closure; it runs during {@link Graph.backward}, in reverse order. */
  record(backward: () => void): void {
    if (this.tapeLength === this.tape.length) this.tape.push(backward);
    else this.tape[this.tapeLength] = backward;
    this.tapeLength++;
  }

  /** The gradient buffer of `tensor`, attached (zero-filled, from the pool) on first use. */
  gradOf(tensor: Tensor): Float32Array {
    if (tensor.grad === null) tensor.grad = this.pool.takeZeroed(tensor.size);
    return tensor.grad;
  }

  /**
   * Back-propagates from a 1×1 `loss`: every parameter that flows into it gets `∂loss/∂param`
   * added to its `grad`. Throws a NumericError when the loss is NaN or infinite.
   */
  backward(loss: Tensor): void {
    if (loss.size !== 1) {
      throw new ShapeError({
        input: `backward: loss "${loss.name}"`,
        problem: "is not a scalar",
        expected: "1×1",
        actual: loss.shapeText,
        fix: "reduce the loss to one number (sum or mean) before calling backward",
      });
    }
    const value = loss.value[0];
    if (!Number.isFinite(value)) {
      throw new NumericError({
        input: `loss "${loss.name}"`,
        problem: "is not finite",
        expected: "a finite number",
        actual: String(value),
        fix: "lower the learning rate, check the inputs for NaN/Inf, or enable gradient clipping",
      });
    }
    this.gradOf(loss)[0] += 1;
    this.runTape();
  }

  /**
   * Back-propagates a given gradient `seed` of any `output` (a vector-Jacobian product): what
   * gradient checks and custom losses use.
   */
  backwardFrom(output: Tensor, seed: Float32Array): void {
    if (seed.length !== output.size) {
      throw new ShapeError({
        input: `backwardFrom: seed for "${output.name}"`,
        problem: "has the wrong length",
        expected: `${output.size} (${output.shapeText})`,
        actual: String(seed.length),
        fix: "pass one gradient value per element of the output",
      });
    }
    const grad = this.gradOf(output);
    for (let i = 0; i < seed.length; i++) grad[i] += seed[i];
    this.runTape();
  }

  private runTape(): void {
    // A second pass would add every intermediate gradient again on top of the first.
    if (this.backwardDone) {
      throw new StateError({
        input: "graph.backward",
        problem: "called twice on one step's graph",
        expected: "one backward pass per graph.reset()",
        actual: "a second backward pass",
        fix: "call graph.reset() and rebuild the graph before the next backward pass; to combine losses, add them (add(g, a, b)) and call backward once",
      });
    }
    this.backwardDone = true;
    for (let i = this.tapeLength - 1; i >= 0; i--) this.tape[i]();
  }
}
