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
