/**
 * Planning: a team completes a goal decomposed into a DAG of subtasks.
 *
 * | Field        | Spec                                                                                      |
 * | ------------ | ----------------------------------------------------------------------------------------- |
 * | Agents       | 3–10 (`agent_0` …), each with one or two skills                                           |
 * | Horizon      | `params.horizon` steps; reaching it is a termination (steps left is in the observation)   |
 * | Actions      | 0 = wait; 1+j = work on subtask j (legal: not done, every dependency done, agent has skill) |
 * | Messages     | 0 = say nothing; 1+j = "I am working on subtask j" (legal while j is not done)            |
 * | Sees         | the public board (status, skill, work left, crew, deadline, value of every subtask), its own skills, the last action of team-mates within `viewRadius` on the ring, the messages of last step, steps left |
 * | Cannot see   | team-mates' skills, the actions of team-mates beyond `viewRadius`, future delays          |
 * | Dynamics     | a solo subtask loses 1 work per step if ≥ 1 agent works on it (a 2nd agent is wasted); a joint one (crew 2) only if ≥ 2 agents do; delays add work at their step |
 * | Reward       | completing j pays `value` (half after its deadline), split among its workers that step; all done pays `goalBonus`, split equally. Team reward = sum of per-agent rewards |
 * | State        | work left, done, available, slack per subtask; every agent's skills and last action; time |
 * | What is hard | delayed reward (chains of subtasks before any pay), duplicated effort on shared skills, partners for joint subtasks, unseen team-mates |
 */
import { InputError, StateError } from "../../core/errors.js";
import { SILENT, type TaskSim } from "../types.js";
import { MAX_WORK, type PlanningTask, SKILL_NAMES } from "./task.js";

/** Features per subtask in an agent's feature vector. */
export const PLANNING_SUBTASK_FEATURES = 9;

/** The planning simulator over one task. */
export class PlanningSim implements TaskSim {
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

  /** Work left per subtask. */
  readonly remaining: Int32Array;
  readonly isDone: Uint8Array;
  /** Dependencies not yet done, per subtask. */
  readonly pendingDeps: Int32Array;
  /** hasSkill[agent * SKILLS + skill]. */
  readonly hasSkill: Uint8Array;
  /** Subtasks done so far. */
  doneCount = 0;
  private readonly workers: Int32Array;
  private readonly claimScratch: Int32Array;
  private readonly dependentsStart: Int32Array;
  private readonly dependents: Int32Array;
  private nextEvent = 0;
  private readonly maxValue: number;

  constructor(readonly task: PlanningTask) {
    const n = task.params.agents;
    const m = task.subtasks.length;
    this.numAgents = n;
    this.horizon = task.params.horizon;
    this.numActions = 1 + m;
    this.numMessages = 1 + m;
    this.featureSize = PLANNING_SUBTASK_FEATURES * m + 2;
    this.stateSize = 4 * m + n * SKILL_NAMES.length + n + 1;
    this.lastMessages = new Int32Array(n);
    this.lastActions = new Int32Array(n);
    this.remaining = new Int32Array(m);
    this.isDone = new Uint8Array(m);
    this.pendingDeps = new Int32Array(m);
    this.workers = new Int32Array(m);
    this.claimScratch = new Int32Array(m);
    this.hasSkill = new Uint8Array(n * SKILL_NAMES.length);
    task.agentSkills.forEach((skills, a) => {
      for (const s of skills) this.hasSkill[a * SKILL_NAMES.length + s] = 1;
    });
    // Dependents in compressed rows, so completion updates walk a flat array.
    const counts = new Int32Array(m + 1);
    for (const s of task.subtasks) for (const d of s.deps) counts[d + 1]++;
    for (let j = 0; j < m; j++) counts[j + 1] += counts[j];
    this.dependentsStart = counts;
    this.dependents = new Int32Array(counts[m]);
    const fill = counts.slice(0, m);
    task.subtasks.forEach((s, j) => {
      for (const d of s.deps) this.dependents[fill[d]++] = j;
    });
    this.maxValue = Math.max(1e-9, ...task.subtasks.map((s) => s.value));
    this.reset(0);
  }

  reset(_seed: number): void {
    const subtasks = this.task.subtasks;
    for (let j = 0; j < subtasks.length; j++) {
      this.remaining[j] = subtasks[j].work;
      this.isDone[j] = 0;
      this.pendingDeps[j] = subtasks[j].deps.length;
    }
    this.lastActions.fill(0);
    this.lastMessages.fill(SILENT);
    this.doneCount = 0;
    this.nextEvent = 0;
    this.t = 0;
    this.done = false;
  }

