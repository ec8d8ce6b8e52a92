import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { BackendError } from "../core/errors.js";
import { MemoryRecordWriter } from "../core/record-writer.js";
import { OpenAiCompatibleClient } from "../openai/client.js";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "../openai/fake-server.js";
import { LlmAgent } from "./agent.js";
import { playEpisode } from "./episode.js";
import { LlmTeam } from "./team.js";
import {
  firstDecisionInput,
  illegalAction,
  legalAction,
  smallPlanningSim,
} from "./test-support.js";

describe("an LLM agent against the local fake server", () => {
  const input = firstDecisionInput();
  const legal = legalAction(input.actionMask, 0);
  let reply = "";
  let server: FakeOpenAiServer;
  const agent = (options: { timeoutMs?: number; maxRetries?: number; model?: string } = {}) =>
    new LlmAgent(
      new OpenAiCompatibleClient({
        baseUrl: server.url,
        timeoutMs: options.timeoutMs ?? 5_000,
        maxRetries: options.maxRetries ?? 0,
        sleep: async () => {},
      }),
      { model: options.model ?? "served-model" },
    );

  before(async () => {
    server = await startFakeOpenAiServer({ chatReply: () => reply, models: ["served-model"] });
  });
  afterEach(() => {
    server.requests.length = 0;
    reply = `{"action": ${legal}, "message": 0}`;
  });
  after(async () => {
    await server.close();
  });

  test("a legal JSON reply becomes the action, and the request carries the JSON schema", async () => {
    reply = `{"action": ${legal}, "message": 0}`;
    const decision = await agent().decide(input);
    assert.equal(decision.action, legal);
    const format = server.requests[0].body.response_format as { type: string };
    assert.equal(format.type, "json_schema");
    assert.ok(decision.promptTokens > 0 && decision.completionTokens > 0);
  });

  test("log-probabilities are asked for and returned when the agent wants them", async () => {
    const client = new OpenAiCompatibleClient({ baseUrl: server.url });
    const result = await client.chat({
      model: "served-model",
      messages: [{ role: "user", content: "hi" }],
      logprobs: true,
    });
    assert.equal(server.requests[0].body.logprobs, true);
    assert.equal(result.logprobs?.length, result.content.length);
  });

  test("an off-list reply is retried and then counted as a fallback to a legal action", async () => {
    reply = `{"action": ${illegalAction(input.actionMask)}}`;
    const decision = await agent().decide(input);
    assert.equal(decision.fallback, true);
    assert.equal(input.actionMask[decision.action], 1);
    assert.equal(server.requests.length, 2);
  });

  for (const status of [401, 404, 429, 500]) {
    test(`HTTP ${status} is a BackendError naming the status and a fix`, async () => {
      server.fail({ kind: "status", status });
      await assert.rejects(agent().decide(input), (error: unknown) => {
        assert.ok(error instanceof BackendError);
        assert.match(error.message, new RegExp(`HTTP ${status}`));
        assert.ok(error.fix.length > 0);
        return true;
      });
    });
  }

  test("a model the server does not serve is a 404 error that names the model", async () => {
    await assert.rejects(agent({ model: "no-such-model" }).decide(input), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.match(error.fix, /no-such-model/);
      return true;
    });
  });

  test("an empty body is a clear BackendError", async () => {
    server.fail({ kind: "empty-body" });
    await assert.rejects(agent().decide(input), BackendError);
  });

  test("a truncated body is a clear BackendError", async () => {
    server.fail({ kind: "malformed-json" });
    await assert.rejects(agent().decide(input), BackendError);
  });

  test("a reply slower than the timeout is an error that names the timeout, not a hang", async () => {
    server.fail({ kind: "delay", ms: 2_000 });
    await assert.rejects(agent({ timeoutMs: 100 }).decide(input), /within 100 ms/);
  });

  test("a 503 then a good reply succeeds through the client's retries", async () => {
    server.fail({ kind: "status", status: 503 });
    const decision = await agent({ maxRetries: 2 }).decide(input);
    assert.equal(decision.action, legal);
  });

  test("a server that is down is a BackendError saying it is not reachable", async () => {
    const down = await startFakeOpenAiServer();
    const url = down.url;
    await down.close();
    const client = new OpenAiCompatibleClient({ baseUrl: url, maxRetries: 0 });
    await assert.rejects(new LlmAgent(client, { model: "m" }).decide(input), /not reachable/);
  });

  test("a whole episode's record survives the server failing mid-episode", async () => {
    let calls = 0;
    const failing = await startFakeOpenAiServer({
      chatReply: () => {
        calls++;
        if (calls > 3) throw new Error("the model crashed");
        return '{"action": 0, "message": 0}';
      },
    });
    try {
      const writer = new MemoryRecordWriter();
      const client = new OpenAiCompatibleClient({ baseUrl: failing.url, maxRetries: 0 });
      const team = new LlmTeam(new LlmAgent(client, { model: "m" }));
      await assert.rejects(
        playEpisode(smallPlanningSim(), team, { task: "t", writer }),
        /HTTP 500/,
      );
      const kinds = writer.records.map((r) => (r as { kind: string }).kind);
      assert.deepEqual(kinds, ["step", "episode-error"]);
    } finally {
      await failing.close();
    }
  });
});
