/**
 * MPE Simple Spread: N agents must cover N landmarks while avoiding each other.
 *
 * Follows `simple_spread_v3` of MPE2 (= PettingZoo ≥ 1.24, `mpe2/simple_spread/simple_spread.py`
 * with `_mpe_utils/simple_env.py`), discrete actions, parallel API; `variant: "v2"` gives
 * PettingZoo ≤ 1.22.3's `simple_spread_v2` (velocity-first physics, the agent's contact with itself
 * counted as a collision), kept only to check the published random-policy return.
 *
 * | Field        | Spec                                                                                      |
 * | ------------ | ----------------------------------------------------------------------------------------- |
 * | Agents       | N ≥ 1 (`agent_0` …), discs of radius 0.15; N landmarks (points, no collision)              |
 * | Horizon      | 25 steps (`maxCycles`); reaching it is a truncation (`truncated` is true)                 |
 * | Actions      | 0 stay, 1 left (−x), 2 right (+x), 3 down (−y), 4 up (+y); always all legal               |
 * | Messages     | none (agents are silent): only {@link SILENT}                                             |
 * | Features     | own velocity, own position, each landmark − own position, each other agent − own position, each other agent's comm (2 zeros): 6N floats |
 * | State        | every agent's features, concatenated (as `simple_env.state()`): 6N² floats                |
 * | Reset        | agent positions then landmark positions uniform in [−1, 1]², velocities 0                 |
 * | Reward       | agent i: (1 − ρ)·G + ρ·Lᵢ with ρ = `localRatio` (0.5); G = −Σ_landmarks min_agents distance; Lᵢ = −#{other agents j: ‖pᵢ − pⱼ‖ < 0.3} (v2 also counts i itself) |
 */
