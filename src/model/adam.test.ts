/** Adam: the hand-computed first step, clipping, learning a toy task, determinism, non-finite gradients. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, NumericError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { Adam, type AdamOptions } from "./adam.js";
import { naiveGemm } from "./gemm/naive.js";
import { Graph } from "./graph.js";
import { Mlp } from "./layers/mlp.js";
import { uniformOffsets } from "./ops/rows.js";
import { useSimdKernels } from "./ops/simd.js";
import { Parameter } from "./tensor.js";
import { policyGradientStep, randomPolicyBatch } from "./toy.js";

function parameter(name: string, values: number[], grads: number[]): Parameter {
  const p = new Parameter(name, 1, values.length);
  p.value.set(values);
  p.grad.set(grads);
  return p;
}

test("the first Adam step matches the hand-computed update", () => {
  // Step 1: m = (1−β1)g, v = (1−β2)g², m̂ = g, v̂ = g², so Δ = −lr·g/(|g| + ε) ≈ −lr·sign(g).
  const p = parameter("w", [1, -2], [0.5, -0.1]);
  const adam = new Adam([p], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  adam.step();
  assert.ok(Math.abs(p.value[0] - 0.9) < 1e-6, `w[0] = ${p.value[0]}`);
  assert.ok(Math.abs(p.value[1] - -1.9) < 1e-6, `w[1] = ${p.value[1]}`);
  assert.ok(Math.abs(adam.firstMoments[0][0] - 0.05) < 1e-8);
  assert.ok(Math.abs(adam.secondMoments[0][1] - 1e-5) < 1e-11);
  assert.deepEqual(Array.from(p.grad), [0, 0]);
  assert.equal(adam.stepCount, 1);
});

test("clipping by global norm scales every gradient by the same factor", () => {
  const clipped = [parameter("a", [0, 0], [3, 0]), parameter("b", [0], [4])];
  const adam = new Adam(clipped, { learningRate: 0.1, maxGradNorm: 2.5 });
  const info = adam.step();
  assert.equal(info.gradNorm, 5);
  assert.equal(info.clipScale, 0.5);
  // Same as an unclipped step on gradients halved by hand (0.5 keeps the products exact).
  const scaled = [parameter("a", [0, 0], [1.5, 0]), parameter("b", [0], [2])];
  const reference = new Adam(scaled, { learningRate: 0.1 });
  reference.step();
  assert.deepEqual(
    adam.firstMoments.map((m) => Array.from(m)),
    reference.firstMoments.map((m) => Array.from(m)),
  );
  assert.deepEqual(
    clipped.map((p) => Array.from(p.value)),
    scaled.map((p) => Array.from(p.value)),
  );
});

test("clip groups are clipped apart, each as its own optimiser would clip it", () => {
  // Group 0 has norm 5 (clipped to 2.5: × 0.5), group 1 norm 2 (under the limit: untouched).
  const grouped = [
    parameter("a", [0, 0], [3, 0]),
    parameter("b", [0], [4]),
    parameter("c", [0], [2]),
  ];
  const adam = new Adam(grouped, { learningRate: 0.1, maxGradNorm: 2.5, clipGroups: [0, 0, 1] });
  const info = adam.step();
  assert.equal(info.gradNorm, Math.sqrt(29));
  assert.equal(info.clipScale, 0.5);
  const actor = [parameter("a", [0, 0], [3, 0]), parameter("b", [0], [4])];
  const critic = [parameter("c", [0], [2])];
  new Adam(actor, { learningRate: 0.1, maxGradNorm: 2.5 }).step();
  new Adam(critic, { learningRate: 0.1, maxGradNorm: 2.5 }).step();
  assert.deepEqual(
    grouped.map((p) => Array.from(p.value)),
    [...actor, ...critic].map((p) => Array.from(p.value)),
  );
});

test("clip groups of the wrong length are rejected with a ConfigError naming the option", () => {
  assert.throws(
    () => new Adam([parameter("a", [0], [1])], { clipGroups: [0, 1] }),
    (e: unknown) => e instanceof ConfigError && /clipGroups/.test(e.message),
  );
});

test("a small MLP learns XOR of two signs: cross-entropy below 0.05 within 300 steps", () => {
  const rng = Rng.fromSeed("xor");
  const rows = 64;
  const inputs = new Float32Array(rows * 2);
  const chosen = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    inputs.set([a, b], r * 2);
    chosen[r] = r * 2 + (a * b > 0 ? 1 : 0);
  }
  const batch = {
    inputs,
    rows,
    offsets: uniformOffsets(rows, 2),
    chosen,
    advantages: new Float32Array(rows).fill(1),
  };
  const mlp = new Mlp("xor", [2, 16, 2], "tanh", rng);
  const adam = new Adam(mlp.parameters(), { learningRate: 0.05 });
  const g = new Graph(naiveGemm);
  const first = policyGradientStep(g, mlp, adam, batch);
  let loss = first;
  for (let step = 1; step < 300; step++) loss = policyGradientStep(g, mlp, adam, batch);
  assert.ok(first > 0.5, `initial loss ${first}`);
  assert.ok(loss < 0.05, `loss after 300 steps ${loss}`);
});

test("the same seed gives an identical training trajectory", () => {
  const run = () => {
    const rng = Rng.fromSeed("trajectory");
    const mlp = new Mlp("policy", [6, 10, 4], "relu", rng);
    const adam = new Adam(mlp.parameters(), { learningRate: 1e-2, maxGradNorm: 0.5 });
    const g = new Graph(naiveGemm);
    const losses: number[] = [];
    for (let step = 0; step < 20; step++)
      losses.push(policyGradientStep(g, mlp, adam, randomPolicyBatch(rng, 8, 6, 4)));
    return { losses, params: mlp.parameters().map((p) => Array.from(p.value)) };
  };
  const a = run();
  const b = run();
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.params, b.params);
});

test("a NaN gradient throws a NumericError naming the parameter and updates nothing", () => {
  const a = parameter("policy.0.weight", [1, 2], [0.1, 0.2]);
  const b = parameter("policy.0.bias", [3], [Number.NaN]);
  const adam = new Adam([a, b]);
  assert.throws(
    () => adam.step(),
    (e: unknown) => {
      assert.ok(e instanceof NumericError);
      assert.match(e.message, /gradient of "policy\.0\.bias" at index 0: is not finite.*got NaN/);
      return true;
    },
  );
  assert.deepEqual(Array.from(a.value), [1, 2]);
  assert.equal(adam.stepCount, 0);
});

test("a learning rate of zero is rejected with a ConfigError", () => {
  assert.throws(() => new Adam([], { learningRate: 0 }), ConfigError);
});

test("decoupled weight decay shrinks parameters by 1 − lr·decay when gradients are zero", () => {
  const p = parameter("w", [2, -4], [0, 0]);
  const adam = new Adam([p], { learningRate: 0.5, weightDecay: 0.5 });
  adam.step();
  assert.deepEqual(Array.from(p.value), [1.5, -3]);
});

test("a parameter no gradient has reached keeps its value and zero moments; one whose gradient stopped moves on its moments", () => {
  const idle = parameter("idle", [1, -2], [0, 0]);
  const moving = parameter("moving", [1], [0.5]);
  const adam = new Adam([idle, moving], { learningRate: 0.1 });
  adam.step();
  const afterFirst = moving.value[0];
  adam.step();
  assert.deepEqual(Array.from(idle.value), [1, -2]);
  assert.deepEqual([...adam.firstMoments[0], ...adam.secondMoments[0]], [0, 0, 0, 0]);
  // Step 2 with g = 0: m = 0.9·0.05, v = 0.999·0.001·0.25, Δ = −0.1·m̂/(√v̂ + ε).
  const m = 0.9 * 0.05;
  const v = 0.999 * 0.001 * 0.25;
  const expected =
    afterFirst - (0.1 * m) / (1 - 0.9 ** 2) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
  assert.ok(Math.abs(moving.value[0] - expected) < 1e-6, `${moving.value[0]} vs ${expected}`);
  // Moments set from outside (a checkpoint) are honoured even with a zero gradient.
  adam.firstMoments[0].set([0.01, 0]);
  adam.secondMoments[0].set([1e-4, 0]);
  adam.step();
  assert.ok(idle.value[0] < 1);
  assert.equal(idle.value[1], -2);
});

test("the SIMD Adam kernel gives the scalar loops' bits: clipped, decayed, odd lengths, short tensors", () => {
  const run = (simd: boolean, options: AdamOptions): number[][] => {
    useSimdKernels(simd);
    try {
      const rng = Rng.fromSeed("adam-simd");
      const params = [1, 63, 64, 129, 1000].map((n, i) => {
        const p = new Parameter(`p${i}`, 1, n);
        for (let k = 0; k < n; k++) p.value[k] = rng.uniform(-1, 1);
        return p;
      });
      const adam = new Adam(params, options);
      for (let step = 0; step < 5; step++) {
        for (const p of params)
          for (let k = 0; k < p.grad.length; k++) p.grad[k] = rng.uniform(-1, 1);
        adam.step();
      }
      return [
        ...params.map((p) => Array.from(p.value)),
        ...adam.firstMoments.map((m) => Array.from(m)),
        ...adam.secondMoments.map((v) => Array.from(v)),
      ];
    } finally {
      useSimdKernels(true);
    }
  };
  const clippedDecayed = { learningRate: 0.01, maxGradNorm: 0.5, weightDecay: 0.1 };
  assert.deepEqual(run(true, clippedDecayed), run(false, clippedDecayed));
  assert.deepEqual(run(true, { learningRate: 0.01 }), run(false, { learningRate: 0.01 }));
});

test("a frozen parameter keeps its value and zero moments, and its gradient leaves the norm", () => {
  const frozen = parameter("frozen", [1, 2], [30, 40]);
  const free = parameter("free", [0], [3]);
  const adam = new Adam([frozen, free], {
    learningRate: 0.1,
    maxGradNorm: 5,
    frozen: [true, false],
  });
  const info = adam.step();
  assert.equal(info.gradNorm, 3);
  assert.deepEqual(Array.from(frozen.value), [1, 2]);
  assert.deepEqual(Array.from(frozen.grad), [0, 0]);
  assert.deepEqual(Array.from(adam.firstMoments[0]), [0, 0]);
  assert.notEqual(free.value[0], 0);
});
