/**
 * `troupe play`: a team plays a fixed sample of tasks. With `--llm URL --model NAME` (any
 * OpenAI-compatible server), `--gguf FILE` or `--replay FILE` every agent is the same chat model;
 * adding `--policy` (a run folder of `troupe train`, or a reference policy standing in for one)
 * makes it the RL-guided team, π ∝ π_LLM^α · π_RL^(1−α); `--compare` plays the LLM alone, the
 * policy alone and the combination on the same tasks. Without an LLM the policy plays alone. It
 * prints a live transcript of the first episode (who said what, which action, reward) and a
 * summary table; `--record FILE` keeps every request, reply and step as JSONL.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { JsonlRecordWriter, type RecordWriter } from "../core/record-writer.js";
import { taskFamilies } from "../env/families.js";
import { SPLITS } from "../env/suite.js";
import { loadDefaultSuite, readSuite } from "../env/suite-io.js";
import {
  REFERENCE_POLICIES,
  type ReferencePolicyName,
  type TaskFamily,
  type TaskHeader,
} from "../env/types.js";
import { LlmAgent } from "../llm/agent.js";
import { createChatClient } from "../llm/config.js";
import {
  type CandidatePolicy,
  candidatePolicyTeam,
  GuidedTeam,
  networkPolicy,
  teamPolicyCandidates,
} from "../llm/coordinator.js";
import type { StepRecord } from "../llm/episode.js";
import { formatComparison, formatPlayTable, playTasks, sampleTasks } from "../llm/play.js";
import { familyBrief } from "../llm/prompt.js";
import { RecordingChatClient, readChatRecords } from "../llm/response-cache.js";
import { LlmTeam, referenceTeam, type TeamDecider } from "../llm/team.js";
import type { ChatClient } from "../openai/client.js";
import type { Command, CommandIo } from "./command.js";
import { parseFlags } from "./flags.js";
import { loadRunPolicy, type RunPolicy } from "./run-policy.js";

const PlayFlags = z.object({
  llm: z
    .url()
    .optional()
    .describe("an OpenAI-compatible server's base URL, e.g. http://127.0.0.1:11434/v1"),
  model: z
    .string()
    .min(1)
    .optional()
    .describe("the chat model's name on that server (needed with --llm and --replay)"),
  gguf: z
    .string()
    .min(1)
    .optional()
    .describe("a local GGUF model file, run in-process (needs npm install node-llama-cpp@3)"),
  policy: z
    .string()
    .min(1)
    .optional()
    .describe(
      `a trained run folder (runs/ID), or a reference policy standing in for one: ${REFERENCE_POLICIES.join("|")}; default oracle without an LLM`,
    ),
  alpha: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe("with an LLM and --policy: the LLM's weight in π_LLM^α · π_RL^(1−α)"),
  compare: z
    .boolean()
    .default(false)
    .describe("with an LLM and --policy: also play the LLM alone and the policy alone"),
  logprobs: z
    .boolean()
    .default(false)
    .describe("ask the server for token log-probabilities (sharpens π_LLM for --policy)"),
  noSchema: z
    .boolean()
    .default(false)
    .describe("do not send the reply's JSON schema (for servers that reject response_format)"),
  tasks: z
    .string()
    .min(1)
    .optional()
    .describe("a suite folder from `troupe tasks generate` (default: the built-in suite)"),
  split: z.enum(SPLITS).default("test").describe("which split to sample tasks from"),
  family: z
    .enum([...taskFamilies.keys()] as [string, ...string[]])
    .optional()
    .describe("sample tasks of this family only"),
  count: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(1)
    .describe("tasks to play (a seeded sample)"),
  id: z.string().min(1).optional().describe("play this task id instead of a sample"),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("seed of the task sample, the policies and the model's sampling"),
  temperature: z.coerce
    .number()
    .min(0)
    .max(2)
    .default(0)
    .describe("the model's sampling temperature"),
  maxTokens: z.coerce.number().int().positive().default(128).describe("longest reply in tokens"),
  timeoutMs: z.coerce
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe("per-request timeout in ms"),
  maxSteps: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe("stop each episode after this many steps"),
  record: z
    .string()
    .min(1)
    .optional()
    .describe("append every request, reply and step to this JSONL file"),
  replay: z
    .string()
    .min(1)
    .optional()
    .describe("answer requests from a file written by --record, without a server"),
  quiet: z.boolean().default(false).describe("print only the summary table"),
});

type PlayOptions = z.infer<typeof PlayFlags>;

const USAGE = [
  "Usage: troupe play --llm URL --model NAME [--policy runs/ID|greedy] [--tasks DIR --split test --count N]",
  "       troupe play --replay FILE --model NAME [same flags as the recorded run]",
  "       troupe play [--policy runs/ID|oracle|greedy|…]   (no LLM: the policy plays alone)",
  "Without an LLM and without --policy, the reference oracle plays, standing in for a trained policy.",
].join("\n");

async function chatClientFor(options: PlayOptions): Promise<ChatClient | undefined> {
  const sources = [options.llm, options.gguf, options.replay].filter((s) => s !== undefined);
  if (sources.length > 1) {
    throw new ConfigError({
      input: "troupe play",
      problem: "more than one model source",
      expected: "one of --llm, --gguf, --replay",
      fix: "pass only one of them",
    });
  }
  if (sources.length === 0) return undefined;
  if ((options.llm !== undefined || options.replay !== undefined) && options.model === undefined) {
    throw new ConfigError({
      input: "--model",
      problem: "missing",
      expected: "the chat model's name, e.g. --model qwen2.5:7b",
      fix: "pass --model NAME (the name the server serves, as in the recorded run for --replay)",
    });
  }
  if (options.replay !== undefined) {
    return new RecordingChatClient({ records: await readChatRecords(options.replay) });
  }
  return createChatClient(
    options.gguf !== undefined
      ? { kind: "node-llama-cpp", path: options.gguf }
      : {
          kind: "openai-compatible",
          url: options.llm,
          model: options.model,
          timeoutMs: options.timeoutMs,
        },
  );
}

function isReferencePolicy(name: string): name is ReferencePolicyName {
  return (REFERENCE_POLICIES as readonly string[]).includes(name);
}

async function selectTasks(options: PlayOptions): Promise<TaskHeader[]> {
  const suite =
    options.tasks === undefined ? await loadDefaultSuite() : await readSuite(options.tasks);
  const pool = suite.splits[options.split].filter(
    (task) => options.family === undefined || task.family === options.family,
  );
  const tasks =
    options.id === undefined
      ? sampleTasks(pool, options.count, options.seed)
      : pool.filter((t) => t.id === options.id);
  if (tasks.length === 0) {
    throw new ConfigError({
      input: options.id === undefined ? "--split" : "--id",
      problem:
        options.id === undefined
          ? "the split has no tasks (of that family)"
          : `no task "${options.id}" in the ${options.split} split`,
      fix: "check the split with `troupe tasks stats DIR`, or pick another --split",
    });
  }
  return tasks;
}

interface TeamPlan {
  readonly label: string;
  readonly make: (task: TaskHeader, family: TaskFamily) => TeamDecider;
}

/** The teams to play, the main one (with the transcript) last. */
function planTeams(
  options: PlayOptions,
  chat: ChatClient | undefined,
  run: RunPolicy | undefined,
): TeamPlan[] {
  const policyName = options.policy ?? "oracle";
  const rng = () => Rng.fromSeed(options.seed).split("policy");
  const candidates = (family: TaskFamily): CandidatePolicy =>
    run === undefined
      ? teamPolicyCandidates(family.policy(policyName as ReferencePolicyName), rng())
      : networkPolicy(run.network, run.table, run.gemm, {
          name: run.method,
          numericWidth: run.numericWidth,
        });
  const policyLabel = run === undefined ? policyName : `${run.method} (${policyName})`;
  const policyAlone: TeamPlan = {
    label: policyLabel,
    make: (_task, family) =>
      run === undefined
        ? referenceTeam(family.policy(policyName as ReferencePolicyName), rng())
        : candidatePolicyTeam(candidates(family)),
  };
  if (chat === undefined) return [policyAlone];
  const modelName = options.model ?? options.gguf ?? "local";
  const agent = new LlmAgent(chat, {
    model: modelName,
    temperature: options.temperature,
    maxTokens: options.maxTokens,
    seed: options.seed,
    logprobs: options.logprobs,
    jsonSchema: !options.noSchema,
  });
  const role = (family: TaskFamily) => () => familyBrief(family.name);
  const llmAlone: TeamPlan = {
    label: `LLM ${modelName}`,
    make: (_task, family) => new LlmTeam(agent, `llm ${modelName}`, { role: role(family) }),
  };
  if (options.policy === undefined) return [llmAlone];
  const combined: TeamPlan = {
    label: `LLM ${modelName} × ${policyLabel}, α = ${options.alpha}`,
    make: (_task, family) =>
      new GuidedTeam(agent, candidates(family), { alpha: options.alpha, role: role(family) }),
  };
  return options.compare ? [llmAlone, policyAlone, combined] : [combined];
}

