import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError, StateError } from "../core/errors.js";
import { describeChatClient } from "./chat-client.js";
import { ScriptedChatClient } from "./scripted-chat-client.js";

describeChatClient(
  "scripted client",
  () => new ScriptedChatClient({ replies: (request) => `seen ${request.messages.length}` }),
);

describe("ScriptedChatClient", () => {
  const ask = { model: "m", messages: [{ role: "user" as const, content: "hello there" }] };

  test("it answers from the list in order and records each request", async () => {
    const client = new ScriptedChatClient({ replies: ["one", "two"] });
    assert.equal((await client.chat(ask)).content, "one");
    assert.equal((await client.chat(ask)).content, "two");
    assert.equal(client.requests.length, 2);
  });

  test("a finished script fails with a StateError unless repeatLast is set", async () => {
    const strict = new ScriptedChatClient({ replies: ["only"] });
    await strict.chat(ask);
    await assert.rejects(strict.chat(ask), StateError);
    const repeating = new ScriptedChatClient({ replies: ["only"], repeatLast: true });
    await repeating.chat(ask);
    assert.equal((await repeating.chat(ask)).content, "only");
  });

  test("a status step fails with a BackendError naming the status", async () => {
    const client = new ScriptedChatClient({ replies: [{ status: 429 }] });
    await assert.rejects(client.chat(ask), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.match(error.message, /429/);
      return true;
    });
  });

  test("a timeout step fails with a BackendError that says it timed out", async () => {
    const client = new ScriptedChatClient({ replies: [{ timeout: true, delayMs: 5 }] });
    await assert.rejects(client.chat(ask), /timeout/);
  });

  test("token counts grow with the prompt and the reply", async () => {
    const client = new ScriptedChatClient({ replies: ["a", "a much longer reply text"] });
    const short = await client.chat(ask);
    const long = await client.chat({ ...ask, messages: [...ask.messages, ...ask.messages] });
    assert.ok(long.promptTokens > short.promptTokens);
    assert.ok(long.completionTokens > short.completionTokens);
  });
});
