"""Independent references for the fastact test-suite.

Everything here is written from the formulas in CATALOGUE.md (the spec), in float64 NumPy and, where
float64 is not accurate enough, in mpmath.  Nothing is imported from ``fastact``.

Accuracy model (why these references are good enough)
------------------------------------------------------
* ``FORWARD[name](x, **params)`` / ``BACKWARD[name](g, x, **params)`` take and return float64 arrays.
  They use numerically stable float64 formulations (no catastrophic cancellation, no intermediate
  overflow), so their relative error is a few float64 ULPs, i.e. below 1e-3 float32 ULP.  They are
  the references for float16 and float32 results.  ``test_reference_selfcheck.py`` verifies this
  claim against mpmath on sweeps of float32-representable inputs.
* float64 results need a reference more accurate than float64.  ``FORWARD_MP`` / ``BACKWARD_MP``
  evaluate the same formulas in mpmath at ``MP_DPS`` (=40) significant digits, with extra digits where
  the formula cancels (tanhshrink near 0).  ``mp_forward`` / ``mp_backward`` evaluate them on a
  (modest-size) float64 sample and return the exact value as a double-double ``(hi, lo)`` pair
  (hi = correctly rounded float64, lo = float64(value - hi)).  ``ulp_distance`` / ``abs_error``
  accept either a float64 array or such a pair, so a float64 result can be measured to a small
  fraction of an ULP.
* The derivative references are always functions of the INPUT x.  Where fastact's backward takes
  y = forward(x) (``backward_from == "output"``), the tests choose y in the target dtype and convert
  it back with ``INVERSE[name]`` (``INVERSE_MP`` for float64), so that the reference is the exact
  derivative at the point whose output is exactly the given y.
* Row-wise references (``softmax`` ... ``sparsemax`` and their backwards) are float64 with stable
  formulas; ``*_mp`` variants (mpmath / exact fractions) exist for the float64 checks.

Error measure
-------------
``ulp_distance(actual, expected, dtype)``: |actual - expected| in ULPs of ``dtype`` measured at the
magnitude of the *reference*: ulp(e) = 2**(floor(log2|e|) - (p-1)) for normal |e|, and the smallest
subnormal for |e| below the smallest normal (and for e == 0).  nan vs nan -> 0, nan vs non-nan ->
inf; an infinite reference needs an equal infinity (0) else inf; a finite reference that rounds to
+-inf in ``dtype`` (overflow) accepts that infinity (0).  Signs of zero are ignored here and checked
with ``zero_sign_mismatch``.
"""
from __future__ import annotations

import math
import zlib
from collections import namedtuple
from fractions import Fraction

import mpmath
import numpy as np

MP_DPS = 40
mp = mpmath.mp

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA_MP = mpmath.mpf("1.6732632423543772848170429916717")
SELU_SCALE_MP = mpmath.mpf("1.0507009873554804934193349852946")
GELU_C = 0.044715
SQRT_2_OVER_PI = 0.7978845608028654  # correctly rounded sqrt(2/pi)
SQRT1_2 = 0.7071067811865476  # correctly rounded 1/sqrt(2)
INV_SQRT_2PI = 0.3989422804014327  # correctly rounded 1/sqrt(2 pi)

FLOAT_DTYPES = (np.float16, np.float32, np.float64)

# ----------------------------------------------------------------------------------------------
# ULP measurement
# ----------------------------------------------------------------------------------------------
_FMT = {
    # dtype: (precision p incl. hidden bit, emin of normals, smallest subnormal)
    np.dtype(np.float16): (11, -14, 2.0**-24),
    np.dtype(np.float32): (24, -126, 2.0**-149),
    np.dtype(np.float64): (53, -1022, 5e-324),
}


def dtype_eps(dtype):
    """ulp(1) of ``dtype`` (2**-(p-1))."""
    p = _FMT[np.dtype(dtype)][0]
    return 2.0 ** -(p - 1)


def _split(expected):
    if isinstance(expected, tuple):
        hi, lo = expected
        return np.asarray(hi, dtype=np.float64), np.asarray(lo, dtype=np.float64)
    hi = np.asarray(expected, dtype=np.float64)
    return hi, np.zeros_like(hi)


def ulp_of(expected, dtype):
    """ULP of ``dtype`` at the magnitude of ``expected`` (float64 array), subnormal-aware."""
    p, emin, minsub = _FMT[np.dtype(dtype)]
    e = np.abs(np.asarray(expected, dtype=np.float64))
    with np.errstate(all="ignore"):
        _, k = np.frexp(e)  # e = m * 2**k, m in [0.5, 1)  ->  binade exponent k-1
        ulp = np.ldexp(1.0, np.asarray(k) - p)
    ulp = np.where(e < 2.0**emin, minsub, ulp)
    # non-finite reference: the error is 0 or inf already; a unit scale keeps it so
    ulp = np.where(np.isfinite(e), ulp, 1.0)
    return np.maximum(ulp, minsub)


def round_to(expected, dtype):
    """The reference rounded to ``dtype`` (what a correctly rounded implementation returns)."""
    hi, lo = _split(expected)
    with np.errstate(all="ignore"):
        if np.dtype(dtype) == np.float64:
            return hi.copy()
        return hi.astype(dtype).astype(np.float64)


def abs_error(actual, expected):
    """|actual - expected| in float64 (double-double aware); nan/inf conventions as ulp_distance."""
    a = np.asarray(actual).astype(np.float64)
    hi, lo = _split(expected)
    a, hi, lo = np.broadcast_arrays(a, hi, lo)
    with np.errstate(all="ignore"):
        err = np.abs((a - hi) - lo)
    an, en = np.isnan(a), np.isnan(hi)
    err = np.where(an & en, 0.0, err)
    err = np.where(an ^ en, np.inf, err)
    ei = np.isinf(hi)
    err = np.where(ei & ~en, np.where(a == hi, 0.0, np.inf), err)
    err = np.where(np.isinf(a) & ~ei & ~an & ~en, np.inf, err)
    return err


def ulp_distance(actual, expected, dtype):
    """Error of ``actual`` in ULPs of ``dtype`` relative to ``expected`` (float64 array or a
    double-double ``(hi, lo)`` pair); see the module docstring for the conventions."""
    a = np.asarray(actual).astype(np.float64)
    hi, lo = _split(expected)
    a, hi, lo = np.broadcast_arrays(a, hi, lo)
    err = abs_error(a, (hi, lo))
    with np.errstate(all="ignore"):
        d = err / ulp_of(hi, dtype)
    d = np.where(err == 0, 0.0, d)
    d = np.where(np.isnan(d), np.inf, d)
    # A finite reference beyond the dtype's range: correct rounding gives +-inf.
    rounded = round_to((hi, lo), dtype)
    overflow = np.isfinite(hi) & np.isinf(rounded)
    d = np.where(overflow & (a == rounded), 0.0, d)
    return d


def zero_sign_mismatch(actual, expected, dtype, where=None):
    """Boolean mask: the (rounded) reference is a zero, ``actual`` is a zero, and their signs differ.

    ``where`` restricts the check (e.g. to inputs that are +-0, or to table entries)."""
    a = np.asarray(actual).astype(np.float64)
    e = round_to(expected, dtype)
    m = (e == 0) & (a == 0) & (np.signbit(a) != np.signbit(e))
    if where is not None:
        m &= where
    return m


# ----------------------------------------------------------------------------------------------
# float64 helpers
# ----------------------------------------------------------------------------------------------
def _f64(x):
    return np.asarray(x, dtype=np.float64)


