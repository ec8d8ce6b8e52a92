/**
 * Temporal redistribution over a stream of rollouts: the learner's use of the return
 * decomposition ψ (credit/redistribution.ts) on episodes that may start and end in different
 * rollouts (horizons longer than `rolloutSteps`).
 *
 * Each environment slot keeps the running sums of its current episode: the raw team reward so far
 * and what was paid so far. Every step but the episode's last is paid as it is collected:
 *
 *   r̃_t = ψ(x_t)   when ψ is warm (decided before the rollout), else the raw R_t;
 *   r̃_last = Σ_t R_t − Σ_{t<last} r̃_t   at the final step (the raw R_last when nothing was paid by ψ),
 *
 * so each finished episode's r̃ sum to its raw return whatever ψ was when each step was paid (up to
 * the float32 rounding of the stored remainder), and r̃_t depends only on x_t and on ψ as fitted
 * on episodes that finished before t's rollout began: the prefix, never the future.
 *
 * Finished episodes go into a buffer of the last `bufferEpisodes` (step features, return, and ψ's
 * held-out prediction Σ_t ψ(x_t) made before ψ was fitted on them); ψ is fitted on the buffer for
 * `trainSteps` Adam steps per rollout after paying. Warm-up: ψ pays only while the buffer holds at
 * least `minEpisodes` episodes and its held-out fit R² = 1 − Σ(G − Ĝ)² / Σ(G − Ḡ)² over them is
 * at least `minFit`; until then (and whenever the fit falls below it) steps keep their raw reward,
 * so an untrained ψ cannot push dense rewards (planning pays on subtask completion) to the
 * episode's last step.
 *
 * Layout of {@link Redistributor.apply}'s input: time-major `[T × E]` team rewards and
 * terminations (entry `t · E + e`), step features `[T·E × F]` in the same row order.
 */
import { CheckpointError, ShapeError } from "../core/errors.js";
import { Parameter } from "../model/tensor.js";
import type { EpisodeBatch, ReturnDecomposition } from "./credit/redistribution.js";

/** Warm-up and buffer sizes of a {@link Redistributor}. */
export interface RedistributorOptions {
  /** Finished episodes kept to fit ψ; default max(16, 2 · envs). */
  readonly bufferEpisodes?: number;
  /** Buffered episodes needed before ψ pays; default 8. */
  readonly minEpisodes?: number;
  /** Held-out R² of ψ's episode-return predictions needed before ψ pays; default 0.5. */
  readonly minFit?: number;
}

/** One rollout's team rewards and step features, time-major (see the file header). */
export interface RedistributionInput {
  readonly steps: number;
  readonly envs: number;
  /** Raw team reward per step, `[T × E]`. */
  readonly teamRewards: Float32Array;
  /** 1 where the step ends its episode (terminated or truncated), `[T × E]`. */
  readonly terminated: Uint8Array;
  /** Step features x_t, `[T·E × F]`, row `t · E + e`. */
  readonly features: Float32Array;
}

/** What one rollout was paid. */
export interface RedistributionOutput {
  /** r̃ per step, `[T × E]`. */
  readonly team: Float32Array;
  /** Steps paid ψ(x_t), plus final steps paid a remainder after such steps. */
  readonly redistributedSteps: number;
}

interface SlotState {
  raw: number;
  paid: number;
  /** True once a step of the current episode was paid ψ(x_t) (its last step pays the remainder). */
  redistributed: boolean;
  rows: Float32Array[];
}

interface BufferedEpisode {
  readonly features: Float32Array;
  readonly steps: number;
  readonly teamReturn: number;
  /** Σ_t ψ(x_t) with ψ as it was when the episode finished, before being fitted on it. */
  readonly heldOut: number;
}

/** The JSON part of a redistributor's checkpoint (features travel as tensors). */
export interface RedistributorState {
  readonly slots: readonly {
    readonly raw: number;
    readonly paid: number;
    readonly redistributed: boolean;
    readonly steps: number;
  }[];
  readonly buffer: readonly {
    readonly steps: number;
    readonly teamReturn: number;
    readonly heldOut: number;
  }[];
}

/** Running redistribution over rollouts (see the file header); state is saved in checkpoints. */
export class Redistributor {
  readonly bufferEpisodes: number;
  /** Buffered episodes needed before ψ pays (a test may lower it). */
  minEpisodes: number;
  /** Held-out R² needed before ψ pays (a test may lower it). */
  minFit: number;
  private slots: SlotState[];
  private buffer: BufferedEpisode[] = [];