function printStep(io: CommandIo, step: StepRecord): void {
  const lines = [`step ${step.t}`];
  for (const move of step.moves) {
    const said = move.messageText === "" ? "" : `  says "${move.messageText}"`;
    const flag = move.fallback
      ? `  [fallback: ${move.error ?? "no usable reply"}]`
      : move.retried
        ? "  [retried]"
        : "";
    lines.push(`  ${move.agent}: [${move.action}] ${move.actionText}${said}${flag}`);
  }
  lines.push(`  reward ${step.teamReward.toFixed(2)}  total ${step.total.toFixed(2)}`);
  io.stdout(`${lines.join("\n")}\n`);
}

/** The `troupe play` command. */
export const playCommand: Command = {
  name: "play",
  summary:
    "play an LLM team, a trained policy, or both combined on sample tasks: transcript and scores",
  async run(args, io) {
    const parsed = parseFlags("play", PlayFlags, args, USAGE);
    if (parsed.help) {
      io.stdout(parsed.text);
      return 0;
    }
    const options = parsed.values;
    if (
      options.compare &&
      (options.policy === undefined ||
        [options.llm, options.gguf, options.replay].every((s) => s === undefined))
    ) {
      throw new ConfigError({
        input: "--compare",
        problem: "needs both an LLM and a policy",
        fix: "pass --llm URL --model NAME (or --gguf/--replay) and --policy runs/ID|greedy",
      });
    }
    const client = await chatClientFor(options);
    const tasks = await selectTasks(options);
    const policy = options.policy ?? "oracle";
    const run = isReferencePolicy(policy)
      ? undefined
      : await loadRunPolicy(
          policy,
          tasks.map((task) => ({ task, family: familyOf(task) })),
        );
    const writer: RecordWriter | undefined =
      options.record === undefined ? undefined : new JsonlRecordWriter(options.record);
    const chat =
      client === undefined || options.replay !== undefined || writer === undefined
        ? client
        : new RecordingChatClient({ client, writer });
    await writer?.append({ kind: "play", options });
    const teams = planTeams(options, chat, run);
    const main = teams[teams.length - 1];
    const first = tasks[0];
    if (!options.quiet)
      io.stdout(`# ${first.id} (${first.family}, stratum ${first.stratum}), team: ${main.label}\n`);
    const results = [];
    for (const team of teams) {
      const rows = await playTasks(tasks, team.make, {
        ...(writer === undefined ? {} : { writer }),
        ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
        seed: options.seed,
        onStep: (task, step) => {
          if (!options.quiet && team === main && task.id === first.id) printStep(io, step);
        },
      });
      results.push({ team: team.label, rows });
    }
    io.stdout(`\n${formatPlayTable(results[results.length - 1].rows)}`);
    if (results.length > 1) io.stdout(`\n${formatComparison(results)}`);
    return 0;
  },
};

function familyOf(task: TaskHeader): TaskFamily {
  const family = taskFamilies.get(task.family);
  if (family === undefined) {
    throw new ConfigError({
      input: `task ${task.id}`,
      problem: `unknown family "${task.family}"`,
      fix: "regenerate the suite with `troupe tasks generate`",
    });
  }
  return family;
}
