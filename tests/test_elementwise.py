"""fastact's elementwise functions (forward and backward) against the independent references in
tests/reference.py (float64 NumPy for float16/float32 results, mpmath for float64 results).

Error measure: ULPs of the result dtype at the reference's magnitude (reference.ulp_distance).
float16 is computed in float32 and rounded once, hence 1 ULP.  Signs of zero are checked where the
input is +-0 and in the special-value tables.

Backward: the reference is the exact derivative at the input x.  For the functions whose backward
takes the output (sigmoid, tanh, relu), y is chosen in the dtype and converted back to the input
whose output it is exactly (reference.INVERSE / INVERSE_MP).  Next to an interior zero of the
derivative (gelu, silu, mish) its terms cancel and no working-precision evaluation has a small
relative error; there an absolute error of tol * eps * |g| * (sum of |terms|) is also accepted
(reference.backward_terms).  Every other backward is measured in pure ULPs.
"""
import math

import numpy as np
import pytest

import fastact
import reference as R
from fastact.registry import REGISTRY, REQUIRED

F16, F32, F64 = np.float16, np.float32, np.float64
DT = {"float16": F16, "float32": F32, "float64": F64}

# ------------------------------------------------------------------------------------------------
# Tolerances, in ULPs of the result dtype.  Default: 1 for float16 (computed in float32, rounded
# once), 4 for float32 and float64 (CATALOGUE "Accuracy").  Loosen an entry only with a comment.
_DEFAULT = {"float16": 1, "float32": 4, "float64": 4}
TOL_FORWARD = {name: dict(_DEFAULT) for name in R.ELEMENTWISE}
TOL_BACKWARD = {name: dict(_DEFAULT) for name in R.ELEMENTWISE}
# No table entry is loosened.  Two float64 allowances are stated per element instead, where the
# error grows with |x| for a reason a working-precision evaluation cannot avoid (double-double
# arithmetic would; not done):
#  * subnormal float64 results of gelu, silu, mish (forward and backward): e^x (or erfc) is
#    itself subnormal there and holds an absolute error of half a subnormal ULP, which the factor
#    |x| magnifies: allowed 4 + |x| ULPs where that intermediate (~ result / |x|) is subnormal
#    (x <= -37.5 for gelu, x <= -708 for silu and mish).
#  * gelu(approximate="tanh") for x < 0: the result x*sigmoid(2u) ~ x*e^(2u) has relative
#    condition |2u| in u = sqrt(2/pi)(x + 0.044715 x^3), whose float64 evaluation (four
#    roundings) is off by up to ~3 eps relative: allowed 4 + 6|u| ULPs (~1800 at x = -20;
#    PyTorch's float64 tanh-GELU has the same conditioning).
SUBNORMAL_X_FUNCS = {"gelu", "silu", "mish"}


def float64_tolerance(name, params, x, ref, tol):
    """Per-element float64 tolerance in ULPs: ``tol`` plus the allowances stated above."""
    x = np.asarray(x, F64)
    t = np.full(x.shape, float(tol))
    r = np.asarray(ref[0] if isinstance(ref, tuple) else ref, F64)
    if name in SUBNORMAL_X_FUNCS:
        sub = np.abs(r) < np.finfo(F64).tiny * (1 + np.abs(x))
        t = np.where(sub, tol + np.abs(x), t)
    if name == "gelu" and params.get("approximate") == "tanh":
        with np.errstate(over="ignore", invalid="ignore"):
            u = np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)
        t = np.where(x < 0, np.maximum(t, tol + 6 * np.abs(u)), t)
    return t

# Parameter values exercised (representable in float16 where the parameter is a threshold, so
# that rounding it to the compute dtype cannot move a branch).
PARAM_SETS = {
    "gelu": [{"approximate": "none"}, {"approximate": "tanh"}],
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": -0.5}, {"negative_slope": 0.0}],
    "elu": [{}, {"alpha": 0.5}, {"alpha": 2.0}],
    "celu": [{}, {"alpha": 0.5}, {"alpha": 3.0}],
    "softplus": [{}, {"beta": 2.0}, {"beta": 0.5, "threshold": 10.0}, {"threshold": 1e6}],
    "hardtanh": [{}, {"min_val": -2.0, "max_val": 0.5}, {"min_val": 0.0, "max_val": 6.0}],
    "hardshrink": [{}, {"lambd": 1.5}, {"lambd": 0.0}],
    "softshrink": [{}, {"lambd": 1.5}, {"lambd": 0.0}],
    "threshold": [{"threshold": 0.5, "value": 2.0}, {"threshold": -1.0, "value": -0.25},
                  {"threshold": 0.0, "value": 0.0}],
    "squareplus": [{}, {"b": 1.0}, {"b": 0.0625}],
    "rrelu": [{}, {"lower": 0.1, "upper": 0.3}, {"lower": 0.5, "upper": 0.5}],
    "prelu": [{"weight": 0.25}, {"weight": -1.5}],
}

