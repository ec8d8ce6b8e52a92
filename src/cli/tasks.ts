/**
 * `troupe tasks`: generate the task suite, print its coordination stats, or show one oracle
 * episode as the agents read it. Commands that read tasks default to the built-in suite (seed 0),
 * generated once into the cache.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { formatStats, suiteStats } from "../env/stats.js";
import { DEFAULT_SUITE_SIZE, SPLITS } from "../env/suite.js";
import {
  defaultSuiteDir,
  type LoadedSuite,
  loadDefaultSuite,
  readSuite,
  writeSuite,
} from "../env/suite-io.js";
import { episodeTranscript } from "../env/transcript.js";
import { REFERENCE_POLICIES } from "../env/types.js";
import type { Command, CommandIo } from "./command.js";
import { parseFlags } from "./flags.js";

const GenerateFlags = z.object({
  out: z
    .string()
    .min(1)
    .describe("folder to write train/validation/test.jsonl and manifest.json into"),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("generator seed; the same seed gives byte-identical files"),
  count: z.coerce
    .number()
    .int()
    .min(14)
    .default(DEFAULT_SUITE_SIZE)
    .describe("tasks in all, over both families"),
});

const StatsFlags = z.object({
  split: z
    .enum(["all", ...SPLITS])
    .default("all")
    .describe("which split to score"),
});

const ShowFlags = z.object({
  id: z.string().min(1).describe("the task id, e.g. planning-core-0001"),
  policy: z.enum(REFERENCE_POLICIES).default("oracle").describe("reference policy to play"),
  steps: z.coerce.number().int().min(1).optional().describe("stop after this many steps"),
});

/** The usage text; built on demand, since the cache folder's name costs ~0.1 s to compute. */
const usage = () =>
  [
    "Usage: troupe tasks generate --out DIR [--seed N] [--count N]",
    "       troupe tasks stats [DIR] [--split all|train|validation|test]",
    "       troupe tasks show [DIR] --id ID [--policy NAME] [--steps N]",
    `DIR defaults to the built-in suite (seed 0), cached in ${defaultSuiteDir()}.`,
  ].join("\n");

async function suiteAt(dir: string | undefined): Promise<LoadedSuite> {
  return dir === undefined ? loadDefaultSuite() : readSuite(dir);
}

async function generate(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags("tasks generate", GenerateFlags, args, usage());
  if (parsed.help) return help(io, parsed.text);
  const { out, seed, count } = parsed.values;
  const started = process.hrtime.bigint();
  const manifest = await writeSuite(out, seed, count);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rejected = Object.values(manifest.rejections).reduce((x, y) => x + y, 0);
  io.stdout(
    `wrote ${SPLITS.map((s) => `${manifest.files[s].tasks} ${s}`).join(", ")} tasks to ${out} in ${seconds.toFixed(1)} s ` +
      `(${rejected} candidates rejected by the oracle margin); content hash ${manifest.contentHash}\n`,
  );
  return 0;
}

async function stats(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags("tasks stats", StatsFlags, args, usage());
  if (parsed.help) return help(io, parsed.text);
  const suite = await suiteAt(parsed.positionals[0]);
  const split = parsed.values.split;
  const tasks = split === "all" ? SPLITS.flatMap((s) => suite.splits[s]) : suite.splits[split];
  io.stdout(`${formatStats(suiteStats(tasks))}\n`);
  return 0;
}

async function show(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags("tasks show", ShowFlags, args, usage());
  if (parsed.help) return help(io, parsed.text);
  const suite = await suiteAt(parsed.positionals[0]);
  const { id, policy, steps } = parsed.values;
  const task = SPLITS.flatMap((s) => suite.splits[s]).find((t) => t.id === id);
  if (task === undefined) {
    throw new ConfigError({
      input: "--id",
      problem: "no task with this id in the suite",
      actual: id,
      fix: `pick an id from the suite's JSONL files, e.g. ${suite.splits.train[0]?.id ?? "planning-core-0000"}`,
    });
  }
  io.stdout(episodeTranscript(task, { policy, maxSteps: steps }));
  return 0;
}

function help(io: CommandIo, text: string): number {
  io.stdout(text);
  return 0;
}

const subcommands = new Map([
  ["generate", generate],
  ["stats", stats],
  ["show", show],
]);

/** `troupe tasks <generate|stats|show>`. */
export const tasksCommand: Command = {
  name: "tasks",
  summary: "generate the task suite, print coordination stats, show an oracle episode",
  async run(args, io) {
    const [sub, ...rest] = args;
    const handler = sub === undefined ? undefined : subcommands.get(sub);
    if (handler === undefined) {
      if (sub === "--help" || sub === "-h" || sub === undefined) return help(io, `${usage()}\n`);
      throw new ConfigError({
        input: `troupe tasks ${sub}`,
        problem: "unknown sub-command",
        expected: [...subcommands.keys()].join(", "),
        actual: sub,
        fix: "run `troupe tasks --help`",
      });
    }
    return handler(rest, io);
  },
};
