# Builds build/Release/troupe_blas.node against OpenBLAS. install.mjs finds the folder holding
# cblas.h and passes it in TROUPE_CBLAS_INCLUDE_DIR (empty when it is on the default search path).
{
  "targets": [
    {
      "target_name": "troupe_blas",
      "sources": ["src/sgemm.c"],
      "include_dirs": ["<!(node -p \"process.env.TROUPE_CBLAS_INCLUDE_DIR || '.'\")"],
      "libraries": ["-lopenblas"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O2", "-std=c11"] }
    }
  ]
}
