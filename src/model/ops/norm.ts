/** Layer normalisation over the features of each row, with a learned gain and bias. */
import { expectShape } from "../check.js";
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";

/**
 * `(x − mean) / sqrt(var + eps) · gain + bias` per row; gain and bias are 1×cols. Statistics
 * are accumulated in float64.
 */
export function layerNorm(g: Graph, x: Tensor, gain: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  expectShape("layerNorm", gain, 1, x.cols);
  expectShape("layerNorm", bias, 1, x.cols);
  const { rows, cols } = x;
  const out = g.output(`layerNorm(${x.name})`, rows, cols, [x, gain, bias]);
  const requiresGrad = out.requiresGrad;
  const normalised = g.pool.take(rows * cols);
  const invStd = g.pool.take(rows);
  const xv = x.value;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let total = 0;
    for (let j = 0; j < cols; j++) total += xv[base + j];
    const mu = total / cols;
    let squares = 0;
    for (let j = 0; j < cols; j++) {
      const d = xv[base + j] - mu;
      squares += d * d;
    }
    const inv = 1 / Math.sqrt(squares / cols + eps);
    invStd[r] = inv;
    for (let j = 0; j < cols; j++) {
      const n = (xv[base + j] - mu) * inv;
      normalised[base + j] = n;
      out.value[base + j] = n * gain.value[j] + bias.value[j];
    }
  }
  if (!requiresGrad) return out;
  g.record(() => {
    const dOut = out.grad;
    if (dOut === null) return;
    const dGain = gain.requiresGrad ? g.gradOf(gain) : null;
    const dBias = bias.requiresGrad ? g.gradOf(bias) : null;
    const dx = x.requiresGrad ? g.gradOf(x) : null;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let meanD = 0;
      let meanDn = 0;
      for (let j = 0; j < cols; j++) {
        const dy = dOut[base + j];
        const n = normalised[base + j];
        if (dGain !== null) dGain[j] += dy * n;
        if (dBias !== null) dBias[j] += dy;
        const dn = dy * gain.value[j];
        meanD += dn;
        meanDn += dn * n;
      }
      if (dx === null) continue;
      meanD /= cols;
      meanDn /= cols;
      const inv = invStd[r];
      for (let j = 0; j < cols; j++) {
        const dn = dOut[base + j] * gain.value[j];
        dx[base + j] += inv * (dn - meanD - normalised[base + j] * meanDn);
      }
    }
  });
  return out;
}
