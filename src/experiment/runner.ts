/**
 * The runner interface (a list of run specs in, results out, in any completion order) and its
 * local implementation: a pool of child processes, each with one OpenBLAS thread, that rebuild the
 * study context once and then take runs one at a time. A distributed queue can replace it behind
 * the same interface. Workers exit when the parent disappears (IPC `disconnect`).
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TroupeError } from "../core/errors.js";
import type { CalibrateOptions, Calibration } from "./calibrate.js";
import type { StudyConfig } from "./presets.js";
import type { RunProgressReport, RunResult, RunSpec } from "./run.js";

/**
 * Runs independent specs; calls `onResult` as each finishes and `onProgress` (display only) as
 * runs train; resolves when all have finished.
 */
export interface Runner {
  runAll(
    specs: readonly RunSpec[],
    onResult: (result: RunResult) => Promise<void>,
    onProgress?: (report: RunProgressReport) => void,
  ): Promise<void>;
  /** Stops the workers. */
  close(): Promise<void>;
}

/** What the parent sends a worker. */
export type WorkerRequest =
  | { readonly kind: "init"; readonly config: StudyConfig; readonly dir: string }
  | { readonly kind: "run"; readonly spec: RunSpec }
  | { readonly kind: "calibrate"; readonly options: CalibrateOptions };

/** What a worker sends back. */
export type WorkerReply =
  | { readonly kind: "result"; readonly result: RunResult }
  | { readonly kind: "progress"; readonly report: RunProgressReport }
  | { readonly kind: "calibration"; readonly calibration: Calibration }
  | {
      readonly kind: "error";
      readonly id: string;
      readonly message: string;
      readonly troupe?: { readonly name: string; readonly details: Record<string, string> };
    };

function workerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const ts = join(here, "worker.ts");
  return existsSync(ts) && import.meta.url.endsWith(".ts") ? ts : join(here, "worker.js");
}

/** The number of workers `config.workers` asks for (0: one per core), at most `runs`. */
export function workerCount(config: StudyConfig, runs: number): number {
  const wanted = config.workers === 0 ? availableParallelism() : config.workers;
  return Math.max(1, Math.min(wanted, runs));
}

/** A pool of local child processes. */
export class ProcessPoolRunner implements Runner {
  private readonly children: ChildProcess[] = [];

  /** A pool of `size` workers for the study in `dir` with `config`. */
  constructor(
    private readonly config: StudyConfig,
    private readonly dir: string,
    private readonly size: number,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  private spawn(): ChildProcess {
    const child = fork(workerPath(), [], {
      execArgv: process.execArgv,
      env: { ...process.env, OPENBLAS_NUM_THREADS: "1", ...this.extraEnv },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.send({ kind: "init", config: this.config, dir: this.dir } satisfies WorkerRequest);
    this.children.push(child);
    return child;
  }

  async runAll(
    specs: readonly RunSpec[],
    onResult: (result: RunResult) => Promise<void>,
    onProgress?: (report: RunProgressReport) => void,
  ): Promise<void> {
    if (specs.length === 0) return;
    while (this.children.length < Math.min(this.size, specs.length)) this.spawn();
    const queue = [...specs];
    await new Promise<void>((resolve, reject) => {
      let pending = specs.length;
      let failed = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const feed = (child: ChildProcess) => {
        const spec = queue.shift();
        if (spec !== undefined) child.send({ kind: "run", spec } satisfies WorkerRequest);
      };
      for (const child of this.children.slice(0, Math.min(this.size, specs.length))) {
        const onMessage = (reply: WorkerReply) => {
          if (reply.kind === "progress") {
            onProgress?.(reply.report);
            return;
          }
          if (reply.kind === "error") {
            fail(rebuildError(reply));
            return;
          }
          if (reply.kind !== "result") return;
          onResult(reply.result).then(
            () => {
              pending--;
              if (pending === 0) {
                cleanup();
                resolve();
              } else feed(child);
            },
            (error: Error) => fail(error),
          );
        };
        const onExit = (code: number | null) => {
          if (pending > 0) fail(new Error(`a study worker exited early (code ${code})`));
        };
        const cleanup = () => {
          for (const c of this.children) {
            c.removeAllListeners("message");
            c.removeAllListeners("exit");
          }
        };
        child.on("message", onMessage);
        child.on("exit", onExit);
        feed(child);
      }
    });
  }

  async close(): Promise<void> {
    for (const child of this.children.splice(0)) {
      if (child.connected) child.disconnect();
    }
  }
}

/**
 * Runs {@link calibrate} in a worker process like the study's (one OpenBLAS thread, the study's
 * task sets built first), so the measured rate is a worker's; the worker exits afterwards.
 */
export function calibrateInWorker(
  config: StudyConfig,
  options: CalibrateOptions = {},
): Promise<Calibration> {
  const child = fork(workerPath(), [], {
    execArgv: process.execArgv,
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise<Calibration>((resolve, reject) => {
    child.on("message", (reply: WorkerReply) => {
      if (reply.kind === "calibration") resolve(reply.calibration);
      else if (reply.kind === "error") reject(rebuildError(reply));
      if (child.connected) child.disconnect();
    });
    child.on("exit", (code) => reject(new Error(`the calibration worker exited (code ${code})`)));
    child.on("error", reject);
    child.send({ kind: "init", config, dir: "" } satisfies WorkerRequest);
    child.send({ kind: "calibrate", options } satisfies WorkerRequest);
  });
}

function rebuildError(reply: Extract<WorkerReply, { kind: "error" }>): Error {
  if (reply.troupe !== undefined) {
    const d = reply.troupe.details;
    const error = new TroupeError((d.code as "state") ?? "state", {
      input: `run ${reply.id}: ${d.input}`,
      problem: d.problem,
      expected: d.expected,
      actual: d.actual,
      fix: d.fix,
    });
    return error;
  }
  return new Error(`run ${reply.id} failed: ${reply.message}`);
}
