/* Elementwise kernels: one exported loop per registry kernel and dtype.
 *
 * Every loop has two paths:
 *  - unit stride for the arrays and stride 0 (a scalar) for the parameters,
 *    or unit stride for everything: one `omp simd` loop straight over the
 *    memory (in place is fine: element i is read before it is written);
 *  - anything else (negative, zero or large strides, a broadcast input, an
 *    array parameter with a scalar input...): blocks of FA_BLOCK elements are
 *    gathered into local buffers, computed by the same vector loop, and
 *    scattered to out.
 */
#include "fastact.h"

#define FA_BLOCK 256

#define T double
#define S f64
#define FA_IS_F64 1
#include "kernels_ew.inc"
#undef T
#undef S
#undef FA_IS_F64

#define T float
#define S f32
#define FA_IS_F64 0
#include "kernels_ew.inc"
#undef T
#undef S
#undef FA_IS_F64

/* ---------------------------------------------------------------- loop drivers */

#define FA_BLOCK_LOOP_BEGIN                                             \
    for (size_t s0 = 0; s0 < n; s0 += FA_BLOCK) {                       \
        size_t m = n - s0 < FA_BLOCK ? n - s0 : FA_BLOCK;

#define FA_GATHER(T, buf, p, s)                                         \
        {                                                               \
            const T *pp = (p) + (ptrdiff_t)s0 * (s);                    \
            for (size_t j = 0; j < m; j++) buf[j] = pp[(ptrdiff_t)j * (s)]; \
        }

#define FA_SCATTER(T, buf)                                              \
        {                                                               \
            T *po = out + (ptrdiff_t)s0 * so;                           \
            for (size_t j = 0; j < m; j++) po[(ptrdiff_t)j * so] = buf[j]; \
        }                                                               \
    }

/* FA_EW_<arrays>_<params>(exported name, type, scalar kernel) */
#define FA_EW_1_0(NAME, T, K)                                                          \
FA_EXPORT void NAME(size_t n, const T *a, ptrdiff_t sa, T *out, ptrdiff_t so)         \
{                                                                                      \
    if (sa == 1 && so == 1) {                                                          \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i]);                       \
        return;                                                                        \
    }                                                                                  \
    T ba[FA_BLOCK], bo[FA_BLOCK];                                                      \
    FA_BLOCK_LOOP_BEGIN                                                                \
        FA_GATHER(T, ba, a, sa)                                                        \
        FA_SIMD for (size_t j = 0; j < m; j++) bo[j] = K(ba[j]);                       \
    FA_SCATTER(T, bo)                                                                  \
}

#define FA_EW_2_0(NAME, T, K)                                                          \
FA_EXPORT void NAME(size_t n, const T *a, ptrdiff_t sa, const T *b, ptrdiff_t sb, T *out, ptrdiff_t so) \
{                                                                                      \
    if (sa == 1 && sb == 1 && so == 1) {                                               \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i], b[i]);                 \
        return;                                                                        \
    }                                                                                  \
    T ba[FA_BLOCK], bb[FA_BLOCK], bo[FA_BLOCK];                                        \
    FA_BLOCK_LOOP_BEGIN                                                                \
        FA_GATHER(T, ba, a, sa) FA_GATHER(T, bb, b, sb)                                \
        FA_SIMD for (size_t j = 0; j < m; j++) bo[j] = K(ba[j], bb[j]);                \
    FA_SCATTER(T, bo)                                                                  \
}

#define FA_EW_1_1(NAME, T, K)                                                          \
FA_EXPORT void NAME(size_t n, const T *a, ptrdiff_t sa, const T *b, ptrdiff_t sb, T *out, ptrdiff_t so) \
{                                                                                      \
    if (sa == 1 && sb == 0 && so == 1) {                                               \
        const T pb = *b;                                                               \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i], pb);                   \
        return;                                                                        \
    }                                                                                  \
    if (sa == 1 && sb == 1 && so == 1) {                                               \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i], b[i]);                 \
        return;                                                                        \
    }                                                                                  \
    T ba[FA_BLOCK], bb[FA_BLOCK], bo[FA_BLOCK];                                        \
    FA_BLOCK_LOOP_BEGIN                                                                \
        FA_GATHER(T, ba, a, sa) FA_GATHER(T, bb, b, sb)                                \
        FA_SIMD for (size_t j = 0; j < m; j++) bo[j] = K(ba[j], bb[j]);                \
    FA_SCATTER(T, bo)                                                                  \
}

