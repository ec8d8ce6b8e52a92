import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseJsonl } from "../core/json.js";
import { writeSuite } from "../env/suite-io.js";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "../openai/fake-server.js";
import { memoryIo } from "./command.js";
import { runCli } from "./run.js";

describe("troupe play", () => {
  let dir: string;
  let server: FakeOpenAiServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-play-"));
    await writeSuite(join(dir, "tasks"), 0, 14);
    // Always wait and tell the team about subtask 1: legal for every agent in every family.
    server = await startFakeOpenAiServer({ chatReply: () => '{"action": 0, "message": 0}' });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const tasks = () => ["--tasks", join(dir, "tasks")];

  test("--help says that without --llm a reference policy stands in for the trained policy", async () => {
    const run = memoryIo();
    assert.equal(await runCli(["play", "--help"], run.io), 0);
    assert.match(run.out(), /reference oracle plays, standing in for a trained policy/);
    assert.match(run.out(), /--llm/);
    assert.match(run.out(), /--no-schema/);
  });

  test("without --llm the oracle plays, with a live transcript and a score of 1", async () => {
    const run = memoryIo();
    assert.equal(await runCli(["play", ...tasks(), "--policy", "oracle"], run.io), 0, run.err());
    assert.match(run.out(), /step 0\n {2}agent_0: \[\d+\] /);
    assert.match(run.out(), /\| task \| team \| score/);
    assert.match(run.out(), /\| oracle \| 1\.000 \|/);
  });

  test("an LLM team plays against the server and the table counts requests and tokens", async () => {
    const run = memoryIo();
    const code = await runCli(
      ["play", ...tasks(), "--llm", server.url, "--model", "m", "--max-steps", "3", "--count", "2"],
      run.io,
    );
    assert.equal(code, 0, run.err());
    assert.match(run.out(), /agent_0: \[0\] /);
    const mean = run
      .out()
      .split("\n")
      .find((line) => line.startsWith("| mean of 2"));
    assert.ok(mean !== undefined, run.out());
    const cells = mean.split("|").map((c) => c.trim());
    assert.match(cells[6], /^0\/\d+$/, "no fallbacks");
    assert.ok(Number(cells[7]) > 0 && Number(cells[8]) > 0, mean);
  });

  test("a recorded run replays without the server and prints the same transcript", async () => {
    const record = join(dir, "record.jsonl");
    const flags = [...tasks(), "--model", "m", "--max-steps", "2", "--quiet"];
    const live = memoryIo();
    assert.equal(
      await runCli(["play", ...flags, "--llm", server.url, "--record", record], live.io),
      0,
    );
    const kinds = parseJsonl(await readFile(record, "utf8"), record).map(
      (r) => (r.value as { kind: string }).kind,
    );
    assert.ok(kinds.includes("chat") && kinds.includes("step") && kinds.at(-1) === "episode");
    const before = server.requests.length;
    const replay = memoryIo();
    assert.equal(await runCli(["play", ...flags, "--replay", record], replay.io), 0, replay.err());
    assert.equal(server.requests.length, before, "replay must not call the server");
    // Task rows without the wall-time column, which differs between runs.
    const scores = (text: string) =>
      text
        .split("\n")
        .filter((line) => /^\| (planning|allocation)-/.test(line))
        .map((line) => line.split("|").slice(1, -2).join("|"));
    assert.equal(scores(live.out()).length, 1);
    assert.deepEqual(scores(replay.out()), scores(live.out()));
  });

  test("--no-schema leaves response_format out of the requests", async () => {
    const before = server.requests.length;
    const run = memoryIo();
    const flags = [
      "--llm",
      server.url,
      "--model",
      "m",
      "--max-steps",
      "1",
      "--no-schema",
      "--quiet",
    ];
    assert.equal(await runCli(["play", ...tasks(), ...flags], run.io), 0, run.err());
    const sent = server.requests.slice(before);
    assert.ok(sent.length > 0 && sent.every((r) => r.body.response_format === undefined));
  });

  test("a server failing mid-episode exits 2 and the record keeps the steps and the error", async () => {
    let calls = 0;
    const failing = await startFakeOpenAiServer({
      chatReply: () => {
        calls++;
        if (calls > 12) throw new Error("the model crashed");
        return '{"action": 0, "message": 0}';
      },
    });
    try {
      const record = join(dir, "failed.jsonl");
      const run = memoryIo();
      const flags = ["--llm", failing.url, "--model", "m", "--record", record, "--quiet"];
      assert.equal(await runCli(["play", ...tasks(), ...flags, "--family", "planning"], run.io), 2);
      assert.match(run.err(), /HTTP 500/);
      const kinds = parseJsonl(await readFile(record, "utf8"), record).map(
        (r) => (r.value as { kind: string }).kind,
      );
      assert.ok(kinds.includes("step"), "the steps played before the failure are kept");
      assert.equal(kinds.at(-1), "episode-error");
    } finally {
      await failing.close();
    }
  });

  test("--llm without --model is a clear error (exit 2)", async () => {
    const run = memoryIo();
    assert.equal(await runCli(["play", ...tasks(), "--llm", server.url], run.io), 2);
    assert.match(run.err(), /--model: missing/);
  });

  test("a server that is down is a clear error naming it, not a hang (exit 2)", async () => {
    const down = await startFakeOpenAiServer();
    const url = down.url;
    await down.close();
    const run = memoryIo();
    const code = await runCli(
      ["play", ...tasks(), "--llm", url, "--model", "m", "--timeout-ms", "2000"],
      run.io,
    );
    assert.equal(code, 2);
    assert.match(run.err(), /not reachable/);
  });

  test("a run folder that does not exist is a clear error naming its config.json", async () => {
    const run = memoryIo();
    assert.equal(await runCli(["play", ...tasks(), "--policy", join(dir, "no-run")], run.io), 2);
    assert.match(run.err(), /no-run\/config\.json/);
  });

  test("--compare plays the LLM alone, the policy alone and the combination on the same tasks", async () => {
    const run = memoryIo();
    const code = await runCli(
      [
        "play",
        ...tasks(),
        "--llm",
        server.url,
        "--model",
        "m",
        "--policy",
        "oracle",
        "--alpha",
        "0",
        "--compare",
        "--quiet",
      ],
      run.io,
    );
    assert.equal(code, 0, run.err());
    const rows = run
      .out()
      .split("\n")
      .filter((line) => /^\| (LLM|oracle)/.test(line));
    assert.deepEqual(
      rows.map((line) => line.split("|")[1].trim()),
      ["LLM m", "oracle", "LLM m × oracle, α = 0"],
    );
    // With α = 0 the combination moves as the oracle does: the same score.
    const score = (line: string) => line.split("|")[3].trim();
    assert.equal(score(rows[2]), score(rows[1]));
  });

  test("a trained run folder plays alone and guides an LLM team", async () => {
    const runDir = join(dir, "runs", "a");
    const train = memoryIo();
    const trainFlags = ["--method", "shared-td", "--family", "planning", "--steps", "64"];
    const small = ["--envs", "2", "--rollout-steps", "8", "--minibatch-teams", "4"];
    const code = await runCli(
      [
        "train",
        ...tasks(),
        ...trainFlags,
        ...small,
        "--hidden",
        "16",
        "--encoder",
        "hashing",
        "--dimension",
        "32",
        "--out",
        runDir,
      ],
      train.io,
    );
    assert.equal(code, 0, train.err());
    const alone = memoryIo();
    const flags = [...tasks(), "--policy", runDir, "--max-steps", "3", "--family", "planning"];
    assert.equal(await runCli(["play", ...flags, "--count", "3"], alone.io), 0, alone.err());
    assert.match(alone.out(), /\| shared-td \|/);
    assert.doesNotMatch(alone.out(), /\| allocation-/, "--family keeps planning tasks only");
    const guided = memoryIo();
    const guidedFlags = [...flags, "--llm", server.url, "--model", "m", "--quiet"];
    assert.equal(await runCli(["play", ...guidedFlags], guided.io), 0, guided.err());
    assert.match(guided.out(), /\| llm×shared-td α=0\.5 \|/);
  });
});
