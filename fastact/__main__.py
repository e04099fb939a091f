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

import numpy as np

import fastact
from fastact._bench import cpu_name as _cpu_name


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
          f"{fastact.config.PARALLEL_THRESHOLD} elements "
          f"({fastact.config.PARALLEL_THRESHOLD_HEAVY} for kernels computing in float64)")
    print(f"  kernel cache : {_cache.cache_dir() if _cache.enabled() else 'disabled'}")
    print(f"  activations  : {len(fastact.REGISTRY)} "
          f"({sum(e.kind == 'elementwise' for e in fastact.REGISTRY.values())} elementwise)")
    return 0


def _cuda_info() -> str:
    try:
        from fastact.backends import numba_cuda
    except ImportError:
        return "backend not installed"
    try:
        return numba_cuda.info()
    except Exception as e:  # no numba-cuda, no driver...
        return f"unavailable ({type(e).__name__}: {e})"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m fastact", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    sub.add_parser("info", help="backends, versions, threading, cache")
    b = sub.add_parser("bench", help="fastact against NumPy, SciPy and PyTorch: a table")
    b.add_argument("names", nargs="*",
                   help="functions to time (default: ten common ones; 'all': every function)")
    b.add_argument("--size", type=float, default=1e6, help="elements (default 1e6)")
    b.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    b.add_argument("--reps", type=int, default=7, help="timed calls per case, best kept")
    b.add_argument("--threads", type=int, default=None,
                   help="threads for fastact's parallel path and PyTorch (default: all cores)")
    b.add_argument("--shape", metavar="RxN", help="rows x row length for the row-wise "
                   "functions (default: --size elements in rows of 1024)")
    b.add_argument("--plot", metavar="PNG", help="also draw the speed-ups (needs matplotlib)")
    b.add_argument("--cold", action="store_true",
                   help="import and first-call times in fresh processes instead")
    b.add_argument("--overhead", action="store_true",
                   help="per-call cost above the compiled kernel, at 1e3 elements, instead")
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
    from fastact import _bench
    if args.cmd == "bench":
        if args.cold:
            return _bench.cold(min(args.reps, 5))
        if args.overhead:
            return _bench.overhead(calls=3000 * args.reps)
        names = None if not args.names else \
            ([c[0] for c in _bench.CASES] if args.names == ["all"] else args.names)
        shape = None
        if args.shape:
            try:
                shape = tuple(int(v) for v in args.shape.lower().split("x"))
                assert len(shape) == 2 and min(shape) > 0
            except (ValueError, AssertionError):
                ap.error(f"--shape must look like 4096x1024, got {args.shape!r}")
        return _bench.table(names, int(args.size), args.dtype, args.reps, args.threads, args.plot,
                            shape)
    info()
    return _bench.table()


if __name__ == "__main__":
    sys.exit(main())
