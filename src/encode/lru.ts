/**
 * A least-recently-used map with a fixed capacity, on JavaScript's insertion-ordered `Map`: a hit
 * moves the entry to the back, an insert past capacity drops the front.
 */
import { ConfigError } from "../core/errors.js";

/** An LRU map holding at most `capacity` entries. */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new ConfigError({
        input: "LRU capacity",
        problem: "not a non-negative integer",
        actual: String(capacity),
        fix: "pass a row count such as 100000 (0 turns the memory cache off)",
      });
    }
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** The value for `key`, marking it most recently used; `undefined` when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used, dropping the least recently used past capacity. */
  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
