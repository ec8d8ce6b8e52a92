/** The label encoder: one fixed, independent unit row per distinct text. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { LBF_ACTIONS } from "../env/lbf/foraging.js";
import { HashingEncoder } from "./hashing.js";
import { LabelEncoder } from "./label.js";

function cosine(rows: Float32Array, d: number, i: number, j: number): number {
  let dot = 0;
  for (let k = 0; k < d; k++) dot += rows[i * d + k] * rows[j * d + k];
  return dot;
}

test("the label encoder gives the same unit row for the same text, in any batch", async () => {
  const encoder = new LabelEncoder();
  const a = await encoder.encode(["load", "none"]);
  const b = await encoder.encode(["none", "load", "load"]);
  const d = encoder.dimension;
  assert.deepEqual(Array.from(a.subarray(0, d)), Array.from(b.subarray(d, 2 * d)));
  assert.deepEqual(Array.from(b.subarray(d, 2 * d)), Array.from(b.subarray(2 * d, 3 * d)));
  assert.ok(Math.abs(cosine(a, d, 0, 0) - 1) < 1e-6);
});

test("LBF's action names are far apart under the label encoder, where 8 hashing buckets tie them in opposite pairs", async () => {
  const names = [...LBF_ACTIONS];
  const hashing = new HashingEncoder({ dimension: 8 });
  const hashed = await hashing.encode(names);
  // The bug this encoder exists for: "none" = −"load" and "west" = −"east" in 8 buckets.
  assert.ok(cosine(hashed, 8, names.indexOf("none"), names.indexOf("load")) < -0.99);
  assert.ok(cosine(hashed, 8, names.indexOf("west"), names.indexOf("east")) < -0.99);
  const label = new LabelEncoder();
  const rows = await label.encode(names);
  for (let i = 0; i < names.length; i++)
    for (let j = 0; j < i; j++)
      assert.ok(Math.abs(cosine(rows, label.dimension, i, j)) < 0.8, `${names[i]} / ${names[j]}`);
});

test("a label encoder dimension out of range is a ConfigError naming the option", () => {
  assert.throws(
    () => new LabelEncoder({ dimension: 1 }),
    (e: unknown) => e instanceof ConfigError && /label encoder: dimension/.test(e.message),
  );
});
