"""CUDA benchmark: fastact's GPU kernels against the device's copy bandwidth,
CuPy and PyTorch (issue 6).

    python benchmarks/bench_cuda.py                  # the full table (minutes)
    python benchmarks/bench_cuda.py --quick          # 2**20 and 2**24 only
    python benchmarks/bench_cuda.py --out bench.md   # also write the tables

For float32 and float16 and 2**20 to 2**28 elements, each elementwise
function's achieved bandwidth (bytes read + written / time; CUDA events on the
default stream, median of ``--repeat`` batches of ``--batch`` calls, so that the
Python launch overhead overlaps the GPU's work as in real use) is compared with
the device-to-device copy bandwidth measured in the same run, and with CuPy's
and PyTorch's kernels for the same function where they have one (CuPy: its
ufuncs, ``cupyx.scipy.special`` and ``cupy.fuse`` of the formula; PyTorch:
``torch.nn.functional``). Softmax over rows of 128, 1024, 4096 and 32768 is
compared with ``torch.softmax``. Targets: every elementwise kernel at 85% or
more of copy bandwidth from 2**26 elements; softmax at or above torch.

fastact is called on torch tensors when torch has CUDA (the same arrays torch
is timed on), else on numba device arrays. Everything runs on the legacy
default stream, which numba, CuPy and torch share by default, so one pair of
events times any of them. Under pytest (``benchmarks`` is a test path) only a
smoke run happens, and only with a GPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import Callable

import numpy as np

try:
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

ELEMENTWISE = [  # (name, params) timed; every registry entry but prelu's training modes
    ("identity", {}), ("sigmoid", {}), ("tanh", {}), ("log_sigmoid", {}), ("relu", {}),
    ("relu6", {}), ("selu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}),
    ("mish", {}), ("softsign", {}), ("tanhshrink", {}), ("hardsigmoid", {}), ("hardswish", {}),
    ("sparse_sigmoid", {}), ("sparse_plus", {}), ("leaky_relu", {}), ("elu", {}), ("celu", {}),
    ("softplus", {}), ("hardtanh", {}), ("hardshrink", {}), ("softshrink", {}),
    ("threshold", {"threshold": 0.5, "value": -2.0}), ("squareplus", {}), ("rrelu", {}),
    ("prelu", {"weight": 0.25}),
]
ROWS_N = [128, 1024, 4096, 32768]


def gpu_available() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return False
    try:
        from numba import cuda
        return bool(cuda.is_available())
    except Exception:
        return False


def _torch():
    try:
        import torch
        return torch if torch.cuda.is_available() else None
    except Exception:
        return None


def _cupy():
    try:
        import cupy
        cupy.cuda.runtime.getDeviceCount()
        return cupy
    except Exception:
        return None


def _label(name, p):
    return name + ("(tanh)" if p.get("approximate") == "tanh" else "")


def torch_fn(torch, name, p) -> Callable | None:
    F = torch.nn.functional
    table = {
        "identity": lambda x: x.clone(), "sigmoid": torch.sigmoid, "tanh": torch.tanh,
        "log_sigmoid": F.logsigmoid, "relu": F.relu, "relu6": F.relu6, "selu": F.selu,
        "gelu": lambda x: F.gelu(x, approximate=p.get("approximate", "none")),
        "silu": F.silu, "mish": F.mish, "softsign": F.softsign, "tanhshrink": F.tanhshrink,
        "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "leaky_relu": F.leaky_relu,
        "elu": F.elu, "celu": F.celu, "softplus": F.softplus, "hardtanh": F.hardtanh,
        "hardshrink": F.hardshrink, "softshrink": F.softshrink,
        "threshold": lambda x: F.threshold(x, 0.5, -2.0),
        "rrelu": lambda x: F.rrelu(x, training=False),
    }
    if name == "prelu":
        w = None

        def prelu(x):
            nonlocal w
            if w is None:
                w = torch.full((1,), 0.25, device=x.device, dtype=x.dtype)
            return F.prelu(x, w)
        return prelu
    return table.get(name)


def cupy_fn(cp, name, p) -> Callable | None:
    from cupyx.scipy import special as sp
    s2 = 1 / np.sqrt(2.0)
    fused = {
        "silu": lambda x: x / (1 + cp.exp(-x)),
        "softsign": lambda x: x / (1 + abs(x)),
        "tanhshrink": lambda x: x - cp.tanh(x),
        "hardsigmoid": lambda x: cp.clip(x / 6 + 0.5, 0, 1),
        "relu6": lambda x: cp.clip(x, 0, 6),
        "hardtanh": lambda x: cp.clip(x, -1, 1),
        "leaky_relu": lambda x: cp.where(x > 0, x, x * 0.01),
        "elu": lambda x: cp.where(x > 0, x, cp.expm1(x)),
        "softplus": lambda x: cp.logaddexp(0, x),
        "squareplus": lambda x: (x + cp.sqrt(x * x + 4)) / 2,
    }
    if name == "gelu" and p.get("approximate") != "tanh":
        return lambda x: 0.5 * x * (1 + sp.erf(x * s2))
    table = {"identity": cp.copy, "sigmoid": sp.expit, "tanh": cp.tanh,
             "log_sigmoid": getattr(sp, "log_expit", None),
             "relu": lambda x: cp.maximum(x, 0)}
    if name in table:
        return table[name]
    if name in fused:
        return cp.fuse(fused[name])
    return None


class Timer:
    """Median time per call over batches, CUDA events on the default stream."""

    def __init__(self, repeat: int, batch: int):
        from numba import cuda
        self.cuda, self.repeat, self.batch = cuda, repeat, batch

    def __call__(self, fn: Callable[[], object]) -> float:
        cuda = self.cuda
        fn()
        fn()  # compile, warm the allocators
        cuda.synchronize()
        times = []
        for _ in range(self.repeat):
            a, b = cuda.event(), cuda.event()
            a.record()
            for _ in range(self.batch):
                fn()
            b.record()
            b.synchronize()
            times.append(a.elapsed_time(b) / 1e3 / self.batch)  # ms
        return statistics.median(times)


def _gbs(nbytes, t):
    return nbytes / t / 1e9 if t else float("nan")


def run(sizes, dtypes, repeat=7, batch=10, names=None, out=sys.stdout) -> dict:
    import fastact
    from fastact.backends import numba_cuda
    from numba import cuda
    torch, cp = _torch(), _cupy()
    timer = Timer(repeat, batch)
    results = {"device": numba_cuda.info(), "elementwise": [], "softmax": []}
    print(f"# fastact CUDA benchmark\n\n{results['device']}\n", file=out)
    rng = np.random.default_rng(0)
    for dt in dtypes:
        print(f"\n## elementwise, {dt}\n", file=out)
        print("| function | 2^k | fastact GB/s | % of copy | CuPy GB/s | torch GB/s |", file=out)
        print("|---|---|---|---|---|---|", file=out)
        for k in sizes:
            n = 1 << k
            host = rng.uniform(-8, 8, n).astype(dt)
            if torch is not None:
                x = torch.as_tensor(host, device="cuda")
                y_buf = torch.empty_like(x)
            else:
                x = cuda.to_device(host)
                y_buf = cuda.device_array_like(x)
            d_src = cuda.as_cuda_array(x) if torch is not None else x
            d_dst = cuda.as_cuda_array(y_buf) if torch is not None else y_buf
            nbytes = 2 * n * np.dtype(dt).itemsize
            t_copy = timer(lambda: d_dst.copy_to_device(d_src))
            copy_bw = _gbs(nbytes, t_copy)
            print(f"| (device copy) | {k} | {copy_bw:.0f} | 100 | | |", file=out)
            xc = cp.asarray(x) if cp is not None else None
            for name, p in ELEMENTWISE:
                if names and name not in names:
                    continue
                f = getattr(fastact, name)
                t = timer(lambda: f(x, out=y_buf, **p))
                bw = _gbs(nbytes, t)
                row = {"function": _label(name, p), "dtype": dt, "log2n": k, "fastact_gbs": bw,
                       "copy_gbs": copy_bw, "pct_copy": 100 * bw / copy_bw}
                cps = ths = ""
                if cp is not None and (cf := cupy_fn(cp, name, p)) is not None:
                    try:
                        row["cupy_gbs"] = _gbs(nbytes, timer(lambda: cf(xc)))
                        cps = f"{row['cupy_gbs']:.0f}"
                    except Exception as e:  # a dtype CuPy lacks a kernel for
                        cps = f"({type(e).__name__})"
                if torch is not None and (tf := torch_fn(torch, name, p)) is not None:
                    try:
                        row["torch_gbs"] = _gbs(nbytes, timer(lambda: tf(x)))
                        ths = f"{row['torch_gbs']:.0f}"
                    except Exception as e:
                        ths = f"({type(e).__name__})"
                results["elementwise"].append(row)
                print(f"| {row['function']} | {k} | {bw:.0f} | {row['pct_copy']:.0f} | {cps} | "
                      f"{ths} |", file=out)
            del x, y_buf, xc
    if torch is not None:
        total = 1 << max(min(sizes[-1], 26), 20)
        for dt in dtypes:
            print(f"\n## softmax over rows, {dt}, {total} elements\n", file=out)
            print("| row length | rows | fastact GB/s | torch GB/s | fastact / torch |", file=out)
            print("|---|---|---|---|---|", file=out)
            for n in ROWS_N:
                rows = max(1, total // n)
                x = torch.randn(rows, n, device="cuda", dtype=getattr(torch, dt))
                y = torch.empty_like(x)
                nbytes = 2 * x.numel() * x.element_size()
                tf = timer(lambda: fastact.softmax(x, out=y))
                tt = timer(lambda: torch.softmax(x, -1))
                row = {"n": n, "rows": rows, "dtype": dt, "fastact_gbs": _gbs(nbytes, tf),
                       "torch_gbs": _gbs(nbytes, tt), "ratio": tt / tf}
                results["softmax"].append(row)
                print(f"| {n} | {rows} | {row['fastact_gbs']:.0f} | {row['torch_gbs']:.0f} | "
                      f"{row['ratio']:.2f} |", file=out)
    else:
        print("\n(softmax against torch.softmax skipped: torch with CUDA is not installed)",
              file=out)
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2**20 and 2**24 only")
    ap.add_argument("--sizes", default="20,22,24,26,28", help="log2 of the element counts")
    ap.add_argument("--dtypes", default="float32,float16")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--only", default="", help="comma-separated function names")
    ap.add_argument("--out", help="also write the tables (markdown) to this file")
    a = ap.parse_args(argv)
    if not gpu_available():
        print("bench_cuda: no CUDA GPU (numba.cuda.is_available() is False); nothing to do")
        return 0
    sizes = [20, 24] if a.quick else [int(s) for s in a.sizes.split(",")]
    dtypes = a.dtypes.split(",")
    names = set(filter(None, a.only.split(",")))
    if a.out:
        import io

        class Tee(io.StringIO):
            def write(self, s):
                sys.stdout.write(s)
                return super().write(s)
        buf = Tee()
        run(sizes, dtypes, a.repeat, a.batch, names, out=buf)
        with open(a.out, "w") as f:
            f.write(buf.getvalue())
    else:
        run(sizes, dtypes, a.repeat, a.batch, names)
    return 0


if pytest is not None:
    @pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU")
    def test_bench_cuda_smoke():
        import io
        buf = io.StringIO()
        res = run([20], ["float32"], repeat=2, batch=2, names={"sigmoid", "relu", "gelu"},
                  out=buf)
        assert res["elementwise"] and all(r["fastact_gbs"] > 0 for r in res["elementwise"])


if __name__ == "__main__":
    sys.exit(main())
