/**
 * The study's one typed config (zod, a `.describe()` on every field) and its three presets:
 * `tiny` (seconds; what the tests run), `quick` (the README's default: the whole protocol on a
 * reduced suite and budget) and `paper` (the 11,300-task study). A preset is data on top of the
 * schema's defaults; the resolved config is saved in config.json and hashed as the study identity.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";

const GridPoint = z
  .object({
    learningRate: z.number().positive().max(1).describe("Adam step size"),
    gamma: z.number().gt(0).max(1).describe("discount factor γ"),
    rolloutSteps: z
      .number()
      .int()
      .min(1)
      .describe("update frequency: joint steps per environment between updates"),
  })
  .strict();

/** One hyper-parameter configuration of the selection grid. */
export type GridPoint = z.infer<typeof GridPoint>;

/** The resolved study config. */
export const StudyConfigSchema = z
  .object({
    preset: z.string().describe("the preset this config came from"),
    methods: z
      .array(z.string())
      .min(2)
      .describe("methods compared (learner presets); the first is the proposed method"),
    baseline: z
      .string()
      .describe("the method the paper's relative differences are computed against"),
    baselines: z
      .array(z.string())
      .min(1)
      .describe(
        "the paper's baselines among the methods; the other methods after the first are ablations (tested in their own Holm family, never the convergence target)",
      ),
    suiteSeed: z.number().int().describe("seed of the generated task suite"),
    suiteSize: z.number().int().min(14).describe("tasks in the generated suite (11,300 in paper)"),
    trainTasks: z.number().int().min(1).describe("train-split tasks used (at most)"),
    validationTasks: z
      .number()
      .int()
      .min(1)
      .describe("validation-split tasks used for selection, probes and curves (at most)"),
    testTasksPerGroup: z
      .number()
      .int()
      .min(1)
      .describe("test tasks per family × {seen, unseen strata} (at most)"),
    budget: z.number().int().min(1).describe("per-run budget in joint environment steps"),
    selectionBudget: z
      .number()
      .int()
      .min(1)
      .describe("per-run budget of the selection runs in joint environment steps"),
    probeEvery: z
      .number()
      .int()
      .min(1)
      .describe("K: joint steps between probe snapshots and validation-curve points"),
    probeStates: z.number().int().min(1).describe("probe states (random and oracle rollouts)"),
    envs: z.number().int().min(1).describe("environments stepped in lock-step"),
    hidden: z.number().int().min(2).describe("policy hidden width"),
    epochs: z.number().int().min(1).describe("passes over each rollout"),
    minibatchTeams: z.number().int().min(1).describe("joint steps per mini-batch"),
    dimension: z.number().int().min(2).describe("hashing text-encoder width"),
    backend: z.enum(["auto", "naive", "blocked", "openblas"]).describe("GEMM backend"),
    seeds: z.array(z.number().int()).min(2).describe("the reported seeds (5 in the paper)"),
    tuningSeeds: z
      .array(z.number().int())
      .min(1)
      .describe("seeds of the selection runs (disjoint from the reported seeds)"),
    grid: z.array(GridPoint).min(1).describe("the configurations every method is tuned over"),
    methodGrids: z
      .record(z.string(), z.array(z.record(z.string(), z.number())))
      .describe(
        "method-specific fields per grid point (same length as grid: they count toward it)",
      ),
    greedyEvaluation: z.boolean().describe("evaluate with greedy (true) or sampled actions"),
    convergenceFraction: z
      .number()
      .gt(0)
      .max(1)
      .describe("X: convergence is reaching X × the best baseline's final validation score"),
    settleBand: z
      .number()
      .positive()
      .describe("secondary convergence: band (normalised score) around the final value"),
    smoothing: z.number().int().min(1).describe("points of the trailing moving average"),
    bootstrapResamples: z.number().int().min(10).describe("bootstrap resamples"),
    workers: z.number().int().min(0).describe("parallel worker processes (0: one per core)"),
  })
  .strict();

/** A resolved study config. */
export type StudyConfig = z.infer<typeof StudyConfigSchema>;

const base: Omit<StudyConfig, "preset"> = {
  methods: ["coordinated", "shared-td", "decentralized", "bc"],
  baseline: "decentralized",
  baselines: ["shared-td", "decentralized", "bc"],
  suiteSeed: 0,
  suiteSize: 80,
  trainTasks: 16,
  validationTasks: 4,
  testTasksPerGroup: 2,
  budget: 96,
  selectionBudget: 64,
  probeEvery: 32,
  probeStates: 6,
  envs: 4,
  hidden: 16,
  epochs: 2,
  minibatchTeams: 16,
  dimension: 32,
  backend: "auto",
  seeds: [0, 1, 2, 3, 4],
  tuningSeeds: [1000],
  grid: [
    { learningRate: 1e-3, gamma: 0.99, rolloutSteps: 8 },
    { learningRate: 3e-3, gamma: 0.95, rolloutSteps: 8 },
  ],
  methodGrids: { coordinated: [{ shapingWeight: 0.1 }, { shapingWeight: 0.1 }] },
  greedyEvaluation: true,
  convergenceFraction: 0.9,
  settleBand: 0.05,
  smoothing: 2,
  bootstrapResamples: 500,
  workers: 0,
};

