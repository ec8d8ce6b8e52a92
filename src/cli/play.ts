/**
 * `troupe play`: a team plays a fixed sample of tasks. With `--llm URL --model NAME` (any
 * OpenAI-compatible server) or `--gguf FILE` every agent is the same chat model; with `--replay
 * FILE` a recorded run is played again without the server. Without an LLM it plays a reference
 * policy (oracle, greedy, …) as a stand-in until trained policies can be loaded from runs/. It
 * prints a live transcript of the first episode (who said what, which action, reward) and a
 * summary table; `--record FILE` keeps every request, reply and step as JSONL.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { JsonlRecordWriter, type RecordWriter } from "../core/record-writer.js";
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
import type { StepRecord } from "../llm/episode.js";
import { formatPlayTable, playTasks, sampleTasks } from "../llm/play.js";
import { RecordingChatClient, readChatRecords } from "../llm/response-cache.js";
import { LlmTeam, referenceTeam, type TeamDecider } from "../llm/team.js";
import type { ChatClient } from "../openai/client.js";
import type { Command, CommandIo } from "./command.js";
import { parseFlags } from "./flags.js";

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
    .default("oracle")
    .describe(
      `without an LLM: the team policy, one of ${REFERENCE_POLICIES.join("|")} (loading a trained policy from runs/ID is not available yet)`,
    ),
  tasks: z
    .string()
    .min(1)
    .optional()
    .describe("a suite folder from `troupe tasks generate` (default: the built-in suite)"),
  split: z.enum(SPLITS).default("test").describe("which split to sample tasks from"),
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
  "Usage: troupe play --llm URL --model NAME [--tasks DIR --split test --count N] [--record FILE]",
  "       troupe play --replay FILE --model NAME [same task flags as the recorded run]",
  "       troupe play [--policy oracle|greedy|…]   (no LLM: a reference policy plays, standing in",
  "                                                 for the trained policy until runs/ can be loaded)",
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

function referencePolicyName(name: string): ReferencePolicyName {
  if ((REFERENCE_POLICIES as readonly string[]).includes(name)) return name as ReferencePolicyName;
  throw new ConfigError({
    input: "--policy",
    problem: "not a reference policy (trained policies cannot be loaded from runs/ yet)",
    expected: REFERENCE_POLICIES.join(", "),
    actual: JSON.stringify(name),
    fix: "pass --policy oracle or --policy greedy, or play an LLM team with --llm URL --model NAME",
  });
}

function printStep(io: CommandIo, step: StepRecord): void {
  const lines = [`step ${step.t}`];
  for (const move of step.moves) {
    const said = move.messageText === "" ? "" : `  says "${move.messageText}"`;
    const flag = move.fallback ? "  [fallback]" : move.retried ? "  [retried]" : "";
    lines.push(`  ${move.agent}: [${move.action}] ${move.actionText}${said}${flag}`);
  }
  lines.push(`  reward ${step.teamReward.toFixed(2)}  total ${step.total.toFixed(2)}`);
  io.stdout(`${lines.join("\n")}\n`);
}

/** The `troupe play` command. */
export const playCommand: Command = {
  name: "play",
  summary:
    "play a team (an LLM, or a reference policy) on sample tasks: live transcript and scores",
  async run(args, io) {
    const parsed = parseFlags("play", PlayFlags, args, USAGE);
    if (parsed.help) {
      io.stdout(parsed.text);
      return 0;
    }
    const options = parsed.values;
    const client = await chatClientFor(options);
    const policyName = client === undefined ? referencePolicyName(options.policy) : undefined;
    const suite =
      options.tasks === undefined ? await loadDefaultSuite() : await readSuite(options.tasks);
    const pool = suite.splits[options.split];
    const tasks =
      options.id === undefined
        ? sampleTasks(pool, options.count, options.seed)
        : pool.filter((t) => t.id === options.id);
    if (tasks.length === 0) {
      throw new ConfigError({
        input: options.id === undefined ? "--split" : "--id",
        problem:
          options.id === undefined
            ? "the split has no tasks"
            : `no task "${options.id}" in the ${options.split} split`,
        fix: "check the split with `troupe tasks stats DIR`, or pick another --split",
      });
    }
    const writer: RecordWriter | undefined =
      options.record === undefined ? undefined : new JsonlRecordWriter(options.record);
    const chat =
      client === undefined || options.replay !== undefined || writer === undefined
        ? client
        : new RecordingChatClient({ client, writer });
    await writer?.append({ kind: "play", options });
    const makeTeam = (_task: TaskHeader, family: TaskFamily): TeamDecider => {
      if (chat === undefined) {
        const policy = family.policy(policyName as ReferencePolicyName);
        return referenceTeam(policy, Rng.fromSeed(options.seed).split("policy"));
      }
      const agent = new LlmAgent(chat, {
        model: options.model ?? "local",
        temperature: options.temperature,
        maxTokens: options.maxTokens,
        seed: options.seed,
      });
      const role = `The task is a ${family.name} task.`;
      return new LlmTeam(agent, `llm ${options.model ?? options.gguf}`, { role: () => role });
    };
    const first = tasks[0].id;
    if (!options.quiet) {
      io.stdout(
        `# ${first} (${tasks[0].family}, stratum ${tasks[0].stratum}), team: ${chat === undefined ? policyName : `LLM ${options.model ?? options.gguf}`}\n`,
      );
    }
    const rows = await playTasks(tasks, makeTeam, {
      ...(writer === undefined ? {} : { writer }),
      ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
      seed: options.seed,
      onStep: (task, step) => {
        if (!options.quiet && task.id === first) printStep(io, step);
      },
    });
    io.stdout(`\n${formatPlayTable(rows)}`);
    return 0;
  },
};
