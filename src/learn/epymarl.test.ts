/** EPyMARL's algorithm configs and the joint-observation V(s) they use for MAPPO. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CheckpointError, ConfigError } from "../core/errors.js";
import { HashingEncoder } from "../encode/hashing.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { type LearnerConfig, resolveConfig } from "./config.js";
import { epymarlConfig } from "./epymarl.js";
import { Learner } from "./learner.js";
import { EPYMARL_TASK_OPTIONS, marlFeatureSize, marlTrainingTasks } from "./marl-tasks.js";
import { loadLearnerState, saveLearnerState } from "./state.js";

const SPREAD = "simple_spread_v3";
const small: Partial<LearnerConfig> = { hidden: 16, envs: 2, minibatchTeams: 50 };

function spreadLearner(config: LearnerConfig, method = "shared-td", agents = 3): Learner {
  return new Learner({
    method,
    config,
    tasks: marlTrainingTasks(SPREAD, 1, { agents }, EPYMARL_TASK_OPTIONS),
    encoder: new HashingEncoder({ dimension: 8 }),
    gemm: blockedGemm,
    seed: 1,
  });
}

test("EPyMARL's MAPPO reads the joint observation in V(s); IPPO and the presets keep the team embedding", () => {
  assert.equal(epymarlConfig("mappo", SPREAD).config.stateCritic, "joint-observation");
  assert.equal(epymarlConfig("ippo", SPREAD).config.stateCritic, "team-embedding");
  assert.equal(resolveConfig("shared-td").stateCritic, "team-embedding");
  assert.equal(resolveConfig("coordinated").stateCritic, "team-embedding");
});

test("a MAPPO learner's V(s) is an MLP over the team's observations, trained, under its own fingerprint", async () => {
  const { config } = epymarlConfig("mappo", SPREAD, small);
  const learner = spreadLearner(config);
  const width = marlFeatureSize(SPREAD, {}, EPYMARL_TASK_OPTIONS);
  assert.equal(learner.policy.stateValue.layers[0].inDim, 3 * width);
  assert.match(learner.policy.fingerprint, / state=joint-observation team=3$/);
  const before = Array.from(learner.policy.stateValue.layers[0].weight.value);
  await learner.iterate();
  assert.notDeepEqual(Array.from(learner.policy.stateValue.layers[0].weight.value), before);
});

test("a checkpoint of the team-embedding V(s) is refused by a joint-observation learner", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-epymarl-"));
  try {
    const path = join(dir, "state.ckpt");
    const embedding = epymarlConfig("mappo", SPREAD, { ...small, stateCritic: "team-embedding" });
    await saveLearnerState(path, spreadLearner(embedding.config));
    const joint = spreadLearner(epymarlConfig("mappo", SPREAD, small).config);
    await assert.rejects(loadLearnerState(path, joint), CheckpointError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the joint-observation V(s) refuses text-only tasks, an untrained V(s) and mixed team sizes with a ConfigError", () => {
  assert.throws(
    () => resolveConfig("shared-td", { stateCritic: "joint-observation" }),
    (e: unknown) => e instanceof ConfigError && /numeric observations/.test(e.message),
  );
  assert.throws(
    () => resolveConfig("decentralized", { stateCritic: "joint-observation", numericWidth: 4 }),
    (e: unknown) => e instanceof ConfigError && /critic/.test(e.message),
  );
  assert.throws(
    () => resolveConfig("shared-td", { stateCritic: "joint-state" }),
    (e: unknown) => e instanceof ConfigError && /stateCritic/.test(e.message),
  );
  const { config } = epymarlConfig("mappo", SPREAD, small);
  assert.throws(
    () =>
      new Learner({
        method: "shared-td",
        config,
        tasks: [
          ...marlTrainingTasks(SPREAD, 1, { agents: 3 }, EPYMARL_TASK_OPTIONS),
          ...marlTrainingTasks(SPREAD, 1, { agents: 4 }, EPYMARL_TASK_OPTIONS),
        ],
        encoder: new HashingEncoder({ dimension: 8 }),
        gemm: blockedGemm,
        seed: 1,
      }),
    (e: unknown) => e instanceof ConfigError && /team sizes 3, 4/.test(e.message),
  );
});
