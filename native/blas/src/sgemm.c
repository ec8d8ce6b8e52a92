/*
 * Troupe's OpenBLAS addon: one N-API function, sgemm, that checks every argument and then calls
 * cblas_sgemm (cblas_sgemv for a row or column vector) on row-major Float32Arrays. A bad argument
 * throws a JS TypeError or RangeError with code "TROUPE_BLAS_BAD_ARGUMENT" naming the argument;
 * nothing reaches OpenBLAS unchecked, because a wrong leading dimension there reads past the array
 * instead of failing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cblas.h>
#include <node_api.h>

/* Declared here as well as in OpenBLAS's cblas.h, so that a netlib-style cblas.h still compiles. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);

#define BAD_ARGUMENT "TROUPE_BLAS_BAD_ARGUMENT"
#define ARG_COUNT 13

static const char *const ARG_NAMES[ARG_COUNT] = {"transA", "transB", "m",     "n",    "k",
                                                 "alpha",  "a",      "lda",   "b",    "ldb",
                                                 "beta",   "c",      "ldc"};

/* Throws a TypeError (wrong kind of value) or RangeError (value out of range); returns false. */
static bool fail(napi_env env, bool type_error, const char *message) {
  if (type_error)
    napi_throw_type_error(env, BAD_ARGUMENT, message);
  else
    napi_throw_range_error(env, BAD_ARGUMENT, message);
  return false;
}

static bool get_bool(napi_env env, napi_value value, int index, bool *out) {
  char message[160];
  if (napi_get_value_bool(env, value, out) == napi_ok) return true;
  snprintf(message, sizeof message, "sgemm: %s must be a boolean (true = transposed)",
           ARG_NAMES[index]);
  return fail(env, true, message);
}

/* A non-negative integer that fits in an int, as cblas takes them. */
static bool get_size(napi_env env, napi_value value, int index, int min, int *out) {
  char message[200];
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    snprintf(message, sizeof message, "sgemm: %s must be a number", ARG_NAMES[index]);
    return fail(env, true, message);
  }
  if (!(number >= min && number <= INT32_MAX && number == (double)(int64_t)number)) {
    snprintf(message, sizeof message, "sgemm: %s must be an integer in [%d, %d], got %g",
             ARG_NAMES[index], min, INT32_MAX, number);
    return fail(env, false, message);
  }
  *out = (int)number;
  return true;
}

static bool get_scalar(napi_env env, napi_value value, int index, float *out) {
  char message[160];
  double number;
  if (napi_get_value_double(env, value, &number) == napi_ok) {
    *out = (float)number;
    return true;
  }
  snprintf(message, sizeof message, "sgemm: %s must be a number", ARG_NAMES[index]);
  return fail(env, true, message);
}

/* The array's data pointer (already past the view's byteOffset) and its length in floats. */
static bool get_floats(napi_env env, napi_value value, int index, float **data, size_t *length) {
  char message[160];
  bool is_typed_array = false;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_is_typedarray(env, value, &is_typed_array) == napi_ok && is_typed_array &&
      napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) == napi_ok &&
      type == napi_float32_array) {
    *data = (float *)raw;
    return true;
  }
  snprintf(message, sizeof message, "sgemm: %s must be a Float32Array", ARG_NAMES[index]);
  return fail(env, true, message);
}

/*
 * A rows×cols row-major matrix with row stride ld fits in `length` floats when ld >= cols and its
 * last element, (rows-1)·ld + cols - 1, is inside the array. Computed in 64 bits: no overflow.
 */
static bool check_matrix(napi_env env, const char *name, const char *ld_name, int rows, int cols,
                         int ld, size_t length) {
  char message[320];
  int64_t needed;
  if (ld < (cols > 1 ? cols : 1)) {
    snprintf(message, sizeof message,
             "sgemm: %s must be at least max(1, %d), the columns of %s as stored, got %d", ld_name,
             cols, name, ld);
    return fail(env, false, message);
  }
  needed = rows == 0 || cols == 0 ? 0 : (int64_t)(rows - 1) * ld + cols;
  if ((int64_t)length < needed) {
    snprintf(message, sizeof message,
             "sgemm: %s is too short for a %dx%d matrix with %s=%d; expected length >= %lld, got "
             "%zu",
             name, rows, cols, ld_name, ld, (long long)needed, length);
    return fail(env, false, message);
  }
  return true;
}

static bool overlaps(const float *x, size_t x_length, const float *y, size_t y_length) {
  return x_length > 0 && y_length > 0 && x < y + y_length && y < x + x_length;
}

