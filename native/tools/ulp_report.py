"""Prints the measured ULP error of every native (and numba) elementwise kernel against the
mpmath references of tests/_native_refs.py, on the inputs of tests/_native_cases.py.

    python native/tools/ulp_report.py [kernel ...]

The bounds tests/test_native.py enforces (BOUNDS there) were set from this output.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests"))

import _native_cases as C  # noqa: E402
import _native_refs as R  # noqa: E402
from fastact.backends import native  # noqa: E402

try:
    from fastact.backends import numba_cpu
except ImportError:  # numba missing
    numba_cpu = None


def measure(kid, kernel, entry, backward, dtn, params):
    arrays, pv = C.operands(kid, entry, backward, dtn, params, n=int(os.environ.get("ULP_N", 1500)))
    fn = kernel.bwd if backward else kernel.fwd
    ref_fn = R.REFS[kid][1 if backward else 0]
    ref = R.evaluate(ref_fn, *arrays, *[np.full(arrays[0].shape, p) for p in pv],
                     nan_in_nan_out=not (kid == "identity" and backward))
    scale = None
    if backward and kid in R.BWD_SCALE:  # as the tests: ulps of the terms' magnitudes
        scale = R.evaluate(lambda g, x, *p: R.BWD_SCALE[kid](g, x), *arrays,
                           *[np.full(arrays[0].shape, p) for p in pv])
    with np.errstate(all="ignore"):
        got = native.elementwise(fn.__name__, np.dtype(dtn))(*arrays, *pv)
        e = R.ulp_error(got, ref, dtn, scale)
        res = {"native": (float(e.max()), arrays[-1][int(e.argmax())])}
        if numba_cpu is not None:
            u = numba_cpu.ufunc(fn, np.dtype(dtn), f32_via_f64=kernel.f32_via_f64)
            e2 = R.ulp_error(u(*arrays, *pv), ref, dtn, scale)
            res["numba"] = (float(e2.max()), arrays[-1][int(e2.argmax())])
    return res


def main(only):
    for kid, kernel, entry in C.kernels():
        if only and kid not in only:
            continue
        for backward in (False, True):
            for dtn in ("float32", "float64"):
                worst = {}
                for params in C.PARAMS.get(kid, [()]):
                    for k, (err, at) in measure(kid, kernel, entry, backward, dtn, params).items():
                        if err >= worst.get(k, (-1,))[0]:
                            worst[k] = (err, at, params)
                line = " ".join(f"{k}={v[0]:9.3f} (x={v[1]!r:.24} p={v[2]})" for k, v in worst.items())
                print(f"{kid:15s} {'bwd' if backward else 'fwd'} {dtn}: {line}", flush=True)


if __name__ == "__main__":
    main(set(sys.argv[1:]))
