"""CUDA backend: the registry's definitions as numba-cuda kernels, for any CUDA array.

Install with ``pip install fastact[cuda]`` (the ``numba-cuda`` package; on a
machine with an NVIDIA GPU use ``pip install "numba-cuda[cu12]"`` or
``"numba-cuda[cu13]"`` so that the CUDA runtime libraries come along). Nothing
here is imported by ``import fastact``: :mod:`fastact.dispatch` imports this
module the first time it sees an array with ``__cuda_array_interface__``, and
this module imports ``numba.cuda`` only inside its functions, so that fastact
imports on machines without CUDA.

Design
------
*Operands.* Every array operand -- a numba device array, a CuPy array, a torch
CUDA tensor or anything exposing ``__cuda_array_interface__`` (CAI) -- is read
through its CAI (pointer, shape, strides, dtype, read-only flag) into an
:class:`_Op`. The kernels see one 1-D device array per operand covering the
memory span of the operand (built with ``numba.cuda.from_cuda_array_interface``,
the function behind ``numba.cuda.as_cuda_array``), plus the element offset of
its first element and its element strides over the iteration shape.
Broadcasting (grad_output against x, prelu's per-channel weight along axis 1,
a 1-element weight) is a stride of 0; a transpose for the row-wise functions is
a permutation of strides. No operand is ever copied to the host.

*Elementwise kernels.* Each scalar definition of the registry is compiled as a
``cuda.jit(device=True)`` function, called from a grid-stride ``@cuda.jit``
kernel whose source is generated per arity (how many arguments the definition
takes, which of them are arrays, and how many dimensions remain after
collapsing): the load of each argument converts it to the compute type
(float32, or float64 for float64 input, ints and bools, and for float32 kernels
the registry marks ``f32_via_f64``), the store converts the result to the
output dtype (float16 is rounded once, at the store). When every array operand
is contiguous in the same order the kernel indexes all of them with the flat
index; otherwise the dimensions are collapsed as far as the strides allow and
the kernel unravels the flat index with the remaining (unrolled) shape. Kernels
are built lazily, on first use, per (definition, compute type, array mask,
dimensions) and cached for the process; numba then compiles them per argument
types on first launch.

*No second copy of any formula.* The definitions call other ``register_jitable``
helpers and the generic overloads of :mod:`fastact._math`. numba-cuda (0.30)
resolves both for the CUDA target as they are: a ``register_jitable`` helper is
compiled as a CUDA device function on first call, and the generic overloads map
``math.exp`` & co. to libdevice. So there is no retargeting step; were one ever
needed, :func:`_device_fn` is the single place for it. Under the CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) the same definitions run as Python on NumPy
scalars.

*Row-wise kernels.* The row-wise functions work on a ``(rows, n)`` C-contiguous
buffer in the compute dtype, as on the CPU: when the axis is not last, the
array is not contiguous or its dtype is not the compute type (float16, ints),
the generated copy kernel (the elementwise machinery running ``identity`` over
permuted strides) writes that buffer on the device, and a second copy writes
the result back to the caller's layout and dtype; otherwise the kernels read
and write the caller's memory directly. One kernel per function serves both
launch shapes: ``T`` threads per row and ``R`` rows per block, reductions in
shared memory (``float64``) with ``syncthreads`` -- ``T = 32, R = 4`` (a row
per warp) for rows of up to :data:`SHORT_ROW` elements, ``T = 512, R = 1`` (a
row per block) above. softmax, log_softmax, softmin, logsumexp (and the
logsumexp backward) use the online, single-pass max-and-sum: each thread keeps
a running maximum ``m`` and ``o = sum of exp(x - m) over its other elements``
(in float64), merged pairwise; logsumexp is ``m + log1p(o)``. sparsemax finds
its threshold with Michelot's iteration (each step a block reduction; exact
once the support stops changing), so it needs no sort. Warp shuffles are not
used: the simulator has none, and the same kernels must run under it.

*Simulator.* The simulator runs a Python thread per CUDA thread, so under it the
block shapes are tiny (:func:`_configure`).

*Streams.* Work goes on ``stream=`` (a numba stream, a CuPy or torch stream, an
object with ``__cuda_stream__``, or an int handle), else on CuPy's current
stream for CuPy input, torch's current stream for torch input, else the default
stream. Where an operand's CAI names another stream (CAI v3), the work stream
first waits on it (an event, no host synchronisation). Results and temporaries
are allocated by the input's own library (CuPy's pool, torch's caching
allocator; numba device arrays otherwise) and returned as that kind of array;
for torch and CuPy, prefer their own stream context over ``stream=``, so that
their allocators see the stream the memory is used on.

*Contract details.* Same dtype rules and errors as the CPU; ``out=`` may be any
CUDA array (any strides) of the exact shape and dtype, the input itself (in
place) or memory disjoint from the inputs -- overlap is judged on the byte
ranges the arrays span, so two interleaved views (``a[::2]``, ``a[1::2]``)
count as overlapping. A 0-d input gives a 0-d device array (no host scalar:
that would be a round trip). A torch tensor that requires grad is read through
``detach()``; the result does not track gradients. ``prelu_backward`` returns
``(grad_input, grad_weight)``, both as the input's kind of array, whether the
weight was a host or a device array. ``rrelu(training=True)`` draws its slopes
from the given ``numpy.random.Generator`` on the host, as on the CPU, and
copies them over; its ``noise=`` must then be a CUDA array.
"""

from __future__ import annotations

import ctypes
import math
import threading
from contextlib import nullcontext
from typing import Any, Mapping, Sequence

import numpy as np

from .. import dispatch as _d
from .._math import cst
from ..definitions import elementwise as _defs
from ..registry import Activation

__all__ = ["dispatch", "info", "available", "SHORT_ROW"]

F16, F32, F64 = _d.F16, _d.F32, _d.F64

cuda: Any = None  # numba.cuda, imported by _cu()
SIM = False
_lock = threading.RLock()
_cache: dict[tuple, Any] = {}

# launch shapes, set by _configure() for a real GPU or the simulator
EW_THREADS = 256      # threads per block, elementwise and copy kernels
MAX_BLOCKS = 4096     # most blocks of a grid-stride launch
ROW_WARP = 32         # threads per row, short rows (a row per warp)
ROW_PER_BLOCK = 4     # rows per block, short rows
ROW_LONG = 512        # threads per row (= per block), long rows
SHORT_ROW = 1024      # rows up to this length use the row-per-warp shape
UNROLL = 4            # elements per thread and loop trip, contiguous elementwise kernels


def _configure(simulator: bool) -> None:
    global EW_THREADS, MAX_BLOCKS, ROW_WARP, ROW_PER_BLOCK, ROW_LONG, SHORT_ROW
    if simulator:  # a Python thread per CUDA thread: keep blocks tiny
        EW_THREADS, MAX_BLOCKS = 4, 2
        ROW_WARP, ROW_PER_BLOCK, ROW_LONG, SHORT_ROW = 4, 2, 8, 8
    else:
        EW_THREADS, MAX_BLOCKS = 256, 4096
        ROW_WARP, ROW_PER_BLOCK, ROW_LONG, SHORT_ROW = 32, 4, 512, 1024


