/**
 * A recurrent policy's states between steps, one per agent of each team slot (an environment of
 * a rollout, a task of an evaluation). A slot starts from the zero state, as an episode's first
 * step does, and is reset to it when its episode ends.
 */
import { carriedLayout } from "../model/ops/gru.js";
import type { PolicyBatch } from "./batch.js";
import type { MemoryInput } from "./policy.js";

/** Each slot's agents' states, `[agents × hidden]` per slot (null: the zero state). */
export class TeamMemory {
  private states: (Float32Array | null)[];

  /** `slots` slots of `hidden`-wide states, all at the zero state. */
  constructor(
    readonly hidden: number,
    slots: number,
  ) {
    this.states = new Array<Float32Array | null>(slots).fill(null);
  }

  /**
   * The carried states of the batch's teams, team j being slot `slots[j]`: what a forward pass
   * over `batch` reads as each row's previous state (`carriedLayout`: one step per row).
   */
  input(batch: PolicyBatch, slots: readonly number[]): MemoryInput {
    const { hidden } = this;
    const initial = new Float32Array(batch.samples * hidden);
    slots.forEach((slot, team) => {
      const state = this.states[slot];
      if (state === null) return;
      initial.set(
        state.subarray(0, (batch.teamOffsets[team + 1] - batch.teamOffsets[team]) * hidden),
        batch.teamOffsets[team] * hidden,
      );
    });
    return { initial, layout: carriedLayout(batch.samples) };
  }

  /** Keeps the new states `memory` (`[S × hidden]`, the forward pass's) of the batch's teams. */
  store(batch: PolicyBatch, slots: readonly number[], memory: Float32Array): void {
    const { hidden } = this;
    slots.forEach((slot, team) => {
      const start = batch.teamOffsets[team] * hidden;
      const end = batch.teamOffsets[team + 1] * hidden;
      // A slot keeps its array from step to step (a new one only when its team size changes).
      let state = this.states[slot];
      if (state === null || state.length !== end - start) {
        state = new Float32Array(end - start);
        this.states[slot] = state;
      }
      state.set(memory.subarray(start, end));
    });
  }

  /** Puts `slot` back at the zero state (its episode ended). */
  reset(slot: number): void {
    this.states[slot] = null;
  }

  /** Every slot's states as plain numbers (null: zero state), for checkpoints. */
  snapshot(): (number[] | null)[] {
    return this.states.map((state) => (state === null ? null : Array.from(state)));
  }

  /** Restores the states {@link snapshot} gave; returns false (changing nothing) when they do not fit. */
  restore(saved: unknown): boolean {
    if (!Array.isArray(saved) || saved.length !== this.states.length) return false;
    const fits = saved.every(
      (state) =>
        state === null ||
        (Array.isArray(state) &&
          state.length % this.hidden === 0 &&
          state.every((v) => typeof v === "number" && Number.isFinite(v))),
    );
    if (!fits) return false;
    this.states = saved.map((state: number[] | null) =>
      state === null ? null : Float32Array.from(state),
    );
    return true;
  }
}
