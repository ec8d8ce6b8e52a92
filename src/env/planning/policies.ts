/**
 * Planning's reference policies. All act on the current state only (never on delays to come). The
 * heuristics act per agent on what that agent can know now: the public board, its own skills,
 * team-mates' last actions within its view, and last step's messages.
 *
 * Oracle: on tasks within EXACT_LIMITS (≤ 4 agents, ≤ 8 subtasks, horizon ≤ 16) a centralised
 * optimal joint action from the current state by dynamic programming (`exactOracle` in exact.ts;
 * among optimal joint actions, the one closest to the heuristic's); beyond the limits the
 * heuristic: list scheduling by latest start time (deadline minus the critical path still to come,
 * then index). Message protocol, both ways: every agent broadcasts the subtask it works on ("I am
 * working on Sj"), silence when waiting. The heuristic keeps an agent's subtask until done, but
 * leaves a solo subtask that a lower-numbered team-mate also claims; a free agent first joins a
 * joint subtask that has exactly one known worker (a partner waiting), else takes the most urgent
 * subtask nobody claims. The no-communication oracle is the heuristic with messages unread and
 * unsent, on every task: the exact solver is centralised and reads no messages, so an "exact
 * no-communication oracle" would equal the oracle and measure nothing. Independent greedy: the same
 * urgency ranking, ignoring team-mates and crews, no messages.
 */
import { nothingPolicy, randomPolicy } from "../policies.js";
import { type ReferencePolicyName, SILENT, type TeamPolicy } from "../types.js";
import { exactOracle } from "./exact.js";
import type { PlanningSim } from "./planning.js";
import type { PlanningTask } from "./task.js";

/** Latest start time per subtask: deadline minus the longest chain of work from it to a sink. */
export function latestStart(task: PlanningTask): Float64Array {
  const m = task.subtasks.length;
  const tail = new Float64Array(m);
  const dependents: number[][] = task.subtasks.map(() => []);
  task.subtasks.forEach((s, j) => {
    for (const d of s.deps) dependents[d].push(j);
  });
  // Dependencies point to earlier or later indices; relax until stable (the graph is a DAG).
  for (let pass = 0; pass < m; pass++) {
    let changed = false;
    for (let j = m - 1; j >= 0; j--) {
      let longest = 0;
      for (const k of dependents[j]) longest = Math.max(longest, tail[k]);
      const value = task.subtasks[j].work + longest;
      if (value !== tail[j]) {
        tail[j] = value;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const lst = new Float64Array(m);
  for (let j = 0; j < m; j++) lst[j] = task.subtasks[j].deadline - tail[j];
  return lst;
}

function coordinatedPolicy(name: string, useMessages: boolean): TeamPolicy {
  let lst: Float64Array = new Float64Array(0);
  return {
    name,
    reset(sim) {
      lst = latestStart((sim as PlanningSim).task);
    },
    act(simAny, _rng, actions, messages) {
      const sim = simAny as PlanningSim;
      const subtasks = sim.task.subtasks;
      for (let a = 0; a < sim.numAgents; a++) {
        let choice = keepCurrent(sim, a, useMessages);
        if (choice < 0) {
          let best = -1;
          let bestKey = Number.POSITIVE_INFINITY;
          for (let j = 0; j < subtasks.length; j++) {
            if (!sim.canWork(a, j)) continue;
            const claims = sim.knownClaims(a, j, useMessages);
            if (claims >= subtasks[j].crew) continue;
            // A waiting partner outranks everything: joint work stalls until someone joins.
            const key = subtasks[j].crew === 2 && claims === 1 ? lst[j] - 1e6 : lst[j];
            if (key < bestKey) {
              bestKey = key;
              best = j;
            }
          }
          choice = best;
        }
        actions[a] = choice + 1;
        messages[a] = useMessages && choice >= 0 ? choice + 1 : SILENT;
      }
    },
  };
}

/** The agent's last subtask if it should keep it, else -1. */
function keepCurrent(sim: PlanningSim, agent: number, useMessages: boolean): number {
  const current = sim.lastActions[agent] - 1;
  if (current < 0 || !sim.canWork(agent, current)) return -1;
  const crew = sim.task.subtasks[current].crew;
  let lowerClaims = 0;
  for (let b = 0; b < agent; b++) {
    const told = useMessages && sim.lastMessages[b] === current + 1;
    const seen = sim.lastActions[b] === current + 1 && sim.sees(agent, b);
    if (told || seen) lowerClaims++;
  }
  return lowerClaims >= crew ? -1 : current;
}

function greedyPolicy(): TeamPolicy {
  let lst: Float64Array = new Float64Array(0);
  return {
    name: "greedy",
    reset(sim) {
      lst = latestStart((sim as PlanningSim).task);
    },
    act(simAny, _rng, actions, messages) {
      const sim = simAny as PlanningSim;
      for (let a = 0; a < sim.numAgents; a++) {
        const current = sim.lastActions[a] - 1;
        let choice = current >= 0 && sim.canWork(a, current) ? current : -1;
        if (choice < 0) {
          let bestKey = Number.POSITIVE_INFINITY;
          for (let j = 0; j < sim.task.subtasks.length; j++) {
            if (sim.canWork(a, j) && lst[j] < bestKey) {
              bestKey = lst[j];
              choice = j;
            }
          }
        }
        actions[a] = choice + 1;
        messages[a] = SILENT;
      }
    },
  };
}

const factories: Readonly<Record<ReferencePolicyName, () => TeamPolicy>> = {
  oracle: () => exactOracle("oracle", coordinatedPolicy("oracle", true)),
  "oracle-no-comm": () => coordinatedPolicy("oracle-no-comm", false),
  greedy: () => greedyPolicy(),
  random: randomPolicy,
  nothing: nothingPolicy,
};

/** Makes one of planning's reference policies. */
export function planningPolicy(name: ReferencePolicyName): TeamPolicy {
  return factories[name]();
}
