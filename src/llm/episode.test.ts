import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../core/prng.js";
import { MemoryRecordWriter } from "../core/record-writer.js";
import { planningFamily } from "../env/planning/index.js";
import { nothingPolicy, runEpisode } from "../env/policies.js";
import { ScriptedChatClient } from "../testing/scripted-chat-client.js";
import { LlmAgent } from "./agent.js";
import { playEpisode, type StepRecord } from "./episode.js";
import { LlmTeam, referenceTeam } from "./team.js";
import { smallPlanningSim } from "./test-support.js";

describe("playEpisode", () => {
  test("a reference policy played through it returns what runEpisode returns", async () => {
    const sim = smallPlanningSim();
    const expected = runEpisode(sim, planningFamily.policy("oracle"), Rng.fromSeed(1));
    const team = referenceTeam(planningFamily.policy("oracle"), Rng.fromSeed(1));
    const summary = await playEpisode(sim, team, { task: "t" });
    assert.ok(Math.abs(summary.return - expected) < 1e-9, `${summary.return} vs ${expected}`);
    assert.equal(summary.steps, sim.t);
    assert.equal(summary.requests, 0);
  });

  test("an LLM team that always waits scores what doing nothing scores, with no fallbacks", async () => {
    const sim = smallPlanningSim();
    const expected = runEpisode(sim, nothingPolicy(), Rng.fromSeed(1));
    const client = new ScriptedChatClient({ replies: () => '{"action": 0, "message": 0}' });
    const team = new LlmTeam(new LlmAgent(client, { model: "m" }));
    const summary = await playEpisode(sim, team, { task: "t" });
    assert.ok(Math.abs(summary.return - expected) < 1e-9);
    assert.equal(summary.fallbacks, 0);
    assert.equal(summary.decisions, sim.t * sim.numAgents);
    assert.equal(client.requests.length, summary.requests);
    assert.ok(summary.promptTokens > 0);
  });

  test("every step and the summary are written and shown live, with moves in words", async () => {
    const writer = new MemoryRecordWriter();
    const seen: StepRecord[] = [];
    const client = new ScriptedChatClient({ replies: () => "garbage" });
    const team = new LlmTeam(new LlmAgent(client, { model: "m" }));
    const summary = await playEpisode(smallPlanningSim(), team, {
      task: "t",
      writer,
      onStep: (step) => seen.push(step),
      maxSteps: 2,
    });
    assert.equal(seen.length, 2);
    assert.equal(seen[0].moves[0].fallback, true);
    assert.match(seen[0].moves[0].error ?? "", /expected a JSON object/);
    assert.equal(typeof seen[0].moves[0].actionText, "string");
    assert.equal(summary.fallbacks, 6);
    assert.deepEqual(
      writer.records.map((r) => (r as { kind: string }).kind),
      ["step", "step", "episode"],
    );
  });

  test("a server failure mid-episode keeps the steps played and an error record, then rejects", async () => {
    const writer = new MemoryRecordWriter();
    const client = new ScriptedChatClient({
      replies: (_, i) => (i < 3 ? '{"action": 0}' : { status: 503 }),
    });
    const team = new LlmTeam(new LlmAgent(client, { model: "m" }));
    await assert.rejects(playEpisode(smallPlanningSim(), team, { task: "t", writer }), /HTTP 503/);
    const kinds = writer.records.map((r) => (r as { kind: string }).kind);
    assert.deepEqual(kinds, ["step", "episode-error"]);
    assert.match(String((writer.records[1] as { error: string }).error), /503/);
  });
});
