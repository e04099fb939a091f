"""Inputs and parameters on which the native backend is checked (shared by
tests/test_native.py and native/tools/ulp_report.py)."""

from __future__ import annotations

import functools

import numpy as np

from fastact.registry import REGISTRY

# parameter sets per kernel: defaults, edges, and powers of two where the
# parameter scales the argument of exp (beta*x, x/alpha: see BOUNDS' notes)
PARAMS: dict[str, list[tuple]] = {
    "leaky_relu": [(0.01,), (0.0,), (-0.5,), (2.0,)],
    "elu": [(1.0,), (0.5,), (2.0,), (-1.0,)],
    "celu": [(1.0,), (0.5,), (2.0,)],
    "softplus": [(1.0, 20.0), (2.0, 10.0), (0.5, 5.0), (1.0, -1.0)],
    "hardtanh": [(-1.0, 1.0), (-2.0, 0.5), (0.0, 0.0)],
    "hardshrink": [(0.5,), (0.0,), (2.0,)],
    "softshrink": [(0.5,), (0.0,), (2.0,)],
    "threshold": [(0.0, 5.0), (-1.0, -2.0), (1.0, 1.0)],
    "squareplus": [(4.0,), (0.0,), (1e-6,), (1e6,)],
    "rrelu": [((1 / 8 + 1 / 3) / 2,), (0.125,)],
    "prelu": [(0.25,), (-0.5,)],
}

OUTPUT_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def kernels():
    """(kernel id, kernel, entry) for every elementwise kernel of the registry."""
    return [(k.id, k, e) for e in REGISTRY.values() if e.kind == "elementwise"
            for k in e.kernels.values()]


def specials(dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    fi = np.finfo(dtype)
    sub = np.array(fi.smallest_subnormal, dtype)
    mags = [0.0, sub, fi.tiny, fi.tiny * 3, 1e-30, 1e-10, 1e-5, 1e-3, 0.25, 0.5, 0.54, 0.56, 0.8,
            0.81, 1.0, 1.5, 2.0, 3.0, 5.5, 6.0, 8.0, 9.5, 10.0, 13.0, 20.0, 27.0, 30.0, 38.0, 40.0,
            87.0, 88.7, 89.0, 100.0, 104.0, 700.0, 709.7, 710.0, 745.0, 800.0, 1e4, 1e30, 1e38,
            1e300, fi.max, np.inf]
    v = np.array([m for m in mags if m <= float(fi.max) or m == np.inf], np.float64)
    return np.concatenate([v, -v, [np.nan]]).astype(dtype)


@functools.lru_cache(maxsize=None)
def inputs(dtype_name: str, n: int = 1500, seed: int = 1) -> np.ndarray:
    """Specials, uniform in [-12, 12], log-uniform magnitudes over the whole range of
    both signs, and the float32 subnormal-result band [-110, -80]."""
    dtype = np.dtype(dtype_name)
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    lo, hi = np.log(float(fi.smallest_subnormal)), np.log(float(fi.max))
    parts = [
        specials(dtype),
        rng.uniform(-12, 12, n // 2),
        np.exp(rng.uniform(lo, hi, n // 3)) * rng.choice([-1.0, 1.0], n // 3),
        rng.uniform(-110, -80, n // 12),
        rng.uniform(-1, 1, n // 12),
    ]
    with np.errstate(over="ignore"):
        return np.concatenate([np.asarray(p, np.float64).astype(dtype) for p in parts])


def grads(dtype_name: str, size: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    g = rng.uniform(-3, 3, size)
    g[: size // 10] = 1.0
    return g.astype(dtype_name)


def operands(kid: str, entry, backward: bool, dtype_name: str, params: tuple, n: int = 1500):
    """(arrays..., params as numpy scalars) for a kernel call."""
    dt = np.dtype(dtype_name)
    x = inputs(dtype_name, n)
    extra = [np.asarray(p, np.float64).astype(dt) for p in params]
    # put the parameters themselves (thresholds, bounds) and their neighbours among the inputs
    edges = []
    for p in extra:
        edges += [p, -p, np.nextafter(p, dt.type(np.inf)), np.nextafter(p, dt.type(-np.inf))]
    if edges:
        x = np.concatenate([x, np.array(edges, dt)])
    if not backward:
        return (x,), tuple(dt.type(p) for p in extra)
    v = x
    if entry.backward_from == "output" and kid in OUTPUT_RANGE:
        lo_, hi_ = OUTPUT_RANGE[kid]
        v = np.concatenate([x[np.isnan(x) | ((x >= lo_) & (x <= hi_))],
                            np.linspace(lo_, hi_, 101).astype(dt)])
    return (grads(dtype_name, v.size), v), tuple(dt.type(p) for p in extra)
