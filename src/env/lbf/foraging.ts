/**
 * Level-Based Foraging (LBF): agents with levels walk a grid and load food whose level is at most
 * the sum of the levels of the agents loading it together.
 *
 * Follows `lbforaging` v3 (`lbforaging/foraging/environment.py`, package 3.x, as registered for the
 * `Foraging[-2s]-{s}x{s}-{p}p-{f}f[-coop][-pen]-v3` ids with `grid_observation=False`,
 * `observe_agent_levels=True`, `normalize_reward=True`):
 *
 * | Field        | Spec                                                                                      |
 * | ------------ | ----------------------------------------------------------------------------------------- |
 * | Agents       | p players, levels uniform in 1..2                                                         |
 * | Horizon      | 50 steps; the episode also ends when no food is left. Hitting the limit is a truncation   |
 * | Actions      | 0 none, 1 north (row−1), 2 south (row+1), 3 west (col−1), 4 east (col+1), 5 load. All are always selectable; one that is not valid now (off the grid, into food, load with no adjacent food) acts as none, as in the reference |
 * | Messages     | none: only {@link SILENT}                                                                 |
 * | Features     | per food slot (row, col, level), then self and each visible team-mate (row, col, level), in the agent's view window's coordinates; unseen slots (−1, −1, 0): 3f + 3p floats |
 * | Sight        | full grid, or 2 cells for `-2s` (a 5×5 window clipped at the edges)                        |
 * | State        | every agent's features, concatenated (EPyMARL's default state for LBF)                    |
 * | Reset        | players on random empty cells; then up to f food on interior cells with no food in the 3×3 block around them or within 2 cells along their row and column (1,000 tries); food level uniform in 1..L, L = sum of the 3 lowest player levels (exactly L with `-coop`) |
 * | Movement     | every move whose target cell is wanted by one player only succeeds; a player staying or loading wants its own cell |
 * | Loading      | loaders adjacent (4-neighbour) to a food form a group; it loads if the group's level sum ≥ the food's level. Each member gets level·food / (group level · total food spawned), so a full clear sums to 1; a failed load costs each member `penalty` (0.1 with `-pen`) |
 *
 * Differences from the reference, none of which changes the rules above: loaders are processed in
 * agent order (the reference pops them from a Python set), and positions from the previous episode
 * are cleared before players are placed (the reference checks new players against stale ones).
 */
import { InputError, StateError } from "../../core/errors.js";
import { Rng } from "../../core/prng.js";
import { SILENT, type TaskSim } from "../types.js";

/** The actions, in the reference's numbering. */
export const LBF_ACTIONS = ["none", "north", "south", "west", "east", "load"] as const;
const NONE = 0;
const LOAD = 5;
const ROW_STEP = [0, -1, 1, 0, 0, 0];
const COL_STEP = [0, 0, 0, -1, 1, 0];
const SPAWN_ATTEMPTS = 1000;

/** One Level-Based Foraging configuration (what a `Foraging-…-v3` id fixes). */
export interface ForagingConfig {
  readonly size: number;
  readonly players: number;
  readonly food: number;
  /** Every food needs all players' levels (the reference's `force_coop`). */
  readonly coop: boolean;
  /** Cells an agent sees in each direction; ≥ size means the whole grid. */
  readonly sight: number;
  readonly maxSteps: number;
  readonly minPlayerLevel: number;
  readonly maxPlayerLevel: number;
  /** Reward taken from each member of a group whose load fails. */
  readonly penalty: number;
}

/** The Level-Based Foraging simulator: one episode's grid, stepped in place. */
export class ForagingSim implements TaskSim {
  readonly numAgents: number;
  readonly horizon: number;
  readonly numActions = LBF_ACTIONS.length;
  readonly numMessages = 1;
  readonly featureSize: number;
  readonly stateSize: number;
  readonly lastMessages: Int32Array;
  readonly lastActions: Int32Array;
  /** Food level per cell (row-major), 0 = empty. */
  readonly field: Int32Array;
  readonly playerRow: Int32Array;
  readonly playerCol: Int32Array;
  readonly playerLevel: Int32Array;
  /** Sum of the levels of the food placed at reset (the reward's normaliser). */
  foodSpawned = 0;
  private foodLeft = 0;
  private steps = 0;
  private readonly effective: Int32Array;
  private readonly targetRow: Int32Array;
  private readonly targetCol: Int32Array;
  private readonly loaded: Uint8Array;

