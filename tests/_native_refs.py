"""Independent references for the native backend's tests (and native/tools/ulp_report.py).

Every elementwise kernel's forward and backward written out in mpmath (50
significant digits), from the catalogue's formulas, not from
``fastact.definitions``: what the C code must be close to, in ULPs of the
correctly rounded result. Row-wise references are float64/longdouble NumPy.

``REFS[kernel_name] = (forward(x, *params), backward(g, v, *params))`` on
mpmath numbers; ``v`` is the input x or the output y as the registry says.
"""

from __future__ import annotations

import math
import warnings

import mpmath as mp
import numpy as np

mp.mp.dps = 50

SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")
INF = mp.inf


def _isinf(x):
    return mp.isinf(x)


def _sigmoid(x):
    if x == INF:
        return mp.mpf(1)
    if x == -INF:
        return mp.mpf(0)
    return 1 / (1 + mp.exp(-x)) if x >= 0 else mp.exp(x) / (1 + mp.exp(x))


def _softplus(z):  # log(1 + e^z)
    if z == INF:
        return INF
    if z == -INF:
        return mp.mpf(0)
    return mp.log1p(mp.exp(z))


def _tanh(x):
    if _isinf(x):
        return mp.sign(x)
    return mp.tanh(x)


def _mul(a, b):
    """a * b with 0 * inf = 0 (the limits the catalogue asks for: x -> -inf of x e^x)."""
    if a == 0 or b == 0:
        return mp.mpf(0)
    return a * b


def _gelu(x):
    if abs(x) > 1e4:  # the limits, to any precision (mpmath's erfc overflows up there)
        return x if x > 0 else mp.mpf(0)
    return x * mp.ncdf(x)


def _gelu_bwd(g, x):
    if abs(x) > 1e4:
        return g * (1 if x > 0 else 0)
    return g * (mp.ncdf(x) + x * mp.npdf(x))


C_TANH = mp.sqrt(2 / mp.pi)
K_TANH = mp.mpf("0.044715")


def _gelu_tanh(x):
    if _isinf(x):
        return INF if x > 0 else mp.mpf(0)
    u = C_TANH * (x + K_TANH * x ** 3)
    return x * _sigmoid(2 * u)


def _gelu_tanh_bwd(g, x):
    if _isinf(x):
        return g * (1 if x > 0 else 0)
    # (1 + t)/2 = s and (1 - t^2)/4 = s (1 - s) with s = sigmoid(2u): no cancellation
    u = C_TANH * (x + K_TANH * x ** 3)
    s, sm = _sigmoid(2 * u), _sigmoid(-2 * u)
    return g * (s + 2 * x * s * sm * C_TANH * (1 + 3 * K_TANH * x * x))


def _silu(x):
    if x == -INF:
        return mp.mpf(0)
    return x * _sigmoid(x)


def _silu_bwd(g, x):
    if _isinf(x):
        return g * (1 if x > 0 else 0)
    s = _sigmoid(x)
    return g * s * (1 + x * (1 - s))


def _mish(x):
    if x == -INF:
        return mp.mpf(0)
    if x == INF:
        return INF
    return x * mp.tanh(_softplus(x))


def _mish_bwd(g, x):
    if _isinf(x):
        return g * (1 if x > 0 else 0)
    t = mp.tanh(_softplus(x))
    return g * (t + x * _sigmoid(x) * (1 - t * t))


def _tanhshrink(x):
    if _isinf(x):
        return x
    if abs(x) < 1e-3:  # x - tanh x cancels: the series (relative error < 1e-22)
        return x ** 3 / 3 - 2 * x ** 5 / 15 + 17 * x ** 7 / 315 - 62 * x ** 9 / 2835
    return x - mp.tanh(x)


def _piece(x, *cases):
    for cond, val in cases:
        if cond:
            return val
    raise AssertionError


def _squareplus(x, b):
    if x == INF:
        return INF
    if x == -INF:
        return mp.mpf(0)
    s = mp.sqrt(x * x + b)
    return (x + s) / 2 if x >= 0 else b / (2 * (s - x))  # x + s cancels for x < 0


def _squareplus_bwd(g, x, b):
    if _isinf(x):
        return g * (1 if x > 0 else 0)
    s = mp.sqrt(x * x + b)
    if s == 0:
        return mp.nan  # 0/0 at x = b = 0
    return g * (1 + x / s) / 2 if x >= 0 else g * b / (2 * s * (s - x))


