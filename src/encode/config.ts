/**
 * The one config shape that names an encoder (and, later, an LLM endpoint): validated by zod,
 * saved with every run. `createEncoder` builds the encoder it names, wrapped in the feature cache.
 */
import { join } from "node:path";
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import type { OpenAiClientOptions } from "../openai/client.js";
import { CachedEncoder, type FeatureCacheOptions } from "./cache.js";
import type { TextEncoder } from "./encoder.js";
import { defaultCacheDir, loadGloveEncoder } from "./glove.js";
import { HashingEncoder } from "./hashing.js";
import { connectOpenAiEncoder } from "./openai-compatible.js";
import { loadTransformersEncoder } from "./transformers.js";

/** The encoder kinds. */
export const ENCODER_KINDS = [
  "glove-100d",
  "hashing",
  "transformers",
  "openai-compatible",
] as const;

/** The encoder config: which encoder, and where its model or server is. */
export const EncoderConfigSchema = z
  .strictObject({
    kind: z
      .enum(ENCODER_KINDS)
      .default("glove-100d")
      .describe(
        "which encoder: pretrained word vectors (default), hashing, a local transformer, or an HTTP server",
      ),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        "glove-100d: the source JSON (default: the installed package); transformers: the model folder",
      ),
    url: z.url().optional().describe("openai-compatible: the server's base URL, ending in /v1"),
    model: z.string().min(1).optional().describe("openai-compatible: the embedding model's name"),
    dimension: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "hashing: the row length (default 512); openai-compatible: the expected vector length",
      ),
  })
  .superRefine((config, context) => {
    if (config.kind === "transformers" && config.path === undefined) {
      context.addIssue({
        code: "custom",
        path: ["path"],
        message: "transformers needs path (the model folder)",
      });
    }
    if (config.kind === "openai-compatible") {
      if (config.url === undefined)
        context.addIssue({ code: "custom", path: ["url"], message: "openai-compatible needs url" });
      if (config.model === undefined)
        context.addIssue({
          code: "custom",
          path: ["model"],
          message: "openai-compatible needs model",
        });
    }
  });

/** A validated encoder config. */
export type EncoderConfig = z.infer<typeof EncoderConfigSchema>;

/** Validates an encoder config; a {@link ConfigError} names the first bad field and the fix. */
export function parseEncoderConfig(input: unknown, source = "encoder config"): EncoderConfig {
  const result = EncoderConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError({
    input: `${source}.${issue.path.join(".") || "(root)"}`,
    problem: issue.message,
    expected: `{ kind: ${ENCODER_KINDS.map((k) => `"${k}"`).join(" | ")}, path?, url?, model?, dimension? }`,
    fix: "correct the field; see docs/encoders.md for each kind's fields",
  });
}

/** Where encoders keep their files, and how they reach servers. */
export interface CreateEncoderOptions {
  /** Root of the vector and feature caches. Default `$TROUPE_CACHE_DIR` or `~/.cache/troupe`. */
  readonly cacheDir?: string;
  /** In-memory and on-disk feature cache; `false` for the bare encoder. Default: both. */
  readonly cache?: false | Omit<FeatureCacheOptions, "dir">;
  /** Extra HTTP client settings (timeout, retries, concurrency) for openai-compatible. */
  readonly client?: Omit<OpenAiClientOptions, "baseUrl">;
}

type Factory = (
  config: EncoderConfig,
  options: CreateEncoderOptions,
  cacheDir: string,
) => Promise<TextEncoder>;

const factories = new Map<EncoderConfig["kind"], Factory>([
  [
    "glove-100d",
    (config, _options, cacheDir) =>
      loadGloveEncoder({
        cacheDir,
        ...(config.path === undefined ? {} : { sourcePath: config.path }),
      }),
  ],
  [
    "hashing",
    async (config) =>
      new HashingEncoder(config.dimension === undefined ? {} : { dimension: config.dimension }),
  ],
  ["transformers", (config) => loadTransformersEncoder({ path: config.path as string })],
  [
    "openai-compatible",
    (config, options) =>
      connectOpenAiEncoder({
        ...options.client,
        baseUrl: config.url as string,
        model: config.model as string,
        ...(config.dimension === undefined ? {} : { dimension: config.dimension }),
      }),
  ],
]);

/**
 * Builds the encoder a config names, behind the feature cache.
 * @example const encoder = await createEncoder({ kind: "hashing" }, { cache: false });
 */
export async function createEncoder(
  input: unknown,
  options: CreateEncoderOptions = {},
): Promise<TextEncoder> {
  const config = parseEncoderConfig(input);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const factory = factories.get(config.kind) as Factory;
  const encoder = await factory(config, options, cacheDir);
  if (options.cache === false) return encoder;
  return new CachedEncoder(encoder, { ...options.cache, dir: join(cacheDir, "features") });
}
