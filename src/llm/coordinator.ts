/**
 * RL-guided coordination: a team whose every move combines what the language model proposes with
 * what a trained Troupe policy prefers.
 *
 *   π(a) ∝ π_LLM(a)^α · π_RL(a)^(1−α)   over the legal candidates (a product of experts)
 *
 * π_LLM comes from the model's choice: the chosen candidate gets the probability the model gave
 * the tokens of its number (from log-probabilities where the server returns them, else
 * `llmConfidence`; clamped to [0.05, 0.95]), the rest is spread evenly over the other legal
 * candidates; after a fallback π_LLM is uniform (the model said nothing usable). π_RL is the
 * trained actor's distribution.
 * α = 1 is the LLM alone, α = 0 the policy alone. The move is the most probable candidate (or a
 * sample). Who talks is the policy's message head's call: an agent speaks when the head puts at
 * least `speakThreshold` on speaking, and then says the LLM's proposed message if it made one,
 * else the head's most probable message.
 */
import { BatchBuilder } from "../agents/batch.js";
import { TeamMemory } from "../agents/memory.js";
import type { PolicyNetwork } from "../agents/policy.js";
import type { TextTable } from "../agents/text-table.js";
import { ConfigError } from "../core/errors.js";
import type { Rng } from "../core/prng.js";
import { SILENT, type TaskSim, type TeamPolicy } from "../env/types.js";
import type { Gemm } from "../model/gemm.js";
import { Graph } from "../model/graph.js";
import type { TokenLogprob } from "../openai/client.js";
import type { LlmAgent, LlmDecision } from "./agent.js";
import type { AgentDecision, TeamDecider, TeamStep } from "./team.js";

/** Per-agent log-probabilities over the sim's action and message candidates (−∞ where masked). */
export interface CandidateDistributions {
  readonly actions: readonly Float64Array[];
  readonly messages: readonly Float64Array[];
}

/** A policy that scores every candidate: a trained actor, or a reference policy standing in. */
export interface CandidatePolicy {
  readonly name: string;
  reset(sim: TaskSim): void;
  distributions(sim: TaskSim): Promise<CandidateDistributions>;
}

/**
 * A trained {@link PolicyNetwork} as a {@link CandidatePolicy}: one forward pass per step over
 * the team (no gradients recorded).
 */
export function networkPolicy(
  network: PolicyNetwork,
  table: TextTable,
  gemm: Gemm,
  options: { readonly name?: string; readonly numericWidth?: number } = {},
): CandidatePolicy {
  const graph = new Graph(gemm, { recordGradients: false });
  // A recurrent network carries the team's states through the episode.
  const memory = network.recurrent === null ? null : new TeamMemory(network.config.hidden, 1);
  return {
    name: options.name ?? "policy",
    reset() {
      memory?.reset(0);
    },
    async distributions(sim) {
      const builder = new BatchBuilder(table, options.numericWidth ?? 0);
      builder.addTeam(sim);
      await table.flush();
      const batch = builder.build();
      graph.reset();
      const out = network.forward(
        graph,
        table.matrix(),
        batch,
        memory === null ? {} : { memory: memory.input(batch, [0]) },
      );
      if (memory !== null && out.memory !== null) memory.store(batch, [0], out.memory.value);
      const slice = (values: Float32Array, offsets: Int32Array, s: number) =>
        Float64Array.from(values.subarray(offsets[s], offsets[s + 1]));
      const actions: Float64Array[] = [];
      const messages: Float64Array[] = [];
      for (let s = 0; s < batch.samples; s++) {
        actions.push(slice(out.actionLogProbs.value, batch.actionOffsets, s));
        messages.push(slice(out.messageLogProbs.value, batch.messageOffsets, s));
      }
      return { actions, messages };
    },
  };
}

/**
 * A synchronous team policy (a reference oracle or greedy) as a {@link CandidatePolicy}: its
 * choice gets probability `sharpness`, the rest is spread over the other legal candidates. A
 * stand-in for a trained policy in tests and demonstrations.
 */
