/**
 * The credit-assignment kernels the learner wires together: temporal (GAE/TD, return
 * redistribution), agent (counterfactual advantages), communication-aware reward adjustment,
 * per-agent normalisation and diagnostics. Each kernel is a pure function on typed arrays whose
 * layout its TSDoc states; equations and sources are in docs/methods.md.
 */

/**
 * Agent credit (COMA). `counterfactualAdvantage({ offsets, qValues, probs, chosen })` →
 * `{ advantages, baselines }`, `[rows]`: one row per (step, agent) decision, `offsets` `[rows + 1]`
 * over candidates, `qValues`/`probs` one entry per candidate (Q(s, u⁻ⁱ, c) and πⁱ(c)), `chosen`
 * the taken candidate's index within its segment. `agentCredit({ action, message })` runs it per
 * head. `differenceRewards` is the privileged simulator-reset ablation, `[T × N]`.
 */
export {
  type AgentCreditInput,
  type AgentCreditOutput,
  agentCredit,
  type CounterfactualInput,
  type CounterfactualOutput,
  counterfactualAdvantage,
  differenceRewards,
} from "./counterfactual.js";
/**
 * Stability diagnostics, each a number to record per iteration: `meanEntropy(logProbs, offsets)`,
 * `approxKl(oldLogProbs, newLogProbs)` (taken actions, `[rows]`), `exactKl(old, new, offsets)`
 * (full distributions), `clipFraction(old, new, clip)`, `explainedVariance(values, returns)`.
 */
export { approxKl, clipFraction, exactKl, explainedVariance, meanEntropy } from "./diagnostics.js";
/**
 * Temporal credit. `computeGae(input)` → `{ advantages, returns }`, both time-major `[T × N]`
 * (entry `t * N + n`); inputs `rewards`, `values`, `terminated` (and optional `truncated` with
 * `truncatedValues`) are `[T × N]`, `lastValues` is `[N]` = V(s_T). λ = 0 gives one-step TD;
 * `computeTdErrors` returns δ alone.
 */
export { computeGae, computeTdErrors, type GaeInput, type GaeOutput } from "./gae.js";
/**
 * Communication-aware reward adjustment. `messageInfluence({ offsets, withMessage, silenced,
 * sender, outputSize })` → `[outputSize]` (usually `[T × N]`): TV (or KL) between each receiver's
 * distribution with sender i's message and with silence, pooled per sender slot `t * N + i`; use
 * it as Φⁱ(s_t). `shapeRewards({ rewards, potentials, lastPotentials, terminated, gamma, beta })`
 * → `[T × N]` potential-based shaped rewards (optimal policy unchanged). Ablations:
 * `reweightTeamReward` (paper-literal) and `influenceBonus` (raw bonus), both `[T × N]`.
 */
export { type InfluenceInput, type InfluenceMeasure, messageInfluence } from "./influence.js";
/**
 * Per-agent advantage normalisation (Dr. MAS). `normalizeAdvantagesPerGroup(advantages,
 * { groupOf, groups })` standardises in place per group (`groupOf` same length, -1 = padding) and
 * returns each group's mean/std; `groupsOfColumns(T, agentOfColumn)` builds `groupOf` for `[T × N]`.
 */
export {
  type GroupStats,
  groupsOfColumns,
  type NormalizeOptions,
  normalizeAdvantagesPerGroup,
} from "./normalize.js";
/**
 * Return redistribution for delayed rewards (RUDDER / return decomposition).
 * `new ReturnDecomposition(name, { featureSize, gemm, rng })`: `trainStep(batch)` fits ψ so an
 * episode's per-step scores sum to its return; `redistribute(batch)` → r̃ `[rows]`, summing to
 * each return exactly, r̃_t depending only on steps ≤ t. A batch is `{ features [rows × F],
 * offsets [E + 1], returns [E] }` of complete episodes; `completeEpisodes(T, ended,
 * startsAtFirstStep)` finds them in a `[T × N]` rollout. Use γ = 1 on r̃ (docs/methods.md).
 */
export {
  completeEpisodes,
  type EpisodeBatch,
  ReturnDecomposition,
  type ReturnDecompositionOptions,
  type RolloutEpisodes,
  redistributeReturns,
} from "./redistribution.js";
/** Shaping and its two ablations (see the communication-aware block above). */
export {
  influenceBonus,
  type ReweightInput,
  reweightTeamReward,
  type ShapingInput,
  shapeRewards,
} from "./shaping.js";
