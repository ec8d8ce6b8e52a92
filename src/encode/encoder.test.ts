import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../core/errors.js";
import { checkEncoderMatches, describeEncoder } from "./encoder.js";
import { HashingEncoder } from "./hashing.js";

test("describeEncoder records the name, dimension and identity", () => {
  const record = describeEncoder(new HashingEncoder({ dimension: 64 }));
  assert.deepEqual(record, { name: "hashing", dimension: 64, identity: "hashing:v2:d=64:n=2" });
});

test("a checkpoint trained on another dimension is a ShapeError naming both", () => {
  const saved = describeEncoder(new HashingEncoder({ dimension: 64 }));
  assert.throws(
    () =>
      checkEncoderMatches(new HashingEncoder({ dimension: 128 }), saved, "runs/a/checkpoint.bin"),
    (error: unknown) =>
      error instanceof ShapeError &&
      error.input.includes("runs/a/checkpoint.bin") &&
      error.expected?.includes("64") === true &&
      error.actual?.includes("128") === true,
  );
});

test("a checkpoint from an encoder of the same dimension but another identity is refused", () => {
  const saved = describeEncoder(new HashingEncoder({ dimension: 64, maxNgram: 1 }));
  assert.throws(
    () => checkEncoderMatches(new HashingEncoder({ dimension: 64 }), saved, "ckpt"),
    /another encoder/,
  );
});

test("the encoder a checkpoint was trained with passes the check", () => {
  const encoder = new HashingEncoder({ dimension: 64 });
  assert.doesNotThrow(() => checkEncoderMatches(encoder, describeEncoder(encoder), "ckpt"));
});
