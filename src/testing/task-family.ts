/**
 * The conformance suite every task family passes (`describeTaskFamily`, exported from
 * `troupe/testing`): API shape, masks (every legal action and message of every agent accepted at
 * every step of the sample episodes, illegal ones refused), determinism (observations, masks,
 * rewards and rendered texts), finite rewards, the horizon, reward sums, no future information in
 * `state()`, stored-form round trip and the reference policies.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError, StateError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { ParallelEnv } from "../env/parallel-env.js";
import { pickLegal, runEpisode } from "../env/policies.js";
import { renderText } from "../env/text.js";
import {
  REFERENCE_POLICIES,
  type TaskFamily,
  type TaskHeader,
  type TaskSim,
} from "../env/types.js";

/** Options of {@link describeTaskFamily}. */
export interface TaskFamilySuiteOptions<T extends TaskHeader> {
  /** A few small tasks of the family (3 to 10 agents), ideally with events. */
  readonly tasks: () => readonly T[];
  /** Random steps in the determinism check (default 1,000). */
  readonly determinismSteps?: number;
  /** The determinism check compares rendered texts every this many steps (default 20). */
  readonly determinismTextEvery?: number;
  /**
   * Steps of each sample task's episode in which every legal action and message of every agent is
   * stepped (default 20: the whole episode of a small task, the first 20 steps of a longer one);
   * each try costs a replay from reset.
   */
  readonly legalCheckSteps?: number;
}

