/** `troupe reproduce --preset tiny` end to end: the files it writes, determinism, and a rerun. */
import assert from "node:assert/strict";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runReproduce, tempFolder } from "./reproduce-support.js";

describe("troupe reproduce --preset tiny", () => {
  let root = "";
  let first = "";
  let second = "";
  before(async () => {
    root = await tempFolder("reproduce");
    first = join(root, "a");
    second = join(root, "b");
    const a = await runReproduce(["--preset", "tiny", "--out", first]);
    assert.equal(a.code, 0, a.stderr);
    const b = await runReproduce(["--preset", "tiny", "--out", second, "--workers", "1"]);
    assert.equal(b.code, 0, b.stderr);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("two studies with the same seed write byte-identical results.json", async () => {
    const a = await readFile(join(first, "results.json"), "utf8");
    const b = await readFile(join(second, "results.json"), "utf8");
    assert.ok(a.length > 1000);
    assert.equal(a, b);
  });

  test("every reported run has a metrics JSONL whose lines parse and carry the budget key", async () => {
    const runs = await readdir(join(first, "runs"));
    const finals = runs.filter((r) => r.startsWith("final-"));
    assert.equal(finals.length, 20);
    for (const run of finals) {
      const lines = (await readFile(join(first, "runs", run, "metrics.jsonl"), "utf8"))
        .trim()
        .split("\n");
      for (const line of lines)
        assert.equal(typeof JSON.parse(line)["budget/joint_steps"], "number");
    }
  });

  test("the figures exist as SVG and PNG and the HTML report inlines the SVGs", async () => {
    const files = await readdir(join(first, "figures"));
    for (const name of [
      "fig1-cumulative-reward",
      "fig2-reward-stability",
      "oscillation",
      "breakdown-family",
      "breakdown-team-size",
    ]) {
      assert.ok(files.includes(`${name}.svg`), name);
      assert.ok(files.includes(`${name}.png`), name);
    }
    const html = await readFile(join(first, "report.html"), "utf8");
    assert.ok((html.match(/<svg /g) ?? []).length >= 5);
    assert.ok(!html.includes('<img src="figures/'));
  });

  test("the report's first line says the budgets are not the paper's", async () => {
    const report = await readFile(join(first, "report.md"), "utf8");
    assert.match(report.split("\n")[0], /not the paper's/);
    assert.match(report, /random \(reference\)/);
    assert.match(report, /oracle \(reference\)/);
  });

  test("wall times go to timings.json, not results.json", async () => {
    const timings = JSON.parse(await readFile(join(first, "timings.json"), "utf8"));
    assert.equal(Object.keys(timings.runs).length, 28);
    assert.ok(!(await readFile(join(first, "results.json"), "utf8")).includes("wallSeconds"));
  });

  test("running the command again on the finished study prints the report path and exits 0", async () => {
    const again = await runReproduce(["--preset", "tiny", "--out", first]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already finished: .*report\.md/);
    assert.doesNotMatch(again.stderr, /\[1\/28\]/);
  });
});
