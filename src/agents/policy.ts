/**
 * The policy network, one set of weights shared by every agent of any team size (3–10):
 *
 *   x_i   = [enc(view_i), numeric_i]                 what agent i reads (role, skills, position are in it)
 *   h_i   = tanh(W_obs x_i)
 *   c_i   = MHA(h_i, enc(inbox_i))                   attention over received messages: interaction features
 *   z_i   = tanh(W_fuse [h_i, c_i])                  or, opt-in (`memory: "gru"`), z_i,t = GRU([h_i, c_i], z_i,t−1):
 *                                                    a recurrent agent (EPyMARL's RNNAgent) whose state runs
 *                                                    through the agent's episode
 *   π(a|·) ∝ exp(⟨W_act z_i, e(a)⟩),  e(a) = tanh(W_cand enc(text a))   masked, variable candidate set
 *   μ(m|·) ∝ exp(⟨W_msg z_i, e(m)⟩),  e(m) = tanh(W_mcand enc(text m))  the message head
 *   V(oⁱ)  = w_v · z_i                               decentralised critic
 *   V(oⁱ)  = MLP(numeric_i)                          or, opt-in (`observationInput: "own-observation"`),
 *                                                    its own network over the agent's numeric observation
 *   V(s)   = MLP(mean_i z_i)                         centralised critic (team mean: any team size)
 *   V(s)   = MLP([numeric_1, …, numeric_N])          or, opt-in (`stateInput: "joint-observation"`),
 *                                                    its own network over the team's concatenated
 *                                                    numeric observations (fixed team size N)
 *   Q_act(s, a⁻ⁱ, a) = ⟨tanh(W_q [mean z, mean_{j≠i} e(a_j)]), e(a)⟩ + b   centralised per-candidate critic
 *
 * and the same form over messages, Q_msg(s, m⁻ⁱ, m) with the team-mates' chosen messages, for the
 * message head's counterfactual: each head's Q sees only the team-mates' choices of that head. There is no agent one-hot
 * anywhere: team sizes unseen in training only change segment lengths.
 *
 * `forward` computes this function with shortcuts where the inputs make parts constant (the
 * numeric-only MARL tasks of the race: one view text, nobody speaks): a constant view row or an
 * all-empty inbox (attention = its output bias) is folded into the next layer's bias, a message
 * head with one candidate per agent is log 1 = 0 without scoring, few distinct candidate texts
 * are scored as z·(W_act·Eᵀ) + b·Eᵀ, and the critics are built only when read. Each gives the same
 * values and gradients up to float32 rounding (a test compares with the plain op-by-op network);
 * together they made a race step (IPPO Spread, hidden 128, 10 envs) about 3.5× cheaper.
 */
import { ShapeError } from "../core/errors.js";
import type { Rng } from "../core/prng.js";
import type { Graph } from "../model/graph.js";
import { MultiHeadAttention } from "../model/layers/attention.js";
import { Gru } from "../model/layers/gru.js";
import { Linear } from "../model/layers/linear.js";
import { Mlp } from "../model/layers/mlp.js";
import type { Module } from "../model/layers/module.js";
import type { RecurrentLayout } from "../model/ops/gru.js";
import {
  concatCols,
  gatherCells,
  gatherRowDot,
  gatherRows,
  segmentMean,
} from "../model/ops/rows.js";
import { maskedLogSoftmax } from "../model/ops/softmax.js";
import type { Parameter, Tensor } from "../model/tensor.js";
import { type PolicyBatch, segmentOwners, teamMatesChoices } from "./batch.js";

