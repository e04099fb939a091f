"""Row-wise activation kernels (numba, CPU, serial) on 2-D C-contiguous arrays.

Every kernel works on rows of a 2-D C-contiguous float32 or float64 array (the
dispatcher moves the requested axis last, reshapes to 2-D and allocates ``out``,
C-contiguous, same dtype as the input) and writes into ``out``:

===========================  ==============================  ===============
key                          arrays                          out
===========================  ==============================  ===============
softmax, log_softmax,        x (R, N)                        (R, N)
softmin
logsumexp                    x (R, N)                        (R,)
glu                          x (R, 2M)                       (R, M)
maxout (pieces=k)            x (R, M*k)                      (R, M)
sparsemax                    x (R, N)                        (R, N)
softmax_backward,            g (R, N), y (R, N) (output)     (R, N)
log_softmax_backward,
softmin_backward,
sparsemax_backward
logsumexp_backward           g (R,), x (R, N) (input)        (R, N)
glu_backward                 g (R, M), x (R, 2M)             (R, 2M)
maxout_backward (pieces=k)   g (R, M), x (R, M*k)            (R, M*k)
===========================  ==============================  ===============

``KERNELS[key](*arrays, out, **params)`` returns None (``out`` and the params
may also be passed positionally, in that order).  Shapes are checked (a
ValueError on mismatch); dtypes and C-contiguity are the caller's business.
For the kernels whose ``out`` has the shape of an input, ``out`` may be that
input itself (in place).  Nothing is compiled at import; each kernel compiles
(or loads from numba's cache) on first use per dtype.  All kernels are serial,
keep no state and release the GIL (``nogil``), so they may be called from many
Python threads at once.

Numerical notes (PyTorch semantics, see CATALOGUE.md):

* The row maximum is found with an integer max over order-preserving keys of
  the float bit patterns (vectorizes; float max reductions do not without
  fast-math).
* log_softmax and logsumexp use log1p of the sum of e = exp(x - max) over the
  entries other than (one) maximum, so they keep the digits of
  ``logsumexp([0, -40])`` and of ``log_softmax``'s largest entry; entries with
  e == 1 are counted apart from the (vectorized) partial sums for this, which
  relies on ``fm.exp(0) == 1`` exactly.  float64 softmax does the same (1 +
  that sum is then correctly rounded).
* ``exp(x - max)`` is compensated: the rounding error of ``x - max`` (TwoSum)
  is folded back as ``e + e*err``, so large ``|x - max|`` costs no accuracy.
* Sums are accumulated in float64 (also for float32 input) in blocks of
  ``_BLK`` elements (vectorized partial sums) combined by Neumaier summation:
  rows of 1.6e7 float32 elements still sum to 1 within a few ULP, float64 rows
  keep a few ULP.
* A row whose maximum is not finite (it holds +inf, all -inf, or a nan) is
  handled on a slow path that reproduces PyTorch's values.
"""

import math

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic, overload

from .. import _math as fm
from . import _cache

# Elementary functions go through fastact._math, which decides per target how
# they are computed.  Used: fm.exp on float32 and float64 (exp(0) must be
# exactly 1, and exp(-110) == 0 in float32, exp(-800) == 0 in float64),
# fm.log1p on float64.
if _cache.enabled():
    _cache.install()  # before the decorators below create their caches

__all__ = ["KERNELS"]

_BLK = 256  # elements per inner (vectorized) partial sum

# error_model="numpy": float division by zero gives inf/nan instead of raising
# (the check would also stop LLVM from vectorizing loops that divide)
_jit = numba.njit(cache=_cache.enabled(), nogil=True, error_model="numpy")
# Helpers that take array views are inlined at numba-IR level, so that the NRT
# reference counting of the views passed to them is pruned (atomic increments
# and decrements cost ~20 ns a row, a third of the time of a 64-element row).
_ijit = numba.njit(cache=_cache.enabled(), nogil=True, error_model="numpy", inline="always")


# --------------------------------------------------------------------------
# dtype-generic helpers (resolved at compile time)
# --------------------------------------------------------------------------


