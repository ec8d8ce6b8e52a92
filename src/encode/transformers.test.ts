import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, IoError } from "../core/errors.js";
import { loadTransformersEncoder, TRANSFORMERS_INSTALL } from "./transformers.js";

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
