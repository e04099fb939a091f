"""Self-consistency of tests/reference.py (does not need fastact).

* float64 references vs the mpmath references: error far below a float32 ULP (so they are valid
  references for float16/float32 results);
* derivative references vs central finite differences of the forward references (float64 and
  mpmath), away from kinks;
* the special-value tables vs the references;
* row-wise references vs mpmath and vs finite differences (vector-Jacobian products);
* when torch is importable: the references agree with torch where the catalogue says fastact
  follows torch (kinks, signed zeros, finite values).
"""
import math

import mpmath
import numpy as np
import pytest

import reference as R

F16, F32, F64 = np.float16, np.float32, np.float64
PARAM_SETS = {
    "gelu": [{"approximate": "none"}, {"approximate": "tanh"}],
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": -0.5}],
    "elu": [{}, {"alpha": 0.5}, {"alpha": 2.0}],
    "celu": [{}, {"alpha": 0.5}, {"alpha": 3.0}],
    "softplus": [{}, {"beta": 2.0}, {"beta": 0.5, "threshold": 10.0}, {"threshold": 1e6}],
    "hardtanh": [{}, {"min_val": -2.0, "max_val": 0.5}],
    "hardshrink": [{}, {"lambd": 1.5}],
    "softshrink": [{}, {"lambd": 1.5}],
    "threshold": [{"threshold": 0.5, "value": 2.0}, {"threshold": -1.0, "value": -0.25}],
    "squareplus": [{}, {"b": 1.0}, {"b": 0.0625}],
    "rrelu": [{}, {"lower": 0.1, "upper": 0.3}],
    "prelu": [{"weight": 0.25}, {"weight": -1.5}],
}
CASES = [(n, p) for n in R.ELEMENTWISE for p in PARAM_SETS.get(n, [{}])]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items())}" if p else n for n, p in CASES]


def _subsample(x, k, seed=1):
    if x.size <= k:
        return x
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(x, k, replace=False))


# ---------------------------------------------------------------------------------------------
def test_ulp_distance_basics():
    one = np.float32(1)
    nxt = np.nextafter(one, np.float32(2))
    d = R.ulp_distance(np.array([1, nxt, nxt, 0, 1.4e-45, np.inf, -np.inf, np.nan, np.nan, 2.0], np.float32),
                       np.array([1, 1, nxt, 0, 0, np.inf, np.inf, np.nan, 1.0, np.nan]), F32)
    assert d.tolist() == [0, 1, 0, 0, 1, 0, np.inf, 0, np.inf, np.inf]
    # subnormal: ULP is the smallest subnormal
    assert R.ulp_distance(np.float32(3e-45), 1.4e-45, F32) == pytest.approx(1.0, abs=0.01)
    assert R.ulp_distance(np.float64(10e-324), 5e-324, F64) == 1.0
    assert R.ulp_distance(np.float16(2.0**-24), 0.0, F16) == 1.0
    # measured at the reference's magnitude: below a power of two the ULP is the smaller one
    below = np.nextafter(np.float32(1), np.float32(0))
    assert R.ulp_distance(below, 1.0, F32) == 0.5
    assert R.ulp_distance(np.float32(1), float(below), F32) == 1.0
    # a finite reference beyond float32's range: inf is the correctly rounded result
    assert R.ulp_distance(np.float32(np.inf), 3.5e38, F32) == 0
    assert R.ulp_distance(np.float32(3.4e38), 3.5e38, F32) > 1e5
    assert R.ulp_distance(np.float32(-np.inf), 3.5e38, F32) == np.inf
    # double-double reference: a float64 result one ULP away from hi+lo
    hi, lo = 1.0, 2.0**-60
    assert R.ulp_distance(np.float64(1.0), (hi, lo), F64) == pytest.approx(2.0**-60 / 2.0**-52)
    # zero signs are a separate check
    assert R.ulp_distance(np.float32(-0.0), 0.0, F32) == 0
    assert R.zero_sign_mismatch(np.float32(-0.0), 0.0, F32)
    assert not R.zero_sign_mismatch(np.float32(-0.0), -1e-60, F32)  # -1e-60 rounds to -0
    assert R.ulp_of(np.array([1.0, 0.0, 1e-40, 3.0]), F32).tolist() == [2.0**-23, 2.0**-149, 2.0**-149, 2.0**-22]


