/** The shared policy network: distributions over masked candidates, any team size, gradients, inbox counterfactuals. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError, StateError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import { makeMarlEnv } from "../env/marl.js";
import { planningFamily } from "../env/planning/index.js";
import { SILENT, type TaskSim } from "../env/types.js";
import { naiveGemm } from "../model/gemm/naive.js";
import { checkGradients } from "../model/gradcheck.js";
import { Graph } from "../model/graph.js";
import type { Linear } from "../model/layers/linear.js";
import { segmentAttention } from "../model/ops/attention.js";
import { add, sum } from "../model/ops/dense.js";
import { concatCols, gatherRows, rowDot, segmentMean } from "../model/ops/rows.js";
import { maskedLogSoftmax } from "../model/ops/softmax.js";
import type { Tensor } from "../model/tensor.js";
import { BatchBuilder, type PolicyBatch, segmentOwners, selectTeams } from "./batch.js";
import { inboxWithout, PolicyNetwork, type PolicyOutput, sampleCandidate } from "./policy.js";
import { TextTable } from "./text-table.js";

function planningSim(agents: number, seed: number): TaskSim {
  const task = planningFamily.generate(
    {
      id: `policy-${agents}-${seed}`,
      stratum: "test",
      params: { agents, horizon: 6, dependency: 0.3, coupling: 0.5, view: 1, disruption: 0 },
    },
    Rng.fromSeed(seed),
  );
  const sim = planningFamily.createSim(task);
  sim.reset(seed);
  return sim;
}

/** Two teams (3 and 5 agents) after one step in which every agent announced something. */
async function fixture(dim = 16): Promise<{ table: TextTable; batch: PolicyBatch }> {
  const table = new TextTable(new HashingEncoder({ dimension: dim }));
  const builder = new BatchBuilder(table);
  for (const [agents, seed] of [
    [3, 1],
    [5, 2],
  ]) {
    const sim = planningSim(agents, seed);
    const actions = new Int32Array(agents);
    const messages = new Int32Array(agents).fill(1);
    sim.step(actions, messages, new Float64Array(agents));
    builder.addTeam(sim);
  }
  await table.flush();
  const batch = builder.build();
  const rng = Rng.fromSeed("choices");
  for (let s = 0; s < batch.samples; s++) {
    batch.chosenAction[s] = rng.int(batch.actionOffsets[s + 1] - batch.actionOffsets[s]);
    batch.chosenMessage[s] = rng.int(batch.messageOffsets[s + 1] - batch.messageOffsets[s]);
  }
  return { table, batch };
}

const config = { textDim: 16, numericWidth: 0, hidden: 8, heads: 2 };

/**
 * `teams` teams of Spread (3 agents) on their numeric features after one random step: one
 * constant view text, one message candidate per agent (silence) and empty inboxes, as in the
 * MARL race.
 */
async function silentFixture(
  teams: number,
  dim: number,
): Promise<{ table: TextTable; batch: PolicyBatch }> {
  const table = new TextTable(new HashingEncoder({ dimension: dim }));
  const width = makeMarlEnv("simple_spread_v3").featureSize;
  const builder = new BatchBuilder(table, width);
  const rng = Rng.fromSeed("silent");
  for (let t = 0; t < teams; t++) {
    const sim = makeMarlEnv("simple_spread_v3");
    sim.renderView = () => "(numeric observation)";
    sim.reset(t);
    const actions = Int32Array.from({ length: sim.numAgents }, () => rng.int(sim.numActions));
    sim.step(actions, new Int32Array(sim.numAgents).fill(SILENT), new Float64Array(sim.numAgents));
    builder.addTeam(sim);
  }
  await table.flush();
  const batch = builder.build();
  for (let s = 0; s < batch.samples; s++) {
    batch.chosenAction[s] = rng.int(batch.actionOffsets[s + 1] - batch.actionOffsets[s]);
    batch.chosenMessage[s] = 0;
  }
  return { table, batch };
}

/**
 * The network as written in the header, op by op, with none of forward's shortcuts: attention
 * always run, every candidate row embedded and scored by its own query row, both critics built.
 */
