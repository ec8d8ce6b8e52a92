import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, StateError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { ParallelEnv } from "./parallel-env.js";
import { planningFamily } from "./planning/index.js";
import { SILENT } from "./types.js";

const task = planningFamily.generate(
  {
    id: "pe",
    stratum: "test",
    params: { agents: 3, horizon: 6, dependency: 0.3, coupling: 0.7, view: 0, disruption: 0 },
  },
  Rng.fromSeed(1),
);

function waitAll(
  env: ParallelEnv,
  message = 0,
): Record<string, { action: number; message: number }> {
  return Object.fromEntries(env.possibleAgents.map((name) => [name, { action: 0, message }]));
}

describe("ParallelEnv", () => {
  test("messages sent at one step arrive in every team-mate's inbox and text at the next", () => {
    const env = new ParallelEnv(planningFamily.createSim(task));
    env.reset(0);
    const joint = waitAll(env);
    joint.agent_1 = { action: 0, message: 1 };
    const { observations } = env.step(joint);
    assert.equal(observations.agent_0.inbox[1], 1);
    assert.deepEqual(observations.agent_0.text().inbox, ["agent_1: I am working on S0"]);
    assert.deepEqual(observations.agent_1.text().inbox, [], "an agent does not hear itself");
    assert.equal(observations.agent_1.inbox[1], SILENT, "nor in the structured inbox");
  });

  test("the structured inbox and the text inbox list the same senders for every agent", () => {
    const env = new ParallelEnv(planningFamily.createSim(task));
    env.reset(0);
    const joint = waitAll(env, 1);
    const { observations } = env.step(joint);
    for (const [i, name] of env.possibleAgents.entries()) {
      const obs = observations[name];
      const structured = [...obs.inbox.keys()].filter((from) => obs.inbox[from] !== SILENT);
      const text = obs.text().inbox.map((line) => Number(/^agent_(\d+):/.exec(line)?.[1]));
      assert.deepEqual(structured, text, name);
      assert.ok(!structured.includes(i), `${name} hears itself`);
      assert.equal(structured.length, env.possibleAgents.length - 1);
    }
  });

  test("text() of an observation from before the last step is refused", () => {
    const env = new ParallelEnv(planningFamily.createSim(task));
    const { observations } = env.reset(0);
    env.step(waitAll(env));
    assert.throws(() => observations.agent_0.text(), StateError);
  });

  test("a joint action missing an agent is refused naming it", () => {
    const env = new ParallelEnv(planningFamily.createSim(task));
    env.reset(0);
    const joint = waitAll(env);
    delete (joint as Record<string, unknown>).agent_2;
    assert.throws(
      () => env.step(joint),
      (e: unknown) => e instanceof ConfigError && /agent_2/.test(e.message),
    );
  });

  test("at the horizon every agent terminates, none truncates, and agents empties until reset", () => {
    const env = new ParallelEnv(planningFamily.createSim(task));
    env.reset(0);
    let last = env.step(waitAll(env));
    while (env.agents.length > 0) last = env.step(waitAll(env));
    assert.ok(Object.values(last.terminations).every((t) => t));
    assert.ok(Object.values(last.truncations).every((t) => !t));
    assert.equal(last.infos.agent_0.t, task.params.horizon);
    assert.throws(() => env.step(waitAll(env)), StateError);
    env.reset(0);
    assert.equal(env.agents.length, 3);
  });
});