/** The architecture of a {@link PolicyNetwork}; saved with checkpoints as its fingerprint. */
export interface PolicyConfig {
  /** Encoder row width. */
  readonly textDim: number;
  /** Numeric feature width per agent (0: text only). */
  readonly numericWidth: number;
  /** Hidden width. */
  readonly hidden: number;
  /** Attention heads over the inbox; must divide `hidden`. */
  readonly heads: number;
  /**
   * What the centralised critic V(s) reads: "team-embedding" (default) the mean of the agents'
   * embeddings z_i, or "joint-observation" the concatenation of the team's numeric observations
   * in agent order, through its own MLP (EPyMARL's CentralVCritic over the MPE/LBF state). The
   * latter needs `numericWidth` > 0 and every team of `teamSize` agents. Its hidden layers are
   * tanh unless `criticActivation` says relu (EPyMARL's): a ReLU V over MPE's unbounded
   * positions, bootstrapped by n-step returns without a target critic, diverged (MAPPO Spread
   * seed 1: value loss 2.5e8 at 200k steps; return −90); with the learner's target critic it
   * does not (−56.1).
   */
  readonly stateInput?: StateInput;
  /** Agents per team, needed (and only read) with `stateInput: "joint-observation"`. */
  readonly teamSize?: number;
  /**
   * What the decentralised critic V(oⁱ) reads: "agent-embedding" (default) the actor's embedding
   * z_i through one linear layer (actor and critic share the trunk), or "own-observation" the
   * agent's numeric observation through an MLP of its own (EPyMARL's IPPO critic: a separate
   * network over the observation and agent id; hidden activation `criticActivation`).
   * Needs `numericWidth` > 0.
   */
  readonly observationInput?: ObservationInput;
  /**
   * Hidden activation of the critics with networks of their own (the two options above):
   * "tanh" (default) or "relu" (EPyMARL's, stable with its target critic).
   */
  readonly criticActivation?: "tanh" | "relu";
  /**
   * Activation of the first layer, h_i = act(W_obs x_i): "tanh" (default) or "relu" (EPyMARL's
   * agent fc1, ahead of its GRU; the fuse layer stays tanh, bounded as a GRU's output is).
   */
  readonly observationActivation?: "tanh" | "relu";
  /**
   * Factor on the action query layer's initial weights and bias (default 1): a small one starts
   * the policy near uniform. Initialisation only: not part of the fingerprint.
   */
  readonly actionHeadScale?: number;
  /**
   * "none" (default): the agent has no memory, z_i = tanh(W_fuse [h_i, c_i]). "gru": z_i is the
   * state of a GRU cell over [h_i, c_i] that runs through the agent's episode (EPyMARL's
   * RNNAgent: fc1, GRUCell, fc2); a forward pass then reads each row's previous state from
   * {@link ForwardOptions.memory} and returns the new states in {@link PolicyOutput.memory}.
   */
  readonly memory?: "none" | "gru";
  /**
   * "candidates" (default): each action candidate is scored as ⟨W_act z_i, e(a)⟩ against its
   * text's embedding, so candidate sets may vary. "linear": a linear layer over z_i gives one
   * logit per action of a fixed list of `actions` (EPyMARL's fc2; PyTorch's initialisation),
   * candidate k of every agent being action k; every agent must then have `actions` candidates.
   */
  readonly actionHead?: "candidates" | "linear";
  /** The fixed number of actions, needed (and only read) with `actionHead: "linear"`. */
  readonly actions?: number;
}

/**
 * The previous states of a recurrent policy's rows: carried-in states `initial` (`[K × hidden]`,
 * or null) and the {@link RecurrentLayout} that says which state each row continues.
 */
export interface MemoryInput {
  readonly initial: Float32Array | null;
  readonly layout: RecurrentLayout;
}

/** The input of the decentralised critic V(oⁱ); see {@link PolicyConfig.observationInput}. */
export type ObservationInput = "agent-embedding" | "own-observation";

/** The input of the centralised critic V(s); see {@link PolicyConfig.stateInput}. */
export type StateInput = "team-embedding" | "joint-observation";

/** What one forward pass gives. */
export interface PolicyOutput {
  /** log π over every action candidate row (−∞ where masked), flat `[Σ candidates × 1]`. */
  readonly actionLogProbs: Tensor;
  /** log μ over every message candidate row. */
  readonly messageLogProbs: Tensor;
  /**
   * V(oⁱ), `[S × 1]`. The critics are computed on the graph when first read (a caller that never
   * reads one skips its layers), so read them before the graph's next reset.
   */
  readonly observationValues: Tensor;
  /** V(s) per team, `[J × 1]`; computed when first read, like {@link observationValues}. */
  readonly stateValues: Tensor;
  /** Q_act(s, a⁻ⁱ, a) per action candidate row (team-mates' actions only), when asked for. */
  readonly actionQ: Tensor | null;
  /** Q(s, m⁻ⁱ, m) per message candidate row, when asked for. */
  readonly messageQ: Tensor | null;
  /** A recurrent policy's new state of every row, `[S × hidden]` (its z); null without memory. */
  readonly memory: Tensor | null;
}

/** Options of {@link PolicyNetwork.forward}. */
export interface ForwardOptions {
  /** Also compute the centralised Q heads (needs chosen actions and messages in the batch). */
  readonly withQ?: boolean;
  /** Replace the batch's inbox (e.g. one sender silenced, for influence). */
  readonly inbox?: { readonly offsets: Int32Array; readonly ids: Int32Array };
  /**
   * A recurrent policy's previous states (see {@link MemoryInput}); without it every row starts
   * from the zero state, as an episode's first step does. Ignored without memory.
   */
  readonly memory?: MemoryInput;
}

