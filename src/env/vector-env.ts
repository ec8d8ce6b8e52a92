/**
 * The vectorised runner: many tasks stepped in lock-step through flat typed arrays, with no
 * allocation per step (a new simulator is made once per episode, when a slot takes its next task).
 * Slot i owns a stride of `maxAgents` entries in `actions`, `messages` and `rewards`; a slot whose
 * episode ends takes the next task from the stream at once.
 * Tasks of different sizes share a runner: strides are set by the largest task.
 *
 * Resume: `position()` saves where the stream is (the next task and each slot's task); `restore()`
 * puts a runner back there. Episodes in flight at save time restart from their first step.
 */
import { ConfigError, InputError } from "../core/errors.js";
import { taskFamilies } from "./families.js";
import { renderText, type TextObservation } from "./text.js";
import type { TaskHeader, TaskSim } from "./types.js";

/** Where a runner is in its task stream. */
export interface VectorPosition {
  /** Index (into the stream, unbounded; taken modulo the task count) of the next task to load. */
  readonly next: number;
  /** The stream index each slot is running. */
  readonly slots: readonly number[];
  /** Episodes finished so far. */
  readonly episodes: number;
}

/** Options of {@link VectorEnv}. */
export interface VectorEnvOptions {
  /** Tasks stepped at once (default: all tasks, at most 64). */
  readonly batch?: number;
}

/** Steps a stream of tasks in lock-step. */
export class VectorEnv {
  readonly batch: number;
  readonly maxAgents: number;
  readonly maxActions: number;
  readonly maxMessages: number;
  readonly maxFeatures: number;
  readonly maxState: number;
  /** Written by the caller before {@link step}: slot i, agent a at `i * maxAgents + a`. */
  readonly actions: Int32Array;
  readonly messages: Int32Array;
  /** Written by {@link step}: each agent's reward of the last step (0 for padding agents). */
  readonly rewards: Float64Array;
  /** Written by {@link step}: 1 where the slot's episode ended at the last step. */
  readonly dones: Uint8Array;
  readonly sims: TaskSim[];
  private readonly slotStream: Int32Array;
  /** 1 where the slot loaded a new task at the last step and its padding rewards are stale. */
  private readonly pendingClear: Uint8Array;
  private readonly actionViews: Int32Array[];
  private readonly messageViews: Int32Array[];
  private readonly rewardViews: Float64Array[];
  private next = 0;
  private episodesDone = 0;
  /** Rendered texts of the current step, slot-major; cleared by every step. */
  private readonly textCache: (TextObservation | undefined)[];

  constructor(
    readonly tasks: readonly TaskHeader[],
    options: VectorEnvOptions = {},
  ) {
    const batch = options.batch ?? Math.min(64, tasks.length);
    if (tasks.length === 0 || !Number.isInteger(batch) || batch < 1) {
      throw new ConfigError({
        input: "VectorEnv",
        problem: "no tasks or a batch below 1",
        expected: "at least one task and an integer batch ≥ 1",
        actual: `${tasks.length} tasks, batch ${batch}`,
        fix: "pass the tasks of a split and a positive batch size",
      });
    }
    this.batch = batch;
    const probes = tasks.map((t) => this.createSim(t));
    this.maxAgents = Math.max(...probes.map((s) => s.numAgents));
    this.maxActions = Math.max(...probes.map((s) => s.numActions));
    this.maxMessages = Math.max(...probes.map((s) => s.numMessages));
    this.maxFeatures = Math.max(...probes.map((s) => s.featureSize));
    this.maxState = Math.max(...probes.map((s) => s.stateSize));
    const width = batch * this.maxAgents;
    this.actions = new Int32Array(width);
    this.messages = new Int32Array(width);
    this.rewards = new Float64Array(width);
    this.dones = new Uint8Array(batch);
    this.slotStream = new Int32Array(batch);
    this.pendingClear = new Uint8Array(batch);
    this.textCache = new Array(width).fill(undefined);
    this.sims = [];
    this.actionViews = [];
    this.messageViews = [];
    this.rewardViews = [];
    for (let i = 0; i < batch; i++) {
      const from = i * this.maxAgents;
      this.actionViews.push(this.actions.subarray(from, from + this.maxAgents));
      this.messageViews.push(this.messages.subarray(from, from + this.maxAgents));
      this.rewardViews.push(this.rewards.subarray(from, from + this.maxAgents));
      this.sims.push(probes[0]);
    }
    this.restore({ next: 0, slots: [], episodes: 0 });
  }

  private createSim(task: TaskHeader): TaskSim {
    const family = taskFamilies.get(task.family);
    if (family === undefined) {
      throw new InputError({
        input: `task ${task.id}`,
        problem: `unknown family "${task.family}"`,
        fix: "load tasks through readSuite",
      });
    }
    return family.createSim(task);
  }

