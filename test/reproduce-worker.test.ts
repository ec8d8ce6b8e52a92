/** A study worker exits as soon as its parent disconnects, even in the middle of a long run. */
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { rm } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { resolveStudyConfig } from "../src/experiment/presets.js";
import type { WorkerReply, WorkerRequest } from "../src/experiment/runner.js";
import { tempFolder } from "./reproduce-support.js";

const workerSource = fileURLToPath(new URL("../src/experiment/worker.ts", import.meta.url));

describe("study worker", () => {
  let dir = "";
  before(async () => {
    dir = await tempFolder("worker");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("exits with code 0 when the parent disconnects during a run", async () => {
    const child = fork(workerSource, [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    const config = resolveStudyConfig("tiny", { workers: 1 });
    child.send({ kind: "init", config, dir } satisfies WorkerRequest);
    // A run far longer than the test: the worker is busy training when the parent goes.
    const spec = {
      id: "select-coordinated-p0-s1000",
      phase: "selection",
      method: "coordinated",
      seed: 1000,
      point: 0,
      budget: 10_000_000,
    } as const;
    child.send({ kind: "run", spec } satisfies WorkerRequest);
    await new Promise<void>((resolve) => {
      child.on("message", (reply: WorkerReply) => {
        if (reply.kind === "progress") resolve();
      });
    });
    const disconnected = performance.now();
    child.disconnect();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    assert.equal(signal, null, "the worker had to be killed: it ignored the disconnect");
    assert.equal(code, 0);
    assert.ok(performance.now() - disconnected < 10_000);
  });
});
