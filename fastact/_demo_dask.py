"""``python -m fastact demo --dask``: MLP inference over an array larger than memory is comfortable with.

The input, ``rows x features`` float32 (4 GB by default), is generated lazily
by ``dask.array.random`` chunk by chunk, so it never sits in memory whole. It
goes through a small MLP (dense -> gelu -> dense -> silu -> dense -> softmax)
written with plain dask operations and fastact functions, which return lazy
dask arrays; only the class histogram and the mean class probabilities are
brought back. Then the same pipeline runs in NumPy on an in-memory slice, for
comparison, and the two are checked against each other on that slice.

Copy the pattern::

    import dask.array as da, fastact
    x = da.random.default_rng(0).standard_normal((n, 128), chunks=(131072, 128),
                                                 dtype="float32")
    h = fastact.gelu(x @ w1 + b1)                   # lazy, chunk by chunk
    p = fastact.softmax(fastact.silu(h @ w2 + b2) @ w3 + b3, axis=-1)
    counts = da.bincount(p.argmax(axis=1), minlength=10).compute()

Run it small with ``--gb 0.05`` (CI), or bigger than RAM with ``--gb 64``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def _peak_rss_bytes() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def _fmt_bytes(n: float | None) -> str:
    if n is None:
        return "n/a"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def _weights(features: int, hidden: int, classes: int, seed: int):
    import numpy as np
    rng = np.random.default_rng(seed + 1)

    def dense(m, n):
        return ((rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32),
                (rng.standard_normal(n) * 0.1).astype(np.float32))
    return dense(features, hidden) + dense(hidden, hidden) + dense(hidden, classes)


def mlp(x, w1, b1, w2, b2, w3, b3):
    """The pipeline: the same code for NumPy and dask arrays (fastact dispatches)."""
    import fastact
    h = fastact.gelu(x @ w1 + b1)
    h = fastact.silu(h @ w2 + b2)
    return fastact.softmax(h @ w3 + b3, axis=-1)


def summarise(p, classes: int):
    """Class histogram and mean probabilities (NumPy or lazy dask)."""
    if hasattr(p, "dask"):
        import dask.array as da
        return da.bincount(p.argmax(axis=1), minlength=classes), p.mean(axis=0, dtype="f8")
    import numpy as np
    return np.bincount(p.argmax(axis=1), minlength=classes), p.mean(axis=0, dtype="f8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m fastact demo --dask",
        description="MLP inference with fastact on a lazily generated dask array, "
                    "against the same pipeline in NumPy on an in-memory slice.")
    ap.add_argument("--dask", action="store_true", help=argparse.SUPPRESS)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--gb", type=float, default=4.0,
                      help="input size in GB (float32, generated lazily; default 4)")
    size.add_argument("--size", type=int, default=None, metavar="ROWS",
                      help="input size in rows instead of --gb")
    ap.add_argument("--features", type=int, default=128, help="input features (default 128)")
    ap.add_argument("--hidden", type=int, default=64, help="hidden units (default 64)")
    ap.add_argument("--classes", type=int, default=10, help="classes (default 10)")
    ap.add_argument("--chunk-mb", type=float, default=64.0,
                    help="input chunk size in MB (default 64)")
    ap.add_argument("--slice-mb", type=float, default=256.0,
                    help="in-memory slice for the NumPy comparison, MB (default 256)")
    ap.add_argument("--scheduler", choices=("threads", "processes", "synchronous"),
                    default="threads", help="dask scheduler (default threads)")
    ap.add_argument("--workers", type=int, default=None,
                    help="dask workers (default: one per core)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    try:
        import dask
        import dask.array as da
        from dask.diagnostics import ProgressBar
    except ImportError:
        print("the dask demo needs dask: pip install 'fastact[dask]'", file=sys.stderr)
        return 2
    import numpy as np

    import fastact

    f, itemsize = args.features, 4
    row_bytes = f * itemsize
    rows = args.size if args.size is not None else max(1, int(args.gb * 1e9 // row_bytes))
    chunk_rows = max(1, min(rows, int(args.chunk_mb * 1e6 // row_bytes)))
    slice_rows = max(1, min(rows, int(args.slice_mb * 1e6 // row_bytes)))
    total = rows * row_bytes
    weights = _weights(f, args.hidden, args.classes, args.seed)
    act_elems = 2 * args.hidden + args.classes  # activation outputs per row

    x = da.random.default_rng(args.seed).standard_normal(
        (rows, f), chunks=(chunk_rows, f), dtype=np.float32)
    counts, mean_p = summarise(mlp(x, *weights), args.classes)

    print(f"fastact {fastact.__version__} on dask {dask.__version__}: MLP "
          f"{f}->{args.hidden} gelu->{args.hidden} silu->{args.classes} softmax")
    print(f"input: {rows:,} x {f} float32 = {_fmt_bytes(total)}, generated lazily in "
          f"{x.numblocks[0]} chunks of {_fmt_bytes(chunk_rows * row_bytes)} "
          f"({args.scheduler} scheduler, {args.workers or os.cpu_count()} workers)")
    # load (or compile) the kernels first, so that the timings below are the work
    mlp(da.from_array(np.zeros((8, f), np.float32)), *weights).compute(scheduler="sync")
    rss0 = _peak_rss_bytes()
    bar = ProgressBar() if not args.no_progress else None
    t0, c0 = time.perf_counter(), time.process_time()
    with dask.config.set(scheduler=args.scheduler, num_workers=args.workers):
        if bar is not None:
            with bar:
                counts_v, mean_v = dask.compute(counts, mean_p)
        else:
            counts_v, mean_v = dask.compute(counts, mean_p)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_dask = _peak_rss_bytes()
    print(f"dask:  {dt:8.2f} s  {total / dt / 1e9:6.3f} GB/s  "
          f"{rows * f / dt:.3e} input elements/s  {rows * act_elems / dt:.3e} "
          f"activations/s (generation included; {cpu:.1f} s of CPU time)")
    print(f"       peak RSS {_fmt_bytes(rss_dask)} (before: {_fmt_bytes(rss0)}) "
          f"for {_fmt_bytes(total)} of input")
    print(f"       class histogram {counts_v.tolist()}")
    assert int(counts_v.sum()) == rows and np.isclose(mean_v.sum(), 1.0, atol=1e-4)

    # the same pipeline in NumPy on an in-memory slice (generated before timing)
    xs = np.random.default_rng(args.seed + 2).standard_normal((slice_rows, f), np.float32)
    sbytes = slice_rows * row_bytes
    mlp(xs, *weights)  # first run: the multithreaded kernels load or compile
    t0, c0 = time.perf_counter(), time.process_time()
    ps = mlp(xs, *weights)
    c_np, _ = summarise(ps, args.classes)
    dt_np, cpu_np = time.perf_counter() - t0, time.process_time() - c0
    print(f"numpy: {dt_np:8.2f} s  {sbytes / dt_np / 1e9:6.3f} GB/s  "
          f"{slice_rows * f / dt_np:.3e} input elements/s  "
          f"{slice_rows * act_elems / dt_np:.3e} activations/s "
          f"(in-memory slice of {_fmt_bytes(sbytes)}; {cpu_np:.1f} s of CPU time)")
    # dask on that same slice: the same numbers (the chunks only split rows)
    xd = da.from_array(xs, chunks=(chunk_rows, f))
    t0, c0 = time.perf_counter(), time.process_time()
    with dask.config.set(scheduler=args.scheduler, num_workers=args.workers):
        pd = mlp(xd, *weights).compute()
    dt_sl, cpu_sl = time.perf_counter() - t0, time.process_time() - c0
    diff = float(np.max(np.abs(pd - ps))) if slice_rows else 0.0
    print(f"dask on the same slice: {dt_sl:.2f} s  {sbytes / dt_sl / 1e9:.3f} GB/s "
          f"({cpu_sl:.1f} s of CPU time); max |dask - numpy| = {diff:.2e}")
    print(f"peak RSS at the end {_fmt_bytes(_peak_rss_bytes())}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores" if hasattr(os, "getloadavg")
          else f"peak RSS at the end {_fmt_bytes(_peak_rss_bytes())}")
    return 0 if diff <= 1e-5 else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
