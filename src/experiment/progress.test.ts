/** The study's progress display: its lines, the live rate, the ETA, and the two output modes. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  formatDuration,
  formatFinished,
  formatProgress,
  Progress,
  type ProgressOptions,
} from "./progress.js";
import type { RunResult } from "./run.js";

const result = (id: string, jointSteps: number, budget = 200) =>
  ({ spec: { id, budget }, jointSteps, wallSeconds: 99 }) as unknown as RunResult;

function harness(extra: Partial<ProgressOptions> = {}) {
  let t = 0;
  const lines: string[] = [];
  const progress = new Progress({
    total: 2,
    totalSteps: 400,
    log: (text) => lines.push(text),
    interactive: false,
    now: () => t,
    ...extra,
  });
  return {
    progress,
    lines,
    at: (seconds: number) => {
      t = seconds;
    },
  };
}

describe("progress display", () => {
  test("durations read as seconds, minutes, hours or days", () => {
    assert.equal(formatDuration(null), "?");
    assert.equal(formatDuration(42.4), "42 s");
    assert.equal(formatDuration(425), "7 min 05 s");
    assert.equal(formatDuration(3 * 3600 + 20 * 60), "3 h 20 min");
    assert.equal(formatDuration(2 * 86_400 + 4 * 3600), "2 d 04 h");
  });

  test("the live line names the current run, its steps and rate, the others running, the ETA", () => {
    assert.equal(
      formatProgress({
        done: 3,
        total: 28,
        current: { id: "select-bc-p1-s1000", jointSteps: 2048, budget: 4096, rate: 1530.4 },
        running: 2,
        totalRate: 3001,
        etaSeconds: 125,
      }),
      "troupe reproduce: 3/28 runs done; select-bc-p1-s1000 2048/4096 steps at 1530 steps/s; " +
        "2 running at 3001 steps/s in all; ETA 2 min 05 s",
    );
    assert.equal(
      formatProgress({ done: 0, total: 4, running: 0, totalRate: 0, etaSeconds: null }),
      "troupe reproduce: 0/4 runs done; ETA ?",
    );
    assert.equal(
      formatFinished(5, 28, "final-bc-s0", null, 60),
      "troupe reproduce: [5/28] final-bc-s0 (kept); ETA 1 min 00 s",
    );
    assert.equal(
      formatFinished(6, 28, "final-bc-s1", 812.6, 3),
      "troupe reproduce: [6/28] final-bc-s1 done (813 steps/s); ETA 3 s",
    );
  });

  test("plain output: a line per finished run, live lines at most every 30 s, ETA from the live rate", () => {
    const { progress, lines, at } = harness();
    at(10);
    progress.report({ id: "a", jointSteps: 100, budget: 200, startSteps: 0, seconds: 10 });
    assert.deepEqual(lines, []);
    at(40);
    progress.report({ id: "a", jointSteps: 150, budget: 200, startSteps: 0, seconds: 40 });
    // 150 steps in 40 s: 3.75 steps/s, 250 steps left.
    assert.deepEqual(lines, [
      "troupe reproduce: 0/2 runs done; a 150/200 steps at 4 steps/s; ETA 1 min 07 s\n",
    ]);
    at(50);
    progress.finish(result("a", 200), false);
    assert.equal(lines[1], "troupe reproduce: [1/2] a done (4 steps/s); ETA 50 s\n");
    at(55);
    progress.report({ id: "b", jointSteps: 0, budget: 200, startSteps: 0, seconds: 0 });
    assert.equal(lines.length, 2, "no live line within 30 s of the last line");
  });

  test("a resumed run's rate counts only the steps this process ran", () => {
    const { progress, lines, at } = harness({ plainEvery: 0 });
    at(20);
    progress.report({ id: "a", jointSteps: 160, budget: 200, startSteps: 100, seconds: 20 });
    assert.match(lines[0], /a 160\/200 steps at 3 steps\/s; ETA 1 min 20 s/);
  });

  test("kept runs count as done without a rate", () => {
    const { progress, lines } = harness();
    progress.finish(result("a", 200), true);
    assert.deepEqual(lines, ["troupe reproduce: [1/2] a (kept); ETA ?\n"]);
  });

  test("on a terminal one line is redrawn in place, cut to the width, and ended when all are done", () => {
    const { progress, lines, at } = harness({ interactive: true, width: 40 });
    at(1);
    progress.report({
      id: "select-coordinated-p0-s1000",
      jointSteps: 50,
      budget: 200,
      startSteps: 0,
      seconds: 1,
    });
    assert.equal(lines.length, 1);
    assert.ok(lines[0].startsWith("\r\x1b[K"));
    assert.ok(lines[0].length - 4 <= 39, lines[0]);
    assert.ok(lines[0].endsWith("…"));
    at(2);
    progress.note("a warning\n");
    assert.equal(lines[1], "\r\x1b[Ka warning\n");
    assert.ok(lines[2].startsWith("\r\x1b[K"), "the line is drawn again below the note");
    progress.finish(result("select-coordinated-p0-s1000", 200), false);
    progress.finish(result("b", 200), true);
    assert.equal(lines[lines.length - 1], "\n");
    assert.ok(
      lines.every((l) => !l.includes("[1/2]")),
      "no per-run lines on a terminal",
    );
  });
});
