"""The native C backend (native/, fastact.backends.native): every registry entry,
forward and backward, float32 and float64, against independent references and
against the numba backend; layouts; row-wise kernels; the math primitives.

References are mpmath at 50 digits (tests/_native_refs.py), so errors are
measured in ULPs of the correctly rounded result, for float64 too (a float64
NumPy reference could not measure float64 ULPs). The bounds enforced are the
table BOUNDS below; `python native/tools/ulp_report.py` prints the measured
maxima they were set from.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

import fastact
from fastact.backends import native
from fastact.registry import REGISTRY

import _native_cases as C
import _native_refs as R

if not native.available():  # a source tree that was not installed: nothing to test
    if os.environ.get("FASTACT_REQUIRE_NATIVE") == "1":
        raise ImportError(native.info())
    pytest.skip(native.info(), allow_module_level=True)

try:
    from fastact.backends import numba_cpu
except ImportError:  # numba blocked or missing (tests/test_native_fallback.py)
    numba_cpu = None

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)

# ---------------------------------------------------------------- the ULP table
# kernel id: (forward float32, forward float64, backward float32, backward float64),
# max error in ULPs of the correctly rounded result over the inputs of
# tests/_native_cases.py (the whole range, subnormal results included).
# Backward entries marked (*) are in ULPs of the sum of the terms' magnitudes
# (R.BWD_SCALE): the derivative has a root where its terms cancel.
# Notes:
#  - f32 gelu, gelu_tanh, mish, tanhshrink, squareplus compute in double; f32 silu
#    in float (2.5 ulps, the numba backend's double computation 0.5, at 4x the speed).
#  - f64 gelu/gelu_tanh/silu/mish: the exponential's argument is kept exact
#    (x*x, 2u, beta*x as double-double) and a subnormal result is rounded once;
#    the numba backend (plain formulas) is off by up to ~800 ulps there.
#  - softplus(beta != 2^k) in float32 and celu(alpha != 2^k): beta*x and x/alpha
#    are rounded before exp, as in the definitions (|z|/2 ulps at z = beta*x);
#    the table's parameters are powers of two.
BOUNDS: dict[str, tuple[float, float, float, float]] = {
    "identity": (0, 0, 0, 0),
    "sigmoid": (2.5, 2.5, 2, 2),
    "tanh": (2.5, 2.5, 2, 2),
    "log_sigmoid": (1.5, 1.5, 3, 3),
    "relu": (0, 0, 0, 0),
    "relu6": (0, 0, 0, 0),
    "selu": (2, 3, 3, 3.5),
    "gelu": (0.5, 4, 0.5, 3),         # bwd (*)
    "gelu_tanh": (0.5, 3, 0.5, 3),    # bwd (*)
    "silu": (3, 3, 3, 3),             # bwd (*); float32 computed in float (x e^x scaled once)
    "mish": (0.5, 3.5, 0.5, 4),       # bwd (*); f64: mish'(x >= 20) = mish'(20) = 1 + 2 ulps (the definitions' clamp)
    "softsign": (1.5, 1.5, 3.5, 3.5),
    "tanhshrink": (0.5, 4.5, 0.5, 4),  # f64 fwd: x - tanh x past the series cancels (numba: 5.2)
    "hardsigmoid": (1, 1, 0.5, 0.5),
    "hardswish": (2, 2, 2, 2),
    "sparse_sigmoid": (0.5, 0.5, 0, 0),
    "sparse_plus": (2, 2, 1.5, 1.5),
    "leaky_relu": (0.5, 0.5, 0.5, 0.5),
    "elu": (1.5, 1.5, 3, 3),
    "celu": (1.5, 1.5, 2, 2),
    "softplus": (2, 2, 3, 3),
    "hardtanh": (0, 0, 0, 0),
    "hardshrink": (0, 0, 0, 0),
    "softshrink": (0.5, 0.5, 0, 0),
    "threshold": (0, 0, 0, 0),
    "squareplus": (0.5, 3, 0.5, 3),
    "rrelu": (0.5, 0.5, 0.5, 0.5),
    "prelu": (0.5, 0.5, 0.5, 0.5),
}

KERNELS = C.kernels()
CASES = [pytest.param(kid, bwd, dt, id=f"{kid}-{'bwd' if bwd else 'fwd'}-{dt}")
         for kid, _, _ in KERNELS for bwd in (False, True) for dt in ("float32", "float64")]
_BY_ID = {kid: (k, e) for kid, k, e in KERNELS}
N_RANDOM = int(os.environ.get("FASTACT_NATIVE_TEST_N", "300"))


def bound(kid: str, backward: bool, dt: str) -> float:
    return BOUNDS[kid][2 * backward + (dt == "float64")]


def _fn(kid: str, backward: bool):
    k, _ = _BY_ID[kid]
    return k.bwd if backward else k.fwd


@functools.lru_cache(maxsize=None)
def _case(kid: str, backward: bool, dt: str, params: tuple):
    """Operands, reference and error scale of one kernel case (computed once)."""
    k, entry = _BY_ID[kid]
    arrays, pv = C.operands(kid, entry, backward, dt, params, n=N_RANDOM)
    if kid in ("leaky_relu", "rrelu", "prelu") and not backward and params[0] == 0.0:
        # 0 * -inf: the definitions (and so both backends) give nan; see the notes above
        keep = ~np.isinf(arrays[0])
        arrays = tuple(a[keep] for a in arrays)
    cols = [*arrays, *[np.full(arrays[0].shape, p) for p in pv]]
    ref_fn = R.REFS[kid][1 if backward else 0]
    ref = R.evaluate(ref_fn, *cols, nan_in_nan_out=not (kid == "identity" and backward))
    scale = None
    if backward and kid in R.BWD_SCALE:
        scale = R.evaluate(lambda g, x, *p: R.BWD_SCALE[kid](g, x), *cols)
    return arrays, pv, ref, scale


def _native(kid, backward, dt, arrays, pv):
    with np.errstate(all="ignore"):
        return native.elementwise(_fn(kid, backward).__name__, np.dtype(dt))(*arrays, *pv)


# ---------------------------------------------------------------- coverage

def _expected_symbols() -> set[str]:
    names = set()
    for e in REGISTRY.values():
        if e.kind == "elementwise":
            for kid in e.kernel_ids():
                names |= {f"{kid}_fwd", f"{kid}_bwd"}
        else:
            names |= {e.name, f"{e.name}_backward"}
    names.add("prelu_weight_grad")
    return {f"fastact_{n}_{s}" for n in names for s in ("f32", "f64")}


def test_every_registry_entry_has_its_c_symbols():
    missing = _expected_symbols() - native.symbol_names()
    assert not missing, f"the C library lacks {sorted(missing)}"


def test_every_kernel_in_the_ulp_table():
    assert set(BOUNDS) == {kid for kid, _, _ in KERNELS}


def test_info_says_what_was_loaded():
    s = native.info()
    assert "fastact" in s and "-O3" in s


# ---------------------------------------------------------------- accuracy

@pytest.mark.parametrize("kid, backward, dt", CASES)
def test_ulp_against_reference(kid, backward, dt):
    b = bound(kid, backward, dt)
    for params in C.PARAMS.get(kid, [()]):
        arrays, pv, ref, scale = _case(kid, backward, dt, params)
        got = _native(kid, backward, dt, arrays, pv)
        assert got.dtype == np.dtype(dt)
        err = R.ulp_error(got, ref, dt, scale)
        i = int(np.argmax(err))
        assert err[i] <= b, (f"{kid} {'bwd' if backward else 'fwd'} {dt} params={params}: "
                             f"{err[i]:.3g} ulps at {tuple(a[i] for a in arrays)}: got {got[i]!r}, "
                             f"exact {ref[i]!r}")
        if not backward:  # the catalogue: a non-nan input never gives nan
            x = arrays[0]
            bad = ~np.isnan(x) & np.isnan(got)
            assert not bad.any(), f"{kid}({x[bad][:5]}) gave nan"


@pytest.mark.skipif(numba_cpu is None, reason="numba not importable")
@pytest.mark.parametrize("kid, backward, dt", CASES)
def test_parity_with_numba(kid, backward, dt):
    """Same special values (nan, inf, signed zeros) as the numba backend wherever numba's
    are right, and the same values within the bounds wherever numba meets them."""
    k, _ = _BY_ID[kid]
    fn = _fn(kid, backward)
    u = numba_cpu.ufunc(fn, np.dtype(dt), f32_via_f64=k.f32_via_f64)
    b = bound(kid, backward, dt)
    for params in C.PARAMS.get(kid, [()]):
        arrays, pv, ref, scale = _case(kid, backward, dt, params)
        got = _native(kid, backward, dt, arrays, pv)
        with np.errstate(all="ignore"):
            nb = u(*arrays, *pv)
        nb_err = R.ulp_error(nb, ref, dt, scale)
        ok = nb_err <= b  # where numba itself is right
        same_class = (np.isnan(got) == np.isnan(nb)) & (np.isinf(got) == np.isinf(nb))
        assert same_class[ok].all(), (kid, params, [a[ok & ~same_class][:5] for a in arrays])
        if not backward:  # (a backward's underflowed zero may differ in sign)
            zeros = ok & (got == 0) & (nb == 0)
            assert (np.signbit(got[zeros]) == np.signbit(nb[zeros])).all(), \
                (kid, params, "signed zero", arrays[-1][zeros][np.signbit(got[zeros]) != np.signbit(nb[zeros])])
        d = R.ulp_error(got, nb.astype(np.longdouble), dt, scale)
        assert (d[ok] <= 2 * b + 0.5).all(), (kid, params, float(d[ok].max()))


def test_math_primitives_ulp():
    """fa_exp/expm1/log1p/log/tanh/erf/erfc of native/fastact.h, as its header states."""
    import mpmath as mp
    ffi, lib = native.ffi, native.lib
    rng = np.random.default_rng(7)
    funcs = [(0, mp.exp, 1.0), (1, mp.expm1, 1.5), (2, mp.log1p, 1.0), (3, mp.log, 1.0),
             (4, mp.tanh, 2.5), (5, mp.erf, 2.0), (6, mp.erfc, 3.0)]
    for dt, f, ct in ((F32, lib.fastact_math_f32, "float *"), (F64, lib.fastact_math_f64, "double *")):
        fi = np.finfo(dt)
        mag = np.exp(rng.uniform(np.log(float(fi.smallest_subnormal)), np.log(float(fi.max)), 300))
        x = np.concatenate([C.specials(dt), rng.uniform(-30, 30, 300), mag, -mag,
                            rng.uniform(-1, 1, 200)]).astype(dt)
        for which, mf, b in funcs:
            xs = np.abs(x) if which == 3 else (x[~(x < -1)] if which == 2 else x)
            if which >= 5:
                xs = xs[np.abs(xs) < 30]
            xs = np.ascontiguousarray(xs)
            out = np.empty_like(xs)
            f(which, xs.size, ffi.cast(ct, xs.ctypes.data), ffi.cast(ct, out.ctypes.data))

            def ref1(v, mf=mf):
                if mf is mp.log and v == 0:
                    return -mp.inf
                return mf(v)
            err = R.ulp_error(out, R.evaluate(ref1, xs), dt)
            i = int(np.argmax(err))
            assert err[i] <= b, (which, dt, xs[i], out[i], err[i])


# ---------------------------------------------------------------- special values

X5 = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], np.float32)
LN2 = float(np.log(2.0))
TORCH_TABLE = {  # the catalogue's table, observed on torch 2.13 CPU, float32
    "relu": [np.nan, np.inf, 0, -0.0, 0], "relu6": [np.nan, 6, 0, -0.0, 0],
    "hardtanh": [np.nan, 1, -1, -0.0, 0], "elu": [np.nan, np.inf, -1, -0.0, 0],
    "selu": [np.nan, np.inf, -1.7580993408473766, -0.0, 0],
    "softplus": [np.nan, np.inf, 0, LN2, LN2], "logsigmoid": [np.nan, 0, -np.inf, -LN2, -LN2],
    "sigmoid": [np.nan, 1, 0, 0.5, 0.5], "hardsigmoid": [np.nan, 1, 0, 0.5, 0.5],
    "leaky_relu": [np.nan, np.inf, -np.inf, -0.0, 0], "hardshrink": [np.nan, np.inf, -np.inf, 0, 0],
    "softshrink": [np.nan, np.inf, -np.inf, -0.0, 0], "tanhshrink": [np.nan, np.inf, -np.inf, 0, 0],
}
LIMITS = {  # where fastact returns the limit (PyTorch gives nan): the catalogue
    "gelu": [np.nan, np.inf, -0.0, -0.0, 0], "silu": [np.nan, np.inf, -0.0, -0.0, 0],
    "mish": [np.nan, np.inf, -0.0, -0.0, 0], "hardswish": [np.nan, np.inf, -0.0, -0.0, 0],
    "softsign": [np.nan, 1, -1, -0.0, 0],
}


def _same(a, b):
    """Equal, nan where nan, and the same sign on zeros."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    zero = (a == 0) & (b == 0)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True) and \
        np.array_equal(np.signbit(a[zero]), np.signbit(b[zero]))