/*
 * A product with one row (batch 1) or one column as cblas_sgemv: OpenBLAS's sgemm packs its
 * operands for large tiles, which costs more than the product when C is a vector (measured 1×128×128:
 * sgemm 2.9 µs; see bench/gemm.ts). With beta = 0, C is zeroed first so that NaN in it never
 * leaks through, whatever the OpenBLAS version's scal does with 0·NaN.
 */
static void vector_product(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb, float beta, float *c,
                           int ldc) {
  if (m == 1) {
    /* C's row = alpha·x·op(B) + beta·C with x = A's one row of op(A): y = alpha·op(B)ᵀ·x + beta·y. */
    int inc_x = trans_a ? lda : 1;
    if (beta == 0.0f)
      for (int j = 0; j < n; j++) c[j] = 0.0f;
    if (trans_b) /* B is stored n×k */
      cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, b, ldb, a, inc_x, beta, c, 1);
    else /* B is stored k×n */
      cblas_sgemv(CblasRowMajor, CblasTrans, k, n, alpha, b, ldb, a, inc_x, beta, c, 1);
  } else {
    /* n == 1: C's column (stride ldc) = alpha·op(A)·x + beta·C with x = op(B)'s one column. */
    int inc_x = trans_b ? 1 : ldb;
    if (beta == 0.0f)
      for (int i = 0; i < m; i++) c[(size_t)i * ldc] = 0.0f;
    if (trans_a) /* A is stored k×m */
      cblas_sgemv(CblasRowMajor, CblasTrans, k, m, alpha, a, lda, b, inc_x, beta, c, ldc);
    else /* A is stored m×k */
      cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, alpha, a, lda, b, inc_x, beta, c, ldc);
  }
}

/* sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc): C = alpha·op(A)·op(B) + beta·C. */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = ARG_COUNT;
  napi_value argv[ARG_COUNT];
  bool trans_a, trans_b;
  int m, n, k, lda, ldb, ldc;
  float alpha, beta, *a, *b, *c;
  size_t a_length, b_length, c_length;
  char message[160];

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != ARG_COUNT) {
    snprintf(message, sizeof message,
             "sgemm: expected 13 arguments (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, "
             "c, ldc), got %zu",
             argc);
    fail(env, true, message);
    return NULL;
  }
  if (!get_bool(env, argv[0], 0, &trans_a) || !get_bool(env, argv[1], 1, &trans_b) ||
      !get_size(env, argv[2], 2, 0, &m) || !get_size(env, argv[3], 3, 0, &n) ||
      !get_size(env, argv[4], 4, 0, &k) || !get_scalar(env, argv[5], 5, &alpha) ||
      !get_floats(env, argv[6], 6, &a, &a_length) || !get_size(env, argv[7], 7, 1, &lda) ||
      !get_floats(env, argv[8], 8, &b, &b_length) || !get_size(env, argv[9], 9, 1, &ldb) ||
      !get_scalar(env, argv[10], 10, &beta) || !get_floats(env, argv[11], 11, &c, &c_length) ||
      !get_size(env, argv[12], 12, 1, &ldc))
    return NULL;

  /* As stored: A is m×k (k×m when transposed), B is k×n (n×k when transposed), C is m×n. */
  if (!check_matrix(env, "a", "lda", trans_a ? k : m, trans_a ? m : k, lda, a_length) ||
      !check_matrix(env, "b", "ldb", trans_b ? n : k, trans_b ? k : n, ldb, b_length) ||
      !check_matrix(env, "c", "ldc", m, n, ldc, c_length))
    return NULL;
  if (m == 0 || n == 0) return NULL;
  if (overlaps(c, c_length, a, a_length) || overlaps(c, c_length, b, b_length)) {
    fail(env, false,
         "sgemm: c shares memory with a or b; BLAS needs the output apart from the inputs");
    return NULL;
  }

  /* k = 0 stays on sgemm: gemv returns early on an empty matrix without scaling C by beta. */
  if ((m == 1 || n == 1) && k > 0)
    vector_product(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
  return NULL;
}

/* { config, threads }: what OpenBLAS says about itself, for Troupe's one-line backend notice. */
static napi_value describe(napi_env env, napi_callback_info info) {
  napi_value result, config, threads;
  (void)info;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config);
  napi_create_int32(env, openblas_get_num_threads(), &threads);
  napi_set_named_property(env, result, "config", config);
  napi_set_named_property(env, result, "threads", threads);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  /* One OpenBLAS thread per process: Troupe parallelises across processes, and one thread keeps
     results bit-for-bit reproducible. */
  openblas_set_num_threads(1);
  napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, sgemm, NULL, &fn);
  napi_set_named_property(env, exports, "sgemm", fn);
  napi_create_function(env, "describe", NAPI_AUTO_LENGTH, describe, NULL, &fn);
  napi_set_named_property(env, exports, "describe", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
