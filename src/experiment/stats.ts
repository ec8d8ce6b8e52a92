/**
 * The study's statistics, one function each: mean ± std, type-7 quantiles, Tukey's IQR outlier
 * rule, the interquartile mean (rliable's IQM), stratified and paired bootstrap CIs, probability of
 * improvement, Welch's t-test, the Mann–Whitney U test and Holm's correction. Small inputs (5 seeds
 * per method), so plain arrays; randomness only through a passed-in Rng.
 */
import { InputError } from "../core/errors.js";
import type { Rng } from "../core/prng.js";

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

/** A confidence interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** A test's statistic and two-sided p-value. */
export interface TestResult {
  readonly statistic: number;
  readonly p: number;
}

function requireValues(values: readonly number[], name: string, min = 1): void {
  if (values.length < min) {
    throw new InputError({
      input: name,
      problem: "has too few values",
      expected: `at least ${min}`,
      actual: String(values.length),
      fix: "pass more runs (seeds) for this method",
    });
  }
}

/** Arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

/** Sample variance (n − 1); 0 for one value, NaN for none. */
export function variance(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  if (values.length === 1) return 0;
  const m = mean(values);
  let total = 0;
  for (const v of values) total += (v - m) * (v - m);
  return total / (values.length - 1);
}

/** Mean ± sample standard deviation. */
export function meanStd(values: readonly number[]): MeanStd {
  return { mean: mean(values), std: Math.sqrt(variance(values)), n: values.length };
}

/** The `p`-quantile (0 ≤ p ≤ 1) by linear interpolation between order statistics (R type 7). */
export function quantile(values: readonly number[], p: number): number {
  requireValues(values, "quantile values");
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** What {@link iqrOutliers} found: the fences and which indices fall outside them. */
export interface OutlierSplit {
  readonly lower: number;
  readonly upper: number;
  readonly kept: readonly number[];
  readonly removed: readonly number[];
}

/** Tukey's rule: indices outside [Q1 − k·IQR, Q3 + k·IQR] (type-7 quartiles) are outliers. */
export function iqrOutliers(values: readonly number[], k = 1.5): OutlierSplit {
  requireValues(values, "outlier values");
  const q1 = quantile(values, 0.25);
  const q3 = quantile(values, 0.75);
  const lower = q1 - k * (q3 - q1);
  const upper = q3 + k * (q3 - q1);
  const kept: number[] = [];
  const removed: number[] = [];
  for (const [i, v] of values.entries()) (v < lower || v > upper ? removed : kept).push(i);
  return { lower, upper, kept, removed };
}

/** Interquartile mean: the mean after trimming ⌊n/4⌋ values from each end (scipy's trim_mean 0.25). */
export function iqm(values: readonly number[]): number {
  requireValues(values, "IQM values");
  const sorted = [...values].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * 0.25);
  return mean(sorted.slice(cut, sorted.length - cut));
}

/** Options of the bootstrap CIs. */
export interface BootstrapOptions {
  readonly rng: Rng;
  readonly resamples?: number;
  /** Coverage, default 0.95. */
  readonly confidence?: number;
}

function percentileInterval(draws: number[], confidence: number): Interval {
  const alpha = (1 - confidence) / 2;
  return { low: quantile(draws, alpha), high: quantile(draws, 1 - alpha) };
}

/**
 * Stratified bootstrap CI of `statistic` (rliable): `strata[s]` holds the runs' scores in stratum
 * s (a task family, say); each resample redraws runs with replacement within every stratum and
 * applies `statistic` to the pooled draw.
 */
export function stratifiedBootstrapCi(
  strata: readonly (readonly number[])[],
  statistic: (values: readonly number[]) => number,
  options: BootstrapOptions,
): Interval {
  for (const [s, values] of strata.entries()) requireValues(values, `bootstrap stratum ${s}`);
  const resamples = options.resamples ?? 2000;
  const draws: number[] = [];
  const pooled: number[] = [];
  for (let r = 0; r < resamples; r++) {
    pooled.length = 0;
    for (const values of strata) {
      for (let i = 0; i < values.length; i++) pooled.push(values[options.rng.int(values.length)]);
    }
    draws.push(statistic(pooled));
  }
  return percentileInterval(draws, options.confidence ?? 0.95);
}

/**
 * Paired bootstrap CI of `statistic(a′, b′)`: pairs (a[i], b[i]) — the same seed's runs of two
 * methods — are redrawn together, so the shared task order and evaluation seeds cancel.
 */
export function pairedBootstrapCi(
  a: readonly number[],
  b: readonly number[],
  statistic: (a: readonly number[], b: readonly number[]) => number,
  options: BootstrapOptions,
): Interval {
  requireValues(a, "paired bootstrap a");
  if (a.length !== b.length) {
    throw new InputError({
      input: "paired bootstrap b",
      problem: "differs in length from a",
      expected: String(a.length),
      actual: String(b.length),
      fix: "pair the runs seed by seed (the same seeds for both methods)",
    });
  }
  const resamples = options.resamples ?? 2000;
  const draws: number[] = [];
  const ra = new Array<number>(a.length);
  const rb = new Array<number>(a.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) {
      const j = options.rng.int(a.length);
      ra[i] = a[j];
      rb[i] = b[j];
    }
    draws.push(statistic(ra, rb));
  }
  return percentileInterval(draws, options.confidence ?? 0.95);
}

