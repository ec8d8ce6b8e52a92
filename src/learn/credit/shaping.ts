/**
 * Communication-aware reward adjustment. The default is per-agent potential-based shaping
 * (Ng, Harada & Russell 1999; multi-agent: Devlin & Kudenko 2011):
 *
 *   r̃ⁱ_t = rⁱ_t + β (γ Φⁱ(s_{t+1}) − Φⁱ(s_t))
 *
 * with Φⁱ a function of the state including the message history (Troupe: the influence of i's
 * messages on its receivers' policy distributions, see influence.ts) and Φ = 0 at reset and at
 * termination. Over any episode the shaping terms telescope to −βΦ(s_0) = 0, so every policy's
 * return, and hence the optimal policy, is unchanged; only when credit arrives differs.
 *
 * Two ablations that DO change the objective, named as such: the paper-literal re-weighting of
 * the team reward by communication patterns ({@link reweightTeamReward}) and a raw influence
 * bonus added to the reward ({@link influenceBonus}).
 *
 * Layout: time-major `[T × N]` (entry `t * N + n`, column n = one agent of one environment);
 * `lastPotentials` is `[N]` = Φ(s_T). Episode ends follow gae.ts: after `terminated[t,n]` the
 * next potential is 0; after `truncated[t,n]` it is `truncatedPotentials[t,n]`, Φ of the final
 * observation, consistent with GAE bootstrapping from V(final observation). A step that follows
 * an episode end inside the rollout starts a new episode, and its Φ(s_t) is taken as 0.
 */
import { ShapeError } from "../../core/errors.js";
import {
  expectCount,
  expectInRange,
  expectLength,
  expectNonNegative,
  expectPresent,
} from "./checks.js";

/** The inputs of {@link shapeRewards}; buffers are time-major `[T × N]`. */
export interface ShapingInput {
  readonly steps: number;
  readonly width: number;
  /** rⁱ_t, `[T × N]` (team reward copied to every agent, or per-agent rewards). */
  readonly rewards: Float32Array;
  /** Φⁱ(s_t), `[T × N]`. */
  readonly potentials: Float32Array;
  /** Φⁱ(s_T), `[N]`. */
  readonly lastPotentials: Float32Array;
  /** 1 where s_{t+1} is terminal (next potential 0), `[T × N]`. */
  readonly terminated: Uint8Array;
  /** 1 where the episode was cut after step t, `[T × N]`; default none. */
  readonly truncated?: Uint8Array;
  /** Φ of the final observation where `truncated` is 1, `[T × N]`; required with `truncated`. */
  readonly truncatedPotentials?: Float32Array;
  /** Discount γ ∈ (0, 1]: the learner's γ, or the invariance is lost. */
  readonly gamma: number;
  /** Shaping weight β ≥ 0 (0: rewards unchanged). */
  readonly beta: number;
}

const OP = "shapeRewards";

/** Potential-based shaped rewards r̃, `[T × N]` (see the file header). */
export function shapeRewards(input: ShapingInput, out?: Float32Array): Float32Array {
  const { steps, width, rewards, potentials, lastPotentials, terminated, truncated, gamma, beta } =
    input;
  expectCount(OP, "steps", steps);
  expectCount(OP, "width", width);
  expectInRange(OP, "gamma", gamma, 0, 1, true);
  expectNonNegative(OP, "beta", beta);
  const size = steps * width;
  expectLength(OP, "rewards", rewards, size, "[T × N]");
  expectLength(OP, "potentials", potentials, size, "[T × N]");
  expectLength(OP, "lastPotentials", lastPotentials, width, "[N]");
  expectLength(OP, "terminated", terminated, size, "[T × N]");
  if (truncated !== undefined) {
    expectLength(OP, "truncated", truncated, size, "[T × N]");
    expectPresent(
      OP,
      "truncatedPotentials",
      input.truncatedPotentials,
      size,
      "[T × N]",
      "truncated steps need Φ(final observation)",
    );
  }
  const result = out ?? new Float32Array(size);
  expectLength(OP, "out", result, size, "[T × N]");
  const truncatedPotentials = input.truncatedPotentials as Float32Array;
  for (let t = 0; t < steps; t++) {
    const row = t * width;
    for (let n = 0; n < width; n++) {
      const i = row + n;
      // A step right after an episode end (inside the rollout) is a reset state: Φ = 0.
      const previous = i - width;
      const startsEpisode =
        t > 0 &&
        (terminated[previous] !== 0 || (truncated !== undefined && truncated[previous] !== 0));
      const current = startsEpisode ? 0 : potentials[i];
      let next: number;
      if (terminated[i] !== 0) next = 0;
      else if (truncated !== undefined && truncated[i] !== 0) next = truncatedPotentials[i];
      else next = t + 1 < steps ? potentials[i + width] : lastPotentials[n];
      result[i] = rewards[i] + beta * (gamma * next - current);
    }
  }
  return result;
}

