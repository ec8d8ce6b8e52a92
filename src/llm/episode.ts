/**
 * Plays one episode of a {@link TeamDecider} on a task through the parallel API and keeps its
 * record: every step (each agent's action and message, as numbers and as text, fallbacks,
 * rewards) goes to a {@link RecordWriter} as it happens and to an optional live listener, and the
 * episode ends with a summary. If the decider fails mid-episode (a server that went down), an
 * `episode-error` record is written before the error is rethrown, so what was played is kept.
 */
import type { RecordWriter } from "../core/record-writer.js";
import { ParallelEnv } from "../env/parallel-env.js";
import type { TaskSim } from "../env/types.js";
import type { AgentDecision, TeamDecider } from "./team.js";

/** One agent's move at one step, in words. */
export interface AgentMove {
  readonly agent: string;
  readonly action: number;
  readonly actionText: string;
  readonly message: number;
  /** "" when the agent said nothing. */
  readonly messageText: string;
  readonly fallback: boolean;
  readonly retried: boolean;
  /** Why the model's last refused reply was refused, when one was. */
  readonly error?: string;
  readonly reward: number;
}

/** One step as the transcript shows it. */
export interface StepRecord {
  readonly kind: "step";
  readonly task: string;
  readonly t: number;
  readonly moves: readonly AgentMove[];
  readonly teamReward: number;
  readonly total: number;
}

/** What an episode cost and scored. */
export interface EpisodeSummary {
  readonly kind: "episode";
  readonly task: string;
  readonly decider: string;
  readonly steps: number;
  /** The team's cumulative reward. */
  readonly return: number;
  readonly decisions: number;
  readonly fallbacks: number;
  readonly retries: number;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly wallMs: number;
}

/** Options of {@link playEpisode}. */
export interface PlayEpisodeOptions {
  /** The task's id, for records. */
  readonly task: string;
  /** Seed of in-episode randomness. Default 0. */
  readonly seed?: number;
  readonly writer?: RecordWriter;
  /** Called after every step, e.g. to print a live transcript. */
  readonly onStep?: (step: StepRecord) => void;
  /** Stop after this many steps. Default: the whole episode. */
  readonly maxSteps?: number;
}

/** Plays one episode from reset; see the file header. */
export async function playEpisode(
  sim: TaskSim,
  decider: TeamDecider,
  options: PlayEpisodeOptions,
): Promise<EpisodeSummary> {
  const started = performance.now();
  const env = new ParallelEnv(sim);
  let { observations } = env.reset(options.seed ?? 0);
  decider.reset(sim);
  const totals = {
    decisions: 0,
    fallbacks: 0,
    retries: 0,
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
  };
  let total = 0;
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  const summary = (): EpisodeSummary => ({
    kind: "episode",
    task: options.task,
    decider: decider.name,
    steps: sim.t,
    return: total,
    ...totals,
    wallMs: performance.now() - started,
  });
  try {
    while (env.agents.length > 0 && sim.t < maxSteps) {
      const agents = env.agents;
      const decisions = await decider.decide({ sim, observations, agents });
      const texts = agents.map((name) => observations[name].text());
      const joint: Record<string, { action: number; message: number }> = {};
      agents.forEach((name, i) => {
        joint[name] = { action: decisions[i].action, message: decisions[i].message };
        addCosts(totals, decisions[i]);
      });
      const t = sim.t;
      const result = env.step(joint);
      const moves = agents.map(
        (name, i): AgentMove => ({
          agent: name,
          action: decisions[i].action,
          actionText: texts[i].actions[decisions[i].action] ?? "",
          message: decisions[i].message,
          messageText: texts[i].messages[decisions[i].message] ?? "",
          fallback: decisions[i].fallback,
          retried: decisions[i].retried,
          ...(decisions[i].error === undefined ? {} : { error: decisions[i].error }),
          reward: result.rewards[name],
        }),
      );
      const teamReward = moves.reduce((sum, move) => sum + move.reward, 0);
      total += teamReward;
      const record: StepRecord = { kind: "step", task: options.task, t, moves, teamReward, total };
      await options.writer?.append(record);
      options.onStep?.(record);
      observations = result.observations;
    }
  } catch (error) {
    await options.writer?.append({ ...summary(), kind: "episode-error", error: String(error) });
    throw error;
  }
  const done = summary();
  await options.writer?.append(done);
  return done;
}

function addCosts(
  totals: {
    decisions: number;
    fallbacks: number;
    retries: number;
    requests: number;
    promptTokens: number;
    completionTokens: number;
  },
  decision: AgentDecision,
): void {
  totals.decisions++;
  if (decision.fallback) totals.fallbacks++;
  if (decision.retried) totals.retries++;
  totals.requests += decision.requests;
  totals.promptTokens += decision.promptTokens;
  totals.completionTokens += decision.completionTokens;
}