/** The shared actor-critic network over text (and optional numeric) observations. */
export class PolicyNetwork implements Module {
  readonly observation: Linear;
  readonly attention: MultiHeadAttention;
  readonly fuse: Linear;
  readonly actionQuery: Linear;
  readonly actionCandidate: Linear;
  readonly messageQuery: Linear;
  readonly messageCandidate: Linear;
  readonly observationValue: Linear;
  /** V(oⁱ)'s own network with `observationInput: "own-observation"`, else null. */
  readonly observationCritic: Mlp | null;
  /** The GRU cell in the fuse layer's place with `memory: "gru"`, else null. */
  readonly recurrent: Gru | null;
  /** The linear action layer with `actionHead: "linear"` (in the action query's place), else null. */
  readonly actionLinear: Linear | null;
  readonly stateValue: Mlp;
  readonly actionCritic: Linear;
  readonly messageCritic: Linear;

  /** Initialises every weight from `rng` (same seed, same network, bit for bit). */
  constructor(
    readonly config: PolicyConfig,
    rng: Rng,
  ) {
    const { textDim, numericWidth, hidden, heads } = config;
    const joint = config.stateInput === "joint-observation";
    const ownObservation = config.observationInput === "own-observation";
    const ownActivation = config.criticActivation ?? "tanh";
    if (ownActivation !== "tanh" && ownActivation !== "relu") {
      throw new ShapeError({
        input: "policy config criticActivation",
        problem: "is not a known activation for the critics' own networks",
        expected: '"tanh" or "relu"',
        actual: String(ownActivation),
        fix: "pick one of the listed activations",
      });
    }
    const sizes: Record<string, unknown> = { textDim, numericWidth, hidden, heads };
    if (joint) sizes.teamSize = config.teamSize;
    for (const [key, value] of Object.entries(sizes)) {
      if (
        typeof value !== "number" ||
        !Number.isInteger(value) ||
        value < (key === "numericWidth" ? 0 : 1)
      ) {
        throw new ShapeError({
          input: `policy config ${key}`,
          problem: "is not a valid size",
          expected: key === "numericWidth" ? "an integer ≥ 0" : "a positive integer",
          actual: String(value),
          fix: `set ${key} to a whole number`,
        });
      }
    }
    if (config.stateInput !== undefined && !joint && config.stateInput !== "team-embedding") {
      throw new ShapeError({
        input: "policy config stateInput",
        problem: "is not a known critic input",
        expected: '"team-embedding" or "joint-observation"',
        actual: String(config.stateInput),
        fix: "pick one of the listed inputs",
      });
    }
    if (
      config.observationInput !== undefined &&
      !ownObservation &&
      config.observationInput !== "agent-embedding"
    ) {
      throw new ShapeError({
        input: "policy config observationInput",
        problem: "is not a known critic input",
        expected: '"agent-embedding" or "own-observation"',
        actual: String(config.observationInput),
        fix: "pick one of the listed inputs",
      });
    }
    if (ownObservation && numericWidth === 0) {
      throw new ShapeError({
        input: "policy config observationInput",
        problem: "own-observation needs numeric observations",
        expected: "numericWidth > 0",
        actual: "numericWidth 0 (text only)",
        fix: 'use observationInput "agent-embedding" for text-only tasks',
      });
    }
    if (joint && numericWidth === 0) {
      throw new ShapeError({
        input: "policy config stateInput",
        problem: "joint-observation needs numeric observations",
        expected: "numericWidth > 0",
        actual: "numericWidth 0 (text only)",
        fix: 'use stateInput "team-embedding" for text-only tasks',
      });
    }
    if (hidden % heads !== 0) {
      throw new ShapeError({
        input: "policy config heads",
        problem: "does not divide the hidden width",
        expected: `a divisor of hidden (${hidden})`,
        actual: String(heads),
        fix: "choose heads such as 1, 2 or 4 that divides hidden",
      });
    }
    const observationActivation = config.observationActivation ?? "tanh";
    if (observationActivation !== "tanh" && observationActivation !== "relu") {
      throw new ShapeError({
        input: "policy config observationActivation",
        problem: "is not a known activation for the first layer",
        expected: '"tanh" or "relu"',
        actual: String(observationActivation),
        fix: "pick one of the listed activations",
      });
    }
    this.observation = new Linear("policy.observation", textDim + numericWidth, hidden, rng, {
      activation: observationActivation,
    });
    this.attention = new MultiHeadAttention("policy.inbox", hidden, textDim, heads, rng);
    this.fuse = new Linear("policy.fuse", 2 * hidden, hidden, rng, { activation: "tanh" });
    this.actionQuery = new Linear("policy.action.query", hidden, hidden, rng);
    // A small action query makes the first policy near uniform, as a PyTorch-initialised output
    // layer is (EPyMARL's fc2: initial logits of std ~0.3); at scale 1 the initial action entropy
    // on LBF is 1.2–1.5 of log 6 = 1.79.
    const headScale = config.actionHeadScale ?? 1;
    if (!(headScale > 0 && headScale <= 1)) {
      throw new ShapeError({
        input: "policy config actionHeadScale",
        problem: "is out of range",
        expected: "a number in (0, 1]",
        actual: String(headScale),
        fix: "use 1 (the default) or a small factor such as 0.1",
      });
    }
    if (headScale !== 1) {
      for (const p of this.actionQuery.parameters())
        for (let i = 0; i < p.value.length; i++) p.value[i] *= headScale;
    }
    this.actionCandidate = new Linear("policy.action.candidate", textDim, hidden, rng, {
      activation: "tanh",
    });
    this.messageQuery = new Linear("policy.message.query", hidden, hidden, rng);
    this.messageCandidate = new Linear("policy.message.candidate", textDim, hidden, rng, {
      activation: "tanh",
    });
    this.observationValue = new Linear("critic.observation", hidden, 1, rng);
    this.stateValue = joint
      ? new Mlp(
          "critic.state",
          [(config.teamSize ?? 0) * numericWidth, hidden, hidden, 1],
          ownActivation,
          rng,
        )
      : new Mlp("critic.state", [hidden, hidden, 1], "tanh", rng);
    this.actionCritic = new Linear("critic.q.action", 2 * hidden, hidden, rng, {
      activation: "tanh",
    });
    this.messageCritic = new Linear("critic.q.message", 2 * hidden, hidden, rng, {
      activation: "tanh",
    });
    // Drawn last, so that every other weight is the same with and without it.
    this.observationCritic = ownObservation
      ? new Mlp("critic.own-observation", [numericWidth, hidden, hidden, 1], ownActivation, rng)
      : null;
    const memory = config.memory ?? "none";
    if (memory !== "none" && memory !== "gru") {
      throw new ShapeError({
        input: "policy config memory",
        problem: "is not a known agent memory",
        expected: '"none" or "gru"',
        actual: String(memory),
        fix: "pick one of the listed memories",
      });
    }
    // Drawn after everything else too; the fuse layer is still drawn (and left out of the
    // parameters), so the other weights are those of the memoryless network with this seed.
    this.recurrent = memory === "gru" ? new Gru("policy.memory", 2 * hidden, hidden, rng) : null;
    this.actionLinear = linearActionLayer(config, rng);
  }