def _cst(x, v):
    """``v`` converted to the float type of ``x`` (a float scalar or an array)."""
    raise NotImplementedError  # only callable from numba code


def _float_type(x):
    if isinstance(x, types.Array):
        x = x.dtype
    return x if isinstance(x, types.Float) else None


@overload(_cst, jit_options={"cache": True, "error_model": "numpy"})
def _ol_cst(x, v):
    t = _float_type(x)
    if t is None:
        return None
    if t.bitwidth == 32:
        return lambda x, v: np.float32(v)
    return lambda x, v: np.float64(v)


def _exp_lo(x):
    """exp(d) is exactly 0 in x's float type for every d below this value."""
    raise NotImplementedError


@overload(_exp_lo, jit_options={"cache": True, "error_model": "numpy"})
def _ol_exp_lo(x):
    t = _float_type(x)
    if t is None:
        return None
    if t.bitwidth == 32:
        return lambda x: np.float32(-110.0)
    return lambda x: np.float64(-800.0)


def _is_f64(x):
    """True for float64 (scalar or array), False for float32, at compile time."""
    raise NotImplementedError


@overload(_is_f64, jit_options={"cache": True, "error_model": "numpy"})
def _ol_is_f64(x):
    t = _float_type(x)
    if t is None:
        return None
    if t.bitwidth == 32:
        return lambda x: False
    return lambda x: True


@intrinsic
def _bits_to_float(typingctx, v):
    """Reinterpret an int32 (int64) as float32 (float64)."""
    if v == types.int32:
        sig = types.float32(types.int32)
    elif v == types.int64:
        sig = types.float64(types.int64)
    else:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(signature.return_type))

    return sig, codegen


def _row_max(xr, neg):
    """max(xr) (max(-xr) if ``neg``) of a non-empty row, as a float of xr's type.

    Computed as an integer max over order-preserving keys of the bit patterns,
    which LLVM vectorizes (a float max reduction does not vectorize without
    fast-math).  -0.0 < +0.0; a nan with the sign bit clear is larger than
    +inf (the result is that nan), one with the sign bit set is smaller than
    -inf (ignored here: callers see it through their sums).
    """
    raise NotImplementedError


@overload(_row_max, jit_options={"cache": True, "error_model": "numpy"}, inline="always")
def _ol_row_max(xr, neg):
    t = _float_type(xr)
    if t is None:
        return None
    if t.bitwidth == 32:
        ity, imin, low, sh = np.int32, np.int32(-(2**31)), np.int32(2**31 - 1), 31
    else:
        ity, imin, low, sh = np.int64, np.int64(-(2**63)), np.int64(2**63 - 1), 63

    def impl(xr, neg):
        xi = xr.view(ity)
        flip = imin if neg else ity(0)
        mk = imin
        for j in range(xi.size):
            v = ity(xi[j] ^ flip)
            k = ity(v ^ ((v >> sh) & low))
            mk = k if k > mk else mk
        return _bits_to_float(ity(mk ^ ((mk >> sh) & low)))

    return impl


def _exp_neg_f64(v):
    """float64 exp(v) for v <= 0 (or nan) of x's float type, accurate to the
    last bit of the input type even where the float32 result is subnormal."""
    raise NotImplementedError


_EM100 = math.exp(-100.0)
_EM200 = math.exp(-200.0)


@overload(_exp_neg_f64, jit_options={"cache": True, "error_model": "numpy"})
def _ol_exp_neg_f64(v):
    if not isinstance(v, types.Float):
        return None
    if v.bitwidth == 32:

        def impl32(v):
            # exp(v) = exp(v + c) * exp(-c): v + c is exact and exp(v + c) is a
            # normal float32 down to v = -280, below which a*sigmoid underflows.
            # Selects, not branches, so that the loop calling this vectorizes.
            c = np.float32(0.0) if v >= np.float32(-80.0) else (
                np.float32(100.0) if v >= np.float32(-180.0) else np.float32(200.0))
            sc = 1.0 if v >= np.float32(-80.0) else (
                _EM100 if v >= np.float32(-180.0) else _EM200)
            return np.float64(fm.exp(v + c)) * sc

        return impl32
    return lambda v: fm.exp(v)


