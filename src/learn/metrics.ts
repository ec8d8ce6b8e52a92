/**
 * The metrics recorder: the loop records namespaced keys (`rollout/…`, `loss/…`, `stability/…`,
 * `budget/…`; docs/metrics.md is the glossary) and dumps one row per iteration to its sinks
 * (a JSONL file, the console, a test's array).
 */

/** One dumped row: the iteration and every key recorded since the last dump. */
export type MetricsRow = Readonly<Record<string, number>>;

/** Where dumped rows go. */
export interface MetricsSink {
  write(row: MetricsRow): void | Promise<void>;
}

/** Records key/value pairs and dumps them to sinks once per iteration. */
export class MetricsRecorder {
  private current: Record<string, number> = {};

  /** A recorder writing to `sinks`. */
  constructor(private readonly sinks: MetricsSink[] = []) {}

  /** Sets `key` for the current row (the last value recorded wins). */
  record(key: string, value: number): void {
    this.current[key] = value;
  }

  /** Adds a sink. */
  addSink(sink: MetricsSink): void {
    this.sinks.push(sink);
  }

  /** Writes the current row to every sink and starts a new one; returns the row. */
  async dump(): Promise<MetricsRow> {
    const row = this.current;
    this.current = {};
    for (const sink of this.sinks) await sink.write(row);
    return row;
  }
}

/** Mean of `values` over `[start, end)`, 0 when empty. */
export function meanOf(values: ArrayLike<number>, start = 0, end = values.length): number {
  if (end <= start) return 0;
  let total = 0;
  for (let i = start; i < end; i++) total += values[i];
  return total / (end - start);
}
