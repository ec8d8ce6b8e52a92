/**
 * `describeTextEncoder`: the conformance suite every {@link TextEncoder} runs through. It checks
 * the contract the policy and the feature cache rely on: a fixed dimension, a stable identity,
 * determinism, batch-independence, and finite rows for empty, very long and non-ASCII texts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TextEncoder } from "../encode/encoder.js";

/** Options of {@link describeTextEncoder}. */
export interface TextEncoderSuiteOptions {
  /**
   * Largest absolute difference allowed between a row encoded in a batch and alone (padding in
   * batched transformer inference moves the last bits). Default 1e-5.
   */
  readonly tolerance?: number;
  /** Words in the "very long text" case. Default 20,000. */
  readonly longTextWords?: number;
  /** Whether the encoder must tell "A helps B" from "B helps A". Default true. */
  readonly keepsWordOrder?: boolean;
}

const SAMPLE_TEXTS = [
  "Agent 3 moves to site 2.",
  "assign agent 2 to task 5",
  "assign agent 5 to task 2",
  "The deadline of subtask B is step 14; it needs the welding skill.",
  "Resource pool: 12 units of water, 4 units of fuel, replenished every 3 steps.",
  "message from agent 1: I will take the north depot",
  "wait",
];

const NON_ASCII_TEXTS = [
  "Zürich → Genève, café crème",
  "東京の倉庫へ移動する",
  "emoji 🚚📦 done ✓",
];

/**
 * Registers the conformance tests for the encoder built by `makeEncoder` (called once; the
 * encoder is closed after the suite).
 * @example describeTextEncoder("hashing", () => new HashingEncoder());
 */
export function describeTextEncoder(
  label: string,
  makeEncoder: () => TextEncoder | Promise<TextEncoder>,
  options: TextEncoderSuiteOptions = {},
): void {
  const tolerance = options.tolerance ?? 1e-5;
  const longTextWords = options.longTextWords ?? 20_000;
  const keepsWordOrder = options.keepsWordOrder ?? true;

  describe(`TextEncoder conformance: ${label}`, () => {
    let encoder: TextEncoder;
    before(async () => {
      encoder = await makeEncoder();
    });
    after(async () => {
      await encoder?.close?.();
    });

    test("it states a positive integer dimension, a name and a non-empty identity", () => {
      assert.ok(
        Number.isInteger(encoder.dimension) && encoder.dimension > 0,
        `dimension must be a positive integer, got ${encoder.dimension}. Fix: set it once in the constructor`,
      );
      assert.ok(encoder.name.length > 0, "name must not be empty. Fix: name the encoder's kind");
      assert.ok(
        encoder.identity.length > 0 && encoder.identity.includes(encoder.name),
        `identity must be non-empty and contain the name, got "${encoder.identity}". Fix: build it from the name, model and options`,
      );
    });

    test("it returns one row of the stated dimension per text", async () => {
      const rows = await encoder.encode(SAMPLE_TEXTS);
      assert.ok(rows instanceof Float32Array, "encode must resolve to a Float32Array");
      assert.equal(rows.length, SAMPLE_TEXTS.length * encoder.dimension);
      assert.equal((await encoder.encode([])).length, 0, "an empty batch gives an empty array");
    });

    test("it encodes the same texts to the same rows every time", async () => {
      const first = await encoder.encode(SAMPLE_TEXTS);
      const second = await encoder.encode(SAMPLE_TEXTS);
      assert.deepEqual(
        second,
        first,
        "encoding must be deterministic. Fix: seed or remove randomness",
      );
    });

    test("it gives each text the same row in a batch as alone", async () => {
      const batch = await encoder.encode(SAMPLE_TEXTS);
      for (let i = 0; i < SAMPLE_TEXTS.length; i++) {
        const alone = await encoder.encode([SAMPLE_TEXTS[i]]);
        const diff = maxAbsDifference(alone, 0, batch, i * encoder.dimension, encoder.dimension);
        assert.ok(
          diff <= tolerance,
          `text ${i} differs by ${diff} between batch and alone (tolerance ${tolerance}). Fix: make rows independent of their batch`,
        );
      }
    });

    test("it gives finite values for every sample text", async () => {
      assertFinite(await encoder.encode(SAMPLE_TEXTS), "sample texts");
    });

    test("it gives distinct texts distinct rows", async () => {
      const rows = await encoder.encode(SAMPLE_TEXTS);
      const d = encoder.dimension;
      for (let a = 0; a < SAMPLE_TEXTS.length; a++) {
        for (let b = a + 1; b < SAMPLE_TEXTS.length; b++) {
          assert.ok(
            maxAbsDifference(rows, a * d, rows, b * d, d) > 0,
            `"${SAMPLE_TEXTS[a]}" and "${SAMPLE_TEXTS[b]}" encode identically. Fix: use more of the text`,
          );
        }
      }
    });

    test("it encodes the empty text to a finite row", async () => {
      const rows = await encoder.encode(["", "   "]);
      assert.equal(rows.length, 2 * encoder.dimension);
      assertFinite(rows, "the empty text");
    });

    test("it encodes a very long text to a finite row", async () => {
      const words = Array.from({ length: longTextWords }, (_, i) => `word${i % 97} step ${i}`);
      const rows = await encoder.encode([words.join(" ")]);
      assert.equal(rows.length, encoder.dimension);
      assertFinite(rows, `a text of ${longTextWords} words`);
    });

    test("it encodes non-ASCII texts to finite, distinct rows", async () => {
      const rows = await encoder.encode(NON_ASCII_TEXTS);
      assertFinite(rows, "non-ASCII texts");
      const d = encoder.dimension;
      assert.ok(
        maxAbsDifference(rows, 0, rows, d, d) > 0,
        "two non-ASCII texts encode identically",
      );
    });

    if (keepsWordOrder) {
      test('it tells "A helps B" from "B helps A"', async () => {
        const rows = await encoder.encode(["agent 1 helps agent 2", "agent 2 helps agent 1"]);
        const d = encoder.dimension;
        assert.ok(
          maxAbsDifference(rows, 0, rows, d, d) > 0,
          "swapping who helps whom does not change the row. Fix: pool with word order (n-grams, positions)",
        );
      });
    }
  });
}

function maxAbsDifference(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  length: number,
): number {
  let max = 0;
  for (let i = 0; i < length; i++) max = Math.max(max, Math.abs(a[aOffset + i] - b[bOffset + i]));
  return max;
}

function assertFinite(rows: Float32Array, what: string): void {
  const bad = rows.findIndex((v) => !Number.isFinite(v));
  assert.equal(bad, -1, `${what}: value ${bad} is ${rows[bad]}. Fix: guard divisions and norms`);
}
