#!/usr/bin/env python
"""Every float32 input, every elementwise activation: the largest error in ULPs.

    python benchmarks/ulp_activations.py [NAME ...] [--jobs N] [--stride S] [--json FILE]

Runs each forward kernel (default parameters, the CPU backend a user gets) on
all 2**32 float32 bit patterns, in chunks of 2**24, and compares with the
independent float64 references of the test-suite (``tests/reference.py``:
stable NumPy formulas written from CATALOGUE.md, never fastact's code; their
error is below 1e-3 float32 ULP, see tests/test_reference_selfcheck.py;
GELU's erfc is SciPy's vectorised one here when SciPy is installed).
The error is |y - ref| / ulp(ref) in float32 (subnormal-aware; an overflowing
reference accepts the infinity; nan must give nan). Signs of zero are not
counted here; the test-suite checks them.

``--stride S`` takes every S-th bit pattern (a quick look); the default, 1, is
the exhaustive scan: a few minutes per function with two processes.
Not collected by pytest (the CI tests sample the same comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))

CHUNK = 1 << 24
PARAMS = {"threshold": {"threshold": 0.0, "value": 0.0}, "prelu": {"weight": 0.25}}


def names() -> list[str]:
    from fastact.registry import REGISTRY
    out = []
    for e in REGISTRY.values():
        if e.kind != "elementwise":
            continue
        if e.variant_param:
            out += [e.name if v == e.params[0].default else f"{e.name}_{v}" for v in e.kernels]
        else:
            out.append(e.name)
    return out


def _call(key: str):
    import fastact
    name, _, variant = key.partition("_") if key == "gelu_tanh" else (key, "", "")
    params = dict(PARAMS.get(name, {}))
    if variant:
        params["approximate"] = variant
    return getattr(fastact, name), params


def _reference_module():
    import reference as R
    try:  # same formula, vectorised: math.erfc per element would take hours for 2**32 inputs
        import scipy.special
        R.erfc_f64 = lambda z: scipy.special.erfc(np.asarray(z, dtype=np.float64))
    except ImportError:
        pass
    return R


def _chunk(args):
    key, start, stride = args
    R = _reference_module()
    f, params = _call(key)
    bits = np.arange(start, start + CHUNK * stride, stride, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    with fastact_serial():
        y = f(x, **params)
    with np.errstate(all="ignore"):
        ref = R.FORWARD[key.split("_tanh")[0] if key == "gelu_tanh" else key](
            x.astype(np.float64), **params)
    d = R.ulp_distance(y, ref, np.float32)
    i = int(np.argmax(d))
    return float(d[i]), float(x[i]), int((d > 1).sum()), int((d > 2).sum()), int((d > 4).sum())


class fastact_serial:
    """One thread per worker process: the pool provides the parallelism."""

    def __enter__(self):
        import fastact
        self._cm = fastact.using(parallel="never")
        return self._cm.__enter__()

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def scan(key: str, jobs: int, stride: int) -> dict:
    starts = range(0, 1 << 32, CHUNK * stride)
    t = time.perf_counter()
    worst, at, n1, n2, n4 = 0.0, 0.0, 0, 0, 0
    with ProcessPoolExecutor(jobs) as ex:
        for d, xv, c1, c2, c4 in ex.map(_chunk, [(key, s, stride) for s in starts]):
            if d > worst:
                worst, at = d, xv
            n1, n2, n4 = n1 + c1, n2 + c2, n4 + c4
    return {"function": key, "max_ulp": worst, "at": at, "over_1": n1, "over_2": n2,
            "over_4": n4, "inputs": (1 << 32) // stride, "seconds": time.perf_counter() - t}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args(argv)
    keys = a.names or names()
    _call(keys[0])[0](np.ones(4, np.float32))  # compile once before forking
    print(f"{'function':<15}{'max ULP':>9}{'at x =':>16}{'> 1 ULP':>12}{'> 2 ULP':>10}"
          f"{'> 4 ULP':>9}{'inputs':>12}{'s':>6}")
    results, bad = [], 0
    for key in keys:
        r = scan(key, a.jobs, a.stride)
        results.append(r)
        bad += r["over_4"] > 0
        print(f"{key:<15}{r['max_ulp']:9.3f}{r['at']:16.8g}{r['over_1']:12d}{r['over_2']:10d}"
              f"{r['over_4']:9d}{r['inputs']:12d}{r['seconds']:6.0f}", flush=True)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(results, fh, indent=1)
    print("every function within 4 ULP" if not bad else f"{bad} function(s) beyond 4 ULP")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
