/**
 * A pool of `Float32Array` buffers for one training step. A graph takes its buffers from the
 * pool and gives them all back with {@link BufferPool.reset} at the start of the next step.
 *
 * Buffers are grouped by capacity, a power of two, so that ragged batches (a different number of
 * candidates or messages every step) reuse the same memory instead of growing one size class per
 * length seen. A request shorter than its capacity gets a `subarray` view, and each slot keeps
 * its last view: a training loop that builds the same graph every step allocates nothing after
 * the first step, and one whose lengths vary allocates backing memory only when a step needs more
 * buffers of a capacity than any step before (at most 2× the memory asked for).
 */

interface SizeClass {
  readonly buffers: Float32Array[];
  /** The view last handed out from each buffer (the buffer itself when the length was full). */
  readonly views: Float32Array[];
  used: number;
}

/** Reusable buffers grouped by power-of-two capacity. */
export class BufferPool {
  private readonly classes = new Map<number, SizeClass>();
  private allocated = 0;

  /** A buffer of exactly `length` elements with arbitrary content (the caller overwrites it). */
  take(length: number): Float32Array {
    const capacity = length <= 1 ? 1 : 2 ** (32 - Math.clz32(length - 1));
    let sizeClass = this.classes.get(capacity);
    if (sizeClass === undefined) {
      sizeClass = { buffers: [], views: [], used: 0 };
      this.classes.set(capacity, sizeClass);
    }
    const slot = sizeClass.used++;
    if (slot === sizeClass.buffers.length) {
      const buffer = new Float32Array(capacity);
      sizeClass.buffers.push(buffer);
      sizeClass.views.push(buffer);
      this.allocated++;
    }
    const view = sizeClass.views[slot];
    if (view.length === length) return view;
    const fresh = sizeClass.buffers[slot].subarray(0, length);
    sizeClass.views[slot] = fresh;
    return fresh;
  }

  /** A zero-filled buffer of exactly `length` elements. */
  takeZeroed(length: number): Float32Array {
    return this.take(length).fill(0);
  }

  /** Marks every buffer free again; buffers handed out before must no longer be used. */
  reset(): void {
    for (const sizeClass of this.classes.values()) sizeClass.used = 0;
  }

  /** How many backing arrays the pool has allocated: constant once a loop reaches steady state. */
  get allocations(): number {
    return this.allocated;
  }
}