@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_sweep_is_representable_and_covers(dtype):
    x = R.sweep("sigmoid", dtype)
    assert np.all(x.astype(dtype).astype(np.float64) == x)
    assert np.isfinite(x).all()
    assert (x == 0).sum() == 2 and np.signbit(x[x == 0]).sum() == 1
    assert x.max() == float(np.finfo(dtype).max)
    assert (np.abs(x[x != 0]) < float(np.finfo(dtype).tiny)).any()


# ---------------------------------------------------------------------------------------------
# float64 references vs mpmath, measured in float32 ULPs (must be negligible)
@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_forward_f64_reference_accurate_for_float32(name, params):
    x = _subsample(R.sweep(name, F32, **params), 500)
    ref = R.mp_forward(name, x, **params)
    got = R.FORWARD[name](x, **params)
    err = R.abs_error(got, ref) / R.ulp_of(ref[0], F32)
    assert np.nanmax(err) < 1e-3, (x[np.nanargmax(err)], np.nanmax(err))
    # the zero signs of the float64 formulas at +-0 are those of the table (checked below); here:
    # float64 formulas vs mp in float64 ULPs (catches typos in either; gelu's tail is ill-conditioned
    # in the float64 product x/sqrt(2), hence the bound)
    x64 = _subsample(R.sweep(name, F64, **params), 300)
    ref64 = R.mp_forward(name, x64, **params)
    d64 = R.ulp_distance(R.FORWARD[name](x64, **params), ref64, F64)
    assert np.median(d64) <= 1.0
    assert np.max(d64) < 2048, (x64[np.argmax(d64)], np.max(d64))


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_backward_f64_reference_accurate_for_float32(name, params):
    x = _subsample(R.sweep(name, F32, **params), 500)
    g = np.random.default_rng(3).uniform(-2, 2, x.size).astype(F32).astype(F64)
    if name == "prelu":
        got = R.BACKWARD[name](g, x, **params)[0]
    else:
        got = R.BACKWARD[name](g, x, **params)
    ref = R.mp_backward(name, g, x, **params)
    err = R.abs_error(got, ref)
    terms = R.backward_terms(name, g, x, **params) if name != "prelu" else np.abs(ref[0])
    ok = (err <= 1e-3 * R.ulp_of(ref[0], F32)) | (err <= 1e-14 * terms)
    assert ok.all(), (x[~ok][:5], got[~ok][:5], ref[0][~ok][:5])


