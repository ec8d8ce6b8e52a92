/**
 * The one config shape that names a chat model, the same shape as the encoder config
 * (`{ kind: "openai-compatible", url, model }`), validated by zod and saved with a run's record.
 * `createChatClient` builds the client it names: the HTTP client for any OpenAI-compatible server
 * (vLLM, llama.cpp server, Ollama's `/v1`, LM Studio), or a local GGUF file through the optional
 * node-llama-cpp.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { type ChatClient, OpenAiCompatibleClient } from "../openai/client.js";
import { loadGgufChatClient } from "./gguf.js";

/** The chat model kinds. */
export const LLM_KINDS = ["openai-compatible", "node-llama-cpp"] as const;

/** The LLM config: which client, where the server or model file is, and how patient to be. */
export const LlmConfigSchema = z
  .strictObject({
    kind: z
      .enum(LLM_KINDS)
      .default("openai-compatible")
      .describe(
        "an OpenAI-compatible HTTP server (default) or a local GGUF file via node-llama-cpp",
      ),
    url: z.url().optional().describe("openai-compatible: the server's base URL, ending in /v1"),
    model: z.string().min(1).optional().describe("the model's name as the server knows it"),
    path: z.string().min(1).optional().describe("node-llama-cpp: the GGUF model file"),
    timeoutMs: z.number().int().positive().default(60_000).describe("per-request timeout in ms"),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe("retries of network errors, timeouts, 429 and 5xx, with backoff"),
    concurrency: z.number().int().positive().default(4).describe("requests in flight at once"),
  })
  .superRefine((config, context) => {
    if (config.kind === "openai-compatible") {
      for (const key of ["url", "model"] as const) {
        if (config[key] === undefined)
          context.addIssue({
            code: "custom",
            path: [key],
            message: `openai-compatible needs ${key}`,
          });
      }
    }
    if (config.kind === "node-llama-cpp" && config.path === undefined) {
      context.addIssue({ code: "custom", path: ["path"], message: "node-llama-cpp needs path" });
    }
  });

/** A validated LLM config. */
export type LlmConfig = z.infer<typeof LlmConfigSchema>;

/** Validates an LLM config; a {@link ConfigError} names the first bad field and the fix. */
export function parseLlmConfig(input: unknown, source = "llm config"): LlmConfig {
  const result = LlmConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError({
    input: `${source}.${issue.path.join(".") || "(root)"}`,
    problem: issue.message,
    expected: `{ kind: ${LLM_KINDS.map((k) => `"${k}"`).join(" | ")}, url?, model?, path?, timeoutMs?, maxRetries?, concurrency? }`,
    fix: 'e.g. { kind: "openai-compatible", url: "http://127.0.0.1:11434/v1", model: "qwen2.5:7b" }',
  });
}

/**
 * Builds the chat client a config names.
 * @example const client = await createChatClient({ url: "http://127.0.0.1:11434/v1", model: "qwen2.5:7b" });
 */
export async function createChatClient(input: unknown): Promise<ChatClient> {
  const config = parseLlmConfig(input);
  if (config.kind === "node-llama-cpp") return loadGgufChatClient({ path: config.path as string });
  return new OpenAiCompatibleClient({
    baseUrl: config.url as string,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    concurrency: config.concurrency,
  });
}
