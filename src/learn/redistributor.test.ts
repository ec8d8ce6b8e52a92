/**
 * The running redistribution on synthetic rollouts whose episodes span rollout boundaries: each
 * finished episode's r̃ sum to its return, r̃_t is unchanged when later steps change, ψ stays out
 * until its held-out fit is good, and a snapshot restores it bit for bit.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/prng.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { ReturnDecomposition } from "./credit/redistribution.js";
import { type RedistributionInput, Redistributor } from "./redistributor.js";

const F = 4;

function redistributor(envs: number, warm: boolean): Redistributor {
  const psi = new ReturnDecomposition("redistribution", {
    featureSize: F,
    hidden: [8],
    learningRate: 1e-2,
    gemm: blockedGemm,
    rng: Rng.fromSeed(11),
  });
  const r = new Redistributor(psi, envs);
  if (warm) {
    r.minEpisodes = 0;
    r.minFit = Number.NEGATIVE_INFINITY;
  }
  return r;
}

/**
 * A stream of `rollouts` rollouts of `steps` steps in `envs` slots whose episodes last
 * `lengths[e]` steps: features random, and a delayed reward (the number of "key" steps, feature 0
 * = 1) paid at each episode's end; other steps pay a small dense reward.
 */
function stream(
  envs: number,
  steps: number,
  rollouts: number,
  lengths: readonly number[],
  seed: number,
): RedistributionInput[] {
  const rng = Rng.fromSeed(seed);
  const out: RedistributionInput[] = [];
  const t0 = new Array(envs).fill(0);
  const keys = new Array(envs).fill(0);
  for (let k = 0; k < rollouts; k++) {
    const teamRewards = new Float32Array(steps * envs);
    const terminated = new Uint8Array(steps * envs);
    const features = new Float32Array(steps * envs * F);
    for (let t = 0; t < steps; t++) {
      for (let e = 0; e < envs; e++) {
        const j = t * envs + e;
        const key = rng.bernoulli(0.3) ? 1 : 0;
        features[j * F] = key;
        for (let f = 1; f < F; f++) features[j * F + f] = rng.uniform(-1, 1);
        keys[e] += key;
        teamRewards[j] = 0.125 * key;
        if (++t0[e] === lengths[e]) {
          terminated[j] = 1;
          teamRewards[j] += keys[e];
          t0[e] = 0;
          keys[e] = 0;
        }
      }
    }
    out.push({ steps, envs, teamRewards, terminated, features });
  }
  return out;
}

/** Pays every rollout; returns each finished episode's raw and paid sums and the payments. */
function run(r: Redistributor, inputs: readonly RedistributionInput[]) {
  const paid: Float32Array[] = [];
  const finished: { raw: number; paid: number; last: number }[] = [];
  const raw = new Array(inputs[0].envs).fill(0);
  const sum = new Array(inputs[0].envs).fill(0);
  let redistributed = 0;
  for (const input of inputs) {
    const out = r.apply(input, 4);
    paid.push(out.team);
    redistributed += out.redistributedSteps;
    for (let t = 0; t < input.steps; t++) {
      for (let e = 0; e < input.envs; e++) {
        const j = t * input.envs + e;
        raw[e] += input.teamRewards[j];
        sum[e] += out.team[j];
        if (input.terminated[j] === 1) {
          finished.push({ raw: raw[e], paid: sum[e], last: out.team[j] });
          raw[e] = 0;
          sum[e] = 0;
        }
      }
    }
  }
  return { paid, finished, redistributed };
}

test("episodes spanning rollouts are redistributed and each sums to its raw return", () => {
  const inputs = stream(3, 4, 12, [5, 7, 11], 1);
  const { paid, finished, redistributed } = run(redistributor(3, true), inputs);
  assert.ok(finished.length >= 8, `${finished.length} episodes finished`);
  assert.equal(redistributed, 3 * 4 * 12, "every step is paid ψ or a remainder");
  for (const [i, e] of finished.entries()) {
    // Exact but for the float32 rounding of the stored remainder (half an ulp of it).
    const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(e.last), 2 ** -126))) - 23);
    assert.ok(Math.abs(e.paid - e.raw) <= ulp / 2, `episode ${i}: paid ${e.paid}, raw ${e.raw}`);
  }
  let moved = false;
  paid.forEach((p, k) => {
    for (let j = 0; j < p.length; j++) moved ||= p[j] !== inputs[k].teamRewards[j];
  });
  assert.ok(moved);
});

