"""fastact's row-wise functions (softmax, log_softmax, softmin, logsumexp, glu, maxout, sparsemax)
and their backwards against tests/reference.py.

Forward error: ULPs of the result dtype per element, against float64 references (float16/float32)
or mpmath / exact rational references (float64).  maxout is exact.

Backward error: per element, either within the ULP tolerance or within
tol * eps(dtype) * terms, where ``terms`` is the sum of the magnitudes that the formula adds
(softmax: |y| (|g| + sum|g y|); log_softmax: |g| + e^y sum|g|; sparsemax: |g| + mean over the
support of |g|): a sum with cancellation cannot be evaluated to a small relative error per element
in working precision.  logsumexp, glu and maxout backwards are products: pure ULPs.
"""
import math

import numpy as np
import pytest

import fastact
import reference as R
from fastact.registry import REGISTRY

F16, F32, F64 = np.float16, np.float32, np.float64
DT = {"float16": F16, "float32": F32, "float64": F64}

# ------------------------------------------------------------------------------------------------
# Tolerances in ULPs of the result dtype (float16: computed in float32 and rounded once).
_D = {"float16": 1, "float32": 4, "float64": 4}
TOL_ROW_FORWARD = {
    "softmax": dict(_D), "log_softmax": dict(_D), "softmin": dict(_D), "logsumexp": dict(_D),
    "glu": dict(_D),
    "maxout": {"float16": 0, "float32": 0, "float64": 0},  # a maximum is exact
    "sparsemax": dict(_D),
}
TOL_ROW_BACKWARD = {
    "softmax": dict(_D), "log_softmax": dict(_D), "softmin": dict(_D), "logsumexp": dict(_D),
    "glu": dict(_D),
    "maxout": {"float16": 0, "float32": 0, "float64": 0},  # g copied to the first maximum
    "sparsemax": dict(_D),
}
# No entry loosened.  Two forward results are a difference of larger quantities, so their
# working-precision error is a few ULPs of those quantities, not of the (smaller) result; there
# an absolute error of tol * eps * scale is also accepted (fastact._math has no double-double):
#  * logsumexp = max + log1p(S): scale = max(|result|, |row max|) (e.g. 0.018 from a row whose
#    max is -4: 9 ULP of the result, 0.04 ULP of the max);
#  * sparsemax = x_i - tau on the support: scale = max |x| over the row (tau's magnitude).


def cancellation_scale(name, x64, axis, got, keepdims=False):
    """Per-element magnitude that the result is a difference of (None: plain ULPs)."""
    if name not in ("logsumexp", "sparsemax"):
        return None
    ax = axis if isinstance(axis, tuple) else (axis,)
    with np.errstate(invalid="ignore"):
        m = np.max(np.abs(x64), axis=ax, keepdims=True) if name == "sparsemax" \
            else np.abs(np.max(x64, axis=ax, keepdims=True))
    if name == "logsumexp" and not keepdims:
        m = np.squeeze(m, axis=ax)
    return np.maximum(np.abs(np.asarray(got, F64)), m)


def within(name, got, ref, dt, tol, x64, axis, keepdims=False):
    """Boolean mask of results within ``tol`` ULPs, or the stated cancellation allowance."""
    ok = R.ulp_distance(got, ref, dt) <= tol
    scale = cancellation_scale(name, x64, axis, got, keepdims)
    if scale is not None:
        ok |= R.abs_error(got, ref) <= tol * R.dtype_eps(dt) * scale
    return ok

ROW = [n for n, a in REGISTRY.items() if a.kind == "rowwise"]
TUPLE_AXIS = ("softmax", "log_softmax", "softmin", "logsumexp")
PIECES = 3


def _params(name):
    return {"pieces": PIECES} if name == "maxout" else {}


def call(name, x, axis=-1, **kw):
    if name == "maxout":
        return fastact.maxout(x, PIECES, axis, **kw)
    return getattr(fastact, name)(x, axis=axis, **kw)


