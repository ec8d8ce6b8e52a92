/**
 * Evaluation of a trained policy: one episode per task, every task stepped in lock-step, actions
 * either greedy (the most probable candidate) or sampled. Reports the raw team return and the
 * normalised score (oracle 1, nothing 0) per task and on average.
 */
import { BatchBuilder } from "../agents/batch.js";
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
  readonly meanNormalisedScore: number;
  readonly teamReturns: readonly number[];
}

/** Options of {@link evaluatePolicy}. */
export interface EvaluateOptions {
  readonly greedy: boolean;
  readonly rng: Rng;
  readonly numericWidth?: number;
}

/** Runs one episode of `policy` on each task (reset seed 0) and scores it. */
export async function evaluatePolicy(
  policy: PolicyNetwork,
  table: TextTable,
  gemm: Gemm,
  tasks: readonly TrainingTask[],
  references: ReferenceScores,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const sims = tasks.map(({ family, task }) => family.createSim(task));
  for (const sim of sims) sim.reset(0);
  const returns = new Array<number>(tasks.length).fill(0);
  const graph = new Graph(gemm, { recordGradients: false });
  for (;;) {
    const live = sims.map((sim, i) => [sim, i] as const).filter(([sim]) => !sim.done);
    if (live.length === 0) break;
    const builder = new BatchBuilder(table, options.numericWidth ?? 0);
    for (const [sim] of live) builder.addTeam(sim);
    await table.flush();
    const batch = builder.build();
    graph.reset();
    const out = policy.forward(graph, table.matrix(), batch);
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
  const scores = returns.map((r, i) => references.normalised(i, r));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    episodes: tasks.length,
    meanTeamReturn: mean(returns),
    meanNormalisedScore: mean(scores),
    teamReturns: returns,
  };
}
