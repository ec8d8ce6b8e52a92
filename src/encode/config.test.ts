import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "../openai/fake-server.js";
import { CachedEncoder } from "./cache.js";
import { createEncoder, parseEncoderConfig } from "./config.js";

describe("encoder config", () => {
  test("the default kind is glove-100d", () => {
    assert.equal(parseEncoderConfig({}).kind, "glove-100d");
  });

  test("an unknown kind is a ConfigError naming the field", () => {
    assert.throws(
      () => parseEncoderConfig({ kind: "bert" }),
      (error: unknown) => {
        return error instanceof ConfigError && error.input === "encoder config.kind";
      },
    );
  });

  test("an unknown field is refused", () => {
    assert.throws(() => parseEncoderConfig({ kind: "hashing", dimesnion: 3 }), ConfigError);
  });

  test("openai-compatible without a url is refused", () => {
    assert.throws(
      () => parseEncoderConfig({ kind: "openai-compatible", model: "m" }),
      /encoder config\.url/,
    );
  });

  test("transformers without a path is refused", () => {
    assert.throws(() => parseEncoderConfig({ kind: "transformers" }), /encoder config\.path/);
  });
});

describe("createEncoder", () => {
  let dir: string;
  let server: FakeOpenAiServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-create-"));
    server = await startFakeOpenAiServer({ embeddingDimension: 12 });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("it builds a hashing encoder of the configured dimension behind the cache", async () => {
    const encoder = await createEncoder({ kind: "hashing", dimension: 48 }, { cacheDir: dir });
    assert.ok(encoder instanceof CachedEncoder);
    assert.equal(encoder.dimension, 48);
    assert.equal((await encoder.encode(["a"])).length, 48);
  });

  test("it builds an openai-compatible encoder that asks the server for its dimension", async () => {
    const encoder = await createEncoder(
      { kind: "openai-compatible", url: server.url, model: "emb" },
      { cacheDir: dir, cache: false },
    );
    assert.equal(encoder.dimension, 12);
    assert.equal(encoder.identity, "openai-compatible:emb:d=12");
  });
});
