/**
 * The report's figures, written as SVG and PNG into figures/: Figure 1 (validation team return vs
 * joint environment steps, mean ± std per method; bc's x is demonstration steps), Figure 2 (reward stability: the change of the
 * validation return between successive curve points), the oscillation curve (total variation
 * between successive probe snapshots), and the per-family and per-team-size test breakdowns. PNGs
 * come from @resvg/resvg-js with the DejaVu Sans font file named explicitly (no system lookup).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { atomicWriteFile, type FileSystem } from "../core/fs.js";
import type { StudyResults } from "./aggregate.js";
import { barChart, type LineSeries, lineChart } from "./charts.js";
import type { MeanStd } from "./stats.js";

/** The font file the PNGs are rendered with (Debian/Ubuntu package fonts-dejavu-core). */
export const FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/** One written figure. */
export interface Figure {
  readonly name: string;
  readonly caption: string;
  readonly svg: string;
  readonly png: boolean;
}

/**
 * The legend name of `method` on a steps axis: `bc` learns from the oracle's demonstrations, so its
 * x is demonstration joint steps, not environment steps of its own policy.
 */
export function stepsSeriesName(method: string): string {
  return method === "bc" ? "bc (x: demonstration steps)" : method;
}

/** One line per method; `fromSecond` drops the first point (a change needs a predecessor). */
function seriesOf(
  results: StudyResults,
  pick: (curve: StudyResults["curves"][string]) => readonly MeanStd[],
  fromSecond = false,
): LineSeries[] {
  return results.protocol.methods.map((method) => {
    const curve = results.curves[method];
    const start = fromSecond ? 1 : 0;
    const points = pick(curve).slice(start);
    return {
      name: stepsSeriesName(method),
      x: curve.steps.slice(start, start + points.length),
      mean: points.map((p) => p.mean),
      std: points.map((p) => p.std),
    };
  });
}

function breakdown(
  results: StudyResults,
  table: StudyResults["breakdowns"]["family"],
  title: string,
  xLabel: string,
): string {
  const methods = results.protocol.methods;
  const groups = [...new Set(methods.flatMap((m) => Object.keys(table[m] ?? {})))];
  return barChart(
    { title, xLabel, yLabel: "test normalised score (oracle 1, nothing 0)" },
    groups,
    methods.map((m) => ({
      name: m,
      mean: groups.map((g) => table[m]?.[g]?.mean ?? Number.NaN),
      std: groups.map((g) => table[m]?.[g]?.std ?? 0),
    })),
  );
}

/** Builds every figure of `results`. */
export function buildFigures(results: StudyResults): Omit<Figure, "png">[] {
  const steps = results.protocol.methods.includes("bc")
    ? "joint environment steps (bc: demonstration joint steps)"
    : "joint environment steps";
  return [
    {
      name: "fig1-cumulative-reward",
      caption:
        "Figure 1: team return per validation episode during training (mean ± std over seeds)",
      svg: lineChart(
        {
          title: "Figure 1: cumulative team reward during training",
          xLabel: steps,
          yLabel: "validation team return (raw)",
        },
        seriesOf(results, (c) => c.validationReturn),
      ),
    },
    {
      name: "fig2-reward-stability",
      caption:
        "Figure 2: reward stability, |Δ validation return| between successive points (mean ± std)",
      svg: lineChart(
        {
          title: "Figure 2: reward stability across training",
          xLabel: steps,
          yLabel: "|Δ validation team return|",
        },
        seriesOf(results, (c) => c.rewardChange, true),
      ),
    },
    {
      name: "oscillation",
      caption: "Oscillation curve: mean total variation between successive probe-set policies",
      svg: lineChart(
        {
          title: "Policy change on the probe set",
          xLabel: steps,
          yLabel: "TV(πₖ, πₖ₋₁), mean over probe states",
        },
        seriesOf(results, (c) => c.probeTv, true),
      ),
    },
    {
      name: "validation-score",
      caption: "Validation normalised score during training (mean ± std)",
      svg: lineChart(
        {
          title: "Validation normalised score",
          xLabel: steps,
          yLabel: "normalised score (oracle 1, nothing 0)",
        },
        seriesOf(results, (c) => c.validationScore),
      ),
    },
    {
      name: "breakdown-family",
      caption: "Test score per family and seen/unseen strata (mean ± std over seeds)",
      svg: breakdown(
        results,
        results.breakdowns.family,
        "Test score per family",
        "family (strata)",
      ),
    },
    {
      name: "breakdown-team-size",
      caption: "Test score per team size (mean ± std over seeds)",
      svg: breakdown(
        results,
        results.breakdowns.teamSize,
        "Test score per team size",
        "agents in the team",
      ),
    },
  ];
}

/** Writes every figure as SVG, and as PNG when the font file is present; returns them. */
export async function writeFigures(
  dir: string,
  results: StudyResults,
  fs?: FileSystem,
): Promise<Figure[]> {
  const havePngFont = existsSync(FONT_FILE);
  const out: Figure[] = [];
  for (const figure of buildFigures(results)) {
    await atomicWriteFile(join(dir, `${figure.name}.svg`), figure.svg, fs);
    if (havePngFont) {
      const png = new Resvg(figure.svg, {
        font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
        fitTo: { mode: "zoom", value: 2 },
      })
        .render()
        .asPng();
      await atomicWriteFile(join(dir, `${figure.name}.png`), png, fs);
    }
    out.push({ ...figure, png: havePngFont });
  }
  return out;
}
