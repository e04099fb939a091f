"""Self-checks of the row-wise numba CPU kernels (fastact.backends.numba_cpu_rowwise).

The kernels are called directly on 2-D C-contiguous arrays and compared with
independent NumPy references computed in extended precision (np.longdouble,
64-bit significand on x86-64) and, for the backward kernels, also with central
finite differences of the forward reference.  Errors are measured in ULPs of
the correctly rounded result.  Where fastact deliberately differs from
PyTorch 2.13 the test says so.
"""

import math
import threading

import numpy as np
import pytest

from fastact.backends.numba_cpu_rowwise import KERNELS as K

LD = np.longdouble
EXTENDED = np.finfo(LD).nmant >= 63
DTYPES = [np.float32, np.float64]
inf, nan = math.inf, math.nan

# Largest error allowed, in ULPs of the correctly rounded result.
TOL = {np.float32: 3.0, np.float64: 5.0}


def ref_dtype(dt):
    if dt == np.float64 and not EXTENDED:
        pytest.skip("np.longdouble is not extended precision here")
    return LD


def assert_ulps(got, ref, dt, tol=None, scale=None):
    """got within tol ULPs of ref; with ``scale`` (an array broadcastable to ref)
    the ULP is taken at max(|ref|, scale) (for results that cancel)."""
    tol = TOL[dt] if tol is None else tol
    ref = np.asarray(ref, dtype=LD)
    mag = np.abs(ref) if scale is None else np.maximum(np.abs(ref), np.asarray(scale, LD))
    sp = np.spacing(mag.astype(dt)).astype(LD)
    err = np.abs(got.astype(LD) - ref) / sp
    worst = float(err.max()) if err.size else 0.0
    assert worst <= tol, f"{worst:.2f} ULP > {tol} at {np.unravel_index(np.argmax(err), err.shape)}"


def run(key, *arrays, out_shape=None, **params):
    x = arrays[-1]
    out = np.empty(out_shape if out_shape is not None else x.shape, x.dtype)
    K[key](*arrays, out=out, **params)
    return out


# --------------------------------------------------------------------------
# float64 / longdouble references (independent of the kernels)
# --------------------------------------------------------------------------


def r_softmax(x):
    x = x.astype(LD)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def r_sum_others(x):
    """sum of exp(x - max) over all entries but the first maximum, per row."""
    x = x.astype(LD)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    e[np.arange(x.shape[0]), np.argmax(x, axis=1)] = 0
    return e.sum(axis=1)


def r_logsumexp(x):
    return x.astype(LD).max(axis=1) + np.log1p(r_sum_others(x))


def r_log_softmax(x):
    xl = x.astype(LD)
    # (x - max) - log1p(...): both terms <= 0, no cancellation near the max
    return (xl - xl.max(axis=1, keepdims=True)) - np.log1p(r_sum_others(x))[:, None]


def r_sigmoid(b):
    b = np.asarray(b, LD)
    return 1 / (1 + np.exp(-b))


def r_glu(x):
    m = x.shape[1] // 2
    return x[:, :m].astype(LD) * r_sigmoid(x[:, m:])


def r_sparsemax(x):
    out = np.empty(x.shape, LD)
    for i, row in enumerate(x.astype(LD)):
        z = np.sort(row)[::-1]
        cs = np.cumsum(z)
        k = np.arange(1, z.size + 1)
        kz = k[1 + k * z > cs].max()
        tau = (cs[kz - 1] - 1) / kz
        out[i] = np.maximum(row - tau, 0)
    return out


def rand_rows(rng, shape, dt, scale):
    return (rng.standard_normal(shape) * scale).astype(dt)


# --------------------------------------------------------------------------
# forward accuracy
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("scale", [1.0, 10.0, 40.0, 1000.0])
def test_softmax_family_accuracy(dt, scale):
    ref_dtype(dt)
    rng = np.random.default_rng(int(scale))
    x = rand_rows(rng, (64, 257), dt, scale)
    assert_ulps(run("softmax", x), r_softmax(x), dt)
    assert_ulps(run("softmin", x), r_softmax(-x), dt)
    assert_ulps(run("log_softmax", x), r_log_softmax(x), dt)
    # logsumexp = max + log1p(...) cancels when max < 0 < log1p(...): measure
    # there in ULPs of the larger term (an absolute error the inputs carry too).
    m = x.astype(LD).max(axis=1)
    assert_ulps(run("logsumexp", x, out_shape=(64,)), r_logsumexp(x), dt, scale=np.abs(m))