test("r̃_t is bit-for-bit unchanged when every later step (features, rewards, return) changes", () => {
  const base = stream(2, 4, 6, [5, 7], 2);
  const changed = stream(2, 4, 6, [5, 7], 2);
  // From rollout 4, step 2 on: other features and rewards; episode ends stay where they were.
  const other = stream(2, 4, 6, [5, 7], 3);
  for (let k = 4; k < 6; k++) {
    for (let t = k === 4 ? 2 : 0; t < 4; t++) {
      for (let e = 0; e < 2; e++) {
        const j = t * 2 + e;
        (changed[k].teamRewards as Float32Array)[j] = other[k].teamRewards[j] * 3 + 1;
        (changed[k].features as Float32Array).set(
          other[k].features.subarray(j * F, (j + 1) * F),
          j * F,
        );
      }
    }
  }
  const a = run(redistributor(2, true), base).paid;
  const b = run(redistributor(2, true), changed).paid;
  for (let k = 0; k < 4; k++) assert.deepEqual(b[k], a[k], `rollout ${k}`);
  assert.deepEqual(b[4].subarray(0, 4), a[4].subarray(0, 4), "rollout 4, steps 0 and 1");
  assert.notDeepEqual(b[4].subarray(4), a[4].subarray(4));
});

test("ψ pays nothing until its held-out fit is good, then moves the delayed reward to the key steps", () => {
  const r = redistributor(4, false);
  const inputs = stream(4, 4, 120, [6, 7, 9, 10], 4);
  const first = r.apply(inputs[0], 4);
  assert.deepEqual(first.team, inputs[0].teamRewards, "cold ψ: raw rewards");
  assert.equal(first.redistributedSteps, 0);
  let warmAt = -1;
  for (let k = 1; k < inputs.length && warmAt < 0; k++) {
    const out = r.apply(inputs[k], 8);
    if (r.warm) warmAt = k;
    else assert.equal(out.redistributedSteps, 0);
  }
  assert.ok(warmAt > 0, `ψ warmed up (fit ${r.fitScore().toFixed(3)})`);
  assert.ok(r.fitScore() >= 0.5 && r.bufferedEpisodes >= 8);
  // Warm: a non-final key step is paid about 1.125 (its dense 0.125 and its 1 paid at the end),
  // other steps about 0.
  const next = stream(4, 4, 1, [100, 100, 100, 100], 5)[0];
  const out = r.apply(next, 0);
  let keys = 0;
  let others = 0;
  let nKeys = 0;
  for (let j = 0; j < 16; j++) {
    if (next.features[j * F] === 1) {
      keys += out.team[j];
      nKeys++;
    } else others += out.team[j];
  }
  assert.ok(nKeys > 0);
  assert.ok(Math.abs(keys / nKeys - 1.125) < 0.2, `key steps ${keys / nKeys}`);
  assert.ok(Math.abs(others / (16 - nKeys)) < 0.15, `other steps ${others / (16 - nKeys)}`);
});

test("a snapshot restores the running sums, step features and buffer bit for bit", () => {
  const inputs = stream(2, 3, 8, [5, 4], 6);
  const straight = redistributor(2, true);
  const copy = redistributor(2, true);
  for (let k = 0; k < 5; k++) {
    straight.apply(inputs[k], 4);
    copy.apply(inputs[k], 4);
  }
  const { state, tensors } = straight.snapshot();
  const restored = redistributor(2, true);
  // ψ's parameters and Adam travel through the checkpoint file; copy them here.
  restored.decomposition.parameters().forEach((p, i) => {
    p.value.set(copy.decomposition.parameters()[i].value);
  });
  restored.decomposition.adam.firstMoments.forEach((m, i) => {
    m.set(copy.decomposition.adam.firstMoments[i]);
  });
  restored.decomposition.adam.secondMoments.forEach((m, i) => {
    m.set(copy.decomposition.adam.secondMoments[i]);
  });
  restored.decomposition.adam.stepCount = copy.decomposition.adam.stepCount;
  const loaded = restored.tensorsFor(JSON.parse(JSON.stringify(state)));
  loaded.forEach((t, i) => {
    t.value.set(tensors[i].value);
  });
  restored.restore(JSON.parse(JSON.stringify(state)), loaded);
  for (let k = 5; k < 8; k++)
    assert.deepEqual(restored.apply(inputs[k], 4), straight.apply(inputs[k], 4));
});