REFS = {
    "identity": (lambda x: x, lambda g, x: g),
    "sigmoid": (_sigmoid, lambda g, y: g * y * (1 - y)),
    "tanh": (_tanh, lambda g, y: g * (1 - y * y)),
    "log_sigmoid": (lambda x: -_softplus(-x), lambda g, x: g * _sigmoid(-x)),
    "relu": (lambda x: max(x, mp.mpf(0)), lambda g, y: g if y > 0 else mp.mpf(0)),
    "relu6": (lambda x: min(max(x, mp.mpf(0)), mp.mpf(6)), lambda g, x: g if 0 < x < 6 else mp.mpf(0)),
    "selu": (lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x)),
             lambda g, x: g * SELU_SCALE if x > 0 else g * SELU_SCALE * SELU_ALPHA * mp.exp(x)),
    "gelu": (_gelu, _gelu_bwd),
    "gelu_tanh": (_gelu_tanh, _gelu_tanh_bwd),
    "silu": (_silu, _silu_bwd),
    "mish": (_mish, _mish_bwd),
    "softsign": (lambda x: mp.sign(x) if _isinf(x) else x / (1 + abs(x)),
                 lambda g, x: g / (1 + abs(x)) ** 2),
    "tanhshrink": (_tanhshrink, lambda g, x: g * _tanh(x) ** 2),
    "hardsigmoid": (lambda x: _piece(x, (x <= -3, mp.mpf(0)), (x >= 3, mp.mpf(1)), (True, (x + 3) / 6)),
                    lambda g, x: g / 6 if -3 < x < 3 else mp.mpf(0)),
    "hardswish": (lambda x: _piece(x, (x <= -3, mp.mpf(0)), (x >= 3, x), (True, x * (x + 3) / 6)),
                  lambda g, x: _piece(x, (x <= -3, mp.mpf(0)), (x >= 3, g), (True, g * (x / 3 + mp.mpf(1) / 2)))),
    "sparse_sigmoid": (lambda x: _piece(x, (x <= -1, mp.mpf(0)), (x >= 1, mp.mpf(1)), (True, (x + 1) / 2)),
                       lambda g, x: g / 2 if -1 < x < 1 else mp.mpf(0)),
    "sparse_plus": (lambda x: _piece(x, (x <= -1, mp.mpf(0)), (x >= 1, x), (True, (x + 1) ** 2 / 4)),
                    lambda g, x: _piece(x, (x <= -1, mp.mpf(0)), (x >= 1, g), (True, g * (x + 1) / 2))),
    "leaky_relu": (lambda x, s: x if x > 0 else _mul(s, x), lambda g, x, s: g if x > 0 else g * s),
    "elu": (lambda x, a: x if x > 0 else a * mp.expm1(x), lambda g, x, a: g if x > 0 else g * a * mp.exp(x)),
    "celu": (lambda x, a: x if x > 0 else a * mp.expm1(x / a),
             lambda g, x, a: g if x > 0 else g * mp.exp(x / a)),
    "softplus": (lambda x, b, t: x if b * x > t else _softplus(b * x) / b,
                 lambda g, x, b, t: g if b * x > t else g * _sigmoid(b * x)),
    "hardtanh": (lambda x, lo, hi: min(max(x, lo), hi), lambda g, x, lo, hi: g if lo < x < hi else mp.mpf(0)),
    "hardshrink": (lambda x, l: x if abs(x) > l else mp.mpf(0), lambda g, x, l: g if abs(x) > l else mp.mpf(0)),
    "softshrink": (lambda x, l: _piece(x, (x > l, x - l), (x < -l, x + l), (True, mp.mpf(0))),
                   lambda g, x, l: g if abs(x) > l else mp.mpf(0)),
    "threshold": (lambda x, t, v: x if x > t else v, lambda g, x, t, v: g if x > t else mp.mpf(0)),
    "squareplus": (_squareplus, _squareplus_bwd),
    "rrelu": (lambda x, s: x if x > 0 else _mul(s, x), lambda g, x, s: g if x > 0 else g * s),
    "prelu": (lambda x, w: x if x > 0 else _mul(w, x), lambda g, x, w: g if x > 0 else w * g),
}
PRELU_WEIGHT_GRAD = lambda g, x, w: mp.mpf(0) if x > 0 else x * g  # noqa: E731


def _gelu_tanh_terms(g, x):
    u = C_TANH * (x + K_TANH * x ** 3)
    s, sm = _sigmoid(2 * u), _sigmoid(-2 * u)
    return abs(g) * (s + abs(2 * x * s * sm * C_TANH * (1 + 3 * K_TANH * x * x)))


# Backward kernels whose formula is a sum of terms that cancel near a root of the
# derivative (gelu'(-0.75) = 0, silu'(-1.28) = 0, ...): the error there is measured
# in ulps of the sum of the terms' magnitudes (relative error is unbounded at a root).
BWD_SCALE = {
    "gelu": lambda g, x: abs(g) * (mp.ncdf(x) + abs(x) * mp.npdf(x)) if abs(x) < 1e4 else abs(g),
    "gelu_tanh": lambda g, x: _gelu_tanh_terms(g, x) if abs(x) < 1e4 else abs(g),
    "silu": lambda g, x: abs(g) * _sigmoid(x) * (1 + abs(x) * _sigmoid(-x)) if not _isinf(x) else abs(g),
    "mish": lambda g, x: abs(g) * (mp.tanh(_softplus(x)) + abs(x) * _sigmoid(x)
                                   * (1 - mp.tanh(_softplus(x)) ** 2)) if not _isinf(x) else abs(g),
}