@numba.njit(fastmath={"reassoc"}, cache=_cache.enabled(), nogil=True, error_model="numpy")
def _radd(a, b):
    # The only reassociable operation: lets LLVM vectorize the float64 sums
    # (partial sums in several lanes) without touching the rest of the code.
    return a + b


@_jit
def _neumaier(tot, comp, b):
    t = tot + b
    if abs(tot) >= abs(b):
        comp += (tot - t) + b
    else:
        comp += (b - t) + tot
    return t, comp


@_jit
def _cexp(v, m, lo):
    """exp(v - m) with the rounding error of v - m folded back in; v <= m."""
    d = v - m
    bb = d - v
    err = (v - (d - bb)) + (-m - bb)
    if d < lo:  # also catches v = -inf, where err is nan
        d = lo
        err = _cst(d, 0.0)
    return fm.exp_shifted(d, err)


@_ijit
def _exp_into(xs, os, sgn, m):
    """os[j] = exp(sgn*xs[j] - m): the hot loop, kept free of reductions so that
    it vectorizes at the full float width once exp is vectorizable."""
    lo = _exp_lo(m)
    for j in range(xs.size):
        os[j] = _cexp(sgn * xs[j], m, lo)


@_ijit
def _fsum(a):
    """float64 sum of a short array (vectorized partial sums)."""
    s = 0.0
    for j in range(a.size):
        s = _radd(s, np.float64(a[j]))
    return s


@_ijit
def _fsum_ones(a):
    """(sum of the entries != 1, number of entries == 1) of a short array."""
    s = 0.0
    c = 0.0
    for j in range(a.size):
        v = a[j]
        one = v == _cst(v, 1.0)
        s = _radd(s, 0.0 if one else np.float64(v))
        c = _radd(c, 1.0 if one else 0.0)
    return s, c


@_ijit
def _fdot(a, b):
    """float64 sum of a[j]*b[j] over short arrays (vectorized partial sums)."""
    s = 0.0
    for j in range(a.size):
        s = _radd(s, np.float64(a[j]) * np.float64(b[j]))
    return s


@_ijit
def _exp_rowsum(xr, buf, sgn, m, store, precise):
    """e_j = exp(sgn*xr[j] - m) for a row whose maximum m (of sgn*xr) is finite.

    The values go to ``buf`` (the row's output if ``store``, else a scratch
    array of _BLK elements, overwritten block by block).  Returns sum(e) - 1,
    summed in float64 (blocks of _BLK elements, Neumaier across blocks).  With
    ``precise`` the maximum's e == 1 is kept out of the partial sums (entries
    equal to 1 are counted apart), so the result has full relative precision
    even when the other entries are tiny (log1p of it keeps all its digits) and
    1 + result is correctly rounded; without, the result carries an absolute
    error of a few float64 ULPs of 1, which is harmless for float32 softmax.
    """
    n = xr.size
    tot = 0.0
    comp = 0.0
    ones = 0.0
    for b0 in range(0, n, _BLK):
        b1 = min(b0 + _BLK, n)
        ob = buf[b0:b1] if store else buf[: b1 - b0]
        _exp_into(xr[b0:b1], ob, sgn, m)
        if precise:
            bs, c = _fsum_ones(ob)
            ones += c
        else:
            bs = _fsum(ob)
        tot, comp = _neumaier(tot, comp, bs)
    if precise:
        # ones >= 1 (exp(0) == 1), and ones - 1 is exact
        return (ones - 1.0) + (tot + comp)
    return (tot - 1.0) + comp


@_ijit
def _dot(a, b):
    """float64 sum of a[j]*b[j] (blocked, Neumaier across blocks)."""
    n = a.size
    tot = 0.0
    comp = 0.0
    for b0 in range(0, n, _BLK):
        b1 = min(b0 + _BLK, n)
        tot, comp = _neumaier(tot, comp, _fdot(a[b0:b1], b[b0:b1]))
    return tot + comp


