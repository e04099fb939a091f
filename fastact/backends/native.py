"""Native backend: fastact's hand-written C kernels (``native/``), loaded through cffi.

The C library is compiled when the package is installed (``pip install .``,
``pip install -e .`` or a wheel; cffi out-of-line API mode, module
``fastact._native``); nothing compiles at run time. It is the fallback when
numba cannot be imported, and ``backend="native"`` selects it explicitly.

* :func:`elementwise` returns, for a scalar definition's name
  (``<kernel id>_fwd``, ``<kernel id>_bwd``, ``prelu_weight_grad``) and a
  compute dtype, a callable with NumPy-ufunc semantics:
  ``f(*operands, out=None)``, operands broadcast (arrays of any float dtype,
  cast to the compute dtype; numpy scalars), ``out`` of the compute dtype or
  float16 (cast on store), possibly non-contiguous, possibly an input.
* :func:`rowwise` returns the row-wise kernel ``f(*arrays2d, out, **params)``
  for C-contiguous (rows, n) arrays, as the numba backend's.

Operands are handed to C as (pointer, element stride): no copy for
contiguous arrays, scalars (stride 0) or any view whose elements are evenly
spaced (``x[::2]``, ``x[::-1]``, a transposed 1-column...); other layouts
are copied to a contiguous buffer first.

``FASTACT_NATIVE_MODULE`` names another importable build of the same C
sources to load instead (``native/sanitize.sh`` uses it for its ASan build).
Run from a source checkout after ``pip install .``, the installed extension of
the same version is loaded (see :func:`_installed_build`).
"""

from __future__ import annotations

import functools
import importlib
import math
import os
from typing import Any, Callable

import numpy as np

__all__ = ["available", "info", "isa", "elementwise", "rowwise", "symbol_names", "lib"]

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_SUFFIX = {F32: "f32", F64: "f64"}
_CTYPE = {F32: "float *", F64: "double *"}


def _load():
    name = os.environ.get("FASTACT_NATIVE_MODULE") or "fastact._native"
    try:
        return importlib.import_module(name), None
    except ImportError as e:  # not built (a source tree not installed), or a broken build
        if name == "fastact._native":
            mod = _installed_build()
            if mod is not None:
                return mod, None
        return None, e


def _installed_build():
    """The extension of the installed fastact, when this package is a source checkout.

    ``pip install .`` then ``python -m fastact`` (or ``python -m pytest``) from the
    repository root imports the checkout, which has no compiled ``_native``; the
    installed copy of the same version has it. Loaded only when the versions match.
    """
    try:
        import sys
        from importlib import metadata, util

        from .._version import __version__
        for dist in metadata.distributions(name="fastact"):  # the checkout's egg-info too
            if dist.version != __version__:
                continue
            for f in dist.files or ():
                if f.parent.name == "fastact" and f.name.startswith("_native.") \
                        and f.suffix in (".so", ".pyd") and os.path.exists(f.locate()):
                    spec = util.spec_from_file_location("fastact._native", str(f.locate()))
                    if spec is None or spec.loader is None:
                        continue
                    mod = util.module_from_spec(spec)
                    spec.loader.exec_module(mod)
                    sys.modules["fastact._native"] = mod
                    return mod
    except Exception:  # no installed distribution, or an unloadable file: not available
        return None
    return None


_mod, _load_error = _load()
ffi = getattr(_mod, "ffi", None)
lib = getattr(_mod, "lib", None)


def available() -> bool:
    """Whether the compiled C library could be loaded."""
    return _mod is not None


def info() -> str:
    """What was loaded (module, file, build flags, compiler, code path), or why nothing was."""
    if _mod is None:
        return f"native backend not available: {_load_error}. {_HOW_TO_BUILD}"
    build = ffi.string(lib.fastact_build_info()).decode()
    return f"{_mod.__name__} ({_mod.__file__}); build: {build}; running: {isa()}"


def isa() -> str:
    """The instruction set the loaded kernels run on (runtime dispatch on x86-64 Linux)."""
    _require()
    return ffi.string(lib.fastact_isa()).decode()


