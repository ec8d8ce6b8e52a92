/**
 * The prompt an LLM agent reads: a system message with its role and the reply format, and a user
 * message with its view, the messages it heard, and the numbered legal action and message
 * candidates. Candidates keep the environment's own indices, so the reply's numbers map straight
 * onto the action mask. The reply format is a JSON object, also sent as a JSON schema to servers
 * that honour `response_format`.
 */

import type { TextObservation } from "../env/parallel-env.js";
import { SILENT } from "../env/types.js";
import type { ChatMessage } from "../openai/client.js";

/** What one agent decides from: its observation in words, its masks and its place in the team. */
export interface DecisionInput {
  /** The agent's name, e.g. "agent_2". */
  readonly agent: string;
  readonly teamSize: number;
  readonly observation: TextObservation;
  readonly actionMask: Uint8Array;
  readonly messageMask: Uint8Array;
  /** A line about the agent's role or the task family, added to the system message. */
  readonly role?: string;
}

/** The JSON schema of a reply: the chosen action's number and the message's (0 = say nothing). */
export const DECISION_SCHEMA: Record<string, unknown> = {
  type: "object",
  properties: {
    action: { type: "integer", description: "the number of one legal action candidate" },
    message: { type: "integer", description: "the number of one message candidate, 0 = silent" },
  },
  required: ["action", "message"],
  additionalProperties: false,
};

/** What each task family is about, in a line for the system message (its rules live in the view). */
const FAMILY_BRIEFS = new Map<string, string>([
  [
    "planning",
    "The task is a plan of subtasks: work only on open subtasks your skills allow, finish them before their deadlines, and be there at the same step as a team-mate for subtasks that need two agents at once.",
  ],
  [
    "allocation",
    "The task is resource allocation: carry your units to sites with open demands of your kind before they settle; over-delivering wastes units, so split the demands among the team.",
  ],
]);

/** The role line for an agent playing a task of `family` (a generic line for unknown families). */
export function familyBrief(family: string): string {
  return FAMILY_BRIEFS.get(family) ?? `The task is a ${family} task; read what you see carefully.`;
}

/** The chat messages that ask `input.agent` for its next action and message. */
export function buildPrompt(input: DecisionInput): ChatMessage[] {
  const { observation, actionMask, messageMask } = input;
  const system = [
    `You are ${input.agent}, one of ${input.teamSize} agents working as a team on a shared task.`,
    "Each step every agent picks one action and may send one short message to the team.",
    "The team is rewarded together, so coordinate: avoid duplicating work and help with joint steps.",
    ...(input.role === undefined ? [] : [input.role]),
    'Reply with only a JSON object: {"action": <action number>, "message": <message number>}.',
    "Use a number from the candidate lists; message 0 means say nothing.",
  ].join("\n");
  const lines = [`Steps left: ${observation.stepsLeft}`, "", "What you see:", observation.view];
  lines.push("", "Messages from team-mates:");
  lines.push(...(observation.inbox.length === 0 ? ["(none)"] : observation.inbox));
  lines.push("", "Action candidates:");
  observation.actions.forEach((text, k) => {
    if (actionMask[k] === 1) lines.push(`[${k}] ${text}`);
  });
  lines.push("", "Message candidates:", `[${SILENT}] (say nothing)`);
  observation.messages.forEach((text, m) => {
    if (m !== SILENT && messageMask[m] === 1) lines.push(`[${m}] ${text}`);
  });
  lines.push("", "Your reply (JSON only):");
  return [
    { role: "system", content: system },
    { role: "user", content: lines.join("\n") },
  ];
}

/** The follow-up that shows the model why its reply was refused, for the one retry. */
export function retryMessage(error: string): ChatMessage {
  return {
    role: "user",
    content: `Your reply could not be used: ${error}\nAnswer again with only a JSON object {"action": <number>, "message": <number>} using numbers from the candidate lists.`,
  };
}
