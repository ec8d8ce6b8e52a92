/** The GRU recurrence: PyTorch GRUCell's formula step by step, BPTT against central differences, bad layouts. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import { Gru } from "../layers/gru.js";
import type { Parameter } from "../tensor.js";
import { carriedLayout, gruSequence, type RecurrentLayout } from "./gru.js";

const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 1e-3, rtol: 1e-2 };
const H = 3;

// Two sequences over three time blocks: sequence A carries initial state 1 in and runs three
// steps; sequence B starts fresh, runs one step, then restarts (an episode boundary) for two.
const LAYOUT: RecurrentLayout = {
  // rows: block 0 = [A0, B0], block 1 = [A1, B1 (fresh)], block 2 = [A2, B2]
  previous: Int32Array.of(-3, -1, 0, -1, 2, 3),
  blocks: Int32Array.of(0, 2, 4, 6),
};

/** One GRUCell step in float64, written from PyTorch's documented equations. */
function cellStep(gx: number[], whh: Parameter, bhh: Parameter, prev: number[]): number[] {
  const gh = Array.from({ length: 3 * H }, (_, k) => {
    let sum = bhh.value[k];
    for (let i = 0; i < H; i++) sum += prev[i] * whh.value[i * 3 * H + k];
    return sum;
  });
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  return Array.from({ length: H }, (_, j) => {
    const r = sig(gx[j] + gh[j]);
    const z = sig(gx[H + j] + gh[H + j]);
    const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
    return (1 - z) * n + z * prev[j];
  });
}

function parameters(seed: string) {
  const rng = Rng.fromSeed(seed);
  return {
    rng,
    gx: randomParameter("gx", 6, 3 * H, rng),
    whh: randomParameter("whh", H, 3 * H, rng),
    bhh: randomParameter("bhh", 1, 3 * H, rng),
    initial: randomParameter("initial", 2, H, rng),
  };
}

test("gruSequence gives GRUCell's states step by step, restarting from zero at an episode boundary", () => {
  const { gx, whh, bhh, initial } = parameters("gru-forward");
  const g = new Graph(naiveGemm, { recordGradients: false });
  const out = gruSequence(
    g,
    g.param(gx),
    g.param(whh),
    g.param(bhh),
    g.param(initial),
    LAYOUT,
  ).value;
  const row = (s: number) => Array.from(gx.value.subarray(s * 3 * H, (s + 1) * 3 * H));
  const zero = [0, 0, 0];
  const a0 = cellStep(row(0), whh, bhh, Array.from(initial.value.subarray(H, 2 * H)));
  const a1 = cellStep(row(2), whh, bhh, a0);
  const a2 = cellStep(row(4), whh, bhh, a1);
  const b0 = cellStep(row(1), whh, bhh, zero);
  const b1 = cellStep(row(3), whh, bhh, zero);
  const b2 = cellStep(row(5), whh, bhh, b1);
  const expected = [a0, b0, a1, b1, a2, b2].flat();
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(out[i] - expected[i]) < 1e-5, `${i}`);
  // The fresh restart really ignores row 1's state: B1 differs from a continuation of B0.
  assert.ok(Math.abs(cellStep(row(3), whh, bhh, b0)[0] - b1[0]) > 1e-3);
});

test("gruSequence's gradients through time match central differences for every input", () => {
  const { rng, gx, whh, bhh, initial } = parameters("gru-backward");
  const result = checkGradients(
    (g) => gruSequence(g, g.param(gx), g.param(whh), g.param(bhh), g.param(initial), LAYOUT),
    [gx, whh, bhh, initial],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
  assert.equal(result.checked, 6 * 9 + 9 * 3 + 9 + 2 * 3);
});

test("one step per carried state is what carriedLayout describes", () => {
  const { gx, whh, bhh, initial } = parameters("gru-carried");
  const g = new Graph(naiveGemm, { recordGradients: false });
  const two = g.input("gx", gx.value.subarray(0, 2 * 3 * H), 2, 3 * H);
  const out = gruSequence(g, two, g.param(whh), g.param(bhh), g.param(initial), carriedLayout(2));
  const expected = cellStep(
    Array.from(gx.value.subarray(3 * H, 6 * H)),
    whh,
    bhh,
    Array.from(initial.value.subarray(H, 2 * H)),
  );
  for (let j = 0; j < H; j++) assert.ok(Math.abs(out.value[H + j] - expected[j]) < 1e-5);
});

test("a row that continues a row of its own time block is refused with the fix", () => {
  const { gx, whh, bhh } = parameters("gru-bad");
  const g = new Graph(naiveGemm);
  const bad = { previous: Int32Array.of(-1, 0, -1, -1, -1, -1), blocks: Int32Array.of(0, 6) };
  assert.throws(
    () => gruSequence(g, g.param(gx), g.param(whh), g.param(bhh), null, bad),
    (error: unknown) =>
      error instanceof ShapeError &&
      /row 1 continues row 0/.test(error.message) &&
      /order the rows by time step/.test(error.message),
  );
  const missing = { previous: Int32Array.of(-2, -1, -1, -1, -1, -1), blocks: Int32Array.of(0, 6) };
  assert.throws(
    () => gruSequence(g, g.param(gx), g.param(whh), g.param(bhh), null, missing),
    /reads initial row 0/,
  );
});

test("the Gru layer's gradients at a SIMD width (hidden 4, gates written straight into the projection's gradient) match central differences", () => {
  const rng = Rng.fromSeed("gru-layer");
  const cell = new Gru("cell", 3, 4, rng);
  const x = randomParameter("x", 6, 3, rng);
  const initial = randomParameter("initial", 2, 4, rng);
  const result = checkGradients(
    (g) => cell.forward(g, g.param(x), g.param(initial), LAYOUT),
    [x, initial, ...cell.parameters()],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
  // PyTorch's initialisation: every weight and bias within ±1/√hidden.
  const fresh = new Gru("fresh", 3, 4, Rng.fromSeed("init"));
  for (const p of fresh.parameters()) assert.ok(p.value.every((v) => Math.abs(v) <= 0.5));
});
