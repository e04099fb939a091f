"""Scalar definitions of every elementwise activation, forward and backward.

Each function here is plain Python over one element, written once and compiled
for every target: numba's CPU ``vectorize`` and CUDA device functions compile
it, and it runs as is on NumPy scalars (the pure-Python twin, the CUDA
simulator). Rules every definition follows:

* constants are written ``cst(x, v)`` so a float32 kernel stays float32;
* transcendental math goes through :mod:`fastact._math` (``fm``);
* nan in gives nan out, forward and backward, piecewise functions included;
* for non-nan input the result is never nan: limits are returned at ±inf;
* branches are simple ``a if c else b`` selects, which LLVM vectorises.

Forward functions are named ``<name>_fwd(x, *params)``; backward functions
``<name>_bwd(g, v, *params)`` where ``v`` is the input ``x`` or the forward
output ``y``, as the registry entry's ``backward_from`` says.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _math as fm
from .._math import cst, register_jitable

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SELU_SCALE_ALPHA = SELU_ALPHA * SELU_SCALE
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2 = 0.7071067811865476          # 1/sqrt(2) = INV_SQRT_2 + INV_SQRT_2_LO
INV_SQRT_2_LO = -4.833646656726457e-17
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_TANH_C = 0.044715

# (x - tanh x)/x^3 = P(x^2) on |x| <= 1: degree-16 polynomial interpolating at
# Chebyshev nodes of x^2 in [0, 1] (coefficients solved in 60-digit mpmath);
# measured 2.6 ULP in float64 against mpmath there, where x - tanh(x) would
# lose up to 3 bits to cancellation. Above 1, x - tanh x = (|x| - 1) +
# 2/(expm1(2|x|) + 2) (sign restored): two positive terms, no cancellation.
TANHSHRINK_POLY = (
    0.3333333333333333, -0.1333333333333331, 0.053968253968231523,
    -0.021869488535296695, 0.008863235512566054, -0.003592127823422879,
    0.0014558326516768139, -0.0005900175685254319, 0.0002390884367049363,
    -9.67910218266933e-05, 3.8991741215043214e-05, -1.541627724102249e-05,
    5.777484136865915e-06, -1.9216974143833895e-06, 5.122767150793262e-07,
    -9.364144622965759e-08, 8.538161901212156e-09,
)


# --------------------------------------------------------------------------
# no parameters

@register_jitable
def identity_fwd(x):
    return x


@register_jitable
def identity_bwd(g, x):
    return fm.where_nan(x, g)


@register_jitable
def sigmoid_fwd(x):
    # e = exp(-|x|) never overflows; for x < 0, sigmoid = e / (1 + e), which
    # keeps subnormal results (sigmoid(-100) in float32 is 3.78e-44, not 0).
    # One division, 1/(1 + e) or e/(1 + e): fewer roundings than e * (1/(1 + e)).
    e = fm.exp(-abs(x))
    return (cst(x, 1.0) if x >= cst(x, 0.0) else e) / (cst(x, 1.0) + e)


@register_jitable
def sigmoid_bwd(g, y):
    return g * y * (cst(y, 1.0) - y)


@register_jitable
def tanh_fwd(x):
    return fm.tanh(x)


@register_jitable
def tanh_bwd(g, y):
    # (1 - y)(1 + y) instead of 1 - y*y: no cancellation for |y| near 1.
    return g * ((cst(y, 1.0) - y) * (cst(y, 1.0) + y))


@register_jitable
def log_sigmoid_fwd(x):
    m = x if x < cst(x, 0.0) else cst(x, 0.0)
    return m - fm.log1p(fm.exp(-abs(x)))


@register_jitable
def log_sigmoid_bwd(g, x):
    return g * sigmoid_fwd(-x)


@register_jitable
def relu_fwd(x):
    # relu(-0) = -0 and relu(nan) = nan, as PyTorch.
    return cst(x, 0.0) if x < cst(x, 0.0) else x


@register_jitable
def relu_bwd(g, y):
    return fm.where_nan(y, g if y > cst(y, 0.0) else cst(y, 0.0))


@register_jitable
def relu6_fwd(x):
    zero = cst(x, 0.0)
    six = cst(x, 6.0)
    return zero if x < zero else (six if x > six else x)


@register_jitable
def relu6_bwd(g, x):
    inside = x > cst(x, 0.0) and x < cst(x, 6.0)
    return fm.where_nan(x, g if inside else cst(x, 0.0))


@register_jitable
def selu_fwd(x):
    return cst(x, SELU_SCALE) * x if x > cst(x, 0.0) else cst(x, SELU_SCALE_ALPHA) * fm.expm1(x)


@register_jitable
def selu_bwd(g, x):
    # selu'(0) is the negative branch (scale * alpha), as PyTorch.
    return g * cst(x, SELU_SCALE) if x > cst(x, 0.0) else g * (cst(x, SELU_SCALE_ALPHA) * fm.exp(x))


@register_jitable
def _clamp(x, lo, hi):
    # nan passes through (both compares are false)
    return lo if x < lo else (hi if x > hi else x)


@register_jitable
def _gelu_erfc(x):
    """erfc(-x/sqrt2) = 2 Phi(x), with the rounding of x/sqrt2 compensated.

    erfc's relative condition number at z is about 2 z^2, so the half-ULP
    rounding of z = -x/sqrt2 alone would cost ~1000 ULP at x = -35 (float64).
    The exact error dz of z (Dekker product with a two-part 1/sqrt2) is fed
    back to first order: erfc(z + dz) = erfc(z) - (2/sqrt pi) e^(-z^2) dz.
    x is clamped to +-40 for the correction, which is 0 beyond.
    """
    z = -x * cst(x, INV_SQRT_2)
    xc = _clamp(x, cst(x, -40.0), cst(x, 40.0))
    p, e = fm.two_prod(xc, cst(x, INV_SQRT_2))
    dz = -(e + xc * cst(x, INV_SQRT_2_LO))
    zc = -p
    return fm.erfc(z) - cst(x, TWO_OVER_SQRT_PI) * fm.exp(-zc * zc) * dz


@register_jitable
def gelu_fwd(x):
    # 0.5 x (1 + erf(x/sqrt2)) = 0.5 x erfc(-x/sqrt2): no cancellation for x < 0.
    r = cst(x, 0.5) * x * _gelu_erfc(x)
    return r if x != cst(x, -math.inf) else cst(x, -0.0)


@register_jitable
def gelu_bwd(g, x):
    # Phi(x) + x phi(x); x is clamped in the x*phi(x) term, which is 0 in
    # every float type beyond |x| = 40, so that +-inf gives the limits 1 and 0.
    # phi uses x^2 = p + e exactly: e^(-x^2/2) = e^(-p/2) (1 - e/2).
    xc = _clamp(x, cst(x, -40.0), cst(x, 40.0))
    cdf = cst(x, 0.5) * _gelu_erfc(x)
    p, e = fm.two_prod(xc, xc)
    pdf = cst(x, INV_SQRT_2PI) * (fm.exp(cst(x, -0.5) * p) * (cst(x, 1.0) - cst(x, 0.5) * e))
    return g * (cdf + xc * pdf)


# float32 GELU(erf), evaluated in float64 and rounded once. For a float32 x the
# float64 square x*x is exact and x/sqrt2 is off by 2**-53 relative, so no
# compensation is needed; Phi(-|x|) = erfcx(|x|/sqrt2) e^(-x^2/2) / 2 with
# erfcx(a) = exp(a^2) erfc(a) = P(t) / (1 + 2a), t = (a - 4)/(a + 4), P the
# degree-12 Chebyshev interpolant on all of t in [-1, 1] (a in [0, inf)),
# relative error 3.6e-9 (0.06 float32 ULP; coefficients from 50-digit mpmath).
# Five times cheaper than the float64 path's compensated erfc, which float64
# results need.
ERFCX_F32_K = 4.0
ERFCX_F32_P = (
    1.2329951186255526, -0.13962108431457343, 0.015379683653270457, 0.06809613205416176,
    -0.10103995084812757, 0.09374044379277174, -0.06632325953594628, 0.037139916895707926,
    -0.016222274556440326, 0.005082809154341805, -0.0007163394718890914,
    -0.0002486322974476492, 0.00011660799658166694,
)


@register_jitable
def _gelu32_parts(x):
    """(Phi(-|x|), e^(-x^2/2)) for a float64 x that holds a float32 value."""
    ax = abs(x)
    ax = cst(x, 40.0) if ax > cst(x, 40.0) else ax  # both factors vanish beyond; nan stays
    a = ax * cst(x, INV_SQRT_2)
    k = cst(x, ERFCX_F32_K)
    erfcx = fm.horner((a - k) / (a + k), ERFCX_F32_P) / (cst(x, 1.0) + cst(x, 2.0) * a)
    # e^v, v = -x^2/2 exact in float64, as the float32 exp of v rounded to
    # float32 (0.8 float32 ULP) times e^d ~ 1 + d for the exact remainder d.
    # Below v = -87 (where the float32 exp would be subnormal and lose bits)
    # it is the square of e^(v/2) computed the same way.
    v = cst(x, -0.5) * (ax * ax)
    deep = v < cst(x, -87.0)
    w = v * cst(x, 0.5) if deep else v
    w32 = np.float32(w)
    h = np.float64(fm.exp(w32)) * (cst(x, 1.0) + (w - np.float64(w32)))
    e = h * (h if deep else cst(x, 1.0))
    return cst(x, 0.5) * erfcx * e, e


@register_jitable
def gelu32_fwd(x):
    """gelu_fwd for float32 input converted to float64 (registry ``fwd32``)."""
    tail, _ = _gelu32_parts(x)
    r = x * tail if x < cst(x, 0.0) else x * (cst(x, 1.0) - tail)
    return r if x != cst(x, -math.inf) else cst(x, -0.0)


@register_jitable
def gelu32_bwd(g, x):
    """gelu_bwd for float32 input converted to float64: Phi(x) + x phi(x)."""
    tail, e = _gelu32_parts(x)
    xpdf = _clamp(x, cst(x, -40.0), cst(x, 40.0)) * (cst(x, INV_SQRT_2PI) * e)
    return g * ((tail if x < cst(x, 0.0) else cst(x, 1.0) - tail) + xpdf)


@register_jitable
def _gelu_tanh_u(x):
    return cst(x, SQRT_2_OVER_PI) * (x + cst(x, GELU_TANH_C) * x * x * x)


@register_jitable
def gelu_tanh_fwd(x):
    # 0.5 x (1 + tanh u) = x sigmoid(2u): no cancellation for x < 0.
    r = x * sigmoid_fwd(cst(x, 2.0) * _gelu_tanh_u(x))
    return r if x != cst(x, -math.inf) else cst(x, -0.0)


@register_jitable
def gelu_tanh_bwd(g, x):
    # With s = sigmoid(2u): 0.5(1+t) = s and 1 - t^2 = 4 s (1-s), so the
    # derivative is s + 2 x s(1-s) u'(x)/... written without cancellation.
    # s(1-s) = e/(1+e)^2 with e = exp(-|2u|). x is clamped in the second
    # term, which underflows to 0 in every float type beyond |x| = 30.
    u2 = cst(x, 2.0) * _gelu_tanh_u(x)
    e = fm.exp(-abs(u2))
    r = cst(x, 1.0) / (cst(x, 1.0) + e)
    s = r if u2 >= cst(x, 0.0) else e * r
    ss = e * r * r
    xc = _clamp(x, cst(x, -30.0), cst(x, 30.0))
    du = cst(x, SQRT_2_OVER_PI) * (cst(x, 1.0) + cst(x, 3.0 * GELU_TANH_C) * xc * xc)
    return g * (s + cst(x, 2.0) * xc * ss * du)


@register_jitable
def _exp_neg_split(x):
    """(a, b, d) with e^-|x| = a*b and d = 1 + e^-|x|.

    Below -64, e^-|x| = a*a with a = e^(-|x|/2) (b = a), else b = 1: a
    result x*e^x then rounds once into the subnormals, not twice (x times a
    subnormal e^x would be off by |x|/2 subnormal steps).
    """
    t = -abs(x)
    deep = t < cst(x, -64.0)
    a = fm.exp(t * cst(x, 0.5) if deep else t)
    b = a if deep else cst(x, 1.0)
    return a, b, cst(x, 1.0) + a * b


@register_jitable
def silu_fwd(x):
    # x >= 0: x / d; x < 0: x e / d with e = a b, multiplied in that order
    a, b, d = _exp_neg_split(x)
    res = (x if x >= cst(x, 0.0) else (x * a) * b) / d
    return res if x != cst(x, -math.inf) else cst(x, -0.0)


@register_jitable
def silu_bwd(g, x):
    # s (1 + x (1 - s)): x >= 0, s = r, 1 - s = e r; x < 0, s = e r, 1 - s = r.
    # x clamped: the x e terms are 0 beyond |x| = 800 in every float type.
    a, b, d = _exp_neg_split(x)
    r = cst(x, 1.0) / d
    xc = _clamp(x, cst(x, -800.0), cst(x, 800.0))
    pos = r + (xc * (a * b)) * (r * r)
    neg = ((r * (cst(x, 1.0) + xc * r)) * a) * b
    return g * (pos if x >= cst(x, 0.0) else neg)


@register_jitable
def _mish_tanh_softplus(x):
    # tanh(log1p(e^x)) = n / (n + 2) with n = e^x (e^x + 2); exactly 1 in
    # float64 past x = 20; x is clamped at 40 so that n = e^80 cannot overflow
    # even in float32.
    xc = cst(x, 40.0) if x > cst(x, 40.0) else x
    e = fm.exp(xc)
    n = e * (e + cst(x, 2.0))
    return n / (n + cst(x, 2.0)), n


@register_jitable
def mish_fwd(x):
    t, n = _mish_tanh_softplus(x)
    r = x * t
    return r if x != cst(x, -math.inf) else cst(x, -0.0)


@register_jitable
def mish_bwd(g, x):
    # t + x sigmoid(x) (1 - t^2), with 1 - t = 2/(n + 2). x clamped to
    # [-800, 40] in the second term, which is below t's rounding outside.
    t, n = _mish_tanh_softplus(x)
    xc = _clamp(x, cst(x, -800.0), cst(x, 40.0))
    one_minus_t2 = (cst(x, 2.0) / (n + cst(x, 2.0))) * (cst(x, 1.0) + t)
    return g * (t + xc * sigmoid_fwd(xc) * one_minus_t2)


@register_jitable
def softsign_fwd(x):
    r = x / (cst(x, 1.0) + abs(x))
    return r if not fm.isinf(x) else fm.copysign(cst(x, 1.0), x)


@register_jitable
def softsign_bwd(g, x):
    d = cst(x, 1.0) / (cst(x, 1.0) + abs(x))
    return g * d * d


@register_jitable
def tanhshrink_fwd(x):
    ax = abs(x)
    if ax <= cst(x, 1.0):
        # Horner in x^2, highest power first; numba unrolls the constant tuple.
        # A zero result is +0 (from -0 and negative underflow), as PyTorch's
        # x - tanh(x); a select, not "+ 0", which an FMA contraction would fuse.
        s = x * x
        p = cst(x, 0.0)
        for i in range(len(TANHSHRINK_POLY) - 1, -1, -1):
            p = p * s + cst(x, TANHSHRINK_POLY[i])
        r = p * s * x
        return r if r != cst(x, 0.0) else cst(x, 0.0)
    r = (ax - cst(x, 1.0)) + cst(x, 2.0) / (fm.expm1(cst(x, 2.0) * ax) + cst(x, 2.0))
    return fm.copysign(r, x)


@register_jitable
def tanhshrink_bwd(g, x):
    t = fm.tanh(x)
    return g * (t * t)


@register_jitable
def hardsigmoid_fwd(x):
    # (x + 3) / 6 is exact near -3 (x + 3 is exact there); x/6 + 1/2 is not.
    if x <= cst(x, -3.0):
        return cst(x, 0.0)
    if x >= cst(x, 3.0):
        return cst(x, 1.0)
    return (x + cst(x, 3.0)) / cst(x, 6.0)


@register_jitable
def hardsigmoid_bwd(g, x):
    inside = x > cst(x, -3.0) and x < cst(x, 3.0)
    return fm.where_nan(x, g / cst(x, 6.0) if inside else cst(x, 0.0))


@register_jitable
def hardswish_fwd(x):
    # x(x+3)/6 in the middle; x itself from 3 up (no x*6/6 overflow).
    if x <= cst(x, -3.0):
        return cst(x, -0.0)
    if x >= cst(x, 3.0):
        return x
    return x * (x + cst(x, 3.0)) / cst(x, 6.0)


@register_jitable
def hardswish_bwd(g, x):
    # hardswish'(-3) = 0 and hardswish'(3) = g, as PyTorch.
    if x <= cst(x, -3.0):
        return cst(x, 0.0)
    if x >= cst(x, 3.0):
        return g
    return g * ((cst(x, 2.0) * x + cst(x, 3.0)) / cst(x, 6.0))


@register_jitable
def sparse_sigmoid_fwd(x):
    if x <= cst(x, -1.0):
        return cst(x, 0.0)
    if x >= cst(x, 1.0):
        return cst(x, 1.0)
    return (x + cst(x, 1.0)) * cst(x, 0.5)


@register_jitable
def sparse_sigmoid_bwd(g, x):
    inside = x > cst(x, -1.0) and x < cst(x, 1.0)
    return fm.where_nan(x, g * cst(x, 0.5) if inside else cst(x, 0.0))


@register_jitable
def sparse_plus_fwd(x):
    if x <= cst(x, -1.0):
        return cst(x, 0.0)
    if x >= cst(x, 1.0):
        return x
    t = x + cst(x, 1.0)
    return t * t * cst(x, 0.25)


@register_jitable
def sparse_plus_bwd(g, x):
    if x <= cst(x, -1.0):
        return cst(x, 0.0)
    if x >= cst(x, 1.0):
        return g
    return g * ((x + cst(x, 1.0)) * cst(x, 0.5))


# --------------------------------------------------------------------------
# with parameters

@register_jitable
def _slope_times(slope, x):
    """slope * x for x <= 0, with the limit -0 (not nan) for slope 0 at x = -inf."""
    r = slope * x
    return r if (r == r or x != x) else cst(x, -0.0)


@register_jitable
def leaky_relu_fwd(x, negative_slope):
    return x if x > cst(x, 0.0) else _slope_times(negative_slope, x)


@register_jitable
def leaky_relu_bwd(g, x, negative_slope):
    return fm.where_nan(x, g if x > cst(x, 0.0) else g * negative_slope)


@register_jitable
def elu_fwd(x, alpha):
    return x if x > cst(x, 0.0) else alpha * fm.expm1(x)


@register_jitable
def elu_bwd(g, x, alpha):
    # elu'(0) is the negative branch, alpha * e^0 (= 1 for alpha = 1).
    return g if x > cst(x, 0.0) else g * (alpha * fm.exp(x))


@register_jitable
def celu_fwd(x, alpha):
    return x if x > cst(x, 0.0) else alpha * fm.expm1(x / alpha)


@register_jitable
def celu_bwd(g, x, alpha):
    # e^(x/alpha) with the rounding of q = x/alpha compensated: the remainder
    # x - q*alpha is exact (Dekker product), so q_true = q + d to first order;
    # otherwise the result would be off by |q| half-ULPs (340 ULP at q = -700).
    if x > cst(x, 0.0):
        return g
    q = x / alpha
    p, e = fm.two_prod(_clamp(q, cst(x, -1e30), cst(x, 1e30)), alpha)
    d = ((x - p) - e) / alpha
    d = d if d == d and abs(q) < cst(x, 1e30) else cst(x, 0.0)
    return g * (fm.exp(q) * (cst(x, 1.0) + d))


@register_jitable
def softplus_fwd(x, beta, threshold):
    z = beta * x
    if z > threshold:
        return x
    # log1p(e^z) = max(z, 0) + log1p(e^-|z|): never overflows
    m = z if z > cst(x, 0.0) else cst(x, 0.0)
    return (m + fm.log1p(fm.exp(-abs(z)))) / beta


@register_jitable
def softplus_bwd(g, x, beta, threshold):
    z = beta * x
    return g if z > threshold else g * sigmoid_fwd(z)


@register_jitable
def hardtanh_fwd(x, min_val, max_val):
    return _clamp(x, min_val, max_val)


@register_jitable
def hardtanh_bwd(g, x, min_val, max_val):
    inside = x > min_val and x < max_val
    return fm.where_nan(x, g if inside else cst(x, 0.0))


@register_jitable
def hardshrink_fwd(x, lambd):
    # written so that nan passes: the test is false for nan
    return cst(x, 0.0) if abs(x) <= lambd else x


@register_jitable
def hardshrink_bwd(g, x, lambd):
    return fm.where_nan(x, g if abs(x) > lambd else cst(x, 0.0))


@register_jitable
def softshrink_fwd(x, lambd):
    if x > lambd:
        return x - lambd
    if x < -lambd:
        return x + lambd
    return x * cst(x, 0.0)  # keeps the sign of zero and nan, as PyTorch


@register_jitable
def softshrink_bwd(g, x, lambd):
    return fm.where_nan(x, g if abs(x) > lambd else cst(x, 0.0))


@register_jitable
def threshold_fwd(x, threshold, value):
    return value if x <= threshold else x


@register_jitable
def threshold_bwd(g, x, threshold, value):
    return fm.where_nan(x, g if x > threshold else cst(x, 0.0))


@register_jitable
def _squareplus_s(x, b):
    """sqrt(x^2 + b) without overflow: |x| sqrt(1 + (b/|x|)/|x|) for |x| >= 1.

    Selects over two square roots (which vectorise) instead of hypot (a libm call).
    """
    ax = abs(x)
    big = ax >= cst(x, 1.0)
    axs = ax if big else cst(x, 1.0)
    return axs * fm.sqrt(cst(x, 1.0) + (b / axs) / axs) if big else fm.sqrt(x * x + b)


@register_jitable
def squareplus_fwd(x, b):
    # s = sqrt(x^2 + b) without overflow; for x < 0 the sum x + s cancels, so
    # use (x + s)/2 = b / (2 (s - x)) there.
    # h = (s - x)/2 cannot overflow where s - x would (x = -3e38 in float32)
    s = _squareplus_s(x, b)
    if x >= cst(x, 0.0):
        return x * cst(x, 0.5) + s * cst(x, 0.5)
    h = s * cst(x, 0.5) - x * cst(x, 0.5)
    return (b * cst(x, 0.25)) / h


@register_jitable
def squareplus_bwd(g, x, b):
    # 0.5 (1 + x/s); for x < 0, 1 + x/s = b / (s (s - x)) without cancellation
    s = _squareplus_s(x, b)
    if x >= cst(x, 0.0):
        q = x / s if not fm.isinf(x) else cst(x, 1.0)
        return g * (cst(x, 0.5) * (cst(x, 1.0) + q))
    h = s * cst(x, 0.5) - x * cst(x, 0.5)  # (s - x)/2, no overflow
    return g * (((b / s) * cst(x, 0.25)) / h)


@register_jitable
def rrelu_fwd(x, slope):
    # slope is a scalar (eval: (lower + upper)/2) or an array of the slopes
    # drawn per element (training)
    return x if x > cst(x, 0.0) else _slope_times(slope, x)


@register_jitable
def rrelu_bwd(g, x, slope):
    return fm.where_nan(x, g if x > cst(x, 0.0) else g * slope)


@register_jitable
def prelu_fwd(x, weight):
    # PyTorch's kernel: x > 0 ? x : w * x (the catalogue's "x >= 0" differs
    # only in the sign of zero for negative weights; PyTorch wins).
    return x if x > cst(x, 0.0) else _slope_times(weight, x)


@register_jitable
def prelu_bwd(g, x, weight):
    return fm.where_nan(x, g if x > cst(x, 0.0) else weight * g)


@register_jitable
def prelu_weight_grad(g, x, weight):
    """Per-element contribution to prelu's weight gradient, summed by the caller."""
    return cst(x, 0.0) if x > cst(x, 0.0) else x * g