# Where the definitions (and so both backends) differ from the torch table: the
DEVIATIONS: dict = {}


@pytest.mark.parametrize("name", sorted(TORCH_TABLE) + sorted(LIMITS))
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_special_values(name, dt):
    want = np.array(DEVIATIONS.get(name) or (TORCH_TABLE | LIMITS)[name], dt)
    got = getattr(fastact, name)(X5.astype(dt), backend="native")
    assert _same(got, want), (name, got, want)
    if name == "gelu":
        assert _same(fastact.gelu(X5.astype(dt), approximate="tanh", backend="native"), want)


def test_threshold_and_kinks():
    nat = dict(backend="native")
    assert _same(fastact.threshold(X5, 0.0, 5.0, **nat), np.float32([np.nan, np.inf, 5, 5, 5]))
    g = np.ones(3, np.float32)
    assert _same(fastact.relu_backward(g, np.float32([0, -0.0, 1]), **nat), [0, 0, 1])
    assert _same(fastact.relu6_backward(g, np.float32([0, 6, 3]), **nat), [0, 0, 1])
    assert _same(fastact.hardtanh_backward(g, np.float32([-1, 1, 0]), **nat), [0, 0, 1])
    assert _same(fastact.hardswish_backward(g, np.float32([-3, 3, 0]), **nat), [0, 1, 0.5])
    assert _same(fastact.hardsigmoid_backward(g, np.float32([-3, 3, 0]), **nat), [0, 0, np.float32(1) / 6])
    assert fastact.selu_backward(np.float32(1), np.float32(0), **nat) == np.float32(1.0507009873554805 * 1.6732632423543772)
    assert fastact.elu_backward(np.float32(1), np.float32(0), **nat) == 1


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_nan_in_nan_out_backward(dt):
    for e in REGISTRY.values():
        if e.kind != "elementwise" or e.name == "identity":
            continue
        args = {"threshold": (0.0, 1.0)}.get(e.name, ())
        if e.name == "prelu":
            gi, _ = fastact.prelu_backward(np.ones(2, dt), np.array([np.nan, np.nan], dt), 0.25, backend="native")
        else:
            gi = getattr(fastact, f"{e.name}_backward")(np.ones(2, dt), np.array([np.nan, np.nan], dt), *args,
                                                        backend="native")
        assert np.isnan(gi).all(), e.name