def _cu():
    """``numba.cuda``, imported on first use."""
    global cuda, SIM
    if cuda is None:
        with _lock:
            if cuda is None:
                try:
                    from numba import cuda as c
                except ImportError as e:
                    raise ImportError("fastact: CUDA arrays need numba-cuda: pip install "
                                      "'fastact[cuda]' (or 'numba-cuda[cu12]' / '[cu13]')") from e
                try:
                    from numba.cuda.core import config as cfg
                except ImportError:  # older numba-cuda
                    from numba.core import config as cfg
                SIM = bool(getattr(cfg, "ENABLE_CUDASIM", False))
                _configure(SIM)
                cuda = c
    return cuda


def available() -> bool:
    """Whether numba-cuda imports and a GPU (or the simulator) is usable."""
    try:
        return bool(_cu().is_available())
    except Exception:
        return False


def info() -> str:
    """A line or a few: the simulator, no GPU (and why), or each GPU's name,
    compute capability and the driver's CUDA version."""
    try:
        c = _cu()
    except Exception as e:  # numba-cuda not installed, or its bindings missing
        return f"no GPU support: numba-cuda cannot be imported ({type(e).__name__}: {e}); " \
               "pip install 'fastact[cuda]' (numba-cuda[cu12] or [cu13] on a GPU machine)"
    try:
        from numba_cuda import __version__ as v  # type: ignore[import-not-found]
        ncv = f"numba-cuda {v}"
    except Exception:
        ncv = "numba's deprecated built-in CUDA target; pip install 'fastact[cuda]'"
    if SIM:
        return f"CUDA simulator (NUMBA_ENABLE_CUDASIM=1; {ncv}): kernels run as " \
               "Python on the CPU, no GPU is used"
    try:
        ok = c.is_available()
    except Exception as e:
        ok, err = False, e
    else:
        err = None if ok else c.cuda_error()
    if not ok:
        why = " ".join(str(err or "no CUDA device found").split())
        return f"no GPU ({ncv}: {why})"
    lines = []
    try:
        drv = c.cudadrv.driver.driver.get_version()
        drv_s = f"driver CUDA {drv[0]}.{drv[1]}"
    except Exception:
        drv_s = "driver version unknown"
    for g in c.gpus:
        try:
            with g:
                dev = c.get_current_device()
                name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
                cc = ".".join(map(str, dev.compute_capability))
                lines.append(f"GPU {dev.id}: {name}, compute capability {cc}")
        except Exception as e:  # pragma: no cover
            lines.append(f"GPU {getattr(g, 'id', '?')}: unusable ({e})")
    return "; ".join(lines) + f" ({drv_s}, {ncv})"


# ---------------------------------------------------------------- operands

def _is_fake(a) -> bool:
    """A numba device array of the simulator (it has no CAI)."""
    return SIM and getattr(type(a), "__cuda_ndarray__", False) and hasattr(a, "_ary")


def is_device_array(a) -> bool:
    return _d._has_cai(a) or _is_fake(a)


def _lib(a) -> str:
    m = type(a).__module__.split(".")[0]
    return m if m in ("cupy", "torch") else "numba"


class _Op:
    """One array operand: where its elements are (``ptr``, element ``strides``).

    ``buf()`` is a 1-D device array over the operand's memory span and
    ``start`` the index of its first element in that buffer; kernels address
    element ``idx`` at ``start + sum(idx[d] * strides[d])``.
    """

    __slots__ = ("obj", "ptr", "shape", "strides", "dtype", "readonly", "stream_ptr",
                 "_buf", "_start")

    def __init__(self, obj, ptr, shape, strides, dtype, readonly=False, stream_ptr=None):
        self.obj, self.ptr = obj, ptr
        self.shape, self.strides = tuple(shape), tuple(strides)
        self.dtype, self.readonly, self.stream_ptr = dtype, readonly, stream_ptr
        self._buf = None
        self._start = 0

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def view(self, shape, strides) -> "_Op":
        return _Op(self.obj, self.ptr, shape, strides, self.dtype, self.readonly, self.stream_ptr)

    def _span(self):
        lo = sum((s - 1) * st for s, st in zip(self.shape, self.strides) if st < 0 and s > 0)
        hi = sum((s - 1) * st for s, st in zip(self.shape, self.strides) if st > 0 and s > 0)
        return lo, hi

    def byte_range(self):
        lo, hi = self._span()
        it = self.dtype.itemsize
        return self.ptr + lo * it, self.ptr + (hi + 1) * it

    def buf(self):
        if self._buf is None:
            lo, hi = self._span()
            span = hi - lo + 1
            it = self.dtype.itemsize
            base = self.ptr + lo * it
            self._start = -lo
            if SIM:
                from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray
                raw = (ctypes.c_char * (span * it)).from_address(base)
                arr = np.frombuffer(raw, dtype=self.dtype)
                self._buf = FakeCUDAArray(arr)
            else:
                desc = {"shape": (span,), "strides": None, "typestr": self.dtype.str,
                        "data": (base, False), "version": 3}
                self._buf = cuda.from_cuda_array_interface(desc, owner=self.obj, sync=False)
        return self._buf

    @property
    def start(self) -> int:
        self.buf()
        return self._start

    def broadcast_to(self, shape) -> "_Op":
        """A view of this operand broadcast to ``shape`` (ValueError if it cannot be)."""
        shape = tuple(shape)
        if self.shape == shape:
            return self
        np.broadcast_shapes(self.shape, shape)  # raises ValueError
        if len(self.shape) > len(shape):
            raise ValueError
        pad = len(shape) - len(self.shape)
        strides = [0] * pad
        for s, st, t in zip(self.shape, self.strides, shape[pad:]):
            if s == t:
                strides.append(st)
            elif s == 1:
                strides.append(0)
            else:
                raise ValueError
        return self.view(shape, strides)

    def permuted(self, perm) -> "_Op":
        return self.view([self.shape[p] for p in perm], [self.strides[p] for p in perm])

    def is_c_contiguous(self) -> bool:
        expect = 1
        for s, st in zip(reversed(self.shape), reversed(self.strides)):
            if s != 1 and st != expect:
                return False
            expect *= s
        return True

    def same_memory(self, other: "_Op") -> bool:
        return (self.ptr == other.ptr and self.shape == other.shape
                and self.strides == other.strides and self.dtype == other.dtype)


def _c_strides(shape) -> tuple:
    st, acc = [], 1
    for s in reversed(shape):
        st.append(acc)
        acc *= s
    return tuple(reversed(st))


