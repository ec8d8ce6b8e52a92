/**
 * The `openai-compatible` encoder: embeddings from any server speaking the OpenAI `/v1/embeddings`
 * protocol (vLLM, llama.cpp server, Ollama, LM Studio), through the shared client in `openai/`.
 */
import { ConfigError } from "../core/errors.js";
import { type OpenAiClientOptions, OpenAiCompatibleClient } from "../openai/client.js";
import type { TextEncoder } from "./encoder.js";

/** Options of {@link connectOpenAiEncoder}. */
export interface OpenAiEncoderOptions extends OpenAiClientOptions {
  readonly model: string;
  /** The model's vector length; asked of the server with one probe text when left out. */
  readonly dimension?: number;
}

/** Embeds texts through an OpenAI-compatible server. */
export class OpenAiEmbeddingEncoder implements TextEncoder {
  readonly name = "openai-compatible";
  readonly identity: string;

  constructor(
    private readonly client: OpenAiCompatibleClient,
    readonly model: string,
    readonly dimension: number,
  ) {
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new ConfigError({
        input: `encoder openai-compatible (model ${model}): dimension`,
        problem: "not a positive integer",
        actual: String(dimension),
        fix: "set the model's embedding length, or leave it out to ask the server",
      });
    }
    // The server's address is left out on purpose: the same model behind another port gives the
    // same features, and its cached rows stay valid.
    this.identity = `openai-compatible:${model}:d=${dimension}`;
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dimension);
    if (texts.length === 0) return out;
    const rows = await this.client.embed(this.model, texts, this.dimension);
    rows.forEach((row, i) => {
      out.set(row, i * this.dimension);
    });
    return out;
  }
}

/**
 * Connects to an embeddings server; asks it for the dimension when none is given.
 * @example const encoder = await connectOpenAiEncoder({ baseUrl: "http://127.0.0.1:11434/v1", model: "nomic-embed-text" });
 */
export async function connectOpenAiEncoder(
  options: OpenAiEncoderOptions,
): Promise<OpenAiEmbeddingEncoder> {
  const client = new OpenAiCompatibleClient(options);
  const dimension =
    options.dimension ?? (await client.embed(options.model, ["dimension probe"]))[0].length;
  return new OpenAiEmbeddingEncoder(client, options.model, dimension);
}