  /**
   * The critic network of its own that the `critic` kind reads ("observation": V(oⁱ) with
   * `observationInput: "own-observation"`; "state": V(s) with `stateInput: "joint-observation"`),
   * or null when that critic shares the actor's trunk.
   */
  separateCritic(critic: "observation" | "state"): Mlp | null {
    if (critic === "observation") return this.observationCritic;
    return this.config.stateInput === "joint-observation" ? this.stateValue : null;
  }

  /**
   * The values `network` (shaped as {@link separateCritic}'s, e.g. a target copy of it) gives
   * the batch: `[S × 1]` per agent from its numeric observation ("observation"), or `[J × 1]`
   * per team from the joint observation ("state").
   */
  separateCriticValues(
    g: Graph,
    batch: PolicyBatch,
    critic: "observation" | "state",
    network: Mlp,
  ): Tensor {
    const input =
      critic === "observation"
        ? g.input("ownObservation", batch.numeric, batch.samples, this.config.numericWidth)
        : jointObservation(g, batch, this.config.teamSize ?? 0);
    return network.forward(g, input);
  }

  /**
   * The parameters of the critics that have networks of their own (V(oⁱ) with
   * `observationInput: "own-observation"`, V(s) with `stateInput: "joint-observation"`): a
   * learner clips their gradients apart from the actor's, as EPyMARL's critic optimiser does.
   */
  separateCriticParameters(): Parameter[] {
    const own: Module[] = [];
    if (this.config.stateInput === "joint-observation") own.push(this.stateValue);
    if (this.observationCritic !== null) own.push(this.observationCritic);
    return own.flatMap((m) => m.parameters());
  }

  /** A string that changes whenever the architecture does (the checkpoint fingerprint). */
  get fingerprint(): string {
    const c = this.config;
    const base = `troupe-policy/v1 text=${c.textDim} numeric=${c.numericWidth} hidden=${c.hidden} heads=${c.heads}`;
    // The default layout keeps its fingerprint, so its checkpoints load as before.
    const state =
      c.stateInput === "joint-observation" ? ` state=joint-observation team=${c.teamSize}` : "";
    const observation =
      c.observationInput === "own-observation" ? " observation=own-observation" : "";
    const own = state !== "" || observation !== "";
    const activation = own && c.criticActivation === "relu" ? " critic=relu" : "";
    const first = c.observationActivation === "relu" ? " obs=relu" : "";
    const memory = this.recurrent === null ? "" : " memory=gru";
    const head = this.actionLinear === null ? "" : ` head=linear actions=${c.actions}`;
    return `${base}${state}${observation}${activation}${first}${memory}${head}`;
  }

