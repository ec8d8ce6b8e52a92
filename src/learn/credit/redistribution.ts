/**
 * Temporal credit for delayed rewards: a learned, return-equivalent redistribution (RUDDER,
 * Arjona-Medina et al. 2019; return decomposition as in RRD, Ren et al. 2022, and TAR², Kapoor
 * et al. 2025, here over time only). A model ψ scores each step from that step's features alone;
 * it is trained so that the scores of an episode sum to its return,
 *
 *   L = mean_e ( Σ_{t in e} ψ(x_t) − G_e )²,      G_e = Σ_t r_t (undiscounted),
 *
 * and the redistributed rewards are r̃_t = ψ(x_t) for every step but the last, which receives the
 * remainder r̃_{T−1} = G − Σ_{t<T−1} ψ(x_t) (RUDDER's correction). So Σ_t r̃_t = G exactly (up to
 * float32 rounding of the stored remainder) whatever the model, and r̃_t depends only on the
 * prefix x_0 … x_t (on x_t itself; features may summarise the history, never the future).
 * TAR² instead normalises learned scores over the whole episode, which is return-equivalent but
 * lets r̃_t depend on later steps; Troupe's remainder-on-the-last-step keeps it causal.
 *
 * γ: return equivalence holds for the undiscounted return. The learner uses γ = 1 on
 * redistributed rewards within the task horizon, or documents the bias (docs/methods.md).
 *
 * Layout: episodes as segments. `features` is `[rows × F]`, the steps of episode e are rows
 * `[offsets[e], offsets[e+1])` in time order; `offsets` `[E + 1]`; `returns` `[E]`. Only
 * complete episodes belong here (an unfinished episode has no known return).
 */
import { ConfigError, ShapeError } from "../../core/errors.js";
import type { Rng } from "../../core/prng.js";
import { Adam } from "../../model/adam.js";
import { expectOffsets } from "../../model/check.js";
import type { Gemm } from "../../model/gemm.js";
import { Graph } from "../../model/graph.js";
import { Mlp } from "../../model/layers/mlp.js";
import type { Activation } from "../../model/ops/activations.js";
import { mseLoss } from "../../model/ops/losses.js";
import { segmentSum } from "../../model/ops/rows.js";
import type { Parameter } from "../../model/tensor.js";
import { expectCount, expectLength } from "./checks.js";

/** Complete episodes as segments of step features (see the file header). */
export interface EpisodeBatch {
  /** Per-step features, `[rows × featureSize]`, episodes one after another in time order. */
  readonly features: Float32Array;
  /** `[E + 1]` episode boundaries over the rows. */
  readonly offsets: Int32Array;
  /** Undiscounted environment return of each episode, `[E]`. */
  readonly returns: Float32Array;
}

/** Options of a {@link ReturnDecomposition}. */
export interface ReturnDecompositionOptions {
  /** Width F of a step's features. */
  readonly featureSize: number;
  /** Hidden layer widths of ψ; default [64]. */
  readonly hidden?: readonly number[];
  /** Hidden activation; default "tanh". */
  readonly activation?: Activation;
  /** Adam step size; default 1e-3. */
  readonly learningRate?: number;
  /** Global gradient-norm clip; default 1. */
  readonly maxGradNorm?: number;
  /** Matrix products (the run's backend). */
  readonly gemm: Gemm;
  /** Initial weights are drawn from it. */
  readonly rng: Rng;
}

/** The learned per-step return model ψ with its optimiser; parameters are named `${name}.*`. */
export class ReturnDecomposition {
  readonly mlp: Mlp;
  readonly adam: Adam;
  readonly featureSize: number;
  private readonly graph: Graph;
  private readonly gemm: Gemm;

  /** A fresh model; `name` prefixes its parameters (checkpoint keys). */
  constructor(name: string, options: ReturnDecompositionOptions) {
    expectCount("ReturnDecomposition", "featureSize", options.featureSize);
    this.featureSize = options.featureSize;
    this.gemm = options.gemm;
    this.graph = new Graph(options.gemm);
    this.mlp = new Mlp(
      name,
      [options.featureSize, ...(options.hidden ?? [64]), 1],
      options.activation ?? "tanh",
      options.rng,
    );
    this.adam = new Adam(this.mlp.parameters(), {
      learningRate: options.learningRate ?? 1e-3,
      maxGradNorm: options.maxGradNorm ?? 1,
    });
  }

  /** ψ's parameters (for checkpoints). */
  parameters(): Parameter[] {
    return this.mlp.parameters();
  }

  /** One Adam step on the decomposition loss over `batch`; returns the loss before the step. */
  trainStep(batch: EpisodeBatch): number {
    const rows = checkBatch("ReturnDecomposition.trainStep", batch, this.featureSize);
    const g = this.graph;
    g.reset();
    const x = g.input("return-decomposition.features", batch.features, rows, this.featureSize);
    const predicted = segmentSum(g, this.mlp.forward(g, x), batch.offsets);
    const loss = mseLoss(g, predicted, batch.returns);
    g.backward(loss);
    this.adam.step();
    return loss.value[0];
  }