/** The inputs of {@link reweightTeamReward}. */
export interface ReweightInput {
  /** The team reward R_t copied to every column, `[T × N]`. */
  readonly teamRewards: Float32Array;
  /** A non-negative communication score cⁱ_t (messages sent, or influence), `[T × N]`. */
  readonly communication: Float32Array;
  /** Environment of each column, `[N]`: agents are compared with their own team only. */
  readonly envOfColumn: Int32Array;
  /** Mixing weight α ∈ [0, 1]: 0 leaves R unchanged, 1 gives wⁱ = cⁱ / mean_j c^j. */
  readonly alpha: number;
}

/**
 * Paper-literal ablation: rⁱ_t = wⁱ_t R_t with wⁱ_t = 1 + α (cⁱ_t / mean_{j in i's team} c^j_t − 1)
 * (wⁱ = 1 when the team sent nothing). Weights average to 1 over a team, so the team total is
 * N·R_t, but NOT potential-based: it can change the optimal policy (it pays for talking).
 */
export function reweightTeamReward(input: ReweightInput, out?: Float32Array): Float32Array {
  const { teamRewards, communication, envOfColumn, alpha } = input;
  const op = "reweightTeamReward";
  const width = envOfColumn.length;
  expectCount(op, "envOfColumn.length", width);
  expectInRange(op, "alpha", alpha, 0, 1, false);
  expectLength(op, "communication", communication, teamRewards.length, "[T × N], as teamRewards");
  if (teamRewards.length % width !== 0) {
    throw new ShapeError({
      input: `${op}: teamRewards`,
      problem: "does not hold whole rows of N columns",
      expected: `a multiple of N = envOfColumn.length = ${width}`,
      actual: String(teamRewards.length),
      fix: "lay the rewards out time-major [T × N], with one envOfColumn entry per column",
    });
  }
  let envs = 0;
  for (let n = 0; n < width; n++) {
    if (!Number.isInteger(envOfColumn[n]) || envOfColumn[n] < 0) {
      throw new ShapeError({
        input: `${op}: envOfColumn[${n}]`,
        problem: "is not an environment index",
        expected: "an integer ≥ 0",
        actual: String(envOfColumn[n]),
        fix: "number the parallel environments 0, 1, …",
      });
    }
    envs = Math.max(envs, envOfColumn[n] + 1);
  }
  const result = out ?? new Float32Array(teamRewards.length);
  expectLength(op, "out", result, teamRewards.length, "[T × N]");
  const totals = new Float64Array(envs);
  const sizes = new Int32Array(envs);
  for (let n = 0; n < width; n++) sizes[envOfColumn[n]]++;
  for (let row = 0; row < teamRewards.length; row += width) {
    totals.fill(0);
    for (let n = 0; n < width; n++) {
      const c = communication[row + n];
      if (!(c >= 0)) {
        throw new ShapeError({
          input: `${op}: communication[${row + n}]`,
          problem: "is negative or NaN",
          expected: "a score ≥ 0",
          actual: String(c),
          fix: "use a non-negative communication score (counts, influence)",
        });
      }
      totals[envOfColumn[n]] += c;
    }
    for (let n = 0; n < width; n++) {
      const e = envOfColumn[n];
      const mean = totals[e] / sizes[e];
      const weight = mean > 0 ? 1 + alpha * (communication[row + n] / mean - 1) : 1;
      result[row + n] = weight * teamRewards[row + n];
    }
  }
  return result;
}

/**
 * Raw influence bonus ablation (Jaques et al. 2019's intrinsic reward): rⁱ_t + β Iⁱ_t, all
 * `[T × N]`. Not potential-based: it changes the objective (pays for influence itself).
 */
export function influenceBonus(
  rewards: Float32Array,
  influence: Float32Array,
  beta: number,
  out?: Float32Array,
): Float32Array {
  expectNonNegative("influenceBonus", "beta", beta);
  expectLength("influenceBonus", "influence", influence, rewards.length, "[T × N], as rewards");
  const result = out ?? new Float32Array(rewards.length);
  expectLength("influenceBonus", "out", result, rewards.length, "[T × N]");
  for (let i = 0; i < rewards.length; i++) result[i] = rewards[i] + beta * influence[i];
  return result;
}