  /** Every parameter, in a fixed order. */
  parameters(): Parameter[] {
    return [
      this.observation,
      this.attention,
      this.recurrent ?? this.fuse,
      this.actionLinear ?? this.actionQuery,
      this.actionCandidate,
      this.messageQuery,
      this.messageCandidate,
      this.observationValue,
      this.stateValue,
      this.actionCritic,
      this.messageCritic,
      ...(this.observationCritic === null ? [] : [this.observationCritic]),
    ].flatMap((m) => m.parameters());
  }

  /** Number of trainable scalars. */
  get parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.value.length, 0);
  }

  /**
   * log π over every action candidate of `batch` under each of `inboxes` in place of the batch's
   * own (e.g. one sender silenced at a time, for influence): the values `forward` gives with
   * `{ inbox }`, with the layers that do not read the inbox (observation, candidate embeddings)
   * computed once for all of them. The graph is not reset between inboxes.
   */
  actionLogProbsUnderInboxes(
    g: Graph,
    texts: Float32Array,
    batch: PolicyBatch,
    inboxes: readonly { readonly offsets: Int32Array; readonly ids: Int32Array }[],
  ): Float32Array[] {
    const table = this.textTable(g, texts, batch);
    const h = this.observe(g, table, batch);
    const actionTexts = distinctRows(batch.actionIds);
    const distinctActions = this.actionCandidate.forward(g, gatherRows(g, table, actionTexts.ids));
    const actionOwners = segmentOwners(batch.actionOffsets);
    return inboxes.map((inbox) => {
      const z = this.embed(g, table, h, inbox, batch.samples);
      const scores = this.actionScores(g, z, batch, distinctActions, actionOwners, actionTexts);
      return Float32Array.from(
        maskedLogSoftmax(g, scores, batch.actionOffsets, batch.actionMask).value,
      );
    });
  }

  /**
   * Every action candidate's score, flat `[Σ candidates × 1]`: the candidate-scoring head's, or
   * the linear head's `W z_i + b` read as one row per candidate (no copy: agent i's k-th
   * candidate is its k-th logit).
   */
  private actionScores(
    g: Graph,
    z: Tensor,
    batch: PolicyBatch,
    distinctActions: Tensor,
    owners: Int32Array,
    texts: DistinctRows,
  ): Tensor {
    const linear = this.actionLinear;
    if (linear === null) {
      return candidateScores(g, this.actionQuery, z, distinctActions, owners, texts.rowOf);
    }
    const actions = linear.outDim;
    for (let s = 0; s < batch.samples; s++) {
      const count = batch.actionOffsets[s + 1] - batch.actionOffsets[s];
      if (count !== actions) {
        throw new ShapeError({
          input: `PolicyNetwork.forward: sample ${s}'s action candidates`,
          problem: "do not fit the linear action head",
          expected: `${actions} candidates (the fixed action list)`,
          actual: `${count} candidates`,
          fix: 'train tasks with one fixed action list, or use actionHead "candidates"',
        });
      }
    }
    const logits = linear.forward(g, z);
    return g.view(
      "actionLogits",
      logits,
      logits.value,
      logits.grad ?? (logits.requiresGrad ? g.gradOf(logits) : null),
      logits.size,
      1,
    );
  }

  /** The text table as a graph input, after checking it and the batch fit the network. */
  private textTable(g: Graph, texts: Float32Array, batch: PolicyBatch): Tensor {
    const { textDim, numericWidth } = this.config;
    if (texts.length % textDim !== 0 || batch.numericWidth !== numericWidth) {
      throw new ShapeError({
        input: "PolicyNetwork.forward: texts / batch.numericWidth",
        problem: "do not match the network",
        expected: `rows of ${textDim} floats, numeric width ${numericWidth}`,
        actual: `${texts.length} floats, numeric width ${batch.numericWidth}`,
        fix: "encode with the encoder the policy was built for and build batches with its numericWidth",
      });
    }
    return g.input("texts", texts, texts.length / textDim, textDim);
  }

  /** h_i = act(W_obs [enc(view_i), numeric_i]) for every sample. */
  private observe(g: Graph, table: Tensor, batch: PolicyBatch): Tensor {
    const { numericWidth } = this.config;
    // Numeric tasks that render every view as one constant text (the MARL race): the view's row
    // is folded into the observation layer's bias instead of being copied beside every row.
    const view = sameId(batch.viewIds);
    if (numericWidth > 0 && view >= 0) {
      return this.observation.forwardWithConstant(
        g,
        g.input("numeric", batch.numeric, batch.samples, numericWidth),
        gatherRows(g, table, Int32Array.of(view)),
        true,
      );
    }
    let x = gatherRows(g, table, batch.viewIds);
    if (numericWidth > 0) {
      x = concatCols(g, [x, g.input("numeric", batch.numeric, batch.samples, numericWidth)]);
    }
    return this.observation.forward(g, x);
  }

  /**
   * z_i = tanh(W_fuse [h_i, MHA(h_i, enc(inbox_i))]) for every sample, or with memory the GRU's
   * state over the same input, continuing the states `memory` names (zero states without it).
   */
  private embed(
    g: Graph,
    table: Tensor,
    h: Tensor,
    inbox: { readonly offsets: Int32Array; readonly ids: Int32Array },
    samples: number,
    memory?: MemoryInput,
  ): Tensor {
    // When nobody heard anything, attention gives every agent the same row (its output bias), and
    // the fuse layer folds that row into its bias instead of multiplying it on every row.
    const quiet = silent(inbox, samples);
    const context = () =>
      quiet
        ? this.attention.silentRow(g)
        : this.attention.forward(g, h, gatherRows(g, table, inbox.ids), inbox.offsets);
    const recurrent = this.recurrent;
    if (recurrent === null) {
      return quiet
        ? this.fuse.forwardWithConstant(g, h, context())
        : this.fuse.forward(g, concatCols(g, [h, context()]));
    }
    const hidden = this.config.hidden;
    const carried = memory?.initial ?? null;
    const initial =
      carried === null ? null : g.input("memory", carried, carried.length / hidden, hidden);
    const layout = memory?.layout ?? freshLayout(samples);
    return quiet
      ? recurrent.forwardWithConstant(g, h, context(), initial, layout)
      : recurrent.forward(g, concatCols(g, [h, context()]), initial, layout);
  }

  /**
   * The forward pass over `batch`; `texts` is the text table's matrix (`rows × textDim`). Rows of
   * the batch must refer to encoded rows.
   */
  forward(
    g: Graph,
    texts: Float32Array,
    batch: PolicyBatch,
    options: ForwardOptions = {},
  ): PolicyOutput {
    const table = this.textTable(g, texts, batch);
    const h = this.observe(g, table, batch);
    const inbox = options.inbox ?? { offsets: batch.inboxOffsets, ids: batch.inboxIds };
    const z = this.embed(g, table, h, inbox, batch.samples, options.memory);

    // Candidates are embedded once per distinct text (team-mates mostly read the same ones), and
    // each candidate's score is the dot product of its owner's query row with its text's row.
    const actionTexts = distinctRows(batch.actionIds);
    const messageTexts = distinctRows(batch.messageIds);
    const distinctActions = this.actionCandidate.forward(g, gatherRows(g, table, actionTexts.ids));
    const actionOwners = segmentOwners(batch.actionOffsets);
    const messageOwners = segmentOwners(batch.messageOffsets);
    const actionScores = this.actionScores(g, z, batch, distinctActions, actionOwners, actionTexts);
    // With one message candidate per agent (nobody can speak) each log μ is log 1 = 0 whatever
    // its score, and no gradient reaches the score (dz = dy − 1·dy = 0): the message head's
    // scores are skipped as the constant 0, which gives the same log μ, errors and gradients.
    const distinctMessages = this.messageCandidate.forward(
      g,
      gatherRows(g, table, messageTexts.ids),
    );
    const messageScores = singletons(batch.messageOffsets)
      ? g.input(
          "messageScores",
          g.pool.take(messageTexts.rowOf.length).fill(0),
          messageTexts.rowOf.length,
          1,
        )
      : candidateScores(
          g,
          this.messageQuery,
          z,
          distinctMessages,
          messageOwners,
          messageTexts.rowOf,
        );
    const actionLogProbs = maskedLogSoftmax(g, actionScores, batch.actionOffsets, batch.actionMask);
    const messageLogProbs = maskedLogSoftmax(
      g,
      messageScores,
      batch.messageOffsets,
      batch.messageMask,
    );
    // The critics are built on first read: a learner that trains one critic (IPPO reads V(oⁱ),
    // MAPPO V(s)) or an evaluation that reads neither skips the other's layers.
    const { observationValue, observationCritic, stateValue } = this;
    const ownObservationValues = (network: Mlp) =>
      this.separateCriticValues(g, batch, "observation", network);
    const stateInput =
      this.config.stateInput === "joint-observation"
        ? () => jointObservation(g, batch, this.config.teamSize ?? 0)
        : null;
    let teamState: Tensor | null = null;
    let observationValues: Tensor | null = null;
    let stateValues: Tensor | null = null;
    const teamStateOf = (): Tensor => {
      teamState ??= segmentMean(g, z, batch.teamOffsets);
      return teamState;
    };
    let stateOfSample: Tensor | null = null;
    const q = (
      head: "action" | "message",
      critic: Linear,
      distinct: Tensor,
      texts: DistinctRows,
      owners: Int32Array,
    ) => {
      stateOfSample ??= gatherRows(g, teamStateOf(), batch.sampleTeam);
      const mates = teamMatesChoices(batch, head);
      // Team-mates' choices are candidate texts of the batch, so their rows are already embedded.
      const mateRows = Int32Array.from(mates.ids, (id) => texts.localOf.get(id) ?? -1);
      const matesMean = segmentMean(g, gatherRows(g, distinct, mateRows), mates.offsets);
      const context = critic.forward(g, concatCols(g, [stateOfSample, matesMean]));
      return gatherRowDot(g, context, owners, distinct, texts.rowOf);
    };
    const withQ = options.withQ === true;
    return {
      actionLogProbs,
      messageLogProbs,
      get observationValues(): Tensor {
        observationValues ??=
          observationCritic === null
            ? observationValue.forward(g, z)
            : ownObservationValues(observationCritic);
        return observationValues;
      },
      get stateValues(): Tensor {
        stateValues ??= stateValue.forward(g, stateInput === null ? teamStateOf() : stateInput());
        return stateValues;
      },
      actionQ: withQ
        ? q("action", this.actionCritic, distinctActions, actionTexts, actionOwners)
        : null,
      messageQ: withQ
        ? q("message", this.messageCritic, distinctMessages, messageTexts, messageOwners)
        : null,
      memory: this.recurrent === null ? null : z,
    };
  }
}