def _op(a, what: str = "array") -> _Op:
    """The operand of a CUDA array (anything with CAI; numba device arrays)."""
    if _is_fake(a):
        arr = a._ary
        ptr = arr.__array_interface__["data"][0]
        it = arr.dtype.itemsize
        strides = tuple(s // it for s in arr.strides)
        if any(s % it for s in arr.strides):
            raise ValueError(f"{what}: strides {arr.strides} are not multiples of the item size")
        return _Op(a, ptr, arr.shape, strides, arr.dtype, not arr.flags.writeable)
    if _lib(a) == "torch" and getattr(a, "requires_grad", False):
        a = a.detach()  # same memory; torch exports no CAI for tensors requiring grad
    cai = a.__cuda_array_interface__
    if cai.get("mask") is not None:
        raise TypeError(f"{what}: masked CUDA arrays are not supported")
    dtype = np.dtype(cai["typestr"])
    shape = tuple(int(s) for s in cai["shape"])
    ptr, ro = cai["data"]
    st = cai.get("strides")
    it = dtype.itemsize
    if st is None:
        strides = _c_strides(shape)
    else:
        if any(int(s) % it for s in st):
            raise ValueError(f"{what}: strides {tuple(st)} are not multiples of the item size")
        strides = tuple(int(s) // it for s in st)
    return _Op(a, int(ptr or 0), shape, strides, dtype, bool(ro), cai.get("stream"))


def _compute_dtype(fname: str, argname: str, dt: np.dtype) -> np.dtype:
    """The dtype the CPU would compute ``dt`` as (ints/bools -> float64), or TypeError."""
    if dt in _d._FLOATS:
        if not dt.isnative:
            raise TypeError(f"{fname}: {argname} has non-native byte order ({dt}); "
                            "fastact computes on native float16, float32 and float64")
        return np.dtype(dt.newbyteorder("="))
    if dt.kind in "biu":
        return F64
    raise TypeError(f"{fname}: {argname} has dtype {dt}, which fastact does not compute on; "
                    "use float16, float32 or float64 (integers and bools are promoted to "
                    "float64)")


# ---------------------------------------------------------------- streams, allocation

def _stream_of(stream, arrays):
    c = cuda
    if stream is not None:
        return _as_stream(stream)
    if not SIM:
        for a in arrays:
            lib = _lib(a)
            if lib == "cupy":
                import cupy
                return _ext(cupy.cuda.get_current_stream().ptr)
            if lib == "torch":
                import torch
                return _ext(torch.cuda.current_stream(a.device).cuda_stream)
    return c.default_stream()


def _ext(ptr: int):
    return cuda.default_stream() if not ptr else cuda.external_stream(int(ptr))


def _as_stream(s):
    mod = type(s).__module__
    if mod.startswith("numba"):
        return s
    if SIM:
        raise TypeError(f"stream: the CUDA simulator takes numba streams only, got {type(s).__name__}")
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        return _ext(int(s))
    if hasattr(s, "__cuda_stream__"):
        return _ext(int(s.__cuda_stream__()[1]))
    if hasattr(s, "cuda_stream"):  # torch.cuda.Stream
        return _ext(int(s.cuda_stream))
    if hasattr(s, "ptr"):  # cupy.cuda.Stream
        return _ext(int(s.ptr))
    raise TypeError(f"stream must be a numba, CuPy or torch CUDA stream, an object with "
                    f"__cuda_stream__ or an int handle, got {type(s).__name__}")


def _sptr(stream) -> int:
    h = getattr(stream, "handle", None)
    try:
        return int(h) if h else 0
    except TypeError:  # pragma: no cover
        return int(getattr(h, "value", 0) or 0)


def _order_after_producers(ops: Sequence[_Op], stream) -> None:
    """CAI v3: make ``stream`` wait for the streams the operands were exported on."""
    if SIM:
        return
    mine = _sptr(stream)
    seen = set()
    for op in ops:
        sp = op.stream_ptr
        if sp is None or sp in seen or sp == mine or (sp in (1, 2) and mine == 0):
            continue
        seen.add(sp)
        ev = cuda.event(timing=False)
        ev.record(cuda.external_stream(sp))
        ev.wait(stream)


def _device_ctx(arrays):
    """Make the device of CuPy/torch inputs current for numba (multi-GPU)."""
    if SIM:
        return nullcontext()
    for a in arrays:
        lib = _lib(a)
        idx = None
        if lib == "torch":
            idx = a.device.index
        elif lib == "cupy":
            idx = a.device.id
        if idx is not None:
            return cuda.gpus[int(idx)]
    return nullcontext()


_TORCH_DT = {"float16": "float16", "float32": "float32", "float64": "float64"}


def _empty(like, shape, dtype, stream):
    """A new C-contiguous array of ``like``'s library (CuPy, torch, numba)."""
    lib = _lib(like) if like is not None else "numba"
    if lib == "cupy":
        import cupy
        with cupy.cuda.Device(like.device.id):
            return cupy.empty(shape, dtype)
    if lib == "torch":
        import torch
        return torch.empty(tuple(shape), dtype=getattr(torch, _TORCH_DT[np.dtype(dtype).name]),
                           device=like.device)
    return cuda.device_array(tuple(shape), dtype, stream=stream)


def _to_device(host: np.ndarray, stream):
    return cuda.to_device(np.ascontiguousarray(host), stream=stream)


# ---------------------------------------------------------------- out= validation

def check_out(fname: str, out, shape: tuple, dtype: np.dtype, inputs: Sequence[_Op]) -> _Op:
    """As :func:`fastact.dispatch.check_out`, for CUDA arrays."""
    if not is_device_array(out):
        raise TypeError(f"{fname}: out must be a CUDA array (with __cuda_array_interface__) "
                        f"like the inputs, got {type(out).__name__}")
    o = _op(out, "out")
    if o.shape != tuple(shape):
        raise ValueError(f"{fname}: out has shape {o.shape}, the result has shape {tuple(shape)}")
    if o.dtype != dtype:
        raise TypeError(f"{fname}: out has dtype {o.dtype}, the result has dtype {dtype}")
    if o.readonly:
        raise ValueError(f"{fname}: out is read-only")
    if o.size:
        olo, ohi = o.byte_range()
        for a in inputs:
            if a is None or not a.size or a.same_memory(o):
                continue
            alo, ahi = a.byte_range()
            if alo < ohi and olo < ahi:
                raise ValueError(f"{fname}: out overlaps an input without being the same "
                                 "array; pass the input itself (in place) or disjoint memory")
    return o


# ---------------------------------------------------------------- kernel generation

def _nb_type(dtype: np.dtype):
    import numba
    return numba.float32 if dtype == F32 else numba.float64


def _device_fn(fn):
    """``fn`` (a registry definition) as a CUDA device function.

    The one place where a definition enters the CUDA target. numba-cuda
    compiles the ``register_jitable`` helpers and the generic ``_math``
    overloads it calls for CUDA by itself, so nothing is retargeted here.
    """
    key = ("dev", fn)
    d = _cache.get(key)
    if d is None:
        with _lock:
            d = _cache.get(key)
            if d is None:
                d = cuda.jit(device=True)(fn)
                _cache[key] = d
    return d


def _ew_kernel(fn, conv: np.dtype, mask: tuple, nd: int):
    """Grid-stride kernel ``out = fn(*args)`` over ``n`` elements.

    ``mask[k]`` says whether argument ``k`` is an array (else a scalar);
    ``nd == 0``: every array is contiguous and indexed by the flat index;
    ``nd > 0``: the flat index is unravelled over ``shp`` (``nd`` dims) and
    each operand ``k`` is at ``sK[0] + sum(j_d * sK[d + 1])``.
    """
    key = ("ew", fn, conv.char, mask, nd)
    k = _cache.get(key)
    if k is not None:
        return k
    with _lock:
        k = _cache.get(key)
        if k is None:
            k = _build_ew(fn, conv, mask, nd)
            _cache[key] = k
    return k


def _build_ew(fn, conv, mask, nd):
    na = len(mask)
    args = [f"a{i}" for i in range(na)]
    sts = [f"s{i}" for i in range(na)]
    L = [f"def kernel(out, {', '.join(args)}, n, shp, so, {', '.join(sts)}):",
         "    i = cuda.grid(1)",
         "    step = cuda.gridsize(1)"]
    if nd == 0:
        # UNROLL elements per thread and trip, every load before any store (out
        # may be an input, so the compiler cannot hoist a load above a store):
        # UNROLL loads in flight per thread instead of one
        U = UNROLL
        L.append(f"    while i + {U - 1} * step < n:")
        for u in range(U):
            idx = "i" if u == 0 else f"i + {u} * step"
            loads = [f"conv(a{k}[{idx}])" if mask[k] else f"conv(a{k})" for k in range(na)]
            L.append(f"        r{u} = dev({', '.join(loads)})")
        for u in range(U):
            idx = "i" if u == 0 else f"i + {u} * step"
            L.append(f"        out[{idx}] = r{u}")
        L.append(f"        i += {U} * step")
    L.append("    while i < n:")
    if nd == 0:
        oo, offs = "i", ["i"] * na
    else:
        L.append("        rem = i")
        L.append("        oo = so[0]")
        for i in range(na):
            if mask[i]:
                L.append(f"        o{i} = s{i}[0]")
        for d in range(nd - 1, -1, -1):
            if d > 0:
                L.append(f"        q = rem // shp[{d}]")
                L.append(f"        j = rem - q * shp[{d}]")
                L.append("        rem = q")
            else:
                L.append("        j = rem")
            L.append(f"        oo += j * so[{d + 1}]")
            for i in range(na):
                if mask[i]:
                    L.append(f"        o{i} += j * s{i}[{d + 1}]")
        oo, offs = "oo", [f"o{i}" for i in range(na)]
    loads = [f"conv(a{i}[{offs[i]}])" if mask[i] else f"conv(a{i})" for i in range(na)]
    L.append(f"        out[{oo}] = dev({', '.join(loads)})")
    L.append("        i += step")
    ns = {"cuda": cuda, "dev": _device_fn(fn), "conv": _nb_type(conv)}
    src = "\n".join(L) + "\n"
    exec(compile(src, f"<fastact.cuda.{fn.__name__}_{np.dtype(conv).name}_{nd}d>", "exec"), ns)
    kern = ns["kernel"]
    kern.__name__ = kern.__qualname__ = f"{fn.__name__}_{np.dtype(conv).name}"
    return cuda.jit(kern)


def _collapse(shape, strides_list):
    """Drop size-1 dims, merge dims contiguous in every operand (C order)."""
    dims = [(s, [st[d] for st in strides_list]) for d, s in enumerate(shape) if s != 1]
    merged: list = []
    for s, sts in dims:
        if merged:
            ps, psts = merged[-1]
            if all(p == q * s for p, q in zip(psts, sts)):
                merged[-1] = (ps * s, sts)
                continue
        merged.append((s, sts))
    shp = tuple(s for s, _ in merged)
    per_op = [tuple(sts[k] for _, sts in merged) for k in range(len(strides_list))]
    return shp, per_op


def _grid(n: int) -> int:
    return max(1, min(MAX_BLOCKS, -(-n // EW_THREADS)))


def _launch_ew(fn, conv: np.dtype, out: _Op, args: Sequence, stream) -> None:
    """``out[idx] = fn(*args[idx])`` over ``out.shape``; ``args`` are _Op
    (already broadcast to ``out.shape``) or scalars."""
    n = out.size
    if n == 0:
        return
    mask = tuple(isinstance(a, _Op) for a in args)
    arr_ops = [out] + [a for a in args if isinstance(a, _Op)]
    shp, per = _collapse(out.shape, [o.strides for o in arr_ops])
    if not shp:  # a single element
        shp, per = (1,), [(1,)] * len(arr_ops)
    flat = len(shp) == 1 and all(p == (1,) for p in per) and all(o.start == 0 for o in arr_ops)
    nd = 0 if flat else len(shp)
    kern = _ew_kernel(fn, conv, mask, nd)
    it = iter(per[1:])
    kargs, kstrides = [], []
    for a in args:
        if isinstance(a, _Op):
            kargs.append(a.buf())
            kstrides.append(() if flat else (a.start,) + next(it))
        else:
            kargs.append(a)
            kstrides.append(() if flat else (0,) * (nd + 1))
    so = () if flat else (out.start,) + per[0]
    shp_arg = () if flat else shp
    kern[_grid(n), EW_THREADS, stream](out.buf(), *kargs, n, shp_arg, so, *kstrides)


def _copy(src: _Op, dst: _Op, stream, conv: np.dtype | None = None) -> None:
    """``dst[...] = src`` (same shape, broadcasting allowed in src), converting
    on the way (``conv``: the load type; default: float64 for ints/bools,
    float32 for float16, else the source dtype)."""
    if conv is None:
        conv = F64 if src.dtype.kind in "biu" or src.dtype == F64 or dst.dtype == F64 else F32
    _launch_ew(_defs.identity_fwd, conv, dst, [src.broadcast_to(dst.shape)], stream)


def _contiguous(op: _Op, dtype: np.dtype, like, stream):
    """(array, _Op): ``op`` as a C-contiguous array of ``dtype`` (no copy if it is one)."""
    if op.dtype == dtype and op.is_c_contiguous() and op.start == 0:
        return op.obj, op
    arr = _empty(like, op.shape, dtype, stream)
    dst = _op(arr)
    _copy(op, dst, stream, conv=F64 if dtype == F64 else F32)
    return arr, dst


# ---------------------------------------------------------------- dispatch

def dispatch(kind: str, entry: Activation, backward: bool, arrays: tuple,
             params: Mapping[str, Any], out: Any = None, stream: Any = None):
    """Entry point from :mod:`fastact.dispatch` for CUDA arrays.

    ``kind`` is ``"elementwise"``, ``"rowwise"`` or ``"prelu_weight_grad"``
    (prelu's backward: returns ``(grad_input, grad_weight)``, both computed on
    the device, ``out=`` receiving grad_input).
    """
    _cu()
    with _device_ctx(arrays):
        s = _stream_of(stream, arrays)
        if kind == "elementwise":
            return _elementwise(entry, backward, arrays, params, out, s)
        if kind == "rowwise":
            return _rowwise(entry, backward, arrays, params, out, s)
        if kind == "prelu_weight_grad":
            return _prelu_backward(entry, arrays, params, out, s)
    raise ValueError(f"fastact.backends.numba_cuda: unknown kind {kind!r}")


def _standin(shape, dtype) -> np.ndarray:
    """A host array of ``shape`` and ``dtype`` holding no memory (for validation)."""
    return np.lib.stride_tricks.as_strided(np.zeros((), dtype), shape=tuple(shape),
                                           strides=(0,) * len(shape))


def _inputs(fname, names, arrays):
    ops = [_op(a, n) for n, a in zip(names, arrays)]
    dts = [_compute_dtype(fname, n, o.dtype) for n, o in zip(names, ops)]
    return ops, dts


def _kernel_args(fname, entry: Activation, shape, cdt, params, backward, stream, x_op):
    """The kernel arguments on the device: scalars of ``cdt`` or _Op broadcast to ``shape``."""
    params = dict(params)
    dev_w = dev_noise = None
    if entry.name == "prelu" and is_device_array(params.get("weight")):
        dev_w = _op(params["weight"], "weight")
        params["weight"] = _standin(dev_w.shape, _compute_dtype(fname, "weight", dev_w.dtype))
    if entry.name == "rrelu" and params.get("training") and params.get("noise") is not None:
        noise = params["noise"]
        if not is_device_array(noise):
            raise TypeError(f"{fname}: noise must be a CUDA array like the input, got "
                            f"{type(noise).__name__}")
        dev_noise = _op(noise, "noise")
        if dev_noise.shape != tuple(shape):
            raise ValueError(f"rrelu: noise must be an array of the input's shape {tuple(shape)}")
        if dev_noise.dtype.kind != "f":
            raise TypeError(f"rrelu: noise must be a float array, got dtype {dev_noise.dtype}")
        if dev_noise.readonly and not backward:
            raise ValueError("rrelu: noise is read-only")
        params["noise"] = None
        if backward:  # the slopes the forward recorded
            return [dev_noise]
    kargs = entry.kernel_args(_standin(shape, cdt), params, backward)
    res = []
    for v in kargs:
        if isinstance(v, np.ndarray):
            if dev_w is not None:  # the caller's device weight, laid along axis 1
                w = dev_w.view((), ()) if dev_w.size == 1 else \
                    dev_w.view((dev_w.shape[0],) + (1,) * (len(shape) - 2),
                               (dev_w.strides[0],) + (0,) * (len(shape) - 2))
                res.append(w.broadcast_to(shape))
                continue
            a = _d.as_float_array(fname, "parameter", v)
            if np.broadcast_shapes(tuple(shape), a.shape) != tuple(shape):
                raise ValueError(f"{fname}: parameter of shape {a.shape} does not broadcast to "
                                 f"the input's shape {tuple(shape)}")
            if a.size == 1:
                res.append(cdt.type(a.reshape(())[()]))
                continue
            d = _to_device(a.astype(cdt, copy=False), stream)
            res.append(_op(d).broadcast_to(shape))
        else:
            res.append(cdt.type(v))
    if dev_noise is not None:  # forward in training: record the slopes, 1 where x > 0
        _launch_ew(_rrelu_noise, F64 if cdt == F64 else F32, dev_noise, [x_op, res[0]], stream)
    return res


def _rrelu_noise(x, a):
    """The slope rrelu applies to ``x`` (as PyTorch's noise: 1 where x > 0)."""
    return cst(a, 1.0) if x > cst(x, 0.0) else a


def _elementwise(entry, backward, arrays, params, out, stream):
    fname = entry.name + ("_backward" if backward else "")
    names = ("grad_output", "output" if entry.backward_from == "output" else "x") \
        if backward else ("x",)
    ops, dts = _inputs(fname, names, arrays)
    res_dtype = np.result_type(*dts)
    try:
        shape = np.broadcast_shapes(*(o.shape for o in ops))
    except ValueError:
        raise ValueError(f"{fname}: shapes {' and '.join(str(o.shape) for o in ops)} do not "
                         "broadcast") from None
    cdt = F32 if res_dtype == F16 else np.dtype(res_dtype)
    out_op = check_out(fname, out, shape, res_dtype, ops) if out is not None else None
    kernel = entry.kernel_for(params)
    _order_after_producers(ops + ([out_op] if out_op else []), stream)
    x_op = ops[-1].broadcast_to(shape)
    kargs = _kernel_args(fname, entry, shape, cdt, params, backward, stream, x_op)
    if out_op is None:
        out = _empty(arrays[0], shape, res_dtype, stream)
        out_op = _op(out)
    fn = kernel.scalar(backward, cdt == F32)
    conv = F64 if (kernel.f32_via_f64 and cdt == F32) else cdt
    _launch_ew(fn, conv, out_op, [o.broadcast_to(shape) for o in ops] + kargs, stream)
    return out


def _prelu_backward(entry, arrays, params, out, stream):
    """(grad_input, grad_weight) of prelu, on the device."""
    fname = "prelu_backward"
    ops, dts = _inputs(fname, ("grad_output", "x"), arrays)
    grad_input = _elementwise(entry, True, arrays, params, out, stream)
    shape = np.broadcast_shapes(*(o.shape for o in ops))
    cdt = np.result_type(*dts, F32)
    weight = params["weight"]
    if is_device_array(weight):
        wop = _op(weight, "weight")
        wshape, wdt = wop.shape, wop.dtype
    else:
        w_host = np.asarray(weight)
        wshape, wdt = w_host.shape, w_host.dtype
    w_dtype = wdt if wdt.kind == "f" else np.result_type(wdt, F32)
    # per-element contributions (x > 0 ? 0 : x * g), then sums over all but axis 1
    kargs = _kernel_args(fname, entry, shape, cdt, params, True, stream, None)
    contrib = _empty(arrays[0], shape, cdt, stream)
    cop = _op(contrib)
    _launch_ew(_defs.prelu_weight_grad, cdt, cop,
               [o.broadcast_to(shape) for o in ops] + kargs, stream)
    size = math.prod(shape)
    if math.prod(wshape) == 1:
        a_, c_, b_ = 1, 1, size
    else:
        a_, c_ = shape[0], shape[1]
        b_ = math.prod(shape[2:])
    gw = _empty(arrays[0], wshape, w_dtype, stream)
    gop = _op(gw)
    k = _channel_sum_kernel(ROW_LONG)
    k[max(1, min(MAX_BLOCKS, c_)), ROW_LONG, stream](cop.buf(), gop.buf(), a_, c_, b_)
    return grad_input, gw


# ---------------------------------------------------------------- row-wise

def _rowwise(entry, backward, arrays, params, out, stream):
    name = entry.name
    fname = name + ("_backward" if backward else "")
    vname = "output" if entry.backward_from == "output" else "x"
    names = ("grad_output", vname) if backward else ("x",)
    ops, dts = _inputs(fname, names, arrays)
    v = ops[-1]
    axes = _d._axes(fname, name, params.get("axis", -1), v.ndim)
    lay = _d._Layout(v.shape, axes)
    n_out = _d._n_out(fname, name, lay.n, params)
    fwd_shape = lay.out_shape(n_out)
    keepdims = bool(params.get("keepdims", False))
    if name == "logsumexp" and keepdims and not lay.zero_d:
        fwd_shape = _d._keepdims_shape(lay, v.shape)
    res_dtype = np.result_type(*dts)
    res_shape = v.shape if backward else fwd_shape
    g = None
    if backward:
        try:
            g = ops[0].broadcast_to(fwd_shape)
        except ValueError:
            raise ValueError(f"{fname}: grad_output of shape {ops[0].shape} does not match "
                             f"the forward result's shape {fwd_shape}") from None
    out_op = check_out(fname, out, res_shape, res_dtype, ops) if out is not None else None
    cdt = F32 if res_dtype == F16 else np.dtype(res_dtype)
    _order_after_producers(ops + ([out_op] if out_op else []), stream)
    like = arrays[0]
    rows, n = lay.rows, lay.n
    vz = v.view((1,), (0,)) if lay.zero_d else v
    _, x2 = _contiguous(vz.permuted(lay.perm), cdt, like, stream)

    # the result: written straight into the caller's array when its rows are
    # contiguous in the compute dtype, else into a (rows, n) buffer copied back
    if out_op is None:
        final = _empty(like, res_shape, res_dtype, stream)
        target = _op(final)
    else:
        final, target = out, out_op
    lse = name == "logsumexp" and not backward  # one value per row, in lead order
    direct = (target.dtype == cdt and target.is_c_contiguous()
              and (lse or lay.perm == tuple(range(len(lay.perm)))))
    if direct:
        o2 = target
    else:
        rows_shape = (rows,) if lse else (rows, n if backward else n_out)
        o2 = _op(_empty(like, rows_shape, cdt, stream))

    key = name + ("_backward" if backward else "")
    pieces = int(params["pieces"]) if name == "maxout" else 0
    if backward:
        gz = g.view((1,), (0,)) if lay.zero_d else g
        if n_out is None:  # logsumexp: one gradient per row, in lead order
            if keepdims and not lay.zero_d:
                gz = gz.view([gz.shape[i] for i in lay.rest], [gz.strides[i] for i in lay.rest])
            _, g2 = _contiguous(gz, cdt, like, stream)
        else:
            _, g2 = _contiguous(gz.permuted(lay.perm), cdt, like, stream)
        if rows and n:
            _run_rows(key, cdt, stream, rows, n, n_out, pieces, x2, o2, g2)
    elif rows and (n_out or n_out is None):
        _run_rows(key, cdt, stream, rows, n, n_out, pieces, x2, o2, None)

    if not direct:  # back to the caller's layout and dtype
        dst = target.view((1,), (0,)) if lay.zero_d else target
        if lse:
            if keepdims and not lay.zero_d:
                dst = dst.view([dst.shape[i] for i in lay.rest],
                               [dst.strides[i] for i in lay.rest])
        else:
            dst = dst.permuted(lay.perm)
        src = o2.view(dst.shape, _c_strides(dst.shape))
        _copy(src, dst, stream, conv=F64 if cdt == F64 else F32)
    return final


def _run_rows(key, cdt, stream, rows, n, n_out, pieces, x2: _Op, o2: _Op, g2: _Op | None):
    xb, ob = x2.buf(), o2.buf()
    if key in ("glu", "glu_backward", "maxout", "maxout_backward"):
        m = n_out if n_out else 0
        total = rows * m
        if total == 0:
            return
        k = _simple_row_kernel(key, cdt)
        if key == "glu":
            k[_grid(total), EW_THREADS, stream](xb, ob, rows, n)
        elif key == "glu_backward":
            k[_grid(total), EW_THREADS, stream](g2.buf(), xb, ob, rows, n)
        elif key == "maxout":
            k[_grid(total), EW_THREADS, stream](xb, ob, rows, n, pieces)
        else:
            k[_grid(total), EW_THREADS, stream](g2.buf(), xb, ob, rows, n, pieces)
        return
    if n <= SHORT_ROW:
        T, R = ROW_WARP, ROW_PER_BLOCK
    else:
        T, R = ROW_LONG, 1
    k = _row_kernel(key, cdt, T, R)
    blocks = max(1, min(MAX_BLOCKS, -(-rows // R)))
    if g2 is None:
        k[blocks, (T, R), stream](xb, ob, rows, n)
    else:
        k[blocks, (T, R), stream](g2.buf(), xb, ob, rows, n)


# ---------------------------------------------------------------- row kernels
#
# Shared-memory reductions over the T threads of a row (threadIdx.x), R rows
# per block (threadIdx.y). Every thread of the block calls them the same
# number of times (rows past the end included), as syncthreads requires.

_helpers: dict[str, Any] = {}


def _row_helpers():
    if _helpers:
        return _helpers
    import numba
    from .. import _math as fm
    f64 = numba.float64
    inf = math.inf

    @cuda.jit(device=True)
    def exp_diff(v, m):
        # e^(v - m) with the rounding error of v - m compensated (TwoSum):
        # rounding v - m to the compute type would cost |v - m| * eps / 2
        # relative (10 ULP at v - m = -20 in float32)
        d = v - m
        if not (d > -inf and d < inf):  # -inf, +inf or nan: nothing to correct
            return fm.exp(d)
        bb = d - v
        err = (v - (d - bb)) + (-m - bb)
        e = fm.exp(d)
        return e + e * err

    @cuda.jit(device=True)
    def mo_push(m, o, v):
        # online max-and-sum: o = sum of exp(x - m) over the elements other
        # than (one occurrence of) the maximum m; o is float64
        if v > m:
            o = (o + 1.0) * f64(exp_diff(m, v))
            m = v
        elif v == m:
            o += 1.0
        elif v < m:
            o += f64(exp_diff(v, m))
        else:  # nan
            o += f64(v)
        return m, o

    @cuda.jit(device=True)
    def mo_merge(m1, o1, m2, o2):
        if m2 > m1:
            m1, o1, m2, o2 = m2, o2, m1, o1
        if m2 == -inf:  # empty, or only -inf: contributes nothing (but nan)
            return m1, o1 + o2 * 0.0
        if m1 == m2:
            return m1, o1 + o2 + 1.0
        return m1, o1 + (o2 + 1.0) * fm.exp(m2 - m1)

    @cuda.jit(device=True)
    def red_mo(sa, sb, base, t, T, m, o):
        sa[base + t] = m
        sb[base + t] = o
        cuda.syncthreads()
        s = T // 2
        while s > 0:
            if t < s:
                m1, o1 = mo_merge(sa[base + t], sb[base + t], sa[base + t + s], sb[base + t + s])
                sa[base + t] = m1
                sb[base + t] = o1
            cuda.syncthreads()
            s //= 2
        rm = sa[base]
        ro = sb[base]
        cuda.syncthreads()
        return rm, ro

    @cuda.jit(device=True)
    def red_sum2(sa, sb, base, t, T, a, b):
        sa[base + t] = a
        sb[base + t] = b
        cuda.syncthreads()
        s = T // 2
        while s > 0:
            if t < s:
                sa[base + t] += sa[base + t + s]
                sb[base + t] += sb[base + t + s]
            cuda.syncthreads()
            s //= 2
        ra = sa[base]
        rb = sb[base]
        cuda.syncthreads()
        return ra, rb

    @cuda.jit(device=True)
    def red_max_sum(sa, sb, base, t, T, a, b):
        sa[base + t] = a
        sb[base + t] = b
        cuda.syncthreads()
        s = T // 2
        while s > 0:
            if t < s:
                u = sa[base + t + s]
                if u > sa[base + t]:
                    sa[base + t] = u
                sb[base + t] += sb[base + t + s]
            cuda.syncthreads()
            s //= 2
        ra = sa[base]
        rb = sb[base]
        cuda.syncthreads()
        return ra, rb

    _helpers.update(exp_diff=exp_diff, mo_push=mo_push, mo_merge=mo_merge, red_mo=red_mo, red_sum2=red_sum2,
                    red_max_sum=red_max_sum, fm=fm, f64=f64)
    return _helpers


def _row_kernel(key: str, cdt: np.dtype, T: int, R: int):
    ck = ("row", key, cdt.char, T, R)
    k = _cache.get(ck)
    if k is None:
        with _lock:
            k = _cache.get(ck)
            if k is None:
                k = _build_row_kernel(key, cdt, T, R)
                _cache[ck] = k
    return k


def _build_row_kernel(key, cdt, T, R):
    h = _row_helpers()
    mo_push, red_mo, red_sum2, red_max_sum = h["mo_push"], h["red_mo"], h["red_sum2"], h["red_max_sum"]
    exp_diff = h["exp_diff"]
    fm, f64 = h["fm"], h["f64"]
    CT = _nb_type(cdt)
    SH = T * R
    inf, nan = math.inf, math.nan
    import numba
    sh_t = numba.float64

    if key in ("softmax", "log_softmax", "softmin", "logsumexp"):
        neg = key == "softmin"
        mode = {"softmax": 0, "softmin": 0, "log_softmax": 1, "logsumexp": 2}[key]

        def kernel(x, out, rows, n):
            sa = cuda.shared.array(SH, sh_t)
            sb = cuda.shared.array(SH, sh_t)
            t = cuda.threadIdx.x
            rl = cuda.threadIdx.y
            base = rl * T
            nb = (rows + R - 1) // R
            rb = cuda.blockIdx.x
            while rb < nb:
                r = rb * R + rl
                m = CT(-inf)
                o = f64(0.0)
                if r < rows:
                    j = t
                    while j < n:
                        v = -x[r * n + j] if neg else x[r * n + j]
                        m, o = mo_push(m, o, v)
                        j += T
                m64, o = red_mo(sa, sb, base, t, T, f64(m), o)
                m = CT(m64)
                if r < rows:
                    if mode == 2:
                        if t == 0:
                            if o != o:
                                out[r] = CT(nan)
                            elif m == inf or m == -inf:
                                out[r] = m
                            else:
                                out[r] = CT(m64 + fm.log1p(o))
                    else:
                        if m == inf:  # a row holding +inf: nan, as PyTorch
                            o = f64(nan)
                        inv = CT(1.0 / (1.0 + o))
                        lg = CT(fm.log1p(o))
                        j = t
                        while j < n:
                            v = -x[r * n + j] if neg else x[r * n + j]
                            if mode == 0:
                                out[r * n + j] = exp_diff(v, m) * inv
                            else:
                                out[r * n + j] = (v - m) - lg
                            j += T
                rb += cuda.gridDim.x
        return cuda.jit(kernel)

    if key in ("softmax_backward", "softmin_backward", "log_softmax_backward"):
        mode = {"softmax_backward": 0, "softmin_backward": 1, "log_softmax_backward": 2}[key]

        def kernel(g, y, out, rows, n):
            sa = cuda.shared.array(SH, sh_t)
            sb = cuda.shared.array(SH, sh_t)
            t = cuda.threadIdx.x
            rl = cuda.threadIdx.y
            base = rl * T
            nb = (rows + R - 1) // R
            rb = cuda.blockIdx.x
            while rb < nb:
                r = rb * R + rl
                s = f64(0.0)
                if r < rows:
                    j = t
                    while j < n:
                        if mode == 2:
                            s += f64(g[r * n + j])
                        else:
                            s += f64(g[r * n + j]) * f64(y[r * n + j])
                        j += T
                s, _z = red_sum2(sa, sb, base, t, T, s, f64(0.0))
                if r < rows:
                    j = t
                    while j < n:
                        gj = f64(g[r * n + j])
                        yj = y[r * n + j]
                        if mode == 2:
                            out[r * n + j] = CT(gj - f64(fm.exp(yj)) * s)
                        elif mode == 1:
                            out[r * n + j] = CT(-(f64(yj) * (gj - s)))
                        else:
                            out[r * n + j] = CT(f64(yj) * (gj - s))
                        j += T
                rb += cuda.gridDim.x
        return cuda.jit(kernel)

    if key == "logsumexp_backward":
        def kernel(g, x, out, rows, n):
            sa = cuda.shared.array(SH, sh_t)
            sb = cuda.shared.array(SH, sh_t)
            t = cuda.threadIdx.x
            rl = cuda.threadIdx.y
            base = rl * T
            nb = (rows + R - 1) // R
            rb = cuda.blockIdx.x
            while rb < nb:
                r = rb * R + rl
                m = CT(-inf)
                o = f64(0.0)
                if r < rows:
                    j = t
                    while j < n:
                        m, o = mo_push(m, o, x[r * n + j])
                        j += T
                m64, o = red_mo(sa, sb, base, t, T, f64(m), o)
                m = CT(m64)
                if r < rows:
                    if m == inf:
                        o = f64(nan)
                    inv = CT(1.0 / (1.0 + o))
                    gr = g[r]
                    j = t
                    while j < n:
                        out[r * n + j] = gr * (exp_diff(x[r * n + j], m) * inv)
                        j += T
                rb += cuda.gridDim.x
        return cuda.jit(kernel)

    if key == "sparsemax":
        def kernel(x, out, rows, n):
            sa = cuda.shared.array(SH, sh_t)
            sb = cuda.shared.array(SH, sh_t)
            t = cuda.threadIdx.x
            rl = cuda.threadIdx.y
            base = rl * T
            nb = (rows + R - 1) // R
            rb = cuda.blockIdx.x
            while rb < nb:
                r = rb * R + rl
                m = f64(-inf)
                z = f64(0.0)
                if r < rows:
                    j = t
                    while j < n:
                        v = f64(x[r * n + j])
                        if v > m:
                            m = v
                        z += v - v  # nan if the row holds nan or +-inf
                        j += T
                m, z = red_max_sum(sa, sb, base, t, T, m, z)
                bad = (r >= rows) or z != z or m == -inf
                # Michelot: tau_{k+1} = (sum of x > tau_k - 1) / count, from
                # tau_0 = max - 1 <= tau*; increasing, exact once the support
                # stops changing. Every row of the block iterates until all are done.
                tau = m - 1.0
                kprev = f64(-1.0)
                it = 0
                while True:
                    s = f64(0.0)
                    cnt = f64(0.0)
                    if not bad:
                        j = t
                        while j < n:
                            v = f64(x[r * n + j])
                            if v > tau:
                                s += v
                                cnt += 1.0
                            j += T
                    s, cnt = red_sum2(sa, sb, base, t, T, s, cnt)
                    done = 1
                    if not bad and cnt > 0.0:
                        tau_new = (s - 1.0) / cnt
                        if cnt != kprev and it <= n:
                            done = 0
                        tau = tau_new
                        kprev = cnt
                    it += 1
                    if cuda.syncthreads_and(done):
                        break
                if r < rows:
                    j = t
                    while j < n:
                        if bad:
                            out[r * n + j] = CT(nan)
                        else:
                            d = f64(x[r * n + j]) - tau
                            out[r * n + j] = CT(d if d > 0.0 else 0.0)
                        j += T
                rb += cuda.gridDim.x
        return cuda.jit(kernel)

    if key == "sparsemax_backward":
        def kernel(g, y, out, rows, n):
            sa = cuda.shared.array(SH, sh_t)
            sb = cuda.shared.array(SH, sh_t)
            t = cuda.threadIdx.x
            rl = cuda.threadIdx.y
            base = rl * T
            nb = (rows + R - 1) // R
            rb = cuda.blockIdx.x
            while rb < nb:
                r = rb * R + rl
                s = f64(0.0)
                cnt = f64(0.0)
                if r < rows:
                    j = t
                    while j < n:
                        if y[r * n + j] > 0:
                            s += f64(g[r * n + j])
                            cnt += 1.0
                        j += T
                s, cnt = red_sum2(sa, sb, base, t, T, s, cnt)
                if r < rows:
                    mean = s / cnt if cnt > 0.0 else f64(0.0)
                    j = t
                    while j < n:
                        yj = y[r * n + j]
                        if yj > 0:
                            out[r * n + j] = CT(f64(g[r * n + j]) - mean)
                        elif yj != yj:
                            out[r * n + j] = yj
                        else:
                            out[r * n + j] = CT(0.0)
                        j += T
                rb += cuda.gridDim.x
        return cuda.jit(kernel)

    raise KeyError(key)


def _simple_row_kernel(key: str, cdt: np.dtype):
    ck = ("srow", key, cdt.char)
    k = _cache.get(ck)
    if k is None:
        with _lock:
            k = _cache.get(ck)
            if k is None:
                k = _build_simple_row_kernel(key, cdt)
                _cache[ck] = k
    return k


def _build_simple_row_kernel(key, cdt):
    zero = cdt.type(0.0)
    sig = _device_fn(_defs.sigmoid_fwd)

    if key == "glu":
        def kernel(x, out, rows, n):
            h = n // 2
            total = rows * h
            i = cuda.grid(1)
            step = cuda.gridsize(1)
            while i < total:
                r = i // h
                j = i - r * h
                out[i] = x[r * n + j] * sig(x[r * n + h + j])
                i += step
        return cuda.jit(kernel)

    if key == "glu_backward":
        def kernel(g, x, out, rows, n):
            h = n // 2
            total = rows * h
            i = cuda.grid(1)
            step = cuda.gridsize(1)
            while i < total:
                r = i // h
                j = i - r * h
                a = x[r * n + j]
                b = x[r * n + h + j]
                gi = g[i]
                s = sig(b)
                out[r * n + j] = gi * s
                # s (1 - s) as sigmoid(b) sigmoid(-b): no cancellation
                out[r * n + h + j] = gi * a * (s * sig(-b))
                i += step
        return cuda.jit(kernel)

    if key == "maxout":
        def kernel(x, out, rows, n, k):
            m_ = n // k
            total = rows * m_
            i = cuda.grid(1)
            step = cuda.gridsize(1)
            while i < total:
                r = i // m_
                j = i - r * m_
                b = r * n + j * k
                m = x[b]
                p = 1
                while p < k:
                    v = x[b + p]
                    if (v > m or v != v) and m == m:  # nan propagates (first nan)
                        m = v
                    p += 1
                out[i] = m
                i += step
        return cuda.jit(kernel)

    if key == "maxout_backward":
        def kernel(g, x, out, rows, n, k):
            m_ = n // k
            total = rows * m_
            i = cuda.grid(1)
            step = cuda.gridsize(1)
            while i < total:
                r = i // m_
                j = i - r * m_
                b = r * n + j * k
                m = x[b]
                am = 0
                p = 1
                while p < k:
                    v = x[b + p]
                    if (v > m or v != v) and m == m:
                        m = v
                        am = p
                    p += 1
                gi = g[i]
                p = 0
                while p < k:
                    out[b + p] = gi if p == am else zero
                    p += 1
                i += step
        return cuda.jit(kernel)

    raise KeyError(key)


def _channel_sum_kernel(T: int):
    """gw[c] = sum over a, b of contrib[(a*C + c)*B + b] in float64; one block per channel."""
    ck = ("chsum", T)
    k = _cache.get(ck)
    if k is not None:
        return k
    import numba
    f64 = numba.float64
    red_sum2 = _row_helpers()["red_sum2"]

    def kernel(contrib, gw, A, C, B):
        sa = cuda.shared.array(T, f64)
        sb = cuda.shared.array(T, f64)
        t = cuda.threadIdx.x
        ch = cuda.blockIdx.x
        total = A * B
        while ch < C:
            s = f64(0.0)
            e = t
            while e < total:
                a = e // B
                b = e - a * B
                s += f64(contrib[(a * C + ch) * B + b])
                e += T
            s, _z = red_sum2(sa, sb, 0, t, T, s, f64(0.0))
            if t == 0:
                gw[ch] = s
            ch += cuda.gridDim.x
    with _lock:
        k = _cache.setdefault(ck, cuda.jit(kernel))
    return k
