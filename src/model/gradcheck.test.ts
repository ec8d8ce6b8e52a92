/** The gradient checker catches a wrong backward pass. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/prng.js";
import { naiveGemm } from "./gemm/naive.js";
import { checkGradients, randomParameter } from "./gradcheck.js";

test("the gradient check rejects an op whose backward pass is wrong by 10%", () => {
  const rng = Rng.fromSeed("gradcheck");
  const x = randomParameter("x", 2, 3, rng);
  const result = checkGradients(
    (g) => {
      const node = g.param(x);
      const out = g.output("square", 2, 3, [node]);
      for (let i = 0; i < 6; i++) out.value[i] = node.value[i] * node.value[i];
      g.record(() => {
        const dx = g.gradOf(node);
        for (let i = 0; i < 6; i++) dx[i] += 1.8 * node.value[i] * (out.grad as Float32Array)[i];
      });
      return out;
    },
    [x],
    rng,
    { gemm: naiveGemm, eps: 1e-2, atol: 1e-3, rtol: 1e-2 },
  );
  assert.equal(result.ok, false);
  assert.equal(result.checked, 6);
});
