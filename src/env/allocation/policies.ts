/**
 * Allocation's reference policies. All act on the current state only (never on demands or
 * disruptions to come). The heuristics act per agent on what that agent can know now: its site,
 * kind and stock, demands and team-mates within its view, and last step's messages.
 *
 * Oracle: on tasks within EXACT_LIMITS (≤ 3 agents, ≤ 5 sites, horizon ≤ 12, capacity ≤ 3) a
 * centralised optimal joint action from the current state over the demands open now, by dynamic
 * programming (`exactOracle` in exact.ts: it plans as if no demand or disruption will come and
 * re-plans when a demand appears; among optimal joint actions, the one closest to the
 * heuristic's); each agent's target is the site of its next commit in that plan, and its message
 * follows the protocol below. Beyond the limits the heuristic: each agent keeps its target site
 * while the demand there still wants its kind, else picks the known demand of its kind with the
 * best value per unit it can still usefully give per step of travel, after the units it expects
 * team-mates to bring (a full load for each "heading there" message, half a load for each
 * team-mate seen heading or giving there), skipping demands it cannot reach before they settle.
 * Sites it cannot see count as known demands when a team-mate asked for its kind there (within
 * {@link HELP_RANGE} sites). At a site, the m agents standing there split the need by index
 * (floor(need/m), one more for the first need mod m). Message protocol (both): ask for help ("site
 * s needs <kind>") for the nearest seen demand whose need exceeds what the agent and its
 * team-mates are expected to bring; otherwise say where it is heading ("I am heading to serve site
 * s"); silence without either. The no-communication oracle is the heuristic with messages unread
 * and unsent, on every task: the exact planner is centralised and reads no messages, so an exact
 * no-communication oracle would equal the oracle and measure nothing. Independent greedy: the best
 * seen demand of its kind by the same score, ignoring team-mates, committing all it can on arrival.
 */
import { nothingPolicy, randomPolicy } from "../policies.js";
import { type ReferencePolicyName, SILENT, type TeamPolicy } from "../types.js";
import type { AllocationSim } from "./allocation.js";
import { exactOracle } from "./exact.js";

/** Farthest unseen site an agent travels to on a help request. */
export const HELP_RANGE = 8;

/** True when `site` is a demand `agent` may serve, as far as it knows. */
function servable(sim: AllocationSim, agent: number, site: number, useMessages: boolean): boolean {
  const kind = sim.task.agentKind[agent];
  if (sim.seesSite(agent, site)) return sim.need(site) > 0 && sim.kindAt(site) === kind;
  return useMessages && sim.heardHelp(site, kind) && Math.abs(sim.pos[agent] - site) <= HELP_RANGE;
}

/** The agent's current target (its last move's destination, or here), or -1. */
function currentTarget(sim: AllocationSim, agent: number, useMessages: boolean): number {
  const last = sim.lastActions[agent];
  const here = sim.pos[agent];
  if (last >= 1 && last <= sim.task.sites && last - 1 !== here) {
    if (servable(sim, agent, last - 1, useMessages)) return last - 1;
  }
  return servable(sim, agent, here, false) ? here : -1;
}

/** The best site for `agent` by value per useful unit per step of travel, or -1. */
function chooseTarget(
  sim: AllocationSim,
  agent: number,
  coordinated: boolean,
  useMessages: boolean,
): number {
  const task = sim.task;
  const stock = sim.stock[agent];
  let best = -1;
  let bestScore = 0;
  for (let s = 0; s < task.sites; s++) {
    const distance = Math.abs(sim.pos[agent] - s);
    if (!task.mobile && distance > 0) continue;
    if (!servable(sim, agent, s, useMessages && coordinated)) continue;
    const cover = coordinated ? sim.expectedCover(agent, s, useMessages) : 0;
    let uncovered = task.capacity - cover;
    let unitValue = 1;
    if (sim.seesSite(agent, s)) {
      const d = sim.openAt[s];
      if (sim.t + distance >= task.demands[d].close) continue;
      uncovered = sim.need(s) - cover;
      unitValue = task.demands[d].value / task.demands[d].amount;
    }
    if (uncovered <= 0) continue;
    const score = (unitValue * Math.min(stock, uncovered)) / (distance + 1);
    if (score > bestScore) {
      bestScore = score;
      best = s;
    }
  }
  return best;
}

/** Units `agent` commits here: its index share of the need among agents standing at the site. */
function share(sim: AllocationSim, agent: number): number {
  const here = sim.pos[agent];
  let m = 0;
  let rank = 0;
  for (let b = 0; b < sim.numAgents; b++) {
    if (sim.pos[b] !== here || sim.task.agentKind[b] !== sim.task.agentKind[agent]) continue;
    if (b < agent) rank++;
    m++;
  }
  const need = sim.need(here);
  return Math.floor(need / m) + (rank < need % m ? 1 : 0);
}

/** The nearest seen site whose need exceeds what is expected to reach it, or -1. */
function siteNeedingHelp(sim: AllocationSim, agent: number, target: number): number {
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let s = 0; s < sim.task.sites; s++) {
    if (!sim.seesSite(agent, s) || sim.need(s) === 0) continue;
    const mine = s === target ? sim.stock[agent] : 0;
    if (sim.need(s) - mine - sim.expectedCover(agent, s, true) <= 0) continue;
    const distance = Math.abs(sim.pos[agent] - s);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = s;
    }
  }
  return best;
}

/**
 * The oracle's message protocol: ask for help for the nearest seen demand that will fall short,
 * else announce the target site, else say nothing.
 */
function protocolMessage(sim: AllocationSim, agent: number, target: number): number {
  const help = siteNeedingHelp(sim, agent, target);
  if (help >= 0) return sim.helpMessage(help, sim.kindAt(help));
  return target >= 0 ? 1 + target : SILENT;
}

function teamPolicy(name: string, coordinated: boolean, useMessages: boolean): TeamPolicy {
  return {
    name,
    reset() {},
    act(simAny, _rng, actions, messages) {
      const sim = simAny as AllocationSim;
      const sites = sim.task.sites;
      for (let a = 0; a < sim.numAgents; a++) {
        actions[a] = 0;
        messages[a] = SILENT;
        let target = -1;
        if (sim.stock[a] > 0) {
          target = currentTarget(sim, a, useMessages);
          if (target < 0) target = chooseTarget(sim, a, coordinated, useMessages);
        }
        if (target >= 0 && target === sim.pos[a]) {
          const want = coordinated ? share(sim, a) : sim.need(target);
          const k = Math.min(sim.stock[a], sim.task.capacity, want);
          if (k > 0) actions[a] = sites + k;
        } else if (target >= 0) {
          actions[a] = 1 + target;
        }
        if (useMessages) messages[a] = protocolMessage(sim, a, target);
      }
    },
  };
}

const factories: Readonly<Record<ReferencePolicyName, () => TeamPolicy>> = {
  oracle: () => exactOracle("oracle", teamPolicy("oracle", true, true), protocolMessage),
  "oracle-no-comm": () => teamPolicy("oracle-no-comm", true, false),
  greedy: () => teamPolicy("greedy", false, false),
  random: randomPolicy,
  nothing: nothingPolicy,
};

/** Makes one of allocation's reference policies. */
export function allocationPolicy(name: ReferencePolicyName): TeamPolicy {
  return factories[name]();
}
