"""``python -m fastact [info | bench | demo]``.

With no command: ``info`` followed by a short ``bench`` on built-in data
(throughput of a few activations against NumPy on this machine, with a
correctness check against a float64 reference in the same run).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

import fastact
from fastact import _anchors


def info() -> int:
    from fastact import dispatch
    from fastact.backends import _cache
    print(f"fastact {fastact.__version__}  (Python {platform.python_version()}, "
          f"NumPy {np.__version__}, {platform.machine()}, {os.cpu_count()} CPUs)")
    print(f"  CPU          : {_cpu_name()}")
    if dispatch.numba_available():
        import numba
        from fastact.backends import _threads
        print(f"  numba        : {numba.__version__} (llvmlite "
              f"{__import__('llvmlite').__version__}); parallel layer: {_threads.layer()}")
    else:
        print("  numba        : not importable -> the native C backend is used")
    try:
        from fastact.backends import native
        print(f"  native C     : {native.info()}")
    except ImportError as e:  # backend module not present in this build
        print(f"  native C     : unavailable ({e})")
    print(f"  CUDA         : {_cuda_info()}")
    print(f"  backend      : {fastact.config.get_backend()} (FASTACT_BACKEND), "
          f"parallel: {fastact.config.get_parallel()} above "
          f"{fastact.config.PARALLEL_THRESHOLD} elements")
    print(f"  kernel cache : {_cache.cache_dir() if _cache.enabled() else 'disabled'}")
    print(f"  activations  : {len(fastact.REGISTRY)} "
          f"({sum(e.kind == 'elementwise' for e in fastact.REGISTRY.values())} elementwise)")
    return 0


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cuda_info() -> str:
    try:
        from fastact.backends import numba_cuda
    except ImportError:
        return "backend not installed"
    try:
        return numba_cuda.info()
    except Exception as e:  # no numba-cuda, no driver...
        return f"unavailable ({type(e).__name__}: {e})"


def _best(f, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def _max_ulp(y32: np.ndarray, ref64: np.ndarray) -> float:
    """Largest error of float32 ``y32`` in float32 ULPs of the float64 reference."""
    r32 = ref64.astype(np.float32)
    finite = np.isfinite(r32)
    err = np.abs(y32[finite].astype(np.float64) - ref64[finite])
    ulp = np.spacing(np.abs(r32[finite])).astype(np.float64)
    return float((err / ulp).max()) if err.size else 0.0


def _reference(key: str, x: np.ndarray) -> np.ndarray:
    """float64 reference for the correctness check: stable closed forms, no cancellation."""
    if key == "gelu":
        from math import erfc, sqrt
        return np.array([0.5 * v * erfc(-v / sqrt(2.0)) for v in x.ravel()]).reshape(x.shape)
    if key == "gelu_tanh":
        u = np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)
        with np.errstate(over="ignore"):
            return x / (1 + np.exp(-2 * u))
    return _anchors.NUMPY[key](x)


QUICK = [("relu", {}, "relu"), ("sigmoid", {}, "sigmoid"), ("tanh", {}, "tanh"),
         ("silu", {}, "silu"), ("softplus", {}, "softplus"), ("elu", {}, "elu"),
         ("gelu", {}, "gelu"), ("gelu", {"approximate": "tanh"}, "gelu_tanh"),
         ("softmax", {}, "softmax")]


def bench(size: int = 1_000_000, reps: int = 7, names: list[str] | None = None) -> int:
    rng = np.random.default_rng(0)
    x64 = rng.normal(scale=4.0, size=size)
    x = x64.astype(np.float32)
    xs = x.reshape(-1, 1000) if size % 1000 == 0 else x.reshape(1, -1)
    torch = _anchors.torch_anchors()
    scipy = _anchors.scipy_anchors()
    out = np.empty_like(x)
    copy_s = _best(lambda: np.copyto(out, x), reps)
    copy_gbs = 2 * x.nbytes / copy_s / 1e9
    print(f"\nfloat32, {size:.0e} elements, best of {reps}, single process, this machine "
          f"({_cpu_name()}); copy bandwidth {copy_gbs:.1f} GB/s")
    head = f"{'function':<12}{'ns/elem':>9}{'GB/s':>7}{'%copy':>7}{'NumPy ns':>10}{'vs NumPy':>10}"
    head += f"{'torch ns':>10}{'vs torch':>10}" if torch else ""
    print(head + f"{'max ULP':>9}")
    worst = 0.0
    for name, kw, key in QUICK:
        if names and name not in names and key not in names:
            continue
        f = getattr(fastact, name)
        arr = xs if name == "softmax" else x
        y = f(arr, **kw)  # first call compiles (or loads the disk cache)
        t_fa = _best(lambda: f(arr, **kw, out=y), reps)
        ref = _reference(key, arr.astype(np.float64))
        ulp = _max_ulp(y.ravel(), np.asarray(ref).ravel())
        worst = max(worst, ulp)
        row = (f"{key:<12}{1e9 * t_fa / size:>9.2f}{2 * x.nbytes / t_fa / 1e9:>7.1f}"
               f"{100 * copy_s / t_fa:>6.0f}%")
        anchor = _anchors.NUMPY.get(key) or scipy.get(key)  # GELU(erf): SciPy's erfc
        if anchor is not None:
            t_np = _best(lambda: anchor(arr), reps)
            row += f"{1e9 * t_np / size:>10.2f}{t_np / t_fa:>9.1f}x"
        else:
            row += f"{'-':>10}{'-':>10}"
        if torch:
            if key in torch:
                t_t = _best(lambda: torch[key](arr), reps)
                row += f"{1e9 * t_t / size:>10.2f}{t_t / t_fa:>9.2f}x"
            else:
                row += f"{'-':>10}{'-':>10}"
        print(row + f"{ulp:>9.2f}")
    print("NumPy column: careful NumPy (GELU: SciPy's erfc, '-' without SciPy). "
          "vs X = X's time / fastact's time (higher is better). max ULP: fastact float32 "
          "against a stable float64 formula (NumPy, math.erfc) in the same run.")
    if worst > 4:
        print(f"ACCURACY CHECK FAILED: {worst:.1f} ULP > 4")
        return 1
    print(f"accuracy check passed: every result within {worst:.2f} ULP (bound 4)")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m fastact", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    sub.add_parser("info", help="backends, versions, threading, cache")
    b = sub.add_parser("bench", help="throughput against NumPy (and PyTorch if installed)")
    b.add_argument("--size", type=float, default=1e6)
    b.add_argument("--reps", type=int, default=7)
    b.add_argument("names", nargs="*", help="functions to time (default: a few)")
    sub.add_parser("demo", help="train a NumPy MLP with fastact (--dask: dask pipeline)",
                   add_help=False)
    args, rest = ap.parse_known_args(argv)
    if args.cmd == "demo":
        from fastact import _demo_train
        return _demo_train.main(rest)
    if rest:
        ap.error(f"unrecognised arguments: {' '.join(rest)}")
    if args.cmd == "info":
        return info()
    if args.cmd == "bench":
        return bench(int(args.size), args.reps, args.names)
    info()
    return bench()


if __name__ == "__main__":
    sys.exit(main())