function referenceForward(
  policy: PolicyNetwork,
  g: Graph,
  texts: Float32Array,
  batch: PolicyBatch,
): Omit<PolicyOutput, "actionQ" | "messageQ" | "memory"> {
  const { textDim, numericWidth } = policy.config;
  const table = g.input("texts", texts, texts.length / textDim, textDim);
  let x = gatherRows(g, table, batch.viewIds);
  if (numericWidth > 0) {
    x = concatCols(g, [x, g.input("numeric", batch.numeric, batch.samples, numericWidth)]);
  }
  const h = policy.observation.forward(g, x);
  const attention = policy.attention;
  const keys = gatherRows(g, table, batch.inboxIds);
  const attended = segmentAttention(
    g,
    attention.query.forward(g, h),
    attention.key.forward(g, keys),
    attention.value.forward(g, keys),
    batch.inboxOffsets,
    attention.heads,
  );
  const z = policy.fuse.forward(g, concatCols(g, [h, attention.output.forward(g, attended)]));
  const logProbs = (
    query: Linear,
    candidate: Linear,
    ids: Int32Array,
    offsets: Int32Array,
    mask: Uint8Array,
  ) => {
    const embeddings = candidate.forward(g, gatherRows(g, table, ids));
    const queries = gatherRows(g, query.forward(g, z), segmentOwners(offsets));
    return maskedLogSoftmax(g, rowDot(g, queries, embeddings), offsets, mask);
  };
  return {
    actionLogProbs: logProbs(
      policy.actionQuery,
      policy.actionCandidate,
      batch.actionIds,
      batch.actionOffsets,
      batch.actionMask,
    ),
    messageLogProbs: logProbs(
      policy.messageQuery,
      policy.messageCandidate,
      batch.messageIds,
      batch.messageOffsets,
      batch.messageMask,
    ),
    observationValues: policy.observationValue.forward(g, z),
    stateValues: policy.stateValue.forward(g, segmentMean(g, z, batch.teamOffsets)),
  };
}

/** log π and log μ of the chosen candidates plus both critics, summed: a loss over every head. */
function everyHead(
  g: Graph,
  out: Omit<PolicyOutput, "actionQ" | "messageQ" | "memory">,
  batch: PolicyBatch,
): Tensor {
  // The chosen candidate, or the first legal one after it when it is masked.
  const chosen = (offsets: Int32Array, picks: Int32Array, mask: Uint8Array) =>
    Int32Array.from(picks, (c, s) => {
      const size = offsets[s + 1] - offsets[s];
      let k = 0;
      while (mask[offsets[s] + ((c + k) % size)] === 0) k++;
      return offsets[s] + ((c + k) % size);
    });
  const actions = gatherRows(
    g,
    out.actionLogProbs,
    chosen(batch.actionOffsets, batch.chosenAction, batch.actionMask),
  );
  const messages = gatherRows(
    g,
    out.messageLogProbs,
    chosen(batch.messageOffsets, batch.chosenMessage, batch.messageMask),
  );
  return add(
    g,
    add(g, sum(g, actions), sum(g, messages)),
    add(g, sum(g, out.observationValues), sum(g, out.stateValues)),
  );
}

test("one network gives every agent of teams of 3 and 5 a distribution that sums to 1 over its legal candidates", async () => {
  const { table, batch } = await fixture();
  const policy = new PolicyNetwork(config, Rng.fromSeed(1));
  const out = policy.forward(new Graph(naiveGemm), table.matrix(), batch, { withQ: true });
  assert.equal(batch.samples, 8);
  assert.equal(out.stateValues.rows, 2);
  assert.equal(out.observationValues.rows, 8);
  for (let s = 0; s < batch.samples; s++) {
    let total = 0;
    for (let i = batch.actionOffsets[s]; i < batch.actionOffsets[s + 1]; i++) {
      const p = Math.exp(out.actionLogProbs.value[i]);
      if (batch.actionMask[i] === 0) assert.equal(p, 0);
      total += p;
    }
    assert.ok(Math.abs(total - 1) < 1e-5, `sample ${s} sums to ${total}`);
  }
  assert.equal(out.actionQ?.size, batch.actionIds.length);
  assert.equal(out.messageQ?.size, batch.messageIds.length);
});

