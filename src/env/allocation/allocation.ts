/**
 * Resource allocation: agents carry limited, replenished stock of one kind (water, food, medicine)
 * along a line of sites and commit it to demands of that kind that appear over time, each open for
 * a window and settled when it closes. Demands are seen only nearby, so a demand for a kind no
 * nearby agent carries is served only if someone asks for help.
 *
 * | Field        | Spec                                                                                      |
 * | ------------ | ----------------------------------------------------------------------------------------- |
 * | Agents       | 3–10 (`agent_0` …), each at a site with up to `capacity` units of its one kind            |
 * | Horizon      | `params.horizon` steps; reaching it is a termination (steps left is in the observation)   |
 * | Actions      | 0 = wait; 1+s = move one site toward site s (legal if mobile, s ≠ here); 1+S+(k−1) = commit k units here (legal if k ≤ stock and the demand here wants the agent's kind and still needs units) |
 * | Messages     | 0 = say nothing; 1+s = "I am heading to serve site s"; 1+S+3s+k = "site s needs <kind k>"  |
 * | Sees         | its own site, kind and stock; open demands (kind, need, settlement step, value) and team-mates (site, last action) within `viewRadius` sites; last step's messages; steps left |
 * | Cannot see   | demands and team-mates farther away, team-mates' stock and kind, demands not yet appeared, future disruptions |
 * | Dynamics     | commits apply in agent order; units beyond a demand's need are wasted; stock +1 every `replenishEvery` steps; disruptions remove stock when they happen |
 * | Reward       | at settlement (the demand's `close` step): fully served pays `value`, split by units given; short pays half the served share and costs half the value, split equally; each wasted unit costs 0.1 to its giver. Team reward = sum of per-agent rewards |
 * | State        | every agent's site and stock; every open demand's need, time to settlement and value; time |
 * | What is hard | reward only at settlement, demands bigger than one agent's stock, duplicated trips and over-allocation, demands revealed only when they appear |
 */
import { InputError, StateError } from "../../core/errors.js";
import { SILENT, type TaskSim } from "../types.js";
import { type AllocationTask, KIND_NAMES } from "./task.js";

const KINDS = KIND_NAMES.length;

/** Features per site in an agent's feature vector. */
export const ALLOCATION_SITE_FEATURES = 9;
/**
 * Divides demand values in features and state. A constant, not the task's largest value: that
 * would leak demands that have not appeared yet.
 */
const VALUE_SCALE = 10;
/** Cost of one unit committed beyond a demand's need. */
export const WASTE_COST = 0.1;

/** The allocation simulator over one task. */
export class AllocationSim implements TaskSim {
  readonly numAgents: number;
  readonly horizon: number;
  readonly numActions: number;
  readonly numMessages: number;
  readonly featureSize: number;
  readonly stateSize: number;
  readonly lastMessages: Int32Array;
  readonly lastActions: Int32Array;
  t = 0;
  done = false;

  readonly pos: Int32Array;
  readonly stock: Int32Array;
  /** Units given so far, per demand. */
  readonly fill: Int32Array;
  /** The open demand at each site, or -1. */
  readonly openAt: Int32Array;
  private readonly given: Int32Array;
  private readonly coverScratch: Float64Array;
  private readonly helpScratch: Uint8Array;
  private nextDemand = 0;
  private nextEvent = 0;

  constructor(readonly task: AllocationTask) {
    const n = task.params.agents;
    const s = task.sites;
    this.numAgents = n;
    this.horizon = task.params.horizon;
    this.numActions = 1 + s + task.capacity;
    this.numMessages = 1 + s + KINDS * s;
    this.featureSize = ALLOCATION_SITE_FEATURES * s + 3 + KINDS;
    this.stateSize = 4 * s + 2 * n + 1;
    this.lastMessages = new Int32Array(n);
    this.lastActions = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.stock = new Int32Array(n);
    this.fill = new Int32Array(task.demands.length);
    this.given = new Int32Array(task.demands.length * n);
    this.openAt = new Int32Array(s);
    this.coverScratch = new Float64Array(s);
    this.helpScratch = new Uint8Array(s);
    this.reset(0);
  }