export function teamPolicyCandidates(
  policy: TeamPolicy,
  rng: Rng,
  sharpness = 0.9,
): CandidatePolicy {
  let actions = new Int32Array(0);
  let messages = new Int32Array(0);
  return {
    name: policy.name,
    reset(sim) {
      actions = new Int32Array(sim.numAgents);
      messages = new Int32Array(sim.numAgents);
      policy.reset(sim);
    },
    async distributions(sim) {
      policy.act(sim, rng, actions, messages);
      const actionMask = new Uint8Array(sim.numActions);
      const messageMask = new Uint8Array(sim.numMessages);
      const out: { actions: Float64Array[]; messages: Float64Array[] } = {
        actions: [],
        messages: [],
      };
      for (let agent = 0; agent < sim.numAgents; agent++) {
        sim.writeActionMask(agent, actionMask, 0);
        sim.writeMessageMask(agent, messageMask, 0);
        out.actions.push(peaked(actions[agent], actionMask, sharpness));
        out.messages.push(peaked(messages[agent], messageMask, sharpness));
      }
      return out;
    },
  };
}

/** Log-probabilities with `p` on `choice` and the rest spread over the other legal entries. */
export function peaked(choice: number, mask: Uint8Array, p: number): Float64Array {
  let legal = 0;
  for (let k = 0; k < mask.length; k++) legal += mask[k];
  const out = new Float64Array(mask.length).fill(Number.NEGATIVE_INFINITY);
  if (legal === 0) return out;
  const chosenLegal = mask[choice] === 1;
  const others = chosenLegal ? legal - 1 : legal;
  const top = others === 0 ? 1 : chosenLegal ? p : 0;
  const rest = others === 0 ? 0 : (1 - top) / others;
  for (let k = 0; k < mask.length; k++) {
    if (mask[k] !== 1) continue;
    out[k] = Math.log(k === choice ? top : rest);
  }
  return out;
}

/**
 * The probability the model gave the digits of its `"action"` number: the product of the
 * probabilities of the reply tokens that overlap them. Undefined without usable log-probabilities.
 */
export function actionConfidence(
  reply: string,
  logprobs: readonly TokenLogprob[] | undefined,
): number | undefined {
  if (logprobs === undefined || logprobs.length === 0) return undefined;
  if (logprobs.map((t) => t.token).join("") !== reply) return undefined;
  const match = /"action"\s*:\s*(\d+)/.exec(reply);
  if (match === null) return undefined;
  const start = match.index + match[0].length - match[1].length;
  const end = start + match[1].length;
  let position = 0;
  let sum = 0;
  for (const token of logprobs) {
    const next = position + token.token.length;
    if (next > start && position < end) sum += token.logprob;
    position = next;
  }
  return Math.exp(sum);
}

/**
 * Writes the normalised log of π_LLM^α · π_RL^(1−α) into `out` (−∞ where either is −∞, i.e.
 * illegal) and returns the index of its most probable entry (−1 when nothing is legal).
 */
export function combineLogProbs(
  llm: Float64Array,
  rl: Float64Array,
  alpha: number,
  out: Float64Array,
): number {
  if (llm.length !== rl.length || out.length !== llm.length) {
    throw new ConfigError({
      input: "combineLogProbs",
      problem: "distributions of different lengths",
      expected: `three arrays of ${llm.length}`,
      actual: `${llm.length}, ${rl.length}, ${out.length}`,
      fix: "pass one agent's LLM and policy distributions over the same candidate list",
    });
  }
  let best = -1;
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < llm.length; k++) {
    const legal = llm[k] > Number.NEGATIVE_INFINITY && rl[k] > Number.NEGATIVE_INFINITY;
    out[k] = legal ? alpha * llm[k] + (1 - alpha) * rl[k] : Number.NEGATIVE_INFINITY;
    if (out[k] > max) {
      max = out[k];
      best = k;
    }
  }
  if (best < 0) return -1;
  let total = 0;
  for (let k = 0; k < out.length; k++) total += Math.exp(out[k] - max);
  const logTotal = max + Math.log(total);
  for (let k = 0; k < out.length; k++) out[k] -= logTotal;
  return best;
}

/** Options of {@link GuidedTeam}. */
export interface GuidedTeamOptions {
  /** Weight of the LLM in the product, 0..1. Default 0.5. */
  readonly alpha?: number;
  /** π_LLM of the chosen candidate when the server gives no log-probabilities. Default 0.8. */
  readonly llmConfidence?: number;
  /** The least probability of speaking at which the message head lets an agent talk. Default 0.5. */
  readonly speakThreshold?: number;
  /** Sample from the combination with this generator instead of taking its most probable move. */
  readonly sample?: Rng;
  /** A line for every agent's system message. */
  readonly role?: (agent: string, sim: TaskSim) => string | undefined;
}

