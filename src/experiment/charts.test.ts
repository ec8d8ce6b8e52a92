/** The SVG charts: legends, labels and finite coordinates. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { barChart, lineChart } from "./charts.js";

const text = { title: "T <1>", xLabel: "joint environment steps", yLabel: "score" };

describe("charts", () => {
  test("a line chart names every series in its legend and escapes its text", () => {
    const svg = lineChart(text, [
      { name: "a", x: [0, 1, 2], mean: [0, 1, 2], std: [0, 0.5, 0.5] },
      { name: "b", x: [0, 1, 2], mean: [1, 1, 1], std: [0, 0, 0] },
    ]);
    assert.match(svg, /<svg /);
    assert.match(svg, />a<\/text>/);
    assert.match(svg, />b<\/text>/);
    assert.match(svg, /T &lt;1&gt;/);
    assert.doesNotMatch(svg, /NaN/);
  });

  test("a bar chart draws one bar per series and group, skipping missing values", () => {
    const svg = barChart(
      text,
      ["g1", "g2"],
      [
        { name: "a", mean: [1, 2], std: [0.1, 0.1] },
        { name: "b", mean: [0.5, Number.NaN], std: [0, 0] },
      ],
    );
    // Two legend swatches plus three bars.
    assert.equal((svg.match(/<rect /g) ?? []).length, 1 + 2 + 3);
    assert.doesNotMatch(svg, /NaN/);
  });
});