def sigmoid_f64(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def erfc_f64(z):
    """erfc via CPython's math.erfc (checked against mpmath in the self-check: < 2 ulp)."""
    z = _f64(z)
    return np.asarray(_erfc(z), dtype=np.float64).reshape(z.shape)


def Phi_f64(x):
    with np.errstate(all="ignore"):
        return 0.5 * erfc_f64(-_f64(x) * SQRT1_2)


def _tanhshrink_series_coeffs(n=24):
    # x - tanh x = -sum_{k>=2} 2^{2k}(2^{2k}-1) B_{2k} x^{2k-1}/(2k)!
    with mp.workdps(50):
        c = []
        for k in range(2, n + 2):
            v = -(mpmath.mpf(2) ** (2 * k)) * (mpmath.mpf(2) ** (2 * k) - 1) * mpmath.bernoulli(2 * k) / mpmath.factorial(2 * k)
            c.append(float(v))
    return c  # coefficient of x^3, x^5, ...


_TS_COEFFS = _tanhshrink_series_coeffs()


def tanhshrink_f64(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        direct = x - np.tanh(x)
        z = x * x
        acc = np.zeros_like(x)
        for c in reversed(_TS_COEFFS):
            acc = acc * z + c
        series = acc * z * x
        r = np.where(np.abs(x) < 0.5, series, direct)
    return np.where(x == 0, 0.0, r)  # tanhshrink(-0) = +0 (PyTorch, CATALOGUE table)


def _mish_t(x):
    """tanh(softplus(x)) without cancellation: n/(n+2), n = e^x (e^x + 2)."""
    with np.errstate(all="ignore"):
        e = np.exp(np.minimum(x, 40.0))
        n = e * (e + 2.0)
        return np.where(x > 40.0, 1.0, n / (n + 2.0)), n


def _softplus_stable(z):
    with np.errstate(all="ignore"):
        return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _squareplus_s(x, b):
    with np.errstate(all="ignore"):
        return np.hypot(x, np.sqrt(b))


def _channel(x, w):
    """Broadcast a prelu weight (1 element, or one per channel on axis 1) against x."""
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.size == 1:
        return w.reshape(())
    if x.ndim < 2 or x.shape[1] != w.size:
        raise ValueError("prelu weight size does not match the channel axis")
    return w.reshape((1, w.size) + (1,) * (x.ndim - 2))


def _nan_in_nan_out(x, r):
    return np.where(np.isnan(x), np.nan, r)


# ----------------------------------------------------------------------------------------------
# Elementwise forward references (float64)
# ----------------------------------------------------------------------------------------------
def f_identity(x):
    return _f64(x).copy()


def f_sigmoid(x):
    return sigmoid_f64(x)


def f_tanh(x):
    return np.tanh(_f64(x))


def f_log_sigmoid(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def f_relu(x):
    x = _f64(x)
    return np.where(x < 0, 0.0, x)  # keeps -0 and nan


def f_relu6(x):
    x = _f64(x)
    return np.where(x < 0, 0.0, np.where(x > 6, 6.0, x))


def f_selu(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(x > 0, SELU_SCALE * x, (SELU_SCALE * SELU_ALPHA) * np.expm1(x))


def f_gelu(x, approximate="none"):
    x = _f64(x)
    with np.errstate(all="ignore"):
        if approximate == "none":
            r = 0.5 * x * erfc_f64(-x * SQRT1_2)
        elif approximate == "tanh":
            u = SQRT_2_OVER_PI * (x + GELU_C * x * x * x)
            r = x * sigmoid_f64(2.0 * u)  # = x (1 + tanh u)/2 without cancellation
        else:
            raise ValueError(approximate)
    return np.where(x == -np.inf, -0.0, r)


def f_silu(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        r = x * sigmoid_f64(x)
    return np.where(x == -np.inf, -0.0, r)


def f_mish(x):
    x = _f64(x)
    t, _ = _mish_t(x)
    with np.errstate(all="ignore"):
        r = x * t
    return np.where(x == -np.inf, -0.0, r)


def f_softsign(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        r = x / (1.0 + np.abs(x))
    return np.where(np.isinf(x), np.sign(x), r)


def f_tanhshrink(x):
    return tanhshrink_f64(x)


def f_hardsigmoid(x):
    x = _f64(x)
    return np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (x + 3.0) / 6.0))


def f_hardswish(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        # PyTorch: -0 for x <= -3 (x * 0); the limit -0 at -inf (CATALOGUE)
        return np.where(x <= -3, -0.0, np.where(x >= 3, x, x * (x + 3.0) / 6.0))


def f_sparse_sigmoid(x):
    x = _f64(x)
    return np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, (x + 1.0) / 2.0))


def f_sparse_plus(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1.0) ** 2 / 4.0))


def f_leaky_relu(x, negative_slope=0.01):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(x > 0, x, negative_slope * x)


def f_elu(x, alpha=1.0):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(x > 0, x, alpha * np.expm1(x))


def f_celu(x, alpha=1.0):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(x > 0, x, alpha * np.expm1(x / alpha))


def f_softplus(x, beta=1.0, threshold=20.0):
    x = _f64(x)
    with np.errstate(all="ignore"):
        bx = beta * x
        return np.where(bx > threshold, x, _softplus_stable(bx) / beta)


def f_hardtanh(x, min_val=-1.0, max_val=1.0):
    x = _f64(x)
    return np.where(x < min_val, min_val, np.where(x > max_val, max_val, x))


def f_hardshrink(x, lambd=0.5):
    x = _f64(x)
    return np.where(np.abs(x) <= lambd, 0.0, x)  # +0 inside (PyTorch), nan passes


def f_softshrink(x, lambd=0.5):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0.0))


def f_threshold(x, threshold, value):
    x = _f64(x)
    return np.where(x <= threshold, value, x)  # nan passes


def f_squareplus(x, b=4.0):
    x = _f64(x)
    s = _squareplus_s(x, b)
    with np.errstate(all="ignore"):
        pos = 0.5 * x + 0.5 * s
        neg = (0.25 * b) / (0.5 * s - 0.5 * x)  # = b / (2 (s - x)), no cancellation, no overflow
        return np.where(x >= 0, pos, neg)


def f_rrelu(x, lower=1.0 / 8, upper=1.0 / 3):
    return f_leaky_relu(x, (lower + upper) / 2.0)


def f_rrelu_train(x, noise):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(x >= 0, x, np.asarray(noise, np.float64) * x)


def f_prelu(x, weight):
    x = _f64(x)
    w = _channel(x, weight)
    with np.errstate(all="ignore"):
        return np.where(x > 0, x, w * x)  # PyTorch: x > 0 ? x : w*x  (prelu(-0, w<0) = +0)


FORWARD = {
    "identity": f_identity,
    "sigmoid": f_sigmoid,
    "tanh": f_tanh,
    "log_sigmoid": f_log_sigmoid,
    "relu": f_relu,
    "relu6": f_relu6,
    "selu": f_selu,
    "gelu": f_gelu,
    "silu": f_silu,
    "mish": f_mish,
    "softsign": f_softsign,
    "tanhshrink": f_tanhshrink,
    "hardsigmoid": f_hardsigmoid,
    "hardswish": f_hardswish,
    "sparse_sigmoid": f_sparse_sigmoid,
    "sparse_plus": f_sparse_plus,
    "leaky_relu": f_leaky_relu,
    "elu": f_elu,
    "celu": f_celu,
    "softplus": f_softplus,
    "hardtanh": f_hardtanh,
    "hardshrink": f_hardshrink,
    "softshrink": f_softshrink,
    "threshold": f_threshold,
    "squareplus": f_squareplus,
    "rrelu": f_rrelu,
    "prelu": f_prelu,
}

ELEMENTWISE = tuple(FORWARD)

# The spec's parameter lists (name, default); REQUIRED marks a required parameter.
REQUIRED = object()
PARAMS = {n: () for n in ELEMENTWISE}
PARAMS.update(
    gelu=(("approximate", "none"),),
    leaky_relu=(("negative_slope", 0.01),),
    elu=(("alpha", 1.0),),
    celu=(("alpha", 1.0),),
    softplus=(("beta", 1.0), ("threshold", 20.0)),
    hardtanh=(("min_val", -1.0), ("max_val", 1.0)),
    hardshrink=(("lambd", 0.5),),
    softshrink=(("lambd", 0.5),),
    threshold=(("threshold", REQUIRED), ("value", REQUIRED)),
    squareplus=(("b", 4.0),),
    rrelu=(("lower", 1.0 / 8), ("upper", 1.0 / 3)),
    prelu=(("weight", REQUIRED),),
)
BACKWARD_FROM = {n: "input" for n in ELEMENTWISE}
BACKWARD_FROM.update(sigmoid="output", tanh="output", relu="output")
ALIASES = {
    "identity": ("linear",),
    "log_sigmoid": ("logsigmoid",),
    "silu": ("swish",),
    "softsign": ("soft_sign",),
    "hardsigmoid": ("hard_sigmoid",),
    "hardswish": ("hard_swish", "hard_silu"),
    "hardtanh": ("hard_tanh",),
    "hardshrink": ("hard_shrink",),
    "softshrink": ("soft_shrink",),
}

# ----------------------------------------------------------------------------------------------
# Elementwise backward references (float64), always as functions of the INPUT x
# ----------------------------------------------------------------------------------------------
def b_identity(g, x):
    return _nan_in_nan_out(_f64(x), _f64(g) * np.ones_like(_f64(x)))


def b_sigmoid(g, x):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, g * sigmoid_f64(x) * sigmoid_f64(-x))


def b_tanh(g, x):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        sech = 1.0 / np.cosh(x)
        return _nan_in_nan_out(x, g * sech * sech)


def b_log_sigmoid(g, x):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, g * sigmoid_f64(-x))


def b_relu(g, x):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where(x > 0, g, 0.0))


def b_relu6(g, x):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where((x > 0) & (x < 6), g, 0.0))


def b_selu(g, x):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        return _nan_in_nan_out(x, np.where(x > 0, g * SELU_SCALE, g * (SELU_SCALE * SELU_ALPHA) * np.exp(x)))


def b_gelu(g, x, approximate="none"):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        if approximate == "none":
            d = Phi_f64(x) + x * (INV_SQRT_2PI * np.exp(-0.5 * x * x))
        else:
            u = SQRT_2_OVER_PI * (x + GELU_C * x * x * x)
            sp, sm = sigmoid_f64(2.0 * u), sigmoid_f64(-2.0 * u)
            d = sp + 2.0 * x * sp * sm * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x)
        big = np.abs(x) > 1e10  # second term is exactly negligible, avoid inf*0
        d = np.where(big, np.where(x > 0, 1.0, 0.0), d)
        return _nan_in_nan_out(x, g * d)


def b_silu(g, x):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        s, sm = sigmoid_f64(x), sigmoid_f64(-x)
        d = s * (1.0 + x * sm)
        d = np.where(np.isinf(x), np.where(x > 0, 1.0, 0.0), d)
        return _nan_in_nan_out(x, g * d)


def b_mish(g, x):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        t, n = _mish_t(x)
        one_m_t2 = 4.0 * (n + 1.0) / ((n + 2.0) * (n + 2.0))  # 1 - t^2 without cancellation
        d = t + x * sigmoid_f64(x) * one_m_t2
        d = np.where(x > 40.0, 1.0, np.where(x == -np.inf, 0.0, d))
        return _nan_in_nan_out(x, g * d)


