/** Level-Based Foraging (lbforaging v3 rules): the simulator, its scenario ids, the closest-food heuristic. */

export { canHoldFood, type ForagingConfig, ForagingSim, LBF_ACTIONS } from "./foraging.js";
export { foragingHeuristicPolicy } from "./heuristic.js";
export {
  canonicalForagingId,
  FORAGING_ID_PATTERN,
  foodCapacity,
  isForagingId,
  parseForagingId,
} from "./ids.js";
