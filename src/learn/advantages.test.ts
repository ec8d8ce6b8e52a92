/**
 * The advantages phase on hand-built rollouts: agent credit goes to the agent whose choice moves
 * the centralised Q, the centralised critic's GAE is the team's broadcast to its agents, and the
 * two heads are normalised with one shared scale.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PolicyBatch } from "../agents/batch.js";
import type { AdjustedRewards } from "./adjust.js";
import { counterfactualAdvantages, normaliseAdvantages, temporalAdvantages } from "./advantages.js";
import { resolveConfig } from "./config.js";
import type { Rollout } from "./rollout.js";

/** `teams` teams of `agents` agents, each agent with `candidates` action and message candidates. */
function batchOf(teams: number, agents: number, candidates: number): PolicyBatch {
  const samples = teams * agents;
  const offsets = Int32Array.from({ length: samples + 1 }, (_, s) => s * candidates);
  const ids = new Int32Array(samples * candidates);
  return {
    samples,
    teamOffsets: Int32Array.from({ length: teams + 1 }, (_, j) => j * agents),
    sampleTeam: Int32Array.from({ length: samples }, (_, s) => Math.floor(s / agents)),
    agentIndex: Int32Array.from({ length: samples }, (_, s) => s % agents),
    viewIds: new Int32Array(samples),
    numeric: new Float32Array(0),
    numericWidth: 0,
    actionOffsets: offsets,
    actionIds: ids,
    actionMask: new Uint8Array(ids.length).fill(1),
    messageOffsets: offsets,
    messageIds: ids,
    messageMask: new Uint8Array(ids.length).fill(1),
    inboxOffsets: new Int32Array(samples + 1),
    inboxIds: new Int32Array(0),
    inboxSenders: new Int32Array(0),
    chosenAction: new Int32Array(samples),
    chosenMessage: new Int32Array(samples),
  };
}

/** A rollout of `steps` steps of one environment with one team of `agents`. */
function rolloutOf(
  steps: number,
  agents: number,
  teamRewards: number[],
  terminalAt: number,
): Rollout {
  const batch = batchOf(steps, agents, 2);
  const terminated = new Uint8Array(steps);
  terminated[terminalAt] = 1;
  return {
    steps,
    envs: 1,
    maxAgents: agents,
    batch,
    actionLogProbs: new Float32Array(batch.samples),
    messageLogProbs: new Float32Array(batch.samples),
    agentRewards: new Float32Array(batch.samples),
    counterfactualTeamRewards: new Float32Array(0),
    counterfactualSteps: 0,
    teamRewards: Float32Array.from(teamRewards),
    terminated,
    truncated: new Uint8Array(steps),
    truncatedStateValues: new Float32Array(steps),
    truncatedObservationValues: new Float32Array(batch.samples),
    observationValues: new Float32Array(batch.samples),
    stateValues: new Float32Array(steps),
    lastStateValues: new Float32Array(1),
    lastObservationValues: new Float32Array(agents),
    lastBatch: batchOf(1, agents, 2),
    startsFresh: Uint8Array.from([1]),
    initialMemory: null,
    episodes: [],
  };
}

function columns(rollout: Rollout): AdjustedRewards {
  const columns = new Float32Array(rollout.steps * rollout.maxAgents);
  for (let s = 0; s < rollout.batch.samples; s++)
    columns[s] = rollout.teamRewards[rollout.batch.sampleTeam[s]];
  return { team: rollout.teamRewards, columns, meanInfluence: 0, redistributedFraction: 0 };
}

test("with a centralised critic every agent gets its team's GAE advantage (γ = 1, λ = 1, V = 0: the return to go)", () => {
  const rollout = rolloutOf(3, 2, [0, 0, 5], 2);
  const config = resolveConfig("shared-td", { gamma: 1, lambda: 1 });
  const adv = temporalAdvantages(rollout, config, columns(rollout));
  assert.deepEqual(Array.from(adv.action), [5, 5, 5, 5, 5, 5]);
  assert.deepEqual(Array.from(adv.teamReturns), [5, 5, 5]);
});

test("when only agent B's action moves Q, agent A's credit is 0 and B's is its return minus B's expected Q", () => {
  // One step, two agents (A = sample 0, B = sample 1), two candidates each, uniform policies.
  const rollout = rolloutOf(1, 2, [3], 0);
  const temporal = temporalAdvantages(
    rollout,
    resolveConfig("shared-td", { gamma: 1, lambda: 1 }),
    columns(rollout),
  );
  rollout.batch.chosenAction.set([0, 1]);
  const half = Math.log(0.5);
  const credit = counterfactualAdvantages(
    rollout,
    {
      // Q(s, u⁻ⁱ, c): A's candidates both give the taken joint action's value 3; B's give 1 and 3.
      actionQ: Float32Array.from([3, 3, 1, 3]),
      messageQ: Float32Array.from([3, 3, 3, 3]),
      actionLogProbs: Float32Array.from([half, half, half, half]),
      messageLogProbs: Float32Array.from([half, half, half, half]),
    },
    temporal,
  );
  assert.deepEqual(Array.from(credit.action), [0, 1]);
  assert.deepEqual(Array.from(credit.message), [0, 0]);
});

test("both heads are normalised with one shared scale, so a flat head stays flat", () => {
  const rollout = rolloutOf(2, 1, [0, 0], 1);
  const advantages = {
    action: Float32Array.from([1, -1]),
    message: Float32Array.from([1e-6, -1e-6]),
    teamReturns: new Float32Array(2),
    sampleReturns: new Float32Array(2),
  };
  normaliseAdvantages(advantages, rollout, "batch");
  assert.ok(Math.abs(advantages.action[0]) > 1);
  assert.ok(Math.abs(advantages.message[0]) < 1e-5);
});
