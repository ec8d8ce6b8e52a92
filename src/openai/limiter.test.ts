import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { ConcurrencyLimiter, mapLimited } from "./limiter.js";

test("the limiter never runs more jobs at once than its limit", async () => {
  const limiter = new ConcurrencyLimiter(3);
  let active = 0;
  let peak = 0;
  const job = async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((resolve) => setImmediate(resolve));
    active--;
  };
  await Promise.all(Array.from({ length: 10 }, () => limiter.run(job)));
  assert.equal(peak, 3);
});

test("a failing job frees its slot for the next", async () => {
  const limiter = new ConcurrencyLimiter(1);
  await assert.rejects(
    limiter.run(async () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.equal(await limiter.run(async () => 7), 7);
});

test("mapLimited keeps the order of its inputs", async () => {
  const result = await mapLimited([3, 1, 2], 2, async (n) => {
    await new Promise((resolve) => setTimeout(resolve, n));
    return n * 10;
  });
  assert.deepEqual(result, [30, 10, 20]);
});

test("a limit below one is a ConfigError", () => {
  assert.throws(() => new ConcurrencyLimiter(0), ConfigError);
});