@pytest.mark.parametrize("dt", DTYPES)
def test_softmax_rows_of_ties_and_tiny_others(dt):
    ref_dtype(dt)
    x = np.array(
        [[0.0, -40.0], [3.0, 3.0], [0.0, -1e-3], [5.0, 5.0 - 2e-7], [-0.0, 0.0], [1.0, -745.0]], dt
    )
    assert_ulps(run("softmax", x), r_softmax(x), dt)
    assert_ulps(run("log_softmax", x), r_log_softmax(x), dt)
    assert_ulps(run("logsumexp", x, out_shape=(6,)), r_logsumexp(x), dt)


@pytest.mark.parametrize("dt", DTYPES)
def test_logsumexp_keeps_digits(dt):
    # max + log1p(sum over the other entries), as the catalogue requires;
    # PyTorch 2.13 returns 0.0 for logsumexp([0, -40]) and log_softmax([0, -40])[0].
    x = np.array([[0.0, -40.0], [-40.0, 0.0]], dt)
    want = math.log1p(math.exp(-40.0))  # 4.248354255291589e-18
    assert_ulps(run("logsumexp", x, out_shape=(2,)), [want, want], dt, tol=1)
    y = run("log_softmax", x)
    assert_ulps(y, [[-want, -40 - want], [-40 - want, -want]], dt, tol=1)
    assert y[0, 0] < 0


@pytest.mark.parametrize("dt", DTYPES)
def test_long_float32_rows_sum_to_one(dt):
    # PyTorch's float32 softmax over one row of 1.6e7 elements is off by ~5e4 ULP.
    rng = np.random.default_rng(7)
    n = 16_000_000 if dt == np.float32 else 1_000_000
    x = rand_rows(rng, (1, n), dt, 2.0)
    y = run("softmax", x)
    eps = np.finfo(dt).eps
    wide = np.float64 if dt == np.float32 else LD
    assert abs(y.astype(wide).sum() - 1) <= 2 * eps
    idx = rng.integers(0, n, 2000)
    xl = x.astype(wide)
    mx = xl.max()
    lse = mx + np.log(np.exp(xl - mx).sum())
    ref = np.exp(xl[0, idx] - lse)
    assert_ulps(y[0, idx], ref, dt, tol=TOL[dt] + 1)
    ls = run("log_softmax", x)
    assert_ulps(ls[0, idx], xl[0, idx] - lse, dt, tol=TOL[dt] + 1)
    out = run("logsumexp", x, out_shape=(1,))
    assert_ulps(out, [lse], dt, tol=2)


@pytest.mark.parametrize("dt", DTYPES)
def test_long_row_32768(dt):
    ref_dtype(dt)
    rng = np.random.default_rng(3)
    x = rand_rows(rng, (3, 32768), dt, 5.0)
    y = run("softmax", x)
    assert_ulps(y, r_softmax(x), dt)
    assert np.all(np.abs(y.astype(LD).sum(axis=1) - 1) <= 2 * np.finfo(dt).eps)


@pytest.mark.parametrize("dt", DTYPES)
def test_glu_accuracy(dt):
    ref_dtype(dt)
    rng = np.random.default_rng(11)
    for scale in (1.0, 30.0, 100.0):
        x = rand_rows(rng, (50, 2 * 301), dt, scale)
        assert_ulps(run("glu", x, out_shape=(50, 301)), r_glu(x), dt)


@pytest.mark.parametrize("dt", DTYPES)
def test_glu_subnormal_and_special(dt):
    x = np.array([[1.0, -100.0], [1e30, -150.0], [3.0, inf], [3.0, -inf], [inf, -inf], [nan, 0.0], [2.0, nan]], dt)
    got = run("glu", x, out_shape=(7, 1))[:, 0]
    # sigmoid(-100) = 3.72e-44 is a float32 subnormal (PyTorch flushes it to 0);
    # 1e30*sigmoid(-150) = 7.2e-36 needs sigmoid(-150), far below float32's range.
    ref_dtype(dt)
    assert_ulps(got[:2], r_glu(x[:2])[:, 0], dt)
    assert got[0] != 0
    np.testing.assert_array_equal(got[2:4], np.array([3.0, 0.0], dt))
    assert np.isnan(got[4]) and np.isnan(got[5]) and np.isnan(got[6])  # inf*0 as PyTorch