def test_large_magnitudes_and_subnormal_results():
    nat = dict(backend="native")
    for dt, big in ((np.float32, 1e4), (np.float64, 1e300)):
        x = np.array([-big, big], dt)
        for name in ("sigmoid", "softplus", "log_sigmoid", "silu", "mish", "gelu", "softmax", "logsumexp"):
            y = getattr(fastact, name)(x, **nat)
            assert np.isfinite(y).all() or name in ("softplus", "silu", "mish", "gelu"), (name, y)
            assert not np.isnan(y).any(), (name, dt, y)
    assert fastact.hardswish(np.float32(1e38), **nat) == np.float32(1e38)
    for name in ("squareplus", "softplus"):
        y = getattr(fastact, name)(np.float32([-3e38, 3e38]), **nat)
        assert np.isfinite(y).all() and y[1] == np.float32(3e38), (name, y)
    # subnormal float32 results, not flushed (PyTorch returns 0)
    e100 = 3.7200759760208359629596958038631e-44  # e^-100
    assert fastact.sigmoid(np.float32(-100), **nat) == np.float32(e100)  # 3.78e-44, a subnormal
    assert fastact.silu(np.float32(-100), **nat) == np.float32(-100 * e100)  # -3.72e-42
    assert np.isclose(fastact.gelu(np.float32(-13), **nat), -7.95e-38, rtol=1e-2, atol=0)
    assert np.isclose(fastact.tanhshrink(np.float32(1e-5), **nat), 3.3333e-16, rtol=1e-4)
    assert fastact.logsumexp(np.array([0.0, -40.0]), **nat) == np.log1p(np.exp(-40.0))


