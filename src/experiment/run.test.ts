/** One run of the study: checkpoints at probe points, resumption bit for bit, damaged checkpoints. */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { naiveGemm } from "../model/gemm/naive.js";
import { resolveStudyConfig } from "./presets.js";
import { probeSims } from "./probe.js";
import { executeRun, type RunContext, type RunResult, type RunSpec, runDir } from "./run.js";
import { buildStudyTasks } from "./study-tasks.js";

const config = resolveStudyConfig("tiny");
const tasks = buildStudyTasks(config);
const spec: RunSpec = {
  id: "final-coordinated-s0",
  phase: "final",
  method: "coordinated",
  seed: 0,
  point: 0,
  budget: 96,
};
const contextFor = (dir: string, extra: Partial<RunContext> = {}): RunContext => ({
  config,
  tasks,
  probeSims: probeSims(tasks.validation, config.probeStates, config.suiteSeed),
  gemm: naiveGemm,
  dir,
  ...extra,
});
const withoutWall = ({ wallSeconds: _w, ...rest }: RunResult) => rest;

describe("executeRun", () => {
  let root = "";
  let whole: RunResult;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "troupe-run-"));
    whole = await executeRun(spec, contextFor(join(root, "whole")));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("records a validation and probe point every K joint steps, from step 0 to the budget", () => {
    assert.deepEqual(whole.curve.steps, [0, 32, 64, 96]);
    assert.equal(whole.curve.probeTv[0], 0);
    assert.equal(whole.test.length, tasks.test.length);
  });

  test("a run that crashed after a checkpoint resumes to the same result", async () => {
    const dir = join(root, "crashed");
    await assert.rejects(
      executeRun(spec, contextFor(dir, { crashAfterSave: 1 })),
      /test crash after checkpoint 1/,
    );
    const resumed = await executeRun(spec, contextFor(dir));
    assert.deepEqual(withoutWall(resumed), withoutWall(whole));
  });

  test("a damaged checkpoint is reported with its run and that run starts over", async () => {
    const dir = join(root, "damaged");
    await assert.rejects(executeRun(spec, contextFor(dir, { crashAfterSave: 2 })), /checkpoint 2/);
    await writeFile(join(runDir(dir, spec.id), "state.ckpt"), "not a checkpoint");
    const warnings: string[] = [];
    const restarted = await executeRun(spec, contextFor(dir, { warn: (l) => warnings.push(l) }));
    assert.match(warnings.join(""), /run final-coordinated-s0: damaged checkpoint/);
    assert.deepEqual(withoutWall(restarted), withoutWall(whole));
  });
});
