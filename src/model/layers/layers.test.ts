/** The layers: deterministic init, tape-free inference, gradients through modules, embedding lookups. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { naiveGemm } from "../gemm/naive.js";
import { checkGradients, randomParameter } from "../gradcheck.js";
import { Graph } from "../graph.js";
import { segmentAttention } from "../ops/attention.js";
import { concatCols, gatherCells, gatherRows, rowDot } from "../ops/rows.js";
import type { Parameter, Tensor } from "../tensor.js";
import { MultiHeadAttention } from "./attention.js";
import { Embedding } from "./embedding.js";
import { Linear } from "./linear.js";
import { Mlp } from "./mlp.js";
import { LayerNorm } from "./norm.js";

// Central differences, eps = 1e-2, loss summed in float64; pass when |a − n| ≤ 2e-3 + 1e-2·|n|.
const TOL = { gemm: naiveGemm, eps: 1e-2, atol: 2e-3, rtol: 1e-2 };

test("the same seed gives bit-identical initial parameters", () => {
  const a = new Mlp("policy", [5, 7, 3], "gelu", Rng.fromSeed(11)).parameters();
  const b = new Mlp("policy", [5, 7, 3], "gelu", Rng.fromSeed(11)).parameters();
  const c = new Mlp("policy", [5, 7, 3], "gelu", Rng.fromSeed(12)).parameters();
  assert.deepEqual(
    a.map((p) => Array.from(p.value)),
    b.map((p) => Array.from(p.value)),
  );
  assert.notDeepEqual(
    a.map((p) => Array.from(p.value)),
    c.map((p) => Array.from(p.value)),
  );
});

test("the MLP's tape-free forwardInto equals its tape forward bit for bit", () => {
  const rng = Rng.fromSeed("forward-into");
  const mlp = new Mlp("policy", [6, 9, 9, 4], "tanh", rng);
  const input = randomParameter("x", 3, 6, rng).value;
  const g = new Graph(naiveGemm);
  const taped = mlp.forward(g, g.input("x", input, 3, 6)).value;
  const output = new Float32Array(12);
  mlp.forwardInto(naiveGemm, input, output);
  assert.deepEqual(Array.from(output), Array.from(taped));
});

test("forwardInto with an output of the wrong size throws a ShapeError", () => {
  const mlp = new Mlp("policy", [4, 3], "relu", Rng.fromSeed(1));
  assert.throws(
    () => mlp.forwardInto(naiveGemm, new Float32Array(8), new Float32Array(5)),
    ShapeError,
  );
});

test("an MLP with layer norm has parameter gradients that match central differences", () => {
  const rng = Rng.fromSeed("mlp-gradients");
  const mlp = new Mlp("enc", [3, 5, 2], "gelu", rng);
  const norm = new LayerNorm("ln", 5);
  const x = randomParameter("x", 4, 3, rng).value;
  const result = checkGradients(
    (g) =>
      mlp.layers[1].forward(g, norm.forward(g, mlp.layers[0].forward(g, g.input("x", x, 4, 3)))),
    [...mlp.parameters(), ...norm.parameters()],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("multi-head attention's projection gradients match central differences", () => {
  const rng = Rng.fromSeed("mha");
  const attention = new MultiHeadAttention("comm", 4, 3, 2, rng);
  const queries = randomParameter("agents", 3, 4, rng);
  const messages = randomParameter("messages", 4, 3, rng);
  const offsets = Int32Array.from([0, 1, 1, 4]);
  const result = checkGradients(
    (g) => attention.forward(g, g.param(queries), g.param(messages), offsets),
    [...attention.parameters(), queries, messages],
    rng,
    TOL,
  );
  assert.ok(result.ok, result.worst);
});

test("embedding lookup passes gradients to the looked-up rows only", () => {
  const rng = Rng.fromSeed("embedding");
  const embedding = new Embedding("skill", 5, 3, rng);
  const g = new Graph(naiveGemm);
  const out = embedding.forward(g, Int32Array.from([4, 1, 4]));
  g.backwardFrom(out, new Float32Array(9).fill(1));
  const grad = Array.from(embedding.table.grad);
  assert.deepEqual(grad, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 2, 2]);
});

test("an embedding id out of range throws a ShapeError naming the id", () => {
  const embedding = new Embedding("skill", 5, 3, Rng.fromSeed(2));
  const g = new Graph(naiveGemm);
  assert.throws(
    () => embedding.forward(g, Int32Array.from([5])),
    (e: unknown) => e instanceof ShapeError && /got 5/.test(e.message),
  );
});

test("attention when no query received any message outputs the output bias and trains", () => {
  const rng = Rng.fromSeed("no-messages");
  const attention = new MultiHeadAttention("comm", 4, 3, 2, rng);
  attention.output.bias?.value.set([0.5, -1, 2, 0]);
  const g = new Graph(naiveGemm);
  const queries = g.input("agents", randomParameter("q", 2, 4, rng).value, 2, 4);
  const messages = g.input("messages", new Float32Array(0), 0, 3);
  const out = attention.forward(g, queries, messages, Int32Array.from([0, 0, 0]));
  assert.deepEqual(Array.from(out.value), [0.5, -1, 2, 0, 0.5, -1, 2, 0]);
  g.backwardFrom(out, new Float32Array(8).fill(1));
  assert.deepEqual(Array.from(attention.output.bias?.grad ?? []), [2, 2, 2, 2]);
});

/** Values and parameter gradients of `build` for an output seed of all ones, as plain arrays. */
function valuesAndGrads(build: (g: Graph) => Tensor, params: readonly Parameter[]): number[][] {
  for (const p of params) p.grad.fill(0);
  const g = new Graph(naiveGemm);
  const out = build(g);
  g.backwardFrom(out, new Float32Array(out.size).fill(1));
  return [Array.from(out.value), ...params.map((p) => Array.from(p.grad))];
}

