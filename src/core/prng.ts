/**
 * The seeded, splittable pseudo-random number generator behind every random draw in Troupe
 * (no `Math.random` anywhere). Algorithm: xoshiro128** (Blackman & Vigna, 2018), 128 bits of state
 * in four uint32 words: fast in JavaScript's 32-bit integer arithmetic and statistically strong
 * for simulation. Seeds and split keys are expanded with SplitMix32 so that nearby seeds give
 * unrelated streams.
 *
 * Splitting: `rng.split(key)` derives an independent child stream from the parent's current state
 * and a key, without advancing the parent (like JAX's `fold_in`), so adding a new consumer of
 * randomness does not shift the draws of the existing ones. `rng.fork()` advances the parent.
 */
import { ConfigError, InputError } from "./errors.js";

/** A serialisable snapshot of an {@link Rng}: restore it with {@link Rng.fromState}. */
export interface RngState {
  readonly algorithm: "xoshiro128**";
  readonly words: readonly [number, number, number, number];
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** A seeded xoshiro128** generator; see the file header for the splitting rules. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /**
   * A generator seeded from an integer or a string (strings are hashed, so `"run-3"` is a seed).
   * @example const rng = Rng.fromSeed(42); rng.float();
   */
  static fromSeed(seed: number | string): Rng {
    const base = typeof seed === "string" ? hashString(seed) : checkSeed(seed);
    return Rng.expand(base, 0);
  }

  /** Restores a generator saved with {@link Rng.getState}; the next draws continue exactly. */
  static fromState(state: RngState): Rng {
    const words = (state as { words?: unknown })?.words;
    const valid =
      state?.algorithm === "xoshiro128**" &&
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32);
    if (!valid) {
      throw new InputError({
        input: "PRNG state",
        problem: "not a saved xoshiro128** state",
        expected: '{ algorithm: "xoshiro128**", words: four uint32 integers }',
        actual: JSON.stringify(state),
        fix: "pass the object returned by rng.getState(), unmodified",
      });
    }
    const [a, b, c, d] = words as number[];
    return new Rng(a, b, c, d);
  }

  private static expand(seed: number, key: number): Rng {
    let x = (seed ^ Math.imul(key, 0x85ebca6b)) >>> 0;
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      out.push(splitMix32(x));
    }
    return new Rng(out[0], out[1], out[2], out[3]);
  }

  /** The state to save in a checkpoint. */
  getState(): RngState {
    return { algorithm: "xoshiro128**", words: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** A copy that will draw the same numbers as this generator, independently of it. */
  clone(): Rng {
    return new Rng(this.s0, this.s1, this.s2, this.s3);
  }

  /**
   * An independent child stream for `key`, derived from this generator's current state without
   * advancing it: the same key gives the same child until this generator draws again.
   */
  split(key: number | string): Rng {
    const k = typeof key === "string" ? hashString(key) : checkSeed(key);
    const mixed = splitMix32(this.s0 ^ splitMix32(this.s1 ^ splitMix32(this.s2 ^ this.s3)));
    return Rng.expand(mixed ^ splitMix32(k + 0x632be5ab), k);
  }

  /** An independent child stream; advances this generator by one draw. */
  fork(): Rng {
    return Rng.expand(this.nextUint32(), 0x2545f491);
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /** A uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new ConfigError({
        input: "rng.int(n)",
        problem: "n out of range",
        expected: `an integer in [1, ${TWO_POW_32}]`,
        actual: String(n),
        fix: "pass the number of outcomes to draw from",
      });
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** A standard normal draw (Box–Muller; two uniforms per draw, no cached spare in the state). */
  normal(mean = 0, std = 1): number {
    let u = this.float();
    while (u === 0) u = this.float();
    const v = this.float();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An index drawn with probability proportional to `weights[i]` (non-negative, not all zero). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    if (!(total > 0) || !Number.isFinite(total)) {
      throw new ConfigError({
        input: "rng.categorical(weights)",
        problem: "weights do not sum to a positive finite number",
        actual: `sum ${total}`,
        fix: "pass non-negative finite weights with at least one positive",
      });
    }
    let target = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i];
      if (target < 0 && weights[i] > 0) return i;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    return weights.length - 1;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new ConfigError({
        input: "rng.pick(items)",
        problem: "the array is empty",
        fix: "pick from a non-empty array",
      });
    }
    return items[this.int(items.length)];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitMix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units, finished with SplitMix32. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return splitMix32(h >>> 0);
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new ConfigError({
      input: "seed",
      problem: "not an integer",
      expected: "a safe integer or a string",
      actual: String(seed),
      fix: "use an integer seed such as 0, 1, 2",
    });
  }
  // Fold the high bits in, so that seeds differing only above bit 32 differ.
  const high = Math.floor(seed / TWO_POW_32);
  return (seed ^ splitMix32(high >>> 0)) >>> 0;
}
