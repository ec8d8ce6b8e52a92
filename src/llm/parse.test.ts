import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nearestLegalAction, parseDecision } from "./parse.js";

const actions = Uint8Array.from([1, 1, 0, 1, 0, 1]);
const messages = Uint8Array.from([1, 1, 1, 0]);
const texts = [
  "wait",
  "work on S0",
  "work on S1",
  "work on S2 welding",
  "work on S3",
  "move to depot",
];

describe("parseDecision", () => {
  test("a bare JSON object with legal numbers is accepted", () => {
    assert.deepEqual(parseDecision('{"action": 3, "message": 2}', actions, messages), {
      ok: true,
      action: 3,
      message: 2,
    });
  });

  test("JSON inside a code fence and prose is found", () => {
    const reply = 'I will help.\n```json\n{"action": 5, "message": 0}\n```';
    assert.deepEqual(parseDecision(reply, actions, messages), { ok: true, action: 5, message: 0 });
  });

  test("a missing message means silence", () => {
    assert.deepEqual(parseDecision('{"action": 1}', actions, messages), {
      ok: true,
      action: 1,
      message: 0,
    });
  });

  test("text that is not JSON is refused with a reason the model can read", () => {
    const parsed = parseDecision("I choose to wait", actions, messages);
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? "" : parsed.error, /expected a JSON object/);
  });

  test("an action outside the mask is refused and the legal numbers are listed", () => {
    const parsed = parseDecision('{"action": 2, "message": 0}', actions, messages);
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? "" : parsed.error, /action 2 .*\(0, 1, 3, 5\)/);
  });

  test("an action past the end of the list is refused", () => {
    assert.equal(parseDecision('{"action": 99}', actions, messages).ok, false);
  });

  test("an illegal message is refused", () => {
    const parsed = parseDecision('{"action": 0, "message": 3}', actions, messages);
    assert.match(parsed.ok ? "" : parsed.error, /message 3/);
  });

  test("a non-integer action is refused", () => {
    assert.equal(parseDecision('{"action": "wait"}', actions, messages).ok, false);
    assert.equal(parseDecision('{"action": 1.5}', actions, messages).ok, false);
  });
});

describe("nearestLegalAction", () => {
  test("an illegal action number goes to the closest legal one, ties to the lower", () => {
    assert.equal(nearestLegalAction('{"action": 4}', texts, actions), 3);
    assert.equal(nearestLegalAction('{"action": 2}', texts, actions), 1);
    assert.equal(nearestLegalAction('{"action": 40}', texts, actions), 5);
  });

  test("a reply in words picks the legal candidate sharing most words", () => {
    assert.equal(nearestLegalAction("I will go to the depot", texts, actions), 5);
    assert.equal(nearestLegalAction("welding please", texts, actions), 3);
  });

  test("a reply with neither goes to the first legal action", () => {
    assert.equal(nearestLegalAction("???", texts, Uint8Array.from([0, 0, 1, 1])), 2);
  });

  test("with nothing legal it returns 0", () => {
    assert.equal(nearestLegalAction("{}", texts, new Uint8Array(6)), 0);
  });
});
