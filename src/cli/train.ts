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
import { ConfigError } from "../core/errors.js";
import { atomicWriteFile, readFileOrThrow } from "../core/fs.js";
import { describeEncoder } from "../encode/encoder.js";
import { taskFamilies } from "../env/families.js";
import { METHOD_PRESETS, resolveConfig } from "../learn/config.js";
import { Learner } from "../learn/learner.js";
import type { MetricsRow } from "../learn/metrics.js";
import { loadLearnerState, saveLearnerState } from "../learn/state.js";
import { loadSuiteTasks } from "../learn/tasks.js";
import { announceGemm, GEMM_BACKEND_CHOICES, resolveGemm } from "../model/backend.js";
import type { GemmBackendName } from "../model/gemm.js";
import type { Command, CommandIo } from "./command.js";
import { parseFlags } from "./flags.js";
import { encoderOf, type RunRecord, readRunRecord } from "./run-record.js";

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
  agentMemory: z
    .enum(["none", "gru"])
    .optional()
    .describe(
      "the agent's memory: none, or gru (EPyMARL's recurrent agent; it trains on whole rollouts, so --minibatch-teams defaults to envs × rollout steps)",
    ),
  encoder: z
    .enum(["glove-100d", "hashing"])
    .default("glove-100d")
    .describe(
      "text encoder: pretrained word vectors (converted once into the cache) or feature hashing",
    ),
  dimension: z.coerce
    .number()
    .int()
    .min(2)
    .max(65_536)
    .default(256)
    .describe("hashing encoder width (--encoder hashing only)"),
  backend: z.enum(GEMM_BACKEND_CHOICES).default("auto").describe("GEMM backend"),
  resume: z
    .boolean()
    .default(false)
    .describe(
      "continue the run in --out from its state.ckpt (its config.json wins; --steps sets the new budget)",
    ),
  checkpointEvery: z.coerce
    .number()
    .int()
    .positive()
    .default(10)
    .describe("iterations between checkpoints"),
});

type TrainValues = z.infer<typeof TrainFlags>;

function newRecord(flags: TrainValues): RunRecord {
  const overrides: Record<string, unknown> = {};
  for (const key of [
    "envs",
    "rolloutSteps",
    "minibatchTeams",
    "learningRate",
    "hidden",
    "agentMemory",
  ] as const)
    if (flags[key] !== undefined) overrides[key] = flags[key];
  // A recurrent agent trains on the whole rollout: that is its mini-batch unless one is given.
  if (flags.agentMemory === "gru" && flags.minibatchTeams === undefined) {
    const { envs, rolloutSteps } = resolveConfig(flags.method, {
      ...overrides,
      agentMemory: "none",
    });
    overrides.minibatchTeams = envs * rolloutSteps;
  }
  return {
    method: flags.method,
    config: resolveConfig(flags.method, overrides),
    seed: flags.seed,
    steps: flags.steps,
    encoder: { name: flags.encoder, dimension: flags.dimension, identity: "" },
    encoderConfig:
      flags.encoder === "hashing"
        ? { kind: "hashing", dimension: flags.dimension }
        : { kind: "glove-100d" },
    backend: flags.backend,
    tasks: {
      dir: flags.tasks,
      family: flags.family,
      agents: flags.agents,
      maxTasks: flags.maxTasks,
    },
  };
}

async function resumedRecord(dir: string, flags: TrainValues): Promise<RunRecord> {
  const record = await readRunRecord(dir);
  if (record.method !== flags.method) {
    throw new ConfigError({
      input: "--method",
      problem: "differs from the run being resumed",
      expected: record.method,
      actual: flags.method,
      fix: `pass --method ${record.method}, or train into a new --out folder`,
    });
  }
  return { ...record, steps: flags.steps };
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
    const record = flags.resume ? await resumedRecord(flags.out, flags) : newRecord(flags);
    const gemm = resolveGemm(record.backend as GemmBackendName | "auto");
    announceGemm(gemm, (line) => io.stderr(`${line}\n`));
    const tasks = await loadSuiteTasks({
      dir: record.tasks.dir,
      split: "train",
      family: record.tasks.family,
      agents: record.tasks.agents,
      limit: record.tasks.maxTasks,
    });
    const encoder = await encoderOf(record);
    const full: RunRecord = { ...record, encoder: describeEncoder(encoder), backend: gemm.name };
    await atomicWriteFile(join(flags.out, "config.json"), `${JSON.stringify(full, null, 2)}\n`);
    const config = record.config;
    const learner = new Learner({
      method: record.method,
      config,
      tasks,
      encoder,
      gemm,
      seed: record.seed,
    });
    const rows: MetricsRow[] = [];
    if (flags.resume) {
      await loadLearnerState(join(flags.out, "state.ckpt"), learner);
      const saved = (await readFileOrThrow(join(flags.out, "metrics.jsonl"))).toString("utf8");
      for (const line of saved.split("\n")) {
        const row = line.trim() === "" ? null : (JSON.parse(line) as MetricsRow);
        if (row !== null && row.iteration <= learner.iteration) rows.push(row);
      }
      io.stderr(
        `resuming ${flags.out} at iteration ${learner.iteration}, ${learner.jointSteps} joint steps\n`,
      );
    }
    io.stderr(
      `troupe train: ${flags.method} on ${tasks.length} train tasks, ${flags.steps} joint steps, ` +
        `${learner.policy.parameterCount} parameters\n`,
    );
    const progress = new Progress(io, flags.steps, learner.jointSteps);
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
    private readonly initial: number,
  ) {}

  update(done: number, score: number | undefined): void {
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    const rate = (done - this.initial) / Math.max(seconds, 1e-9);
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
      `${done - this.initial} joint steps in ${seconds.toFixed(1)} s (${((done - this.initial) / Math.max(seconds, 1e-9)).toFixed(0)} steps/s)\n`,
    );
  }
}