@pytest.mark.parametrize("dt", DTYPES)
def test_maxout(dt):
    rng = np.random.default_rng(5)
    for k in (1, 2, 3, 5):
        x = rand_rows(rng, (7, 4 * k), dt, 1.0)
        got = run("maxout", x, out_shape=(7, 4), pieces=k)
        np.testing.assert_array_equal(got, x.reshape(7, 4, k).max(axis=2))
    x = np.array([[1.0, nan, 3.0, 3.0, -inf, -inf, nan, 2.0]], dt)
    got = run("maxout", x, out_shape=(1, 4), pieces=2)
    np.testing.assert_array_equal(got, np.array([[nan, 3.0, -inf, nan]], dt))


@pytest.mark.parametrize("dt", DTYPES)
def test_sparsemax(dt):
    ref_dtype(dt)
    rng = np.random.default_rng(9)
    eps = np.finfo(dt).eps
    for scale in (0.1, 1.0, 5.0, 100.0):
        x = rand_rows(rng, (40, 77), dt, scale)
        got = run("sparsemax", x)
        ref = r_sparsemax(x)
        np.testing.assert_allclose(got.astype(LD), ref, rtol=4 * eps, atol=8 * eps * max(1.0, scale))
        assert np.all(np.abs(got.astype(LD).sum(axis=1) - 1) <= 64 * eps)
    x = np.array([[0.0, -inf, 0.5], [1.0, 1.0, 1.0], [3.0, 0.0, 0.0]], dt)
    np.testing.assert_allclose(run("sparsemax", x), [[0.25, 0, 0.75], [1 / 3] * 3, [1, 0, 0]], rtol=2 * eps)
    bad = np.array([[inf, 1.0], [-inf, -inf], [nan, 1.0], [1.0, -nan]], dt)
    assert np.isnan(run("sparsemax", bad)).all()


# --------------------------------------------------------------------------
# special values (PyTorch 2.13 semantics)
# --------------------------------------------------------------------------

SPECIAL_ROWS = [
    [inf, 1.0],
    [inf, inf],
    [-inf, -inf],
    [-inf, 1.0],
    [nan, 1.0],
    [inf, nan],
    [-inf, nan],
    [inf, -inf],
    [1.0, -nan],  # nan with the sign bit set
]


@pytest.mark.parametrize("dt", DTYPES)
def test_special_values(dt):
    x = np.array(SPECIAL_ROWS, dt)
    sm = run("softmax", x)
    ls = run("log_softmax", x)
    smin = run("softmin", x)
    lse = run("logsumexp", x, out_shape=(len(SPECIAL_ROWS),))
    N = nan
    np.testing.assert_array_equal(sm, np.array([[N, N], [N, N], [N, N], [0, 1], [N, N], [N, N], [N, N], [N, N], [N, N]], dt))
    np.testing.assert_array_equal(ls, np.array([[N, N], [N, N], [N, N], [-inf, 0], [N, N], [N, N], [N, N], [N, N], [N, N]], dt))
    np.testing.assert_array_equal(smin, np.array([[0, 1], [N, N], [N, N], [N, N], [N, N], [N, N], [N, N], [N, N], [N, N]], dt))
    np.testing.assert_array_equal(lse, np.array([inf, inf, -inf, 1, N, N, N, inf, N], dt))
    # logsumexp_backward: g*softmax(x); rows whose max is +inf as PyTorch
    # (g*exp(x - logsumexp(x)): nan at the +inf entries, 0 elsewhere).
    g = np.ones(len(SPECIAL_ROWS), dt)
    lb = run("logsumexp_backward", g, x)
    np.testing.assert_array_equal(lb, np.array([[N, 0], [N, N], [N, N], [0, 1], [N, N], [N, N], [N, N], [N, 0], [N, N]], dt))


@pytest.mark.parametrize("dt", DTYPES)
def test_large_magnitudes(dt):
    big = 1e4 if dt == np.float32 else 1e300
    x = np.array([[big, -big, big], [-big, -big, -big], [big, big / 2, 0.0]], dt)
    sm = run("softmax", x)
    np.testing.assert_array_equal(sm, np.array([[0.5, 0, 0.5], [1 / 3] * 3, [1, 0, 0]], dt))
    ls = run("log_softmax", x)
    assert np.isfinite(ls).all()
    np.testing.assert_allclose(ls[0], [-math.log(2), -2 * big - math.log(2), -math.log(2)], rtol=np.finfo(dt).eps)
    lse = run("logsumexp", x, out_shape=(3,))
    np.testing.assert_allclose(lse, [big + math.log(2), -big + math.log(3), big], rtol=np.finfo(dt).eps)
    np.testing.assert_array_equal(run("softmin", x)[1], np.full(3, 1 / 3, dt))


