// Placeholder until the addon build lands: says why nothing is built and exits 0.
console.log("@troupe/blas: addon not built yet; Troupe uses its pure-TypeScript GEMM.");
