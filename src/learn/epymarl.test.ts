/** EPyMARL's algorithm configs: the joint-observation V(s) of MAPPO, the own-observation V(oⁱ) of IPPO. */
import assert from "node:assert/strict";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BatchBuilder } from "../agents/batch.js";
import { PolicyNetwork } from "../agents/policy.js";
import { TextTable } from "../agents/text-table.js";
import { CheckpointError, ConfigError, ShapeError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { Graph } from "../model/graph.js";
import { type LearnerConfig, resolveConfig } from "./config.js";
import { epymarlConfig } from "./epymarl.js";
import { Learner } from "./learner.js";
import { EPYMARL_TASK_OPTIONS, marlFeatureSize, marlTrainingTasks } from "./marl-tasks.js";
import { loadLearnerState, saveLearnerState, targetCriticPath } from "./state.js";

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
  assert.match(
    learner.policy.fingerprint,
    / state=joint-observation team=3 critic=relu obs=relu head=linear actions=5$/,
  );
  const before = Array.from(learner.policy.stateValue.layers[0].weight.value);
  await learner.iterate();
  assert.notDeepEqual(Array.from(learner.policy.stateValue.layers[0].weight.value), before);
});

test("EPyMARL's IPPO trains V(oⁱ) in a network of its own over the agent's observation; the presets share the trunk", async () => {
  assert.equal(epymarlConfig("ippo", SPREAD).config.observationCritic, "own-observation");
  assert.equal(epymarlConfig("mappo", SPREAD).config.observationCritic, "agent-embedding");
  assert.equal(resolveConfig("decentralized").observationCritic, "agent-embedding");
  const { config } = epymarlConfig("ippo", SPREAD, small);
  const learner = spreadLearner(config, "decentralized");
  const critic = learner.policy.observationCritic;
  assert.ok(critic !== null);
  assert.equal(critic.layers[0].inDim, marlFeatureSize(SPREAD, {}, EPYMARL_TASK_OPTIONS));
  assert.match(
    learner.policy.fingerprint,
    / observation=own-observation critic=relu obs=relu head=linear actions=5$/,
  );
  const criticBefore = Array.from(critic.layers[0].weight.value);
  const sharedHeadBefore = Array.from(learner.policy.observationValue.weight.value);
  await learner.iterate();
  assert.notDeepEqual(Array.from(critic.layers[0].weight.value), criticBefore);
  // The linear value head on the actor's embedding is not read, so nothing trains it.
  assert.deepEqual(Array.from(learner.policy.observationValue.weight.value), sharedHeadBefore);
});

test("the own-observation V(oⁱ) refuses text-only tasks and an untrained V(oⁱ) with a ConfigError", () => {
  assert.throws(
    () => resolveConfig("decentralized", { observationCritic: "own-observation" }),
    (e: unknown) => e instanceof ConfigError && /numeric observations/.test(e.message),
  );
  assert.throws(
    () => resolveConfig("shared-td", { observationCritic: "own-observation", numericWidth: 4 }),
    (e: unknown) => e instanceof ConfigError && /decentralised critic/.test(e.message),
  );
});