  reset(_seed: number): void {
    this.pos.set(this.task.start);
    this.stock.set(this.task.stock);
    this.fill.fill(0);
    this.given.fill(0);
    this.openAt.fill(-1);
    this.lastActions.fill(0);
    this.lastMessages.fill(SILENT);
    this.nextDemand = 0;
    this.nextEvent = 0;
    this.t = 0;
    this.done = false;
    this.reveal();
  }

  /** Units still wanted by the open demand at `site` (0 when none is open). */
  need(site: number): number {
    const d = this.openAt[site];
    return d < 0 ? 0 : Math.max(0, this.task.demands[d].amount - this.fill[d]);
  }

  /** The message asking for `kind` at `site`. */
  helpMessage(site: number, kind: number): number {
    return 1 + this.task.sites + KINDS * site + kind;
  }

  /** The kind wanted at `site` (-1 when no demand is open there). */
  kindAt(site: number): number {
    const d = this.openAt[site];
    return d < 0 ? -1 : this.task.demands[d].kind;
  }

  /** True when `viewer` sees `site`: its demand and the team-mates standing there. */
  seesSite(viewer: number, site: number): boolean {
    return Math.abs(this.pos[viewer] - site) <= this.task.viewRadius;
  }

  /** True when action `action` is legal for `agent` now. */
  isLegal(agent: number, action: number): boolean {
    const sites = this.task.sites;
    if (action === 0) return true;
    if (action <= sites) return this.task.mobile && action - 1 !== this.pos[agent];
    const k = action - sites;
    const here = this.pos[agent];
    return (
      k <= this.task.capacity &&
      k <= this.stock[agent] &&
      this.need(here) > 0 &&
      this.kindAt(here) === this.task.agentKind[agent]
    );
  }

  step(actions: Int32Array, messages: Int32Array, rewards: Float64Array): void {
    if (this.done) {
      throw new StateError({
        input: "allocation step",
        problem: "the episode is over",
        fix: "call reset(seed) before stepping again",
      });
    }
    const n = this.numAgents;
    const sites = this.task.sites;
    for (let a = 0; a < n; a++) {
      const action = actions[a];
      if (!(action >= 0 && action < this.numActions) || !this.isLegal(a, action)) {
        throw new InputError({
          input: `actions[${a}] (agent_${a})`,
          problem: "action outside the mask",
          expected: "an index whose action-mask entry is 1",
          actual: String(action),
          fix: "choose among the legal action candidates (observation.actionMask)",
        });
      }
      const message = messages[a];
      if (!(message >= 0 && message < this.numMessages)) {
        throw new InputError({
          input: `messages[${a}] (agent_${a})`,
          problem: "message outside the mask",
          expected: `an integer in [0, ${this.numMessages - 1}]`,
          actual: String(message),
          fix: "choose among the legal message candidates (observation.messageMask)",
        });
      }
      rewards[a] = 0;
    }
    for (let a = 0; a < n; a++) {
      const action = actions[a];
      if (action > sites) {
        const k = action - sites;
        const d = this.openAt[this.pos[a]];
        const used = Math.min(k, Math.max(0, this.task.demands[d].amount - this.fill[d]));
        this.fill[d] += used;
        this.given[d * n + a] += used;
        this.stock[a] -= k;
        rewards[a] -= WASTE_COST * (k - used);
      } else if (action > 0) {
        this.pos[a] += Math.sign(action - 1 - this.pos[a]);
      }
    }
    this.lastActions.set(actions.subarray(0, n));
    this.lastMessages.set(messages.subarray(0, n));
    this.t++;
    this.settle(rewards);
    if (this.t % this.task.replenishEvery === 0) {
      for (let a = 0; a < n; a++) if (this.stock[a] < this.task.capacity) this.stock[a]++;
    }
    const events = this.task.events;
    while (this.nextEvent < events.length && events[this.nextEvent].t <= this.t) {
      const e = events[this.nextEvent++];
      this.stock[e.agent] = Math.max(0, this.stock[e.agent] - e.loss);
    }
    this.reveal();
    this.done = this.t >= this.horizon;
  }

