/**
 * Turns the runs' results into every figure of the report (results.json): per-method metric
 * tables after IQR outlier removal and untrimmed, IQM with stratified bootstrap CIs, probability of
 * improvement of the proposed method over each baseline, Holm-corrected Welch and Mann–Whitney
 * tests, the paper's relative differences with paired bootstrap CIs, convergence with censoring,
 * curves and breakdowns. Runs are taken in run-id order, never completion order.
 */
import { Rng } from "../core/prng.js";
import { firstReach, kaplanMeierMedian, settleStep, smooth } from "./metrics.js";
import type { StudyConfig } from "./presets.js";
import type { RunResult } from "./run.js";
import {
  holmAdjust,
  type Interval,
  iqm,
  iqrOutliers,
  type MeanStd,
  mannWhitneyTest,
  mean,
  meanStd,
  pairedBootstrapCi,
  probabilityOfImprovement,
  relativeDifference,
  stratifiedBootstrapCi,
  welchTest,
} from "./stats.js";

/** Reference policy scores on the test groups (computed once per study). */
export type ReferenceTable = Record<string, { seen: Summary; unseen: Summary }>;

/** A mean raw team return and normalised score. */
export interface Summary {
  readonly meanReturn: number;
  readonly meanScore: number;
}

/** The per-run scalar metrics of the tables, by key (docs/metrics.md, "Study metrics"). */
export const RUN_METRICS = [
  "test_score_seen",
  "test_return_seen",
  "test_score_unseen",
  "test_return_unseen",
  "oscillation_detrended_variance",
  "oscillation_raw_variance",
  "oscillation_excess_path",
  "oscillation_successive_kl",
  "convergence_step",
  "settle_step",
] as const;

/** One of {@link RUN_METRICS}. */
export type RunMetric = (typeof RUN_METRICS)[number];

/** Which direction is better for each metric (for the relative differences and tests). */
const higherIsBetter: Record<RunMetric, boolean> = {
  test_score_seen: true,
  test_return_seen: true,
  test_score_unseen: true,
  test_return_unseen: true,
  oscillation_detrended_variance: false,
  oscillation_raw_variance: false,
  oscillation_excess_path: false,
  oscillation_successive_kl: false,
  convergence_step: false,
  settle_step: false,
};

/** The paper's three headline numbers (reported beside ours, never tuned toward). */
export const PAPER_CLAIMS = [
  { claim: "cumulative reward", metric: "test_return_seen", percent: 27.1 },
  { claim: "cumulative reward (normalised score)", metric: "test_score_seen", percent: 27.1 },
  { claim: "policy oscillation", metric: "oscillation_detrended_variance", percent: -35.6 },
  { claim: "convergence steps", metric: "convergence_step", percent: -18 },
] as const;

function pooled(result: RunResult, seen: boolean, key: "scores" | "teamReturns"): number[] {
  return result.test.filter((g) => g.seen === seen).flatMap((g) => [...g[key]]);
}

/** The scalar metrics of one final run; convergence_step is censored at the budget. */
export function runMetrics(
  result: RunResult,
  config: StudyConfig,
  threshold: number,
): Record<RunMetric, number> & { reached: boolean } {
  const smoothed = smooth(result.curve.validationScore, config.smoothing);
  const reach = firstReach(result.curve.steps, smoothed, threshold);
  return {
    test_score_seen: mean(pooled(result, true, "scores")),
    test_return_seen: mean(pooled(result, true, "teamReturns")),
    test_score_unseen: mean(pooled(result, false, "scores")),
    test_return_unseen: mean(pooled(result, false, "teamReturns")),
    oscillation_detrended_variance: result.oscillation.detrendedVariance,
    oscillation_raw_variance: result.oscillation.rawVariance,
    oscillation_excess_path: result.oscillation.excessPathLength,
    oscillation_successive_kl: result.oscillation.meanSuccessiveKl,
    convergence_step: reach ?? result.spec.budget,
    settle_step: settleStep(result.curve.steps, smoothed, config.settleBand) ?? result.spec.budget,
    reached: reach !== null,
  };
}

/** One metric of one method. */
export interface MetricSummary {
  readonly trimmed: MeanStd;
  readonly untrimmed: MeanStd;
  readonly iqm: number;
  readonly iqmCi: Interval;
}

