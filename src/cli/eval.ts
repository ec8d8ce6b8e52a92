/**
 * `troupe eval runs/ID --split test`: loads a trained run's policy and plays one episode per task
 * of the split, printing its mean normalised score (oracle 1, nothing 0) and mean cumulative team
 * reward, with the random and oracle reference policies on the same tasks beside it.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { SPLITS } from "../env/suite.js";
import { evaluatePolicy } from "../learn/evaluate.js";
import { loadSuiteTasks, ReferenceScores } from "../learn/tasks.js";
import type { Command } from "./command.js";
import { parseFlags } from "./flags.js";
import { loadRunPolicy } from "./run-policy.js";
import { readRunRecord } from "./run-record.js";

const EvalFlags = z.object({
  split: z.enum(SPLITS).default("test").describe("which split of the suite to evaluate on"),
  tasks: z
    .string()
    .optional()
    .describe("task suite folder (default: the run's, else the built-in suite)"),
  agents: z.coerce.number().int().min(3).max(10).optional().describe("evaluate one team size only"),
  limit: z.coerce
    .number()
    .int()
    .positive()
    .default(200)
    .describe("evaluate at most this many tasks"),
  greedy: z.boolean().default(false).describe("take the most probable action instead of sampling"),
  seed: z.coerce.number().int().default(0).describe("seed of the sampled actions"),
});

/** The `troupe eval` command. */
export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate a trained run on a split, beside the random and oracle policies",
  async run(args, io) {
    const parsed = parseFlags(
      "eval",
      EvalFlags,
      args,
      "Usage: troupe eval runs/ID [--split test] [options]",
    );
    if (parsed.help) {
      io.stdout(parsed.text);
      return 0;
    }
    const [runDir] = parsed.positionals;
    if (runDir === undefined || parsed.positionals.length > 1) {
      throw new ConfigError({
        input: "troupe eval",
        problem: "needs exactly one run folder",
        expected: "troupe eval runs/ID",
        actual: parsed.positionals.join(" ") || "(none)",
        fix: "pass the --out folder of a `troupe train` run",
      });
    }
    const flags = parsed.values;
    const record = await readRunRecord(runDir);
    const tasks = await loadSuiteTasks({
      dir: flags.tasks ?? record.tasks.dir,
      split: flags.split,
      family: record.tasks.family,
      agents: flags.agents,
      limit: flags.limit,
    });
    const trained = await loadRunPolicy(runDir, tasks);
    const references = new ReferenceScores(tasks);
    const result = await evaluatePolicy(
      trained.network,
      trained.table,
      trained.gemm,
      tasks,
      references,
      { greedy: flags.greedy, rng: Rng.fromSeed(flags.seed) },
    );
    const reference = (name: "random" | "oracle") => {
      let score = 0;
      let reward = 0;
      for (let i = 0; i < tasks.length; i++) {
        const r = references.returns(i)[name];
        score += references.normalised(i, r) / tasks.length;
        reward += r / tasks.length;
      }
      return [score, reward] as const;
    };
    const rows: [string, number, number][] = [
      [record.method, result.meanNormalisedScore, result.meanTeamReturn],
      ["random", ...reference("random")],
      ["oracle", ...reference("oracle")],
    ];
    io.stdout(
      `${runDir} on ${tasks.length} ${flags.split} tasks (${flags.greedy ? "greedy" : "sampled"})\n`,
    );
    io.stdout(
      `${"policy".padEnd(28)}  ${"normalised score".padStart(16)}  ${"cumulative reward".padStart(17)}\n`,
    );
    for (const [name, score, reward] of rows)
      io.stdout(
        `${name.padEnd(28)}  ${score.toFixed(3).padStart(16)}  ${reward.toFixed(2).padStart(17)}\n`,
      );
    return 0;
  },
};
