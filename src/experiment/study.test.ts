/** The study's plan: selection and reported runs, and the choice of grid point per method. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resolveStudyConfig } from "./presets.js";
import type { RunResult } from "./run.js";
import { choosePoints, finalSpecs, selectionSpecs } from "./study.js";

const config = resolveStudyConfig("quick");

describe("study plan", () => {
  test("every method gets the same number of selection runs, on tuning seeds only", () => {
    const specs = selectionSpecs(config);
    for (const method of config.methods) {
      const own = specs.filter((s) => s.method === method);
      assert.equal(own.length, config.grid.length * config.tuningSeeds.length);
      for (const s of own)
        assert.ok(config.tuningSeeds.includes(s.seed) && !config.seeds.includes(s.seed));
    }
  });

  test("the paper preset compares every ablation on the same grid size", () => {
    const paper = resolveStudyConfig("paper");
    for (const method of [
      "coordinated-no-redistribution",
      "coordinated-no-credit",
      "coordinated-no-shaping",
      "coordinated-paper-reweight",
      "coordinated-influence-bonus",
      "difference-rewards-privileged",
    ]) {
      assert.ok(paper.methods.includes(method), method);
    }
    const specs = selectionSpecs(paper);
    for (const method of paper.methods) {
      assert.equal(
        specs.filter((s) => s.method === method).length,
        paper.grid.length * paper.tuningSeeds.length,
      );
    }
    for (const points of Object.values(paper.methodGrids)) {
      assert.equal(points.length, paper.grid.length);
    }
  });

  test("run ids are unique", () => {
    const chosen = Object.fromEntries(config.methods.map((m) => [m, { chosen: 0 }]));
    const ids = [...selectionSpecs(config), ...finalSpecs(config, chosen)].map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  test("the chosen point has the best mean raw validation return, the lower index on ties", () => {
    const result = (method: string, point: number, value: number) =>
      ({ spec: { method, point }, validation: { meanTeamReturn: value } }) as unknown as RunResult;
    const small = resolveStudyConfig("tiny");
    const chosen = choosePoints(small, [
      result("coordinated", 0, 1),
      result("coordinated", 1, 3),
      result("shared-td", 0, 2),
      result("shared-td", 1, 2),
      result("decentralized", 0, 5),
      result("decentralized", 1, -1),
      result("bc", 0, 0),
      result("bc", 1, 0),
    ]);
    assert.deepEqual(chosen.coordinated, { scores: [1, 3], chosen: 1 });
    assert.equal(chosen["shared-td"].chosen, 0);
    assert.equal(chosen.decentralized.chosen, 0);
  });

  test("reported runs use every reported seed per method at the method's chosen point", () => {
    const chosen = Object.fromEntries(
      config.methods.map((m, i) => [m, { chosen: i % config.grid.length }]),
    );
    const finals = finalSpecs(config, chosen);
    assert.equal(finals.length, config.methods.length * config.seeds.length);
    for (const s of finals) {
      assert.equal(s.point, chosen[s.method].chosen);
      assert.equal(s.budget, config.budget);
    }
  });
});
