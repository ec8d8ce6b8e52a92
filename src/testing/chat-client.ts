/**
 * `describeChatClient`: the conformance suite every {@link ChatClient} runs through (the HTTP
 * client against a server, scripted fakes). It checks the contract LLM agents rely on: a string
 * reply with a finish reason and token counts, multi-turn conversations, requests asking for a JSON
 * schema and log-probabilities, concurrent calls, and an actionable error for an empty request.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { TroupeError } from "../core/errors.js";
import type { ChatClient, ChatRequest } from "../openai/client.js";

/** Options of {@link describeChatClient}. */
export interface ChatClientSuiteOptions {
  /** The model name sent with every request. Default "test-model". */
  readonly model?: string;
  /** Whether the same request with `seed` and temperature 0 must give the same reply. Default true. */
  readonly deterministic?: boolean;
}

/**
 * Registers the conformance tests for the chat client built by `makeClient` (called once).
 * @example describeChatClient("fake server", () => new OpenAiCompatibleClient({ baseUrl: server.url }));
 */
export function describeChatClient(
  label: string,
  makeClient: () => ChatClient | Promise<ChatClient>,
  options: ChatClientSuiteOptions = {},
): void {
  const model = options.model ?? "test-model";
  const deterministic = options.deterministic ?? true;
  const ask = (content: string): ChatRequest => ({
    model,
    messages: [
      { role: "system", content: "You coordinate a team of agents." },
      { role: "user", content },
    ],
    temperature: 0,
    seed: 1,
    maxTokens: 32,
  });

  describe(`ChatClient conformance: ${label}`, () => {
    let client: ChatClient;
    before(async () => {
      client = await makeClient();
    });

    test("it answers with a string, a finish reason and non-negative token counts", async () => {
      const result = await client.chat(ask("Which agent should take task 3?"));
      assert.equal(typeof result.content, "string", "content must be a string");
      assert.ok(
        result.finishReason.length > 0,
        "finishReason must not be empty. Fix: pass the server's finish_reason",
      );
      for (const count of [result.promptTokens, result.completionTokens]) {
        assert.ok(
          Number.isInteger(count) && count >= 0,
          `token count ${count} must be an integer ≥ 0`,
        );
      }
    });

    test("it accepts a multi-turn conversation", async () => {
      const result = await client.chat({
        model,
        messages: [
          { role: "user", content: "Agent 1 is at site 2." },
          { role: "assistant", content: "Noted." },
          { role: "user", content: "Where is agent 1?" },
        ],
      });
      assert.equal(typeof result.content, "string");
    });

    test("it answers a request that asks for a JSON schema and log-probabilities", async () => {
      const result = await client.chat({
        ...ask('Reply {"action": 1}.'),
        jsonSchema: {
          name: "decision",
          schema: {
            type: "object",
            properties: { action: { type: "integer" } },
            required: ["action"],
            additionalProperties: false,
          },
        },
        logprobs: true,
      });
      assert.equal(
        typeof result.content,
        "string",
        "a client must accept jsonSchema and logprobs (a server may ignore them)",
      );
      for (const token of result.logprobs ?? []) {
        assert.ok(
          typeof token.token === "string" && token.logprob <= 0,
          `log-probability ${token.logprob} of "${token.token}" must be ≤ 0`,
        );
      }
    });

    test("it answers concurrent requests, each with its own reply", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => client.chat(ask(`Request ${i}`))),
      );
      assert.equal(results.length, 8);
      for (const result of results) assert.equal(typeof result.content, "string");
    });

    if (deterministic) {
      test("the same request with a seed and temperature 0 gets the same reply", async () => {
        const first = await client.chat(ask("Plan the next step."));
        const second = await client.chat(ask("Plan the next step."));
        assert.equal(second.content, first.content);
      });
    }

    test("an empty message list is refused with an actionable TroupeError", async () => {
      await assert.rejects(client.chat({ model, messages: [] }), (error: unknown) => {
        assert.ok(error instanceof TroupeError, `expected a TroupeError, got ${String(error)}`);
        assert.ok(error.fix.length > 0, "the error must say how to fix the request");
        return true;
      });
    });
  });
}
