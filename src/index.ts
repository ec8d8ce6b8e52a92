/**
 * Troupe's public API: everything a user imports from `"troupe"`. Grouped by concept; each
 * export is documented where it is defined. Conformance suites live in `"troupe/testing"`.
 */

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
export { Rng, type RngState } from "./core/prng.js";
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
export { blockedGemm } from "./model/gemm/blocked.js";
export { naiveGemm } from "./model/gemm/naive.js";
// Model: the numeric core.
export type { Gemm, GemmBackendName } from "./model/gemm.js";
// OpenAI-compatible HTTP client (embeddings and chat), shared by encoders and LLM agents.
export {
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type OpenAiClientOptions,
  OpenAiCompatibleClient,
} from "./openai/client.js";
