/**
 * The probe set for policy oscillation: one set of states per study, reached by random and oracle
 * rollouts on validation tasks (the same for every method and seed), and the action probabilities
 * of a policy on it. The batch is built once per run on the run's own text table.
 */

import type { PolicyBatch } from "../agents/batch.js";
import { BatchBuilder } from "../agents/batch.js";
import type { PolicyNetwork } from "../agents/policy.js";
import type { TextTable } from "../agents/text-table.js";
import { Rng } from "../core/prng.js";
import type { TaskSim } from "../env/types.js";
import type { TrainingTask } from "../learn/tasks.js";
import type { Gemm } from "../model/gemm.js";
import { Graph } from "../model/graph.js";

/**
 * Sims paused at the probe states: state s runs the random (even s) or oracle (odd s) policy on
 * validation task s mod n for a seeded number of steps, up to half its horizon.
 */
export function probeSims(tasks: readonly TrainingTask[], count: number, seed: number): TaskSim[] {
  const root = Rng.fromSeed(seed).split("probe");
  const sims: TaskSim[] = [];
  for (let s = 0; s < count && tasks.length > 0; s++) {
    const { family, task } = tasks[s % tasks.length];
    const rng = root.split(s);
    const sim = family.createSim(task);
    const policy = family.policy(s % 2 === 0 ? "random" : "oracle");
    sim.reset(0);
    policy.reset(sim);
    const steps = rng.int(Math.max(1, Math.floor(sim.horizon / 2)));
    const actions = new Int32Array(sim.numAgents);
    const messages = new Int32Array(sim.numAgents);
    const rewards = new Float64Array(sim.numAgents);
    for (let t = 0; t < steps && !sim.done; t++) {
      policy.act(sim, rng, actions, messages);
      sim.step(actions, messages, rewards);
    }
    if (!sim.done) sims.push(sim);
  }
  return sims;
}

/** A probe batch bound to one run's policy and text table. */
export class Probe {
  private constructor(
    private readonly batch: PolicyBatch,
    private readonly table: TextTable,
  ) {}

  /** Encodes the probe states with `table` (the run's own) once. */
  static async create(
    sims: readonly TaskSim[],
    table: TextTable,
    numericWidth: number,
  ): Promise<Probe> {
    const builder = new BatchBuilder(table, numericWidth);
    for (const sim of sims) builder.addTeam(sim);
    await table.flush();
    return new Probe(builder.build(), table);
  }

  /** Segment boundaries of each agent-state's action distribution. */
  get offsets(): Int32Array {
    return this.batch.actionOffsets;
  }

  /** The policy's action probabilities on every probe agent-state, concatenated. */
  probabilities(policy: PolicyNetwork, gemm: Gemm): Float32Array {
    const graph = new Graph(gemm, { recordGradients: false });
    const out = policy.forward(graph, this.table.matrix(), this.batch);
    const logProbs = out.actionLogProbs.value;
    const probs = new Float32Array(this.batch.actionOffsets[this.batch.actionOffsets.length - 1]);
    for (let i = 0; i < probs.length; i++) probs[i] = Math.exp(logProbs[i]);
    return probs;
  }
}
