/** The buffer pool: exact lengths, reuse across steps, bounded growth under ragged lengths. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/prng.js";
import { BufferPool } from "./pool.js";

test("a buffer has exactly the requested length and is handed out again after reset", () => {
  const pool = new BufferPool();
  const first = pool.take(100);
  const second = pool.take(100);
  assert.equal(first.length, 100);
  assert.notEqual(first.buffer, second.buffer);
  pool.reset();
  assert.equal(pool.take(100), first);
  assert.equal(pool.allocations, 2);
});

test("steps with different lengths share memory instead of allocating per length", () => {
  const rng = Rng.fromSeed("ragged-pool");
  const pool = new BufferPool();
  for (let step = 0; step < 200; step++) {
    pool.reset();
    // Three buffers a step, each 65–128 elements long: one capacity class of 128.
    for (let i = 0; i < 3; i++) assert.equal(pool.take(65 + rng.int(64)).length >= 65, true);
  }
  assert.equal(pool.allocations, 3);
});

test("takeZeroed clears what an earlier step left in the buffer", () => {
  const pool = new BufferPool();
  pool.take(5).fill(7);
  pool.reset();
  assert.deepEqual(Array.from(pool.takeZeroed(5)), [0, 0, 0, 0, 0]);
});