  /** A redistributor for `envs` slots over the model ψ `decomposition`. */
  constructor(
    readonly decomposition: ReturnDecomposition,
    readonly envs: number,
    options: RedistributorOptions = {},
  ) {
    this.bufferEpisodes = options.bufferEpisodes ?? Math.max(16, 2 * envs);
    this.minEpisodes = options.minEpisodes ?? 8;
    this.minFit = options.minFit ?? 0.5;
    this.slots = Array.from({ length: envs }, () => freshSlot());
  }

  /** Finished episodes in the buffer. */
  get bufferedEpisodes(): number {
    return this.buffer.length;
  }

  /**
   * ψ's held-out fit over the buffer: 1 − Σ(G − Ĝ)² / Σ(G − Ḡ)² with Ĝ its prediction of each
   * episode's return made before it was fitted on that episode; 0 when the returns are constant.
   */
  fitScore(): number {
    const n = this.buffer.length;
    if (n === 0) return 0;
    let mean = 0;
    for (const e of this.buffer) mean += e.teamReturn / n;
    let total = 0;
    let residual = 0;
    for (const e of this.buffer) {
      total += (e.teamReturn - mean) ** 2;
      residual += (e.teamReturn - e.heldOut) ** 2;
    }
    return total > 1e-12 ? 1 - residual / total : 0;
  }

  /** Whether ψ pays the next rollout's steps (the warm-up rule of the file header). */
  get warm(): boolean {
    return this.buffer.length >= this.minEpisodes && this.fitScore() >= this.minFit;
  }

  /**
   * Pays one rollout (see the file header), then adds the episodes that finished in it to the
   * buffer and fits ψ on the buffer for `trainSteps` steps.
   */
  apply(input: RedistributionInput, trainSteps: number): RedistributionOutput {
    const { steps, envs, teamRewards, terminated, features } = input;
    const f = this.decomposition.featureSize;
    const rows = steps * envs;
    if (envs !== this.slots.length || features.length !== rows * f) {
      throw new ShapeError({
        input: "Redistributor.apply",
        problem: "the rollout does not match the redistributor",
        expected: `${this.slots.length} envs and ${rows} × ${f} features`,
        actual: `${envs} envs and ${features.length} feature values`,
        fix: "build the redistributor with the learner's envs and the decomposition's feature size",
      });
    }
    const warm = this.warm;
    const psi = warm ? this.predict(features, rows) : null;
    const team = new Float32Array(rows);
    let redistributedSteps = 0;
    const finished: { features: Float32Array; steps: number; teamReturn: number }[] = [];
    for (let e = 0; e < envs; e++) {
      for (let t = 0; t < steps; t++) {
        const slot = this.slots[e];
        const j = t * envs + e;
        const reward = teamRewards[j];
        slot.rows.push(features.slice(j * f, (j + 1) * f));
        slot.raw += reward;
        if (terminated[j] !== 0) {
          if (slot.redistributed) {
            team[j] = slot.raw - slot.paid;
            redistributedSteps++;
          } else {
            team[j] = reward;
          }
          finished.push({
            features: concatRows(slot.rows),
            steps: slot.rows.length,
            teamReturn: slot.raw,
          });
          this.slots[e] = freshSlot();
          continue;
        }
        if (psi !== null) {
          team[j] = psi[j];
          slot.redistributed = true;
          redistributedSteps++;
        } else {
          team[j] = reward;
        }
        slot.paid += team[j];
      }
    }
    this.remember(finished);
    if (this.buffer.length > 0) {
      const batch = this.bufferBatch();
      for (let k = 0; k < trainSteps; k++) this.decomposition.trainStep(batch);
    }
    return { team, redistributedSteps };
  }

  /** ψ(x) for `rows` rows of `features`. */
  private predict(features: Float32Array, rows: number): Float32Array {
    return this.decomposition.predictStepRewards({
      features,
      offsets: Int32Array.from([0, rows]),
      returns: new Float32Array(1),
    });
  }

