/** COMA counterfactual advantages: hand-computed rows, credit pinned by construction, bad input. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import {
  agentCredit,
  type CounterfactualInput,
  counterfactualAdvantage,
  differenceRewards,
} from "./counterfactual.js";

const CANDIDATES = 3;

/** A random distribution over `count` candidates (seeded). */
function randomPolicy(rng: Rng, count: number): number[] {
  const weights = Array.from({ length: count }, () => 0.1 + rng.float());
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function sample(rng: Rng, probs: number[]): number {
  let u = rng.float();
  for (let c = 0; c < probs.length; c++) {
    u -= probs[c];
    if (u < 0) return c;
  }
  return probs.length - 1;
}

/**
 * Rows for a two-agent team with a one-step exact critic Q = reward(choiceA, choiceB): row 0 is
 * agent A (B's choice fixed), row 1 is agent B (A's choice fixed).
 */
function twoAgentRows(
  reward: (a: number, b: number) => number,
  policyA: number[],
  policyB: number[],
  a: number,
  b: number,
): CounterfactualInput {
  const q: number[] = [];
  for (let c = 0; c < CANDIDATES; c++) q.push(reward(c, b));
  for (let c = 0; c < CANDIDATES; c++) q.push(reward(a, c));
  return {
    offsets: Int32Array.from([0, CANDIDATES, 2 * CANDIDATES]),
    qValues: Float32Array.from(q),
    probs: Float32Array.from([...policyA, ...policyB]),
    chosen: Int32Array.from([a, b]),
  };
}

describe("counterfactualAdvantage", () => {
  test("a hand-computed row subtracts the policy-weighted Q of the agent's candidates", () => {
    const { advantages, baselines } = counterfactualAdvantage({
      offsets: Int32Array.from([0, 3]),
      qValues: Float32Array.from([1, 2, 4]),
      probs: Float32Array.from([0.25, 0.25, 0.5]),
      chosen: Int32Array.from([2]),
    });
    assert.equal(baselines[0], 0.25 * 1 + 0.25 * 2 + 0.5 * 4);
    assert.equal(advantages[0], 4 - 2.75);
  });

  test("masked candidates (probability 0) are skipped even when their Q is NaN", () => {
    const { advantages } = counterfactualAdvantage({
      offsets: Int32Array.from([0, 3]),
      qValues: Float32Array.from([1, Number.NaN, 3]),
      probs: Float32Array.from([0.5, 0, 0.5]),
      chosen: Int32Array.from([0]),
    });
    assert.equal(advantages[0], -1);
  });

  test("a row with no candidates (an agent that did not act) gets zero", () => {
    const { advantages } = counterfactualAdvantage({
      offsets: Int32Array.from([0, 0, 2]),
      qValues: Float32Array.from([1, 3]),
      probs: Float32Array.from([0.5, 0.5]),
      chosen: Int32Array.from([0, 1]),
    });
    assert.deepEqual(Array.from(advantages), [0, 1]);
  });

  test("when only agent B's action matters, B receives the credit and A exactly none", () => {
    const rng = Rng.fromSeed("coma-only-b");
    const payoff = [0, 1, 3];
    const reward = (_a: number, b: number) => payoff[b];
    let creditB = 0;
    for (let trial = 0; trial < 50; trial++) {
      const policyA = randomPolicy(rng, CANDIDATES);
      const policyB = randomPolicy(rng, CANDIDATES);
      const a = sample(rng, policyA);
      const b = sample(rng, policyB);
      const { advantages } = counterfactualAdvantage(twoAgentRows(reward, policyA, policyB, a, b));
      const expectedB = payoff[b] - policyB.reduce((sum, p, c) => sum + p * payoff[c], 0);
      assert.equal(advantages[0], 0);
      assert.ok(Math.abs(advantages[1] - expectedB) < 1e-5);
      creditB += Math.abs(advantages[1]);
    }
    assert.ok(creditB > 10, `B's total credit ${creditB}`);
  });

  test("with a team reward shared by both, an agent's credit follows its own choice only", () => {
    // reward = 2·[a = 1] + [b = 2]: A's advantage must not depend on b, B's not on a.
    const reward = (a: number, b: number) => 2 * Number(a === 1) + Number(b === 2);
    const policy = [0.25, 0.5, 0.25];
    const byA = new Map<number, number>();
    for (let a = 0; a < CANDIDATES; a++) {
      for (let b = 0; b < CANDIDATES; b++) {
        const { advantages } = counterfactualAdvantage(twoAgentRows(reward, policy, policy, a, b));
        const previous = byA.get(a);
        if (previous !== undefined) assert.equal(advantages[0], previous);
        byA.set(a, advantages[0]);
      }
    }
    assert.deepEqual([...byA.values()], [-1, 1, -1]);
  });
});

describe("agentCredit", () => {
  test("action and message heads get separate credit: the message-only agent is credited on the message head", () => {
    // Team reward depends on A's message and B's action only: A sends, B acts.
    const payoff = (messageA: number, actionB: number) => (messageA === actionB ? 1 : 0);
    const uniform = [1 / 3, 1 / 3, 1 / 3];
    const messageA = 2;
    const actionA = 0;
    const messageB = 1;
    const actionB = 2;
    const actionRows = {
      offsets: Int32Array.from([0, 3, 6]),
      // A's action candidates do not change the payoff; B's action candidates do.
      qValues: Float32Array.from(
        [0, 1, 2]
          .map(() => payoff(messageA, actionB))
          .concat([0, 1, 2].map((c) => payoff(messageA, c))),
      ),
      probs: Float32Array.from([...uniform, ...uniform]),
      chosen: Int32Array.from([actionA, actionB]),
    };
    const messageRows = {
      offsets: Int32Array.from([0, 3, 6]),
      // A's message candidates change the payoff; B's messages do not.
      qValues: Float32Array.from(
        [0, 1, 2]
          .map((c) => payoff(c, actionB))
          .concat([0, 1, 2].map(() => payoff(messageA, actionB))),
      ),
      probs: Float32Array.from([...uniform, ...uniform]),
      chosen: Int32Array.from([messageA, messageB]),
    };
    const credit = agentCredit({ action: actionRows, message: messageRows });
    assert.equal(credit.action?.advantages[0], 0);
    assert.ok(Math.abs((credit.action?.advantages[1] ?? 0) - 2 / 3) < 1e-6);
    assert.ok(Math.abs((credit.message?.advantages[0] ?? 0) - 2 / 3) < 1e-6);
    assert.equal(credit.message?.advantages[1], 0);
  });

  test("heads covering different numbers of rows are a ShapeError", () => {
    const one = {
      offsets: Int32Array.from([0, 1]),
      qValues: Float32Array.from([1]),
      probs: Float32Array.from([1]),
      chosen: Int32Array.from([0]),
    };
    const two = {
      offsets: Int32Array.from([0, 1, 2]),
      qValues: Float32Array.from([1, 1]),
      probs: Float32Array.from([1, 1]),
      chosen: Int32Array.from([0, 0]),
    };
    assert.throws(() => agentCredit({ action: one, message: two }), ShapeError);
  });
});

describe("differenceRewards", () => {
  test("subtracts the replayed counterfactual reward from the team reward", () => {
    const d = differenceRewards(Float32Array.from([1, 2]), Float32Array.from([0.5, 2]));
    assert.deepEqual(Array.from(d), [0.5, 0]);
  });
});

describe("counterfactualAdvantage bad input", () => {
  const base = {
    offsets: Int32Array.from([0, 2]),
    qValues: Float32Array.from([1, 2]),
    probs: Float32Array.from([0.5, 0.5]),
    chosen: Int32Array.from([0]),
  };

  test("probabilities that do not sum to 1 (logits passed by mistake) are a ShapeError saying so", () => {
    assert.throws(
      () => counterfactualAdvantage({ ...base, probs: Float32Array.from([2, -1.5]) }),
      (e: unknown) => e instanceof ShapeError && /sum to 1/.test(e.message),
    );
  });

  test("a chosen index outside its segment is a ShapeError naming chosen", () => {
    assert.throws(
      () => counterfactualAdvantage({ ...base, chosen: Int32Array.from([2]) }),
      (e: unknown) => e instanceof ShapeError && /chosen\[0\]/.test(e.message),
    );
  });

  test("a chosen candidate with probability 0 is a ShapeError about the mask", () => {
    assert.throws(
      () => counterfactualAdvantage({ ...base, probs: Float32Array.from([0, 1]) }),
      (e: unknown) => e instanceof ShapeError && /masked/.test(e.message),
    );
  });

  test("offsets that do not end at the candidate count are a ShapeError", () => {
    assert.throws(
      () => counterfactualAdvantage({ ...base, offsets: Int32Array.from([0, 3]) }),
      ShapeError,
    );
  });
});
