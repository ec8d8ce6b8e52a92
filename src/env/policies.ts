/**
 * The reference policies every family shares (random, do-nothing) and the episode loop that
 * scores a policy on a sim. Family-specific policies (oracle, no-communication oracle, greedy) live
 * in each family's folder.
 */
import type { Rng } from "../core/prng.js";
import { SILENT, type TaskSim, type TeamPolicy } from "./types.js";

/** A uniformly random legal action and a uniformly random legal message for every agent. */
export function randomPolicy(): TeamPolicy {
  let actionMask = new Uint8Array(0);
  let messageMask = new Uint8Array(0);
  return {
    name: "random",
    reset(sim) {
      actionMask = new Uint8Array(sim.numActions);
      messageMask = new Uint8Array(sim.numMessages);
    },
    act(sim, rng, actions, messages) {
      for (let agent = 0; agent < sim.numAgents; agent++) {
        sim.writeActionMask(agent, actionMask, 0);
        sim.writeMessageMask(agent, messageMask, 0);
        actions[agent] = pickLegal(actionMask, rng);
        messages[agent] = pickLegal(messageMask, rng);
      }
    },
  };
}

/** Action 0 (the family's "wait"/"idle") and silence for every agent. */
export function nothingPolicy(): TeamPolicy {
  return {
    name: "nothing",
    reset() {},
    act(sim, _rng, actions, messages) {
      actions.fill(0, 0, sim.numAgents);
      messages.fill(SILENT, 0, sim.numAgents);
    },
  };
}

/** A uniformly random index among the legal entries of `mask` (index 0 when none is legal). */
export function pickLegal(mask: Uint8Array, rng: Rng): number {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i];
  if (count === 0) return 0;
  let k = rng.int(count);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 1) {
      if (k === 0) return i;
      k--;
    }
  }
  return 0;
}

/** Runs one episode of `policy` on `sim` from reset and returns the team return. */
export function runEpisode(sim: TaskSim, policy: TeamPolicy, rng: Rng, seed = 0): number {
  const n = sim.numAgents;
  const actions = new Int32Array(n);
  const messages = new Int32Array(n);
  const rewards = new Float64Array(n);
  sim.reset(seed);
  policy.reset(sim);
  let total = 0;
  while (!sim.done) {
    policy.act(sim, rng, actions, messages);
    sim.step(actions, messages, rewards);
    for (let i = 0; i < n; i++) total += rewards[i];
  }
  return total;
}

/** A normalised score: 1 = the oracle's return, 0 = doing nothing's. */
export function normalise(value: number, oracle: number, nothing: number): number {
  const span = oracle - nothing;
  return span > 1e-9 ? (value - nothing) / span : 0;
}
