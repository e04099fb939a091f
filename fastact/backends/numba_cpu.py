"""numba CPU backend: the registry's scalar definitions as NumPy ufuncs.

Each scalar definition is compiled with ``numba.vectorize`` into a real NumPy
ufunc, lazily, once per (definition, dtype, serial|parallel) on first use,
and cached on disk (see :mod:`fastact.backends._cache`). NumPy's ufunc
machinery then does broadcasting, strides and ``out=``.

Row-wise kernels live in :mod:`fastact.backends.numba_cpu_rowwise`.
"""

from __future__ import annotations

import threading
from typing import Callable

import numba
import numpy as np
from numba import types
from numba.extending import overload, register_jitable

from . import _cache

__all__ = ["ufunc", "loop", "rowwise_kernel", "compiled", "threading_layer"]

_lock = threading.Lock()
_ufuncs: dict[tuple, np.ufunc] = {}
_loops: dict[tuple, Callable] = {}


@register_jitable
def _same(v):
    return v


def _wrap(fn: Callable, nargs: int, conv) -> Callable:
    """A fixed-arity kernel calling ``fn`` on ``conv``-converted arguments.

    ``conv`` is :func:`_same` or ``numba.float64`` (float32 kernels that
    compute in float64 and round once). numba's vectorize needs a function of
    fixed arity, hence one closure per arity.
    """
    if nargs == 1:
        def k1(a):
            return fn(conv(a))
        return k1
    if nargs == 2:
        def k2(a, b):
            return fn(conv(a), conv(b))
        return k2
    if nargs == 3:
        def k3(a, b, c):
            return fn(conv(a), conv(b), conv(c))
        return k3
    if nargs == 4:
        def k4(a, b, c, d):
            return fn(conv(a), conv(b), conv(c), conv(d))
        return k4
    if nargs == 5:
        def k5(a, b, c, d, e):
            return fn(conv(a), conv(b), conv(c), conv(d), conv(e))
        return k5
    raise ValueError(f"{fn.__name__}: {nargs} arguments is more than the backend supports")


def ufunc(fn: Callable, dtype: np.dtype, *, f32_via_f64: bool = False,
          parallel: bool = False) -> np.ufunc:
    """The compiled ufunc of scalar definition ``fn`` for ``dtype``.

    ``dtype`` is float32 or float64. The first call per key compiles (or
    loads from the disk cache); later calls are a dict lookup.
    """
    key = (fn, dtype.char, f32_via_f64, parallel)
    u = _ufuncs.get(key)
    if u is not None:
        return u
    with _lock:  # one compile per key, even when threads race to the first call
        u = _ufuncs.get(key)
        if u is None:
            u = _build(fn, dtype, f32_via_f64, parallel)
            _ufuncs[key] = u
    return u


def _build(fn, dtype, f32_via_f64, parallel):
    nargs = fn.__code__.co_argcount
    ty = numba.float32 if dtype == np.float32 else numba.float64
    conv = numba.float64 if (f32_via_f64 and dtype == np.float32) else _same
    sig = ty(*([ty] * nargs))
    if parallel:
        from . import _threads
        _threads.configure()
    cache = _cache.enabled()
    if cache:
        _cache.install()
    kernel = _wrap(fn, nargs, conv)
    kernel.__name__ = kernel.__qualname__ = f"{fn.__name__}_{dtype.name}"
    vec = numba.vectorize([sig], target="parallel" if parallel else "cpu", cache=cache)(kernel)
    u = getattr(vec, "ufunc", vec)  # DUFunc wraps the real np.ufunc
    assert isinstance(u, np.ufunc)
    return u


# ---------------------------------------------------------------- contiguous loops
#
# NumPy hands a scalar parameter (softplus's beta, elu's alpha) to a ufunc as a
# stride-0 operand, which sends numba's generated ufunc loop down its strided
# scalar path: nothing vectorises and exp-based kernels run 10-40x slower than
# with no parameter. For the common case -- every array operand contiguous and
# of the result's shape, parameters scalar -- the dispatcher calls these
# explicit loops instead, where LLVM hoists the scalars and vectorises.

def _at(a, i):
    """a[i] for a 1-D array, a itself for a scalar (resolved at typing time)."""
    return a[i] if isinstance(a, np.ndarray) else a