# ---------------------------------------------------------------- layouts

def _k(name, dt=F32):
    return native.elementwise(name, dt)


def test_strided_views_match_contiguous():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((8, 12)).astype(np.float32) * 4
    f = _k("gelu_tanh_fwd")
    for view in (base[:, ::2], base[::-1], base[:, ::-3], base.T, base[2:5, 1:9], base[::2, ::-1],
                 base[:, 3], base[np.newaxis, :, 1]):
        np.testing.assert_array_equal(f(view), f(np.ascontiguousarray(view)))
    g = _k("softplus_bwd")
    p1, p2 = np.float32(2.0), np.float32(10.0)
    a, b = base[::2, ::3], base.T[::-3, ::2]
    np.testing.assert_array_equal(g(a, b, p1, p2), g(a.copy(), b.copy(), p1, p2))


def test_zero_d_empty_broadcast_and_params_as_arrays():
    f = _k("sigmoid_fwd", F64)
    r = f(np.float64(0.5))
    assert r.shape == () and r == 1 / (1 + np.exp(-0.5))
    assert f(np.empty((0, 3))).shape == (0, 3)
    assert fastact.sigmoid(np.float32(0), backend="native") == 0.5  # 0-d in, scalar out
    assert fastact.gelu(np.empty((2, 0), np.float32), backend="native").shape == (2, 0)
    # backward with a scalar grad broadcast against x, and x broadcast against g
    b = _k("tanh_bwd", F64)
    y = np.linspace(-1, 1, 7)
    np.testing.assert_array_equal(b(np.float64(2.0), y), b(np.full(7, 2.0), y))
    np.testing.assert_array_equal(b(np.ones((3, 7)), y), np.broadcast_to(b(np.ones(7), y), (3, 7)))
    # prelu: weight (C, 1, 1) against (N, C, H, W); rrelu: one slope per element
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    w = np.array([0.1, 0.2, 0.3])
    y = fastact.prelu(x, w, backend="native")
    np.testing.assert_array_equal(y, np.where(x > 0, x, w[:, None, None] * x))
    gi, gw = fastact.prelu_backward(np.ones_like(x), x, w, backend="native")
    np.testing.assert_allclose(gw, np.where(x > 0, 0, x).sum(axis=(0, 2, 3)))
    noise = np.empty_like(x)
    y = fastact.rrelu(x, training=True, generator=np.random.default_rng(5), noise=noise, backend="native")
    np.testing.assert_array_equal(y, np.where(x > 0, x, noise * x))
    np.testing.assert_array_equal(fastact.rrelu_backward(np.ones_like(x), x, training=True, noise=noise,
                                                         backend="native"), np.where(x > 0, 1.0, noise))


