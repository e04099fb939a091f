"""fastact vs PyTorch (torch.nn.functional forward, torch.autograd backward), CPU, float32 and float64.

PyTorch is the reference for names, parameters, branches at kinks and signs of zero; it is not the
accuracy reference (tests/reference.py is).  Comparisons therefore allow TORCH_ULPS ULPs of torch's
result plus TORCH_ULPS * eps * (|x| + 1) * |g| absolute (torch's formulas cancel, e.g. x - tanh x,
and its float64 gelu tail loses digits), which is far below any difference in semantics.

Inputs where fastact deliberately differs (CATALOGUE.md "Special values" / "Accuracy") are masked
out of the comparison and asserted separately in ``test_documented_differences``:
* nan input: every fastact backward returns nan; torch returns a finite gradient for the piecewise
  functions (relu, relu6, hardtanh, hardswish, leaky_relu, elu, ...);
* +-inf input: fastact returns the limits where torch returns nan (gelu, silu, mish, hardswish,
  softsign forward; their derivatives);
* results below the smallest normal number: torch flushes them to 0 (sigmoid(-100) in float32);
* intermediate overflow in torch: hardswish(x) for |x| > max/6, softplus with a huge threshold.
JAX/Keras-only functions (sparse_sigmoid, sparse_plus, squareplus, sparsemax) have no torch twin.
"""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fastact  # noqa: E402
import reference as R  # noqa: E402
import torch_ref  # noqa: E402
from fastact.registry import REGISTRY  # noqa: E402
from test_elementwise import PARAM_SETS, _pid, bwd, fwd  # noqa: E402

F32, F64 = np.float32, np.float64
DT = {"float32": F32, "float64": F64}
TORCH_ULPS = 64
TORCH_NAN_AT_INF = {"gelu", "silu", "mish", "hardswish", "softsign"}
TORCH_INCONSISTENT_ZERO_SIGN = {"gelu", "softshrink"}  # torch's vector and scalar paths differ at -0

CASES = [(n, p) for n, a in REGISTRY.items() if a.kind == "elementwise" and torch_ref.ELEMENTWISE.get(n)
         for p in PARAM_SETS.get(n, [{}])]


def _torch_params(name, params, dt):
    if name == "prelu":
        return {"weight": np.array([params["weight"]], dt)}
    return params


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}-{_pid(p)}" for n, p in CASES])
def test_elementwise_matches_torch(name, params, dtype):
    dt = DT[dtype]
    eps = R.dtype_eps(dt)
    tiny = float(np.finfo(dt).tiny)
    x = np.concatenate([R.sweep(name, dt, n=800, **params), [np.nan, np.inf, -np.inf]]).astype(dt)
    g = np.random.default_rng(0).uniform(-2, 2, x.size).astype(dt)
    g[:8] = 1.0
    with np.errstate(all="ignore"):
        y_t, d_t = torch_ref.forward_backward(name, x, g, **_torch_params(name, params, dt))
    y = fwd(name, x, params)
    v = y if REGISTRY[name].backward_from == "output" else x
    d = bwd(name, g, v, params)
    x64 = x.astype(F64)
    ref = R.FORWARD[name](x64, **params)

    # masks of the documented differences
    nan_x = np.isnan(x)
    inf_x = np.isinf(x)
    flush = (np.abs(ref) < 2 * tiny) & (ref != 0)  # tiny true results: torch flushes or loses them
    overflow_t = np.isinf(y_t) & np.isfinite(ref)
    # torch returns nan for some non-nan inputs (limits at +-inf; gelu(tanh)' at |x| ~ 1e13+ where
    # x^3 overflows): fastact returns the limit (asserted non-nan below)
    keep_f = ~nan_x & ~flush & ~overflow_t & ~np.isnan(y_t)
    keep_b = ~nan_x & ~np.isnan(d_t) & ~overflow_t
    if name == "softplus":  # torch's derivative overflows with the intermediate e^(beta x)
        keep_b &= np.isfinite(d_t)

    errors = []
    tol_f = TORCH_ULPS * R.ulp_of(y_t, dt) + TORCH_ULPS * eps * (np.abs(x64) + 1)
    err_f = R.abs_error(y, y_t)
    bad = keep_f & ~(err_f <= tol_f)
    for i in np.flatnonzero(bad)[:6]:
        errors.append(f"forward x={x64[i]!r}: fastact {float(y[i])!r} torch {y_t[i]!r}")
    tol_b = TORCH_ULPS * R.ulp_of(d_t, dt) + TORCH_ULPS * eps * (np.abs(x64) + 1) * np.abs(g.astype(F64))
    if name == "hardsigmoid":  # torch's hardsigmoid backward multiplies by a float32 1/6, in float64 too
        tol_b = np.maximum(tol_b, 1e-7 * np.abs(d_t))
    err_b = R.abs_error(d, d_t)
    bad = keep_b & ~(err_b <= tol_b)
    for i in np.flatnonzero(bad)[:6]:
        errors.append(f"backward x={x64[i]!r} g={float(g[i])!r}: fastact {float(d[i])!r} torch {d_t[i]!r}")
    # signs of zero at +-0 input
    if name not in TORCH_INCONSISTENT_ZERO_SIGN:
        z = (x == 0) & (y == 0) & (y_t == 0)
        for i in np.flatnonzero(z & (np.signbit(y) != np.signbit(y_t))):
            errors.append(f"zero sign x={x64[i]!r}: fastact {float(y[i])!r} torch {y_t[i]!r}")
    # the masked inputs: fastact never returns nan for non-nan input; nan in gives nan out
    if np.isnan(y[~nan_x]).any() or np.isnan(d[~nan_x]).any():
        errors.append("fastact nan for non-nan input at x=" + repr(x64[~nan_x & (np.isnan(y) | np.isnan(d))][:5]))
    if not (np.isnan(y[nan_x]).all() and np.isnan(d[nan_x]).all()):
        errors.append("fastact: nan input did not give nan")
    assert not errors, f"{name}({_pid(params)}) {dtype}:\n" + "\n".join(errors)


