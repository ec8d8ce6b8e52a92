/**
 * The learner: one training iteration of every method, read top to bottom as the algorithm
 * (CleanRL's ppo.py): collect rollouts → bootstrap values → rewards adjusted → advantages and
 * credit → mini-batch epochs → metrics. The methods of the comparison are configurations of it
 * (config.ts); behaviour cloning swaps the first four phases for the oracle's demonstrations and
 * the loss for cross-entropy. The budget is joint environment steps summed over environments.
 */
import { type PolicyBatch, selectTeams } from "../agents/batch.js";
import { PolicyNetwork } from "../agents/policy.js";
import { TextTable } from "../agents/text-table.js";
import { ConfigError, NumericError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import type { TextEncoder } from "../encode/encoder.js";
import { Adam } from "../model/adam.js";
import type { Gemm } from "../model/gemm.js";
import { Graph } from "../model/graph.js";
import type { Mlp } from "../model/layers/mlp.js";
import { adjustRewards } from "./adjust.js";
import {
  type Advantages,
  counterfactualAdvantages,
  normaliseAdvantages,
  temporalAdvantages,
} from "./advantages.js";
import type { LearnerConfig } from "./config.js";
import { approxKl, clipFraction, explainedVariance } from "./credit/diagnostics.js";
import { ReturnDecomposition } from "./credit/redistribution.js";
import { MetricsRecorder, type MetricsRow, type MetricsSink, meanOf } from "./metrics.js";
import { Redistributor } from "./redistributor.js";
import { RunningMeanStd, standardiseRewards } from "./reward-scale.js";
import { type Rollout, RolloutCollector, rolloutMemory } from "./rollout.js";
import { ReferenceScores, type TrainingTask } from "./tasks.js";
import { actorCriticStep, cloningStep, type StepStats } from "./update.js";

/** What a learner is built from. */
export interface LearnerOptions {
  readonly method: string;
  readonly config: LearnerConfig;
  readonly tasks: readonly TrainingTask[];
  readonly encoder: TextEncoder;
  readonly gemm: Gemm;
  readonly seed: number;
  readonly sinks?: MetricsSink[];
  /**
   * The text table is cleared between iterations once it holds more rows than this (default
   * 100,000: 100 MB of 256-d rows). Only memory changes: a text's row is the same whenever encoded.
   */
  readonly textTableRows?: number;
}

/** Hooks called by {@link Learner.train} (progress, checkpoints, early stopping). */
export interface LearnerHooks {
  /** After each iteration, with its metrics row; return true to stop early. */
  onIteration?(
    row: MetricsRow,
    learner: Learner,
  ): boolean | undefined | Promise<boolean | undefined>;
}

/** The actor-critic learner (and behaviour cloning) over a shared {@link PolicyNetwork}. */
export class Learner {
  readonly policy: PolicyNetwork;
  readonly adam: Adam;
  /** The target copy of the critic's own network (`targetCriticTau` > 0), else null. */
  readonly targetCritic: Mlp | null;
  readonly table: TextTable;
  readonly collector: RolloutCollector;
  readonly metrics: MetricsRecorder;
  readonly references: ReferenceScores;
  /**
   * The run's PRNG for action sampling, the oracle's draws and mini-batch order; saved in
   * checkpoints. Task draws and reset seeds come from per-slot task streams instead (see
   * {@link RolloutCollector}), so every method meets the same task sequence.
   */
  rng: Rng;
  iteration = 0;
  jointSteps = 0;
  gradientUpdates = 0;
  wallSeconds = 0;
  /** The learned return decomposition ψ (temporal redistribution only), else null. */
  readonly decomposition: ReturnDecomposition | null;
  /** The running redistribution over rollouts that pays ψ (temporal redistribution only). */
  readonly redistributor: Redistributor | null;
  private readonly trainGraph: Graph;
  /** Running team-reward statistics (`rewardStandardisation` only); saved in checkpoints. */
  readonly rewardStats = new RunningMeanStd();

  /** Builds the policy, optimiser and environments from `options` (deterministic in the seed). */
  constructor(readonly options: LearnerOptions) {
    const { config, tasks, encoder, gemm } = options;
    if (tasks.length === 0) {
      throw new ConfigError({
        input: "learner tasks",
        problem: "is empty",
        expected: "at least one training task",
        actual: "0 tasks",
        fix: "pass tasks from the suite's train split or generateTasks()",
      });
    }
    const root = Rng.fromSeed(options.seed);
    this.policy = new PolicyNetwork(
      {
        textDim: encoder.dimension,
        numericWidth: config.numericWidth,
        hidden: config.hidden,
        heads: config.heads,
        ...(config.stateCritic === "joint-observation"
          ? { stateInput: config.stateCritic, teamSize: fixedTeamSize(tasks) }
          : {}),
        ...(config.observationCritic === "own-observation"
          ? { observationInput: config.observationCritic }
          : {}),
        ...(config.criticActivation === "relu"
          ? { criticActivation: config.criticActivation }
          : {}),
        ...(config.actionHeadScale !== 1 ? { actionHeadScale: config.actionHeadScale } : {}),
        ...(config.observationActivation === "relu"
          ? { observationActivation: config.observationActivation }
          : {}),
        ...(config.agentMemory === "gru" ? { memory: config.agentMemory } : {}),
        ...(config.actionHead === "linear"
          ? { actionHead: config.actionHead, actions: fixedActionCount(tasks) }
          : {}),
      },
      root.split("policy"),
    );
    // EPyMARL's target critic: returns bootstrap from a copy of the trained critic's own network,
    // moved τ of the way to it after each update (the config checks that the network exists).
    const online = this.policy.separateCritic(config.critic);
    this.targetCritic =
      config.targetCriticTau > 0 && online !== null
        ? online.copy(`target.critic.${config.critic}`)
        : null;
    // A critic with a network of its own is clipped apart from the actor (EPyMARL's two
    // optimisers each clip their own gradients); the shared-trunk layouts keep one clip group.
    const separate = new Set(this.policy.separateCriticParameters());
    const frozen = new Set(
      config.actionEmbeddings === "frozen" ? this.policy.actionCandidate.parameters() : [],
    );
    const parameters = this.policy.parameters();
    this.adam = new Adam(parameters, {
      learningRate: config.learningRate,
      maxGradNorm: config.maxGradNorm,
      clipGroups: parameters.map((p) => (separate.has(p) ? 1 : 0)),
      frozen: parameters.map((p) => frozen.has(p)),
    });
    this.table = new TextTable(encoder);
    this.rng = root.split("run");
    // One task stream per environment slot, derived from the root seed alone: the n-th episode of
    // slot e is the same (task, reset seed) for every method and config with this seed and envs.
    this.collector = new RolloutCollector(
      tasks,
      this.table,
      config.numericWidth,
      Array.from({ length: config.envs }, (_, e) => root.split(`tasks/${e}`)),
    );
    this.metrics = new MetricsRecorder(options.sinks ?? []);
    this.references = new ReferenceScores(tasks);
    this.trainGraph = new Graph(gemm);
    this.decomposition = config.temporalRedistribution
      ? new ReturnDecomposition("redistribution", {
          featureSize: 2 * encoder.dimension,
          hidden: [config.hidden],
          learningRate: config.learningRate,
          gemm,
          rng: root.split("redistribution"),
        })
      : null;
    this.redistributor =
      this.decomposition === null
        ? null
        : new Redistributor(this.decomposition, config.envs, {
            minEpisodes: config.redistributionMinEpisodes,
            minFit: config.redistributionMinFit,
          });
  }

  get config(): LearnerConfig {
    return this.options.config;
  }

  /** Joint environment steps one iteration consumes. */
  get stepsPerIteration(): number {
    return this.config.envs * this.config.rolloutSteps;
  }

  /** Iterates until `jointSteps` reaches `budget` (or a hook stops it). */
  async train(budget: number, hooks: LearnerHooks = {}): Promise<void> {
    while (this.jointSteps < budget) {
      const row = await this.iterate();
      if ((await hooks.onIteration?.(row, this)) === true) return;
    }
  }

  /** One training iteration; returns its metrics row. */
  async iterate(): Promise<MetricsRow> {
    const started = performance.now();
    if (this.table.rows > (this.options.textTableRows ?? 100_000)) this.table.clear();
    try {
      if (this.config.mode === "behaviour-cloning") await this.cloneIteration();
      else await this.actorCriticIteration();
    } catch (error) {
      if (error instanceof NumericError) throw this.stoppedAt(error);
      throw error;
    }
    this.iteration++;
    this.wallSeconds += (performance.now() - started) / 1000;
    const m = this.metrics;
    m.record("iteration", this.iteration);
    m.record("budget/joint_steps", this.jointSteps);
    m.record("budget/gradient_updates", this.gradientUpdates);
    m.record("budget/wall_seconds", this.wallSeconds);
    m.record("budget/parameters", this.policy.parameterCount);
    // The return decomposition ψ is trained beside the policy: its size and Adam steps are part of
    // what `coordinated` spends, so they are recorded apart (0 for methods without it).
    const psi = this.decomposition;
    m.record(
      "budget/auxiliary_parameters",
      psi === null ? 0 : psi.parameters().reduce((n, p) => n + p.value.length, 0),
    );
    m.record("budget/auxiliary_updates", psi === null ? 0 : psi.adam.stepCount);
    return m.dump();
  }

  private async actorCriticIteration(): Promise<void> {
    const config = this.config;
    const target = this.targetCritic;
    // 1. Collect rollouts from the vectorised environments with the current policy.
    const rollout = await this.collector.collect(
      this.policy,
      this.options.gemm,
      config.rolloutSteps,
      this.rng,
      {
        counterfactuals: config.reward === "difference-privileged",
        critic: config.critic,
        ...(target === null
          ? {}
          : {
              bootstrap: {
                critic: config.critic,
                of: (g: Graph, batch: PolicyBatch) =>
                  this.policy.separateCriticValues(g, batch, config.critic, target),
              },
            }),
      },
    );
    // The budget counts every joint step the simulator ran, counterfactual ones included.
    this.jointSteps += rollout.steps * rollout.envs + rollout.counterfactualSteps;
    this.metrics.record("budget/counterfactual_steps", rollout.counterfactualSteps);
    this.recordEpisodes(rollout);

    // 2. Bootstrap values: V(s_T) and V(oⁱ_T) were computed by the collector at the last states.
    //    A non-finite value of the configured critic would make every advantage NaN: stop here and
    //    name it by the key of that critic's loss.
    if (config.critic === "state")
      finiteOrThrow("loss/value", rollout.stateValues, rollout.lastStateValues);
    else finiteOrThrow("loss/value", rollout.observationValues, rollout.lastObservationValues);
    // 3. Rewards adjusted: redistribution of delayed team rewards, communication-aware shaping.
    const adjusted = adjustRewards(rollout, config, {
      policy: this.policy,
      table: this.table,
      gemm: this.options.gemm,
      redistribution: this.redistributor,
    });
    const rewards = config.rewardStandardisation
      ? standardiseRewards(rollout, adjusted, this.rewardStats)
      : adjusted;
    this.metrics.record("credit/mean_influence", rewards.meanInfluence);
    this.metrics.record("credit/redistributed_fraction", rewards.redistributedFraction);

    // 4. Advantages and credit: GAE on the configured critic; with agent credit, λ-return minus
    //    the counterfactual baseline of the centralised Q, per head.
    let advantages = temporalAdvantages(rollout, config, rewards);
    if (config.agentCredit) advantages = this.withAgentCredit(rollout, advantages);
    normaliseAdvantages(advantages, rollout, config.advantageNorm);

    // 5. Mini-batch epochs over whole teams.
    const stats: StepStats[] = [];
    const teams = rollout.steps * rollout.envs;
    const order = Int32Array.from({ length: teams }, (_, j) => j);
    const sampleStart = rollout.batch.teamOffsets;
    // One mini-batch of the whole rollout (EPyMARL's configs) is the rollout itself, in its own
    // order: the mean losses do not depend on order, and copying the batch every epoch cost ~10 %
    // of a race run. The shuffle still runs, so the run's random stream is the same either way.
    const whole = config.minibatchTeams >= teams;
    const allSamples = Int32Array.from({ length: rollout.batch.samples }, (_, s) => s);
    const allTeams = Int32Array.from({ length: teams }, (_, j) => j);
    const lastEpochOld: number[] = [];
    const lastEpochNew: number[] = [];
    // A recurrent agent runs through the rollout in time order (the config keeps it whole).
    const memory = rolloutMemory(rollout);
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      this.shuffle(order);
      for (let first = 0; first < teams; first += config.minibatchTeams) {
        const picked = whole
          ? allTeams
          : order.subarray(first, Math.min(teams, first + config.minibatchTeams));
        const minibatch = whole ? rollout.batch : selectTeams([rollout.batch], picked);
        const samples = whole ? allSamples : samplesOf(sampleStart, picked);
        const step = actorCriticStep(
          this.trainGraph,
          this.policy,
          this.adam,
          this.table.matrix(),
          minibatch,
          {
            oldActionLogProbs: pick(rollout.actionLogProbs, samples),
            oldMessageLogProbs: pick(rollout.messageLogProbs, samples),
            actionAdvantages: pick(advantages.action, samples),
            messageAdvantages: pick(advantages.message, samples),
            teamReturns: pick(advantages.teamReturns, picked),
            sampleReturns: pick(advantages.sampleReturns, samples),
          },
          config,
          memory ?? undefined,
        );
        this.gradientUpdates++;
        stats.push(step);
        if (epoch === config.epochs - 1) {
          for (const s of samples) lastEpochOld.push(rollout.actionLogProbs[s]);
          for (const p of step.newActionLogProbs) lastEpochNew.push(p);
        }
      }
    }
    // Over every agent-step of the last epoch (each mini-batch's new log-probabilities as its
    // step computed them), not only its last mini-batch.
    const old = Float32Array.from(lastEpochOld);
    const updated = Float32Array.from(lastEpochNew);
    this.metrics.record("stability/approx_kl", approxKl(old, updated));
    this.metrics.record("stability/clip_fraction", clipFraction(old, updated, config.clipRatio));

    // 6. The target critic follows the trained one (EPyMARL's soft update, once per update).
    const online = this.policy.separateCritic(config.critic);
    if (target !== null && online !== null) target.blendFrom(online, config.targetCriticTau);

    // 7. Metrics.
    this.recordStepStats(stats);
    this.recordCritic(rollout, advantages);
  }

  private async cloneIteration(): Promise<void> {
    const config = this.config;
    // Demonstrations: the oracle acts; as many joint steps as an RL iteration collects.
    const demos = await this.collector.collectDemonstrations(config.rolloutSteps, this.rng);
    this.jointSteps += config.rolloutSteps * config.envs;
    const teams = config.rolloutSteps * config.envs;
    const order = Int32Array.from({ length: teams }, (_, j) => j);
    const stats: StepStats[] = [];
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      this.shuffle(order);
      for (let first = 0; first < teams; first += config.minibatchTeams) {
        const picked = order.subarray(first, Math.min(teams, first + config.minibatchTeams));
        const minibatch = selectTeams([demos], picked);
        stats.push(
          cloningStep(
            this.trainGraph,
            this.policy,
            this.adam,
            this.table.matrix(),
            minibatch,
            config,
          ),
        );
        this.gradientUpdates++;
      }
    }
    this.recordStepStats(stats);
  }

  private withAgentCredit(rollout: Rollout, temporal: Advantages): Advantages {
    const g = new Graph(this.options.gemm, { recordGradients: false });
    const out = this.policy.forward(g, this.table.matrix(), rollout.batch, { withQ: true });
    if (out.actionQ === null || out.messageQ === null) return temporal;
    return counterfactualAdvantages(
      rollout,
      {
        actionQ: out.actionQ.value,
        messageQ: out.messageQ.value,
        actionLogProbs: out.actionLogProbs.value,
        messageLogProbs: out.messageLogProbs.value,
      },
      temporal,
    );
  }

  private recordEpisodes(rollout: Rollout): void {
    const m = this.metrics;
    m.record("rollout/episodes", rollout.episodes.length);
    m.record("rollout/reward_per_step", meanOf(rollout.teamRewards));
    if (rollout.episodes.length === 0) return;
    m.record("rollout/team_return", meanOf(rollout.episodes.map((e) => e.teamReturn)));
    m.record(
      "rollout/normalised_score",
      meanOf(rollout.episodes.map((e) => this.references.normalised(e.task, e.teamReturn))),
    );
  }

  private recordStepStats(stats: readonly StepStats[]): void {
    const m = this.metrics;
    const avg = (key: keyof Omit<StepStats, "newActionLogProbs">) =>
      meanOf(stats.map((s) => s[key]));
    m.record("loss/policy", avg("policyLoss"));
    m.record("loss/message_policy", avg("messageLoss"));
    m.record("loss/value", avg("valueLoss"));
    m.record("loss/q", avg("qLoss"));
    m.record("stability/entropy", avg("entropy"));
    m.record("stability/action_entropy", avg("actionEntropy"));
    m.record("stability/grad_norm", avg("gradNorm"));
    for (const [key, value] of [
      ["loss/policy", avg("policyLoss")],
      ["loss/value", avg("valueLoss")],
      ["stability/grad_norm", avg("gradNorm")],
    ] as const)
      finiteOrThrow(key, [value]);
  }

  private recordCritic(rollout: Rollout, advantages: Advantages): void {
    const stateCritic = this.config.critic === "state";
    this.metrics.record(
      "stability/explained_variance",
      stateCritic
        ? explainedVariance(rollout.stateValues, advantages.teamReturns)
        : explainedVariance(rollout.observationValues, advantages.sampleReturns),
    );
  }

  private shuffle(order: Int32Array): void {
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  }

  private stoppedAt(error: NumericError): NumericError {
    return new NumericError({
      input: `iteration ${this.iteration + 1}: ${error.input}`,
      problem: `${error.problem} (training stopped)`,
      expected: error.expected,
      actual: error.actual,
      fix: error.fix,
      cause: error,
    });
  }
}