  /** Adds finished episodes with ψ's held-out prediction of each return; keeps the newest. */
  private remember(
    finished: readonly { features: Float32Array; steps: number; teamReturn: number }[],
  ): void {
    if (finished.length === 0) return;
    const f = this.decomposition.featureSize;
    const all = concatRows(finished.map((e) => e.features));
    const predicted = this.predict(all, all.length / f);
    let row = 0;
    for (const episode of finished) {
      let heldOut = 0;
      for (let r = 0; r < episode.steps; r++) heldOut += predicted[row + r];
      row += episode.steps;
      this.buffer.push({ ...episode, heldOut });
    }
    if (this.buffer.length > this.bufferEpisodes)
      this.buffer.splice(0, this.buffer.length - this.bufferEpisodes);
  }

  private bufferBatch(): EpisodeBatch {
    const offsets = new Int32Array(this.buffer.length + 1);
    this.buffer.forEach((e, i) => {
      offsets[i + 1] = offsets[i] + e.steps;
    });
    return {
      features: concatRows(this.buffer.map((e) => e.features)),
      offsets,
      returns: Float32Array.from(this.buffer, (e) => e.teamReturn),
    };
  }

  /** The state to checkpoint: JSON plus two feature tensors (current episodes', buffer's). */
  snapshot(): { state: RedistributorState; tensors: Parameter[] } {
    const f = this.decomposition.featureSize;
    const pending = concatRows(this.slots.flatMap((s) => s.rows));
    const buffered = concatRows(this.buffer.map((e) => e.features));
    const state: RedistributorState = {
      slots: this.slots.map((s) => ({
        raw: s.raw,
        paid: s.paid,
        redistributed: s.redistributed,
        steps: s.rows.length,
      })),
      buffer: this.buffer.map((e) => ({
        steps: e.steps,
        teamReturn: e.teamReturn,
        heldOut: e.heldOut,
      })),
    };
    const tensors = stateTensors(state, f);
    tensors[0].value.set(pending);
    tensors[1].value.set(buffered);
    return { state, tensors };
  }

  /** Empty tensors shaped for `state`, to load a checkpoint's feature tensors into. */
  tensorsFor(state: RedistributorState): Parameter[] {
    return stateTensors(state, this.decomposition.featureSize);
  }

  /** Restores a {@link snapshot} (`tensors` loaded from {@link tensorsFor}). */
  restore(state: RedistributorState, tensors: readonly Parameter[]): void {
    const f = this.decomposition.featureSize;
    let row = 0;
    const pending = tensors[0].value;
    this.slots = state.slots.map((s) => {
      const rows: Float32Array[] = [];
      for (let r = 0; r < s.steps; r++, row++) rows.push(pending.slice(row * f, (row + 1) * f));
      return { raw: s.raw, paid: s.paid, redistributed: s.redistributed, rows };
    });
    row = 0;
    const buffered = tensors[1].value;
    this.buffer = state.buffer.map((e) => {
      const features = buffered.slice(row * f, (row + e.steps) * f);
      row += e.steps;
      return { features, steps: e.steps, teamReturn: e.teamReturn, heldOut: e.heldOut };
    });
  }
}

/** Checks that `state` is a redistributor state for `envs` slots; throws naming `source`. */
export function checkRedistributorState(
  state: unknown,
  envs: number,
  source: string,
): RedistributorState {
  const s = state as RedistributorState | undefined;
  if (!Array.isArray(s?.slots) || !Array.isArray(s?.buffer) || s.slots.length !== envs) {
    throw new CheckpointError({
      input: source,
      problem: "holds no redistribution state for this run's environment slots",
      expected: `running sums and step features for ${envs} slots and a buffer of finished episodes`,
      actual: Array.isArray(s?.slots)
        ? `${s.slots.length} slots`
        : "none (saved by an older Troupe)",
      fix: "resume with the config the run was saved with, or start the run again",
    });
  }
  return s;
}

function freshSlot(): SlotState {
  return { raw: 0, paid: 0, redistributed: false, rows: [] };
}

function concatRows(rows: readonly Float32Array[]): Float32Array {
  let total = 0;
  for (const r of rows) total += r.length;
  const out = new Float32Array(total);
  let offset = 0;
  for (const r of rows) {
    out.set(r, offset);
    offset += r.length;
  }
  return out;
}

function stateTensors(state: RedistributorState, f: number): Parameter[] {
  let pending = 0;
  for (const s of state.slots) pending += s.steps;
  let buffered = 0;
  for (const e of state.buffer) buffered += e.steps;
  return [
    new Parameter("redistribution-state.pending", pending, f),
    new Parameter("redistribution-state.buffer", buffered, f),
  ];
}