# ---------------------------------------------------------------------------------------------
# derivatives vs finite differences of the forward references
def _away_from_kinks(name, x, params, dist):
    k = R.kinks(name, **params)
    m = np.ones(x.shape, bool)
    for p in k:
        m &= np.abs(x - p) > dist
    return m


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_backward_matches_finite_differences_mp(name, params):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-8, 8, 60), rng.uniform(-40, 40, 20), [-0.75, -1.28, -1.19, 1e-3, 2.5]])
    x = x[_away_from_kinks(name, x, params, 1e-6)]
    fwd = R.FORWARD_MP.get(name)
    bwd = R.BACKWARD_MP.get(name)
    if name == "prelu":
        w = params["weight"]
        fwd = lambda v: v if v > 0 else mpmath.mpf(w) * v  # noqa: E731
        bwd = lambda g, v: g if v > 0 else g * mpmath.mpf(w)  # noqa: E731
        params = {}
    with mpmath.mp.workdps(60):
        for v in x:
            xv = mpmath.mpf(v)
            h = mpmath.mpf(10) ** -25 * max(1, abs(xv))
            if name == "softplus" and abs(float(params.get("beta", 1.0)) * v - params.get("threshold", 20.0)) < 1e-6:
                continue
            fd = (fwd(xv + h, **params) - fwd(xv - h, **params)) / (2 * h)
            d = bwd(mpmath.mpf(1), xv, **params)
            assert abs(fd - d) <= mpmath.mpf(10) ** -30 * max(1, abs(d)), (name, v, fd, d)
            d64 = R.BACKWARD[name](1.0, np.float64(v), **params) if name != "prelu" else None
            if d64 is not None:
                # loose: gelu's float64 tail is ill-conditioned (x/sqrt 2 rounding); accuracy is
                # checked in float32 ULPs above, this only checks that the two formulas agree
                assert abs(float(d64) - float(d)) <= 1e-11 * max(1e-300, abs(float(d))) + 1e-300 or \
                    abs(float(d64) - float(d)) <= 1e-15 * float(R.backward_terms(name, 1.0, np.float64(v), **params)), (name, v)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_backward_matches_finite_differences_f64(name, params):
    """Central differences of the float64 forward reference (checks the float64 pair directly)."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-6, 6, 400)
    x = x[_away_from_kinks(name, x, params, 1e-3)]
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    if name == "prelu":
        fd = (R.FORWARD[name](x + h, **params) - R.FORWARD[name](x - h, **params)) / (2 * h)
        d = R.BACKWARD[name](np.ones_like(x), x, **params)[0]
    else:
        fd = (R.FORWARD[name](x + h, **params) - R.FORWARD[name](x - h, **params)) / (2 * h)
        d = R.BACKWARD[name](np.ones_like(x), x, **params)
    np.testing.assert_allclose(fd, d, rtol=1e-6, atol=1e-8)


def test_prelu_grad_weight_per_channel():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5))
    g = rng.normal(size=x.shape)
    w = np.array([0.1, -0.2, 0.3, 1.5])
    gi, gw = R.BACKWARD["prelu"](g, x, weight=w)
    h = 1e-6
    for c in range(4):
        wp, wm = w.copy(), w.copy()
        wp[c] += h
        wm[c] -= h
        fd = ((R.FORWARD["prelu"](x, wp) - R.FORWARD["prelu"](x, wm)) * g).sum() / (2 * h)
        assert gw[c] == pytest.approx(fd, rel=1e-7)
    assert gw.shape == (4,)
    gi1, gw1 = R.BACKWARD["prelu"](g, x, weight=np.array([0.25]))
    assert gw1.shape == (1,)
    assert gw1[0] == pytest.approx(np.where(x > 0, 0, x * g).sum())


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_inverse(name, dtype):
    x = R.sweep(name, dtype)
    y = R.FORWARD[name](x).astype(dtype).astype(np.float64)
    xi = R.INVERSE[name](y)
    back = R.FORWARD[name](xi)
    fin = np.isfinite(xi)
    np.testing.assert_allclose(back[fin], y[fin], rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------------------------
# special-value tables vs the references
def _specials_by_case(table):
    for s in table:
        for dt in s.dtypes:
            yield s, dt


@pytest.mark.parametrize("s,dtype", list(_specials_by_case(R.SPECIAL_FORWARD)),
                         ids=lambda v: getattr(v, "__name__", None) or f"{v.name}({v.x})")
def test_special_forward_table_matches_reference(s, dtype):
    x = np.array([s.x], dtype).astype(np.float64)
    got = R.FORWARD[s.name](x, **s.params)
    rnd = got.astype(dtype).astype(np.float64)
    exp = np.array([s.expected])
    if s.exact:
        assert np.array_equal(rnd, exp.astype(dtype).astype(np.float64), equal_nan=True), (got, exp)
    else:  # the float64 formulas are not correctly rounded in float64
        assert R.ulp_distance(rnd, exp, dtype)[0] <= (2.0 if dtype == F64 else 0.5 + 1e-9), (got, exp)
    if s.check_sign and exp[0] == 0:
        assert np.signbit(rnd[0]) == np.signbit(exp[0])
    if np.isfinite(s.x) and not s.exact and s.name in R.FORWARD_MP:
        # and the table's value is the mp value within a float64 ULP
        mpv = R.mp_forward(s.name, x, **s.params)
        assert R.ulp_distance(np.array([s.expected]).astype(dtype), mpv, dtype)[0] <= 0.5 + 1e-9


def test_special_forward_quoted_catalogue_values():
    by = {(s.name, s.x, s.dtypes): s.expected for s in R.SPECIAL_FORWARD}
    assert float(np.float32(by[("sigmoid", -100.0, (F32,))])) == pytest.approx(3.78e-44, rel=2e-3)
    assert float(np.float32(by[("silu", -100.0, (F32,))])) == pytest.approx(-3.72e-42, rel=2e-3)
    assert float(np.float32(by[("gelu", -13.0, (F32,))])) == pytest.approx(-7.95e-38, rel=2e-3)
    assert by[("tanhshrink", 1e-5, (F64,))] == pytest.approx(3.3333e-16, rel=1e-4)


@pytest.mark.parametrize("s,dtype", list(_specials_by_case(R.SPECIAL_BACKWARD)),
                         ids=lambda v: getattr(v, "__name__", None) or f"{v.name}({v.x})")
def test_special_backward_table_matches_reference(s, dtype):
    x = np.array([s.x], dtype).astype(np.float64)
    g = np.array([s.g], dtype).astype(np.float64)
    got = R.BACKWARD[s.name](g, x, **s.params)
    if s.name == "prelu":
        got = got[0]
    rnd = got.astype(dtype).astype(np.float64)
    if s.exact:
        assert np.array_equal(rnd, np.array([s.expected]).astype(dtype).astype(np.float64), equal_nan=True), (got, s)
    else:
        assert R.ulp_distance(rnd, np.array([s.expected]), dtype)[0] <= (2.0 if dtype == F64 else 0.5 + 1e-9), (got, s)


def test_every_function_has_specials_and_references():
    assert set(R.FORWARD) == set(R.BACKWARD) == set(R.PARAMS) == set(R.ELEMENTWISE)
    assert set(R.FORWARD_MP) | {"prelu"} == set(R.ELEMENTWISE)
    assert set(R.BACKWARD_MP) | {"prelu"} == set(R.ELEMENTWISE)
    assert {s.name for s in R.SPECIAL_FORWARD} == set(R.ELEMENTWISE)
    assert {s.name for s in R.SPECIAL_BACKWARD if math.isnan(s.x)} == set(R.ELEMENTWISE)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_no_nan_for_non_nan_input(name, params):
    """CATALOGUE: for any non-nan input an elementwise function (and backward) never returns nan."""
    x = np.concatenate([R.sweep(name, F64, **params), [np.inf, -np.inf]])
    y = R.FORWARD[name](x, **params)
    assert not np.isnan(y).any(), x[np.isnan(y)]
    d = R.BACKWARD[name](np.ones_like(x), x, **params)
    d = d[0] if name == "prelu" else d
    assert not np.isnan(d).any(), x[np.isnan(d)]


# ---------------------------------------------------------------------------------------------
# row-wise references
def _rand_rows(rng, shape, scale=3.0):
    return rng.normal(scale=scale, size=shape)


@pytest.mark.parametrize("axis", [-1, 0, (0, 2)])
def test_rowwise_forward_vs_mp(axis):
    rng = np.random.default_rng(11)
    x = _rand_rows(rng, (3, 4, 5), 10.0)
    for name, mpfn in (("softmax", R.softmax_mp), ("log_softmax", R.log_softmax_mp), ("softmin", R.softmin_mp)):
        # float64 formulas: the rounding of x - max costs up to |x - max| * eps / 2 relative
        d = R.ulp_distance(R.ROW_FORWARD[name](x, axis), mpfn(x, axis), F64)
        assert d.max() <= 64, (name, d.max())
    for kd in (False, True):
        ref = R.logsumexp_mp(x, axis, kd)
        got = R.logsumexp(x, axis, kd)
        assert got.shape == ref[0].shape
        assert R.ulp_distance(got, ref, F64).max() <= 4


def test_rowwise_special_semantics():
    inf, nan = np.inf, np.nan
    x = np.array([[inf, 0.0, 1.0], [-inf, -inf, -inf], [-inf, 0.0, 0.0], [nan, 0.0, 1.0], [inf, -inf, 0.0]])
    sm = R.softmax(x)
    assert np.isnan(sm[0]).all() and np.isnan(sm[1]).all() and np.isnan(sm[3]).all() and np.isnan(sm[4]).all()
    assert sm[2].tolist() == [0.0, 0.5, 0.5]
    ls = R.log_softmax(x)
    assert np.isnan(ls[0]).all() and np.isnan(ls[1]).all()
    assert ls[2][0] == -inf and ls[2][1] == pytest.approx(-math.log(2))
    lse = R.logsumexp(x)
    assert lse[0] == inf and lse[1] == -inf and lse[2] == pytest.approx(math.log(2)) and np.isnan(lse[3]) and lse[4] == inf
    assert R.logsumexp(np.zeros((3, 0))).tolist() == [-inf] * 3
    assert R.softmax(np.float64(3.0)) == 1.0 and R.log_softmax(np.float64(3.0)) == 0.0
    assert R.logsumexp(np.float64(3.0)) == 3.0
    # keeps its digits: log1p over the other entries
    assert R.logsumexp(np.array([0.0, -40.0])) == pytest.approx(math.exp(-40), rel=1e-15)
    assert R.log_softmax(np.array([0.0, -40.0]))[0] == pytest.approx(-math.exp(-40), rel=1e-15)
    # large magnitudes
    big = np.array([1e300, -1e300, 1e300 - 1e284])
    assert np.isfinite(R.logsumexp(big)) and np.isfinite(R.softmax(big)).all()
    with pytest.raises(np.exceptions.AxisError):
        R.softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError):
        R.glu(np.zeros((2, 3)))
    with pytest.raises(ValueError):
        R.maxout(np.zeros((2, 5)), 2)


def _vjp_fd(fwd, x, v, h):
    return (fwd(x + h * v) - fwd(x - h * v)) / (2 * h)


@pytest.mark.parametrize("axis", [-1, 1])
def test_rowwise_backward_vs_finite_differences(axis):
    rng = np.random.default_rng(13)
    x = _rand_rows(rng, (4, 6, 3), 2.0)
    g = rng.normal(size=x.shape)
    v = rng.normal(size=x.shape)
    h = 1e-6
    for name in ("softmax", "log_softmax", "softmin"):
        f = lambda z: R.ROW_FORWARD[name](z, axis)  # noqa: E731
        y = f(x)
        lhs = np.sum(R.ROW_BACKWARD[name](g, y, axis) * v)
        rhs = np.sum(g * _vjp_fd(f, x, v, h))
        assert lhs == pytest.approx(rhs, rel=1e-7, abs=1e-9), name
    for kd in (False, True):
        f = lambda z: R.logsumexp(z, axis, kd)  # noqa: E731
        gl = rng.normal(size=f(x).shape)
        lhs = np.sum(R.logsumexp_backward(gl, x, axis, kd) * v)
        rhs = np.sum(gl * _vjp_fd(f, x, v, h))
        assert lhs == pytest.approx(rhs, rel=1e-7)
    f = lambda z: R.glu(z, axis)  # noqa: E731
    x2 = _rand_rows(rng, (4, 6, 4), 2.0)
    gg = rng.normal(size=f(x2).shape)
    v2 = rng.normal(size=x2.shape)
    assert np.sum(R.glu_backward(gg, x2, axis) * v2) == pytest.approx(np.sum(gg * _vjp_fd(f, x2, v2, h)), rel=1e-7)
    f = lambda z: R.maxout(z, 3, axis)  # noqa: E731
    x3 = _rand_rows(rng, (4, 6, 6), 2.0)
    gm = rng.normal(size=f(x3).shape)
    v3 = rng.normal(size=x3.shape)
    assert np.sum(R.maxout_backward(gm, x3, 3, axis) * v3) == pytest.approx(np.sum(gm * _vjp_fd(f, x3, v3, 1e-8)), rel=1e-6)
    f = lambda z: R.sparsemax(z, axis)  # noqa: E731
    y = f(x)
    assert np.sum(R.sparsemax_backward(g, y, axis) * v) == pytest.approx(np.sum(g * _vjp_fd(f, x, v, 1e-8)), rel=1e-6)


def test_sparsemax_properties():
    rng = np.random.default_rng(17)
    x = rng.normal(scale=2.0, size=(50, 7))
    y = R.sparsemax(x)
    assert np.all(y >= 0)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-14)
    # simple float64 algorithm agrees
    z = -np.sort(-x, axis=1)
    k = np.arange(1, 8)
    cs = np.cumsum(z, axis=1)
    kz = (1 + k * z > cs).sum(axis=1)
    tau = (cs[np.arange(50), kz - 1] - 1) / kz
    np.testing.assert_allclose(y, np.maximum(x - tau[:, None], 0), atol=1e-14)
    np.testing.assert_allclose(R.sparsemax_tau(x), tau, rtol=1e-13)
    assert R.sparsemax(np.array([0.0, 0.0])).tolist() == [0.5, 0.5]
    assert R.sparsemax(np.array([10.0, 0.0])).tolist() == [1.0, 0.0]


def test_rowwise_backward_mp_matches_float64():
    rng = np.random.default_rng(19)
    x = rng.normal(size=(3, 5))
    g = rng.normal(size=x.shape)
    for name, mpfn in (("softmax", R.softmax_backward_mp), ("log_softmax", R.log_softmax_backward_mp),
                       ("softmin", R.softmin_backward_mp), ("sparsemax", R.sparsemax_backward_mp)):
        y = R.ROW_FORWARD[name](x)
        np.testing.assert_allclose(R.ROW_BACKWARD[name](g, y), mpfn(g, y)[0], rtol=1e-12, atol=1e-15)
    gl = rng.normal(size=(3,))
    np.testing.assert_allclose(R.logsumexp_backward(gl, x), R.logsumexp_backward_mp(gl, x)[0], rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# references vs torch (where the catalogue says fastact follows torch)
torch_ref = None
try:  # pragma: no cover - depends on the environment
    import torch_ref  # noqa: F811
except ImportError:
    pass
needs_torch = pytest.mark.skipif(torch_ref is None, reason="torch not installed")

# Where torch deliberately differs (CATALOGUE): nan/limits at +-inf, gradients at nan.
TORCH_NAN_AT_INF = {"gelu", "silu", "mish", "hardswish", "softsign"}


@needs_torch
@pytest.mark.parametrize("name,params", [c for c in CASES if torch_ref is not None and torch_ref.ELEMENTWISE[c[0]]],
                         ids=[i for c, i in zip(CASES, IDS) if torch_ref is not None and torch_ref.ELEMENTWISE[c[0]]])
def test_references_match_torch(name, params):
    rng = np.random.default_rng(23)
    k = R.kinks(name, **params) + [0.0, -0.0]
    k = [v for v in k if abs(v) < 30]
    x = np.concatenate([rng.uniform(-10, 10, 300), k, [-3.0, 3.0, 6.0, -1.0, 1.0, 0.5, -0.5, 20.0]])
    g = rng.uniform(-2, 2, x.size)
    y_t, d_t = torch_ref.forward_backward(name, x, g, **params)
    y_r = R.FORWARD[name](x, **params)
    d_r = R.BACKWARD[name](g, x, **params)
    d_r = d_r[0] if name == "prelu" else d_r
    # semantics (branches, kinks, parameter conventions), not accuracy: torch's float64 gelu tail
    # and its from-output sigmoid/tanh derivatives lose digits; its hardsigmoid' uses a float32 1/6
    np.testing.assert_allclose(y_r, y_t, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(d_r, d_t, rtol=1e-6, atol=1e-12)
    # signs of zero at +-0 (torch is inconsistent for gelu(-0) and softshrink(-0): not compared)
    if name not in ("gelu", "softshrink"):
        z = x == 0
        assert np.array_equal(np.signbit(y_r[z]), np.signbit(y_t[z])), (y_r[z], y_t[z])
