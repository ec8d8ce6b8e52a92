/**
 * Team deciders: what plays one step of an episode for the whole team, asynchronously (a language
 * model answers over the network). {@link LlmTeam} asks one {@link LlmAgent} per agent, all agents
 * of a step at once; {@link referenceTeam} wraps a synchronous {@link TeamPolicy} (the reference
 * oracle or greedy policy, or a trained policy) so both play through the same episode runner.
 */
import type { Rng } from "../core/prng.js";
import type { AgentObservation } from "../env/parallel-env.js";
import type { TaskSim, TeamPolicy } from "../env/types.js";
import type { LlmAgent } from "./agent.js";

/** One agent's part of a team decision, with what it cost. */
export interface AgentDecision {
  readonly action: number;
  readonly message: number;
  readonly fallback: boolean;
  readonly retried: boolean;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Why a reply was refused, when one was. */
  readonly error?: string;
}

/** What a team decider sees at one step. */
export interface TeamStep {
  readonly sim: TaskSim;
  /** Every agent's observation, keyed `agent_0` … in agent order. */
  readonly observations: Readonly<Record<string, AgentObservation>>;
  readonly agents: readonly string[];
}

/** Plays the whole team's step. */
export interface TeamDecider {
  readonly name: string;
  /** Called at the start of every episode. */
  reset(sim: TaskSim): void;
  /** One decision per agent, in the order of `step.agents`. */
  decide(step: TeamStep): Promise<AgentDecision[]>;
}

/** Options of {@link LlmTeam}. */
export interface LlmTeamOptions {
  /** A line for every agent's system message, e.g. what the task family is about. */
  readonly role?: (agent: string, sim: TaskSim) => string | undefined;
}

/** Every agent asks the same model (the paper's "same base language model"), concurrently. */
export class LlmTeam implements TeamDecider {
  readonly name: string;

  constructor(
    private readonly agent: LlmAgent,
    name = "llm",
    private readonly options: LlmTeamOptions = {},
  ) {
    this.name = name;
  }

  reset(): void {}

  decide(step: TeamStep): Promise<AgentDecision[]> {
    return Promise.all(
      step.agents.map((name) => {
        const observation = step.observations[name];
        const role = this.options.role?.(name, step.sim);
        return this.agent.decide({
          agent: name,
          teamSize: step.agents.length,
          observation: observation.text(),
          actionMask: observation.actionMask,
          messageMask: observation.messageMask,
          ...(role === undefined ? {} : { role }),
        });
      }),
    );
  }
}

/** A synchronous team policy as a {@link TeamDecider}: no requests, no tokens, no fallbacks. */
export function referenceTeam(policy: TeamPolicy, rng: Rng): TeamDecider {
  let actions = new Int32Array(0);
  let messages = new Int32Array(0);
  return {
    name: policy.name,
    reset(sim) {
      actions = new Int32Array(sim.numAgents);
      messages = new Int32Array(sim.numAgents);
      policy.reset(sim);
    },
    async decide(step) {
      policy.act(step.sim, rng, actions, messages);
      return step.agents.map((_, i) => ({
        action: actions[i],
        message: messages[i],
        fallback: false,
        retried: false,
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
      }));
    },
  };
}
