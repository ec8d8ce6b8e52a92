/**
 * Opt-in integration tests against a real chat model (`node scripts/test.mjs --int src/llm`):
 *   TROUPE_LLM_URL=http://127.0.0.1:11434/v1 TROUPE_LLM_MODEL=qwen2.5:7b   (any OpenAI-compatible server)
 *   TROUPE_GGUF=/path/to/model.gguf                     (needs `npm install node-llama-cpp@3`)
 * Each block is skipped when its variables are not set.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ChatClient } from "../openai/client.js";
import { OpenAiCompatibleClient } from "../openai/client.js";
import { describeChatClient } from "../testing/chat-client.js";
import { LlmAgent } from "./agent.js";
import { playEpisode } from "./episode.js";
import { loadGgufChatClient } from "./gguf.js";
import { LlmTeam } from "./team.js";
import { smallPlanningSim } from "./test-support.js";

const url = process.env.TROUPE_LLM_URL;
const model = process.env.TROUPE_LLM_MODEL;
const gguf = process.env.TROUPE_GGUF;

function describeRealModel(label: string, makeClient: () => Promise<ChatClient>, name: string) {
  describeChatClient(label, makeClient, { model: name, deterministic: false });

  test(`${label}: a team plays three steps with legal actions`, async () => {
    const team = new LlmTeam(new LlmAgent(await makeClient(), { model: name, maxTokens: 64 }));
    const summary = await playEpisode(smallPlanningSim(), team, { task: "int", maxSteps: 3 });
    assert.equal(summary.steps, 3);
    assert.ok(summary.fallbacks <= summary.decisions);
    assert.ok(summary.promptTokens > 0);
  });
}

describe("a real OpenAI-compatible chat server", {
  skip: url && model ? false : "TROUPE_LLM_URL/MODEL not set",
}, () => {
  describeRealModel(
    `openai-compatible ${model}`,
    async () => new OpenAiCompatibleClient({ baseUrl: url as string }),
    model as string,
  );
});

describe("a local GGUF model through node-llama-cpp", {
  skip: gguf ? false : "TROUPE_GGUF not set",
}, () => {
  let client: Promise<ChatClient> | undefined;
  describeRealModel(
    `node-llama-cpp ${gguf}`,
    () => {
      client ??= loadGgufChatClient({ path: gguf as string });
      return client;
    },
    "local",
  );
});
