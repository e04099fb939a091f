"""fastact on dask arrays: lazy results equal to the in-memory ones.

Bounds, as documented in fastact._dask:
* elementwise functions, and row-wise functions whose rows lie inside one
  chunk (or that move rows/groups/halves into one chunk: glu, maxout,
  sparsemax), run the very same kernel on the same elements: bit-identical
  (within 4 ULP if numba vectorises with SVML, whose vector and scalar loops
  may round differently at chunk edges);
* softmax, log_softmax, softmin and logsumexp along a split axis reorder the
  sums of the log-sum-exp: special values exactly as in memory, finite values
  within 1 ULP (float32: float64 inside, rounded once) and 4 ULP (float64) of
  an mpmath reference (logsumexp also within that many ULPs of the row maximum,
  where M + log1p(T) cancels).
  They are not compared with the in-memory values at a tight bound: those are
  another approximation, within a few ULP of exact (CATALOGUE.md; 4 in
  tests/test_rowwise.py), so the two may differ by the sum of both bounds -- e.g.
  float32 logsumexp([-0.47767502, -1.2983575, -2.5488179, -2.3615782]) is 3.0 ULP
  off in memory (PyTorch: 4.0), 0.46 ULP along a split axis. Their backwards
  within a few ULP of the terms they cancel;
* prelu's weight gradient is a tree sum of per-chunk float64 partial sums.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402
import numba  # noqa: E402

import fastact  # noqa: E402
import mpmath  # noqa: E402
import reference as R  # noqa: E402
from fastact.registry import REGISTRY  # noqa: E402

SHAPE = (4, 6, 10)
CHUNKS = ((1, 3), (1, 4, 1), (3, 4, 3))  # uneven, every axis split
AXES = (0, 1, 2, -1, -3)
DTYPES = (np.float32, np.float64)
EXACT = not numba.config.USING_SVML
REDUCED = ("softmax", "log_softmax", "softmin", "logsumexp")
ELEMENTWISE = [e for e in REGISTRY.values() if e.kind == "elementwise"]
ROWWISE = [e for e in REGISTRY.values() if e.kind == "rowwise"]

# what each entry needs beyond its defaults
REQUIRED = {"threshold": dict(threshold=0.1, value=-2.0),
            "prelu": dict(weight=np.linspace(-0.5, 0.5, SHAPE[1])),
            "maxout": dict(pieces=2)}
# non-default values, to see them pass through to the chunks
NON_DEFAULT = {"gelu": dict(approximate="tanh"), "leaky_relu": dict(negative_slope=0.2),
               "elu": dict(alpha=0.7), "celu": dict(alpha=1.3),
               "softplus": dict(beta=2.0, threshold=5.0),
               "hardtanh": dict(min_val=-2.0, max_val=0.5), "hardshrink": dict(lambd=0.3),
               "softshrink": dict(lambd=0.3), "threshold": dict(threshold=-0.5, value=7.0),
               "squareplus": dict(b=1.0), "rrelu": dict(lower=0.1, upper=0.3),
               "prelu": dict(weight=np.float32(0.3))}


# ---------------------------------------------------------------- helpers

@contextlib.contextmanager
def no_compute():
    """Fail if anything is computed inside the block (the call must only build a graph)."""
    def refuse(*args, **kwargs):
        raise AssertionError("fastact computed a dask array during the call")
    with dask.config.set(scheduler=refuse):
        yield


def lazy(f, *args, **kwargs):
    with no_compute():
        r = f(*args, **kwargs)
    for a in (r if isinstance(r, tuple) else (r,)):
        assert isinstance(a, da.Array)
    return r


def data(dtype, shape=SHAPE, seed=0, specials=True):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    if specials:
        flat = x.reshape(-1)
        flat[[3, 17, 29, 41, 55]] = [np.nan, np.inf, -np.inf, -0.0, 0.0]
    return x


def to_dask(a, chunks=CHUNKS):
    return da.from_array(a, chunks=chunks)


def same(got, want, ulps=0):
    """Equal dtype and shape; bit-identical, or within ``ulps`` with the same specials."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if ulps == 0 and EXACT:
        # bit-identical, signed zeros included; a nan is a nan whatever its sign bit and
        # payload (neither IEEE 754 nor NumPy fixes them, and vector and scalar code differ)
        nan = np.isnan(got)
        np.testing.assert_array_equal(nan, np.isnan(want))
        g, w = got[~nan], want[~nan]
        assert np.array_equal(g.view(f"u{g.itemsize}"), w.view(f"u{w.itemsize}")), \
            np.argwhere(g.view(f"u{g.itemsize}") != w.view(f"u{w.itemsize}"))[:5]
        return
    if not EXACT:
        ulps = max(ulps, 4)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    fin = np.isfinite(want)
    np.testing.assert_array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)])
    assert np.isfinite(got[fin]).all()
    err = np.abs(got[fin].astype(np.float64) - want[fin]) / np.spacing(np.abs(want[fin]))
    assert err.max(initial=0) <= ulps, f"{err.max()} ULP"