test("reordering teams leaves each agent's distribution unchanged (no agent index is an input)", async () => {
  const { table, batch } = await fixture();
  const policy = new PolicyNetwork(config, Rng.fromSeed(2));
  const forward = (b: PolicyBatch) =>
    Array.from(policy.forward(new Graph(naiveGemm), table.matrix(), b).actionLogProbs.value);
  const original = forward(batch);
  const swapped = forward(selectTeams([batch], Int32Array.from([1, 0])));
  const firstTeamLength = batch.actionOffsets[3];
  assert.deepEqual(
    swapped.slice(swapped.length - firstTeamLength),
    original.slice(0, firstTeamLength),
  );
});

test("gradients of every head, both critics and the Q heads match central differences", async () => {
  const { table, batch } = await fixture(8);
  const policy = new PolicyNetwork({ ...config, textDim: 8, hidden: 4 }, Rng.fromSeed(3));
  const result = checkGradients(
    (g) => {
      const out = policy.forward(g, table.matrix(), batch, { withQ: true });
      let loss = add(g, sum(g, out.observationValues), sum(g, out.stateValues));
      if (out.actionQ !== null && out.messageQ !== null) {
        loss = add(g, loss, add(g, sum(g, out.actionQ), sum(g, out.messageQ)));
      }
      return loss;
    },
    policy.parameters(),
    Rng.fromSeed("grad"),
    { gemm: naiveGemm, eps: 1e-2, atol: 3e-3, rtol: 2e-2 },
  );
  assert.ok(result.ok, result.worst);
});

test("silencing a sender changes only the receivers' distributions that heard it", async () => {
  const { table, batch } = await fixture();
  const policy = new PolicyNetwork(config, Rng.fromSeed(4));
  const g = new Graph(naiveGemm, { recordGradients: false });
  const base = Array.from(policy.forward(g, table.matrix(), batch).actionLogProbs.value);
  const silenced = new Int32Array(batch.samples).fill(-1);
  silenced[1] = 0; // agent 1 of the first team no longer hears agent 0
  const inbox = inboxWithout(batch, silenced);
  assert.equal(inbox.ids.length, batch.inboxIds.length - 1);
  const without = Array.from(
    policy.forward(new Graph(naiveGemm), table.matrix(), batch, { inbox }).actionLogProbs.value,
  );
  for (let s = 0; s < batch.samples; s++) {
    const a = base.slice(batch.actionOffsets[s], batch.actionOffsets[s + 1]);
    const b = without.slice(batch.actionOffsets[s], batch.actionOffsets[s + 1]);
    if (s === 1) assert.notDeepEqual(a, b);
    else assert.deepEqual(a, b);
  }
});

test("the action log-probabilities under several inboxes equal one forward pass per inbox, bit for bit", async () => {
  const { table, batch } = await fixture();
  const policy = new PolicyNetwork(config, Rng.fromSeed(4));
  const inboxes = [
    { offsets: batch.inboxOffsets, ids: batch.inboxIds },
    ...[0, 1, 4].map((k) => inboxWithout(batch, new Int32Array(batch.samples).fill(k))),
  ];
  const shared = policy.actionLogProbsUnderInboxes(
    new Graph(naiveGemm, { recordGradients: false }),
    table.matrix(),
    batch,
    inboxes,
  );
  assert.equal(shared.length, inboxes.length);
  inboxes.forEach((inbox, n) => {
    const g = new Graph(naiveGemm, { recordGradients: false });
    const one = policy.forward(g, table.matrix(), batch, { inbox }).actionLogProbs.value;
    assert.deepEqual(Array.from(shared[n]), Array.from(one), `inbox ${n}`);
  });
  assert.notDeepEqual(Array.from(shared[0]), Array.from(shared[1]));
});

test("sampling never picks a masked candidate", () => {
  const logProbs = Float32Array.from([
    Number.NEGATIVE_INFINITY,
    Math.log(0.5),
    Number.NEGATIVE_INFINITY,
    Math.log(0.5),
  ]);
  const rng = Rng.fromSeed(5);
  for (let i = 0; i < 200; i++) assert.ok([1, 3].includes(sampleCandidate(rng, logProbs, 0, 4)));
});