  constructor(readonly config: ForagingConfig) {
    const { size, players, food } = config;
    this.numAgents = players;
    this.horizon = config.maxSteps;
    this.featureSize = 3 * food + 3 * players;
    this.stateSize = players * this.featureSize;
    this.field = new Int32Array(size * size);
    this.playerRow = new Int32Array(players);
    this.playerCol = new Int32Array(players);
    this.playerLevel = new Int32Array(players);
    this.lastMessages = new Int32Array(players);
    this.lastActions = new Int32Array(players);
    this.effective = new Int32Array(players);
    this.targetRow = new Int32Array(players);
    this.targetCol = new Int32Array(players);
    this.loaded = new Uint8Array(players);
  }

  get t(): number {
    return this.steps;
  }

  get done(): boolean {
    return this.foodLeft === 0 || this.steps >= this.horizon;
  }

  /** True when the episode ended by the step limit with food left. */
  get truncated(): boolean {
    return this.foodLeft > 0 && this.steps >= this.horizon;
  }

  /** Food items still on the grid. */
  get foodRemaining(): number {
    return this.foodLeft;
  }

  reset(seed: number): void {
    const rng = Rng.fromSeed(seed);
    const { size, players, minPlayerLevel, maxPlayerLevel } = this.config;
    this.field.fill(0);
    this.playerRow.fill(-1);
    this.playerCol.fill(-1);
    for (let i = 0; i < players; i++) {
      for (let attempt = 0; attempt < SPAWN_ATTEMPTS; attempt++) {
        const row = rng.int(size);
        const col = rng.int(size);
        if (!this.isEmpty(row, col)) continue;
        this.playerRow[i] = row;
        this.playerCol[i] = col;
        this.playerLevel[i] = minPlayerLevel + rng.int(maxPlayerLevel - minPlayerLevel + 1);
        break;
      }
    }
    this.spawnFood(rng);
    this.lastActions.fill(0);
    this.lastMessages.fill(SILENT);
    this.steps = 0;
  }

  /**
   * Sets the grid directly (hand-worked tests): `food` as [row, col, level] triples, players as
   * [row, col, level] triples; the reward normaliser is the food's level sum.
   */
  setState(
    food: readonly (readonly [number, number, number])[],
    players: readonly (readonly [number, number, number])[],
  ): void {
    const { size } = this.config;
    if (players.length !== this.numAgents) {
      throw new InputError({
        input: "ForagingSim.setState players",
        problem: "wrong count",
        expected: `${this.numAgents} players`,
        actual: String(players.length),
        fix: "pass one [row, col, level] per player",
      });
    }
    const inside = ([r, c]: readonly [number, number, number]) =>
      r >= 0 && r < size && c >= 0 && c < size;
    const outside = [...food, ...players].find((cell) => !inside(cell));
    if (outside !== undefined) {
      throw new InputError({
        input: "ForagingSim.setState",
        problem: "cell off the grid",
        expected: `rows and columns in 0..${size - 1}`,
        actual: JSON.stringify(outside),
        fix: "place food and players on the grid",
      });
    }
    this.field.fill(0);
    for (const [r, c, level] of food) this.field[r * size + c] = level;
    players.forEach(([r, c, level], i) => {
      this.playerRow[i] = r;
      this.playerCol[i] = c;
      this.playerLevel[i] = level;
    });
    this.foodLeft = food.length;
    this.foodSpawned = food.reduce((sum, [, , level]) => sum + level, 0);
    this.steps = 0;
  }

