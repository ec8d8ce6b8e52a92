/**
 * A pool of `Float32Array` buffers for one training step. A graph takes its buffers from the
 * pool and gives them all back with {@link BufferPool.reset} at the start of the next step;
 * since a training loop builds the same graph every step, after the first step every request is
 * served from the pool and no new arrays are allocated.
 */

interface SizeClass {
  readonly buffers: Float32Array[];
  used: number;
}

/** Reusable buffers grouped by exact length. */
export class BufferPool {
  private readonly classes = new Map<number, SizeClass>();
  private allocated = 0;

  /** A buffer of exactly `length` elements with arbitrary content (the caller overwrites it). */
  take(length: number): Float32Array {
    let sizeClass = this.classes.get(length);
    if (sizeClass === undefined) {
      sizeClass = { buffers: [], used: 0 };
      this.classes.set(length, sizeClass);
    }
    if (sizeClass.used === sizeClass.buffers.length) {
      sizeClass.buffers.push(new Float32Array(length));
      this.allocated++;
    }
    return sizeClass.buffers[sizeClass.used++];
  }

  /** A zero-filled buffer of exactly `length` elements. */
  takeZeroed(length: number): Float32Array {
    return this.take(length).fill(0);
  }

  /** Marks every buffer free again; buffers handed out before must no longer be used. */
  reset(): void {
    for (const sizeClass of this.classes.values()) sizeClass.used = 0;
  }

  /** How many arrays the pool has ever allocated: constant in a steady-state training loop. */
  get allocations(): number {
    return this.allocated;
  }
}