def b_softsign(g, x):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        a = 1.0 + np.abs(x)
        return _nan_in_nan_out(x, g / a / a)


def b_tanhshrink(g, x):
    x, g = _f64(x), _f64(g)
    t = np.tanh(x)
    return _nan_in_nan_out(x, g * t * t)


def b_hardsigmoid(g, x):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where((x > -3) & (x < 3), g / 6.0, 0.0))


def b_hardswish(g, x):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        return _nan_in_nan_out(x, np.where(x <= -3, 0.0, np.where(x >= 3, g, g * (x / 3.0 + 0.5))))


def b_sparse_sigmoid(g, x):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where((x > -1) & (x < 1), g / 2.0, 0.0))


def b_sparse_plus(g, x):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        return _nan_in_nan_out(x, np.where(x <= -1, 0.0, np.where(x >= 1, g, g * (x + 1.0) / 2.0)))


def b_leaky_relu(g, x, negative_slope=0.01):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where(x > 0, g, g * negative_slope))


def b_elu(g, x, alpha=1.0):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        return _nan_in_nan_out(x, np.where(x > 0, g, g * alpha * np.exp(x)))


def b_celu(g, x, alpha=1.0):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        return _nan_in_nan_out(x, np.where(x > 0, g, g * np.exp(x / alpha)))


def b_softplus(g, x, beta=1.0, threshold=20.0):
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        bx = beta * x
        return _nan_in_nan_out(x, np.where(bx > threshold, g, g * sigmoid_f64(bx)))


def b_hardtanh(g, x, min_val=-1.0, max_val=1.0):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where((x > min_val) & (x < max_val), g, 0.0))


def b_hardshrink(g, x, lambd=0.5):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where(np.abs(x) > lambd, g, 0.0))


def b_softshrink(g, x, lambd=0.5):
    return b_hardshrink(g, x, lambd)


def b_threshold(g, x, threshold, value):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where(x > threshold, g, 0.0))


def b_squareplus(g, x, b=4.0):
    x, g = _f64(x), _f64(g)
    s = _squareplus_s(x, b)
    with np.errstate(all="ignore"):
        pos = 0.5 * (1.0 + x / s)
        neg = 0.5 * b / ((s - x) * s)  # = (1 + x/s)/2 for x < 0, without cancellation
        d = np.where(x >= 0, pos, neg)
        d = np.where(x == np.inf, 1.0, d)
        return _nan_in_nan_out(x, g * d)


def b_rrelu(g, x, lower=1.0 / 8, upper=1.0 / 3):
    return b_leaky_relu(g, x, (lower + upper) / 2.0)


def b_rrelu_train(g, x, noise):
    x, g = _f64(x), _f64(g)
    return _nan_in_nan_out(x, np.where(x > 0, g, g * np.asarray(noise, np.float64)))


def b_prelu(g, x, weight):
    """Returns (grad_input, grad_weight); grad_weight has weight's shape (1-D)."""
    x, g = _f64(x), _f64(g)
    w = _channel(x, weight)
    gi = _nan_in_nan_out(x, np.where(x > 0, g, w * g))
    with np.errstate(all="ignore"):
        contrib = np.where(x > 0, 0.0, x * g)
        wsize = np.asarray(weight).size
        if wsize == 1:
            gw = np.array([contrib.sum()])
        else:
            axes = tuple(i for i in range(x.ndim) if i != 1)
            gw = contrib.sum(axis=axes)
    return gi, gw


BACKWARD = {
    "identity": b_identity,
    "sigmoid": b_sigmoid,
    "tanh": b_tanh,
    "log_sigmoid": b_log_sigmoid,
    "relu": b_relu,
    "relu6": b_relu6,
    "selu": b_selu,
    "gelu": b_gelu,
    "silu": b_silu,
    "mish": b_mish,
    "softsign": b_softsign,
    "tanhshrink": b_tanhshrink,
    "hardsigmoid": b_hardsigmoid,
    "hardswish": b_hardswish,
    "sparse_sigmoid": b_sparse_sigmoid,
    "sparse_plus": b_sparse_plus,
    "leaky_relu": b_leaky_relu,
    "elu": b_elu,
    "celu": b_celu,
    "softplus": b_softplus,
    "hardtanh": b_hardtanh,
    "hardshrink": b_hardshrink,
    "softshrink": b_softshrink,
    "threshold": b_threshold,
    "squareplus": b_squareplus,
    "rrelu": b_rrelu,
    "prelu": b_prelu,
}


def backward_terms(name, g, x, **params):
    """|g| * (sum of the magnitudes of the terms of the derivative formula).

    Used as the scale of an absolute error allowance for the derivatives that have an interior zero
    (gelu, silu, mish): next to that zero the terms cancel, and no working-precision evaluation can
    give a small relative error there.  For every other function this is |reference| (pure ULPs)."""
    x, g = _f64(x), _f64(g)
    with np.errstate(all="ignore"):
        if name == "gelu":
            if params.get("approximate", "none") == "none":
                t = np.abs(Phi_f64(x)) + np.abs(x * INV_SQRT_2PI * np.exp(-0.5 * x * x))
            else:
                u = SQRT_2_OVER_PI * (x + GELU_C * x * x * x)
                sp, sm = sigmoid_f64(2.0 * u), sigmoid_f64(-2.0 * u)
                t = sp + np.abs(2.0 * x * sp * sm * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x))
        elif name == "silu":
            s, sm = sigmoid_f64(x), sigmoid_f64(-x)
            t = s * (1.0 + np.abs(x) * sm)
        elif name == "mish":
            tt, n = _mish_t(x)
            t = tt + np.abs(x) * sigmoid_f64(x) * 4.0 * (n + 1.0) / ((n + 2.0) * (n + 2.0))
        else:
            return np.abs(BACKWARD[name](g, x, **params))
        t = np.where(np.isfinite(t), t, 1.0)
        return np.abs(g) * t


# Output -> input conversion for the backward_from == "output" functions.
def _logit(y):
    y = _f64(y)
    with np.errstate(all="ignore"):
        return np.log(y) - np.log1p(-y)


def _arctanh(y):
    with np.errstate(divide="ignore"):
        return np.arctanh(_f64(y))


INVERSE = {
    "sigmoid": _logit,
    "tanh": lambda y: _arctanh(y),
    "relu": lambda y: _f64(y).copy(),
}

# ----------------------------------------------------------------------------------------------
# mpmath references (scalar mpf in, mpf out); for float64 accuracy checks on finite inputs
# ----------------------------------------------------------------------------------------------
def _mps(x):
    return mpmath.mpf(x)


def _mp_sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _mp_log1pexp(z):
    # log(1 + e^z) without losing tiny e^z
    if z > 0:
        return z + mpmath.log1p(mpmath.exp(-z))
    return mpmath.log1p(mpmath.exp(z))


def mpf_identity(x):
    return x


def mpf_sigmoid(x):
    return _mp_sigmoid(x)


def mpf_tanh(x):
    return mpmath.tanh(x)


def mpf_log_sigmoid(x):
    return -_mp_log1pexp(-x)


def mpf_relu(x):
    return x if x > 0 else mpmath.mpf(0)


def mpf_relu6(x):
    return mpmath.mpf(0) if x < 0 else (mpmath.mpf(6) if x > 6 else x)


def mpf_selu(x):
    return SELU_SCALE_MP * (x if x > 0 else SELU_ALPHA_MP * mpmath.expm1(x))


def mpf_gelu(x, approximate="none"):
    if abs(x) > 1e10:  # mpmath's erfc overflows internally for huge arguments
        return x if x > 0 else mpmath.mpf(0) * x
    if approximate == "none":
        return x / 2 * mpmath.erfc(-x / mpmath.sqrt(2))
    u = mpmath.sqrt(2 / mpmath.pi) * (x + mpmath.mpf("0.044715") * x**3)
    return x * _mp_sigmoid(2 * u)


def mpf_silu(x):
    return x * _mp_sigmoid(x)


def mpf_mish(x):
    return x * mpmath.tanh(_mp_log1pexp(x))


def mpf_softsign(x):
    return x / (1 + abs(x))


def mpf_tanhshrink(x):
    if x == 0:
        return mpmath.mpf(0)
    extra = max(0, int(-2 * mpmath.log10(abs(x)))) + 10
    with mp.workdps(mp.dps + extra):
        return +(x - mpmath.tanh(x))


def mpf_hardsigmoid(x):
    return mpmath.mpf(0) if x <= -3 else (mpmath.mpf(1) if x >= 3 else (x + 3) / 6)


def mpf_hardswish(x):
    return mpmath.mpf(0) if x <= -3 else (x if x >= 3 else x * (x + 3) / 6)


def mpf_sparse_sigmoid(x):
    return mpmath.mpf(0) if x <= -1 else (mpmath.mpf(1) if x >= 1 else (x + 1) / 2)


def mpf_sparse_plus(x):
    return mpmath.mpf(0) if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4)


def mpf_leaky_relu(x, negative_slope=0.01):
    return x if x > 0 else _mps(negative_slope) * x


def mpf_elu(x, alpha=1.0):
    return x if x > 0 else _mps(alpha) * mpmath.expm1(x)


def mpf_celu(x, alpha=1.0):
    return x if x > 0 else _mps(alpha) * mpmath.expm1(x / _mps(alpha))


def mpf_softplus(x, beta=1.0, threshold=20.0):
    if float(beta) * float(x) > threshold:  # the decision is taken in float64, as fastact does
        return x
    b = _mps(beta)
    return _mp_log1pexp(b * x) / b


