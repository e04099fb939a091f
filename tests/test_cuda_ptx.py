"""Every kind of kernel the CUDA backend generates, compiled to PTX for the real
CUDA target -- no GPU needed, only libnvvm and libnvrtc (a CUDA toolkit, or
``numba-cuda[cu12]``/``[cu13]``'s wheels).

This is what the simulator cannot check: that the registry's definitions, the
``register_jitable`` helpers and ``fastact._math``'s generic overloads they
call type and lower for CUDA (no retargeting step is needed), float16 loads
and stores, the generated elementwise kernels, the row-wise kernels with their
shared-memory reductions.

Opt-in (about 30 s): ``FASTACT_TEST_PTX=1 python -m pytest tests/test_cuda_ptx.py``.
Skipped under the simulator and where libnvvm cannot be loaded. numba-cuda
asks the current device for its compute capability when it compiles a device
function called from a kernel; without a GPU the test stands in a fake device
(compute capability 8.0).
"""

from __future__ import annotations

import os
import types as pytypes

import numpy as np
import pytest

CC = (8, 0)

def _nvvm() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or os.environ.get("FASTACT_TEST_PTX") != "1":
        return False
    try:  # libnvvm and libnvrtc both load: a trivial function compiles
        from numba import cuda, float32
        cuda.compile_ptx(lambda x: x + float32(1), (float32,), device=True, cc=CC)
        return True
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _nvvm(), reason="set FASTACT_TEST_PTX=1 (needs libnvvm, "
                                "and the simulator off)")

@pytest.fixture(scope="module")
def B():
    import numba.cuda.dispatcher as cd
    from numba import cuda
    from fastact.backends import numba_cuda as backend
    backend._cu()
    assert not backend.SIM
    mp = pytest.MonkeyPatch()
    try:
        if not cuda.is_available():
            mp.setattr(cd, "get_current_device",
                       lambda: pytypes.SimpleNamespace(compute_capability=CC))
        yield backend
    finally:
        mp.undo()


def _ptx(kernel, vals):
    from numba import cuda, typeof
    ptx, _ = cuda.compile_ptx(kernel.py_func, tuple(typeof(v) for v in vals), cc=CC)
    assert ".entry" in ptx


def _arr(dt):
    return np.empty(4, dt)


def _definitions():
    from fastact.registry import REGISTRY
    for e in REGISTRY.values():
        for k in e.kernels.values():
            yield k.scalar(False, True), k.f32_via_f64, False  # the float32 definitions
            yield k.scalar(True, True), k.f32_via_f64, True


DEFS = list(_definitions()) if _nvvm() else []


@pytest.mark.parametrize("fn,via64,bw", DEFS, ids=[f.__name__ for f, _, _ in DEFS])
def test_definition_kernels(B, fn, via64, bw):
    """float32 contiguous (flat) kernel of every definition; scalars for the parameters."""
    na = fn.__code__.co_argcount
    nin = 2 if bw else 1
    conv = np.dtype(np.float64 if via64 else np.float32)
    mask = (True,) * nin + (False,) * (na - nin)
    args = [_arr(np.float32)] * nin + [np.float32(0.5)] * (na - nin)
    _ptx(B._ew_kernel(fn, conv, mask, 0), [_arr(np.float32), *args, 10, (), (), *([()] * na)])


@pytest.mark.parametrize("case", ["f16", "f64", "strided", "array-param", "ints", "bool"])
def test_elementwise_variants(B, case):
    from fastact.definitions import elementwise as d
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    st = (0, 5, 1)
    if case == "f16":  # float16 in and out, computed in float32 (and float64: via64)
        _ptx(B._ew_kernel(d.gelu_fwd, f64, (True,), 0), [_arr(np.float16), _arr(np.float16), 8, (), (), ()])
        _ptx(B._ew_kernel(d.silu_bwd, f32, (True, True), 0),
             [_arr(np.float16), _arr(np.float16), _arr(np.float32), 8, (), (), (), ()])
    elif case == "f64":
        _ptx(B._ew_kernel(d.softplus_fwd, f64, (True, False, False), 0),
             [_arr(np.float64), _arr(np.float64), 1.0, 20.0, 8, (), (), (), (), ()])
    elif case == "strided":
        _ptx(B._ew_kernel(d.tanh_bwd, f32, (True, True), 2),
             [_arr(np.float32), _arr(np.float32), _arr(np.float32), 10, (2, 5), st, st, st])
    elif case == "array-param":  # prelu's per-channel weight, broadcast by strides
        _ptx(B._ew_kernel(d.prelu_fwd, f32, (True, True), 3),
             [_arr(np.float32), _arr(np.float32), _arr(np.float32), 24, (2, 3, 4),
              (0, 12, 4, 1), (0, 12, 4, 1), (0, 0, 1, 0)])
    elif case == "ints":
        _ptx(B._ew_kernel(d.identity_fwd, f64, (True,), 1),
             [_arr(np.float64), _arr(np.int64), 10, (10,), (0, 1), (0, 3)])
    else:
        _ptx(B._ew_kernel(d.sigmoid_fwd, f64, (True,), 0), [_arr(np.float64), _arr(np.bool_), 4, (), (), ()])


ROWS = ["softmax", "log_softmax", "softmin", "logsumexp", "sparsemax", "softmax_backward",
        "log_softmax_backward", "softmin_backward", "logsumexp_backward", "sparsemax_backward"]


@pytest.mark.parametrize("key", ROWS)
def test_row_kernels(B, key):
    for dt, (T, R) in ((np.float32, (32, 4)), (np.float64, (512, 1))):
        k = B._row_kernel(key, np.dtype(dt), T, R)
        vals = [_arr(dt)] * (3 if key.endswith("_backward") else 2) + [3, 4]
        _ptx(k, vals)


def test_simple_row_kernels(B):
    f = np.float32
    _ptx(B._simple_row_kernel("glu", np.dtype(f)), [_arr(f), _arr(f), 3, 4])
    _ptx(B._simple_row_kernel("glu_backward", np.dtype(f)), [_arr(f), _arr(f), _arr(f), 3, 4])
    _ptx(B._simple_row_kernel("maxout", np.dtype(f)), [_arr(f), _arr(f), 3, 4, 2])
    _ptx(B._simple_row_kernel("maxout_backward", np.dtype(f)), [_arr(f), _arr(f), _arr(f), 3, 4, 2])
    _ptx(B._channel_sum_kernel(512), [_arr(f), _arr(np.float16), 2, 3, 4])
