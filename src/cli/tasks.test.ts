import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { memoryIo } from "./command.js";
import { runCli } from "./run.js";

describe("troupe tasks", () => {
  test("generate writes the three splits and a manifest, then show prints an oracle episode as read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-cli-"));
    const gen = memoryIo();
    assert.equal(
      await runCli(["tasks", "generate", "--out", dir, "--seed", "2", "--count", "28"], gen.io),
      0,
      gen.err(),
    );
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    assert.equal(manifest.count, 28);
    const id = JSON.parse((await readFile(join(dir, "train.jsonl"), "utf8")).split("\n")[0]).id;
    const show = memoryIo();
    assert.equal(
      await runCli(["tasks", "show", dir, "--id", id, "--steps", "2"], show.io),
      0,
      show.err(),
    );
    assert.match(
      show.out(),
      /## step 0[\s\S]*### agent_0[\s\S]*Candidates[\s\S]*Message candidates: \[0\] \(say nothing\)[\s\S]*-> chose[\s\S]*Rewards:[\s\S]*## step 1/,
    );
    // Every agent's legal message candidates are listed, one line per agent and step.
    const perStep = show.out().split("## step 1")[0];
    assert.equal(
      perStep.match(/^Message candidates: /gm)?.length,
      perStep.match(/^### agent_/gm)?.length,
    );
  });

  test("stats prints a row per family and stratum with both gaps", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-cli-"));
    await runCli(["tasks", "generate", "--out", dir, "--count", "28"], memoryIo().io);
    const stats = memoryIo();
    assert.equal(await runCli(["tasks", "stats", dir], stats.io), 0, stats.err());
    assert.match(stats.out(), /coord\. gap \| comm\. gap/);
    assert.match(stats.out(), /\| planning \| negative-control \|/);
    assert.match(stats.out(), /\| allocation \| core \|/);
  });

  test("a count too small for every stratum exits 2 naming the flag and the fix", async () => {
    const run = memoryIo();
    assert.equal(
      await runCli(["tasks", "generate", "--out", "/tmp/never", "--count", "3"], run.io),
      2,
    );
    assert.match(run.err(), /--count.*Fix:/);
  });

  test("an unknown id exits 2 naming --id", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-cli-"));
    await runCli(["tasks", "generate", "--out", dir, "--count", "28"], memoryIo().io);
    const run = memoryIo();
    assert.equal(await runCli(["tasks", "show", dir, "--id", "nope"], run.io), 2);
    assert.match(run.err(), /--id: no task with this id/);
  });
});
