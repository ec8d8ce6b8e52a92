/**
 * Exact allocation for small tasks: a dynamic programme over (step, every agent's site and stock,
 * units still wanted by each known demand) that finds the best team return a centralised joint
 * policy can reach from the current state, on the demands known now, assuming no further demand
 * and no disruption will be revealed.
 *
 * Two uses:
 * - {@link exactAllocationReturn}, a yardstick: the optimum of a task whose demands all appear at
 *   step 0 and that has no disruptions (it refuses any other: there the optimum is a stochastic
 *   control problem over events not yet revealed).
 * - {@link exactOracle}, the allocation `oracle` on tasks within {@link EXACT_LIMITS}: each step it
 *   plays an optimal joint action from the current state over the demands open now (it never
 *   reads `task.demands` beyond those revealed, nor `task.events`), and re-plans when a new demand
 *   appears (a disruption only moves it to another state of the same programme). On tasks whose
 *   demands all appear at step 0 and that have no disruptions its return is the optimum; otherwise
 *   it is optimal under what is known at each step.
 *
 * The programme never over-commits: units beyond a demand's need only cost, and more stock is
 * never worse (anything done from less stock can be done from more), so joint actions whose
 * commits at a site exceed its need are dominated and skipped. An agent that can no longer reach
 * an open demand of its kind before it settles (t + distance ≥ close) can never matter again (the
 * known demands only settle; t + distance never falls), so it only waits and its site and stock
 * drop out of the memo key. Moves are one site left or right.
 */
import { ConfigError } from "../../core/errors.js";
import type { TeamPolicy } from "../types.js";
import type { AllocationSim } from "./allocation.js";
import type { AllocationTask } from "./task.js";

/**
 * The largest task the exact oracle plans for: its team, line, horizon and carrying capacity
 * (what the task fixes at reset; the demands it plans over are those open at each step, at most
 * one per site). No task of the default suite is within them (every stratum's horizon is ≥ 20).
 */
export const EXACT_LIMITS = { agents: 3, sites: 5, horizon: 12, capacity: 3 } as const;

/** True when `task` is small enough for the exact oracle (see {@link EXACT_LIMITS}). */
export function withinExactLimits(task: AllocationTask): boolean {
  return (
    task.params.agents <= EXACT_LIMITS.agents &&
    task.sites <= EXACT_LIMITS.sites &&
    task.params.horizon <= EXACT_LIMITS.horizon &&
    task.capacity <= EXACT_LIMITS.capacity
  );
}

/** Tolerance under which two returns count as equal. */
const TIE = 1e-9;

/**
 * The dynamic programme over one set of known demands (`ids`, indices into `task.demands`, all
 * open at once, so on distinct sites). `value(t, pos, stock, need)` is the best team return from
 * step t, memoised on the canonical state; it depends on the state alone, so it stays valid when a
 * disruption changes stock.
 */
export class AllocationDp {
  private readonly n: number;
  private readonly sites: number;
  private readonly cap: number;
  private readonly end: number;
  private readonly m: number;
  private readonly kind: Int32Array;
  private readonly site: Int32Array;
  private readonly amount: Int32Array;
  private readonly close: Int32Array;
  private readonly worth: Float64Array;
  /** The known demand at each site (index into `ids`), or -1. */
  private readonly siteDemand: Int32Array;
  /** Radix of each demand's need in the key (its need when the programme was built, plus 1). */
  private readonly radix: Int32Array;
  private readonly memo = new Map<number, number>();
  // Scratch per step depth (the recursion holds one frame per step).
  private readonly nextPos: Int32Array[];
  private readonly nextStock: Int32Array[];
  private readonly nextNeed: Int32Array[];
  private readonly left: Int32Array[];
  private readonly joint: Int32Array[];
  private readonly relevant: Uint8Array[];
  private readonly lowest: Int32Array[];
  private readonly highest: Int32Array[];
  private readonly usable: Int32Array[];

