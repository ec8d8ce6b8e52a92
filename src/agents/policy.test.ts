/** The shared policy network: distributions over masked candidates, any team size, gradients, inbox counterfactuals. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import { planningFamily } from "../env/planning/index.js";
import type { TaskSim } from "../env/types.js";
import { naiveGemm } from "../model/gemm/naive.js";
import { checkGradients } from "../model/gradcheck.js";
import { Graph } from "../model/graph.js";
import { add, sum } from "../model/ops/dense.js";
import { BatchBuilder, type PolicyBatch, selectTeams } from "./batch.js";
import { inboxWithout, PolicyNetwork, sampleCandidate } from "./policy.js";
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
