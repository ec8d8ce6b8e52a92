/**
 * Deterministic string hashing and hash-derived values shared by the encoders: feature hashing
 * (hashing encoder), vectors for out-of-vocabulary words (word-vector encoder), and cache keys.
 * These are hash functions, not randomness: the same text always gives the same value.
 */

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`; an unsigned 32-bit integer. */
export function hashText(text: string, seed = 0): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return mix32(hash);
}

/** A 32-bit finaliser (murmur3 fmix32) so that nearby inputs give unrelated outputs. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Writes a unit-variance-like pseudo-vector derived from `hash` into `out[offset..offset+length)`,
 * values uniform in [-scale, scale]. Used for words a vocabulary lacks (ids, numbers).
 */
export function hashedVector(
  hash: number,
  out: Float32Array,
  offset: number,
  length: number,
  scale: number,
): void {
  let state = hash >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    out[offset + i] = ((mix32(state) / 4294967296) * 2 - 1) * scale;
  }
}
