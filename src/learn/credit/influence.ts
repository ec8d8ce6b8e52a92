/**
 * Communication influence: how much agent i's message moves each receiver's policy
 * DISTRIBUTION (Jaques et al. 2019, social influence), measured against a counterfactual in which
 * i's message is replaced by silence. The policy supplies both distributions; this kernel only
 * compares them, so it is the same for action and message heads.
 *
 *   Iⁱ_t = reduce over receivers j of  D( π^j(· | τ^j_t with mⁱ) , π^j(· | τ^j_t with silence) )
 *
 * D is total variation ½Σ|p − q| (default: bounded in [0, 1], so Φ built from it is bounded) or
 * KL(p ‖ q) with q floored at `klFloor` (unbounded; masked candidates must match in p and q).
 *
 * Layout: one pair per (sender i, receiver j) at a step; `offsets` `[pairs + 1]` over the
 * receiver's candidates; `withMessage` and `silenced` one probability per candidate; `sender`
 * `[pairs]` is the output slot the pair adds to (usually `t * N + i`, so the result is
 * time-major `[T × N]`); `outputSize` is that output's length.
 */
import { ConfigError, ShapeError } from "../../core/errors.js";
import { expectOffsets } from "../../model/check.js";
import { expectCount, expectLength } from "./checks.js";

/** How per-receiver divergences are compared and pooled. */
export type InfluenceMeasure = "tv" | "kl";

/** The inputs of {@link messageInfluence}; see the file header for the layout. */
export interface InfluenceInput {
  /** `[pairs + 1]` boundaries of each (sender, receiver) pair's receiver candidates. */
  readonly offsets: Int32Array;
  /** The receiver's probabilities given the sender's actual message, one per candidate. */
  readonly withMessage: Float32Array;
  /** The receiver's probabilities with the sender's message replaced by silence, same layout. */
  readonly silenced: Float32Array;
  /** Output slot of each pair, `[pairs]` (usually `t * N + i` for sender i at step t). */
  readonly sender: Int32Array;
  /** Length of the output (usually T × N). */
  readonly outputSize: number;
  /** Divergence; default "tv". */
  readonly measure?: InfluenceMeasure;
  /** Pool receivers by "mean" (default: independent of team size) or "sum". */
  readonly reduce?: "mean" | "sum";
  /** Floor on the silenced probabilities inside KL's logarithm; default 1e-6. */
  readonly klFloor?: number;
}

const OP = "messageInfluence";

/** Influence of each sender's message on its receivers' distributions, `[outputSize]`. */
export function messageInfluence(input: InfluenceInput, out?: Float32Array): Float32Array {
  const { offsets, withMessage, silenced, sender, outputSize } = input;
  const measure = input.measure ?? "tv";
  const reduce = input.reduce ?? "mean";
  const floor = input.klFloor ?? 1e-6;
  if (measure !== "tv" && measure !== "kl") throw badOption("measure", measure, '"tv" or "kl"');
  if (reduce !== "mean" && reduce !== "sum") throw badOption("reduce", reduce, '"mean" or "sum"');
  if (!(floor > 0 && floor < 1)) throw badOption("klFloor", String(floor), "a number in (0, 1)");
  expectCount(OP, "outputSize", outputSize);
  expectOffsets(OP, offsets, withMessage.length);
  expectLength(
    OP,
    "silenced",
    silenced,
    withMessage.length,
    "one probability per candidate, as withMessage",
  );
  expectLength(OP, "sender", sender, offsets.length - 1, "[pairs], one per segment");
  const result = out ?? new Float32Array(outputSize);
  expectLength(OP, "out", result, outputSize, "[outputSize]");
  result.fill(0);
  const counts = new Int32Array(outputSize);
  for (let pair = 0; pair + 1 < offsets.length; pair++) {
    const slot = sender[pair];
    if (!Number.isInteger(slot) || slot < 0 || slot >= outputSize) {
      throw new ShapeError({
        input: `${OP}: sender[${pair}]`,
        problem: "is not an output slot",
        expected: `an index in [0, ${outputSize})`,
        actual: String(slot),
        fix: "index senders as t * N + i into a [T × N] output of size outputSize",
      });
    }
    let divergence = 0;
    for (let c = offsets[pair]; c < offsets[pair + 1]; c++) {
      const p = withMessage[c];
      const q = silenced[c];
      if (measure === "tv") divergence += 0.5 * Math.abs(p - q);
      else if (p > 0) divergence += p * Math.log(p / Math.max(q, floor));
    }
    result[slot] += divergence;
    counts[slot]++;
  }
  if (reduce === "mean") {
    for (let k = 0; k < outputSize; k++) if (counts[k] > 1) result[k] /= counts[k];
  }
  return result;
}

function badOption(name: string, actual: string, expected: string): ConfigError {
  return new ConfigError({
    input: `${OP}: ${name}`,
    problem: "is not a known option",
    expected,
    actual,
    fix: `set ${name} to ${expected}`,
  });
}