/** The presets, by name. */
export const STUDY_PRESETS: ReadonlyMap<string, StudyConfig> = new Map<string, StudyConfig>([
  ["tiny", { ...base, preset: "tiny" }],
  [
    "quick",
    {
      ...base,
      preset: "quick",
      suiteSize: 400,
      trainTasks: 120,
      validationTasks: 12,
      testTasksPerGroup: 8,
      budget: 8192,
      selectionBudget: 4096,
      probeEvery: 1024,
      probeStates: 16,
      envs: 8,
      hidden: 32,
      minibatchTeams: 32,
      dimension: 64,
      tuningSeeds: [1000],
      grid: [
        { learningRate: 1e-3, gamma: 0.99, rolloutSteps: 8 },
        { learningRate: 3e-3, gamma: 0.99, rolloutSteps: 8 },
        { learningRate: 1e-3, gamma: 0.95, rolloutSteps: 16 },
      ],
      methodGrids: {
        coordinated: [{ shapingWeight: 0.1 }, { shapingWeight: 0.1 }, { shapingWeight: 0.3 }],
      },
      smoothing: 3,
      bootstrapResamples: 2000,
    },
  ],
  [
    "paper",
    {
      ...base,
      preset: "paper",
      methods: [
        "coordinated",
        "shared-td",
        "decentralized",
        "bc",
        "coordinated-no-redistribution",
        "coordinated-no-credit",
        "coordinated-no-shaping",
        "coordinated-paper-reweight",
        "coordinated-influence-bonus",
        "difference-rewards-privileged",
      ],
      suiteSize: 11_300,
      trainTasks: 7910,
      validationTasks: 64,
      testTasksPerGroup: 200,
      budget: 200_000,
      selectionBudget: 50_000,
      probeEvery: 5000,
      probeStates: 64,
      envs: 16,
      hidden: 64,
      epochs: 4,
      minibatchTeams: 64,
      dimension: 256,
      tuningSeeds: [1000, 1001],
      grid: [
        { learningRate: 3e-4, gamma: 0.99, rolloutSteps: 16 },
        { learningRate: 1e-3, gamma: 0.99, rolloutSteps: 16 },
        { learningRate: 1e-3, gamma: 0.95, rolloutSteps: 32 },
        { learningRate: 3e-3, gamma: 0.99, rolloutSteps: 32 },
      ],
      methodGrids: {
        coordinated: [
          { shapingWeight: 0.1 },
          { shapingWeight: 0.1 },
          { shapingWeight: 0.3 },
          { shapingWeight: 0.1 },
        ],
      },
      smoothing: 5,
      bootstrapResamples: 5000,
    },
  ],
]);

/**
 * The config of preset `name` with `overrides` on top, validated. Throws a ConfigError listing the
 * valid presets for an unknown one, and the valid keys for an unknown key.
 */
export function resolveStudyConfig(
  name: string,
  overrides: Record<string, unknown> = {},
): StudyConfig {
  const preset = STUDY_PRESETS.get(name);
  if (preset === undefined) {
    throw new ConfigError({
      input: `--preset ${name}`,
      problem: "is not a known preset",
      expected: [...STUDY_PRESETS.keys()].join(", "),
      actual: name,
      fix: "pick one of the listed presets (tiny: seconds, quick: minutes, paper: the full study)",
    });
  }
  const keys = Object.keys(StudyConfigSchema.shape);
  for (const key of Object.keys(overrides)) {
    if (!keys.includes(key)) {
      throw new ConfigError({
        input: `study config key "${key}"`,
        problem: "does not exist",
        expected: keys.join(", "),
        actual: key,
        fix: "use one of the listed keys",
      });
    }
  }
  const parsed = StudyConfigSchema.safeParse({ ...preset, ...overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError({
      input: `study config key ${issue.path.join(".")}`,
      problem: issue.message,
      fix: "set it within its range (see StudyConfigSchema)",
    });
  }
  const config = parsed.data;
  for (const [method, points] of Object.entries(config.methodGrids)) {
    if (points.length !== config.grid.length) {
      throw new ConfigError({
        input: `study config methodGrids.${method}`,
        problem: "has a different number of points than grid",
        expected: String(config.grid.length),
        actual: String(points.length),
        fix: "give every method the same number of configurations (method weights count toward it)",
      });
    }
  }
  const overlap = config.seeds.filter((s) => config.tuningSeeds.includes(s));
  if (overlap.length > 0) {
    throw new ConfigError({
      input: "study config tuningSeeds",
      problem: "overlaps the reported seeds",
      expected: "seeds disjoint from seeds",
      actual: overlap.join(", "),
      fix: "pick tuning seeds that are not reported seeds",
    });
  }
  return config;
}