/** A pairwise comparison of the proposed method against one baseline or ablation on one metric. */
export interface Comparison {
  readonly baseline: string;
  /** A paper baseline, or an ablation of the proposed method; Holm's correction runs per role. */
  readonly role: "baseline" | "ablation";
  readonly metric: RunMetric;
  readonly probabilityOfImprovement: number;
  readonly welchP: number;
  readonly mannWhitneyP: number;
  readonly welchHolm: number;
  readonly mannWhitneyHolm: number;
}

/** Everything results.json holds (besides the protocol, which the study adds). */
export interface Aggregate {
  readonly convergence: {
    readonly fraction: number;
    readonly bestBaseline: string;
    readonly bestBaselineFinal: number;
    readonly threshold: number;
    readonly perMethod: Record<
      string,
      { readonly reachedFraction: number; readonly kaplanMeierMedian: number | null }
    >;
  };
  readonly outliers: Record<string, { readonly removedSeeds: readonly number[] }>;
  readonly metrics: Record<string, Record<RunMetric, MetricSummary>>;
  readonly comparisons: readonly Comparison[];
  readonly paper: readonly {
    readonly claim: string;
    readonly metric: RunMetric;
    readonly claimed: number;
    readonly measured: number;
    readonly ci: Interval;
    readonly baseNearZero: boolean;
  }[];
  readonly curves: Record<
    string,
    {
      readonly steps: readonly number[];
      readonly validationScore: MeanStd[];
      readonly validationReturn: MeanStd[];
      readonly probeTv: MeanStd[];
      readonly rewardChange: MeanStd[];
    }
  >;
  readonly breakdowns: {
    readonly family: Record<string, Record<string, MeanStd>>;
    readonly teamSize: Record<string, Record<string, MeanStd>>;
  };
}

/** The protocol as run (the report's first section). */
export interface Protocol {
  readonly preset: string;
  readonly paperBudgets: boolean;
  readonly methods: readonly string[];
  readonly baseline: string;
  readonly budget: number;
  readonly selectionBudget: number;
  readonly seeds: readonly number[];
  readonly tuningSeeds: readonly number[];
  readonly grid: readonly Record<string, number>[];
  readonly methodGrids: Record<string, readonly Record<string, number>[]>;
  readonly chosen: Record<string, Record<string, number>>;
  readonly evaluation: "greedy" | "sampled";
  readonly probeEvery: number;
  readonly probeStates: number;
  readonly suite: { readonly seed: number; readonly size: number };
  readonly splits: {
    readonly train: number;
    readonly validation: number;
    readonly test: readonly {
      readonly family: string;
      readonly seen: boolean;
      readonly tasks: number;
    }[];
  };
}

/** Everything results.json holds. */
export interface StudyResults extends Aggregate {
  readonly protocol: Protocol;
  readonly selection: Record<
    string,
    { readonly scores: readonly number[]; readonly chosen: number }
  >;
  readonly references: ReferenceTable;
}

/**
 * Bootstrap strata of a metric (rliable): for the test scores, each family's per-run score is a
 * stratum, resampled on its own; other metrics have one value per run and one stratum.
 */
function strataOf(
  runs: readonly RunResult[],
  key: RunMetric,
  values: readonly number[],
): number[][] {
  const seen = key === "test_score_seen" ? true : key === "test_score_unseen" ? false : null;
  if (seen === null) return [[...values]];
  const families = [...new Set(runs.flatMap((r) => r.test.map((g) => g.family)))];
  const strata = families.map((family) =>
    runs.map((r) =>
      mean(
        r.test.filter((g) => g.family === family && g.seen === seen).flatMap((g) => [...g.scores]),
      ),
    ),
  );
  const usable = strata.filter((s) => s.every(Number.isFinite));
  return usable.length > 0 ? usable : [[...values]];
}

function pointwise(curves: readonly (readonly number[])[]): MeanStd[] {
  const length = Math.min(...curves.map((c) => c.length));
  return Array.from({ length }, (_, k) => meanStd(curves.map((c) => c[k])));
}

/**
 * Aggregates the final runs (any order in; sorted by id here). `teamSizes[g][i]` is the team size
 * of task i of test group g, for the per-team-size breakdown.
 */
