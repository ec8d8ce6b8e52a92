/** The shape of a benchmark suite run by `npm run bench -- <suite>`. */

/** One measured figure. `name` is stable across runs so that results can be compared. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/** What a suite's `run` gets: a place to print the side-by-side table as it measures. */
export interface BenchContext {
  readonly log: (line: string) => void;
  /** Arguments after the suite name (other than --json FILE). */
  readonly args: readonly string[];
}

/** A benchmark suite: it measures its variants side by side in one run and returns the figures. */
export interface BenchSuite {
  readonly name: string;
  readonly summary: string;
  run(context: BenchContext): Promise<Figure[]>;
}

/**
 * Times `body` (called with the iteration count) until at least `minMs` of wall time has passed,
 * after one warm-up call, and returns seconds per iteration (best of `repeats` rounds).
 */
export function timeIt(body: (iterations: number) => void, minMs = 300, repeats = 3): number {
  body(1);
  let iterations = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    body(iterations);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= minMs / 4 || iterations >= 1 << 30) break;
    iterations *= 2;
  }
  let best = Number.POSITIVE_INFINITY;
  const target = Math.max(1, iterations * 4);
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    body(target);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, seconds / target);
  }
  return best;
}

/** Formats rows as an aligned text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