  constructor(
    readonly task: AllocationTask,
    readonly ids: readonly number[],
    need: Int32Array,
  ) {
    if (!withinExactLimits(task)) {
      throw new ConfigError({
        input: `task ${task.id}`,
        problem: "too large for the exact solver",
        expected: `at most ${EXACT_LIMITS.agents} agents, ${EXACT_LIMITS.sites} sites, horizon ${EXACT_LIMITS.horizon}, capacity ${EXACT_LIMITS.capacity}`,
        actual: `${task.params.agents} agents, ${task.sites} sites, horizon ${task.params.horizon}, capacity ${task.capacity}`,
        fix: "on larger tasks the oracle is the heuristic (allocationFamily.policy('oracle'))",
      });
    }
    this.n = task.params.agents;
    this.sites = task.sites;
    this.cap = task.capacity;
    this.m = ids.length;
    const demands = ids.map((i) => task.demands[i]);
    this.kind = Int32Array.from(demands.map((d) => d.kind));
    this.site = Int32Array.from(demands.map((d) => d.site));
    this.amount = Int32Array.from(demands.map((d) => d.amount));
    this.close = Int32Array.from(demands.map((d) => d.close));
    this.worth = Float64Array.from(demands.map((d) => d.value));
    // Nothing is paid after the last known demand settles.
    this.end = Math.min(
      task.params.horizon,
      demands.reduce((e, d) => Math.max(e, d.close), 0),
    );
    this.siteDemand = new Int32Array(task.sites).fill(-1);
    demands.forEach((d, j) => {
      this.siteDemand[d.site] = j;
    });
    this.radix = Int32Array.from(need, (x) => x + 1);
    const depth = task.params.horizon + 1;
    const n = this.n;
    this.nextPos = Array.from({ length: depth }, () => new Int32Array(n));
    this.nextStock = Array.from({ length: depth }, () => new Int32Array(n));
    this.nextNeed = Array.from({ length: depth }, () => new Int32Array(this.m));
    this.left = Array.from({ length: depth }, () => new Int32Array(this.m));
    this.joint = Array.from({ length: depth }, () => new Int32Array(n));
    this.relevant = Array.from({ length: depth }, () => new Uint8Array(n));
    this.lowest = Array.from({ length: depth }, () => new Int32Array(n));
    this.highest = Array.from({ length: depth }, () => new Int32Array(n));
    this.usable = Array.from({ length: depth }, () => new Int32Array(n));
  }

  /** States memoised so far (for tests and timing). */
  get size(): number {
    return this.memo.size;
  }

  /** The best team return from step `t` (no demand beyond `ids`, no disruption). */
  value(t: number, pos: Int32Array, stock: Int32Array, need: Int32Array): number {
    if (t >= this.end) return 0;
    const relevant = this.relevant[t];
    if (!this.markRelevant(t, pos, need, relevant)) return this.settleRest(t, need);
    const key = this.key(t, pos, stock, need, relevant);
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached;
    const left = this.left[t];
    left.set(need);
    let best = Number.NEGATIVE_INFINITY;
    const visit = (agent: number): void => {
      if (agent === this.n) {
        best = Math.max(best, this.outcome(t, pos, stock, need, this.joint[t]));
        return;
      }
      this.options(t, agent, pos, stock, left, relevant, visit);
    };
    visit(0);
    this.memo.set(key, best);
    return best;
  }

  /**
   * Writes into `out` (sim action indices) an optimal joint action from the state and returns its
   * value. Among optimal joint actions it takes the one agreeing with `prefer` on the most agents
   * (a move agrees when it heads the same way), so the oracle keeps the heuristic's choices
   * wherever they are optimal.
   */
  bestJointAction(
    t: number,
    pos: Int32Array,
    stock: Int32Array,
    need: Int32Array,
    prefer: Int32Array,
    out: Int32Array,
  ): number {
    out.fill(0);
    if (t >= this.end) return 0;
    const relevant = new Uint8Array(this.n);
    if (!this.markRelevant(t, pos, need, relevant)) return this.settleRest(t, need);
    const wanted = Int32Array.from(prefer, (p, a) =>
      p >= 1 && p <= this.sites ? 1 + pos[a] + Math.sign(p - 1 - pos[a]) : p,
    );
    const left = Int32Array.from(need);
    const joint = new Int32Array(this.n);
    let best = Number.NEGATIVE_INFINITY;
    let bestAgreement = -1;
    const visit = (agent: number, agreement: number): void => {
      if (agent === this.n) {
        const q = this.outcome(t, pos, stock, need, joint);
        if (q > best + TIE || (q >= best - TIE && agreement > bestAgreement)) {
          best = Math.max(best, q);
          bestAgreement = agreement;
          out.set(joint);
        }
        return;
      }
      this.forEachOption(t, agent, pos, stock, left, relevant, joint, () =>
        visit(agent + 1, agreement + (joint[agent] === wanted[agent] ? 1 : 0)),
      );
    };
    visit(0, 0);
    return best;
  }

  /**
   * Applies joint action `joint` to the state in place (the sim's dynamics without events) and
   * returns the team reward of the step.
   */
  advance(
    t: number,
    pos: Int32Array,
    stock: Int32Array,
    need: Int32Array,
    joint: Int32Array,
  ): number {
    return this.transition(t, pos, stock, need, joint, pos, stock, need);
  }

  private options(
    t: number,
    agent: number,
    pos: Int32Array,
    stock: Int32Array,
    left: Int32Array,
    relevant: Uint8Array,
    visit: (agent: number) => void,
  ): void {
    this.forEachOption(t, agent, pos, stock, left, relevant, this.joint[t], () => visit(agent + 1));
  }