@_ijit
def _sum(a):
    """float64 sum of a (blocked, Neumaier across blocks)."""
    n = a.size
    tot = 0.0
    comp = 0.0
    for b0 in range(0, n, _BLK):
        b1 = min(b0 + _BLK, n)
        tot, comp = _neumaier(tot, comp, _fsum(a[b0:b1]))
    return tot + comp


@_jit
def _has_nan(xr):
    for j in range(xr.size):
        if xr[j] != xr[j]:
            return True
    return False


@_jit
def _check_same_shape(a, b):
    if a.shape[0] != b.shape[0] or a.shape[1] != b.shape[1]:
        raise ValueError("fastact rowwise kernel: arrays must have the same shape")


# --------------------------------------------------------------------------
# softmax / softmin / log_softmax / logsumexp
# --------------------------------------------------------------------------


@_jit
def _softmax_rows(x, out, neg):
    _check_same_shape(x, out)
    n = x.shape[1]
    if n == 0:
        return
    sgn = _cst(x, -1.0) if neg else _cst(x, 1.0)
    for i in range(x.shape[0]):
        xr = x[i]
        orow = out[i]
        m = _row_max(xr, neg)
        if not (abs(m) < np.inf):  # +inf, nan, or all -inf: nan row (PyTorch)
            for j in range(n):
                orow[j] = _cst(m, np.nan)
            continue
        r = 1.0 / (1.0 + _exp_rowsum(xr, orow, sgn, m, True, _is_f64(m)))  # float64
        for j in range(n):
            orow[j] = _cst(m, np.float64(orow[j]) * r)


@_jit
def _log_softmax_rows(x, out):
    _check_same_shape(x, out)
    n = x.shape[1]
    if n == 0:
        return
    one = _cst(x, 1.0)
    buf = np.empty(min(n, _BLK), x.dtype)
    for i in range(x.shape[0]):
        xr = x[i]
        orow = out[i]
        m = _row_max(xr, False)
        if not (abs(m) < np.inf):
            for j in range(n):
                orow[j] = _cst(m, np.nan)
            continue
        lg = fm.log1p(_exp_rowsum(xr, buf, one, m, False, True))  # float64
        m64 = np.float64(m)
        for j in range(n):
            orow[j] = _cst(m, (np.float64(xr[j]) - m64) - lg)


@_jit
def _logsumexp_rows(x, out):
    if x.shape[0] != out.shape[0]:
        raise ValueError("logsumexp: out must have shape (rows,)")
    n = x.shape[1]
    one = _cst(x, 1.0)
    buf = np.empty(min(n, _BLK), x.dtype)
    for i in range(x.shape[0]):
        xr = x[i]
        if n == 0:
            out[i] = _cst(one, -np.inf)
            continue
        m = _row_max(xr, False)
        if not (abs(m) < np.inf):
            # max is +-inf (result: the max) or nan; any nan gives nan.
            out[i] = _cst(m, np.nan) if _has_nan(xr) else m
            continue
        s = _exp_rowsum(xr, buf, one, m, False, True)
        out[i] = _cst(m, np.float64(m) + fm.log1p(s))


@_jit
def _softmax_backward_rows(g, y, out, neg):
    _check_same_shape(g, y)
    _check_same_shape(g, out)
    n = g.shape[1]
    for i in range(g.shape[0]):
        gr = g[i]
        yr = y[i]
        orow = out[i]
        s = _dot(gr, yr)
        if neg:
            for j in range(n):
                orow[j] = _cst(orow, np.float64(yr[j]) * (s - np.float64(gr[j])))
        else:
            for j in range(n):
                orow[j] = _cst(orow, np.float64(yr[j]) * (np.float64(gr[j]) - s))


@_jit
def _log_softmax_backward_rows(g, y, out):
    _check_same_shape(g, y)
    _check_same_shape(g, out)
    n = g.shape[1]
    for i in range(g.shape[0]):
        gr = g[i]
        yr = y[i]
        orow = out[i]
        s = _sum(gr)
        for j in range(n):
            orow[j] = _cst(orow, np.float64(gr[j]) - np.float64(fm.exp(yr[j])) * s)


