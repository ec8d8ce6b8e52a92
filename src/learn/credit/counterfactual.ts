/**
 * Agent credit: the per-agent counterfactual advantage of COMA (Foerster et al. 2018,
 * "Counterfactual Multi-Agent Policy Gradients") under a centralised critic, computed separately
 * for the action head and the message head.
 *
 *   Aⁱ(s, u) = Q(s, (u⁻ⁱ, uⁱ)) − Σ_c πⁱ(c | τⁱ) Q(s, (u⁻ⁱ, c))
 *
 * The other agents' choices u⁻ⁱ stay fixed; only agent i's choice is swapped for each of its
 * candidates c, so the baseline is what the team would have got on average had i followed its
 * own policy (probabilities renormalised over the unmasked candidates). An agent whose choice
 * does not change Q gets exactly zero.
 *
 * Layout: ragged candidate segments, one segment per decision row (row = agent i at step t of
 * one environment, usually ordered `t * N + n` like the time-major buffers). `offsets` is
 * `[rows + 1]` (segment r is candidates `[offsets[r], offsets[r+1])`); `qValues` and `probs` are
 * `[offsets[rows]]`, one entry per candidate; `chosen` is `[rows]`, the index of the taken
 * candidate WITHIN its segment. Masked candidates carry probability 0 and are skipped, so their
 * Q may be anything (even NaN). A row with an empty segment (an agent that did not act) gets 0.
 */
import { ShapeError } from "../../core/errors.js";
import { expectOffsets } from "../../model/check.js";
import { expectLength } from "./checks.js";

/** One head's decisions: candidates' Q-values under the centralised critic and policy probabilities. */
export interface CounterfactualInput {
  /** `[rows + 1]` segment boundaries over the candidates. */
  readonly offsets: Int32Array;
  /** Q(s, (u⁻ⁱ, c)) for every candidate c of every row, `[offsets[rows]]`. */
  readonly qValues: Float32Array;
  /** πⁱ(c | τⁱ) for every candidate, `[offsets[rows]]`; each segment sums to 1 (±1e-3). */
  readonly probs: Float32Array;
  /** Index of the taken candidate within its segment, `[rows]`. */
  readonly chosen: Int32Array;
}

/** Per-row advantage and the counterfactual baseline it subtracts, both `[rows]`. */
export interface CounterfactualOutput {
  readonly advantages: Float32Array;
  readonly baselines: Float32Array;
}

const OP = "counterfactualAdvantage";
const PROB_TOLERANCE = 1e-3;

/**
 * COMA's counterfactual advantage for one head (actions or messages); see the file header for
 * the layout. Pass `out` to reuse buffers.
 */
export function counterfactualAdvantage(
  input: CounterfactualInput,
  out?: CounterfactualOutput,
): CounterfactualOutput {
  const { offsets, qValues, probs, chosen } = input;
  const rows = offsets.length - 1;
  expectOffsets(OP, offsets, qValues.length);
  expectLength(OP, "probs", probs, qValues.length, "[offsets[rows]], one per candidate");
  expectLength(OP, "chosen", chosen, rows, "[rows], one per segment");
  const result = out ?? { advantages: new Float32Array(rows), baselines: new Float32Array(rows) };
  expectLength(OP, "out.advantages", result.advantages, rows, "[rows]");
  expectLength(OP, "out.baselines", result.baselines, rows, "[rows]");
  for (let r = 0; r < rows; r++) {
    const start = offsets[r];
    const end = offsets[r + 1];
    if (start === end) {
      result.advantages[r] = 0;
      result.baselines[r] = 0;
      continue;
    }
    checkChosen(r, chosen[r], end - start, probs[start + chosen[r]]);
    // Summing p·(Q_chosen − Q_c) rather than Q_chosen − Σ p·Q_c makes an agent whose candidates
    // all have the same Q get exactly 0, whatever the float32 rounding of its probabilities.
    const taken = qValues[start + chosen[r]];
    let advantage = 0;
    let mass = 0;
    for (let c = start; c < end; c++) {
      const p = probs[c];
      if (p === 0) continue;
      advantage += p * (taken - qValues[c]);
      mass += p;
    }
    checkMass(r, mass);
    result.advantages[r] = advantage / mass;
    result.baselines[r] = taken - advantage / mass;
  }
  return result;
}

