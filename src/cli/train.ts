/**
 * `troupe train`: trains one method on the suite's train split (or a task folder) for a budget of
 * joint environment steps and writes the run folder: config.json (everything needed to replay),
 * metrics.jsonl (one row per iteration, keys in docs/metrics.md), state.ckpt (the learner state,
 * rewritten every few iterations so a NaN or a crash keeps the last good one) and summary.json
 * (joint steps, gradient updates, wall time, parameter count). Progress goes to stderr: a bar with
 * steps/s and ETA on a terminal, a plain line every ~30 s otherwise.
 */
import { join } from "node:path";
import { z } from "zod";
import { atomicWriteFile } from "../core/fs.js";
import { describeEncoder } from "../encode/encoder.js";
import { HashingEncoder } from "../encode/hashing.js";
import { taskFamilies } from "../env/families.js";
import { METHOD_PRESETS, resolveConfig } from "../learn/config.js";
import { Learner } from "../learn/learner.js";
import type { MetricsRow } from "../learn/metrics.js";
import { saveLearnerState } from "../learn/state.js";
import { loadSuiteTasks } from "../learn/tasks.js";
import { announceGemm, GEMM_BACKEND_CHOICES, resolveGemm } from "../model/backend.js";
import type { Command, CommandIo } from "./command.js";
import { parseFlags } from "./flags.js";

const methods = [...METHOD_PRESETS.keys()] as [string, ...string[]];
const families = [...taskFamilies.keys()] as [string, ...string[]];

const TrainFlags = z.object({
  method: z.enum(methods).describe("the method to train (docs/methods.md)"),
  out: z.string().min(1).describe("run folder to write, e.g. runs/ID"),
  tasks: z.string().optional().describe("task suite folder (default: the built-in suite)"),
  family: z.enum(families).optional().describe("train on one task family only"),
  agents: z.coerce.number().int().min(3).max(10).optional().describe("train on one team size only"),
  maxTasks: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe("use at most this many train tasks"),
  seed: z.coerce.number().int().default(0).describe("seed of every random draw"),
  steps: z.coerce
    .number()
    .int()
    .positive()
    .default(20_000)
    .describe("budget in joint environment steps"),
  envs: z.coerce.number().int().positive().optional().describe("tasks stepped in lock-step"),
  rolloutSteps: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe("joint steps per env per iteration"),
  minibatchTeams: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe("joint steps per mini-batch"),
  learningRate: z.coerce.number().positive().optional().describe("Adam step size"),
  hidden: z.coerce.number().int().positive().optional().describe("policy hidden width"),
  dimension: z.coerce
    .number()
    .int()
    .min(2)
    .max(65_536)
    .default(256)
    .describe("hashing encoder width"),
  backend: z.enum(GEMM_BACKEND_CHOICES).default("auto").describe("GEMM backend"),
  checkpointEvery: z.coerce
    .number()
    .int()
    .positive()
    .default(10)
    .describe("iterations between checkpoints"),
});

/** What `troupe train` writes as config.json (and `troupe eval` reads back). */
export interface RunRecord {
  readonly method: string;
  readonly config: ReturnType<typeof resolveConfig>;
  readonly seed: number;
  readonly steps: number;
  readonly encoder: ReturnType<typeof describeEncoder>;
  readonly backend: string;
  readonly tasks: {
    readonly dir?: string;
    readonly family?: string;
    readonly agents?: number;
    readonly maxTasks?: number;
  };
}