def _t(a):
    return torch.tensor(np.asarray(a))


def test_documented_differences():
    """Where fastact returns the limit / the exact value and torch 2.13 does not (CATALOGUE)."""
    f32 = lambda v: np.array([v], F32)  # noqa: E731
    cases = [
        # (fastact call, torch call, fastact's value, torch's observed value)
        (lambda: fastact.softsign(f32(np.inf)), lambda: torch.nn.functional.softsign(_t(f32(np.inf))), 1.0, math.nan),
        (lambda: fastact.softsign(f32(-np.inf)), lambda: torch.nn.functional.softsign(_t(f32(-np.inf))), -1.0, math.nan),
        (lambda: fastact.gelu(f32(-np.inf)), lambda: torch.nn.functional.gelu(_t(f32(-np.inf))), -0.0, math.nan),
        (lambda: fastact.gelu(f32(np.inf)), lambda: torch.nn.functional.gelu(_t(f32(np.inf))), math.inf, math.inf),
        (lambda: fastact.silu(f32(-np.inf)), lambda: torch.nn.functional.silu(_t(f32(-np.inf))), -0.0, math.nan),
        (lambda: fastact.mish(f32(-np.inf)), lambda: torch.nn.functional.mish(_t(f32(-np.inf))), -0.0, math.nan),
        (lambda: fastact.hardswish(f32(-np.inf)), lambda: torch.nn.functional.hardswish(_t(f32(-np.inf))), -0.0, math.nan),
        (lambda: fastact.sigmoid(f32(-100.0)), lambda: torch.sigmoid(_t(f32(-100.0))), R._mpval("sigmoid", -100.0), 0.0),
        (lambda: fastact.tanhshrink(f32(1e-5)), lambda: torch.nn.functional.tanhshrink(_t(f32(1e-5))),
         R._mpval("tanhshrink", float(np.float32(1e-5))), 0.0),
        (lambda: fastact.hardswish(f32(1e38)), lambda: torch.nn.functional.hardswish(_t(f32(1e38))), float(np.float32(1e38)), math.inf),
    ]
    errors = []
    for i, (fa, tt, want, torch_obs) in enumerate(cases):
        got = float(np.asarray(fa())[0])
        tv = float(tt().numpy()[0])
        if want != want:
            ok = math.isnan(got)
        elif want == 0 or math.isinf(want):
            ok = got == want and math.copysign(1, got) == math.copysign(1, want)
        else:
            ok = R.ulp_distance(np.float32(got), want, F32) <= 4
        if not ok:
            errors.append(f"case {i}: fastact {got!r}, expected {want!r}")
        same_as_torch = (tv == got) or (math.isnan(tv) and math.isnan(got))
        if not (same_as_torch or tv == torch_obs or (math.isnan(tv) and math.isnan(torch_obs))):
            errors.append(f"case {i}: torch now gives {tv!r} (documented {torch_obs!r})")
    # gradients at nan: torch finite for the piecewise functions, fastact nan
    for name in ("relu", "relu6", "hardtanh", "hardswish", "leaky_relu", "elu", "hardshrink"):
        x = f32(np.nan)
        v = fastact.relu(x) if name == "relu" else x
        gf = getattr(fastact, name + "_backward")(np.ones(1, F32), v)
        if not np.isnan(gf).all():
            errors.append(f"{name}_backward(nan) = {gf}, expected nan")
    assert not errors, "\n".join(errors)


