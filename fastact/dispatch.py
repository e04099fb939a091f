"""The dispatcher: the one place that looks at array types and picks a backend.

Every public function ends here. In order, before anything is written:

1. classify the arrays: anything exposing ``__cuda_array_interface__`` goes to
   the CUDA backend, dask arrays to :mod:`fastact._dask`, everything else is
   converted with :func:`numpy.asarray` and computed on the CPU (numba, or the
   native C library); host and device arrays mixed in one call are an error;
2. check dtypes: float16/32/64 are computed as such (float16 in float32,
   rounded once), integers and bools are promoted to float64, anything else
   (complex, object, strings, longdouble) is a ``TypeError``;
3. check ``out=``: an ndarray of exactly the result's shape and dtype, writable,
   and either the very same memory as an input (in place) or disjoint from them;
4. validate the parameters (the registry entry's ``prepare``);
5. run the kernel.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import config
from .registry import Activation

try:  # NumPy >= 2
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # pragma: no cover
    from numpy.core.numeric import normalize_axis_tuple  # type: ignore[no-redef]

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_FLOATS = (F16, F32, F64)
_TUPLE_AXIS = frozenset({"softmax", "log_softmax", "softmin", "logsumexp"})


# ---------------------------------------------------------------- classification

def _has_cai(a: Any) -> bool:
    try:
        return hasattr(a, "__cuda_array_interface__")
    except RuntimeError:  # a torch CUDA tensor that requires grad refuses to export it
        return True


def _kind(a: Any) -> str:
    if type(a) is np.ndarray:
        return "host"
    if _has_cai(a) or getattr(type(a), "__cuda_ndarray__", False):
        # __cuda_ndarray__: numba's device arrays, including the CUDA simulator's,
        # which have no __cuda_array_interface__
        return "cuda"
    if hasattr(a, "__dask_graph__") and type(a).__module__.startswith("dask"):
        return "dask"
    return "host"


def _route(fname: str, arrays: Sequence[Any], out: Any) -> str:
    kinds = {_kind(a) for a in arrays}
    if len(kinds) == 1 and (out is None or _kind(out) in kinds or "dask" in kinds):
        return kinds.pop()
    names = sorted(kinds | ({_kind(out)} if out is not None else set()))
    raise TypeError(f"{fname}: arrays live in different places ({', '.join(names)}); "
                    "pass all host (NumPy) or all device (CUDA) arrays, e.g. move them "
                    "with numba.cuda.to_device / cupy.asarray or .copy_to_host() / .get()")


def as_float_array(fname: str, argname: str, a: Any) -> np.ndarray:
    """``a`` as an ndarray fastact computes on (float16/32/64, native byte order)."""
    if type(a) is not np.ndarray:
        a = np.asarray(a)
    dt = a.dtype
    if dt is F32 or dt is F64 or dt is F16 or (dt.kind == "f" and dt.itemsize in (2, 4, 8)):
        if not dt.isnative:
            return a.astype(dt.newbyteorder("="))
        return a
    if dt.kind in "biu":
        return a.astype(F64)
    raise TypeError(f"{fname}: {argname} has dtype {dt}, which fastact does not compute on; "
                    "use float16, float32 or float64 (integers and bools are promoted to "
                    "float64)")


def check_out(fname: str, out: Any, shape: tuple, dtype: np.dtype,
              inputs: Sequence[np.ndarray]) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{fname}: out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"{fname}: out has shape {out.shape}, the result has shape {shape}")
    if out.dtype != dtype:
        raise TypeError(f"{fname}: out has dtype {out.dtype}, the result has dtype {dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{fname}: out is read-only")
    for a in inputs:
        if isinstance(a, np.ndarray) and np.may_share_memory(out, a):
            same = (a.shape == out.shape and a.strides == out.strides
                    and a.__array_interface__["data"][0] == out.__array_interface__["data"][0])
            if not same and np.shares_memory(out, a):
                raise ValueError(f"{fname}: out overlaps an input without being the same "
                                 "array; pass the input itself (in place) or disjoint memory")


# ---------------------------------------------------------------- backend choice

@functools.lru_cache(maxsize=None)
def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except Exception:  # ImportError, or a broken llvmlite install
        return False
    return True


_warned_fallback = False


def host_backend(fname: str, backend: str | None) -> str:
    b = config.get_backend() if backend is None else config.check_backend(backend)
    if b == "auto":
        if numba_available():
            return "numba"
        global _warned_fallback
        if not _warned_fallback:
            _warned_fallback = True
            warnings.warn("fastact: numba cannot be imported; using the native C backend",
                          RuntimeWarning, stacklevel=4)
        return "native"
    if b == "cuda":
        raise TypeError(f"{fname}: backend='cuda' needs CUDA arrays (objects with "
                        "__cuda_array_interface__), got host arrays")
    return b


def _threads_ok() -> bool:
    from .backends import _threads
    return _threads.tbb_available()


def _threshold(heavy: bool) -> int:
    return config.PARALLEL_THRESHOLD_HEAVY if heavy else config.PARALLEL_THRESHOLD


def _parallel(n: int, heavy: bool = False) -> bool:
    mode = config.get_parallel()
    if mode == "never" or (mode == "auto" and n < _threshold(heavy)):
        return False
    return _threads_ok()


def _elementwise_impl(backend: str, fn, dtype: np.dtype, via64: bool, n: int):
    if backend == "numba":
        from .backends import numba_cpu
        return numba_cpu.ufunc(fn, dtype, f32_via_f64=via64, parallel=_parallel(n, via64))
    from .backends import native
    return native.elementwise(fn.__name__, dtype)


def _rowwise_impl(backend: str, key: str, n: int):
    if backend == "numba":
        from .backends import numba_cpu
        return numba_cpu.rowwise_kernel(key, parallel=_parallel(n))
    from .backends import native
    return native.rowwise(key)


# ---------------------------------------------------------------- elementwise

# The hot path. A call whose operands are C-contiguous float32/float64 NumPy
# arrays of one shape and dtype (out= too, writeable, not partially
# overlapping), with hashable parameters already seen once, goes straight to
# the compiled loop: a dict lookup instead of the full validation, which the
# first such call did. ~1 us above the kernel instead of ~8.
_FAST: dict[tuple, tuple] = {}


_backend_var, _parallel_var = config._backend, config._parallel


def _fast_ok(a: Any, dt: np.dtype, shape: tuple) -> bool:
    return type(a) is np.ndarray and a.dtype is dt and a.shape == shape and a.flags.c_contiguous


def _fast_result(out: Any, dt: np.dtype, shape: tuple, arrays: tuple) -> np.ndarray | None:
    """The array to write: ``out`` if the hot path may use it, a new one if None."""
    if out is None:
        return np.empty(shape, dt)
    if type(out) is not np.ndarray or out.dtype is not dt or out.shape != shape:
        return None
    flags = out.flags
    if flags.c_contiguous and flags.writeable and _no_partial_overlap(out, arrays):
        return out
    return None


def _no_partial_overlap(out: np.ndarray, arrays: tuple) -> bool:
    own = out.base is None  # arrays that own their memory are separate allocations
    for a in arrays:
        if a is not out and not (own and a.base is None) and np.may_share_memory(out, a):
            return False
    return True


def fast_elementwise(entry, backward, arrays, params, out):
    """The result through the hot path, or None where the full path is needed."""
    x = arrays[-1]
    if type(x) is not np.ndarray:
        return None
    dt = x.dtype
    if dt is not F32 and dt is not F64:
        return None
    try:
        loops, kargs, threshold = _FAST[(entry.name, backward, dt.char, *params.values())]
    except (KeyError, TypeError):  # not seen yet, or an array parameter (prelu, rrelu)
        return None
    shape = x.shape
    if not shape or not x.flags.c_contiguous or _backend_var.get() not in ("auto", "numba"):
        return None
    if backward and not _fast_ok(arrays[0], dt, shape):
        return None
    res = _fast_result(out, dt, shape, arrays)
    if res is None:
        return None
    n = x.size
    mode = _parallel_var.get()
    par = mode == "always" or (mode == "auto" and n >= threshold)
    loop = loops[1] if par and loops[1] is not None else loops[0]
    rf = res if res.ndim == 1 else res.reshape(-1)
    if backward:
        g = arrays[0]
        loop(g if g.ndim == 1 else g.reshape(-1), x if x.ndim == 1 else x.reshape(-1),
             *kargs, rf)
    elif kargs:
        loop(x if x.ndim == 1 else x.reshape(-1), *kargs, rf)
    else:
        loop(x if x.ndim == 1 else x.reshape(-1), rf)
    return res


def elementwise(entry: Activation, backward: bool, arrays: tuple, params: Mapping[str, Any],
                out: Any = None, backend: str | None = None, stream: Any = None):
    """Forward (``arrays = (x,)``) or backward (``arrays = (g, x_or_y)``)."""
    fname = entry.name + ("_backward" if backward else "")
    where = _route(fname, arrays, out)
    if where != "host":
        return _offload(where, "elementwise", entry, backward, arrays, params, out, stream, backend)
    names = ("grad_output", "output" if entry.backward_from == "output" else "x") \
        if backward else ("x",)
    arrs = [as_float_array(fname, n, a) for n, a in zip(names, arrays)]
    if len(arrs) == 1:
        res_dtype, shape = arrs[0].dtype, arrs[0].shape
    else:
        res_dtype = np.result_type(*arrs)
        shape = np.broadcast_shapes(*(a.shape for a in arrs))
    cdt = F32 if res_dtype is F16 or res_dtype == F16 else res_dtype
    if out is not None:
        check_out(fname, out, shape, res_dtype, arrs)
    kernel = entry.kernel_for(params)
    be = host_backend(fname, backend)
    kargs = [_kernel_arg(fname, v, cdt, shape) for v in entry.kernel_args(arrs[-1], params, backward)]
    fn = kernel.bwd if backward else kernel.fwd
    n = math.prod(shape)
    if be == "numba" and res_dtype == cdt and (out is None or out.flags.c_contiguous) \
            and _contiguous_operands(arrs, kargs, shape, cdt):
        # the common case: an explicit loop LLVM vectorises (see numba_cpu.loop)
        from .backends import numba_cpu
        fn = kernel.scalar(backward, cdt == F32)
        f = numba_cpu.loop(fn, f32_via_f64=kernel.f32_via_f64,
                           parallel=_parallel(n, kernel.f32_via_f64))
        if all(not isinstance(k, np.ndarray) for k in kargs):
            try:  # remember the validated parameters for the hot path
                loops = (numba_cpu.loop(fn, f32_via_f64=kernel.f32_via_f64, parallel=False),
                         numba_cpu.loop(fn, f32_via_f64=kernel.f32_via_f64, parallel=True)
                         if _threads_ok() else None)
                _FAST[(entry.name, backward, cdt.char, *params.values())] = \
                    (loops, tuple(kargs), _threshold(kernel.f32_via_f64))
            except TypeError:
                pass
        res = np.empty(shape, cdt) if out is None else out
        f(*[a.reshape(-1) if isinstance(a, np.ndarray) else a for a in (*arrs, *kargs)],
          res.reshape(-1))
        return res[()] if (out is None and res.ndim == 0) else res
    if be == "numba":
        fn = kernel.scalar(backward, cdt == F32)  # native keeps the generic name
    impl = _elementwise_impl(be, fn, cdt, kernel.f32_via_f64, n)
    if out is None and res_dtype is not cdt:
        out = np.empty(shape, res_dtype)  # float16: the loop casts its output
    with np.errstate(all="ignore"):
        r = impl(*arrs, *kargs, out=out)
    return r[()] if (out is None and r.ndim == 0) else r


def _contiguous_operands(arrs, kargs, shape, cdt) -> bool:
    for a in arrs:
        if a.dtype != cdt or a.shape != shape or not a.flags.c_contiguous:
            return False
    for k in kargs:
        if isinstance(k, np.ndarray) and (k.shape != shape or not k.flags.c_contiguous):
            return False
    return True


def _kernel_arg(fname, v, cdt, shape):
    if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "fiub":
        return cdt.type(v)  # one value (prelu's single weight): a scalar, for the fast loops
    if isinstance(v, np.ndarray):
        a = as_float_array(fname, "parameter", v)
        if np.broadcast_shapes(shape, a.shape) != shape:
            raise ValueError(f"{fname}: parameter of shape {a.shape} does not broadcast to "
                             f"the input's shape {shape}")
        return a.astype(cdt, copy=False)
    return cdt.type(v)


def prelu_backward(entry: Activation, g, x, weight, out=None, backend=None, stream=None):
    """(grad_input, grad_weight); grad_weight summed over all but the channel axis."""
    if _route("prelu_backward", (g, x), out) == "cuda":  # both on the device, out= honoured
        return _offload("cuda", "prelu_weight_grad", entry, True, (g, x), {"weight": weight},
                        out, stream)
    grad_input = elementwise(entry, True, (g, x), {"weight": weight}, out, backend)
    if _kind(grad_input) != "host":
        return _offload(_kind(grad_input), "prelu_weight_grad", entry, True, (g, x),
                        {"weight": weight}, None, None, backend)
    from .definitions.elementwise import prelu_weight_grad
    g_, x_ = (as_float_array("prelu_backward", n, a) for n, a in (("grad_output", g), ("x", x)))
    cdt = np.result_type(g_, x_, F32)
    w = entry.kernel_args(x_, {"weight": weight})[0]
    contrib_fn = _elementwise_impl(host_backend("prelu_backward", backend), prelu_weight_grad,
                                   cdt, False, max(g_.size, x_.size))
    with np.errstate(all="ignore"):
        contrib = contrib_fn(g_, x_, np.asarray(w, cdt))
    wshape = np.shape(weight)
    if np.size(weight) == 1:
        gw = contrib.sum(dtype=F64)
    else:
        axes = tuple(i for i in range(contrib.ndim) if i != 1)
        gw = contrib.sum(axis=axes, dtype=F64)
    w_dtype = np.result_type(np.asarray(weight).dtype, F32) if np.asarray(weight).dtype.kind != "f" \
        else np.asarray(weight).dtype
    return grad_input, np.asarray(gw).astype(w_dtype).reshape(wshape)


# ---------------------------------------------------------------- row-wise

def _axes(fname: str, name: str, axis: Any, ndim: int) -> tuple[int, ...]:
    if isinstance(axis, tuple) or isinstance(axis, list):
        if name not in _TUPLE_AXIS:
            raise TypeError(f"{fname}: axis must be an int, got {axis!r}")
        axes = tuple(axis)
    else:
        axes = (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{fname}: axis must be an int{' or a tuple of ints' if name in _TUPLE_AXIS else ''}, got {axis!r}")
    return normalize_axis_tuple(axes, max(ndim, 1), "axis")


class _Layout:
    """Moves ``axes`` of an array last and views it as (rows, n), and back."""

    def __init__(self, shape: tuple, axes: tuple[int, ...]):
        self.zero_d = len(shape) == 0
        shape = shape if shape else (1,)
        self.shape = shape
        self.axes = axes
        self.rest = tuple(i for i in range(len(shape)) if i not in axes)
        self.perm = self.rest + axes
        self.lead = tuple(shape[i] for i in self.rest)
        self.tail = tuple(shape[i] for i in axes)
        self.rows = math.prod(self.lead)
        self.n = math.prod(self.tail)

    def to_rows(self, a: np.ndarray, dtype: np.dtype, n: int | None = None) -> np.ndarray:
        """``a`` (of this layout's shape, or with the row length ``n``) as (rows, n)."""
        if self.zero_d:
            a = a.reshape(1)
        t = np.ascontiguousarray(a.transpose(self.perm), dtype=dtype)
        return t.reshape(self.rows, self.n if n is None else n)

    def out_shape(self, n_out: int | None) -> tuple:
        """Shape of a result with row length ``n_out`` (None: one value per row)."""
        if self.zero_d:
            return ()
        if n_out is None:
            return self.lead
        tail = self.tail if n_out == self.n else (n_out,)
        moved = self.lead + tail
        inv = np.argsort(self.perm)
        return tuple(moved[i] for i in inv)

    def from_rows(self, r2: np.ndarray, n_out: int | None) -> np.ndarray:
        if self.zero_d:
            return r2.reshape(())
        if n_out is None:
            return r2.reshape(self.lead)
        tail = self.tail if n_out == self.n else (n_out,)
        return r2.reshape(self.lead + tail).transpose(np.argsort(self.perm))


def _n_out(fname: str, name: str, n: int, params: Mapping[str, Any]) -> int | None:
    if name == "logsumexp":
        return None
    if name == "glu":
        if n % 2:
            raise ValueError(f"{fname}: the axis has odd length {n}; glu halves it")
        return n // 2
    if name == "maxout":
        k = params["pieces"]
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"{fname}: pieces must be a positive int, got {k!r}")
        if n % k:
            raise ValueError(f"{fname}: axis length {n} is not divisible by pieces={k}")
        return n // k
    return n


