/** `troupe train` and `troupe eval` end to end on a tiny generated suite. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Learner } from "../learn/learner.js";
import { memoryIo } from "./command.js";
import { runCli } from "./run.js";

/** A small, fast training run on the blocked backend, checkpointing every iteration. */
const SMALL_RUN = [
  "--envs",
  "4",
  "--rollout-steps",
  "8",
  "--minibatch-teams",
  "8",
  "--hidden",
  "16",
  "--encoder",
  "hashing",
  "--dimension",
  "32",
  "--backend",
  "blocked",
  "--checkpoint-every",
  "1",
] as const;

test("train writes a run folder that eval scores beside the random and oracle policies", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-train-"));
  try {
    const suite = join(dir, "tasks");
    const run = join(dir, "runs", "a");
    const gen = memoryIo();
    assert.equal(
      await runCli(["tasks", "generate", "--out", suite, "--seed", "3", "--count", "28"], gen.io),
      0,
      gen.err(),
    );
    const train = memoryIo();
    const code = await runCli(
      [
        "train",
        "--method",
        "shared-td",
        "--tasks",
        suite,
        "--family",
        "planning",
        "--steps",
        "128",
        "--envs",
        "4",
        "--rollout-steps",
        "8",
        "--minibatch-teams",
        "8",
        "--hidden",
        "16",
        "--encoder",
        "hashing",
        "--dimension",
        "32",
        "--out",
        run,
        "--backend",
        "blocked",
      ],
      train.io,
    );
    assert.equal(code, 0, train.err());
    const summary = JSON.parse(await readFile(join(run, "summary.json"), "utf8"));
    assert.equal(summary.jointSteps, 128);
    assert.ok(summary.gradientUpdates > 0 && summary.parameters > 0);
    const rows = (await readFile(join(run, "metrics.jsonl"), "utf8")).trim().split("\n");
    assert.equal(rows.length, 4);
    assert.equal(JSON.parse(rows[3])["budget/joint_steps"], 128);
    const evaluation = memoryIo();
    assert.equal(
      await runCli(["eval", run, "--split", "test", "--limit", "4"], evaluation.io),
      0,
      evaluation.err(),
    );
    assert.match(
      evaluation.out(),
      /shared-td\s+-?\d+\.\d{3}\s+-?\d+\.\d{2}\nrandom\s+-?\d+\.\d{3}\s+-?\d+\.\d{2}\noracle\s+1\.000/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a run resumed with --resume writes the same metrics as one trained straight through", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-resume-"));
  try {
    const suite = join(dir, "tasks");
    const gen = memoryIo();
    assert.equal(
      await runCli(["tasks", "generate", "--out", suite, "--seed", "4", "--count", "28"], gen.io),
      0,
    );
    const flags = [
      "--method",
      "coordinated",
      "--tasks",
      suite,
      "--family",
      "allocation",
      ...SMALL_RUN,
    ];
    const straight = join(dir, "straight");
    const resumed = join(dir, "resumed");
    for (const [out, steps, extra] of [
      [straight, "96", []],
      [resumed, "64", []],
      [resumed, "96", ["--resume"]],
    ] as const) {
      const io = memoryIo();
      assert.equal(
        await runCli(["train", ...flags, "--out", out, "--steps", steps, ...extra], io.io),
        0,
        io.err(),
      );
    }
    const rows = async (out: string) =>
      (await readFile(join(out, "metrics.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((line) => {
          const { "budget/wall_seconds": _wall, ...rest } = JSON.parse(line);
          return rest;
        });
    const a = await rows(straight);
    assert.equal(a.length, 3);
    assert.deepEqual(await rows(resumed), a);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a run that goes NaN exits 2 naming the iteration and key, and its last good state.ckpt resumes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-nan-"));
  // The seam: the CLI runs in this process, so the test poisons the critic before iteration 3.
  const iterate = Learner.prototype.iterate;
  Learner.prototype.iterate = function (this: Learner) {
    if (this.iteration === 2) this.policy.stateValue.layers[1].bias?.value.fill(Number.NaN);
    return iterate.call(this);
  };
  try {
    const suite = join(dir, "tasks");
    const gen = memoryIo();
    assert.equal(
      await runCli(["tasks", "generate", "--out", suite, "--seed", "5", "--count", "28"], gen.io),
      0,
    );
    const run = join(dir, "run");
    const flags = [
      "--method",
      "shared-td",
      "--tasks",
      suite,
      "--family",
      "planning",
      ...SMALL_RUN,
      "--steps",
      "128",
      "--out",
      run,
    ];
    const failed = memoryIo();
    assert.equal(await runCli(["train", ...flags], failed.io), 2, failed.err());
    assert.match(failed.err(), /iteration 3: loss\/value: is not finite \(training stopped\)/);
    const kept = (await readFile(join(run, "metrics.jsonl"), "utf8")).trim().split("\n");
    assert.equal(kept.length, 2, "the metrics of the last good checkpoint (iteration 2)");
    Learner.prototype.iterate = iterate;
    const resumed = memoryIo();
    assert.equal(await runCli(["train", ...flags, "--resume"], resumed.io), 0, resumed.err());
    assert.match(resumed.err(), /resuming .* at iteration 2, 64 joint steps/);
    const rows = (await readFile(join(run, "metrics.jsonl"), "utf8")).trim().split("\n");
    assert.equal(rows.length, 4);
    assert.equal(JSON.parse(rows[3])["budget/joint_steps"], 128);
  } finally {
    Learner.prototype.iterate = iterate;
    await rm(dir, { recursive: true, force: true });
  }
});

test("train with an unknown method exits 2 and names the flag", async () => {
  const io = memoryIo();
  assert.equal(await runCli(["train", "--method", "magic", "--out", "runs/x"], io.io), 2);
  assert.match(io.err(), /method/);
});

test("train --agent-memory gru trains EPyMARL's recurrent agent on whole rollouts and eval plays it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-train-gru-"));
  try {
    const suite = join(dir, "tasks");
    const run = join(dir, "runs", "gru");
    const gen = memoryIo();
    assert.equal(
      await runCli(["tasks", "generate", "--out", suite, "--seed", "5", "--count", "28"], gen.io),
      0,
      gen.err(),
    );
    const common = ["--method", "shared-td", "--tasks", suite, "--family", "allocation"];
    const sizes = ["--steps", "64", "--envs", "4", "--rollout-steps", "8", "--hidden", "16"];
    const encoder = ["--encoder", "hashing", "--dimension", "32", "--backend", "blocked"];
    const train = memoryIo();
    const code = await runCli(
      ["train", ...common, ...sizes, ...encoder, "--agent-memory", "gru", "--out", run],
      train.io,
    );
    assert.equal(code, 0, train.err());
    const config = JSON.parse(await readFile(join(run, "config.json"), "utf8"));
    assert.equal(config.config.agentMemory, "gru");
    assert.equal(config.config.minibatchTeams, 32, "the whole rollout: 4 envs × 8 steps");
    const evaluation = memoryIo();
    assert.equal(
      await runCli(["eval", run, "--split", "test", "--limit", "4"], evaluation.io),
      0,
      evaluation.err(),
    );
    assert.match(evaluation.out(), /shared-td\s+-?\d+\.\d{3}/);
    const shuffled = memoryIo();
    const refused = await runCli(
      [
        "train",
        ...common,
        ...sizes,
        ...encoder,
        "--agent-memory",
        "gru",
        "--minibatch-teams",
        "8",
        "--out",
        join(dir, "runs", "bad"),
      ],
      shuffled.io,
    );
    assert.equal(refused, 2);
    assert.match(shuffled.err(), /agentMemory/);
    assert.match(shuffled.err(), /minibatchTeams to 32/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
