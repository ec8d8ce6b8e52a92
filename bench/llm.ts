/**
 * `npm run bench -- llm`: what Troupe itself adds to an LLM team's step, side by side at 3, 5 and
 * 10 agents on planning tasks (horizon 40): building one agent's prompt and parsing its reply
 * (µs per decision, and the prompt's size), one whole episode answered in-process by a scripted
 * client (decisions/s: prompts, parsing, the episode loop and its record), the same episode
 * guided by a policy (π_LLM^α · π_RL^(1−α), reference greedy policy standing in), and the episode
 * over HTTP against the local fake server (loopback: the SDK, JSON and sockets, not a model).
 * A real model's latency (tens to hundreds of ms per reply) dwarfs all of these.
 */
import { Rng } from "../src/core/prng.js";
import { MemoryRecordWriter } from "../src/core/record-writer.js";
import { ParallelEnv } from "../src/env/parallel-env.js";
import { planningFamily } from "../src/env/planning/index.js";
import type { TaskSim } from "../src/env/types.js";
import { LlmAgent } from "../src/llm/agent.js";
import { GuidedTeam, teamPolicyCandidates } from "../src/llm/coordinator.js";
import { playEpisode } from "../src/llm/episode.js";
import { parseDecision } from "../src/llm/parse.js";
import { buildPrompt } from "../src/llm/prompt.js";
import { LlmTeam, type TeamDecider } from "../src/llm/team.js";
import type { ChatClient } from "../src/openai/client.js";
import { OpenAiCompatibleClient } from "../src/openai/client.js";
import { startFakeOpenAiServer } from "../src/openai/fake-server.js";
import { ScriptedChatClient } from "../src/testing/scripted-chat-client.js";
import { type BenchSuite, type Figure, table, timeIt } from "./suite.js";

const TEAM_SIZES = [3, 5, 10] as const;
const WAIT = '{"action": 0, "message": 0}';

function makeSim(agents: number): TaskSim {
  const params = {
    agents,
    horizon: 40,
    dependency: 0.5,
    coupling: 0.7,
    view: 0.2,
    disruption: 0.2,
  };
  const task = planningFamily.generate(
    { id: `bench-llm-${agents}`, stratum: "bench", params },
    Rng.fromSeed(`bench/llm/${agents}`),
  );
  return planningFamily.createSim(task);
}

async function decisionsPerSecond(
  sim: TaskSim,
  team: () => TeamDecider,
  rounds: number,
): Promise<number> {
  await playEpisode(sim, team(), { task: "warm-up" });
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    const summary = await playEpisode(sim, team(), {
      task: "bench",
      writer: new MemoryRecordWriter(),
    });
    best = Math.max(best, summary.decisions / ((performance.now() - started) / 1000));
  }
  return best;
}

/** The `llm` benchmark suite. */
export const llmSuite: BenchSuite = {
  name: "llm",
  summary:
    "Troupe's own cost per LLM decision: prompt + parse, episode loop, guidance, loopback HTTP",
  async run({ log, args }) {
    const rounds = args.includes("--quick") ? 1 : 3;
    const figures: Figure[] = [];
    const rows: string[][] = [];
    const server = await startFakeOpenAiServer({ chatReply: () => WAIT });
    try {
      for (const agents of TEAM_SIZES) {
        const sim = makeSim(agents);
        const env = new ParallelEnv(sim);
        const observation = env.reset(0).observations.agent_0;
        const input = {
          agent: "agent_0",
          teamSize: agents,
          observation: observation.text(),
          actionMask: observation.actionMask,
          messageMask: observation.messageMask,
        };
        const promptChars = buildPrompt(input).reduce((sum, m) => sum + m.content.length, 0);
        const promptParse = timeIt((n) => {
          for (let i = 0; i < n; i++) {
            buildPrompt(input);
            parseDecision(WAIT, input.actionMask, input.messageMask);
          }
        });
        const scripted = (): ChatClient => new ScriptedChatClient({ replies: () => WAIT });
        const alone = await decisionsPerSecond(
          sim,
          () => new LlmTeam(new LlmAgent(scripted(), { model: "m" })),
          rounds,
        );
        const guided = await decisionsPerSecond(
          sim,
          () =>
            new GuidedTeam(
              new LlmAgent(scripted(), { model: "m" }),
              teamPolicyCandidates(planningFamily.policy("greedy"), Rng.fromSeed(1)),
            ),
          rounds,
        );
        const http = new OpenAiCompatibleClient({ baseUrl: server.url, concurrency: 8 });
        const overHttp = await decisionsPerSecond(
          sim,
          () => new LlmTeam(new LlmAgent(http, { model: "m" })),
          rounds,
        );
        rows.push([
          String(agents),
          String(promptChars),
          (promptParse * 1e6).toFixed(1),
          alone.toFixed(0),
          guided.toFixed(0),
          overHttp.toFixed(0),
        ]);
        figures.push(
          { name: `prompt-chars/${agents}`, value: promptChars, unit: "chars" },
          { name: `prompt+parse/${agents}`, value: promptParse * 1e6, unit: "µs/decision" },
          { name: `episode-scripted/${agents}`, value: alone, unit: "decisions/s" },
          { name: `episode-guided/${agents}`, value: guided, unit: "decisions/s" },
          { name: `episode-http-loopback/${agents}`, value: overHttp, unit: "decisions/s" },
        );
      }
    } finally {
      await server.close();
    }
    log(
      table(
        [
          "agents",
          "prompt chars",
          "prompt+parse µs",
          "scripted dec/s",
          "guided dec/s",
          "loopback HTTP dec/s",
        ],
        rows,
      ),
    );
    return figures;
  },
};
