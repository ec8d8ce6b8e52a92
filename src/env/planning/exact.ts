/**
 * The exact optimum of a small planning task: the best team return any centralised joint policy
 * could reach, by dynamic programming over (step, work left per subtask), with every agent's
 * skills known and no message delay. Delays are applied when the clock reaches them; the search
 * knows the task's delays in advance, so on tasks with delays it is an upper bound rather than a
 * reachable return. Used to measure how far the decentralised heuristic oracle is from optimal.
 */
import { ConfigError } from "../../core/errors.js";
import { MAX_WORK, type PlanningTask } from "./task.js";

/** The largest task {@link exactPlanningReturn} accepts. */
export const EXACT_LIMITS = { agents: 4, subtasks: 8, horizon: 16 } as const;

/** The best team return reachable on `task` (small tasks only; see {@link EXACT_LIMITS}). */
export function exactPlanningReturn(task: PlanningTask): number {
  const n = task.params.agents;
  const m = task.subtasks.length;
  const horizon = task.params.horizon;
  if (n > EXACT_LIMITS.agents || m > EXACT_LIMITS.subtasks || horizon > EXACT_LIMITS.horizon) {
    throw new ConfigError({
      input: `task ${task.id}`,
      problem: "too large for the exact solver",
      expected: `at most ${EXACT_LIMITS.agents} agents, ${EXACT_LIMITS.subtasks} subtasks, horizon ${EXACT_LIMITS.horizon}`,
      actual: `${n} agents, ${m} subtasks, horizon ${horizon}`,
      fix: "use the heuristic oracle (planningFamily.policy('oracle')) on larger tasks",
    });
  }
  const hasSkill = (a: number, skill: number) => task.agentSkills[a].includes(skill);
  const memo = new Map<string, number>();
  const workers = new Int32Array(m);

  const value = (t: number, remaining: Int32Array): number => {
    const key = `${t}:${remaining.join(",")}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    const available: boolean[] = [];
    for (let j = 0; j < m; j++) {
      available.push(remaining[j] > 0 && task.subtasks[j].deps.every((d) => remaining[d] === 0));
    }
    let best = 0;
    // Working never costs anything, so an agent idles only when it has no useful subtask; a
    // worker beyond a subtask's crew adds nothing, so those choices are pruned too.
    const assign = (agent: number): void => {
      if (agent === n) {
        best = Math.max(best, outcome(t, remaining));
        return;
      }
      let placed = false;
      for (let j = 0; j < m; j++) {
        if (
          !available[j] ||
          workers[j] >= task.subtasks[j].crew ||
          !hasSkill(agent, task.subtasks[j].skill)
        )
          continue;
        placed = true;
        workers[j]++;
        assign(agent + 1);
        workers[j]--;
      }
      if (!placed) assign(agent + 1);
    };
    assign(0);
    memo.set(key, best);
    return best;
  };

  const outcome = (t: number, remaining: Int32Array): number => {
    const next = Int32Array.from(remaining);
    let reward = 0;
    let left = 0;
    for (let j = 0; j < m; j++) {
      if (workers[j] > 0 && workers[j] >= task.subtasks[j].crew && next[j] > 0) {
        next[j]--;
        if (next[j] === 0)
          reward +=
            t + 1 <= task.subtasks[j].deadline
              ? task.subtasks[j].value
              : task.subtasks[j].value / 2;
      }
      if (next[j] > 0) left++;
    }
    if (left === 0) return reward + task.goalBonus;
    for (const e of task.events) {
      if (e.t === t + 1 && next[e.subtask] > 0)
        next[e.subtask] = Math.min(MAX_WORK, next[e.subtask] + e.extraWork);
    }
    return t + 1 >= horizon ? reward : reward + value(t + 1, next);
  };

  const start = Int32Array.from(task.subtasks.map((s) => s.work));
  for (const e of task.events)
    if (e.t === 0) start[e.subtask] = Math.min(MAX_WORK, start[e.subtask] + e.extraWork);
  return value(0, start);
}
