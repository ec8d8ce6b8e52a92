import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { ScriptedChatClient } from "../testing/scripted-chat-client.js";
import { LlmAgent } from "./agent.js";
import { buildPrompt, familyBrief } from "./prompt.js";
import { firstDecisionInput, illegalAction, legalAction } from "./test-support.js";

describe("LlmAgent", () => {
  const input = firstDecisionInput();
  const legal = legalAction(input.actionMask, 0);
  const illegal = illegalAction(input.actionMask);

  test("the prompt lists the view, only the legal candidates with their numbers, and the role", () => {
    const [system, user] = buildPrompt({ ...input, role: "You plan factory work." });
    assert.match(system.content, /agent_0, one of 3 agents/);
    assert.match(system.content, /You plan factory work\./);
    assert.ok(user.content.includes(input.observation.view));
    assert.ok(user.content.includes(`[${legal}] ${input.observation.actions[legal]}`));
    assert.ok(!user.content.includes(`[${illegal}] ${input.observation.actions[illegal]}`));
  });

  test("every known family has its own brief and an unknown one gets a generic line", () => {
    assert.match(familyBrief("planning"), /two agents at once/);
    assert.match(familyBrief("allocation"), /demands/);
    assert.match(familyBrief("mpe"), /mpe task/);
  });

  test("a well-formed legal reply is used as is with one request", async () => {
    const client = new ScriptedChatClient({ replies: [`{"action": ${legal}, "message": 1}`] });
    const decision = await new LlmAgent(client, { model: "m" }).decide(input);
    assert.deepEqual(
      [decision.action, decision.message, decision.fallback, decision.retried, decision.requests],
      [legal, 1, false, false, 1],
    );
  });

  test("the request asks for the decision JSON schema and temperature 0 by default", async () => {
    const client = new ScriptedChatClient({ replies: [`{"action": ${legal}}`] });
    await new LlmAgent(client, { model: "m" }).decide(input);
    assert.equal(client.requests[0].jsonSchema?.name, "decision");
    assert.equal(client.requests[0].temperature, 0);
  });

  test("a malformed reply is retried once with the error shown to the model", async () => {
    const client = new ScriptedChatClient({ replies: ["let me think", `{"action": ${legal}}`] });
    const decision = await new LlmAgent(client, { model: "m" }).decide(input);
    assert.equal(decision.action, legal);
    assert.equal(decision.retried, true);
    assert.equal(decision.fallback, false);
    assert.equal(client.requests[0].messages.length, 2, "the first request is left as it was sent");
    const retry = client.requests[1].messages;
    assert.equal(retry.at(-2)?.content, "let me think");
    assert.match(retry.at(-1)?.content ?? "", /could not be used: expected a JSON object/);
  });

  test("two illegal replies fall back to the nearest legal candidate and say so", async () => {
    const client = new ScriptedChatClient({
      replies: [`{"action": ${illegal}}`, `{"action": ${illegal}}`],
    });
    const decision = await new LlmAgent(client, { model: "m" }).decide(input);
    assert.equal(decision.fallback, true);
    assert.equal(input.actionMask[decision.action], 1);
    const distances = [...input.actionMask].map((m, k) => (m === 1 ? Math.abs(k - illegal) : 1e9));
    assert.equal(decision.action, distances.indexOf(Math.min(...distances)));
    assert.match(decision.error ?? "", new RegExp(`action ${illegal} is not one`));
    assert.equal(decision.requests, 2);
  });

  test("token counts of both requests are added up", async () => {
    const client = new ScriptedChatClient({ replies: ["nope", `{"action": ${legal}}`] });
    const decision = await new LlmAgent(client, { model: "m" }).decide(input);
    const first = await new ScriptedChatClient({ replies: ["nope"] }).chat(client.requests[0]);
    assert.ok(decision.promptTokens > first.promptTokens);
    assert.ok(decision.completionTokens > 0);
  });

  test("a server failure rejects with the client's error rather than falling back", async () => {
    const client = new ScriptedChatClient({ replies: [{ status: 500 }] });
    await assert.rejects(new LlmAgent(client, { model: "m" }).decide(input), /HTTP 500/);
  });

  test("an empty model name is refused with a ConfigError", () => {
    assert.throws(
      () => new LlmAgent(new ScriptedChatClient({ replies: [] }), { model: "" }),
      ConfigError,
    );
  });
});
