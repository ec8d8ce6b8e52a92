/**
 * A fake OpenAI-compatible server for tests: a real HTTP server on 127.0.0.1, port 0, serving
 * `/v1/embeddings` (deterministic vectors derived from each text) and `/v1/chat/completions`
 * (a reply function; usage counts one "token" per character, log-probabilities when asked, a 404
 * for a model outside `models`). Tests queue scripted faults (status codes, delays, malformed or
 * empty bodies, wrong vector count or length, base64 instead of floats) and read back the
 * requests it received. Every response carries `Connection: close`, so the server closes each
 * connection once it has answered (no keep-alive socket is carried from one test to the next), and
 * `close()` ends whatever is still open (a request held by a delay), so no socket outlives its test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A scripted answer to the next request, instead of the normal one. */
export type FakeFault =
  | { readonly kind: "status"; readonly status: number; readonly retryAfterSeconds?: number }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "malformed-json" }
  | { readonly kind: "empty-body" }
  | { readonly kind: "wrong-count" }
  | { readonly kind: "wrong-length" }
  | { readonly kind: "base64" };

/** Options of {@link startFakeOpenAiServer}. */
export interface FakeServerOptions {
  /** Length of the embedding vectors. Default 16. */
  readonly embeddingDimension?: number;
  /** The assistant's reply to a chat request. Default: echoes the last message. */
  readonly chatReply?: (messages: readonly { role: string; content: string }[]) => string;
  /** The models the chat endpoint serves; a request for another gets a 404. Default: any. */
  readonly models?: readonly string[];
}

/** A received request: path and parsed JSON body. */
export interface FakeRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** A running fake server. */
export interface FakeOpenAiServer {
  /** Base URL ending in `/v1`. */
  readonly url: string;
  readonly requests: FakeRequest[];
  /** The most requests that were in flight at once. */
  readonly maxInFlight: number;
  /** Queues faults, used by the next requests in order. */
  fail(...faults: FakeFault[]): void;
  close(): Promise<void>;
}

/** The deterministic vector the fake server returns for `text`. */
export function fakeEmbedding(text: string, dimension: number): number[] {
  let state = 17;
  for (let i = 0; i < text.length; i++) state = (Math.imul(state, 31) + text.charCodeAt(i)) | 0;
  return Array.from({ length: dimension }, (_, i) => Math.sin(state * 0.001 + i * 1.7));
}

/**
 * Starts a fake server on 127.0.0.1 at a free port.
 * @example const server = await startFakeOpenAiServer(); ... await server.close();
 */
export async function startFakeOpenAiServer(
  options: FakeServerOptions = {},
): Promise<FakeOpenAiServer> {
  const dimension = options.embeddingDimension ?? 16;
  const chatReply = options.chatReply ?? ((messages) => `echo: ${messages.at(-1)?.content ?? ""}`);
  const faults: FakeFault[] = [];
  const requests: FakeRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const raw = await readBody(request);
      const body = parseObject(raw);
      const path = new URL(request.url ?? "/", "http://fake").pathname;
      requests.push({ path, body });
      let fault = faults.shift();
      if (fault?.kind === "delay") {
        await wait(fault.ms);
        fault = faults.shift();
      }
      if (fault?.kind === "status") {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (fault.retryAfterSeconds !== undefined)
          headers["retry-after"] = String(fault.retryAfterSeconds);
        send(
          response,
          fault.status,
          JSON.stringify({ error: { message: `scripted ${fault.status}` } }),
          headers,
        );
        return;
      }
      if (fault?.kind === "empty-body") {
        send(response, 200, "", { "content-type": "application/json" });
        return;
      }
      if (fault?.kind === "malformed-json") {
        send(response, 200, '{"data": [', { "content-type": "application/json" });
        return;
      }
      if (path === "/v1/embeddings") {
        const input = Array.isArray(body.input)
          ? body.input.map(String)
          : [String(body.input ?? "")];
        let data = input.map((text, index) => {
          const vector = fakeEmbedding(
            text,
            fault?.kind === "wrong-length" ? dimension + 1 : dimension,
          );
          const embedding =
            fault?.kind === "base64" || body.encoding_format !== "float"
              ? Buffer.from(Float32Array.from(vector).buffer).toString("base64")
              : vector;
          return { object: "embedding", index, embedding };
        });
        if (fault?.kind === "wrong-count") data = data.slice(1);
        sendJson(response, {
          object: "list",
          model: body.model,
          data,
          usage: { prompt_tokens: 1, total_tokens: 1 },
        });
        return;
      }
      if (path === "/v1/chat/completions") {
        const messages = Array.isArray(body.messages)
          ? (body.messages as { role: string; content: string }[])
          : [];
        const content = chatReply(messages);
        if (options.models !== undefined && !options.models.includes(String(body.model))) {
          send(
            response,
            404,
            JSON.stringify({ error: { message: `model "${String(body.model)}" not found` } }),
            { "content-type": "application/json" },
          );
          return;
        }
        sendJson(response, {
          id: `fake-${requests.length}`,
          object: "chat.completion",
          created: 0,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content },
              finish_reason: "stop",
              ...(body.logprobs === true
                ? {
                    logprobs: {
                      content: Array.from(content, (token) => ({
                        token,
                        logprob: -0.5,
                        bytes: null,
                        top_logprobs: [],
                      })),
                    },
                  }
                : {}),
            },
          ],
          usage: {
            prompt_tokens: messages.reduce((sum, m) => sum + String(m.content).length, 0),
            completion_tokens: content.length,
            total_tokens:
              messages.reduce((sum, m) => sum + String(m.content).length, 0) + content.length,
          },
        });
        return;
      }
      send(response, 404, JSON.stringify({ error: { message: `no route ${path}` } }), {
        "content-type": "application/json",
      });
    } finally {
      inFlight--;
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        send(response, 500, JSON.stringify({ error: { message: String(error) } }), {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    fail: (...more) => {
      faults.push(...more);
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseObject(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sendJson(response: ServerResponse, value: unknown): void {
  send(response, 200, JSON.stringify(value), { "content-type": "application/json" });
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  if (response.destroyed) return;
  // No keep-alive: the connection ends with this response, so none is left open between tests.
  response.writeHead(status, { ...headers, connection: "close" });
  response.end(body);
}