  /** Calls `next` once per option of `agent` written into `joint[agent]` (commits debit `left`). */
  private forEachOption(
    t: number,
    agent: number,
    pos: Int32Array,
    stock: Int32Array,
    left: Int32Array,
    relevant: Uint8Array,
    joint: Int32Array,
    next: () => void,
  ): void {
    joint[agent] = 0;
    next();
    if (relevant[agent] === 0) return;
    const here = pos[agent];
    if (this.task.mobile) {
      // Only toward the sites of demands it can still serve (`relevant` holds their span).
      if (here > this.lowest[t][agent]) {
        joint[agent] = here;
        next();
      }
      if (here < this.highest[t][agent]) {
        joint[agent] = here + 2;
        next();
      }
    }
    const d = this.siteDemand[here];
    if (d < 0 || this.kind[d] !== this.task.agentKind[agent] || this.close[d] <= t) return;
    const most = Math.min(stock[agent], left[d]);
    for (let k = 1; k <= most; k++) {
      joint[agent] = this.sites + k;
      left[d] -= k;
      next();
      left[d] += k;
    }
    joint[agent] = 0;
  }

  /** The step's reward plus the best return after it. */
  private outcome(
    t: number,
    pos: Int32Array,
    stock: Int32Array,
    need: Int32Array,
    joint: Int32Array,
  ): number {
    const p = this.nextPos[t];
    const s = this.nextStock[t];
    const q = this.nextNeed[t];
    const reward = this.transition(t, pos, stock, need, joint, p, s, q);
    return reward + this.value(t + 1, p, s, q);
  }

  private transition(
    t: number,
    pos: Int32Array,
    stock: Int32Array,
    need: Int32Array,
    joint: Int32Array,
    p: Int32Array,
    s: Int32Array,
    q: Int32Array,
  ): number {
    const sites = this.sites;
    if (p !== pos) p.set(pos);
    if (s !== stock) s.set(stock);
    if (q !== need) q.set(need);
    for (let a = 0; a < this.n; a++) {
      const action = joint[a];
      if (action > sites) {
        const k = action - sites;
        q[this.siteDemand[p[a]]] -= k;
        s[a] -= k;
      } else if (action > 0) {
        p[a] += Math.sign(action - 1 - p[a]);
      }
    }
    const t1 = t + 1;
    let reward = 0;
    for (let j = 0; j < this.m; j++) if (this.close[j] === t1) reward += this.payout(j, q[j]);
    if (t1 % this.task.replenishEvery === 0) {
      for (let a = 0; a < this.n; a++) if (s[a] < this.cap) s[a]++;
    }
    return reward;
  }

  /** Team reward of demand j settling with `need` units missing. */
  private payout(j: number, need: number): number {
    const v = this.worth[j];
    if (need === 0) return v;
    return 0.5 * v * ((this.amount[j] - need) / this.amount[j]) - 0.5 * v;
  }

  /** Settlement of every demand still open at t when nobody can serve any more. */
  private settleRest(t: number, need: Int32Array): number {
    let total = 0;
    for (let j = 0; j < this.m; j++) if (this.close[j] > t) total += this.payout(j, need[j]);
    return total;
  }

  /**
   * Marks agents that can still reach an open demand of their kind in time (false when none) and
   * sets, per agent, the span of those demands' sites (`lowest`, `highest`; moving away from all
   * of them is dominated by waiting) and their total need (`usable`: stock beyond it never
   * binds, so the key caps stock there), kept per step depth.
   */
  private markRelevant(t: number, pos: Int32Array, need: Int32Array, out: Uint8Array): boolean {
    const lowest = this.lowest[t];
    const highest = this.highest[t];
    const usable = this.usable[t];
    let any = false;
    for (let a = 0; a < this.n; a++) {
      out[a] = 0;
      lowest[a] = this.sites;
      highest[a] = -1;
      usable[a] = 0;
      for (let j = 0; j < this.m; j++) {
        if (need[j] === 0 || this.kind[j] !== this.task.agentKind[a]) continue;
        const distance = Math.abs(pos[a] - this.site[j]);
        if ((this.task.mobile || distance === 0) && t + distance < this.close[j]) {
          out[a] = 1;
          any = true;
          lowest[a] = Math.min(lowest[a], this.site[j]);
          highest[a] = Math.max(highest[a], this.site[j]);
          usable[a] += need[j];
        }
      }
    }
    return any;
  }

