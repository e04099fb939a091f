"""fastact against what users would pick instead, for every registry entry.

Each case is one benchmark group ``<function>-<dtype>-<size>`` holding fastact
(serial, parallel, automatic, native C when built) and the anchors from
``fastact._anchors`` (careful NumPy, SciPy, numexpr, PyTorch CPU), each skipped
cleanly when not installed. ``pytest benchmarks --benchmark-only -k "gelu and float32"``
runs a subset; see benchmarks/README.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastact
from fastact import _anchors, _bench
from fastact.registry import REGISTRY

ANCHORS = {"numpy": _anchors.NUMPY, "scipy": _anchors.scipy_anchors(),
           "numexpr": _anchors.numexpr_anchors(), "torch": _anchors.torch_anchors()}


CASES = [c for c in _bench.CASES if c[0] not in _bench.ROWWISE]
TORCH_OUT = _anchors.torch_out_anchors()
IMPLS = ["fastact-serial", "fastact-parallel", "fastact-auto", "fastact-native",
         "numpy", "scipy", "numexpr", "torch"]


def _data(size, dtype, seed=0):
    return np.random.default_rng(seed).normal(scale=3.0, size=size).astype(dtype)


def _fastact_call(impl, name, params, x, out):
    f = getattr(fastact, name)
    if impl == "fastact-native":
        try:
            from fastact.backends import native
        except ImportError:
            native = None
        if native is None or not native.available():
            pytest.skip("native C backend not built")
        return lambda: f(x, **params, out=out, backend="native")
    mode = {"fastact-serial": "never", "fastact-parallel": "always", "fastact-auto": "auto"}[impl]
    if mode == "always":
        from fastact.backends import _threads
        if not _threads.tbb_available():
            pytest.skip("no thread-safe parallel layer (install fastact[parallel])")

    def call():
        with fastact.using(parallel=mode):
            return f(x, **params, out=out)
    return call


def _anchor_call(impl, key, x, out):
    """The anchor's call; PyTorch writes into ``out`` (torch.ops.aten.<op>.out)."""
    if impl == "torch":
        if not TORCH_OUT:
            pytest.skip("torch not installed")
        if key not in TORCH_OUT:
            pytest.skip(f"torch has no {key}")
        return TORCH_OUT[key](x, out)
    f = ANCHORS[impl].get(key)
    if f is None:
        pytest.skip(f"{impl} has no {key}" if ANCHORS[impl] else f"{impl} not installed")
    return lambda: f(x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("key,name,params", CASES, ids=[c[0] for c in CASES])
def test_forward(benchmark, key, name, params, impl, dtype, size):
    x = _data(size, dtype)
    benchmark.group = f"{key}-{dtype}-{size:.0e}"
    out = np.empty_like(x)
    if impl.startswith("fastact"):
        call = _fastact_call(impl, name, params, x, out)
    else:
        call = _anchor_call(impl, key, x, out)
    call()  # compile / warm up outside the timing
    benchmark(call)
    assert np.isfinite(out).any() or not x.size


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("key,name,params", CASES, ids=[c[0] for c in CASES])
def test_backward(benchmark, key, name, params, dtype, size):
    entry = REGISTRY[name]
    x = _data(size, dtype)
    g = _data(size, dtype, seed=1)
    f = getattr(fastact, name)
    v = f(x, **params) if entry.backward_from == "output" else x
    b = getattr(fastact, name + "_backward")
    benchmark.group = f"{key}_backward-{dtype}-{size:.0e}"
    out = np.empty_like(x)
    call = (lambda: b(g, v, **params)) if name == "prelu" else (lambda: b(g, v, **params, out=out))
    call()
    benchmark(call)


ROWWISE = ["softmax", "log_softmax"]


@pytest.mark.parametrize("impl", ["fastact-serial", "fastact-parallel", "fastact-native",
                                  "numpy", "scipy", "torch"])
@pytest.mark.parametrize("name", ROWWISE)
def test_rowwise(benchmark, name, impl, rows_shape):
    x = _data(rows_shape, "float32")
    benchmark.group = f"{name}-float32-{rows_shape[0]}x{rows_shape[1]}"
    if impl.startswith("fastact"):
        call = _fastact_call(impl, name, {}, x, np.empty_like(x))
    else:
        call = _anchor_call(impl, name, x, np.empty_like(x))
    call()
    benchmark(call)
