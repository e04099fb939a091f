"""The math every scalar definition goes through.

Every transcendental function used by ``fastact.definitions`` is called through
this module, never through :mod:`math` directly, so that one place decides how
``exp``, ``log1p``, ``tanh``... are computed on each target:

* in plain Python (the CUDA simulator, the pure-Python twin used in tests) the
  functions below run as written, on NumPy scalars, keeping their dtype;
* in numba-compiled code each function is an ``overload``: the generic one maps
  to numba's :mod:`math` support (libm on the CPU, libdevice on CUDA); the CPU
  target may swap in fastact's own vectorisable implementations
  (``fastact._fastmath``) without any definition changing.

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
    "hypot", "isnan", "isinf", "copysign", "where_nan", "register_jitable",
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
