import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, IoError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { describeTextEncoder } from "../testing/text-encoder.js";
import { writeTinySentenceModel } from "./tiny-model.js";
import {
  loadTransformersEncoder,
  TRANSFORMERS_INSTALL,
  TRANSFORMERS_PACKAGE,
  type TransformersEncoder,
} from "./transformers.js";

const installed = (() => {
  try {
    createRequire(import.meta.url).resolve(TRANSFORMERS_PACKAGE);
    return true;
  } catch {
    return false;
  }
})();

describe("transformers encoder loading", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-transformers-"));
    await mkdir(join(dir, "complete", "onnx"), { recursive: true });
    for (const file of ["config.json", "tokenizer.json", join("onnx", "model.onnx")]) {
      await writeFile(join(dir, "complete", file), "{}");
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a model folder without its ONNX file is an IoError naming the file", async () => {
    await mkdir(join(dir, "partial"), { recursive: true });
    await writeFile(join(dir, "partial", "config.json"), "{}");
    await assert.rejects(
      loadTransformersEncoder({ path: join(dir, "partial") }),
      (error: unknown) => {
        return error instanceof IoError && /tokenizer\.json is missing/.test(error.message);
      },
    );
  });

  test("a missing package is a ConfigError that prints the install line", async () => {
    const importModule = async () => {
      throw Object.assign(new Error("Cannot find package"), { code: "ERR_MODULE_NOT_FOUND" });
    };
    await assert.rejects(
      loadTransformersEncoder({ path: join(dir, "complete"), importModule }),
      (error: unknown) => {
        return error instanceof ConfigError && error.fix.includes(TRANSFORMERS_INSTALL);
      },
    );
  });

  test("the install line skips onnxruntime-node's CUDA download", () => {
    assert.match(
      TRANSFORMERS_INSTALL,
      /^ONNXRUNTIME_NODE_INSTALL=skip npm install @huggingface\/transformers$/,
    );
  });
});

// The tiny model is built here with RANDOM weights: these tests check the loading and inference
// code path (tokenizer.json, ONNX session, pooling), not the meaning of its vectors.
describe("transformers encoder on a tiny model built by the test (random weights)", {
  skip: installed ? false : `${TRANSFORMERS_PACKAGE} is not installed (${TRANSFORMERS_INSTALL})`,
}, () => {
  let dir: string;
  let encoder: TransformersEncoder;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-tiny-model-"));
    await writeTinySentenceModel(join(dir, "tiny"), Rng.fromSeed("tiny-model"), { hidden: 16 });
    encoder = await loadTransformersEncoder({ path: join(dir, "tiny") });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describeTextEncoder("transformers (tiny random model)", () => encoder, { longTextWords: 2_000 });

  test("its dimension is the model's hidden size", () => {
    assert.equal(encoder.dimension, 16);
  });

  test("its identity names the weights, not the folder's path", async () => {
    await writeTinySentenceModel(join(dir, "copy"), Rng.fromSeed("tiny-model"), { hidden: 16 });
    const copy = await loadTransformersEncoder({ path: join(dir, "copy") });
    assert.equal(copy.identity.split(":")[2], encoder.identity.split(":")[2]);
    assert.ok(!encoder.identity.includes(dir), encoder.identity);
    await copy.close();
  });

  test("a corrupt ONNX file is an IoError naming the model folder", async () => {
    await writeTinySentenceModel(join(dir, "corrupt"), Rng.fromSeed(1));
    await writeFile(join(dir, "corrupt", "onnx", "model.onnx"), "not a protobuf");
    await assert.rejects(
      loadTransformersEncoder({ path: join(dir, "corrupt") }),
      (error: unknown) => {
        return error instanceof IoError && error.input.includes("corrupt");
      },
    );
  });
});
