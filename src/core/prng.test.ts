import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "./prng.js";

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

describe("Rng", () => {
  test("the same seed gives the same stream", () => {
    assert.deepEqual(draws(Rng.fromSeed(7), 100), draws(Rng.fromSeed(7), 100));
  });

  test("different seeds give different streams", () => {
    assert.notDeepEqual(draws(Rng.fromSeed(7), 10), draws(Rng.fromSeed(8), 10));
    assert.notDeepEqual(draws(Rng.fromSeed(0), 10), draws(Rng.fromSeed(2 ** 32), 10));
  });

  test("string seeds are stable and distinct", () => {
    assert.deepEqual(draws(Rng.fromSeed("run-1"), 5), draws(Rng.fromSeed("run-1"), 5));
    assert.notDeepEqual(draws(Rng.fromSeed("run-1"), 5), draws(Rng.fromSeed("run-2"), 5));
  });

  test("a restored state continues the stream exactly", () => {
    const rng = Rng.fromSeed(3);
    draws(rng, 17);
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = draws(rng, 50);
    assert.deepEqual(draws(Rng.fromState(saved), 50), expected);
  });

  test("fromState rejects a foreign state and names the fix", () => {
    assert.throws(
      () => Rng.fromState({ algorithm: "xoshiro128**", words: [1, 2, 3] } as never),
      /PRNG state: not a saved xoshiro128\*\* state.*Fix: pass the object returned by rng.getState/,
    );
  });

  test("split does not advance the parent and gives a stable child per key", () => {
    const parent = Rng.fromSeed(11);
    const a1 = draws(parent.split("env"), 5);
    const a2 = draws(parent.split("env"), 5);
    const b = draws(parent.split("policy"), 5);
    assert.deepEqual(a1, a2);
    assert.notDeepEqual(a1, b);
    assert.deepEqual(draws(parent, 5), draws(Rng.fromSeed(11), 5));
  });

  test("fork advances the parent and gives a different stream", () => {
    const parent = Rng.fromSeed(11);
    const child = parent.fork();
    const reference = Rng.fromSeed(11);
    reference.nextUint32();
    assert.deepEqual(draws(parent, 5), draws(reference, 5));
    assert.notDeepEqual(draws(child, 5), draws(Rng.fromSeed(11), 5));
  });

  test("float is in [0, 1) with a mean near one half", () => {
    const rng = Rng.fromSeed(5);
    let sum = 0;
    const count = 100_000;
    for (let i = 0; i < count; i++) {
      const x = rng.float();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    // Standard error of the mean is 1/sqrt(12 n) ≈ 0.0009; 5 standard errors.
    assert.ok(Math.abs(sum / count - 0.5) < 0.0046);
  });

  test("int is unbiased over a range that does not divide 2^32", () => {
    const rng = Rng.fromSeed(9);
    const counts = new Array(3).fill(0);
    const n = 90_000;
    for (let i = 0; i < n; i++) counts[rng.int(3)] += 1;
    // Each count is Binomial(n, 1/3): std ≈ 141; allow 5 std.
    for (const c of counts) assert.ok(Math.abs(c - n / 3) < 710, `count ${c}`);
  });

  test("int rejects a non-positive range with a message naming it", () => {
    assert.throws(() => Rng.fromSeed(1).int(0), /rng\.int\(n\): n out of range/);
  });

  test("normal draws have mean 0 and standard deviation 1", () => {
    const rng = Rng.fromSeed(13);
    let sum = 0;
    let sumSq = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean) < 0.016);
    assert.ok(Math.abs(Math.sqrt(sumSq / n - mean * mean) - 1) < 0.012);
  });

  test("categorical follows the weights and never picks a zero weight", () => {
    const rng = Rng.fromSeed(21);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.categorical([1, 0, 3])] += 1;
    assert.equal(counts[1], 0);
    assert.ok(Math.abs(counts[2] / 30_000 - 0.75) < 0.015);
  });

  test("shuffle returns a permutation, reproducibly", () => {
    const a = Rng.fromSeed(4).shuffle([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = Rng.fromSeed(4).shuffle([0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(a, b);
    assert.deepEqual([...a].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
