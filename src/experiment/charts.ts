/**
 * Small SVG charts for the report, drawn with d3-scale (axes, ticks, colours) and d3-shape (lines
 * and bands): a line chart with a mean ± std band per series, and a grouped bar chart with error
 * bars. Plain strings, no DOM; fonts are named "DejaVu Sans" so the PNG renderer can use the
 * bundled font file.
 */
import { scaleBand, scaleLinear } from "d3-scale";
import { area, line } from "d3-shape";

/** One series of a line chart. */
export interface LineSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** One series of a bar chart: a value and error per group. */
export interface BarSeries {
  readonly name: string;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Axis labels and title. */
export interface ChartText {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
}

const WIDTH = 840;
const HEIGHT = 420;
const MARGIN = { top: 40, right: 310, bottom: 56, left: 72 };
const PALETTE = [
  "#1b6ca8",
  "#d1495b",
  "#2e8b57",
  "#edae49",
  "#6a4c93",
  "#00798c",
  "#8d6e63",
  "#555555",
  "#c2185b",
  "#7cb342",
  "#3949ab",
  "#e65100",
];
const FONT = 'font-family="DejaVu Sans" font-size="12"';

/** The colour of series `i` (the same method keeps its colour across figures). */
export function colourOf(i: number): string {
  return PALETTE[i % PALETTE.length];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toFixed(2)).toString() : "0";
}

function frame(text: ChartText, body: string, legend: readonly string[]): string {
  const legendItems = legend
    .map(
      (name, i) =>
        `<rect x="${WIDTH - MARGIN.right + 16}" y="${MARGIN.top + i * 20}" width="14" height="10" fill="${colourOf(i)}"/>` +
        `<text x="${WIDTH - MARGIN.right + 36}" y="${MARGIN.top + i * 20 + 10}" ${FONT}>${escapeXml(name)}</text>`,
    )
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">` +
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>` +
    `<text x="${MARGIN.left}" y="24" font-family="DejaVu Sans" font-size="15" font-weight="bold">${escapeXml(text.title)}</text>` +
    body +
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle" ${FONT}>${escapeXml(text.xLabel)}</text>` +
    `<text transform="translate(18 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(text.yLabel)}</text>` +
    legendItems +
    "</svg>\n"
  );
}

function yAxis(y: ReturnType<typeof scaleLinear<number, number>>): string {
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  return y
    .ticks(6)
    .map(
      (t) =>
        `<line x1="${x0}" x2="${x1}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#e3e3e3"/>` +
        `<text x="${x0 - 6}" y="${fmt(y(t) + 4)}" text-anchor="end" ${FONT}>${y.tickFormat(6)(t)}</text>`,
    )
    .join("");
}

function extent(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  return [lo, hi];
}

/** A line chart: each series' mean as a line over a shaded ± std band. */
export function lineChart(text: ChartText, series: readonly LineSeries[]): string {
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => s.mean.flatMap((m, i) => [m - s.std[i], m + s.std[i]]));
  const x = scaleLinear()
    .domain(extent(xs))
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  const y = scaleLinear()
    .domain(extent(ys))
    .nice()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const xAxis = x
    .ticks(6)
    .map(
      (t) =>
        `<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom + 5}" stroke="#333"/>` +
        `<text x="${fmt(x(t))}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle" ${FONT}>${x.tickFormat(6)(t)}</text>`,
    )
    .join("");
  const body = series
    .map((s, i) => {
      const points = s.x.map((xv, k) => ({ x: xv, m: s.mean[k], sd: s.std[k] }));
      const band = area<(typeof points)[number]>()
        .x((p) => x(p.x))
        .y0((p) => y(p.m - p.sd))
        .y1((p) => y(p.m + p.sd))(points);
      const path = line<(typeof points)[number]>()
        .x((p) => x(p.x))
        .y((p) => y(p.m))(points);
      return (
        `<path d="${band ?? ""}" fill="${colourOf(i)}" fill-opacity="0.15"/>` +
        `<path d="${path ?? ""}" fill="none" stroke="${colourOf(i)}" stroke-width="2"/>`
      );
    })
    .join("");
  const axes =
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>` +
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`;
  return frame(
    text,
    yAxis(y) + axes + xAxis + body,
    series.map((s) => s.name),
  );
}

/** A grouped bar chart: one group per label, one bar per series, ± std error bars. */
export function barChart(
  text: ChartText,
  groups: readonly string[],
  series: readonly BarSeries[],
): string {
  const ys = series.flatMap((s) => s.mean.flatMap((m, i) => [m - s.std[i], m + s.std[i], 0]));
  const y = scaleLinear()
    .domain(extent(ys))
    .nice()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const outer = scaleBand<string>()
    .domain(groups)
    .range([MARGIN.left, WIDTH - MARGIN.right])
    .padding(0.2);
  const inner = scaleBand<string>()
    .domain(series.map((s) => s.name))
    .range([0, outer.bandwidth()])
    .padding(0.08);
  const bars = series
    .map((s, i) =>
      groups
        .map((g, k) => {
          const m = s.mean[k];
          if (!Number.isFinite(m)) return "";
          const x0 = (outer(g) ?? 0) + (inner(s.name) ?? 0);
          const top = Math.min(y(m), y(0));
          const cx = x0 + inner.bandwidth() / 2;
          return (
            `<rect x="${fmt(x0)}" y="${fmt(top)}" width="${fmt(inner.bandwidth())}" height="${fmt(Math.abs(y(m) - y(0)))}" fill="${colourOf(i)}"/>` +
            `<line x1="${fmt(cx)}" x2="${fmt(cx)}" y1="${fmt(y(m - s.std[k]))}" y2="${fmt(y(m + s.std[k]))}" stroke="#222"/>`
          );
        })
        .join(""),
    )
    .join("");
  // A label "family (strata)" goes on two lines so that neighbouring groups do not collide.
  const labels = groups
    .map((g) => {
      const cx = fmt((outer(g) ?? 0) + outer.bandwidth() / 2);
      const [first, ...rest] = g.split(" (");
      const second =
        rest.length > 0 ? `<tspan x="${cx}" dy="14">(${escapeXml(rest.join(" ("))}</tspan>` : "";
      return `<text x="${cx}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" ${FONT}>${escapeXml(first)}${second}</text>`;
    })
    .join("");
  const zero = `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fmt(y(0))}" y2="${fmt(y(0))}" stroke="#333"/>`;
  return frame(
    text,
    yAxis(y) + bars + zero + labels,
    series.map((s) => s.name),
  );
}