def mpf_hardtanh(x, min_val=-1.0, max_val=1.0):
    return _mps(min_val) if x < min_val else (_mps(max_val) if x > max_val else x)


def mpf_hardshrink(x, lambd=0.5):
    return x if abs(x) > lambd else mpmath.mpf(0)


def mpf_softshrink(x, lambd=0.5):
    lam = _mps(lambd)
    return x - lam if x > lam else (x + lam if x < -lam else mpmath.mpf(0))


def mpf_threshold(x, threshold, value):
    return x if x > threshold else _mps(value)


def mpf_squareplus(x, b=4.0):
    b = _mps(b)
    s = mpmath.sqrt(x * x + b)
    return (x + s) / 2 if x >= 0 else b / (2 * (s - x))


def mpf_rrelu(x, lower=1.0 / 8, upper=1.0 / 3):
    return x if x > 0 else (_mps(lower) + _mps(upper)) / 2 * x


FORWARD_MP = {
    "identity": mpf_identity,
    "sigmoid": mpf_sigmoid,
    "tanh": mpf_tanh,
    "log_sigmoid": mpf_log_sigmoid,
    "relu": mpf_relu,
    "relu6": mpf_relu6,
    "selu": mpf_selu,
    "gelu": mpf_gelu,
    "silu": mpf_silu,
    "mish": mpf_mish,
    "softsign": mpf_softsign,
    "tanhshrink": mpf_tanhshrink,
    "hardsigmoid": mpf_hardsigmoid,
    "hardswish": mpf_hardswish,
    "sparse_sigmoid": mpf_sparse_sigmoid,
    "sparse_plus": mpf_sparse_plus,
    "leaky_relu": mpf_leaky_relu,
    "elu": mpf_elu,
    "celu": mpf_celu,
    "softplus": mpf_softplus,
    "hardtanh": mpf_hardtanh,
    "hardshrink": mpf_hardshrink,
    "softshrink": mpf_softshrink,
    "threshold": mpf_threshold,
    "squareplus": mpf_squareplus,
    "rrelu": mpf_rrelu,
    # prelu: per-element weight, see mp_forward
}


def mpb_identity(g, x):
    return g


def mpb_sigmoid(g, x):
    return g * _mp_sigmoid(x) * _mp_sigmoid(-x)


def mpb_tanh(g, x):
    return g / mpmath.cosh(x) ** 2


def mpb_log_sigmoid(g, x):
    return g * _mp_sigmoid(-x)


def mpb_relu(g, x):
    return g if x > 0 else mpmath.mpf(0)


def mpb_relu6(g, x):
    return g if 0 < x < 6 else mpmath.mpf(0)


def mpb_selu(g, x):
    return g * SELU_SCALE_MP if x > 0 else g * SELU_SCALE_MP * SELU_ALPHA_MP * mpmath.exp(x)


def mpb_gelu(g, x, approximate="none"):
    if abs(x) > 1e10:
        return g if x > 0 else mpmath.mpf(0)
    if approximate == "none":
        return g * (mpmath.erfc(-x / mpmath.sqrt(2)) / 2 + x * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi))
    c = mpmath.mpf("0.044715")
    k = mpmath.sqrt(2 / mpmath.pi)
    u = k * (x + c * x**3)
    sp, sm = _mp_sigmoid(2 * u), _mp_sigmoid(-2 * u)
    return g * (sp + 2 * x * sp * sm * k * (1 + 3 * c * x * x))


def mpb_silu(g, x):
    return g * _mp_sigmoid(x) * (1 + x * _mp_sigmoid(-x))


def mpb_mish(g, x):
    sp = _mp_log1pexp(x)
    return g * (mpmath.tanh(sp) + x * _mp_sigmoid(x) / mpmath.cosh(sp) ** 2)


def mpb_softsign(g, x):
    return g / (1 + abs(x)) ** 2


def mpb_tanhshrink(g, x):
    return g * mpmath.tanh(x) ** 2


def mpb_hardsigmoid(g, x):
    return g / 6 if -3 < x < 3 else mpmath.mpf(0)


def mpb_hardswish(g, x):
    return mpmath.mpf(0) if x <= -3 else (g if x >= 3 else g * (x / 3 + mpmath.mpf(0.5)))


def mpb_sparse_sigmoid(g, x):
    return g / 2 if -1 < x < 1 else mpmath.mpf(0)


def mpb_sparse_plus(g, x):
    return mpmath.mpf(0) if x <= -1 else (g if x >= 1 else g * (x + 1) / 2)


def mpb_leaky_relu(g, x, negative_slope=0.01):
    return g if x > 0 else g * _mps(negative_slope)


def mpb_elu(g, x, alpha=1.0):
    return g if x > 0 else g * _mps(alpha) * mpmath.exp(x)


def mpb_celu(g, x, alpha=1.0):
    return g if x > 0 else g * mpmath.exp(x / _mps(alpha))


def mpb_softplus(g, x, beta=1.0, threshold=20.0):
    if float(beta) * float(x) > threshold:
        return g
    return g * _mp_sigmoid(_mps(beta) * x)


def mpb_hardtanh(g, x, min_val=-1.0, max_val=1.0):
    return g if min_val < x < max_val else mpmath.mpf(0)


def mpb_hardshrink(g, x, lambd=0.5):
    return g if abs(x) > lambd else mpmath.mpf(0)


def mpb_threshold(g, x, threshold, value):
    return g if x > threshold else mpmath.mpf(0)


def mpb_squareplus(g, x, b=4.0):
    b = _mps(b)
    s = mpmath.sqrt(x * x + b)
    return g * (1 + x / s) / 2 if x >= 0 else g * b / (2 * (s - x) * s)


def mpb_rrelu(g, x, lower=1.0 / 8, upper=1.0 / 3):
    return g if x > 0 else g * (_mps(lower) + _mps(upper)) / 2


BACKWARD_MP = {
    "identity": mpb_identity,
    "sigmoid": mpb_sigmoid,
    "tanh": mpb_tanh,
    "log_sigmoid": mpb_log_sigmoid,
    "relu": mpb_relu,
    "relu6": mpb_relu6,
    "selu": mpb_selu,
    "gelu": mpb_gelu,
    "silu": mpb_silu,
    "mish": mpb_mish,
    "softsign": mpb_softsign,
    "tanhshrink": mpb_tanhshrink,
    "hardsigmoid": mpb_hardsigmoid,
    "hardswish": mpb_hardswish,
    "sparse_sigmoid": mpb_sparse_sigmoid,
    "sparse_plus": mpb_sparse_plus,
    "leaky_relu": mpb_leaky_relu,
    "elu": mpb_elu,
    "celu": mpb_celu,
    "softplus": mpb_softplus,
    "hardtanh": mpb_hardtanh,
    "hardshrink": mpb_hardshrink,
    "softshrink": mpb_hardshrink,
    "threshold": mpb_threshold,
    "squareplus": mpb_squareplus,
    "rrelu": mpb_rrelu,
}

INVERSE_MP = {
    "sigmoid": lambda y: mpmath.log(y / (1 - y)),
    "tanh": lambda y: mpmath.atanh(y),
    "relu": lambda y: y,
}


def _to_dd(v):
    """mpf -> (hi, lo) float64 double-double."""
    hi = float(v)
    if not math.isfinite(hi):
        return hi, 0.0
    return hi, float(v - hi)


def _dd_arrays(vals, shape):
    hi = np.empty(len(vals))
    lo = np.empty(len(vals))
    for i, v in enumerate(vals):
        hi[i], lo[i] = _to_dd(v)
    return hi.reshape(shape), lo.reshape(shape)


def mp_forward(name, x, **params):
    """FORWARD_MP over a float64 array of FINITE values -> (hi, lo).  prelu: scalar weight only."""
    x = _f64(x)
    if name == "prelu":
        w = float(np.asarray(params["weight"]).reshape(-1)[0])
        fn = lambda v: v if v > 0 else _mps(w) * v  # noqa: E731
        params = {}
    else:
        fn = FORWARD_MP[name]
    out = []
    with mp.workdps(MP_DPS):
        for v in x.reshape(-1):
            if math.isnan(v):
                out.append(mpmath.mpf("nan"))
            else:
                out.append(fn(_mps(float(v)), **params))
        return _dd_arrays(out, x.shape)


def mp_backward(name, g, x, from_output=False, **params):
    """BACKWARD_MP over float64 arrays -> (hi, lo).  With from_output, ``x`` holds y = forward(x)
    and is converted exactly with INVERSE_MP first."""
    x = _f64(x)
    g = np.broadcast_to(_f64(g), x.shape)
    if name == "prelu":
        w = float(np.asarray(params["weight"]).reshape(-1)[0])
        fn = lambda gg, v: gg if v > 0 else gg * _mps(w)  # noqa: E731
        params = {}
    else:
        fn = BACKWARD_MP[name]
    out = []
    with mp.workdps(MP_DPS):
        for gv, v in zip(g.reshape(-1), x.reshape(-1)):
            if math.isnan(v):
                out.append(mpmath.mpf("nan"))
                continue
            xv = _mps(float(v))
            if from_output:
                if name == "sigmoid" and (xv <= 0 or xv >= 1):
                    out.append(mpmath.mpf(0))
                    continue
                if name == "tanh" and abs(xv) >= 1:
                    out.append(mpmath.mpf(0))
                    continue
                xv = INVERSE_MP[name](xv)
            out.append(fn(_mps(float(gv)), xv, **params))
        return _dd_arrays(out, x.shape)