EW = [n for n, a in REGISTRY.items() if a.kind == "elementwise"]
CASES = [(n, p) for n in EW for p in PARAM_SETS.get(n, [{}])]


def _pid(p):
    return "-".join(f"{k}={v}" for k, v in p.items()) or "default"


def fwd(name, x, params, **kw):
    """fastact forward with the test's parameter dict (prelu's weight given as a number)."""
    if name == "prelu":
        w = np.asarray(params["weight"], dtype=np.asarray(x).dtype if np.asarray(x).dtype.kind == "f" else F64)
        return fastact.prelu(x, w.reshape(-1), **kw)
    return getattr(fastact, name)(x, **params, **kw)


def bwd(name, g, v, params, **kw):
    if name == "prelu":
        w = np.asarray(params["weight"], dtype=np.asarray(v).dtype if np.asarray(v).dtype.kind == "f" else F64)
        return fastact.prelu_backward(g, v, w.reshape(-1), **kw)[0]
    return getattr(fastact, name + "_backward")(g, v, **params, **kw)


def from_output(name):
    return REGISTRY[name].backward_from == "output"


def _report(name, dtype, params, x, got, exp, d, mask, what="", g=None):
    idx = np.flatnonzero(mask)
    worst = idx[np.argsort(-np.nan_to_num(d[idx], posinf=1e300))][:8]
    exp_hi = exp[0] if isinstance(exp, tuple) else exp
    lines = [f"{what}{name}({_pid(params)}) {np.dtype(dtype).name}: {idx.size} of {x.size} elements out of tolerance"]
    for i in worst:
        gs = f" g={g[i]!r}" if g is not None else ""
        lines.append(f"  x={x[i]!r}{gs} got={float(got[i])!r} expected={float(exp_hi[i])!r} ulps={d[i]:.4g}")
    return "\n".join(lines)