export function aggregate(
  finals: readonly RunResult[],
  config: StudyConfig,
  teamSizes: readonly (readonly number[])[],
): Aggregate {
  const runs = [...finals].sort((a, b) =>
    a.spec.id < b.spec.id ? -1 : a.spec.id > b.spec.id ? 1 : 0,
  );
  const byMethod = new Map<string, RunResult[]>(config.methods.map((m) => [m, []]));
  for (const run of runs) byMethod.get(run.spec.method)?.push(run);
  const proposed = config.methods[0];
  const roleOf = (method: string): Comparison["role"] =>
    config.baselines.includes(method) ? "baseline" : "ablation";
  const baselines = config.methods.slice(1).filter((m) => roleOf(m) === "baseline" && m !== "bc");
  // Convergence threshold: X × the best baseline's final (smoothed) validation score.
  let bestBaseline = baselines[0] ?? proposed;
  let bestBaselineFinal = Number.NEGATIVE_INFINITY;
  for (const method of baselines) {
    const finalScores = (byMethod.get(method) ?? []).map((r) => {
      const s = smooth(r.curve.validationScore, config.smoothing);
      return s[s.length - 1];
    });
    const m = mean(finalScores);
    if (m > bestBaselineFinal) {
      bestBaselineFinal = m;
      bestBaseline = method;
    }
  }
  const threshold = config.convergenceFraction * bestBaselineFinal;
  const rng = Rng.fromSeed("aggregate");
  const outliers: Aggregate["outliers"] = {};
  const metrics: Aggregate["metrics"] = {};
  const kept = new Map<string, ReturnType<typeof runMetrics>[]>();
  const all = new Map<string, ReturnType<typeof runMetrics>[]>();
  const perMethodConvergence: Aggregate["convergence"]["perMethod"] = {};
  const curves: Aggregate["curves"] = {};
  for (const [method, methodRuns] of byMethod) {
    const values = methodRuns.map((r) => runMetrics(r, config, threshold));
    all.set(method, values);
    // IQR rule per family on the final test score; a run removed in any family leaves every metric.
    const removed = new Set<number>();
    const families = [...new Set(methodRuns.flatMap((r) => r.test.map((g) => g.family)))];
    for (const family of families) {
      const scores = methodRuns.map((r) =>
        mean(r.test.filter((g) => g.family === family).flatMap((g) => [...g.scores])),
      );
      for (const i of iqrOutliers(scores).removed) removed.add(i);
    }
    outliers[method] = {
      removedSeeds: [...removed].sort((a, b) => a - b).map((i) => methodRuns[i].spec.seed),
    };
    const keptValues = values.filter((_, i) => !removed.has(i));
    kept.set(method, keptValues);
    const summary = {} as Record<RunMetric, MetricSummary>;
    for (const key of RUN_METRICS) {
      const untrimmed = values.map((v) => v[key]);
      summary[key] = {
        trimmed: meanStd(keptValues.map((v) => v[key])),
        untrimmed: meanStd(untrimmed),
        iqm: iqm(untrimmed),
        iqmCi: stratifiedBootstrapCi(strataOf(methodRuns, key, untrimmed), iqm, {
          rng: rng.split(`${method}/${key}`),
          resamples: config.bootstrapResamples,
        }),
      };
    }
    metrics[method] = summary;
    perMethodConvergence[method] = {
      reachedFraction: mean(values.map((v) => (v.reached ? 1 : 0))),
      kaplanMeierMedian: kaplanMeierMedian(
        values.map((v) => (v.reached ? v.convergence_step : null)),
        config.budget,
      ),
    };
    curves[method] = {
      // The mean step of each point over seeds: the same for every seed when an iteration's joint
      // steps are fixed; with difference-rewards-privileged they depend on the sampled teams.
      steps: pointwise(methodRuns.map((r) => r.curve.steps)).map((p) => Math.round(p.mean)),
      validationScore: pointwise(methodRuns.map((r) => r.curve.validationScore)),
      validationReturn: pointwise(methodRuns.map((r) => r.curve.validationReturn)),
      probeTv: pointwise(methodRuns.map((r) => r.curve.probeTv)),
      rewardChange: pointwise(
        methodRuns.map((r) =>
          r.curve.validationReturn.map((v, k, all) => (k === 0 ? 0 : Math.abs(v - all[k - 1]))),
        ),
      ),
    };
  }
  const raw: Omit<Comparison, "welchHolm" | "mannWhitneyHolm">[] = [];
  const proposedValues = kept.get(proposed) ?? [];
  for (const baseline of config.methods.slice(1)) {
    const baseValues = kept.get(baseline) ?? [];
    for (const metric of RUN_METRICS) {
      // Non-finite values (a run that diverged, a metric a run could not measure) are left out.
      const x = proposedValues.map((v) => v[metric]).filter(Number.isFinite);
      const y = baseValues.map((v) => v[metric]).filter(Number.isFinite);
      const sign = higherIsBetter[metric] ? 1 : -1;
      const usable = x.length >= 2 && y.length >= 2;
      raw.push({
        baseline,
        role: roleOf(baseline),
        metric,
        probabilityOfImprovement: probabilityOfImprovement(
          x.map((v) => sign * v),
          y.map((v) => sign * v),
        ),
        welchP: usable ? welchTest(x, y).p : 1,
        mannWhitneyP: usable ? mannWhitneyTest(x, y).p : 1,
      });
    }
  }
  // Holm's correction within each family: the paper's baselines × metrics, the ablations × metrics.
  const adjustedWithinRole = (pOf: (c: (typeof raw)[number]) => number): number[] => {
    const adjusted = new Array<number>(raw.length);
    for (const role of ["baseline", "ablation"] as const) {
      const members = raw.flatMap((c, i) => (c.role === role ? [i] : []));
      const family = holmAdjust(members.map((i) => pOf(raw[i])));
      members.forEach((i, k) => {
        adjusted[i] = family[k];
      });
    }
    return adjusted;
  };
  const welchHolm = adjustedWithinRole((c) => c.welchP);
  const mwHolm = adjustedWithinRole((c) => c.mannWhitneyP);
  const comparisons = raw.map((c, i) => ({
    ...c,
    welchHolm: welchHolm[i],
    mannWhitneyHolm: mwHolm[i],
  }));
  // The paper's relative differences, on every run paired by seed (untrimmed: pairs need both).
  const proposedAll = all.get(proposed) ?? [];
  const baseAll = all.get(config.baseline) ?? [];
  const paper = PAPER_CLAIMS.map(({ claim, metric, percent }) => {
    const x = proposedAll.map((v) => v[metric]);
    const y = baseAll.map((v) => v[metric]);
    const rel = relativeDifference(mean(x), mean(y));
    const paired = Math.min(x.length, y.length);
    const ci =
      paired >= 1
        ? pairedBootstrapCi(
            x.slice(0, paired),
            y.slice(0, paired),
            (a, b) => relativeDifference(mean(a), mean(b)).percent,
            { rng: rng.split(`paper/${metric}`), resamples: config.bootstrapResamples },
          )
        : { low: Number.NaN, high: Number.NaN };
    return {
      claim,
      metric,
      claimed: percent,
      measured: rel.percent,
      ci,
      baseNearZero: rel.baseNearZero,
    };
  });
  return {
    convergence: {
      fraction: config.convergenceFraction,
      bestBaseline,
      bestBaselineFinal,
      threshold,
      perMethod: perMethodConvergence,
    },
    outliers,
    metrics,
    comparisons,
    paper,
    curves,
    breakdowns: breakdowns(byMethod, teamSizes),
  };
}

