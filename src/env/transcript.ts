/**
 * One reference-policy episode as the agents read it: per step, each agent's text observation
 * (view, messages heard, legal action candidates, legal message candidates), its chosen action and
 * message, then rewards.
 * Used by `troupe tasks show`.
 */
import { InputError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { taskFamilies } from "./families.js";
import { ParallelEnv } from "./parallel-env.js";
import type { ReferencePolicyName, TaskHeader } from "./types.js";

/** Options of {@link episodeTranscript}. */
export interface TranscriptOptions {
  readonly policy?: ReferencePolicyName;
  /** Stop after this many steps (default: the whole episode). */
  readonly maxSteps?: number;
}

/** The transcript of one episode of `policy` (default the oracle) on `task`. */
export function episodeTranscript(task: TaskHeader, options: TranscriptOptions = {}): string {
  const family = taskFamilies.get(task.family);
  if (family === undefined) {
    throw new InputError({
      input: `task ${task.id}`,
      problem: `unknown family "${task.family}"`,
      expected: [...taskFamilies.keys()].join(", "),
      fix: "read tasks through readSuite, which validates them",
    });
  }
  const policyName = options.policy ?? "oracle";
  const sim = family.createSim(task);
  const env = new ParallelEnv(sim);
  const policy = family.policy(policyName);
  const rng = Rng.fromSeed(`${task.id}/${policyName}`);
  const actions = new Int32Array(sim.numAgents);
  const messages = new Int32Array(sim.numAgents);
  let { observations } = env.reset(0);
  policy.reset(sim);
  const p = task.params;
  const out = [
    `# ${task.id} (${task.family}, stratum ${task.stratum}): ${p.agents} agents, horizon ${p.horizon}, dependency ${p.dependency}, coupling ${p.coupling}, view ${p.view}, disruption ${p.disruption}`,
    `# policy: ${policyName}`,
  ];
  let total = 0;
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  while (env.agents.length > 0 && sim.t < maxSteps) {
    out.push("", `## step ${sim.t}`);
    policy.act(sim, rng, actions, messages);
    const joint: Record<string, { action: number; message: number }> = {};
    env.possibleAgents.forEach((name, i) => {
      const obs = observations[name];
      const text = obs.text();
      out.push(`### ${name}`, text.view);
      if (text.inbox.length > 0) out.push(`Messages: ${text.inbox.join(" | ")}`);
      const legal = text.actions.flatMap((a, k) =>
        obs.actionMask[k] === 1 ? [`  [${k}] ${a}`] : [],
      );
      out.push(`Candidates (${text.stepsLeft} steps left):`, ...legal);
      const sayable = text.messages.flatMap((m, k) =>
        obs.messageMask[k] === 1 ? [`[${k}] ${m === "" ? "(say nothing)" : m}`] : [],
      );
      out.push(`Message candidates: ${sayable.join(" | ")}`);
      const said = text.messages[messages[i]];
      out.push(
        `-> chose [${actions[i]}] ${text.actions[actions[i]]}${said === "" ? "" : `; says "${said}"`}`,
      );
      joint[name] = { action: actions[i], message: messages[i] };
    });
    const result = env.step(joint);
    const rewards = env.possibleAgents.map((name) => result.rewards[name]);
    const team = rewards.reduce((x, y) => x + y, 0);
    total += team;
    out.push(
      `Rewards: ${rewards.map((r) => r.toFixed(2)).join(", ")} (team ${team.toFixed(2)}, total ${total.toFixed(2)})`,
    );
    observations = result.observations;
  }
  out.push(
    "",
    `# return ${total.toFixed(2)} after ${sim.t} steps${sim.done ? "" : " (stopped early)"}`,
  );
  return `${out.join("\n")}\n`;
}
