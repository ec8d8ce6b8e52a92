/**
 * The obvious GEMM: plain loops in i-k-j order. It is the reference the fast backends are tested
 * against and the baseline of `npm run bench -- nn`, not a backend to train with.
 */
import type { Gemm } from "../gemm.js";

/** Plain-loop single-precision GEMM (row-major); see {@link Gemm.sgemm}. */
export const naiveGemm: Gemm = {
  name: "naive",
  sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
    for (let i = 0; i < m; i++) {
      const rowC = i * ldc;
      if (beta === 0) for (let j = 0; j < n; j++) c[rowC + j] = 0;
      else if (beta !== 1) for (let j = 0; j < n; j++) c[rowC + j] *= beta;
      for (let p = 0; p < k; p++) {
        const aip = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
        if (transB) for (let j = 0; j < n; j++) c[rowC + j] += aip * b[j * ldb + p];
        else {
          const rowB = p * ldb;
          for (let j = 0; j < n; j++) c[rowC + j] += aip * b[rowB + j];
        }
      }
    }
  },
};
