/**
 * The learner end to end on small generated tasks (hashing encoder, a fixed number of joint
 * steps): RL methods beat the random policy by a margin on both families, behaviour cloning nears
 * the oracle on fully observed tasks, runs are reproducible bit for bit, a resumed run continues
 * bit for bit, and NaN stops training with the iteration and the key.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CheckpointError, ConfigError, NumericError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { HashingEncoder } from "../encode/hashing.js";
import { blockedGemm } from "../model/gemm/blocked.js";
import { naiveGemm } from "../model/gemm/naive.js";
import { adjustRewards, decompositionFeatures } from "./adjust.js";
import { resolveConfig } from "./config.js";
import { evaluatePolicy } from "./evaluate.js";
import { Learner } from "./learner.js";
import { loadLearnerState, saveLearnerState } from "./state.js";
import { generateTasks, ReferenceScores } from "./tasks.js";

const small = { envs: 8, rolloutSteps: 8, hidden: 32, minibatchTeams: 32, learningRate: 3e-3 };

function learner(
  method: string,
  family: string,
  seed = 1,
  overrides = {},
  dimension = 64,
  horizon = 8,
): Learner {
  return new Learner({
    method,
    config: resolveConfig(method, { ...small, ...overrides }),
    tasks: generateTasks({ family, count: 12, seed: 7, params: { agents: 3, horizon } }),
    encoder: new HashingEncoder({ dimension }),
    gemm: blockedGemm,
    seed,
  });
}

/** Mean normalised score of the random reference policy on the learner's tasks. */
function randomScore(l: Learner): number {
  const tasks = l.options.tasks;
  let total = 0;
  for (let i = 0; i < tasks.length; i++) {
    const r = l.references.returns(i);
    total += l.references.normalised(i, r.random);
  }
  return total / tasks.length;
}

async function sampledScore(l: Learner): Promise<number> {
  const tasks = l.options.tasks;
  const result = await evaluatePolicy(
    l.policy,
    l.table,
    l.options.gemm,
    tasks,
    new ReferenceScores(tasks),
    {
      greedy: false,
      rng: Rng.fromSeed("eval"),
    },
  );
  return result.meanNormalisedScore;
}

/** One trained learner per (method, family), shared by the tests that read it. */
const trainedRuns = new Map<string, Promise<Learner>>();
function trained(method: string, family: string): Promise<Learner> {
  const key = `${method}/${family}`;
  let run = trainedRuns.get(key);
  if (run === undefined) {
    const l = learner(method, family);
    run = l.train(3072).then(() => l);
    trainedRuns.set(key, run);
  }
  return run;
}

for (const method of ["coordinated", "shared-td", "decentralized", "decentralized-individual"]) {
  for (const family of ["planning", "allocation"]) {
    test(`${method} on small ${family} tasks beats the random policy by 0.15 after 3,072 joint steps`, async () => {
      const l = await trained(method, family);
      const score = await sampledScore(l);
      const random = randomScore(l);
      assert.ok(
        score > random + 0.15,
        `${method}: ${score.toFixed(3)} vs random ${random.toFixed(3)}`,
      );
    });
  }
}

for (const family of ["planning", "allocation"]) {
  test(`a shared-td policy trained on 3-agent ${family} tasks beats random by 0.15 on unseen 5-agent tasks`, async () => {
    const l = await trained("shared-td", family);
    const tasks = generateTasks({ family, count: 12, seed: 99, params: { agents: 5, horizon: 8 } });
    const references = new ReferenceScores(tasks);
    const result = await evaluatePolicy(l.policy, l.table, l.options.gemm, tasks, references, {
      greedy: false,
      rng: Rng.fromSeed("eval"),
    });
    let random = 0;
    for (let i = 0; i < tasks.length; i++)
      random += references.normalised(i, references.returns(i).random) / tasks.length;
    assert.ok(
      result.meanNormalisedScore > random + 0.15,
      `${result.meanNormalisedScore.toFixed(3)} vs random ${random.toFixed(3)}`,
    );
  });
}

async function greedyScore(l: Learner): Promise<number> {
  const tasks = l.options.tasks;
  const result = await evaluatePolicy(
    l.policy,
    l.table,
    l.options.gemm,
    tasks,
    new ReferenceScores(tasks),
    { greedy: true, rng: Rng.fromSeed("eval") },
  );
  return result.meanNormalisedScore;
}

