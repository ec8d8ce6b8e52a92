import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ShapeError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { describeTextEncoder } from "../testing/text-encoder.js";
import { type VectorTable, WordVectorEncoder } from "./word-vectors.js";

/** A small table of seeded random vectors for common task words. */
function smallTable(): VectorTable {
  const words = [
    "move",
    "to",
    "site",
    "assign",
    "agent",
    "task",
    "helps",
    "the",
    "wait",
    "1",
    "2",
    "3",
    "5",
  ];
  const rng = Rng.fromSeed("word-vectors-test");
  const vectors = Float32Array.from({ length: words.length * 8 }, () => rng.uniform(-1, 1));
  return { words, dimension: 8, vectors, checksum: "test" };
}

describeTextEncoder(
  "word vectors (small random table)",
  () => new WordVectorEncoder("small", smallTable()),
);

function distance(rows: Float32Array, a: number, b: number, d: number): number {
  let sum = 0;
  for (let i = 0; i < d; i++) sum += (rows[a * d + i] - rows[b * d + i]) ** 2;
  return Math.sqrt(sum);
}

describe("WordVectorEncoder", () => {
  test("its rows are twice the word dimension: a mean block and a position block", () => {
    assert.equal(new WordVectorEncoder("small", smallTable()).dimension, 16);
  });

  test("a one-word text is its word vector, scaled to unit length, with an empty position block", async () => {
    const table = smallTable();
    const rows = await new WordVectorEncoder("small", table).encode(["move"]);
    const word = table.vectors.subarray(0, 8);
    const norm = Math.hypot(...word);
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(rows[i] - word[i] / norm) < 1e-6);
    for (let i = 8; i < 16; i++) assert.equal(rows[i], 0);
  });

  test("swapping two words changes the position block, not the direction of the mean block", async () => {
    const rows = await new WordVectorEncoder("small", smallTable()).encode([
      "agent 1 helps agent 2",
      "agent 2 helps agent 1",
    ]);
    // Rows are scaled to unit length as a whole, so the mean blocks agree up to a factor.
    const unit = (block: Float32Array) => Array.from(block, (v) => v / Math.hypot(...block));
    const [first, second] = [unit(rows.subarray(0, 8)), unit(rows.subarray(16, 24))];
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(first[i] - second[i]) < 1e-6);
    assert.ok(distance(rows, 0, 1, 16) > 0.05);
  });

  test("an out-of-vocabulary word gets a vector of its own", async () => {
    const rows = await new WordVectorEncoder("small", smallTable()).encode([
      "move to zorblax",
      "move to quuxite",
    ]);
    assert.ok(distance(rows, 0, 1, 16) > 0.05);
  });

  test("its identity names the table's checksum", () => {
    assert.match(new WordVectorEncoder("small", smallTable()).identity, /table=test/);
  });

  test("vectors that do not fit the word list are a ShapeError", () => {
    const table = { ...smallTable(), vectors: new Float32Array(3) };
    assert.throws(() => new WordVectorEncoder("small", table), ShapeError);
  });
});
