/**
 * The study's one progress display on stderr: runs done out of all, the current run's joint steps
 * and live steps/s (from the workers' progress messages), and an ETA from the joint steps still to
 * run at the rate this process has achieved so far. On a terminal one line is redrawn in place; on
 * a file or pipe each finished run gets a line, and a live line is added at most every 30 s.
 * Nothing here reaches results.json: progress is wall-clock and display only.
 */
import type { RunProgressReport, RunResult } from "./run.js";

export type { RunProgressReport };

/** One line's worth of state, for {@link formatProgress}. */
export interface ProgressView {
  readonly done: number;
  readonly total: number;
  /** The run that reported last, with its live rate (steps/s; null before it has one). */
  readonly current?: {
    readonly id: string;
    readonly jointSteps: number;
    readonly budget: number;
    readonly rate: number | null;
  };
  /** Runs training now, and their summed live rate. */
  readonly running: number;
  readonly totalRate: number;
  /** Seconds left, or null while there is no rate to project from. */
  readonly etaSeconds: number | null;
}

/** `s` seconds as "42 s", "7 min 05 s", "3 h 20 min" or "2 d 04 h"; "?" when unknown. */
export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s) || s < 0) return "?";
  const whole = Math.round(s);
  const two = (n: number) => String(n).padStart(2, "0");
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${two(whole % 60)} s`;
  if (whole < 86_400)
    return `${Math.floor(whole / 3600)} h ${two(Math.floor((whole % 3600) / 60))} min`;
  return `${Math.floor(whole / 86_400)} d ${two(Math.floor((whole % 86_400) / 3600))} h`;
}

function formatRate(rate: number | null): string {
  return rate === null ? "– steps/s" : `${rate.toFixed(0)} steps/s`;
}

/** The live line: runs done, the current run's steps and rate, the others running, the ETA. */
export function formatProgress(view: ProgressView): string {
  const parts = [`troupe reproduce: ${view.done}/${view.total} runs done`];
  const c = view.current;
  if (c !== undefined) {
    parts.push(`${c.id} ${c.jointSteps}/${c.budget} steps at ${formatRate(c.rate)}`);
    if (view.running > 1) {
      parts.push(`${view.running} running at ${formatRate(view.totalRate)} in all`);
    }
  }
  parts.push(`ETA ${formatDuration(view.etaSeconds)}`);
  return parts.join("; ");
}

/**
 * The line of a finished run: `[done/total] id done (rate)` or `(kept)` for one found finished on
 * disk. The `[n/N]` marker appears on these lines only (the tests count finished runs by it).
 */
export function formatFinished(
  done: number,
  total: number,
  id: string,
  rate: number | null,
  etaSeconds: number | null,
): string {
  const what = rate === null ? "(kept)" : `done (${formatRate(rate)})`;
  return `troupe reproduce: [${done}/${total}] ${id} ${what}; ETA ${formatDuration(etaSeconds)}`;
}

interface Live {
  id: string;
  jointSteps: number;
  budget: number;
  startSteps: number;
  seconds: number;
  /** When the run was taken up, on this process's clock. */
  since: number;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Runs in the study. */
  readonly total: number;
  /** Joint steps of the whole study (every run's budget). */
  readonly totalSteps: number;
  readonly log: (text: string) => void;
  /** A terminal: one line redrawn in place. */
  readonly interactive: boolean;
  /** Terminal width (the redrawn line is cut to fit, or it would wrap). */
  readonly width?: number;
  /** Seconds between live lines on a file or pipe. */
  readonly plainEvery?: number;
  /** Seconds between redraws on a terminal. */
  readonly redrawEvery?: number;
  /** The clock, in seconds (tests swap it). */
  readonly now?: () => number;
}

/** The progress display of one study process. */
export class Progress {
  private readonly now: () => number;
  private readonly started: number;
  private lastLine: number;
  private done = 0;
  /** Joint steps of runs done, counted up to their budgets. */
  private doneSteps = 0;
  /** Joint steps this process ran, in runs done. */
  private sessionSteps = 0;
  private readonly live = new Map<string, Live>();
  private current: string | null = null;
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now() / 1000);
    this.started = this.now();
    this.lastLine = this.started;
  }

  /** A worker's report on a run in training. */
  report(p: RunProgressReport): void {
    const now = this.now();
    this.live.set(p.id, { ...p, since: this.live.get(p.id)?.since ?? now - p.seconds });
    this.current = p.id;
    if (this.options.interactive) {
      if (now - this.lastLine >= (this.options.redrawEvery ?? 0.25)) this.redraw(now);
    } else if (now - this.lastLine >= (this.options.plainEvery ?? 30)) {
      this.options.log(`${formatProgress(this.view(now))}\n`);
      this.lastLine = now;
    }
  }

  /** A run finished here (`reused` false) or found finished on disk (`reused` true). */
  finish(result: RunResult, reused: boolean): void {
    const live = this.live.get(result.spec.id);
    this.live.delete(result.spec.id);
    if (this.current === result.spec.id) this.current = null;
    this.done++;
    const budget = result.spec.budget;
    this.doneSteps += Math.min(result.jointSteps, budget);
    const now = this.now();
    let rate: number | null = null;
    if (!reused) {
      const start = live?.startSteps ?? 0;
      this.sessionSteps += Math.max(
        0,
        Math.min(result.jointSteps, budget) - Math.min(start, budget),
      );
      const seconds = live === undefined ? result.wallSeconds : now - live.since;
      rate = (result.jointSteps - start) / Math.max(seconds, 1e-9);
    }
    if (this.options.interactive) this.redraw(now);
    else {
      this.options.log(
        `${formatFinished(this.done, this.options.total, result.spec.id, rate, this.eta(now))}\n`,
      );
      this.lastLine = now;
    }
    if (this.options.interactive && this.done === this.options.total) {
      this.options.log("\n");
      this.drawn = false;
    }
  }

  /** A line that must stay (a warning): on a terminal it goes above the redrawn line. */
  note(text: string): void {
    if (this.options.interactive && this.drawn) {
      this.options.log(`\r\x1b[K${text}`);
      this.redraw(this.now());
    } else this.options.log(text);
  }

  private rateOf(live: Live): number | null {
    const steps = live.jointSteps - live.startSteps;
    return steps > 0 && live.seconds > 0 ? steps / live.seconds : null;
  }

  private eta(now: number): number | null {
    let liveSteps = 0;
    let liveSession = 0;
    for (const l of this.live.values()) {
      liveSteps += Math.min(l.jointSteps, l.budget);
      liveSession += Math.max(
        0,
        Math.min(l.jointSteps, l.budget) - Math.min(l.startSteps, l.budget),
      );
    }
    const ran = this.sessionSteps + liveSession;
    const elapsed = now - this.started;
    if (ran <= 0 || elapsed <= 0) return null;
    const left = Math.max(0, this.options.totalSteps - this.doneSteps - liveSteps);
    return left / (ran / elapsed);
  }

  private view(now: number): ProgressView {
    const current = this.current === null ? undefined : this.live.get(this.current);
    let totalRate = 0;
    for (const l of this.live.values()) totalRate += this.rateOf(l) ?? 0;
    return {
      done: this.done,
      total: this.options.total,
      current:
        current === undefined
          ? undefined
          : {
              id: current.id,
              jointSteps: current.jointSteps,
              budget: current.budget,
              rate: this.rateOf(current),
            },
      running: this.live.size,
      totalRate,
      etaSeconds: this.eta(now),
    };
  }

  private redraw(now: number): void {
    const width = Math.max(20, (this.options.width ?? 80) - 1);
    const text = formatProgress(this.view(now));
    const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.options.log(`\r\x1b[K${cut}`);
    this.drawn = true;
    this.lastLine = now;
  }
}
