"use strict";
// Loads the built addon. OPENBLAS_NUM_THREADS is set before the library is loaded (OpenBLAS reads
// it when it starts) as well as openblas_set_num_threads(1) in the addon: one thread per process.
// TROUPE_BLAS_DISABLE=1 makes the addon unavailable, to run Troupe (and its tests) as on a
// machine without OpenBLAS.
if (process.env.TROUPE_BLAS_DISABLE === "1") {
  throw new Error("@troupe/blas: disabled by TROUPE_BLAS_DISABLE=1");
}
if (process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = "1";
module.exports = require("./build/Release/troupe_blas.node");