def _g_values(x, dtype, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.uniform(-2.0, 2.0, x.size).astype(dtype).astype(F64)
    g[: min(16, g.size)] = 1.0
    return g


_MP_CACHE = {}


def _mp_forward(name, x, params):
    key = ("f", name, _pid(params), x.tobytes())
    if key not in _MP_CACHE:
        _MP_CACHE[key] = R.mp_forward(name, x, **params)
    return _MP_CACHE[key]


# ------------------------------------------------------------------------------------------------
# registry vs the spec
def test_registry_lists_the_catalogue():
    assert set(EW) == set(R.ELEMENTWISE)
    rows = [n for n, a in REGISTRY.items() if a.kind == "rowwise"]
    assert set(rows) == set(R.ROWWISE)


@pytest.mark.parametrize("name", EW)
def test_registry_entry_matches_spec(name):
    a = REGISTRY[name]
    assert a.name == name and a.kind == "elementwise"
    spec = R.PARAMS[name]
    got = [(p.name, p.default) for p in a.params][: len(spec)]
    assert [n for n, _ in got] == [n for n, _ in spec]
    for (n, d), (_, dg) in zip(spec, got):
        if d is R.REQUIRED:
            assert dg is REQUIRED, n
        else:
            assert dg == d, n
    assert a.backward_from == R.BACKWARD_FROM[name]
    for alias in R.ALIASES.get(name, ()):
        assert alias in a.aliases
    for alias in a.aliases:
        assert getattr(fastact, alias) is getattr(fastact, name)
        assert getattr(fastact, alias + "_backward") is getattr(fastact, name + "_backward")
    assert callable(getattr(fastact, name)) and callable(getattr(fastact, name + "_backward"))


# ------------------------------------------------------------------------------------------------
# forward accuracy
@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("name", EW)
def test_forward_accuracy(name, dtype):
    dt = DT[dtype]
    tol = TOL_FORWARD[name][dtype]
    errors = []
    for params in PARAM_SETS.get(name, [{}]):
        x64 = R.sweep(name, dt, **params)
        x = x64.astype(dt)
        y = fwd(name, x, params)
        assert isinstance(y, np.ndarray) and y.dtype == dt and y.shape == x.shape
        ref = R.FORWARD[name](x64, **params)
        d = R.ulp_distance(y, ref, dt)
        bad = d > tol
        if bad.any():
            errors.append(_report(name, dt, params, x64, y, ref, d, bad))
        sign = R.zero_sign_mismatch(y, ref, dt, where=(x64 == 0))
        if sign.any():
            errors.append(_report(name, dt, params, x64, y, ref, d, sign, "zero sign: "))
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", EW)
def test_forward_accuracy_float64(name):
    tol = TOL_FORWARD[name]["float64"]
    errors = []
    for params in PARAM_SETS.get(name, [{}]):
        x = R.sweep(name, F64, n=1500, **params)
        y = fwd(name, x, params)
        assert y.dtype == F64 and y.shape == x.shape
        ref = _mp_forward(name, x, params)
        d = R.ulp_distance(y, ref, F64)
        bad = d > float64_tolerance(name, params, x, ref, tol)
        if bad.any():
            errors.append(_report(name, F64, params, x, y, ref, d, bad))
        # the mp path has no signed zeros: take them from the float64 formulas at +-0
        sign = R.zero_sign_mismatch(y, R.FORWARD[name](x, **params), F64, where=(x == 0))
        if sign.any():
            errors.append(_report(name, F64, params, x, y, ref, d, sign, "zero sign: "))
    assert not errors, "\n".join(errors)


def _specials(table, name):
    groups = {}
    for s in table:
        if s.name != name:
            continue
        for dt in s.dtypes:
            groups.setdefault((_pid(s.params), np.dtype(dt).name), []).append(s)
    return groups


@pytest.mark.parametrize("name", EW)
def test_forward_special_values(name):
    errors = []
    for (_, dtname), entries in _specials(R.SPECIAL_FORWARD, name).items():
        dt = DT[dtname]
        params = entries[0].params
        x = np.array([s.x for s in entries], dt)
        y = fwd(name, x, params)
        assert y.dtype == dt
        for s, xv, yv in zip(entries, x, y):
            exp = np.array([s.expected])
            if s.exact:
                ev = exp.astype(dt)[0]
                ok = (np.isnan(ev) and np.isnan(yv)) or yv == ev
            else:
                ok = R.ulp_distance(np.array([yv]), exp, dt)[0] <= TOL_FORWARD[name][dtname]
            if ok and s.check_sign and s.expected == 0 and yv == 0:
                ok = np.signbit(yv) == np.signbit(s.expected)
            if not ok:
                errors.append(f"{name}({_pid(params)}) {dtname}: x={float(xv)!r} got {float(yv)!r} "
                              f"expected {s.expected!r}{' (sign checked)' if s.check_sign else ''} {s.note}")
    assert not errors, "\n".join(errors)


# ------------------------------------------------------------------------------------------------
# backward accuracy
def _backward_inputs(name, dt, params, x64):
    """(v: what fastact's backward takes, xin: the input the reference differentiates at)."""
    if from_output(name):
        y = R.FORWARD[name](x64, **params).astype(dt).astype(F64)
        return y, R.INVERSE[name](y)
    return x64, x64


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("name", EW)
def test_backward_accuracy(name, dtype):
    dt = DT[dtype]
    tol = TOL_BACKWARD[name][dtype]
    eps = R.dtype_eps(dt)
    errors = []
    for params in PARAM_SETS.get(name, [{}]):
        x64 = R.sweep(name, dt, **params)
        g64 = _g_values(x64, dt)
        v, xin = _backward_inputs(name, dt, params, x64)
        got = bwd(name, g64.astype(dt), v.astype(dt), params)
        assert isinstance(got, np.ndarray) and got.dtype == dt and got.shape == x64.shape
        ref = R.BACKWARD[name](g64, xin, **params)
        ref = ref[0] if name == "prelu" else ref
        d = R.ulp_distance(got, ref, dt)
        err = R.abs_error(got, ref)
        terms = R.backward_terms(name, g64, xin, **params) if name != "prelu" else np.abs(ref)
        bad = (d > float64_tolerance(name, params, v, ref, tol)) & ~(err <= tol * eps * terms)
        if bad.any():
            errors.append(_report(name, dt, params, v, got, ref, d, bad, g=g64))
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", EW)
def test_backward_accuracy_float64(name):
    tol = TOL_BACKWARD[name]["float64"]
    eps = R.dtype_eps(F64)
    errors = []
    for params in PARAM_SETS.get(name, [{}]):
        x = R.sweep(name, F64, n=1500, **params)
        g = _g_values(x, F64)
        if from_output(name):
            v = R.FORWARD[name](x, **params)  # any float64 y in the range; converted exactly
        else:
            v = x
        got = bwd(name, g, v, params)
        assert got.dtype == F64
        ref = R.mp_backward(name, g, v, from_output=from_output(name), **params)
        d = R.ulp_distance(got, ref, F64)
        err = R.abs_error(got, ref)
        if from_output(name) or name == "prelu":
            terms = np.abs(ref[0])
        else:
            terms = R.backward_terms(name, g, v, **params)
        bad = (d > float64_tolerance(name, params, v, ref, tol)) & ~(err <= tol * eps * terms)
        if bad.any():
            errors.append(_report(name, F64, params, v, got, ref, d, bad, g=g))
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", EW)
def test_backward_special_values(name):
    errors = []
    for (_, dtname), entries in _specials(R.SPECIAL_BACKWARD, name).items():
        dt = DT[dtname]
        params = entries[0].params
        x = np.array([s.x for s in entries], dt).astype(F64)
        g = np.array([s.g for s in entries], dt)
        v, _ = _backward_inputs(name, dt, params, x)
        got = bwd(name, g, v.astype(dt), params)
        assert got.dtype == dt
        for s, xv, vv, gv in zip(entries, x, v, got):
            exp = np.array([s.expected])
            if s.exact:
                ev = exp.astype(dt)[0]
                ok = (np.isnan(ev) and np.isnan(gv)) or gv == ev
            else:
                ok = R.ulp_distance(np.array([gv]), exp, dt)[0] <= TOL_BACKWARD[name][dtname]
            if not ok:
                arg = f"x={float(xv)!r}" + (f" (y={float(vv)!r})" if from_output(name) else "")
                errors.append(f"{name}_backward({_pid(params)}) {dtname}: {arg} g={s.g} got {float(gv)!r} "
                              f"expected {s.expected!r} {s.note}")
    assert not errors, "\n".join(errors)


# ------------------------------------------------------------------------------------------------
# layouts, shapes, dtypes, out=
def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)  # bitwise: nan == nan, -0 != +0
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8))