@_jit
def _logsumexp_backward_rows(g, x, out):
    _check_same_shape(x, out)
    if g.shape[0] != x.shape[0]:
        raise ValueError("logsumexp_backward: g must have shape (rows,)")
    n = x.shape[1]
    if n == 0:
        return
    one = _cst(x, 1.0)
    for i in range(x.shape[0]):
        xr = x[i]
        orow = out[i]
        gi = np.float64(g[i])
        m = _row_max(xr, False)
        if not (abs(m) < np.inf):
            # PyTorch: g * exp(x - logsumexp(x)) with logsumexp = max or nan.
            lse = _cst(m, np.nan) if _has_nan(xr) else m
            for j in range(n):
                orow[j] = _cst(m, gi * np.float64(fm.exp(xr[j] - lse)))
            continue
        r = gi / (1.0 + _exp_rowsum(xr, orow, one, m, True, _is_f64(m)))
        for j in range(n):
            orow[j] = _cst(m, np.float64(orow[j]) * r)


# --------------------------------------------------------------------------
# glu
# --------------------------------------------------------------------------


@_jit
def _glu_rows(x, out):
    half = out.shape[1]
    if x.shape[0] != out.shape[0] or x.shape[1] != 2 * half:
        raise ValueError("glu: x must be (R, 2M) and out (R, M)")
    for i in range(x.shape[0]):
        ar = x[i, :half]
        br = x[i, half:]
        orow = out[i]
        for j in range(half):
            a = ar[j]
            b = br[j]
            t = _exp_neg_f64(-abs(b))  # float64 exp(-|b|)
            num = 1.0 if b >= 0 else t
            orow[j] = _cst(a, np.float64(a) * (num / (1.0 + t)))


@_jit
def _glu_backward_rows(g, x, out):
    half = g.shape[1]
    if (
        x.shape[0] != g.shape[0]
        or x.shape[1] != 2 * half
        or out.shape[0] != x.shape[0]
        or out.shape[1] != x.shape[1]
    ):
        raise ValueError("glu_backward: g must be (R, M), x and out (R, 2M)")
    for i in range(x.shape[0]):
        ar = x[i, :half]
        br = x[i, half:]
        gr = g[i]
        oa = out[i, :half]
        ob = out[i, half:]
        for j in range(half):
            a = np.float64(ar[j])
            b = br[j]
            gj = np.float64(gr[j])
            t = _exp_neg_f64(-abs(b))
            num = 1.0 if b >= 0 else t
            q = 1.0 / (1.0 + t)
            oa[j] = _cst(b, gj * (num * q))
            # sigmoid'(b) = s(1-s) = t/(1+t)^2 for both signs of b
            ob[j] = _cst(b, gj * a * (t * q * q))


# --------------------------------------------------------------------------
# maxout
# --------------------------------------------------------------------------


@_jit
def _maxout_rows(x, out, k):
    mo = out.shape[1]
    if k < 1 or x.shape[0] != out.shape[0] or x.shape[1] != mo * k:
        raise ValueError("maxout: x must be (R, M*pieces) and out (R, M), pieces >= 1")
    for i in range(x.shape[0]):
        xr = x[i]
        orow = out[i]
        for j in range(mo):
            base = j * k
            m = xr[base]
            for p in range(base + 1, base + k):
                v = xr[p]
                if v > m or v != v:  # nan propagates (and sticks: v > nan is false)
                    m = v
            orow[j] = m


@_jit
def _maxout_backward_rows(g, x, out, k):
    mo = g.shape[1]
    if (
        k < 1
        or x.shape[0] != g.shape[0]
        or x.shape[1] != mo * k
        or out.shape[0] != x.shape[0]
        or out.shape[1] != x.shape[1]
    ):
        raise ValueError("maxout_backward: g must be (R, M), x and out (R, M*pieces)")
    for i in range(x.shape[0]):
        xr = x[i]
        gr = g[i]
        orow = out[i]
        for j in range(mo):
            base = j * k
            m = xr[base]
            q = base
            for p in range(base + 1, base + k):
                v = xr[p]
                if v > m or (v != v and m == m):  # first maximum; first nan wins
                    m = v
                    q = p
            for p in range(base, base + k):
                orow[p] = _cst(orow, 0.0)
            orow[q] = gr[j]


