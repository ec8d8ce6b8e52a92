import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { describeTextEncoder } from "../testing/text-encoder.js";
import { HashingEncoder } from "./hashing.js";

describeTextEncoder("hashing", () => new HashingEncoder());
describeTextEncoder("hashing, 64 buckets", () => new HashingEncoder({ dimension: 64 }));

describe("HashingEncoder", () => {
  test("its rows have unit length for non-empty texts", async () => {
    const encoder = new HashingEncoder({ dimension: 128 });
    const rows = await encoder.encode(["move to site 3"]);
    const norm = Math.sqrt(rows.reduce((sum, v) => sum + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-6, `norm ${norm}`);
  });

  test("a bag of words (maxNgram 1) cannot tell word orders apart", async () => {
    const encoder = new HashingEncoder({ maxNgram: 1 });
    const rows = await encoder.encode(["a helps b", "b helps a"]);
    assert.deepEqual(rows.subarray(0, 512), rows.subarray(512));
  });

  test("its identity changes with its options", () => {
    const ids = new Set([
      new HashingEncoder().identity,
      new HashingEncoder({ dimension: 256 }).identity,
      new HashingEncoder({ maxNgram: 3 }).identity,
    ]);
    assert.equal(ids.size, 3);
  });

  test("it rejects a dimension out of range with a ConfigError naming the option", () => {
    assert.throws(
      () => new HashingEncoder({ dimension: 0 }),
      (error: unknown) => {
        return error instanceof ConfigError && error.input.includes("dimension");
      },
    );
  });
});
