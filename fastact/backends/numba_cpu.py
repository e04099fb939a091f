"""numba CPU backend: the registry's scalar definitions as NumPy ufuncs.

Each scalar definition is compiled with ``numba.vectorize`` into a real NumPy
ufunc, lazily, once per (definition, dtype, serial|parallel) on first use,
and cached on disk (see :mod:`fastact.backends._cache`). NumPy's ufunc
machinery then does broadcasting, strides and ``out=``.

Row-wise kernels live in :mod:`fastact.backends.numba_cpu_rowwise`.
"""

from __future__ import annotations

import functools
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


_MAX_ARGS = 5


def _generate(name: str, src: str, env: dict) -> Callable:
    """A function compiled from ``src`` whose free names come from ``env``.

    The element function and its helpers are *globals* of the generated
    function, not closure cells: numba keys its disk cache on the closure's
    contents, and a dispatcher there (the forced-inline element function)
    pickles with a per-process id, so every process would miss the cache.
    """
    ns = {"__name__": __name__, **env}
    exec(src, ns)
    f = ns[name]
    f.__qualname__ = name
    return f


def _wrap(fn: Callable, nargs: int, conv, name: str) -> Callable:
    """``name(a, b, ...) = fn(conv(a), conv(b), ...)`` with ``nargs`` arguments.

    ``conv`` is :func:`_same` or ``numba.float64`` (float32 kernels that
    compute in float64 and round once). numba's vectorize needs a function of
    fixed arity, hence the generated source.
    """
    if not 1 <= nargs <= _MAX_ARGS:
        raise ValueError(f"{fn.__name__}: {nargs} arguments is more than the backend supports")
    args = ", ".join(f"a{i}" for i in range(nargs))
    call = ", ".join(f"conv(a{i})" for i in range(nargs))
    return _generate(name, f"def {name}({args}):\n    return fn({call})\n",
                     {"fn": fn, "conv": conv})


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
    kernel = _wrap(_inlined(fn), nargs, conv, f"{fn.__name__}_{dtype.name}")
    vec = numba.vectorize([sig], target="parallel" if parallel else "cpu", cache=cache,
                          fastmath={"contract"})(kernel)
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


def _make_loop(fn, nargs, conv, parallel, name):
    """``name(a0, ..., out)``: ``out[i] = fn(conv(a0[i]), ...)``, each ``a`` an array or scalar."""
    if not 1 <= nargs <= _MAX_ARGS:
        raise ValueError(f"{fn.__name__}: {nargs} arguments is more than the backend supports")
    args = ", ".join(f"a{i}" for i in range(nargs))
    elems = ", ".join(f"conv(_at(a{i}, i))" for i in range(nargs))
    src = (f"def {name}({args}, out):\n"
           f"    for i in rng(out.shape[0]):\n"
           f"        out[i] = fn({elems})\n")
    return _generate(name, src, {"fn": fn, "conv": conv, "_at": _at,
                                 "rng": numba.prange if parallel else range})


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
            name = f"{fn.__name__}_loop{'_par' if parallel else ''}{'_via64' if f32_via_f64 else ''}"
            body = _make_loop(_inlined(fn), nargs, conv, parallel, name)
            f = numba.njit(cache=cache, nogil=True, parallel=parallel, error_model="numpy",
                           fastmath={"contract"})(body)
            _loops[key] = f
    return f


@functools.lru_cache(maxsize=None)  # one dispatcher per definition: loop and ufunc share it
def _inlined(fn: Callable) -> Callable:
    """``fn`` compiled to be inlined into its caller (LLVM ``alwaysinline``).

    A definition calling exp/log1p/erf is too large for LLVM's inliner to
    take on its own; left as a call it blocks vectorisation of the loop, and
    it would keep numba's default Python error model (a zero-division check,
    i.e. a branch that raises, in every division). Forced inline with the
    NumPy error model the loop vectorises: selu 11 -> ~1 ns/element.
    """
    return numba.njit(forceinline=True, error_model="numpy", fastmath={"contract"}, cache=False)(fn)


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
    """The row-wise kernel ``name``; with ``parallel``, its rows split over threads."""
    from . import numba_cpu_rowwise as rw
    k = rw.KERNELS[name]
    return _row_split(k) if parallel else k


_pool = None
_row_split_cache: dict[Callable, Callable] = {}


def _row_split(kernel: Callable) -> Callable:
    """``kernel`` run on blocks of rows in parallel Python threads.

    Row-wise kernels treat rows independently, take every array with the rows
    on axis 0 and release the GIL (``nogil``), so row blocks can run at once
    in plain threads; numba's threading layer is not involved (safe under
    concurrent callers). ``numba.get_num_threads()`` blocks, one per thread.
    """
    f = _row_split_cache.get(kernel)
    if f is not None:
        return f

    def run(*args, **params):
        global _pool
        nthreads = numba.get_num_threads()
        rows = next(a for a in args if isinstance(a, np.ndarray)).shape[0]
        if nthreads < 2 or rows < 2:
            return kernel(*args, **params)
        if _pool is None:
            with _lock:
                if _pool is None:
                    from concurrent.futures import ThreadPoolExecutor
                    _pool = ThreadPoolExecutor(numba.config.NUMBA_NUM_THREADS,
                                               thread_name_prefix="fastact-rows")
        nb = min(nthreads, rows)
        edges = [rows * i // nb for i in range(nb + 1)]

        def block(lo, hi):  # every array argument (out= too) has its rows on axis 0
            cut = (lambda a: a[lo:hi] if isinstance(a, np.ndarray) else a)
            return [cut(a) for a in args], {k: cut(v) for k, v in params.items()}

        futs = []
        for lo, hi in zip(edges[1:-1], edges[2:]):
            a, kw = block(lo, hi)
            futs.append(_pool.submit(kernel, *a, **kw))
        a, kw = block(edges[0], edges[1])
        kernel(*a, **kw)  # the first block on the calling thread
        for fu in futs:
            fu.result()

    _row_split_cache[kernel] = run
    return run


def threading_layer() -> str:
    """The threading layer parallel kernels use (see ``fastact.backends._threads``)."""
    from . import _threads
    return _threads.layer()