function breakdowns(
  byMethod: ReadonlyMap<string, RunResult[]>,
  teamSizes: readonly (readonly number[])[],
): Aggregate["breakdowns"] {
  const family: Record<string, Record<string, MeanStd>> = {};
  const teamSize: Record<string, Record<string, MeanStd>> = {};
  for (const [method, runs] of byMethod) {
    const perFamily = new Map<string, number[]>();
    const perSize = new Map<string, number[]>();
    for (const run of runs) {
      const famTotals = new Map<string, number[]>();
      const sizeTotals = new Map<string, number[]>();
      run.test.forEach((group, g) => {
        const label = `${group.family} (${group.seen ? "seen" : "unseen"})`;
        famTotals.set(label, [...(famTotals.get(label) ?? []), ...group.scores]);
        group.scores.forEach((score, i) => {
          const size = String(teamSizes[g]?.[i] ?? "?");
          sizeTotals.set(size, [...(sizeTotals.get(size) ?? []), score]);
        });
      });
      for (const [k, v] of famTotals) perFamily.set(k, [...(perFamily.get(k) ?? []), mean(v)]);
      for (const [k, v] of sizeTotals) perSize.set(k, [...(perSize.get(k) ?? []), mean(v)]);
    }
    family[method] = Object.fromEntries([...perFamily].map(([k, v]) => [k, meanStd(v)]));
    teamSize[method] = Object.fromEntries(
      [...perSize].sort((a, b) => Number(a[0]) - Number(b[0])).map(([k, v]) => [k, meanStd(v)]),
    );
  }
  return { family, teamSize };
}
