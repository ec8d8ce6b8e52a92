/**
 * `troupe reproduce --resume` after `kill -9`: at run boundaries, once in the middle of a write
 * (the crash hook leaves a torn result.json) and once inside a run right after one of its
 * checkpoints, the resumed study ends with results.json byte-identical to an uninterrupted one,
 * redoing only what was lost.
 */
import assert from "node:assert/strict";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CRASH_HOOK, KILL_AFTER_SAVE_HOOK } from "../src/experiment/run.js";
import { runReproduce, tempFolder } from "./reproduce-support.js";

describe("troupe reproduce --resume after kill -9", () => {
  let root = "";
  let reference = "";
  before(async () => {
    root = await tempFolder("resume");
    reference = join(root, "reference");
    const whole = await runReproduce(["--preset", "tiny", "--out", reference]);
    assert.equal(whole.code, 0, whole.stderr);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("a study killed three times and resumed writes the same results.json as one never killed", async () => {
    const interrupted = join(root, "interrupted");
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

  test("a study killed inside a run after its second checkpoint resumes that run from it", async () => {
    const dir = join(root, "in-run");
    const run = "final-coordinated-s0";
    const killed = await runReproduce(["--preset", "tiny", "--out", dir], {
      env: { [KILL_AFTER_SAVE_HOOK]: `${run}:2` },
    });
    assert.equal(killed.signal, "SIGKILL", killed.stderr);
    const left = await readdir(join(dir, "runs", run));
    assert.ok(left.includes("state.ckpt") && left.includes("progress.json"), left.join(", "));
    assert.ok(!left.includes("result.json"));

    const resumed = await runReproduce(["--preset", "tiny", "--out", dir, "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stderr,
      new RegExp(`run ${run}: resuming from its checkpoint at 64 joint`),
    );
    assert.equal(
      await readFile(join(dir, "results.json"), "utf8"),
      await readFile(join(reference, "results.json"), "utf8"),
    );
  });
});
