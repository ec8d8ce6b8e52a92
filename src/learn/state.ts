/**
 * Learner checkpoints: parameters, Adam moments and step count, the run's PRNG, each environment
 * slot's task stream, the iteration and budget counters, the running reward statistics, and each
 * slot's episode so far (task, reset seed, joint actions), so that a resumed run replays its
 * environments to the same states and continues bit for bit. With temporal redistribution a
 * second file beside it (`PATH.redistribution`) holds ψ, its Adam state and the redistributor's
 * step features (current episodes, buffer); their running sums are in the first file's metadata.
 * With a target critic (`targetCriticTau` > 0), `PATH.target-critic` holds its weights. A
 * recurrent agent's states per slot are in the metadata (its steps cannot be replayed: they
 * depend on the weights at each step).
 * A checkpoint from another architecture, encoder or GEMM backend is refused (all or nothing).
 */

import { TeamMemory } from "../agents/memory.js";
import { CheckpointError } from "../core/errors.js";
import type { FileSystem } from "../core/fs.js";
import { nodeFileSystem } from "../core/fs.js";
import type { RngState } from "../core/prng.js";
import { describeEncoder, type EncoderRecord } from "../encode/encoder.js";
import { loadCheckpoint, saveCheckpoint } from "../model/checkpoint.js";
import type { Learner } from "./learner.js";
import { checkRedistributorState, type RedistributorState } from "./redistributor.js";
import type { EpisodeRecord } from "./rollout.js";

interface LearnerMetadata {
  readonly method: string;
  readonly iteration: number;
  readonly jointSteps: number;
  readonly gradientUpdates: number;
  readonly wallSeconds: number;
  readonly encoder: EncoderRecord;
  readonly backend: string;
  readonly episodes: readonly EpisodeRecord[];
  /** Each environment slot's task stream. */
  readonly taskStreams: readonly RngState[];
  /** The running team-reward statistics (`rewardStandardisation`). */
  readonly rewardStats: {
    readonly mean: number;
    readonly variance: number;
    readonly count: number;
  };
  /** The redistributor's running sums and buffer (temporal redistribution only). */
  readonly redistribution?: RedistributorState;
  /** A recurrent policy's states per environment slot (null: zero state), `agentMemory: "gru"`. */
  readonly memory?: (number[] | null)[];
}

/**
 * The checkpoint fingerprint: the policy's architecture, the encoder's identity and the GEMM
 * backend (runs are bit-for-bit only within one backend), so that a checkpoint from another of
 * any of them is refused before anything is loaded.
 */
export function architectureOf(learner: Learner): string {
  return `${learner.policy.fingerprint} encoder=${learner.options.encoder.identity} backend=${learner.options.gemm.name}`;
}

/** Saves `learner`'s whole state to `path` atomically. */
export async function saveLearnerState(
  path: string,
  learner: Learner,
  fs: FileSystem = nodeFileSystem,
): Promise<void> {
  const redistribution = learner.redistributor?.snapshot();
  const metadata: LearnerMetadata = {
    method: learner.options.method,
    iteration: learner.iteration,
    jointSteps: learner.jointSteps,
    gradientUpdates: learner.gradientUpdates,
    wallSeconds: learner.wallSeconds,
    encoder: describeEncoder(learner.options.encoder),
    backend: learner.options.gemm.name,
    episodes: learner.collector.episodeRecords(),
    taskStreams: learner.collector.taskStreamStates(),
    rewardStats: {
      mean: learner.rewardStats.mean,
      variance: learner.rewardStats.variance,
      count: learner.rewardStats.count,
    },
    redistribution: redistribution?.state,
    ...(learner.policy.recurrent === null
      ? {}
      : { memory: learner.collector.memory?.snapshot() ?? [] }),
  };
  await saveCheckpoint(
    path,
    {
      architecture: architectureOf(learner),
      params: learner.policy.parameters(),
      optimizer: learner.adam,
      rng: learner.rng,
      metadata: metadata as unknown as Record<string, unknown>,
    },
    fs,
  );
  if (learner.targetCritic !== null) {
    await saveCheckpoint(
      targetCriticPath(path),
      { architecture: architectureOf(learner), params: learner.targetCritic.parameters() },
      fs,
    );
  }
  const psi = learner.decomposition;
  if (psi !== null) {
    await saveCheckpoint(
      decompositionPath(path),
      {
        architecture: architectureOf(learner),
        params: [...psi.parameters(), ...(redistribution?.tensors ?? [])],
        optimizer: psi.adam,
      },
      fs,
    );
  }
}