@pytest.mark.parametrize("dt", DTYPES)
def test_degenerate_shapes(dt):
    x1 = np.array([[2.5], [-inf], [inf], [nan]], dt)
    np.testing.assert_array_equal(run("softmax", x1), np.array([[1], [nan], [nan], [nan]], dt))
    np.testing.assert_array_equal(run("log_softmax", x1), np.array([[0], [nan], [nan], [nan]], dt))
    np.testing.assert_array_equal(run("logsumexp", x1, out_shape=(4,)), np.array([2.5, -inf, inf, nan], dt))
    np.testing.assert_array_equal(run("sparsemax", x1[:1]), np.array([[1]], dt))
    # N = 0
    x0 = np.empty((3, 0), dt)
    np.testing.assert_array_equal(run("logsumexp", x0, out_shape=(3,)), np.full(3, -inf, dt))
    for key in ("softmax", "log_softmax", "softmin", "sparsemax"):
        assert run(key, x0).shape == (3, 0)
    assert run("glu", x0, out_shape=(3, 0)).shape == (3, 0)
    assert run("maxout", x0, out_shape=(3, 0), pieces=2).shape == (3, 0)
    g0 = np.empty((3, 0), dt)
    for key in ("softmax_backward", "log_softmax_backward", "softmin_backward", "sparsemax_backward"):
        assert run(key, g0, x0).shape == (3, 0)
    assert run("logsumexp_backward", np.ones(3, dt), x0).shape == (3, 0)
    # R = 0
    xr = np.empty((0, 5), dt)
    for key in ("softmax", "log_softmax", "softmin", "sparsemax"):
        assert run(key, xr).shape == (0, 5)
        assert run(key + "_backward", xr, xr).shape == (0, 5)
    assert run("logsumexp", xr, out_shape=(0,)).shape == (0,)
    assert run("logsumexp_backward", np.empty(0, dt), xr).shape == (0, 5)
    xg = np.empty((0, 6), dt)
    assert run("glu", xg, out_shape=(0, 3)).shape == (0, 3)
    assert run("glu_backward", np.empty((0, 3), dt), xg).shape == (0, 6)
    assert run("maxout", xg, out_shape=(0, 2), pieces=3).shape == (0, 2)
    assert run("maxout_backward", np.empty((0, 2), dt), xg, pieces=3).shape == (0, 6)


def test_shape_errors():
    x = np.zeros((2, 4), np.float32)
    with pytest.raises(ValueError):
        K["softmax"](x, out=np.empty((2, 3), np.float32))
    with pytest.raises(ValueError):
        K["glu"](x, out=np.empty((2, 3), np.float32))
    with pytest.raises(ValueError):
        K["maxout"](x, out=np.empty((2, 3), np.float32), pieces=2)
    with pytest.raises(ValueError):
        K["logsumexp"](x, out=np.empty(3, np.float32))


# --------------------------------------------------------------------------
# backward: formulas and finite differences
# --------------------------------------------------------------------------


def fd_vjp(f, x, g, h=1e-6):
    """g . (J v) by central differences of the float64 reference f, per row,
    for a fixed random direction v; returns (v, g.Jv)."""
    rng = np.random.default_rng(0)
    v = rng.standard_normal(x.shape)
    fp = np.asarray(f(x + h * v), np.float64)
    fm = np.asarray(f(x - h * v), np.float64)
    d = (fp - fm) / (2 * h)
    return v, (g * d).reshape(x.shape[0], -1).sum(axis=1)