def _keepdims_shape(layout: _Layout, shape: tuple) -> tuple:
    return tuple(1 if i in layout.axes else s for i, s in enumerate(shape))


_FAST_ROWWISE = ("softmax", "log_softmax", "softmin")


def fast_rowwise(entry, backward, arrays, params, out):
    """softmax / log_softmax / softmin along the last axis of a C-contiguous array."""
    x = arrays[0]
    if backward or entry.name not in _FAST_ROWWISE or type(x) is not np.ndarray:
        return None
    dt, shape = x.dtype, x.shape
    axis = params.get("axis", -1)
    if (dt is not F32 and dt is not F64) or not shape or not x.flags.c_contiguous \
            or type(axis) is not int or axis not in (-1, len(shape) - 1) or not x.size \
            or config.get_backend() not in ("auto", "numba") or not numba_available():
        return None
    res = _fast_result(out, dt, shape, arrays)
    if res is None:
        return None
    n = shape[-1]
    par = _parallel(x.size)
    k = _ROW_KERNELS.get((entry.name, par))
    if k is None:
        from .backends import numba_cpu
        k = _ROW_KERNELS[(entry.name, par)] = numba_cpu.rowwise_kernel(entry.name, parallel=par)
    if len(shape) == 2:
        k(x, res)
    else:
        k(x.reshape(-1, n), res.reshape(-1, n))
    return res