# --------------------------------------------------------------------------
# sparsemax
# --------------------------------------------------------------------------


@_jit
def _sparsemax_rows(x, out):
    _check_same_shape(x, out)
    n = x.shape[1]
    if n == 0:
        return
    buf = np.empty(n, np.float64)
    for i in range(x.shape[0]):
        xr = x[i]
        orow = out[i]
        m = _row_max(xr, False)
        m64 = np.float64(m)
        bad = not (abs(m) < np.inf)  # +inf, nan, or all -inf
        # Candidates for the support: tau >= max - 1, so only u = x - max > -1.
        cnt = 0
        if not bad:
            for j in range(n):
                u = np.float64(xr[j]) - m64
                if u > -1.0:
                    buf[cnt] = u
                    cnt += 1
                elif u != u:
                    bad = True
                    break
        if bad:
            for j in range(n):
                orow[j] = _cst(m, np.nan)
            continue
        # Michelot's algorithm on the candidates: tau increases, the set shrinks.
        while True:
            tau = (_sum(buf[:cnt]) - 1.0) / cnt
            keep = 0
            for t in range(cnt):
                u = buf[t]
                if u > tau:
                    buf[keep] = u
                    keep += 1
            if keep == cnt:
                break
            cnt = keep
        for j in range(n):
            p = (np.float64(xr[j]) - m64) - tau
            orow[j] = _cst(m, p if p > 0.0 else 0.0)


@_jit
def _sparsemax_backward_rows(g, y, out):
    _check_same_shape(g, y)
    _check_same_shape(g, out)
    n = g.shape[1]
    for i in range(g.shape[0]):
        gr = g[i]
        yr = y[i]
        orow = out[i]
        gs = 0.0
        cs = 0.0
        for j in range(n):
            yv = yr[j]
            # support mask: 1 on y > 0, 0 on y <= 0, nan for nan y
            mk = 1.0 if yv > 0 else (0.0 if yv <= 0 else np.nan)
            gs = _radd(gs, np.float64(gr[j]) * mk)
            cs = _radd(cs, mk)
        v = gs / cs if cs != 0.0 else 0.0
        for j in range(n):
            yv = yr[j]
            mk = 1.0 if yv > 0 else (0.0 if yv <= 0 else np.nan)
            orow[j] = _cst(orow, (np.float64(gr[j]) - v) * mk)


# --------------------------------------------------------------------------
# public table
# --------------------------------------------------------------------------


def softmax(x, out):
    _softmax_rows(x, out, False)


def softmin(x, out):
    _softmax_rows(x, out, True)


def log_softmax(x, out):
    _log_softmax_rows(x, out)


def logsumexp(x, out):
    _logsumexp_rows(x, out)


def glu(x, out):
    _glu_rows(x, out)


def maxout(x, out, pieces):
    _maxout_rows(x, out, pieces)


def sparsemax(x, out):
    _sparsemax_rows(x, out)


def softmax_backward(g, y, out):
    _softmax_backward_rows(g, y, out, False)


def softmin_backward(g, y, out):
    _softmax_backward_rows(g, y, out, True)


def log_softmax_backward(g, y, out):
    _log_softmax_backward_rows(g, y, out)


def logsumexp_backward(g, x, out):
    _logsumexp_backward_rows(g, x, out)


def glu_backward(g, x, out):
    _glu_backward_rows(g, x, out)


def maxout_backward(g, x, out, pieces):
    _maxout_backward_rows(g, x, out, pieces)


def sparsemax_backward(g, y, out):
    _sparsemax_backward_rows(g, y, out)


KERNELS = {
    "softmax": softmax,
    "log_softmax": log_softmax,
    "softmin": softmin,
    "logsumexp": logsumexp,
    "glu": glu,
    "maxout": maxout,
    "sparsemax": sparsemax,
    "softmax_backward": softmax_backward,
    "log_softmax_backward": log_softmax_backward,
    "softmin_backward": softmin_backward,
    "logsumexp_backward": logsumexp_backward,
    "glu_backward": glu_backward,
    "maxout_backward": maxout_backward,
    "sparsemax_backward": sparsemax_backward,
}