/**
 * The team's numeric observations side by side, `[J × teamSize·numericWidth]`, agent 0's first:
 * the batch's numeric rows read as one row per team (no copy), which needs every team to hold
 * `teamSize` agents in team order. Throws a ShapeError naming the first team that does not.
 */
function jointObservation(g: Graph, batch: PolicyBatch, teamSize: number): Tensor {
  const teams = batch.teamOffsets.length - 1;
  for (let j = 0; j < teams; j++) {
    const start = batch.teamOffsets[j];
    let ok = batch.teamOffsets[j + 1] - start === teamSize;
    for (let a = 0; ok && a < teamSize; a++) ok = batch.agentIndex[start + a] === a;
    if (!ok) {
      throw new ShapeError({
        input: `PolicyNetwork.forward: team ${j}`,
        problem: "does not fit the joint-observation critic",
        expected: `${teamSize} agents in team order`,
        actual: `${batch.teamOffsets[j + 1] - start} agents`,
        fix: 'train tasks of one team size, or use stateInput "team-embedding"',
      });
    }
  }
  return g.input("jointObservation", batch.numeric, teams, teamSize * batch.numericWidth);
}

/**
 * The inbox of `batch` with, for each sample s, the messages from team position `silenced[s]`
 * removed (−1: keep all): a receiver's view with one sender replaced by silence, for the
 * influence of that sender's message on the receiver's policy distribution.
 */
