import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../scripts/test.mjs", import.meta.url));

test("the test script fails and says so when it finds no test file", () => {
  const empty = mkdtempSync(join(tmpdir(), "troupe-no-tests-"));
  try {
    const result = spawnSync(process.execPath, [script, empty], { encoding: "utf8" });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no \*\.test\.ts file under/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
