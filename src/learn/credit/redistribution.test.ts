/**
 * Return redistribution: sums to the return, uses no future information, learns to credit the
 * step that caused a delayed reward, is reproducible; episode extraction from rollouts; bad input.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../../model/gemm/naive.js";
import {
  completeEpisodes,
  type EpisodeBatch,
  ReturnDecomposition,
  redistributeReturns,
} from "./redistribution.js";

const FEATURES = 4;
const LENGTH = 6;

/**
 * Delayed-reward episodes: each step has a "key" flag (probability 0.3), two noise features and
 * the step's position. The environment pays the number of key steps, all at the last step, so
 * the return is caused by the key steps and by nothing else.
 */
function delayedEpisodes(rng: Rng, episodes: number): { batch: EpisodeBatch; key: Uint8Array } {
  const rows = episodes * LENGTH;
  const features = new Float32Array(rows * FEATURES);
  const key = new Uint8Array(rows);
  const returns = new Float32Array(episodes);
  const offsets = Int32Array.from({ length: episodes + 1 }, (_, e) => e * LENGTH);
  for (let e = 0; e < episodes; e++) {
    for (let t = 0; t < LENGTH; t++) {
      const r = e * LENGTH + t;
      key[r] = rng.float() < 0.3 ? 1 : 0;
      features.set([key[r], rng.uniform(-1, 1), rng.uniform(-1, 1), t / LENGTH], r * FEATURES);
      returns[e] += key[r];
    }
  }
  return { batch: { features, offsets, returns }, key };
}

function model(seed: string): ReturnDecomposition {
  return new ReturnDecomposition("rd", {
    featureSize: FEATURES,
    hidden: [16],
    learningRate: 1e-2,
    gemm: naiveGemm,
    rng: Rng.fromSeed(seed),
  });
}

function episodeSums(values: Float32Array, offsets: Int32Array): number[] {
  const sums: number[] = [];
  for (let e = 0; e + 1 < offsets.length; e++) {
    let s = 0;
    for (let r = offsets[e]; r < offsets[e + 1]; r++) s += values[r];
    sums.push(s);
  }
  return sums;
}

describe("ReturnDecomposition", () => {
  test("redistributed rewards sum to each episode's return, for an untrained model", () => {
    const { batch } = delayedEpisodes(Rng.fromSeed("rd-sum"), 20);
    const sums = episodeSums(model("rd-sum").redistribute(batch), batch.offsets);
    for (let e = 0; e < sums.length; e++)
      assert.ok(Math.abs(sums[e] - batch.returns[e]) < 1e-5, `episode ${e}`);
  });

  test("r̃_t uses no future information: perturbing later steps and the return leaves earlier r̃ unchanged", () => {
    const rng = Rng.fromSeed("rd-prefix");
    const rd = model("rd-prefix");
    const { batch } = delayedEpisodes(rng, 8);
    for (let step = 0; step < 20; step++) rd.trainStep(batch);
    const before = rd.redistribute(batch).slice();
    for (let cut = 1; cut < LENGTH; cut++) {
      const features = batch.features.slice();
      for (let e = 0; e < 8; e++) {
        for (let t = cut; t < LENGTH; t++) {
          for (let f = 0; f < FEATURES; f++)
            features[(e * LENGTH + t) * FEATURES + f] += rng.uniform(-3, 3);
        }
      }
      const returns = batch.returns.map((g) => g + 5);
      const after = rd.redistribute({ features, offsets: batch.offsets, returns });
      for (let e = 0; e < 8; e++) {
        for (let t = 0; t < cut; t++)
          assert.equal(
            after[e * LENGTH + t],
            before[e * LENGTH + t],
            `episode ${e}, step ${t}, cut ${cut}`,
          );
        assert.notEqual(after[e * LENGTH + LENGTH - 1], before[e * LENGTH + LENGTH - 1]);
      }
    }
  });

  test("after training, a delayed reward is moved to the steps that caused it", () => {
    const rng = Rng.fromSeed("rd-learn");
    const rd = model("rd-learn");
    const { batch } = delayedEpisodes(rng, 64);
    let loss = Number.POSITIVE_INFINITY;
    for (let step = 0; step < 300; step++) loss = rd.trainStep(batch);
    assert.ok(loss < 0.05, `final loss ${loss}`);
    const heldOut = delayedEpisodes(rng, 64);
    const redistributed = rd.redistribute(heldOut.batch);
    let keyTotal = 0;
    let keyCount = 0;
    let otherAbs = 0;
    let otherCount = 0;
    for (let r = 0; r < redistributed.length; r++) {
      if (r % LENGTH === LENGTH - 1) continue; // the remainder step
      if (heldOut.key[r] === 1) {
        keyTotal += redistributed[r];
        keyCount++;
      } else {
        otherAbs += Math.abs(redistributed[r]);
        otherCount++;
      }
    }
    assert.ok(keyTotal / keyCount > 0.8, `mean r̃ on key steps ${keyTotal / keyCount}`);
    assert.ok(otherAbs / otherCount < 0.15, `mean |r̃| on other steps ${otherAbs / otherCount}`);
  });

  test("two models with the same seed trained on the same batches agree bit for bit", () => {
    const { batch } = delayedEpisodes(Rng.fromSeed("rd-determinism"), 16);
    const a = model("same");
    const b = model("same");
    for (let step = 0; step < 10; step++) assert.equal(a.trainStep(batch), b.trainStep(batch));
    assert.deepEqual(a.redistribute(batch), b.redistribute(batch));
  });

  test("features that are not whole rows are a ShapeError; a NaN return is a ConfigError naming it", () => {
    const { batch } = delayedEpisodes(Rng.fromSeed("rd-bad"), 2);
    const rd = model("rd-bad");
    assert.throws(
      () => rd.trainStep({ ...batch, features: batch.features.subarray(1) }),
      ShapeError,
    );
    const returns = batch.returns.slice();
    returns[1] = Number.NaN;
    assert.throws(
      () => rd.trainStep({ ...batch, returns }),
      (e: unknown) => e instanceof ConfigError && /returns\[1\]/.test(e.message),
    );
  });
});

describe("redistributeReturns", () => {
  test("keeps every step's score but the last, which takes the remainder", () => {
    const out = redistributeReturns(
      Float32Array.from([0.5, 0.25, 9, 1, 2]),
      Int32Array.from([0, 3, 5]),
      Float32Array.from([1, 4]),
    );
    assert.deepEqual(Array.from(out), [0.5, 0.25, 0.25, 1, 3]);
  });
});

describe("completeEpisodes", () => {
  test("finds the episodes that start and end inside a [T × N] rollout, in time order", () => {
    // Two columns over 4 steps. Column 0 starts fresh and ends at t = 1 and t = 3;
    // column 1 continues an earlier episode that ends at t = 0, then runs unfinished.
    const ended = Uint8Array.from([0, 1, 1, 0, 0, 0, 1, 0]);
    const { rows, offsets } = completeEpisodes(4, ended, Uint8Array.from([1, 0]));
    assert.deepEqual(Array.from(rows), [0, 2, 4, 6]);
    assert.deepEqual(Array.from(offsets), [0, 2, 4]);
  });
});