/** Fails at the first value that differs (SameValue: NaN equals NaN, 0 and -0 differ). */
function assertSameNumbers(a: readonly number[], b: readonly number[], where: string): void {
  assert.equal(a.length, b.length, `${where}: snapshot lengths differ`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${where}: value ${i} differs, ${a[i]} vs ${b[i]}`);
  }
}

/** Random legal actions and messages for every agent, into the given buffers. */
function randomJoint(sim: TaskSim, rng: Rng, actions: Int32Array, messages: Int32Array): void {
  const am = new Uint8Array(sim.numActions);
  const mm = new Uint8Array(sim.numMessages);
  for (let a = 0; a < sim.numAgents; a++) {
    sim.writeActionMask(a, am, 0);
    sim.writeMessageMask(a, mm, 0);
    actions[a] = pickLegal(am, rng);
    messages[a] = pickLegal(mm, rng);
  }
}

/** Everything an agent observes, flattened, for equality checks. */
function snapshot(sim: TaskSim): number[] {
  const out: number[] = [sim.t, sim.done ? 1 : 0];
  const f = new Float32Array(sim.featureSize);
  const am = new Uint8Array(sim.numActions);
  const mm = new Uint8Array(sim.numMessages);
  for (let a = 0; a < sim.numAgents; a++) {
    sim.writeFeatures(a, f, 0);
    sim.writeActionMask(a, am, 0);
    sim.writeMessageMask(a, mm, 0);
    out.push(...f, ...am, ...mm);
  }
  return out;
}

function stateOf(sim: TaskSim): number[] {
  const s = new Float32Array(sim.stateSize);
  sim.writeState(s, 0);
  return [...s];
}

/** Registers the conformance tests of `family` with node's test runner. */
export function describeTaskFamily<T extends TaskHeader>(
  family: TaskFamily<T>,
  options: TaskFamilySuiteOptions<T>,
): void {
  const steps = options.determinismSteps ?? 1000;
  const textEvery = options.determinismTextEvery ?? 20;
  const legalSteps = options.legalCheckSteps ?? 20;
  describe(`task family "${family.name}" conformance`, () => {
    test("the sample holds at least one task, each of 3 to 10 agents", () => {
      const tasks = options.tasks();
      assert.ok(tasks.length > 0, "pass at least one task in options.tasks");
      for (const task of tasks) {
        const sim = family.createSim(task);
        assert.ok(sim.numAgents >= 3 && sim.numAgents <= 10, `${task.id}: ${sim.numAgents} agents`);
      }
    });

    test("reset gives every agent an observation of the declared sizes with steps left = horizon", () => {
      for (const task of options.tasks()) {
        const env = new ParallelEnv(family.createSim(task));
        const { observations } = env.reset(0);
        assert.deepEqual(env.agents, env.possibleAgents);
        assert.deepEqual(Object.keys(observations), [...env.possibleAgents]);
        for (const obs of Object.values(observations)) {
          assert.equal(obs.features.length, env.sim.featureSize);
          assert.equal(obs.actionMask.length, env.sim.numActions);
          assert.equal(obs.messageMask.length, env.sim.numMessages);
          assert.equal(obs.stepsLeft, env.sim.horizon);
          assert.equal(obs.messageMask[0], 1, "saying nothing (message 0) must always be legal");
          assert.ok(
            obs.actionMask.some((m) => m === 1),
            "at least one action must be legal",
          );
          assert.ok(obs.features.every(Number.isFinite), "features must be finite");
        }
        assert.equal(env.state().length, env.sim.stateSize);
      }
    });

    test("text observations list one candidate text per action and message", () => {
      for (const task of options.tasks()) {
        const env = new ParallelEnv(family.createSim(task));
        const obs = env.reset(0).observations[env.possibleAgents[0]];
        const text = obs.text();
        assert.ok(text.view.length > 0);
        assert.equal(text.actions.length, env.sim.numActions);
        assert.equal(text.messages.length, env.sim.numMessages);
        assert.equal(text.messages[0], "", "message 0 is the silent one");
        assert.ok(
          text.actions.every((a) => a.length > 0),
          "every action candidate needs a text",
        );
        assert.equal(obs.text(), text, "text() must be cached");
      }
    });

    test("a masked-out action is refused with an InputError and leaves the state unchanged", () => {
      const rng = Rng.fromSeed("mask");
      for (const task of options.tasks()) {
        const sim = family.createSim(task);
        const n = sim.numAgents;
        const actions = new Int32Array(n);
        const messages = new Int32Array(n);
        const rewards = new Float64Array(n);
        const mask = new Uint8Array(sim.numActions);
        sim.reset(0);
        while (!sim.done) {
          randomJoint(sim, rng, actions, messages);
          sim.writeActionMask(0, mask, 0);
          const illegal = mask.indexOf(0);
          if (illegal >= 0) {
            const before = [...snapshot(sim), ...stateOf(sim)];
            const legal = actions[0];
            actions[0] = illegal;
            assert.throws(() => sim.step(actions, messages, rewards), InputError);
            assert.deepEqual([...snapshot(sim), ...stateOf(sim)], before);
            actions[0] = legal;
          }
          sim.step(actions, messages, rewards);
        }
        actions.fill(0);
        assert.throws(() => sim.step(actions, messages, rewards), StateError);
      }
    });

    test("every action and message the masks allow is accepted by step, for every agent at every step", () => {
      const rng = Rng.fromSeed("legal");
      for (const task of options.tasks()) {
        const sim = family.createSim(task);
        const n = sim.numAgents;
        const history: [Int32Array, Int32Array][] = [];
        const actions = new Int32Array(n);
        const messages = new Int32Array(n);
        const rewards = new Float64Array(n);
        const am = new Uint8Array(sim.numActions);
        const mm = new Uint8Array(sim.numMessages);
        sim.reset(0);
        while (!sim.done && sim.t < legalSteps) {
          // Every agent's legal actions and messages at this step. Try j gives agent a its
          // (j mod count)-th legal action and message, so every legal choice of every agent is
          // stepped at least once, alongside legal choices of the others (masks are per agent, so
          // any such joint must be accepted), in max-count tries rather than one per choice.
          const legalActions: number[][] = [];
          const legalMessages: number[][] = [];
          for (let a = 0; a < n; a++) {
            sim.writeActionMask(a, am, 0);
            sim.writeMessageMask(a, mm, 0);
            legalActions.push([...am.keys()].filter((k) => am[k] === 1));
            legalMessages.push([...mm.keys()].filter((k) => mm[k] === 1));
          }
          const tries = Math.max(
            ...legalActions.map((l) => l.length),
            ...legalMessages.map((l) => l.length),
          );
          for (let j = 0; j < tries; j++) {
            const tryActions = Int32Array.from(legalActions, (l) => l[j % l.length]);
            const tryMessages = Int32Array.from(legalMessages, (l) => l[j % l.length]);
            const replay = family.createSim(task);
            replay.reset(0);
            for (const [a, m] of history) replay.step(a, m, rewards);
            assert.doesNotThrow(
              () => replay.step(tryActions, tryMessages, rewards),
              `${task.id} step ${sim.t}: actions [${tryActions.join(", ")}], messages [${tryMessages.join(", ")}]`,
            );
          }
          randomJoint(sim, rng, actions, messages);
          for (let agent = 0; agent < n; agent++) {
            sim.writeMessageMask(agent, mm, 0);
            const illegalMessage = mm.indexOf(0);
            if (illegalMessage >= 0) {
              const bad = Int32Array.from(messages);
              bad[agent] = illegalMessage;
              assert.throws(() => sim.step(actions, bad, rewards), InputError);
            }
          }
          history.push([Int32Array.from(actions), Int32Array.from(messages)]);
          sim.step(actions, messages, rewards);
        }
      }
    });

    test(`the same seed gives the same observations, masks, rewards and texts over ${steps} random steps`, () => {
      for (const task of options.tasks()) {
        // Two sims in lock-step, compared at every step (and their texts every textEvery steps).
        const sims = [family.createSim(task), family.createSim(task)];
        const rngs = [Rng.fromSeed(`det/${task.id}`), Rng.fromSeed(`det/${task.id}`)];
        const n = sims[0].numAgents;
        const actions = [new Int32Array(n), new Int32Array(n)];
        const messages = [new Int32Array(n), new Int32Array(n)];
        const rewards = [new Float64Array(n), new Float64Array(n)];
        for (const sim of sims) sim.reset(7);
        for (let s = 0; s < steps; s++) {
          const seen = sims.map((sim, k) => {
            if (sim.done) sim.reset(7);
            randomJoint(sim, rngs[k], actions[k], messages[k]);
            sim.step(actions[k], messages[k], rewards[k]);
            return [...actions[k], ...messages[k], ...rewards[k], ...snapshot(sim)];
          });
          const where = `${task.id}, random step ${s} (episode step ${sims[0].t})`;
          assertSameNumbers(seen[0], seen[1], where);
          if (s % textEvery === 0) {
            for (let agent = 0; agent < n; agent++) {
              assert.deepEqual(
                renderText(sims[0], agent),
                renderText(sims[1], agent),
                `${where}: agent ${agent}'s text`,
              );
            }
          }
        }
      }
    });

    test("rewards are finite, per-agent rewards sum to the team reward, episodes end by the horizon", () => {
      const rng = Rng.fromSeed("horizon");
      for (const task of options.tasks()) {
        const env = new ParallelEnv(family.createSim(task));
        let { observations } = env.reset(0);
        let stepsTaken = 0;
        while (env.agents.length > 0) {
          const joint: Record<string, { action: number; message: number }> = {};
          for (const name of env.agents) {
            const obs = observations[name];
            joint[name] = {
              action: pickLegal(obs.actionMask, rng),
              message: pickLegal(obs.messageMask, rng),
            };
          }
          const result = env.step(joint);
          stepsTaken++;
          const values = Object.values(result.rewards);
          assert.ok(values.every(Number.isFinite), "rewards must be finite");
          const sum = values.reduce((x, y) => x + y, 0);
          for (const info of Object.values(result.infos))
            assert.ok(Math.abs(info.teamReward - sum) < 1e-9);
          assert.ok(
            Object.values(result.truncations).every((t) => !t),
            "the horizon is a termination",
          );
          observations = result.observations;
          assert.ok(stepsTaken <= env.sim.horizon, "episode ran past its horizon");
        }
        assert.ok(env.sim.done);
      }
    });

    test("state() and observations at step t do not depend on events after t", () => {
      const rng = Rng.fromSeed("future");
      for (const task of options.tasks()) {
        const horizon = family.createSim(task).horizon;
        for (const cut of [0, 1, Math.floor(horizon / 3), Math.floor(horizon / 2)]) {
          const full = family.createSim(task);
          const past = family.createSim(family.withoutEventsAfter(task, cut));
          const n = full.numAgents;
          const actions = new Int32Array(n);
          const messages = new Int32Array(n);
          const rewards = new Float64Array(n);
          full.reset(3);
          past.reset(3);
          const stepRng = rng.split(cut);
          while (full.t < cut && !full.done) {
            randomJoint(full, stepRng, actions, messages);
            full.step(actions, messages, rewards);
            past.step(actions, messages, rewards);
          }
          assert.deepEqual(
            stateOf(full),
            stateOf(past),
            `state at step ${full.t} reveals later events`,
          );
          assert.deepEqual(
            snapshot(full),
            snapshot(past),
            `observations at step ${full.t} reveal later events`,
          );
        }
      }
    });

    test("a stored task survives JSON and validation unchanged", () => {
      for (const task of options.tasks()) {
        const stored = JSON.parse(JSON.stringify(task));
        assert.deepEqual(family.validate(stored, "sample.jsonl:1"), stored);
      }
    });

    test("every reference policy plays legal actions to the end, the oracle at least as well as nothing", () => {
      for (const task of options.tasks()) {
        const sim = family.createSim(task);
        const returns = REFERENCE_POLICIES.map((name) =>
          runEpisode(sim, family.policy(name), Rng.fromSeed(`${task.id}/${name}`)),
        );
        assert.ok(returns.every(Number.isFinite));
        assert.ok(returns[0] >= returns[REFERENCE_POLICIES.indexOf("nothing")] - 1e-9);
      }
    });
  });
}
