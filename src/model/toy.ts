/**
 * A fixed policy-gradient problem for the model's own tests and benchmark: an {@link Mlp} scores
 * K actions per observation, a log-softmax over them and the loss `−mean(A · log π(a))`, then
 * an Adam step. With all advantages 1 it is behaviour cloning (cross-entropy).
 */
import type { Rng } from "../core/prng.js";
import type { Adam } from "./adam.js";
import type { Graph } from "./graph.js";
import type { Mlp } from "./layers/mlp.js";
import { policyGradientLoss } from "./ops/losses.js";
import { uniformOffsets } from "./ops/rows.js";
import { maskedLogSoftmax } from "./ops/softmax.js";

/** One batch: `rows` observations of the MLP's input width, one chosen action each. */
export interface PolicyGradientBatch {
  readonly inputs: Float32Array;
  readonly rows: number;
  /** `[0, K, 2K, …]`: one segment of K action scores per observation. */
  readonly offsets: Int32Array;
  /** Flat index (row · K + action) of the action taken in each row. */
  readonly chosen: Int32Array;
  readonly advantages: Float32Array;
}

/** A batch with inputs in [−1, 1), uniformly random actions and N(0, 1) advantages. */
export function randomPolicyBatch(
  rng: Rng,
  rows: number,
  inDim: number,
  actions: number,
): PolicyGradientBatch {
  const inputs = new Float32Array(rows * inDim);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng.uniform(-1, 1);
  const chosen = new Int32Array(rows);
  const advantages = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    chosen[r] = r * actions + rng.int(actions);
    advantages[r] = rng.normal();
  }
  return { inputs, rows, offsets: uniformOffsets(rows, actions), chosen, advantages };
}

/** One training step on `batch` (reset, forward, loss, backward, Adam); returns the loss. */
export function policyGradientStep(
  g: Graph,
  mlp: Mlp,
  adam: Adam,
  batch: PolicyGradientBatch,
): number {
  g.reset();
  const x = g.input("observations", batch.inputs, batch.rows, mlp.sizes[0]);
  const logProbs = maskedLogSoftmax(g, mlp.forward(g, x), batch.offsets);
  const loss = policyGradientLoss(g, logProbs, batch.chosen, batch.advantages);
  g.backward(loss);
  adam.step();
  return loss.value[0];
}
