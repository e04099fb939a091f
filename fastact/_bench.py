"""``python -m fastact bench``: fastact against the anchors, as a printed table.

The cases come from the registry (:data:`CASES`, shared with ``benchmarks/``);
the anchors from :mod:`fastact._anchors`. Each row times, in one process and
one run: fastact as a user gets it (automatic serial/parallel choice), the
serial kernel, the native C kernel, careful NumPy (SciPy's erfc for GELU), and
PyTorch CPU writing into a preallocated ``out=`` with the same thread count.
``--cold`` measures import and first-call times in fresh processes instead.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from typing import Callable

import numpy as np

import fastact
from fastact import _anchors
from fastact.registry import REGISTRY, REQUIRED

ROWWISE = ("softmax", "log_softmax")


def _cases() -> list[tuple[str, str, dict]]:
    """(key, function name, params) for every elementwise entry and variant, then row-wise."""
    out = []
    for e in REGISTRY.values():
        if e.kind != "elementwise":
            continue
        params = {p.name: p.default for p in e.params
                  if p.default is not REQUIRED and not p.keyword_only}
        if e.name == "threshold":
            params = {"threshold": 0.0, "value": 0.0}
        if e.name == "prelu":
            params = {"weight": 0.25}
        if e.variant_param:
            for v in e.kernels:
                key = e.name if v == e.params[0].default else f"{e.name}_{v}"
                out.append((key, e.name, {**params, e.variant_param: v}))
        else:
            out.append((e.name, e.name, params))
    return out + [(n, n, {}) for n in ROWWISE]


CASES = _cases()
DEFAULT = ["relu", "sigmoid", "tanh", "silu", "softplus", "elu", "gelu", "gelu_tanh", "mish",
           "softmax"]


def best(f: Callable[[], object], reps: int) -> float:
    """Best wall time of ``reps`` calls (seconds)."""
    b = math.inf
    for _ in range(reps):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b


def max_ulp(y32: np.ndarray, ref64: np.ndarray) -> float:
    """Largest error of ``y32`` in ULPs of its dtype at the float64 reference (subnormal-aware)."""
    dt = y32.dtype
    r = ref64.astype(dt)
    finite = np.isfinite(r) & np.isfinite(ref64)
    if not finite.any():
        return 0.0
    err = np.abs(y32[finite].astype(np.float64) - ref64[finite])
    ulp = np.maximum(np.spacing(np.abs(r[finite])).astype(np.float64),
                     float(np.finfo(dt).smallest_subnormal))
    return float((err / ulp).max())


def reference(key: str, x64: np.ndarray) -> np.ndarray | None:
    """float64 reference for the in-run accuracy check (stable closed forms), or None."""
    if key == "gelu":
        erfc = np.frompyfunc(math.erfc, 1, 1)
        return 0.5 * x64 * erfc(-x64 / math.sqrt(2.0)).astype(np.float64)
    if key == "tanhshrink":  # x - tanh x cancels near 0: the series there
        x2 = x64 * x64
        series = x64 * x2 * (1 / 3 + x2 * (-2 / 15 + x2 * (17 / 315 + x2 * (
            -62 / 2835 + x2 * (1382 / 155925 - x2 * 21844 / 6081075)))))
        return np.where(np.abs(x64) < 0.05, series, x64 - np.tanh(x64))
    if key == "gelu_tanh":
        u = math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64 ** 3)
        with np.errstate(over="ignore"):
            return x64 / (1 + np.exp(-2 * u))
    f = _anchors.NUMPY.get(key)
    return None if f is None else f(x64)


def _progress(i: int, n: int, label: str) -> None:
    if not sys.stderr.isatty() and not os.environ.get("FASTACT_PROGRESS"):
        return
    done = int(30 * i / n)
    sys.stderr.write(f"\r  [{'#' * done}{'.' * (30 - done)}] {i}/{n} {label:<16}")
    if i == n:
        sys.stderr.write("\r" + " " * 60 + "\r")
    sys.stderr.flush()


def set_threads(n: int) -> None:
    """Use ``n`` threads in fastact's parallel kernels and in PyTorch."""
    try:
        import numba
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass


