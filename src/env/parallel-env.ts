/**
 * PettingZoo's parallel API over one {@link TaskSim}: records keyed by agent name for observations,
 * rewards, terminations, truncations and infos; `possibleAgents` vs `agents`; `state()` for a
 * centralised critic. Observations carry structured features and masks eagerly and their natural-
 * language form lazily (`observation.text()`), rendered once and cached, so numeric learners pay
 * nothing for text.
 */
import { ConfigError, StateError } from "../core/errors.js";
import { renderText, type TextObservation } from "./text.js";
import { SILENT, type TaskSim } from "./types.js";

export type { TextObservation } from "./text.js";

/** One agent's observation. */
export interface AgentObservation {
  readonly features: Float32Array;
  readonly actionMask: Uint8Array;
  readonly messageMask: Uint8Array;
  /**
   * Per team index, the message index that agent sent last step ({@link SILENT} = nothing). The
   * agent's own slot is always {@link SILENT}: like the text inbox, it holds only what team-mates
   * said (the agent knows what it sent; `sim.lastMessages` still holds every message).
   */
  readonly inbox: Int32Array;
  readonly stepsLeft: number;
  /** The same observation in words; valid until the next step or reset. */
  text(): TextObservation;
}

/** One agent's part of a joint action. */
export interface AgentAction {
  readonly action: number;
  /** Defaults to {@link SILENT}. */
  readonly message?: number;
}

/** What `step` returns: PettingZoo's five records (infos carry the team reward and step). */
export interface StepResult {
  readonly observations: Record<string, AgentObservation>;
  readonly rewards: Record<string, number>;
  readonly terminations: Record<string, boolean>;
  readonly truncations: Record<string, boolean>;
  readonly infos: Record<string, { readonly teamReward: number; readonly t: number }>;
}

/** The parallel multi-agent environment over one task. */
export class ParallelEnv {
  readonly possibleAgents: readonly string[];
  /** Agents still acting: all after reset, none once the episode has ended. */
  agents: readonly string[] = [];
  private readonly actions: Int32Array;
  private readonly messages: Int32Array;
  private readonly rewards: Float64Array;
  private epoch = 0;

  constructor(readonly sim: TaskSim) {
    this.possibleAgents = Array.from({ length: sim.numAgents }, (_, i) => `agent_${i}`);
    this.actions = new Int32Array(sim.numAgents);
    this.messages = new Int32Array(sim.numAgents);
    this.rewards = new Float64Array(sim.numAgents);
  }

  /** Starts an episode; returns every agent's first observation. */
  reset(seed: number): { observations: Record<string, AgentObservation> } {
    this.sim.reset(seed);
    this.epoch++;
    this.agents = this.possibleAgents;
    return { observations: this.observeAll() };
  }

  /** Advances one step with every live agent's action (and optional message). */
  step(joint: Readonly<Record<string, AgentAction>>): StepResult {
    if (this.agents.length === 0) {
      throw new StateError({
        input: "ParallelEnv.step",
        problem: "no live agents (episode over or never reset)",
        fix: "call reset(seed) first",
      });
    }
    this.possibleAgents.forEach((name, i) => {
      const a = joint[name];
      if (a === undefined) {
        throw new ConfigError({
          input: `actions["${name}"]`,
          problem: "missing",
          expected: `one action for each of ${this.agents.join(", ")}`,
          fix: "pass { action, message? } for every live agent",
        });
      }
      this.actions[i] = a.action;
      this.messages[i] = a.message ?? SILENT;
    });
    this.sim.step(this.actions, this.messages, this.rewards);
    this.epoch++;
    let team = 0;
    for (let i = 0; i < this.rewards.length; i++) team += this.rewards[i];
    const result: StepResult = {
      observations: this.observeAll(),
      rewards: {},
      terminations: {},
      truncations: {},
      infos: {},
    };
    this.possibleAgents.forEach((name, i) => {
      result.rewards[name] = this.rewards[i];
      result.terminations[name] = this.sim.done;
      result.truncations[name] = false;
      result.infos[name] = { teamReward: team, t: this.sim.t };
    });
    if (this.sim.done) this.agents = [];
    return result;
  }

  /** The current world state for a centralised critic (no future events). */
  state(): Float32Array {
    const out = new Float32Array(this.sim.stateSize);
    this.sim.writeState(out, 0);
    return out;
  }

  private observeAll(): Record<string, AgentObservation> {
    const out: Record<string, AgentObservation> = {};
    this.possibleAgents.forEach((name, i) => {
      out[name] = this.observe(i);
    });
    return out;
  }

  private observe(agent: number): AgentObservation {
    const sim = this.sim;
    const features = new Float32Array(sim.featureSize);
    const actionMask = new Uint8Array(sim.numActions);
    const messageMask = new Uint8Array(sim.numMessages);
    sim.writeFeatures(agent, features, 0);
    sim.writeActionMask(agent, actionMask, 0);
    sim.writeMessageMask(agent, messageMask, 0);
    const inbox = Int32Array.from(sim.lastMessages.subarray(0, sim.numAgents));
    inbox[agent] = SILENT; // as in the text inbox: an agent does not hear itself
    const stepsLeft = sim.horizon - sim.t;
    const epoch = this.epoch;
    let cached: TextObservation | undefined;
    const text = (): TextObservation => {
      if (cached !== undefined) return cached;
      if (epoch !== this.epoch) {
        throw new StateError({
          input: `agent_${agent}'s observation.text()`,
          problem: "the environment has stepped since this observation",
          fix: "render text() before calling step() or reset() again",
        });
      }
      cached = renderText(sim, agent);
      return cached;
    };
    return { features, actionMask, messageMask, inbox, stepsLeft, text };
  }
}