test("bc on fully observed small planning tasks comes within 0.25 of the exact oracle", async () => {
  // These tasks (3 agents, horizon 8) are within the exact solver's limits, so the oracle is the
  // centralised optimum: it plans with every team-mate's skills, which no agent sees. The old
  // decentralised heuristic scores 0.939 of it here, so a cloned decentralised policy cannot
  // reach 1; the bar is 0.75 (it was 0.8 against the heuristic oracle, which bc reached at 0.867).
  const score = await greedyScore(await trained("bc", "planning"));
  assert.ok(score > 0.75, `bc scores ${score.toFixed(3)}`);
});

test("bc on small allocation tasks beats random by 0.2; its imitation gap to the oracle is reported", async (t) => {
  // Horizon 13 is just past the allocation oracle's exact limits (horizon ≤ 12), so the
  // demonstrations come from the documented decentralised heuristic, as on every suite task
  // (horizons ≥ 20). Within the limits the oracle is a centralised planner over every agent's
  // stock and site, which a policy reading its own view cannot clone. The heuristic keeps a target
  // site in memory and acts on what it heard earlier; the policy sees only the current view and
  // last step's messages, so an imitation gap remains.
  const l = learner("bc", "allocation", 1, {}, 64, 13);
  await l.train(3072);
  const score = await greedyScore(l);
  const random = randomScore(l);
  t.diagnostic(
    `bc ${score.toFixed(3)}, random ${random.toFixed(3)}, gap ${(1 - score).toFixed(3)}`,
  );
  assert.ok(score > random + 0.2, `bc ${score.toFixed(3)} vs random ${random.toFixed(3)}`);
  assert.ok(1 - score < 0.5, `imitation gap ${(1 - score).toFixed(3)}`);
});

function parameters(l: Learner): number[][] {
  return l.policy.parameters().map((p) => Array.from(p.value));
}

test("two coordinated runs with the same seed are identical bit for bit", async () => {
  const a = learner("coordinated", "planning", 3);
  const b = learner("coordinated", "planning", 3);
  const rowsA = [await a.iterate(), await a.iterate()];
  const rowsB = [await b.iterate(), await b.iterate()];
  assert.deepEqual(parameters(a), parameters(b));
  assert.deepEqual(
    rowsA.map((r) => r["loss/value"]),
    rowsB.map((r) => r["loss/value"]),
  );
});

test("clearing the text table between iterations changes nothing but memory", async () => {
  const kept = learner("coordinated", "allocation", 9);
  const cleared = new Learner({
    ...learner("coordinated", "allocation", 9).options,
    textTableRows: 0,
  });
  for (let i = 0; i < 3; i++) {
    await kept.iterate();
    await cleared.iterate();
  }
  assert.ok(cleared.table.rows < kept.table.rows);
  assert.deepEqual(parameters(cleared), parameters(kept));
});