/** Throws a {@link NumericError} naming metrics key `key` unless every value is finite. */
function finiteOrThrow(key: string, ...arrays: readonly ArrayLike<number>[]): void {
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      if (Number.isFinite(values[i])) continue;
      throw new NumericError({
        input: key,
        problem: "is not finite",
        expected: "a finite number",
        actual: String(values[i]),
        fix: "lower the learning rate; the last good checkpoint is kept",
      });
    }
  }
}

/** The sample indices of `teams` (in that order) given the batch's team offsets. */
function samplesOf(teamOffsets: Int32Array, teams: Int32Array): Int32Array {
  let count = 0;
  for (const j of teams) count += teamOffsets[j + 1] - teamOffsets[j];
  const out = new Int32Array(count);
  let k = 0;
  for (const j of teams) for (let s = teamOffsets[j]; s < teamOffsets[j + 1]; s++) out[k++] = s;
  return out;
}

function pick(values: Float32Array, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]];
  return out;
}

/**
 * The one action count of `tasks` (the linear action head's width), read from one sim per
 * family and team size; a ConfigError listing the counts when they differ.
 */
function fixedActionCount(tasks: readonly TrainingTask[]): number {
  const counts = new Map<string, number>();
  for (const { family, task } of tasks) {
    const key = `${family.name}/${task.params.agents}`;
    if (!counts.has(key)) counts.set(key, family.createSim(task).numActions);
  }
  return onlyValue(counts.values(), (values) => ({
    input: "config field actionHead",
    problem: "linear needs one action count across the training tasks",
    expected: "tasks with one fixed action list (the standard MARL scenarios)",
    actual: `action counts ${values}`,
    fix: 'set actionHead to "candidates" (any candidate sets) or train on one action list',
  }));
}

/**
 * The one team size of `tasks` (the joint-observation critic's input width depends on it); a
 * ConfigError listing the sizes when they differ.
 */
function fixedTeamSize(tasks: readonly TrainingTask[]): number {
  return onlyValue(
    tasks.map((t) => t.task.params.agents),
    (values) => ({
      input: "config field stateCritic",
      problem: "joint-observation needs one team size across the training tasks",
      expected: "tasks of a single team size (the standard MARL scenarios)",
      actual: `team sizes ${values}`,
      fix: 'set stateCritic to "team-embedding" (any team size) or train on one team size',
    }),
  );
}

/** The single distinct value of `values`, else a ConfigError built from the sorted distinct list. */
function onlyValue(
  values: Iterable<number>,
  error: (distinct: string) => ConstructorParameters<typeof ConfigError>[0],
): number {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length !== 1) throw new ConfigError(error(distinct.join(", ")));
  return distinct[0];
}