  /** True when `agent` may work on subtask `j` now. */
  canWork(agent: number, j: number): boolean {
    return (
      this.isDone[j] === 0 &&
      this.pendingDeps[j] === 0 &&
      this.hasSkill[agent * SKILL_NAMES.length + this.task.subtasks[j].skill] === 1
    );
  }

  /** True when `viewer` sees `other`'s last action (ring distance within the view radius). */
  sees(viewer: number, other: number): boolean {
    const d = Math.abs(viewer - other);
    return Math.min(d, this.numAgents - d) <= this.task.viewRadius;
  }

  step(actions: Int32Array, messages: Int32Array, rewards: Float64Array): void {
    if (this.done) {
      throw new StateError({
        input: "planning step",
        problem: "the episode is over",
        fix: "call reset(seed) before stepping again",
      });
    }
    const n = this.numAgents;
    const subtasks = this.task.subtasks;
    for (let a = 0; a < n; a++) {
      const action = actions[a];
      if (
        !(action >= 0 && action < this.numActions) ||
        (action > 0 && !this.canWork(a, action - 1))
      ) {
        throw new InputError({
          input: `actions[${a}] (agent_${a})`,
          problem: "action outside the mask",
          expected: "an index whose action-mask entry is 1",
          actual: String(action),
          fix: "choose among the legal action candidates (observation.actionMask)",
        });
      }
      const message = messages[a];
      if (
        !(message >= 0 && message < this.numMessages) ||
        (message > 0 && this.isDone[message - 1] === 1)
      ) {
        throw new InputError({
          input: `messages[${a}] (agent_${a})`,
          problem: "message outside the mask",
          expected: "an index whose message-mask entry is 1",
          actual: String(message),
          fix: "choose among the legal message candidates (observation.messageMask)",
        });
      }
      rewards[a] = 0;
    }
    this.workers.fill(0);
    for (let a = 0; a < n; a++) if (actions[a] > 0) this.workers[actions[a] - 1]++;
    const finishStep = this.t + 1;
    for (let j = 0; j < subtasks.length; j++) {
      const count = this.workers[j];
      if (count === 0 || count < subtasks[j].crew) continue;
      if (--this.remaining[j] > 0) continue;
      this.isDone[j] = 1;
      this.doneCount++;
      for (let k = this.dependentsStart[j]; k < this.dependentsStart[j + 1]; k++) {
        this.pendingDeps[this.dependents[k]]--;
      }
      const pay = finishStep <= subtasks[j].deadline ? subtasks[j].value : subtasks[j].value / 2;
      for (let a = 0; a < n; a++) if (actions[a] === j + 1) rewards[a] += pay / count;
    }
    const goalReached = this.doneCount === subtasks.length;
    if (goalReached) for (let a = 0; a < n; a++) rewards[a] += this.task.goalBonus / n;
    this.lastActions.set(actions.subarray(0, n));
    this.lastMessages.set(messages.subarray(0, n));
    this.t = finishStep;
    this.applyEvents();
    this.done = goalReached || this.t >= this.horizon;
  }

  private applyEvents(): void {
    const events = this.task.events;
    while (this.nextEvent < events.length && events[this.nextEvent].t <= this.t) {
      const e = events[this.nextEvent++];
      if (this.isDone[e.subtask] === 0) {
        this.remaining[e.subtask] = Math.min(MAX_WORK, this.remaining[e.subtask] + e.extraWork);
      }
    }
  }

  writeActionMask(agent: number, out: Uint8Array, offset: number): void {
    out[offset] = 1;
    for (let j = 0; j < this.task.subtasks.length; j++) {
      out[offset + 1 + j] = this.canWork(agent, j) ? 1 : 0;
    }
  }

  writeMessageMask(_agent: number, out: Uint8Array, offset: number): void {
    out[offset] = 1;
    for (let j = 0; j < this.task.subtasks.length; j++) out[offset + 1 + j] = 1 - this.isDone[j];
  }

  /** How many team-mates `agent` knows to be on subtask j (messages and seen actions). */
  knownClaims(agent: number, j: number, useMessages: boolean): number {
    let count = 0;
    for (let b = 0; b < this.numAgents; b++) {
      if (b === agent) continue;
      const told = useMessages && this.lastMessages[b] === j + 1;
      const seen = this.lastActions[b] === j + 1 && this.sees(agent, b);
      if (told || seen) count++;
    }
    return count;
  }

