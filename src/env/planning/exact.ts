/**
 * Exact planning for small tasks: a dynamic programme over (step, work left per subtask) that
 * finds the best team return any centralised joint policy can reach, with every agent's skills
 * known and no message delay.
 *
 * Two uses:
 * - {@link exactPlanningReturn}, a yardstick: the optimum of a whole task. It knows the task's
 *   delays in advance, so on tasks with delays it is a clairvoyant upper bound, not a reachable
 *   return.
 * - {@link exactOracle}, the planning `oracle` on tasks within {@link EXACT_LIMITS}: each step it
 *   plays an optimal joint action from the current state, planning as if no delay will come (it
 *   never reads `task.events`) and re-planning from the new state once a delay is revealed. On a
 *   task without delays its return is the optimum; with delays it is optimal under what is known
 *   at each step. Its messages follow the heuristic oracle's protocol (each agent broadcasts the
 *   subtask it works on), so demonstrations still teach the message head.
 */
import { ConfigError } from "../../core/errors.js";
import { SILENT, type TeamPolicy } from "../types.js";
import type { PlanningSim } from "./planning.js";
import { MAX_WORK, type PlanningTask } from "./task.js";

/**
 * The largest task the exact solver (and so the exact oracle) accepts. `work` caps the total work
 * of all subtasks at the start (generated tasks within the other limits never exceed it: at most
 * 8 subtasks of at most 4 work); it bounds the states a hand-built task can make the search visit.
 */
export const EXACT_LIMITS = { agents: 4, subtasks: 8, horizon: 16, work: 32 } as const;

/** True when `task` is small enough for the exact solver (see {@link EXACT_LIMITS}). */
export function withinExactLimits(task: PlanningTask): boolean {
  return (
    task.params.agents <= EXACT_LIMITS.agents &&
    task.subtasks.length <= EXACT_LIMITS.subtasks &&
    task.params.horizon <= EXACT_LIMITS.horizon &&
    totalWork(task) <= EXACT_LIMITS.work
  );
}

function totalWork(task: PlanningTask): number {
  return task.subtasks.reduce((sum, s) => sum + s.work, 0);
}

/** Tolerance under which two returns count as equal (returns are sums of at most ~10⁴). */
const TIE = 1e-9;

/**
 * The dynamic programme of one task. `value(t, remaining)` is the best return from step `t` with
 * `remaining[j]` work left on subtask j, memoised on (t, remaining). With `foresee` the task's
 * delays are applied when the clock reaches them (known in advance); without it they are ignored,
 * so every memoised value depends on the state alone and stays valid when a delay is revealed.
 *
 * What a joint action changes is only which subtasks progress (a set, kept as a bit mask), and
 * less work left is never worse (every subtask then finishes no later, so pays no less), so
 * progressing a superset of subtasks is at least as good. Each state therefore evaluates only the
 * maximal sets of subtasks whose crews can be staffed at once by distinct skilled agents (at most
 * C(8, 4) = 70 of them with 4 agents), found by a search over subtasks with bipartite matching.
 */
export class PlanningDp {
  private readonly n: number;
  private readonly m: number;
  private readonly horizon: number;
  /** skilled[a * m + j] = 1 when agent a has subtask j's skill. */
  private readonly skilled: Uint8Array;
  private readonly crew: Int32Array;
  private readonly memo = new Map<number, number>();
  /** Scratch per step depth (the recursion holds one frame per step). */
  private readonly nextAt: Int32Array[];
  /** Maximal progress masks per set of open subtasks (a bit mask), searched on first need. */
  private readonly masksByOpen: (Int32Array | undefined)[];
  private readonly available: Uint8Array;
  /** The matching of the search: the subtask each agent is on (-1: free). */
  private readonly assigned: Int32Array;
  private readonly savedAt: Int32Array[];
  private readonly probe: Int32Array;
  private readonly visited: Uint8Array;
  private readonly out: Int32Array;
  private outCount = 0;

  constructor(
    readonly task: PlanningTask,
    private readonly foresee: boolean,
  ) {
    const n = task.params.agents;
    const m = task.subtasks.length;
    if (!withinExactLimits(task)) {
      throw new ConfigError({
        input: `task ${task.id}`,
        problem: "too large for the exact solver",
        expected: `at most ${EXACT_LIMITS.agents} agents, ${EXACT_LIMITS.subtasks} subtasks, horizon ${EXACT_LIMITS.horizon}, ${EXACT_LIMITS.work} work in all`,
        actual: `${n} agents, ${m} subtasks, horizon ${task.params.horizon}, ${totalWork(task)} work`,
        fix: "use the heuristic oracle (planningFamily.policy('oracle')) on larger tasks",
      });
    }
    this.n = n;
    this.m = m;
    this.horizon = task.params.horizon;
    this.skilled = new Uint8Array(n * m);
    for (let a = 0; a < n; a++)
      for (let j = 0; j < m; j++)
        this.skilled[a * m + j] = task.agentSkills[a].includes(task.subtasks[j].skill) ? 1 : 0;
    this.crew = Int32Array.from(task.subtasks.map((s) => s.crew));
    const depth = this.horizon + 1;
    this.nextAt = Array.from({ length: depth }, () => new Int32Array(m));
    this.masksByOpen = new Array<Int32Array | undefined>(1 << m).fill(undefined);
    this.out = new Int32Array(1 << m);
    this.available = new Uint8Array(m);
    this.assigned = new Int32Array(n);
    this.savedAt = Array.from({ length: m }, () => new Int32Array(n));
    this.probe = new Int32Array(n);
    this.visited = new Uint8Array(n);
  }