# ------------------------------------------------------------------------------------------------
ROW_TORCH = [n for n, a in REGISTRY.items() if a.kind == "rowwise" and torch_ref.ROWWISE.get(n)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ROW_TORCH)
def test_rowwise_matches_torch(name, dtype):
    dt = DT[dtype]
    rtol = 1e-5 if dt == F32 else 1e-12
    rng = np.random.default_rng(41)
    errors = []
    for shape, axis in (((7, 36), -1), ((6, 36), 0), ((4, 6, 6), 1)):
        x = rng.normal(scale=4.0, size=shape).astype(dt)
        params = {"axis": axis}
        if name == "maxout":
            params["pieces"] = 3
        tp = dict(params)
        xt = torch.tensor(x).requires_grad_(True)
        yt = torch_ref.ROWWISE[name](xt, **tp)
        g = rng.uniform(-2, 2, tuple(yt.shape)).astype(dt)
        yt.backward(torch.tensor(g))
        y_t, d_t = yt.detach().numpy(), xt.grad.numpy()
        if name == "maxout":
            y = fastact.maxout(x, 3, axis)
            d = fastact.maxout_backward(g, x, 3, axis)
        else:
            y = getattr(fastact, name)(x, axis=axis)
            v = y if REGISTRY[name].backward_from == "output" else x
            d = getattr(fastact, name + "_backward")(g, v, axis=axis)
        scale = np.abs(g).max()
        # torch's own float32 error is absolute, of the order of eps * max|x| (log_softmax, logsumexp)
        if not np.allclose(y, y_t, rtol=rtol, atol=rtol * (1e-3 + np.abs(x).max())):
            errors.append(f"forward shape={shape} axis={axis}: max diff {np.abs(y - y_t).max():.3g}")
        if not np.allclose(d, d_t, rtol=rtol, atol=rtol * scale * 1e-1):
            errors.append(f"backward shape={shape} axis={axis}: max diff {np.abs(d - d_t).max():.3g}")
    # special rows, forward: same nan / inf pattern as torch
    inf, nan = np.inf, np.nan
    xs = np.array([[inf, 0, 1, 2, 3, 4], [-inf] * 6, [-inf, 0, 0, -inf, 1, 1], [nan, 0, 1, 2, 3, 4],
                   [inf, -inf, 0, 1, 2, 3]], dt)
    if name == "maxout":
        ys, yts = fastact.maxout(xs, 3), torch_ref.ROWWISE[name](torch.tensor(xs), 3).numpy()
    else:
        ys, yts = getattr(fastact, name)(xs), torch_ref.ROWWISE[name](torch.tensor(xs)).numpy()
    if not np.allclose(ys, yts, rtol=rtol, atol=0, equal_nan=True):
        errors.append(f"special rows: fastact {ys.tolist()} torch {yts.tolist()}")
    assert not errors, f"{name} {dtype}:\n" + "\n".join(errors)


@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_tuple_axes_matches_torch(keepdims):
    x = np.random.default_rng(3).normal(scale=3.0, size=(3, 4, 5))
    for axis in ((0, 2), (1, 2), (0, 1, 2)):
        xt = torch.tensor(x).requires_grad_(True)
        yt = torch.logsumexp(xt, dim=axis, keepdim=keepdims)
        g = np.random.default_rng(4).normal(size=tuple(yt.shape))
        yt.backward(torch.tensor(g))
        y = fastact.logsumexp(x, axis=axis, keepdims=keepdims)
        d = fastact.logsumexp_backward(g, x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(d, xt.grad.numpy(), rtol=1e-12, atol=1e-15)