def call_bwd(name, g, v, axis=-1, **kw):
    if name == "maxout":
        return fastact.maxout_backward(g, v, PIECES, axis, **kw)
    return getattr(fastact, name + "_backward")(g, v, axis=axis, **kw)


def ref_fwd(name, x64, axis, dt):
    if np.dtype(dt) == F64:
        f = R.ROW_FORWARD_MP[name]
        return f(x64, PIECES, axis) if name == "maxout" else f(x64, axis)
    f = R.ROW_FORWARD[name]
    return f(x64, PIECES, axis) if name == "maxout" else f(x64, axis)


def _cases(dt):
    """(x as float64 values representable in dt, axis) pairs covering the interesting rows."""
    rng = np.random.default_rng({F16: 1, F32: 2, F64: 3}[np.dtype(dt).type])
    big = {F16: 3e4, F32: 1e4, F64: 1e300}[np.dtype(dt).type]
    scales = [0.1, 1.0, 3.0, 10.0] + ([30.0, 100.0] if dt != F16 else [])
    rows = [rng.normal(scale=s, size=36) for s in scales]
    rows.append(big + rng.normal(size=36) * (big * 2.0**-8))  # large offset, spread of a few ULP scale
    rows.append(-big + rng.normal(size=36) * (big * 2.0**-8))
    spread = rng.uniform(-big, big, 36)
    rows.append(spread)
    r = np.zeros(36)
    r[1::2] = -40.0  # logsumexp([0, -40, ...]) keeps its digits
    rows.append(r)
    r = np.full(36, -1e3 if dt != F16 else -6e4)
    r[5] = 0.0
    rows.append(r)  # one dominant entry: others underflow
    x2 = np.array(rows)
    cases = [(x2, -1), (x2.T.copy(), 0)]
    x3 = rng.normal(scale=4.0, size=(4, 6, 6))
    cases += [(x3, 1), (x3, 0)]
    cases.append((rng.normal(scale=2.0, size=(5, 6)), -1))
    with np.errstate(over="ignore"):
        return [(c.astype(dt).astype(F64), ax) for c, ax in cases]


