"""The dispatcher's contract: dtypes, shapes, out=, errors before writes, threads.

Numerical accuracy is tested in test_elementwise.py / test_rowwise.py against
independent references; here the references are trivial (relu, identity) or
fastact itself on a plain contiguous array, because what is tested is the
plumbing around the kernel, not the kernel.
"""

from __future__ import annotations

import concurrent.futures as cf
import inspect

import numpy as np
import pytest

import fastact
from fastact.registry import ALIASES, REGISTRY, REQUIRED

FLOATS = [np.float16, np.float32, np.float64]


def sample_params(entry, x=None):
    """Valid parameters for every entry (defaults, plus the required ones)."""
    params = {p.name: p.default for p in entry.params
              if p.default is not REQUIRED and not p.keyword_only}
    if entry.name == "threshold":
        params.update(threshold=0.25, value=-2.0)
    if entry.name == "prelu":
        params["weight"] = 0.25
    if entry.name == "maxout":
        params["pieces"] = 2
    return params


def call_forward(entry, x, **kw):
    return getattr(fastact, entry.name)(x, **sample_params(entry), **kw)


# ------------------------------------------------------------------ the API surface

def test_every_entry_and_alias_is_public():
    for name, entry in REGISTRY.items():
        assert callable(getattr(fastact, name))
        assert callable(getattr(fastact, name + "_backward"))
        assert name in fastact.__all__ and name + "_backward" in fastact.__all__
    for alias, name in ALIASES.items():
        assert getattr(fastact, alias) is getattr(fastact, name)
        assert getattr(fastact, alias + "_backward") is getattr(fastact, name + "_backward")
    assert fastact.swish is fastact.silu and fastact.logsigmoid is fastact.log_sigmoid


@pytest.mark.parametrize("name", list(REGISTRY))
def test_signatures_follow_the_registry(name):
    entry = REGISTRY[name]
    sig = inspect.signature(getattr(fastact, name))
    names = list(sig.parameters)
    assert names[0] == "x"
    assert names[1:1 + len(entry.params)] == [p.name for p in entry.params]
    for p in entry.params:
        default = sig.parameters[p.name].default
        if p.default is REQUIRED:
            assert default is inspect.Parameter.empty
        else:
            assert default == p.default
    assert sig.parameters["out"].kind is inspect.Parameter.KEYWORD_ONLY
    bsig = inspect.signature(getattr(fastact, name + "_backward"))
    second = "output" if entry.backward_from == "output" else "x"
    assert list(bsig.parameters)[:2] == ["grad_output", second]
    doc = getattr(fastact, name).__doc__
    assert entry.formula in doc


def test_pytorch_defaults():
    sig = lambda f: {k: v.default for k, v in inspect.signature(f).parameters.items()}
    assert sig(fastact.leaky_relu)["negative_slope"] == 0.01
    assert sig(fastact.softplus)["beta"] == 1.0 and sig(fastact.softplus)["threshold"] == 20.0
    assert sig(fastact.hardtanh)["min_val"] == -1.0 and sig(fastact.hardtanh)["max_val"] == 1.0
    assert sig(fastact.hardshrink)["lambd"] == 0.5 and sig(fastact.softshrink)["lambd"] == 0.5
    assert sig(fastact.rrelu)["lower"] == 1 / 8 and sig(fastact.rrelu)["upper"] == 1 / 3
    assert sig(fastact.gelu)["approximate"] == "none"
    assert sig(fastact.elu)["alpha"] == 1.0 and sig(fastact.celu)["alpha"] == 1.0
    assert sig(fastact.squareplus)["b"] == 4.0
    assert sig(fastact.softmax)["axis"] == -1 and sig(fastact.logsumexp)["keepdims"] is False


def test_unknown_and_missing_parameters_raise_typeerror():
    with pytest.raises(TypeError):
        fastact.threshold(np.ones(3))  # threshold and value are required
    with pytest.raises(TypeError):
        fastact.relu(np.ones(3), alpha=2.0)
    with pytest.raises(ValueError, match="approximate"):
        fastact.gelu(np.ones(3), approximate="fast")


# ------------------------------------------------------------------ dtypes

