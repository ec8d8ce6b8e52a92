/**
 * The credit-assignment kernels the learner wires together: temporal (GAE/TD, return
 * redistribution), agent (counterfactual advantages), communication-aware reward adjustment,
 * per-agent normalisation and diagnostics. Each kernel is a pure function on typed arrays whose
 * layout its TSDoc states; equations and sources are in docs/methods.md.
 */

/**
 * Temporal credit. `computeGae(input)` → `{ advantages, returns }`, both time-major `[T × N]`
 * (entry `t * N + n`); inputs `rewards`, `values`, `terminated` (and optional `truncated` with
 * `truncatedValues`) are `[T × N]`, `lastValues` is `[N]` = V(s_T). λ = 0 gives one-step TD;
 * `computeTdErrors` returns δ alone.
 */
export { computeGae, computeTdErrors, type GaeInput, type GaeOutput } from "./gae.js";