test("a head count that does not divide the hidden width throws a ShapeError naming heads", () => {
  assert.throws(
    () => new PolicyNetwork({ ...config, heads: 3 }, Rng.fromSeed(6)),
    (e: unknown) => e instanceof ShapeError && /heads/.test(e.message),
  );
});

for (const [label, make, policyConfig] of [
  ["messages and inboxes (planning)", () => fixture(), config],
  [
    "a silent numeric MARL batch (Spread: one view text, empty inboxes, one message candidate, 5 move names)",
    () => silentFixture(10, 8),
    { textDim: 8, numericWidth: makeMarlEnv("simple_spread_v3").featureSize, hidden: 16, heads: 2 },
  ],
] as const) {
  test(`forward's values and gradients equal the plain op-by-op network on ${label}`, async () => {
    const { table, batch } = await make();
    const run = (build: typeof referenceForward) => {
      const policy = new PolicyNetwork(policyConfig, Rng.fromSeed("reference"));
      const g = new Graph(naiveGemm);
      const out = build(policy, g, table.matrix(), batch);
      const values = [
        out.actionLogProbs,
        out.messageLogProbs,
        out.observationValues,
        out.stateValues,
      ].map((t) => Array.from(t.value));
      g.backward(everyHead(g, out, batch));
      return { values, grads: policy.parameters().map((p) => Array.from(p.grad)) };
    };
    const fast = run((policy, g, texts, b) => policy.forward(g, texts, b));
    const reference = run(referenceForward);
    const close = (a: number[], b: number[], what: string) => {
      assert.equal(a.length, b.length, what);
      for (let i = 0; i < a.length; i++) {
        if (a[i] === b[i]) continue;
        assert.ok(
          Math.abs(a[i] - b[i]) <= 1e-5 + 1e-4 * Math.abs(b[i]),
          `${what}[${i}]: ${a[i]} vs ${b[i]}`,
        );
      }
    };
    for (const [k, v] of fast.values.entries()) close(v, reference.values[k], `output ${k}`);
    for (const [k, v] of fast.grads.entries()) close(v, reference.grads[k], `gradient ${k}`);
  });
}

test("on a silent numeric MARL batch every head's gradients match central differences", async () => {
  const { table, batch } = await silentFixture(10, 8);
  const width = makeMarlEnv("simple_spread_v3").featureSize;
  const policy = new PolicyNetwork(
    { textDim: 8, numericWidth: width, hidden: 8, heads: 2 },
    Rng.fromSeed("silent-gradients"),
  );
  const result = checkGradients(
    (g) => everyHead(g, policy.forward(g, table.matrix(), batch), batch),
    policy.parameters(),
    Rng.fromSeed("grad"),
    { gemm: naiveGemm, eps: 1e-2, atol: 3e-3, rtol: 2e-2 },
  );
  assert.ok(result.ok, result.worst);
});

test("a critic that is never read is never built, and reading one after the graph's reset throws", async () => {
  const { table, batch } = await silentFixture(2, 8);
  const width = makeMarlEnv("simple_spread_v3").featureSize;
  const policy = new PolicyNetwork(
    { textDim: 8, numericWidth: width, hidden: 8, heads: 2 },
    Rng.fromSeed("lazy"),
  );
  const g = new Graph(naiveGemm);
  const out = policy.forward(g, table.matrix(), batch);
  g.backward(sum(g, out.observationValues));
  assert.ok(policy.observationValue.weight.grad.some((v) => v !== 0));
  assert.ok(policy.stateValue.parameters().every((p) => p.grad.every((v) => v === 0)));
  g.reset();
  assert.throws(() => out.stateValues, StateError);
});

