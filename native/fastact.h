/* fastact native backend: declarations and the math every kernel shares.
 *
 * C99/C11, libm only (sqrt). Everything below is `static inline` and
 * branch-free (selects, not jumps), so that a loop calling it vectorizes:
 * exp/expm1/log1p/log/tanh/erf/erfc are computed by range reduction and a
 * polynomial, with the power of two built by bit manipulation; special values
 * (nan, +-inf, +-0, subnormal results) are handled by selects at the end.
 *
 * Build requirements: no -ffast-math / -ffinite-math-only (the nan and inf
 * selects would be folded away), and -ffp-contract=off (the exact two-product
 * below must not be contracted into FMAs; it also keeps results identical on
 * every ISA). Coefficients come from native/tools/fit_coeffs.py.
 *
 * Measured accuracy of the primitives: max error in ULPs of the correctly
 * rounded result, over 3.3e4 points per function and type (the whole range on
 * a log scale, both signs, subnormals, [-30, 30], [-2, 2], [5, 27]), against
 * mpmath (native/tools/ulp_report.py, tests/test_native.py::
 * test_math_primitives_ulp enforces the bounds in brackets):
 *
 *   function         float         double        domain
 *   fa_expf/fa_exp   0.87 [1]      0.88 [1]      all (subnormal results rounded once)
 *   fa_expm1(f)      1.26 [1.5]    1.27 [1.5]    all
 *   fa_log1p(f)      0.75 [1]      0.73 [1]      x >= -1 (-1: -inf, below: nan)
 *   fa_log(f)        0.76 [1]      0.73 [1]      x >= 0
 *   fa_tanh(f)       2.11 [2.5]    1.96 [2.5]    all
 *   fa_erf           0.50 [2]      1.56 [2]      all (float: computed in double)
 *   fa_erfc          0.50 [3]      2.46 [3]      all (float: computed in double)
 */
#ifndef FASTACT_H
#define FASTACT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

/* ------------------------------------------------------------------ ABI
 * Elementwise:  void fastact_<fn>_<f32|f64>(size_t n,
 *                   const T *a, ptrdiff_t sa, [const T *b, ptrdiff_t sb, ...]
 *                   T *out, ptrdiff_t so);
 *   one (pointer, element stride) per operand of the scalar definition, in its
 *   order (x, params...; or g, x|y, params...); stride 0 broadcasts a scalar,
 *   strides may be negative. out may be the very same array as an operand.
 * Row-wise: contiguous (rows, n) arrays; see fastact_rowwise.c.
 * The declarations between the CDEF markers are read by build_native.py. */

/* CDEF BEGIN */
const char *fastact_build_info(void);
const char *fastact_isa(void);

void fastact_identity_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_identity_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_identity_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_identity_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_sigmoid_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_sigmoid_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_sigmoid_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_sigmoid_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_tanh_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_tanh_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_tanh_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_tanh_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_log_sigmoid_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_log_sigmoid_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_log_sigmoid_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_log_sigmoid_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_relu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_relu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_relu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_relu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_relu6_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_relu6_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_relu6_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_relu6_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_selu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_selu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_selu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_selu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_gelu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_gelu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_gelu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_gelu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_gelu_tanh_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_gelu_tanh_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_gelu_tanh_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_gelu_tanh_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_silu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_silu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_silu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_silu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_mish_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_mish_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_mish_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_mish_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_softsign_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_softsign_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_softsign_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_softsign_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_tanhshrink_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_tanhshrink_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_tanhshrink_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_tanhshrink_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_hardsigmoid_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_hardsigmoid_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_hardsigmoid_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_hardsigmoid_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_hardswish_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_hardswish_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_hardswish_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_hardswish_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_sparse_sigmoid_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_sparse_sigmoid_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_sparse_sigmoid_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_sparse_sigmoid_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_sparse_plus_fwd_f32(size_t n, const float *a, ptrdiff_t sa, float *out, ptrdiff_t so);
void fastact_sparse_plus_fwd_f64(size_t n, const double *a, ptrdiff_t sa, double *out, ptrdiff_t so);
void fastact_sparse_plus_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_sparse_plus_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_leaky_relu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_leaky_relu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_leaky_relu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_leaky_relu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_elu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_elu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_elu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_elu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_celu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_celu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_celu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_celu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_softplus_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_softplus_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_softplus_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, const float *d, ptrdiff_t sd, float *out, ptrdiff_t so);
void fastact_softplus_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, const double *d, ptrdiff_t sd, double *out, ptrdiff_t so);
void fastact_hardtanh_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_hardtanh_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_hardtanh_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, const float *d, ptrdiff_t sd, float *out, ptrdiff_t so);
void fastact_hardtanh_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, const double *d, ptrdiff_t sd, double *out, ptrdiff_t so);
void fastact_hardshrink_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_hardshrink_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_hardshrink_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_hardshrink_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_softshrink_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_softshrink_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_softshrink_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_softshrink_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_threshold_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_threshold_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_threshold_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, const float *d, ptrdiff_t sd, float *out, ptrdiff_t so);
void fastact_threshold_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, const double *d, ptrdiff_t sd, double *out, ptrdiff_t so);
void fastact_squareplus_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_squareplus_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_squareplus_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_squareplus_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_rrelu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_rrelu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_rrelu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_rrelu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_prelu_fwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, float *out, ptrdiff_t so);
void fastact_prelu_fwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, double *out, ptrdiff_t so);
void fastact_prelu_bwd_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_prelu_bwd_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);
void fastact_prelu_weight_grad_f32(size_t n, const float *a, ptrdiff_t sa, const float *b, ptrdiff_t sb, const float *c, ptrdiff_t sc, float *out, ptrdiff_t so);
void fastact_prelu_weight_grad_f64(size_t n, const double *a, ptrdiff_t sa, const double *b, ptrdiff_t sb, const double *c, ptrdiff_t sc, double *out, ptrdiff_t so);

