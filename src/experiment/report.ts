/**
 * report.md and a self-contained report.html (the SVGs inline, Markdown rendered with `marked`)
 * from results.json's content: the protocol as run, a table per metric with the reference policies
 * beside the methods (IQR-trimmed mean ± std, untrimmed mean ± std, IQM with its bootstrap CI),
 * convergence with censoring, the pairwise tests, and the paper's three numbers beside ours.
 */
import { marked } from "marked";
import { RUN_METRICS, type RunMetric, type StudyResults } from "./aggregate.js";
import type { Figure } from "./figures.js";
import type { MeanStd } from "./stats.js";

/** The rendered report. */
export interface Report {
  readonly markdown: string;
  readonly html: string;
}

const METRIC_TITLES: Record<RunMetric, string> = {
  test_score_seen: "Test normalised score, seen strata (higher is better)",
  test_return_seen: "Test team return (raw cumulative reward), seen strata (higher is better)",
  test_score_unseen: "Test normalised score, unseen strata (higher is better)",
  test_return_unseen: "Test team return (raw), unseen strata (higher is better)",
  oscillation_detrended_variance:
    "Policy oscillation: variance of first differences, last half (lower is better)",
  oscillation_raw_variance:
    "Policy oscillation: raw variance of probabilities, last half (lower is better)",
  oscillation_excess_path: "Policy oscillation: excess TV path length (lower is better)",
  oscillation_successive_kl: "KL between successive probe policies (lower is better)",
  convergence_step:
    "Convergence: first step reaching the threshold, censored at the budget (lower is better)",
  settle_step:
    "Convergence (secondary): step after which the curve stays in its final band (lower is better)",
};

const REFERENCE_ROWS: Partial<
  Record<RunMetric, { seen: boolean; key: "meanScore" | "meanReturn" }>
> = {
  test_score_seen: { seen: true, key: "meanScore" },
  test_return_seen: { seen: true, key: "meanReturn" },
  test_score_unseen: { seen: false, key: "meanScore" },
  test_return_unseen: { seen: false, key: "meanReturn" },
};

function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  // Oscillation variances and KLs live around 1e-4–1e-6: fixed decimals would print them all
  // as 0.000, so small non-zero values keep `digits` significant figures instead.
  if (v !== 0 && Math.abs(v) < 0.01) return v.toExponential(digits - 1);
  return v.toFixed(digits);
}