# split-axis softmax/log_softmax/softmin/logsumexp: ULPs from exact (see the docstring)
SPLIT_TOL = {np.dtype(np.float32): 1, np.dtype(np.float64): 4}


def exact(name, x, axis, keepdims=False):
    """softmax, log_softmax, softmin or logsumexp of ``x`` along ``axis`` (int or tuple) as
    double-double (hi, lo) pairs, from mpmath: x - max is exact (fsub(exact=True)) and the
    rest has 60 digits, so rows of +-1e300 keep the digits of x - logsumexp. Rows holding
    nan or +inf, or of all -inf, give nan (callers compare finite results only)."""
    x = np.asarray(x, np.float64)
    if name == "softmin":
        name, x = "softmax", -x
    axes = tuple(a % x.ndim for a in np.atleast_1d(axis))
    keep = [i for i in range(x.ndim) if i not in axes]
    xt = np.transpose(x, keep + list(axes))
    rows = xt.reshape(-1, int(np.prod([x.shape[a] for a in axes])))
    hi, lo = np.full(rows.shape, np.nan), np.zeros(rows.shape)
    with mpmath.workdps(60):
        for i, row in enumerate(rows):
            if np.isnan(row).any() or not np.isfinite(row.max()):
                continue
            j = int(np.argmax(row))
            m = mpmath.mpf(float(row[j]))
            d = [mpmath.fsub(v, m, exact=True) for v in map(float, row)]
            lg = mpmath.log1p(mpmath.fsum(mpmath.exp(v) for k, v in enumerate(d) if k != j))
            vals = [m + lg] if name == "logsumexp" else \
                [v - lg for v in d] if name == "log_softmax" else [mpmath.exp(v - lg) for v in d]
            for k, v in enumerate(vals):
                hi[i, k] = float(v)
                lo[i, k] = float(v - hi[i, k]) if np.isfinite(hi[i, k]) else 0.0
    if name == "logsumexp":
        shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape)) if keepdims else \
            tuple(n for i, n in enumerate(x.shape) if i not in axes)
        return hi[:, 0].reshape(shape), lo[:, 0].reshape(shape)
    inv = np.argsort(keep + list(axes))
    return tuple(np.transpose(a.reshape(xt.shape), inv) for a in (hi, lo))