@pytest.mark.parametrize("dtype", FLOATS)
def test_float_dtypes_are_kept(dtype):
    x = np.linspace(-3, 3, 11).astype(dtype)
    for entry in REGISTRY.values():
        if entry.name in ("glu", "maxout"):
            x2 = np.linspace(-3, 3, 12).astype(dtype)
            assert call_forward(entry, x2).dtype == dtype
            continue
        y = call_forward(entry, x)
        assert np.asarray(y).dtype == dtype, entry.name


def test_float16_is_computed_in_float32_and_rounded_once():
    x16 = np.array([0.1, 1.7, -2.3, 5.0], np.float16)
    y16 = fastact.sigmoid(x16)
    y32 = fastact.sigmoid(x16.astype(np.float32))
    np.testing.assert_array_equal(y16, y32.astype(np.float16))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
def test_integers_and_bools_promote_to_float64(dtype):
    x = np.array([0, 1, 1, 0], dtype)
    y = fastact.sigmoid(x)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, fastact.sigmoid(x.astype(np.float64)))
    assert fastact.softmax(x).dtype == np.float64


@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["a"]), np.array([object()]),
                                 np.array([1.0], np.longdouble) if np.dtype(np.longdouble).itemsize > 8
                                 else np.array([1 + 0j], np.complex64)])
def test_unsupported_dtypes_raise_typeerror_naming_function_and_dtype(bad):
    with pytest.raises(TypeError, match=r"gelu: x has dtype"):
        fastact.gelu(bad)
    with pytest.raises(TypeError, match=r"softmax: x has dtype"):
        fastact.softmax(bad)


def test_mixed_precision_backward_promotes():
    g = np.ones(4, np.float32)
    x = np.linspace(-1, 1, 4)
    assert fastact.gelu_backward(g, x).dtype == np.float64
    assert fastact.gelu_backward(g.astype(np.float16), x.astype(np.float16)).dtype == np.float16


def test_non_native_byte_order():
    x = np.linspace(-2, 2, 7).astype(">f8")
    np.testing.assert_array_equal(fastact.silu(x), fastact.silu(x.astype("<f8")))


# ------------------------------------------------------------------ shapes and layouts

def test_zero_d_and_python_scalars_return_numpy_scalars():
    for v in (0.5, np.float64(0.5), np.array(0.5)):
        y = fastact.sigmoid(v)
        assert isinstance(y, np.float64) and np.ndim(y) == 0
    y32 = fastact.sigmoid(np.float32(0.5))
    assert isinstance(y32, np.float32)
    assert isinstance(fastact.softmax(np.float32(3.0)), np.float32)
    assert fastact.softmax(np.float32(3.0)) == 1
    assert fastact.log_softmax(2.0) == 0.0
    assert fastact.logsumexp(2.5) == 2.5


def test_empty_inputs():
    for shape in [(0,), (3, 0), (0, 4)]:
        x = np.empty(shape, np.float32)
        assert fastact.gelu(x).shape == shape
        assert fastact.gelu_backward(x, x).shape == shape
        assert fastact.softmax(x).shape == shape
    assert fastact.logsumexp(np.empty((3, 0))).tolist() == [-np.inf] * 3
    assert fastact.logsumexp(np.empty((0, 3))).shape == (0,)


def test_lists_and_nested_sequences():
    np.testing.assert_array_equal(fastact.relu([[-1, 2], [3, -4]]), [[0, 2], [3, 0]])


@pytest.mark.parametrize("name", [e.name for e in REGISTRY.values()
                                  if e.kind == "elementwise" and e.name != "rrelu"])
def test_strided_and_transposed_inputs_match_contiguous(name):
    entry = REGISTRY[name]
    rng = np.random.default_rng(0)
    base = rng.normal(scale=3, size=(6, 10)).astype(np.float32)
    kw = sample_params(entry)
    f = getattr(fastact, name)
    for view in (base[::2, ::3], base.T, base[:, 1:]):
        np.testing.assert_array_equal(f(view, **kw), f(np.ascontiguousarray(view), **kw))