test("a run resumed from a checkpoint continues bit for bit", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-learner-"));
  try {
    const path = join(dir, "state.ckpt");
    const straight = learner("coordinated", "allocation", 4);
    await straight.iterate();
    await saveLearnerState(path, straight);
    await straight.iterate();
    await straight.iterate();
    const resumed = learner("coordinated", "allocation", 99);
    await loadLearnerState(path, resumed);
    await resumed.iterate();
    await resumed.iterate();
    assert.equal(resumed.iteration, 3);
    assert.equal(resumed.jointSteps, straight.jointSteps);
    assert.deepEqual(parameters(resumed), parameters(straight));
    assert.deepEqual(
      resumed.adam.firstMoments.map((m) => Array.from(m)),
      straight.adam.firstMoments.map((m) => Array.from(m)),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Each slot's (task, reset seed) sequence over `iterations` iterations (episodes that started). */
async function taskSequence(l: Learner, iterations: number): Promise<string[][]> {
  const seen = l.collector.episodeRecords().map((r) => [r]);
  for (let i = 0; i < iterations; i++) {
    await l.iterate();
    l.collector.episodeRecords().forEach((r, e) => {
      if (seen[e].at(-1) !== r) seen[e].push(r);
    });
  }
  return seen.map((records) => records.map((r) => `${r.task}/${r.seed}`));
}

test("every method and config meets the same (task, reset seed) sequence in each slot for one seed", async () => {
  // Different rollout lengths, epochs and mini-batches draw different numbers of random numbers
  // from the run's stream between episodes; the task streams do not see them. Rollouts no longer
  // than an episode (6 steps) see every episode start.
  const make = (method: string, overrides: Record<string, number>) =>
    new Learner({
      method,
      config: resolveConfig(method, { envs: 3, hidden: 16, ...overrides }),
      tasks: generateTasks({
        family: "planning",
        count: 12,
        seed: 7,
        params: { agents: 3, horizon: 6 },
      }),
      encoder: new HashingEncoder({ dimension: 32 }),
      gemm: blockedGemm,
      seed: 21,
    });
  const sequences = [
    await taskSequence(make("coordinated", { rolloutSteps: 1, minibatchTeams: 3, epochs: 4 }), 20),
    await taskSequence(
      make("decentralized", { rolloutSteps: 2, minibatchTeams: 2, epochs: 2 }),
      10,
    ),
    await taskSequence(make("bc", { rolloutSteps: 3, minibatchTeams: 9, epochs: 1 }), 7),
  ];
  const [a] = sequences;
  for (const other of sequences) {
    for (let e = 0; e < a.length; e++) {
      const n = Math.min(a[e].length, other[e].length);
      assert.ok(n >= 4, `slot ${e}: at least three episodes ended (${n})`);
      assert.deepEqual(other[e].slice(0, n), a[e].slice(0, n), `slot ${e}`);
    }
  }
  assert.notDeepEqual(a[0], a[1], "slots draw different tasks");
});

test("a resumed run keeps each slot's task stream and the running reward statistics", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-learner-"));
  try {
    const path = join(dir, "state.ckpt");
    const straight = learner("shared-td", "allocation", 4, { rewardStandardisation: true });
    await straight.iterate();
    await saveLearnerState(path, straight);
    const resumed = learner("shared-td", "allocation", 99, { rewardStandardisation: true });
    await loadLearnerState(path, resumed);
    assert.deepEqual(resumed.collector.taskStreamStates(), straight.collector.taskStreamStates());
    assert.deepEqual(
      [resumed.rewardStats.mean, resumed.rewardStats.variance, resumed.rewardStats.count],
      [straight.rewardStats.mean, straight.rewardStats.variance, straight.rewardStats.count],
    );
    assert.ok(straight.rewardStats.count > 1);
    await straight.iterate();
    await resumed.iterate();
    assert.deepEqual(parameters(resumed), parameters(straight));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A coordinated learner whose 12-step episodes span three 4-step rollouts; ψ pays from the start. */
function spanning(seed: number): Learner {
  const l = new Learner({
    method: "coordinated",
    config: resolveConfig("coordinated", {
      envs: 3,
      rolloutSteps: 4,
      hidden: 16,
      minibatchTeams: 12,
    }),
    tasks: generateTasks({
      family: "planning",
      count: 6,
      seed: 7,
      params: { agents: 3, horizon: 12 },
    }),
    encoder: new HashingEncoder({ dimension: 32 }),
    gemm: blockedGemm,
    seed,
  });
  if (l.redistributor !== null) {
    l.redistributor.minEpisodes = 0;
    l.redistributor.minFit = Number.NEGATIVE_INFINITY;
  }
  return l;
}

test("coordinated redistributes episodes longer than a rollout: applied, exact per finished episode, prefix-only", async () => {
  const a = spanning(31);
  const b = spanning(31);
  const context = (l: Learner) => ({
    policy: l.policy,
    table: l.table,
    gemm: l.options.gemm,
    redistribution: l.redistributor,
  });
  const raw = [0, 0, 0];
  const paid = [0, 0, 0];
  let finished = 0;
  const fractions: number[] = [];
  for (let k = 0; k < 7; k++) {
    const ra = await a.collector.collect(a.policy, a.options.gemm, 4, a.rng);
    const rb = await b.collector.collect(b.policy, b.options.gemm, 4, b.rng);
    if (k === 6) {
      // The same rollout with everything from step 2 on changed (features, rewards, so the
      // returns): r̃ of steps 0 and 1 must not move.
      const features = decompositionFeatures(rb.batch, b.table);
      const teamRewards = Float32Array.from(rb.teamRewards);
      const f = features.length / 12;
      for (let j = 2 * 3; j < 12; j++) {
        teamRewards[j] += 5;
        for (let x = j * f; x < (j + 1) * f; x++) features[x] = -features[x] + 0.5;
      }
      const changed = b.redistributor?.apply(
        { steps: 4, envs: 3, teamRewards, terminated: rb.terminated, features },
        b.config.epochs,
      );
      const kept = adjustRewards(ra, a.config, context(a)).team;
      assert.deepEqual(changed?.team.subarray(0, 6), kept.subarray(0, 6));
      assert.notDeepEqual(changed?.team.subarray(6), kept.subarray(6));
      break;
    }
    const adjusted = adjustRewards(ra, a.config, context(a));
    assert.deepEqual(adjustRewards(rb, b.config, context(b)).team, adjusted.team);
    fractions.push(adjusted.redistributedFraction);
    for (let j = 0; j < 12; j++) {
      const e = j % 3;
      raw[e] += ra.teamRewards[j];
      paid[e] += adjusted.team[j];
      if (ra.terminated[j] === 1) {
        finished++;
        const ulp =
          2 ** (Math.floor(Math.log2(Math.max(Math.abs(adjusted.team[j]), 2 ** -126))) - 23);
        assert.ok(Math.abs(paid[e] - raw[e]) <= ulp / 2, `slot ${e}: ${paid[e]} vs ${raw[e]}`);
        raw[e] = 0;
        paid[e] = 0;
      }
    }
  }
  assert.equal(finished, 6, "two 12-step episodes per slot, each over three rollouts");
  assert.deepEqual(
    fractions,
    [1, 1, 1, 1, 1, 1],
    "every step was paid ψ or its episode's remainder",
  );
});

test("a coordinated run resumed mid-episode continues bit for bit (redistributor state saved)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-learner-"));
  try {
    const path = join(dir, "state.ckpt");
    const straight = spanning(5);
    for (let i = 0; i < 4; i++) await straight.iterate();
    await saveLearnerState(path, straight);
    const rows = [await straight.iterate(), await straight.iterate()];
    const resumed = spanning(77);
    await loadLearnerState(path, resumed);
    const resumedRows = [await resumed.iterate(), await resumed.iterate()];
    assert.deepEqual(parameters(resumed), parameters(straight));
    assert.deepEqual(
      resumed.decomposition?.parameters().map((p) => Array.from(p.value)),
      straight.decomposition?.parameters().map((p) => Array.from(p.value)),
    );
    const strip = (r: Record<string, number>) => {
      const { "budget/wall_seconds": _w, ...rest } = r;
      return rest;
    };
    assert.deepEqual(resumedRows.map(strip), rows.map(strip));
    assert.equal(rows[0]["credit/redistributed_fraction"], 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a checkpoint from another encoder is refused and changes nothing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-learner-"));
  try {
    const path = join(dir, "state.ckpt");
    await saveLearnerState(path, learner("shared-td", "planning", 5, {}, 64));
    const other = learner("shared-td", "planning", 6, {}, 32);
    const before = parameters(other);
    await assert.rejects(loadLearnerState(path, other), CheckpointError);
    assert.deepEqual(parameters(other), before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a checkpoint from another backend or architecture is refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-learner-"));
  try {
    const path = join(dir, "state.ckpt");
    await saveLearnerState(path, learner("shared-td", "planning", 5));
    const otherBackend = new Learner({
      ...learner("shared-td", "planning", 5).options,
      gemm: naiveGemm,
    });
    await assert.rejects(
      loadLearnerState(path, otherBackend),
      (e: unknown) => e instanceof CheckpointError && /backend=blocked/.test(e.message),
    );
    const wider = learner("shared-td", "planning", 5, { hidden: 48 });
    await assert.rejects(loadLearnerState(path, wider), CheckpointError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("NaN in the critic stops training with a NumericError naming the iteration and the key", async () => {
  const l = learner("shared-td", "planning", 8);
  l.policy.stateValue.layers[1].bias?.value.fill(Number.NaN);
  await assert.rejects(
    l.iterate(),
    (e: unknown) =>
      e instanceof NumericError &&
      e.input === "iteration 1: loss/value" &&
      /is not finite \(training stopped\).*got NaN/.test(e.message),
  );
  assert.equal(l.iteration, 0, "the failed iteration is not counted");
});

test("the return decomposition's size and Adam steps are recorded apart from the policy's", async () => {
  const withPsi = await learner("coordinated", "planning").iterate();
  const without = await learner("shared-td", "planning").iterate();
  assert.ok(withPsi["budget/auxiliary_parameters"] > 0);
  assert.ok(withPsi["budget/auxiliary_updates"] > 0);
  assert.equal(without["budget/auxiliary_parameters"], 0);
  assert.equal(without["budget/auxiliary_updates"], 0);
  assert.equal(withPsi["budget/parameters"], without["budget/parameters"]);
});

test("ψ's warm-up thresholds come from the config; out of range they are ConfigErrors", () => {
  const l = learner("coordinated", "planning", 1, {
    redistributionMinEpisodes: 3,
    redistributionMinFit: 0.25,
  });
  assert.ok(l.redistributor !== null);
  assert.equal(l.redistributor.minEpisodes, 3);
  assert.equal(l.redistributor.minFit, 0.25);
  const defaults = learner("coordinated", "planning");
  assert.equal(defaults.redistributor?.minEpisodes, 8);
  assert.equal(defaults.redistributor?.minFit, 0.5);
  assert.throws(
    () => resolveConfig("coordinated", { redistributionMinFit: 2 }),
    (e: unknown) => e instanceof ConfigError && /redistributionMinFit/.test(e.message),
  );
});
