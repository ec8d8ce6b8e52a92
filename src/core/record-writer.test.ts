import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { IoError } from "./errors.js";
import { parseJsonl } from "./json.js";
import { JsonlRecordWriter, MemoryRecordWriter } from "./record-writer.js";

describe("record writers", () => {
  test("the memory writer keeps appended records in order as plain JSON copies", async () => {
    const writer = new MemoryRecordWriter();
    const record = { b: 1, a: [1, 2] };
    await writer.append(record);
    record.b = 2;
    await writer.append({ c: "x" });
    assert.deepEqual(writer.records, [{ a: [1, 2], b: 1 }, { c: "x" }]);
  });

  test("the JSONL writer creates the folder and writes one line per record", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-records-"));
    try {
      const path = join(dir, "nested", "log.jsonl");
      const writer = new JsonlRecordWriter(path);
      await Promise.all(Array.from({ length: 20 }, (_, i) => writer.append({ i })));
      const records = parseJsonl(await readFile(path, "utf8"), path).map((r) => r.value);
      assert.deepEqual(
        records,
        Array.from({ length: 20 }, (_, i) => ({ i })),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a failed append is an IoError naming the path, and later appends still run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-records-"));
    try {
      const blocker = join(dir, "file");
      await writeFile(blocker, "not a folder");
      const bad = new JsonlRecordWriter(join(blocker, "log.jsonl"));
      await assert.rejects(bad.append({ i: 1 }), (error: unknown) => {
        assert.ok(error instanceof IoError);
        assert.match(error.message, /log\.jsonl/);
        return true;
      });
      await assert.rejects(bad.append({ i: 2 }), IoError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
