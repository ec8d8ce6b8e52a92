/** The Multi-Agent Particle Environments ported so far: Simple Spread (v3, and legacy v2) on its particle world, and its heuristic. */
export { spreadHeuristicPolicy } from "./heuristic.js";
export { type SpreadOptions, SpreadSim, type SpreadVariant } from "./simple-spread.js";
export { MPE_MOVES, type MpeIntegration, ParticleWorld } from "./world.js";