# ----------------------------------------------------------------------------------------------
# Kinks, interesting points, input sweeps
# ----------------------------------------------------------------------------------------------
def kinks(name, **params):
    """Points where the function or its derivative is not smooth (excluded from finite differences
    and probed densely by the sweeps)."""
    p = dict((k, v) for k, v in PARAMS[name])
    p.update(params)
    if name in ("relu", "leaky_relu", "elu", "celu", "selu", "rrelu", "prelu"):
        return [0.0]
    if name == "relu6":
        return [0.0, 6.0]
    if name in ("hardsigmoid", "hardswish"):
        return [-3.0, 3.0]
    if name in ("sparse_sigmoid", "sparse_plus"):
        return [-1.0, 1.0]
    if name == "hardtanh":
        return [p["min_val"], p["max_val"]]
    if name in ("hardshrink", "softshrink"):
        return [-p["lambd"], p["lambd"]]
    if name == "threshold":
        return [p["threshold"]]
    if name == "softplus":
        return [p["threshold"] / p["beta"]]
    return []


# Points where a derivative crosses zero (cancellation) or a formula changes regime.
INTERESTING = {
    "gelu": [-0.7517915246, -1.0, 1.0],
    "silu": [-1.2784645428],
    "mish": [-1.1922011135],
    "tanhshrink": [0.5, -0.5, 1e-3, -1e-3],
    "softsign": [1.0, -1.0],
    "squareplus": [0.0],
}


def _exp_range(dtype):
    """|x| beyond which e^-|x| is below the smallest subnormal of dtype (plus a margin)."""
    return -math.log(_FMT[np.dtype(dtype)][2]) + 5.0


def sweep_range(name, dtype, **params):
    """Half-width of the uniform part of the sweep: where the function is interesting in dtype."""
    L = _exp_range(dtype)
    if name == "gelu":
        return math.sqrt(2 * L) + 2.0
    if name in ("sigmoid", "log_sigmoid", "silu", "mish", "selu", "elu"):
        return L
    if name == "celu":
        return L * abs(params.get("alpha", 1.0))
    if name == "softplus":
        return max(L / abs(params.get("beta", 1.0)), 1.5 * abs(params.get("threshold", 20.0) / params.get("beta", 1.0)))
    if name in ("tanh", "tanhshrink"):
        return 0.5 * _FMT[np.dtype(dtype)][0] * math.log(2) + 3
    if name in ("softsign", "squareplus"):
        return 50.0
    if name == "threshold":
        return 4.0 + abs(params["threshold"])
    if name == "hardtanh":
        return 2.0 + max(abs(params.get("min_val", -1.0)), abs(params.get("max_val", 1.0)))
    return 8.0


def representable(v, dtype):
    """Round float64 values to dtype and back (values the dtype can hold), dropping non-finite
    ones produced by overflow."""
    with np.errstate(all="ignore"):
        r = np.asarray(v, np.float64).astype(dtype).astype(np.float64)
    return r[np.isfinite(r)]


def near(points, dtype, steps=3):
    """Each point, its neighbours +-1..steps ULPs of dtype, and a few offsets."""
    out = []
    dt = np.dtype(dtype)
    for p in points:
        with np.errstate(over="ignore"):
            v = dt.type(p)
        out.append(float(v))
        up = down = v
        for _ in range(steps):
            up = np.nextafter(up, dt.type(np.inf))
            down = np.nextafter(down, dt.type(-np.inf))
            out += [float(up), float(down)]
        for off in (1e-3, 1e-2, 0.1):
            out += [p + off, p - off]
    return representable(np.array(out), dtype)