/** Where the target critic's weights (`targetCriticTau` > 0) are saved beside `path`. */
export function targetCriticPath(path: string): string {
  return `${path}.target-critic`;
}

/** Where the return decomposition's own parameters and optimiser are saved beside `path`. */
export function decompositionPath(path: string): string {
  return `${path}.redistribution`;
}

/**
 * Restores a state saved by {@link saveLearnerState} into `learner` (built with the same config,
 * tasks, encoder and backend). Throws a CheckpointError naming the file, and changes nothing, when
 * it was saved by another architecture, encoder or backend.
 */
export async function loadLearnerState(
  path: string,
  learner: Learner,
  fs: FileSystem = nodeFileSystem,
): Promise<void> {
  const loaded = await loadCheckpoint(
    path,
    {
      architecture: architectureOf(learner),
      params: learner.policy.parameters(),
      optimizer: learner.adam,
    },
    fs,
  );
  const meta = loaded.metadata as unknown as LearnerMetadata;
  if (loaded.rng === null) {
    throw new CheckpointError({
      input: path,
      problem: "holds no PRNG state",
      expected: "a learner checkpoint",
      actual: "a model-only checkpoint",
      fix: "resume from a checkpoint written by saveLearnerState",
    });
  }
  const streams = meta.taskStreams;
  if (!Array.isArray(streams) || streams.length !== learner.collector.envs) {
    throw new CheckpointError({
      input: path,
      problem: "holds no task stream per environment slot",
      expected: `${learner.collector.envs} task streams (one per slot)`,
      actual: Array.isArray(streams) ? `${streams.length}` : "none (saved by an older Troupe)",
      fix: "resume with the envs the run was saved with, or start the run again",
    });
  }
  let memory: TeamMemory | null = null;
  if (learner.policy.recurrent !== null) {
    memory = new TeamMemory(learner.policy.config.hidden, learner.collector.envs);
    // A run saved before its first collection has no states yet: every slot at the zero state.
    const saved =
      Array.isArray(meta.memory) && meta.memory.length === 0
        ? new Array(learner.collector.envs).fill(null)
        : meta.memory;
    if (!memory.restore(saved)) {
      throw new CheckpointError({
        input: path,
        problem: "holds no recurrent state per environment slot",
        expected: `${learner.collector.envs} slots of agent states ${learner.policy.config.hidden} wide`,
        actual: Array.isArray(meta.memory) ? `${meta.memory.length} slots` : "none",
        fix: "resume with the envs and hidden width the run was saved with, or start the run again",
      });
    }
  }
  const redistributor = learner.redistributor;
  const psi = learner.decomposition;
  if (redistributor !== null && psi !== null) {
    const state = checkRedistributorState(meta.redistribution, learner.collector.envs, path);
    const tensors = redistributor.tensorsFor(state);
    await loadCheckpoint(
      decompositionPath(path),
      {
        architecture: architectureOf(learner),
        params: [...psi.parameters(), ...tensors],
        optimizer: psi.adam,
      },
      fs,
    );
    redistributor.restore(state, tensors);
  }
  if (learner.targetCritic !== null) {
    await loadCheckpoint(
      targetCriticPath(path),
      { architecture: architectureOf(learner), params: learner.targetCritic.parameters() },
      fs,
    );
  }
  learner.rng = loaded.rng;
  learner.collector.restoreTaskStreams(streams);
  if (meta.rewardStats !== undefined) {
    learner.rewardStats.mean = meta.rewardStats.mean;
    learner.rewardStats.variance = meta.rewardStats.variance;
    learner.rewardStats.count = meta.rewardStats.count;
  }
  learner.iteration = meta.iteration;
  learner.jointSteps = meta.jointSteps;
  learner.gradientUpdates = meta.gradientUpdates;
  learner.wallSeconds = meta.wallSeconds;
  learner.collector.restoreEpisodes(meta.episodes);
  if (memory !== null) learner.collector.memory = memory;
}
