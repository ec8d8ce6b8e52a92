/** GAE and TD errors: hand-computed episodes, a plain recursive reference, episode ends, bad input. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { computeGae, computeTdErrors, type GaeInput } from "./gae.js";

/** One episode of four steps ending in a terminal state; every number is a power of two. */
function handEpisode(lambda: number): GaeInput {
  return {
    steps: 4,
    width: 1,
    rewards: Float32Array.from([1, 0, 0, 2]),
    values: Float32Array.from([0.5, 0.5, 0.5, 0.5]),
    lastValues: Float32Array.from([8]),
    terminated: Uint8Array.from([0, 0, 0, 1]),
    gamma: 0.5,
    lambda,
  };
}

/** The textbook recursion Â_t = δ_t + γλ(1 − end_t) Â_{t+1}, written with plain arrays. */
function referenceGae(input: GaeInput): number[] {
  const { steps, width, gamma, lambda } = input;
  const at = (t: number, n: number): number => t * width + n;
  const ended = (t: number, n: number): boolean =>
    input.terminated[at(t, n)] === 1 || (input.truncated?.[at(t, n)] ?? 0) === 1;
  const next = (t: number, n: number): number => {
    if (input.terminated[at(t, n)] === 1) return 0;
    if ((input.truncated?.[at(t, n)] ?? 0) === 1)
      return input.truncatedValues?.[at(t, n)] ?? Number.NaN;
    return t + 1 < steps ? input.values[at(t + 1, n)] : input.lastValues[n];
  };
  const advantage = (t: number, n: number): number => {
    if (t >= steps) return 0;
    const delta = input.rewards[at(t, n)] + gamma * next(t, n) - input.values[at(t, n)];
    return delta + (ended(t, n) ? 0 : gamma * lambda * advantage(t + 1, n));
  };
  const out: number[] = [];
  for (let t = 0; t < steps; t++) for (let n = 0; n < width; n++) out.push(advantage(t, n));
  return out;
}

