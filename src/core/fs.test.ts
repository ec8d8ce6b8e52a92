import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { IoError } from "./errors.js";
import { atomicWriteFile, type FileSystem, nodeFileSystem, readFileOrThrow } from "./fs.js";

/** A file system whose writes fail with `code` after `bytesBeforeFailure` bytes reach the disk. */
function failingFileSystem(code: string, bytesBeforeFailure: number): FileSystem {
  return {
    ...nodeFileSystem,
    async writeFileSynced(path, data) {
      await writeFile(path, data.subarray(0, bytesBeforeFailure));
      throw Object.assign(new Error(`${code}: simulated failure, write '${path}'`), { code });
    },
  };
}

describe("atomicWriteFile", () => {
  let folder = "";
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), "troupe-fs-"));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test("writes the content and creates missing folders", async () => {
    const path = join(folder, "a", "b", "file.json");
    await atomicWriteFile(path, '{"x":1}');
    assert.equal(await readFile(path, "utf8"), '{"x":1}');
  });

  test("replaces an existing file whole", async () => {
    const path = join(folder, "replace.txt");
    await atomicWriteFile(path, "old content that is longer");
    await atomicWriteFile(path, new Uint8Array([110, 101, 119]));
    assert.equal(await readFile(path, "utf8"), "new");
  });

  test("a full disk keeps the old file and leaves no temp file behind", async () => {
    const sub = join(folder, "full");
    const path = join(sub, "saved.json");
    await atomicWriteFile(path, "saved before");
    await assert.rejects(
      atomicWriteFile(path, "x".repeat(1000), failingFileSystem("ENOSPC", 10)),
      (error: unknown) =>
        error instanceof IoError &&
        error.message.includes(path) &&
        error.message.includes("ENOSPC") &&
        error.message.includes("free disk space"),
    );
    assert.equal(await readFile(path, "utf8"), "saved before");
    assert.deepEqual(await readdir(sub), ["saved.json"]);
  });

  test("a permission error names the file and the fix", async () => {
    await assert.rejects(
      atomicWriteFile(join(folder, "p.txt"), "x", failingFileSystem("EACCES", 0)),
      /p\.txt: could not be written \(EACCES\)\. Fix: check the permissions/,
    );
  });
});

describe("readFileOrThrow", () => {
  test("a missing file names the path and suggests checking it", async () => {
    await assert.rejects(
      readFileOrThrow(join(tmpdir(), "troupe-no-such-file-4242")),
      /troupe-no-such-file-4242: could not be read \(ENOENT\)\. Fix: check that the path exists/,
    );
  });
});
