/**
 * The two value types of the model layer: {@link Parameter} (a trainable matrix that lives
 * across steps, with its gradient) and {@link Tensor} (a node of one step's graph). Both are
 * row-major matrices on `Float32Array`; a vector is a matrix with one column or one row.
 */

/** A trainable matrix: its value and the gradient accumulated by backward passes. */
export class Parameter {
  /** Gradient of the loss with respect to `value`, same length; zeroed by the optimiser. */
  readonly grad: Float32Array;
  readonly value: Float32Array;

  /** Creates a zero-filled `rows × cols` parameter named `name` (names are checkpoint keys). */
  constructor(
    readonly name: string,
    readonly rows: number,
    readonly cols: number,
  ) {
    this.value = new Float32Array(rows * cols);
    this.grad = new Float32Array(rows * cols);
  }

  /** The shape as `[rows, cols]`, as written in checkpoints and error messages. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }
}

/**
 * A matrix in one step's graph. `value` is owned by the graph's buffer pool (or by the caller
 * for inputs, or by a {@link Parameter}); `grad` is attached lazily during backward and is null
 * for tensors that no trainable parameter flows into.
 */
export class Tensor {
  grad: Float32Array | null = null;

  /**
   * Wraps `value` as a `rows × cols` node; `requiresGrad` says whether backward reaches it;
   * `generation` is the graph step it belongs to (its buffers are reused after that step).
   */
  constructor(
    readonly name: string,
    readonly rows: number,
    readonly cols: number,
    readonly value: Float32Array,
    readonly requiresGrad: boolean,
    readonly generation: number,
  ) {}

  /** Number of elements, `rows · cols`. */
  get size(): number {
    return this.rows * this.cols;
  }

  /** The shape as text for error messages, e.g. `"4×16"`. */
  get shapeText(): string {
    return `${this.rows}×${this.cols}`;
  }
}
