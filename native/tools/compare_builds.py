"""Checks that the runtime-dispatched kernels (AVX2 clone on this CPU) give bit-identical
elementwise results to a baseline-only build (-DFASTACT_NO_DISPATCH: SSE2 on x86-64).

    python native/tools/compare_builds.py

Builds the baseline module into a temporary directory (about a minute), then runs
every elementwise kernel of the registry, forward and backward, both dtypes, on the
inputs of tests/_native_cases.py through both, and compares the bits.
"""
import importlib
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))

import build_native  # noqa: E402
import _native_cases as C  # noqa: E402
from fastact.backends import native  # noqa: E402


def main():
    with tempfile.TemporaryDirectory() as tmp:
        build_native.CFLAGS = build_native.CFLAGS + ["-DFASTACT_NO_DISPATCH"]
        build_native.make_builder("_fastact_native_baseline", absolute=True).compile(tmpdir=tmp)
        sys.path.insert(0, tmp)
        base = importlib.import_module("_fastact_native_baseline")
        print("dispatching build:", native.isa(), "| baseline build:", base.ffi.string(base.lib.fastact_isa()).decode())
        bad = 0
        for kid, kernel, entry in C.kernels():
            for backward in (False, True):
                fn = (kernel.bwd if backward else kernel.fwd).__name__
                for dt, ct in (("float32", "float *"), ("float64", "double *")):
                    for params in C.PARAMS.get(kid, [()]):
                        arrays, pv = C.operands(kid, entry, backward, dt, params, n=3000)
                        with np.errstate(all="ignore"):
                            a = native.elementwise(fn, np.dtype(dt))(*arrays, *pv)
                        ops = [np.ascontiguousarray(x) for x in arrays] + [np.array(p).reshape(1) for p in pv]
                        b = np.empty_like(a)
                        args = []
                        for i, o in enumerate(ops):
                            args += [base.ffi.cast(ct, o.ctypes.data), 1 if i < len(arrays) else 0]
                        getattr(base.lib, f"fastact_{fn}_{dt.replace('float', 'f')}")(
                            a.size, *args, base.ffi.cast(ct, b.ctypes.data), 1)
                        if a.tobytes() != b.tobytes():
                            bad += 1
                            diff = np.flatnonzero(a.view(f"u{a.itemsize}") != b.view(f"u{a.itemsize}"))
                            print(f"DIFFER {fn} {dt} {params}: {diff.size} elements, e.g. {a[diff[:3]]} vs {b[diff[:3]]}")
        print("identical" if not bad else f"{bad} cases differ")
        return bad


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
