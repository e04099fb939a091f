"""ULP distance helpers shared by the CUDA tests (simulator and real GPU)."""

from __future__ import annotations

import numpy as np


def ulps(got, ref, dtype, floor=None) -> np.ndarray:
    """|got - ref| in ULPs of ``dtype`` at ref (ref rounded to dtype); equal
    specials (same inf, both nan) count 0. ``floor``: the ULP is taken at
    max(|ref|, |floor|) (for gradients: the scale of g, where the exact result
    is a small difference of terms of that size)."""
    got = np.asarray(got, np.float64)
    ref = np.asarray(ref, np.float64)
    r = ref.astype(dtype).astype(np.float64)
    same = (got == r) | (np.isnan(got) & np.isnan(r))
    with np.errstate(all="ignore"):
        at = np.abs(r) if floor is None else np.maximum(np.abs(r), np.abs(floor))
        sp = np.spacing(at.astype(dtype)).astype(np.float64)
        e = np.abs(got - ref) / sp
    return np.where(same, 0.0, np.where(np.isfinite(e), e, np.inf))


def assert_ulps(got, ref, dtype, tol, what="", floor=None):
    e = ulps(got, ref, dtype, floor)
    if e.size and e.max() > tol:
        i = int(np.argmax(e))
        raise AssertionError(f"{what}: {e.max():.3g} ULP > {tol} at flat index {i}: "
                             f"got {np.ravel(got)[i]!r}, ref {np.ravel(ref)[i]!r}")