def test_backward_broadcasts_grad_output_against_input():
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    g = np.array([1.0, 2.0, 3.0, 4.0])
    expected = fastact.gelu_backward(np.broadcast_to(g, x.shape).copy(), x)
    np.testing.assert_array_equal(fastact.gelu_backward(g, x), expected)
    np.testing.assert_array_equal(fastact.gelu_backward(2.0, x), fastact.gelu_backward(np.full(x.shape, 2.0), x))


def test_broadcast_view_input():
    x = np.broadcast_to(np.linspace(-1, 1, 5), (4, 5))
    np.testing.assert_array_equal(fastact.tanh(x), fastact.tanh(np.ascontiguousarray(x)))
    np.testing.assert_array_equal(fastact.softmax(x, axis=0), np.full((4, 5), 0.25))


# ------------------------------------------------------------------ out=

def test_out_is_filled_and_returned():
    x = np.linspace(-3, 3, 9, dtype=np.float32)
    out = np.empty_like(x)
    r = fastact.silu(x, out=out)
    assert r is out
    np.testing.assert_array_equal(out, fastact.silu(x))
    out2 = np.empty((3,), np.float32)
    x2 = x[:6].reshape(2, 3)
    r = fastact.logsumexp(x2, axis=0, out=out2)
    assert r is out2
    np.testing.assert_array_equal(out2, fastact.logsumexp(x2, axis=0))


def test_out_float16_and_strided():
    x = np.linspace(-3, 3, 10, dtype=np.float16)
    out = np.zeros(20, np.float16)[::2]
    fastact.gelu(x, out=out)
    np.testing.assert_array_equal(out, fastact.gelu(x))


def test_in_place():
    x = np.linspace(-3, 3, 9)
    expected = fastact.mish(x)
    r = fastact.mish(x, out=x)
    assert r is x
    np.testing.assert_array_equal(x, expected)
    m = np.linspace(-3, 3, 12).reshape(3, 4)
    expected = fastact.softmax(m, axis=0)
    fastact.softmax(m, axis=0, out=m)
    np.testing.assert_array_equal(m, expected)
    g = np.ones(12)
    y = np.linspace(0.1, 0.9, 12)
    expected = fastact.sigmoid_backward(g, y)
    fastact.sigmoid_backward(g, y, out=g)
    np.testing.assert_array_equal(g, expected)


def _bad_outs(x):
    ro = np.empty_like(x)
    ro.flags.writeable = False
    return [
        (np.empty(x.size + 1, x.dtype), ValueError, "shape"),
        (np.empty_like(x, dtype=np.float64), TypeError, "dtype"),
        (ro, ValueError, "read-only"),
        ([0.0] * x.size, TypeError, "ndarray"),
    ]


@pytest.mark.parametrize("fname", ["gelu", "softmax", "gelu_backward", "softmax_backward"])
def test_bad_out_raises_before_writing_anything(fname):
    x = np.linspace(-3, 3, 8, dtype=np.float32)
    f = getattr(fastact, fname)
    args = (x, x) if fname.endswith("backward") else (x,)
    for out, exc, msg in _bad_outs(x):
        before = np.array(out, copy=True) if isinstance(out, np.ndarray) else None
        x_before = x.copy()
        with pytest.raises(exc, match=msg):
            f(*args, out=out)
        np.testing.assert_array_equal(x, x_before)
        if before is not None:
            np.testing.assert_array_equal(out, before)


def test_partially_overlapping_out_is_rejected():
    buf = np.linspace(-3, 3, 10)
    x, out = buf[:8], buf[2:]
    snapshot = buf.copy()
    with pytest.raises(ValueError, match="overlaps"):
        fastact.gelu(x, out=out)
    with pytest.raises(ValueError, match="overlaps"):
        fastact.softmax(x, out=out)
    np.testing.assert_array_equal(buf, snapshot)