export function inboxWithout(
  batch: PolicyBatch,
  silenced: Int32Array,
): { offsets: Int32Array; ids: Int32Array } {
  if (silenced.length !== batch.samples) {
    throw new ShapeError({
      input: "inboxWithout: silenced",
      problem: "has the wrong length",
      expected: `one entry per sample (${batch.samples})`,
      actual: String(silenced.length),
      fix: "pass the silenced sender's team position per sample, −1 for none",
    });
  }
  const offsets = new Int32Array(batch.samples + 1);
  const kept: number[] = [];
  for (let s = 0; s < batch.samples; s++) {
    for (let i = batch.inboxOffsets[s]; i < batch.inboxOffsets[s + 1]; i++)
      if (batch.inboxSenders[i] !== silenced[s]) kept.push(batch.inboxIds[i]);
    offsets[s + 1] = kept.length;
  }
  return { offsets, ids: Int32Array.from(kept) };
}

/** Samples a candidate index from one segment of log-probabilities (masked entries never). */
export function sampleCandidate(
  rng: Rng,
  logProbs: Float32Array,
  start: number,
  end: number,
): number {
  let u = rng.float();
  let last = -1;
  for (let i = start; i < end; i++) {
    if (logProbs[i] === Number.NEGATIVE_INFINITY) continue;
    last = i;
    u -= Math.exp(logProbs[i]);
    if (u < 0) return i - start;
  }
  return last - start;
}