/** P(X > Y) + ½·P(X = Y) over all pairs of runs (rliable's probability of improvement). */
export function probabilityOfImprovement(x: readonly number[], y: readonly number[]): number {
  requireValues(x, "probability of improvement x");
  requireValues(y, "probability of improvement y");
  let wins = 0;
  for (const a of x) for (const b of y) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (x.length * y.length);
}

/** Welch's unequal-variance t-test, two-sided. p is 1 when both samples are constant and equal. */
export function welchTest(x: readonly number[], y: readonly number[]): TestResult {
  requireValues(x, "Welch test x", 2);
  requireValues(y, "Welch test y", 2);
  const vx = variance(x) / x.length;
  const vy = variance(y) / y.length;
  const diff = mean(x) - mean(y);
  if (vx + vy === 0)
    return {
      statistic: diff === 0 ? 0 : Math.sign(diff) * Number.POSITIVE_INFINITY,
      p: diff === 0 ? 1 : 0,
    };
  const t = diff / Math.sqrt(vx + vy);
  const df = (vx + vy) ** 2 / (vx ** 2 / (x.length - 1) + vy ** 2 / (y.length - 1));
  return { statistic: t, p: studentTwoSidedP(t, df) };
}

/** Two-sided p of Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, ½). */
export function studentTwoSidedP(t: number, df: number): number {
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * Mann–Whitney U test, two-sided; U counts pairs with x > y (ties ½). Exact (the U distribution by
 * counting) when there are no ties and n·m ≤ 400, else the normal approximation with tie and
 * continuity corrections.
 */
export function mannWhitneyTest(x: readonly number[], y: readonly number[]): TestResult {
  requireValues(x, "Mann–Whitney x");
  requireValues(y, "Mann–Whitney y");
  const n = x.length;
  const m = y.length;
  const u = probabilityOfImprovement(x, y) * n * m;
  const all = [...x, ...y].sort((a, b) => a - b);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i + 1; // past i: a NaN (never === itself) cannot stall the loop
    while (j < all.length && all[j] === all[i]) j++;
    const t = j - i;
    tieTerm += t ** 3 - t;
    i = j;
  }
  if (tieTerm === 0 && n * m <= 400) return { statistic: u, p: exactMannWhitneyP(u, n, m) };
  const mu = (n * m) / 2;
  const total = n + m;
  const sigma = Math.sqrt(((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1))));
  if (sigma === 0) return { statistic: u, p: 1 };
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / sigma;
  return { statistic: u, p: Math.min(1, 2 * normalUpperTail(z)) };
}

/** Exact two-sided p of U (no ties): counts of rank arrangements with each U value. */
function exactMannWhitneyP(u: number, n: number, m: number): number {
  // counts[i][j][k]: arrangements of i x's and j y's with U = k, built one element at a time.
  let prev: number[][] = Array.from({ length: m + 1 }, () => [1]);
  for (let i = 1; i <= n; i++) {
    const next: number[][] = [[1]];
    for (let j = 1; j <= m; j++) {
      const size = i * j + 1;
      const row = new Array<number>(size).fill(0);
      // The largest element is an x (it beats all j y's) or a y (it adds nothing).
      const withX = prev[j];
      const withY = next[j - 1];
      for (let k = 0; k < withX.length; k++) row[k + j] += withX[k];
      for (let k = 0; k < withY.length; k++) row[k] += withY[k];
      next.push(row);
    }
    prev = next;
  }
  const counts = prev[m];
  const total = counts.reduce((a, b) => a + b, 0);
  const extreme = Math.min(u, n * m - u);
  let tail = 0;
  for (let k = 0; k <= Math.floor(extreme + 1e-9); k++) tail += counts[k];
  return Math.min(1, (2 * tail) / total);
}

/** Holm's step-down adjustment of `pValues` (same order in and out), monotone and capped at 1. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach(([p, index], rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

/** The paper's relative difference 100·(m − base)/|base|, flagged when |base| is near zero. */
export interface RelativeDifference {
  readonly percent: number;
  readonly baseNearZero: boolean;
}

/**
 * `100·(m − base)/|base|`; `baseNearZero` when |base| ≤ `epsilon`·max(|m|, |base|) or is 0: relative
 * to the pair's own scale, because variances and step counts live on very different scales.
 */
export function relativeDifference(m: number, base: number, epsilon = 1e-3): RelativeDifference {
  const scale = Math.max(Math.abs(m), Math.abs(base));
  return {
    percent: (100 * (m - base)) / Math.abs(base),
    baseNearZero: Math.abs(base) === 0 || Math.abs(base) <= epsilon * scale,
  };
}

function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit, Horner form). */
function erfc(x: number): number {
  const coefficients = [
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
    1.48851587, -0.82215223, 0.17087277,
  ];
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) poly = poly * t + coefficients[i];
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xm = x - 1;
  let a = c[0];
  const t = xm + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularised incomplete beta I_x(a, b) by Lentz's continued fraction. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return (front * h) / a;
}
