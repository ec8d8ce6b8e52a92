/** Hand-computed cases for policy oscillation and convergence speed. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  firstReach,
  kaplanMeierMedian,
  meanTotalVariation,
  policyOscillation,
  settleStep,
  smooth,
} from "./metrics.js";

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≉ ${expected}`);

const oneState = Int32Array.of(0, 2);
const trace = (...pairs: [number, number][]) => ({
  offsets: oneState,
  snapshots: pairs.map((p) => Float32Array.from(p)),
});

describe("policy oscillation", () => {
  test("meanTotalVariation is half the L1 distance, averaged over probe states", () => {
    const offsets = Int32Array.of(0, 2, 5);
    const p = Float32Array.of(1, 0, 0.2, 0.3, 0.5);
    const q = Float32Array.of(0.5, 0.5, 0.2, 0.3, 0.5);
    close(meanTotalVariation(offsets, p, q), 0.25);
  });

  test("a policy drifting in a straight line has no detrended variance and no excess path", () => {
    const result = policyOscillation(trace([1, 0], [0.75, 0.25], [0.5, 0.5], [0.25, 0.75]));
    close(result.detrendedVariance, 0);
    close(result.excessPathLength, 0);
    // Last half: 0.5 and 0.25 in each coordinate, sample variance 0.03125.
    close(result.rawVariance, 0.03125);
  });

  test("successive KL is the exact KL(πₖ₋₁ ‖ πₖ) averaged over the steps", () => {
    const result = policyOscillation(trace([1, 0], [0.75, 0.25], [0.5, 0.5], [0.25, 0.75]));
    const expected =
      (Math.log(1 / 0.75) +
        (0.75 * Math.log(0.75 / 0.5) + 0.25 * Math.log(0.25 / 0.5)) +
        (0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75))) /
      3;
    close(result.meanSuccessiveKl, expected);
  });

  test("a policy flipping back and forth has detrended variance and path beyond its net change", () => {
    const result = policyOscillation(trace([1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]));
    // Last half: [0,1], [1,0], [0,1]; differences ±1 and ∓1, sample variance 2 per coordinate.
    close(result.detrendedVariance, 2);
    // Five moves of TV 1, net TV 1.
    close(result.excessPathLength, 4);
  });

  test("a snapshot of the wrong length is refused, naming it", () => {
    assert.throws(
      () =>
        policyOscillation({
          offsets: oneState,
          snapshots: [Float32Array.of(1, 0), Float32Array.of(1)],
        }),
      /probe snapshot 1/,
    );
  });
});

describe("convergence speed", () => {
  test("smooth is a trailing moving average, shorter at the start", () => {
    assert.deepEqual(smooth([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
  });

  test("firstReach returns the first step at the threshold, or null when never reached", () => {
    assert.equal(firstReach([10, 20, 30], [0.1, 0.5, 0.9], 0.5), 20);
    assert.equal(firstReach([10, 20, 30], [0.1, 0.5, 0.9], 1), null);
  });

  test("settleStep is the first step after which the curve stays within the band of its end", () => {
    assert.equal(settleStep([1, 2, 3, 4, 5], [0, 1, 0.5, 0.52, 0.5], 0.05), 3);
  });

  test("kaplanMeierMedian is the event time where survival first drops to one half", () => {
    // S: 10 → 4/5, 20 → 3/5, 30 → 2/5.
    assert.equal(kaplanMeierMedian([10, 20, null, 30, null], 100), 30);
  });

  test("kaplanMeierMedian is null when fewer than half the runs reach the threshold", () => {
    assert.equal(kaplanMeierMedian([10, null, null, null], 100), null);
  });
});