@pytest.mark.parametrize("dt", DTYPES)
def test_softmax_family_backward(dt):
    ref_dtype(dt)
    rng = np.random.default_rng(21)
    x = rand_rows(rng, (16, 67), dt, 3.0)
    g = rand_rows(rng, (16, 67), dt, 1.0)
    gl = g.astype(LD)
    for key, fwd, sign in (("softmax", "softmax", 1), ("softmin", "softmin", -1)):
        y = run(fwd, x)
        yl = y.astype(LD)
        s = (gl * yl).sum(axis=1, keepdims=True)
        want = sign * yl * (gl - s)
        got = run(key + "_backward", g, y)
        # g - sum(g*y) cancels, and so may the sum: ULPs of y*(|g| + sum|g*y|)
        assert_ulps(got, want, dt, scale=yl * (np.abs(gl) + np.abs(gl * yl).sum(axis=1, keepdims=True)))
    y = run("log_softmax", x)
    want = gl - np.exp(y.astype(LD)) * gl.sum(axis=1, keepdims=True)
    scale = np.abs(gl) + np.exp(y.astype(LD)) * np.abs(gl).sum(axis=1, keepdims=True)
    assert_ulps(run("log_softmax_backward", g, y), want, dt, scale=scale)
    gr = g[:, 0].copy()
    want = gr.astype(LD)[:, None] * r_softmax(x)
    assert_ulps(run("logsumexp_backward", gr, x), want, dt)


def test_backward_finite_differences():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 12)) * 2
    g = rng.standard_normal((5, 12))
    f64 = lambda r: (lambda z: np.asarray(r(z), np.float64))  # noqa: E731
    cases = [
        ("softmax", f64(r_softmax)),
        ("softmin", f64(lambda z: r_softmax(-z))),
        ("log_softmax", f64(r_log_softmax)),
        ("sparsemax", f64(r_sparsemax)),
    ]
    for key, f in cases:
        y = run(key, x)
        v, gjv = fd_vjp(f, x, g)
        vjp = run(key + "_backward", g, y)
        np.testing.assert_allclose((vjp * v).sum(axis=1), gjv, rtol=1e-6, atol=1e-8, err_msg=key)
    gl = g[:, 0].copy()
    v, gjv = fd_vjp(lambda z: np.asarray(r_logsumexp(z), np.float64), x, gl)
    np.testing.assert_allclose((run("logsumexp_backward", gl, x) * v).sum(axis=1), gjv, rtol=1e-6)
    gg = g[:, :6].copy()
    v, gjv = fd_vjp(lambda z: np.asarray(r_glu(z), np.float64), x, gg)
    np.testing.assert_allclose((run("glu_backward", gg, x) * v).sum(axis=1), gjv, rtol=1e-6)
    gm = g[:, :4].copy()
    v, gjv = fd_vjp(lambda z: z.reshape(5, 4, 3).max(axis=2), x, gm, h=1e-7)
    np.testing.assert_allclose((run("maxout_backward", gm, x, pieces=3) * v).sum(axis=1), gjv, rtol=1e-6)


@pytest.mark.parametrize("dt", DTYPES)
def test_glu_backward_accuracy(dt):
    ref_dtype(dt)
    rng = np.random.default_rng(8)
    for scale in (1.0, 30.0, 100.0):
        x = rand_rows(rng, (20, 2 * 101), dt, scale)
        g = rand_rows(rng, (20, 101), dt, 1.0)
        a, b, gl = x[:, :101].astype(LD), x[:, 101:], g.astype(LD)
        got = run("glu_backward", g, x)
        # sigmoid'(b) = sigmoid(b) * sigmoid(-b), without cancellation
        assert_ulps(got[:, :101], gl * r_sigmoid(b), dt)
        assert_ulps(got[:, 101:], gl * a * r_sigmoid(b) * r_sigmoid(-b), dt, tol=TOL[dt] + 2)
    x = np.array([[2.0, inf, 2.0, -inf, 2.0, -100.0]], dt).reshape(3, 2)
    got = run("glu_backward", np.ones((3, 1), dt), x)
    np.testing.assert_array_equal(got[:2], np.array([[1, 0], [0, 0]], dt))  # limits at +-inf
    # sigmoid'(-100) = 3.72e-44: float32 subnormals, not flushed to 0
    assert_ulps(got[2], [r_sigmoid(-100.0), 2 * r_sigmoid(-100.0) * r_sigmoid(100.0)], dt)
    # nan in a: d/da = g*sigmoid(b) does not involve a (as PyTorch); d/db is nan
    got = run("glu_backward", np.ones((2, 1), dt), np.array([[nan, 1.0], [1.0, nan]], dt))
    assert_ulps(got[0, :1], [r_sigmoid(1.0)], dt)
    assert np.isnan(got[0, 1]) and np.isnan(got[1]).all()


