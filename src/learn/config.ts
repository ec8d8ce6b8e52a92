/**
 * The learner's one typed config (zod: a `.describe()` and default on every field) and the method
 * presets. Every method of the comparison is a configuration of the same learner: a preset is data
 * that sets a few fields on top of the shared defaults, so the resolved configs of two methods
 * differ only in the fields their presets name (a test checks it against the preset table).
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";

/** The learner's config; the same schema validates files and CLI flags and is saved with each run. */
export const LearnerConfigSchema = z
  .object({
    mode: z
      .enum(["actor-critic", "behaviour-cloning"])
      .default("actor-critic")
      .describe(
        "actor-critic (the RL methods) or behaviour cloning on the oracle's demonstrations",
      ),
    critic: z
      .enum(["state", "observation"])
      .default("state")
      .describe("baseline: centralised V(s) of the team, or each agent's own V(oⁱ) (IPPO)"),
    stateCritic: z
      .enum(["team-embedding", "joint-observation"])
      .default("team-embedding")
      .describe(
        "what V(s) reads: the mean of the agents' embeddings (any team size), or its own MLP over the team's concatenated numeric observations (EPyMARL's MAPPO state; fixed team size, numeric tasks only)",
      ),
    observationCritic: z
      .enum(["agent-embedding", "own-observation"])
      .default("agent-embedding")
      .describe(
        "what V(oⁱ) reads: the actor's embedding of the agent (actor and critic share the trunk), or its own MLP over the agent's numeric observation (EPyMARL's IPPO critic; numeric tasks only)",
      ),
    actionEmbeddings: z
      .enum(["trained", "frozen"])
      .default("trained")
      .describe(
        "the action candidates' embeddings e(a): trained, or frozen at initialisation (the head is then linear in its trained weights, as EPyMARL's output layer is)",
      ),
    actionHead: z
      .enum(["candidates", "linear"])
      .default("candidates")
      .describe(
        "the policy's action head: candidates scores each candidate against its text's embedding (candidate sets may vary), linear is one logit per action of a fixed list (EPyMARL's fc2; tasks of one action count)",
      ),
    actionHeadScale: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe(
        "factor on the action query layer's initial weights (1 = as built; 0.1 starts the policy near uniform, as EPyMARL's PyTorch-initialised output layer does)",
      ),
    agentMemory: z
      .enum(["none", "gru"])
      .default("none")
      .describe(
        "the agent's memory: none (the embedding of the current step only), or a GRU cell through the episode in the fuse layer's place (EPyMARL's RNNAgent; trained through time on the whole rollout: needs minibatchTeams = envs × rolloutSteps, actor-critic, no agentCredit or shaping)",
      ),
    observationActivation: z
      .enum(["tanh", "relu"])
      .default("tanh")
      .describe("activation of the policy's first layer: tanh, or relu (EPyMARL's agent fc1)"),
    criticActivation: z
      .enum(["tanh", "relu"])
      .default("tanh")
      .describe(
        "hidden activation of a critic with a network of its own (observationCritic own-observation, stateCritic joint-observation): tanh, or EPyMARL's relu",
      ),
    advantageBaseline: z
      .enum(["rollout", "current"])
      .default("rollout")
      .describe(
        "the value subtracted from the return in the advantage: the critic's at collection (once per update), or the critic being trained, at each gradient step (EPyMARL's ppo_learner recomputes advantages every epoch); current needs advantageNorm none and no agentCredit",
      ),
    targetCriticTau: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        "0: returns bootstrap from the critic at collection; τ > 0: from a target copy of the critic's own network, moved τ of the way to it after each update (EPyMARL: 0.01); needs a critic network of its own and advantageBaseline current",
      ),
    reward: z
      .enum(["team", "individual", "difference-privileged"])
      .default("team")
      .describe(
        "what each agent is trained on: the team reward, its own share, or difference rewards from simulator resets (privileged)",
      ),
    temporalRedistribution: z
      .boolean()
      .default(false)
      .describe(
        "redistribute delayed rewards to the steps that caused them (return decomposition)",
      ),
    redistributionMinEpisodes: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(8)
      .describe(
        "temporal redistribution: finished episodes ψ must have been fitted on before it pays rewards",
      ),
    redistributionMinFit: z
      .number()
      .min(-1)
      .max(1)
      .default(0.5)
      .describe(
        "temporal redistribution: held-out R² of ψ's episode-return predictions needed before it pays rewards (raw rewards until then)",
      ),
    agentCredit: z
      .boolean()
      .default(false)
      .describe("per-agent COMA counterfactual advantage under the centralised Q, per head"),
    shaping: z
      .enum(["none", "influence-potential", "paper-reweight", "influence-bonus"])
      .default("none")
      .describe(
        "communication-aware reward adjustment (potential-based by default in coordinated)",
      ),
    shapingWeight: z.number().min(0).max(10).default(0.1).describe("β of the reward adjustment"),
    envs: z.number().int().min(1).max(4096).default(8).describe("tasks stepped in lock-step"),
    rolloutSteps: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(16)
      .describe("joint steps per environment per iteration"),
    gamma: z.number().gt(0).max(1).default(0.99).describe("discount γ ∈ (0, 1]"),
    lambda: z.number().min(0).max(1).default(0.95).describe("GAE trace decay λ (0: one-step TD)"),
    returns: z
      .enum(["gae", "n-step"])
      .default("gae")
      .describe("advantage estimator: GAE(λ), or EPyMARL's n-step returns minus V (λ unused)"),
    nSteps: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe('steps of the n-step return (returns: "n-step"; EPyMARL\'s q_nstep)'),
    rewardStandardisation: z
      .boolean()
      .default(false)
      .describe(
        "divide the team reward by a running std after subtracting its running mean (EPyMARL's standardise_rewards)",
      ),
    learningRate: z.number().positive().max(1).default(1e-3).describe("Adam step size"),
    epochs: z.number().int().min(1).max(100).default(4).describe("passes over each rollout"),
    minibatchTeams: z
      .number()
      .int()
      .min(1)
      .default(32)
      .describe("joint steps per mini-batch (teams are never split); ≤ envs × rolloutSteps"),
    clipRatio: z
      .number()
      .min(0)
      .default(0.2)
      .describe("PPO ratio clip ε (0: plain advantage actor-critic, no clipping)"),
    valueCoef: z.number().min(0).default(0.5).describe("weight of the value loss"),
    entropyCoef: z
      .number()
      .min(0)
      .default(0.01)
      .describe("weight of the entropy bonus (both heads)"),
    maxGradNorm: z.number().positive().default(0.5).describe("global gradient-norm clip"),
    advantageNorm: z
      .enum(["per-agent", "batch", "none"])
      .default("per-agent")
      .describe(
        "advantage normalisation over each rollout: per agent position (Dr. MAS), one batch, or none",
      ),
    hidden: z.number().int().min(2).max(4096).default(64).describe("policy hidden width"),
    heads: z.number().int().min(1).max(64).default(2).describe("attention heads over the inbox"),
    numericWidth: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("numeric observation width appended to the text features (0: text only)"),
  })
  .strict();