def _layout_input(name, params, shape=(6, 10), dtype=F32):
    x = R.sweep(name, dtype, **params)
    rng = np.random.default_rng(1)
    pick = rng.choice(x, int(np.prod(shape)), replace=False)
    return pick.reshape(shape).astype(dtype)


@pytest.mark.parametrize("name", EW)
def test_layouts_and_shapes(name):
    params = PARAM_SETS.get(name, [{}])[0]
    x = _layout_input(name, params)
    full = fwd(name, x, params)
    # strided, transposed, reversed: the same values elementwise
    assert _same(fwd(name, x[:, ::2], params), full[:, ::2])
    assert _same(fwd(name, x.T, params), full.T)
    assert _same(fwd(name, x[::-1, 1::3], params), full[::-1, 1::3])
    xf = np.asfortranarray(x)
    assert _same(fwd(name, xf, params), full)
    # 0-d: a 0-d array or a NumPy scalar gives a 0-d result (a NumPy scalar) of the same value
    for i in (0, 7):
        v = x.reshape(-1)[i]
        r = fwd(name, np.float32(v), params)
        assert np.ndim(r) == 0 and np.asarray(r).dtype == F32
        assert _same(np.asarray(r), full.reshape(-1)[i])
        r0 = fwd(name, np.array(v, F32), params)
        assert np.ndim(r0) == 0 and _same(np.asarray(r0), np.asarray(r))
    # empty
    for shp in ((0,), (3, 0), (0, 4, 2)):
        r = fwd(name, np.empty(shp, F32), params)
        assert r.shape == shp and r.dtype == F32
    # out= (also in place)
    o = np.empty_like(x)
    r = fwd(name, x, params, out=o)
    assert r is o and _same(o, full)
    xi = x.copy()
    r = fwd(name, xi, params, out=xi)
    assert r is xi and _same(xi, full)
    # integers, bools and lists are promoted to float64
    ints = np.arange(-4, 5)
    ri = fwd(name, ints, params)
    assert ri.dtype == F64
    assert _same(ri, fwd(name, ints.astype(F64), params))
    assert fwd(name, np.array([True, False]), params).dtype == F64
    assert fwd(name, [1, -2, 3], params).dtype == F64
    # float16 in, float16 out
    with np.errstate(over="ignore"):
        x16 = x.astype(F16)
    assert fwd(name, x16, params).dtype == F16