  private key(
    t: number,
    pos: Int32Array,
    stock: Int32Array,
    need: Int32Array,
    relevant: Uint8Array,
  ): number {
    // At most 13 · (5 · 4)³ · 61⁵ ≈ 8.8·10¹³ < 2⁵³ within the limits: an exact integer.
    let key = t;
    for (let a = 0; a < this.n; a++)
      key =
        key * this.sites * (this.cap + 1) +
        (relevant[a] ? pos[a] * (this.cap + 1) + Math.min(stock[a], this.usable[t][a]) : 0);
    for (let j = 0; j < this.m; j++) key = key * this.radix[j] + (this.close[j] > t ? need[j] : 0);
    return key;
  }
}

/** The demands open in `sim` now (indices into `task.demands`), by site. */
function openDemands(sim: AllocationSim): number[] {
  const ids: number[] = [];
  for (let s = 0; s < sim.task.sites; s++) if (sim.openAt[s] >= 0) ids.push(sim.openAt[s]);
  return ids;
}

/** Units still wanted by each demand of `ids` in `sim` (0 once settled). */
function needs(sim: AllocationSim, ids: readonly number[]): Int32Array {
  return Int32Array.from(ids, (d) => {
    const demand = sim.task.demands[d];
    return sim.openAt[demand.site] === d ? sim.need(demand.site) : 0;
  });
}

/**
 * The best team return on `task` (small tasks whose demands all appear at step 0, without
 * disruptions; see {@link EXACT_LIMITS}). The exact oracle reaches it.
 */
export function exactAllocationReturn(task: AllocationTask): number {
  if (task.events.length > 0 || task.demands.some((d) => d.appear > 0)) {
    throw new ConfigError({
      input: `task ${task.id}`,
      problem: "has events revealed after reset",
      expected: "every demand appearing at step 0 and no disruption",
      actual: `${task.demands.filter((d) => d.appear > 0).length} later demands, ${task.events.length} disruptions`,
      fix: "pass a task whose events are all known at reset (withoutEventsAfter(task, 0))",
    });
  }
  const ids = task.demands.map((_, i) => i);
  const need = Int32Array.from(task.demands, (d) => d.amount);
  const dp = new AllocationDp(task, ids, need);
  return dp.value(0, Int32Array.from(task.start), Int32Array.from(task.stock), need);
}

/**
 * The allocation oracle: on tasks within {@link EXACT_LIMITS} an optimal joint action from the
 * current state over the demands open now (among optimal ones the closest to what `heuristic`
 * would play); on larger tasks `heuristic` itself. Each agent's target is the site of its next
 * commit in the optimal plan from here (followed forward in the programme); `message(sim, agent,
 * target)` turns it into the agent's message (the heuristic's protocol).
 *
 * Cost per decision (measured on this machine, generated tasks at the limits: 3 agents, 5 sites,
 * horizon 12): a new set of open demands solves the programme from the current state, ~1–30 ms
 * (at most a few 10⁴ states); other decisions read the memo and enumerate at most 6³ joint
 * actions per step of the plan followed forward: well under 1 ms.
 */
export function exactOracle(
  name: string,
  heuristic: TeamPolicy,
  message: (sim: AllocationSim, agent: number, target: number) => number,
): TeamPolicy {
  let dp: AllocationDp | null = null;
  return {
    name,
    reset(simAny) {
      heuristic.reset(simAny);
      dp = null;
    },
    act(simAny, rng, actions, messages) {
      heuristic.act(simAny, rng, actions, messages);
      const sim = simAny as AllocationSim;
      if (!withinExactLimits(sim.task)) return;
      const n = sim.numAgents;
      const ids = openDemands(sim);
      // Re-plan when a demand appears that the programme does not know (settled ones it tracks).
      if (dp === null || dp.task !== sim.task || ids.some((d) => !dp?.ids.includes(d))) {
        dp = new AllocationDp(sim.task, ids, needs(sim, ids));
      }
      const pos = Int32Array.from(sim.pos);
      const stock = Int32Array.from(sim.stock);
      const need = needs(sim, dp.ids);
      const prefer = Int32Array.from(actions.subarray(0, n));
      dp.bestJointAction(sim.t, pos, stock, need, prefer, actions);
      // Follow the plan forward to each agent's next commit: its target.
      const target = new Int32Array(n).fill(-1);
      const joint = Int32Array.from(actions.subarray(0, n));
      const none = new Int32Array(n);
      for (let t = sim.t; t < sim.horizon; t++) {
        if (t > sim.t) dp.bestJointAction(t, pos, stock, need, none, joint);
        let open = 0;
        for (let a = 0; a < n; a++) {
          if (target[a] < 0 && joint[a] > sim.task.sites) target[a] = pos[a];
          if (target[a] < 0) open++;
        }
        if (open === 0) break;
        dp.advance(t, pos, stock, need, joint);
      }
      for (let a = 0; a < n; a++) messages[a] = message(sim, a, target[a]);
    },
  };
}
