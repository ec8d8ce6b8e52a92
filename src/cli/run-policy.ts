/**
 * Loads the trained policy of a `troupe train` run folder (config.json + state.ckpt) for playing:
 * the policy network with the run's architecture, encoder and GEMM backend, its text table and
 * backend, refusing a checkpoint from another architecture. `troupe play --policy runs/ID` uses it.
 */
import { join } from "node:path";
import type { PolicyNetwork } from "../agents/policy.js";
import type { TextTable } from "../agents/text-table.js";
import { Learner } from "../learn/learner.js";
import { architectureOf } from "../learn/state.js";
import type { TrainingTask } from "../learn/tasks.js";
import { resolveGemm } from "../model/backend.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import type { Gemm, GemmBackendName } from "../model/gemm.js";
import { encoderOf, type RunRecord, readRunRecord } from "./run-record.js";

/** A trained policy ready to act. */
export interface RunPolicy {
  readonly method: string;
  readonly network: PolicyNetwork;
  readonly table: TextTable;
  readonly gemm: Gemm;
  readonly numericWidth: number;
  /** The run's config.json. */
  readonly record: RunRecord;
}

/** Loads `runDir`'s trained policy; `tasks` are the tasks it will play (they size nothing). */
export async function loadRunPolicy(
  runDir: string,
  tasks: readonly TrainingTask[],
): Promise<RunPolicy> {
  const record = await readRunRecord(runDir);
  const learner = new Learner({
    method: record.method,
    config: record.config,
    tasks,
    encoder: await encoderOf(record),
    gemm: resolveGemm(record.backend as GemmBackendName),
    seed: record.seed,
  });
  await loadCheckpoint(join(runDir, "state.ckpt"), {
    architecture: architectureOf(learner),
    params: learner.policy.parameters(),
  });
  return {
    method: record.method,
    network: learner.policy,
    table: learner.table,
    gemm: learner.options.gemm,
    numericWidth: record.config.numericWidth,
    record,
  };
}
