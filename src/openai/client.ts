/**
 * The OpenAI-compatible HTTP client shared by `encode/` (the `/v1/embeddings` endpoint) and `llm/`
 * (`/v1/chat/completions`); vLLM, llama.cpp server, Ollama and LM Studio all serve both. It wraps
 * the `openai` SDK with the settings a research run needs: the SDK's own retries off
 * (`maxRetries: 0`) in favour of our backoff with an injectable sleep, an explicit timeout (the
 * SDK waits 10 minutes by default), a limit on requests in flight, batching of embedding inputs,
 * `encoding_format: "float"` (the SDK asks for base64 by default) and a check of every vector's
 * count and length. Every failure is a {@link BackendError} that names the server, the model and
 * the fix.
 */
import OpenAI from "openai";
import { BackendError, ConfigError, InputError } from "../core/errors.js";
import { ConcurrencyLimiter } from "./limiter.js";

/** Options of {@link OpenAiCompatibleClient}. */
export interface OpenAiClientOptions {
  /** The server's base URL, ending in `/v1`, e.g. `http://127.0.0.1:8000/v1`. */
  readonly baseUrl: string;
  /** Sent as a bearer token. Default `$OPENAI_API_KEY`, else a placeholder local servers accept. */
  readonly apiKey?: string;
  /** Per-request timeout in ms. Default 60,000. */
  readonly timeoutMs?: number;
  /** Retries after the first try, for network errors, timeouts, 408, 409, 429 and 5xx. Default 3. */
  readonly maxRetries?: number;
  /** First backoff delay in ms, doubled per retry up to `maxBackoffMs`. Default 500. */
  readonly initialBackoffMs?: number;
  /** Longest backoff delay in ms. Default 10,000. */
  readonly maxBackoffMs?: number;
  /** How to wait between retries; tests pass one that records the delays and returns at once. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Requests in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Texts per `/v1/embeddings` request. Default 64. */
  readonly embeddingBatchSize?: number;
}

/** One chat message. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** A chat completion request. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly seed?: number;
  readonly stop?: readonly string[];
  /**
   * Asks for a reply that is JSON matching `schema` (OpenAI's `response_format: json_schema`;
   * vLLM, llama.cpp server, Ollama and LM Studio honour it). Servers that ignore it still answer.
   */
  readonly jsonSchema?: { readonly name: string; readonly schema: Record<string, unknown> };
  /** Asks for the log-probability of each reply token (`logprobs: true`) where the server offers it. */
  readonly logprobs?: boolean;
}

/** One reply token and its log-probability. */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
}

/** What a chat completion returned. */
export interface ChatResult {
  readonly content: string;
  readonly finishReason: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Per-token log-probabilities, when asked for and the server sent them. */
  readonly logprobs?: readonly TokenLogprob[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Anything that answers chat requests: the HTTP client, a scripted fake, a recorded transcript.
 * Implementations run through `describeChatClient` in `troupe/testing`.
 */
export interface ChatClient {
  /** Answers one request; rejects an empty message list or model with a `TroupeError`. */
  chat(request: ChatRequest): Promise<ChatResult>;
}

/** A client for one OpenAI-compatible server; see the file header. */
export class OpenAiCompatibleClient implements ChatClient {
  readonly baseUrl: string;
  private readonly sdk: OpenAI;
  private readonly limiter: ConcurrencyLimiter;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly embeddingBatchSize: number;

  constructor(options: OpenAiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (cause) {
      throw new ConfigError({
        input: "OpenAI-compatible url",
        problem: "not a valid URL",
        actual: JSON.stringify(options.baseUrl),
        fix: "pass the server's base URL, e.g. http://127.0.0.1:8000/v1",
        cause,
      });
    }
    this.baseUrl = url.href.replace(/\/$/, "");
    this.timeoutMs = positive(options.timeoutMs ?? 60_000, "timeoutMs");
    this.maxRetries = nonNegativeInteger(options.maxRetries ?? 3, "maxRetries");
    this.initialBackoffMs = nonNegative(options.initialBackoffMs ?? 500, "initialBackoffMs");
    this.maxBackoffMs = nonNegative(options.maxBackoffMs ?? 10_000, "maxBackoffMs");
    this.embeddingBatchSize = positive(options.embeddingBatchSize ?? 64, "embeddingBatchSize");
    this.sleep = options.sleep ?? defaultSleep;
    this.limiter = new ConcurrencyLimiter(options.concurrency ?? 4);
    this.sdk = new OpenAI({
      baseURL: this.baseUrl,
      apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? "not-needed",
      maxRetries: 0,
      timeout: this.timeoutMs,
    });
  }

  /**
   * Embeds `texts` with `model`, in batches, and returns one row per text. Every row must have
   * the same length (and `expectedDimension` when given).
   * @example const rows = await client.embed("nomic-embed-text", ["move to site 3"]);
   */
  async embed(
    model: string,
    texts: readonly string[],
    expectedDimension?: number,
  ): Promise<Float32Array[]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.embeddingBatchSize) {
      batches.push(texts.slice(i, i + this.embeddingBatchSize));
    }
    const results = await Promise.all(batches.map((batch) => this.embedBatch(model, batch)));
    const rows = results.flat();
    const dimension = expectedDimension ?? rows[0]?.length;
    rows.forEach((row, i) => {
      if (row.length !== dimension) {
        throw this.error(model, "returned embeddings of the wrong length", {
          expected: `${dimension} values per vector`,
          actual: `${row.length} for text ${i}`,
          fix: "check that the model is an embedding model and that the server honours encoding_format \"float\"; set the encoder's dimension to the model's",
        });
      }
    });
    return rows;
  }

