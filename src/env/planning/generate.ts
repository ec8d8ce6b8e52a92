/**
 * The planning generator: parameters → task, deterministic in the Rng. Coupling sets how many
 * agents share each skill and how many subtasks are joint (coupling 0: every agent has a skill of
 * its own and nothing is joint, so coordination cannot help); dependency sets the DAG's density;
 * view sets the radius within which agents see team-mates; disruption sets how many delays occur.
 */
import type { Rng } from "../../core/prng.js";
import type { TaskHeader } from "../types.js";
import {
  PLANNING,
  PLANNING_VERSION,
  type PlanningEvent,
  type PlanningTask,
  SKILL_NAMES,
  type Subtask,
} from "./task.js";

/** Fraction of the team's total work capacity (agents × horizon) that the subtasks need. */
const LOAD = 0.6;
/** How many earlier subtasks a new one may depend on. */
const DEP_WINDOW = 8;

/** Generates one planning task. */
export function generatePlanning(
  header: Omit<TaskHeader, "family" | "version">,
  rng: Rng,
): PlanningTask {
  const { agents: n, horizon, coupling, dependency, view, disruption } = header.params;
  const skillCount =
    coupling === 0
      ? n
      : Math.max(2, Math.min(SKILL_NAMES.length, Math.round(2 + (n - 2) * (1 - coupling) * 0.3)));
  const agentSkills: number[][] = [];
  for (let a = 0; a < n; a++) {
    const skills = [a % skillCount];
    if (coupling > 0 && rng.bernoulli(coupling * 0.5)) {
      const extra = rng.int(skillCount);
      if (extra !== skills[0]) skills.push(extra);
    }
    agentSkills.push(skills.sort((x, y) => x - y));
  }
  const holders = new Array<number>(skillCount).fill(0);
  for (const skills of agentSkills) for (const s of skills) holders[s]++;

  const subtasks: Subtask[] = [];
  const finish: number[] = [];
  let budget = n * horizon * LOAD;
  while (budget > 0 && subtasks.length < 400) {
    const j = subtasks.length;
    const skill = rng.int(skillCount);
    const work = 1 + rng.int(4);
    const crew: 1 | 2 = holders[skill] >= 2 && rng.bernoulli(coupling * 0.5) ? 2 : 1;
    const deps: number[] = [];
    for (let i = Math.max(0, j - DEP_WINDOW); i < j; i++)
      if (rng.bernoulli(dependency * 0.3)) deps.push(i);
    const earliest = work + Math.max(0, ...deps.map((d) => finish[d]));
    finish.push(earliest);
    const slack = 1.3 + rng.float();
    const deadline = Math.max(
      1,
      Math.min(horizon, Math.round(earliest * slack + rng.int(Math.max(1, horizon >> 2)))),
    );
    const value = Math.round(work * (0.8 + 0.4 * rng.float()) * 100) / 100;
    subtasks.push({ skill, work, crew, deadline, value, deps });
    budget -= work * crew;
  }

  const events: PlanningEvent[] = [];
  const eventCount = Math.round(disruption * subtasks.length * 0.3);
  for (let e = 0; e < eventCount && horizon > 1; e++) {
    events.push({
      t: 1 + rng.int(horizon - 1),
      subtask: rng.int(subtasks.length),
      extraWork: 1 + rng.int(2),
    });
  }
  events.sort((x, y) => x.t - y.t || x.subtask - y.subtask);
  const goalBonus = Math.round(subtasks.reduce((sum, s) => sum + s.value, 0) * 100) / 100;
  return {
    family: PLANNING,
    version: PLANNING_VERSION,
    ...header,
    agentSkills,
    subtasks,
    viewRadius: Math.round(view * Math.floor(n / 2)),
    goalBonus,
    events,
  };
}
