import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, InputError, StateError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { randomReturnStats } from "../marl.js";
import { ParallelEnv } from "../parallel-env.js";
import { SpreadSim, type SpreadVariant } from "./simple-spread.js";

const STAY = 0;
const RIGHT = 2;

function close(actual: number, expected: number, what: string, tolerance = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected}, got ${actual}`,
  );
}

/** Steps `sim` with the given actions and returns the rewards. */
function stepWith(sim: SpreadSim, actions: number[]): Float64Array {
  const rewards = new Float64Array(sim.numAgents);
  sim.step(Int32Array.from(actions), new Int32Array(sim.numAgents), rewards);
  return rewards;
}

/** Mean and standard error of the random-policy team return over `episodes` seeded episodes. */
function randomReturns(variant: SpreadVariant, episodes: number): { mean: number; se: number } {
  return randomReturnStats(
    new SpreadSim({ variant }),
    episodes,
    Rng.fromSeed(`spread-random-${variant}`),
  );
}

describe("Simple Spread physics", () => {
  // Agent 0 starts 0.5 left of a resting agent 1, pushes right twice, then lets go; it drifts into
  // contact (centres < 0.3 apart) and the soft contact force pushes the pair apart. By hand:
  // dt = 0.1, damping 0.25, push force 5; the contact force at centre distance d is
  // 100 · softplus((0.3 − d) / 0.001) · 0.001 (negligible, < 1e-12, while d ≥ 0.33).
  const start = [-0.5, 0, 0, 0];
  const landmarks = [5, 5, -5, -5];
  const contact = (d: number) => 100 * Math.log1p(Math.exp((0.3 - d) / 0.001)) * 0.001;
  const zeroSigned = (x: number) => x + 0;

  test("v3 moves position before velocity through a push, a release and a collision", () => {
    const sim = new SpreadSim({ agents: 2, localRatio: 1 });
    sim.setState(start, landmarks);
    const p = sim.world.position;
    const v = sim.world.velocity;
    const penalties: number[] = [];
    penalties.push(stepWith(sim, [RIGHT, STAY])[0]);
    close(p[0], -0.5, "step 1 x0 (position moves first, with the old velocity 0)");
    close(v[0], 0.5, "step 1 v0 = 5 · 0.1");
    penalties.push(stepWith(sim, [RIGHT, STAY])[0]);
    close(p[0], -0.45, "step 2 x0 = −0.5 + 0.5 · 0.1");
    close(v[0], 0.875, "step 2 v0 = 0.5 · 0.75 + 0.5");
    penalties.push(stepWith(sim, [STAY, STAY])[0]);
    close(p[0], -0.3625, "step 3 x0 = −0.45 + 0.0875");
    close(v[0], 0.65625, "step 3 v0 = 0.875 · 0.75");
    penalties.push(stepWith(sim, [STAY, STAY])[0]);
    close(p[0], -0.296875, "step 4 x0 = −0.3625 + 0.065625 (now touching)");
    close(v[0], 0.4921875, "step 4 v0");
    stepWith(sim, [STAY, STAY]);
    const force = contact(0.296875);
    close(p[0], -0.296875 + 0.04921875, "step 5 x0 (moves with the pre-contact velocity)");
    close(v[0], 0.4921875 * 0.75 - force * 0.1, "step 5 v0 (contact pushes agent 0 back)");
    close(p[2], 0, "step 5 x1 (not moved yet)");
    close(v[2], force * 0.1, "step 5 v1 (contact pushes agent 1 on)");
    assert.deepEqual(
      penalties.map(zeroSigned),
      [0, 0, 0, -1],
      "the collision penalty arrives at step 4",
    );
  });

  test("v2 moves velocity before position, so the same actions give a different trajectory", () => {
    const sim = new SpreadSim({ agents: 2, localRatio: 1, variant: "v2" });
    sim.setState(start, landmarks);
    const p = sim.world.position;
    const v = sim.world.velocity;
    const penalties: number[] = [];
    penalties.push(stepWith(sim, [RIGHT, STAY])[0]);
    close(p[0], -0.45, "step 1 x0 = −0.5 + (5 · 0.1) · 0.1");
    penalties.push(stepWith(sim, [RIGHT, STAY])[0]);
    close(p[0], -0.3625, "step 2 x0 = −0.45 + 0.875 · 0.1");
    penalties.push(stepWith(sim, [STAY, STAY])[0]);
    close(p[0], -0.296875, "step 3 x0 = −0.3625 + 0.65625 · 0.1 (now touching)");
    stepWith(sim, [STAY, STAY]);
    const force = contact(0.296875);
    close(v[0], 0.4921875 - force * 0.1, "step 4 v0");
    close(p[0], -0.296875 + (0.4921875 - force * 0.1) * 0.1, "step 4 x0");
    close(v[2], force * 0.1, "step 4 v1");
    close(p[2], force * 0.1 * 0.1, "step 4 x1 (already moved)");
    // v2 counts each agent's contact with itself: −1 every step, −2 once touching (step 3).
    assert.deepEqual(penalties, [-1, -1, -2]);
  });
});

describe("Simple Spread rewards", () => {
  test("each agent gets half the coverage reward and half its own collision penalty", () => {
    const sim = new SpreadSim({ agents: 2 });
    sim.setState([0, 0, 0.2, 0], [1, 0, 0, 1]);
    const rewards = new Float64Array(2);
    sim.writeRewards(rewards);
    // Coverage: landmark (1,0) nearest is agent 1 at 0.8; landmark (0,1) nearest is agent 0 at 1.
    // The agents are 0.2 < 0.3 apart: one collision each.
    const expected = 0.5 * -(0.8 + 1) + 0.5 * -1;
    close(rewards[0], expected, "agent 0");
    close(rewards[1], expected, "agent 1");
  });

  test("v3 does not count an agent's contact with itself, v2 does", () => {
    const far = [-0.9, -0.9, 0.9, 0.9];
    const v3 = new SpreadSim({ agents: 2, localRatio: 1 });
    const v2 = new SpreadSim({ agents: 2, localRatio: 1, variant: "v2" });
    v3.setState(far, far);
    v2.setState(far, far);
    const r3 = new Float64Array(2);
    const r2 = new Float64Array(2);
    v3.writeRewards(r3);
    v2.writeRewards(r2);
    assert.deepEqual(
      [...r3].map((x) => x + 0),
      [0, 0],
    );
    assert.deepEqual([...r2], [-1, -1]);
  });

  // Published references: PettingZoo's simple_spread_v2 page listed −115.6 as the average total
  // random-policy reward for 3 agents; EPyMARL reports −80.6 for random play on simple_spread_v3.
  // Neither says how many episodes it averaged, so we accept the issue's own margin for "the same
  // return" on Spread, 1.5, as long as our mean is tight (SE < 0.3, i.e. 1/5 of the margin).
  const SPREAD_MARGIN = 1.5;

  test("the legacy v2 random-policy return matches PettingZoo's published −115.6", () => {
    const { mean, se } = randomReturns("v2", 10_000);
    assert.ok(se < SPREAD_MARGIN / 5, `SE ${se}`);
    assert.ok(
      Math.abs(mean - -115.6) < SPREAD_MARGIN,
      `mean ${mean.toFixed(2)} ± ${se.toFixed(2)}`,
    );
  });

  test("the v3 random-policy return matches EPyMARL's random-play −80.6", () => {
    const { mean, se } = randomReturns("v3", 10_000);
    assert.ok(se < SPREAD_MARGIN / 5, `SE ${se}`);
    assert.ok(Math.abs(mean - -80.6) < SPREAD_MARGIN, `mean ${mean.toFixed(2)} ± ${se.toFixed(2)}`);
  });
});

describe("Simple Spread episode", () => {
  test("features are velocity, position, landmarks, team-mates relative to self, then zero comms", () => {
    const sim = new SpreadSim({ agents: 2 });
    sim.setState([0.1, 0.2, -0.3, 0.4], [1, 1, -1, -1], [0.5, -0.5, 0, 0]);
    const out = new Float32Array(sim.featureSize);
    sim.writeFeatures(0, out, 0);
    const expected = [0.5, -0.5, 0.1, 0.2, 0.9, 0.8, -1.1, -1.2, -0.4, 0.2, 0, 0];
    for (const [k, value] of expected.entries()) close(out[k], value, `feature ${k}`, 1e-6);
  });

  test("an episode lasts 25 steps and ends as a truncation", () => {
    const sim = new SpreadSim();
    sim.reset(1);
    for (let k = 0; k < 24; k++) stepWith(sim, [1, 2, 3]);
    assert.equal(sim.done, false);
    stepWith(sim, [4, 0, 1]);
    assert.equal(sim.done, true);
    assert.equal(sim.truncated, true);
    assert.throws(() => stepWith(sim, [0, 0, 0]), StateError);
  });

  test("the same seed gives the same start and different seeds different ones", () => {
    const a = new SpreadSim();
    const b = new SpreadSim();
    a.reset(5);
    b.reset(5);
    assert.deepEqual([...a.world.position], [...b.world.position]);
    b.reset(6);
    assert.notDeepEqual([...a.world.position], [...b.world.position]);
    assert.ok([...a.world.position, ...a.landmarks].every((x) => x >= -1 && x < 1));
  });

  test("an action outside 0..4 or a message is rejected", () => {
    const sim = new SpreadSim();
    sim.reset(0);
    assert.throws(() => stepWith(sim, [5, 0, 0]), InputError);
    const rewards = new Float64Array(3);
    assert.throws(
      () => sim.step(new Int32Array(3), Int32Array.from([0, 1, 0]), rewards),
      InputError,
    );
  });

  test("options out of range fail naming the option", () => {
    assert.throws(
      () => new SpreadSim({ agents: 0 }),
      (e: unknown) => e instanceof ConfigError && /agents/.test(e.message),
    );
    assert.throws(() => new SpreadSim({ localRatio: 1.5 }), ConfigError);
    assert.throws(() => new SpreadSim({ maxCycles: 0 }), ConfigError);
  });

  test("ParallelEnv wraps the simulator with 18 features per agent and a 54-float state", () => {
    const env = new ParallelEnv(new SpreadSim());
    const { observations } = env.reset(3);
    const view = observations.agent_0.text().view;
    assert.equal(observations.agent_0.features.length, 18);
    assert.equal(env.state().length, 54);
    const result = env.step({
      agent_0: { action: 1 },
      agent_1: { action: 2 },
      agent_2: { action: 0 },
    });
    assert.equal(
      result.infos.agent_0.teamReward,
      result.rewards.agent_0 + result.rewards.agent_1 + result.rewards.agent_2,
    );
    assert.match(view, /agent_0/);
  });
});