def test_out_in_place_float16_and_casts():
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(101) * 3).astype(np.float32)
    want = fastact.silu(x, backend="native")
    y = x.copy()
    assert fastact.silu(y, out=y, backend="native") is y
    np.testing.assert_array_equal(y, want)
    # in place on a strided view
    z = np.zeros(202, np.float32)
    z[::2] = x
    fastact.silu(z[::2], out=z[::2], backend="native")
    np.testing.assert_array_equal(z[::2], want)
    assert not z[1::2].any()
    # non-contiguous out of another array
    o = np.zeros((101, 2), np.float32)
    fastact.silu(x, out=o[:, 1], backend="native")
    np.testing.assert_array_equal(o[:, 1], want)
    # float16 in, computed in float32, rounded once
    h = x.astype(np.float16)
    r = fastact.silu(h, backend="native")
    assert r.dtype == np.float16
    np.testing.assert_array_equal(r, fastact.silu(h.astype(np.float32), backend="native").astype(np.float16))
    h2 = h.copy()
    fastact.silu(h2, out=h2, backend="native")
    np.testing.assert_array_equal(h2, r)
    # mixed dtypes and float16 operands given to the kernel directly
    np.testing.assert_array_equal(_k("relu_bwd", F64)(np.ones(3, np.float32), np.float16([-1, 0, 2])), [0, 0, 1])
    # unaligned and big-endian input
    u2 = np.ndarray((101,), np.float32, buffer=bytearray(4 * 101 + 1), offset=1)
    assert not u2.flags.aligned
    u2[:] = x
    np.testing.assert_array_equal(_k("silu_fwd")(u2), want)
    np.testing.assert_array_equal(_k("silu_fwd")(x.astype(">f4")), want)


