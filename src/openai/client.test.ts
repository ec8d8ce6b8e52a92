import assert from "node:assert/strict";
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { after, afterEach, before, describe, test } from "node:test";
import { BackendError, ConfigError } from "../core/errors.js";
import { describeChatClient } from "../testing/chat-client.js";
import { type OpenAiClientOptions, OpenAiCompatibleClient } from "./client.js";
import { type FakeOpenAiServer, fakeEmbedding, startFakeOpenAiServer } from "./fake-server.js";

describe("OpenAiCompatibleClient against the fake server", () => {
  let server: FakeOpenAiServer;
  let sleeps: number[];
  const client = (options: Partial<OpenAiClientOptions> = {}) =>
    new OpenAiCompatibleClient({
      baseUrl: server.url,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });

  before(async () => {
    server = await startFakeOpenAiServer({ embeddingDimension: 8 });
  });
  afterEach(() => {
    server.requests.length = 0;
    sleeps = [];
  });
  after(async () => {
    await server.close();
  });

  test("embed returns the server's vectors in input order", async () => {
    const rows = await client().embed("m", ["a", "b", "c"]);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[2], Float32Array.from(fakeEmbedding("c", 8)));
  });

  test('embed asks for encoding_format "float"', async () => {
    await client().embed("m", ["a"]);
    assert.equal(server.requests[0].body.encoding_format, "float");
  });

  test("embed splits the texts into batches of embeddingBatchSize", async () => {
    const texts = Array.from({ length: 7 }, (_, i) => `t${i}`);
    const rows = await client({ embeddingBatchSize: 3 }).embed("m", texts);
    assert.deepEqual(
      server.requests.map((r) => (r.body.input as string[]).length),
      [3, 3, 1],
    );
    assert.deepEqual(rows[6], Float32Array.from(fakeEmbedding("t6", 8)));
  });

  test("no more requests than the concurrency limit are in flight at once", async () => {
    const limited = await startFakeOpenAiServer();
    try {
      limited.fail(...Array.from({ length: 6 }, () => ({ kind: "delay" as const, ms: 30 })));
      const c = new OpenAiCompatibleClient({
        baseUrl: limited.url,
        concurrency: 2,
        embeddingBatchSize: 1,
      });
      await c.embed("m", ["1", "2", "3", "4", "5", "6"]);
      assert.equal(limited.maxInFlight, 2);
    } finally {
      await limited.close();
    }
  });

  test("a 503 is retried with doubling backoff, then succeeds", async () => {
    server.fail({ kind: "status", status: 503 }, { kind: "status", status: 503 });
    const rows = await client({ initialBackoffMs: 100 }).embed("m", ["a"]);
    assert.equal(rows.length, 1);
    assert.deepEqual(sleeps, [100, 200]);
  });

  test("a 429 with Retry-After waits as long as the server asks, within the cap", async () => {
    server.fail({ kind: "status", status: 429, retryAfterSeconds: 3 });
    await client({ initialBackoffMs: 100, maxBackoffMs: 2000 }).embed("m", ["a"]);
    assert.deepEqual(sleeps, [2000]);
  });

  test("a 500 on every try gives a BackendError naming the server, model and tries", async () => {
    server.fail(...Array.from({ length: 3 }, () => ({ kind: "status" as const, status: 500 })));
    await assert.rejects(client({ maxRetries: 2 }).embed("emb-model", ["a"]), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.match(error.message, /emb-model/);
      assert.match(error.message, /HTTP 500 after 3 tries/);
      assert.match(error.message, new RegExp(server.url.replace(/[.]/g, "\\.")));
      return true;
    });
  });

  test("a 400 is not retried", async () => {
    server.fail({ kind: "status", status: 400 });
    await assert.rejects(client().embed("m", ["a"]), /HTTP 400 after 1 try/);
    assert.deepEqual(sleeps, []);
  });

  test("a 404 says to check the model name and the /v1 suffix", async () => {
    server.fail({ kind: "status", status: 404 });
    await assert.rejects(client().embed("m", ["a"]), /check the model name "m"/);
  });

  test("a slow server gives a timeout error that says to raise timeoutMs", async () => {
    server.fail({ kind: "delay", ms: 400 });
    await assert.rejects(
      client({ timeoutMs: 50, maxRetries: 0 }).embed("m", ["a"]),
      (error: unknown) => {
        assert.ok(error instanceof BackendError);
        assert.match(error.message, /within 50 ms/);
        assert.match(error.fix, /timeoutMs/);
        return true;
      },
    );
  });

  test("malformed JSON gives an error that names it", async () => {
    server.fail({ kind: "malformed-json" });
    await assert.rejects(client().embed("m", ["a"]), /malformed JSON/);
  });

  test("the wrong number of vectors is an error", async () => {
    server.fail({ kind: "wrong-count" });
    await assert.rejects(
      client().embed("m", ["a", "b"]),
      /wrong number of embeddings; expected 2 vectors, got 1/,
    );
  });

  test("vectors of the wrong length are an error", async () => {
    await assert.rejects(
      client().embed("m", ["a"], 12),
      /wrong length; expected 12 values per vector, got 8/,
    );
  });

  test("a server that ignores encoding_format and sends base64 is an error", async () => {
    server.fail({ kind: "base64" });
    await assert.rejects(client().embed("m", ["a"]), /base64 string/);
  });

  test("chat returns the assistant's reply", async () => {
    const result = await client().chat({ model: "m", messages: [{ role: "user", content: "hi" }] });
    assert.equal(result.content, "echo: hi");
    assert.equal(result.finishReason, "stop");
  });

  test("chat requests are retried like embeddings", async () => {
    server.fail({ kind: "status", status: 502 });
    const result = await client().chat({ model: "m", messages: [{ role: "user", content: "x" }] });
    assert.equal(result.content, "echo: x");
    assert.equal(sleeps.length, 1);
  });
});

