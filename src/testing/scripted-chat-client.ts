/**
 * `ScriptedChatClient`: an offline {@link ChatClient} for tests (Troupe's and users' own). It
 * answers from a script — a list of replies used in order, or a function of the request — and
 * each scripted step can be slow, fail with a server error, time out, or return any text
 * (malformed JSON, an action that is not on the list), so every path of an LLM agent can be tested
 * without a server. It records every request it received.
 */
import { BackendError, InputError, StateError } from "../core/errors.js";
import type { ChatClient, ChatRequest, ChatResult, TokenLogprob } from "../openai/client.js";

/** One scripted answer: the reply text, or a step that delays, fails or times out. */
export type ScriptedReply =
  | string
  | {
      /** The reply text (default ""). */
      readonly content?: string;
      /** Wait this long before answering. */
      readonly delayMs?: number;
      /** Fail like a server would: an HTTP status (401, 404, 429, 500, …) as a BackendError. */
      readonly status?: number;
      /** Fail like a request that ran past its timeout (after `delayMs`, if given). */
      readonly timeout?: boolean;
      /** Per-token log-probabilities to return. */
      readonly logprobs?: readonly TokenLogprob[];
    };

/** Options of {@link ScriptedChatClient}. */
export interface ScriptedChatClientOptions {
  /** Replies used in order, or a function of the request and its 0-based index. */
  readonly replies:
    | readonly ScriptedReply[]
    | ((request: ChatRequest, index: number) => ScriptedReply);
  /** When the list runs out: repeat its last reply (true) or fail with a StateError (default). */
  readonly repeatLast?: boolean;
}

/**
 * A chat client that answers from a script; see the file header. Token counts are one per four
 * characters (rounded up), so token accounting has something to add up.
 * @example const client = new ScriptedChatClient({ replies: ['{"action": 2}', "not json"] });
 */
export class ScriptedChatClient implements ChatClient {
  /** Every request received, in order (including ones whose step failed). */
  readonly requests: ChatRequest[] = [];

  constructor(private readonly options: ScriptedChatClientOptions) {}

  async chat(request: ChatRequest): Promise<ChatResult> {
    if (request.model === "" || request.messages.length === 0) {
      throw new InputError({
        input: "chat request to the scripted client",
        problem: request.model === "" ? "no model named" : "no messages",
        expected: "a model name and at least one message",
        actual: `model "${request.model}", ${request.messages.length} messages`,
        fix: "pass the model's name and the conversation so far",
      });
    }
    const index = this.requests.length;
    this.requests.push(request);
    const step = this.next(request, index);
    const reply = typeof step === "string" ? { content: step } : step;
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      await new Promise<void>((resolve) => setTimeout(resolve, reply.delayMs));
    }
    if (reply.timeout === true) {
      throw scriptedError(
        request,
        `did not answer within the timeout (scripted, request ${index})`,
        "raise the timeout, or check the server's load",
      );
    }
    if (reply.status !== undefined) {
      throw scriptedError(
        request,
        `answered with HTTP ${reply.status} (scripted, request ${index})`,
        "the script asked for this failure",
      );
    }
    const content = reply.content ?? "";
    const promptChars = request.messages.reduce((sum, m) => sum + m.content.length, 0);
    return {
      content,
      finishReason: "stop",
      promptTokens: Math.ceil(promptChars / 4),
      completionTokens: Math.ceil(content.length / 4),
      ...(reply.logprobs === undefined ? {} : { logprobs: reply.logprobs }),
    };
  }

  private next(request: ChatRequest, index: number): ScriptedReply {
    const replies = this.options.replies;
    if (typeof replies === "function") return replies(request, index);
    if (index < replies.length) return replies[index];
    if (this.options.repeatLast === true && replies.length > 0) return replies[replies.length - 1];
    throw new StateError({
      input: "ScriptedChatClient",
      problem: "the script has run out of replies",
      expected: `at most ${replies.length} requests`,
      actual: `request ${index + 1}`,
      fix: "add replies to the script, or pass repeatLast: true",
    });
  }
}

function scriptedError(request: ChatRequest, problem: string, fix: string): BackendError {
  return new BackendError({ input: `scripted chat client (model ${request.model})`, problem, fix });
}
