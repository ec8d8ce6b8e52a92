import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeChatClient } from "../testing/chat-client.js";
import { loadGgufChatClient } from "./gguf.js";

/** A stand-in for node-llama-cpp's module: replies "<history length>:<prompt>", logs its calls. */
function fakeLlamaCpp() {
  const calls: { history: unknown[]; prompt: string; options: Record<string, unknown> }[] = [];
  const grammars: unknown[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const module = {
    async getLlama() {
      return {
        async loadModel(options: { modelPath: string }) {
          assert.equal(options.modelPath, "model.gguf");
          return {
            async createContext() {
              return { getSequence: () => ({}) };
            },
            tokenize: (text: string) => text.split(/\s+/).filter(Boolean),
          };
        },
        async createGrammarForJsonSchema(schema: unknown) {
          const grammar = { schema };
          grammars.push(grammar);
          return grammar;
        },
      };
    },
    LlamaChatSession: class {
      private history: unknown[] = [];
      setChatHistory(history: unknown[]) {
        this.history = history;
      }
      async prompt(text: string, options: Record<string, unknown>) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        calls.push({ history: this.history, prompt: text, options });
        return `${this.history.length}:${text}`;
      }
      dispose() {}
    },
  };
  return { module, calls, grammars, maxInFlight: () => maxInFlight };
}

describeChatClient("node-llama-cpp (fake module)", () =>
  loadGgufChatClient({ path: "model.gguf", importModule: async () => fakeLlamaCpp().module }),
);

describe("loadGgufChatClient with a fake node-llama-cpp", () => {
  test("earlier turns become the session's history and the last user turn the prompt", async () => {
    const fake = fakeLlamaCpp();
    const client = await loadGgufChatClient({
      path: "model.gguf",
      importModule: async () => fake.module,
    });
    const result = await client.chat({
      model: "local",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: "which task?" },
      ],
      maxTokens: 16,
      temperature: 0,
    });
    assert.equal(result.content, "3:which task?");
    assert.deepEqual(fake.calls[0].history, [
      { type: "system", text: "be brief" },
      { type: "user", text: "hi" },
      { type: "model", response: ["hello"] },
    ]);
    assert.deepEqual(fake.calls[0].options, { maxTokens: 16, temperature: 0 });
    assert.ok(result.promptTokens > 0 && result.completionTokens > 0);
  });

  test("a JSON-schema request is enforced by one grammar, built once per schema", async () => {
    const fake = fakeLlamaCpp();
    const client = await loadGgufChatClient({
      path: "model.gguf",
      importModule: async () => fake.module,
    });
    const request = {
      model: "local",
      messages: [{ role: "user" as const, content: "go" }],
      jsonSchema: { name: "decision", schema: { type: "object" } },
    };
    await client.chat(request);
    await client.chat(request);
    assert.equal(fake.grammars.length, 1);
    assert.equal(fake.calls[1].options.grammar, fake.grammars[0]);
  });

  test("requests run one at a time on the one context", async () => {
    const fake = fakeLlamaCpp();
    const client = await loadGgufChatClient({
      path: "model.gguf",
      importModule: async () => fake.module,
    });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        client.chat({ model: "local", messages: [{ role: "user", content: `r${i}` }] }),
      ),
    );
    assert.equal(fake.maxInFlight(), 1);
  });

  test("a conversation that does not end with the user is refused", async () => {
    const fake = fakeLlamaCpp();
    const client = await loadGgufChatClient({
      path: "model.gguf",
      importModule: async () => fake.module,
    });
    await assert.rejects(
      client.chat({ model: "local", messages: [{ role: "assistant", content: "x" }] }),
      /not the user's/,
    );
  });
});