@pytest.mark.parametrize("name", EW)
def test_backward_layouts_and_shapes(name):
    params = PARAM_SETS.get(name, [{}])[0]
    x = _layout_input(name, params)
    v = fwd(name, x, params) if from_output(name) else x
    g = np.random.default_rng(2).uniform(-2, 2, x.shape).astype(F32)
    full = bwd(name, g, v, params)
    assert full.dtype == F32 and full.shape == x.shape
    assert _same(bwd(name, g[:, ::2], v[:, ::2], params), full[:, ::2])
    assert _same(bwd(name, g.T, v.T, params), full.T)
    assert _same(bwd(name, np.asfortranarray(g), v, params), full)
    r = bwd(name, np.float32(g.flat[3]), np.float32(v.flat[3]), params)
    assert np.ndim(r) == 0 and _same(np.asarray(r), full.reshape(-1)[3])
    assert bwd(name, np.empty((2, 0), F32), np.empty((2, 0), F32), params).shape == (2, 0)
    if name != "prelu":
        o = np.empty_like(x)
        rr = bwd(name, g, v, params, out=o)
        assert rr is o and _same(o, full)
    with np.errstate(over="ignore"):
        g16, v16 = g.astype(F16), v.astype(F16)
    assert bwd(name, g16, v16, params).dtype == F16
    assert bwd(name, np.ones(3, int), np.arange(3), params).dtype == F64


# ------------------------------------------------------------------------------------------------
# parameters
def test_parameter_errors():
    x = np.linspace(-2, 2, 5)
    with pytest.raises(ValueError):
        fastact.celu(x, alpha=0.0)
    with pytest.raises(ValueError):
        fastact.celu_backward(x, x, alpha=0.0)
    with pytest.raises(ValueError):
        fastact.hardtanh(x, min_val=1.0, max_val=-1.0)
    with pytest.raises(ValueError):
        fastact.softshrink(x, lambd=-0.5)
    with pytest.raises(ValueError):
        fastact.gelu(x, approximate="erf")
    with pytest.raises(TypeError):
        fastact.threshold(x)  # threshold and value are required
    with pytest.raises(TypeError):
        fastact.prelu(x)  # weight is required
    with pytest.raises(ValueError):
        fastact.prelu(np.ones((2, 3)), np.ones(4))  # one weight per channel (axis 1)
    with pytest.raises(ValueError):
        fastact.prelu(np.ones(3), np.ones(3))  # no channel axis below 2-D