/** The most probable candidate index of one segment (first on ties). */
export function greedyCandidate(logProbs: Float32Array, start: number, end: number): number {
  let best = start;
  for (let i = start + 1; i < end; i++) if (logProbs[i] > logProbs[best]) best = i;
  return best - start;
}

/**
 * The score `⟨W_q z_owner + b_q, e(text)⟩` of every candidate row, `owners[i]` the row of z and
 * `rowOf[i]` the row of `distinct` (the embedded distinct texts) of candidate i. With few
 * distinct texts, each met by most agents (the standard MARL tasks: 5 or 6 move names), it is
 * cheaper to score every agent against every text as `z·(W_q·Eᵀ) + b_q·Eᵀ` and pick the cells
 * (D·hidden·(hidden + S) multiply-adds instead of S·hidden² for the query rows): the same
 * scores up to float32 rounding. Else the query rows are built and dotted per candidate.
 */
function candidateScores(
  g: Graph,
  query: Linear,
  z: Tensor,
  distinct: Tensor,
  owners: Int32Array,
  rowOf: Int32Array,
): Tensor {
  const agents = z.rows;
  const texts = distinct.rows;
  const hidden = query.outDim;
  if (texts * (hidden + agents) < agents * hidden && agents * texts <= 2 * owners.length) {
    return gatherCells(g, query.forwardProducts(g, z, distinct), owners, rowOf);
  }
  return gatherRowDot(g, query.forward(g, z), owners, distinct, rowOf);
}

/** The distinct ids of a list, and per entry the row of its id among them. */
interface DistinctRows {
  readonly ids: Int32Array;
  readonly rowOf: Int32Array;
  readonly localOf: Map<number, number>;
}

/** The id every entry of `ids` holds, or −1 when they differ (or there are none). */
function sameId(ids: Int32Array): number {
  if (ids.length === 0) return -1;
  for (let i = 1; i < ids.length; i++) if (ids[i] !== ids[0]) return -1;
  return ids[0];
}

/** Whether `inbox` is that of `samples` agents that received nothing. */
function silent(
  inbox: { readonly offsets: Int32Array; readonly ids: Int32Array },
  samples: number,
): boolean {
  const { offsets, ids } = inbox;
  if (ids.length !== 0 || offsets.length !== samples + 1) return false;
  for (let s = 0; s <= samples; s++) if (offsets[s] !== 0) return false;
  return true;
}

/**
 * The linear action layer of `actionHead: "linear"` (hidden → actions), every weight and bias
 * drawn from U(−1/√hidden, 1/√hidden) as PyTorch initialises EPyMARL's fc2; null for the
 * candidate-scoring head. Throws a ShapeError for an unknown head or a missing action count.
 */
function linearActionLayer(config: PolicyConfig, rng: Rng): Linear | null {
  const head = config.actionHead ?? "candidates";
  if (head !== "candidates" && head !== "linear") {
    throw new ShapeError({
      input: "policy config actionHead",
      problem: "is not a known action head",
      expected: '"candidates" or "linear"',
      actual: String(head),
      fix: "pick one of the listed heads",
    });
  }
  if (head === "candidates") return null;
  const actions = config.actions;
  if (actions === undefined || !Number.isInteger(actions) || actions < 1) {
    throw new ShapeError({
      input: "policy config actions",
      problem: "is not a valid action count for the linear head",
      expected: "a positive integer (the fixed action list's length)",
      actual: String(actions),
      fix: 'set actions to the tasks\' action count, or use actionHead "candidates"',
    });
  }
  const layer = new Linear("policy.action.linear", config.hidden, actions, rng);
  const limit = 1 / Math.sqrt(config.hidden);
  for (const p of layer.parameters())
    for (let i = 0; i < p.value.length; i++) p.value[i] = rng.uniform(-limit, limit);
  return layer;
}

/** The layout of `rows` rows that each start from the zero state. */
function freshLayout(rows: number): RecurrentLayout {
  return { previous: new Int32Array(rows).fill(-1), blocks: Int32Array.of(0, rows) };
}

/** Whether every segment of `offsets` holds exactly one item. */
function singletons(offsets: Int32Array): boolean {
  for (let s = 1; s < offsets.length; s++) if (offsets[s] - offsets[s - 1] !== 1) return false;
  return true;
}

/** The distinct ids of `ids` (first-seen order) and, per entry, the row of its id among them. */
function distinctRows(ids: Int32Array): DistinctRows {
  const localOf = new Map<number, number>();
  const rowOf = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    let local = localOf.get(ids[i]);
    if (local === undefined) {
      local = localOf.size;
      localOf.set(ids[i], local);
    }
    rowOf[i] = local;
  }
  return { ids: Int32Array.from(localOf.keys()), rowOf, localOf };
}