function assertClose(a: number[][], b: number[][], tolerance: number): void {
  assert.equal(a.length, b.length);
  for (const [k, values] of a.entries()) {
    for (let i = 0; i < values.length; i++)
      assert.ok(
        Math.abs(values[i] - b[k][i]) <= tolerance,
        `${k}[${i}]: ${values[i]} vs ${b[k][i]}`,
      );
  }
}

test("attention with no keys at all gives what the four projections and segment attention give", () => {
  const rng = Rng.fromSeed("silent-attention");
  const attention = new MultiHeadAttention("comm", 4, 3, 2, rng);
  attention.output.bias?.value.set([0.5, -1, 2, 0]);
  const queries = randomParameter("agents", 3, 4, rng);
  const params = [...attention.parameters(), queries];
  const offsets = new Int32Array(4);
  const keys = (g: Graph) => g.input("messages", new Float32Array(0), 0, 3);
  const skipped = valuesAndGrads(
    (g) => attention.forward(g, g.param(queries), keys(g), offsets),
    params,
  );
  const full = valuesAndGrads((g) => {
    const q = attention.query.forward(g, g.param(queries));
    const k = attention.key.forward(g, keys(g));
    const v = attention.value.forward(g, keys(g));
    return attention.output.forward(g, segmentAttention(g, q, k, v, offsets, 2));
  }, params);
  assert.deepEqual(skipped, full);
});

for (const constantFirst of [false, true]) {
  test(`a linear layer with a constant row ${constantFirst ? "before" : "after"} its input equals the layer on the concatenation`, () => {
    const rng = Rng.fromSeed("constant-row");
    const layer = new Linear("fuse", 5, 4, rng, { activation: "tanh" });
    layer.bias?.value.set([0.1, -0.2, 0.3, 0]);
    const x = randomParameter("h", 3, 3, rng);
    const row = randomParameter("heard", 1, 2, rng);
    const params = [...layer.parameters(), x, row];
    const folded = valuesAndGrads(
      (g) => layer.forwardWithConstant(g, g.param(x), g.param(row), constantFirst),
      params,
    );
    const plain = valuesAndGrads((g) => {
      const rows = gatherRows(g, g.param(row), new Int32Array(3));
      return layer.forward(
        g,
        concatCols(g, constantFirst ? [rows, g.param(x)] : [g.param(x), rows]),
      );
    }, params);
    assertClose(folded, plain, 1e-6);
  });
}

test("a linear layer's products with candidate rows equal its output dotted with them", () => {
  const rng = Rng.fromSeed("products");
  const layer = new Linear("query", 4, 3, rng);
  layer.bias?.value.set([0.1, -0.2, 0.3]);
  const x = randomParameter("z", 5, 4, rng);
  const c = randomParameter("candidates", 2, 3, rng);
  const params = [...layer.parameters(), x, c];
  const rows = Int32Array.from([0, 0, 1, 2, 3, 4, 4]);
  const cols = Int32Array.from([0, 1, 1, 0, 1, 0, 1]);
  const folded = valuesAndGrads(
    (g) => gatherCells(g, layer.forwardProducts(g, g.param(x), g.param(c)), rows, cols),
    params,
  );
  const plain = valuesAndGrads(
    (g) =>
      rowDot(g, gatherRows(g, layer.forward(g, g.param(x)), rows), gatherRows(g, g.param(c), cols)),
    params,
  );
  assertClose(folded, plain, 1e-6);
  const tanh = new Linear("t", 4, 3, rng, { activation: "tanh" });
  const g = new Graph(naiveGemm);
  assert.throws(() => tanh.forwardProducts(g, g.param(x), g.param(c)), ShapeError);
});

test("an MLP's copy has its weights, and blending moves them τ of the way to the source's", () => {
  const source = new Mlp("critic", [3, 4, 1], "tanh", Rng.fromSeed("blend-source"));
  const copy = source.copy("target.critic");
  assert.deepEqual(
    copy.parameters().map((p) => Array.from(p.value)),
    source.parameters().map((p) => Array.from(p.value)),
  );
  assert.equal(copy.parameters()[0].name.startsWith("target.critic."), true);
  const before = Array.from(copy.layers[0].weight.value);
  source.layers[0].weight.value.fill(1);
  copy.blendFrom(source, 0.25);
  copy.layers[0].weight.value.forEach((w, i) => {
    assert.ok(Math.abs(w - (before[i] + 0.25 * (1 - before[i]))) < 1e-6, `weight ${i}: ${w}`);
  });
  assert.throws(
    () => copy.blendFrom(new Mlp("other", [3, 2, 1], "tanh", Rng.fromSeed(1)), 0.5),
    (e: unknown) => e instanceof ShapeError && /other layer sizes/.test(e.message),
  );
});
