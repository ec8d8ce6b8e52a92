/** The report's figures: bc's curves are labelled as drawn against demonstration steps. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StudyResults } from "./aggregate.js";
import { buildFigures, stepsSeriesName } from "./figures.js";

const point = (mean: number) => ({ mean, std: 0.1, n: 5 });
const curve = {
  steps: [0, 32, 64],
  validationScore: [point(0), point(0.2), point(0.3)],
  validationReturn: [point(1), point(2), point(3)],
  probeTv: [point(0), point(0.1), point(0.05)],
  rewardChange: [point(0), point(1), point(1)],
};
const results = {
  protocol: { methods: ["coordinated", "bc"] },
  curves: { coordinated: curve, bc: curve },
  breakdowns: { family: {}, teamSize: {} },
} as unknown as StudyResults;

describe("figures", () => {
  test("bc's series and the steps axis say its x is demonstration steps", () => {
    assert.equal(stepsSeriesName("bc"), "bc (x: demonstration steps)");
    assert.equal(stepsSeriesName("coordinated"), "coordinated");
    const figures = buildFigures(results);
    const fig1 = figures.find((f) => f.name === "fig1-cumulative-reward");
    assert.ok(fig1 !== undefined);
    assert.match(fig1.svg, />bc \(x: demonstration steps\)<\/text>/);
    assert.match(fig1.svg, /joint environment steps \(bc: demonstration joint steps\)/);
    const bars = figures.find((f) => f.name === "breakdown-family");
    assert.doesNotMatch(bars?.svg ?? "", /demonstration/);
  });
});