def table(names: list[str] | None = None, size: int = 1_000_000, dtype: str = "float32",
          reps: int = 7, threads: int | None = None, plot: str | None = None,
          shape: tuple[int, int] | None = None) -> int:
    """Print the comparison table; row-wise functions run on ``shape`` (rows, n)."""
    if plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("--plot needs matplotlib: pip install 'fastact[bench]'")
            return 2
    threads = threads or os.cpu_count() or 1
    set_threads(threads)
    dt = np.dtype(dtype)
    rng = np.random.default_rng(0)
    x = rng.normal(scale=4.0, size=size).astype(dt)
    if shape is not None:
        xr = rng.normal(scale=4.0, size=shape).astype(dt)
    else:
        cols = 1024 if size % 1024 == 0 else (1000 if size % 1000 == 0 else size)
        xr = x.reshape(-1, cols)
    out = np.empty_like(x)
    torch_out = _anchors.torch_out_anchors()
    scipy = _anchors.scipy_anchors()
    native_ok = _native_available()
    # copy bandwidth: the faster of NumPy's (one thread) and a copy on the
    # same threads as the kernels (fastact.identity, parallel)
    copy_s = best(lambda: np.copyto(out, x), reps)
    with fastact.using(parallel="always"):
        fastact.identity(x, out=out)
        copy_s = min(copy_s, best(lambda: fastact.identity(x, out=out), reps))
    cases = [c for c in CASES if (c[0] in names or c[1] in names)] if names else \
        [c for c in CASES if c[0] in DEFAULT]
    if names and not cases:
        print(f"no such function: {' '.join(names)} (see `python -m fastact info`)")
        return 2
    print(f"\n{dt.name}, {size:.3g} elements (row-wise: {xr.shape[0]}x{xr.shape[1]}), best of "
          f"{reps}; {cpu_name()}, {threads} thread(s) for fastact's parallel path and PyTorch; "
          f"copy bandwidth {2 * x.nbytes / copy_s / 1e9:.1f} GB/s")
    print(f"fastact {fastact.__version__}, numba {_version('numba')}, NumPy {np.__version__}, "
          f"SciPy {_version('scipy')}, PyTorch {_version('torch')}, Python "
          f"{sys.version.split()[0]}")
    head = (f"{'function':<15}{'fastact':>8}{'serial':>8}{'native':>8}{'GB/s':>7}{'%copy':>7}"
            f"{'NumPy':>8}{'vs NumPy':>9}")
    head += f"{'torch':>8}{'vs torch':>9}" if torch_out else ""
    print(head + f"{'max ULP':>9}")
    print(f"{'':<15}{'ns/elem':>8}{'ns/elem':>8}{'ns/elem':>8}{'':>14}{'ns/elem':>8}"
          + (f"{'':>9}{'ns/elem':>8}" if torch_out else ""))
    worst, rows = 0.0, []
    for i, (key, name, params) in enumerate(cases):
        _progress(i, len(cases), key)
        arr = xr if key in ROWWISE else x
        o = np.empty_like(arr)
        f = getattr(fastact, name)
        y = f(arr, **params, out=o)  # compiles, or loads the disk cache
        t_auto = best(lambda: f(arr, **params, out=o), reps)
        with fastact.using(parallel="never"):
            f(arr, **params, out=o)
            t_ser = best(lambda: f(arr, **params, out=o), reps)
        t_nat = math.nan
        if native_ok:
            f(arr, **params, out=o, backend="native")
            t_nat = best(lambda: f(arr, **params, out=o, backend="native"), reps)
        y = f(arr, **params)
        ref = reference(key, arr.astype(np.float64))
        ulp = max_ulp(np.asarray(y).ravel(), np.asarray(ref).ravel()) if ref is not None \
            else math.nan
        if ulp == ulp:
            worst = max(worst, ulp)
        anchor = _anchors.NUMPY.get(key) or scipy.get(key)
        t_np = best(lambda: anchor(arr), reps) if anchor is not None else math.nan
        t_t = math.nan
        if key in torch_out:
            call = torch_out[key](arr, o)
            call()
            t_t = best(call, reps)
        rows.append((key, t_auto, t_ser, t_nat, t_np, t_t, ulp))
        ns = lambda t: f"{1e9 * t / arr.size:8.2f}" if t == t else f"{'-':>8}"  # noqa: E731
        ratio = lambda t: f"{t / t_auto:8.2f}x" if t == t else f"{'-':>9}"  # noqa: E731
        line = (f"{key:<15}{ns(t_auto)}{ns(t_ser)}{ns(t_nat)}{2 * arr.nbytes / t_auto / 1e9:7.1f}"
                f"{100 * copy_s * arr.size / x.size / t_auto:6.0f}%{ns(t_np)}{ratio(t_np)}")
        if torch_out:
            line += f"{ns(t_t)}{ratio(t_t)}"
        _progress(len(cases), len(cases), "")
        print(line + (f"{ulp:9.2f}" if ulp == ulp else f"{'-':>9}"), flush=True)
    print("fastact: automatic serial/parallel choice; serial: one thread; native: the C library. "
          "vs X = X's time / fastact's (higher is better). NumPy: careful NumPy (GELU(erf): "
          "SciPy's erfc). torch: torch.ops.aten.<op>.out into a preallocated tensor. max ULP: "
          "fastact against a float64 formula in the same run.")
    if plot:
        _plot(rows, plot, f"fastact {fastact.__version__}, {dt.name}, {size:.3g} elements, "
                          f"{threads} thread(s), {cpu_name()}")
        print(f"chart written to {plot}")
    bound = 4 if dt == np.float32 else 8
    if worst > bound:
        print(f"ACCURACY CHECK FAILED: {worst:.1f} ULP > {bound}")
        return 1
    print(f"accuracy check passed: every result within {worst:.2f} ULP (bound {bound})")
    return 0


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(mod: str) -> str:
    try:
        from importlib.metadata import version
        return version(mod)
    except Exception:  # not installed
        return "-"


