/**
 * `troupe reproduce --preset tiny|quick|paper [--out DIR] [--resume]`: the seed paper's study in one
 * command (src/experiment/study.ts). Prints the report's path; on a folder that already holds the
 * finished study it prints the path again and exits 0. `paper` prints its budgets and a projected
 * time before it starts.
 */
import { z } from "zod";
import { resolveStudyConfig, STUDY_PRESETS } from "../experiment/presets.js";
import { runStudy, selectionSpecs } from "../experiment/study.js";
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

/**
 * A rough per-worker rate for the paper preset's larger network and longer tasks (joint steps/s),
 * for the projection only: an estimate from the quick preset's measured rates, not a measurement.
 */
const PAPER_STEPS_PER_SECOND = 400;

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
      const selection = selectionSpecs(config).length;
      const finals = config.methods.length * config.seeds.length;
      const steps = selection * config.selectionBudget + finals * config.budget;
      const hours = steps / PAPER_STEPS_PER_SECOND / 3600;
      io.stderr(
        `troupe reproduce: paper preset: ${selection} selection runs × ${config.selectionBudget} and ` +
          `${finals} reported runs × ${config.budget} joint environment steps; projected ~${hours.toFixed(0)} ` +
          "core-hours (divide by the workers)\n",
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
