"""Which threading layer fastact's parallel kernels run on.

Measured here (numba 0.68, 2 cores): under the default OpenMP layer a
``target="parallel"`` ufunc ran slower than serial; the workqueue layer
breaks when several Python threads call in at once. TBB works and is safe
under concurrent calls, once ``libtbb.so.12`` from the ``tbb`` wheel is loaded
with RTLD_GLOBAL before numba looks for it. So: parallel kernels are offered
only when TBB can be loaded; otherwise everything runs serially.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from pathlib import Path


@functools.lru_cache(maxsize=None)
def tbb_available() -> bool:
    candidates = [Path(sys.prefix) / "lib" / "libtbb.so.12"]
    candidates += [Path(p) / "libtbb.so.12" for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
    for lib in candidates:
        if lib.exists():
            try:
                ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                continue
            try:
                from numba.np.ufunc import tbbpool  # noqa: F401  (numba's TBB layer loads)
            except ImportError:
                return False
            return True
    return False


@functools.lru_cache(maxsize=None)
def configure() -> str:
    """Select TBB for numba's parallel targets if it can be loaded."""
    import numba
    if tbb_available():
        numba.config.THREADING_LAYER = "tbb"
        return "tbb"
    return "none"


def layer() -> str:
    return "tbb" if tbb_available() else "none (parallel kernels disabled: install fastact[parallel])"
