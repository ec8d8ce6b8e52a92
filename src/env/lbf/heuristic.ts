/**
 * A hand-written Level-Based Foraging team policy, the "heuristic" row beside random play and
 * trained policies, after lbforaging's H1 agent: each agent heads for the closest food (Manhattan
 * distance, ties to the lower cell index) and loads once it is next to it. With the whole grid in
 * view it does not coordinate, so food above an agent's level is loaded only when others happen
 * to arrive.
 */
import { InputError } from "../../core/errors.js";
import { SILENT, type TaskSim, type TeamPolicy } from "../types.js";
import { ForagingSim } from "./foraging.js";

const [NONE, NORTH, SOUTH, WEST, EAST, LOAD] = [0, 1, 2, 3, 4, 5];

/** The closest-food policy (lbforaging's H1). */
export function foragingHeuristicPolicy(): TeamPolicy {
  return {
    name: "heuristic",
    reset(sim) {
      asForaging(sim);
    },
    act(sim, _rng, actions, messages) {
      const lbf = asForaging(sim);
      const size = lbf.config.size;
      for (let i = 0; i < lbf.numAgents; i++) {
        const row = lbf.playerRow[i];
        const col = lbf.playerCol[i];
        let best = -1;
        let bestDistance = Number.POSITIVE_INFINITY;
        for (let cell = 0; cell < lbf.field.length; cell++) {
          if (lbf.field[cell] === 0) continue;
          const d = Math.abs(((cell / size) | 0) - row) + Math.abs((cell % size) - col);
          if (d < bestDistance) {
            bestDistance = d;
            best = cell;
          }
        }
        messages[i] = SILENT;
        if (best < 0) {
          actions[i] = NONE;
          continue;
        }
        const foodRow = (best / size) | 0;
        const foodCol = best % size;
        if (bestDistance === 1) {
          actions[i] = LOAD;
          continue;
        }
        // Close the larger gap first. That cell is never food: food there would be closer.
        const rowsFirst = Math.abs(foodRow - row) >= Math.abs(foodCol - col);
        if (rowsFirst) actions[i] = foodRow < row ? NORTH : SOUTH;
        else actions[i] = foodCol < col ? WEST : EAST;
      }
    },
  };
}

function asForaging(sim: TaskSim): ForagingSim {
  if (sim instanceof ForagingSim) return sim;
  throw new InputError({
    input: "foragingHeuristicPolicy sim",
    problem: "not a Level-Based Foraging simulator",
    expected: "a ForagingSim (makeMarlEnv('Foraging-8x8-2p-2f-v3'))",
    actual: sim.constructor.name,
    fix: "use this policy on Level-Based Foraging only",
  });
}
