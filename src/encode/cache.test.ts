import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { IoError } from "../core/errors.js";
import { type FileSystem, nodeFileSystem } from "../core/fs.js";
import { describeTextEncoder } from "../testing/text-encoder.js";
import { CachedEncoder } from "./cache.js";
import type { TextEncoder } from "./encoder.js";
import { HashingEncoder } from "./hashing.js";

/** A hashing encoder that counts the texts it is asked to encode. */
class CountingEncoder implements TextEncoder {
  private readonly inner = new HashingEncoder({ dimension: 32 });
  readonly name = this.inner.name;
  readonly dimension = this.inner.dimension;
  readonly identity = this.inner.identity;
  calls: string[] = [];
  async encode(texts: readonly string[]): Promise<Float32Array> {
    this.calls.push(...texts);
    return this.inner.encode(texts);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describeTextEncoder(
  "hashing behind the memory cache",
  () => new CachedEncoder(new HashingEncoder()),
);

describe("CachedEncoder", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-cache-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("it returns the same rows as the encoder it wraps", async () => {
    const texts = ["a b", "c d", "a b"];
    const bare = await new HashingEncoder({ dimension: 32 }).encode(texts);
    const cached = new CachedEncoder(new CountingEncoder());
    assert.deepEqual(await cached.encode(texts), bare);
    assert.deepEqual(await cached.encode(texts), bare);
  });

  test("a text repeated within and across batches is encoded once", async () => {
    const inner = new CountingEncoder();
    const cached = new CachedEncoder(inner);
    await cached.encode(["x", "y", "x"]);
    await cached.encode(["y", "z"]);
    assert.deepEqual(inner.calls, ["x", "y", "z"]);
    assert.equal(cached.stats.memoryHits, 1);
  });

  test("the memory cache drops the least recently used rows past its capacity", async () => {
    const inner = new CountingEncoder();
    const cached = new CachedEncoder(inner, { memoryRows: 2 });
    await cached.encode(["a", "b"]);
    await cached.encode(["a", "c"]);
    await cached.encode(["a", "b"]);
    assert.deepEqual(inner.calls, ["a", "b", "c", "b"]);
  });

  test("a second run over the same disk store encodes nothing", async () => {
    const store = join(dir, "repeat");
    const texts = ["move to site 3", "wait", "assign agent 2 to task 5"];
    const first = new CountingEncoder();
    const rows = await new CachedEncoder(first, { dir: store }).encode(texts);
    const second = new CountingEncoder();
    const again = new CachedEncoder(second, { dir: store });
    assert.deepEqual(await again.encode(texts), rows);
    assert.deepEqual(second.calls, []);
    assert.equal(again.stats.diskHits, 3);
  });

  test("encoders of different identities do not share disk rows", async () => {
    const store = join(dir, "identities");
    await new CachedEncoder(new HashingEncoder({ dimension: 32 }), { dir: store }).encode(["a"]);
    const other = new CachedEncoder(new HashingEncoder({ dimension: 64 }), { dir: store });
    await other.encode(["a"]);
    assert.equal(other.stats.diskHits, 0);
    assert.equal(other.stats.encoded, 1);
  });

  test("a corrupt disk entry is re-encoded and rewritten, not trusted", async () => {
    const store = join(dir, "corrupt");
    const rows = await new CachedEncoder(new CountingEncoder(), { dir: store }).encode(["a"]);
    const entry = (await listFiles(store)).find((f) => f.endsWith(".f32")) as string;
    await writeFile(entry, Buffer.alloc(20, 7));
    const inner = new CountingEncoder();
    const cached = new CachedEncoder(inner, { dir: store });
    assert.deepEqual(await cached.encode(["a"]), rows);
    assert.deepEqual(inner.calls, ["a"]);
    assert.equal(cached.stats.rebuilt, 1);
    const fresh = new CachedEncoder(new CountingEncoder(), { dir: store });
    await fresh.encode(["a"]);
    assert.equal(fresh.stats.diskHits, 1);
  });

  test("concurrent writers of the same texts leave whole, readable entries", async () => {
    const store = join(dir, "concurrent");
    const texts = Array.from({ length: 40 }, (_, i) => `text ${i}`);
    const writers = Array.from(
      { length: 4 },
      () => new CachedEncoder(new CountingEncoder(), { dir: store }),
    );
    await Promise.all(writers.map((w) => w.encode(texts)));
    const reader = new CountingEncoder();
    const cached = new CachedEncoder(reader, { dir: store });
    await cached.encode(texts);
    assert.deepEqual(reader.calls, []);
    assert.equal(cached.stats.rebuilt, 0);
    assert.equal((await listFiles(store)).filter((f) => f.includes(".tmp-")).length, 0);
  });

  test("an interrupted write (disk full) fails with an IoError and leaves no partial entry", async () => {
    const store = join(dir, "full");
    let writes = 0;
    const failing: FileSystem = {
      ...nodeFileSystem,
      writeFileSynced: async (path, data) => {
        writes++;
        if (writes > 2) throw Object.assign(new Error("no space"), { code: "ENOSPC" });
        await nodeFileSystem.writeFileSynced(path, data);
      },
    };
    const texts = ["a", "b", "c", "d"];
    await assert.rejects(
      new CachedEncoder(new CountingEncoder(), {
        dir: store,
        fs: failing,
        diskConcurrency: 1,
      }).encode(texts),
      IoError,
    );
    const inner = new CountingEncoder();
    const cached = new CachedEncoder(inner, { dir: store });
    assert.deepEqual(
      await cached.encode(texts),
      await new HashingEncoder({ dimension: 32 }).encode(texts),
    );
    assert.equal(cached.stats.rebuilt, 0);
    assert.equal(cached.stats.diskHits, 1);
  });
});
