/** The recurrent agent (`agentMemory: "gru"`, EPyMARL's RNNAgent): states carried, replayed in time order, resumed. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { TeamMemory } from "../agents/memory.js";
import { PolicyNetwork } from "../agents/policy.js";
import { ConfigError, ShapeError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { Graph } from "../model/graph.js";
import { type LearnerConfig, resolveConfig } from "./config.js";
import { epymarlConfig } from "./epymarl.js";
import { Learner } from "./learner.js";
import { EPYMARL_TASK_OPTIONS, marlTrainingTasks } from "./marl-tasks.js";
import { rolloutMemory } from "./rollout.js";
import { loadLearnerState, saveLearnerState } from "./state.js";
import { chosenFlat } from "./update.js";

const SPREAD = "simple_spread_v3";
// 25-step episodes over 10-step rollouts: states cross rollout cuts, and episodes end mid-rollout.
const recurrent: Partial<LearnerConfig> = {
  hidden: 16,
  envs: 2,
  rolloutSteps: 10,
  minibatchTeams: 20,
  agentMemory: "gru",
};

function learnerOf(config: LearnerConfig, method: string): Learner {
  return new Learner({
    method,
    config,
    tasks: marlTrainingTasks(SPREAD, 1, {}, EPYMARL_TASK_OPTIONS),
    encoder: new HashingEncoder({ dimension: 8 }),
    gemm: blockedGemm,
    seed: 3,
  });
}

const weights = (learner: Learner) => learner.policy.parameters().map((p) => Array.from(p.value));

test("a recurrent agent replayed over the whole rollout gives the log-probabilities it acted with, across episode ends and rollout cuts", async () => {
  const { config } = epymarlConfig("ippo", SPREAD, recurrent);
  const learner = learnerOf(config, "decentralized");
  const { policy } = learner;
  assert.ok(policy.recurrent !== null);
  assert.match(policy.fingerprint, /memory=gru/);
  assert.ok(
    !policy.parameters().includes(policy.fuse.weight),
    "the unused fuse layer is not trained",
  );
  const rng = Rng.fromSeed("recurrent-collect");
  let endedMidRollout = false;
  for (let r = 0; r < 3; r++) {
    const rollout = await learner.collector.collect(policy, blockedGemm, 10, rng, {
      critic: "observation",
    });
    endedMidRollout ||= rollout.terminated.subarray(0, 9 * 2).includes(1);
    const memory = rolloutMemory(rollout);
    assert.ok(memory !== null);
    const replay = (withMemory: boolean) => {
      const g = new Graph(blockedGemm, { recordGradients: false });
      const out = policy.forward(
        g,
        learner.table.matrix(),
        rollout.batch,
        withMemory ? { memory } : {},
      );
      const flat = chosenFlat(rollout.batch.actionOffsets, rollout.batch.chosenAction);
      return Array.from(flat, (i) => out.actionLogProbs.value[i]);
    };
    const replayed = replay(true);
    const gap = Math.max(...replayed.map((lp, s) => Math.abs(lp - rollout.actionLogProbs[s])));
    assert.ok(gap < 1e-5, `rollout ${r}: largest log-prob gap ${gap}`);
    // Without the carried states the same rows give other log-probabilities: the check can fail.
    const fresh = replay(false);
    assert.ok(Math.max(...fresh.map((lp, s) => Math.abs(lp - rollout.actionLogProbs[s]))) > 1e-3);
  }
  assert.ok(endedMidRollout, "an episode ended inside a rollout");
});

test("a recurrent IPPO and MAPPO learner train, and a recurrent run resumed mid-episode continues bit for bit", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-recurrent-"));
  try {
    for (const [name, method] of [
      ["ippo", "decentralized"],
      ["mappo", "shared-td"],
    ] as const) {
      const path = join(dir, `${name}.ckpt`);
      const { config } = epymarlConfig(name, SPREAD, recurrent);
      const straight = learnerOf(config, method);
      const start = weights(straight);
      await straight.iterate();
      assert.notDeepEqual(weights(straight), start);
      await saveLearnerState(path, straight);
      await straight.iterate();
      await straight.iterate();
      const resumed = learnerOf(config, method);
      await loadLearnerState(path, resumed);
      await resumed.iterate();
      await resumed.iterate();
      assert.deepEqual(weights(resumed), weights(straight), name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a recurrent agent with shuffled mini-batches, agent credit or behaviour cloning is a ConfigError naming the fix", () => {
  for (const [method, fields] of [
    ["decentralized", { minibatchTeams: 8 }],
    ["coordinated", { minibatchTeams: 128 }],
    ["bc", { minibatchTeams: 128 }],
  ] as const) {
    assert.throws(
      () => resolveConfig(method, { agentMemory: "gru", ...fields }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /agentMemory/.test(e.message) &&
        /minibatchTeams to 128/.test(e.message),
      method,
    );
  }
  assert.equal(
    resolveConfig("decentralized", { agentMemory: "gru", minibatchTeams: 128 }).agentMemory,
    "gru",
  );
});

test("an unknown agent memory in a policy config is a ShapeError listing the memories", () => {
  assert.throws(
    () =>
      new PolicyNetwork(
        // @ts-expect-error: a config read from a file can hold any string
        { textDim: 4, numericWidth: 0, hidden: 8, heads: 2, memory: "lstm" },
        Rng.fromSeed("bad-memory"),
      ),
    (e: unknown) => e instanceof ShapeError && /memory/.test(e.message) && /"gru"/.test(e.message),
  );
});

test("saved agent states that do not fit the slots or the hidden width are refused and change nothing", () => {
  const memory = new TeamMemory(4, 2);
  assert.equal(memory.restore([[1, 2, 3, 4], null]), true);
  const kept = memory.snapshot();
  assert.equal(memory.restore([[1, 2, 3, 4]]), false, "one slot of two");
  assert.equal(memory.restore([[1, 2, 3], null]), false, "a state 3 wide for hidden 4");
  assert.equal(memory.restore([[1, 2, 3, Number.NaN], null]), false, "a NaN state");
  assert.equal(memory.restore("states"), false, "not an array");
  assert.deepEqual(memory.snapshot(), kept);
});