  /** Sends one chat completion request. */
  async chat(request: ChatRequest): Promise<ChatResult> {
    if (request.model === "" || request.messages.length === 0) {
      throw new InputError({
        input: `chat request to ${this.baseUrl}`,
        problem: request.model === "" ? "no model named" : "no messages",
        expected: "a model name and at least one message",
        actual: `model "${request.model}", ${request.messages.length} messages`,
        fix: "pass the model's name and the conversation so far",
      });
    }
    const response = (await this.withRetries(request.model, "chat", () =>
      this.sdk.chat.completions.create({
        model: request.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
        ...(request.seed === undefined ? {} : { seed: request.seed }),
        ...(request.stop === undefined ? {} : { stop: [...request.stop] }),
        ...(request.jsonSchema === undefined
          ? {}
          : {
              response_format: {
                type: "json_schema" as const,
                json_schema: {
                  name: request.jsonSchema.name,
                  schema: request.jsonSchema.schema,
                  strict: true,
                },
              },
            }),
        ...(request.logprobs === true ? { logprobs: true } : {}),
        stream: false,
      }),
    )) as unknown;
    const choice = (
      response as {
        choices?: {
          message?: { content?: unknown };
          finish_reason?: unknown;
          logprobs?: { content?: unknown };
        }[];
      }
    )?.choices?.[0];
    if (typeof choice?.message?.content !== "string") {
      throw this.error(request.model, "returned a malformed chat completion", {
        expected: "choices[0].message.content as a string",
        actual: preview(response),
        fix: "check that the url points at an OpenAI-compatible /v1 endpoint",
      });
    }
    const usage = (response as { usage?: { prompt_tokens?: number; completion_tokens?: number } })
      .usage;
    const logprobs = tokenLogprobs(choice.logprobs?.content);
    return {
      content: choice.message.content,
      finishReason: String(choice.finish_reason ?? "unknown"),
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      ...(logprobs === undefined ? {} : { logprobs }),
    };
  }