test("a checkpoint of the team-embedding V(s) is refused by a joint-observation learner", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-epymarl-"));
  try {
    const path = join(dir, "state.ckpt");
    const embedding = epymarlConfig("mappo", SPREAD, {
      ...small,
      stateCritic: "team-embedding",
      targetCriticTau: 0,
    });
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

function weights(network: { parameters(): { value: Float32Array }[] }): number[][] {
  return network.parameters().map((p) => Array.from(p.value));
}

test("EPyMARL's configs bootstrap from a target critic soft-updated by τ = 0.01, against the critic being trained", () => {
  for (const name of ["ippo", "mappo"]) {
    const { config } = epymarlConfig(name, SPREAD);
    assert.equal(config.targetCriticTau, 0.01);
    assert.equal(config.advantageBaseline, "current");
  }
  assert.equal(resolveConfig("coordinated").targetCriticTau, 0);
  assert.equal(resolveConfig("coordinated").advantageBaseline, "rollout");
});

test("the target critic starts as a copy of the critic's network and moves τ of the way to it after each update", async () => {
  const { config } = epymarlConfig("ippo", SPREAD, { ...small, targetCriticTau: 0.25 });
  const learner = spreadLearner(config, "decentralized");
  const online = learner.policy.observationCritic;
  const target = learner.targetCritic;
  assert.ok(online !== null && target !== null);
  const start = weights(online);
  assert.deepEqual(weights(target), start);
  await learner.iterate();
  const trained = weights(online);
  const blended = weights(target);
  for (let l = 0; l < blended.length; l++) {
    for (let i = 0; i < blended[l].length; i++) {
      const expected = start[l][i] + 0.25 * (trained[l][i] - start[l][i]);
      assert.ok(Math.abs(blended[l][i] - expected) < 1e-6, `param ${l}[${i}]: ${blended[l][i]}`);
    }
  }
  assert.notDeepEqual(trained, start);
});

test("with one epoch the current-critic baseline gives the rollout's advantages: both train alike", async () => {
  // At the only gradient step the critic is still the one that valued the rollout, so the two
  // baselines differ only by float rounding between batch sizes; with 4 epochs they part.
  const base = { ...small, targetCriticTau: 0, epochs: 1 };
  const rollout = spreadLearner(
    epymarlConfig("ippo", SPREAD, { ...base, advantageBaseline: "rollout" }).config,
    "decentralized",
  );
  const current = spreadLearner(epymarlConfig("ippo", SPREAD, base).config, "decentralized");
  await rollout.iterate();
  await current.iterate();
  const a = weights(rollout.policy).flat();
  const b = weights(current.policy).flat();
  const gap = Math.max(...a.map((w, i) => Math.abs(w - b[i])));
  assert.ok(gap < 1e-6, `largest weight gap ${gap}`);
  const fourEpochs = { ...base, epochs: 4 };
  const rollout4 = spreadLearner(
    epymarlConfig("ippo", SPREAD, { ...fourEpochs, advantageBaseline: "rollout" }).config,
    "decentralized",
  );
  const current4 = spreadLearner(epymarlConfig("ippo", SPREAD, fourEpochs).config, "decentralized");
  await rollout4.iterate();
  await current4.iterate();
  const c = weights(rollout4.policy).flat();
  const d = weights(current4.policy).flat();
  assert.ok(Math.max(...c.map((w, i) => Math.abs(w - d[i]))) > 1e-5);
});

test("a run with a target critic resumed from a checkpoint continues bit for bit", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-epymarl-"));
  try {
    const path = join(dir, "state.ckpt");
    const { config } = epymarlConfig("mappo", SPREAD, { ...small, targetCriticTau: 0.3 });
    const straight = spreadLearner(config);
    await straight.iterate();
    await saveLearnerState(path, straight);
    await access(targetCriticPath(path));
    await straight.iterate();
    const resumed = spreadLearner(config);
    await loadLearnerState(path, resumed);
    await resumed.iterate();
    assert.ok(straight.targetCritic !== null && resumed.targetCritic !== null);
    assert.deepEqual(weights(resumed.targetCritic), weights(straight.targetCritic));
    assert.deepEqual(weights(resumed.policy), weights(straight.policy));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a target critic without a network of its own or the current baseline, and the current baseline with normalised advantages, are ConfigErrors", () => {
  assert.throws(
    () =>
      resolveConfig("shared-td", {
        targetCriticTau: 0.01,
        advantageBaseline: "current",
        advantageNorm: "none",
      }),
    (e: unknown) => e instanceof ConfigError && /targetCriticTau/.test(e.message),
  );
  assert.throws(
    () =>
      resolveConfig("decentralized", {
        targetCriticTau: 0.01,
        observationCritic: "own-observation",
        numericWidth: 4,
        advantageNorm: "none",
      }),
    (e: unknown) => e instanceof ConfigError && /current-critic baseline/.test(e.message),
  );
  assert.throws(
    () => resolveConfig("decentralized", { advantageBaseline: "current", advantageNorm: "batch" }),
    (e: unknown) => e instanceof ConfigError && /advantageBaseline/.test(e.message),
  );
});

test("a small actionHeadScale starts the policy near uniform; out of range it is a ConfigError", async () => {
  const entropy = async (actionHeadScale: number) => {
    const { config } = epymarlConfig("ippo", SPREAD, {
      ...small,
      actionHead: "candidates",
      actionHeadScale,
    });
    const row = await spreadLearner(config, "decentralized").iterate();
    return Number(row["stability/action_entropy"]);
  };
  const uniform = Math.log(5);
  const scaled = await entropy(0.1);
  assert.ok(uniform - scaled < 0.01, `entropy ${scaled} vs log 5 = ${uniform}`);
  assert.ok(uniform - (await entropy(1)) > uniform - scaled);
  assert.throws(
    () => resolveConfig("decentralized", { actionHeadScale: 0 }),
    (e: unknown) => e instanceof ConfigError && /actionHeadScale/.test(e.message),
  );
});

test("frozen action embeddings stay as initialised while the rest of the policy trains", async () => {
  const { config } = epymarlConfig("ippo", SPREAD, {
    ...small,
    actionHead: "candidates",
    actionEmbeddings: "frozen",
  });
  const learner = spreadLearner(config, "decentralized");
  const embeddings = weights(learner.policy.actionCandidate);
  const query = weights(learner.policy.actionQuery);
  await learner.iterate();
  assert.deepEqual(weights(learner.policy.actionCandidate), embeddings);
  assert.notDeepEqual(weights(learner.policy.actionQuery), query);
});

test("the linear action head gives candidate k the k-th logit of W z + b, starts near uniform and trains", async () => {
  // With memory the forward pass returns z, so the head can be checked against its own layer.
  const { config } = epymarlConfig("ippo", SPREAD, {
    ...small,
    actionHead: "linear",
    agentMemory: "gru",
  });
  const learner = spreadLearner(config, "decentralized");
  const { policy } = learner;
  const linear = policy.actionLinear;
  assert.ok(linear !== null);
  assert.match(policy.fingerprint, /head=linear actions=5/);
  assert.ok(
    !policy.parameters().includes(policy.actionQuery.weight),
    "the query layer is not trained",
  );
  const sim = marlTrainingTasks(SPREAD, 1, {}, EPYMARL_TASK_OPTIONS)[0];
  const live = sim.family.createSim(sim.task);
  live.reset(4);
  const builder = new BatchBuilder(learner.table, config.numericWidth);
  builder.addTeam(live);
  await learner.table.flush();
  const batch = builder.build();
  const out = policy.forward(
    new Graph(blockedGemm, { recordGradients: false }),
    learner.table.matrix(),
    batch,
  );
  assert.ok(out.memory !== null);
  const z = out.memory.value;
  const hidden = config.hidden;
  for (let s = 0; s < batch.samples; s++) {
    const logits = Array.from({ length: 5 }, (_, k) => {
      let sum = linear.bias?.value[k] ?? 0;
      for (let j = 0; j < hidden; j++) sum += z[s * hidden + j] * linear.weight.value[j * 5 + k];
      return sum;
    });
    const norm = Math.log(logits.reduce((a, l) => a + Math.exp(l), 0));
    for (let k = 0; k < 5; k++) {
      const lp = out.actionLogProbs.value[batch.actionOffsets[s] + k];
      assert.ok(Math.abs(lp - (logits[k] - norm)) < 1e-5, `sample ${s} action ${k}`);
    }
  }
  const start = Array.from(linear.weight.value);
  const row = await learner.iterate();
  assert.ok(Math.log(5) - Number(row["stability/action_entropy"]) < 0.05, "near uniform at first");
  assert.notDeepEqual(Array.from(linear.weight.value), start);
});

test("a linear action head over tasks of two action counts, or a batch of another count, is refused naming the fix", async () => {
  const spread = marlTrainingTasks(SPREAD, 1, {}, EPYMARL_TASK_OPTIONS);
  const lbf = marlTrainingTasks("Foraging-8x8-2p-2f-v3", 1, {}, EPYMARL_TASK_OPTIONS);
  assert.throws(
    () =>
      new Learner({
        method: "decentralized",
        config: resolveConfig("decentralized", { actionHead: "linear", numericWidth: 21 }),
        tasks: [...spread, ...lbf],
        encoder: new HashingEncoder({ dimension: 8 }),
        gemm: blockedGemm,
        seed: 1,
      }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /action counts 5, 6/.test(e.message) &&
      /candidates/.test(e.message),
  );
  const width = marlFeatureSize(SPREAD, {}, EPYMARL_TASK_OPTIONS);
  const policy = new PolicyNetwork(
    { textDim: 8, numericWidth: width, hidden: 8, heads: 2, actionHead: "linear", actions: 4 },
    Rng.fromSeed("linear-head"),
  );
  const table = new TextTable(new HashingEncoder({ dimension: 8 }));
  const sim = spread[0].family.createSim(spread[0].task);
  sim.reset(1);
  const builder = new BatchBuilder(table, width);
  builder.addTeam(sim);
  await table.flush();
  assert.throws(
    () => policy.forward(new Graph(blockedGemm), table.matrix(), builder.build()),
    (e: unknown) =>
      e instanceof ShapeError && /4 candidates/.test(e.message) && /5 candidates/.test(e.message),
  );
});