def test_positional_parameters():
    x = np.linspace(-30, 30, 101)
    assert _same(fastact.softplus(x, 2.0, 10.0), fastact.softplus(x, beta=2.0, threshold=10.0))
    assert _same(fastact.threshold(x, 0.5, 2.0), fastact.threshold(x, threshold=0.5, value=2.0))
    assert _same(fastact.hardtanh(x, -2.0, 3.0), fastact.hardtanh(x, min_val=-2.0, max_val=3.0))
    assert _same(fastact.leaky_relu(x, 0.2), fastact.leaky_relu(x, negative_slope=0.2))
    assert _same(fastact.gelu(x, "tanh"), fastact.gelu(x, approximate="tanh"))
    assert _same(fastact.rrelu(x, 0.1, 0.3), fastact.leaky_relu(x, 0.2))
    assert _same(fastact.softplus_backward(x, x, 2.0, 10.0), fastact.softplus_backward(x, x, beta=2.0, threshold=10.0))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_prelu_per_channel(dtype):
    dt = DT[dtype]
    rng = np.random.default_rng(4)
    x = rng.normal(scale=3.0, size=(4, 3, 5)).astype(dt)
    x[0, :, 0] = 0.0
    x[1, :, 0] = -0.0
    g = rng.uniform(-2, 2, x.shape).astype(dt)
    w = np.array([0.25, -1.5, 0.0], dt)
    y = fastact.prelu(x, w)
    ref = R.FORWARD["prelu"](x.astype(F64), w.astype(F64))
    assert y.dtype == dt and np.all(R.ulp_distance(y, ref, dt) <= TOL_FORWARD["prelu"][dtype])
    assert not R.zero_sign_mismatch(y, ref, dt, where=(x == 0)).any()
    gi, gw = fastact.prelu_backward(g, x, w)
    gi_ref, gw_ref = R.BACKWARD["prelu"](g.astype(F64), x.astype(F64), w.astype(F64))
    assert gi.dtype == dt and np.all(R.ulp_distance(gi, gi_ref, dt) <= TOL_BACKWARD["prelu"][dtype])
    assert gw.shape == w.shape and gw.dtype == dt
    # a sum: error allowance relative to the sum of magnitudes
    scale = np.abs(np.where(x > 0, 0, x.astype(F64) * g)).sum(axis=(0, 2))
    assert np.all(R.abs_error(gw, gw_ref) <= 4 * R.dtype_eps(dt) * (scale + np.abs(gw_ref))), (gw, gw_ref)
    # one weight for all channels
    gi1, gw1 = fastact.prelu_backward(g, x, np.array([0.25], dt))
    assert gw1.shape == (1,)
    gw1_ref = R.BACKWARD["prelu"](g.astype(F64), x.astype(F64), np.array([0.25]))[1]
    assert R.abs_error(gw1, gw1_ref)[0] <= 4 * R.dtype_eps(dt) * np.abs(np.where(x > 0, 0, x.astype(F64) * g)).sum()
    # nan in, nan out (both gradients see it)
    xn = x.copy()
    xn[2, 1, 3] = np.nan
    gin, gwn = fastact.prelu_backward(g, xn, w)
    assert np.isnan(gin[2, 1, 3]) and np.isnan(gwn[1]) and not np.isnan(gwn[[0, 2]]).any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rrelu_training(dtype):
    dt = DT[dtype]
    lower, upper = 0.1, 0.3
    x = np.random.default_rng(6).normal(scale=3.0, size=2000).astype(dt)
    x[:4] = [0.0, -0.0, np.nan, -np.inf]
    noise = np.empty_like(x)
    y = fastact.rrelu(x, lower, upper, True, np.random.default_rng(123), noise=noise)
    assert y.dtype == dt
    pos = x > 0
    assert np.all(noise[pos] == 1.0)
    neg = ~pos & ~np.isnan(x)
    a = noise[~pos]
    assert np.all((a >= dt(lower)) & (a <= dt(upper)))
    assert abs(a.astype(F64).mean() - (lower + upper) / 2) < 0.02
    ref = R.f_rrelu_train(x.astype(F64), noise.astype(F64))
    fin = ~np.isnan(x)
    assert np.all(R.ulp_distance(y[fin], ref[fin], dt) <= TOL_FORWARD["rrelu"][dtype])
    assert np.isnan(y[2]) and y[3] == -np.inf
    # the same generator state gives the same slopes; another seed other slopes
    noise2 = np.empty_like(x)
    y2 = fastact.rrelu(x, lower, upper, True, np.random.default_rng(123), noise=noise2)
    assert _same(y, y2) and _same(noise, noise2)
    y3 = fastact.rrelu(x, lower, upper, True, np.random.default_rng(124))
    assert not np.array_equal(y3[neg], y[neg])
    # backward with the same slopes
    g = np.random.default_rng(7).uniform(-2, 2, x.size).astype(dt)
    gb = fastact.rrelu_backward(g, x, lower, upper, True, noise=noise)
    gref = R.b_rrelu_train(g.astype(F64), x.astype(F64), noise.astype(F64))
    assert np.all(R.ulp_distance(gb, gref, dt) <= TOL_BACKWARD["rrelu"][dtype])
    # eval mode ignores the generator: leaky_relu with the mean slope
    assert _same(fastact.rrelu(x, lower, upper, False), fastact.leaky_relu(x, (lower + upper) / 2))
    with pytest.raises(TypeError):
        fastact.rrelu(x, lower, upper, True)  # training needs a numpy Generator
    with pytest.raises(ValueError):
        fastact.rrelu_backward(g, x, lower, upper, True)  # training backward needs the noise


def test_no_nan_for_non_nan_input_float32():
    """CATALOGUE: for any non-nan input an elementwise function never returns nan (forward and
    backward, +-inf and the largest finite values included)."""
    bad = []
    for name, params in CASES:
        x = np.concatenate([R.sweep(name, F32, n=300, **params), [np.inf, -np.inf]]).astype(F32)
        y = fwd(name, x, params)
        v = y if from_output(name) else x
        d = bwd(name, np.ones_like(x), v, params)
        for what, r in (("forward", y), ("backward", d)):
            if np.isnan(r).any():
                bad.append(f"{name}({_pid(params)}) {what}: nan at x={x[np.isnan(r)][:5].tolist()}")
    assert not bad, "\n".join(bad)