/** A resolved learner config: every field set. */
export type LearnerConfig = z.infer<typeof LearnerConfigSchema>;

/** A method preset: the fields it sets on top of the defaults, and where it comes from. */
export interface MethodPreset {
  readonly summary: string;
  readonly fields: Partial<LearnerConfig>;
}

const coordinatedTerms = {
  temporalRedistribution: true,
  agentCredit: true,
  shaping: "influence-potential",
} as const satisfies Partial<LearnerConfig>;

/** The methods of the comparison, by name (docs/methods.md has the same table). */
export const METHOD_PRESETS: ReadonlyMap<string, MethodPreset> = new Map<string, MethodPreset>([
  [
    "coordinated",
    {
      summary: "the paper's method: centralised critic + redistribution + agent credit + shaping",
      fields: { critic: "state", ...coordinatedTerms },
    },
  ],
  [
    "shared-td",
    {
      summary: "centralised V(s), team reward for every agent, TD/GAE, none of the three terms",
      fields: { critic: "state" },
    },
  ],
  [
    "decentralized",
    {
      summary: "IPPO: per-agent critics V(oⁱ) on the team reward, no credit terms",
      fields: { critic: "observation", reward: "team" },
    },
  ],
  [
    "decentralized-individual",
    {
      summary: "IPPO on each agent's own reward",
      fields: { critic: "observation", reward: "individual" },
    },
  ],
  [
    "difference-rewards-privileged",
    {
      summary:
        "ablation (privileged): per-agent critics on difference rewards from simulator resets; counterfactual steps count in the budget",
      fields: { critic: "observation", reward: "difference-privileged" },
    },
  ],
  [
    "bc",
    {
      summary: "behaviour cloning on the oracle's demonstrations (actions and messages)",
      fields: { mode: "behaviour-cloning" },
    },
  ],
  [
    "coordinated-no-redistribution",
    {
      summary: "ablation: coordinated without temporal redistribution",
      fields: { critic: "state", ...coordinatedTerms, temporalRedistribution: false },
    },
  ],
  [
    "coordinated-no-credit",
    {
      summary: "ablation: coordinated without agent credit",
      fields: { critic: "state", ...coordinatedTerms, agentCredit: false },
    },
  ],
  [
    "coordinated-no-shaping",
    {
      summary: "ablation: coordinated without communication-aware shaping",
      fields: { critic: "state", ...coordinatedTerms, shaping: "none" },
    },
  ],
  [
    "coordinated-paper-reweight",
    {
      summary: "ablation: the paper-literal variant (team reward re-weighted by communication)",
      fields: { critic: "state", ...coordinatedTerms, shaping: "paper-reweight" },
    },
  ],
  [
    "coordinated-influence-bonus",
    {
      summary: "ablation: a raw influence bonus instead of potential-based shaping",
      fields: { critic: "state", ...coordinatedTerms, shaping: "influence-bonus" },
    },
  ],
]);