  step(actions: Int32Array, messages: Int32Array, rewards: Float64Array): void {
    const n = this.numAgents;
    const size = this.config.size;
    if (this.done) {
      throw new StateError({
        input: "ForagingSim.step",
        problem: "the episode is over",
        fix: "call reset(seed) before stepping again",
      });
    }
    if (actions.length !== n || messages.length !== n || rewards.length !== n) {
      throw new InputError({
        input: "ForagingSim.step buffers",
        problem: "wrong length",
        expected: `actions, messages and rewards of length ${n}`,
        actual: `${actions.length}, ${messages.length}, ${rewards.length}`,
        fix: "allocate one slot per agent",
      });
    }
    for (let i = 0; i < n; i++) {
      const a = actions[i];
      if (!(a >= 0 && a < LBF_ACTIONS.length && a === (a | 0)) || messages[i] !== SILENT) {
        throw new InputError({
          input: `agent_${i}'s action`,
          problem: "outside the mask",
          expected: `an action in 0..${LBF_ACTIONS.length - 1} and message ${SILENT}`,
          actual: `action ${a}, message ${messages[i]}`,
          fix: "sample from the action mask; LBF agents are silent",
        });
      }
    }
    this.steps++;
    rewards.fill(0);
    // Validity is judged on the grid before anyone moves, as in the reference.
    for (let i = 0; i < n; i++) {
      const a = actions[i];
      this.effective[i] = this.isValid(i, a) ? a : NONE;
      this.targetRow[i] = this.playerRow[i] + ROW_STEP[this.effective[i]];
      this.targetCol[i] = this.playerCol[i] + COL_STEP[this.effective[i]];
    }
    for (let i = 0; i < n; i++) {
      let wanted = 0;
      for (let j = 0; j < n; j++) {
        if (this.targetRow[j] === this.targetRow[i] && this.targetCol[j] === this.targetCol[i])
          wanted++;
      }
      if (wanted === 1) {
        this.playerRow[i] = this.targetRow[i];
        this.playerCol[i] = this.targetCol[i];
      }
    }
    this.loaded.fill(0);
    for (let i = 0; i < n; i++) {
      if (this.effective[i] !== LOAD || this.loaded[i] === 1) continue;
      const cell = this.adjacentFoodCell(this.playerRow[i], this.playerCol[i]);
      if (cell < 0) continue;
      const foodRow = (cell / size) | 0;
      const foodCol = cell - foodRow * size;
      let groupLevel = 0;
      for (let j = 0; j < n; j++) {
        if (this.effective[j] !== LOAD || this.loaded[j] === 1) continue;
        if (Math.abs(this.playerRow[j] - foodRow) + Math.abs(this.playerCol[j] - foodCol) !== 1)
          continue;
        this.loaded[j] = 2; // in this group
        groupLevel += this.playerLevel[j];
      }
      const foodLevel = this.field[cell];
      const success = groupLevel >= foodLevel;
      for (let j = 0; j < n; j++) {
        if (this.loaded[j] !== 2) continue;
        this.loaded[j] = 1;
        rewards[j] = success
          ? (this.playerLevel[j] * foodLevel) / (groupLevel * this.foodSpawned)
          : rewards[j] - this.config.penalty;
      }
      if (success) {
        this.field[cell] = 0;
        this.foodLeft--;
      }
    }
    this.lastActions.set(actions);
  }

  /** Whether `action` is valid for player `agent` on the current grid (else it acts as none). */
  isValid(agent: number, action: number): boolean {
    const size = this.config.size;
    const row = this.playerRow[agent];
    const col = this.playerCol[agent];
    if (action === NONE) return true;
    if (action === LOAD) return this.adjacentFoodCell(row, col) >= 0;
    const r = row + ROW_STEP[action];
    const c = col + COL_STEP[action];
    return r >= 0 && r < size && c >= 0 && c < size && this.field[r * size + c] === 0;
  }

  /** The first food cell north, south, west or east of (row, col), or −1. */
  private adjacentFoodCell(row: number, col: number): number {
    const size = this.config.size;
    if (row > 0 && this.field[(row - 1) * size + col] > 0) return (row - 1) * size + col;
    if (row < size - 1 && this.field[(row + 1) * size + col] > 0) return (row + 1) * size + col;
    if (col > 0 && this.field[row * size + col - 1] > 0) return row * size + col - 1;
    if (col < size - 1 && this.field[row * size + col + 1] > 0) return row * size + col + 1;
    return -1;
  }

  private isEmpty(row: number, col: number): boolean {
    if (this.field[row * this.config.size + col] !== 0) return false;
    for (let i = 0; i < this.numAgents; i++) {
      if (this.playerRow[i] === row && this.playerCol[i] === col) return false;
    }
    return true;
  }

  private spawnFood(rng: Rng): void {
    const { size, food, coop } = this.config;
    const levels = Array.from(this.playerLevel).sort((a, b) => a - b);
    const maxLevel = levels.slice(0, 3).reduce((sum, level) => sum + level, 0);
    const minLevel = coop ? maxLevel : 1;
    let placed = 0;
    let spawned = 0;
    for (let attempt = 0; attempt < SPAWN_ATTEMPTS && placed < food; attempt++) {
      const row = 1 + rng.int(size - 2);
      const col = 1 + rng.int(size - 2);
      if (!canHoldFood(this.field, size, row, col) || !this.isEmpty(row, col)) continue;
      const level = minLevel === maxLevel ? minLevel : minLevel + rng.int(maxLevel - minLevel + 1);
      this.field[row * size + col] = level;
      spawned += level;
      placed++;
    }
    this.foodLeft = placed;
    this.foodSpawned = spawned;
  }

