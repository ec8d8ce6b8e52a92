/** Per-agent advantage normalisation: per-group statistics, padding, scale invariance, bad input. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NumericError, ShapeError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { groupsOfColumns, normalizeAdvantagesPerGroup } from "./normalize.js";

function meanAndStd(values: number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return [mean, Math.sqrt(variance)];
}

test("each agent's advantages come out with mean 0 and standard deviation 1 whatever the agent's scale", () => {
  const rng = Rng.fromSeed("normalize");
  const steps = 50;
  const agentOfColumn = Int32Array.from([0, 1, 2, 0, 1, 2]);
  const scales = [1, 100, 0.01];
  const advantages = new Float32Array(steps * agentOfColumn.length);
  for (let i = 0; i < advantages.length; i++) {
    const agent = agentOfColumn[i % agentOfColumn.length];
    advantages[i] = scales[agent] * (rng.float() * 2 - 1) + 5 * agent;
  }
  const groupOf = groupsOfColumns(steps, agentOfColumn);
  normalizeAdvantagesPerGroup(advantages, { groupOf, groups: 3 });
  for (let agent = 0; agent < 3; agent++) {
    const mine = Array.from(advantages).filter((_, i) => groupOf[i] === agent);
    const [mean, std] = meanAndStd(mine);
    assert.ok(Math.abs(mean) < 1e-5, `agent ${agent} mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 1e-4, `agent ${agent} std ${std}`);
  }
});

test("per-agent normalisation differs from one batch-wide normalisation when agents' scales differ", () => {
  const advantages = Float32Array.from([1, -1, 100, -100]);
  const groupOf = Int32Array.from([0, 0, 1, 1]);
  const perAgent = advantages.slice();
  normalizeAdvantagesPerGroup(perAgent, { groupOf, groups: 2 });
  const batch = advantages.slice();
  normalizeAdvantagesPerGroup(batch, { groupOf: new Int32Array(4), groups: 1 });
  assert.ok(Math.abs(perAgent[0] - 1) < 1e-6 && Math.abs(perAgent[2] - 1) < 1e-6);
  assert.ok(batch[0] < 0.05);
});

test("padding entries (group −1) are left unchanged and excluded from the statistics", () => {
  const advantages = Float32Array.from([2, 4, 1000]);
  const stats = normalizeAdvantagesPerGroup(advantages, {
    groupOf: Int32Array.from([0, 0, -1]),
    groups: 1,
  });
  assert.equal(advantages[2], 1000);
  assert.equal(stats.means[0], 3);
  assert.equal(stats.counts[0], 2);
});

test("center: false scales without shifting", () => {
  const advantages = Float32Array.from([1, 3]);
  normalizeAdvantagesPerGroup(advantages, {
    groupOf: new Int32Array(2),
    groups: 1,
    center: false,
    epsilon: 0,
  });
  assert.deepEqual(Array.from(advantages), [1, 3]);
});

test("a group index out of range is a ShapeError naming groupOf", () => {
  assert.throws(
    () =>
      normalizeAdvantagesPerGroup(Float32Array.from([1]), {
        groupOf: Int32Array.from([3]),
        groups: 2,
      }),
    (e: unknown) => e instanceof ShapeError && /groupOf\[0\]/.test(e.message),
  );
});

test("a NaN advantage is a NumericError naming its index", () => {
  assert.throws(
    () =>
      normalizeAdvantagesPerGroup(Float32Array.from([1, Number.NaN]), {
        groupOf: new Int32Array(2),
        groups: 1,
      }),
    (e: unknown) => e instanceof NumericError && /advantages\[1\]/.test(e.message),
  );
});
