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
from numba.extending import register_jitable

from . import _cache

__all__ = ["ufunc", "rowwise_kernel", "compiled", "threading_layer"]

_lock = threading.Lock()
_ufuncs: dict[tuple, np.ufunc] = {}


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


def compiled() -> list[tuple[str, str, bool]]:
    """(definition, dtype, parallel) of every ufunc built in this process."""
    return [(fn.__name__, np.dtype(c).name, par) for (fn, c, _, par) in _ufuncs]


def rowwise_kernel(name: str, parallel: bool = False) -> Callable:
    from . import numba_cpu_rowwise as rw
    table = getattr(rw, "KERNELS_PARALLEL", {}) if parallel else rw.KERNELS
    return table.get(name) or rw.KERNELS[name]


def threading_layer() -> str:
    """The threading layer parallel kernels use (see ``fastact.backends._threads``)."""
    from . import _threads
    return _threads.layer()