  private settle(rewards: Float64Array): void {
    const n = this.numAgents;
    for (let s = 0; s < this.task.sites; s++) {
      const d = this.openAt[s];
      if (d < 0 || this.task.demands[d].close > this.t) continue;
      const demand = this.task.demands[d];
      const served = Math.min(1, this.fill[d] / demand.amount);
      const pay = served >= 1 ? demand.value : 0.5 * demand.value * served;
      if (this.fill[d] > 0) {
        for (let a = 0; a < n; a++) rewards[a] += (pay * this.given[d * n + a]) / this.fill[d];
      }
      if (served < 1) for (let a = 0; a < n; a++) rewards[a] -= (0.5 * demand.value) / n;
      this.openAt[s] = -1;
    }
  }

  private reveal(): void {
    const demands = this.task.demands;
    while (this.nextDemand < demands.length && demands[this.nextDemand].appear <= this.t) {
      this.openAt[demands[this.nextDemand].site] = this.nextDemand;
      this.nextDemand++;
    }
  }

  writeActionMask(agent: number, out: Uint8Array, offset: number): void {
    for (let i = 0; i < this.numActions; i++) out[offset + i] = this.isLegal(agent, i) ? 1 : 0;
  }

  writeMessageMask(_agent: number, out: Uint8Array, offset: number): void {
    out.fill(1, offset, offset + this.numMessages);
  }

  /**
   * Units `agent` expects team-mates to bring to `site`: a full load from each that said it is
   * heading there, half a load from each seen heading or giving there.
   */
  expectedCover(agent: number, site: number, useMessages: boolean): number {
    let cover = 0;
    for (let b = 0; b < this.numAgents; b++) {
      if (b === agent) continue;
      const seen =
        this.seesSite(agent, this.pos[b]) &&
        (this.lastActions[b] === 1 + site ||
          (this.pos[b] === site && this.lastActions[b] > this.task.sites));
      if (useMessages && this.lastMessages[b] === 1 + site) cover += this.task.capacity;
      else if (seen) cover += this.task.capacity / 2;
    }
    return cover;
  }

  /** True when a team-mate asked last step for `kind` at `site`. */
  heardHelp(site: number, kind: number): boolean {
    const m = this.helpMessage(site, kind);
    for (let b = 0; b < this.numAgents; b++) if (this.lastMessages[b] === m) return true;
    return false;
  }

  /**
   * Fills `cover[s]` with {@link expectedCover}(agent, s, true) and `help[s]` with
   * {@link heardHelp}(s, agent's kind) for every site, in one pass over the team.
   */
  private scanTeam(agent: number, cover: Float64Array, help: Uint8Array): void {
    const sites = this.task.sites;
    const cap = this.task.capacity;
    const kind = this.task.agentKind[agent];
    cover.fill(0);
    help.fill(0);
    for (let b = 0; b < this.numAgents; b++) {
      const m = this.lastMessages[b];
      if (m > sites && (m - 1 - sites) % KINDS === kind)
        help[Math.floor((m - 1 - sites) / KINDS)] = 1;
      if (b === agent) continue;
      const told = m >= 1 && m <= sites ? m - 1 : -1;
      if (told >= 0) cover[told] += cap;
      if (!this.seesSite(agent, this.pos[b])) continue;
      const last = this.lastActions[b];
      const seenSite = last >= 1 && last <= sites ? last - 1 : last > sites ? this.pos[b] : -1;
      if (seenSite >= 0 && seenSite !== told) cover[seenSite] += cap / 2;
    }
  }

