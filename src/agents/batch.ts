/**
 * The policy's input: a ragged batch of agent-steps grouped into teams (one team = one joint step
 * of one environment). Texts are row ids into a {@link TextTable}; candidate sets, inboxes and teams
 * are segments given by offsets (CSR style, see `model/graph.ts`). Nothing in a batch names an
 * agent by a one-hot index: agents differ only by what they read.
 */
import { ShapeError } from "../core/errors.js";
import { SILENT, type TaskSim } from "../env/types.js";
import type { TextTable } from "./text-table.js";

/** A ragged batch of agent-steps; samples are ordered by team. */
export interface PolicyBatch {
  /** Agent-steps S. */
  readonly samples: number;
  /** Teams J (joint steps); team j is samples `[teamOffsets[j], teamOffsets[j+1])`. */
  readonly teamOffsets: Int32Array;
  /** The team of each sample, `[S]`. */
  readonly sampleTeam: Int32Array;
  /** The agent's position in its team, `[S]` (for per-agent statistics and senders, never an input). */
  readonly agentIndex: Int32Array;
  /** Row id of each sample's view text, `[S]`. */
  readonly viewIds: Int32Array;
  /** Numeric observation rows `[S × numericWidth]` (width 0: text only). */
  readonly numeric: Float32Array;
  readonly numericWidth: number;
  /** Action candidates: segment per sample over `actionIds` / `actionMask`. */
  readonly actionOffsets: Int32Array;
  readonly actionIds: Int32Array;
  readonly actionMask: Uint8Array;
  /** Message candidates: segment per sample. */
  readonly messageOffsets: Int32Array;
  readonly messageIds: Int32Array;
  readonly messageMask: Uint8Array;
  /** Inbox: the messages each sample received last step (segment per sample). */
  readonly inboxOffsets: Int32Array;
  readonly inboxIds: Int32Array;
  /** Team position of each inbox message's sender. */
  readonly inboxSenders: Int32Array;
  /** Candidate index (within the segment) of the action/message taken; −1 before acting. */
  readonly chosenAction: Int32Array;
  readonly chosenMessage: Int32Array;
}

/** Number of teams in `batch`. */
export function teamCount(batch: PolicyBatch): number {
  return batch.teamOffsets.length - 1;
}

/** Accumulates teams observed from sims into a {@link PolicyBatch}. */
export class BatchBuilder {
  private readonly teamOffsets: number[] = [0];
  private readonly sampleTeam: number[] = [];
  private readonly agentIndex: number[] = [];
  private readonly viewIds: number[] = [];
  private readonly numeric: number[] = [];
  private readonly actionOffsets: number[] = [0];
  private readonly actionIds: number[] = [];
  private readonly actionMask: number[] = [];
  private readonly messageOffsets: number[] = [0];
  private readonly messageIds: number[] = [];
  private readonly messageMask: number[] = [];
  private readonly inboxOffsets: number[] = [0];
  private readonly inboxIds: number[] = [];
  private readonly inboxSenders: number[] = [];
  private maskScratch = new Uint8Array(0);
  private featureScratch = new Float32Array(0);

  /** A builder whose texts go to `table`; `numericWidth` > 0 adds the sims' feature vectors. */
  constructor(
    readonly table: TextTable,
    readonly numericWidth = 0,
  ) {}

  /** Adds one team: every agent of `sim` as it is now. */
  addTeam(sim: TaskSim): void {
    if (this.numericWidth > 0 && sim.featureSize !== this.numericWidth) {
      throw new ShapeError({
        input: "policy numericWidth",
        problem: "does not match the task's feature vector",
        expected: `featureSize ${this.numericWidth}`,
        actual: `featureSize ${sim.featureSize}`,
        fix: "set numericWidth to 0 (text features only) or train on tasks with one feature size",
      });
    }
    const team = this.teamOffsets.length - 1;
    const width = Math.max(sim.numActions, sim.numMessages, this.numericWidth);
    if (this.maskScratch.length < width) this.maskScratch = new Uint8Array(width);
    if (this.featureScratch.length < this.numericWidth)
      this.featureScratch = new Float32Array(this.numericWidth);
    for (let agent = 0; agent < sim.numAgents; agent++) {
      this.sampleTeam.push(team);
      this.agentIndex.push(agent);
      this.viewIds.push(this.table.idOf(sim.renderView(agent)));
      if (this.numericWidth > 0) {
        sim.writeFeatures(agent, this.featureScratch, 0);
        for (let f = 0; f < this.numericWidth; f++) this.numeric.push(this.featureScratch[f]);
      }
      sim.writeActionMask(agent, this.maskScratch, 0);
      for (let a = 0; a < sim.numActions; a++) {
        this.actionIds.push(this.table.idOf(sim.actionText(agent, a)));
        this.actionMask.push(this.maskScratch[a]);
      }
      this.actionOffsets.push(this.actionIds.length);
      sim.writeMessageMask(agent, this.maskScratch, 0);
      for (let m = 0; m < sim.numMessages; m++) {
        this.messageIds.push(this.table.idOf(sim.messageText(m) || "(say nothing)"));
        this.messageMask.push(this.maskScratch[m]);
      }
      this.messageOffsets.push(this.messageIds.length);
      for (let from = 0; from < sim.numAgents; from++) {
        const message = sim.lastMessages[from];
        if (from === agent || message === SILENT) continue;
        this.inboxIds.push(this.table.idOf(`agent_${from}: ${sim.messageText(message)}`));
        this.inboxSenders.push(from);
      }
      this.inboxOffsets.push(this.inboxIds.length);
    }
    this.teamOffsets.push(this.sampleTeam.length);
  }