@pytest.mark.parametrize("dt", DTYPES)
def test_maxout_backward(dt):
    x = np.array([[3.0, 1.0, 3.0, 3.0, 1.0, nan, nan, 2.0, -inf, -inf, nan, nan]], dt)
    g = np.array([[10.0, 20.0, 30.0, 40.0, 50.0, 60.0]], dt)
    got = run("maxout_backward", g, x, pieces=2)
    # g to the first maximum of each group; a nan is the maximum (the first nan)
    np.testing.assert_array_equal(got, np.array([[10, 0, 20, 0, 0, 30, 40, 0, 50, 0, 60, 0]], dt))
    rng = np.random.default_rng(2)
    x = rand_rows(rng, (6, 15), dt, 1.0)
    g = rand_rows(rng, (6, 5), dt, 1.0)
    want = np.zeros_like(x)
    idx = x.reshape(6, 5, 3).argmax(axis=2)
    for i in range(6):
        for j in range(5):
            want[i, 3 * j + idx[i, j]] = g[i, j]
    np.testing.assert_array_equal(run("maxout_backward", g, x, pieces=3), want)


@pytest.mark.parametrize("dt", DTYPES)
def test_sparsemax_backward(dt):
    rng = np.random.default_rng(12)
    x = rand_rows(rng, (10, 31), dt, 1.0)
    y = run("sparsemax", x)
    g = rand_rows(rng, (10, 31), dt, 1.0)
    got = run("sparsemax_backward", g, y)
    sup = y > 0
    gl = g.astype(LD)
    mean = np.array([gl[i, sup[i]].mean() for i in range(10)])
    want = np.where(sup, gl - mean[:, None], 0)
    np.testing.assert_allclose(got.astype(LD), want, rtol=0, atol=4 * np.finfo(dt).eps * np.abs(gl).max())
    assert np.all(got[~sup] == 0)


@pytest.mark.parametrize("dt", DTYPES)
def test_in_place(dt):
    rng = np.random.default_rng(13)
    x = rand_rows(rng, (9, 300), dt, 4.0)
    g = rand_rows(rng, (9, 300), dt, 1.0)
    for key in ("softmax", "log_softmax", "softmin", "sparsemax"):
        want = run(key, x)
        z = x.copy()
        K[key](z, out=z)
        np.testing.assert_array_equal(z, want, err_msg=key)
    y = run("softmax", x)
    want = run("softmax_backward", g, y)
    h = g.copy()
    K["softmax_backward"](h, y, out=h)
    np.testing.assert_array_equal(h, want)
    gr = g[:, 0].copy()
    want = run("logsumexp_backward", gr, x)
    z = x.copy()
    K["logsumexp_backward"](gr, z, out=z)
    np.testing.assert_array_equal(z, want)
    gg = g[:, :150].copy()
    want = run("glu_backward", gg, x)
    z = x.copy()
    K["glu_backward"](gg, z, out=z)
    np.testing.assert_array_equal(z, want)


# --------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------


def test_concurrent_calls_from_threads():
    rng = np.random.default_rng(1)
    xs = [rand_rows(rng, (64, 300), np.float32, 3.0) for _ in range(8)]
    want = [run("softmax", x) for x in xs]
    got = [None] * 8
    errors = []

    def work(i):
        try:
            for _ in range(20):
                got[i] = run("softmax", xs[i])
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for w, g in zip(want, got):
        np.testing.assert_array_equal(g, w)


# --------------------------------------------------------------------------
# PyTorch cross-check (skipped when torch is not installed)
# --------------------------------------------------------------------------


def test_against_torch_special_rows():
    torch = pytest.importorskip("torch")
    x = np.array(SPECIAL_ROWS + [[0.5, -2.0], [1e4, -1e4]], np.float32)
    tx = torch.from_numpy(x)
    F = torch.nn.functional
    for key, tf in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax), ("softmin", F.softmin)):
        got, want = run(key, x), tf(tx, -1).numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=key)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-30, err_msg=key)
    got = run("logsumexp", x, out_shape=(x.shape[0],))
    want = torch.logsumexp(tx, -1).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    t = tx.clone().requires_grad_(True)
    torch.logsumexp(t, -1).sum().backward()
    np.testing.assert_allclose(run("logsumexp_backward", np.ones(x.shape[0], np.float32), x), t.grad.numpy(), rtol=1e-6)
