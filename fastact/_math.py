"""The math every scalar definition goes through.

Every transcendental function used by ``fastact.definitions`` is called through
this module, never through :mod:`math` directly, so that one place decides how
``exp``, ``log1p``, ``tanh``... are computed on each target:

* in plain Python (the CUDA simulator, the pure-Python twin used in tests) the
  functions below run as written, on NumPy scalars, keeping their dtype;
* in numba-compiled code each function is an ``overload``: the generic one maps
  to numba's :mod:`math` support (libdevice on CUDA); on the CPU target a
  ``target="cpu"`` overload takes precedence and compiles fastact's own
  branch-free, vectorisable implementations (``fastact._fastmath``: numba
  emits scalar libm calls for exp/log1p/tanh/erf, which block SIMD).
  ``FASTACT_LIBM=1`` switches the CPU back to libm.

``cst(x, v)`` is the constant ``v`` in the floating type of ``x``. numba types a
bare float literal as float64, which would silently promote float32 kernels;
every constant in a definition is written ``cst(x, 0.5)`` instead.
"""

from __future__ import annotations

import math

import numpy as np

try:
    from numba import types
    from numba.extending import overload, register_jitable
except ImportError:  # numba missing: the definitions stay plain Python (native backend)
    types = None

    def register_jitable(fn):
        return fn

    def overload(*args, **kwargs):
        return lambda fn: fn

__all__ = [
    "cst", "exp", "expm1", "log", "log1p", "tanh", "erf", "erfc", "sqrt",
    "hypot", "isnan", "isinf", "copysign", "where_nan", "two_prod", "horner", "exp_shifted",
    "register_jitable",
]


def cst(x, v):
    """The Python float ``v`` as a constant of the floating type of ``x``."""
    return type(x)(v)


@overload(cst, target="generic")
def _cst_jit(x, v):
    if isinstance(x, types.Float):
        ty = x

        def impl(x, v):
            return ty(v)

        return impl
    return None


# Plain-Python bodies use NumPy so that they keep the scalar's dtype and return
# inf/0 on overflow instead of raising (math.exp(1000.0) raises OverflowError).
# erf/erfc have no NumPy ufunc; math's result is a Python float, which NumPy's
# promotion rules (NEP 50) treat as weakly typed, so the dtype is kept.

def exp(x):
    return np.exp(x)


def expm1(x):
    return np.expm1(x)


def log(x):
    return np.log(x)


def log1p(x):
    return np.log1p(x)


def tanh(x):
    return np.tanh(x)


def sqrt(x):
    return np.sqrt(x)


def hypot(x, y):
    return np.hypot(x, y)


def erf(x):
    return type(x)(math.erf(x)) if not np.isnan(x) else x


def erfc(x):
    return type(x)(math.erfc(x)) if not np.isnan(x) else x


def _generic(pyfunc, mathfunc):
    """Register ``mathfunc`` (from :mod:`math`) as the jitted body of ``pyfunc``."""

    @overload(pyfunc, target="generic")
    def _ol(x):
        if isinstance(x, types.Float):
            return lambda x: mathfunc(x)
        return None


for _py, _m in ((exp, math.exp), (expm1, math.expm1), (log, math.log),
                (log1p, math.log1p), (tanh, math.tanh), (sqrt, math.sqrt),
                (erf, math.erf), (erfc, math.erfc)):
    _generic(_py, _m)


def _cpu(pyfunc, f32impl, f64impl):
    """On the CPU target, ``pyfunc`` compiles to fastact's vectorisable version.

    A ``target="cpu"`` overload takes precedence over the generic one there;
    CUDA keeps the generic (libdevice) overload.
    """

    @overload(pyfunc, target="cpu", inline="always", jit_options={"forceinline": True})
    def _ol(x):
        if isinstance(x, types.Float):
            return (lambda x: f32impl(x)) if x.bitwidth == 32 else (lambda x: f64impl(x))
        return None


def use_fastmath() -> bool:
    """False when ``FASTACT_LIBM=1``: CPU kernels then call libm (for comparisons)."""
    import os
    return os.environ.get("FASTACT_LIBM", "0").strip().lower() in ("", "0", "false", "no")


# The functions whose fast versions pass the whole accuracy suite (tests/).
FAST = {"exp": exp, "expm1": expm1, "log": log, "log1p": log1p, "tanh": tanh, "erf": erf, "erfc": erfc}