def test_parameter_errors_raise_before_writing():
    x = np.linspace(-3, 3, 8)
    out = np.full_like(x, 7.0)
    with pytest.raises(ValueError, match="alpha"):
        fastact.celu(x, alpha=0.0, out=out)
    with pytest.raises(ValueError, match="min_val"):
        fastact.hardtanh(x, 2.0, 1.0, out=out)
    with pytest.raises(ValueError, match="lambd"):
        fastact.softshrink(x, -0.5, out=out)
    with pytest.raises(ValueError, match="odd"):
        fastact.glu(x[:7], out=out[:3])
    with pytest.raises(ValueError, match="divisible"):
        fastact.maxout(x, 3, out=out[:2])
    with pytest.raises(ValueError, match="weight"):
        fastact.prelu(x.reshape(2, 4), [1.0, 2.0, 3.0], out=out.reshape(2, 4))
    with pytest.raises(TypeError, match="Generator"):
        fastact.rrelu(x, training=True, out=out)
    np.testing.assert_array_equal(out, 7.0)


def test_read_only_input_is_untouched():
    x = np.linspace(-3, 3, 8)
    x.flags.writeable = False
    snapshot = x.copy()
    for entry in REGISTRY.values():
        call_forward(entry, x)
    np.testing.assert_array_equal(x, snapshot)


# ------------------------------------------------------------------ row-wise plumbing

def test_axis_errors():
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError):
        fastact.softmax(x, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        fastact.logsumexp(x, axis=-3)
    with pytest.raises(TypeError):
        fastact.glu(np.ones((2, 4)), axis=(0, 1))
    with pytest.raises(TypeError):
        fastact.softmax(x, axis=1.0)


def test_tuple_axes_treat_axes_as_one():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 5))
    y = fastact.softmax(x, axis=(0, 2))
    np.testing.assert_allclose(y.sum(axis=(0, 2)), 1.0, rtol=1e-14)
    moved = np.moveaxis(x, 1, 0).reshape(4, 15)
    np.testing.assert_allclose(np.moveaxis(y, 1, 0).reshape(4, 15), fastact.softmax(moved), rtol=1e-15)
    lse = fastact.logsumexp(x, axis=(0, 2), keepdims=True)
    assert lse.shape == (1, 4, 1)
    np.testing.assert_allclose(lse.ravel(), fastact.logsumexp(moved), rtol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_rowwise_axes_match_moved_contiguous(axis):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 6, 8)).astype(np.float32)
    moved = np.ascontiguousarray(np.moveaxis(x, axis, -1))
    for name in ("softmax", "log_softmax", "softmin", "glu", "sparsemax"):
        f = getattr(fastact, name)
        np.testing.assert_array_equal(np.moveaxis(f(x, axis=axis), axis, -1), f(moved))
    np.testing.assert_array_equal(np.moveaxis(fastact.maxout(x, 2, axis=axis), axis, -1),
                                  fastact.maxout(moved, 2))
    np.testing.assert_array_equal(fastact.logsumexp(x, axis=axis), fastact.logsumexp(moved))


def test_rowwise_backward_shapes():
    x = np.random.default_rng(3).normal(size=(3, 8))
    assert fastact.glu_backward(np.ones((3, 4)), x).shape == (3, 8)
    assert fastact.maxout_backward(np.ones((3, 2)), x, 4).shape == (3, 8)
    assert fastact.logsumexp_backward(np.ones(3), x).shape == (3, 8)
    assert fastact.logsumexp_backward(np.ones((3, 1)), x, keepdims=True).shape == (3, 8)
    with pytest.raises(ValueError, match="grad_output"):
        fastact.glu_backward(np.ones((3, 8)), x)


# ------------------------------------------------------------------ backends and threads

def test_backend_keyword_and_context_manager_validate():
    x = np.ones(3)
    with pytest.raises(ValueError, match="backend"):
        fastact.relu(x, backend="gpu")
    with pytest.raises(TypeError, match="CUDA arrays"):
        fastact.relu(x, backend="cuda")
    with pytest.raises(ValueError):
        with fastact.using(backend="tpu"):
            pass
    with fastact.using(parallel="never"):
        np.testing.assert_array_equal(fastact.relu(x), x)


def test_concurrent_calls_from_threads_match_serial():
    rng = np.random.default_rng(4)
    inputs = [rng.normal(scale=4, size=(64, 257)).astype(dt) for dt in (np.float32, np.float64)] * 4
    funcs = [("gelu", {}), ("silu", {}), ("softplus", {"beta": 2.0}), ("softmax", {"axis": 0}),
             ("log_softmax", {}), ("tanh", {})]
    expected = [[getattr(fastact, n)(x, **kw) for n, kw in funcs] for x in inputs]

    def work(i):
        res = []
        for _ in range(25):
            res = [getattr(fastact, n)(inputs[i], **kw) for n, kw in funcs]
        return res

    with cf.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(len(inputs))))
    for got, exp in zip(results, expected):
        for g, e in zip(got, exp):
            np.testing.assert_array_equal(g, e)