@overload(_at, target="cpu", inline="always")
def _at_jit(a, i):
    if isinstance(a, types.Array):
        return lambda a, i: a[i]
    return lambda a, i: a


def _make_loop(fn, nargs, conv, parallel):
    rng = numba.prange if parallel else range
    if nargs == 1:
        def l1(a, out):
            for i in rng(out.shape[0]):
                out[i] = fn(conv(a[i]))
        return l1
    if nargs == 2:
        def l2(a, b, out):
            for i in rng(out.shape[0]):
                out[i] = fn(conv(_at(a, i)), conv(_at(b, i)))
        return l2
    if nargs == 3:
        def l3(a, b, c, out):
            for i in rng(out.shape[0]):
                out[i] = fn(conv(_at(a, i)), conv(_at(b, i)), conv(_at(c, i)))
        return l3
    if nargs == 4:
        def l4(a, b, c, d, out):
            for i in rng(out.shape[0]):
                out[i] = fn(conv(_at(a, i)), conv(_at(b, i)), conv(_at(c, i)), conv(_at(d, i)))
        return l4
    if nargs == 5:
        def l5(a, b, c, d, e, out):
            for i in rng(out.shape[0]):
                out[i] = fn(conv(_at(a, i)), conv(_at(b, i)), conv(_at(c, i)), conv(_at(d, i)),
                            conv(_at(e, i)))
        return l5
    raise ValueError(f"{fn.__name__}: {nargs} arguments is more than the backend supports")


def loop(fn: Callable, *, f32_via_f64: bool = False, parallel: bool = False) -> Callable:
    """``f(*operands, out)``: ``out[i] = fn(operand_0[i], ...)`` over 1-D contiguous ``out``.

    Array operands are 1-D, contiguous, of ``out``'s length and dtype; the
    others are scalars of that dtype. Compiled lazily per dtype combination
    (numba dispatcher), disk-cached.
    """
    key = (fn, f32_via_f64, parallel)
    f = _loops.get(key)
    if f is not None:
        return f
    with _lock:
        f = _loops.get(key)
        if f is None:
            if parallel:
                from . import _threads
                _threads.configure()
            cache = _cache.enabled()
            if cache:
                _cache.install()
            nargs = fn.__code__.co_argcount
            conv = _to64 if f32_via_f64 else _same
            body = _make_loop(_inlined(fn), nargs, conv, parallel)
            body.__name__ = body.__qualname__ = f"{fn.__name__}_loop{'_par' if parallel else ''}" \
                f"{'_via64' if f32_via_f64 else ''}"
            f = numba.njit(cache=cache, nogil=True, parallel=parallel, error_model="numpy")(body)
            _loops[key] = f
    return f


def _inlined(fn: Callable) -> Callable:
    """``fn`` compiled to be inlined into its caller (LLVM ``alwaysinline``).

    A definition calling exp/log1p/erf is too large for LLVM's inliner to
    take on its own; left as a call it blocks vectorisation of the loop, and
    it would keep numba's default Python error model (a zero-division check,
    i.e. a branch that raises, in every division). Forced inline with the
    NumPy error model the loop vectorises: selu 11 -> ~1 ns/element.
    """
    return numba.njit(forceinline=True, error_model="numpy", cache=False)(fn)


@register_jitable
def _to64(v):
    return numba.float64(v)


def compiled() -> list[tuple[str, str, bool]]:
    """(definition, dtype, parallel) of every ufunc built in this process."""
    out = [(fn.__name__, np.dtype(c).name, par) for (fn, c, _, par) in _ufuncs]
    for (fn, _, par), f in _loops.items():
        out += [(fn.__name__, str(sig[-1].dtype), par) for sig in f.signatures]
    return out


def rowwise_kernel(name: str, parallel: bool = False) -> Callable:
    from . import numba_cpu_rowwise as rw
    table = getattr(rw, "KERNELS_PARALLEL", {}) if parallel else rw.KERNELS
    return table.get(name) or rw.KERNELS[name]


def threading_layer() -> str:
    """The threading layer parallel kernels use (see ``fastact.backends._threads``)."""
    from . import _threads
    return _threads.layer()
