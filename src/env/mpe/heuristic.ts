/**
 * A hand-written Simple Spread team policy, the "heuristic" row beside random play and trained
 * policies: each step, agents are matched greedily to landmarks (closest pair first), and each
 * agent takes the discrete move whose position two steps ahead, under the world's own damping and
 * integration order, lands nearest its landmark. It ignores collisions, so it is a reference point,
 * not an optimum.
 */
import { InputError } from "../../core/errors.js";
import { SILENT, type TaskSim, type TeamPolicy } from "../types.js";
import { SpreadSim } from "./simple-spread.js";
import { MPE_DAMPING, MPE_DT, MPE_MOVES, MPE_SENSITIVITY } from "./world.js";

const MOVE_X = [0, -1, 1, 0, 0];
const MOVE_Y = [0, 0, 0, -1, 1];

/** The greedy-matching, two-step-lookahead Simple Spread policy. */
export function spreadHeuristicPolicy(): TeamPolicy {
  let target = new Int32Array(0);
  let agentTaken = new Uint8Array(0);
  let landmarkTaken = new Uint8Array(0);
  return {
    name: "heuristic",
    reset(sim) {
      const n = asSpread(sim).numAgents;
      target = new Int32Array(n);
      agentTaken = new Uint8Array(n);
      landmarkTaken = new Uint8Array(n);
    },
    act(sim, _rng, actions, messages) {
      const spread = asSpread(sim);
      const n = spread.numAgents;
      const p = spread.world.position;
      const v = spread.world.velocity;
      const lm = spread.landmarks;
      agentTaken.fill(0);
      landmarkTaken.fill(0);
      for (let matched = 0; matched < n; matched++) {
        let best = Number.POSITIVE_INFINITY;
        let bestAgent = 0;
        let bestLandmark = 0;
        for (let i = 0; i < n; i++) {
          if (agentTaken[i] === 1) continue;
          for (let k = 0; k < n; k++) {
            if (landmarkTaken[k] === 1) continue;
            const d = (p[2 * i] - lm[2 * k]) ** 2 + (p[2 * i + 1] - lm[2 * k + 1]) ** 2;
            if (d < best) {
              best = d;
              bestAgent = i;
              bestLandmark = k;
            }
          }
        }
        agentTaken[bestAgent] = 1;
        landmarkTaken[bestLandmark] = 1;
        target[bestAgent] = bestLandmark;
      }
      const keep = 1 - MPE_DAMPING;
      for (let i = 0; i < n; i++) {
        const k = target[i];
        let bestMove = 0;
        let bestDistance = Number.POSITIVE_INFINITY;
        for (let move = 0; move < MPE_MOVES; move++) {
          // Both orders move the agent by v·dt + (keep·v + F·dt)·dt within two steps.
          const nextVx = v[2 * i] * keep + MOVE_X[move] * MPE_SENSITIVITY * MPE_DT;
          const nextVy = v[2 * i + 1] * keep + MOVE_Y[move] * MPE_SENSITIVITY * MPE_DT;
          const x = p[2 * i] + (v[2 * i] + nextVx) * MPE_DT;
          const y = p[2 * i + 1] + (v[2 * i + 1] + nextVy) * MPE_DT;
          const d = (x - lm[2 * k]) ** 2 + (y - lm[2 * k + 1]) ** 2;
          if (d < bestDistance) {
            bestDistance = d;
            bestMove = move;
          }
        }
        actions[i] = bestMove;
        messages[i] = SILENT;
      }
    },
  };
}

function asSpread(sim: TaskSim): SpreadSim {
  if (sim instanceof SpreadSim) return sim;
  throw new InputError({
    input: "spreadHeuristicPolicy sim",
    problem: "not a Simple Spread simulator",
    expected: "a SpreadSim (makeMarlEnv('simple_spread_v3'))",
    actual: sim.constructor.name,
    fix: "use this policy on Simple Spread only",
  });
}