def sweep(name, dtype, n=3000, seed=0, **params):
    """A reproducible float64 array (values exactly representable in dtype, all finite) covering:
    a uniform sample over the function's interesting range, a log-uniform sample of magnitudes over
    the whole dtype range (both signs, subnormals included), the neighbourhoods of kinks and of
    interesting points, +-0, and the largest finite values."""
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    minsub = _FMT[dt][2]
    rng = np.random.default_rng([zlib.crc32(f"{name}/{dt.name}/{sorted(params.items())}".encode()), seed])
    R = sweep_range(name, dtype, **params)
    parts = [rng.uniform(-R, R, n // 2)]
    lo, hi = math.log2(minsub), math.log2(float(fi.max))
    mags = 2.0 ** rng.uniform(lo, hi, n // 3)
    parts.append(mags * rng.choice([-1.0, 1.0], mags.size))
    parts.append(rng.uniform(-1, 1, n // 10))
    special = [0.0, -0.0, minsub, -minsub, 3 * minsub, -3 * minsub, float(fi.tiny), -float(fi.tiny),
               float(fi.max), -float(fi.max), float(fi.max) / 2, -float(fi.max) / 2, 1.0, -1.0]
    if dt == np.float32:
        special += [1e4, -1e4, 1e38, -1e38, 3e38, -3e38, 100.0, -100.0]
    if dt == np.float64:
        special += [1e300, -1e300, 1e154, -1e154, 1e4, -1e4, 740.0, -740.0]
    parts.append(np.array(special))
    pts = kinks(name, **params) + INTERESTING.get(name, [])
    if pts:
        parts.append(near(pts, dtype))
    x = representable(np.concatenate(parts), dtype)
    # keep +-0 distinct (np.unique would merge them): dedupe on the bit pattern
    bits = x.view(np.int64)
    _, idx = np.unique(bits, return_index=True)
    return x[np.sort(idx)]


# ----------------------------------------------------------------------------------------------
# Special values (CATALOGUE.md "Special values" and "Accuracy")
# ----------------------------------------------------------------------------------------------
def _mpval(name, x, **params):
    """float64 of the mpmath reference (for the non-exact table entries)."""
    with mp.workdps(MP_DPS):
        return float(FORWARD_MP[name](_mps(x), **params))


def _mpdval(name, x, **params):
    with mp.workdps(MP_DPS):
        return float(BACKWARD_MP[name](mpmath.mpf(1), _mps(x), **params))


Special = namedtuple("Special", "name params x expected dtypes exact check_sign note")


def _sp(name, x, expected, params=None, dtypes=FLOAT_DTYPES, exact=True, check_sign=True, note=""):
    return Special(name, params or {}, float(x), float(expected), tuple(dtypes), exact, check_sign, note)


NAN, INF = float("nan"), float("inf")
LN2 = math.log(2.0)
_F5 = (NAN, INF, -INF, -0.0, 0.0)
_TABLE5 = {
    # CATALOGUE "Special values" (torch 2.13 CPU float32, x = nan, +inf, -inf, -0.0, +0.0)
    "relu": [NAN, INF, 0.0, -0.0, 0.0],
    "relu6": [NAN, 6.0, 0.0, -0.0, 0.0],
    "hardtanh": [NAN, 1.0, -1.0, -0.0, 0.0],
    "elu": [NAN, INF, -1.0, -0.0, 0.0],
    "selu": [NAN, INF, -SELU_SCALE * SELU_ALPHA, -0.0, 0.0],
    "softplus": [NAN, INF, 0.0, LN2, LN2],
    "log_sigmoid": [NAN, 0.0, -INF, -LN2, -LN2],
    "sigmoid": [NAN, 1.0, 0.0, 0.5, 0.5],
    "hardsigmoid": [NAN, 1.0, 0.0, 0.5, 0.5],
    "leaky_relu": [NAN, INF, -INF, -0.0, 0.0],
    "hardshrink": [NAN, INF, -INF, 0.0, 0.0],
    "softshrink": [NAN, INF, -INF, -0.0, 0.0],
    "tanhshrink": [NAN, INF, -INF, 0.0, 0.0],
    # limits fastact returns where PyTorch gives nan (CATALOGUE): gelu(inf)=inf, gelu(-inf)=-0,
    # silu/mish/hardswish(-inf)=-0, softsign(+-inf)=+-1; the rest follow the formulas.
    "identity": [NAN, INF, -INF, -0.0, 0.0],
    "tanh": [NAN, 1.0, -1.0, -0.0, 0.0],
    "silu": [NAN, INF, -0.0, -0.0, 0.0],
    "mish": [NAN, INF, -0.0, -0.0, 0.0],
    "softsign": [NAN, 1.0, -1.0, -0.0, 0.0],
    "hardswish": [NAN, INF, -0.0, -0.0, 0.0],
    "sparse_sigmoid": [NAN, 1.0, 0.0, 0.5, 0.5],
    "sparse_plus": [NAN, INF, 0.0, 0.25, 0.25],
    "celu": [NAN, INF, -1.0, -0.0, 0.0],
    "squareplus": [NAN, INF, 0.0, 1.0, 1.0],
    "rrelu": [NAN, INF, -INF, -0.0, 0.0],
}

SPECIAL_FORWARD = []
for _n, _vals in _TABLE5.items():
    for _x, _e in zip(_F5, _vals):
        _exact = not (_e in (LN2, -LN2) or _n == "selu" and _x == -INF)
        SPECIAL_FORWARD.append(_sp(_n, _x, _e, exact=_exact))
for _x, _e in zip(_F5, [NAN, INF, 5.0, 5.0, 5.0]):
    SPECIAL_FORWARD.append(_sp("threshold", _x, _e, params={"threshold": 0.0, "value": 5.0}))
for _x, _e in zip(_F5, [NAN, INF, -INF, -0.0, 0.0]):
    SPECIAL_FORWARD.append(_sp("prelu", _x, _e, params={"weight": 0.25}))
for _ap in ("none", "tanh"):
    # gelu(-0): PyTorch float32 is inconsistent (+0 on its vector path, -0 scalar / float64): sign unchecked
    for _x, _e, _cs in zip(_F5, [NAN, INF, -0.0, 0.0, 0.0], [True, True, True, False, True]):
        SPECIAL_FORWARD.append(_sp("gelu", _x, _e, params={"approximate": _ap}, check_sign=_cs))

_F16, _F32, _F64 = (np.float16,), (np.float32,), (np.float64,)
SPECIAL_FORWARD += [
    # zero-result signs PyTorch gives consistently
    _sp("relu", -5.0, 0.0), _sp("relu6", -5.0, 0.0), _sp("relu6", 7.0, 6.0), _sp("hardsigmoid", -5.0, 0.0),
    _sp("hardswish", -5.0, -0.0), _sp("hardswish", -3.0, -0.0), _sp("hardswish", 3.0, 3.0),
    _sp("hardshrink", -0.3, 0.0), _sp("hardshrink", 0.5, 0.0), _sp("hardshrink", -0.5, 0.0),
    _sp("softshrink", 0.5, 0.0), _sp("hardsigmoid", 3.0, 1.0), _sp("hardsigmoid", -3.0, 0.0),
    _sp("sparse_sigmoid", -1.0, 0.0), _sp("sparse_sigmoid", 1.0, 1.0), _sp("sparse_plus", -1.0, 0.0),
    _sp("sparse_plus", 1.0, 1.0), _sp("threshold", 0.5, 2.0, params={"threshold": 0.5, "value": 2.0}),
    _sp("hardtanh", -2.0, -1.0), _sp("hardtanh", 2.0, 1.0), _sp("elu", -INF, -2.0, params={"alpha": 2.0}),
    _sp("celu", -INF, -2.0, params={"alpha": 2.0}),
    _sp("relu6", 6.0, 6.0), _sp("relu", 5.0, 5.0),
    # ACCURACY: subnormal results (PyTorch flushes these to 0)
    _sp("sigmoid", -100.0, _mpval("sigmoid", -100.0), dtypes=_F32, exact=False, note="3.78e-44 in float32"),
    _sp("silu", -100.0, _mpval("silu", -100.0), dtypes=_F32, exact=False),
    _sp("gelu", -13.0, _mpval("gelu", -13.0), dtypes=_F32, exact=False),
    _sp("sigmoid", -740.0, _mpval("sigmoid", -740.0), dtypes=_F64, exact=False),
    _sp("sigmoid", -100.0, 0.0, dtypes=_F16),
    _sp("sigmoid", -10.0, _mpval("sigmoid", -10.0), dtypes=_F16, exact=False),
    # no cancellation near 0
    _sp("tanhshrink", 1e-5, _mpval("tanhshrink", 1e-5), dtypes=_F64, exact=False),
    _sp("tanhshrink", 9.999999747378752e-06, _mpval("tanhshrink", 9.999999747378752e-06), dtypes=_F32, exact=False, note="float32(1e-5)"),
    _sp("tanhshrink", -9.999999747378752e-06, _mpval("tanhshrink", -9.999999747378752e-06), dtypes=_F32, exact=False),
    _sp("tanhshrink", 1e-200, 0.0, dtypes=_F64),
    # no overflow in intermediate steps
    _sp("hardswish", 1e38, 1e38, dtypes=_F32, exact=False),
    _sp("hardswish", 1e308, 1e308, dtypes=_F64),
    _sp("hardswish", 6e4, 6e4, dtypes=_F16, exact=False),
    _sp("squareplus", 3e38, 3e38, dtypes=_F32, exact=False),
    _sp("squareplus", -3e38, _mpval("squareplus", -3e38), dtypes=_F32, exact=False),
    _sp("squareplus", 1e308, 1e308, dtypes=_F64),
    _sp("squareplus", -1e308, _mpval("squareplus", -1e308), dtypes=_F64, exact=False),
    _sp("softplus", 3e38, 3e38, dtypes=_F32, exact=False),
    _sp("softplus", -3e38, 0.0, dtypes=_F32),
    _sp("softplus", 1e4, 1e4, params={"threshold": 1e30}, dtypes=(np.float32, np.float64), exact=False),
    _sp("softplus", 1e300, 1e300, params={"threshold": INF}, dtypes=_F64, exact=False),
]
# subnormal inputs (the smallest subnormal of each dtype)
for _dt in FLOAT_DTYPES:
    _ms = _FMT[np.dtype(_dt)][2]
    _d = (_dt,)
    SPECIAL_FORWARD += [
        _sp("relu", _ms, _ms, dtypes=_d), _sp("relu", -_ms, 0.0, dtypes=_d),
        _sp("identity", -_ms, -_ms, dtypes=_d), _sp("tanh", _ms, _ms, dtypes=_d), _sp("tanh", -_ms, -_ms, dtypes=_d),
        _sp("softsign", _ms, _ms, dtypes=_d), _sp("softsign", -_ms, -_ms, dtypes=_d),
        _sp("hardtanh", -_ms, -_ms, dtypes=_d), _sp("relu6", _ms, _ms, dtypes=_d),
        _sp("elu", -_ms, -_ms, dtypes=_d), _sp("celu", -_ms, -_ms, dtypes=_d),
        _sp("selu", _ms, SELU_SCALE * _ms, dtypes=_d, exact=False),
        _sp("leaky_relu", -_ms, -0.0, dtypes=_d, note="0.01 * smallest subnormal rounds to -0"),
        _sp("sigmoid", _ms, 0.5, dtypes=_d), _sp("log_sigmoid", -_ms, -LN2, dtypes=_d, exact=False),
        _sp("softplus", _ms, LN2, dtypes=_d, exact=False), _sp("hardsigmoid", _ms, 0.5, dtypes=_d),
        _sp("gelu", _ms, _mpval("gelu", _ms), dtypes=_d, exact=False, check_sign=False),
        _sp("silu", _ms, _mpval("silu", _ms), dtypes=_d, exact=False, check_sign=False),
        _sp("tanhshrink", _ms, 0.0, dtypes=_d, check_sign=False),
        _sp("hardshrink", _ms, 0.0, dtypes=_d), _sp("softshrink", -_ms, -0.0, dtypes=_d),
    ]

# large magnitudes never overflow to nan/inf where the result is finite
for _big, _dts in ((1e4, _F32), (1e300, _F64), (6e4, _F16)):
    for _n, _pos, _neg, _neg_sign in (
        ("sigmoid", 1.0, 0.0, True), ("softplus", _big, 0.0, True), ("log_sigmoid", 0.0, -_big, False),
        ("silu", _big, -0.0, True), ("mish", _big, -0.0, True), ("gelu", _big, -0.0, True),
        ("tanh", 1.0, -1.0, True), ("softsign", 1.0 - 1.0 / (1.0 + _big), -(1.0 - 1.0 / (1.0 + _big)), True),
        ("elu", _big, -1.0, True), ("selu", SELU_SCALE * _big, -SELU_SCALE * SELU_ALPHA, True),
        ("tanhshrink", _big - 1.0, 1.0 - _big, True),
    ):
        # log_sigmoid(+big) is -e^-big: underflows to a zero whose sign is not specified
        SPECIAL_FORWARD.append(_sp(_n, _big, _pos, dtypes=_dts, exact=False, check_sign=(_n != "log_sigmoid")))
        SPECIAL_FORWARD.append(_sp(_n, -_big, _neg, dtypes=_dts, exact=False, check_sign=_neg_sign))
    SPECIAL_FORWARD.append(_sp("gelu", _big, _big, params={"approximate": "tanh"}, dtypes=_dts, exact=False))
    SPECIAL_FORWARD.append(_sp("gelu", -_big, -0.0, params={"approximate": "tanh"}, dtypes=_dts))


SpecialB = namedtuple("SpecialB", "name params x g expected dtypes exact note")


def _sb(name, x, expected, g=1.0, params=None, dtypes=FLOAT_DTYPES, exact=True, note=""):
    return SpecialB(name, params or {}, float(x), float(g), float(expected), tuple(dtypes), exact, note)


SPECIAL_BACKWARD = []
# nan in -> nan out for every backward (PyTorch returns a finite gradient at nan for the piecewise
# functions; fastact deliberately does not).
_DEFAULT_PARAMS = {"threshold": {"threshold": 0.0, "value": 5.0}, "prelu": {"weight": 0.25}}
for _n in ELEMENTWISE:
    SPECIAL_BACKWARD.append(_sb(_n, NAN, NAN, params=_DEFAULT_PARAMS.get(_n)))
for _ap in ("tanh",):
    SPECIAL_BACKWARD.append(_sb("gelu", NAN, NAN, params={"approximate": _ap}))
SPECIAL_BACKWARD += [
    # kinks, as PyTorch 2.13 (CATALOGUE)
    _sb("relu", 0.0, 0.0), _sb("relu", -0.0, 0.0),
    _sb("relu6", 0.0, 0.0), _sb("relu6", 6.0, 0.0), _sb("relu6", -0.0, 0.0),
    _sb("hardtanh", -1.0, 0.0), _sb("hardtanh", 1.0, 0.0), _sb("hardtanh", 0.0, 1.0), _sb("hardtanh", -0.0, 1.0),
    _sb("hardswish", -3.0, 0.0), _sb("hardswish", 3.0, 1.0), _sb("hardswish", 3.0, 2.5, g=2.5),
    _sb("hardsigmoid", -3.0, 0.0), _sb("hardsigmoid", 3.0, 0.0),
    _sb("selu", 0.0, SELU_SCALE * SELU_ALPHA, exact=False), _sb("selu", -0.0, SELU_SCALE * SELU_ALPHA, exact=False),
    _sb("elu", 0.0, 1.0), _sb("elu", 0.0, 2.0, params={"alpha": 2.0}),
    _sb("celu", 0.0, 1.0), _sb("celu", 0.0, 1.0, params={"alpha": 2.0}),
    _sb("leaky_relu", 0.0, 0.25, params={"negative_slope": 0.25}),
    _sb("rrelu", 0.0, 0.375, params={"lower": 0.25, "upper": 0.5}),
    _sb("prelu", 0.0, 0.25, params={"weight": 0.25}),
    _sb("hardshrink", 0.5, 0.0), _sb("hardshrink", -0.5, 0.0),
    _sb("softshrink", 0.5, 0.0), _sb("softshrink", -0.5, 0.0),
    _sb("threshold", 0.5, 0.0, params={"threshold": 0.5, "value": 2.0}),
    _sb("sparse_sigmoid", -1.0, 0.0), _sb("sparse_sigmoid", 1.0, 0.0),
    _sb("sparse_plus", -1.0, 0.0), _sb("sparse_plus", 1.0, 1.0),
    _sb("softplus", 20.0, _mpdval("softplus", 20.0), exact=False, note="beta*x == threshold is not > threshold"),
    # derivatives at +-inf are the limits, never nan
    _sb("identity", INF, 1.0), _sb("sigmoid", INF, 0.0), _sb("sigmoid", -INF, 0.0),
    _sb("tanh", INF, 0.0), _sb("tanh", -INF, 0.0),
    _sb("log_sigmoid", -INF, 1.0), _sb("log_sigmoid", INF, 0.0),
    _sb("relu", INF, 1.0), _sb("relu", -INF, 0.0), _sb("relu6", INF, 0.0),
    _sb("softplus", INF, 1.0), _sb("softplus", -INF, 0.0),
    _sb("gelu", INF, 1.0), _sb("gelu", -INF, 0.0),
    _sb("gelu", INF, 1.0, params={"approximate": "tanh"}), _sb("gelu", -INF, 0.0, params={"approximate": "tanh"}),
    _sb("silu", INF, 1.0), _sb("silu", -INF, 0.0), _sb("mish", INF, 1.0), _sb("mish", -INF, 0.0),
    _sb("softsign", INF, 0.0), _sb("softsign", -INF, 0.0),
    _sb("tanhshrink", INF, 1.0), _sb("tanhshrink", -INF, 1.0),
    _sb("selu", INF, SELU_SCALE, exact=False), _sb("selu", -INF, 0.0),
    _sb("elu", -INF, 0.0), _sb("elu", INF, 1.0), _sb("celu", -INF, 0.0), _sb("celu", INF, 1.0),
    _sb("squareplus", INF, 1.0), _sb("squareplus", -INF, 0.0),
    _sb("hardswish", INF, 1.0), _sb("hardswish", -INF, 0.0),
    _sb("hardsigmoid", INF, 0.0), _sb("hardtanh", INF, 0.0), _sb("hardtanh", -INF, 0.0),
    _sb("leaky_relu", -INF, 0.25, params={"negative_slope": 0.25}), _sb("leaky_relu", INF, 1.0),
    _sb("hardshrink", INF, 1.0), _sb("softshrink", -INF, 1.0),
    _sb("sparse_plus", INF, 1.0), _sb("sparse_sigmoid", INF, 0.0),
]
for _big, _dts in ((1e4, _F32), (1e300, _F64), (6e4, _F16)):
    for _n in ("sigmoid", "softplus", "log_sigmoid", "silu", "mish", "gelu", "tanh", "tanhshrink", "elu",
               "squareplus", "softsign", "selu", "celu"):
        SPECIAL_BACKWARD.append(_sb(_n, _big, _mpdval(_n, _big), dtypes=_dts, exact=False))
        SPECIAL_BACKWARD.append(_sb(_n, -_big, _mpdval(_n, -_big), dtypes=_dts, exact=False))
    SPECIAL_BACKWARD.append(_sb("gelu", _big, 1.0, params={"approximate": "tanh"}, dtypes=_dts, exact=False))
    SPECIAL_BACKWARD.append(_sb("gelu", -_big, 0.0, params={"approximate": "tanh"}, dtypes=_dts, exact=False))


# ----------------------------------------------------------------------------------------------
# Row-wise references (float64), along an axis (int or tuple of ints)
# ----------------------------------------------------------------------------------------------
def _normalize_axes(ndim, axis):
    axes = (axis,) if np.isscalar(axis) or isinstance(axis, (int, np.integer)) else tuple(axis)
    nd = max(ndim, 1)
    out = []
    for a in axes:
        if not -nd <= a < nd:
            raise np.exceptions.AxisError(a, nd)
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise ValueError("repeated axis")
    return tuple(out)


def _to_rows(x, axis):
    """Move the reduction axes last and flatten them: returns (rows (m, n), restore function)."""
    x = _f64(x)
    if x.ndim == 0:
        rows = x.reshape(1, 1)
        return rows, lambda r: r.reshape(())
    axes = _normalize_axes(x.ndim, axis)
    keep = [i for i in range(x.ndim) if i not in axes]
    perm = keep + list(axes)
    xt = np.transpose(x, perm)
    kshape = xt.shape[: len(keep)]
    n = int(np.prod(xt.shape[len(keep):], dtype=np.int64))
    rows = xt.reshape(int(np.prod(kshape, dtype=np.int64)), n)
    tshape = xt.shape
    inv = np.argsort(perm)

    def restore(r):
        return np.transpose(r.reshape(tshape), inv)

    restore.kshape = kshape
    restore.axes = axes
    return rows, restore


def _reduced_shape(x, axis, keepdims):
    x = np.asarray(x)
    if x.ndim == 0:
        return ()
    axes = _normalize_axes(x.ndim, axis)
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    return tuple(s for i, s in enumerate(x.shape) if i not in axes)


def _rows_lse(rows):
    """(max, log1p(sum of e^(x-max) over all entries but one argmax), lse) per row, CATALOGUE rules."""
    m_rows, n = rows.shape
    with np.errstate(all="ignore"):
        if n == 0:
            m = np.full(m_rows, -np.inf)
            return m, np.zeros(m_rows), m.copy()
        m = np.max(rows, axis=1)  # nan propagates
        e = np.exp(rows - m[:, None])
        am = np.argmax(rows, axis=1)
        e[np.arange(m_rows), am] = 0.0
        s = e.sum(axis=1)
        l1p = np.log1p(s)
        lse = np.where(np.isinf(m), m, m + l1p)
    return m, l1p, lse


def softmax(x, axis=-1):
    rows, restore = _to_rows(x, axis)
    if rows.shape[1] == 0:
        return restore(rows.copy())
    m, l1p, _ = _rows_lse(rows)
    with np.errstate(all="ignore"):
        e = np.exp(rows - m[:, None])
        y = e / np.sum(e, axis=1, keepdims=True)
        y = np.where(np.isinf(m)[:, None], np.nan, y)  # +inf in the row, or all -inf
    return restore(y)


def log_softmax(x, axis=-1):
    rows, restore = _to_rows(x, axis)
    if rows.shape[1] == 0:
        return restore(rows.copy())
    m, l1p, _ = _rows_lse(rows)
    with np.errstate(all="ignore"):
        y = (rows - m[:, None]) - l1p[:, None]
        y = np.where(np.isinf(m)[:, None], np.nan, y)
    return restore(y)


def softmin(x, axis=-1):
    with np.errstate(all="ignore"):
        return softmax(-_f64(x), axis)


def logsumexp(x, axis=-1, keepdims=False):
    x = _f64(x)
    rows, _ = _to_rows(x, axis)
    _, _, lse = _rows_lse(rows)
    return lse.reshape(_reduced_shape(x, axis, keepdims))


def _split_halves(x, axis):
    x = _f64(x)
    ax = _normalize_axes(x.ndim, axis)[0]
    n = x.shape[ax]
    if n % 2:
        raise ValueError("glu: odd size along axis")
    a = np.take(x, np.arange(n // 2), axis=ax)
    b = np.take(x, np.arange(n // 2, n), axis=ax)
    return a, b, ax


def glu(x, axis=-1):
    a, b, _ = _split_halves(x, axis)
    with np.errstate(all="ignore"):
        return a * sigmoid_f64(b)


def _groups(x, pieces, axis):
    x = _f64(x)
    ax = _normalize_axes(x.ndim, axis)[0]
    n = x.shape[ax]
    if n % pieces:
        raise ValueError("maxout: size not divisible by pieces")
    xm = np.moveaxis(x, ax, -1)
    return xm.reshape(xm.shape[:-1] + (n // pieces, pieces)), ax


def maxout(x, pieces, axis=-1):
    gx, ax = _groups(x, pieces, axis)
    return np.moveaxis(np.max(gx, axis=-1), -1, ax)


def _sparsemax_row(z):
    """Exact sparsemax of one float64 row, in rational arithmetic (then rounded once)."""
    if np.isnan(z).any() or z.size == 0:
        return np.full(z.shape, np.nan), Fraction(0)
    fz = [Fraction(float(v)) for v in z]
    srt = sorted(fz, reverse=True)
    cs = Fraction(0)
    k = 0
    csk = Fraction(0)
    for i, v in enumerate(srt, 1):
        cs += v
        if 1 + i * v > cs:
            k, csk = i, cs
    tau = (csk - 1) / k
    return np.array([float(max(v - tau, Fraction(0))) for v in fz]), tau


def sparsemax(x, axis=-1):
    rows, restore = _to_rows(x, axis)
    out = np.empty_like(rows)
    for i in range(rows.shape[0]):
        out[i] = _sparsemax_row(rows[i])[0]
    return restore(out)


def sparsemax_tau(x, axis=-1):
    """The threshold tau of each row (float64), for error allowances."""
    rows, _ = _to_rows(x, axis)
    taus = []
    for i in range(rows.shape[0]):
        taus.append(float(_sparsemax_row(rows[i])[1]))
    return np.array(taus)


# --- row-wise backwards ---------------------------------------------------------------------
def softmax_backward(g, y, axis=-1):
    grows, restore = _to_rows(g, axis)
    yrows, _ = _to_rows(y, axis)
    with np.errstate(all="ignore"):
        c = np.sum(grows * yrows, axis=1, keepdims=True)
        return restore(yrows * (grows - c))


def log_softmax_backward(g, y, axis=-1):
    grows, restore = _to_rows(g, axis)
    yrows, _ = _to_rows(y, axis)
    with np.errstate(all="ignore"):
        return restore(grows - np.exp(yrows) * np.sum(grows, axis=1, keepdims=True))


def softmin_backward(g, y, axis=-1):
    with np.errstate(all="ignore"):
        return -softmax_backward(g, y, axis)


def logsumexp_backward(g, x, axis=-1, keepdims=False):
    x = _f64(x)
    rows, restore = _to_rows(x, axis)
    _, _, lse = _rows_lse(rows)
    g = _f64(g).reshape(-1)
    with np.errstate(all="ignore"):
        return restore(g[:, None] * np.exp(rows - lse[:, None]))


def glu_backward(g, x, axis=-1):
    a, b, ax = _split_halves(x, axis)
    g = _f64(g)
    with np.errstate(all="ignore"):
        s, sm = sigmoid_f64(b), sigmoid_f64(-b)
        return np.concatenate([g * s, g * a * s * sm], axis=ax)


def maxout_backward(g, x, pieces, axis=-1):
    gx, ax = _groups(x, pieces, axis)
    gm = np.moveaxis(_f64(g), ax, -1)
    idx = np.argmax(gx, axis=-1)  # first maximum
    out = np.zeros(gx.shape)
    np.put_along_axis(out, idx[..., None], gm[..., None], axis=-1)
    out = out.reshape(gx.shape[:-2] + (-1,))
    return np.moveaxis(out, -1, ax)


def sparsemax_backward(g, y, axis=-1):
    grows, restore = _to_rows(g, axis)
    yrows, _ = _to_rows(y, axis)
    sup = yrows > 0
    with np.errstate(all="ignore"):
        k = sup.sum(axis=1, keepdims=True)
        mean = np.where(sup, grows, 0.0).sum(axis=1, keepdims=True) / k
        out = np.where(sup, grows - mean, 0.0)
        out = np.where(np.isnan(yrows).any(axis=1, keepdims=True), np.nan, out)
    return restore(out)


# --- mpmath versions for the float64 checks (small arrays; return (hi, lo)) -------------------
def _mp_rows(rows_fn, x, axis, *extra):
    rows, restore = _to_rows(x, axis)
    extra_rows = [_to_rows(e, axis)[0] for e in extra]
    his = np.empty_like(rows)
    los = np.empty_like(rows)
    with mp.workdps(MP_DPS):
        for i in range(rows.shape[0]):
            vals = rows_fn([_mps(float(v)) for v in rows[i]], *[[_mps(float(v)) for v in e[i]] for e in extra_rows])
            for j, v in enumerate(vals):
                his[i, j], los[i, j] = _to_dd(v)
    return restore(his), restore(los)


def _mp_softmax_row(r):
    m = max(r)
    e = [mpmath.exp(v - m) for v in r]
    s = mpmath.fsum(e)
    return [v / s for v in e]


def softmax_mp(x, axis=-1):
    """Finite x only."""
    return _mp_rows(_mp_softmax_row, x, axis)


def log_softmax_mp(x, axis=-1):
    def row(r):
        m = max(r)
        lse = m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in r))
        return [v - lse for v in r]
    return _mp_rows(row, x, axis)


def softmin_mp(x, axis=-1):
    return softmax_mp(-_f64(x), axis)


def logsumexp_mp(x, axis=-1, keepdims=False):
    x = _f64(x)
    rows, _ = _to_rows(x, axis)
    hi, lo = np.empty(rows.shape[0]), np.empty(rows.shape[0])
    with mp.workdps(MP_DPS):
        for i in range(rows.shape[0]):
            r = [_mps(float(v)) for v in rows[i]]
            m = max(r)
            hi[i], lo[i] = _to_dd(m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in r)))
    shp = _reduced_shape(x, axis, keepdims)
    return hi.reshape(shp), lo.reshape(shp)


def softmax_backward_mp(g, y, axis=-1):
    def row(gr, yr):
        c = mpmath.fsum(a * b for a, b in zip(gr, yr))
        return [b * (a - c) for a, b in zip(gr, yr)]
    return _mp_rows(row, g, axis, y)


def log_softmax_backward_mp(g, y, axis=-1):
    def row(gr, yr):
        s = mpmath.fsum(gr)
        return [a - mpmath.exp(b) * s for a, b in zip(gr, yr)]
    return _mp_rows(row, g, axis, y)


def softmin_backward_mp(g, y, axis=-1):
    hi, lo = softmax_backward_mp(g, y, axis)
    return -hi, -lo


def logsumexp_backward_mp(g, x, axis=-1, keepdims=False):
    x = _f64(x)
    gfull = np.broadcast_to(_f64(g).reshape(_reduced_shape(x, axis, True)), x.shape)

    def row(xr, gr):
        m = max(xr)
        lse = m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in xr))
        return [b * mpmath.exp(a - lse) for a, b in zip(xr, gr)]
    return _mp_rows(row, x, axis, np.ascontiguousarray(gfull))


def sparsemax_backward_mp(g, y, axis=-1):
    def row(gr, yr):
        sup = [b > 0 for b in yr]
        k = sum(sup)
        mean = mpmath.fsum(a for a, s in zip(gr, sup) if s) / k
        return [(a - mean) if s else mpmath.mpf(0) for a, s in zip(gr, sup)]
    return _mp_rows(row, g, axis, y)


ROWWISE = ("softmax", "log_softmax", "softmin", "logsumexp", "glu", "maxout", "sparsemax")
ROW_FORWARD = {
    "softmax": softmax, "log_softmax": log_softmax, "softmin": softmin, "logsumexp": logsumexp,
    "glu": glu, "maxout": maxout, "sparsemax": sparsemax,
}
ROW_BACKWARD = {
    "softmax": softmax_backward, "log_softmax": log_softmax_backward, "softmin": softmin_backward,
    "logsumexp": logsumexp_backward, "glu": glu_backward, "maxout": maxout_backward,
    "sparsemax": sparsemax_backward,
}
ROW_BACKWARD_FROM = {"softmax": "output", "log_softmax": "output", "softmin": "output",
                     "sparsemax": "output", "logsumexp": "input", "glu": "input", "maxout": "input"}


def glu_mp(x, axis=-1):
    """a * sigmoid(b) in mpmath -> (hi, lo)."""
    a, b, _ = _split_halves(x, axis)
    hi, lo = np.empty(a.shape), np.empty(a.shape)
    with mp.workdps(MP_DPS):
        for i, (av, bv) in enumerate(zip(a.reshape(-1), b.reshape(-1))):
            hi.flat[i], lo.flat[i] = _to_dd(_mps(float(av)) * _mp_sigmoid(_mps(float(bv))))
    return hi, lo


def glu_backward_mp(g, x, axis=-1):
    a, b, ax = _split_halves(x, axis)
    g = _f64(g)
    h1, l1, h2, l2 = (np.empty(a.shape) for _ in range(4))
    with mp.workdps(MP_DPS):
        for i, (gv, av, bv) in enumerate(zip(g.reshape(-1), a.reshape(-1), b.reshape(-1))):
            gm, am, bm = _mps(float(gv)), _mps(float(av)), _mps(float(bv))
            s, sm = _mp_sigmoid(bm), _mp_sigmoid(-bm)
            h1.flat[i], l1.flat[i] = _to_dd(gm * s)
            h2.flat[i], l2.flat[i] = _to_dd(gm * am * s * sm)
    return np.concatenate([h1, h2], axis=ax), np.concatenate([l1, l2], axis=ax)


ROW_FORWARD_MP = {
    "softmax": softmax_mp, "log_softmax": log_softmax_mp, "softmin": softmin_mp,
    "logsumexp": logsumexp_mp, "glu": glu_mp,
    # maxout and sparsemax: the float64 references are exact (max; rational arithmetic)
    "maxout": lambda x, pieces, axis=-1: (maxout(x, pieces, axis), np.zeros(maxout(x, pieces, axis).shape)),
    "sparsemax": lambda x, axis=-1: (sparsemax(x, axis), np.zeros(np.shape(x))),
}
ROW_BACKWARD_MP = {
    "softmax": softmax_backward_mp, "log_softmax": log_softmax_backward_mp,
    "softmin": softmin_backward_mp, "logsumexp": logsumexp_backward_mp, "glu": glu_backward_mp,
    "maxout": lambda g, x, pieces, axis=-1: (maxout_backward(g, x, pieces, axis), np.zeros(np.shape(x))),
    "sparsemax": sparsemax_backward_mp,
}