_HOW_TO_BUILD = ("Build it by installing fastact from its source tree with a C compiler: "
                 "`pip install .` (or `pip install -e .` for a development checkout); "
                 "the extension module is fastact._native, compiled from native/.")


def _require() -> None:
    if _mod is None:
        raise ImportError(f"fastact's native C backend is not built ({_load_error}). "
                          f"{_HOW_TO_BUILD}") from _load_error


def symbol_names() -> set[str]:
    """Every ``fastact_*`` function the loaded library exports."""
    _require()
    return {n for n in dir(lib) if n.startswith("fastact_")}


def _cfunc(name: str, dtype: np.dtype):
    _require()
    try:
        return getattr(lib, f"fastact_{name}_{_SUFFIX[dtype]}")
    except KeyError:
        raise TypeError(f"native backend: compute dtype must be float32 or float64, got {dtype}") from None
    except AttributeError:
        raise ValueError(f"native backend has no kernel {name!r} "
                         f"(no symbol fastact_{name}_{_SUFFIX[dtype]})") from None


def _elem_stride(a: np.ndarray) -> int | None:
    """Element stride at which ``a``'s elements lie in C order, or None if uneven."""
    it = a.itemsize
    if a.ctypes.data % it:
        return None
    step = None
    expected = None
    for n, s in zip(reversed(a.shape), reversed(a.strides)):
        if n == 1:
            continue
        if step is None:
            step = expected = s
        if s != expected:
            return None
        expected = s * n
    if step is None:  # a single element
        return 1
    if step % it:
        return None
    return step // it


# ---------------------------------------------------------------- elementwise

class _Elementwise:
    """``f(*operands, out=None)`` over the C kernel ``fastact_<name>_<dtype>``."""

    __slots__ = ("name", "dtype", "_f", "_ptr", "_arr", "__name__")

    def __init__(self, name: str, dtype: np.dtype):
        self.name, self.dtype = name, dtype
        self._f = _cfunc(name, dtype)
        self._ptr = _CTYPE[dtype]                  # "float *"
        self._arr = _CTYPE[dtype][:-2] + "[]"      # "float[]"
        self.__name__ = f"{name}_{dtype.name}"

    def __repr__(self) -> str:
        return f"<fastact native kernel {self.__name__}>"

    def _strided(self, a: np.ndarray, keep: list) -> tuple:
        """(pointer, element stride) of an array that is not simply C-contiguous."""
        s = _elem_stride(a)
        if s is None:
            a = np.require(a, requirements="CA")
            s = 1
        keep.append(a)
        return ffi.cast(self._ptr, a.ctypes.data), s

    def __call__(self, *operands: Any, out: np.ndarray | None = None) -> np.ndarray:
        dt = self.dtype
        ops = [a if type(a) is np.ndarray else np.asarray(a) for a in operands]
        shape = ops[0].shape
        for a in ops:
            if a.shape != shape and (a.ndim or not shape):
                shape = np.broadcast_shapes(*(a.shape for a in ops))
                break
        if out is not None:
            if not isinstance(out, np.ndarray) or out.shape != shape:
                raise ValueError(f"{self.__name__}: out must be an ndarray of shape {shape}")
            if out.dtype != dt and out.dtype != F16:
                raise TypeError(f"{self.__name__}: out has dtype {out.dtype}; expected {dt} or float16")
            if not out.flags.writeable:
                raise ValueError(f"{self.__name__}: out is read-only")
        n = math.prod(shape)
        keep: list = []
        res = out
        if out is None or out.dtype != dt:
            res = np.empty(shape, dt)
            po, so = ffi.from_buffer(self._arr, res), 1
        elif out.flags.c_contiguous and out.flags.aligned:
            po, so = ffi.from_buffer(self._arr, out, require_writable=True), 1
        elif _elem_stride(out) is not None:
            po, so = self._strided(out, keep)
        else:  # uneven layout: computed contiguously, copied at the end
            res = np.empty(shape, dt)
            po, so = ffi.from_buffer(self._arr, res), 1
        if n:
            args: list[Any] = []
            for a in ops:
                if a.dtype != dt:
                    a = a.astype(dt)
                if a.size == 1:  # a scalar (or one element broadcast): stride 0
                    args += (ffi.new(self._ptr, float(a.reshape(()))), 0)
                elif a.shape == shape and a.flags.c_contiguous and a.flags.aligned:
                    args += (ffi.from_buffer(self._arr, a), 1)
                else:
                    if a.shape != shape:  # broadcast along some axes
                        a = np.broadcast_to(a, shape)
                    args += self._strided(a, keep)
            self._f(n, *args, po, so)
        if res is not out and out is not None:
            np.copyto(out, res, casting="unsafe")
            return out
        return res


