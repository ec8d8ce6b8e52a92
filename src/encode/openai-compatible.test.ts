import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BackendError } from "../core/errors.js";
import {
  type FakeOpenAiServer,
  fakeEmbedding,
  startFakeOpenAiServer,
} from "../openai/fake-server.js";
import { describeTextEncoder } from "../testing/text-encoder.js";
import { connectOpenAiEncoder } from "./openai-compatible.js";

describe("openai-compatible encoder", () => {
  let server: FakeOpenAiServer;
  before(async () => {
    server = await startFakeOpenAiServer({ embeddingDimension: 24 });
  });
  after(async () => {
    await server.close();
  });

  describeTextEncoder(
    "openai-compatible (fake server)",
    () => connectOpenAiEncoder({ baseUrl: server.url, model: "fake-embed", embeddingBatchSize: 4 }),
    // The fake server's vectors come from the whole text, so word order shows.
    { longTextWords: 2_000 },
  );

  test("it packs the server's vectors into rows", async () => {
    const encoder = await connectOpenAiEncoder({ baseUrl: server.url, model: "m", dimension: 24 });
    const rows = await encoder.encode(["x", "y"]);
    assert.deepEqual(rows.subarray(24), Float32Array.from(fakeEmbedding("y", 24)));
  });

  test("a configured dimension that the server does not match is a BackendError naming the fix", async () => {
    const encoder = await connectOpenAiEncoder({ baseUrl: server.url, model: "m", dimension: 32 });
    await assert.rejects(encoder.encode(["x"]), (error: unknown) => {
      return (
        error instanceof BackendError && /expected 32 values per vector, got 24/.test(error.message)
      );
    });
  });
});