#define FA_EW_2_1(NAME, T, K)                                                          \
FA_EXPORT void NAME(size_t n, const T *a, ptrdiff_t sa, const T *b, ptrdiff_t sb,               \
          const T *c, ptrdiff_t sc, T *out, ptrdiff_t so)                              \
{                                                                                      \
    if (sa == 1 && sb == 1 && sc == 0 && so == 1) {                                    \
        const T pc = *c;                                                               \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i], b[i], pc);             \
        return;                                                                        \
    }                                                                                  \
    if (sa == 1 && sb == 1 && sc == 1 && so == 1) {                                    \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i], b[i], c[i]);           \
        return;                                                                        \
    }                                                                                  \
    T ba[FA_BLOCK], bb[FA_BLOCK], bc[FA_BLOCK], bo[FA_BLOCK];                          \
    FA_BLOCK_LOOP_BEGIN                                                                \
        FA_GATHER(T, ba, a, sa) FA_GATHER(T, bb, b, sb) FA_GATHER(T, bc, c, sc)        \
        FA_SIMD for (size_t j = 0; j < m; j++) bo[j] = K(ba[j], bb[j], bc[j]);         \
    FA_SCATTER(T, bo)                                                                  \
}

#define FA_EW_1_2(NAME, T, K)                                                          \
FA_EXPORT void NAME(size_t n, const T *a, ptrdiff_t sa, const T *b, ptrdiff_t sb,               \
          const T *c, ptrdiff_t sc, T *out, ptrdiff_t so)                              \
{                                                                                      \
    if (sa == 1 && sb == 0 && sc == 0 && so == 1) {                                    \
        const T pb = *b, pc = *c;                                                      \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i], pb, pc);               \
        return;                                                                        \
    }                                                                                  \
    T ba[FA_BLOCK], bb[FA_BLOCK], bc[FA_BLOCK], bo[FA_BLOCK];                          \
    FA_BLOCK_LOOP_BEGIN                                                                \
        FA_GATHER(T, ba, a, sa) FA_GATHER(T, bb, b, sb) FA_GATHER(T, bc, c, sc)        \
        FA_SIMD for (size_t j = 0; j < m; j++) bo[j] = K(ba[j], bb[j], bc[j]);         \
    FA_SCATTER(T, bo)                                                                  \
}

#define FA_EW_2_2(NAME, T, K)                                                          \
FA_EXPORT void NAME(size_t n, const T *a, ptrdiff_t sa, const T *b, ptrdiff_t sb,               \
          const T *c, ptrdiff_t sc, const T *d, ptrdiff_t sd, T *out, ptrdiff_t so)    \
{                                                                                      \
    if (sa == 1 && sb == 1 && sc == 0 && sd == 0 && so == 1) {                         \
        const T pc = *c, pd = *d;                                                      \
        FA_SIMD for (size_t i = 0; i < n; i++) out[i] = K(a[i], b[i], pc, pd);         \
        return;                                                                        \
    }                                                                                  \
    T ba[FA_BLOCK], bb[FA_BLOCK], bc[FA_BLOCK], bd[FA_BLOCK], bo[FA_BLOCK];            \
    FA_BLOCK_LOOP_BEGIN                                                                \
        FA_GATHER(T, ba, a, sa) FA_GATHER(T, bb, b, sb)                                \
        FA_GATHER(T, bc, c, sc) FA_GATHER(T, bd, d, sd)                                \
        FA_SIMD for (size_t j = 0; j < m; j++) bo[j] = K(ba[j], bb[j], bc[j], bd[j]);  \
    FA_SCATTER(T, bo)                                                                  \
}