function randomRollout(rng: Rng, lambda: number): GaeInput {
  const steps = 17;
  const width = 3;
  const size = steps * width;
  const uniform = (count: number) =>
    Float32Array.from({ length: count }, () => rng.float() * 2 - 1);
  const terminated = Uint8Array.from({ length: size }, () => (rng.float() < 0.1 ? 1 : 0));
  const truncated = Uint8Array.from({ length: size }, () => (rng.float() < 0.1 ? 1 : 0));
  return {
    steps,
    width,
    rewards: uniform(size),
    values: uniform(size),
    lastValues: uniform(width),
    terminated,
    truncated,
    truncatedValues: uniform(size),
    gamma: 0.9,
    lambda,
  };
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-5,
): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `index ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

describe("computeGae", () => {
  test("a hand-computed episode with λ = 0.5 gives the advantages worked out on paper", () => {
    // δ = [0.75, −0.25, −0.25, 1.5]; Â3 = 1.5, Â2 = −0.25 + 0.25·1.5, Â1 = −0.25 + 0.25·Â2, …
    const { advantages, returns } = computeGae(handEpisode(0.5));
    assert.deepEqual(Array.from(advantages), [0.6953125, -0.21875, 0.125, 1.5]);
    assert.deepEqual(Array.from(returns), [1.1953125, 0.28125, 0.625, 2]);
  });

  test("with λ = 1 the advantage is the discounted Monte-Carlo return minus the value", () => {
    // G = [1.25, 0.5, 1, 2] for rewards [1, 0, 0, 2] with γ = 0.5; the terminal step ignores lastValues.
    const { advantages, returns } = computeGae(handEpisode(1));
    assert.deepEqual(Array.from(returns), [1.25, 0.5, 1, 2]);
    assert.deepEqual(Array.from(advantages), [0.75, 0, 0.5, 1.5]);
  });

  test("the TD errors of the hand-computed episode are r + γV' − V, with V' = 0 after termination", () => {
    assert.deepEqual(Array.from(computeTdErrors(handEpisode(0.5))), [0.75, -0.25, -0.25, 1.5]);
  });

  for (const lambda of [0, 0.5, 0.95, 1]) {
    test(`with λ = ${lambda} it matches the plain recursive loop on random rollouts with both kinds of episode end`, () => {
      const rng = Rng.fromSeed(`gae-ref-${lambda}`);
      for (let trial = 0; trial < 5; trial++) {
        const input = randomRollout(rng, lambda);
        assertClose(computeGae(input).advantages, referenceGae(input));
      }
    });
  }

  test("a truncated step bootstraps from the final observation's value, not the next episode's first", () => {
    const input: GaeInput = {
      steps: 2,
      width: 1,
      rewards: Float32Array.from([1, 1]),
      values: Float32Array.from([0, 100]),
      lastValues: Float32Array.from([0]),
      terminated: Uint8Array.from([0, 0]),
      truncated: Uint8Array.from([1, 0]),
      truncatedValues: Float32Array.from([4, 0]),
      gamma: 0.5,
      lambda: 1,
    };
    assert.equal(computeGae(input).advantages[0], 1 + 0.5 * 4);
  });

  test("a step both terminated and truncated is treated as terminal", () => {
    const input: GaeInput = {
      ...handEpisode(1),
      truncated: Uint8Array.from([0, 0, 0, 1]),
      truncatedValues: Float32Array.from([0, 0, 0, 64]),
    };
    assert.equal(computeGae(input).advantages[3], 1.5);
  });

  test("an unfinished rollout bootstraps its last step from lastValues", () => {
    const input: GaeInput = { ...handEpisode(0), terminated: new Uint8Array(4) };
    assert.equal(computeGae(input).advantages[3], 2 + 0.5 * 8 - 0.5);
  });

  test("columns are independent: each agent's advantages depend only on its own column", () => {
    const rng = Rng.fromSeed("gae-columns");
    const input = randomRollout(rng, 0.9);
    const before = computeGae(input).advantages.slice();
    const rewards = input.rewards.slice();
    for (let t = 0; t < input.steps; t++) rewards[t * input.width + 2] += 10;
    const after = computeGae({ ...input, rewards }).advantages;
    for (let t = 0; t < input.steps; t++) {
      for (const n of [0, 1]) assert.equal(after[t * input.width + n], before[t * input.width + n]);
    }
    assert.notEqual(after[2], before[2]);
  });

  test("reused output buffers give the same result as fresh ones", () => {
    const input = randomRollout(Rng.fromSeed("gae-reuse"), 0.95);
    const fresh = computeGae(input);
    const size = input.steps * input.width;
    const out = {
      advantages: new Float32Array(size).fill(9),
      returns: new Float32Array(size).fill(9),
    };
    computeGae(input, out);
    assert.deepEqual(out, fresh);
  });
});

describe("computeGae bad input", () => {
  test("γ outside (0, 1] is a ConfigError naming gamma", () => {
    assert.throws(
      () => computeGae({ ...handEpisode(0.5), gamma: 0 }),
      (e: unknown) => e instanceof ConfigError && /gamma/.test(e.message),
    );
    assert.throws(() => computeGae({ ...handEpisode(0.5), gamma: 1.5 }), ConfigError);
  });

  test("λ outside [0, 1] is a ConfigError naming lambda", () => {
    assert.throws(
      () => computeGae(handEpisode(-0.1)),
      (e: unknown) => e instanceof ConfigError && /lambda/.test(e.message),
    );
  });

  test("a values buffer of the wrong length is a ShapeError naming values and the layout", () => {
    assert.throws(
      () => computeGae({ ...handEpisode(0.5), values: new Float32Array(3) }),
      (e: unknown) =>
        e instanceof ShapeError && /values/.test(e.message) && /T × N/.test(e.message),
    );
  });

  test("truncated without truncatedValues is a ShapeError naming truncatedValues", () => {
    assert.throws(
      () => computeGae({ ...handEpisode(0.5), truncated: new Uint8Array(4) }),
      (e: unknown) => e instanceof ShapeError && /truncatedValues/.test(e.message),
    );
  });
});