def evaluate(fn, *cols, nan_in_nan_out: bool = True) -> np.ndarray:
    """fn over columns of float64-representable values -> longdouble array; nan where
    an argument is nan (the catalogue: nan in, nan out), unless told otherwise."""
    n = len(cols[0])
    out = np.empty(n, np.longdouble)
    for i in range(n):
        args = [mp.mpf(float(c[i])) for c in cols]
        if nan_in_nan_out and any(mp.isnan(a) for a in args):
            out[i] = np.nan
            continue
        v = fn(*args)
        with warnings.catch_warnings():  # beyond long double: inf
            warnings.simplefilter("ignore", RuntimeWarning)
            out[i] = np.longdouble(mp.nstr(v, 25)) if mp.isfinite(v) else \
                (np.nan if mp.isnan(v) else (np.inf if v > 0 else -np.inf))
    return out


def ulp_error(got: np.ndarray, ref: np.ndarray, dtype, scale: np.ndarray | None = None) -> np.ndarray:
    """|got - ref| in ULPs of ``dtype`` at the correctly rounded ref (subnormal spacing
    below the normal range), or at ``scale`` where that is larger; 0 where both are
    the same nan/inf, inf on a class mismatch."""
    dtype = np.dtype(dtype)
    got = np.asarray(got, dtype)
    with np.errstate(all="ignore"):
        r = ref.astype(dtype)
        if scale is not None:
            big = np.isfinite(scale) & (np.abs(scale) > np.abs(ref))
            r = np.where(big, scale, ref).astype(dtype)
        sp = np.spacing(np.abs(r)).astype(np.longdouble)
        err = np.abs(got.astype(np.longdouble) - ref) / sp
    same = (np.isnan(got) & np.isnan(ref)) | (got.astype(np.longdouble) == ref)
    err[same] = 0.0
    # the correctly rounded result overflows: inf is exact, the max finite is 1 ulp off at most
    over = np.isinf(r) & np.isfinite(ref)
    err[over & np.isinf(got) & (np.sign(got) == np.sign(ref))] = 0.0
    err[np.isnan(err)] = np.inf
    return err


# ---------------------------------------------------------------- row-wise (longdouble NumPy)

L = np.longdouble


def softmax_ref(x):
    x = x.astype(L)
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(-1, keepdims=True)


def _log1p_others(x):
    """m and log1p(sum of exp(x - m) over all entries but the first maximum): log of the
    full sum would lose the small terms to the rounding of 1 + sum, even in long double."""
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    np.put_along_axis(e, np.argmax(x, axis=-1)[..., None], 0, -1)
    return m, np.log1p(e.sum(-1, keepdims=True))


def log_softmax_ref(x):
    x = x.astype(L)
    m, ls = _log1p_others(x)
    return (x - m) - ls


def logsumexp_ref(x):
    x = x.astype(L)
    m, ls = _log1p_others(x)
    return (m + ls)[..., 0]


def glu_ref(x):
    x = x.astype(L)
    a, b = np.split(x, 2, axis=-1)
    return a / (1 + np.exp(-b))


def glu_backward_ref(g, x):
    x, g = x.astype(L), g.astype(L)
    a, b = np.split(x, 2, axis=-1)
    s, sm = 1 / (1 + np.exp(-b)), 1 / (1 + np.exp(b))  # s (1 - s) without cancellation
    return np.concatenate([g * s, g * a * s * sm], axis=-1)


def sparsemax_ref(x):
    """Sort-based projection onto the simplex (Martins & Astudillo 2016)."""
    x = x.astype(np.float64)
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    cs = np.cumsum(z, axis=-1)
    support = 1 + k * z > cs
    kz = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(cs, kz - 1, -1) - 1) / kz
    return np.maximum(x - tau, 0)


def maxout_ref(x, k):
    r, n = x.shape
    return x.reshape(r, n // k, k).max(-1)


def maxout_backward_ref(g, x, k):
    r, n = x.shape
    idx = x.reshape(r, n // k, k).argmax(-1)
    out = np.zeros((r, n // k, k), x.dtype)
    np.put_along_axis(out, idx[..., None], g[..., None], -1)
    return out.reshape(r, n)


def ulp_rowwise(got, ref, dtype) -> float:
    return float(np.max(ulp_error(np.asarray(got).ravel(), np.asarray(ref, L).ravel(), dtype), initial=0.0))


__all__ = ["REFS", "PRELU_WEIGHT_GRAD", "evaluate", "ulp_error", "math"]
