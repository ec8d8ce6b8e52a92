/**
 * Troupe's public API: everything a user imports from `"troupe"`. Grouped by concept; each
 * export is documented where it is defined. Conformance suites live in `"troupe/testing"`.
 */

// Agents: the shared policy network over text (and numeric) observations, its ragged batches.
export {
  BatchBuilder,
  type PolicyBatch,
  segmentOwners,
  selectTeams,
  teamCount,
  teamMatesChoices,
} from "./agents/batch.js";
export { TeamMemory } from "./agents/memory.js";
export {
  type ForwardOptions,
  greedyCandidate,
  inboxWithout,
  type MemoryInput,
  type PolicyConfig,
  PolicyNetwork,
  type PolicyOutput,
  sampleCandidate,
} from "./agents/policy.js";
export { TextTable } from "./agents/text-table.js";
// Core: randomness, errors, files.
export {
  BackendError,
  CheckpointError,
  ConfigError,
  type ErrorCode,
  type ErrorDetails,
  InputError,
  IoError,
  NumericError,
  ShapeError,
  StateError,
  TroupeError,
} from "./core/errors.js";
export { atomicWriteFile, type FileSystem, nodeFileSystem, readFileOrThrow } from "./core/fs.js";
export { canonicalJson, contentHash, type JsonlRecord, parseJsonl, toJsonl } from "./core/json.js";
export { Rng, type RngState } from "./core/prng.js";
// Core, continued: the append-only record writer LLM agents log requests and replies through.
export { JsonlRecordWriter, MemoryRecordWriter, type RecordWriter } from "./core/record-writer.js";
// Encoders: texts to feature rows, the feature cache, the encoder config.
export { CachedEncoder, type CacheStats, type FeatureCacheOptions } from "./encode/cache.js";
export {
  type CreateEncoderOptions,
  createEncoder,
  ENCODER_KINDS,
  type EncoderConfig,
  EncoderConfigSchema,
  parseEncoderConfig,
} from "./encode/config.js";
export {
  checkEncoderMatches,
  describeEncoder,
  type EncoderRecord,
  type TextEncoder,
} from "./encode/encoder.js";
export { defaultCacheDir, type GloveEncoderOptions, loadGloveEncoder } from "./encode/glove.js";
export { HashingEncoder, type HashingEncoderOptions } from "./encode/hashing.js";
export { LabelEncoder, type LabelEncoderOptions } from "./encode/label.js";
export {
  connectOpenAiEncoder,
  OpenAiEmbeddingEncoder,
  type OpenAiEncoderOptions,
} from "./encode/openai-compatible.js";
export {
  loadTransformersEncoder,
  TRANSFORMERS_INSTALL,
  TransformersEncoder,
  type TransformersEncoderOptions,
} from "./encode/transformers.js";
export { type VectorTable, WordVectorEncoder } from "./encode/word-vectors.js";
// Environments: the parallel multi-agent API, task families, the suite, the vectorised runner.
export { allocationFamily } from "./env/allocation/index.js";
export type { AllocationTask, Demand } from "./env/allocation/task.js";
export {
  normalisedScores,
  ORACLE_MARGIN,
  type PolicyReturns,
  referenceReturns,
} from "./env/evaluate.js";
export { taskFamilies } from "./env/families.js";
// Standard MARL environments: MPE Simple Spread and Level-Based Foraging ports, by scenario id.
export {
  canonicalForagingId,
  FORAGING_ID_PATTERN,
  type ForagingConfig,
  ForagingSim,
  foodCapacity,
  foragingHeuristicPolicy,
  LBF_ACTIONS,
  parseForagingId,
} from "./env/lbf/index.js";
export {
  type EpisodeBuffers,
  episodeBuffers,
  MARL_SCENARIOS,
  type MarlOptions,
  type MarlSim,
  makeMarlEnv,
  marlHeuristicPolicy,
  playRandomEpisode,
  policyReturnStats,
  type ReturnStats,
  randomReturnStats,
} from "./env/marl.js";
export {
  MPE_MOVES,
  type MpeIntegration,
  ParticleWorld,
  type SpreadOptions,
  SpreadSim,
  type SpreadVariant,
  spreadHeuristicPolicy,
} from "./env/mpe/index.js";
// Environments, continued: the parallel API, planning, policies, the suite.
export {
  type AgentAction,
  type AgentObservation,
  ParallelEnv,
  type StepResult,
  type TextObservation,
} from "./env/parallel-env.js";
export { EXACT_LIMITS, exactPlanningReturn } from "./env/planning/exact.js";
export { planningFamily } from "./env/planning/index.js";
export type { PlanningTask, Subtask } from "./env/planning/task.js";
export { normalise, nothingPolicy, randomPolicy, runEpisode } from "./env/policies.js";
export { formatStats, type StratumStats, suiteStats } from "./env/stats.js";
export {
  DEFAULT_SUITE_SIZE,
  generateSuite,
  SPLITS,
  type Split,
  STRATA,
  type Stratum,
} from "./env/suite.js";
export {
  defaultSuiteDir,
  type LoadedSuite,
  loadDefaultSuite,
  readSuite,
  type SuiteManifest,
  validateTask,
  writeSuite,
} from "./env/suite-io.js";
export { episodeTranscript, type TranscriptOptions } from "./env/transcript.js";
export {
  type GeneratorParams,
  REFERENCE_POLICIES,
  type ReferencePolicyName,
  SILENT,
  type TaskFamily,
  type TaskHeader,
  type TaskSim,
  type TeamPolicy,
} from "./env/types.js";
export { VectorEnv, type VectorEnvOptions, type VectorPosition } from "./env/vector-env.js";
// Experiments: `troupe reproduce` as functions — presets, the study, runner, metrics, statistics.
export {
  type Aggregate,
  aggregate,
  PAPER_CLAIMS,
  type Protocol,
  RUN_METRICS,
  type RunMetric,
  type StudyResults,
} from "./experiment/aggregate.js";
export { barChart, lineChart } from "./experiment/charts.js";
export { buildFigures, type Figure, writeFigures } from "./experiment/figures.js";
export {
  firstReach,
  kaplanMeierMedian,
  meanTotalVariation,
  type Oscillation,
  type ProbeTrace,
  policyOscillation,
  settleStep,
  smooth,
} from "./experiment/metrics.js";
export {
  type GridPoint,
  resolveStudyConfig,
  STUDY_PRESETS,
  type StudyConfig,
  StudyConfigSchema,
} from "./experiment/presets.js";
export { Probe, probeSims } from "./experiment/probe.js";
export { type Report, renderReport } from "./experiment/report.js";
export { executeRun, type RunContext, type RunResult, type RunSpec } from "./experiment/run.js";
export { ProcessPoolRunner, type Runner } from "./experiment/runner.js";
export {
  holmAdjust,
  type Interval,
  iqm,
  iqrOutliers,
  type MeanStd,
  mannWhitneyTest,
  meanStd,
  pairedBootstrapCi,
  probabilityOfImprovement,
  quantile,
  relativeDifference,
  stratifiedBootstrapCi,
  type TestResult,
  welchTest,
} from "./experiment/stats.js";
export { runStudy, type StudyOptions, type StudyOutcome } from "./experiment/study.js";
export { buildStudyTasks, type StudyTasks } from "./experiment/study-tasks.js";
// Learners: the config and method presets, the rewards-adjusted and advantages phases.
export { type AdjustedRewards, adjustRewards } from "./learn/adjust.js";
export {
  type Advantages,
  counterfactualAdvantages,
  normaliseAdvantages,
  temporalAdvantages,
} from "./learn/advantages.js";
export {
  type LearnerConfig,
  LearnerConfigSchema,
  METHOD_PRESETS,
  type MethodPreset,
  resolveConfig,
} from "./learn/config.js";
// Credit assignment: GAE/TD, return redistribution, COMA agent credit, communication-aware
// shaping, per-agent normalisation, stability diagnostics (equations in docs/methods.md).
export {
  type AgentCreditInput,
  type AgentCreditOutput,
  agentCredit,
  approxKl,
  type CounterfactualInput,
  type CounterfactualOutput,
  clipFraction,
  completeEpisodes,
  computeGae,
  computeTdErrors,
  counterfactualAdvantage,
  differenceRewards,
  type EpisodeBatch,
  exactKl,
  explainedVariance,
  type GaeInput,
  type GaeOutput,
  type GroupStats,
  groupsOfColumns,
  type InfluenceInput,
  type InfluenceMeasure,
  influenceBonus,
  meanEntropy,
  messageInfluence,
  type NormalizeOptions,
  normalizeAdvantagesPerGroup,
  ReturnDecomposition,
  type ReturnDecompositionOptions,
  type ReweightInput,
  type RolloutEpisodes,
  redistributeReturns,
  reweightTeamReward,
  type ShapingInput,
  shapeRewards,
} from "./learn/credit/index.js";
// Learners, continued: the learner, rollouts, evaluation, metrics, learner state, tasks.
export { type EvaluationResult, evaluatePolicy } from "./learn/evaluate.js";
export { Learner, type LearnerHooks, type LearnerOptions } from "./learn/learner.js";
export { marlFeatureSize, marlTrainingTasks } from "./learn/marl-tasks.js";
export { MetricsRecorder, type MetricsRow, type MetricsSink } from "./learn/metrics.js";
export { type EpisodeRecord, type Rollout, RolloutCollector } from "./learn/rollout.js";
export { architectureOf, loadLearnerState, saveLearnerState } from "./learn/state.js";
export {
  generateTasks,
  loadSuiteTasks,
  ReferenceScores,
  type TrainingTask,
} from "./learn/tasks.js";
// LLM agents: chat clients, prompts and reply parsing, the LLM agent and team, record/replay,
// episodes, scored play on a fixed task sample, and RL-guided coordination (π_LLM^α · π_RL^(1−α)).
export { LlmAgent, type LlmAgentOptions, type LlmDecision } from "./llm/agent.js";
export {
  createChatClient,
  LLM_KINDS,
  type LlmConfig,
  LlmConfigSchema,
  parseLlmConfig,
} from "./llm/config.js";
export {
  actionConfidence,
  type CandidateDistributions,
  type CandidatePolicy,
  candidatePolicyTeam,
  combineLogProbs,
  GuidedTeam,
  type GuidedTeamOptions,
  networkPolicy,
  peaked,
  teamPolicyCandidates,
} from "./llm/coordinator.js";
export {
  type AgentMove,
  type EpisodeSummary,
  type PlayEpisodeOptions,
  playEpisode,
  type StepRecord,
} from "./llm/episode.js";
export {
  type GgufChatClientOptions,
  loadGgufChatClient,
  NODE_LLAMA_CPP_INSTALL,
} from "./llm/gguf.js";
export { nearestLegalAction, type ParsedDecision, parseDecision } from "./llm/parse.js";
export {
  formatComparison,
  formatPlayTable,
  type PlayedTask,
  type PlayTasksOptions,
  playTasks,
  sampleTasks,
  type TeamResults,
} from "./llm/play.js";
export {
  buildPrompt,
  DECISION_SCHEMA,
  type DecisionInput,
  familyBrief,
  retryMessage,
} from "./llm/prompt.js";
export {
  type ChatRecord,
  chatRequestKey,
  RecordingChatClient,
  type RecordingChatClientOptions,
  readChatRecords,
} from "./llm/response-cache.js";
export {
  type AgentDecision,
  LlmTeam,
  type LlmTeamOptions,
  referenceTeam,
  type TeamDecider,
  type TeamStep,
} from "./llm/team.js";
// Model: tape autodiff, ops, layers, Adam, checkpoints (design notes in src/model/graph.ts).
export { Adam, type AdamOptions, type AdamStepInfo, zeroGrads } from "./model/adam.js";
// Model: GEMM backends.
export {
  announceGemm,
  describeBackends,
  describeGemm,
  GEMM_BACKEND_CHOICES,
  type GemmBackendChoice,
  type GemmBackendInfo,
  resolveGemm,
} from "./model/backend.js";
export {
  CHECKPOINT_VERSION,
  type CheckpointContents,
  decodeCheckpoint,
  encodeCheckpoint,
  type LoadedCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "./model/checkpoint.js";
export { blockedGemm } from "./model/gemm/blocked.js";
export { naiveGemm } from "./model/gemm/naive.js";
// Model: the numeric core.
export type { Gemm, GemmBackendName } from "./model/gemm.js";
export {
  checkGradients,
  type GradCheckOptions,
  type GradCheckResult,
  randomParameter,
} from "./model/gradcheck.js";
export { Graph } from "./model/graph.js";
export { glorotUniform, normalInit } from "./model/init.js";
export { MultiHeadAttention } from "./model/layers/attention.js";
export { Embedding } from "./model/layers/embedding.js";
export { Gru } from "./model/layers/gru.js";
export { Linear, type LinearOptions } from "./model/layers/linear.js";
export { Mlp } from "./model/layers/mlp.js";
export type { Module } from "./model/layers/module.js";
export { LayerNorm } from "./model/layers/norm.js";
export { type Activation, activation, fastTanh } from "./model/ops/activations.js";
export { segmentAttention } from "./model/ops/attention.js";
export { add, dense, matmul, mean, mul, scale, sum } from "./model/ops/dense.js";
export { carriedLayout, gruSequence, type RecurrentLayout } from "./model/ops/gru.js";
export { crossEntropyLoss, mseLoss, policyGradientLoss } from "./model/ops/losses.js";
export { layerNorm } from "./model/ops/norm.js";
export {
  concatCols,
  gatherRows,
  rowDot,
  scatterAddRows,
  segmentMean,
  segmentSum,
  uniformOffsets,
} from "./model/ops/rows.js";
export { maskedLogSoftmax, segmentEntropy } from "./model/ops/softmax.js";
export { BufferPool } from "./model/pool.js";
export { Parameter, Tensor } from "./model/tensor.js";
// OpenAI-compatible HTTP client (embeddings and chat), shared by encoders and LLM agents.
export {
  type ChatClient,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type OpenAiClientOptions,
  OpenAiCompatibleClient,
  type TokenLogprob,
} from "./openai/client.js";
