/**
 * Record and replay of chat requests: `RecordingChatClient` wraps a client, keys every request by
 * model, messages and sampling parameters, writes each request and reply through a
 * {@link RecordWriter}, and answers a request it has seen from the record. Given the records of an
 * earlier run and no server, it replays that run exactly; a request that was never recorded is a
 * clear error, never a silent call.
 */
import { InputError, StateError } from "../core/errors.js";
import { readFileOrThrow } from "../core/fs.js";
import { contentHash, parseJsonl } from "../core/json.js";
import type { RecordWriter } from "../core/record-writer.js";
import type { ChatClient, ChatRequest, ChatResult } from "../openai/client.js";

/** One recorded exchange, as written to the record file. */
export interface ChatRecord {
  readonly kind: "chat";
  readonly key: string;
  readonly request: ChatRequest;
  readonly result: ChatResult;
}

/** Options of {@link RecordingChatClient}. */
export interface RecordingChatClientOptions {
  /** The live client; leave out to replay from `records` only. */
  readonly client?: ChatClient;
  /** Where new exchanges are written. */
  readonly writer?: RecordWriter;
  /** Exchanges of earlier runs, answered without a request. */
  readonly records?: readonly ChatRecord[];
}

/** The cache key of a request: a hash of everything that changes the reply's distribution. */
export function chatRequestKey(request: ChatRequest): string {
  return contentHash({
    model: request.model,
    messages: request.messages,
    temperature: request.temperature,
    maxTokens: request.maxTokens,
    seed: request.seed,
    stop: request.stop,
    jsonSchema: request.jsonSchema,
    logprobs: request.logprobs,
  });
}

/** A chat client that records and replays; see the file header. */
export class RecordingChatClient implements ChatClient {
  /** Requests answered from the record / sent to the live client. */
  hits = 0;
  misses = 0;
  private readonly cache = new Map<string, ChatResult>();

  constructor(private readonly options: RecordingChatClientOptions) {
    for (const record of options.records ?? []) this.cache.set(record.key, record.result);
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    const key = chatRequestKey(request);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    if (this.options.client === undefined) {
      throw new StateError({
        input: `replayed chat request (model ${request.model}, key ${key.slice(0, 12)})`,
        problem: "not in the recording",
        expected: `one of ${this.cache.size} recorded requests`,
        fix: "replay with the same model, tasks, seed and sampling settings as the recorded run, or run against the server with --llm",
      });
    }
    const result = await this.options.client.chat(request);
    this.misses++;
    this.cache.set(key, result);
    const record: ChatRecord = { kind: "chat", key, request, result };
    await this.options.writer?.append(record);
    return result;
  }
}

/** The chat records in a JSONL record file (other record kinds in it are skipped). */
export async function readChatRecords(path: string): Promise<ChatRecord[]> {
  const text = (await readFileOrThrow(path)).toString("utf8");
  const out: ChatRecord[] = [];
  for (const { value, where } of parseJsonl(text, path)) {
    const record = value as Partial<ChatRecord> | null;
    if (record?.kind !== "chat") continue;
    if (typeof record.key !== "string" || typeof record.result?.content !== "string") {
      throw new InputError({
        input: where,
        problem: "a chat record without a key or a reply",
        expected: '{ kind: "chat", key, request, result: { content, … } }',
        fix: "use a record file written by `troupe play --record`, unedited",
      });
    }
    out.push(record as ChatRecord);
  }
  return out;
}
