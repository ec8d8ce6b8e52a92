/**
 * The `transformers` encoder: a sentence-embedding model (e.g. a MiniLM the user downloaded)
 * run locally by `@huggingface/transformers` from a folder, never from the network
 * (`env.allowRemoteModels = false`). The package pulls onnxruntime-node and sharp, so it is an
 * optional peer dependency, imported only when this encoder is asked for.
 */

import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import { ConfigError, IoError, NumericError } from "../core/errors.js";
import { type FileSystem, nodeFileSystem } from "../core/fs.js";
import type { TextEncoder } from "./encoder.js";

/** The optional peer dependency, and how to install it offline-safely. */
export const TRANSFORMERS_PACKAGE = "@huggingface/transformers";
export const TRANSFORMERS_INSTALL = `ONNXRUNTIME_NODE_INSTALL=skip npm install ${TRANSFORMERS_PACKAGE}`;

/** The files a model folder needs. */
const REQUIRED_FILES = ["config.json", "tokenizer.json", join("onnx", "model.onnx")];

/** The part of `@huggingface/transformers` this encoder uses. */
interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean };
  pipeline(
    task: "feature-extraction",
    model: string,
    options: Record<string, unknown>,
  ): Promise<FeatureExtractor>;
}
type FeatureExtractor = ((
  texts: string[],
  options: { pooling: "mean"; normalize: boolean },
) => Promise<{ data: Float32Array; dims: number[] }>) & { dispose?: () => Promise<void> };

/** Options of {@link loadTransformersEncoder}. */
export interface TransformersEncoderOptions {
  /** The model folder (config.json, tokenizer.json, onnx/model.onnx). */
  readonly path: string;
  readonly fs?: FileSystem;
  /** Module loader; tests replace it to simulate a missing package. */
  readonly importModule?: (name: string) => Promise<unknown>;
}

/** Mean-pooled, unit-length sentence embeddings from a local transformer model. */
export class TransformersEncoder implements TextEncoder {
  readonly name = "transformers";

  constructor(
    private readonly extractor: FeatureExtractor,
    readonly dimension: number,
    readonly identity: string,
  ) {}

  async encode(texts: readonly string[]): Promise<Float32Array> {
    if (texts.length === 0) return new Float32Array(0);
    // One text per call: batched inference pads to the longest text, which moves the last bits
    // of a row with its batch-mates and would break "a text's row does not depend on its batch".
    const out = new Float32Array(texts.length * this.dimension);
    for (let i = 0; i < texts.length; i++) {
      const result = await this.extractor([texts[i]], { pooling: "mean", normalize: true });
      const row = result.data.subarray(0, this.dimension);
      if (row.every(Number.isFinite)) {
        out.set(row, i * this.dimension);
      } else if (texts[i].trim() !== "") {
        throw new NumericError({
          input: `encoder ${this.identity}: text ${i}`,
          problem: "the model returned values that are not finite",
          actual: `${texts[i].slice(0, 60)}`,
          fix: "check the model export; a model with fp16 weights may overflow, use its fp32 onnx/model.onnx",
        });
      }
      // A text with no tokens (and a tokenizer without [CLS]/[SEP]) has nothing to average over:
      // its row stays zero, as with the other encoders.
    }
    return out;
  }

  async close(): Promise<void> {
    await this.extractor.dispose?.();
  }
}

/**
 * Loads a sentence-embedding model from a local folder.
 * @example const encoder = await loadTransformersEncoder({ path: "models/all-MiniLM-L6-v2" });
 */
export async function loadTransformersEncoder(
  options: TransformersEncoderOptions,
): Promise<TransformersEncoder> {
  const fs = options.fs ?? nodeFileSystem;
  const folder = resolve(options.path);
  for (const file of REQUIRED_FILES) {
    if (!(await fs.exists(join(folder, file)))) {
      throw new IoError({
        input: `encoder transformers: model folder ${folder}`,
        problem: `${file} is missing`,
        expected: REQUIRED_FILES.join(", "),
        fix: "point path at a folder exported for transformers.js (e.g. a Xenova/* model downloaded with git lfs)",
      });
    }
  }
  const load = options.importModule ?? ((name: string) => import(name));
  let transformers: TransformersModule;
  try {
    transformers = (await load(TRANSFORMERS_PACKAGE)) as TransformersModule;
  } catch (cause) {
    throw new ConfigError({
      input: "encoder transformers",
      problem: `the optional package ${TRANSFORMERS_PACKAGE} is not installed`,
      fix: `run \`${TRANSFORMERS_INSTALL}\`, or use the glove-100d or hashing encoder`,
      cause,
    });
  }
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  let extractor: FeatureExtractor;
  try {
    extractor = await transformers.pipeline("feature-extraction", folder, {
      local_files_only: true,
      dtype: "fp32",
    });
  } catch (cause) {
    throw new IoError({
      input: `encoder transformers: model folder ${folder}`,
      problem: `the model could not be loaded (${cause instanceof Error ? cause.message : String(cause)})`,
      fix: "check that the folder holds a complete, uncorrupted transformers.js export",
      cause,
    });
  }
  const probe = await extractor(["dimension probe"], { pooling: "mean", normalize: true });
  const dimension = probe.dims.at(-1) ?? 0;
  // The weights' hash, not the folder's path, names the features: a moved folder keeps its cache.
  const weights = createHash("sha256")
    .update(await fs.readFile(join(folder, "onnx", "model.onnx")))
    .digest("hex")
    .slice(0, 16);
  return new TransformersEncoder(
    extractor,
    dimension,
    `transformers:${basename(folder)}:${weights}:d=${dimension}:pool=mean`,
  );
}