  writeActionMask(_agent: number, out: Uint8Array, offset: number): void {
    out.fill(1, offset, offset + LBF_ACTIONS.length);
  }

  /** The reference's valid actions now (the mask itself allows all, as EPyMARL does for LBF). */
  writeValidActions(agent: number, out: Uint8Array, offset: number): void {
    for (let a = 0; a < LBF_ACTIONS.length; a++) out[offset + a] = this.isValid(agent, a) ? 1 : 0;
  }

  writeMessageMask(_agent: number, out: Uint8Array, offset: number): void {
    out[offset] = 1;
  }

  writeFeatures(agent: number, out: Float32Array, offset: number): void {
    const { size, food, sight } = this.config;
    const n = this.numAgents;
    const row = this.playerRow[agent];
    const col = this.playerCol[agent];
    const top = Math.max(row - sight, 0);
    const left = Math.max(col - sight, 0);
    const bottom = Math.min(row + sight + 1, size);
    const right = Math.min(col + sight + 1, size);
    let slot = 0;
    for (let r = top; r < bottom; r++) {
      for (let c = left; c < right; c++) {
        const level = this.field[r * size + c];
        if (level === 0 || slot >= food) continue;
        const o = offset + 3 * slot++;
        out[o] = r - top;
        out[o + 1] = c - left;
        out[o + 2] = level;
      }
    }
    for (; slot < food; slot++) writeUnseen(out, offset + 3 * slot);
    let seen = 0;
    const base = offset + 3 * food;
    for (let k = -1; k < n; k++) {
      // Self first (k = −1), then team-mates in index order.
      const j = k < 0 ? agent : k;
      if (k >= 0 && j === agent) continue;
      const r = this.playerRow[j] - top;
      const c = this.playerCol[j] - left;
      if (r < 0 || c < 0 || r > 2 * sight || c > 2 * sight) continue;
      const o = base + 3 * seen++;
      out[o] = r;
      out[o + 1] = c;
      out[o + 2] = this.playerLevel[j];
    }
    for (; seen < n; seen++) writeUnseen(out, base + 3 * seen);
  }

  writeState(out: Float32Array, offset: number): void {
    for (let i = 0; i < this.numAgents; i++)
      this.writeFeatures(i, out, offset + i * this.featureSize);
  }

  renderView(agent: number): string {
    const { size } = this.config;
    const lines = [
      `You are agent_${agent}, level ${this.playerLevel[agent]}, at row ${this.playerRow[agent]}, column ${this.playerCol[agent]} of a ${size}×${size} grid.`,
    ];
    const foods: string[] = [];
    for (let cell = 0; cell < this.field.length; cell++) {
      if (this.field[cell] > 0)
        foods.push(`level ${this.field[cell]} at (${(cell / size) | 0}, ${cell % size})`);
    }
    lines.push(`Food: ${foods.length > 0 ? foods.join(", ") : "none left"}.`);
    for (let j = 0; j < this.numAgents; j++) {
      if (j !== agent)
        lines.push(
          `agent_${j}: level ${this.playerLevel[j]} at (${this.playerRow[j]}, ${this.playerCol[j]}).`,
        );
    }
    return lines.join("\n");
  }

  actionText(_agent: number, action: number): string {
    return LBF_ACTIONS[action] ?? `unknown action ${action}`;
  }

  messageText(_message: number): string {
    return "";
  }
}

function writeUnseen(out: Float32Array, o: number): void {
  out[o] = -1;
  out[o + 1] = -1;
  out[o + 2] = 0;
}

/** The reference's spacing rule: no food in the 3×3 block around (row, col) nor within 2 cells along its row or column. */
export function canHoldFood(field: Int32Array, size: number, row: number, col: number): boolean {
  for (let r = Math.max(row - 1, 0); r <= Math.min(row + 1, size - 1); r++) {
    for (let c = Math.max(col - 1, 0); c <= Math.min(col + 1, size - 1); c++) {
      if (field[r * size + c] > 0) return false;
    }
  }
  for (let r = Math.max(row - 2, 0); r <= Math.min(row + 2, size - 1); r++) {
    if (field[r * size + col] > 0) return false;
  }
  for (let c = Math.max(col - 2, 0); c <= Math.min(col + 2, size - 1); c++) {
    if (field[row * size + c] > 0) return false;
  }
  return true;
}