import { ConfigError, InputError, StateError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { SILENT, type TaskSim } from "../types.js";
import { MPE_MOVES, type MpeIntegration, ParticleWorld } from "./world.js";

/** Which Simple Spread: the current one, or the legacy one used only for the published check. */
export type SpreadVariant = "v3" | "v2";

/** Simple Spread's knobs; defaults are the reference's. */
export interface SpreadOptions {
  /** Number of agents and of landmarks (≥ 1); default 3. */
  readonly agents?: number;
  /** Weight of the agent's own collision penalty vs the shared coverage reward, in [0, 1]; default 0.5. */
  readonly localRatio?: number;
  /** Steps per episode (≥ 1); default 25. */
  readonly maxCycles?: number;
  /** Default "v3". */
  readonly variant?: SpreadVariant;
}

const AGENT_RADIUS = 0.15;
const COMM_SIZE = 2;
const MOVE_TEXT = ["stay", "move left (−x)", "move right (+x)", "move down (−y)", "move up (+y)"];

/** The Simple Spread simulator: one episode's world, stepped in place. */
export class SpreadSim implements TaskSim {
  readonly numAgents: number;
  readonly horizon: number;
  readonly numActions = MPE_MOVES;
  readonly numMessages = 1;
  readonly featureSize: number;
  readonly stateSize: number;
  readonly lastMessages: Int32Array;
  readonly lastActions: Int32Array;
  readonly localRatio: number;
  readonly variant: SpreadVariant;
  /** The agents' discs. */
  readonly world: ParticleWorld;
  /** Landmark positions, x at 2k and y at 2k+1. */
  readonly landmarks: Float64Array;
  private steps = 0;

  constructor(options: SpreadOptions = {}) {
    const agents = options.agents ?? 3;
    const localRatio = options.localRatio ?? 0.5;
    const maxCycles = options.maxCycles ?? 25;
    this.variant = options.variant ?? "v3";
    checkInteger("simple_spread agents", agents, 1, "the number of agents and landmarks, e.g. 3");
    checkInteger("simple_spread maxCycles", maxCycles, 1, "the episode length, e.g. 25");
    if (!(localRatio >= 0 && localRatio <= 1)) {
      throw new ConfigError({
        input: "simple_spread localRatio",
        problem: "out of range",
        expected: "a number in [0, 1]",
        actual: String(localRatio),
        fix: "use 0.5 (the reference) or another proportion",
      });
    }
    if (this.variant !== "v3" && this.variant !== "v2") {
      throw new ConfigError({
        input: "simple_spread variant",
        problem: "unknown variant",
        expected: '"v3" or "v2"',
        actual: String(this.variant),
        fix: 'use "v3" (MPE2 / PettingZoo ≥ 1.24)',
      });
    }
    const integration: MpeIntegration = this.variant === "v3" ? "position-first" : "velocity-first";
    this.numAgents = agents;
    this.horizon = maxCycles;
    this.localRatio = localRatio;
    this.featureSize = 6 * agents;
    this.stateSize = agents * this.featureSize;
    this.world = new ParticleWorld(agents, AGENT_RADIUS, integration);
    this.landmarks = new Float64Array(2 * agents);
    this.lastMessages = new Int32Array(agents);
    this.lastActions = new Int32Array(agents);
  }

  get t(): number {
    return this.steps;
  }

  get done(): boolean {
    return this.steps >= this.horizon;
  }

  /** True once the episode ended by the step limit (Simple Spread never terminates otherwise). */
  get truncated(): boolean {
    return this.done;
  }

  /** Places agents then landmarks uniformly in [−1, 1]² from `seed`, velocities at rest. */
  reset(seed: number): void {
    const rng = Rng.fromSeed(seed);
    const { position, velocity } = this.world;
    for (let k = 0; k < position.length; k++) position[k] = rng.uniform(-1, 1);
    for (let k = 0; k < this.landmarks.length; k++) this.landmarks[k] = rng.uniform(-1, 1);
    velocity.fill(0);
    this.lastActions.fill(0);
    this.lastMessages.fill(SILENT);
    this.steps = 0;
  }

  /** Sets positions and velocities directly (hand-worked tests, replays); velocities default to 0. */
  setState(
    agentPositions: ArrayLike<number>,
    landmarkPositions: ArrayLike<number>,
    velocities?: ArrayLike<number>,
  ): void {
    const size = 2 * this.numAgents;
    for (const [name, values] of [
      ["agentPositions", agentPositions],
      ["landmarkPositions", landmarkPositions],
      ["velocities", velocities ?? new Float64Array(size)],
    ] as const) {
      if (values.length !== size) {
        throw new InputError({
          input: `SpreadSim.setState ${name}`,
          problem: "wrong length",
          expected: `${size} numbers (x, y per agent or landmark)`,
          actual: String(values.length),
          fix: "pass one (x, y) pair per entity",
        });
      }
    }
    this.world.position.set(agentPositions);
    this.landmarks.set(landmarkPositions);
    this.world.velocity.set(velocities ?? new Float64Array(size));
    this.steps = 0;
  }

  step(actions: Int32Array, messages: Int32Array, rewards: Float64Array): void {
    const n = this.numAgents;
    if (this.done) {
      throw new StateError({
        input: "SpreadSim.step",
        problem: "the episode is over",
        fix: "call reset(seed) before stepping again",
      });
    }
    if (actions.length !== n || messages.length !== n || rewards.length !== n) {
      throw new InputError({
        input: "SpreadSim.step buffers",
        problem: "wrong length",
        expected: `actions, messages and rewards of length ${n}`,
        actual: `${actions.length}, ${messages.length}, ${rewards.length}`,
        fix: "allocate one slot per agent",
      });
    }
    for (let i = 0; i < n; i++) {
      const a = actions[i];
      if (!(a >= 0 && a < MPE_MOVES && a === (a | 0)) || messages[i] !== SILENT) {
        throw new InputError({
          input: `agent_${i}'s action`,
          problem: "outside the mask",
          expected: `an action in 0..${MPE_MOVES - 1} and message ${SILENT}`,
          actual: `action ${a}, message ${messages[i]}`,
          fix: "sample from the action mask; Simple Spread agents are silent",
        });
      }
    }
    this.world.step(actions);
    this.lastActions.set(actions);
    this.steps++;
    this.writeRewards(rewards);
  }

  /** Writes each agent's reward for the current positions, as the reference does after a world step. */
  writeRewards(rewards: Float64Array): void {
    const n = this.numAgents;
    const p = this.world.position;
    const lm = this.landmarks;
    let coverage = 0;
    for (let k = 0; k < n; k++) {
      let nearest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const dx = p[2 * i] - lm[2 * k];
        const dy = p[2 * i + 1] - lm[2 * k + 1];
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d < nearest) nearest = d;
      }
      coverage -= nearest;
    }
    const contact = 2 * this.world.radius;
    const countSelf = this.variant === "v2";
    for (let i = 0; i < n; i++) {
      let collisions = 0;
      for (let j = 0; j < n; j++) {
        if (j === i && !countSelf) continue;
        const dx = p[2 * j] - p[2 * i];
        const dy = p[2 * j + 1] - p[2 * i + 1];
        if (Math.sqrt(dx * dx + dy * dy) < contact) collisions++;
      }
      rewards[i] = coverage * (1 - this.localRatio) + -collisions * this.localRatio;
    }
  }

  writeActionMask(_agent: number, out: Uint8Array, offset: number): void {
    out.fill(1, offset, offset + MPE_MOVES);
  }

  writeMessageMask(_agent: number, out: Uint8Array, offset: number): void {
    out[offset] = 1;
  }

  writeFeatures(agent: number, out: Float32Array, offset: number): void {
    const n = this.numAgents;
    const p = this.world.position;
    const v = this.world.velocity;
    const x = p[2 * agent];
    const y = p[2 * agent + 1];
    let o = offset;
    out[o++] = v[2 * agent];
    out[o++] = v[2 * agent + 1];
    out[o++] = x;
    out[o++] = y;
    for (let k = 0; k < n; k++) {
      out[o++] = this.landmarks[2 * k] - x;
      out[o++] = this.landmarks[2 * k + 1] - y;
    }
    for (let j = 0; j < n; j++) {
      if (j === agent) continue;
      out[o++] = p[2 * j] - x;
      out[o++] = p[2 * j + 1] - y;
    }
    out.fill(0, o, o + COMM_SIZE * (n - 1));
  }

  writeState(out: Float32Array, offset: number): void {
    for (let i = 0; i < this.numAgents; i++)
      this.writeFeatures(i, out, offset + i * this.featureSize);
  }

  renderView(agent: number): string {
    const p = this.world.position;
    const v = this.world.velocity;
    const at = (x: number, y: number) => `(${x.toFixed(2)}, ${y.toFixed(2)})`;
    const marks = Array.from({ length: this.numAgents }, (_, k) =>
      at(this.landmarks[2 * k], this.landmarks[2 * k + 1]),
    );
    const others = Array.from({ length: this.numAgents }, (_, j) => j)
      .filter((j) => j !== agent)
      .map((j) => `agent_${j} at ${at(p[2 * j], p[2 * j + 1])}`);
    return [
      `You are agent_${agent} at ${at(p[2 * agent], p[2 * agent + 1])}, velocity ${at(v[2 * agent], v[2 * agent + 1])}.`,
      `Landmarks: ${marks.join(", ")}.`,
      others.length > 0 ? `Team-mates: ${others.join(", ")}.` : "",
    ]
      .filter((line) => line !== "")
      .join("\n");
  }

  actionText(_agent: number, action: number): string {
    return MOVE_TEXT[action] ?? `unknown action ${action}`;
  }

  messageText(_message: number): string {
    return "";
  }
}

/** Throws a ConfigError unless `value` is an integer ≥ `min`. */
function checkInteger(input: string, value: number, min: number, what: string): void {
  if (Number.isInteger(value) && value >= min) return;
  throw new ConfigError({
    input,
    problem: "out of range",
    expected: `an integer ≥ ${min}`,
    actual: String(value),
    fix: `pass ${what}`,
  });
}
