import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PolicyNetwork } from "../agents/policy.js";
import { TextTable } from "../agents/text-table.js";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import { planningFamily } from "../env/planning/index.js";
import { runEpisode } from "../env/policies.js";
import { naiveGemm } from "../model/gemm/naive.js";
import { ScriptedChatClient } from "../testing/scripted-chat-client.js";
import { LlmAgent } from "./agent.js";
import {
  actionConfidence,
  candidatePolicyTeam,
  combineLogProbs,
  GuidedTeam,
  networkPolicy,
  peaked,
  teamPolicyCandidates,
} from "./coordinator.js";
import { playEpisode, type StepRecord } from "./episode.js";
import { smallPlanningSim } from "./test-support.js";

const NEG = Number.NEGATIVE_INFINITY;
const logs = (...ps: number[]) => Float64Array.from(ps, (p) => (p === 0 ? NEG : Math.log(p)));
const probs = (values: Float64Array) => Array.from(values, (v) => Math.exp(v));
const near = (actual: number[], expected: number[]) => {
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) < 1e-12, `${actual} vs ${expected}`);
};

describe("combineLogProbs", () => {
  const out = new Float64Array(3);

  test("α = 1 gives the LLM's distribution and α = 0 the policy's", () => {
    combineLogProbs(logs(0.7, 0.3, 0), logs(0.1, 0.9, 0), 1, out);
    near(probs(out), [0.7, 0.3, 0]);
    combineLogProbs(logs(0.7, 0.3, 0), logs(0.1, 0.9, 0), 0, out);
    near(probs(out), [0.1, 0.9, 0]);
  });

  test("α = ½ is the normalised geometric mean, worked by hand", () => {
    // √(.5·.1) : √(.5·.9) = √.05 : √.45 = 1 : 3
    const best = combineLogProbs(logs(0.5, 0.5, 0), logs(0.1, 0.9, 0), 0.5, out);
    near(probs(out), [0.25, 0.75, 0]);
    assert.equal(best, 1);
  });

  test("a candidate either expert rules out stays ruled out", () => {
    combineLogProbs(logs(0.5, 0.5, 0), logs(0.5, 0, 0.5), 0.5, out);
    near(probs(out), [1, 0, 0]);
  });

  test("nothing legal returns −1", () => {
    assert.equal(combineLogProbs(logs(0, 0, 0), logs(0, 0, 0), 0.5, out), -1);
  });
});

describe("peaked and actionConfidence", () => {
  test("peaked puts p on the choice and spreads the rest over the other legal entries", () => {
    near(probs(peaked(1, Uint8Array.from([1, 1, 0, 1]), 0.8)), [0.1, 0.8, 0, 0.1]);
  });

  test("an illegal choice gives the uniform distribution over legal entries", () => {
    near(probs(peaked(-1, Uint8Array.from([1, 0, 1]), 0.8)), [0.5, 0, 0.5]);
  });

  test("the confidence is the product of the probabilities of the action number's tokens", () => {
    const tokens = ['{"action": ', "1", "2", ', "message": 0}'];
    const logprobs = tokens.map((token, i) => ({ token, logprob: -0.1 * (i + 1) }));
    const confidence = actionConfidence(tokens.join(""), logprobs);
    assert.ok(Math.abs((confidence ?? 0) - Math.exp(-0.5)) < 1e-12);
    assert.equal(actionConfidence(tokens.join(""), undefined), undefined);
  });
});

describe("GuidedTeam", () => {
  const waitingAgent = () =>
    new LlmAgent(new ScriptedChatClient({ replies: () => '{"action": 0, "message": 0}' }), {
      model: "m",
    });
  const oracle = () => teamPolicyCandidates(planningFamily.policy("oracle"), Rng.fromSeed(1));

  test("with α = 0 the team plays the policy's moves and scores what it scores", async () => {
    const sim = smallPlanningSim();
    const expected = runEpisode(sim, planningFamily.policy("oracle"), Rng.fromSeed(1));
    const team = new GuidedTeam(waitingAgent(), oracle(), { alpha: 0 });
    const summary = await playEpisode(sim, team, { task: "t" });
    assert.ok(Math.abs(summary.return - expected) < 1e-9, `${summary.return} vs ${expected}`);
    assert.ok(summary.requests > 0, "the LLM was still asked");
  });

  test("with α = 1 every action is the LLM's", async () => {
    const steps: StepRecord[] = [];
    const team = new GuidedTeam(waitingAgent(), oracle(), { alpha: 1 });
    await playEpisode(smallPlanningSim(), team, { task: "t", onStep: (s) => steps.push(s) });
    assert.ok(steps.every((s) => s.moves.every((m) => m.action === 0)));
  });

  test("an agent talks only when the policy's message head wants it to", async () => {
    const steps: StepRecord[] = [];
    const chatty = new LlmAgent(
      new ScriptedChatClient({ replies: () => '{"action": 0, "message": 1}' }),
      { model: "m" },
    );
    const silent = teamPolicyCandidates(planningFamily.policy("oracle-no-comm"), Rng.fromSeed(1));
    const team = new GuidedTeam(chatty, silent, { alpha: 0.5 });
    await playEpisode(smallPlanningSim(), team, {
      task: "t",
      onStep: (s) => steps.push(s),
      maxSteps: 3,
    });
    assert.ok(steps.every((s) => s.moves.every((m) => m.message === 0)));
  });

  test("an α outside [0, 1] is refused", () => {
    assert.throws(() => new GuidedTeam(waitingAgent(), oracle(), { alpha: 1.5 }), /alpha/);
  });
});

describe("networkPolicy", () => {
  test("an untrained network gives each agent a distribution over exactly its legal candidates", async () => {
    const encoder = new HashingEncoder({ dimension: 32 });
    const network = new PolicyNetwork(
      { textDim: 32, numericWidth: 0, hidden: 16, heads: 2 },
      Rng.fromSeed(3),
    );
    const policy = networkPolicy(network, new TextTable(encoder), naiveGemm);
    const sim = smallPlanningSim();
    sim.reset(0);
    const { actions, messages } = await policy.distributions(sim);
    assert.equal(actions.length, sim.numAgents);
    const mask = new Uint8Array(sim.numActions);
    for (let agent = 0; agent < sim.numAgents; agent++) {
      sim.writeActionMask(agent, mask, 0);
      const p = probs(actions[agent]);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      for (let k = 0; k < p.length; k++)
        assert.equal(p[k] > 0, mask[k] === 1, `agent ${agent} candidate ${k}`);
      assert.equal(messages[agent].length, sim.numMessages);
    }
  });

  test("played alone it completes an episode with legal moves", async () => {
    const network = new PolicyNetwork(
      { textDim: 32, numericWidth: 0, hidden: 16, heads: 2 },
      Rng.fromSeed(3),
    );
    const team = candidatePolicyTeam(
      networkPolicy(network, new TextTable(new HashingEncoder({ dimension: 32 })), naiveGemm),
    );
    const sim = smallPlanningSim();
    const summary = await playEpisode(sim, team, { task: "t" });
    assert.ok(sim.done);
    assert.equal(summary.steps, sim.t);
    assert.equal(summary.decisions, sim.t * sim.numAgents);
  });
});
