import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { StateError } from "../core/errors.js";
import { JsonlRecordWriter, MemoryRecordWriter } from "../core/record-writer.js";
import type { ChatRequest } from "../openai/client.js";
import { ScriptedChatClient } from "../testing/scripted-chat-client.js";
import {
  type ChatRecord,
  chatRequestKey,
  RecordingChatClient,
  readChatRecords,
} from "./response-cache.js";

const ask = (content: string, temperature = 0): ChatRequest => ({
  model: "m",
  messages: [{ role: "user", content }],
  temperature,
});

describe("RecordingChatClient", () => {
  test("the key changes with the model, the prompt and the sampling parameters", () => {
    const base = chatRequestKey(ask("a"));
    assert.notEqual(chatRequestKey(ask("b")), base);
    assert.notEqual(chatRequestKey(ask("a", 0.7)), base);
    assert.notEqual(chatRequestKey({ ...ask("a"), model: "other" }), base);
    assert.notEqual(chatRequestKey({ ...ask("a"), seed: 3 }), base);
    assert.equal(chatRequestKey(ask("a")), base);
  });

  test("every new exchange is written once and a repeated request is answered from the record", async () => {
    const inner = new ScriptedChatClient({ replies: ["first", "second"] });
    const writer = new MemoryRecordWriter();
    const client = new RecordingChatClient({ client: inner, writer });
    assert.equal((await client.chat(ask("a"))).content, "first");
    assert.equal((await client.chat(ask("a"))).content, "first");
    assert.equal((await client.chat(ask("b"))).content, "second");
    assert.equal(inner.requests.length, 2);
    assert.equal(writer.records.length, 2);
    assert.deepEqual([client.hits, client.misses], [1, 2]);
  });

  test("a recorded run replays exactly from its file without a server", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-replay-"));
    try {
      const path = join(dir, "record.jsonl");
      const writer = new JsonlRecordWriter(path);
      const live = new RecordingChatClient({
        client: new ScriptedChatClient({ replies: (r) => `reply to ${r.messages[0].content}` }),
        writer,
      });
      const originals = await Promise.all(["x", "y", "z"].map((c) => live.chat(ask(c))));
      await writer.append({ kind: "step", t: 0 });
      const replay = new RecordingChatClient({ records: await readChatRecords(path) });
      const replayed = await Promise.all(["x", "y", "z"].map((c) => replay.chat(ask(c))));
      assert.deepEqual(replayed, originals);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("replaying a request that was never recorded is a StateError that says how to fix it", async () => {
    const record: ChatRecord = {
      kind: "chat",
      key: chatRequestKey(ask("a")),
      request: ask("a"),
      result: { content: "r", finishReason: "stop", promptTokens: 1, completionTokens: 1 },
    };
    const replay = new RecordingChatClient({ records: [record] });
    assert.equal((await replay.chat(ask("a"))).content, "r");
    await assert.rejects(replay.chat(ask("a", 0.5)), (error: unknown) => {
      assert.ok(error instanceof StateError);
      assert.match(error.fix, /same model, tasks, seed and sampling/);
      return true;
    });
  });
});
