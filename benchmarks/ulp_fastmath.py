#!/usr/bin/env python
"""Accuracy, speed and vectorization measurements for ``fastact._fastmath``.

    python benchmarks/ulp_fastmath.py ulp32 [FUNC ...]   # exhaustive float32: all 2**32 inputs
    python benchmarks/ulp_fastmath.py ulp64 [-n N] [FUNC ...]   # float64 vs mpmath, N samples
    python benchmarks/ulp_fastmath.py speed [-n N] [FUNC ...]   # ns/element vs math.* (libm)
    python benchmarks/ulp_fastmath.py asm [FUNC ...]     # does the @vectorize loop vectorize?
    python benchmarks/ulp_fastmath.py fit [TABLE ...]    # recompute the polynomial tables

ulp32 evaluates every float32 bit pattern with a ``@vectorize`` kernel (exactly
what fastact users get) and compares with the float64 libm function (glibc
exp/expm1/log/log1p/tanh/erf/erfc, accurate to < 1 float64 ulp, i.e. to
~2**-29 float32 ulp).  The error is |y - ref| / ulp(ref), with ulp(ref) the
float32 spacing at ref (2**-149 for subnormals); overflow counts as 2**128.
A few minutes per function on one core (the checker uses all cores).

ulp64 compares with mpmath at 40 digits on N samples per function: random bit
patterns (whole range), uniform samples in the interesting range, log-uniform
magnitudes and edge points (thresholds, overflow/underflow points).

speed times ``numba.vectorize(['f(f)'])`` kernels, single thread, on 1e6
elements (out= preallocated, best of 30), our function vs ``math.F`` (which
numba lowers to a scalar libm call per element); NumPy / SciPy ufuncs are
listed for reference.

asm inspects the compiled ufunc loop: packed SIMD instructions on ymm/zmm
registers, no ``call`` in it, and (float32) no double arithmetic in the IR.

This file is not collected by pytest (see tests/test_fastmath.py for the CI
version).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numba  # noqa: E402

from fastact import _fastmath as fm  # noqa: E402

FUNCS = ("exp", "expm1", "log", "log1p", "tanh", "erf", "erfc")

# --------------------------------------------------------------------------
# kernels and loop inspection
# --------------------------------------------------------------------------

_WRAPPERS = {}


def _capture_ufunc_wrappers():
    """Record the LLVM library of every ufunc loop numba builds (for asm/IR checks)."""
    import numba.np.ufunc.ufuncbuilder as ub

    if getattr(ub.build_ufunc_wrapper, "_fastmath_capture", False):
        return
    orig = ub.build_ufunc_wrapper

    def capture(*args, **kwargs):
        info = orig(*args, **kwargs)
        _WRAPPERS[info.name] = info.library
        return info

    capture._fastmath_capture = True
    ub.build_ufunc_wrapper = capture


def make_kernel(name, bits, libm=False):
    """numba.vectorize kernel computing our F32/F64 (or math.F) elementwise."""
    fm.enable_vectorize_forceinline()
    f = getattr(math, name) if libm else getattr(fm, f"{name}{bits}")
    kname = f"k_{name}{bits}_{'libm' if libm else 'fast'}"
    ns = {"f": f}
    exec(f"def {kname}(x):\n    return f(x)\n", ns)
    sig = f"float{bits}(float{bits})"
    opts = {} if libm else {"forceinline": True}
    return numba.vectorize([sig], **opts)(ns[kname]), kname


def loop_code(kname):
    """(asm, llvm ir) of the ufunc loop function built for kernel `kname`."""
    for wname, lib in _WRAPPERS.items():
        if f"{kname}B" in wname or wname.endswith(kname):
            ir = lib.get_llvm_str()
            start = ir.index("define void @__ufunc__")
            ir = ir[start:ir.index("\n}\n", start)]
            asm = lib.get_asm_str()
            start = asm.index("__ufunc__")
            end = asm.find(".Lfunc_end", start)
            return asm[start:end], ir
    raise KeyError(kname)


def analyse_loop(kname):
    asm, ir = loop_code(kname)
    packed = re.findall(r"^\s*(v\w+p[sd])\s+.*%([yz]mm)", asm, re.M)
    calls = [ln.strip() for ln in asm.splitlines() if re.match(r"\s*call", ln)]
    fpext = [ln.strip() for ln in ir.splitlines() if " fpext " in ln or "fptrunc" in ln]
    dbl = [ln.strip() for ln in ir.splitlines() if re.search(r"\bf(add|sub|mul|div)\b.*\bdouble\b", ln)]
    regs = sorted({r for _, r in packed})
    return dict(packed=len(packed), regs=regs, calls=calls, fpext=len(fpext), double_ops=len(dbl),
                sample=sorted({op for op, _ in packed})[:12])


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for ln in out.splitlines():
            if ln.startswith("Model name"):
                return ln.split(":", 1)[1].strip()
    except Exception:
        pass
    return platform.processor() or "unknown"


def host_features():
    import llvmlite.binding as llvm
    feats = llvm.get_host_cpu_features()
    flags = [f for f in ("avx2", "fma", "avx512f", "avx512dq", "avx512vl") if feats.get(f)]
    return f"{llvm.get_host_cpu_name()} ({', '.join(flags)})"


# --------------------------------------------------------------------------
# float32: exhaustive
# --------------------------------------------------------------------------

@numba.njit(parallel=True, cache=False)
def _check32(x, y, fid, nblocks):
    n = x.size
    bs = (n + nblocks - 1) // nblocks
    bmax = np.zeros(nblocks)
    barg = np.zeros(nblocks, np.int64)
    bbad = np.zeros(nblocks, np.int64)
    for b in numba.prange(nblocks):
        m = 0.0
        am = 0
        bad = 0
        for i in range(b * bs, min(n, (b + 1) * bs)):
            xd = np.float64(x[i])
            if fid == 0:
                r = math.exp(xd)
            elif fid == 1:
                r = math.expm1(xd)
            elif fid == 2:
                r = math.log(xd) if xd >= 0.0 else math.nan
            elif fid == 3:
                r = math.log1p(xd) if xd >= -1.0 else math.nan
            elif fid == 4:
                r = math.tanh(xd)
            elif fid == 5:
                r = math.erf(xd)
            else:
                r = math.erfc(xd)
            yd = np.float64(y[i])
            if math.isnan(r) or math.isnan(yd):
                e = 0.0 if (math.isnan(r) and math.isnan(yd)) else math.inf
            elif abs(r) >= 2.0**128 - 2.0**103:          # rounds to +-inf in float32
                e = 0.0 if yd == math.copysign(math.inf, r) else abs(yd - r) / 2.0**104
            else:
                if math.isinf(yd):
                    yd = math.copysign(2.0**128, yd)
                a = abs(r)
                if a < 2.0**-126:
                    ulp = 2.0**-149
                else:
                    mm, ee = math.frexp(a)
                    ulp = math.ldexp(1.0, ee - 24)
                e = abs(yd - r) / ulp
            if e > 0.5:
                bad += 1
            if e > m:
                m = e
                am = i
        bmax[b] = m
        barg[b] = am
        bbad[b] = bad
    return bmax, barg, bbad


def ulp32(funcs, chunk_bits=24):
    step = 1 << chunk_bits
    res = {}
    for name in funcs:
        kern, _ = make_kernel(name, 32)
        fid = FUNCS.index(name)
        t0 = time.time()
        worst, worst_x, nbad = 0.0, 0.0, 0
        for c in range(1 << (32 - chunk_bits)):
            x = np.arange(c * step, (c + 1) * step, dtype=np.uint64).astype(np.uint32).view(np.float32)
            with np.errstate(all="ignore"):
                y = kern(x)
            bmax, barg, bbad = _check32(x, y, fid, 64)
            j = int(np.argmax(bmax))
            nbad += int(bbad.sum())
            if bmax[j] > worst:
                worst, worst_x = float(bmax[j]), float(x[barg[j]])
        res[name] = dict(max_ulp=worst, at=worst_x, frac_not_correctly_rounded=nbad / 2.0**32,
                         seconds=round(time.time() - t0, 1))
        print(f"float32 {name:6s} max {worst:.4f} ulp at x={worst_x!r}  "
              f"(not correctly rounded: {100 * nbad / 2.0**32:.3f}% of all inputs, "
              f"{time.time() - t0:.0f} s)", flush=True)
    return res


# --------------------------------------------------------------------------
# float64: sampled, against mpmath
# --------------------------------------------------------------------------

RANGES64 = {"exp": (-746.0, 710.0), "expm1": (-40.0, 710.0), "log": (0.0, 10.0),
            "log1p": (-1.0, 10.0), "tanh": (-20.0, 20.0), "erf": (-6.0, 6.0),
            "erfc": (-6.0, 28.0)}
EDGES = {"exp": [709.782712893384, 709.7827128933841, -708.3964185322641, -745.1332191019411,
                 -745.1332191019412, 0.34657359027997264, -0.34657359027997264],
         "expm1": [709.782712893384, 0.34657359027997264, -0.34657359027997264, 2.0**-54, -2.0**-54,
                   0.6931471805599453, -0.6931471805599453, 37.0, -37.5],
         "log": [5e-324, 2.0**-1022, 0.7071067811865476, 1.4142135623730951, 1.0 - 2.0**-53, 1.0 + 2.0**-52],
         "log1p": [-1.0 + 2.0**-53, 2.0**-54, -2.0**-54, 0.41421356237309515, -0.2928932188134524, 1.0],
         "tanh": [0.5625, 0.5624999999999999, 19.06154746539849, 2.0**-30, 1e-300],
         "erf": [0.921875, 0.9218749999999999, 5.9215871957945, 6.0, 1e-300],
         "erfc": [0.46875, 0.4687499999999999, 4.0, 26.55, 27.2, 27.226017111108366, 27.3, -0.5]}


def _mp_ref(name, mp):
    def erfc(x):
        if x > 40:
            return mp.mpf(0)
        if x < -40:
            return mp.mpf(2)
        return mp.erfc(x)

    def erf(x):
        return mp.sign(x) if abs(x) > 40 else mp.erf(x)

    def tanh(x):
        return mp.sign(x) if abs(x) > 100 else mp.tanh(x)

    def log(x):
        return mp.log(x) if x >= 0 else None

    def log1p(x):
        return mp.log1p(x) if x >= -1 else None

    return dict(exp=mp.exp, expm1=mp.expm1, log=log, log1p=log1p, tanh=tanh, erf=erf,
                erfc=erfc)[name]


def samples64(name, n, seed=12345):
    """~n float64 test inputs: 30% random bit patterns, 40% uniform in the interesting
    range, 20% log-uniform magnitudes (both signs), edge points +- 8 ulps, the rest in [-1, 1]."""
    rng = np.random.default_rng(seed + FUNCS.index(name))
    lo, hi = RANGES64[name]
    k = n // 10
    bits = rng.integers(0, 2**64, 3 * k, dtype=np.uint64).view(np.float64)
    uni = rng.uniform(lo, hi, 4 * k)
    mag = 10.0 ** rng.uniform(-30, np.log10(max(abs(lo), abs(hi))), 2 * k)
    mag *= rng.choice([-1.0, 1.0], mag.size)
    near = [np.array(EDGES[name])]
    up, dn = near[0], near[0]
    for _ in range(8):
        up, dn = np.nextafter(up, np.inf), np.nextafter(dn, -np.inf)
        near += [up, dn]
    near = np.concatenate(near)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 2.0**-1022])
    rest = rng.uniform(-1.0, 1.0, max(0, n - 9 * k - near.size - special.size))
    return np.concatenate([bits, uni, mag, near, special, rest])


def ulp_err64(y, x, name):
    import mpmath as mp
    mp.mp.dps = 40
    f = _mp_ref(name, mp)
    out = np.empty(len(x))
    two = mp.mpf(2)
    for i, (xi, yi) in enumerate(zip(x.tolist(), y.tolist())):
        if xi != xi:
            out[i] = 0.0 if yi != yi else np.inf
            continue
        ref = f(mp.mpf(xi))
        if ref is None:
            out[i] = 0.0 if yi != yi else np.inf
            continue
        if mp.isinf(ref):
            out[i] = 0.0 if yi == float(ref) else np.inf
            continue
        r64 = float(ref)
        if yi != yi:
            out[i] = np.inf
            continue
        yv = mp.mpf(yi) if abs(yi) != np.inf else mp.sign(yi) * two**1024
        if abs(r64) == np.inf and abs(yi) == np.inf and (r64 > 0) == (yi > 0):
            out[i] = 0.0
            continue
        a = abs(ref)
        e = -1022 if a == 0 else max(int(mp.floor(mp.log(a, 2))), -1022)
        out[i] = float(abs(yv - ref) / two**(e - 52))
    return out


def ulp64(funcs, n):
    res = {}
    for name in funcs:
        kern, _ = make_kernel(name, 64)
        x = samples64(name, n)
        t0 = time.time()
        with np.errstate(all="ignore"):
            y = kern(x)
        err = ulp_err64(y, x, name)
        j = int(np.argmax(err))
        res[name] = dict(max_ulp=float(err[j]), at=float(x[j]), n=len(x),
                         frac_not_correctly_rounded=float(np.mean(err > 0.5)))
        print(f"float64 {name:6s} max {err[j]:.4f} ulp at x={x[j]!r}  ({len(x)} samples, "
              f"not correctly rounded: {100 * np.mean(err > 0.5):.2f}%, {time.time() - t0:.0f} s)",
              flush=True)
    return res


# --------------------------------------------------------------------------
# speed
# --------------------------------------------------------------------------

SPEED_RANGES = {"exp": (-20.0, 20.0), "expm1": (-5.0, 5.0), "log": (1e-3, 1e3), "log1p": (-0.9, 10.0),
                "tanh": (-5.0, 5.0), "erf": (-4.0, 4.0), "erfc": (-4.0, 9.0)}


def _time(f, x, out, reps):
    f(x, out=out)
    best = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        f(x, out=out)
        best = min(best, time.perf_counter() - t0)
    return best / x.size * 1e9


def speed(funcs, n, reps=30):
    rows = []
    try:
        import scipy.special as sc
    except ImportError:  # pragma: no cover
        sc = None
    for name in funcs:
        for bits in (32, 64):
            dt = np.float32 if bits == 32 else np.float64
            x = np.random.default_rng(0).uniform(*SPEED_RANGES[name], n).astype(dt)
            out = np.empty_like(x)
            fast, _ = make_kernel(name, bits)
            libm, _ = make_kernel(name, bits, libm=True)
            ref = getattr(np, name, None) or (getattr(sc, name) if sc else None)
            row = dict(func=name, dtype=dt.__name__, fast=_time(fast, x, out, reps),
                       libm=_time(libm, x, out, reps))
            row["numpy_or_scipy"] = _time(ref, x, out, reps) if ref is not None else float("nan")
            rows.append(row)
            print(f"{name:6s} {dt.__name__:8s} fastact {row['fast']:6.2f}  math.{name} (libm) "
                  f"{row['libm']:6.2f}  speedup {row['libm'] / row['fast']:5.1f}x   "
                  f"numpy/scipy {row['numpy_or_scipy']:6.2f}  ns/element", flush=True)
    return rows


# --------------------------------------------------------------------------
# vectorization
# --------------------------------------------------------------------------

def asm_report(funcs):
    _capture_ufunc_wrappers()
    rows = []
    for name in funcs:
        for bits in (32, 64):
            for libm in (False, True):
                _, kname = make_kernel(name, bits, libm=libm)
                a = analyse_loop(kname)
                a.update(func=name, bits=bits, impl="libm" if libm else "fastact")
                rows.append(a)
                print(f"{name:6s} f{bits} {a['impl']:7s} packed SIMD ops: {a['packed']:4d} on "
                      f"{'/'.join(a['regs']) or '-':8s} calls in loop: {len(a['calls']):3d}"
                      + (f"  fpext/fptrunc: {a['fpext']}, double ops: {a['double_ops']}"
                         if bits == 32 and not libm else ""), flush=True)
    return rows


# --------------------------------------------------------------------------
# coefficient fitting
# --------------------------------------------------------------------------

def _remez(mp, g, w, a, b, deg, fixed, npts=1000, iters=40):
    """Linear Remez exchange: minimize max |w*(g - sum c_k t^k)| over [a, b] (free c_k: k not
    in `fixed`).  Dense-grid version (extrema located on a Chebyshev+uniform grid)."""
    free = [k for k in range(deg + 1) if k not in fixed]
    m = len(free) + 1
    xs = sorted(set([(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * (i + 0.5) / npts) for i in range(npts)]
                    + [a + (b - a) * i / (npts - 1) for i in range(npts)]))
    gs = [g(t) - sum(c * t**k for k, c in fixed.items()) for t in xs]
    ws = [w(t) for t in xs]
    ref = sorted(set(int(round((len(xs) - 1) * (1 - math.cos(math.pi * i / (m - 1))) / 2))
                     for i in range(m)))
    best = None
    for _ in range(iters):
        A = mp.matrix(m, m)
        rhs = mp.matrix(m, 1)
        for r, i in enumerate(ref):
            for j, k in enumerate(free):
                A[r, j] = xs[i]**k
            A[r, m - 1] = (-1)**r / ws[i]
            rhs[r] = gs[i]
        sol = mp.lu_solve(A, rhs)
        c = [sol[j] for j in range(m - 1)]
        err = [ws[i] * (gs[i] - sum(cj * xs[i]**k for cj, k in zip(c, free))) for i in range(len(xs))]
        segs, start = [], 0
        for i in range(1, len(xs) + 1):
            if i == len(xs) or mp.sign(err[i]) != mp.sign(err[start]):
                segs.append(max(range(start, i), key=lambda t: abs(err[t])))
                start = i
        while len(segs) > m:
            segs.pop(0 if abs(err[segs[0]]) < abs(err[segs[-1]]) else -1)
        maxerr = max(abs(e) for e in err)
        if best is None or maxerr < best[1]:
            best = (dict(zip(free, c)), maxerr)
        if len(segs) < m or abs(maxerr - abs(sol[m - 1])) < 1e-3 * maxerr:
            break
        ref = segs
    out = dict(fixed)
    out.update(best[0])
    return out, best[1]


def _lp_minimax(gv, wv, V, fixed):
    """Weighted minimax on a grid by linear programming (HiGHS)."""
    from scipy.optimize import linprog
    n = V.shape[1]
    free = [j for j in range(n) if j not in fixed]
    rhs = gv - sum(V[:, j] * v for j, v in fixed.items()) if fixed else gv.copy()
    A = V[:, free] * wv[:, None]
    b = rhs * wv
    cls = np.linalg.lstsq(A, b, rcond=None)[0]
    sc = 1.0 / max(np.max(np.abs(b - A @ cls)), 1e-300)    # HiGHS tolerances are absolute
    A, b = A * sc, b * sc
    cs = np.max(np.abs(A), axis=0)
    A = A / cs
    m = len(free)
    A_ub = np.vstack([np.hstack([-A, -np.ones((len(b), 1))]), np.hstack([A, -np.ones((len(b), 1))])])
    b_ub = np.concatenate([-b, b])
    for meth in ("highs-ds", "highs-ipm", "highs"):
        res = linprog(np.r_[np.zeros(m), 1.0], A_ub=A_ub, b_ub=b_ub,
                      bounds=[(None, None)] * m + [(0, None)], method=meth)
        if res.status == 0:
            break
    assert res.status == 0, res.message
    c = np.zeros(n)
    for j, v in fixed.items():
        c[j] = v
    c[free] = res.x[:m] / cs
    return c, res.x[-1] / sc


def fit_specs(mp):
    """name -> (g, w, a, b, degree, dtype, c0_pair, remez_npts); remez_npts == 0 selects the
    linear-programming fit (float64 grid values, fine for float32 targets)."""
    erfcx = lambda x: mp.erfc(x) * mp.exp(x * x)  # noqa: E731
    s2 = mp.sqrt(2)
    L = mp.log(2) / 2 * mp.mpf("1.002")
    fl, fh = (1 / s2 - 1) * mp.mpf("1.0005"), (s2 - 1) * mp.mpf("1.0005")
    smax = (s2 - 1) / (s2 + 1) * mp.mpf("1.0005")
    tiny = mp.mpf("1e-16")
    g_exp = lambda r: (mp.expm1(r) - r) / r**2  # noqa: E731
    w_exp = lambda r: r**2 / mp.exp(r)  # noqa: E731
    w_expm1 = lambda r: abs(r**2 / mp.expm1(r))  # noqa: E731
    g_log = lambda f: (mp.log1p(f) - f + f * f / 2) / f**3  # noqa: E731
    w_log = lambda f: abs(f**3 / mp.log1p(f))  # noqa: E731
    g_logd = lambda z: (2 * mp.atanh(mp.sqrt(z)) - 2 * mp.sqrt(z)) / (mp.sqrt(z) * z)  # noqa: E731
    w_logd = lambda z: mp.sqrt(z) * z / (2 * mp.atanh(mp.sqrt(z)))  # noqa: E731
    g_tanh = lambda u: (mp.tanh(mp.sqrt(u)) - mp.sqrt(u)) / mp.sqrt(u)**3  # noqa: E731
    w_tanh = lambda u: mp.sqrt(u)**3 / mp.tanh(mp.sqrt(u))  # noqa: E731
    g_erf = lambda u: (mp.erf(mp.sqrt(u)) - mp.sqrt(u)) / mp.sqrt(u)  # noqa: E731
    w_erf = lambda u: mp.sqrt(u) / mp.erf(mp.sqrt(u))  # noqa: E731
    TT, TE = mp.mpf("0.5625"), mp.mpf("0.921875")
    X0 = mp.mpf("0.46875") * mp.mpf("0.9995")

    def moeb(K):
        return lambda t: K * (1 + t) / (1 - t)

    def erft_d():
        xt = moeb(mp.mpf(2))
        return (lambda t: erfcx(xt(t)), lambda t: mp.exp(-xt(t)**2) / mp.erf(xt(t)),
                (TE * mp.mpf("0.999") - 2) / (TE * mp.mpf("0.999") + 2), mp.mpf(4) / 8)

    def erfct(K, XM):
        xt = moeb(K)
        H = lambda t: erfcx(xt(t)) * (xt(t) + mp.mpf("0.5"))  # noqa: E731
        return H, (lambda t: 1 / H(t)), (X0 - K) / (X0 + K), (XM - K) / (XM + K)

    C = mp.mpf("1.25")      # expansion point near the threshold, where erfc/erf is largest
    ed = erft_d()
    e32 = erfct(mp.mpf(2), mp.mpf("10.125") * mp.mpf("1.0005"))
    e64 = erfct(mp.mpf(4), mp.mpf("27.3125") * mp.mpf("1.0005"))
    return {
        "_EXP_P_F": (g_exp, w_exp, -L, L, 4, "f32", False, 1500),
        "_EXP_P_D": (g_exp, w_exp, -L, L, 9, "f64", False, 1500),
        "_EXPM1_P_F": (g_exp, w_expm1, -L, L, 5, "f32", False, 1500),
        "_EXPM1_P_D": (g_exp, w_expm1, -L, L, 10, "f64", False, 1500),
        "_LOG_P_F": (g_log, w_log, fl, fh, 8, "f32", False, 1500),
        "_LOG_P_D": (g_logd, w_logd, tiny, smax**2, 6, "f64", False, 1500),
        "_TANH_P_F": (g_tanh, w_tanh, tiny, TT**2, 4, "f32", False, 1500),
        "_TANH_P_D": (g_tanh, w_tanh, tiny, TT**2, 10, "f64", False, 1500),
        "_ERF_P_F": (g_erf, w_erf, tiny, TE**2, 6, "f32", False, 1500),
        "_ERF_P_D": (g_erf, w_erf, tiny, TE**2, 11, "f64", False, 1500),
        "_ERFT_P_F": (lambda v: erfcx(v + C), lambda v: mp.exp(-(v + C)**2) / mp.erf(v + C),
                      TE * mp.mpf("0.999") - C, 4 - C, 9, "f32", False, 0),
        "_ERFT_P_D": (ed[0], ed[1], ed[2], ed[3], 12, "f64", False, 1500),
        "_ERFCT_P_F": (e32[0], e32[1], e32[2], e32[3], 10, "f32", True, 0),
        "_ERFCT_P_D": (e64[0], e64[1], e64[2], e64[3], 21, "f64", True, 800),
    }


def fit_table(name, spec, mp):
    g, w, a, b, deg, dt, c0pair, npts = spec
    rnd = (lambda v: float(np.float32(float(v)))) if dt == "f32" else float
    if npts == 0:
        # LP minimax on a Chebyshev grid of 30-digit values; greedy float32 rounding
        mp.mp.dps = 30
        N = 4000
        ts = [a + (b - a) * (1 - mp.cos(mp.pi * (i + 0.5) / N)) / 2 for i in range(N)]
        gv = np.array([float(g(t)) for t in ts])
        wv = np.array([float(w(t)) for t in ts])
        V = np.vander(np.array([float(t) for t in ts]), deg + 1, increasing=True)
        c, _ = _lp_minimax(gv, wv, V, {})
        fixed = {0: float(c[0])} if c0pair else {}
        for j in range(1 if c0pair else 0, deg + 1):
            c, _ = _lp_minimax(gv, wv, V, fixed)
            fixed[j] = rnd(c[j])
        coeffs = [fixed[j] for j in range(deg + 1)]
        err = float(np.max(np.abs(wv * (gv - V @ np.array(coeffs)))))
    else:
        # Remez exchange in 45-digit arithmetic; greedy rounding: after rounding c_j the
        # higher coefficients are re-optimized, unless the re-fit is worse than keeping
        # them (a re-fit that fails to converge)
        mp.mp.dps = 45
        grid = [a + (b - a) * i / 1999 for i in range(2000)]
        gw = [(g(t), w(t)) for t in grid]

        def maxerr(cs):
            return max(abs(wt * (gt - mp.polyval(cs[::-1], t))) for t, (gt, wt) in zip(grid, gw))

        c, _ = _remez(mp, g, w, a, b, deg, {}, npts=npts)
        fixed = {0: c[0]} if c0pair else {}
        for j in range(1 if c0pair else 0, deg + 1):
            if j > 0:
                c2, _ = _remez(mp, g, w, a, b, deg, fixed, npts=npts)
                keep = [fixed.get(k, c[k]) for k in range(deg + 1)]
                if maxerr([c2[k] for k in range(deg + 1)]) <= maxerr(keep):
                    c = c2
                else:
                    c = dict(enumerate(keep))
            fixed[j] = mp.mpf(rnd(c[j]))
        coeffs = [fixed[j] for j in range(deg + 1)]
        err = float(max(abs(w(t) * (g(t) - mp.polyval(coeffs[::-1], t)))
                        for t in mp.linspace(a, b, 3000)))
        coeffs = [c if (k == 0 and c0pair) else float(c) for k, c in enumerate(coeffs)]
    return coeffs, err


def _fmt_table(var, vals, ctor):
    head = f"{var} = {ctor}("
    lines, cur = [], head
    for i, v in enumerate(vals):
        piece = repr(float(v)) + (", " if i < len(vals) - 1 else ")")
        if len(cur) + len(piece) > 92 and cur.strip() != head.strip():
            lines.append(cur.rstrip())
            cur = " " * len(head)
        cur += piece
    lines.append(cur)
    return "\n".join(lines)


def fit(names):
    import mpmath as mp
    specs = fit_specs(mp)
    for name in names or list(specs):
        t0 = time.time()
        spec = specs[name]
        coeffs, err = fit_table(name, spec, mp)
        dt = spec[5]
        print(f"# {name}: max weighted error 2**{math.log2(err):.2f} ({time.time() - t0:.0f} s)")
        if spec[6]:
            c0 = coeffs[0]
            if dt == "f32":
                hi = float(np.float32(c0))
                lo = float(np.float32(c0 - hi))
                pair = f"_f32({hi!r}), _f32({lo!r})"
            else:
                hi = float(c0)
                lo = float(c0 - hi)
                pair = f"_f64({hi!r}), _f64({lo!r})"
            base = name.replace("_P_", "_C0_")
            print(f"{base}, {base.replace('_C0_', '_C0LO_')} = {pair}")
            coeffs = coeffs[1:]
        print(_fmt_table(name, coeffs, "_c32" if dt == "f32" else "_c64"), flush=True)


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["ulp32", "ulp64", "speed", "asm", "fit", "all"])
    ap.add_argument("names", nargs="*")
    ap.add_argument("-n", type=int, default=None, help="samples (ulp64) / elements (speed)")
    ap.add_argument("--json", default=None, help="write results here")
    args = ap.parse_args(argv)
    funcs = [f for f in args.names if f in FUNCS] or list(FUNCS)
    print(f"# CPU: {cpu_model()}; numba host target: {host_features()}; numba {numba.__version__}, "
          f"numpy {np.__version__}", flush=True)
    results = {}
    if args.what == "fit":
        fit(args.names)
        return
    if args.what in ("asm", "all"):
        results["asm"] = asm_report(funcs)
    if args.what in ("ulp32", "all"):
        results["ulp32"] = ulp32(funcs)
    if args.what in ("ulp64", "all"):
        results["ulp64"] = ulp64(funcs, args.n or 100_000)
    if args.what in ("speed", "all"):
        results["speed"] = speed(funcs, args.n or 1_000_000)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