/** An LLM team re-weighted by a trained policy; see the file header. */
export class GuidedTeam implements TeamDecider {
  readonly name: string;
  private readonly alpha: number;
  private readonly llmConfidence: number;
  private readonly speakThreshold: number;

  constructor(
    private readonly agent: LlmAgent,
    private readonly policy: CandidatePolicy,
    private readonly options: GuidedTeamOptions = {},
  ) {
    this.alpha = unitInterval(options.alpha ?? 0.5, "alpha");
    this.llmConfidence = unitInterval(options.llmConfidence ?? 0.8, "llmConfidence");
    this.speakThreshold = unitInterval(options.speakThreshold ?? 0.5, "speakThreshold");
    this.name = `llm×${policy.name} α=${this.alpha}`;
  }

  reset(sim: TaskSim): void {
    this.policy.reset(sim);
  }

  async decide(step: TeamStep): Promise<AgentDecision[]> {
    const [rl, llm] = await Promise.all([
      this.policy.distributions(step.sim),
      Promise.all(
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
      ),
    ]);
    return step.agents.map((name, i) => {
      const observation = step.observations[name];
      const action = this.combinedAction(llm[i], observation.actionMask, rl.actions[i]);
      const message = this.message(llm[i], observation.messageMask, rl.messages[i]);
      const { fallback, retried, requests, promptTokens, completionTokens, error } = llm[i];
      const costs = { fallback, retried, requests, promptTokens, completionTokens };
      return { action, message, ...costs, ...(error === undefined ? {} : { error }) };
    });
  }

  private combinedAction(decision: LlmDecision, mask: Uint8Array, rl: Float64Array): number {
    const reported = actionConfidence(decision.replies.at(-1) ?? "", decision.logprobs);
    // Clamped so that neither expert can veto a candidate outright with a probability of 0 or 1.
    const confidence = Math.min(0.95, Math.max(0.05, reported ?? this.llmConfidence));
    const llm = decision.fallback ? peaked(-1, mask, 0) : peaked(decision.action, mask, confidence);
    const combined = new Float64Array(mask.length);
    const best = combineLogProbs(llm, rl, this.alpha, combined);
    if (best < 0) return decision.action;
    if (this.options.sample === undefined) return best;
    let u = this.options.sample.float();
    for (let k = 0; k < combined.length; k++) {
      if (combined[k] === Number.NEGATIVE_INFINITY) continue;
      u -= Math.exp(combined[k]);
      if (u < 0) return k;
    }
    return best;
  }

  private message(decision: LlmDecision, mask: Uint8Array, rl: Float64Array): number {
    const speak = 1 - Math.exp(rl[SILENT] ?? Number.NEGATIVE_INFINITY);
    if (speak < this.speakThreshold) return SILENT;
    if (decision.message !== SILENT && mask[decision.message] === 1) return decision.message;
    let best = SILENT;
    for (let m = 0; m < rl.length; m++)
      if (m !== SILENT && mask[m] === 1 && (best === SILENT || rl[m] > rl[best])) best = m;
    return best;
  }
}

/** A {@link CandidatePolicy} playing alone: each agent's most probable action and message. */
export function candidatePolicyTeam(policy: CandidatePolicy): TeamDecider {
  const argmax = (values: Float64Array) => {
    let best = 0;
    for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
    return best;
  };
  return {
    name: policy.name,
    reset: (sim) => policy.reset(sim),
    async decide(step) {
      const { actions, messages } = await policy.distributions(step.sim);
      return step.agents.map((_, i) => ({
        action: argmax(actions[i]),
        message: argmax(messages[i]),
        fallback: false,
        retried: false,
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
      }));
    },
  };
}

function unitInterval(value: number, name: string): number {
  if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
  throw new ConfigError({
    input: `GuidedTeam ${name}`,
    problem: "out of range",
    expected: "a number in [0, 1]",
    actual: String(value),
    fix: `pass ${name} between 0 and 1`,
  });
}