void fastact_softmax_f32(size_t rows, size_t n, const float *x, float *out);
void fastact_softmax_f64(size_t rows, size_t n, const double *x, double *out);
void fastact_log_softmax_f32(size_t rows, size_t n, const float *x, float *out);
void fastact_log_softmax_f64(size_t rows, size_t n, const double *x, double *out);
void fastact_softmin_f32(size_t rows, size_t n, const float *x, float *out);
void fastact_softmin_f64(size_t rows, size_t n, const double *x, double *out);
void fastact_logsumexp_f32(size_t rows, size_t n, const float *x, float *out);
void fastact_logsumexp_f64(size_t rows, size_t n, const double *x, double *out);
void fastact_glu_f32(size_t rows, size_t n, const float *x, float *out);
void fastact_glu_f64(size_t rows, size_t n, const double *x, double *out);
void fastact_maxout_f32(size_t rows, size_t n, size_t pieces, const float *x, float *out);
void fastact_maxout_f64(size_t rows, size_t n, size_t pieces, const double *x, double *out);
void fastact_sparsemax_f32(size_t rows, size_t n, const float *x, float *out);
void fastact_sparsemax_f64(size_t rows, size_t n, const double *x, double *out);
void fastact_softmax_backward_f32(size_t rows, size_t n, const float *g, const float *y, float *out);
void fastact_softmax_backward_f64(size_t rows, size_t n, const double *g, const double *y, double *out);
void fastact_log_softmax_backward_f32(size_t rows, size_t n, const float *g, const float *y, float *out);
void fastact_log_softmax_backward_f64(size_t rows, size_t n, const double *g, const double *y, double *out);
void fastact_softmin_backward_f32(size_t rows, size_t n, const float *g, const float *y, float *out);
void fastact_softmin_backward_f64(size_t rows, size_t n, const double *g, const double *y, double *out);
void fastact_logsumexp_backward_f32(size_t rows, size_t n, const float *g, const float *x, float *out);
void fastact_logsumexp_backward_f64(size_t rows, size_t n, const double *g, const double *x, double *out);
void fastact_glu_backward_f32(size_t rows, size_t n, const float *g, const float *x, float *out);
void fastact_glu_backward_f64(size_t rows, size_t n, const double *g, const double *x, double *out);
void fastact_maxout_backward_f32(size_t rows, size_t n, size_t pieces, const float *g, const float *x, float *out);
void fastact_maxout_backward_f64(size_t rows, size_t n, size_t pieces, const double *g, const double *x, double *out);
void fastact_sparsemax_backward_f32(size_t rows, size_t n, const float *g, const float *y, float *out);
void fastact_sparsemax_backward_f64(size_t rows, size_t n, const double *g, const double *y, double *out);

void fastact_math_f32(int which, size_t n, const float *x, float *out);
void fastact_math_f64(int which, size_t n, const double *x, double *out);
/* CDEF END */

/* fastact_math_*: the primitives below over an array, for the accuracy tests.
 * which: 0 exp, 1 expm1, 2 log1p, 3 log, 4 tanh, 5 erf, 6 erfc. */

/* ------------------------------------------------------------------ helpers */

/* Runtime dispatch: on x86-64 Linux (GCC >= 6, clang >= 14: ifunc), every
 * exported kernel is compiled twice, for the baseline (SSE2) and for AVX2, and
 * the loader picks one by the CPU (target_clones). Both run the same IEEE
 * operations (no FMA contraction: -ffp-contract=off), so elementwise results are
 * identical; row-wise sums may differ in the last bit (reduction width).
 * Define FASTACT_NO_DISPATCH to build the baseline only. */
#if defined(__x86_64__) && defined(__linux__) && !defined(FASTACT_NO_DISPATCH) && \
    ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 6) || (defined(__clang__) && __clang_major__ >= 14))
#define FA_EXPORT __attribute__((target_clones("avx2", "default")))
#define FA_DISPATCH 1
#else
#define FA_EXPORT
#define FA_DISPATCH 0
#endif

/* every helper is inlined: a call left in a loop stops it from vectorizing */
#if defined(__GNUC__) || defined(__clang__)
#define FA_INLINE static inline __attribute__((always_inline))
#else
#define FA_INLINE static inline
#endif

#if defined(_OPENMP) || defined(FASTACT_OPENMP_SIMD)
#define FA_PRAGMA(x) _Pragma(#x)
#define FA_SIMD FA_PRAGMA(omp simd)
#define FA_SIMD_SUM(v) FA_PRAGMA(omp simd reduction(+:v))
#define FA_SIMD_SUM2(a, b) FA_PRAGMA(omp simd reduction(+:a, b))
#define FA_SIMD_MAX(v) FA_PRAGMA(omp simd reduction(max:v))
#else
#define FA_SIMD
#define FA_SIMD_SUM(v)
#define FA_SIMD_SUM2(a, b)
#define FA_SIMD_MAX(v)
#endif

