/**
 * The rewards-adjusted phase on real rollouts: redistribution keeps every complete episode's
 * return, potential shaping with β = 0 changes nothing, and influence is measured only where a
 * message was heard.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { adjustRewards } from "./adjust.js";
import { resolveConfig } from "./config.js";
import { completeEpisodes } from "./credit/redistribution.js";
import { Learner } from "./learner.js";
import { generateTasks } from "./tasks.js";

async function collected(method: string, overrides = {}) {
  const learner = new Learner({
    method,
    config: resolveConfig(method, {
      envs: 4,
      rolloutSteps: 12,
      hidden: 16,
      minibatchTeams: 16,
      ...overrides,
    }),
    tasks: generateTasks({
      family: "planning",
      count: 6,
      seed: 3,
      params: { agents: 3, horizon: 5 },
    }),
    encoder: new HashingEncoder({ dimension: 32 }),
    gemm: blockedGemm,
    seed: 5,
  });
  const rollout = await learner.collector.collect(
    learner.policy,
    blockedGemm,
    12,
    Rng.fromSeed(6),
    {
      counterfactuals: learner.config.reward === "difference-privileged",
    },
  );
  const context = {
    policy: learner.policy,
    table: learner.table,
    gemm: blockedGemm,
    redistribution: learner.redistributor,
  };
  return { learner, rollout, context };
}

test("a redistributor still warming up pays the raw team reward", async () => {
  const { learner, rollout, context } = await collected("coordinated");
  assert.equal(learner.redistributor?.warm, false);
  const adjusted = adjustRewards(rollout, learner.config, context);
  assert.deepEqual(adjusted.team, rollout.teamRewards);
  assert.equal(adjusted.redistributedFraction, 0);
});

test("redistributed team rewards sum to each complete episode's raw return", async () => {
  const { learner, rollout, context } = await collected("coordinated");
  // Pay ψ from the first step (no warm-up) so that the rollout is redistributed.
  if (learner.redistributor !== null) {
    learner.redistributor.minEpisodes = 0;
    learner.redistributor.minFit = Number.NEGATIVE_INFINITY;
  }
  const adjusted = adjustRewards(rollout, learner.config, context);
  const episodes = completeEpisodes(rollout.steps, rollout.terminated, rollout.startsFresh);
  assert.ok(episodes.offsets.length > 2, "the rollout holds complete episodes");
  let changed = false;
  for (let e = 0; e + 1 < episodes.offsets.length; e++) {
    let raw = 0;
    let redistributed = 0;
    for (let r = episodes.offsets[e]; r < episodes.offsets[e + 1]; r++) {
      raw += rollout.teamRewards[episodes.rows[r]];
      redistributed += adjusted.team[episodes.rows[r]];
      changed ||= adjusted.team[episodes.rows[r]] !== rollout.teamRewards[episodes.rows[r]];
    }
    assert.ok(
      Math.abs(raw - redistributed) < 1e-3 * Math.max(1, Math.abs(raw)),
      `episode ${e}: ${raw} vs ${redistributed}`,
    );
  }
  assert.ok(changed, "redistribution moved some reward");
  assert.equal(adjusted.redistributedFraction, 1, "the rollout starts fresh: every step is paid");
});

test("potential shaping with weight 0 leaves every agent's reward at the team reward", async () => {
  const { learner, rollout, context } = await collected("coordinated-no-redistribution", {
    shapingWeight: 0,
  });
  const adjusted = adjustRewards(rollout, learner.config, context);
  const { batch } = rollout;
  for (let s = 0; s < batch.samples; s++) {
    const j = batch.sampleTeam[s];
    const t = Math.floor(j / rollout.envs);
    const column =
      t * rollout.envs * rollout.maxAgents +
      (j % rollout.envs) * rollout.maxAgents +
      batch.agentIndex[s];
    assert.equal(adjusted.columns[column], rollout.teamRewards[j]);
  }
  assert.ok(adjusted.meanInfluence > 0, "agents heard messages and were influenced by them");
});

test("privileged difference rewards are the team reward minus the replayed counterfactual's, and count in the budget", async () => {
  const { learner, rollout, context } = await collected("difference-rewards-privileged");
  assert.equal(rollout.counterfactualSteps, rollout.batch.samples);
  const adjusted = adjustRewards(rollout, learner.config, context);
  const { batch } = rollout;
  let differs = false;
  for (let s = 0; s < batch.samples; s++) {
    const j = batch.sampleTeam[s];
    const t = Math.floor(j / rollout.envs);
    const column =
      t * rollout.envs * rollout.maxAgents +
      (j % rollout.envs) * rollout.maxAgents +
      batch.agentIndex[s];
    assert.equal(
      adjusted.columns[column],
      Math.fround(rollout.teamRewards[j] - rollout.counterfactualTeamRewards[s]),
    );
    differs ||= adjusted.columns[column] !== rollout.teamRewards[j];
  }
  assert.ok(differs, "some agent's choice changed the team reward");
  const before = learner.jointSteps;
  await learner.iterate();
  assert.ok(learner.jointSteps - before > learner.config.envs * learner.config.rolloutSteps);
});