/* both dtypes of kernel `name` with arity (arrays, params) */
#define FA_DEFINE(arity, name)                                                         \
    FA_EW_##arity(fastact_##name##_f32, float, k_##name##_f32)                         \
    FA_EW_##arity(fastact_##name##_f64, double, k_##name##_f64)

/* forward (1 array) and backward (2 arrays) with p parameters */
#define FA_PAIR(name, p) FA_DEFINE(1_##p, name##_fwd) FA_DEFINE(2_##p, name##_bwd)

FA_PAIR(identity, 0)
FA_PAIR(sigmoid, 0)
FA_PAIR(tanh, 0)
FA_PAIR(log_sigmoid, 0)
FA_PAIR(relu, 0)
FA_PAIR(relu6, 0)
FA_PAIR(selu, 0)
FA_PAIR(gelu, 0)
FA_PAIR(gelu_tanh, 0)
FA_PAIR(silu, 0)
FA_PAIR(mish, 0)
FA_PAIR(softsign, 0)
FA_PAIR(tanhshrink, 0)
FA_PAIR(hardsigmoid, 0)
FA_PAIR(hardswish, 0)
FA_PAIR(sparse_sigmoid, 0)
FA_PAIR(sparse_plus, 0)
FA_PAIR(leaky_relu, 1)
FA_PAIR(elu, 1)
FA_PAIR(celu, 1)
FA_PAIR(softplus, 2)
FA_PAIR(hardtanh, 2)
FA_PAIR(hardshrink, 1)
FA_PAIR(softshrink, 1)
FA_PAIR(threshold, 2)
FA_PAIR(squareplus, 1)
FA_PAIR(rrelu, 1)
FA_PAIR(prelu, 1)
FA_DEFINE(2_1, prelu_weight_grad)

/* ---------------------------------------------------------------- primitives, for tests */

#define FA_MATH(T, S, EXPF, EXPM1F, LOG1PF, LOGF, TANHF, ERFF, ERFCF)                  \
FA_EXPORT void fastact_math_##S(int which, size_t n, const T *x, T *out)                         \
{                                                                                      \
    switch (which) {                                                                   \
    case 0: FA_SIMD for (size_t i = 0; i < n; i++) out[i] = EXPF(x[i]); break;         \
    case 1: FA_SIMD for (size_t i = 0; i < n; i++) out[i] = EXPM1F(x[i]); break;       \
    case 2: FA_SIMD for (size_t i = 0; i < n; i++) out[i] = LOG1PF(x[i]); break;       \
    case 3: FA_SIMD for (size_t i = 0; i < n; i++) out[i] = LOGF(x[i]); break;         \
    case 4: FA_SIMD for (size_t i = 0; i < n; i++) out[i] = TANHF(x[i]); break;        \
    case 5: FA_SIMD for (size_t i = 0; i < n; i++) out[i] = ERFF(x[i]); break;         \
    case 6: FA_SIMD for (size_t i = 0; i < n; i++) out[i] = ERFCF(x[i]); break;        \
    default: break;                                                                    \
    }                                                                                  \
}

FA_MATH(float, f32, fa_expf, fa_expm1f, fa_log1pf, fa_logf, fa_tanhf, fa_erff, fa_erfcf)
FA_MATH(double, f64, fa_exp, fa_expm1, fa_log1p, fa_log, fa_tanh, fa_erf, fa_erfc)

/* ---------------------------------------------------------------- which code runs */

const char *fastact_isa(void)
{
#if FA_DISPATCH
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? "x86-64 AVX2 (runtime dispatch: avx2, default)"
                                          : "x86-64 baseline SSE2 (runtime dispatch: avx2, default)";
#elif defined(__AVX2__)
    return "x86-64 AVX2 (compile-time)";
#elif defined(__x86_64__)
    return "x86-64 baseline SSE2";
#elif defined(__aarch64__)
    return "aarch64 NEON";
#else
    return "generic";
#endif
}
