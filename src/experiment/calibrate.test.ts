/** The calibration run behind the paper preset's projection, and the projection's arithmetic. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { naiveGemm } from "../model/gemm/naive.js";
import { type Calibration, calibrate, projectStudy } from "./calibrate.js";
import { resolveStudyConfig } from "./presets.js";
import { probeSims } from "./probe.js";
import { buildStudyTasks } from "./study-tasks.js";

describe("calibration", () => {
  test("times iterations of the study's first run and a sample of evaluation episodes", async () => {
    const config = resolveStudyConfig("tiny");
    const tasks = buildStudyTasks(config);
    const c = await calibrate(
      {
        config,
        tasks,
        probeSims: probeSims(tasks.validation, config.probeStates, config.suiteSeed),
        gemm: naiveGemm,
        dir: "",
      },
      { iterations: 1, evaluationTasks: 3 },
    );
    assert.equal(c.method, "coordinated");
    assert.equal(c.iterations, 1);
    assert.equal(c.jointSteps, config.envs * config.grid[0].rolloutSteps);
    assert.ok(c.stepsPerSecond > 0 && Number.isFinite(c.stepsPerSecond));
    assert.ok(c.evaluationSecondsPerTask > 0);
    assert.equal(c.validationTasks, tasks.validation.length);
    assert.equal(
      c.testTasks,
      tasks.test.reduce((n, g) => n + g.tasks.length, 0),
    );
  });

  test("the projection adds training, validation points and test evaluation per run", () => {
    const config = resolveStudyConfig("tiny", {
      methods: ["coordinated", "decentralized"],
      seeds: [0, 1],
      grid: [{ learningRate: 1e-3, gamma: 0.99, rolloutSteps: 8 }],
      methodGrids: {},
      budget: 100,
      selectionBudget: 50,
      probeEvery: 25,
    });
    const c: Calibration = {
      method: "coordinated",
      iterations: 3,
      jointSteps: 96,
      trainSeconds: 1,
      stepsPerSecond: 10,
      referenceSecondsPerTask: 0.5,
      evaluationSecondsPerTask: 1,
      validationTasks: 2,
      testTasks: 4,
      seconds: 2,
    };
    const p = projectStudy(config, c);
    assert.equal(p.selectionRuns, 2);
    assert.equal(p.finalRuns, 4);
    // Selection run: 50/10 train + 3 points × 2 tasks × 1 s + 2 × 0.5 refs = 12 s.
    // Reported run: 100/10 + 5 × 2 × 1 + 2 × 0.5 + test 4 × (0.5 + 1) = 27 s.
    assert.equal(p.coreSeconds, 2 * 12 + 4 * 27);
  });
});
