/**
 * Scores the reference policies on a task: raw team returns and scores normalised so that the
 * oracle is 1 and doing nothing is 0. Used by the generator's rejection check and by `tasks stats`.
 */
import { Rng } from "../core/prng.js";
import { normalise, runEpisode } from "./policies.js";
import {
  REFERENCE_POLICIES,
  type ReferencePolicyName,
  type TaskFamily,
  type TaskHeader,
} from "./types.js";

/** Team return of each reference policy on one task. */
export type PolicyReturns = Record<ReferencePolicyName, number>;

/** Runs every reference policy once on `task` (the random policy with a seed from the task id). */
export function referenceReturns<T extends TaskHeader>(
  family: TaskFamily<T>,
  task: T,
): PolicyReturns {
  const sim = family.createSim(task);
  const out = {} as PolicyReturns;
  for (const name of REFERENCE_POLICIES) {
    out[name] = runEpisode(sim, family.policy(name), Rng.fromSeed(`${task.id}/${name}`));
  }
  return out;
}

/** Normalised scores (oracle = 1, nothing = 0) from raw returns. */
export function normalisedScores(returns: PolicyReturns): PolicyReturns {
  const out = {} as PolicyReturns;
  for (const name of REFERENCE_POLICIES)
    out[name] = normalise(returns[name], returns.oracle, returns.nothing);
  return out;
}

/**
 * The acceptance margin: the oracle must beat max(random, nothing) by this fraction of the
 * oracle's margin over nothing (and by a positive amount), else the generator rejects the task.
 */
export const ORACLE_MARGIN = 0.1;

/** True when the oracle beats max(random, nothing) by {@link ORACLE_MARGIN} of its span. */
export function oracleClearsMargin(returns: PolicyReturns): boolean {
  const floor = Math.max(returns.random, returns.nothing);
  const span = returns.oracle - returns.nothing;
  return span > 1e-9 && returns.oracle - floor >= ORACLE_MARGIN * span;
}
