/**
 * The study-level metrics (docs/metrics.md, "Study metrics"): policy oscillation from action
 * probabilities on a fixed probe set recorded every K joint environment steps, and convergence
 * speed from the smoothed validation-score curve (first step reaching a threshold, right-censored
 * when never, with the Kaplan–Meier median; and the step after which the curve stays settled).
 */
import { ShapeError } from "../core/errors.js";

/**
 * Action probabilities on the probe set at successive probe times: `snapshots[k]` concatenates
 * every probe state's distribution, state s occupying `[offsets[s], offsets[s + 1])`.
 */
export interface ProbeTrace {
  readonly offsets: Int32Array;
  readonly snapshots: readonly Float32Array[];
}

/** Policy oscillation of one run. */
export interface Oscillation {
  /** Variance over time of the first differences πₖ − πₖ₋₁, last half, mean over coordinates. */
  readonly detrendedVariance: number;
  /** Variance over time of πₖ itself, last half, mean over coordinates. */
  readonly rawVariance: number;
  /** Σₖ TV(πₖ, πₖ₋₁) − TV(π_K, π₀): distance travelled beyond the net change (0 for a straight path). */
  readonly excessPathLength: number;
  /** Mean exact KL(πₖ₋₁ ‖ πₖ) over successive snapshots and probe states. */
  readonly meanSuccessiveKl: number;
}

function checkTrace(trace: ProbeTrace): void {
  const width = trace.offsets[trace.offsets.length - 1];
  for (const [k, snapshot] of trace.snapshots.entries()) {
    if (snapshot.length !== width) {
      throw new ShapeError({
        input: `probe snapshot ${k}`,
        problem: "has the wrong length",
        expected: String(width),
        actual: String(snapshot.length),
        fix: "record every snapshot on the same probe set",
      });
    }
  }
}

/** Total-variation distance ½Σ|p − q| averaged over probe states. */
export function meanTotalVariation(offsets: Int32Array, p: Float32Array, q: Float32Array): number {
  const states = offsets.length - 1;
  if (states <= 0) return 0;
  let total = 0;
  for (let i = 0; i < offsets[states]; i++) total += Math.abs(p[i] - q[i]);
  return total / 2 / states;
}

function meanKl(offsets: Int32Array, p: Float32Array, q: Float32Array): number {
  const states = offsets.length - 1;
  if (states <= 0) return 0;
  let total = 0;
  for (let i = 0; i < offsets[states]; i++) {
    if (p[i] > 0) total += p[i] * Math.log(p[i] / Math.max(q[i], 1e-12));
  }
  return total / states;
}

function meanVarianceOverTime(series: readonly Float32Array[] | readonly Float64Array[]): number {
  if (series.length < 2) return 0;
  const width = series[0].length;
  if (width === 0) return 0;
  let total = 0;
  for (let i = 0; i < width; i++) {
    let m = 0;
    for (const s of series) m += s[i];
    m /= series.length;
    let v = 0;
    for (const s of series) v += (s[i] - m) * (s[i] - m);
    total += v / (series.length - 1);
  }
  return total / width;
}

/** The oscillation measures of one run's probe trace (0 everywhere for fewer than 2 snapshots). */
export function policyOscillation(trace: ProbeTrace): Oscillation {
  checkTrace(trace);
  const { offsets, snapshots } = trace;
  const count = snapshots.length;
  if (count < 2) {
    return { detrendedVariance: 0, rawVariance: 0, excessPathLength: 0, meanSuccessiveKl: 0 };
  }
  const half = snapshots.slice(Math.floor(count / 2));
  const diffs = half.slice(1).map((s, k) => {
    const d = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) d[i] = s[i] - half[k][i];
    return d;
  });
  let path = 0;
  let kl = 0;
  for (let k = 1; k < count; k++) {
    path += meanTotalVariation(offsets, snapshots[k], snapshots[k - 1]);
    kl += meanKl(offsets, snapshots[k - 1], snapshots[k]);
  }
  return {
    detrendedVariance: meanVarianceOverTime(diffs),
    rawVariance: meanVarianceOverTime(half),
    excessPathLength: path - meanTotalVariation(offsets, snapshots[count - 1], snapshots[0]),
    meanSuccessiveKl: kl / (count - 1),
  };
}

/** A trailing moving average over `window` points (shorter at the start). */
export function smooth(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i];
    if (i >= window) total -= values[i - window];
    out.push(total / Math.min(i + 1, window));
  }
  return out;
}

/** The first step whose value reaches `threshold`, or null (right-censored) when none does. */
export function firstReach(
  steps: readonly number[],
  values: readonly number[],
  threshold: number,
): number | null {
  for (let i = 0; i < values.length; i++) if (values[i] >= threshold) return steps[i];
  return null;
}

/**
 * The first step after which every value stays within `band` of the last value (the curve has
 * settled), or null for an empty curve.
 */
export function settleStep(
  steps: readonly number[],
  values: readonly number[],
  band: number,
): number | null {
  if (values.length === 0) return null;
  const last = values[values.length - 1];
  let first = values.length - 1;
  while (first > 0 && Math.abs(values[first - 1] - last) <= band) first--;
  return steps[first];
}

/**
 * Kaplan–Meier median of event times where null means censored at `censorAt` (the run's budget):
 * the first event time at which the survival estimate drops to ½ or below, else null (fewer than
 * half the runs reached it).
 */
export function kaplanMeierMedian(
  times: readonly (number | null)[],
  censorAt: number,
): number | null {
  const events = times
    .map((t) => (t === null ? { time: censorAt, event: false } : { time: t, event: true }))
    .sort((a, b) => a.time - b.time || Number(b.event) - Number(a.event));
  let atRisk = events.length;
  let survival = 1;
  for (let i = 0; i < events.length; ) {
    // j starts past i so a NaN time (never === itself) cannot stall the loop.
    let j = i + 1;
    let deaths = events[i].event ? 1 : 0;
    while (j < events.length && events[j].time === events[i].time) {
      if (events[j].event) deaths++;
      j++;
    }
    survival *= 1 - deaths / atRisk;
    if (deaths > 0 && survival <= 0.5) return events[i].time;
    atRisk -= j - i;
    i = j;
  }
  return null;
}