def _report(name, dtname, axis, x, got, exp, d, bad, what=""):
    exp_hi = exp[0] if isinstance(exp, tuple) else exp
    idx = np.argwhere(bad)
    order = np.argsort(-np.nan_to_num(d[bad], posinf=1e300))[:6]
    lines = [f"{what}{name} {dtname} axis={axis} shape={x.shape}: {int(bad.sum())} of {bad.size} out of tolerance"]
    for k in order:
        i = tuple(idx[k])
        lines.append(f"  at {i}: got={float(got[i])!r} expected={float(exp_hi[i])!r} ulps={d[i]:.4g}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
def test_registry_rowwise_entries():
    assert set(ROW) == set(R.ROWWISE)
    for n in ROW:
        a = REGISTRY[n]
        assert a.backward_from == R.ROW_BACKWARD_FROM[n], n
        names = [p.name for p in a.params]
        assert "axis" in names
    assert [p.name for p in REGISTRY["logsumexp"].params][:2] == ["axis", "keepdims"]
    assert [p.name for p in REGISTRY["maxout"].params][:2] == ["pieces", "axis"]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", ROW)
def test_forward_accuracy(name, dtype):
    dt = DT[dtype]
    tol = TOL_ROW_FORWARD[name][dtype]
    errors = []
    for x64, axis in _cases(dt):
        if name == "glu" and x64.shape[axis] % 2:
            continue
        if name == "maxout" and x64.shape[axis] % PIECES:
            continue
        x = x64.astype(dt)
        got = call(name, x, axis)
        ref = ref_fwd(name, x64, axis, dt)
        hi = ref[0] if isinstance(ref, tuple) else ref
        assert got.dtype == dt and got.shape == hi.shape, (got.shape, hi.shape)
        d = R.ulp_distance(got, ref, dt)
        bad = ~within(name, got, ref, dt, tol, x64, axis)
        if bad.any():
            errors.append(_report(name, dtype, axis, x64, got, ref, d, bad))
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsumexp_keepdims_and_tuple_axes(dtype, keepdims):
    dt = DT[dtype]
    x64 = np.random.default_rng(5).normal(scale=5.0, size=(3, 4, 5)).astype(dt).astype(F64)
    x = x64.astype(dt)
    tol = TOL_ROW_FORWARD["logsumexp"][dtype]
    for axis in (-1, 0, (0, 2), (1, 2), (0, 1, 2), (2, 0)):
        got = fastact.logsumexp(x, axis=axis, keepdims=keepdims)
        ref = R.logsumexp_mp(x64, axis, keepdims) if dt == F64 else R.logsumexp(x64, axis, keepdims)
        hi = ref[0] if isinstance(ref, tuple) else ref
        assert np.shape(got) == np.shape(hi), (axis, np.shape(got), np.shape(hi))
        assert np.all(within("logsumexp", got, ref, dt, tol, x64, axis, keepdims)), axis
    for name in ("softmax", "log_softmax", "softmin"):
        for axis in ((0, 2), (2, 0), (0, 1, 2)):
            got = getattr(fastact, name)(x, axis=axis)
            ref = R.ROW_FORWARD_MP[name](x64, axis) if dt == F64 else R.ROW_FORWARD[name](x64, axis)
            assert got.shape == x.shape
            assert np.all(R.ulp_distance(got, ref, dt) <= TOL_ROW_FORWARD[name][dtype]), (name, axis)


def test_long_float32_row():
    """CATALOGUE: long float32 rows within a few ULP (accumulate in float64 or in blocks)."""
    rng = np.random.default_rng(9)
    x = rng.normal(scale=3.0, size=1 << 20).astype(F32)
    x64 = x.astype(F64)
    errors = []
    for name in ("softmax", "log_softmax", "softmin"):
        got = getattr(fastact, name)(x)
        d = R.ulp_distance(got, R.ROW_FORWARD[name](x64), F32)
        if d.max() > TOL_ROW_FORWARD[name]["float32"]:
            errors.append(f"{name}: max {d.max():.4g} ULP, {int((d > 4).sum())} elements over")
    d = R.ulp_distance(fastact.logsumexp(x), R.logsumexp(x64), F32)
    if d > TOL_ROW_FORWARD["logsumexp"]["float32"]:
        errors.append(f"logsumexp: {float(d):.4g} ULP")
    # the sum of the probabilities is 1 to float32 precision
    s = fastact.softmax(x).astype(F64).sum()
    if abs(s - 1.0) > 1e-5:
        errors.append(f"softmax sums to {s!r}")
    assert not errors, "\n".join(errors)


# ------------------------------------------------------------------------------------------------
# special values (CATALOGUE "Special values", row-wise)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_special_rows(dtype):
    dt = DT[dtype]
    inf, nan = np.inf, np.nan
    x = np.array([
        [inf, 0.0, 1.0, 2.0],      # holds +inf
        [-inf, -inf, -inf, -inf],  # all -inf
        [-inf, 0.0, 0.0, -inf],    # -inf entries in a finite row
        [nan, 0.0, 1.0, 2.0],      # nan
        [inf, -inf, 0.0, 1.0],     # +inf and -inf
        [inf, inf, 0.0, 1.0],      # two +inf
        [0.0, 0.0, 0.0, 0.0],
    ], dt)
    sm = fastact.softmax(x)
    assert np.isnan(sm[[0, 1, 3, 4, 5]]).all(), sm
    assert sm[2].tolist() == [0.0, 0.5, 0.5, 0.0] and sm[6].tolist() == [0.25] * 4
    ls = fastact.log_softmax(x)
    assert np.isnan(ls[[0, 1, 3, 4, 5]]).all(), ls
    assert ls[2][0] == -inf and ls[2][3] == -inf
    assert R.ulp_distance(ls[2][1:3], [-math.log(2)] * 2, dt).max() <= TOL_ROW_FORWARD["log_softmax"][dtype]
    lse = fastact.logsumexp(x)
    assert lse[0] == inf and lse[1] == -inf and np.isnan(lse[3]) and lse[4] == inf and lse[5] == inf
    assert R.ulp_distance(lse[2], math.log(2), dt) <= TOL_ROW_FORWARD["logsumexp"][dtype]
    smin = fastact.softmin(x)  # softmax(-x): the roles of +inf and -inf swap
    assert np.isnan(smin[[3, 4]]).all()
    assert smin[0].tolist()[0] == 0.0 and np.isfinite(smin[0]).all()
    assert np.isnan(smin[1]).all() and np.isnan(smin[2]).all()
    # maxout and glu propagate nan and handle infinities
    mo = fastact.maxout(x, 2)
    assert mo[0].tolist() == [inf, 2.0] and mo[1].tolist() == [-inf, -inf] and np.isnan(mo[3][0])
    gl = fastact.glu(x)
    assert np.isnan(gl[3][0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_magnitudes_stay_finite(dtype):
    dt = DT[dtype]
    big = 1e4 if dt == F32 else 1e300
    x = np.array([[big, -big, 0.0, big / 2], [-big, -big, -big / 2, -big]], dt)
    for name in ("softmax", "log_softmax", "softmin", "logsumexp"):
        r = getattr(fastact, name)(x)
        assert np.isfinite(r).all(), (name, r)
    assert fastact.logsumexp(x)[0] == dt(big) and fastact.logsumexp(x)[1] == dt(-big / 2)
    assert fastact.softmax(x)[0].tolist() == [1.0, 0.0, 0.0, 0.0]


def test_zero_d_and_empty():
    for dt in (F16, F32, F64):
        v = np.array(3.5, dt)
        assert np.asarray(fastact.softmax(v)).dtype == dt
        assert fastact.softmax(v) == 1.0 and fastact.log_softmax(v) == 0.0 and fastact.logsumexp(v) == dt(3.5)
        assert fastact.softmin(v) == 1.0 and np.ndim(fastact.softmax(v)) == 0
        assert np.isnan(fastact.softmax(np.array(np.nan, dt)))
        assert np.isnan(fastact.softmax(np.array(np.inf, dt)))
        assert fastact.logsumexp(np.array(-np.inf, dt)) == -np.inf
        assert np.ndim(fastact.logsumexp(v, keepdims=True)) == 0
    e = np.empty((3, 0), F32)
    assert fastact.softmax(e).shape == (3, 0) and fastact.log_softmax(e).shape == (3, 0)
    lse = fastact.logsumexp(e)
    assert lse.shape == (3,) and lse.tolist() == [-np.inf] * 3 and lse.dtype == F32
    assert fastact.logsumexp(e, keepdims=True).shape == (3, 1)
    assert fastact.softmax(np.empty((0, 5), F64)).shape == (0, 5)
    assert fastact.logsumexp(np.empty((0, 5), F64)).shape == (0,)
    assert fastact.glu(np.empty((0, 4), F32)).shape == (0, 2)
    assert fastact.maxout(np.empty((2, 0), F32), 3).shape == (2, 0)
    assert fastact.sparsemax(np.empty((0, 3), F64)).shape == (0, 3)
    # backward of empties
    assert fastact.softmax_backward(e, e).shape == (3, 0)
    assert fastact.logsumexp_backward(np.zeros(3, F32), e).shape == (3, 0)


def test_errors():
    x = np.zeros((2, 3, 4))
    for name in ROW:
        with pytest.raises(np.exceptions.AxisError):
            call(name, x, axis=3)
        with pytest.raises(np.exceptions.AxisError):
            call(name, x, axis=-4)
    for name in ("glu", "maxout", "sparsemax"):
        with pytest.raises((TypeError, ValueError)):
            call(name, x, axis=(0, 1))
    with pytest.raises(np.exceptions.AxisError):
        fastact.softmax(x, axis=(0, 3))
    with pytest.raises(ValueError):
        fastact.glu(np.zeros((2, 3)))  # odd size along axis
    with pytest.raises(ValueError):
        fastact.maxout(np.zeros((2, 4)), 3)  # not divisible
    with pytest.raises(ValueError):
        fastact.logsumexp_backward(np.zeros(3), np.zeros((2, 4)))  # g must have lse's shape
    with pytest.raises(TypeError):
        fastact.softmax(np.zeros(3, complex))


def test_integers_and_bools_promote_to_float64():
    xi = np.array([[1, 2, 3, 4], [0, 0, 0, 8]])
    for name in ROW:
        r = call(name, xi, -1) if name != "maxout" else fastact.maxout(xi, 2)
        assert r.dtype == F64, name
        r2 = call(name, xi.astype(F64), -1) if name != "maxout" else fastact.maxout(xi.astype(F64), 2)
        np.testing.assert_array_equal(r, r2)
    assert fastact.softmax(np.array([True, False])).dtype == F64


# ------------------------------------------------------------------------------------------------
# layouts
def _same(a, b):
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.mark.parametrize("name", ROW)
def test_layouts(name):
    rng = np.random.default_rng(21)
    x = rng.normal(scale=3.0, size=(6, 12)).astype(F32)
    full = call(name, x, -1)
    big = np.zeros((6, 24), F32)
    big[:, ::2] = x
    assert _same(call(name, big[:, ::2], -1), full)  # strided rows
    assert _same(call(name, np.asfortranarray(x), -1), full)  # column-major
    assert _same(call(name, x.T, 0), full.T)  # the axis as axis 0 of a transposed view
    assert _same(call(name, x[::-1], -1), full[::-1])
    o = np.empty_like(full)
    r = call(name, x, -1, out=o)
    assert r is o and _same(o, full)
    # backward layouts
    v = full if REGISTRY[name].backward_from == "output" else x
    g = rng.normal(size=full.shape).astype(F32)
    gb = call_bwd(name, g, v, -1)
    assert gb.shape == x.shape and gb.dtype == F32
    assert _same(call_bwd(name, np.asfortranarray(g), np.asfortranarray(v), -1), gb)
    assert _same(call_bwd(name, g.T, v.T, 0), gb.T)
    o = np.empty_like(x)
    r = call_bwd(name, g, v, -1, out=o)
    assert r is o and _same(o, gb)


# ------------------------------------------------------------------------------------------------
# backward
def _terms(name, g, v, axis):
    """Sum of magnitudes in the backward formula (see the module docstring)."""
    ga = np.abs(g)
    if name in ("softmax", "softmin"):
        rows_g, restore = R._to_rows(ga, axis)
        rows_y, _ = R._to_rows(np.abs(v), axis)
        s = (rows_g * rows_y).sum(axis=1, keepdims=True)
        return restore(rows_y * (rows_g + s))
    if name == "log_softmax":
        rows_g, restore = R._to_rows(ga, axis)
        rows_y, _ = R._to_rows(v, axis)
        return restore(rows_g + np.exp(rows_y) * rows_g.sum(axis=1, keepdims=True))
    if name == "sparsemax":
        rows_g, restore = R._to_rows(ga, axis)
        rows_y, _ = R._to_rows(v, axis)
        sup = rows_y > 0
        k = np.maximum(sup.sum(axis=1, keepdims=True), 1)
        m = np.where(sup, rows_g, 0).sum(axis=1, keepdims=True) / k
        return restore(np.where(sup, rows_g + m, 0.0))
    return None


def _bwd_inputs(name, x64, axis, dt, rng):
    """(g64, v64 what fastact takes, reference (hi, lo) or float64)."""
    a = REGISTRY[name]
    if name == "logsumexp":
        g = rng.uniform(-2, 2, R.logsumexp(x64, axis).shape)
        v = x64
    elif name == "glu":
        g = rng.uniform(-2, 2, R.glu(x64, axis).shape)
        v = x64
    elif name == "maxout":
        g = rng.uniform(-2, 2, R.maxout(x64, PIECES, axis).shape)
        v = x64
    else:
        assert a.backward_from == "output"
        with np.errstate(all="ignore"):
            v = R.ROW_FORWARD[name](x64, axis).astype(dt).astype(F64)
        g = rng.uniform(-2, 2, x64.shape)
    g = g.astype(dt).astype(F64)
    if np.dtype(dt) == F64:
        f = R.ROW_BACKWARD_MP[name]
    else:
        f = R.ROW_BACKWARD[name]
    ref = f(g, v, PIECES, axis) if name == "maxout" else f(g, v, axis)
    return g, v, ref


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", ROW)
def test_backward_accuracy(name, dtype):
    dt = DT[dtype]
    tol = TOL_ROW_BACKWARD[name][dtype]
    eps = R.dtype_eps(dt)
    rng = np.random.default_rng(31)
    errors = []
    for x64, axis in _cases(dt):
        if name == "glu" and x64.shape[axis] % 2:
            continue
        if name == "maxout" and x64.shape[axis] % PIECES:
            continue
        g, v, ref = _bwd_inputs(name, x64, axis, dt, rng)
        got = call_bwd(name, g.astype(dt), v.astype(dt), axis)
        assert got.dtype == dt and got.shape == x64.shape
        d = R.ulp_distance(got, ref, dt)
        terms = _terms(name, g, v, axis)
        bad = d > tol
        if terms is not None:
            bad &= ~(R.abs_error(got, ref) <= tol * eps * terms)
        if bad.any():
            errors.append(_report(name + "_backward", dtype, axis, x64, got, ref, d, bad))
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_backward_shapes(keepdims):
    x = np.random.default_rng(3).normal(size=(3, 4, 5))
    for axis in (-1, 0, (0, 2)):
        lse = fastact.logsumexp(x, axis=axis, keepdims=keepdims)
        g = np.random.default_rng(4).normal(size=np.shape(lse))
        got = fastact.logsumexp_backward(g, x, axis=axis, keepdims=keepdims)
        assert got.shape == x.shape
        ref = R.logsumexp_backward_mp(g, x, axis, keepdims)
        assert np.all(R.ulp_distance(got, ref, F64) <= TOL_ROW_BACKWARD["logsumexp"]["float64"]), axis


def test_backward_tuple_axes():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(3, 4, 5)).astype(F32)
    x64 = x.astype(F64)
    g = rng.normal(size=x.shape).astype(F32)
    for name in ("softmax", "log_softmax", "softmin"):
        y = getattr(fastact, name)(x, axis=(0, 2))
        got = getattr(fastact, name + "_backward")(g, y, axis=(0, 2))
        ref = R.ROW_BACKWARD[name](g.astype(F64), y.astype(F64), (0, 2))
        terms = _terms(name, g.astype(F64), y.astype(F64), (0, 2))
        ok = (R.ulp_distance(got, ref, F32) <= 4) | (R.abs_error(got, ref) <= 4 * R.dtype_eps(F32) * terms)
        assert ok.all(), name


def test_maxout_backward_first_maximum_and_ties():
    x = np.array([[1.0, 3.0, 3.0, 2.0, 2.0, 2.0]])
    g = np.array([[10.0, 20.0]])
    got = fastact.maxout_backward(g, x, 3)
    assert got.tolist() == [[0.0, 10.0, 0.0, 20.0, 0.0, 0.0]]
    assert fastact.maxout(x, 3).tolist() == [[3.0, 2.0]]
    # along axis 0
    assert fastact.maxout_backward(g.T, x.T, 3, 0).tolist() == got.T.tolist()


def test_softmax_backward_of_saturated_rows():
    # y one-hot (dominant entry): the gradient is exactly 0 for the zero entries
    x = np.array([[0.0, -1e3, -1e3]], F32)
    y = fastact.softmax(x)
    g = np.array([[1.0, 2.0, 3.0]], F32)
    assert fastact.softmax_backward(g, y).tolist() == [[0.0, 0.0, 0.0]]
    ls = fastact.log_softmax(x)
    r = fastact.log_softmax_backward(g, ls)
    np.testing.assert_allclose(r, [[1.0 - 6.0, 2.0, 3.0]], rtol=1e-6)
