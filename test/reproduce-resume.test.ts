/**
 * `troupe reproduce --resume` after `kill -9`: at run boundaries and once in the middle of a write
 * (the crash hook leaves a torn result.json), the resumed study ends with results.json
 * byte-identical to an uninterrupted one, redoing only the damaged run.
 */
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CRASH_HOOK } from "../src/experiment/run.js";
import { runReproduce, tempFolder } from "./reproduce-support.js";

describe("troupe reproduce --resume after kill -9", () => {
  let root = "";
  before(async () => {
    root = await tempFolder("resume");
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("a study killed three times and resumed writes the same results.json as one never killed", async () => {
    const reference = join(root, "reference");
    const interrupted = join(root, "interrupted");
    const whole = await runReproduce(["--preset", "tiny", "--out", reference]);
    assert.equal(whole.code, 0, whole.stderr);

    const killed = await runReproduce(["--preset", "tiny", "--out", interrupted], { killAfter: 6 });
    assert.equal(killed.signal, "SIGKILL");

    const torn = await runReproduce(["--preset", "tiny", "--out", interrupted, "--resume"], {
      env: { [CRASH_HOOK]: "final-shared-td-s1" },
    });
    assert.equal(torn.signal, "SIGKILL", torn.stderr);

    const again = await runReproduce(["--preset", "tiny", "--out", interrupted, "--resume"], {
      killAfter: 24,
    });
    assert.match(again.stderr, /run final-shared-td-s1: damaged result/);

    const last = await runReproduce(["--preset", "tiny", "--out", interrupted, "--resume"]);
    assert.equal(last.code, 0, last.stderr);
    assert.match(last.stderr, /kept/);
    assert.equal(
      await readFile(join(interrupted, "results.json"), "utf8"),
      await readFile(join(reference, "results.json"), "utf8"),
    );
  });
});