def test_concurrent_first_compile_is_safe():
    # a kernel not used elsewhere in this module: threads race to compile it
    x = np.linspace(-2, 2, 1001, dtype=np.float64)
    with cf.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: fastact.sparse_plus_backward(np.ones_like(x), x), range(16)))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_import_compiles_nothing():
    import subprocess
    import sys
    code = ("import sys, fastact; from fastact.backends import numba_cpu as n; "
            "assert n.compiled() == [], n.compiled(); "
            "assert 'numba.cuda' not in sys.modules and 'dask' not in sys.modules; print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_parallel_path_matches_serial_under_concurrency():
    from fastact.backends import _threads
    if not _threads.tbb_available():
        pytest.skip("no thread-safe parallel layer (fastact[parallel] not installed)")
    x = np.random.default_rng(5).normal(scale=5, size=300_000).astype(np.float32)
    with fastact.using(parallel="never"):
        expected = [fastact.silu(x), fastact.elu(x, 0.5), fastact.gelu_backward(x, x)]

    def work(_):
        with fastact.using(parallel="always"):
            return [fastact.silu(x), fastact.elu(x, 0.5), fastact.gelu_backward(x, x)]

    with cf.ThreadPoolExecutor(8) as pool:
        for got in pool.map(work, range(12)):
            for g, e in zip(got, expected):
                np.testing.assert_array_equal(g, e)


ROWWISE_CALLS = [
    ("softmax", lambda x: fastact.softmax(x, axis=-1)),
    ("softmin", lambda x: fastact.softmin(x, axis=0)),
    ("log_softmax", lambda x: fastact.log_softmax(x)),
    ("logsumexp", lambda x: fastact.logsumexp(x, axis=-1)),
    ("glu", lambda x: fastact.glu(x)),
    ("maxout", lambda x: fastact.maxout(x, pieces=4)),
    ("sparsemax", lambda x: fastact.sparsemax(x)),
    ("softmax_backward", lambda x: fastact.softmax_backward(x, fastact.softmax(x))),
    ("log_softmax_backward", lambda x: fastact.log_softmax_backward(x, fastact.log_softmax(x))),
    ("logsumexp_backward", lambda x: fastact.logsumexp_backward(x[:, 0], x, axis=-1)),
    ("glu_backward", lambda x: fastact.glu_backward(x[:, :32], x)),
    ("maxout_backward", lambda x: fastact.maxout_backward(x[:, :16], x, pieces=4)),
]


@pytest.mark.parametrize("name,call", ROWWISE_CALLS, ids=[c[0] for c in ROWWISE_CALLS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rowwise_parallel_split_is_bit_identical(name, call, dtype):
    # the parallel path runs the serial kernel on blocks of rows in threads:
    # same numbers, every row (uneven blocks: 4099 rows), out= included
    from fastact.backends import _threads
    if not _threads.tbb_available():
        pytest.skip("parallel path not offered (fastact[parallel] not installed)")
    x = np.random.default_rng(7).normal(scale=6, size=(4099, 64)).astype(dtype)
    x[5, 3] = np.inf
    x[17] = -np.inf
    with fastact.using(parallel="never"):
        expected = call(x)
    with fastact.using(parallel="always"):
        got = call(x)
    for g, e in zip(got if isinstance(got, tuple) else (got,),
                    expected if isinstance(expected, tuple) else (expected,)):
        np.testing.assert_array_equal(g, e)
    out = np.empty_like(x)
    with fastact.using(parallel="always"):
        fastact.softmax(x, out=out)
    np.testing.assert_array_equal(out, fastact.softmax(x))


# ---- the hot path (dispatch.fast_elementwise / fast_rowwise) keeps every check

def _bad_outs_hot(x):
    ro = np.empty_like(x)
    ro.flags.writeable = False
    big = np.empty(x.size + 1, x.dtype)
    return {
        "read-only": (ro, ValueError),
        "dtype": (np.empty(x.shape, np.float64), TypeError),
        "shape": (np.empty(x.size - 1, x.dtype), ValueError),
        "partial overlap": (big[1:], None),  # filled in below: overlaps x
        "list": ([0.0] * x.size, TypeError),
    }


@pytest.mark.parametrize("case", ["read-only", "dtype", "shape", "partial overlap", "list"])
def test_hot_path_still_rejects_bad_out(case):
    buf = np.random.default_rng(1).normal(size=1001).astype(np.float32)
    x = buf[:-1]  # a view: the overlap case needs out and x to share memory
    assert fastact.elu(x, 0.5).shape == x.shape  # primes the hot path for these params
    out, exc = _bad_outs_hot(x)[case]
    if case == "partial overlap":
        out, exc = buf[1:], ValueError
    before = x.copy()
    snapshot = None if isinstance(out, list) else np.array(out, copy=True)
    with pytest.raises(exc):
        fastact.elu(x, 0.5, out=out)
    np.testing.assert_array_equal(x, before)
    if snapshot is not None and case != "partial overlap":
        np.testing.assert_array_equal(np.asarray(out), snapshot)


def test_hot_path_keys_on_parameters_and_backend():
    x = np.linspace(-5, 5, 2001).astype(np.float32)
    a = fastact.elu(x, 0.5)
    b = fastact.elu(x, 2.0)
    np.testing.assert_array_equal(a, fastact.elu(x, alpha=0.5, backend="numba"))
    assert not np.array_equal(a, b)
    np.testing.assert_allclose(b[x < 0], 2.0 * np.expm1(x[x < 0].astype(np.float64)), rtol=1e-6)
    from fastact.backends import native
    if native.available():
        with fastact.using(backend="native"):
            via_ctx = fastact.gelu(x)
        np.testing.assert_array_equal(via_ctx, fastact.gelu(x, backend="native"))


def test_hot_path_in_place_and_backward():
    x = np.random.default_rng(2).normal(size=(64, 33)).astype(np.float64)
    g = np.ones_like(x)
    y0 = fastact.silu(x)
    fastact.silu(x.copy())  # primed
    z = x.copy()
    assert fastact.silu(z, out=z) is z
    np.testing.assert_array_equal(z, y0)
    d0 = fastact.silu_backward(g, x)
    np.testing.assert_array_equal(fastact.silu_backward(g, x), d0)
    with pytest.raises(ValueError):
        fastact.silu_backward(g[:, :10], x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_rowwise_hot_path_matches_general_path(name):
    f = getattr(fastact, name)
    x = np.random.default_rng(3).normal(scale=3, size=(3, 5, 17)).astype(np.float32)
    general = f(np.asfortranarray(x), axis=2)  # not C-contiguous: the general path
    np.testing.assert_array_equal(f(x), general)
    np.testing.assert_array_equal(f(x, axis=2), general)
    out = np.empty_like(x)
    assert f(x, out=out) is out
    np.testing.assert_array_equal(out, general)
    ro = np.empty_like(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        f(x, out=ro)


def test_heavy_kernels_go_parallel_earlier():
    # kernels computing in float64 (gelu, mish, celu, gelu_tanh) gain from two threads
    # from a few ten thousand elements: their threshold is PARALLEL_THRESHOLD_HEAVY
    from fastact import config
    from fastact.backends import _threads, numba_cpu
    if not _threads.tbb_available():
        pytest.skip("parallel path not offered (fastact[parallel] not installed)")
    assert config.PARALLEL_THRESHOLD_HEAVY < config.PARALLEL_THRESHOLD
    n = (config.PARALLEL_THRESHOLD_HEAVY + config.PARALLEL_THRESHOLD) // 2
    x = np.linspace(-6, 6, n).astype(np.float32)
    with fastact.using(parallel="never"):
        expected = fastact.mish(x)
    with fastact.using(parallel="auto"):
        for _ in range(2):  # the second call takes the hot path
            np.testing.assert_array_equal(fastact.mish(x), expected)
    assert ("mish_fwd", "float32", True) in numba_cpu.compiled()
