/**
 * The OpenBLAS backend: cblas_sgemm through the optional N-API addon `@troupe/blas`
 * (native/blas, built at install time only when cblas.h is present). Loading is attempted once per
 * process; when it fails, the reason is kept so that `describeBackends` can say it.
 *
 * Small products go to the blocked TypeScript kernel instead: below a few hundred multiply-adds
 * the fixed cost of an N-API call with 13 arguments (each converted and checked) is larger than
 * the product. The cut-off is by shape only, so a given product always takes the same path and
 * results stay bit-for-bit reproducible within this backend.
 */
import { createRequire } from "node:module";
import { BackendError } from "../../core/errors.js";
import type { Gemm } from "../gemm.js";
import { blockedSgemm } from "./blocked.js";
import { checkGemmArguments } from "./check.js";

/**
 * Products with fewer multiply-adds (m·n·k) than this run on the blocked TypeScript kernel.
 * Measured here (Node 20, OpenBLAS 0.3.21 Haswell, 1 thread): an addon call costs about 0.21 µs
 * whatever the size; blocked is faster up to 128 multiply-adds (4×4×8: 0.18 vs 0.22 µs), the two
 * tie at 256 (4×4×16, 1×16×16: about 0.23 µs each), and OpenBLAS wins from there on (8×8×8:
 * 0.23 vs 0.43 µs; 1×128×128, which the addon runs as sgemv: 0.85 vs 8.3 µs).
 * `npm run bench -- gemm` prints the same comparison.
 */
export const OPENBLAS_SMALL_PRODUCT = 256;

/** What the addon exports (native/blas/src/sgemm.c). */
interface BlasAddon {
  sgemm: Gemm["sgemm"];
  describe(): { config: string; threads: number };
}

/** The outcome of loading the addon: the backend, or why there is none. */
export type OpenBlasLoad =
  | {
      readonly ok: true;
      readonly gemm: Gemm;
      /** Every product through the addon, small ones included: for measuring the cut-off. */
      readonly unrouted: Gemm;
      readonly config: string;
      readonly threads: number;
    }
  | { readonly ok: false; readonly reason: string };

let loaded: OpenBlasLoad | undefined;

/** Loads `@troupe/blas` once per process and returns the backend or the reason it is missing. */
export function loadOpenBlas(): OpenBlasLoad {
  if (loaded === undefined) loaded = tryLoad();
  return loaded;
}

/** The OpenBLAS backend, or a {@link BackendError} saying why the addon is unavailable. */
export function openBlasGemm(): Gemm {
  const load = loadOpenBlas();
  if (load.ok) return load.gemm;
  throw new BackendError({
    input: 'gemm backend "openblas"',
    problem: "the OpenBLAS addon is not available",
    expected: "@troupe/blas built against libopenblas",
    actual: load.reason,
    fix: 'install OpenBLAS (apt-get install libopenblas-dev), run npm rebuild @troupe/blas, or use backend "blocked"',
  });
}

function tryLoad(): OpenBlasLoad {
  let addon: BlasAddon;
  try {
    addon = createRequire(import.meta.url)("@troupe/blas") as BlasAddon;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { ok: false, reason: `@troupe/blas did not load (${message})` };
  }
  const { config, threads } = addon.describe();
  const native = addon.sgemm;
  const unrouted: Gemm = {
    name: "openblas",
    sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      checkGemmArguments("openblas", transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
      native(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    },
  };
  const gemm: Gemm = {
    name: "openblas",
    sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      if (m * n * k < OPENBLAS_SMALL_PRODUCT) {
        blockedSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      } else {
        checkGemmArguments("openblas", transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        native(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      }
    },
  };
  return { ok: true, gemm, unrouted, config, threads };
}