  writeFeatures(agent: number, out: Float32Array, offset: number): void {
    const cap = this.task.capacity;
    const h = this.horizon;
    const kind = this.task.agentKind[agent];
    this.scanTeam(agent, this.coverScratch, this.helpScratch);
    let o = offset;
    for (let s = 0; s < this.task.sites; s++) {
      const visible = this.seesSite(agent, s);
      const d = visible ? this.openAt[s] : -1;
      out[o++] = Math.abs(this.pos[agent] - s) / this.task.sites;
      out[o++] = visible ? 1 : 0;
      out[o++] = d >= 0 ? this.need(s) / cap : 0;
      out[o++] = d >= 0 && this.task.demands[d].kind === kind ? 1 : 0;
      out[o++] = d >= 0 ? (this.task.demands[d].close - this.t) / h : 0;
      out[o++] = d >= 0 ? this.task.demands[d].value / VALUE_SCALE : 0;
      out[o++] = this.coverScratch[s] / cap / this.numAgents;
      out[o++] = this.helpScratch[s];
      out[o++] = this.pos[agent] === s ? 1 : 0;
    }
    out[o++] = this.stock[agent] / cap;
    out[o++] = this.t / h;
    out[o++] = (h - this.t) / h;
    for (let k = 0; k < KINDS; k++) out[o++] = k === kind ? 1 : 0;
  }

  writeState(out: Float32Array, offset: number): void {
    let o = offset;
    for (let s = 0; s < this.task.sites; s++) {
      const d = this.openAt[s];
      out[o++] = this.need(s) / this.task.capacity;
      out[o++] = d >= 0 ? (this.task.demands[d].close - this.t) / this.horizon : 0;
      out[o++] = d >= 0 ? this.task.demands[d].value / VALUE_SCALE : 0;
      out[o++] = d >= 0 ? (this.task.demands[d].kind + 1) / KINDS : 0;
    }
    for (let a = 0; a < this.numAgents; a++) {
      out[o++] = this.pos[a] / this.task.sites;
      out[o++] = this.stock[a] / this.task.capacity;
    }
    out[o] = this.t / this.horizon;
  }

  renderView(agent: number): string {
    const task = this.task;
    const kind = KIND_NAMES[task.agentKind[agent]];
    const lines = [
      `You are agent_${agent} at site ${this.pos[agent]} of 0–${task.sites - 1}, carrying ${this.stock[agent]} of ${task.capacity} units of ${kind} (one more every ${task.replenishEvery} steps).`,
      `Step ${this.t} of ${this.horizon}; ${this.horizon - this.t} steps left. You see sites within ${task.viewRadius} of yours.`,
    ];
    const demands: string[] = [];
    for (let s = 0; s < task.sites; s++) {
      const d = this.openAt[s];
      if (d < 0 || !this.seesSite(agent, s)) continue;
      const demand = task.demands[d];
      demands.push(
        `  site ${s}: needs ${this.need(s)} more of ${demand.amount} units of ${KIND_NAMES[demand.kind]}, settles at step ${demand.close}, value ${demand.value}`,
      );
    }
    lines.push(
      demands.length > 0 ? "Open demands you see:" : "You see no open demand.",
      ...demands,
    );
    const mates: string[] = [];
    for (let b = 0; b < this.numAgents; b++) {
      if (b !== agent && this.seesSite(agent, this.pos[b])) {
        mates.push(
          `agent_${b} at site ${this.pos[b]}, last: ${this.actionText(b, this.lastActions[b])}`,
        );
      }
    }
    lines.push(
      mates.length > 0 ? `Team-mates you see: ${mates.join("; ")}.` : "You see no team-mate.",
    );
    return lines.join("\n");
  }

  actionText(agent: number, action: number): string {
    const sites = this.task.sites;
    if (action === 0) return "wait";
    if (action <= sites) {
      const s = action - 1;
      return `move toward site ${s} (${Math.abs(s - this.pos[agent])} away)`;
    }
    return `commit ${action - sites} units of ${KIND_NAMES[this.task.agentKind[agent]]} to the demand at site ${this.pos[agent]}`;
  }

  messageText(message: number): string {
    const sites = this.task.sites;
    if (message === SILENT) return "";
    if (message <= sites) return `I am heading to serve site ${message - 1}`;
    const help = message - 1 - sites;
    return `site ${Math.floor(help / KINDS)} needs ${KIND_NAMES[help % KINDS]}`;
  }
}
