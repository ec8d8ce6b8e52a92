/**
 * Temporal credit: one-step TD errors and generalised advantage estimation (GAE, Schulman et al.
 * 2016; TD(λ) returns), the kernel every actor-critic method in Troupe shares.
 *
 * Layout: every per-step buffer is time-major `[T × N]`, entry `t * N + n` is step `t` of column
 * `n` (a column is one agent of one parallel environment, or one environment for a team critic).
 * `lastValues` is `[N]`: V(s_T), the state after the last collected step.
 *
 * Episode ends: `terminated[t,n] = 1` means s_{t+1} is terminal, so its value is 0 and the trace
 * stops. `truncated[t,n] = 1` means the episode was cut (time limit) after step t: the trace stops
 * but the target bootstraps from `truncatedValues[t,n]` = V(final observation), because the next
 * row of `values` already belongs to the next episode. Terminated wins when both are set.
 *
 *   δ_t = r_t + γ V_next(t) − V(s_t)
 *   Â_t = δ_t + γλ (1 − end_t) Â_{t+1}          (λ = 0: Â_t = δ_t, one-step TD)
 *   G_t = Â_t + V(s_t)                           (the λ-return, the value target)
 */
import { expectCount, expectInRange, expectLength, expectPresent } from "./checks.js";

/** The inputs of {@link computeGae} and {@link computeTdErrors}; buffers are time-major `[T × N]`. */
export interface GaeInput {
  /** Number of collected steps T. */
  readonly steps: number;
  /** Number of columns N (agents × environments, or environments for a team critic). */
  readonly width: number;
  /** r_t, `[T × N]`. */
  readonly rewards: Float32Array;
  /** V(s_t), `[T × N]`. */
  readonly values: Float32Array;
  /** V(s_T), `[N]`: the bootstrap for steps after the last collected one. */
  readonly lastValues: Float32Array;
  /** 1 where s_{t+1} is terminal (next value 0, trace cut), `[T × N]`. */
  readonly terminated: Uint8Array;
  /** 1 where the episode was cut after step t (trace cut, bootstrap kept), `[T × N]`; default none. */
  readonly truncated?: Uint8Array;
  /** V(final observation) read where `truncated` is 1, `[T × N]`; required with `truncated`. */
  readonly truncatedValues?: Float32Array;
  /** Discount γ ∈ (0, 1]. */
  readonly gamma: number;
  /** Trace decay λ ∈ [0, 1]; 0 is one-step TD, 1 is the Monte-Carlo return minus V. */
  readonly lambda: number;
}

/** Advantages Â and value targets G (λ-returns), both `[T × N]`. */
export interface GaeOutput {
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
}

const OP = "computeGae";

/**
 * GAE advantages and λ-returns over a time-major rollout (see the file header for the equations).
 * Pass `out` to reuse buffers across iterations; it is returned filled.
 * @example const { advantages, returns } = computeGae({ steps: 3, width: 1, rewards, values,
 *   lastValues, terminated, gamma: 0.99, lambda: 0.95 });
 */
export function computeGae(input: GaeInput, out?: GaeOutput): GaeOutput {
  checkGaeInput(OP, input);
  const { steps, width, gamma, lambda } = input;
  const size = steps * width;
  const result = out ?? { advantages: new Float32Array(size), returns: new Float32Array(size) };
  expectLength(OP, "out.advantages", result.advantages, size, "[T × N]");
  expectLength(OP, "out.returns", result.returns, size, "[T × N]");
  const { rewards, values, lastValues, terminated, truncated, truncatedValues } = input;
  const { advantages, returns } = result;
  // Backwards over time with all columns in the inner loop: contiguous reads, and the running
  // advantage of each column kept in float64.
  const running = new Float64Array(width);
  const decay = gamma * lambda;
  for (let t = steps - 1; t >= 0; t--) {
    const row = t * width;
    const last = t + 1 === steps;
    for (let n = 0; n < width; n++) {
      const i = row + n;
      let next: number;
      let trace: number;
      if (terminated[i] !== 0) {
        next = 0;
        trace = 0;
      } else if (truncated !== undefined && truncated[i] !== 0) {
        next = (truncatedValues as Float32Array)[i];
        trace = 0;
      } else {
        next = last ? lastValues[n] : values[i + width];
        trace = decay * running[n];
      }
      const advantage = rewards[i] + gamma * next - values[i] + trace;
      running[n] = advantage;
      advantages[i] = advantage;
      returns[i] = advantage + values[i];
    }
  }
  return result;
}

/**
 * One-step TD errors δ_t = r_t + γ V_next(t) − V(s_t), `[T × N]` (λ is ignored). Equal to
 * `computeGae` with λ = 0; kept separate because the learner logs δ on its own.
 */
export function computeTdErrors(input: GaeInput, out?: Float32Array): Float32Array {
  const size = input.steps * input.width;
  const advantages = out ?? new Float32Array(size);
  // With λ = 0 the GAE recursion adds nothing to δ_t, so its advantages are the TD errors.
  computeGae({ ...input, lambda: 0 }, { advantages, returns: new Float32Array(advantages.length) });
  return advantages;
}

function checkGaeInput(op: string, input: GaeInput): void {
  expectCount(op, "steps", input.steps);
  expectCount(op, "width", input.width);
  expectInRange(op, "gamma", input.gamma, 0, 1, true);
  expectInRange(op, "lambda", input.lambda, 0, 1, false);
  const size = input.steps * input.width;
  expectLength(op, "rewards", input.rewards, size, "[T × N]");
  expectLength(op, "values", input.values, size, "[T × N]");
  expectLength(op, "terminated", input.terminated, size, "[T × N]");
  expectLength(op, "lastValues", input.lastValues, input.width, "[N]");
  if (input.truncated !== undefined) {
    expectLength(op, "truncated", input.truncated, size, "[T × N]");
    expectPresent(
      op,
      "truncatedValues",
      input.truncatedValues,
      size,
      "[T × N]",
      "truncated steps bootstrap from it",
    );
  }
}