  /** ψ(x_t) for every step, `[rows]`. */
  predictStepRewards(batch: EpisodeBatch, out?: Float32Array): Float32Array {
    const rows = checkBatch("ReturnDecomposition.predictStepRewards", batch, this.featureSize);
    const result = out ?? new Float32Array(rows);
    expectLength("ReturnDecomposition.predictStepRewards", "out", result, rows, "[rows]");
    this.mlp.forwardInto(this.gemm, batch.features, result);
    return result;
  }

  /** Redistributed rewards r̃, `[rows]`: ψ on each step, the remainder on each episode's last. */
  redistribute(batch: EpisodeBatch, out?: Float32Array): Float32Array {
    const predicted = this.predictStepRewards(batch, out);
    return redistributeReturns(predicted, batch.offsets, batch.returns, predicted);
  }
}

/**
 * The return-equivalent correction alone: copies `stepScores` (`[rows]`) and replaces each
 * episode's last entry by `G_e − Σ` of its other entries, so every episode sums to `returns[e]`.
 * `out` may be `stepScores` itself.
 */
export function redistributeReturns(
  stepScores: Float32Array,
  offsets: Int32Array,
  returns: Float32Array,
  out?: Float32Array,
): Float32Array {
  const op = "redistributeReturns";
  expectOffsets(op, offsets, stepScores.length);
  expectLength(op, "returns", returns, offsets.length - 1, "[E], one per episode");
  const result = out ?? new Float32Array(stepScores.length);
  expectLength(op, "out", result, stepScores.length, "[rows]");
  for (let e = 0; e + 1 < offsets.length; e++) {
    const start = offsets[e];
    const last = offsets[e + 1] - 1;
    if (last < start) {
      if (returns[e] !== 0) {
        throw new ShapeError({
          input: `${op}: episode ${e}`,
          problem: "has no steps but a non-zero return",
          expected: "at least one step per episode",
          actual: `return ${returns[e]}`,
          fix: "drop empty episodes from the batch",
        });
      }
      continue;
    }
    let before = 0;
    for (let r = start; r < last; r++) {
      result[r] = stepScores[r];
      before += result[r];
    }
    result[last] = returns[e] - before;
  }
  return result;
}

function checkBatch(op: string, batch: EpisodeBatch, featureSize: number): number {
  const rows = batch.features.length / featureSize;
  if (!Number.isInteger(rows)) {
    throw new ShapeError({
      input: `${op}: features`,
      problem: "do not hold whole rows",
      expected: `a multiple of featureSize = ${featureSize}`,
      actual: String(batch.features.length),
      fix: "lay the features out [rows × featureSize]",
    });
  }
  expectOffsets(op, batch.offsets, rows);
  expectLength(op, "returns", batch.returns, batch.offsets.length - 1, "[E], one per episode");
  for (let e = 0; e < batch.returns.length; e++) {
    if (!Number.isFinite(batch.returns[e])) {
      throw new ConfigError({
        input: `${op}: returns[${e}]`,
        problem: "is not finite",
        expected: "a finite episode return",
        actual: String(batch.returns[e]),
        fix: "check the environment rewards of that episode",
      });
    }
  }
  return rows;
}

/** Complete episodes found in a time-major rollout, as gather indices and segments. */
export interface RolloutEpisodes {
  /** Time-major index `t * N + n` of each step, episodes one after another, `[rows]`. */
  readonly rows: Int32Array;
  /** `[E + 1]` episode boundaries over `rows`. */
  readonly offsets: Int32Array;
}

/**
 * The episodes of a `[T × N]` rollout that start inside it (after an end, or at t = 0 where
 * `startsAtFirstStep[n]` is 1) and end inside it (`ended[t,n]` = terminated or truncated).
 * Gather features and rewards through `rows`; unfinished episodes are left out.
 */
export function completeEpisodes(
  steps: number,
  ended: Uint8Array,
  startsAtFirstStep: Uint8Array,
): RolloutEpisodes {
  const op = "completeEpisodes";
  expectCount(op, "steps", steps);
  const width = startsAtFirstStep.length;
  expectCount(op, "startsAtFirstStep.length", width);
  expectLength(op, "ended", ended, steps * width, "[T × N], N = startsAtFirstStep.length");
  const rows: number[] = [];
  const offsets: number[] = [0];
  for (let n = 0; n < width; n++) {
    let start = startsAtFirstStep[n] !== 0 ? 0 : -1;
    for (let t = 0; t < steps; t++) {
      if (ended[t * width + n] === 0) continue;
      if (start !== -1) {
        for (let k = start; k <= t; k++) rows.push(k * width + n);
        offsets.push(rows.length);
      }
      start = t + 1;
    }
  }
  return { rows: Int32Array.from(rows), offsets: Int32Array.from(offsets) };
}
