/**
 * An agent's observation in words, rendered from a sim's current state: the view, every action and
 * message candidate's text, and the messages heard last step. Shared by ParallelEnv and VectorEnv,
 * which both render only on request and cache the result until the next step.
 */
import { SILENT, type TaskSim } from "./types.js";

/** An observation in words: what the agent reads. */
export interface TextObservation {
  readonly view: string;
  /** Every action candidate's text; the action mask says which are legal. */
  readonly actions: readonly string[];
  /** Every message candidate's text ("" = say nothing); the message mask says which are legal. */
  readonly messages: readonly string[];
  /** Messages team-mates sent last step, as "agent_k: text" (silent ones left out). */
  readonly inbox: readonly string[];
  readonly stepsLeft: number;
}

/** Renders `agent`'s observation of `sim` as it is now. */
export function renderText(sim: TaskSim, agent: number): TextObservation {
  const actions: string[] = [];
  for (let a = 0; a < sim.numActions; a++) actions.push(sim.actionText(agent, a));
  const messages: string[] = [];
  for (let m = 0; m < sim.numMessages; m++) messages.push(sim.messageText(m));
  const inbox: string[] = [];
  for (let from = 0; from < sim.numAgents; from++) {
    const m = sim.lastMessages[from];
    if (from !== agent && m !== SILENT) inbox.push(`agent_${from}: ${sim.messageText(m)}`);
  }
  return { view: sim.renderView(agent), actions, messages, inbox, stepsLeft: sim.horizon - sim.t };
}