if types is not None and use_fastmath():  # numba present
    from . import _fastmath as _fm

    for _n, _py in FAST.items():
        _cpu(_py, getattr(_fm, _n + "32"), getattr(_fm, _n + "64"))


@overload(hypot, target="generic")
def _hypot_jit(x, y):
    if isinstance(x, types.Float):
        return lambda x, y: math.hypot(x, y)
    return None


@register_jitable
def isnan(x):
    """True where x is nan (x != x: one compare, vectorises everywhere)."""
    return x != x


@register_jitable
def isinf(x):
    return abs(x) == cst(x, math.inf)


@register_jitable
def copysign(mag, sgn):
    """|mag| with the sign bit of sgn (signed zeros included)."""
    return math.copysign(mag, sgn)


@register_jitable
def where_nan(v, r):
    """``v`` if ``v`` is nan, else ``r``: makes a piecewise result propagate nan."""
    return v if v != v else r


def _split_const(x):
    """Veltkamp's splitter 2**ceil(p/2) + 1 for x's precision p."""
    return type(x)(4097.0 if np.asarray(x).dtype.itemsize == 4 else 134217729.0)


@overload(_split_const, target="generic")
def _split_const_jit(x):
    if isinstance(x, types.Float):
        c = np.float32(4097.0) if x.bitwidth == 32 else np.float64(134217729.0)
        return lambda x: c
    return None


@register_jitable
def two_prod(a, b):
    """(p, e) with p = fl(a*b) and a*b = p + e exactly (Dekker; no FMA needed).

    Valid while |a|, |b| stay below ~1e300 (float64) / ~1e35 (float32), where
    the split cannot overflow; callers clamp their arguments.
    """
    p = a * b
    c = _split_const(a)
    t = c * a
    ahi = t - (t - a)
    alo = a - ahi
    t = c * b
    bhi = t - (t - b)
    blo = b - bhi
    e = ((ahi * bhi - p) + ahi * blo + alo * bhi) + alo * blo
    return p, e


if types is not None and use_fastmath():
    @overload(two_prod, target="cpu", inline="always", jit_options={"forceinline": True})
    def _two_prod_cpu(a, b):
        # with a fused multiply-add the error term is one instruction, and exact
        if isinstance(a, types.Float) and isinstance(b, types.Float):
            def impl(a, b):
                p = a * b
                return p, _fm._fma(a, b, -p)
            return impl
        return None


def horner(t, c):
    """c[0] + c[1] t + ... + c[n-1] t**(n-1) (Horner's scheme) for a tuple of constants c."""
    p = c[-1]
    for ci in c[-2::-1]:
        p = p * t + ci
    return p


@overload(horner, target="generic")
def _horner_jit(t, c):
    # straight-line code (any target); the CPU overload below adds FMAs
    from ._fastmath import horner_impl
    return horner_impl(c.count) if isinstance(c, types.UniTuple) else None


if types is not None and use_fastmath():
    @overload(horner, target="cpu", inline="always", jit_options={"forceinline": True})
    def _horner_cpu(t, c):
        # the same straight-line scheme with fused multiply-adds
        if isinstance(c, types.UniTuple):
            return lambda t, c: _fm._horner(t, c)
        return None


@register_jitable
def _exp_shifted_generic(d, dd):
    e = exp(d)
    return e + e * dd


def exp_shifted(d, dd):
    """exp(d + dd) for d <= 0 and a tiny correction dd (the rounding error of
    d = x - max in the row kernels), to first order: e + e*dd."""
    e = exp(d)
    return e + e * dd


@overload(exp_shifted, target="generic")
def _exp_shifted_jit(d, dd):
    if isinstance(d, types.Float):
        return lambda d, dd: _exp_shifted_generic(d, dd)
    return None


if types is not None and use_fastmath():
    @overload(exp_shifted, target="cpu", inline="always", jit_options={"forceinline": True})
    def _exp_shifted_cpu(d, dd):
        # float32: the correction goes into the reduced argument of a cheaper
        # exp (no overflow side): fastact._fastmath.exp_shifted32
        if isinstance(d, types.Float) and d.bitwidth == 32:
            return lambda d, dd: _fm.exp_shifted32(d, dd)
        if isinstance(d, types.Float):
            return lambda d, dd: _exp_shifted_generic(d, dd)
        return None
