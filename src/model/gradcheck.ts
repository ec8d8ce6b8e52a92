/**
 * Gradient checking against central finite differences: the test every op's backward pass goes
 * through. The scalar probed is `L = Σ_i w_i · out_i` with fixed seeded weights, summed in
 * float64; each parameter element is nudged by ±eps in float32 and the finite difference is
 * divided by the perturbation actually stored, so float32 rounding of `v ± eps` does not bias it.
 */
import type { Rng } from "../core/prng.js";
import type { Gemm } from "./gemm.js";
import { Graph } from "./graph.js";
import { Parameter, type Tensor } from "./tensor.js";

/** Step and tolerances: element passes when `|analytic − numeric| ≤ atol + rtol · |numeric|`. */
export interface GradCheckOptions {
  /** The backend the graph runs on (tests use the naive reference). */
  readonly gemm: Gemm;
  readonly eps: number;
  readonly atol: number;
  readonly rtol: number;
}

/** The worst element found, for an assertion message. */
export interface GradCheckResult {
  readonly ok: boolean;
  readonly checked: number;
  readonly worst: string;
}

/**
 * Compares the backward pass of `build` with central differences for every element of every
 * parameter in `params`. `build` must be a pure function of the parameter values. Output entries
 * that are −∞ (masked log-probabilities) are left out of `L`.
 */
export function checkGradients(
  build: (g: Graph) => Tensor,
  params: readonly Parameter[],
  rng: Rng,
  options: GradCheckOptions,
): GradCheckResult {
  const g = new Graph(options.gemm);
  for (const p of params) p.grad.fill(0);
  const out = build(g);
  const weights = new Float32Array(out.size);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.uniform(-1, 1);
  g.backwardFrom(out, weights);
  const probe = (): number => {
    const graph = new Graph(options.gemm);
    const y = build(graph).value;
    let total = 0;
    for (let i = 0; i < y.length; i++)
      if (y[i] !== Number.NEGATIVE_INFINITY) total += weights[i] * y[i];
    return total;
  };
  let checked = 0;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let worst = "none";
  for (const p of params) {
    for (let i = 0; i < p.value.length; i++) {
      const original = p.value[i];
      p.value[i] = original + options.eps;
      const high = p.value[i];
      const lossHigh = probe();
      p.value[i] = original - options.eps;
      const low = p.value[i];
      const lossLow = probe();
      p.value[i] = original;
      const numeric = (lossHigh - lossLow) / (high - low);
      const analytic = p.grad[i];
      const excess =
        Math.abs(analytic - numeric) - (options.atol + options.rtol * Math.abs(numeric));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = `${p.name}[${i}]: analytic ${analytic}, numeric ${numeric}`;
      }
      checked++;
    }
  }
  return { ok: worstExcess <= 0, checked, worst };
}

/** A `rows × cols` parameter with entries drawn uniformly from `[low, high)`. */
export function randomParameter(
  name: string,
  rows: number,
  cols: number,
  rng: Rng,
  low = -1,
  high = 1,
): Parameter {
  const p = new Parameter(name, rows, cols);
  for (let i = 0; i < p.value.length; i++) p.value[i] = rng.uniform(low, high);
  return p;
}
