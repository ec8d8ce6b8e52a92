/**
 * Communication-aware reward adjustment: the potential-based term leaves the optimal joint policy
 * of an exactly solved tabular game unchanged (the ablations do not), telescopes over episodes,
 * respects resets and episode ends; influence measures; bad input.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { computeGae } from "./gae.js";
import { messageInfluence } from "./influence.js";
import { influenceBonus, reweightTeamReward, shapeRewards } from "./shaping.js";

const GAMMA = 0.9;
const AGENTS = 2;
const CHOICES = 3; // each agent's joint (action, message) choice
const HORIZON = 2;
const RECEIVER_CANDIDATES = 4;
const BETA = 10; // large against rewards in [−1, 1], so a non-invariant term would show

/**
 * A two-agent, two-step cooperative game solved exactly. A state is the history of joint
 * choices (so it includes the message history); the team reward of each (state, joint choice) is
 * a seeded random number. Φⁱ(s) is agent i's message influence at s: the TV distance between
 * the other agent's seeded policy distribution given i's last message and given silence. At the
 * root no message has been sent, so both distributions coincide and Φ = 0 (reset).
 */
class TabularGame {
  private readonly rewards = new Map<string, number>();
  private readonly potentials = new Map<string, Float32Array>();

  constructor(private readonly rng: Rng) {}

  reward(history: string, joint: number): number {
    const key = `${history}|${joint}`;
    let r = this.rewards.get(key);
    if (r === undefined) {
      r = this.rng.float() * 2 - 1;
      this.rewards.set(key, r);
    }
    return r;
  }

  /** Φ(s) for both agents, from the influence kernel on this state's receiver distributions. */
  potential(history: string): Float32Array {
    const cached = this.potentials.get(history);
    if (cached !== undefined) return cached;
    const withMessage: number[] = [];
    const silenced: number[] = [];
    for (let sender = 0; sender < AGENTS; sender++) {
      const silence = this.distribution();
      const heard = history === "" ? silence : this.distribution();
      withMessage.push(...heard);
      silenced.push(...silence);
    }
    const phi = messageInfluence({
      offsets: Int32Array.from([0, RECEIVER_CANDIDATES, 2 * RECEIVER_CANDIDATES]),
      withMessage: Float32Array.from(withMessage),
      silenced: Float32Array.from(silenced),
      sender: Int32Array.from([0, 1]),
      outputSize: AGENTS,
    });
    this.potentials.set(history, phi);
    return phi;
  }

  private distribution(): number[] {
    const w = Array.from({ length: RECEIVER_CANDIDATES }, () => 0.05 + this.rng.float());
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  }
}

type RewardOf = (game: TabularGame, history: string, joint: number, agent: number) => number;

const unshaped: RewardOf = (game, history, joint) => game.reward(history, joint);

/** Agent i's reward through the shaping kernel on one transition (T = 1, N = 2 agents). */
function shapedBy(beta: number): RewardOf {
  return (game, history, joint, agent) => {
    const next = `${history}${joint},`;
    const terminal = next.split(",").length - 1 === HORIZON;
    const r = game.reward(history, joint);
    const shaped = shapeRewards({
      steps: 1,
      width: AGENTS,
      rewards: Float32Array.from([r, r]),
      potentials: game.potential(history),
      lastPotentials: terminal ? new Float32Array(AGENTS) : game.potential(next),
      terminated: Uint8Array.from([Number(terminal), Number(terminal)]),
      gamma: GAMMA,
      beta,
    });
    return shaped[agent];
  };
}

/** Influence bonus ablation on the same transition. */
function bonusBy(beta: number): RewardOf {
  return (game, history, joint, agent) => {
    const r = game.reward(history, joint);
    const next = `${history}${joint},`;
    const terminal = next.split(",").length - 1 === HORIZON;
    const influence = terminal ? new Float32Array(AGENTS) : game.potential(next);
    return influenceBonus(Float32Array.from([r, r]), influence, beta)[agent];
  };
}

/** Optimal joint choice and Q of every non-terminal state, by backward induction for `agent`. */
function solve(
  game: TabularGame,
  rewardOf: RewardOf,
  agent: number,
): Map<string, { best: number; q: number[] }> {
  const table = new Map<string, { best: number; q: number[] }>();
  const value = (history: string, depth: number): number => {
    if (depth === HORIZON) return 0;
    const q: number[] = [];
    for (let joint = 0; joint < CHOICES ** AGENTS; joint++) {
      q.push(
        rewardOf(game, history, joint, agent) + GAMMA * value(`${history}${joint},`, depth + 1),
      );
    }
    const best = q.indexOf(Math.max(...q));
    table.set(history, { best, q });
    return q[best];
  };
  value("", 0);
  return table;
}