  /** The batch of every team added so far (chosen actions and messages set to −1). */
  build(): PolicyBatch {
    const samples = this.sampleTeam.length;
    return {
      samples,
      teamOffsets: Int32Array.from(this.teamOffsets),
      sampleTeam: Int32Array.from(this.sampleTeam),
      agentIndex: Int32Array.from(this.agentIndex),
      viewIds: Int32Array.from(this.viewIds),
      numeric: Float32Array.from(this.numeric),
      numericWidth: this.numericWidth,
      actionOffsets: Int32Array.from(this.actionOffsets),
      actionIds: Int32Array.from(this.actionIds),
      actionMask: Uint8Array.from(this.actionMask),
      messageOffsets: Int32Array.from(this.messageOffsets),
      messageIds: Int32Array.from(this.messageIds),
      messageMask: Uint8Array.from(this.messageMask),
      inboxOffsets: Int32Array.from(this.inboxOffsets),
      inboxIds: Int32Array.from(this.inboxIds),
      inboxSenders: Int32Array.from(this.inboxSenders),
      chosenAction: new Int32Array(samples).fill(-1),
      chosenMessage: new Int32Array(samples).fill(-1),
    };
  }
}

/**
 * The teams `teams` of `batches` (in that order) as one batch. `teams[k]` is a global team index
 * over the concatenation of `batches`; pass every index to concatenate, a shuffled subset for a
 * mini-batch.
 */
export function selectTeams(batches: readonly PolicyBatch[], teams: Int32Array): PolicyBatch {
  const starts: number[] = [0];
  for (const b of batches) starts.push(starts[starts.length - 1] + teamCount(b));
  const total = starts[starts.length - 1];
  const located: [PolicyBatch, number][] = [];
  for (const team of teams) {
    if (!Number.isInteger(team) || team < 0 || team >= total) {
      throw new ShapeError({
        input: "selectTeams: team index",
        problem: "is out of range",
        expected: `0 ≤ team < ${total}`,
        actual: String(team),
        fix: "pass team indices over the concatenated batches",
      });
    }
    let b = 0;
    while (starts[b + 1] <= team) b++;
    located.push([batches[b], team - starts[b]]);
  }
  const width = batches.length === 0 ? 0 : batches[0].numericWidth;
  const out = new BatchBuilderArrays();
  for (const [batch, team] of located) out.appendTeam(batch, team);
  return out.finish(width);
}

/** Plain arrays that {@link selectTeams} copies teams into. */
class BatchBuilderArrays {
  private readonly teamOffsets: number[] = [0];
  private readonly sampleTeam: number[] = [];
  private readonly agentIndex: number[] = [];
  private readonly viewIds: number[] = [];
  private readonly numeric: number[] = [];
  private readonly action = new Ragged();
  private readonly message = new Ragged();
  private readonly inbox = new Ragged();
  private readonly inboxSenders: number[] = [];
  private readonly chosenAction: number[] = [];
  private readonly chosenMessage: number[] = [];

