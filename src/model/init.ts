/**
 * Deterministic parameter initialisation from the seeded {@link Rng}: the same seed gives the
 * same initial weights, on every machine.
 */
import type { Rng } from "../core/prng.js";
import type { Parameter } from "./tensor.js";

/** Glorot/Xavier uniform: `U(−a, a)` with `a = gain · sqrt(6 / (fanIn + fanOut))`. */
export function glorotUniform(param: Parameter, rng: Rng, gain = 1): void {
  const limit = gain * Math.sqrt(6 / (param.rows + param.cols));
  for (let i = 0; i < param.value.length; i++) param.value[i] = rng.uniform(-limit, limit);
}

/** Normal draws with the given standard deviation (embedding tables). */
export function normalInit(param: Parameter, rng: Rng, std: number): void {
  for (let i = 0; i < param.value.length; i++) param.value[i] = rng.normal(0, std);
}