FA_INLINE uint32_t fa_f2u(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
FA_INLINE float fa_u2f(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }
FA_INLINE uint64_t fa_d2u(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
FA_INLINE double fa_u2d(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }

/* clamp that lets nan through (both compares are false for nan) */
FA_INLINE float fa_clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
FA_INLINE double fa_clamp(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }
/* clamp that maps nan to lo (keeps garbage out of the integer paths) */
FA_INLINE float fa_clampnf(float x, float lo, float hi) { return x >= lo ? (x <= hi ? x : hi) : lo; }
FA_INLINE double fa_clampn(double x, double lo, double hi) { return x >= lo ? (x <= hi ? x : hi) : lo; }

/* 2^k for k in the normal range, by building the exponent field */
FA_INLINE float fa_pow2if(int32_t k) { return fa_u2f((uint32_t)(k + 127) << 23); }
FA_INLINE double fa_pow2i(int64_t k) { return fa_u2d((uint64_t)(k + 1023) << 52); }
/* 2^k for an integer-valued double k in the normal range (64-bit adds and shifts only) */
FA_INLINE double fa_pow2d(double k)
{
    return fa_u2d((fa_d2u(k + 0x1.8p52) - fa_d2u(0x1.8p52) + 1023u) << 52);
}

#define FA_LOG2E_F 0x1.715476p+0f
#define FA_LN2_HI_F 0x1.62e4p-1f          /* 9 trailing zero bits: k*hi exact */
#define FA_LN2_LO_F 0x1.7f7d1cp-20f
#define FA_LOG2E 0x1.71547652b82fep+0
#define FA_LN2_HI 0x1.62e42feep-1         /* 21 trailing zero bits */
#define FA_LN2_LO 0x1.a39ef35793c76p-33
#define FA_SHIFT_F 0x1.8p23f               /* x + SHIFT - SHIFT rounds x to an integer */
#define FA_SHIFT 0x1.8p52
#define FA_FLT_MAX 0x1.fffffep127f
#define FA_DBL_MAX 0x1.fffffffffffffp1023

/* expm1(r) for |r| <= ln2/2 (+0.01%): r + r^2/2 + r^3 Q(r); Q from
 * fit_coeffs.py, max relative error of the polynomial 1.1e-9 (float),
 * 2.5e-18 (double). */
#define FA_EXPM1_F0 0.1666666716337204f
#define FA_EXPM1_F1 0.041666556149721146f
#define FA_EXPM1_F2 0.00833332072943449f
#define FA_EXPM1_F3 0.0013926184037700295f
#define FA_EXPM1_F4 0.0001988269796129316f
#define FA_EXPM1_D0 0.16666666666666669
#define FA_EXPM1_D1 0.041666666666666664
#define FA_EXPM1_D2 0.008333333333330062
#define FA_EXPM1_D3 0.0013888888888886552
#define FA_EXPM1_D4 0.00019841269863053618
#define FA_EXPM1_D5 2.4801587317144498e-05
#define FA_EXPM1_D6 2.7557268459997064e-06
#define FA_EXPM1_D7 2.755728296954995e-07
#define FA_EXPM1_D8 2.510038549551032e-08
#define FA_EXPM1_D9 2.0911236630261545e-09

/* expm1(r) - r */
FA_INLINE float fa_expm1_tailf(float r)
{
    float q = FA_EXPM1_F0 + r * (FA_EXPM1_F1 + r * (FA_EXPM1_F2 + r * (FA_EXPM1_F3 + r * FA_EXPM1_F4)));
    float r2 = r * r;
    return r2 * 0.5f + r2 * r * q;
}

FA_INLINE double fa_expm1_tail(double r)
{
    double q = FA_EXPM1_D0 + r * (FA_EXPM1_D1 + r * (FA_EXPM1_D2 + r * (FA_EXPM1_D3 + r * (FA_EXPM1_D4
             + r * (FA_EXPM1_D5 + r * (FA_EXPM1_D6 + r * (FA_EXPM1_D7 + r * (FA_EXPM1_D8 + r * FA_EXPM1_D9))))))));
    double r2 = r * r;
    return r2 * 0.5 + r2 * r * q;
}

FA_INLINE float fa_expm1_polyf(float r) { return r + fa_expm1_tailf(r); }
FA_INLINE double fa_expm1_poly(double r) { return r + fa_expm1_tail(r); }

/* ------------------------------------------------------------------ exp
 * x = k ln2 + r (Cody-Waite), exp(x) = (1 + expm1(r)) 2^k1 2^k2 with
 * k1 + k2 = k, both in the normal range: the second product rounds a
 * subnormal result once, and overflows to inf exactly when the result does. */
typedef struct { float p, s1, s2; } fa_expf_parts;

/* exp(x) = p * s1 * s2 as for the double version below (fa_exp_hl_parts):
 * (p * f) * s1 * s2 rounds a subnormal f * exp(x) once */
FA_INLINE fa_expf_parts fa_expf_split(float x)
{
    /* from -112: f * exp(x) is still a float subnormal for |f| up to 1e3 */
    float xc = fa_clampnf(x, -112.0f, 89.0f);
    float t = xc * FA_LOG2E_F + FA_SHIFT_F;
    int32_t k = (int32_t)(fa_f2u(t) - fa_f2u(FA_SHIFT_F));
    float kf = t - FA_SHIFT_F;
    float r = (xc - kf * FA_LN2_HI_F) - kf * FA_LN2_LO_F;
    float p = 1.0f + fa_expm1_polyf(r);
    int32_t k1 = k / 2;
    p = x == xc ? p : (x < 0.0f ? 0.0f : INFINITY);   /* out of range: 0 or inf */
    fa_expf_parts e = {x == x ? p : x, fa_pow2if(k1), fa_pow2if(k - k1)};
    return e;
}

FA_INLINE float fa_expf(float x)
{
    fa_expf_parts e = fa_expf_split(x);
    return e.p * e.s1 * e.s2;
}

/* exp(hi + lo) = p * s1 * s2 with p in [0.7, 1.42] and s1, s2 powers of two
 * in the normal range (|lo| < 2 say). k is taken from hi + lo, and lo is
 * added after the exact step hi - k ln2hi, so that exp(-z*z + F) can be
 * computed from an exact z*z = hi + lo' (the rounding of z*z would cost z*z
 * ulps). Out of range, p is 0 (below) or inf (above); nan gives p = nan.
 * f * exp(hi + lo) computed as (p * f) * s1 * s2 rounds a subnormal result
 * once: f * (a subnormal exp) would round twice and multiply the first error
 * by f (x e^x at x = -745 would be off by 370 ulps). */
typedef struct { double p, s1, s2; } fa_exp_parts;

/* exp(hi + mid + lo): hi exact (any size), mid of order 1, lo small; the
 * reduced argument is ((hi - k ln2hi) + mid) + (lo - k ln2lo), the first
 * difference exact, the second sum nearly so (it cancels to |r| <= ln2/2) */
FA_INLINE fa_exp_parts fa_exp_hml_parts(double hi, double mid, double lo)
{
    double s = hi + (mid + lo);
    double sc = fa_clampn(s, -746.0, 710.0);
    int inrange = s == sc;
    double h = inrange ? hi : sc, m = inrange ? mid : 0.0, l = inrange ? lo : 0.0;
    double t = sc * FA_LOG2E + FA_SHIFT;
    int64_t k = (int64_t)(fa_d2u(t) - fa_d2u(FA_SHIFT));
    double kd = t - FA_SHIFT;
    double r = ((h - kd * FA_LN2_HI) + m) + (l - kd * FA_LN2_LO);
    double p = 1.0 + fa_expm1_poly(r);
    /* k1 = round(k/2) via the shift trick again: no 64-bit arithmetic shift */
    double t1 = kd * 0.5 + FA_SHIFT;
    int64_t k1 = (int64_t)(fa_d2u(t1) - fa_d2u(FA_SHIFT));
    p = inrange ? p : (s < 0.0 ? 0.0 : INFINITY);
    fa_exp_parts e = {s == s ? p : s, fa_pow2i(k1), fa_pow2i(k - k1)};
    return e;
}

FA_INLINE fa_exp_parts fa_exp_hl_parts(double hi, double lo) { return fa_exp_hml_parts(hi, 0.0, lo); }

FA_INLINE double fa_exp_hl(double hi, double lo)
{
    fa_exp_parts e = fa_exp_hl_parts(hi, lo);
    return e.p * e.s1 * e.s2;
}

/* f * exp(hi + lo), a subnormal result rounded once */
FA_INLINE double fa_exp_hl_mul(double hi, double lo, double f)
{
    fa_exp_parts e = fa_exp_hl_parts(hi, lo);
    return (e.p * f) * e.s1 * e.s2;
}

FA_INLINE double fa_exp(double x) { return fa_exp_hl(x, 0.0); }

/* ------------------------------------------------------------------ expm1
 * k <= 24 (53 in double): (2^k - 1) + 2^k expm1(r), with 2^k - 1 + 2^k r
 * summed exactly: no cancellation for k = 0 and one rounding in all; k above:
 * (1 + expm1(r)) 2^k - 1. |x| tiny (and nan): x itself, keeping -0. */
FA_INLINE float fa_expm1f(float x)
{
    float xc = fa_clampnf(x, -25.0f, 89.0f);
    float t = xc * FA_LOG2E_F + FA_SHIFT_F;
    int32_t k = (int32_t)(fa_f2u(t) - fa_f2u(FA_SHIFT_F));
    float kf = t - FA_SHIFT_F;
    float r = (xc - kf * FA_LN2_HI_F) - kf * FA_LN2_LO_F;
    float c = fa_expm1_tailf(r), q = r + c;
    int32_t ks = k < 24 ? k : 24;
    float two = fa_pow2if(ks);
    /* (2^k - 1) + 2^k r summed exactly (two-sum), then + 2^k c: one rounding */
    float a = two - 1.0f, b = two * r, sh = a + b, bb = sh - a;
    float sl = (a - (sh - bb)) + (b - bb);
    float small = sh + (sl + two * c);
    int32_t k1 = k / 2;
    float big = (1.0f + q) * fa_pow2if(k1) * fa_pow2if(k - k1) - 1.0f;
    float res = k > 24 ? big : small;
    return fabsf(x) >= 0x1p-26f ? res : x;
}

FA_INLINE double fa_expm1(double x)
{
    /* k stays a double here: 64-bit integer compares do not vectorize before SSE4.2 */
    double xc = fa_clampn(x, -40.0, 710.0);
    double t = xc * FA_LOG2E + FA_SHIFT;
    double kd = t - FA_SHIFT;
    double r = (xc - kd * FA_LN2_HI) - kd * FA_LN2_LO;
    double c = fa_expm1_tail(r), q = r + c;
    double two = fa_pow2d(kd < 53.0 ? kd : 53.0);
    /* (2^k - 1) + 2^k r summed exactly (two-sum), then + 2^k c: one rounding */
    double a = two - 1.0, b = two * r, sh = a + b, bb = sh - a;
    double sl = (a - (sh - bb)) + (b - bb);
    double small = sh + (sl + two * c);
    double k1 = (kd * 0.5 + FA_SHIFT) - FA_SHIFT;
    double big = (1.0 + q) * fa_pow2d(k1) * fa_pow2d(kd - k1) - 1.0;
    double res = kd > 53.0 ? big : small;
    return fabs(x) >= 0x1p-55 ? res : x;
}

/* ------------------------------------------------------------------ log1p, log
 * u = 1 + x = 2^k m, m in [sqrt2/2, sqrt2), f = m - 1, s = f/(2+f):
 * log(1+f) = f - (f^2/2 - s (f^2/2 + R(s^2))) with R(z) = z P(z) (the
 * fdlibm/musl scheme), plus c = the rounding error of 1 + x divided by u.
 * P from fit_coeffs.py: relative error of the s R term 2.8e-9 (float), 5e-18
 * (double). */
#define FA_LOG_F0 0.6666668653488159f
#define FA_LOG_F1 0.3998877704143524f
#define FA_LOG_F2 0.2958005368709564f
#define FA_LOG_D0 0.666666666666667
#define FA_LOG_D1 0.39999999999899444
#define FA_LOG_D2 0.2857142862600327
#define FA_LOG_D3 0.22222211130259878
#define FA_LOG_D4 0.18182889455674947
#define FA_LOG_D5 0.15331710618210773
#define FA_LOG_D6 0.14616585424888623

/* log(u) + c for u > 0 finite, normal */
FA_INLINE float fa_log_coref(float u, float c, float kadj)
{
    uint32_t iu = fa_f2u(u) + (0x3f800000u - 0x3f3504f3u);
    float kf = (float)((int32_t)(iu >> 23) - 127) + kadj;
    float m = fa_u2f((iu & 0x007fffffu) + 0x3f3504f3u);
    float f = m - 1.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    float R = z * (FA_LOG_F0 + z * (FA_LOG_F1 + z * FA_LOG_F2));
    float hfsq = 0.5f * f * f;
    return s * (hfsq + R) + (kf * FA_LN2_LO_F + c) - hfsq + f + kf * FA_LN2_HI_F;
}

FA_INLINE double fa_log_core(double u, double c, double kadj)
{
    uint64_t iu = fa_d2u(u) + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
    /* k as a double without a 64-bit int -> double conversion (not in SSE2/AVX2) */
    double kd = fa_u2d((iu >> 52) | 0x4330000000000000ull) - (0x1p52 + 1023.0) + kadj;
    double m = fa_u2d((iu & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull);
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double R = z * (FA_LOG_D0 + z * (FA_LOG_D1 + z * (FA_LOG_D2 + z * (FA_LOG_D3 + z * (FA_LOG_D4
             + z * (FA_LOG_D5 + z * FA_LOG_D6))))));
    double hfsq = 0.5 * f * f;
    return s * (hfsq + R) + (kd * FA_LN2_LO + c) - hfsq + f + kd * FA_LN2_HI;
}

FA_INLINE float fa_log1pf(float x)
{
    float u = 1.0f + x;
    float uc = fa_clampnf(u, 0x1p-126f, FA_FLT_MAX);
    /* c = (1 + x) - u exactly (the two forms are exact on their ranges) / u */
    float c = (u >= 4.0f ? 1.0f - (u - x) : x - (u - 1.0f)) / uc;
    c = u < 0x1p25f ? c : 0.0f;
    float res = fa_log_coref(uc, c, 0.0f);
    res = u == 0.0f ? -INFINITY : res;
    res = x == INFINITY ? x : res;
    res = u < 0.0f ? NAN : res;
    return fabsf(x) >= 0x1p-25f ? res : x;   /* tiny, and nan */
}

FA_INLINE double fa_log1p(double x)
{
    double u = 1.0 + x;
    double uc = fa_clampn(u, 0x1p-1022, FA_DBL_MAX);
    double c = (u >= 4.0 ? 1.0 - (u - x) : x - (u - 1.0)) / uc;
    c = u < 0x1p54 ? c : 0.0;
    double res = fa_log_core(uc, c, 0.0);
    res = u == 0.0 ? -INFINITY : res;
    res = x == INFINITY ? x : res;
    res = u < 0.0 ? NAN : res;
    return fabs(x) >= 0x1p-54 ? res : x;
}

FA_INLINE float fa_logf(float x)
{
    /* subnormal x: scale by 2^24 first */
    int sub = x < 0x1p-126f;
    float xs = sub ? x * 0x1p24f : x;
    float xc = fa_clampnf(xs, 0x1p-126f, FA_FLT_MAX);
    float res = fa_log_coref(xc, 0.0f, sub ? -24.0f : 0.0f);
    res = x == 0.0f ? -INFINITY : res;
    res = x == INFINITY ? x : res;
    res = x < 0.0f ? NAN : res;
    return x == x ? res : x;
}

FA_INLINE double fa_log(double x)
{
    int sub = x < 0x1p-1022;
    double xs = sub ? x * 0x1p54 : x;
    double xc = fa_clampn(xs, 0x1p-1022, FA_DBL_MAX);
    double res = fa_log_core(xc, 0.0, sub ? -54.0 : 0.0);
    res = x == 0.0 ? -INFINITY : res;
    res = x == INFINITY ? x : res;
    res = x < 0.0 ? NAN : res;
    return x == x ? res : x;
}

/* ------------------------------------------------------------------ tanh
 * With e = expm1(a): tanh|x| = -e/(2 + e) for a = -2|x| (|x| < 0.55), and
 * e/(e + 2) for a = 2|x| above. No cancellation anywhere (e is accurate near
 * 0), and for large |x| the error of e is damped by 2/(e + 2). One expm1
 * either way; |x| clamped where tanh rounds to 1; sign restored last. */
FA_INLINE float fa_tanhf(float x)
{
    float ax = fa_clampf(fabsf(x), 0.0f, 9.5f);
    int small = ax < 0.55f;
    float e = fa_expm1f(small ? -2.0f * ax : 2.0f * ax);
    return copysignf((small ? -e : e) / (e + 2.0f), x);
}

FA_INLINE double fa_tanh(double x)
{
    double ax = fa_clamp(fabs(x), 0.0, 20.0);
    int small = ax < 0.55;
    double e = fa_expm1(small ? -2.0 * ax : 2.0 * ax);
    return copysign((small ? -e : e) / (e + 2.0), x);
}

/* ------------------------------------------------------------------ exact products */

/* a * b = hi + *lo exactly (Dekker/Veltkamp, no FMA needed); |a|, |b| < 2^995 */
FA_INLINE double fa_two_prod(double a, double b, double *lo)
{
    const double C = 134217729.0; /* 2^27 + 1 */
    double hi = a * b;
    double ta = C * a, ah = ta - (ta - a), al = a - ah;
    double tb = C * b, bh = tb - (tb - b), bl = b - bh;
    *lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
    return hi;
}

/* a + b = s + *err exactly */
FA_INLINE double fa_two_sum(double a, double b, double *err)
{
    double s = a + b, bb = s - a;
    *err = (a - (s - bb)) + (b - bb);
    return s;
}

/* exp(-x*x/2) with x*x exact: relative error ~1 ulp for every x (the plain
 * exp(-0.5*x*x) is off by x*x/2 ulps at large |x|). |x| <= 40 expected. */
FA_INLINE double fa_exp_neg_half_sq(double x)
{
    double lo, hi = fa_two_prod(x, x, &lo);
    return fa_exp_hl(-0.5 * hi, -0.5 * lo);
}

/* ------------------------------------------------------------------ erf, erfc
 * z >= 0.5: erfc(z) = t exp(-z^2 + F(t)), t = 2/(2+z), F a Chebyshev series
 * in (t - TM)/TH (24 terms, truncation < 3e-18, fit_coeffs.py), z^2 exact
 * (see fa_erfc_tail for how the roundings are kept out of the result).
 * z < 0.5: erf(z) = z P(z^2), Taylor (14 terms, exact to 1e-19). */
#define FA_ERFC_TM 0.43333333333333335
#define FA_ERFC_TH 0.36666666666666664
static const double FA_ERFC_CHEB[24] = {
    -0.7445685403475648, 0.4711558195248163, 0.015495382893981892, -0.003579244098470575,
    -0.0004521494240830289, 6.968842001902783e-05, 1.3964133975433673e-05, -2.1390565912224094e-06,
    -4.5736325816882455e-07, 8.644833085848007e-08, 1.4486605139639295e-08, -3.945101755082638e-09,
    -3.7196732043866806e-10, 1.8060691564729142e-10, 2.6269814761654234e-12, -7.54550555434024e-12,
    5.410303804699998e-13, 2.546651550572161e-13, -4.802823121031041e-14, -4.762302141574072e-15,
    2.4760941301824024e-15, -1.4459341226118713e-16, -7.462401993502809e-17, 1.7688386275892657e-17,
};

FA_INLINE double fa_erf_small(double z)  /* |z| <= 0.5 */
{
    double w = z * z;
    double p = -6.7113668551641105e-12;
    p = p * w + 9.422759064650411e-11;
    p = p * w + -1.2290555301717928e-09;
    p = p * w + 1.4807192815879218e-08;
    p = p * w + -1.6365844691234924e-07;
    p = p * w + 1.6462114365889248e-06;
    p = p * w + -1.492565035840625e-05;
    p = p * w + 0.00012055332981789664;
    p = p * w + -0.0008548327023450853;
    p = p * w + 0.005223977625442188;
    p = p * w + -0.026866170645131252;
    p = p * w + 0.11283791670955126;
    p = p * w + -0.37612638903183754;
    return z * 1.1283791670955126 + z * (w * p);
}

/* erfc(z) = q exp(-z^2 + F(t)) for z >= 0.5 (z <= 28: erfc is 0 in double
 * beyond 27.3), given z^2 = zz_hi + zz_lo exactly; returned as the parts of
 * the exponential and the prefactor q = 2/(2+z) rounded. Every rounding that
 * would cost more than a fraction of an ulp is carried into the exponent:
 * F = c0 + c1 u (double-double) + R(u) (Clenshaw over c2.., |R| < 0.02), and
 * the relative error delta of q (t = q (1 + delta)) as delta (1 + t F'(t)). */
FA_INLINE fa_exp_parts fa_erfc_tail(double z, double zz_hi, double zz_lo, double *pref)
{
    double d_err, d = fa_two_sum(2.0, z, &d_err);      /* 2 + z = d + d_err */
    double q = 2.0 / d;
    double ql, qh = fa_two_prod(q, d, &ql);
    double rho = (2.0 - qh) - ql;                       /* 2 - q d, exactly */
    double delta = (rho / q - d_err) / d;
    double u = (q - FA_ERFC_TM) * (1.0 / FA_ERFC_TH);
    double u2 = 2.0 * u, b1 = 0.0, b2 = 0.0, b0;
    /* Clenshaw over c23..c2, written out: a 22-trip loop would not be
     * unrolled, and the element loop around it would not vectorize */
#define FA_CLENSHAW(j) b0 = u2 * b1 - b2 + FA_ERFC_CHEB[j]; b2 = b1; b1 = b0;
    FA_CLENSHAW(23) FA_CLENSHAW(22) FA_CLENSHAW(21) FA_CLENSHAW(20) FA_CLENSHAW(19) FA_CLENSHAW(18)
    FA_CLENSHAW(17) FA_CLENSHAW(16) FA_CLENSHAW(15) FA_CLENSHAW(14) FA_CLENSHAW(13) FA_CLENSHAW(12)
    FA_CLENSHAW(11) FA_CLENSHAW(10) FA_CLENSHAW(9) FA_CLENSHAW(8) FA_CLENSHAW(7) FA_CLENSHAW(6)
    FA_CLENSHAW(5) FA_CLENSHAW(4) FA_CLENSHAW(3) FA_CLENSHAW(2)
#undef FA_CLENSHAW
    b0 = u2 * b1 - b2;                                  /* j = 1, c1 taken out */
    double R = u * b0 - b1;                             /* j = 0, c0 taken out */
    double pl, ph = fa_two_prod(FA_ERFC_CHEB[1], u, &pl);
    double se, sh = fa_two_sum(FA_ERFC_CHEB[0], ph, &se);
    double dF = (FA_ERFC_CHEB[1] + 4.0 * FA_ERFC_CHEB[2] * u) * (1.0 / FA_ERFC_TH);  /* F'(t), ~5% */
    double lo = (((se + pl) + R) + delta * (1.0 + q * dF)) - zz_lo;
    *pref = q;
    return fa_exp_hml_parts(-zz_hi, sh, lo);
}

/* erfc(z) for z >= 0.5, given z^2 = zz_hi + zz_lo exactly */
FA_INLINE double fa_erfc_big(double z, double zz_hi, double zz_lo)
{
    double q;
    fa_exp_parts e = fa_erfc_tail(z, zz_hi, zz_lo, &q);
    return (e.p * q) * e.s1 * e.s2;
}

FA_INLINE double fa_erfc(double x)
{
    double z = fa_clampn(fabs(x), 0.0, 28.0);
    double lo, hi = fa_two_prod(z, z, &lo);
    double e = fa_erfc_big(z > 0.5 ? z : 0.5, hi, lo);
    double big = x > 0.0 ? e : 2.0 - e;
    double small = 1.0 - fa_erf_small(x < -0.5 ? -0.5 : (x > 0.5 ? 0.5 : x));
    double res = fabs(x) >= 0.5 ? big : small;
    return x == x ? res : x;
}

FA_INLINE double fa_erf(double x)
{
    double z = fa_clampn(fabs(x), 0.0, 28.0);
    double lo, hi = fa_two_prod(z, z, &lo);
    double e = fa_erfc_big(z > 0.5 ? z : 0.5, hi, lo);
    double big = copysign(1.0 - e, x);
    double small = fa_erf_small(x < -0.5 ? -0.5 : (x > 0.5 ? 0.5 : x));
    double res = fabs(x) >= 0.5 ? big : small;
    return x == x ? res : x;
}

FA_INLINE float fa_erff(float x) { return (float)fa_erf((double)x); }
FA_INLINE float fa_erfcf(float x) { return (float)fa_erfc((double)x); }

/* Phi(x) = erfc(-x/sqrt2)/2, the standard normal CDF, with z^2 = x^2/2 taken
 * from the exact x*x (not from the rounded x/sqrt2: that would cost x^2 ulps). */
#define FA_INV_SQRT2 0x1.6a09e667f3bcdp-1
#define FA_INV_SQRT2PI 0x1.9884533d43651p-2
#define FA_SQRT_2_OVER_PI 0x1.9884533d43651p-1

FA_INLINE double fa_ncdf_mul(double x, double f)
{
    /* f * Phi(x); in the lower tail the product with f is taken before the
     * final scaling of the exponential (a subnormal result rounds once) */
    double xc = fa_clampn(x, -40.0, 40.0);
    double ax = fabs(xc);
    double z = ax * FA_INV_SQRT2;
    double lo, hi = fa_two_prod(ax, ax, &lo);
    double q;
    fa_exp_parts e = fa_erfc_tail(z > 0.5 ? z : 0.5, 0.5 * hi, 0.5 * lo, &q);
    double half_erfc = (e.p * (0.5 * q)) * e.s1 * e.s2;          /* erfc(z)/2 */
    double lower = (e.p * ((0.5 * q) * f)) * e.s1 * e.s2;         /* f erfc(z)/2 */
    double big = xc < 0.0 ? lower : f * (1.0 - half_erfc);
    double zs = xc * FA_INV_SQRT2;
    double small = f * (0.5 + 0.5 * fa_erf_small(zs < -0.5 ? -0.5 : (zs > 0.5 ? 0.5 : zs)));
    double res = z >= 0.5 ? big : small;
    return x == x ? res : x;
}

FA_INLINE double fa_ncdf(double x) { return fa_ncdf_mul(x, 1.0); }

/* Phi(x) to ~1e-11 relative, for float32 kernels computed in double: the
 * Chebyshev series cut at 14 terms (the rest < 1e-11), 8 Taylor terms below
 * z = 0.5, and exp(-z*z) from the rounded z*z (relative error < 1e-13). */
FA_INLINE double fa_ncdf_lite(double x)
{
    double xc = fa_clampn(x, -40.0, 40.0);
    double z = fabs(xc) * FA_INV_SQRT2;
    double t = 2.0 / (2.0 + (z > 0.5 ? z : 0.5));
    double u = (t - FA_ERFC_TM) * (1.0 / FA_ERFC_TH);
    double u2 = 2.0 * u, b1 = 0.0, b2 = 0.0, b0;
#define FA_CLENSHAW(j) b0 = u2 * b1 - b2 + FA_ERFC_CHEB[j]; b2 = b1; b1 = b0;
    FA_CLENSHAW(13) FA_CLENSHAW(12) FA_CLENSHAW(11) FA_CLENSHAW(10) FA_CLENSHAW(9) FA_CLENSHAW(8)
    FA_CLENSHAW(7) FA_CLENSHAW(6) FA_CLENSHAW(5) FA_CLENSHAW(4) FA_CLENSHAW(3) FA_CLENSHAW(2) FA_CLENSHAW(1)
#undef FA_CLENSHAW
    double F = u * b1 - b2 + FA_ERFC_CHEB[0];
    double e = 0.5 * t * fa_exp(F - z * z);
    double big = xc < 0.0 ? e : 1.0 - e;
    double zs = fa_clamp(xc * FA_INV_SQRT2, -0.5, 0.5), w = zs * zs;
    double p = -1.492565035840625e-05;
    p = p * w + 0.00012055332981789664;
    p = p * w + -0.0008548327023450853;
    p = p * w + 0.005223977625442188;
    p = p * w + -0.026866170645131252;
    p = p * w + 0.11283791670955126;
    p = p * w + -0.37612638903183754;
    p = p * w + 1.1283791670955126;
    double small = 0.5 + 0.5 * (zs * p);
    double res = z >= 0.5 ? big : small;
    return x == x ? res : x;
}

/* sqrt(x^2 + c^2) without overflow or underflow (power-of-two rescaling) */
FA_INLINE double fa_hypot(double x, double c)
{
    double ax = fabs(x), ac = fabs(c);
    double m = ax > ac ? ax : ac;
    double sc = m > 0x1p500 ? 0x1p-600 : (m < 0x1p-500 ? 0x1p600 : 1.0);
    double inv = m > 0x1p500 ? 0x1p600 : (m < 0x1p-500 ? 0x1p-600 : 1.0);
    double xs = ax * sc, cs = ac * sc;
    return sqrt(xs * xs + cs * cs) * inv;
}

/* ------------------------------------------------------------------ type-suffixed names, for the kernel templates */

#define FA_CAT_(a, b) a##_##b
#define FA_CAT(a, b) FA_CAT_(a, b)

/* type-suffixed names of the primitives, for the kernel template */
FA_INLINE float fa_abs_f32(float x) { return fabsf(x); }
FA_INLINE double fa_abs_f64(double x) { return fabs(x); }
FA_INLINE float fa_copysign_f32(float x, float y) { return copysignf(x, y); }
FA_INLINE double fa_copysign_f64(double x, double y) { return copysign(x, y); }
FA_INLINE float fa_exp_f32(float x) { return fa_expf(x); }
FA_INLINE double fa_exp_f64(double x) { return fa_exp(x); }
FA_INLINE float fa_expm1_f32(float x) { return fa_expm1f(x); }
FA_INLINE double fa_expm1_f64(double x) { return fa_expm1(x); }
FA_INLINE float fa_log1p_f32(float x) { return fa_log1pf(x); }
FA_INLINE double fa_log1p_f64(double x) { return fa_log1p(x); }
FA_INLINE float fa_tanh_f32(float x) { return fa_tanhf(x); }
FA_INLINE double fa_tanh_f64(double x) { return fa_tanh(x); }
FA_INLINE float fa_clamp_f32(float x, float lo, float hi) { return fa_clampf(x, lo, hi); }
FA_INLINE double fa_clamp_f64(double x, double lo, double hi) { return fa_clamp(x, lo, hi); }

#endif /* FASTACT_H */
