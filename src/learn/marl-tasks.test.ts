/** Standard MARL scenarios as training tasks: the learner trains on their numeric observations. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../core/errors.js";
import { HashingEncoder } from "../encode/hashing.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { resolveConfig } from "./config.js";
import { Learner } from "./learner.js";
import { marlFeatureSize, marlTrainingTasks } from "./marl-tasks.js";

const ID = "Foraging-5x5-2p-1f-v3";

function foragingLearner(numericWidth: number): Learner {
  return new Learner({
    method: "decentralized",
    config: resolveConfig("decentralized", {
      envs: 4,
      rolloutSteps: 25,
      hidden: 16,
      minibatchTeams: 25,
      numericWidth,
    }),
    tasks: marlTrainingTasks(ID, 4),
    encoder: new HashingEncoder({ dimension: 16 }),
    gemm: blockedGemm,
    seed: 2,
  });
}

test("the learner trains Level-Based Foraging on its numeric features and finishes episodes", async () => {
  const learner = foragingLearner(marlFeatureSize(ID));
  assert.equal(learner.policy.config.numericWidth, marlFeatureSize(ID));
  const before = Array.from(learner.policy.observation.weight.value);
  const rows = [await learner.iterate(), await learner.iterate()];
  assert.ok(rows.some((r) => r["rollout/episodes"] > 0));
  for (const row of rows)
    for (const [key, value] of Object.entries(row)) assert.ok(Number.isFinite(value), key);
  // The numeric inputs' rows of the first layer (after the text rows) received updates.
  const textDim = learner.policy.config.textDim;
  const hidden = learner.policy.config.hidden;
  const after = learner.policy.observation.weight.value;
  let moved = 0;
  for (let k = textDim * hidden; k < after.length; k++) moved += Math.abs(after[k] - before[k]);
  assert.ok(moved > 0);
});

test("a numeric width that does not match the scenario throws a ShapeError naming numericWidth", async () => {
  await assert.rejects(
    async () => foragingLearner(marlFeatureSize(ID) + 1).iterate(),
    (e: unknown) => e instanceof ShapeError && /numericWidth/.test(e.message),
  );
});

test("every task of a scenario replays the same layout whatever seed its caller resets with", () => {
  const [task] = marlTrainingTasks(ID, 1);
  const a = task.family.createSim(task.task);
  const b = task.family.createSim(task.task);
  a.reset(1);
  b.reset(999);
  const sa = new Float32Array(a.stateSize);
  const sb = new Float32Array(b.stateSize);
  a.writeState(sa, 0);
  b.writeState(sb, 0);
  assert.deepEqual(Array.from(sa), Array.from(sb));
});