test("the default V(s) layout is unchanged: same fingerprint, weights and values as before the joint-observation option", async () => {
  const { table, batch } = await silentFixture(4, 8);
  const width = makeMarlEnv("simple_spread_v3").featureSize;
  const base = { textDim: 8, numericWidth: width, hidden: 8, heads: 2 };
  const plain = new PolicyNetwork(base, Rng.fromSeed("golden"));
  const named = new PolicyNetwork(
    { ...base, stateInput: "team-embedding" },
    Rng.fromSeed("golden"),
  );
  assert.equal(plain.fingerprint, "troupe-policy/v1 text=8 numeric=18 hidden=8 heads=2");
  assert.equal(named.fingerprint, plain.fingerprint);
  assert.deepEqual(
    named.parameters().map((p) => Array.from(p.value)),
    plain.parameters().map((p) => Array.from(p.value)),
  );
  const g = new Graph(naiveGemm, { recordGradients: false });
  // Recorded from the network before the option existed (same seed and batch).
  assert.deepEqual(
    Array.from(plain.forward(g, table.matrix(), batch).stateValues.value),
    [0.08161153644323349, 0.25317659974098206, 0.23255768418312073, 0.05902549624443054],
  );
});

test("the joint-observation V(s) reads every agent's numeric observation of its own team, and only those", async () => {
  const { table, batch } = await silentFixture(3, 8);
  const width = makeMarlEnv("simple_spread_v3").featureSize;
  const policy = new PolicyNetwork(
    {
      textDim: 8,
      numericWidth: width,
      hidden: 8,
      heads: 2,
      stateInput: "joint-observation",
      teamSize: 3,
    },
    Rng.fromSeed("joint"),
  );
  assert.equal(
    policy.fingerprint,
    "troupe-policy/v1 text=8 numeric=18 hidden=8 heads=2 state=joint-observation team=3",
  );
  assert.equal(policy.stateValue.layers[0].inDim, 3 * width);
  const values = (numeric: Float32Array) => {
    const g = new Graph(naiveGemm, { recordGradients: false });
    return Array.from(policy.forward(g, table.matrix(), { ...batch, numeric }).stateValues.value);
  };
  const before = values(batch.numeric);
  for (let agent = 0; agent < 3; agent++) {
    const numeric = Float32Array.from(batch.numeric);
    // Team 1's agent `agent`: its first feature (own velocity) moved.
    numeric[(3 + agent) * width] += 0.5;
    const after = values(numeric);
    assert.equal(after[0], before[0], `team 0 unchanged (agent ${agent})`);
    assert.notEqual(after[1], before[1], `team 1 reads agent ${agent}`);
    assert.equal(after[2], before[2], `team 2 unchanged (agent ${agent})`);
  }
});

test("with the joint-observation V(s) every head's gradients match central differences", async () => {
  const { table, batch } = await silentFixture(6, 8);
  const width = makeMarlEnv("simple_spread_v3").featureSize;
  const policy = new PolicyNetwork(
    {
      textDim: 8,
      numericWidth: width,
      hidden: 8,
      heads: 2,
      stateInput: "joint-observation",
      teamSize: 3,
    },
    Rng.fromSeed("joint-gradients"),
  );
  const result = checkGradients(
    (g) => everyHead(g, policy.forward(g, table.matrix(), batch), batch),
    policy.parameters(),
    Rng.fromSeed("grad"),
    { gemm: naiveGemm, eps: 1e-2, atol: 3e-3, rtol: 2e-2 },
  );
  assert.ok(result.ok, result.worst);
});

test("the joint-observation V(s) refuses text-only networks and teams of another size", async () => {
  const width = makeMarlEnv("simple_spread_v3").featureSize;
  const joint = { textDim: 8, hidden: 8, heads: 2, stateInput: "joint-observation" } as const;
  assert.throws(
    () => new PolicyNetwork({ ...joint, numericWidth: 0, teamSize: 3 }, Rng.fromSeed(1)),
    (e: unknown) => e instanceof ShapeError && /numericWidth/.test(e.message),
  );
  assert.throws(
    () => new PolicyNetwork({ ...joint, numericWidth: width }, Rng.fromSeed(1)),
    (e: unknown) => e instanceof ShapeError && /teamSize/.test(e.message),
  );
  const { table, batch } = await silentFixture(2, 8);
  const policy = new PolicyNetwork({ ...joint, numericWidth: width, teamSize: 4 }, Rng.fromSeed(1));
  const g = new Graph(naiveGemm, { recordGradients: false });
  const out = policy.forward(g, table.matrix(), batch);
  assert.throws(
    () => out.stateValues,
    (e: unknown) => e instanceof ShapeError && /4 agents in team order/.test(e.message),
  );
});