describe("OpenAiCompatibleClient without a server", () => {
  test("a server that is down gives an error that says to start it", async () => {
    const server = await startFakeOpenAiServer();
    const url = server.url;
    await server.close();
    const sleeps: number[] = [];
    const client = new OpenAiCompatibleClient({
      baseUrl: url,
      maxRetries: 1,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await assert.rejects(client.embed("m", ["a"]), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.match(error.message, /not reachable/);
      assert.match(error.fix, /start the server/);
      return true;
    });
    assert.equal(sleeps.length, 1);
  });

  test("an invalid url is a ConfigError", () => {
    assert.throws(() => new OpenAiCompatibleClient({ baseUrl: "not a url" }), ConfigError);
  });
});

describe("the fake server's connections", () => {
  test("every answer says Connection: close and the server ends the socket after it", async () => {
    const server = await startFakeOpenAiServer();
    try {
      const { headers, ended } = await new Promise<{
        headers: IncomingHttpHeaders;
        ended: boolean;
      }>((resolve, reject) => {
        const body = JSON.stringify({ model: "m", input: ["a"], encoding_format: "float" });
        const request = httpRequest(
          `${server.url}/embeddings`,
          // An agent that would keep the socket alive if the server let it.
          {
            method: "POST",
            agent: new Agent({ keepAlive: true }),
            headers: { "content-type": "application/json" },
          },
          (response) => {
            response.resume();
            response.on("end", () => {
              const socket = response.socket;
              if (socket.destroyed) resolve({ headers: response.headers, ended: true });
              else socket.once("close", () => resolve({ headers: response.headers, ended: true }));
            });
          },
        );
        request.on("error", reject);
        request.end(body);
      });
      assert.equal(headers.connection, "close");
      assert.ok(ended);
    } finally {
      await server.close();
    }
  });
});

describe("the HTTP client as a ChatClient", () => {
  let server: FakeOpenAiServer;
  before(async () => {
    server = await startFakeOpenAiServer();
  });
  after(async () => {
    await server.close();
  });
  describeChatClient(
    "OpenAiCompatibleClient (fake server)",
    () => new OpenAiCompatibleClient({ baseUrl: server.url }),
  );
});