  private async embedBatch(model: string, batch: string[]): Promise<Float32Array[]> {
    const response = (await this.withRetries(model, "embeddings", () =>
      this.sdk.embeddings.create({ model, input: batch, encoding_format: "float" }),
    )) as unknown;
    const data = (response as { data?: unknown })?.data;
    if (!Array.isArray(data)) {
      throw this.error(model, "returned a malformed embeddings response", {
        expected: "{ data: [{ index, embedding: [numbers] }] }",
        actual: preview(response),
        fix: "check that the url points at an OpenAI-compatible /v1 endpoint",
      });
    }
    if (data.length !== batch.length) {
      throw this.error(model, "returned the wrong number of embeddings", {
        expected: `${batch.length} vectors`,
        actual: `${data.length}`,
        fix: "check the server's input limits (some cap the batch size); lower embeddingBatchSize",
      });
    }
    const rows = new Array<Float32Array>(batch.length);
    data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
      const index = typeof item?.index === "number" ? item.index : position;
      const embedding = item?.embedding;
      if (
        !Array.isArray(embedding) ||
        !embedding.every((v) => typeof v === "number" && Number.isFinite(v))
      ) {
        throw this.error(model, "returned an embedding that is not an array of finite numbers", {
          expected: 'embedding: [numbers] (encoding_format "float")',
          actual: typeof embedding === "string" ? "a base64 string" : preview(embedding),
          fix: 'use a server that honours encoding_format "float" (vLLM, llama.cpp, Ollama, LM Studio do)',
        });
      }
      if (
        !Number.isInteger(index) ||
        index < 0 ||
        index >= batch.length ||
        rows[index] !== undefined
      ) {
        throw this.error(model, "returned embeddings with bad indices", {
          expected: `each index 0..${batch.length - 1} once`,
          actual: String(index),
          fix: "check the server; its response does not follow the OpenAI format",
        });
      }
      rows[index] = Float32Array.from(embedding as number[]);
    });
    return rows;
  }

  /** Runs `call` under the concurrency limit, retrying transient failures with backoff. */
  private async withRetries<T>(
    model: string,
    endpoint: string,
    call: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.limiter.run(call);
      } catch (error) {
        if (attempt >= this.maxRetries || !isTransient(error))
          throw this.translate(error, model, endpoint, attempt);
        await this.sleep(this.backoff(attempt, error));
      }
    }
  }

  private backoff(attempt: number, error: unknown): number {
    const exponential = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** attempt);
    // Honour a server's Retry-After (seconds) within our cap: it knows its own load best.
    const header = error instanceof OpenAI.APIError ? error.headers?.get("retry-after") : null;
    const retryAfter = header == null ? Number.NaN : Number(header) * 1000;
    return Number.isFinite(retryAfter)
      ? Math.min(this.maxBackoffMs, Math.max(exponential, retryAfter))
      : exponential;
  }

  private translate(
    error: unknown,
    model: string,
    endpoint: string,
    retries: number,
  ): BackendError {
    const tries = `after ${retries + 1} ${retries === 0 ? "try" : "tries"}`;
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      return this.error(model, `did not answer ${endpoint} within ${this.timeoutMs} ms ${tries}`, {
        fix: "check the server's load, or raise timeoutMs",
        cause: error,
      });
    }
    if (error instanceof OpenAI.APIConnectionError) {
      return this.error(model, `is not reachable (${endpoint}) ${tries}`, {
        fix: "start the server (e.g. `vllm serve MODEL`, `ollama serve`, `llama-server`) or fix the url",
        cause: error,
      });
    }
    if (error instanceof OpenAI.APIError) {
      const status = error.status ?? 0;
      const fixes: Record<number, string> = {
        401: "set the API key (OPENAI_API_KEY or the client's apiKey)",
        403: "set an API key that may use this model",
        404: `check the model name "${model}" and that the url ends with /v1`,
        429: "lower the concurrency, or wait and run again",
      };
      return this.error(
        model,
        `answered ${endpoint} with HTTP ${status} ${tries}: ${error.message}`,
        {
          fix:
            fixes[status] ??
            (status >= 500
              ? "check the server's log; it failed on this request"
              : "check the request against the server's documentation"),
          cause: error,
        },
      );
    }
    if (error instanceof SyntaxError) {
      return this.error(model, `answered ${endpoint} with malformed JSON`, {
        actual: error.message,
        fix: "check that the url points at an OpenAI-compatible /v1 endpoint, not a web page or proxy",
        cause: error,
      });
    }
    return this.error(model, `failed on ${endpoint}: ${String(error)}`, {
      fix: "check the url and the server",
      cause: error,
    });
  }

  private error(
    model: string,
    problem: string,
    details: { expected?: string; actual?: string; fix: string; cause?: unknown },
  ): BackendError {
    return new BackendError({
      input: `OpenAI-compatible server ${this.baseUrl} (model ${model})`,
      problem,
      ...details,
    });
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionError) return true;
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return false;
}

/** The `choices[0].logprobs.content` entries that are well formed, or undefined when none are. */
function tokenLogprobs(content: unknown): TokenLogprob[] | undefined {
  if (!Array.isArray(content)) return undefined;
  const out: TokenLogprob[] = [];
  for (const entry of content as { token?: unknown; logprob?: unknown }[]) {
    if (typeof entry?.token === "string" && typeof entry.logprob === "number")
      out.push({ token: entry.token, logprob: entry.logprob });
  }
  return out.length === 0 ? undefined : out;
}

function preview(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw optionError(name, value, "a positive number");
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw optionError(name, value, "a number ≥ 0");
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value >= 0)) throw optionError(name, value, "an integer ≥ 0");
  return value;
}

function optionError(name: string, value: number, expected: string): ConfigError {
  return new ConfigError({
    input: `OpenAI-compatible client: ${name}`,
    problem: "out of range",
    expected,
    actual: String(value),
    fix: `pass ${expected} for ${name}, or leave it out for the default`,
  });
}