  /** The best return from step `t` with `remaining` work left per subtask. */
  value(t: number, remaining: Int32Array): number {
    if (t >= this.horizon) return 0;
    const key = this.key(t, remaining);
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached;
    const masks = this.maximalMasks(remaining);
    let best = 0;
    for (let k = 0; k < masks.length; k++)
      best = Math.max(best, this.outcome(t, remaining, masks[k]));
    this.memo.set(key, best);
    return best;
  }

  /**
   * Writes into `out` (action per agent: 0 = wait, 1+j = work on j) an optimal joint action from
   * (t, remaining) and returns its value. Among optimal joint actions without wasted effort it
   * takes the one that agrees with `prefer` on the most agents (then the first found), so the
   * oracle keeps the heuristic's choices wherever they are optimal and waste nothing.
   */
  bestJointAction(t: number, remaining: Int32Array, prefer: Int32Array, out: Int32Array): number {
    const { n, m, crew, skilled } = this;
    const q = new Float64Array(1 << m).fill(Number.NEGATIVE_INFINITY);
    const maximal = this.maximalMasks(remaining);
    let best = Number.NEGATIVE_INFINITY;
    for (const mask of maximal) {
      q[mask] = this.outcome(t, remaining, mask);
      best = Math.max(best, q[mask]);
    }
    // Joint actions without wasted effort (no subtask beyond its crew; an agent waits only when
    // every open subtask it has the skill for is fully staffed) whose progress set is an optimal
    // maximal one; some always exists. The one that agrees with `prefer` most wins.
    this.open(remaining);
    const available = Uint8Array.from(this.available);
    const workers = new Int32Array(m);
    const choice = new Int32Array(n);
    let bestAgreement = -1;
    const visit = (agent: number, agreement: number): void => {
      if (agent === n) {
        let mask = 0;
        for (let j = 0; j < m; j++) if (workers[j] >= crew[j]) mask |= 1 << j;
        if (q[mask] >= best - TIE && agreement > bestAgreement) {
          bestAgreement = agreement;
          out.set(choice);
        }
        return;
      }
      let placed = false;
      for (let j = 0; j < m; j++) {
        if (available[j] === 0 || skilled[agent * m + j] === 0 || workers[j] >= crew[j]) continue;
        placed = true;
        choice[agent] = j + 1;
        workers[j]++;
        visit(agent + 1, agreement + (j + 1 === prefer[agent] ? 1 : 0));
        workers[j]--;
      }
      if (!placed) {
        choice[agent] = 0;
        visit(agent + 1, agreement + (prefer[agent] === 0 ? 1 : 0));
      }
    };
    visit(0, 0);
    return best;
  }

  /** States memoised so far (for tests and timing). */
  get size(): number {
    return this.memo.size;
  }

  private key(t: number, remaining: Int32Array): number {
    // Mixed radix: at most 17 · 21⁸ ≈ 6.4·10¹¹ < 2⁵³, so the key is an exact integer.
    let key = t;
    for (let j = 0; j < this.m; j++) key = key * (MAX_WORK + 1) + remaining[j];
    return key;
  }

  /** Marks the subtasks open in `remaining` (work left, every dependency done). */
  private open(remaining: Int32Array): void {
    for (let j = 0; j < this.m; j++) {
      let open = remaining[j] > 0;
      for (const d of this.task.subtasks[j].deps) if (remaining[d] > 0) open = false;
      this.available[j] = open ? 1 : 0;
    }
  }

  /**
   * The maximal sets of subtasks that can progress together from `remaining`, as bit masks: a depth-first search over open subtasks,
   * each taken when its crew can still be matched to distinct skilled agents (augmenting paths).
   */
  private maximalMasks(remaining: Int32Array): Int32Array {
    this.open(remaining);
    let openMask = 0;
    for (let j = 0; j < this.m; j++) if (this.available[j] === 1) openMask |= 1 << j;
    // They depend on the open set alone (skills and crews are fixed), so each is searched once.
    let masks = this.masksByOpen[openMask];
    if (masks === undefined) {
      this.assigned.fill(-1);
      this.outCount = 0;
      this.search(0, 0, 0);
      masks = this.out.slice(0, this.outCount);
      this.masksByOpen[openMask] = masks;
    }
    return masks;
  }

