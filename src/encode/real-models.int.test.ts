/**
 * Opt-in integration tests against real models (`node scripts/test.mjs --int src/encode`):
 *   TROUPE_EMBEDDINGS_URL=http://127.0.0.1:11434/v1 TROUPE_EMBEDDINGS_MODEL=nomic-embed-text
 *   TROUPE_TRANSFORMERS_MODEL=/path/to/all-MiniLM-L6-v2     (a transformers.js export)
 * Each block is skipped when its variables are not set.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeTextEncoder } from "../testing/text-encoder.js";
import { connectOpenAiEncoder } from "./openai-compatible.js";
import { loadTransformersEncoder } from "./transformers.js";

const url = process.env.TROUPE_EMBEDDINGS_URL;
const model = process.env.TROUPE_EMBEDDINGS_MODEL;
const modelFolder = process.env.TROUPE_TRANSFORMERS_MODEL;

describe("a real embeddings server", {
  skip: url && model ? false : "TROUPE_EMBEDDINGS_URL/MODEL not set",
}, () => {
  describeTextEncoder(
    `openai-compatible ${model}`,
    () => connectOpenAiEncoder({ baseUrl: url as string, model: model as string }),
    { tolerance: 1e-3, longTextWords: 300 },
  );
});

describe("a real local transformer model", {
  skip: modelFolder ? false : "TROUPE_TRANSFORMERS_MODEL not set",
}, () => {
  describeTextEncoder(
    `transformers ${modelFolder}`,
    () => loadTransformersEncoder({ path: modelFolder as string }),
    {
      longTextWords: 300,
    },
  );

  test("related task texts are closer than unrelated ones", async () => {
    const encoder = await loadTransformersEncoder({ path: modelFolder as string });
    const rows = await encoder.encode([
      "repair the broken engine",
      "fix the damaged motor",
      "paint the wooden fence",
    ]);
    const d = encoder.dimension;
    const dot = (a: number, b: number) =>
      rows.subarray(a * d, a * d + d).reduce((s, v, i) => s + v * rows[b * d + i], 0);
    assert.ok(dot(0, 1) > dot(0, 2));
    await encoder.close();
  });
});
