/** Level-Based Foraging (lbforaging v3 rules): the simulator and its scenario ids. */
export { canHoldFood, type ForagingConfig, ForagingSim, LBF_ACTIONS } from "./foraging.js";
export {
  canonicalForagingId,
  FORAGING_ID_PATTERN,
  foodCapacity,
  isForagingId,
  parseForagingId,
} from "./ids.js";
