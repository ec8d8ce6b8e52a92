"use strict";
// Loads the built addon. OPENBLAS_NUM_THREADS is set before the library is loaded (OpenBLAS reads
// it when it starts) as well as openblas_set_num_threads(1) in the addon: one thread per process.
if (process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = "1";
module.exports = require("./build/Release/troupe_blas.node");
