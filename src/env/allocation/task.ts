/**
 * The stored form of a resource-allocation task and its validator (errors name file, line, field).
 */
import { fieldError } from "../../core/json.js";
import type { TaskHeader } from "../types.js";
import { FieldReader, readHeader } from "../validate.js";

/** The family name. */
export const ALLOCATION = "allocation";
/** Stored format version of allocation tasks. */
export const ALLOCATION_VERSION = 1;
/** Most units an agent can carry (and commit at once). */
export const MAX_CAPACITY = 6;
/** Most sites on the line. */
export const MAX_SITES = 16;
/** Resource kinds; an agent carries one kind, a demand wants one kind. */
export const KIND_NAMES = ["water", "food", "medicine"] as const;

/** A demand: `amount` units wanted at `site` between steps `appear` and `close` (settlement). */
export interface Demand {
  readonly site: number;
  /** Index into {@link KIND_NAMES}. */
  readonly kind: number;
  readonly amount: number;
  /** Step at which the demand becomes visible and can be served. */
  readonly appear: number;
  /** Settlement step: the demand is paid or penalised when the clock reaches it. */
  readonly close: number;
  readonly value: number;
}

/** A disruption: at step `t` agent `agent` loses `loss` units of stock. */
export interface AllocationEvent {
  readonly t: number;
  readonly agent: number;
  readonly loss: number;
}

/** A resource-allocation task as stored in JSONL. */
export interface AllocationTask extends TaskHeader {
  readonly sites: number;
  /** False: agents stay at their start site (the negative control). */
  readonly mobile: boolean;
  readonly start: readonly number[];
  /** The kind of resource each agent carries. */
  readonly agentKind: readonly number[];
  readonly stock: readonly number[];
  readonly capacity: number;
  /** Every agent gains one unit every this many steps, up to `capacity`. */
  readonly replenishEvery: number;
  /** Agents see demands and team-mates within this many sites. */
  readonly viewRadius: number;
  /** Sorted by `appear`; at most one open demand per site at a time. */
  readonly demands: readonly Demand[];
  /** Sorted by `t`. */
  readonly events: readonly AllocationEvent[];
}

/** Checks a parsed record; throws an InputError naming `where` and the field at fault. */
export function validateAllocationTask(raw: unknown, where: string): AllocationTask {
  const header = readHeader(raw, where, ALLOCATION, ALLOCATION_VERSION);
  const r = FieldReader.of(raw, where);
  const n = header.params.agents;
  const horizon = header.params.horizon;
  const sites = r.int("sites", 1, MAX_SITES);
  const capacity = r.int("capacity", 1, MAX_CAPACITY);
  const start = r.intArray("start", n, 0, sites - 1);
  const stock = r.intArray("stock", n, 0, capacity);
  const agentKind = r.intArray("agentKind", n, 0, KIND_NAMES.length - 1);
  if (agentKind.length !== n)
    throw fieldError(where, "agentKind", `${n} kinds, one per agent`, agentKind);
  if (start.length !== n) throw fieldError(where, "start", `${n} sites, one per agent`, start);
  if (stock.length !== n) throw fieldError(where, "stock", `${n} amounts, one per agent`, stock);
  const demands = r.array("demands", 0, 10_000, (d) => {
    const appear = d.int("appear", 0, horizon - 1);
    return {
      site: d.int("site", 0, sites - 1),
      kind: d.int("kind", 0, KIND_NAMES.length - 1),
      amount: d.int("amount", 1, MAX_CAPACITY * 10),
      appear,
      close: d.int("close", appear + 1, horizon),
      value: d.num("value", 0, 1000),
    };
  });
  for (let i = 1; i < demands.length; i++) {
    if (demands[i].appear < demands[i - 1].appear) {
      throw fieldError(
        where,
        `demands[${i}].appear`,
        "demands sorted by appear",
        demands[i].appear,
      );
    }
  }
  const lastClose = new Map<number, number>();
  demands.forEach((d, i) => {
    if ((lastClose.get(d.site) ?? -1) > d.appear) {
      throw fieldError(where, `demands[${i}]`, "at most one open demand per site at a time", d);
    }
    lastClose.set(d.site, d.close);
  });
  const events = r.array("events", 0, 10_000, (e) => ({
    t: e.int("t", 1, horizon),
    agent: e.int("agent", 0, n - 1),
    loss: e.int("loss", 1, MAX_CAPACITY),
  }));
  for (let i = 1; i < events.length; i++) {
    if (events[i].t < events[i - 1].t)
      throw fieldError(where, `events[${i}].t`, "events sorted by t", events[i].t);
  }
  return {
    ...header,
    sites,
    mobile: r.bool("mobile"),
    start,
    agentKind,
    stock,
    capacity,
    replenishEvery: r.int("replenishEvery", 1, horizon),
    viewRadius: r.int("viewRadius", 0, MAX_SITES),
    demands,
    events,
  };
}