def test_large_array_blocks_and_tails():
    """Sizes around the block length of the strided path and the vector width."""
    f = _k("elu_fwd", F64)
    a = np.float64(1.0)
    for n in (1, 3, 255, 256, 257, 1000, 4099):
        x = np.linspace(-5, 5, 2 * n)
        np.testing.assert_array_equal(f(x[::2], a), f(x[::2].copy(), a))
    x = np.linspace(-20, 20, 1 << 20, dtype=np.float32)
    np.testing.assert_array_equal(_k("tanh_fwd")(x[::-1]), _k("tanh_fwd")(x)[::-1])


# ---------------------------------------------------------------- row-wise

ROW_LENGTHS = (1, 2, 7, 33, 1000)


def _rows(dt, n, rows=3, seed=0):
    rng = np.random.default_rng(seed + n)
    return (rng.standard_normal((rows, n)) * 5).astype(dt)


ROWWISE_FWD = {
    "softmax": R.softmax_ref, "log_softmax": R.log_softmax_ref,
    "softmin": lambda x: R.softmax_ref(-x.astype(np.longdouble)),
    "logsumexp": R.logsumexp_ref, "glu": R.glu_ref, "sparsemax": R.sparsemax_ref,
}
ROW_BOUNDS = {"softmax": 4, "log_softmax": 2, "softmin": 4, "logsumexp": 2, "glu": 3.5, "sparsemax": None}


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ROWWISE_FWD))
def test_rowwise_forward(name, dt):
    for n in ROW_LENGTHS:
        if name == "glu" and n % 2:
            continue
        x = _rows(dt, n)
        got = getattr(fastact, name)(x, backend="native")
        ref = ROWWISE_FWD[name](x)
        if ROW_BOUNDS[name] is None:  # sparsemax: a projection, compared in absolute terms
            np.testing.assert_allclose(got, ref, rtol=0, atol=8 * np.finfo(dt).eps)
            np.testing.assert_allclose(got.sum(-1), 1, rtol=0, atol=8 * np.finfo(dt).eps * n)
        else:
            assert R.ulp_rowwise(got, ref, dt) <= ROW_BOUNDS[name], (name, n)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_rowwise_backward(dt):
    L = np.longdouble
    for n in (2, 8, 64):
        x = _rows(dt, n, seed=1)
        g = _rows(dt, n, seed=2)
        nat = dict(backend="native")
        y = fastact.softmax(x, **nat)
        yl, gl = y.astype(L), g.astype(L)
        ref = yl * (gl - (gl * yl).sum(-1, keepdims=True))
        np.testing.assert_allclose(fastact.softmax_backward(g, y, **nat), ref.astype(np.float64),
                                   rtol=0, atol=8 * np.finfo(dt).eps * np.abs(gl).max())
        ymin = fastact.softmin(x, **nat)
        ref = -ymin.astype(L) * (gl - (gl * ymin.astype(L)).sum(-1, keepdims=True))
        np.testing.assert_allclose(fastact.softmin_backward(g, ymin, **nat), ref.astype(np.float64),
                                   rtol=0, atol=8 * np.finfo(dt).eps * np.abs(gl).max())
        ly = fastact.log_softmax(x, **nat)
        ref = gl - np.exp(ly.astype(L)) * gl.sum(-1, keepdims=True)
        np.testing.assert_allclose(fastact.log_softmax_backward(g, ly, **nat), ref.astype(np.float64),
                                   rtol=0, atol=8 * np.finfo(dt).eps * np.abs(gl).sum(-1).max())
        gs = g[:, 0]
        ref = gs.astype(L)[:, None] * R.softmax_ref(x)
        np.testing.assert_allclose(fastact.logsumexp_backward(gs, x, **nat), ref.astype(np.float64),
                                   rtol=8 * np.finfo(dt).eps, atol=0)
        ref = R.glu_backward_ref(g[:, : n // 2], x)
        assert R.ulp_rowwise(fastact.glu_backward(g[:, : n // 2], x, **nat), ref, dt) <= 4
        k = 2
        np.testing.assert_array_equal(fastact.maxout(x, k, **nat), R.maxout_ref(x, k))
        np.testing.assert_array_equal(fastact.maxout_backward(g[:, : n // k], x, k, **nat),
                                      R.maxout_backward_ref(g[:, : n // k], x, k))
        sy = fastact.sparsemax(x, **nat)
        sb = fastact.sparsemax_backward(g, sy, **nat)
        supp = sy > 0
        mean = np.where(supp, g, 0).sum(-1, keepdims=True) / supp.sum(-1, keepdims=True)
        np.testing.assert_allclose(sb, np.where(supp, g - mean, 0), rtol=0, atol=8 * np.finfo(dt).eps * 10)


def test_rowwise_special_rows():
    nat = dict(backend="native")
    inf, nan = np.inf, np.nan
    x = np.array([[1.0, inf, 0.0], [-inf, -inf, -inf], [0.0, -inf, 1.0], [nan, 0.0, 1.0]])
    sm = fastact.softmax(x, **nat)
    assert np.isnan(sm[0]).all() and np.isnan(sm[1]).all() and np.isnan(sm[3]).all()
    assert sm[2, 1] == 0 and np.isclose(sm[2].sum(), 1)
    ls = fastact.log_softmax(x, **nat)
    assert np.isnan(ls[0]).all() and np.isnan(ls[1]).all() and ls[2, 1] == -inf
    lse = fastact.logsumexp(x, **nat)
    assert lse[0] == inf and lse[1] == -inf and np.isfinite(lse[2]) and np.isnan(lse[3])
    assert fastact.logsumexp(np.empty((2, 0)), **nat).tolist() == [-inf, -inf]
    assert fastact.softmax(np.float32(3), **nat) == 1 and fastact.log_softmax(np.float64(3), **nat) == 0
    assert fastact.logsumexp(np.float64(3), **nat) == 3
    # maxout: the gradient goes to the first maximum
    np.testing.assert_array_equal(fastact.maxout_backward(np.ones((1, 1)), np.array([[2.0, 2.0]]), 2, **nat),
                                  [[1.0, 0.0]])
    # axes other than the last, through the dispatcher
    x3 = np.random.default_rng(0).standard_normal((4, 5, 6))
    np.testing.assert_allclose(fastact.softmax(x3, axis=0, **nat).sum(0), 1, atol=1e-15)
    np.testing.assert_allclose(fastact.logsumexp(x3, axis=(0, 2), **nat),
                               np.log(np.exp(x3).sum(axis=(0, 2))), rtol=1e-14)


def test_long_float32_row_is_accurate():
    """One row of 2**21 float32: sums in double, so no drift with the length."""
    x = np.random.default_rng(9).standard_normal((1, 1 << 21)).astype(np.float32)
    y = fastact.softmax(x, backend="native")
    assert R.ulp_rowwise(y[:, :4096], R.softmax_ref(x)[:, :4096], np.float32) <= 3
    assert abs(float(y.astype(np.float64).sum()) - 1) < 1e-6
    lse = fastact.logsumexp(x, backend="native")
    assert R.ulp_rowwise(lse, R.logsumexp_ref(x), np.float32) <= 1


def test_rowwise_rejects_bad_shapes():
    k = native.rowwise("maxout")
    x = np.zeros((2, 6))
    with pytest.raises(ValueError):
        k(x, out=np.zeros((2, 3)), pieces=4)
    with pytest.raises(ValueError):
        k(x, out=np.zeros((2, 4)), pieces=2)
    with pytest.raises(ValueError):
        native.rowwise("glu")(np.zeros((2, 5)), out=np.zeros((2, 2)))
    with pytest.raises(ValueError):
        native.rowwise("softmax")(np.zeros((2, 5))[:, ::2], out=np.zeros((2, 3)))
