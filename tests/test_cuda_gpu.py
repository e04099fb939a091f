"""The CUDA backend on a real GPU: numba device arrays, CuPy arrays and torch
tensors end to end, streams, out=, a larger size.

Skipped unless ``numba.cuda.is_available()`` with the simulator off (the
simulator's tests are in ``test_cuda_sim.py``). CuPy and torch parts are
skipped where those packages (with CUDA) are not installed.

References: fastact's CPU backend on float64 input (elementwise; within
``ULP`` of the float32/float64 result: both backends are within 4 ULP of the
correctly rounded result) and float64 NumPy formulas (row-wise).

``FASTACT_TEST_GPU_ON_SIM=1`` with ``NUMBA_ENABLE_CUDASIM=1`` runs the numba
parts under the simulator, at small sizes: a check of these tests' own logic,
not of a GPU.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

_SIM = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
_ON_SIM = _SIM and os.environ.get("FASTACT_TEST_GPU_ON_SIM") == "1"


def _gpu() -> bool:
    if _SIM:
        return _ON_SIM
    try:
        from numba import cuda
        return bool(cuda.is_available())
    except Exception:
        return False


pytestmark = [pytest.mark.skipif(not _gpu(), reason="needs a CUDA GPU (numba.cuda.is_available())"),
              pytest.mark.filterwarnings("ignore::RuntimeWarning")]

import fastact  # noqa: E402
from fastact.registry import REGISTRY  # noqa: E402

from _ulps import assert_ulps, ulps  # noqa: E402,F401

ULP = 8          # GPU (libdevice) vs CPU result, both within 4 ULP of the truth
ULP_ROW = 8
BIG = 1 << (10 if _ON_SIM else 22)


def _cuda():
    from numba import cuda
    return cuda


def _params(name):
    return {"gelu": [{"approximate": "none"}, {"approximate": "tanh"}],
            "threshold": [{"threshold": 0.5, "value": -2.0}],
            "prelu": [{"weight": np.float32(0.25)}, {"weight": np.array([0.1, -0.5, 2.0])}],
            "softplus": [{}, {"beta": 2.0, "threshold": 5.0}]}.get(name, [{}])


EW = [(a.name, p) for a in REGISTRY.values() if a.kind == "elementwise" for p in _params(a.name)]


def _inputs(dtype, n=None):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-12, 12, 200 if n is None else n),
                        [-100.0, -20.0, -3.0, -1.0, -0.0, 0.0, 1.0, 3.0, 6.0, 30.0, 1e-6, -1e-6, 0.5,
                         np.inf, -np.inf, np.nan]])
    return x.reshape(-1, 3).astype(dtype)  # channel axis 1 of size 3 (prelu)


def _cpu(name, backward, args, p):
    fn = getattr(fastact, name + ("_backward" if backward else ""))
    with np.errstate(all="ignore"):
        r = fn(*args, **p)
    return r[0] if isinstance(r, tuple) else r


# ---------------------------------------------------------------- numba device arrays

@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name,p", EW, ids=[f"{n}{i}" for i, (n, _) in enumerate(EW)])
def test_elementwise_numba(name, p, dtype):
    cuda = _cuda()
    entry = REGISTRY[name]
    x = _inputs(dtype)
    x64 = x.astype(np.float64)
    tol = 1 if dtype == np.float16 else ULP
    y = getattr(fastact, name)(cuda.to_device(x), **p)
    assert not isinstance(y, np.ndarray)
    y = y.copy_to_host()
    assert y.dtype == dtype
    assert_ulps(y, _cpu(name, False, (x64,), p), dtype, tol, f"{name}")
    g = np.linspace(-2, 2, x.size).reshape(x.shape).astype(dtype)
    v = y if entry.backward_from == "output" else x
    gi = getattr(fastact, name + "_backward")(cuda.to_device(g), cuda.to_device(v), **p)
    gi = (gi[0] if isinstance(gi, tuple) else gi).copy_to_host()
    assert_ulps(gi, _cpu(name, True, (g.astype(np.float64), v.astype(np.float64)), p), dtype,
                tol, f"{name}_backward", floor=g)


def test_prelu_weight_grad_numba():
    cuda = _cuda()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 3, 50)).astype(np.float32)
    g = rng.standard_normal((8, 3, 50)).astype(np.float32)
    w = np.array([0.1, -0.5, 2.0], np.float32)
    gi, gw = fastact.prelu_backward(cuda.to_device(g), cuda.to_device(x), cuda.to_device(w))
    ref = np.where(x > 0, 0.0, x.astype(np.float64) * g).sum(axis=(0, 2))
    np.testing.assert_allclose(gw.copy_to_host(), ref, rtol=1e-6)


def _softmax(x):
    # in long double: float64's own rounding of x - max costs |x - max| eps / 2
    x = np.asarray(x, np.longdouble)
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float64)


@pytest.mark.parametrize("n", [5, 128, 1024, 1025, 4096, 32768 if not _ON_SIM else 40])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_rowwise_numba(n, dtype):
    cuda = _cuda()
    rng = np.random.default_rng(n)
    rows = max(1, min(64, (1 << 18) // n)) if not _ON_SIM else 3
    x = (4 * rng.standard_normal((rows, n))).astype(dtype)
    x64 = x.astype(np.float64)
    d = cuda.to_device(x)
    tol = 2 if dtype == np.float16 else ULP_ROW
    y = fastact.softmax(d).copy_to_host()
    assert_ulps(y, _softmax(x64), dtype, tol, "softmax")
    lse = fastact.logsumexp(d).copy_to_host()
    xl = x.astype(np.longdouble)
    m = xl.max(-1)
    assert_ulps(lse, (m + np.log(np.exp(xl - m[:, None]).sum(-1))).astype(np.float64), dtype,
                tol, "logsumexp", floor=m.astype(np.float64))  # cancels near 0: ULPs at |max|
    # along axis 0 (a device-side transpose copy)
    y0 = fastact.softmax(cuda.to_device(np.ascontiguousarray(x.T)), axis=0).copy_to_host()
    assert_ulps(y0, _softmax(x64).T, dtype, tol, "softmax axis=0")
    g = rng.standard_normal((rows, n)).astype(dtype)
    gb = fastact.softmax_backward(cuda.to_device(g), cuda.to_device(y)).copy_to_host()
    y64, g64 = y.astype(np.float64), g.astype(np.float64)
    ref = y64 * (g64 - (g64 * y64).sum(-1, keepdims=True))
    err = np.abs(gb - ref).max()
    assert err <= 8 * np.finfo(dtype).eps * max(np.abs(ref).max(), np.abs(g64 * y64).max())
    sp = fastact.sparsemax(d).copy_to_host().astype(np.float64)
    np.testing.assert_allclose(sp.sum(-1), 1.0, atol=n * np.finfo(dtype).eps)
    assert (sp >= 0).all()


def test_rowwise_special_values_numba():
    cuda = _cuda()
    x = np.array([[1.0, np.inf, 2.0], [-np.inf] * 3, [0.0, -np.inf, 1.0]], np.float32)
    sm = fastact.softmax(cuda.to_device(x)).copy_to_host()
    assert np.isnan(sm[:2]).all() and sm[2, 1] == 0.0
    lse = fastact.logsumexp(cuda.to_device(x)).copy_to_host()
    assert lse[0] == np.inf and lse[1] == -np.inf
    big = np.array([[1e4, -1e4, 0.0]], np.float32)
    assert np.isfinite(fastact.softmax(cuda.to_device(big)).copy_to_host()).all()


def test_large_elementwise_numba():
    cuda = _cuda()
    x = np.random.default_rng(2).uniform(-10, 10, BIG).astype(np.float32)
    d = cuda.to_device(x)
    for name in ("sigmoid", "gelu", "silu", "softplus", "relu"):
        y = getattr(fastact, name)(d).copy_to_host()
        assert_ulps(y, _cpu(name, False, (x.astype(np.float64),), {}), np.float32, ULP, name)
    # strided and broadcast operands on the device
    x2 = x[: (BIG // 1024) * 1024].reshape(-1, 1024)
    d2 = cuda.to_device(x2)
    y = fastact.tanh(d2.T).copy_to_host()
    assert_ulps(y, np.tanh(x2.T.astype(np.float64)), np.float32, ULP, "transposed")
    g = cuda.to_device(np.ones((1, 1024), np.float32))
    gi = fastact.silu_backward(g, d2).copy_to_host()
    assert_ulps(gi, _cpu("silu", True, (np.ones((1, 1024)), x2.astype(np.float64)), {}),
                np.float32, ULP, "broadcast g", floor=np.ones_like(x2))


def test_numba_streams_and_out():
    cuda = _cuda()
    x = np.linspace(-5, 5, 4096).astype(np.float32)
    s = cuda.stream()
    d = cuda.to_device(x, stream=s)
    out = cuda.device_array_like(d, stream=s)
    r = fastact.sigmoid(d, out=out, stream=s)
    assert r is out
    s.synchronize()
    assert_ulps(out.copy_to_host(), _cpu("sigmoid", False, (x.astype(np.float64),), {}),
                np.float32, ULP)
    r = fastact.softmax(d.reshape(64, 64), stream=s)
    s.synchronize()
    assert_ulps(r.copy_to_host(), _softmax(x.reshape(64, 64).astype(np.float64)), np.float32, ULP_ROW)


def test_info_names_the_gpu():
    from fastact.backends import numba_cuda
    s = numba_cuda.info()
    assert ("GPU 0" in s and "compute capability" in s) or _ON_SIM


# ---------------------------------------------------------------- CuPy

def _cupy():
    if _SIM:
        pytest.skip("CuPy needs a real GPU")
    cp = pytest.importorskip("cupy")
    try:
        cp.cuda.runtime.getDeviceCount()
    except Exception:  # pragma: no cover
        pytest.skip("CuPy has no GPU")
    return cp


def test_cupy_end_to_end():
    cp = _cupy()
    x = cp.linspace(-6, 6, 3000, dtype=cp.float32).reshape(1000, 3)
    y = fastact.gelu(x)
    assert isinstance(y, cp.ndarray) and y.dtype == cp.float32 and y.shape == x.shape
    ref = _cpu("gelu", False, (cp.asnumpy(x).astype(np.float64),), {})
    assert_ulps(cp.asnumpy(y), ref, np.float32, ULP, "gelu")
    sm = fastact.softmax(x, axis=0)
    assert isinstance(sm, cp.ndarray)
    assert_ulps(cp.asnumpy(sm), _softmax(cp.asnumpy(x).T.astype(np.float64)).T, np.float32, ULP_ROW)
    # non-contiguous input, out=, in place
    xt = x.T
    out = cp.empty_like(xt)
    assert fastact.relu(xt, out=out) is out
    cp.testing.assert_array_equal(out, cp.maximum(xt, 0))
    z = x.copy()
    fastact.tanh(z, out=z)
    np.testing.assert_allclose(cp.asnumpy(z), np.tanh(cp.asnumpy(x)), rtol=1e-6)
    gi, gw = fastact.prelu_backward(cp.ones_like(x), x, cp.asarray([0.1, 0.2, 0.3], cp.float32))
    assert isinstance(gi, cp.ndarray) and isinstance(gw, cp.ndarray) and gw.shape == (3,)
    # dtype rules: ints -> float64
    assert fastact.relu(cp.arange(5)).dtype == cp.float64
    with pytest.raises(TypeError, match="different places"):
        fastact.relu(x, out=np.empty(x.shape, np.float32))


def test_cupy_streams():
    cp = _cupy()
    x = cp.random.standard_normal((256, 4096), dtype=cp.float32)
    s = cp.cuda.Stream(non_blocking=True)
    with s:
        y = fastact.softmax(x)          # CuPy's current stream
        z = fastact.silu(x)
    s.synchronize()
    assert_ulps(cp.asnumpy(y), _softmax(cp.asnumpy(x).astype(np.float64)), np.float32, ULP_ROW)
    s2 = cp.cuda.Stream(non_blocking=True)
    w = fastact.silu(x, stream=s2)      # an explicit stream
    s2.synchronize()
    cp.testing.assert_array_equal(w, z)


# ---------------------------------------------------------------- torch

def _torch():
    if _SIM:
        pytest.skip("torch CUDA tensors need a real GPU")
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch without CUDA")
    return torch


def test_torch_end_to_end():
    torch = _torch()
    x = torch.linspace(-6, 6, 3000, device="cuda", dtype=torch.float32).reshape(1000, 3)
    y = fastact.silu(x)
    assert isinstance(y, torch.Tensor) and y.is_cuda and y.dtype == torch.float32
    torch.testing.assert_close(y, torch.nn.functional.silu(x), rtol=2e-6, atol=1e-6)
    sm = fastact.softmax(x, axis=0)
    assert isinstance(sm, torch.Tensor) and sm.is_cuda
    torch.testing.assert_close(sm, torch.softmax(x, 0), rtol=1e-5, atol=1e-7)
    ls = fastact.log_softmax(x.half(), axis=1)
    assert ls.dtype == torch.float16
    torch.testing.assert_close(ls, torch.log_softmax(x.half().float(), 1).half(), rtol=2e-3, atol=1e-3)
    # a tensor requiring grad, a transposed view, out=
    xr = x.clone().requires_grad_(True)
    torch.testing.assert_close(fastact.tanh(xr), torch.tanh(x))
    out = torch.empty_like(x.T)
    assert fastact.relu(x.T, out=out) is out
    torch.testing.assert_close(out, torch.relu(x.T))
    gi, gw = fastact.prelu_backward(torch.ones_like(x), x, torch.tensor([0.1, 0.2, 0.3], device="cuda"))
    assert isinstance(gw, torch.Tensor) and gw.shape == (3,)
    assert fastact.relu(torch.arange(5, device="cuda")).dtype == torch.float64


def test_torch_streams():
    torch = _torch()
    x = torch.randn(512, 1024, device="cuda")
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        y = fastact.softmax(x)          # torch's current stream
    torch.cuda.current_stream().wait_stream(s)
    torch.testing.assert_close(y, torch.softmax(x, -1), rtol=1e-5, atol=1e-7)
    s2 = torch.cuda.Stream()
    s2.wait_stream(torch.cuda.current_stream())
    z = fastact.gelu(x, stream=s2)      # an explicit torch stream
    s2.synchronize()
    torch.testing.assert_close(z, torch.nn.functional.gelu(x), rtol=2e-6, atol=1e-6)


def test_mixed_kinds_on_the_device():
    torch = _torch()
    cuda = _cuda()
    x = torch.linspace(-3, 3, 64, device="cuda")
    g = cuda.to_device(np.ones(64, np.float32))
    r = fastact.sigmoid_backward(g, fastact.sigmoid(x))   # numba g, torch y
    assert hasattr(r, "__cuda_array_interface__")
