/** The learner config and the method presets: validation errors, and presets as data on one learner. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../core/errors.js";
import { LearnerConfigSchema, METHOD_PRESETS, resolveConfig } from "./config.js";

test("coordinated with its three terms off resolves to exactly shared-td", () => {
  const off = resolveConfig("coordinated", {
    temporalRedistribution: false,
    agentCredit: false,
    shaping: "none",
  });
  assert.deepEqual(off, resolveConfig("shared-td"));
});

test("every preset's resolved config differs from the defaults only in the fields it names", () => {
  const defaults = LearnerConfigSchema.parse({});
  for (const [name, preset] of METHOD_PRESETS) {
    const resolved = resolveConfig(name) as Record<string, unknown>;
    for (const [field, value] of Object.entries(defaults)) {
      if (field in preset.fields) continue;
      assert.deepEqual(resolved[field], value, `${name} changes ${field} without naming it`);
    }
  }
});

test("an unknown method throws a ConfigError that lists the known ones", () => {
  assert.throws(
    () => resolveConfig("ppo-magic"),
    (e: unknown) => e instanceof ConfigError && /shared-td/.test(e.message),
  );
});

test("a discount outside (0, 1] throws a ConfigError naming gamma", () => {
  for (const gamma of [0, 1.5]) {
    assert.throws(
      () => resolveConfig("shared-td", { gamma }),
      (e: unknown) => e instanceof ConfigError && /gamma/.test(e.message),
    );
  }
});

test("a negative learning rate throws a ConfigError naming learningRate", () => {
  assert.throws(
    () => resolveConfig("decentralized", { learningRate: -1e-3 }),
    (e: unknown) => e instanceof ConfigError && /learningRate/.test(e.message),
  );
});

test("a mini-batch larger than the rollout throws a ConfigError naming minibatchTeams", () => {
  assert.throws(
    () => resolveConfig("shared-td", { envs: 2, rolloutSteps: 4, minibatchTeams: 9 }),
    (e: unknown) => e instanceof ConfigError && /minibatchTeams/.test(e.message),
  );
});