  private load(slot: number, streamIndex: number): void {
    this.slotStream[slot] = streamIndex;
    const sim = this.createSim(this.tasks[streamIndex % this.tasks.length]);
    sim.reset(streamIndex);
    this.sims[slot] = sim;
  }

  /** The stream index slot `slot` is running (its task is `tasks[index % tasks.length]`). */
  slotTask(slot: number): number {
    return this.slotStream[slot];
  }

  /**
   * Steps every slot with `actions`/`messages`; writes `rewards` and `dones`. A slot whose episode
   * ended (dones[i] = 1) has already loaded and reset its next task, so masks and features read
   * after the step belong to the task it will step next.
   */
  step(): void {
    this.textCache.fill(undefined);
    for (let i = 0; i < this.batch; i++) {
      const sim = this.sims[i];
      if (this.pendingClear[i] === 1) {
        // A smaller task never writes the padding entries: clear the last episode's rewards there.
        this.rewardViews[i].fill(0, sim.numAgents);
        this.pendingClear[i] = 0;
      }
      sim.step(this.actionViews[i], this.messageViews[i], this.rewardViews[i]);
      this.dones[i] = sim.done ? 1 : 0;
      if (sim.done) {
        this.pendingClear[i] = 1;
        this.episodesDone++;
        this.load(i, this.next++);
      }
    }
  }

  /** Writes every slot's action masks: slot i, agent a at `(i * maxAgents + a) * maxActions`. */
  writeActionMasks(out: Uint8Array): void {
    for (let i = 0; i < this.batch; i++) {
      const sim = this.sims[i];
      for (let a = 0; a < sim.numAgents; a++)
        sim.writeActionMask(a, out, (i * this.maxAgents + a) * this.maxActions);
    }
  }

  /** Writes every slot's message masks: slot i, agent a at `(i * maxAgents + a) * maxMessages`. */
  writeMessageMasks(out: Uint8Array): void {
    for (let i = 0; i < this.batch; i++) {
      const sim = this.sims[i];
      for (let a = 0; a < sim.numAgents; a++)
        sim.writeMessageMask(a, out, (i * this.maxAgents + a) * this.maxMessages);
    }
  }

  /** Writes every slot's centralised state: slot i at `i * maxState` (no future events). */
  writeStates(out: Float32Array): void {
    for (let i = 0; i < this.batch; i++) this.sims[i].writeState(out, i * this.maxState);
  }

  /** Writes every slot's features: slot i, agent a at `(i * maxAgents + a) * maxFeatures`. */
  writeFeatures(out: Float32Array): void {
    for (let i = 0; i < this.batch; i++) {
      const sim = this.sims[i];
      for (let a = 0; a < sim.numAgents; a++)
        sim.writeFeatures(a, out, (i * this.maxAgents + a) * this.maxFeatures);
    }
  }

  /**
   * Slot `slot`'s agent `agent`'s observation in words, rendered on first request after a step and
   * cached until the next, so an encoder that asks twice pays once and numeric learners never pay.
   */
  text(slot: number, agent: number): TextObservation {
    const sim = this.sims[slot];
    if (!(slot >= 0 && slot < this.batch) || !(agent >= 0 && agent < sim.numAgents)) {
      throw new InputError({
        input: "VectorEnv.text(slot, agent)",
        problem: "out of range",
        expected: `slot in [0, ${this.batch - 1}] and agent below the slot's team size`,
        actual: `slot ${slot}, agent ${agent}`,
        fix: "index slots and agents as in actions (i * maxAgents + a)",
      });
    }
    const key = slot * this.maxAgents + agent;
    let text = this.textCache[key];
    if (text === undefined) {
      text = renderText(sim, agent);
      this.textCache[key] = text;
    }
    return text;
  }

  /** Where the stream is, for a checkpoint. */
  position(): VectorPosition {
    return { next: this.next, slots: [...this.slotStream], episodes: this.episodesDone };
  }

  /** Puts the runner at a saved position (in-flight episodes restart); `slots: []` starts fresh. */
  restore(position: VectorPosition): void {
    const fresh = position.slots.length === 0;
    if (!fresh && position.slots.length !== this.batch) {
      throw new InputError({
        input: "VectorEnv.restore position.slots",
        problem: "saved with another batch size",
        expected: `${this.batch} slots`,
        actual: `${position.slots.length}`,
        fix: "resume with the batch size the run was saved with",
      });
    }
    this.next = fresh ? this.batch : position.next;
    this.episodesDone = position.episodes;
    this.dones.fill(0);
    this.rewards.fill(0);
    this.pendingClear.fill(0);
    this.textCache.fill(undefined);
    for (let i = 0; i < this.batch; i++) this.load(i, fresh ? i : position.slots[i]);
  }
}