  private search(j: number, mask: number, busy: number): void {
    if (j === this.m || busy === this.n) {
      if (busy === this.n || this.isMaximal(mask, busy)) this.out[this.outCount++] = mask;
      return;
    }
    if (this.available[j] === 1 && busy + this.crew[j] <= this.n) {
      const saved = this.savedAt[j];
      saved.set(this.assigned);
      if (this.place(j)) this.search(j + 1, mask | (1 << j), busy + this.crew[j]);
      this.assigned.set(saved);
    }
    this.search(j + 1, mask, busy);
  }

  /** True when no open subtask outside `mask` can be added to it. */
  private isMaximal(mask: number, busy: number): boolean {
    const probe = this.probe;
    for (let j = 0; j < this.m; j++) {
      if (this.available[j] === 0 || (mask >> j) & 1 || busy + this.crew[j] > this.n) continue;
      probe.set(this.assigned);
      const fits = this.place(j);
      this.assigned.set(probe);
      if (fits) return false;
    }
    return true;
  }

  /** Matches subtask j's whole crew to skilled agents, rerouting others; false when it cannot. */
  private place(j: number): boolean {
    for (let slot = 0; slot < this.crew[j]; slot++) {
      this.visited.fill(0);
      if (!this.augment(j)) return false;
    }
    return true;
  }

  private augment(j: number): boolean {
    for (let a = 0; a < this.n; a++) {
      if (this.skilled[a * this.m + j] === 0 || this.visited[a] === 1 || this.assigned[a] === j)
        continue;
      this.visited[a] = 1;
      const from = this.assigned[a];
      if (from === -1 || this.augment(from)) {
        this.assigned[a] = j;
        return true;
      }
    }
    return false;
  }

  /** Reward of progressing the subtasks in `mask` at step t plus the best return after it. */
  private outcome(t: number, remaining: Int32Array, mask: number): number {
    const { m, task } = this;
    const next = this.nextAt[t];
    next.set(remaining);
    let reward = 0;
    let left = 0;
    for (let j = 0; j < m; j++) {
      if ((mask >> j) & 1) {
        const s = task.subtasks[j];
        if (--next[j] === 0) reward += t + 1 <= s.deadline ? s.value : s.value / 2;
      }
      if (next[j] > 0) left++;
    }
    if (left === 0) return reward + task.goalBonus;
    if (this.foresee) {
      for (const e of task.events) {
        if (e.t === t + 1 && next[e.subtask] > 0)
          next[e.subtask] = Math.min(MAX_WORK, next[e.subtask] + e.extraWork);
      }
    }
    return t + 1 >= this.horizon ? reward : reward + this.value(t + 1, next);
  }
}

/**
 * The best team return reachable on `task` by a centralised policy that knows every delay in
 * advance (small tasks only; see {@link EXACT_LIMITS}). On tasks without delays the exact oracle
 * reaches it.
 */
export function exactPlanningReturn(task: PlanningTask): number {
  const dp = new PlanningDp(task, true);
  const start = Int32Array.from(task.subtasks.map((s) => s.work));
  for (const e of task.events)
    if (e.t === 0) start[e.subtask] = Math.min(MAX_WORK, start[e.subtask] + e.extraWork);
  return dp.value(0, start);
}

/**
 * The planning oracle: on tasks within {@link EXACT_LIMITS} an optimal joint action from the
 * current state (work left and step, read from the sim; delays not yet revealed are unknown to
 * it), among optimal ones the closest to what `heuristic` would play; on larger tasks `heuristic`
 * itself. Messages: each agent announces the subtask it works on, silence when it waits.
 *
 * Cost per decision (measured on this machine): the first decision of an episode solves the task
 * from the start state — on generated tasks at the limits (4 agents, 8 subtasks, horizon 16) a few
 * milliseconds on average and under 0.2 s at worst (at most ~5,000 states); on the worst
 * hand-built ones (8 independent subtasks of 4 work, 4 agents, horizon 16: ~10⁵ states) about 1 s.
 * Later decisions read the memo and enumerate at most 8⁴ = 4,096 joint actions: well under 1 ms. A revealed
 * delay solves only the new states it opens (no more than a first decision).
 */
export function exactOracle(name: string, heuristic: TeamPolicy): TeamPolicy {
  let dp: PlanningDp | null = null;
  let prefer = new Int32Array(0);
  return {
    name,
    reset(simAny) {
      heuristic.reset(simAny);
      const task = (simAny as PlanningSim).task;
      // The memo holds values of states alone (no events), so it carries over between episodes.
      if (dp?.task !== task) dp = withinExactLimits(task) ? new PlanningDp(task, false) : null;
      prefer = new Int32Array(simAny.numAgents);
    },
    act(simAny, rng, actions, messages) {
      heuristic.act(simAny, rng, actions, messages);
      if (dp === null) return;
      const sim = simAny as PlanningSim;
      prefer.set(actions.subarray(0, sim.numAgents));
      dp.bestJointAction(sim.t, sim.remaining, prefer, actions);
      for (let a = 0; a < sim.numAgents; a++) messages[a] = actions[a] > 0 ? actions[a] : SILENT;
    },
  };
}