def split_ok(got, want, x, name, axis, **kw):
    """A reduced function computed along a split axis (two passes): dtype, shape and
    special values (nan, +-inf) as the in-memory result ``want``; finite values within
    SPLIT_TOL ULPs of an accurate reference of ``x`` (not of ``want``, itself within a
    few ULP of exact: comparing two approximations would need the sum of both bounds)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf])
    fin = np.isfinite(want)
    assert np.isfinite(got[fin]).all()
    dt = got.dtype
    x = np.asarray(x)
    with np.errstate(all="ignore"):
        ref = exact(name, x, axis, **kw)
        d = R.ulp_distance(got, ref, dt)
        if name == "logsumexp":  # M + log1p(T) cancels: ULPs of the row maximum too
            m = np.abs(np.max(x.astype(np.float64), axis=axis, keepdims=True)).reshape(got.shape)
            scale = R.dtype_eps(dt) * np.maximum(m, np.abs(got))
            d = np.minimum(d, R.abs_error(got, ref) / scale)
    tol = SPLIT_TOL[dt]
    assert d[fin].max(initial=0) <= tol, f"{d[fin].max()} ULP from exact"


def close(got, want, atol):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(want.dtype).eps, atol=atol)


def call(name, *args, **params):
    return getattr(fastact, name)(*args, **params)


# ---------------------------------------------------------------- elementwise

def elementwise_cases():
    for entry in ELEMENTWISE:
        for dtype in DTYPES:
            yield pytest.param(entry, dtype, REQUIRED.get(entry.name, {}),
                               id=f"{entry.name}-{dtype.__name__}")
    for name, params in NON_DEFAULT.items():  # parameters pass through to the chunks
        yield pytest.param(REGISTRY[name], np.float64, params, id=f"{name}-params")


@pytest.mark.parametrize("entry,dtype,p", list(elementwise_cases()))
def test_elementwise(entry, dtype, p):
    x, g = data(dtype), data(dtype, seed=1, specials=False)
    dx, dg = to_dask(x), to_dask(g, chunks=((2, 2), (3, 3), (5, 5)))
    y = lazy(call, entry.name, dx, **p)
    assert y.dtype == dtype and y.chunks == dx.chunks
    gx = lazy(call, entry.name + "_backward", dg, dx, **p)
    want = call(entry.name + "_backward", g, x, **p)
    gw = None
    if entry.name == "prelu":
        (gx, gw), (want, want_w) = gx, want
        assert gw.dtype == want_w.dtype and gw.shape == want_w.shape
    assert gx.dtype == dtype
    assert gx.chunks == dx.chunks  # grad_output is rechunked like x
    y, gx, gw = dask.compute(y, gx, gw)
    same(y, call(entry.name, x, **p))
    same(gx, want)
    if gw is not None:  # a tree sum of float64 partial sums
        np.testing.assert_allclose(gw, want_w, rtol=1e-12, atol=1e-12)


def test_elementwise_dtypes_and_broadcasting():
    x16 = data(np.float16)
    y = lazy(fastact.gelu, to_dask(x16))
    assert y.dtype == np.float16
    same(y.compute(), fastact.gelu(x16))
    xi = np.arange(-20, 20).reshape(4, 10)
    y = lazy(fastact.softplus, da.from_array(xi, chunks=(3, 4)))
    assert y.dtype == np.float64
    same(y.compute(), fastact.softplus(xi))
    # grad_output broadcast against x, as NumPy does
    x, g = data(np.float32), data(np.float32, shape=(1, 6, 1), seed=3, specials=False)
    r = lazy(fastact.silu_backward, da.from_array(g, chunks=(1, 2, 1)), to_dask(x))
    assert r.shape == SHAPE
    same(r.compute(), fastact.silu_backward(g, x))
    # 0-d
    r = lazy(fastact.tanh, da.from_array(np.float64(0.5)))
    assert r.shape == ()
    same(r.compute(), fastact.tanh(np.float64(0.5)))
    with pytest.raises(TypeError, match="dtype complex"):
        fastact.relu(da.ones(3, dtype=complex))


def test_out_is_rejected():
    dx = to_dask(data(np.float32))
    for f, args in ((fastact.relu, (dx,)), (fastact.softmax, (dx,)),
                    (fastact.relu_backward, (dx, dx)),
                    (fastact.prelu_backward, (dx, dx, np.float32(0.2)))):
        with pytest.raises(TypeError, match="immutable"):
            f(*args, out=np.empty(SHAPE, np.float32))


def test_parameters_are_checked_at_call_time():
    dx = to_dask(data(np.float32))
    with pytest.raises(ValueError, match="alpha"):
        fastact.celu(dx, alpha=0.0)
    with pytest.raises(ValueError, match="approximate"):
        fastact.gelu(dx, approximate="fast")
    with pytest.raises(ValueError, match="weight"):
        fastact.prelu(dx, np.ones(5))
    with pytest.raises(ValueError, match="pieces"):
        fastact.maxout(dx, 3)
    with pytest.raises(ValueError, match="odd"):
        fastact.glu(dx[:3], axis=0)
    with pytest.raises(getattr(np, "exceptions", np).AxisError):
        fastact.softmax(dx, axis=3)
    with pytest.raises(TypeError, match="axis"):
        fastact.glu(dx, axis=(0, 1))


def test_prelu_weight_follows_channel_chunks():
    x = data(np.float32)
    w = np.linspace(-1, 1, SHAPE[1]).astype(np.float32)
    for weight in (w, da.from_array(w, chunks=4)):
        y = lazy(fastact.prelu, to_dask(x), weight)
        same(y.compute(), fastact.prelu(x, w))
        gi, gw = lazy(fastact.prelu_backward, to_dask(x[::-1].copy()), to_dask(x), weight)
        want_i, want_w = fastact.prelu_backward(x[::-1].copy(), x, w)
        same(gi.compute(), want_i)
        assert gw.dtype == want_w.dtype == np.float32 and gw.shape == (SHAPE[1],)
        same(gw.compute(), want_w, ulps=1)


def test_rrelu_training():
    x, g = data(np.float64), data(np.float64, seed=2, specials=False)
    with pytest.raises(ValueError, match="not supported on dask"):
        fastact.rrelu(to_dask(x), training=True, generator=np.random.default_rng(0))
    # the documented recipe, and the backward with a dask noise
    a = da.random.default_rng(5).uniform(1 / 8, 1 / 3, x.shape, chunks=CHUNKS)
    dx = to_dask(x)
    noise = da.where(dx > 0, 1.0, a)
    gx = lazy(fastact.rrelu_backward, to_dask(g), dx, training=True, noise=noise)
    same(gx.compute(), fastact.rrelu_backward(g, x, training=True, noise=noise.compute()))
    with pytest.raises(ValueError, match="noise"):
        fastact.rrelu_backward(to_dask(g), dx, training=True)


# ---------------------------------------------------------------- row-wise

def rowwise_params(name, axis):
    p = {"axis": axis}
    if name == "maxout":
        p["pieces"] = 2
    return p


def expected_chunks(name, dx, axis, keepdims=False):
    ax = axis % dx.ndim
    c = list(dx.chunks)
    if name in ("softmax", "log_softmax", "softmin"):
        return dx.chunks
    if name == "logsumexp":
        return tuple((1,) if i == ax else ch for i, ch in enumerate(c)) if keepdims else \
            tuple(ch for i, ch in enumerate(c) if i != ax)
    if name == "glu":
        h = dx.shape[ax] // 2
        c[ax] = da.from_array(np.empty(dx.shape[ax]), chunks=(dx.chunks[ax],))[:h].chunks[0]
    elif name == "maxout":
        from fastact._dask import _group_chunks
        c[ax] = tuple(s // 2 for s in _group_chunks(dx.chunks[ax], 2))
    elif name == "sparsemax":
        c[ax] = (dx.shape[ax],)
    return tuple(c)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("entry", ROWWISE, ids=lambda e: e.name)
def test_rowwise(entry, axis, dtype):
    name = entry.name
    p = rowwise_params(name, axis)
    x = data(dtype, specials=False)
    x[1, 2, 3] = -np.inf  # a -inf entry in a finite row
    dx = to_dask(x)
    y = lazy(call, name, dx, **p)
    want = call(name, x, **p)
    assert y.dtype == dtype and y.chunks == expected_chunks(name, dx, axis)
    if name in REDUCED:  # every axis of CHUNKS is split: the two-pass reduction
        split_ok(y.compute(), want, x, name, axis)
    else:
        same(y.compute(), want)
    # backward, with grad_output split differently from x
    g = data(dtype, shape=want.shape, seed=7, specials=False)
    dg = da.from_array(g, chunks=tuple(max(1, s // 2) for s in g.shape))
    second = want if entry.backward_from == "output" else x
    d2 = to_dask(second) if second.shape == SHAPE else None
    if d2 is None:  # pragma: no cover - every second argument has x's shape
        pytest.fail("unexpected shape")
    r = lazy(call, name + "_backward", dg, d2, **p)
    want_b = call(name + "_backward", g, second, **p)
    assert r.dtype == dtype and r.shape == SHAPE
    if name in REDUCED:
        n = SHAPE[axis]
        close(r.compute(), want_b, atol=8 * n * np.finfo(dtype).eps * np.abs(g).max())
    else:
        same(r.compute(), want_b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", REDUCED)
def test_reduced_tuple_axes_and_keepdims(name, dtype):
    x = data(dtype, specials=False)
    dx = to_dask(x)
    for axis in ((0, 2), (-1, 1), (0, 1, 2)):
        extra = [dict(keepdims=True), dict(keepdims=False)] if name == "logsumexp" else [{}]
        for kw in extra:
            y = lazy(call, name, dx, axis=axis, **kw)
            want = call(name, x, axis=axis, **kw)
            split_ok(y.compute(), want, x, name, axis, **kw)
            g = data(dtype, shape=want.shape, seed=4, specials=False)
            second = x if name == "logsumexp" else want
            r = lazy(call, name + "_backward", da.asarray(g), to_dask(second), axis=axis, **kw)
            close(r.compute(), call(name + "_backward", g, second, axis=axis, **kw),
                  atol=8 * x.size * np.finfo(dtype).eps * np.abs(g).max())


def special_rows(dtype):
    """Rows of 23 with the row-wise special values; big = 1e4 (float32) or 1e300."""
    big = 1e4 if dtype == np.float32 else 1e300
    rng = np.random.default_rng(11)
    rows = [rng.standard_normal(23) * 3 for _ in range(3)]
    r = rng.standard_normal(23); r[[2, 20]] = np.inf; rows.append(r)        # +inf
    rows.append(np.full(23, -np.inf))                                       # all -inf
    r = rng.standard_normal(23); r[12] = np.nan; rows.append(r)             # nan
    r = rng.standard_normal(23) * big; rows.append(r)                       # large
    r = rng.standard_normal(23) + big; rows.append(r)                       # large, close
    r = rng.standard_normal(23) * 3; r[[0, 5, 11, 22]] = -np.inf; rows.append(r)  # -inf entries
    r = np.full(23, -40.0); r[17] = 0.0; rows.append(r)                     # digits of lse
    r = rng.standard_normal(23); r[[1, 9, 21]] = 4.0; rows.append(r)        # tied maxima
    r = np.full(23, -np.inf); r[22] = np.inf; rows.append(r)                # -inf and +inf
    r = np.full(23, -np.inf); r[13] = 1.5; rows.append(r)                   # one finite
    return np.array(rows).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nchunks", [1, 3, 7])
@pytest.mark.parametrize("name", REDUCED)
def test_special_values_on_split_rows(name, nchunks, dtype):
    x = special_rows(dtype)
    sizes = tuple(len(s) for s in np.array_split(np.arange(x.shape[1]), nchunks))
    for xx, axis, chunks in ((x, -1, (5, sizes)), (x.T.copy(), 0, (sizes, 5))):
        dx = da.from_array(xx, chunks=chunks)
        # one chunk along the axis: the in-memory kernel on the same rows
        check = same if nchunks == 1 else \
            (lambda got, want, **kw: split_ok(got, want, xx, name, axis, **kw))
        y = lazy(call, name, dx, axis=axis)
        want = call(name, xx, axis=axis)
        check(y.compute(), want)
        if name == "logsumexp":
            k = lazy(call, name, dx, axis=axis, keepdims=True)
            got_k, want_k = k.compute(), call(name, xx, axis=axis, keepdims=True)
            same(got_k, want_k) if nchunks == 1 else \
                split_ok(got_k, want_k, xx, name, axis, keepdims=True)
        g = np.linspace(-1, 1, want.size).reshape(want.shape).astype(dtype)
        second = xx if name == "logsumexp" else want
        r = lazy(call, name + "_backward", da.asarray(g), da.from_array(second, chunks=chunks),
                 axis=axis)
        r, want_b = r.compute(), call(name + "_backward", g, second, axis=axis)
        close(r, want_b, atol=8 * 23 * np.finfo(dtype).eps)
        if name == "logsumexp":
            # rows whose maximum is not finite: g·e^(x - logsumexp) as PyTorch (checked on
            # torch CPU): nan at the +inf entries and g·0 elsewhere in a row holding +inf,
            # nan throughout a row of all -inf or holding nan; bit for bit as in memory
            with np.errstate(invalid="ignore"):
                special = ~np.isfinite(np.max(xx, axis=axis, keepdims=True)) | \
                    np.isnan(xx).any(axis=axis, keepdims=True)
            special = np.broadcast_to(special, xx.shape)
            same(r[special], want_b[special])
            assert np.isnan(r[special & (xx == np.inf)]).all()
            assert (r[special & np.isfinite(xx)] == 0).any()  # the +inf rows' finite entries


def test_reduced_zero_d_and_empty():
    r = lazy(fastact.softmax, da.from_array(np.float32(3.0)))
    same(r.compute(), fastact.softmax(np.float32(3.0)))
    r = lazy(fastact.logsumexp, da.from_array(np.float64(-2.0)))
    same(r.compute(), fastact.logsumexp(np.float64(-2.0)))
    e = np.zeros((3, 0))
    r = lazy(fastact.logsumexp, da.from_array(e), axis=1)
    same(r.compute(), fastact.logsumexp(e, axis=1))


def test_maxout_keeps_groups():
    x = data(np.float64, shape=(3, 24), specials=False)
    dx = da.from_array(x, chunks=(2, (5, 7, 1, 8, 3)))
    y = lazy(fastact.maxout, dx, 3)
    assert y.chunks == ((2, 1), (1, 3, 3, 1))  # boundaries 5,12,13,21,24 -> 3,12,21,24
    same(y.compute(), fastact.maxout(x, 3))
    g = data(np.float64, shape=(3, 8), seed=1, specials=False)
    r = lazy(fastact.maxout_backward, da.asarray(g), dx, 3)
    same(r.compute(), fastact.maxout_backward(g, x, 3))


def test_glu_and_sparsemax_chunks():
    x = data(np.float32, shape=(3, 12), specials=False)
    dx = da.from_array(x, chunks=(3, (5, 7)))
    y = lazy(fastact.glu, dx)
    assert y.chunks == ((3,), (5, 1))
    same(y.compute(), fastact.glu(x))
    y = lazy(fastact.sparsemax, dx)
    assert y.chunks == ((3,), (12,))
    same(y.compute(), fastact.sparsemax(x))


def test_import_does_not_import_dask():
    code = "import sys, fastact; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- distributed

def test_local_cluster():
    distributed = pytest.importorskip("distributed")
    x = data(np.float32, shape=(64, 48), specials=False)
    dx = da.from_array(x, chunks=(16, (20, 28)))  # the softmax axis is split
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        futures = client.compute([fastact.gelu(dx), fastact.softmax(dx, axis=1),
                                  fastact.logsumexp(dx, axis=1),
                                  fastact.silu_backward(dx, dx)])
        gelu, sm, lse, sb = client.gather(futures)
        workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2
    same(gelu, fastact.gelu(x))
    split_ok(sm, fastact.softmax(x, axis=1), x, "softmax", 1)
    split_ok(lse, fastact.logsumexp(x, axis=1), x, "logsumexp", 1)
    same(sb, fastact.silu_backward(x, x))


def test_backend_is_read_when_the_graph_is_built():
    dx = to_dask(data(np.float32))
    with fastact.using(backend="cuda"):
        y = lazy(fastact.relu, dx)  # NumPy chunks: the tasks will refuse backend="cuda"
    with pytest.raises(TypeError, match="CUDA arrays"):
        y.compute()


def test_demo_runs_small(capsys):
    from fastact._demo_dask import main
    assert main(["--gb", "0.004", "--chunk-mb", "1", "--slice-mb", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "GB/s" in out and "peak RSS" in out and "max |dask - numpy|" in out


def test_unknown_and_empty_chunks():
    x = data(np.float64, shape=(4, 10), specials=False)
    dx = da.from_array(x, chunks=(1, 3))
    y = dx[dx > 0]  # unknown chunk sizes
    r = lazy(fastact.gelu, y)
    same(r.compute(), fastact.gelu(x[x > 0]))
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        fastact.softmax(da.stack([y, y]), axis=0)
    z = da.stack([y, y]).compute_chunk_sizes()  # some chunks hold no elements
    xs = np.stack([x[x > 0]] * 2) + np.arange(2)[:, None]
    dz = z + np.arange(2)[:, None]
    for name in REDUCED:
        split_ok(lazy(call, name, dz, axis=0).compute(), call(name, xs, axis=0), xs, name, 0)
    e = np.zeros((0, 6))
    de = da.from_array(e, chunks=(1, 2))
    same(lazy(fastact.logsumexp, de, axis=1).compute(), fastact.logsumexp(e, axis=1))
    same(lazy(fastact.softmax, de, axis=1).compute(), fastact.softmax(e, axis=1))


def test_reduced_float16_and_ints():
    x = special_rows(np.float32).astype(np.float16)
    dx = da.from_array(x, chunks=(5, 6))
    for name in REDUCED:
        y = lazy(call, name, dx)
        assert y.dtype == np.float16
        same(y.compute(), call(name, x), ulps=1)  # float64 inside vs float32 in memory
    xi = np.arange(-12, 12).reshape(2, 12)
    y = lazy(fastact.log_softmax, da.from_array(xi, chunks=(1, 5)))
    assert y.dtype == np.float64
    split_ok(y.compute(), fastact.log_softmax(xi), xi, "log_softmax", -1)
