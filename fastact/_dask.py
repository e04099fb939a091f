"""Dask arrays through fastact: lazy in, lazy out.

The dispatcher sends any call that gets ``dask.array.Array`` arguments here
(it recognises them without importing dask; this module is imported on the
first such call, and ``import fastact`` never imports dask). Every public
function, forward and backward, returns a lazy ``dask.array.Array``; nothing is
computed during the call (only metadata -- shapes, chunks, dtypes -- is looked
at, and parameters are validated at once, as in memory).

How each kind of function is split into tasks:

* **Elementwise** functions map chunk by chunk (``map_blocks``): the result has
  the chunks of the input (for a backward, those of ``x``/``output``:
  ``grad_output`` is rechunked, or broadcast as NumPy does, to them). Each task
  calls the public fastact function on its chunk, so NumPy chunks run on the
  CPU backend (numba or native) and CuPy chunks on the CUDA backend.
  Parameters are passed through; ``prelu``'s per-channel weight is split along
  the channel axis (axis 1) to match the input's channel chunks.
  ``prelu_backward`` returns ``(grad_input, grad_weight)``, both lazy; the
  weight gradient is a per-chunk partial sum (float64) reduced by a tree sum,
  so it may differ from the in-memory result in the last bits (a different
  order of summation; float64 sums, rounded once to the weight's dtype).
* **softmax, log_softmax, softmin, logsumexp** along an axis (or tuple of axes)
  that lies in one chunk: each task calls the public function on its chunk
  (the same kernel on the same rows as in memory). Along a *split* axis: a two-pass
  tree reduction, never a rechunk. Pass 1 computes per chunk the row maximum m
  and t = sum of e^(x-m) over the row's entries other than one maximum, in
  float64, and combines (m, t) pairs with the stable log-sum-exp rule
  (M = max m, T = t* + sum over the other chunks of (1 + t)·e^(m-M), so the
  digits of logsumexp = M + log1p(T) are kept as in memory); pass 2 is an
  elementwise normalisation, e^(x-M)/(1+T) or (x-M) - log1p(T), in float64,
  rounded once to the result dtype; every e^(a-b) folds the rounding error of
  a - b back in (TwoSum), as the CPU kernels do. Special values are those of the
  in-memory functions: a row holding +inf or nan, or a row of all -inf, gives nan
  (softmax, log_softmax, softmin); logsumexp is the row maximum when that is
  ±inf (so +inf, or -inf for all -inf rows) and nan for rows holding nan;
  logsumexp_backward, as PyTorch, gives nan at the +inf entries and g·0
  elsewhere in a row holding +inf, and nan throughout a row of all -inf or one
  holding nan. Along a split axis results are within 1 ULP of the exact value
  in float32 (computed in float64, rounded once) and 4 ULP in float64 (the sums
  are reordered, and each chunk's sum is rescaled by e^(m-M)); logsumexp may
  also be off by that many ULPs of the row maximum where M + log1p(T) cancels.
  The in-memory kernels are within a few ULP of exact (CATALOGUE.md), so the
  two results may differ by the sum of both bounds. Backwards
  (softmax_backward needs sum(g·y) along the axis: a dask sum, then an
  elementwise step) agree to within a few ULP of the terms they cancel.
* **glu** never moves a whole row into one chunk: its two halves are aligned
  chunk by chunk (the second half is rechunked to the first half's chunks
  along the axis). **maxout** moves the chunk boundaries along the axis down
  to multiples of ``pieces`` (a rechunk that keeps every group in one chunk).
  **sparsemax** (and its backward) rechunks the axis into a single chunk when
  it is split: every row must fit in a worker's memory.

Row-wise functions need known chunk sizes (``x.compute_chunk_sizes()`` after
boolean indexing); elementwise ones do not.

``out=`` is rejected with a ``TypeError``: dask arrays are immutable. Store a
result where you want it with ``dask.array.store`` or ``.to_zarr``.

The backend (``fastact.using(backend=...)``, else ``FASTACT_BACKEND``) is read
when the graph is built and used in every task. Inside tasks the parallel mode
is ``"never"`` unless ``fastact.using(parallel="always")`` was in effect when
the graph was built: dask already runs one task per core, and multithreaded
kernels inside each of those threads would oversubscribe the machine.

``rrelu(training=True)`` is refused on dask arrays: PyTorch's semantics draw
one slope per element from *one* generator, and the slopes must come back in
``noise=`` for the backward -- neither survives a split into tasks on other
processes (a dask array cannot be written into, and a shared
``numpy.random.Generator`` cannot be advanced from many workers
reproducibly). Draw the slopes as a dask array instead::

    a = da.random.default_rng(seed).uniform(lower, upper, x.shape, chunks=x.chunks)
    noise = da.where(x > 0, 1.0, a)
    y = x * noise                                   # rrelu in training mode
    gx = fastact.rrelu_backward(g, x, lower, upper, training=True, noise=noise)

``rrelu_backward(..., training=True, noise=...)`` accepts a dask (or NumPy)
``noise`` of x's shape, split like ``x``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import dask.array as da
from dask.array.utils import meta_from_array

from . import config
from . import dispatch as _dispatch
from .registry import Activation

__all__ = ["dispatch"]

F64 = np.dtype(np.float64)
C128 = np.dtype(np.complex128)
_REDUCED = frozenset({"softmax", "log_softmax", "softmin", "logsumexp"})


# ---------------------------------------------------------------- entry point

def dispatch(kind: str, entry: Activation, backward: bool, arrays: tuple,
             params: Mapping[str, Any], out: Any = None, backend: str | None = None):
    """Build the lazy result of ``entry`` (forward or backward) on dask arrays.

    ``kind`` is ``"elementwise"``, ``"rowwise"`` or ``"prelu_weight_grad"``
    (the latter returns prelu_backward's ``(grad_input, grad_weight)``).
    """
    fname = entry.name + ("_backward" if backward else "")
    if out is not None:
        raise TypeError(f"{fname}: out= cannot be used with dask arrays (dask arrays are "
                        "immutable); use the returned lazy array, and dask.array.store(...) "
                        "to write it into an existing array")
    be = config.check_backend(backend) if backend is not None else config.get_backend()
    par = "always" if config.get_parallel() == "always" else "never"
    arrays = tuple(da.asarray(a) for a in arrays)
    names = (("grad_output", "output" if entry.backward_from == "output" else "x")
             if backward else ("x",))
    dtypes = [_float_dtype(fname, n, a.dtype) for n, a in zip(names, arrays)]
    res_dtype = np.result_type(*dtypes)
    ctx = _Ctx(fname, be, par, res_dtype)
    if kind == "elementwise":
        return _elementwise(ctx, entry, backward, arrays, dict(params))
    if kind == "prelu_weight_grad":
        return _prelu_backward(ctx, entry, arrays, dict(params))
    if kind == "rowwise":
        return _rowwise(ctx, entry, backward, arrays, dict(params))
    raise ValueError(f"{fname}: unknown kind {kind!r}")  # pragma: no cover


class _Ctx:
    """What every task of one call needs: names, backend, parallel mode, dtype."""

    def __init__(self, fname: str, backend: str, parallel: str, dtype: np.dtype):
        self.fname, self.backend, self.parallel, self.dtype = fname, backend, parallel, dtype

    def task_kw(self) -> dict:
        return {"fname": self.fname, "backend": self.backend, "parallel": self.parallel}

    def meta(self, like, ndim: int, dtype=None):
        return meta_from_array(like, ndim=ndim, dtype=dtype or self.dtype)


def _float_dtype(fname: str, argname: str, dt: np.dtype) -> np.dtype:
    """The dtype fastact computes ``dt`` in (the dispatcher's rule, on metadata only)."""
    dt = np.dtype(dt)
    if dt.kind == "f" and dt.itemsize in (2, 4, 8):
        return dt.newbyteorder("=")
    if dt.kind in "biu":
        return F64
    raise TypeError(f"{fname}: {argname} has dtype {dt}, which fastact does not compute on; "
                    "use float16, float32 or float64 (integers and bools are promoted to "
                    "float64)")


# ---------------------------------------------------------------- tasks
# Module-level functions only: they travel to worker processes by reference,
# and the kernels they call compile lazily (or load from the disk cache) there.

def _public(fname: str):
    import fastact
    return getattr(fastact, fname)


def _as_array(r):
    return np.asarray(r) if isinstance(r, np.generic) else r


def _call_block(*blocks, fname, backend, parallel, params, n_arrays=None, array_params=()):
    """``fastact.<fname>`` on one chunk; trailing blocks are array parameters."""
    n = len(blocks) - len(array_params) if n_arrays is None else n_arrays
    p = dict(params)
    for (pname, flat), b in zip(array_params, blocks[n:]):
        p[pname] = b.reshape(-1) if flat else b
    with config.using(parallel=parallel):
        return _as_array(_public(fname)(*blocks[:n], **p, backend=backend))


def _prelu_bwd_block(g, x, w, *, fname, backend, parallel, per_channel):
    """(grad_input, partial grad_weight in float64, one entry per block)."""
    w = w.reshape(-1) if per_channel else w
    with config.using(parallel=parallel):
        gi, gw = _public(fname)(g, x, w.astype(F64), backend=backend)
    gi = _as_array(gi)
    gw = gw.astype(F64).reshape((1, -1) + (1,) * (x.ndim - 2) if per_channel else (1,) * x.ndim)
    return gi, gw


def _item(pair, i):
    return pair[i]


# ---------------------------------------------------------------- elementwise

def _known(shape: tuple) -> bool:
    return not any(math.isnan(s) for s in shape)


def _stub(shape: tuple, dtype) -> np.ndarray:
    """A zero-memory ndarray of ``shape`` for the registry's parameter checks."""
    return np.broadcast_to(np.zeros((), dtype), tuple(0 if math.isnan(s) else s for s in shape))


def _elementwise(ctx: _Ctx, entry: Activation, backward: bool, arrays: tuple, params: dict):
    entry.kernel_for(params)  # a bad variant name fails now, not in a worker
    v = arrays[-1]
    if all(_known(a.shape) for a in arrays):
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        chunks = v.chunks if v.shape == shape else arrays[0].chunks
        # split the result like x / output (or like grad_output where that broadcasts x)
        aligned = tuple(_align(a, shape, chunks) for a in arrays)
    else:  # unknown chunk sizes (after boolean indexing): dask lines the blocks up
        shape, chunks, aligned = v.shape, v.chunks, arrays
    array_args: list = []
    array_params: list = []
    if entry.name == "prelu":
        if v.shape != shape:
            raise ValueError(f"{ctx.fname}: on dask arrays grad_output of shape "
                             f"{arrays[0].shape} must broadcast to x's shape {v.shape}")
        w = _prelu_weight(ctx.fname, v, params["weight"])
        if isinstance(w, da.Array):
            array_args.append(w)
            array_params.append(("weight", True))  # a block of it, flattened
            params["weight"] = None
        else:
            params["weight"] = w
    elif entry.name == "rrelu":
        noise = _rrelu_params(ctx.fname, v, params, backward)
        if noise is not None:
            array_args.append(_align(noise, shape, chunks))
            array_params.append(("noise", False))
    else:
        entry.kernel_args(_stub(v.shape, v.dtype), params, backward)  # validation only
    if not _known(v.shape) and array_args:
        raise ValueError(f"{ctx.fname}: an array parameter needs known chunk sizes; call "
                         "x.compute_chunk_sizes() first")
    return da.map_blocks(_call_block, *aligned, *array_args, dtype=ctx.dtype,
                         meta=ctx.meta(v, len(shape)), token=f"fastact-{ctx.fname}",
                         params=params, n_arrays=len(arrays),
                         array_params=tuple(array_params), **ctx.task_kw())


def _align(a: da.Array, shape: tuple, chunks: tuple) -> da.Array:
    """``a`` broadcast to ``shape`` and split into ``chunks`` (broadcast chunks are views)."""
    if a.shape == shape:
        return a.rechunk(chunks) if a.chunks != chunks else a
    off = len(shape) - a.ndim
    keep = {i: chunks[i + off] for i in range(a.ndim) if a.shape[i] == shape[i + off]}
    if any(a.chunks[i] != c for i, c in keep.items()):
        a = a.rechunk(keep)
    return da.broadcast_to(a, shape, chunks=chunks)


def _prelu_weight(fname: str, x: da.Array, weight):
    """prelu's weight, checked; per-channel weights as a dask array shaped to
    broadcast against ``x`` with ``x``'s chunks along axis 1."""
    w = weight if isinstance(weight, da.Array) else np.asarray(weight)
    if w.dtype.kind not in "fiub":
        raise TypeError(f"prelu: weight must be real, got dtype {w.dtype}")
    if w.size == 1:
        if isinstance(w, np.ndarray):
            return w.reshape(())
        return w.reshape((1,) * x.ndim)
    if w.ndim != 1 or x.ndim < 2 or w.shape[0] != x.shape[1]:
        raise ValueError(f"prelu: weight of shape {w.shape} must have 1 element or one per "
                         f"channel (axis 1) of the input of shape {x.shape}")
    wd = da.asarray(w).rechunk((x.chunks[1],))
    return wd[(None, slice(None)) + (None,) * (x.ndim - 2)]


def _rrelu_params(fname, v, params, backward):
    """Check rrelu's parameters; the training noise (a dask array) or None."""
    from .registry import _float
    lower, upper = _float(params["lower"], "rrelu: lower"), _float(params["upper"], "rrelu: upper")
    if not lower <= upper:
        raise ValueError(f"rrelu: lower ({lower}) must not exceed upper ({upper})")
    if not params["training"]:
        params["generator"] = params["noise"] = None  # unused in eval mode
        return None
    if not backward:
        raise ValueError(
            "rrelu: training=True is not supported on dask arrays: the per-element slopes "
            "drawn from one numpy Generator cannot be reproduced chunk by chunk on workers, "
            "nor written back into noise= (dask arrays are immutable). Draw them as a dask "
            "array instead: a = da.random.default_rng(seed).uniform(lower, upper, x.shape, "
            "chunks=x.chunks); noise = da.where(x > 0, 1.0, a); y = x * noise; and pass "
            "noise= to rrelu_backward (see fastact._dask)")
    noise = params["noise"]
    if noise is None:
        raise ValueError("rrelu_backward: training=True needs the noise the forward drew "
                         "(pass noise=..., an array of x's shape)")
    if not hasattr(noise, "shape") or tuple(noise.shape) != v.shape:
        raise ValueError(f"rrelu: noise must be an array of the input's shape {v.shape}")
    if np.dtype(noise.dtype).kind != "f":
        raise TypeError(f"rrelu: noise must be a float array, got dtype {noise.dtype}")
    params["noise"] = params["generator"] = None
    return da.asarray(noise)


def _prelu_backward(ctx: _Ctx, entry: Activation, arrays: tuple, params: dict):
    g, x = arrays
    if not (_known(g.shape) and _known(x.shape)):
        raise ValueError(f"{ctx.fname}: needs known chunk sizes; call "
                         "x.compute_chunk_sizes() first")
    if g.shape != x.shape:
        if np.broadcast_shapes(g.shape, x.shape) != x.shape:
            raise ValueError(f"prelu_backward: on dask arrays grad_output of shape {g.shape} "
                             f"must broadcast to x's shape {x.shape}")
    g = _align(g, x.shape, x.chunks)
    weight = params["weight"]
    wshape = tuple(weight.shape) if hasattr(weight, "shape") else np.shape(weight)
    wdt = np.dtype(weight.dtype) if hasattr(weight, "dtype") else np.asarray(weight).dtype
    w_dtype = wdt if wdt.kind == "f" else np.result_type(wdt, np.float32)
    w = _prelu_weight(ctx.fname, x, weight)
    per_channel = math.prod(wshape) != 1
    if not isinstance(w, da.Array):
        w = da.from_array(np.asarray(w).reshape((1,) * x.ndim), chunks=(1,) * x.ndim)
    obj = meta_from_array(x, ndim=x.ndim, dtype=object)
    pairs = da.map_blocks(_prelu_bwd_block, g, x, w, dtype=object, meta=obj,
                          token="fastact-prelu_backward-pair", per_channel=per_channel,
                          **ctx.task_kw())
    grad_input = pairs.map_blocks(_item, 0, dtype=ctx.dtype, meta=ctx.meta(x, x.ndim),
                                  token="fastact-prelu_backward-grad_input")
    pchunks = tuple(c if (per_channel and i == 1) else (1,) * len(c)
                    for i, c in enumerate(x.chunks))
    partial = pairs.map_blocks(_item, 1, dtype=F64, chunks=pchunks,
                               meta=ctx.meta(x, x.ndim, F64),
                               token="fastact-prelu_backward-grad_weight")
    axes = tuple(i for i in range(x.ndim) if not (per_channel and i == 1))
    gw = partial.sum(axis=axes, dtype=F64) if axes else partial
    return grad_input, gw.astype(w_dtype).reshape(wshape)


# ---------------------------------------------------------------- row-wise

def _rowwise(ctx: _Ctx, entry: Activation, backward: bool, arrays: tuple, params: dict):
    name, fname = entry.name, ctx.fname
    v = arrays[-1]
    axes = _dispatch._axes(fname, name, params.get("axis", -1), v.ndim)
    if not all(_known(a.shape) for a in arrays):
        raise ValueError(f"{fname}: the array has unknown chunk sizes (after boolean "
                         "indexing?); call .compute_chunk_sizes() on it first")
    n = math.prod(v.shape[a] for a in axes) if v.ndim else 1
    n_out = _dispatch._n_out(fname, name, n, params)
    keepdims = bool(params.get("keepdims", False))
    if name == "maxout":
        params["pieces"] = int(params["pieces"])
    # the shape of the forward result
    if v.ndim == 0:
        fwd_shape: tuple = ()
    elif name == "logsumexp":
        fwd_shape = tuple(1 if i in axes else s for i, s in enumerate(v.shape)) if keepdims \
            else tuple(s for i, s in enumerate(v.shape) if i not in axes)
    elif n_out != n:
        fwd_shape = tuple(n_out if i == axes[0] else s for i, s in enumerate(v.shape))
    else:
        fwd_shape = v.shape
    if backward:
        g = arrays[0]
        if g.shape != fwd_shape:
            try:
                if np.broadcast_shapes(g.shape, fwd_shape) != fwd_shape:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{fname}: grad_output of shape {g.shape} does not match "
                                 f"the forward result's shape {fwd_shape}") from None
            g = da.broadcast_to(g, fwd_shape)
    if v.ndim == 0:  # one chunk, one row
        return da.map_blocks(_call_block, *arrays[:-1], v, dtype=ctx.dtype,
                             meta=ctx.meta(v, 0), token=f"fastact-{fname}", params=params,
                             **ctx.task_kw())
    split = any(len(v.chunks[a]) > 1 for a in axes)
    if name in _REDUCED:
        if backward:
            return _reduced_backward(ctx, name, g, v, axes, keepdims, split, params)
        return _reduced_forward(ctx, name, v, axes, keepdims, split, params)
    ax = axes[0]
    if name == "glu":
        return _glu(ctx, g if backward else None, v, ax, split, params)
    if name == "maxout":
        return _maxout(ctx, g if backward else None, v, ax, params)
    # sparsemax: the whole row in one chunk
    if split:
        v = v.rechunk({ax: -1})
    if backward:
        g = g.rechunk(v.chunks) if g.chunks != v.chunks else g
        return da.map_blocks(_call_block, g, v, dtype=ctx.dtype, meta=ctx.meta(v, v.ndim),
                             token=f"fastact-{fname}", params=params, **ctx.task_kw())
    return da.map_blocks(_call_block, v, dtype=ctx.dtype, meta=ctx.meta(v, v.ndim),
                         token=f"fastact-{fname}", params=params, **ctx.task_kw())


# ---- softmax, log_softmax, softmin, logsumexp

def _reduced_forward(ctx, name, x, axes, keepdims, split, params):
    if not split:  # every row inside one chunk: the in-memory function per chunk
        if name != "logsumexp":
            return da.map_blocks(_call_block, x, dtype=ctx.dtype, meta=ctx.meta(x, x.ndim),
                                 token=f"fastact-{ctx.fname}", params=params, **ctx.task_kw())
        if keepdims:
            chunks = tuple((1,) if i in axes else c for i, c in enumerate(x.chunks))
            return da.map_blocks(_call_block, x, dtype=ctx.dtype, chunks=chunks,
                                 meta=ctx.meta(x, x.ndim), token=f"fastact-{ctx.fname}",
                                 params=params, **ctx.task_kw())
        return da.map_blocks(_call_block, x, dtype=ctx.dtype, drop_axis=axes,
                             meta=ctx.meta(x, x.ndim - len(axes)),
                             token=f"fastact-{ctx.fname}", params=params, **ctx.task_kw())
    if name == "logsumexp":
        return _lse_reduction(ctx, x, axes, keepdims)
    stats = _stats(x, axes, neg=(name == "softmin"))
    return da.map_blocks(_normalise_block, x, stats, dtype=ctx.dtype,
                         meta=ctx.meta(x, x.ndim), token=f"fastact-{ctx.fname}",
                         log=(name == "log_softmax"), neg=(name == "softmin"),
                         out_dtype=ctx.dtype)


def _lse_reduction(ctx, x, axes, keepdims):
    from functools import partial
    return da.reduction(x, _stats_chunk, partial(_lse_aggregate, out_dtype=ctx.dtype),
                        combine=_stats_combine, axis=axes, keepdims=keepdims,
                        dtype=ctx.dtype,
                        meta=ctx.meta(x, x.ndim if keepdims else x.ndim - len(axes)),
                        name=f"fastact-{ctx.fname}", concatenate=True)


def _stats(x: da.Array, axes: tuple, neg: bool = False) -> da.Array:
    """Per-row (max, sum of the other exponentials) packed as complex128, keepdims."""
    from functools import partial
    return da.reduction(x, partial(_stats_chunk, neg=neg), _stats_combine,
                        combine=_stats_combine, axis=axes, keepdims=True, dtype=C128,
                        meta=meta_from_array(x, ndim=x.ndim, dtype=C128),
                        name="fastact-rowstats", concatenate=True)


def _cexp(v, m):
    """e^(v-m) in float64, v <= m, with the rounding error of v - m (TwoSum) folded
    back in as e + e*err, as the CPU kernels do: an uncompensated exp(v - m) is off
    by up to |v - m|/2 float64 ULPs (8 ULP at v - m = -16), which float64 softmax would inherit."""
    with np.errstate(all="ignore"):
        d = v - m
        bb = d - v
        err = (v - (d - bb)) + (-m - bb)
        e = np.exp(d)
        return e + e * np.where(np.isfinite(err), err, 0.0)  # v = -inf: err is nan, e is 0


def _pack(m, t):
    """(m, t) as one complex128 array: real part m, imaginary part t, both exact."""
    c = m.astype(C128)
    c.imag = t
    return c


def _stats_chunk(x, axis, keepdims=True, neg=False, computing_meta=False):
    if computing_meta:
        return np.sum(x, axis=axis, keepdims=True).astype(C128)
    x = x.astype(F64, copy=False)
    if neg:
        x = -x
    if any(x.shape[a] == 0 for a in axis):  # an empty piece of the rows: contributes nothing
        z = np.sum(x, axis=axis, keepdims=True)
        return _pack(z - np.inf, z * 0.0)
    with np.errstate(all="ignore"):
        m = np.max(x, axis=axis, keepdims=True)          # nan if the row holds nan
        eq = x == m
        u = np.sum(np.where(eq, 0.0, _cexp(x, m)), axis=axis, keepdims=True)
        t = u + (np.sum(eq, axis=axis, keepdims=True) - 1.0)  # ties count 1 each but one
        t = np.where(np.isfinite(m), t, 0.0)
    return _pack(m, t)


def _merge(c, axis):
    """Combine the (m, t) pairs of ``c`` along ``axis``: (M, T), keepdims."""
    m, t = c.real, c.imag
    nd = m.ndim
    rest = [i for i in range(nd) if i not in axis]
    with np.errstate(all="ignore"):
        M = np.max(m, axis=axis, keepdims=True)
        last = list(range(len(rest), nd))
        lead = [m.shape[i] for i in rest]
        k = math.prod(m.shape[i] for i in axis)
        mm = np.moveaxis(m, list(axis), last).reshape(lead + [k])
        tt = np.moveaxis(t, list(axis), last).reshape(lead + [k])
        MM = np.moveaxis(M, list(axis), last).reshape(lead + [1])
        eq = mm == MM
        first = eq & (np.cumsum(eq, axis=-1) == 1)  # the chunk whose maximum is kept as 1
        terms = np.where(first, tt, (1.0 + tt) * _cexp(mm, MM))
        T = np.sum(terms, axis=-1).reshape(M.shape)
        T = np.where(np.isfinite(M), T, 0.0)  # as for one chunk: T matters only if M is finite
    return M, T


def _stats_combine(c, axis, keepdims=True, computing_meta=False):
    if computing_meta:
        return np.sum(c, axis=axis, keepdims=True).astype(C128)
    M, T = _merge(c, axis)
    return _pack(M, T)


def _lse_aggregate(c, axis, keepdims=False, out_dtype=F64, computing_meta=False):
    if computing_meta:
        return np.sum(c.real, axis=axis, keepdims=keepdims).astype(out_dtype)
    M, T = _merge(c, axis)
    with np.errstate(all="ignore"):
        r = np.where(np.isfinite(M), M + np.log1p(T), M)
    if not keepdims:
        r = r.reshape([s for i, s in enumerate(r.shape) if i not in axis])
    return r.astype(out_dtype)


def _softmax64(x, c, neg=False, log=False):
    """softmax (or log_softmax) of the chunk ``x`` from its rows' stats ``c``, float64."""
    x = x.astype(F64, copy=False)
    if neg:
        x = -x
    M, T = c.real, c.imag
    with np.errstate(all="ignore"):
        y = (x - M) - np.log1p(T) if log else _cexp(x, M) / (1.0 + T)
        return np.where(np.isfinite(M), y, np.nan)


def _normalise_block(x, c, *, log, neg, out_dtype):
    return _softmax64(x, c, neg=neg, log=log).astype(out_dtype)


def _reduced_backward(ctx, name, g, v, axes, keepdims, split, params):
    if name == "logsumexp":
        # grad_output in the keepdims shape, split like v along the other axes
        kshape = tuple(1 if i in axes else s for i, s in enumerate(v.shape))
        gk = g.reshape(kshape) if g.shape != kshape else g
        target = tuple((1,) if i in axes else c for i, c in enumerate(v.chunks))
        gk = gk.rechunk(target) if gk.chunks != target else gk
        if not split:
            p = dict(params, keepdims=True)
            return da.map_blocks(_call_block, gk, v, dtype=ctx.dtype,
                                 meta=ctx.meta(v, v.ndim), token=f"fastact-{ctx.fname}",
                                 params=p, **ctx.task_kw())
        stats = _stats(v, axes)
        return da.map_blocks(_lse_backward_block, gk, v, stats, dtype=ctx.dtype,
                             meta=ctx.meta(v, v.ndim), token=f"fastact-{ctx.fname}",
                             out_dtype=ctx.dtype)
    g = g.rechunk(v.chunks) if g.chunks != v.chunks else g
    if not split:
        return da.map_blocks(_call_block, g, v, dtype=ctx.dtype, meta=ctx.meta(v, v.ndim),
                             token=f"fastact-{ctx.fname}", params=params, **ctx.task_kw())
    g64 = g.astype(F64)
    s = (g64 if name == "log_softmax" else g64 * v.astype(F64)).sum(axis=axes, keepdims=True)
    return da.map_blocks(_reduced_backward_block, g, v, s, dtype=ctx.dtype,
                         meta=ctx.meta(v, v.ndim), token=f"fastact-{ctx.fname}",
                         which=name, out_dtype=ctx.dtype)


def _reduced_backward_block(g, y, s, *, which, out_dtype):
    g, y = g.astype(F64, copy=False), y.astype(F64, copy=False)
    with np.errstate(all="ignore"):
        if which == "softmax":
            r = y * (g - s)
        elif which == "softmin":
            r = y * (s - g)
        else:  # log_softmax
            r = g - np.exp(y) * s
    return r.astype(out_dtype)


def _lse_backward_block(g, x, c, *, out_dtype):
    """g·softmax(x); rows whose maximum M is not finite as the in-memory kernel and
    PyTorch: g·e^(x - logsumexp) with logsumexp = M (+inf or -inf) or nan (a nan in the
    row), i.e. nan at the +inf entries and g·0 elsewhere in a row holding +inf, nan
    throughout a row of all -inf or one holding nan."""
    g = g.astype(F64, copy=False)
    with np.errstate(all="ignore"):
        y = g * _softmax64(x, c)
        special = g * np.exp(x.astype(F64, copy=False) - c.real)
        return np.where(np.isfinite(c.real), y, special).astype(out_dtype)


# ---- glu: the halves aligned chunk by chunk

def _glu_block(a, b, *, axis, fname, backend, parallel, params):
    x = np.concatenate([a, b], axis=axis)
    with config.using(parallel=parallel):
        return _public(fname)(x, **params, backend=backend)


def _glu_backward_block(g, a, b, *, axis, fname, backend, parallel, params):
    x = np.concatenate([a, b], axis=axis)
    with config.using(parallel=parallel):
        r = _public(fname)(g, x, **params, backend=backend)
    h = a.shape[axis]
    idx = [slice(None)] * r.ndim
    first, second = list(idx), list(idx)
    first[axis], second[axis] = slice(0, h), slice(h, None)
    return np.stack([r[tuple(first)], r[tuple(second)]])


def _glu(ctx, g, x, ax, split, params):
    n = x.shape[ax]
    h = n // 2
    if not split:
        out_chunks = tuple((h,) if i == ax else c for i, c in enumerate(x.chunks))
        if g is None:
            return da.map_blocks(_call_block, x, dtype=ctx.dtype, chunks=out_chunks,
                                 meta=ctx.meta(x, x.ndim), token=f"fastact-{ctx.fname}",
                                 params=params, **ctx.task_kw())
        g = g.rechunk(out_chunks) if g.chunks != out_chunks else g
        return da.map_blocks(_call_block, g, x, dtype=ctx.dtype, chunks=x.chunks,
                             meta=ctx.meta(x, x.ndim), token=f"fastact-{ctx.fname}",
                             params=params, **ctx.task_kw())
    sel_a = tuple(slice(0, h) if i == ax else slice(None) for i in range(x.ndim))
    sel_b = tuple(slice(h, n) if i == ax else slice(None) for i in range(x.ndim))
    a = x[sel_a]
    a_chunks = a.chunks
    b = x[sel_b].rechunk(a_chunks)
    if g is None:
        return da.map_blocks(_glu_block, a, b, dtype=ctx.dtype, meta=ctx.meta(x, x.ndim),
                             token=f"fastact-{ctx.fname}", axis=ax, params=params,
                             **ctx.task_kw())
    g = g.rechunk(a_chunks) if g.chunks != a_chunks else g
    both = da.map_blocks(_glu_backward_block, g, a, b, dtype=ctx.dtype, new_axis=0,
                         chunks=((2,),) + a_chunks, meta=ctx.meta(x, x.ndim + 1),
                         token=f"fastact-{ctx.fname}", axis=ax, params=params,
                         **ctx.task_kw())
    return da.concatenate([both[0], both[1]], axis=ax)


# ---- maxout: chunk boundaries on group boundaries

def _group_chunks(chunks: tuple, k: int) -> tuple:
    """``chunks`` along an axis with every boundary moved down to a multiple of k."""
    bounds, pos = [], 0
    for c in chunks:
        pos += c
        b = pos // k * k
        if b and (not bounds or b > bounds[-1]):
            bounds.append(b)
    if not bounds or bounds[-1] != pos:
        bounds.append(pos)
    return tuple(b - a for a, b in zip([0] + bounds[:-1], bounds))


def _maxout(ctx, g, x, ax, params):
    k = params["pieces"]
    xc = _group_chunks(x.chunks[ax], k)
    if xc != x.chunks[ax]:
        x = x.rechunk({ax: xc})
    out_chunks = tuple(tuple(c // k for c in xc) if i == ax else c
                       for i, c in enumerate(x.chunks))
    if g is None:
        return da.map_blocks(_call_block, x, dtype=ctx.dtype, chunks=out_chunks,
                             meta=ctx.meta(x, x.ndim), token=f"fastact-{ctx.fname}",
                             params=params, **ctx.task_kw())
    g = g.rechunk(out_chunks) if g.chunks != out_chunks else g
    return da.map_blocks(_call_block, g, x, dtype=ctx.dtype, chunks=x.chunks,
                         meta=ctx.meta(x, x.ndim), token=f"fastact-{ctx.fname}",
                         params=params, **ctx.task_kw())
