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

from .. import _math as fm
from .._math import cst, register_jitable

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SELU_SCALE_ALPHA = SELU_ALPHA * SELU_SCALE
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2 = 1.0 / math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_TANH_C = 0.044715

# x - tanh(x) = sum_k TANHSHRINK_TAYLOR[k] * x**(2k+3): exact Taylor
# coefficients (from the Bernoulli numbers, mpmath at 50 digits). 28 terms keep
# the truncation below 4e-17 (relative) for |x| <= 0.8, where the direct
# difference x - tanh(x) would lose more than 2 bits to cancellation.
TANHSHRINK_TAYLOR = (
    0.3333333333333333, -0.13333333333333333, 0.05396825396825397,
    -0.021869488536155203, 0.008863235529902197, -0.003592128036572481,
    0.0014558343870513183, -0.000590027440945586, 0.00023912911424355248,
    -9.691537956929451e-05, 3.927832388331683e-05, -1.5918905069328964e-05,
    6.451689215655431e-06, -2.6147711512907546e-06, 1.0597268320104654e-06,
    -4.294911078273806e-07, 1.7406618963571648e-07, -7.054636946400968e-08,
    2.859136662305254e-08, -1.1587644432798853e-08, 4.6962953982309016e-09,
    -1.903336833931276e-09, 7.713933635359062e-10, -3.126339545892087e-10,
    1.26705769303054e-10, -5.135191408039368e-11, 2.0812146867700473e-11,
    -8.434845419094337e-12,
)
TANHSHRINK_SERIES_MAX = 0.8


# --------------------------------------------------------------------------
# no parameters

@register_jitable
def identity_fwd(x):
    return x


@register_jitable
def identity_bwd(g, x):
    return g


@register_jitable
def sigmoid_fwd(x):
    # e = exp(-|x|) never overflows; for x < 0, sigmoid = e / (1 + e), which
    # keeps subnormal results (sigmoid(-100) in float32 is 3.78e-44, not 0).
    e = fm.exp(-abs(x))
    r = cst(x, 1.0) / (cst(x, 1.0) + e)
    return r if x >= cst(x, 0.0) else e * r


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
def gelu_fwd(x):
    # 0.5 x (1 + erf(x/sqrt2)) = 0.5 x erfc(-x/sqrt2): no cancellation for x < 0.
    r = cst(x, 0.5) * x * fm.erfc(-x * cst(x, INV_SQRT_2))
    return r if x != cst(x, -math.inf) else cst(x, -0.0)


@register_jitable
def _clamp(x, lo, hi):
    # nan passes through (both compares are false)
    return lo if x < lo else (hi if x > hi else x)


@register_jitable
def gelu_bwd(g, x):
    # Phi(x) + x phi(x); x is clamped in the x*phi(x) term, which is 0 in
    # every float type beyond |x| = 40, so that +-inf gives the limits 1 and 0.
    xc = _clamp(x, cst(x, -40.0), cst(x, 40.0))
    cdf = cst(x, 0.5) * fm.erfc(-x * cst(x, INV_SQRT_2))
    pdf = cst(x, INV_SQRT_2PI) * fm.exp(cst(x, -0.5) * xc * xc)
    return g * (cdf + xc * pdf)


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
def silu_fwd(x):
    r = x * sigmoid_fwd(x)
    return r if x != cst(x, -math.inf) else cst(x, -0.0)


@register_jitable
def silu_bwd(g, x):
    # s (1 + x (1 - s)); 1 - s = sigmoid(-x). x clamped: the product x(1-s)
    # is 0 beyond |x| = 800 in every float type (e^-745 underflows float64).
    s = sigmoid_fwd(x)
    xc = _clamp(x, cst(x, -800.0), cst(x, 800.0))
    return g * (s + s * xc * sigmoid_fwd(-xc))


@register_jitable
def _mish_tanh_softplus(x):
    # tanh(log1p(e^x)) = n / (n + 2) with n = e^x (e^x + 2); exactly 1 in
    # float64 past x = 20 (clamped there so e^x cannot overflow).
    xc = cst(x, 20.0) if x > cst(x, 20.0) else x
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
    # [-800, 20] in the second term, which is 0 (below t's rounding) outside.
    t, n = _mish_tanh_softplus(x)
    xc = _clamp(x, cst(x, -800.0), cst(x, 20.0))
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
    if ax <= cst(x, TANHSHRINK_SERIES_MAX):
        # Horner in x^2, highest power first; numba unrolls the constant tuple
        s = x * x
        p = cst(x, 0.0)
        for i in range(len(TANHSHRINK_TAYLOR) - 1, -1, -1):
            p = p * s + cst(x, TANHSHRINK_TAYLOR[i])
        return p * s * x
    return x - fm.tanh(x)


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
def leaky_relu_fwd(x, negative_slope):
    return x if x > cst(x, 0.0) else negative_slope * x


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
    return g if x > cst(x, 0.0) else g * fm.exp(x / alpha)


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
def squareplus_fwd(x, b):
    # s = sqrt(x^2 + b) without overflow; for x < 0 the sum x + s cancels, so
    # use (x + s)/2 = b / (2 (s - x)) there.
    s = fm.hypot(x, fm.sqrt(b))
    if x >= cst(x, 0.0):
        return x * cst(x, 0.5) + s * cst(x, 0.5)
    return b / (cst(x, 2.0) * (s - x))


@register_jitable
def squareplus_bwd(g, x, b):
    # 0.5 (1 + x/s); for x < 0, 1 + x/s = b / (s (s - x)) without cancellation
    s = fm.hypot(x, fm.sqrt(b))
    if x >= cst(x, 0.0):
        q = x / s if not fm.isinf(x) else cst(x, 1.0)
        return g * (cst(x, 0.5) * (cst(x, 1.0) + q))
    return g * (cst(x, 0.5) * (b / (s * (s - x))))


@register_jitable
def rrelu_fwd(x, slope):
    # slope is a scalar (eval: (lower + upper)/2) or an array of the slopes
    # drawn per element (training)
    return x if x > cst(x, 0.0) else slope * x


@register_jitable
def rrelu_bwd(g, x, slope):
    return fm.where_nan(x, g if x > cst(x, 0.0) else g * slope)


@register_jitable
def prelu_fwd(x, weight):
    # PyTorch's kernel: x > 0 ? x : w * x (the catalogue's "x >= 0" differs
    # only in the sign of zero for negative weights; PyTorch wins).
    return x if x > cst(x, 0.0) else weight * x


@register_jitable
def prelu_bwd(g, x, weight):
    return fm.where_nan(x, g if x > cst(x, 0.0) else weight * g)


@register_jitable
def prelu_weight_grad(g, x, weight):
    """Per-element contribution to prelu's weight gradient, summed by the caller."""
    return cst(x, 0.0) if x > cst(x, 0.0) else x * g