def _native_available() -> bool:
    try:
        from fastact.backends import native
        return native.available()
    except ImportError:
        return False


def _plot(rows, path: str, title: str) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install 'fastact[bench]'") from None
    keys = [r[0] for r in rows]
    ypos = np.arange(len(keys))
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(keys) + 1.5))
    for j, (col, label) in enumerate(((4, "vs careful NumPy"), (5, "vs PyTorch CPU"))):
        vals = [r[col] / r[1] for r in rows]
        ax.barh(ypos + (j - 0.5) * 0.38, vals, height=0.38, label=label)
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(ypos, keys)
    ax.invert_yaxis()
    ax.set_xlabel("speed-up of fastact (anchor time / fastact time, log scale)")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ---------------------------------------------------------------- cold start

_IMPORT = "import time; t = time.perf_counter(); import {mod}; print(time.perf_counter() - t)"
_FIRST = ("import time, numpy as np, fastact; x = np.ones({n}, np.{dt}); "
          "t = time.perf_counter(); fastact.{fn}(x); print(time.perf_counter() - t)")


def _child(code: str, env: dict, reps: int) -> float:
    times = []
    for _ in range(reps):
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True)
        times.append(float(r.stdout.strip().splitlines()[-1]))
    return min(times)


def cold(reps: int = 5, fn: str = "sigmoid") -> int:
    """Import time and first-call times (empty and warm kernel cache), in fresh processes."""
    base = {k: v for k, v in os.environ.items() if k not in ("FASTACT_CACHE", "NUMBA_CACHE_DIR")}
    print(f"\ncold start, best of {reps} fresh processes (python {sys.version.split()[0]})")
    t_numba = _child(_IMPORT.format(mod="numba"), base, reps)
    t_fa = _child(_IMPORT.format(mod="fastact"), base, reps)
    print(f"  import numba                              {1e3 * t_numba:8.1f} ms")
    print(f"  import fastact (numba's import included)  {1e3 * t_fa:8.1f} ms")
    for dt in ("float32", "float64"):
        code = _FIRST.format(n=1000, dt=dt, fn=fn)
        first = math.inf
        for _ in range(min(reps, 3)):  # a new empty cache each time
            with tempfile.TemporaryDirectory() as d:
                env = {**base, "FASTACT_CACHE_DIR": d}
                first = min(first, _child(code, env, 1))  # compiles and fills the cache
                warm = _child(code, env, reps)
        print(f"  first {fn}({dt}), empty kernel cache   {1e3 * first:8.1f} ms")
        print(f"  first {fn}({dt}), warm kernel cache    {1e3 * warm:8.1f} ms")
    return 0


# ---------------------------------------------------------------- per-call cost

def overhead(n: int = 1000, calls: int = 20000) -> int:
    """What a call costs above the compiled kernel it runs, at ``n`` elements."""
    from fastact.backends import numba_cpu, numba_cpu_rowwise
    x = np.random.default_rng(0).normal(size=n).astype(np.float32)
    o = np.empty_like(x)
    x2, o2 = x.reshape(1, -1), o.reshape(1, -1)

    def per_call(f) -> float:
        for _ in range(200):
            f()
        b = math.inf
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(calls):
                f()
            b = min(b, (time.perf_counter() - t) / calls)
        return 1e6 * b

    with fastact.using(parallel="never"):
        fastact.sigmoid(x, out=o)
        fastact.elu(x, out=o)
        fastact.softmax(x2, out=o2)
        sig = numba_cpu.loop(REGISTRY["sigmoid"].kernel_for({}).fwd)
        elu = numba_cpu.loop(REGISTRY["elu"].kernel_for({}).fwd)
        one = np.float32(1.0)
        rows = [
            ("sigmoid(x, out=o)", lambda: fastact.sigmoid(x, out=o), lambda: sig(x, o)),
            ("sigmoid(x)", lambda: fastact.sigmoid(x), lambda: sig(x, np.empty_like(x))),
            ("elu(x, 1.0, out=o)", lambda: fastact.elu(x, 1.0, out=o), lambda: elu(x, one, o)),
            ("softmax(x2, out=o2)", lambda: fastact.softmax(x2, out=o2),
             lambda: numba_cpu_rowwise.softmax(x2, o2)),
        ]
        print(f"\nper-call time at {n} float32 elements, one thread, best of 5 x {calls} calls")
        print(f"  {'call':<22}{'fastact':>10}{'kernel':>10}{'overhead':>10}")
        for label, api, raw in rows:
            ta, tk = per_call(api), per_call(raw)
            print(f"  {label:<22}{ta:8.2f}us{tk:8.2f}us{ta - tk:8.2f}us")
        x1, o1 = x[:1], o[:1]
        print(f"  relu on 1 element: {per_call(lambda: fastact.relu(x1, out=o1)):.2f} us "
              f"(np.maximum: {per_call(lambda: np.maximum(x1, 0, out=o1)):.2f} us)")
    print("kernel: the compiled numba loop / row kernel called directly (what remains is "
          "argument checks and dispatch)")
    return 0