  /** Fills `counts[j]` with {@link knownClaims}(agent, j, true) for every subtask, in O(agents + subtasks). */
  private countClaims(agent: number, counts: Int32Array): void {
    counts.fill(0);
    for (let b = 0; b < this.numAgents; b++) {
      if (b === agent) continue;
      const told = this.lastMessages[b] - 1;
      if (told >= 0) counts[told]++;
      const worked = this.lastActions[b] - 1;
      if (worked >= 0 && worked !== told && this.sees(agent, b)) counts[worked]++;
    }
  }

  writeFeatures(agent: number, out: Float32Array, offset: number): void {
    const subtasks = this.task.subtasks;
    const h = this.horizon;
    const claims = this.claimScratch;
    this.countClaims(agent, claims);
    let o = offset;
    for (let j = 0; j < subtasks.length; j++) {
      const s = subtasks[j];
      out[o++] = this.isDone[j] === 0 && this.pendingDeps[j] === 0 ? 1 : 0;
      out[o++] = this.isDone[j];
      out[o++] = this.remaining[j] / MAX_WORK;
      out[o++] = s.crew === 2 ? 1 : 0;
      out[o++] = this.hasSkill[agent * SKILL_NAMES.length + s.skill];
      out[o++] = (s.deadline - this.t) / h;
      out[o++] = s.value / this.maxValue;
      out[o++] = claims[j] / this.numAgents;
      out[o++] = this.lastActions[agent] === j + 1 ? 1 : 0;
    }
    out[o++] = this.t / h;
    out[o] = (h - this.t) / h;
  }

  writeState(out: Float32Array, offset: number): void {
    const subtasks = this.task.subtasks;
    let o = offset;
    for (let j = 0; j < subtasks.length; j++) {
      out[o++] = this.remaining[j] / MAX_WORK;
      out[o++] = this.isDone[j];
      out[o++] = this.isDone[j] === 0 && this.pendingDeps[j] === 0 ? 1 : 0;
      out[o++] = (subtasks[j].deadline - this.t) / this.horizon;
    }
    for (let i = 0; i < this.hasSkill.length; i++) out[o++] = this.hasSkill[i];
    for (let a = 0; a < this.numAgents; a++) out[o++] = this.lastActions[a] / this.numActions;
    out[o] = this.t / this.horizon;
  }

  renderView(agent: number): string {
    const subtasks = this.task.subtasks;
    const skills = this.task.agentSkills[agent].map((s) => SKILL_NAMES[s]).join(", ");
    const lines = [
      `You are agent_${agent} (skills: ${skills}) in a team of ${this.numAgents}.`,
      `Step ${this.t} of ${this.horizon}; ${this.horizon - this.t} steps left. ${this.doneCount} of ${subtasks.length} subtasks done.`,
    ];
    const open: string[] = [];
    const locked: string[] = [];
    for (let j = 0; j < subtasks.length; j++) {
      if (this.isDone[j] === 1) continue;
      if (this.pendingDeps[j] === 0) open.push(`  ${this.describeSubtask(j)}`);
      else {
        const waits = subtasks[j].deps.filter((d) => this.isDone[d] === 0).map((d) => `S${d}`);
        locked.push(`  S${j} (${SKILL_NAMES[subtasks[j].skill]}) waits for ${waits.join(", ")}`);
      }
    }
    lines.push(open.length > 0 ? "Open subtasks:" : "No subtask is open.", ...open);
    if (locked.length > 0) lines.push("Locked subtasks:", ...locked);
    const seen: string[] = [];
    for (let b = 0; b < this.numAgents; b++) {
      if (b === agent || !this.sees(agent, b)) continue;
      const last = this.lastActions[b];
      seen.push(`agent_${b} ${last === 0 ? "waited" : `worked on S${last - 1}`}`);
    }
    lines.push(
      seen.length > 0 ? `Last step you saw: ${seen.join("; ")}.` : "You see no team-mate.",
    );
    return lines.join("\n");
  }

  private describeSubtask(j: number): string {
    const s = this.task.subtasks[j];
    const joint = s.crew === 2 ? ", needs 2 agents at once" : "";
    return `S${j}: ${SKILL_NAMES[s.skill]}, ${this.remaining[j]} work left${joint}, deadline step ${s.deadline}, value ${s.value}`;
  }

  actionText(_agent: number, action: number): string {
    return action === 0 ? "wait" : `work on ${this.describeSubtask(action - 1)}`;
  }

  messageText(message: number): string {
    return message === SILENT ? "" : `I am working on S${message - 1}`;
  }
}