_ROW_KERNELS: dict[tuple, Callable] = {}


def rowwise(entry: Activation, backward: bool, arrays: tuple, params: Mapping[str, Any],
            out: Any = None, backend: str | None = None, stream: Any = None):
    name = entry.name
    fname = name + ("_backward" if backward else "")
    where = _route(fname, arrays, out)
    if where != "host":
        return _offload(where, "rowwise", entry, backward, arrays, params, out, stream, backend)
    vname = "output" if entry.backward_from == "output" else "x"
    names = ("grad_output", vname) if backward else ("x",)
    arrs = [as_float_array(fname, n, a) for n, a in zip(names, arrays)]
    v = arrs[-1]
    axes = _axes(fname, name, params.get("axis", -1), v.ndim)
    lay = _Layout(v.shape, axes)
    n_out = _n_out(fname, name, lay.n, params)
    fwd_shape = lay.out_shape(n_out)
    keepdims = bool(params.get("keepdims", False))
    if name == "logsumexp" and keepdims and not lay.zero_d:
        fwd_shape = _keepdims_shape(lay, v.shape)
    res_dtype = np.result_type(*arrs)
    res_shape = v.shape if backward else fwd_shape
    if backward:
        g = arrs[0]
        try:
            g = np.broadcast_to(g, fwd_shape)
        except ValueError:
            raise ValueError(f"{fname}: grad_output of shape {arrs[0].shape} does not match "
                             f"the forward result's shape {fwd_shape}") from None
    if out is not None:
        check_out(fname, out, res_shape, res_dtype, arrs)
    be = host_backend(fname, backend)
    cdt = F32 if res_dtype == F16 else res_dtype
    extra = {"pieces": int(params["pieces"])} if name == "maxout" else {}
    x2 = lay.to_rows(v, cdt)
    key = name + ("_backward" if backward else "")
    impl = _rowwise_impl(be, key, v.size)
    if backward:
        if n_out is None:  # logsumexp: one gradient per row, in the rows' order
            g2 = np.ascontiguousarray(g, dtype=cdt).reshape(lay.rows)
        else:
            g2 = lay.to_rows(g, cdt, n_out)
        o2 = np.empty((lay.rows, lay.n), cdt)
        if lay.rows and (lay.n or name == "logsumexp"):
            with np.errstate(all="ignore"):
                impl(g2, x2, out=o2, **extra)
        result = lay.from_rows(o2, lay.n)
    else:
        o2 = np.empty((lay.rows,) if n_out is None else (lay.rows, n_out), cdt)
        if lay.rows and (n_out or n_out is None):
            with np.errstate(all="ignore"):
                impl(x2, out=o2, **extra)
        result = lay.from_rows(o2, n_out)
        if name == "logsumexp" and keepdims and not lay.zero_d:
            result = result.reshape(fwd_shape)
    if out is not None:
        np.copyto(out, result, casting="unsafe")
        return out
    if result.dtype != res_dtype:
        result = result.astype(res_dtype)
    return result[()] if result.ndim == 0 else result


# ---------------------------------------------------------------- other places

def _offload(where, kind, entry, backward, arrays, params, out, stream, backend=None):
    if where == "cuda":
        from .backends import numba_cuda
        return numba_cuda.dispatch(kind, entry, backward, arrays, params, out, stream)
    from . import _dask
    return _dask.dispatch(kind, entry, backward, arrays, params, out, backend=backend)
