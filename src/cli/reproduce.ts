/**
 * `troupe reproduce --preset tiny|quick|paper [--out DIR] [--resume]`: the seed paper's study in one
 * command (src/experiment/study.ts). Prints the report's path; on a folder that already holds the
 * finished study it prints the path again and exits 0. `paper` prints its budgets and a projected
 * time, from rates measured by a short calibration run in a worker, before it starts.
 */
import { z } from "zod";
import { projectStudy } from "../experiment/calibrate.js";
import { resolveStudyConfig, STUDY_PRESETS } from "../experiment/presets.js";
import { formatDuration } from "../experiment/progress.js";
import { calibrateInWorker, workerCount } from "../experiment/runner.js";
import { runStudy } from "../experiment/study.js";
import type { Command } from "./command.js";
import { parseFlags } from "./flags.js";

const ReproduceFlags = z.object({
  preset: z
    .string()
    .default("quick")
    .describe(
      `study preset: ${[...STUDY_PRESETS.keys()].join(", ")} (tiny: seconds, quick: minutes)`,
    ),
  out: z.string().min(1).optional().describe("study folder (default: runs/reproduce-PRESET)"),
  resume: z.boolean().default(false).describe("continue an interrupted study in --out"),
  workers: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe("parallel worker processes (default: one per core)"),
});

/** The `troupe reproduce` command. */
export const reproduceCommand: Command = {
  name: "reproduce",
  summary: "run the whole study (selection, 5 seeds × methods, test, report) in one command",
  async run(args, io) {
    const parsed = parseFlags(
      "reproduce",
      ReproduceFlags,
      args,
      "Usage: troupe reproduce --preset tiny|quick|paper [--out DIR] [--resume]",
    );
    if (parsed.help) {
      io.stdout(parsed.text);
      return 0;
    }
    const flags = parsed.values;
    const overrides = flags.workers === undefined ? {} : { workers: flags.workers };
    const config = resolveStudyConfig(flags.preset, overrides);
    const dir = flags.out ?? `runs/reproduce-${flags.preset}`;
    if (config.preset === "paper") {
      io.stderr(
        "troupe reproduce: paper preset: calibrating (building the task sets in a worker, then timing a few iterations of one run)…\n",
      );
      const c = await calibrateInWorker(config);
      const p = projectStudy(config, c);
      const workers = workerCount(config, p.selectionRuns + p.finalRuns);
      io.stderr(
        `troupe reproduce: paper preset: ${p.selectionRuns} selection runs × ${config.selectionBudget} and ` +
          `${p.finalRuns} reported runs × ${config.budget} joint environment steps.\n` +
          `troupe reproduce: measured ${c.stepsPerSecond.toFixed(0)} joint steps/s on one thread ` +
          `(${c.iterations} iterations of ${c.method}, ${c.jointSteps} steps in ${c.trainSeconds.toFixed(1)} s) ` +
          `and ${(c.evaluationSecondsPerTask * 1000).toFixed(0)} ms per evaluation episode; projected ` +
          `~${(p.coreSeconds / 3600).toFixed(0)} core-hours, ~${formatDuration(p.coreSeconds / workers)} ` +
          `on ${workers} worker${workers === 1 ? "" : "s"} (other methods run at other rates; a rough guide).\n`,
      );
    }
    const outcome = await runStudy({
      config,
      dir,
      resume: flags.resume,
      log: (line) => io.stderr(line),
      interactive: io.interactive,
      width: io.interactive ? process.stderr.columns : undefined,
    });
    io.stdout(
      outcome.alreadyFinished
        ? `study already finished: ${outcome.reportPath}\n`
        : `wrote ${outcome.reportPath}\n`,
    );
    return 0;
  },
};
