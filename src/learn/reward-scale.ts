/**
 * Reward standardisation as EPyMARL does it (`standardise_rewards`, components/standarize_stream.py):
 * a running mean and variance of the team reward over every collected step (Chan et al.'s parallel
 * update, count starting at 1e-4 with mean 0 and variance 1), and each rollout's rewards replaced by
 * (r − mean) / √var after the rollout's own steps are folded in.
 */
import type { AdjustedRewards } from "./adjust.js";
import { columnOf } from "./adjust.js";
import type { Rollout } from "./rollout.js";

/** A running mean and variance over batches of values. */
export class RunningMeanStd {
  mean = 0;
  variance = 1;
  count = 1e-4;

  /** Folds `values` in (population variance of the batch, as numpy's `var`). */
  update(values: Float32Array): void {
    const n = values.length;
    if (n === 0) return;
    let sum = 0;
    for (const v of values) sum += v;
    const batchMean = sum / n;
    let squares = 0;
    for (const v of values) squares += (v - batchMean) * (v - batchMean);
    const batchVariance = squares / n;
    const delta = batchMean - this.mean;
    const total = this.count + n;
    const m2 =
      this.variance * this.count + batchVariance * n + (delta * delta * this.count * n) / total;
    this.mean += (delta * n) / total;
    this.variance = m2 / total;
    this.count = total;
  }
}

/**
 * Folds the rollout's team rewards into `stats` and returns `rewards` standardised with the updated
 * statistics: the team rewards and every real agent column (padding columns stay 0).
 */
export function standardiseRewards(
  rollout: Rollout,
  rewards: AdjustedRewards,
  stats: RunningMeanStd,
): AdjustedRewards {
  stats.update(rollout.teamRewards);
  const scale = 1 / Math.sqrt(Math.max(stats.variance, 1e-12));
  const standardise = (r: number) => (r - stats.mean) * scale;
  const columns = new Float32Array(rewards.columns.length);
  const { batch } = rollout;
  for (let s = 0; s < batch.samples; s++) {
    const k = columnOf(rollout, batch, s);
    columns[k] = standardise(rewards.columns[k]);
  }
  return {
    team: Float32Array.from(rewards.team, standardise),
    columns,
    meanInfluence: rewards.meanInfluence,
    redistributedFraction: rewards.redistributedFraction,
  };
}