  appendTeam(batch: PolicyBatch, team: number): void {
    const newTeam = this.teamOffsets.length - 1;
    const w = batch.numericWidth;
    for (let s = batch.teamOffsets[team]; s < batch.teamOffsets[team + 1]; s++) {
      this.sampleTeam.push(newTeam);
      this.agentIndex.push(batch.agentIndex[s]);
      this.viewIds.push(batch.viewIds[s]);
      for (let f = 0; f < w; f++) this.numeric.push(batch.numeric[s * w + f]);
      this.action.copy(batch.actionOffsets, batch.actionIds, batch.actionMask, s);
      this.message.copy(batch.messageOffsets, batch.messageIds, batch.messageMask, s);
      this.inbox.copy(batch.inboxOffsets, batch.inboxIds, null, s);
      for (let i = batch.inboxOffsets[s]; i < batch.inboxOffsets[s + 1]; i++)
        this.inboxSenders.push(batch.inboxSenders[i]);
      this.chosenAction.push(batch.chosenAction[s]);
      this.chosenMessage.push(batch.chosenMessage[s]);
    }
    this.teamOffsets.push(this.sampleTeam.length);
  }

  finish(numericWidth: number): PolicyBatch {
    return {
      samples: this.sampleTeam.length,
      teamOffsets: Int32Array.from(this.teamOffsets),
      sampleTeam: Int32Array.from(this.sampleTeam),
      agentIndex: Int32Array.from(this.agentIndex),
      viewIds: Int32Array.from(this.viewIds),
      numeric: Float32Array.from(this.numeric),
      numericWidth,
      actionOffsets: Int32Array.from(this.action.offsets),
      actionIds: Int32Array.from(this.action.ids),
      actionMask: Uint8Array.from(this.action.mask),
      messageOffsets: Int32Array.from(this.message.offsets),
      messageIds: Int32Array.from(this.message.ids),
      messageMask: Uint8Array.from(this.message.mask),
      inboxOffsets: Int32Array.from(this.inbox.offsets),
      inboxIds: Int32Array.from(this.inbox.ids),
      inboxSenders: Int32Array.from(this.inboxSenders),
      chosenAction: Int32Array.from(this.chosenAction),
      chosenMessage: Int32Array.from(this.chosenMessage),
    };
  }
}

/** One ragged column (offsets, ids, optional mask) being copied segment by segment. */
class Ragged {
  readonly offsets: number[] = [0];
  readonly ids: number[] = [];
  readonly mask: number[] = [];

  copy(offsets: Int32Array, ids: Int32Array, mask: Uint8Array | null, segment: number): void {
    for (let i = offsets[segment]; i < offsets[segment + 1]; i++) {
      this.ids.push(ids[i]);
      if (mask !== null) this.mask.push(mask[i]);
    }
    this.offsets.push(this.ids.length);
  }
}

/** Per row of a segmented column, the segment it belongs to (`[offsets[last]]`). */
export function segmentOwners(offsets: Int32Array): Int32Array {
  const owners = new Int32Array(offsets[offsets.length - 1]);
  for (let s = 0; s + 1 < offsets.length; s++) owners.fill(s, offsets[s], offsets[s + 1]);
  return owners;
}

/**
 * The chosen action (or message) row ids of each sample's team-mates: offsets per sample and ids,
 * what the centralised Q of that head conditions on besides the state: Q_act(s, a⁻ⁱ, ·) sees the
 * team-mates' actions only, Q_msg(s, m⁻ⁱ, ·) their messages only.
 */
export function teamMatesChoices(
  batch: PolicyBatch,
  head: "action" | "message",
): { offsets: Int32Array; ids: Int32Array } {
  const chosen = head === "action" ? batch.chosenAction : batch.chosenMessage;
  const candOffsets = head === "action" ? batch.actionOffsets : batch.messageOffsets;
  const candIds = head === "action" ? batch.actionIds : batch.messageIds;
  const offsets = new Int32Array(batch.samples + 1);
  let total = 0;
  for (let s = 0; s < batch.samples; s++) {
    const team = batch.sampleTeam[s];
    total += batch.teamOffsets[team + 1] - batch.teamOffsets[team] - 1;
    offsets[s + 1] = total;
  }
  const ids = new Int32Array(total);
  let k = 0;
  for (let s = 0; s < batch.samples; s++) {
    const team = batch.sampleTeam[s];
    for (let o = batch.teamOffsets[team]; o < batch.teamOffsets[team + 1]; o++) {
      if (o === s) continue;
      if (chosen[o] < 0) {
        throw new ShapeError({
          input: `teamMatesChoices: chosen ${head} of sample ${o}`,
          problem: "is unset",
          expected: "a candidate index ≥ 0",
          actual: String(chosen[o]),
          fix: "compute centralised Q values only on batches whose actions have been taken",
        });
      }
      ids[k++] = candIds[candOffsets[o] + chosen[o]];
    }
  }
  return { offsets, ids };
}
