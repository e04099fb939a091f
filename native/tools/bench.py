"""Throughput of the native backend against numba and NumPy, single thread, float32.

    python native/tools/bench.py [n]        (default n = 1e6)

Prints ns/element (best of several runs) for sigmoid, tanh, gelu, silu, softplus,
relu: fastact's native backend (public API, backend="native"), its numba backend
(parallel="never"), and NumPy with numerically careful formulas (gelu: SciPy's erfc,
NumPy has no erf).
"""
import os
import sys
import timeit

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

import fastact  # noqa: E402
from fastact.backends import native  # noqa: E402


def np_sigmoid(x):
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)


def numpy_refs():
    from scipy.special import erfc
    inv_sqrt2 = np.float32(1 / np.sqrt(2))
    return {
        "sigmoid": np_sigmoid,
        "tanh": np.tanh,
        "gelu": lambda x: np.float32(0.5) * x * erfc(-x * inv_sqrt2),
        "silu": lambda x: x * np_sigmoid(x),
        "softplus": lambda x: np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))),
        "relu": lambda x: np.maximum(x, np.float32(0)),
    }


def best(fs, n, rounds=15):
    """min over rounds of the time per call of each f, the fs interleaved (load noise
    hits them alike), in ns/element"""
    for f in fs:
        f()  # warm up (compiles the numba kernel)
    t = [float("inf")] * len(fs)
    for _ in range(rounds):
        for i, f in enumerate(fs):
            t[i] = min(t[i], timeit.timeit(f, number=2) / 2)
    return [v / n * 1e9 for v in t]


def main(n):
    x = np.random.default_rng(0).uniform(-8, 8, n).astype(np.float32)
    out = np.empty_like(x)
    print(f"n = {n}, float32, single thread; {native.info()}; {native.isa()}")
    print(f"{'function':10s} {'native':>9s} {'numba':>9s} {'numpy':>9s}   ns/element")
    refs = numpy_refs()
    try:
        import numba  # noqa: F401
        have_numba = True
    except ImportError:
        have_numba = False
    for name in ("sigmoid", "tanh", "gelu", "silu", "softplus", "relu"):
        f = getattr(fastact, name)

        def nb(f=f):
            with fastact.using(parallel="never"):
                f(x, out=out, backend="numba")
        fs = [lambda f=f: f(x, out=out, backend="native"), lambda name=name: refs[name](x)]
        if have_numba:
            fs.append(nb)
        t = best(fs, n) + ([] if have_numba else [float("nan")])
        print(f"{name:10s} {t[0]:9.3f} {t[2]:9.3f} {t[1]:9.3f}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000)
