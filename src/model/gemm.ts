/**
 * The one GEMM interface every matrix product in Troupe goes through. Implementations:
 * `naive` (plain i-k-j loops, the obvious reference), `blocked` (register-blocked pure
 * TypeScript, works everywhere) and `openblas` (cblas_sgemm through the optional N-API addon in
 * native/blas). Bit-for-bit reproducibility is promised within one backend and thread count only.
 */

/** The backends a run can name in its config. */
export type GemmBackendName = "naive" | "blocked" | "openblas";

/**
 * Single-precision general matrix multiply on row-major arrays:
 * `C = alpha · op(A) · op(B) + beta · C`, with `op(X) = Xᵀ` when the flag is set.
 * `op(A)` is m×k, `op(B)` is k×n, C is m×n; `lda`, `ldb`, `ldc` are the row strides of the arrays
 * as stored. Arrays may be `subarray` views.
 */
export interface Gemm {
  readonly name: GemmBackendName;
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
}