@functools.lru_cache(maxsize=None)
def elementwise(fn_name: str, dtype: Any) -> Callable[..., np.ndarray]:
    """The native kernel of scalar definition ``fn_name`` computing in ``dtype``."""
    return _Elementwise(fn_name, np.dtype(dtype))


# ---------------------------------------------------------------- row-wise

_ROWWISE = ("softmax", "log_softmax", "softmin", "logsumexp", "glu", "maxout", "sparsemax")


class _Rowwise:
    """``f(*arrays2d, out, **params)`` over ``fastact_<key>_<dtype>``; checks every shape
    so that the C code can never index outside the arrays."""

    __slots__ = ("key", "base", "backward", "__name__")

    def __init__(self, key: str):
        self.key = key
        self.backward = key.endswith("_backward")
        self.base = key[:-len("_backward")] if self.backward else key
        if self.base not in _ROWWISE:
            raise ValueError(f"native backend has no row-wise kernel {key!r}")
        self.__name__ = key

    def __call__(self, *arrays: np.ndarray, out: np.ndarray, pieces: int | None = None) -> None:
        dt = out.dtype
        f = _cfunc(self.key, dt)
        ct = _CTYPE[dt]
        want = 2 if self.backward else 1
        if len(arrays) != want:
            raise TypeError(f"{self.key}: expected {want} arrays, got {len(arrays)}")
        x = arrays[-1]
        if x.ndim != 2:
            raise ValueError(f"{self.key}: expected a 2-D (rows, n) array, got shape {x.shape}")
        rows, n = x.shape
        base = self.base
        extra: tuple = ()
        if base == "maxout":
            if isinstance(pieces, bool) or not isinstance(pieces, (int, np.integer)) or pieces < 1 \
                    or n % pieces:
                raise ValueError(f"{self.key}: pieces={pieces!r} must be a positive divisor of {n}")
            extra = (int(pieces),)
            fwd_shape = (rows, n // pieces)
        elif base == "glu":
            if n % 2:
                raise ValueError(f"{self.key}: the row length {n} is odd")
            fwd_shape = (rows, n // 2)
        elif base == "logsumexp":
            fwd_shape = (rows,)
        else:
            fwd_shape = (rows, n)
        out_shape = x.shape if self.backward else fwd_shape
        shapes = [fwd_shape, x.shape] if self.backward else [x.shape]
        for a, shp in zip(arrays, shapes):
            if a.shape != shp:
                raise ValueError(f"{self.key}: array of shape {a.shape}, expected {shp}")
            if a.dtype != dt or not a.flags.c_contiguous:
                raise ValueError(f"{self.key}: arrays must be C-contiguous {dt}")
        if out.shape != out_shape or not out.flags.c_contiguous or not out.flags.writeable:
            raise ValueError(f"{self.key}: out must be a writable C-contiguous array of shape {out_shape}")
        if rows == 0:
            return
        f(rows, n, *extra, *(ffi.cast(ct, a.ctypes.data) for a in arrays), ffi.cast(ct, out.ctypes.data))


@functools.lru_cache(maxsize=None)
def rowwise(key: str) -> Callable[..., None]:
    """The native row-wise kernel ``key`` (``softmax``, ``glu_backward``, ...)."""
    _require()
    return _Rowwise(key)