/** Both heads' decisions for the same rows; either may be absent (a method without messages). */
export interface AgentCreditInput {
  readonly action?: CounterfactualInput;
  readonly message?: CounterfactualInput;
}

/** Per-row advantages of each head that was given, `[rows]` each. */
export interface AgentCreditOutput {
  readonly action?: CounterfactualOutput;
  readonly message?: CounterfactualOutput;
}

/**
 * Separate counterfactual advantages for the action head and the message head: each head's
 * baseline marginalises only that head's choice, the other head's choice staying as taken
 * (the critic supplies Q for the swapped head's candidates with the other head fixed).
 */
export function agentCredit(input: AgentCreditInput): AgentCreditOutput {
  if (input.action !== undefined && input.message !== undefined) {
    const actionRows = input.action.chosen.length;
    const messageRows = input.message.chosen.length;
    if (actionRows !== messageRows) {
      throw new ShapeError({
        input: "agentCredit: message.chosen",
        problem: "covers a different number of decision rows than action.chosen",
        expected: String(actionRows),
        actual: String(messageRows),
        fix: "build both heads' segments over the same (step, agent) rows",
      });
    }
  }
  return {
    ...(input.action === undefined ? {} : { action: counterfactualAdvantage(input.action) }),
    ...(input.message === undefined ? {} : { message: counterfactualAdvantage(input.message) }),
  };
}

/**
 * Difference rewards D^i = R(s, u) − R(s, (u⁻ⁱ, cⁱ)) (Wolpert & Tumer 2002), the "privileged"
 * ablation: `counterfactualRewards[k]` must come from resetting the simulator to s and replaying
 * the joint action with agent i's choice replaced by its default cⁱ. All buffers are `[T × N]`.
 * Never the default: it needs simulator access a deployed team does not have, and every replay
 * counts as environment steps in the budget.
 */
export function differenceRewards(
  teamRewards: Float32Array,
  counterfactualRewards: Float32Array,
  out?: Float32Array,
): Float32Array {
  expectLength(
    "differenceRewards",
    "counterfactualRewards",
    counterfactualRewards,
    teamRewards.length,
    "[T × N]",
  );
  const result = out ?? new Float32Array(teamRewards.length);
  expectLength("differenceRewards", "out", result, teamRewards.length, "[T × N]");
  for (let i = 0; i < teamRewards.length; i++)
    result[i] = teamRewards[i] - counterfactualRewards[i];
  return result;
}

function checkChosen(row: number, chosen: number, size: number, probability: number): void {
  if (!Number.isInteger(chosen) || chosen < 0 || chosen >= size) {
    throw new ShapeError({
      input: `${OP}: chosen[${row}]`,
      problem: "is not a candidate of its segment",
      expected: `an index in [0, ${size})`,
      actual: String(chosen),
      fix: "store the taken candidate's index within its segment, not the global index",
    });
  }
  if (probability === 0) {
    throw new ShapeError({
      input: `${OP}: chosen[${row}]`,
      problem: "points at a masked candidate (probability 0)",
      expected: "a candidate the policy could take",
      actual: `candidate ${chosen}`,
      fix: "check that the mask used when acting is the one passed here",
    });
  }
}

function checkMass(row: number, mass: number): void {
  if (!(Math.abs(mass - 1) <= PROB_TOLERANCE)) {
    throw new ShapeError({
      input: `${OP}: probs of segment ${row}`,
      problem: "do not sum to 1",
      expected: `1 ± ${PROB_TOLERANCE}`,
      actual: String(mass),
      fix: "pass probabilities (exp of the masked log-softmax), not logits or log-probabilities",
    });
  }
}
