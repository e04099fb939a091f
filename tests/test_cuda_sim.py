"""The CUDA backend under numba's CUDA simulator (no GPU needed).

Runs only when ``NUMBA_ENABLE_CUDASIM=1`` is set before the test process
starts (numba reads it at import)::

    NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/test_cuda_sim.py

Every registry entry, forward and backward, every variant, float16/32/64, on
small numba device arrays, against float64 NumPy references written here (not
the definitions). Under the simulator the kernels run as Python on NumPy
scalars (NumPy's float32/float64 math, not libdevice), so these tests check
the kernels' logic -- indexing, broadcasting, strides, dtype conversions,
reductions, special values -- not the GPU's last-bit accuracy.

Tolerances, in ULPs of the result dtype against the float64 reference rounded
to it: float32 and float64 elementwise ``ULP_EW`` (4, the catalogue's goal);
float16 1 ULP (computed in float32, rounded once); row-wise ``ULP_ROW``
(8 ULP per element; backward row-wise results, which subtract a row sum, are
compared with an absolute bound of 8 ULP of the row's largest term).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

pytestmark = [
    pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1",
                       reason="set NUMBA_ENABLE_CUDASIM=1 to run the CUDA simulator tests"),
    # the definitions compute inf * 0 & co. in branches they then discard; under
    # the simulator that happens on NumPy scalars in the simulator's own threads,
    # which a test's np.errstate does not reach
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    from numba import cuda
else:  # pragma: no cover
    cuda = None

import fastact
from fastact.registry import REGISTRY

from _ulps import assert_ulps, ulps  # noqa: F401

ULP_EW = 4
ULP_ROW = 8
DTYPES = [np.float16, np.float32, np.float64]

SELU_A = 1.6732632423543772848170429916717
SELU_S = 1.0507009873554804934193349852946
C = 0.044715
K = math.sqrt(2.0 / math.pi)


# ---------------------------------------------------------------- helpers

def dev(a):
    return cuda.to_device(np.array(a, order="C"))  # keeps 0-d arrays 0-d


def host(d):
    assert not isinstance(d, np.ndarray), "the CUDA backend returned a host array"
    assert hasattr(d, "copy_to_host"), type(d)
    return d.copy_to_host()


def vec(f):
    return np.vectorize(f, otypes=[np.float64])


erfc = vec(math.erfc)


def _gelu_cdf2(x):
    """erfc(-x/sqrt2) with x/sqrt2 taken exactly (mpmath): float64 erfc of the
    rounded quotient is off by up to ~2 z^2 half-ULPs (41 ULP at x = -6.25)."""
    import mpmath
    with mpmath.workdps(40):
        return np.array([float(mpmath.erfc(-mpmath.mpf(float(v)) / mpmath.sqrt(2)))
                         for v in np.ravel(x)]).reshape(np.shape(x))


def sig(x):
    x = np.asarray(x, np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus1(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def tanhshrink_ref(x):
    import mpmath
    mpmath.mp.dps = 40
    return np.array([float(mpmath.mpf(float(v)) - mpmath.tanh(mpmath.mpf(float(v))))
                     for v in np.ravel(x)]).reshape(np.shape(x))


# ---------------------------------------------------------------- references
# name -> (params, forward(x, **p), backward(g, v, **p)); v is x, or y for
# entries whose backward takes the output

def _squareplus(x, b):
    s = np.sqrt(x * x + b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x >= 0, (x + s) / 2, b / (2 * (s - x)))


def _squareplus_b(g, x, b):
    s = np.sqrt(x * x + b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * 0.5 * np.where(x >= 0, 1 + x / s, b / (s * (s - x)))


def _gelu_tanh(x):
    u = K * (x + C * x ** 3)
    return x * sig(2 * u)  # 0.5 x (1 + tanh u), 1 + tanh u = 2 sigmoid(2u)


def _gelu_tanh_b(g, x):
    u = K * (x + C * x ** 3)
    s, sn = sig(2 * u), sig(-2 * u)
    # 0.5(1 + t) + 0.5 x (1 - t^2) u'; 1 + t = 2s, 1 - t^2 = 4 s sn
    return g * (s + 2 * x * s * sn * K * (1 + 3 * C * x * x))


def _mish_b(g, x):
    t = np.tanh(softplus1(x))
    return g * (t + x * sig(x) * (1 - t * t))


REF = {
    "identity": ([{}], lambda x: x, lambda g, x: g),
    "sigmoid": ([{}], sig, lambda g, y: g * y * (1 - y)),
    "tanh": ([{}], np.tanh, lambda g, y: g * ((1 - y) * (1 + y))),
    "log_sigmoid": ([{}], lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))),
                    lambda g, x: g * sig(-x)),
    "relu": ([{}], lambda x: np.where(x < 0, 0.0, x), lambda g, y: np.where(y > 0, g, 0.0)),
    "relu6": ([{}], lambda x: np.clip(x, 0, 6), lambda g, x: np.where((x > 0) & (x < 6), g, 0.0)),
    "selu": ([{}], lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
             lambda g, x: np.where(x > 0, g * SELU_S, g * SELU_S * SELU_A * np.exp(x))),
    "gelu": ([{"approximate": "none"}, {"approximate": "tanh"}], None, None),
    "silu": ([{}], lambda x: x * sig(x), lambda g, x: g * sig(x) * (1 + x * sig(-x))),
    "mish": ([{}], lambda x: x * np.tanh(softplus1(x)), _mish_b),
    "softsign": ([{}], lambda x: x / (1 + np.abs(x)), lambda g, x: g / (1 + np.abs(x)) ** 2),
    "tanhshrink": ([{}], tanhshrink_ref, lambda g, x: g * np.tanh(x) ** 2),
    "hardsigmoid": ([{}], lambda x: np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (x + 3) / 6)),
                    lambda g, x: np.where((x > -3) & (x < 3), g / 6, 0.0)),
    "hardswish": ([{}], lambda x: np.where(x <= -3, 0.0, np.where(x >= 3, x, x * (x + 3) / 6)),
                  lambda g, x: np.where(x <= -3, 0.0, np.where(x >= 3, g, g * (2 * x + 3) / 6))),
    "sparse_sigmoid": ([{}], lambda x: np.clip((x + 1) / 2, 0, 1),
                       lambda g, x: np.where((x > -1) & (x < 1), g / 2, 0.0)),
    "sparse_plus": ([{}], lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
                    lambda g, x: np.where(x <= -1, 0.0, np.where(x >= 1, g, g * (x + 1) / 2))),
    "leaky_relu": ([{"negative_slope": 0.01}, {"negative_slope": 0.2}],
                   lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
                   lambda g, x, negative_slope: np.where(x > 0, g, g * negative_slope)),
    "elu": ([{"alpha": 1.0}, {"alpha": 0.5}],
            lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x)),
            lambda g, x, alpha: np.where(x > 0, g, g * alpha * np.exp(x))),
    "celu": ([{"alpha": 1.0}, {"alpha": 2.0}],
             lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x / alpha)),
             lambda g, x, alpha: np.where(x > 0, g, g * np.exp(x / alpha))),
    "softplus": ([{"beta": 1.0, "threshold": 20.0}, {"beta": 2.0, "threshold": 5.0}],
                 lambda x, beta, threshold: np.where(beta * x > threshold, x,
                                                     softplus1(beta * x) / beta),
                 lambda g, x, beta, threshold: np.where(beta * x > threshold, g,
                                                        g * sig(beta * x))),
    "hardtanh": ([{"min_val": -1.0, "max_val": 1.0}, {"min_val": -2.0, "max_val": 0.5}],
                 lambda x, min_val, max_val: np.clip(x, min_val, max_val),
                 lambda g, x, min_val, max_val: np.where((x > min_val) & (x < max_val), g, 0.0)),
    "hardshrink": ([{"lambd": 0.5}, {"lambd": 1.0}],
                   lambda x, lambd: np.where(np.abs(x) > lambd, x, 0.0),
                   lambda g, x, lambd: np.where(np.abs(x) > lambd, g, 0.0)),
    "softshrink": ([{"lambd": 0.5}, {"lambd": 1.0}],
                   lambda x, lambd: np.where(x > lambd, x - lambd,
                                             np.where(x < -lambd, x + lambd, 0.0)),
                   lambda g, x, lambd: np.where(np.abs(x) > lambd, g, 0.0)),
    "threshold": ([{"threshold": 0.5, "value": -2.0}],
                  lambda x, threshold, value: np.where(x > threshold, x, value),
                  lambda g, x, threshold, value: np.where(x > threshold, g, 0.0)),
    "squareplus": ([{"b": 4.0}, {"b": 1.0}], _squareplus, _squareplus_b),
    "rrelu": ([{"lower": 0.125, "upper": 1 / 3}], None, None),   # own tests below
    "prelu": ([{}], None, None),                                  # own tests below
}


def x_values(dtype):
    """A couple of dozen inputs: a spread, the kinks, signed zeros."""
    v = np.concatenate([np.linspace(-7.5, 7.5, 13),
                        [-3.0, 3.0, -1.0, 1.0, -0.5, 0.5, 6.0, 0.0, -0.0, 0.3, -1e-3, 25.0]])
    return v.astype(dtype)


def _fwd_bwd_refs(name, p):
    if name == "gelu":
        if p["approximate"] == "none":
            return (lambda x: 0.5 * x * _gelu_cdf2(x),
                    lambda g, x: g * (0.5 * _gelu_cdf2(x)
                                      + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)))
        return _gelu_tanh, _gelu_tanh_b
    _, f, b = REF[name]
    return (lambda x: f(x, **p)), (lambda g, v: b(g, v, **p))


EW_CASES = [(name, p) for name, (ps, _, _) in REF.items() if name not in ("rrelu", "prelu")
            for p in ps]


def test_every_elementwise_entry_has_a_reference():
    names = {a.name for a in REGISTRY.values() if a.kind == "elementwise"}
    assert names == set(REF)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name,p", EW_CASES,
                         ids=[f"{n}-{'-'.join(map(str, p.values())) or 'default'}"
                              for n, p in EW_CASES])
def test_elementwise(name, p, dtype):
    entry = REGISTRY[name]
    fwd_ref, bwd_ref = _fwd_bwd_refs(name, p)
    tol = 1 if dtype == np.float16 else ULP_EW
    x = x_values(dtype)
    x64 = x.astype(np.float64)
    with np.errstate(all="ignore"):
        y = host(getattr(fastact, name)(dev(x), **p))
        assert y.dtype == dtype and y.shape == x.shape
        assert_ulps(y, fwd_ref(x64), dtype, tol, f"{name} forward")
        g = np.linspace(-1.5, 2.0, x.size).astype(dtype)
        v = y if entry.backward_from == "output" else x
        gi = host(getattr(fastact, name + "_backward")(dev(g), dev(v), **p))
        assert gi.dtype == dtype
        # ULPs at max(|result|, |g|): near a zero of the derivative the result is
        # a small difference of terms of the size of g (mish' near x = -1.2)
        assert_ulps(gi, bwd_ref(g.astype(np.float64), v.astype(np.float64)), dtype, tol,
                    f"{name} backward", floor=g)


@pytest.mark.parametrize("name,p", EW_CASES[::3], ids=[n for n, _ in EW_CASES[::3]])
def test_elementwise_strided_and_broadcast(name, p):
    """Non-contiguous, negative-stride and broadcast operands, in place."""
    fwd_ref, bwd_ref = _fwd_bwd_refs(name, p)
    entry = REGISTRY[name]
    x = x_values(np.float64)[:24].reshape(4, 6)
    dx = dev(x)
    with np.errstate(all="ignore"):
        got = host(getattr(fastact, name)(dx.T, **p))
        assert_ulps(got, fwd_ref(x.T), np.float64, ULP_EW, "transposed")
        got = host(getattr(fastact, name)(dx[::-1, ::2], **p))
        assert_ulps(got, fwd_ref(x[::-1, ::2]), np.float64, ULP_EW, "negative stride")
        g = np.linspace(-1, 1, 6)
        v = fwd_ref(x) if entry.backward_from == "output" else x
        got = host(getattr(fastact, name + "_backward")(dev(g[None, :]), dev(v), **p))
        assert_ulps(got, bwd_ref(np.broadcast_to(g, v.shape), v), np.float64, ULP_EW,
                    "broadcast grad_output")
        d = dev(x)
        r = getattr(fastact, name)(d, out=d, **p)
        assert r is d
        assert_ulps(host(d), fwd_ref(x), np.float64, ULP_EW, "in place")


ALL_EW = [(a.name, p) for a in REGISTRY.values() if a.kind == "elementwise"
          for p in ([{"approximate": "none"}, {"approximate": "tanh"}] if a.name == "gelu"
                    else [{"threshold": 0.5, "value": -2.0}] if a.name == "threshold"
                    else [{"weight": np.float32(0.25)}] if a.name == "prelu" else [{}])]


@pytest.mark.parametrize("name,p", ALL_EW, ids=[n for n, _ in ALL_EW])
def test_elementwise_special_values(name, p):
    """nan in gives nan out, non-nan in never gives nan (forward and backward)."""
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e30, -1e30, 1e-40], np.float32)
    ok = ~np.isnan(x)
    with np.errstate(all="ignore"):
        y = host(getattr(fastact, name)(dev(x), **p))
        assert np.isnan(y[0]) and not np.isnan(y[ok]).any(), (name, y)
        v = y if REGISTRY[name].backward_from == "output" else x
        gi = getattr(fastact, name + "_backward")(dev(np.ones_like(x)), dev(v), **p)
        gi = host(gi[0] if isinstance(gi, tuple) else gi)
        okv = ~np.isnan(v)
        if name != "identity":  # identity's backward is g, whatever x is
            assert np.isnan(gi[~okv]).all(), (name, gi)
        assert not np.isnan(gi[okv]).any(), (name, gi)


TORCH_SPECIALS = {  # x = nan, +inf, -inf, -0.0, +0.0 (catalogue, torch 2.13 CPU float32)
    "relu": [np.nan, np.inf, 0, -0.0, 0], "relu6": [np.nan, 6, 0, -0.0, 0],
    "hardtanh": [np.nan, 1, -1, -0.0, 0], "elu": [np.nan, np.inf, -1, -0.0, 0],
    "softplus": [np.nan, np.inf, 0, math.log(2), math.log(2)],
    "log_sigmoid": [np.nan, 0, -np.inf, -math.log(2), -math.log(2)],
    "sigmoid": [np.nan, 1, 0, 0.5, 0.5], "hardsigmoid": [np.nan, 1, 0, 0.5, 0.5],
    "leaky_relu": [np.nan, np.inf, -np.inf, -0.0, 0], "hardshrink": [np.nan, np.inf, -np.inf, 0, 0],
    "softshrink": [np.nan, np.inf, -np.inf, -0.0, 0], "tanhshrink": [np.nan, np.inf, -np.inf, 0, 0],
    "gelu": [np.nan, np.inf, -0.0, -0.0, 0], "silu": [np.nan, np.inf, -0.0, -0.0, 0],
    "softsign": [np.nan, 1, -1, -0.0, 0],
}


@pytest.mark.parametrize("name", sorted(TORCH_SPECIALS))
def test_catalogue_special_values(name):
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], np.float32)
    with np.errstate(all="ignore"):
        y = host(getattr(fastact, name)(dev(x)))
    ref = np.array(TORCH_SPECIALS[name], np.float32)
    np.testing.assert_array_equal(y, ref)
    if name != "tanhshrink":  # the scalar definition gives -0 at -0 (its series), torch +0
        np.testing.assert_array_equal(np.signbit(y[1:]), np.signbit(ref[1:]))


def test_threshold_specials():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], np.float32)
    y = host(fastact.threshold(dev(x), 0.0, 5.0))
    np.testing.assert_array_equal(y, [np.nan, np.inf, 5, 5, 5])


def test_subnormal_results_float32():
    x = np.array([-100.0], np.float32)
    assert host(fastact.sigmoid(dev(x)))[0] == np.float32(3.78e-44)
    assert host(fastact.silu(dev(x)))[0] == np.float32(-3.72e-42)


# ---------------------------------------------------------------- rrelu, prelu

def test_rrelu_eval():
    x = x_values(np.float32)
    lo, hi = 0.125, 1 / 3
    y = host(fastact.rrelu(dev(x), lo, hi))
    assert_ulps(y, np.where(x > 0, x, (lo + hi) / 2 * x.astype(np.float64)), np.float32, ULP_EW)
    g = np.linspace(-1, 1, x.size).astype(np.float32)
    gi = host(fastact.rrelu_backward(dev(g), dev(x), lo, hi))
    assert_ulps(gi, np.where(x > 0, g, g * ((lo + hi) / 2)), np.float32, ULP_EW)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rrelu_training_noise_on_device(dtype):
    x = x_values(dtype)
    noise = cuda.device_array(x.shape, dtype)
    dx = dev(x)
    y = host(fastact.rrelu(dx, 0.1, 0.3, training=True, generator=np.random.default_rng(1),
                           noise=noise))
    a = host(noise)
    assert ((a == 1) == (x > 0)).all()
    assert ((a[x <= 0] >= 0.1) & (a[x <= 0] <= 0.3)).all()
    assert_ulps(y, np.where(x > 0, x, a.astype(np.float64) * x), dtype, ULP_EW, "forward")
    g = np.linspace(-1, 1, x.size).astype(dtype)
    gi = host(fastact.rrelu_backward(dev(g), dx, 0.1, 0.3, training=True, noise=noise))
    assert_ulps(gi, np.where(x > 0, g, g * a.astype(np.float64)), dtype, ULP_EW, "backward")
    with pytest.raises(ValueError, match="noise"):
        fastact.rrelu_backward(dev(g), dx, 0.1, 0.3, training=True)
    with pytest.raises(TypeError, match="noise must be a CUDA array"):
        fastact.rrelu(dx, training=True, generator=np.random.default_rng(1), noise=np.empty(x.shape))


def _prelu_refs(x, g, w):
    wb = w.reshape((-1,) + (1,) * (x.ndim - 2)) if w.size > 1 else w.reshape(())
    y = np.where(x > 0, x, wb * x)
    gi = np.where(x > 0, g, wb * g)
    contrib = np.where(x > 0, 0.0, x * g)
    gw = contrib.sum() if w.size == 1 else contrib.sum(axis=tuple(i for i in range(x.ndim) if i != 1))
    return y, gi, np.reshape(gw, w.shape)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("wshape", [(), (1,), (3,)])
@pytest.mark.parametrize("weight_on_device", [False, True])
def test_prelu(dtype, wshape, weight_on_device):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4)).astype(dtype)
    g = rng.standard_normal((2, 3, 4)).astype(dtype)
    w = np.array([0.25, -0.5, 2.0][:max(1, math.prod(wshape))], dtype).reshape(wshape)
    wa = dev(w) if weight_on_device else w
    y_ref, gi_ref, gw_ref = _prelu_refs(x.astype(np.float64), g.astype(np.float64),
                                        w.astype(np.float64))
    tol = 1 if dtype == np.float16 else ULP_EW
    y = host(fastact.prelu(dev(x), wa))
    assert_ulps(y, y_ref, dtype, tol, "forward")
    gi, gw = fastact.prelu_backward(dev(g), dev(x), wa)
    assert_ulps(host(gi), gi_ref, dtype, tol, "grad_input")
    gw = host(gw)
    assert gw.shape == w.shape and gw.dtype == dtype
    np.testing.assert_allclose(gw, gw_ref, rtol=4 * np.finfo(dtype).eps, atol=1e-12)


def test_prelu_backward_out_and_errors():
    x = np.linspace(-2, 2, 12).reshape(2, 3, 2).astype(np.float32)
    out = cuda.device_array(x.shape, np.float32)
    gi, gw = fastact.prelu_backward(dev(np.ones_like(x)), dev(x), np.float32(0.5), out=out)
    assert gi is out
    np.testing.assert_array_equal(host(out), np.where(x > 0, 1.0, 0.5))
    with pytest.raises(ValueError, match="weight"):
        fastact.prelu(dev(x), np.ones(4, np.float32))
    with pytest.raises(ValueError, match="weight"):
        fastact.prelu(dev(x[0, 0]), np.ones(3, np.float32))


# ---------------------------------------------------------------- row-wise

# Row-wise references in long double: float64's own rounding of x - max costs
# |x - max| * eps / 2 relative, more than the kernels' error (they compensate it).

def _softmax(x, axis):
    x = np.asarray(x, np.longdouble)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float64)


def _logsumexp(x, axis, keepdims=False):
    x = np.asarray(x, np.longdouble)
    m = np.max(x, axis=axis, keepdims=True)
    r = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return (r if keepdims else np.squeeze(r, axis=axis)).astype(np.float64)


def _log_softmax(x, axis):
    """(x - max) - log1p(sum of e^(x - max) over all but the first maximum):
    no cancellation for the entries near the maximum."""
    xm = np.moveaxis(np.asarray(x, np.longdouble), axis, -1)
    m = xm.max(-1, keepdims=True)
    e = np.exp(xm - m)
    first = np.argmax(xm, -1)[..., None]
    np.put_along_axis(e, first, 0.0, -1)
    r = (xm - m) - np.log1p(e.sum(-1, keepdims=True))
    return np.moveaxis(r, -1, axis).astype(np.float64)


def _sparsemax_rows(z):
    out = np.empty_like(z)
    for i, row in enumerate(z):
        s = np.sort(row)[::-1]
        cs = np.cumsum(s)
        k = np.arange(1, row.size + 1)
        kk = k[1 + k * s > cs].max()
        tau = (cs[kk - 1] - 1) / kk
        out[i] = np.maximum(row - tau, 0)
    return out


def _rows_ref(fn, x, axis):
    xm = np.moveaxis(x, axis, -1)
    return np.moveaxis(fn(xm.reshape(-1, xm.shape[-1])).reshape(xm.shape), -1, axis)


ROW_SHAPES = [((3, 5), -1), ((2, 3, 4), 1), ((2, 19), -1), ((19, 2), 0)]  # 19 > SHORT_ROW


def _close_rows(got, ref, dtype, what, absolute=False):
    tol = 2 if dtype == np.float16 else ULP_ROW
    if absolute:
        scale = np.max(np.abs(ref)) if ref.size else 1.0
        err = np.abs(got.astype(np.float64) - ref)
        lim = tol * np.finfo(dtype).eps * max(scale, np.finfo(dtype).tiny)
        assert err.max(initial=0) <= lim, f"{what}: {err.max()} > {lim}"
    else:
        assert_ulps(got, ref, dtype, tol, what)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape,axis", ROW_SHAPES, ids=[f"{s}-{a}" for s, a in ROW_SHAPES])
def test_softmax_family(shape, axis, dtype):
    rng = np.random.default_rng(3)
    x = (3 * rng.standard_normal(shape)).astype(dtype)
    x64 = x.astype(np.float64)
    dx = dev(x)
    g = rng.standard_normal(shape).astype(dtype)
    g64 = g.astype(np.float64)
    y = host(fastact.softmax(dx, axis))
    assert y.dtype == dtype
    _close_rows(y, _softmax(x64, axis), dtype, "softmax")
    ls = host(fastact.log_softmax(dx, axis))
    _close_rows(ls, _log_softmax(x64, axis), dtype, "log_softmax")
    _close_rows(host(fastact.softmin(dx, axis)), _softmax(-x64, axis), dtype, "softmin")
    # logsumexp = max + log1p(...) cancels where the result is near 0: ULPs at |max|
    assert_ulps(host(fastact.logsumexp(dx, axis)), _logsumexp(x64, axis), dtype,
                2 if dtype == np.float16 else ULP_ROW, "logsumexp", floor=x64.max(axis))
    lk = host(fastact.logsumexp(dx, axis, keepdims=True))
    assert lk.shape == _logsumexp(x64, axis, True).shape
    # backwards, from the outputs the forward gave
    y64 = y.astype(np.float64)
    ref = y64 * (g64 - (g64 * y64).sum(axis=axis, keepdims=True))
    _close_rows(host(fastact.softmax_backward(dev(g), dev(y), axis)), ref, dtype,
                "softmax_backward", absolute=True)
    sm = host(fastact.softmin(dx, axis)).astype(np.float64)
    ref = -sm * (g64 - (g64 * sm).sum(axis=axis, keepdims=True))
    _close_rows(host(fastact.softmin_backward(dev(g), dev(sm.astype(dtype)), axis)), ref, dtype,
                "softmin_backward", absolute=True)
    ls64 = ls.astype(np.float64)
    ref = g64 - np.exp(ls64) * g64.sum(axis=axis, keepdims=True)
    _close_rows(host(fastact.log_softmax_backward(dev(g), dev(ls), axis)), ref, dtype,
                "log_softmax_backward", absolute=True)
    gl = rng.standard_normal(_logsumexp(x64, axis).shape).astype(dtype)
    ref = np.expand_dims(gl.astype(np.float64), axis) * _softmax(x64, axis)
    _close_rows(host(fastact.logsumexp_backward(dev(gl), dx, axis)), ref, dtype,
                "logsumexp_backward")
    glk = gl.reshape(lk.shape)
    _close_rows(host(fastact.logsumexp_backward(dev(glk), dx, axis, keepdims=True)), ref, dtype,
                "logsumexp_backward keepdims")


def test_softmax_tuple_axis_and_0d():
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    y = host(fastact.softmax(dev(x), axis=(0, 2)))
    ref = np.exp(x) / np.exp(x).sum(axis=(0, 2), keepdims=True)
    assert_ulps(y, ref, np.float64, ULP_ROW)
    ls = host(fastact.logsumexp(dev(x), axis=(0, 2)))
    assert_ulps(ls, np.log(np.exp(x).sum(axis=(0, 2))), np.float64, ULP_ROW)
    z = dev(np.array(1.5))
    assert host(fastact.softmax(z)).shape == ()
    assert host(fastact.softmax(z)) == 1.0
    assert host(fastact.log_softmax(z)) == 0.0
    assert host(fastact.logsumexp(z)) == 1.5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", ROW_SHAPES[:3], ids=[f"{s}-{a}" for s, a in ROW_SHAPES[:3]])
def test_glu_maxout_sparsemax(shape, axis, dtype):
    rng = np.random.default_rng(5)
    n = shape[axis]
    shape = tuple(s if i != (axis % len(shape)) else (s + s % 2) for i, s in enumerate(shape))
    x = rng.standard_normal(shape).astype(dtype)
    x64 = x.astype(np.float64)
    dx = dev(x)
    a, b = np.split(x64, 2, axis=axis)
    _close_rows(host(fastact.glu(dx, axis)), a * sig(b), dtype, "glu")
    g = rng.standard_normal(a.shape).astype(dtype)
    g64 = g.astype(np.float64)
    ref = np.concatenate([g64 * sig(b), g64 * a * sig(b) * sig(-b)], axis=axis)
    _close_rows(host(fastact.glu_backward(dev(g), dx, axis)), ref, dtype, "glu_backward")
    # maxout, 2 pieces, ties to the first maximum
    x2 = x.copy()
    np.moveaxis(x2, axis, -1)[..., 1] = np.moveaxis(x2, axis, -1)[..., 0]
    xm = np.moveaxis(x2.astype(np.float64), axis, -1)
    grp = xm.reshape(xm.shape[:-1] + (-1, 2))
    ref = np.moveaxis(grp.max(-1), -1, axis)
    mo = host(fastact.maxout(dev(x2), 2, axis))
    np.testing.assert_array_equal(mo, ref.astype(dtype))
    gm = rng.standard_normal(ref.shape).astype(dtype)
    first = np.argmax(grp, axis=-1)
    gref = np.zeros_like(grp)
    np.put_along_axis(gref, first[..., None], np.moveaxis(gm.astype(np.float64), axis, -1)[..., None], -1)
    gref = np.moveaxis(gref.reshape(xm.shape), -1, axis)
    np.testing.assert_array_equal(host(fastact.maxout_backward(dev(gm), dev(x2), 2, axis)),
                                  gref.astype(dtype))
    # sparsemax
    sp = host(fastact.sparsemax(dx, axis))
    ref = _rows_ref(_sparsemax_rows, x64, axis)
    _close_rows(sp, ref, dtype, "sparsemax", absolute=True)
    assert np.allclose(sp.sum(axis=axis), 1, atol=16 * np.finfo(dtype).eps)
    gs = rng.standard_normal(shape).astype(dtype)
    sp64, gs64 = sp.astype(np.float64), gs.astype(np.float64)
    supp = sp64 > 0
    mean = (gs64 * supp).sum(axis=axis, keepdims=True) / supp.sum(axis=axis, keepdims=True)
    ref = np.where(supp, gs64 - mean, 0.0)
    _close_rows(host(fastact.sparsemax_backward(dev(gs), dev(sp), axis)), ref, dtype,
                "sparsemax_backward", absolute=True)
    del n


def test_rowwise_float16_and_ints():
    x = np.arange(12).reshape(3, 4)
    y = host(fastact.softmax(dev(x)))
    assert y.dtype == np.float64
    assert_ulps(y, _softmax(x.astype(np.float64), -1), np.float64, ULP_ROW)
    h = np.linspace(-2, 2, 12).reshape(3, 4).astype(np.float16)
    yh = host(fastact.log_softmax(dev(h), axis=0))
    assert yh.dtype == np.float16
    assert_ulps(yh, _log_softmax(h.astype(np.float64), 0), np.float16, 1)


INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rowwise_special_values(dtype):
    rows = np.array([[1.0, INF, 2.0],
                     [-INF, -INF, -INF],
                     [0.0, -INF, 1.0],
                     [NAN, 1.0, 2.0],
                     [INF, INF, 1.0]], dtype)
    d = dev(rows)
    with np.errstate(all="ignore"):
        sm = host(fastact.softmax(d))
        ls = host(fastact.log_softmax(d))
        lse = host(fastact.logsumexp(d))
    assert np.isnan(sm[[0, 1, 3, 4]]).all() and np.isnan(ls[[0, 1, 3, 4]]).all()
    e = math.exp(1.0)
    np.testing.assert_allclose(sm[2], [1 / (1 + e), 0.0, e / (1 + e)], rtol=1e-6)
    assert sm[2, 1] == 0.0 and ls[2, 1] == -INF
    np.testing.assert_allclose(ls[2, [0, 2]], [-math.log1p(e), 1 - math.log1p(e)], rtol=1e-6)
    assert lse[0] == INF and lse[1] == -INF and np.isnan(lse[3]) and lse[4] == INF
    # large magnitudes stay finite
    big = 1e4 if dtype == np.float32 else 1e300
    xb = np.array([[big, -big, 0.0], [big, big, -big]], dtype)
    with np.errstate(all="ignore"):
        assert np.isfinite(host(fastact.softmax(dev(xb)))).all()
        assert np.isfinite(host(fastact.log_softmax(dev(xb)))).all()
        np.testing.assert_allclose(host(fastact.logsumexp(dev(xb))),
                                   [big, big + math.log(2)], rtol=1e-6)
    # logsumexp keeps the digits of the small terms: log1p(e^-40)
    v = host(fastact.logsumexp(dev(np.array([0.0, -40.0], dtype))))
    assert_ulps(np.array([v]), np.array([math.log1p(math.exp(-40.0))]), dtype, ULP_ROW)
    # empty axis: logsumexp is -inf, the others are empty
    emp = dev(np.zeros((3, 0), dtype))
    np.testing.assert_array_equal(host(fastact.logsumexp(emp)), [-INF] * 3)
    assert host(fastact.softmax(emp)).shape == (3, 0)
    assert host(fastact.sparsemax(emp)).shape == (3, 0)


def test_rowwise_errors():
    x = dev(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="odd"):
        fastact.glu(x)
    with pytest.raises(ValueError, match="divisible"):
        fastact.maxout(x, 2)
    with pytest.raises(np.exceptions.AxisError):
        fastact.softmax(x, axis=2)
    with pytest.raises(TypeError):
        fastact.glu(x, axis=(0, 1))
    with pytest.raises(ValueError, match="grad_output"):
        fastact.softmax_backward(dev(np.zeros((2, 4))), x)


# ---------------------------------------------------------------- dispatch, out=, dtypes

def test_host_device_mix_is_an_error():
    x = np.linspace(-1, 1, 5)
    with pytest.raises(TypeError, match="different places"):
        fastact.sigmoid_backward(x, dev(x))
    with pytest.raises(TypeError, match="different places"):
        fastact.relu(dev(x), out=np.empty(5))
    with pytest.raises(TypeError, match="different places"):
        fastact.softmax_backward(dev(x), x)


def test_out_validation():
    x = np.linspace(-1, 1, 6).astype(np.float32)
    d = dev(x)
    with pytest.raises(ValueError, match="shape"):
        fastact.relu(d, out=cuda.device_array(5, np.float32))
    with pytest.raises(TypeError, match="dtype"):
        fastact.relu(d, out=cuda.device_array(6, np.float64))
    ro = cuda.device_array(6, np.float32)
    ro._ary.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fastact.relu(d, out=ro)
    big = dev(np.zeros(7, np.float32))
    with pytest.raises(ValueError, match="overlaps"):
        fastact.relu(big[:6], out=big[1:])
    with pytest.raises(ValueError, match="shape"):
        fastact.softmax(dev(x.reshape(2, 3)), out=cuda.device_array((3, 2), np.float32))
    o = cuda.device_array(6, np.float32)
    assert fastact.relu(d, out=o) is o
    np.testing.assert_array_equal(host(o), np.maximum(x, 0))
    # out= with another layout (strided) and a row-wise in-place call
    o2 = cuda.device_array((3, 2), np.float32).T
    r = fastact.softmax(dev(x.reshape(2, 3)), out=o2)
    assert r is o2
    assert_ulps(host(o2), _softmax(x.reshape(2, 3).astype(np.float64), -1), np.float32, ULP_ROW)
    d2 = dev(x.reshape(2, 3))
    assert fastact.softmax(d2, out=d2) is d2
    assert_ulps(host(d2), _softmax(x.reshape(2, 3).astype(np.float64), -1), np.float32, ULP_ROW)


def test_dtypes():
    ints = dev(np.arange(-3, 3))
    r = host(fastact.relu(ints))
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, np.maximum(np.arange(-3, 3), 0))
    b = host(fastact.sigmoid(dev(np.array([True, False]))))
    assert b.dtype == np.float64
    assert_ulps(b, sig(np.array([1.0, 0.0])), np.float64, ULP_EW)
    with pytest.raises(TypeError, match="complex"):
        fastact.relu(dev(np.zeros(3, np.complex64)))
    mixed = host(fastact.sigmoid_backward(dev(np.ones(3, np.float32)), dev(np.full(3, 0.5))))
    assert mixed.dtype == np.float64


def test_zero_d_and_empty():
    z = fastact.sigmoid(dev(np.array(0.0, np.float32)))
    assert host(z).shape == () and host(z) == 0.5
    e = host(fastact.gelu(dev(np.zeros((0, 3), np.float32))))
    assert e.shape == (0, 3) and e.dtype == np.float32
    eb = host(fastact.silu_backward(dev(np.zeros(0)), dev(np.zeros(0))))
    assert eb.shape == (0,)


class _CAI:
    """A foreign array exposing only __cuda_array_interface__ (host memory: simulator)."""

    def __init__(self, a):
        self._a = a
        self.__cuda_array_interface__ = {
            "shape": a.shape, "strides": None if a.flags.c_contiguous else a.strides,
            "typestr": a.dtype.str, "data": (a.__array_interface__["data"][0], False),
            "version": 3}


def test_foreign_cuda_array_interface_and_stream():
    x = np.linspace(-3, 3, 7)
    r = fastact.tanh(_CAI(x[::-1]), stream=cuda.stream())
    assert_ulps(host(r), np.tanh(x[::-1]), np.float64, ULP_EW)
    with pytest.raises(TypeError, match="stream"):
        fastact.tanh(dev(x), stream="nope")


def test_info():
    from fastact.backends import numba_cuda
    assert "simulator" in numba_cuda.info()