describe("shapeRewards on an exactly solved tabular game", () => {
  test("the optimal joint policy is the same with and without the shaping term, for every agent", () => {
    const game = new TabularGame(Rng.fromSeed("shaping-toy"));
    for (let agent = 0; agent < AGENTS; agent++) {
      const plain = solve(game, unshaped, agent);
      const shaped = solve(game, shapedBy(BETA), agent);
      assert.equal(plain.size, 1 + CHOICES ** AGENTS);
      for (const [history, { best, q }] of plain) {
        const other = shaped.get(history);
        assert.equal(other?.best, best, `state "${history}"`);
        // Ng et al.: Q̃(s, u) = Q(s, u) − βΦ(s) for every joint choice u.
        const phi = game.potential(history)[agent];
        for (let u = 0; u < q.length; u++)
          assert.ok(Math.abs((other?.q[u] ?? 0) - (q[u] - BETA * phi)) < 1e-4);
      }
    }
  });

  test("the raw influence bonus with the same weight changes the optimal policy somewhere (the toy can tell)", () => {
    const game = new TabularGame(Rng.fromSeed("shaping-toy"));
    const plain = solve(game, unshaped, 0);
    const bonus = solve(game, bonusBy(BETA), 0);
    const changed = [...plain].filter(([history, { best }]) => bonus.get(history)?.best !== best);
    assert.ok(changed.length > 0);
  });

  test("the potentials are not trivial: some state has Φ > 0 and the root has Φ = 0", () => {
    const game = new TabularGame(Rng.fromSeed("shaping-toy"));
    assert.deepEqual(Array.from(game.potential("")), [0, 0]);
    assert.ok(game.potential("4,")[0] > 0.05);
  });
});

describe("shapeRewards on rollouts", () => {
  test("over a whole episode from reset to termination the discounted shaped return equals the unshaped one", () => {
    const rng = Rng.fromSeed("telescope");
    const steps = 6;
    const rewards = Float32Array.from({ length: steps }, () => rng.float());
    const potentials = Float32Array.from({ length: steps }, (_, t) =>
      t === 0 ? 0 : rng.float() * 3,
    );
    const terminated = new Uint8Array(steps);
    terminated[steps - 1] = 1;
    const shaped = shapeRewards({
      steps,
      width: 1,
      rewards,
      potentials,
      lastPotentials: Float32Array.from([9]),
      terminated,
      gamma: GAMMA,
      beta: 2,
    });
    const discounted = (r: Float32Array) => r.reduce((sum, x, t) => sum + GAMMA ** t * x, 0);
    assert.ok(Math.abs(discounted(shaped) - discounted(rewards)) < 1e-5);
    assert.notDeepEqual(Array.from(shaped), Array.from(rewards));
  });

  test("with GAE at λ = 1 shaping shifts each advantage by −βΦ(s_t) only: a state-dependent baseline", () => {
    const rng = Rng.fromSeed("shaping-gae");
    const steps = 7;
    const beta = 3;
    const rewards = Float32Array.from({ length: steps }, () => rng.float());
    const values = Float32Array.from({ length: steps }, () => rng.float());
    const potentials = Float32Array.from({ length: steps }, (_, t) => (t === 0 ? 0 : rng.float()));
    const terminated = new Uint8Array(steps);
    terminated[steps - 1] = 1;
    const lastValues = new Float32Array(1);
    const common = { steps, width: 1, values, lastValues, terminated, gamma: GAMMA, lambda: 1 };
    const shaped = shapeRewards({
      steps,
      width: 1,
      rewards,
      potentials,
      lastPotentials: new Float32Array(1),
      terminated,
      gamma: GAMMA,
      beta,
    });
    const plain = computeGae({ ...common, rewards }).advantages;
    const withShaping = computeGae({ ...common, rewards: shaped }).advantages;
    for (let t = 0; t < steps; t++)
      assert.ok(Math.abs(withShaping[t] - (plain[t] - beta * potentials[t])) < 1e-5, `step ${t}`);
  });

  test("a hand-computed step: r + β(γΦ' − Φ)", () => {
    const shaped = shapeRewards({
      steps: 2,
      width: 1,
      rewards: Float32Array.from([1, 0]),
      potentials: Float32Array.from([0.5, 2]),
      lastPotentials: Float32Array.from([4]),
      terminated: new Uint8Array(2),
      gamma: 0.5,
      beta: 2,
    });
    assert.deepEqual(Array.from(shaped), [1 + 2 * (0.5 * 2 - 0.5), 0 + 2 * (0.5 * 4 - 2)]);
  });

  test("after termination the next potential is 0 and the next step starts a new episode with Φ = 0", () => {
    const shaped = shapeRewards({
      steps: 2,
      width: 1,
      rewards: new Float32Array(2),
      potentials: Float32Array.from([1, 7]),
      lastPotentials: Float32Array.from([2]),
      terminated: Uint8Array.from([1, 0]),
      gamma: 1,
      beta: 1,
    });
    assert.deepEqual(Array.from(shaped), [-1, 2]);
  });

  test("after truncation the next potential is Φ of the final observation", () => {
    const shaped = shapeRewards({
      steps: 2,
      width: 1,
      rewards: new Float32Array(2),
      potentials: Float32Array.from([1, 7]),
      lastPotentials: Float32Array.from([2]),
      terminated: new Uint8Array(2),
      truncated: Uint8Array.from([1, 0]),
      truncatedPotentials: Float32Array.from([3, 0]),
      gamma: 1,
      beta: 1,
    });
    assert.deepEqual(Array.from(shaped), [2, 2]);
  });

  test("β = 0 leaves the rewards unchanged", () => {
    const rewards = Float32Array.from([0.25, -1]);
    const shaped = shapeRewards({
      steps: 1,
      width: 2,
      rewards,
      potentials: Float32Array.from([3, 4]),
      lastPotentials: Float32Array.from([5, 6]),
      terminated: new Uint8Array(2),
      gamma: 0.99,
      beta: 0,
    });
    assert.deepEqual(shaped, rewards);
  });

  test("truncated without truncatedPotentials is a ShapeError saying it is missing", () => {
    assert.throws(
      () =>
        shapeRewards({
          steps: 1,
          width: 1,
          rewards: new Float32Array(1),
          potentials: new Float32Array(1),
          lastPotentials: new Float32Array(1),
          terminated: new Uint8Array(1),
          truncated: Uint8Array.from([1]),
          gamma: 0.9,
          beta: 1,
        }),
      (e: unknown) => e instanceof ShapeError && /truncatedPotentials: is missing/.test(e.message),
    );
  });

  test("γ out of range and negative β are ConfigErrors naming the field", () => {
    const base = {
      steps: 1,
      width: 1,
      rewards: new Float32Array(1),
      potentials: new Float32Array(1),
      lastPotentials: new Float32Array(1),
      terminated: new Uint8Array(1),
    };
    assert.throws(
      () => shapeRewards({ ...base, gamma: 1.1, beta: 1 }),
      (e: unknown) => e instanceof ConfigError && /gamma/.test(e.message),
    );
    assert.throws(
      () => shapeRewards({ ...base, gamma: 0.9, beta: -1 }),
      (e: unknown) => e instanceof ConfigError && /beta/.test(e.message),
    );
  });
});