/** The `troupe train` command. */
export const trainCommand: Command = {
  name: "train",
  summary: "train a method (coordinated, shared-td, decentralized, bc, …) and write a run folder",
  async run(args, io) {
    const parsed = parseFlags(
      "train",
      TrainFlags,
      args,
      "Usage: troupe train --method NAME --out runs/ID [options]",
    );
    if (parsed.help) {
      io.stdout(parsed.text);
      return 0;
    }
    const flags = parsed.values;
    const overrides: Record<string, unknown> = {};
    for (const key of ["envs", "rolloutSteps", "minibatchTeams", "learningRate", "hidden"] as const)
      if (flags[key] !== undefined) overrides[key] = flags[key];
    const config = resolveConfig(flags.method, overrides);
    const gemm = resolveGemm(flags.backend);
    announceGemm(gemm, (line) => io.stderr(`${line}\n`));
    const tasks = await loadSuiteTasks({
      dir: flags.tasks,
      split: "train",
      family: flags.family,
      agents: flags.agents,
      limit: flags.maxTasks,
    });
    const encoder = new HashingEncoder({ dimension: flags.dimension });
    const record: RunRecord = {
      method: flags.method,
      config,
      seed: flags.seed,
      steps: flags.steps,
      encoder: describeEncoder(encoder),
      backend: gemm.name,
      tasks: {
        dir: flags.tasks,
        family: flags.family,
        agents: flags.agents,
        maxTasks: flags.maxTasks,
      },
    };
    await atomicWriteFile(join(flags.out, "config.json"), `${JSON.stringify(record, null, 2)}\n`);
    const rows: MetricsRow[] = [];
    const learner = new Learner({
      method: flags.method,
      config,
      tasks,
      encoder,
      gemm,
      seed: flags.seed,
    });
    io.stderr(
      `troupe train: ${flags.method} on ${tasks.length} train tasks, ${flags.steps} joint steps, ` +
        `${learner.policy.parameterCount} parameters\n`,
    );
    const progress = new Progress(io, flags.steps);
    const writeMetrics = () =>
      atomicWriteFile(
        join(flags.out, "metrics.jsonl"),
        rows.map((r) => `${JSON.stringify(r)}\n`).join(""),
      );
    await learner.train(flags.steps, {
      async onIteration(row, l) {
        rows.push(row);
        progress.update(l.jointSteps, row["rollout/normalised_score"]);
        if (l.iteration % flags.checkpointEvery === 0) {
          await saveLearnerState(join(flags.out, "state.ckpt"), l);
          await writeMetrics();
        }
        return false;
      },
    });
    progress.finish(learner.jointSteps);
    await saveLearnerState(join(flags.out, "state.ckpt"), learner);
    await writeMetrics();
    const summary = {
      method: flags.method,
      jointSteps: learner.jointSteps,
      gradientUpdates: learner.gradientUpdates,
      wallSeconds: learner.wallSeconds,
      parameters: learner.policy.parameterCount,
      iterations: learner.iteration,
    };
    await atomicWriteFile(join(flags.out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    io.stdout(
      `trained ${flags.method}: ${summary.jointSteps} joint steps, ${summary.gradientUpdates} updates ` +
        `in ${summary.wallSeconds.toFixed(1)} s; wrote ${flags.out}\n`,
    );
    return 0;
  },
};

/** Progress on stderr: a redrawn bar on a terminal, a plain line every ~30 s otherwise. */
class Progress {
  private readonly started = performance.now();
  private lastLine = performance.now();

  constructor(
    private readonly io: CommandIo,
    private readonly total: number,
  ) {}

  update(done: number, score: number | undefined): void {
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const eta = Math.max(0, (this.total - done) / Math.max(rate, 1e-9));
    const scoreText = score === undefined ? "" : `  score ${score.toFixed(3)}`;
    const text = `${Math.min(done, this.total)}/${this.total} steps  ${rate.toFixed(0)} steps/s  ETA ${eta.toFixed(0)} s${scoreText}`;
    if (this.io.interactive) {
      const width = 24;
      const filled = Math.round((width * Math.min(done, this.total)) / this.total);
      this.io.stderr(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}   `);
    } else if (now - this.lastLine >= 30_000) {
      this.io.stderr(`${text}\n`);
      this.lastLine = now;
    }
  }

  finish(done: number): void {
    const seconds = (performance.now() - this.started) / 1000;
    if (this.io.interactive) this.io.stderr("\n");
    this.io.stderr(
      `${done} joint steps in ${seconds.toFixed(1)} s (${(done / Math.max(seconds, 1e-9)).toFixed(0)} steps/s)\n`,
    );
  }
}