/**
 * The config of `method` with `overrides` on top (overrides win), validated. Throws a ConfigError
 * for an unknown method or a field out of range, naming the field and the fix.
 */
export function resolveConfig(
  method: string,
  overrides: Record<string, unknown> = {},
): LearnerConfig {
  const preset = METHOD_PRESETS.get(method);
  if (preset === undefined) {
    throw new ConfigError({
      input: `method "${method}"`,
      problem: "is not a known method",
      expected: [...METHOD_PRESETS.keys()].join(", "),
      actual: method,
      fix: "pick one of the listed methods (docs/methods.md describes each)",
    });
  }
  const parsed = LearnerConfigSchema.safeParse({ ...preset.fields, ...overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "(config)";
    throw new ConfigError({
      input: `config field ${field}`,
      problem: issue.message,
      expected: fieldDescription(field),
      actual: JSON.stringify(field in overrides ? overrides[field] : undefined),
      fix: `set ${field} within its range (see the learner config schema)`,
    });
  }
  const config = parsed.data;
  const rollout = config.envs * config.rolloutSteps;
  if (config.minibatchTeams > rollout) {
    throw new ConfigError({
      input: "config field minibatchTeams",
      problem: "is larger than the rollout",
      expected: `≤ envs × rolloutSteps = ${rollout}`,
      actual: String(config.minibatchTeams),
      fix: "lower minibatchTeams or collect more steps per iteration (envs, rolloutSteps)",
    });
  }
  if (config.hidden % config.heads !== 0) {
    throw new ConfigError({
      input: "config field heads",
      problem: "does not divide hidden",
      expected: `a divisor of ${config.hidden}`,
      actual: String(config.heads),
      fix: "choose heads that divides hidden",
    });
  }
  if (config.critic === "observation" && (config.agentCredit || config.shaping !== "none")) {
    throw new ConfigError({
      input: "config fields critic / agentCredit / shaping",
      problem: "the credit terms need the centralised critic",
      expected: 'critic "state" with agentCredit or shaping',
      actual: `critic "observation", agentCredit ${config.agentCredit}, shaping ${config.shaping}`,
      fix: 'set critic to "state" or turn the terms off',
    });
  }
  if (config.stateCritic === "joint-observation" && config.numericWidth === 0) {
    throw new ConfigError({
      input: "config field stateCritic",
      problem: "joint-observation needs numeric observations",
      expected: "numericWidth > 0 (the standard MARL scenarios)",
      actual: `stateCritic "joint-observation", numericWidth 0 (text only)`,
      fix: 'set stateCritic to "team-embedding" for text-only tasks',
    });
  }
  if (config.stateCritic === "joint-observation" && config.critic !== "state") {
    throw new ConfigError({
      input: "config fields critic / stateCritic",
      problem: "joint-observation is the input of the centralised critic, which is not trained",
      expected: 'critic "state" with stateCritic "joint-observation"',
      actual: `critic "${config.critic}"`,
      fix: 'set critic to "state" or stateCritic to "team-embedding"',
    });
  }
  if (config.observationCritic === "own-observation" && config.numericWidth === 0) {
    throw new ConfigError({
      input: "config field observationCritic",
      problem: "own-observation needs numeric observations",
      expected: "numericWidth > 0 (the standard MARL scenarios)",
      actual: `observationCritic "own-observation", numericWidth 0 (text only)`,
      fix: 'set observationCritic to "agent-embedding" for text-only tasks',
    });
  }
  if (config.observationCritic === "own-observation" && config.critic !== "observation") {
    throw new ConfigError({
      input: "config fields critic / observationCritic",
      problem: "own-observation is the input of the decentralised critic, which is not trained",
      expected: 'critic "observation" with observationCritic "own-observation"',
      actual: `critic "${config.critic}"`,
      fix: 'set critic to "observation" or observationCritic to "agent-embedding"',
    });
  }
  if (
    config.advantageBaseline === "current" &&
    (config.advantageNorm !== "none" || config.agentCredit)
  ) {
    throw new ConfigError({
      input: "config fields advantageBaseline / advantageNorm / agentCredit",
      problem: "the current-critic baseline is a plain return minus value",
      expected: 'advantageBaseline "current" with advantageNorm "none" and agentCredit false',
      actual: `advantageNorm "${config.advantageNorm}", agentCredit ${config.agentCredit}`,
      fix: 'set advantageBaseline to "rollout", or advantageNorm to "none" and agentCredit to false',
    });
  }
  if (
    config.agentMemory === "gru" &&
    (config.mode !== "actor-critic" ||
      config.minibatchTeams < rollout ||
      config.agentCredit ||
      config.shaping !== "none")
  ) {
    throw new ConfigError({
      input: "config field agentMemory",
      problem:
        "a recurrent agent is trained through time on whole rollouts, without the terms that replay its steps apart",
      expected: `mode "actor-critic", minibatchTeams = envs × rolloutSteps = ${rollout}, agentCredit false, shaping "none"`,
      actual: `mode "${config.mode}", minibatchTeams ${config.minibatchTeams}, agentCredit ${config.agentCredit}, shaping "${config.shaping}"`,
      fix: `set agentMemory to "none", or minibatchTeams to ${rollout} with an actor-critic method without agent credit or shaping (decentralized, shared-td)`,
    });
  }
  if (config.targetCriticTau > 0) {
    const own =
      config.critic === "observation"
        ? config.observationCritic === "own-observation"
        : config.stateCritic === "joint-observation";
    if (!own || config.advantageBaseline !== "current") {
      throw new ConfigError({
        input: "config field targetCriticTau",
        problem:
          "a target critic needs a critic network of its own and the current-critic baseline",
        expected:
          'critic "observation" with observationCritic "own-observation", or critic "state" with stateCritic "joint-observation"; advantageBaseline "current"',
        actual: `critic "${config.critic}", observationCritic "${config.observationCritic}", stateCritic "${config.stateCritic}", advantageBaseline "${config.advantageBaseline}"`,
        fix: "set targetCriticTau to 0, or give the critic its own network and the current baseline",
      });
    }
  }
  return config;
}

function fieldDescription(field: string): string {
  const shape = LearnerConfigSchema.shape as Record<string, z.ZodTypeAny>;
  return shape[field]?.description ?? "a field of the learner config";
}