describe("messageInfluence", () => {
  test("identical distributions give zero influence; disjoint ones give TV 1", () => {
    const result = messageInfluence({
      offsets: Int32Array.from([0, 2, 4]),
      withMessage: Float32Array.from([0.5, 0.5, 1, 0]),
      silenced: Float32Array.from([0.5, 0.5, 0, 1]),
      sender: Int32Array.from([0, 1]),
      outputSize: 2,
    });
    assert.deepEqual(Array.from(result), [0, 1]);
  });

  test("KL matches the closed form and receivers are averaged per sender", () => {
    const result = messageInfluence({
      offsets: Int32Array.from([0, 2, 4]),
      withMessage: Float32Array.from([0.5, 0.5, 0.5, 0.5]),
      silenced: Float32Array.from([0.25, 0.75, 0.5, 0.5]),
      sender: Int32Array.from([0, 0]),
      outputSize: 1,
      measure: "kl",
    });
    const kl = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
    assert.ok(Math.abs(result[0] - kl / 2) < 1e-6);
  });

  test("a sender slot out of range is a ShapeError, an unknown measure a ConfigError", () => {
    const base = {
      offsets: Int32Array.from([0, 1]),
      withMessage: Float32Array.from([1]),
      silenced: Float32Array.from([1]),
      sender: Int32Array.from([0]),
      outputSize: 1,
    };
    assert.throws(() => messageInfluence({ ...base, sender: Int32Array.from([1]) }), ShapeError);
    assert.throws(() => messageInfluence({ ...base, measure: "js" as "kl" }), ConfigError);
  });
});

describe("reweightTeamReward (paper-literal ablation)", () => {
  test("weights follow communication within each team and average to 1", () => {
    // Two environments of two agents; env 0: agent 0 talked 3×, agent 1 once; env 1: silent.
    const out = reweightTeamReward({
      teamRewards: Float32Array.from([2, 2, 5, 5]),
      communication: Float32Array.from([3, 1, 0, 0]),
      envOfColumn: Int32Array.from([0, 0, 1, 1]),
      alpha: 1,
    });
    assert.deepEqual(Array.from(out), [3, 1, 5, 5]);
  });

  test("α = 0 leaves the team reward unchanged; α > 1 is a ConfigError", () => {
    const teamRewards = Float32Array.from([2, 2]);
    const input = {
      teamRewards,
      communication: Float32Array.from([3, 1]),
      envOfColumn: Int32Array.from([0, 0]),
    };
    assert.deepEqual(reweightTeamReward({ ...input, alpha: 0 }), teamRewards);
    assert.throws(() => reweightTeamReward({ ...input, alpha: 2 }), ConfigError);
  });
});