function pm(m: MeanStd): string {
  return `${num(m.mean)} ± ${num(m.std)} (n=${m.n})`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`),
  ].join("\n");
}

/** The Markdown report; images point at figures/NAME.png (or .svg without a PNG). */
export function renderMarkdown(results: StudyResults, figures: readonly Figure[]): string {
  const p = results.protocol;
  const out: string[] = [];
  out.push(
    p.paperBudgets
      ? `> Preset \`paper\`: the full study, ${p.budget} joint environment steps per run.`
      : `> These budgets are not the paper's: preset \`${p.preset}\` runs ${p.budget} joint environment steps per run on a reduced suite (run \`--preset paper\` for the full study).`,
  );
  out.push("", `# Troupe reproduction study (preset \`${p.preset}\`)`, "");
  out.push("## Protocol as run", "");
  out.push(
    `- Methods: ${p.methods.map((m) => `\`${m}\``).join(", ")}; the paper's relative differences are against \`${p.baseline}\`.`,
    `- Suite: generated with seed ${p.suite.seed}, ${p.suite.size} tasks; used ${p.splits.train} train and ${p.splits.validation} validation tasks; test groups: ${p.splits.test.map((g) => `${g.family} ${g.seen ? "seen" : "unseen"} (${g.tasks})`).join(", ")}.`,
    `- Budgets: ${p.budget} joint environment steps per reported run, ${p.selectionBudget} per selection run; probe snapshots and validation points every ${p.probeEvery} joint steps on ${p.probeStates} probe states.`,
    `- Seeds: reported ${p.seeds.join(", ")}; tuning ${p.tuningSeeds.join(", ")} (disjoint).`,
    `- Evaluation: ${p.evaluation} actions, the same for every method, one episode per task from reset seed 0, the evaluation PRNG seeded by the run's seed (identical across methods).`,
    "- Task order: each environment slot draws its tasks and reset seeds from its own stream, split from the run's seed (`tasks/e`) and used for nothing else, so the n-th episode of slot e is the same task and reset seed for every method and config with the same seed and number of environments; only action sampling and mini-batch order differ between methods.",
    `- Convergence threshold: ${num(results.convergence.fraction, 2)} × the best baseline's final smoothed validation score (\`${results.convergence.bestBaseline}\`, ${num(results.convergence.bestBaselineFinal)}) = ${num(results.convergence.threshold)}.`,
    "",
  );
  out.push("### Hyper-parameter selection (raw validation team return per grid point)", "");
  out.push(
    table(
      ["method", ...p.grid.map((_, i) => `point ${i}`), "chosen"],
      p.methods.map((m) => [
        `\`${m}\``,
        ...results.selection[m].scores.map((s) => num(s)),
        Object.entries(p.chosen[m])
          .map(([k, v]) => `${k}=${v}`)
          .join(", "),
      ]),
    ),
    "",
    `Grid: ${p.grid
      .map(
        (g, i) =>
          `point ${i}: ${Object.entries(g)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}`,
      )
      .join("; ")}.`,
    "",
  );
  out.push("## Results", "");
  const removed = p.methods
    .map(
      (m) =>
        `\`${m}\`: ${results.outliers[m].removedSeeds.length} (seeds ${results.outliers[m].removedSeeds.join(", ") || "none"})`,
    )
    .join("; ");
  out.push(
    `Runs removed by the IQR rule (k = 1.5, per method × family on the final test score; a removed run leaves every metric): ${removed}. With 5 seeds a removed run is a stability result.`,
    "",
  );
  for (const metric of RUN_METRICS) {
    out.push(`### ${METRIC_TITLES[metric]}`, "");
    const rows: string[][] = [];
    const ref = REFERENCE_ROWS[metric];
    if (ref !== undefined) {
      for (const [name, value] of Object.entries(results.references)) {
        const v = (ref.seen ? value.seen : value.unseen)[ref.key];
        rows.push([`${name} (reference)`, num(v), num(v), "—"]);
      }
    }
    for (const m of p.methods) {
      const s = results.metrics[m][metric];
      rows.push([
        `\`${m}\``,
        pm(s.trimmed),
        pm(s.untrimmed),
        `${num(s.iqm)} [${num(s.iqmCi.low)}, ${num(s.iqmCi.high)}]`,
      ]);
    }
    out.push(
      table(["method", "mean ± std (IQR-trimmed)", "mean ± std (all runs)", "IQM [95 % CI]"], rows),
      "",
    );
  }
  out.push("### Convergence with censoring", "");
  out.push(
    table(
      ["method", "reached threshold", "Kaplan–Meier median step"],
      p.methods.map((m) => {
        const c = results.convergence.perMethod[m];
        return [`\`${m}\``, `${num(100 * c.reachedFraction, 0)} %`, num(c.kaplanMeierMedian, 0)];
      }),
    ),
    "",
    "`bc` learns from demonstration steps; its steps are not comparable and it is left out of the convergence ratio.",
    "",
  );
  for (const role of ["baseline", "ablation"] as const) {
    const rows = results.comparisons.filter((c) => c.role === role);
    if (rows.length === 0) continue;
    out.push(`## \`${p.methods[0]}\` against each ${role}`, "");
    out.push(
      table(
        [role, "metric", "P(improvement)", "Welch p (Holm)", "Mann–Whitney p (Holm)"],
        rows.map((c) => [
          `\`${c.baseline}\``,
          c.metric,
          num(c.probabilityOfImprovement, 2),
          `${num(c.welchP)} (${num(c.welchHolm)})`,
          `${num(c.mannWhitneyP)} (${num(c.mannWhitneyHolm)})`,
        ]),
      ),
      "",
      `Holm's correction runs over all ${role}s × metrics of each test.`,
      "",
    );
  }
  out.push(`## The paper's numbers beside ours (\`${p.methods[0]}\` vs \`${p.baseline}\`)`, "");
  out.push(
    table(
      [
        "claim",
        "metric",
        "paper",
        "measured 100·(m − m_base)/|m_base|",
        "paired bootstrap 95 % CI",
        "note",
      ],
      results.paper.map((r) => [
        r.claim,
        r.metric,
        `${r.claimed > 0 ? "+" : ""}${r.claimed} %`,
        `${num(r.measured, 1)} %`,
        `[${num(r.ci.low, 1)}, ${num(r.ci.high, 1)}] %`,
        r.baseNearZero ? "|m_base| ≈ 0: the percentage is unstable" : "",
      ]),
    ),
    "",
    "Nothing was tuned toward the paper's numbers; they are shown for comparison only.",
    "",
  );
  out.push("## Figures", "");
  for (const f of figures)
    out.push(
      `![${f.caption}](figures/${f.name}.${f.png ? "png" : "svg"})`,
      "",
      `*${f.caption}*`,
      "",
    );
  return `${out.join("\n")}\n`;
}

/** The Markdown report and the HTML one with every figure's SVG inline. */
export function renderReport(results: StudyResults, figures: readonly Figure[]): Report {
  const markdown = renderMarkdown(results, figures);
  let body = marked.parse(markdown, { async: false });
  for (const f of figures) {
    const image = new RegExp(`<img src="figures/${f.name}\\.(png|svg)"[^>]*>`);
    body = body.replace(image, f.svg);
  }
  const html =
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Troupe reproduction study</title>' +
    "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:980px;margin:2em auto;padding:0 1em}" +
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}" +
    "svg{max-width:100%;height:auto}</style></head><body>\n" +
    body +
    "</body></html>\n";
  return { markdown, html };
}
