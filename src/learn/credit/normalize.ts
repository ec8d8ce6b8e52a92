/**
 * Per-agent advantage normalisation (Dr. MAS: each agent's advantages standardised with its own
 * mean and standard deviation, so an agent whose rewards are large or noisy does not dominate
 * the shared policy's gradient). With one group it is the usual batch normalisation of PPO.
 *
 * Layout: `advantages` is any flat buffer (time-major `[T × N]` or ragged rows); `groupOf` has
 * the same length and gives each entry's group (usually the agent's role or team position), or
 * -1 for padding entries, which are left unchanged and excluded from the statistics.
 */
import { NumericError, ShapeError } from "../../core/errors.js";
import { expectCount, expectLength, expectNonNegative } from "./checks.js";

/** Options of {@link normalizeAdvantagesPerGroup}. */
export interface NormalizeOptions {
  /** Group of each entry in `[0, groups)`, or -1 to skip; same length as the advantages. */
  readonly groupOf: Int32Array;
  /** Number of groups (agents). */
  readonly groups: number;
  /** Added to the standard deviation; default 1e-8 (as CleanRL and SB3). */
  readonly epsilon?: number;
  /** Subtract the group mean; default true. */
  readonly center?: boolean;
}

/** Each group's mean and standard deviation as used, `[groups]` each. */
export interface GroupStats {
  readonly means: Float64Array;
  readonly stds: Float64Array;
  readonly counts: Int32Array;
}

const OP = "normalizeAdvantagesPerGroup";

/**
 * Standardises `advantages` in place per group: (A − mean_g) / (std_g + ε), population std.
 * A group with one entry is centred to 0; a group with no entries is untouched. Returns the
 * statistics for logging.
 */
export function normalizeAdvantagesPerGroup(
  advantages: Float32Array,
  options: NormalizeOptions,
): GroupStats {
  const { groupOf, groups } = options;
  const epsilon = options.epsilon ?? 1e-8;
  const center = options.center ?? true;
  expectCount(OP, "groups", groups);
  expectNonNegative(OP, "epsilon", epsilon);
  expectLength(OP, "groupOf", groupOf, advantages.length, "one group per advantage");
  const means = new Float64Array(groups);
  const squares = new Float64Array(groups);
  const counts = new Int32Array(groups);
  for (let i = 0; i < advantages.length; i++) {
    const g = groupOf[i];
    if (g === -1) continue;
    if (g < -1 || g >= groups || !Number.isInteger(g)) throw badGroup(i, g, groups);
    const a = advantages[i];
    if (!Number.isFinite(a)) {
      throw new NumericError({
        input: `${OP}: advantages[${i}]`,
        problem: "is not finite",
        expected: "a finite advantage",
        actual: String(a),
        fix: "find the NaN upstream (rewards, values or the critic's Q) before normalising",
      });
    }
    means[g] += a;
    counts[g]++;
  }
  for (let g = 0; g < groups; g++) if (counts[g] > 0) means[g] /= counts[g];
  for (let i = 0; i < advantages.length; i++) {
    const g = groupOf[i];
    if (g === -1) continue;
    const d = advantages[i] - means[g];
    squares[g] += d * d;
  }
  const stds = new Float64Array(groups);
  for (let g = 0; g < groups; g++) stds[g] = counts[g] > 0 ? Math.sqrt(squares[g] / counts[g]) : 0;
  for (let i = 0; i < advantages.length; i++) {
    const g = groupOf[i];
    if (g === -1) continue;
    const shifted = center ? advantages[i] - means[g] : advantages[i];
    advantages[i] = shifted / (stds[g] + epsilon);
  }
  return { means, stds, counts };
}

/** `groupOf` for a time-major `[T × N]` buffer whose column n belongs to agent `agentOfColumn[n]`. */
export function groupsOfColumns(steps: number, agentOfColumn: Int32Array): Int32Array {
  expectCount("groupsOfColumns", "steps", steps);
  const width = agentOfColumn.length;
  const out = new Int32Array(steps * width);
  for (let t = 0; t < steps; t++) out.set(agentOfColumn, t * width);
  return out;
}

function badGroup(index: number, group: number, groups: number): ShapeError {
  return new ShapeError({
    input: `${OP}: groupOf[${index}]`,
    problem: "is not a group",
    expected: `-1 (skip) or an integer in [0, ${groups})`,
    actual: String(group),
    fix: "number the agents 0 … groups − 1, and pass groups = their count",
  });
}
