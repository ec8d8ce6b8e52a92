import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { OpenAiCompatibleClient } from "../openai/client.js";
import { createChatClient, parseLlmConfig } from "./config.js";
import { loadGgufChatClient } from "./gguf.js";

describe("LLM config", () => {
  test("the encoder-style shape parses with defaults filled in", () => {
    const config = parseLlmConfig({ url: "http://127.0.0.1:11434/v1", model: "qwen2.5:7b" });
    assert.equal(config.kind, "openai-compatible");
    assert.equal(config.timeoutMs, 60_000);
  });

  test("openai-compatible without a model is a ConfigError naming the field", () => {
    assert.throws(
      () => parseLlmConfig({ kind: "openai-compatible", url: "http://127.0.0.1:1/v1" }),
      (error: unknown) => error instanceof ConfigError && /llm config\.model/.test(error.message),
    );
  });

  test("an unknown field is refused", () => {
    assert.throws(() => parseLlmConfig({ url: "http://x/v1", model: "m", temp: 1 }), ConfigError);
  });

  test("createChatClient builds the HTTP client for an openai-compatible config", async () => {
    const client = await createChatClient({ url: "http://127.0.0.1:9/v1", model: "m" });
    assert.ok(client instanceof OpenAiCompatibleClient);
  });

  test("a GGUF model without node-llama-cpp installed is a ConfigError saying how to install it", async () => {
    const missing = async () => {
      throw new Error("Cannot find package 'node-llama-cpp'");
    };
    await assert.rejects(
      loadGgufChatClient({ path: "model.gguf", importModule: missing }),
      (error: unknown) =>
        error instanceof ConfigError && /npm install node-llama-cpp/.test(error.fix),
    );
  });
});
