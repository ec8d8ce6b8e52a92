/**
 * EPyMARL's IPPO and MAPPO defaults as learner configs (for the race on the standard MARL
 * environments, docs/benchmarks.md). They are overrides on the `decentralized` (IPPO: per-agent
 * critics V(oⁱ) in a network of their own, `observationCritic: "own-observation"`) and
 * `shared-td` (MAPPO: centralised V(s) over the joint observation, `stateCritic:
 * "joint-observation"`) presets, carried over one for one from the statement of
 * EPyMARL's defaults and its ppo_learner: lr 3e-4, hidden 128, 4 epochs on the whole batch, clip
 * 0.2, entropy 0.001, 5-step returns, reward standardisation, 10 parallel episodes per update,
 * γ 0.99, gradient-norm clip 10 (actor and critic apart), no advantage normalisation, advantages
 * against the critic being trained at every epoch, a ReLU critic with a target copy (τ = 0.01),
 * a ReLU first layer, a linear action layer (RNNAgent's fc2).
 * Every deviation from EPyMARL is listed in docs/benchmarks.md.
 */
import { ConfigError } from "../core/errors.js";
import { makeMarlEnv } from "../env/marl.js";
import { type LearnerConfig, resolveConfig } from "./config.js";
import { EPYMARL_TASK_OPTIONS, marlFeatureSize } from "./marl-tasks.js";

/** An EPyMARL algorithm as a learner preset plus overrides. */
export interface EpymarlAlgorithm {
  /** The learner method preset it runs on. */
  readonly method: "decentralized" | "shared-td";
  readonly summary: string;
  /** Config fields of this algorithm on top of {@link EPYMARL_DEFAULTS}. */
  readonly fields: Partial<LearnerConfig>;
}

/** EPyMARL's algorithms by name. */
export const EPYMARL_ALGORITHMS: ReadonlyMap<string, EpymarlAlgorithm> = new Map<
  string,
  EpymarlAlgorithm
>([
  [
    "ippo",
    {
      method: "decentralized",
      summary:
        "IPPO: per-agent critic V(oⁱ) over the agent's observation in its own network, shared parameters",
      // EPyMARL's ac_critic: a network apart from the agent's, over the observation and agent id
      // (ours tanh), trained by its own optimiser (here: its own gradient-clip group).
      fields: { observationCritic: "own-observation" },
    },
  ],
  [
    "mappo",
    {
      method: "shared-td",
      summary:
        "MAPPO: centralised critic V(s) over the joint observation (EPyMARL's cv_critic on the env state), shared parameters",
      // EPyMARL's cv_critic reads the environment's state: for MPE and LBF through gymma, the
      // agents' observations side by side, in its own network (hidden_dim; ours tanh, see
      // PolicyConfig.stateInput).
      fields: { stateCritic: "joint-observation" },
    },
  ],
]);

/** Parallel episodes per update (EPyMARL's batch_size_run = batch_size = 10). */
export const EPYMARL_PARALLEL_EPISODES = 10;

/** The EPyMARL defaults every algorithm shares, as learner config fields. */
export const EPYMARL_DEFAULTS: Partial<LearnerConfig> = {
  learningRate: 3e-4,
  hidden: 128,
  epochs: 4,
  clipRatio: 0.2,
  entropyCoef: 0.001,
  returns: "n-step",
  nSteps: 5,
  rewardStandardisation: true,
  gamma: 0.99,
  maxGradNorm: 10,
  advantageNorm: "none",
  reward: "team",
  // ppo_learner: advantages = n-step target − the critic being trained, every epoch; the target
  // bootstraps from a target critic soft-updated by τ = 0.01 after each update.
  advantageBaseline: "current",
  targetCriticTau: 0.01,
  // The critic's own loss is the plain squared TD error, stepped by its own optimiser: with the
  // critic in a network of its own and clipped apart, weight 1 gives it the same gradient.
  valueCoef: 1,
  // ac_critic / cv_critic: ReLU MLPs (stable here with the target critic: MAPPO Spread seed 1, which
  // diverged with a ReLU V and no target critic, scored −56.1).
  criticActivation: "relu",
  // RNNAgent's fc1 is ReLU (then its GRU, whose output is tanh-bounded as our fuse layer's is).
  observationActivation: "relu",
  // RNNAgent's fc2: one logit per action from a linear layer, PyTorch-initialised. With the
  // candidate-scoring head instead, about one LBF run in eleven stayed on a plateau (IPPO LBF
  // 10 seeds: 0.852 against 0.982 with this head; docs/benchmarks.md).
  actionHead: "linear",
};

/**
 * The learner config of EPyMARL algorithm `name` ("ippo" | "mappo") on scenario `id`: 10 parallel
 * environments, one update per horizon's worth of steps on the whole batch, numeric observations
 * with the agent-id one-hot. Throws a ConfigError listing the algorithms for an unknown name.
 */
export function epymarlConfig(
  name: string,
  id: string,
  overrides: Partial<LearnerConfig> = {},
): { readonly method: string; readonly config: LearnerConfig } {
  const algorithm = EPYMARL_ALGORITHMS.get(name);
  if (algorithm === undefined) {
    throw new ConfigError({
      input: `EPyMARL algorithm "${name}"`,
      problem: "is not known",
      expected: [...EPYMARL_ALGORITHMS.keys()].join(", "),
      actual: name,
      fix: "pick one of the listed algorithms",
    });
  }
  const horizon = makeMarlEnv(id).horizon;
  const envs = EPYMARL_PARALLEL_EPISODES;
  const config = resolveConfig(algorithm.method, {
    ...EPYMARL_DEFAULTS,
    ...algorithm.fields,
    envs,
    rolloutSteps: horizon,
    minibatchTeams: envs * horizon,
    numericWidth: marlFeatureSize(id, {}, EPYMARL_TASK_OPTIONS),
    ...overrides,
  });
  return { method: algorithm.method, config };
}
