import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../core/prng.js";
import { taskFamilies } from "./families.js";
import { runEpisode } from "./policies.js";
import { generateSuite, SPLITS } from "./suite.js";
import type { TeamPolicy } from "./types.js";
import { VectorEnv } from "./vector-env.js";

const suite = generateSuite(9, 28);
const tasks = SPLITS.flatMap((s) => suite.splits[s]).slice(0, 7);

/** Runs the oracle in every slot until `episodes` have finished; returns each stream index's return. */
function runOracle(env: VectorEnv, episodes: number): Map<number, number> {
  const returns = new Map<number, number>();
  const policies: TeamPolicy[] = [];
  const owner = new Int32Array(env.batch).fill(-1);
  const rng = Rng.fromSeed(0);
  let finished = 0;
  while (finished < episodes) {
    for (let i = 0; i < env.batch; i++) {
      const sim = env.sims[i];
      if (owner[i] !== env.slotTask(i)) {
        owner[i] = env.slotTask(i);
        policies[i] = taskFamilies
          .get(env.tasks[owner[i] % env.tasks.length].family)!
          .policy("oracle");
        policies[i].reset(sim);
      }
      const from = i * env.maxAgents;
      policies[i].act(
        sim,
        rng,
        env.actions.subarray(from, from + sim.numAgents),
        env.messages.subarray(from, from + sim.numAgents),
      );
    }
    const stepping = Array.from({ length: env.batch }, (_, i) => env.slotTask(i));
    env.step();
    for (let i = 0; i < env.batch; i++) {
      let team = 0;
      for (let a = 0; a < env.maxAgents; a++) team += env.rewards[i * env.maxAgents + a];
      returns.set(stepping[i], (returns.get(stepping[i]) ?? 0) + team);
      if (env.dones[i] === 1) finished++;
    }
  }
  return returns;
}

describe("VectorEnv", () => {
  test("stepping tasks in lock-step gives each task the return it gets alone", () => {
    const env = new VectorEnv(tasks, { batch: 3 });
    const returns = runOracle(env, tasks.length);
    for (let k = 0; k < tasks.length; k++) {
      const family = taskFamilies.get(tasks[k].family)!;
      const alone = runEpisode(
        family.createSim(tasks[k]),
        family.policy("oracle"),
        Rng.fromSeed(0),
      );
      assert.ok(
        Math.abs((returns.get(k) ?? Number.NaN) - alone) < 1e-9,
        `${tasks[k].id}: ${returns.get(k)} vs ${alone}`,
      );
    }
  });

  test("a restored position continues the task stream where it was saved", () => {
    const a = new VectorEnv(tasks, { batch: 3 });
    runOracle(a, 4);
    const saved = a.position();
    const b = new VectorEnv(tasks, { batch: 3 });
    b.restore(JSON.parse(JSON.stringify(saved)));
    a.restore(saved);
    assert.deepEqual(b.position(), saved);
    assert.deepEqual(runOracle(b, 5), runOracle(a, 5));
  });

  test("a position saved with another batch size is refused", () => {
    const env = new VectorEnv(tasks, { batch: 3 });
    assert.throws(
      () => env.restore({ next: 3, slots: [0, 1], episodes: 0 }),
      /saved with another batch size/,
    );
  });
});

describe("VectorEnv text", () => {
  test("text is rendered on request, cached within a step and fresh after it", () => {
    const env = new VectorEnv(tasks, { batch: 2 });
    const first = env.text(0, 0);
    assert.equal(
      env.text(0, 0),
      first,
      "a second request in the same step is served from the cache",
    );
    assert.equal(first.stepsLeft, env.sims[0].horizon);
    env.step();
    const next = env.text(0, 0);
    assert.notEqual(next, first);
    assert.equal(next.stepsLeft, env.sims[0].horizon - env.sims[0].t);
    assert.throws(() => env.text(5, 0), /out of range/);
  });
});

describe("VectorEnv batched reads", () => {
  test("masks, features and states land at each slot's stride and match the slot's own sim", () => {
    const env = new VectorEnv(tasks, { batch: 3 });
    const actionMasks = new Uint8Array(env.batch * env.maxAgents * env.maxActions);
    const messageMasks = new Uint8Array(env.batch * env.maxAgents * env.maxMessages);
    const features = new Float32Array(env.batch * env.maxAgents * env.maxFeatures);
    const states = new Float32Array(env.batch * env.maxState);
    env.writeActionMasks(actionMasks);
    env.writeMessageMasks(messageMasks);
    env.writeFeatures(features);
    env.writeStates(states);
    const slot = 2;
    const sim = env.sims[slot];
    const agent = sim.numAgents - 1;
    const row = slot * env.maxAgents + agent;
    const own = new Float32Array(sim.featureSize);
    sim.writeFeatures(agent, own, 0);
    assert.deepEqual(
      features.subarray(row * env.maxFeatures, row * env.maxFeatures + sim.featureSize),
      own,
    );
    const mask = new Uint8Array(sim.numActions);
    sim.writeActionMask(agent, mask, 0);
    assert.deepEqual(
      actionMasks.subarray(row * env.maxActions, row * env.maxActions + sim.numActions),
      mask,
    );
    assert.equal(messageMasks[row * env.maxMessages], 1, "silence is legal");
    const state = new Float32Array(sim.stateSize);
    sim.writeState(state, 0);
    assert.deepEqual(
      states.subarray(slot * env.maxState, slot * env.maxState + sim.stateSize),
      state,
    );
  });
});
