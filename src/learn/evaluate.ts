/**
 * Evaluation of a trained policy: one episode per task, every task stepped in lock-step, actions
 * either greedy (the most probable candidate) or sampled. Reports the raw team return and the
 * normalised score (oracle 1, nothing 0) per task and on average.
 */
import { BatchBuilder } from "../agents/batch.js";
import { TeamMemory } from "../agents/memory.js";
import { greedyCandidate, type PolicyNetwork, sampleCandidate } from "../agents/policy.js";
import type { TextTable } from "../agents/text-table.js";
import type { Rng } from "../core/prng.js";
import type { Gemm } from "../model/gemm.js";
import { Graph } from "../model/graph.js";
import type { ReferenceScores, TrainingTask } from "./tasks.js";

/** The outcome of {@link evaluatePolicy}. */
export interface EvaluationResult {
  readonly episodes: number;
  readonly meanTeamReturn: number;
  /** The mean normalised score; NaN when evaluated without reference scores. */
  readonly meanNormalisedScore: number;
  readonly teamReturns: readonly number[];
}

/** Options of {@link evaluatePolicy}. */
export interface EvaluateOptions {
  readonly greedy: boolean;
  readonly rng: Rng;
  readonly numericWidth?: number;
}

/**
 * Runs one episode of `policy` on each task (reset seed 0) and scores it; with `references` null
 * only raw returns are reported (the references play each task's oracle, which a caller that reads
 * returns only, such as the race's tests, need not pay for).
 */
export async function evaluatePolicy(
  policy: PolicyNetwork,
  table: TextTable,
  gemm: Gemm,
  tasks: readonly TrainingTask[],
  references: ReferenceScores | null,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const sims = tasks.map(({ family, task }) => family.createSim(task));
  for (const sim of sims) sim.reset(0);
  const returns = new Array<number>(tasks.length).fill(0);
  const graph = new Graph(gemm, { recordGradients: false });
  // A recurrent policy carries each task's states through its episode.
  const memory =
    policy.recurrent === null ? null : new TeamMemory(policy.config.hidden, tasks.length);
  for (;;) {
    const live = sims.map((sim, i) => [sim, i] as const).filter(([sim]) => !sim.done);
    if (live.length === 0) break;
    const builder = new BatchBuilder(table, options.numericWidth ?? 0);
    for (const [sim] of live) builder.addTeam(sim);
    await table.flush();
    const batch = builder.build();
    graph.reset();
    const slots = live.map(([, index]) => index);
    const out = policy.forward(
      graph,
      table.matrix(),
      batch,
      memory === null ? {} : { memory: memory.input(batch, slots) },
    );
    if (memory !== null && out.memory !== null) memory.store(batch, slots, out.memory.value);
    const choose = (lp: Float32Array, start: number, end: number) =>
      options.greedy
        ? greedyCandidate(lp, start, end)
        : sampleCandidate(options.rng, lp, start, end);
    live.forEach(([sim, index], team) => {
      const n = sim.numAgents;
      const actions = new Int32Array(n);
      const messages = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const s = batch.teamOffsets[team] + i;
        actions[i] = choose(
          out.actionLogProbs.value,
          batch.actionOffsets[s],
          batch.actionOffsets[s + 1],
        );
        messages[i] = choose(
          out.messageLogProbs.value,
          batch.messageOffsets[s],
          batch.messageOffsets[s + 1],
        );
      }
      const rewards = new Float64Array(n);
      sim.step(actions, messages, rewards);
      for (let i = 0; i < n; i++) returns[index] += rewards[i];
    });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    episodes: tasks.length,
    meanTeamReturn: mean(returns),
    meanNormalisedScore:
      references === null ? Number.NaN : mean(returns.map((r, i) => references.normalised(i, r))),
    teamReturns: returns,
  };
}
