/**
 * `LlmAgent`: one agent of a team, backed by a {@link ChatClient}. It prompts with the agent's
 * observation, numbered candidates, messages heard and role; parses the reply as structured output
 * (asking for a JSON schema where the server supports it); retries once with the error shown to
 * the model; and then falls back to the nearest legal candidate, reporting the fallback. Server
 * failures (down, 401, 404, 429 or 5xx after the client's retries, timeouts) are not papered over:
 * they reject with the client's BackendError, and the episode runner records them.
 */
import { ConfigError } from "../core/errors.js";
import { SILENT } from "../env/types.js";
import type { ChatClient, ChatMessage, ChatResult, TokenLogprob } from "../openai/client.js";
import { nearestLegalAction, parseDecision } from "./parse.js";
import { buildPrompt, DECISION_SCHEMA, type DecisionInput, retryMessage } from "./prompt.js";

/** Sampling and format settings of an {@link LlmAgent}; part of the response cache's key. */
export interface LlmAgentOptions {
  /** The model name sent with every request. */
  readonly model: string;
  /** Default 0 (greedy), so a run can be replayed and compared. */
  readonly temperature?: number;
  /** Longest reply in tokens. Default 128. */
  readonly maxTokens?: number;
  /** Sent to servers that honour it, for reproducible sampling. */
  readonly seed?: number;
  /** Ask for a JSON-schema reply (`response_format`). Default true. */
  readonly jsonSchema?: boolean;
  /** Ask for token log-probabilities. Default false. */
  readonly logprobs?: boolean;
}

/** One agent's decision and what it cost. */
export interface LlmDecision {
  readonly action: number;
  readonly message: number;
  /** True when neither reply was usable and the nearest legal candidate was taken. */
  readonly fallback: boolean;
  /** True when the first reply was refused and the model was asked again. */
  readonly retried: boolean;
  /** Why the last refused reply was refused (absent when the first reply was used). */
  readonly error?: string;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** The model's replies, in order. */
  readonly replies: readonly string[];
  /** The used reply's token log-probabilities, when asked for and the server sent them. */
  readonly logprobs?: readonly TokenLogprob[];
}

/** An agent that asks a chat model for each action; see the file header. */
export class LlmAgent {
  private readonly temperature: number;
  private readonly maxTokens: number;

  constructor(
    private readonly client: ChatClient,
    private readonly options: LlmAgentOptions,
  ) {
    if (options.model === "") {
      throw new ConfigError({
        input: "LlmAgent model",
        problem: "empty",
        expected: "the model's name as the server knows it",
        fix: "pass --model NAME (e.g. qwen2.5:7b for Ollama)",
      });
    }
    this.temperature = options.temperature ?? 0;
    this.maxTokens = options.maxTokens ?? 128;
  }

  /** Asks the model for `input.agent`'s action and message. */
  async decide(input: DecisionInput): Promise<LlmDecision> {
    const conversation: ChatMessage[] = buildPrompt(input);
    const replies: string[] = [];
    let promptTokens = 0;
    let completionTokens = 0;
    let error: string | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const result: ChatResult = await this.client.chat({
        model: this.options.model,
        // A copy: the request must not change when the retry extends the conversation.
        messages: [...conversation],
        temperature: this.temperature,
        maxTokens: this.maxTokens,
        ...(this.options.seed === undefined ? {} : { seed: this.options.seed }),
        ...(this.options.jsonSchema === false
          ? {}
          : { jsonSchema: { name: "decision", schema: DECISION_SCHEMA } }),
        ...(this.options.logprobs === true ? { logprobs: true } : {}),
      });
      replies.push(result.content);
      promptTokens += result.promptTokens;
      completionTokens += result.completionTokens;
      const parsed = parseDecision(result.content, input.actionMask, input.messageMask);
      const costs = { requests: attempt + 1, promptTokens, completionTokens, replies };
      if (parsed.ok) {
        return {
          action: parsed.action,
          message: parsed.message,
          fallback: false,
          retried: attempt > 0,
          ...(error === undefined ? {} : { error }),
          ...(result.logprobs === undefined ? {} : { logprobs: result.logprobs }),
          ...costs,
        };
      }
      error = parsed.error;
      if (result.finishReason === "length") error += " (the reply was cut off at maxTokens)";
      if (attempt === 0)
        conversation.push({ role: "assistant", content: result.content }, retryMessage(error));
    }
    const last = replies[replies.length - 1] ?? "";
    return {
      action: nearestLegalAction(last, input.observation.actions, input.actionMask),
      message: SILENT,
      fallback: true,
      retried: true,
      error: error ?? "no usable reply",
      requests: 2,
      promptTokens,
      completionTokens,
      replies,
    };
  }
}
