"""The no-JIT fallback, end to end: with numba made unimportable, ``import fastact``
works without importing numba, warns once that it falls back to the native C
backend, and the whole catalogue, forward and backward, runs through the
public API (``fastact.<name>``, ``fastact.<name>_backward``) on that backend,
against float64 references; then tests/test_native.py runs in that process
too (its numba comparisons skip).

The blocker is a ``sys.meta_path`` finder raising ImportError for ``numba*``,
installed by a ``sitecustomize`` module in a temporary directory put first on
PYTHONPATH, so it is in place before anything else is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastact.backends import native

pytestmark = pytest.mark.skipif(not native.available(), reason=native.info())

TESTS = Path(__file__).resolve().parent

BLOCKER = textwrap.dedent("""
    import sys

    class _BlockNumba:
        def find_spec(self, name, path=None, target=None):
            if name == "numba" or name.startswith("numba.") or name == "llvmlite" \\
                    or name.startswith("llvmlite."):
                raise ImportError(f"{name} is blocked (fastact's no-JIT fallback test)")
            return None

    sys.meta_path.insert(0, _BlockNumba())
""")

# The whole catalogue through the public API, with numba blocked. References are
# float64 NumPy formulas written here (not the definitions); float32 results
# must be within a few float32 ulps of them.
CATALOGUE_RUN = textwrap.dedent(r"""
    import sys, warnings
    import numpy as np
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import fastact
        assert "numba" not in sys.modules, "import fastact imported numba"
        x = np.linspace(-6, 6, 241)
        fastact.sigmoid(x)  # first call: the fallback, announced once
        fastact.tanh(x)
    msgs = [str(w.message) for w in caught if "native" in str(w.message)]
    assert len(msgs) == 1, msgs
    assert "numba" not in sys.modules

    from math import erf, pi, sqrt
    from fastact.registry import REGISTRY
    verf = np.vectorize(erf)
    sig = lambda v: 0.5 * (1 + np.tanh(v / 2))
    sp = lambda v: np.logaddexp(0, v)
    A, S = 1.6732632423543772, 1.0507009873554805
    C = sqrt(2 / pi)
    u = lambda v: C * (v + 0.044715 * v ** 3)
    phi = lambda v: np.exp(-v * v / 2) / sqrt(2 * pi)
    # name: (args, forward(x), backward(x) as d/dx); backward from output: d/dx too
    REF = {
        "identity": ((), lambda v: v, lambda v: np.ones_like(v)),
        "sigmoid": ((), sig, lambda v: sig(v) * (1 - sig(v))),
        "tanh": ((), np.tanh, lambda v: 1 - np.tanh(v) ** 2),
        "log_sigmoid": ((), lambda v: -sp(-v), lambda v: sig(-v)),
        "relu": ((), lambda v: np.maximum(v, 0), lambda v: (v > 0) * 1.0),
        "relu6": ((), lambda v: np.clip(v, 0, 6), lambda v: ((v > 0) & (v < 6)) * 1.0),
        "selu": ((), lambda v: S * np.where(v > 0, v, A * np.expm1(v)), lambda v: S * np.where(v > 0, 1, A * np.exp(v))),
        "gelu": ((), lambda v: 0.5 * v * (1 + verf(v / sqrt(2))), lambda v: 0.5 * (1 + verf(v / sqrt(2))) + v * phi(v)),
        "silu": ((), lambda v: v * sig(v), lambda v: sig(v) * (1 + v * (1 - sig(v)))),
        "mish": ((), lambda v: v * np.tanh(sp(v)), lambda v: np.tanh(sp(v)) + v * sig(v) * (1 - np.tanh(sp(v)) ** 2)),
        "softsign": ((), lambda v: v / (1 + abs(v)), lambda v: 1 / (1 + abs(v)) ** 2),
        "tanhshrink": ((), lambda v: v - np.tanh(v), lambda v: np.tanh(v) ** 2),
        "hardsigmoid": ((), lambda v: np.clip((v + 3) / 6, 0, 1), lambda v: ((v > -3) & (v < 3)) / 6),
        "hardswish": ((), lambda v: v * np.clip((v + 3) / 6, 0, 1), lambda v: np.where(v <= -3, 0, np.where(v >= 3, 1, v / 3 + 0.5))),
        "sparse_sigmoid": ((), lambda v: np.clip((v + 1) / 2, 0, 1), lambda v: ((v > -1) & (v < 1)) / 2),
        "sparse_plus": ((), lambda v: np.where(v <= -1, 0, np.where(v >= 1, v, (v + 1) ** 2 / 4)), lambda v: np.where(v <= -1, 0, np.where(v >= 1, 1, (v + 1) / 2))),
        "leaky_relu": ((0.1,), lambda v: np.where(v > 0, v, 0.1 * v), lambda v: np.where(v > 0, 1, 0.1)),
        "elu": ((0.7,), lambda v: np.where(v > 0, v, 0.7 * np.expm1(v)), lambda v: np.where(v > 0, 1, 0.7 * np.exp(v))),
        "celu": ((2.0,), lambda v: np.where(v > 0, v, 2 * np.expm1(v / 2)), lambda v: np.where(v > 0, 1, np.exp(v / 2))),
        "softplus": ((2.0, 5.0), lambda v: np.where(2 * v > 5, v, sp(2 * v) / 2), lambda v: np.where(2 * v > 5, 1, sig(2 * v))),
        "hardtanh": ((-2.0, 1.5), lambda v: np.clip(v, -2, 1.5), lambda v: ((v > -2) & (v < 1.5)) * 1.0),
        "hardshrink": ((0.5,), lambda v: np.where(abs(v) > 0.5, v, 0), lambda v: (abs(v) > 0.5) * 1.0),
        "softshrink": ((0.5,), lambda v: np.where(v > 0.5, v - 0.5, np.where(v < -0.5, v + 0.5, 0)), lambda v: (abs(v) > 0.5) * 1.0),
        "threshold": ((1.0, -3.0), lambda v: np.where(v > 1, v, -3), lambda v: (v > 1) * 1.0),
        "squareplus": ((4.0,), lambda v: (v + np.sqrt(v * v + 4)) / 2, lambda v: 0.5 * (1 + v / np.sqrt(v * v + 4))),
        "rrelu": ((0.1, 0.3), lambda v: np.where(v > 0, v, 0.2 * v), lambda v: np.where(v > 0, 1, 0.2)),
        "prelu": ((np.array([0.25]),), lambda v: np.where(v > 0, v, 0.25 * v), lambda v: np.where(v > 0, 1, 0.25)),
    }
    GELU_TANH = (lambda v: 0.5 * v * (1 + np.tanh(u(v))),
                 lambda v: 0.5 * (1 + np.tanh(u(v))) + 0.5 * v * (1 - np.tanh(u(v)) ** 2) * C * (1 + 3 * 0.044715 * v * v))
    x64 = np.linspace(-7.3, 7.1, 333)
    g64 = np.cos(x64) * 2
    checked = []
    for entry in REGISTRY.values():
        if entry.kind != "elementwise":
            continue
        name = entry.name
        args, f, df = REF[name]
        variants = [({}, f, df)]
        if name == "gelu":
            variants.append(({"approximate": "tanh"}, *GELU_TANH))
        for kw, f, df in variants:
            for dt, tol in ((np.float64, 1e-13), (np.float32, 4e-7)):
                x, g = x64.astype(dt), g64.astype(dt)
                y = getattr(fastact, name)(x, *args, **kw)
                assert y.dtype == dt, (name, y.dtype)
                ref = f(x.astype(np.float64))
                np.testing.assert_allclose(y, ref, rtol=tol, atol=tol, err_msg=f"{name} {kw} {dt}")
                second = y if entry.backward_from == "output" else x
                if name == "prelu":
                    gi, gw = fastact.prelu_backward(g, second, *args)
                    np.testing.assert_allclose(gw, [np.sum(np.where(x > 0, 0, x.astype(np.float64) * g))], rtol=1e-5)
                else:
                    gi = getattr(fastact, f"{name}_backward")(g, second, *args, **kw)
                np.testing.assert_allclose(gi, g.astype(np.float64) * df(x.astype(np.float64)),
                                           rtol=10 * tol, atol=10 * tol, err_msg=f"{name}_backward {kw} {dt}")
                checked.append(name)
    # row-wise, through the public API
    xr = np.random.default_rng(0).standard_normal((4, 6))
    e = np.exp(xr - xr.max(-1, keepdims=True)); smx = e / e.sum(-1, keepdims=True)
    np.testing.assert_allclose(fastact.softmax(xr), smx, rtol=1e-14)
    np.testing.assert_allclose(fastact.softmin(xr), fastact.softmax(-xr), rtol=1e-14)
    np.testing.assert_allclose(fastact.log_softmax(xr), np.log(smx), rtol=1e-13)
    np.testing.assert_allclose(fastact.logsumexp(xr, axis=0), np.log(np.exp(xr).sum(0)), rtol=1e-14)
    np.testing.assert_allclose(fastact.glu(xr), xr[:, :3] * sig(xr[:, 3:]), rtol=1e-14)
    np.testing.assert_allclose(fastact.maxout(xr, 3), xr.reshape(4, 2, 3).max(-1))
    np.testing.assert_allclose(fastact.sparsemax(xr).sum(-1), 1, rtol=1e-14)
    g = np.ones_like(xr)
    np.testing.assert_allclose(fastact.softmax_backward(g, smx), 0, atol=1e-15)
    np.testing.assert_allclose(fastact.logsumexp_backward(np.ones(4), xr), smx, rtol=1e-14)
    np.testing.assert_allclose(fastact.glu_backward(g[:, :3], xr)[:, :3], sig(xr[:, 3:]), rtol=1e-14)
    for name in ("log_softmax", "softmin", "maxout", "sparsemax"):
        args = (3,) if name == "maxout" else ()
        y = getattr(fastact, name)(xr, *args)
        gb = getattr(fastact, f"{name}_backward")(np.ones_like(y), y if name != "maxout" else xr, *args)
        assert gb.shape == xr.shape and np.isfinite(gb).all(), name
    assert "numba" not in sys.modules
    print(f"checked {len(checked)} elementwise cases and the row-wise entries on the native backend")
""")


def _env(tmp_path: Path) -> dict:
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(TESTS)] +
                                        [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.pop("FASTACT_BACKEND", None)
    return env


def test_blocker_blocks(tmp_path):
    r = subprocess.run([sys.executable, "-c", "import numba"], env=_env(tmp_path),
                       capture_output=True, text=True)
    assert r.returncode != 0 and "blocked" in r.stderr


def test_catalogue_on_the_fallback(tmp_path):
    r = subprocess.run([sys.executable, "-c", CATALOGUE_RUN], env=_env(tmp_path),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "checked" in r.stdout


def test_native_suite_with_numba_blocked(tmp_path):
    """tests/test_native.py in a process where numba cannot be imported."""
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        "-W", "ignore::pytest.PytestConfigWarning",
                        "-o", "filterwarnings=", str(TESTS / "test_native.py")],
                       env=_env(tmp_path), capture_output=True, text=True, timeout=1200,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    assert " passed" in r.stdout and "failed" not in r.stdout
