/**
 * The allocation generator: parameters → task, deterministic in the Rng. Coupling makes agents
 * mobile on a shared line, splits the team into two or three resource kinds held in separate
 * stretches of the line (so a demand is often seen only by agents who cannot serve it) and makes
 * demands bigger than one agent's capacity (coupling 0: each agent
 * stays at a site of its own whose demands it alone can serve, so coordination cannot help);
 * dependency is the chance that a demand is followed at its site by another opening as it settles;
 * view sets how many sites an agent sees (at most MAX_VIEW either side); disruption sets how
 * often stock is lost.
 */
import type { Rng } from "../../core/prng.js";
import type { TaskHeader } from "../types.js";
import {
  ALLOCATION,
  ALLOCATION_VERSION,
  type AllocationEvent,
  type AllocationTask,
  type Demand,
  MAX_SITES,
} from "./task.js";

const CAPACITY = 3;
const REPLENISH_EVERY = 3;
/** Total demand as a fraction of the team's total supply over the episode. */
const LOAD = 0.7;
/** Widest view in sites (view = 1); larger teams get a longer line but not a wider view. */
const MAX_VIEW = 6;

/** Generates one allocation task. */
export function generateAllocation(
  header: Omit<TaskHeader, "family" | "version">,
  rng: Rng,
): AllocationTask {
  const { agents: n, horizon, coupling, dependency, view, disruption } = header.params;
  const mobile = coupling > 0;
  const sites = mobile ? Math.min(MAX_SITES, n + 2) : n;
  const kinds = coupling === 0 ? 1 : coupling < 0.5 ? 2 : 3;
  const agentKind = Array.from({ length: n }, (_, i) => Math.floor((i * kinds) / n));
  const start = Array.from({ length: n }, (_, i) =>
    mobile ? Math.round((i * (sites - 1)) / (n - 1)) : i,
  );
  const supply = n * (CAPACITY + horizon / REPLENISH_EVERY);
  const busy: [number, number][][] = Array.from({ length: sites }, () => []);
  const demands: Demand[] = [];
  let total = 0;
  for (let attempt = 0; attempt < 2000 && total < LOAD * supply; attempt++) {
    const site = rng.int(sites);
    const big = mobile && rng.bernoulli(coupling * 0.6);
    const amount = big ? CAPACITY + 1 + rng.int(CAPACITY) : 1 + rng.int(CAPACITY);
    const window = mobile ? 8 + rng.int(6) : 3 + rng.int(5);
    const kind = mobile ? rng.int(kinds) : agentKind[site];
    const previous = busy[site][busy[site].length - 1];
    const follow = previous !== undefined && rng.bernoulli(dependency * 0.5);
    const appear = follow ? previous[1] : rng.int(Math.max(1, horizon - window));
    const close = Math.min(horizon, appear + window);
    if (appear >= close || busy[site].some(([a, c]) => appear < c && a < close)) continue;
    busy[site].push([appear, close]);
    busy[site].sort((x, y) => x[0] - y[0]);
    demands.push({
      site,
      kind,
      amount,
      appear,
      close,
      value: Math.round(amount * (1 + 0.5 * rng.float()) * 100) / 100,
    });
    total += amount;
  }
  demands.sort((x, y) => x.appear - y.appear || x.site - y.site);
  const events: AllocationEvent[] = [];
  const eventCount = Math.round((disruption * n * horizon) / 20);
  for (let e = 0; e < eventCount && horizon > 1; e++) {
    events.push({ t: 1 + rng.int(horizon - 1), agent: rng.int(n), loss: 1 + rng.int(2) });
  }
  events.sort((x, y) => x.t - y.t || x.agent - y.agent);
  return {
    family: ALLOCATION,
    version: ALLOCATION_VERSION,
    ...header,
    sites,
    mobile,
    start,
    agentKind,
    stock: start.map(() => CAPACITY),
    capacity: CAPACITY,
    replenishEvery: REPLENISH_EVERY,
    viewRadius: Math.round(view * Math.min(sites - 1, MAX_VIEW)),
    demands,
    events,
  };
}
