"""Branch-free, SIMD-vectorizable float32/float64 elementary functions for numba.

Why this module exists
----------------------
numba (0.68, llvmlite 0.50) lowers ``math.exp``/``expm1``/``log``/``log1p``/
``tanh``/``erf``/``erfc`` to scalar libm calls.  A call inside a ``@vectorize``
loop stops LLVM's loop vectorizer, so an activation kernel runs ~5 ns/element
instead of ~0.5 ns.  There is no SVML / vector-library switch we can rely on,
so fastact carries its own implementations, written so that LLVM turns the
whole element function into straight-line SIMD code (AVX2 ``ymm`` or AVX-512
``zmm``, whatever numba's host target picks):

* range reduction + polynomial, exponent handling by integer bit
  manipulation (an ``intrinsic`` that bitcasts int32<->float32 and
  int64<->float64);
* no data-dependent branches: special values (nan, +-inf, +-0, overflow,
  subnormals) are handled with ``a if c else b`` selects, which LLVM turns
  into ``select`` / ``vblendv`` instructions;
* genuine float32 algorithms for float32: every constant is a float32
  module-level global, so nothing is silently promoted to double and the
  float32 kernels use 8 (AVX2) / 16 (AVX-512) lanes;
* SIMD code evaluates both sides of every select in every lane, so inputs
  are clamped on their integer bits before any arithmetic and no lane raises
  a floating-point flag for nan/inf/huge inputs (NumPy reports flags as
  RuntimeWarnings after a ufunc loop).  Overflowing results are made by
  multiplying a finite value by inf, which raises no flag (``np.exp`` warns
  on overflow, ``exp32`` does not); underflow flags (ignored by NumPy by
  default) are not avoided.

Accuracy (max error in ulps, measured exhaustively over all 2**32 float32
inputs and on >= 1e5 float64 samples against mpmath) is tabulated in
``tests/test_fastmath.py``; all functions are below 1 ulp, most are close to
correctly rounded.  The cheap error-free transformations that make that
possible (Cody-Waite constants with trailing zero bits, Fast2Sum, exact
products with ``fma``, bit-mask splitting) are marked in the code.

Polynomial coefficients
-----------------------
All coefficient tables were computed for this module (block between the
``BEGIN/END GENERATED`` markers, printed by ``python benchmarks/ulp_fastmath.py
fit``): weighted minimax approximation, the weight making the error relative
to the final function value, on the interval stated next to each table --
by the Remez exchange algorithm in 45-digit mpmath arithmetic (float64 tables
and the float32 exp/expm1/log/tanh/erf tables) or by linear programming
(HiGHS) on a 4000-point Chebyshev grid of 30-digit values (the float32 erf/erfc
tail tables) -- followed by greedy rounding to the target precision (round the
lowest-order coefficient, re-optimize the others, repeat).

Interface
---------
For F in (exp, expm1, log, log1p, tanh, erf, erfc):

* ``F32(x)`` / ``F64(x)`` (``exp32``, ``expm132``, ``log32``, ``log1p32``,
  ``tanh32``, ``erf32``, ``erfc32`` and the ``...64`` twins):
  ``numba.extending.register_jitable`` functions.  Called from numba code
  they are compiled with ``forceinline=True`` (LLVM ``alwaysinline``) so
  they end up inside the caller's loop; called from plain Python they run the
  same algorithm on NumPy scalars and return ``np.float32`` / ``np.float64``.
* ``F(x)``: dtype-generic; in numba code it dispatches on the argument type
  (float32 -> ``F32``, float64 -> ``F64``, integers/bools -> ``F64`` like
  ``math.F``).  From plain Python it returns ``F32(x)`` for ``np.float32``
  arguments and ``F64(x)`` otherwise, with IEEE results instead of
  exceptions (``log(0.0) == -inf`` where ``math.log`` raises).

Compilation flags: the jitted bodies use ``fastmath={'contract'}`` only (FMA
contraction; never ``nnan``/``ninf``/``reassoc``/``fast``, which would break
the special-value selects and the error-free transformations) and
``error_model='numpy'`` (no ZeroDivisionError branch around divisions).  Where
an exact fused multiply-add is *required* it is requested explicitly
(``llvm.fma``; the plain-Python fallback computes it exactly), so the
plain-Python path is as accurate as the compiled one; results may differ in
the last bit between the two because of contraction.

``@numba.vectorize`` caveat: numba only inlines the element function of a
``@vectorize`` kernel into the ufunc loop if LLVM's cost model agrees, and a
kernel calling ``erf``/``erfc`` (or several of these functions) is above the
threshold -- the loop then calls the scalar element function and does not
vectorize.  ``enable_vectorize_forceinline()`` lets ``@vectorize(...,
forceinline=True)`` mark the element function ``alwaysinline``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numba import types
from numba.extending import intrinsic, overload, register_jitable

__all__ = [
    "exp", "expm1", "log", "log1p", "tanh", "erf", "erfc",
    "exp32", "expm132", "log32", "log1p32", "tanh32", "erf32", "erfc32",
    "exp64", "expm164", "log64", "log1p64", "tanh64", "erf64", "erfc64",
    "JIT_OPTIONS", "enable_vectorize_forceinline",
]

#: Options every jitted function of this module is compiled with.
JIT_OPTIONS = dict(fastmath={"contract"}, error_model="numpy", forceinline=True)

_f32 = np.float32
_f64 = np.float64
_i32 = np.int32
_i64 = np.int64


def enable_vectorize_forceinline():
    """Make ``numba.vectorize(..., forceinline=True)`` accepted (idempotent).

    numba's ufunc target options lack ``forceinline`` (the option exists for
    ``njit``); this adds it to ``numba.np.ufunc.ufuncbuilder.UFuncTargetOptions``.
    With it the element function gets LLVM's ``alwaysinline`` attribute and is
    inlined into (and vectorized with) the ufunc loop whatever its size.
    Without the flag nothing changes, so calling this is harmless.
    """
    from numba.core.options import _mapping
    from numba.np.ufunc.ufuncbuilder import UFuncTargetOptions

    if not isinstance(getattr(UFuncTargetOptions, "forceinline", None), _mapping):
        UFuncTargetOptions.forceinline = _mapping("forceinline")


# --------------------------------------------------------------------------
# Bit casts (a tiny LLVM ``bitcast`` intrinsic) and an exact fma, with
# NumPy / exact-arithmetic fallbacks so the same source runs as plain Python.
# --------------------------------------------------------------------------

@intrinsic
def _bitcast_f2i(typingctx, x):
    """float32 -> int32, float64 -> int64 (same bits)."""
    if x == types.float32:
        rt = types.int32
    elif x == types.float64:
        rt = types.int64
    else:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(rt))

    return rt(x), codegen


def _make_i2f(ftype, itype):
    @intrinsic
    def _bitcast_i2f(typingctx, i):
        """integer (truncated / sign-extended to the float's width) -> float."""
        if not isinstance(i, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            ity = context.get_value_type(itype)
            v = args[0]
            if i.bitwidth > itype.bitwidth:
                v = builder.trunc(v, ity)
            elif i.bitwidth < itype.bitwidth:
                v = (builder.sext if i.signed else builder.zext)(v, ity)
            return builder.bitcast(v, context.get_value_type(ftype))

        return ftype(i), codegen

    return _bitcast_i2f


_bitcast_i2f32 = _make_i2f(types.float32, types.int32)
_bitcast_i2f64 = _make_i2f(types.float64, types.int64)


@intrinsic
def _fma_intrinsic(typingctx, a, b, c):
    """llvm.fma: a*b + c with a single rounding (vfmadd on x86-64)."""
    if isinstance(a, types.Float) and a == b == c:
        def codegen(context, builder, signature, args):
            return builder.fma(*args)

        return a(a, b, c), codegen
    return None


def _f32_bits(x):
    """Bits of a float32 as int32."""
    return _f32(x).view(_i32)


def _bits_f32(i):
    """float32 with the given (int32) bits."""
    return _i32(i).view(_f32)


def _f64_bits(x):
    """Bits of a float64 as int64."""
    return _f64(x).view(_i64)


def _bits_f64(i):
    """float64 with the given (int64) bits."""
    return _i64(i).view(_f64)


def _fma(a, b, c):
    """a*b + c rounded once (a, b, c of the same float type)."""
    if isinstance(a, np.float32):
        # the product of two float32 is exact in float64; one float64 rounding
        # of the sum, then one to float32 (exact whenever the result is).
        return _f32(_f64(a) * _f64(b) + _f64(c))
    return _f64(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


@overload(_f32_bits, target="cpu", inline="always")
def _ol_f32_bits(x):
    if x == types.float32:
        return lambda x: _bitcast_f2i(x)
    return None


@overload(_bits_f32, target="cpu", inline="always")
def _ol_bits_f32(i):
    if isinstance(i, types.Integer):
        return lambda i: _bitcast_i2f32(i)
    return None


@overload(_f64_bits, target="cpu", inline="always")
def _ol_f64_bits(x):
    if x == types.float64:
        return lambda x: _bitcast_f2i(x)
    return None


@overload(_bits_f64, target="cpu", inline="always")
def _ol_bits_f64(i):
    if isinstance(i, types.Integer):
        return lambda i: _bitcast_i2f64(i)
    return None


@overload(_fma, target="cpu", inline="always")
def _ol_fma(a, b, c):
    if isinstance(a, types.Float) and a == b == c:
        return lambda a, b, c: _fma_intrinsic(a, b, c)
    return None


def _jitable(fn):
    return register_jitable(**JIT_OPTIONS)(fn)


def _horner(x, c):
    """c[0] + c[1]*x + ... + c[n-1]*x**(n-1) for a tuple c (Horner's scheme)."""
    p = c[-1]
    for ci in c[-2::-1]:
        p = p * x + ci
    return p


def horner_impl(n: int):
    """``impl(x, c)``: Horner's scheme over an n-tuple ``c`` as straight-line code.

    Constant tuple indices: a loop over a long tuple would be compiled to a
    jump table and block vectorization. Also used by ``fastact._math.horner``.
    """
    src = ["def impl(x, c):", f"    p = c[{n - 1}]"]
    src += [f"    p = p * x + c[{i}]" for i in range(n - 2, -1, -1)]
    src.append("    return p")
    ns: dict = {}
    exec("\n".join(src), ns)
    return ns["impl"]


@overload(_horner, target="cpu", jit_options=JIT_OPTIONS)
def _ol_horner(x, c):
    return horner_impl(c.count) if isinstance(c, types.UniTuple) else None


def _c32(*v):
    return tuple(_f32(x) for x in v)


def _c64(*v):
    return tuple(_f64(x) for x in v)


# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

_LN2 = math.log(2.0)

# float32 ------------------------------------------------------------------
_ZERO_F, _HALF_F, _ONE_F, _TWO_F = _f32(0.0), _f32(0.5), _f32(1.0), _f32(2.0)
_INF_F, _NAN_F = _f32(np.inf), _f32(np.nan)
_LOG2E_F = _f32(1.0 / _LN2)
_SHIFT_F = _f32(1.5 * 2.0**23)      # (v + SHIFT) - SHIFT == rint(v) for |v| < 2**22
_LN2HI_F = _f32(0.693145751953125)  # 0x3f317200 = 22713 * 2**-15: k*LN2HI exact for |k| < 2**9
_LN2LO_F = _f32(_LN2 - 0.693145751953125)
_I0, _I1, _I23, _I127, _I128 = _i32(0), _i32(1), _i32(23), _i32(127), _i32(128)
_TWO23_F = _f32(2.0**23)
_TINY_F = _f32(2.0**-25)            # expm1(x), log1p(x) round to x below this
_SQRTH_BITS_F = _i32(0x3F3504F3)    # bits of sqrt(1/2)
_EXPMASK_F = _i32(-8388608)         # 0xff800000
_SPLITMASK_F = _i32(-4096)          # 0xfffff000: keep the top 12 significant bits

# float64 ------------------------------------------------------------------
_ZERO_D, _HALF_D, _ONE_D, _TWO_D = _f64(0.0), _f64(0.5), _f64(1.0), _f64(2.0)
_INF_D, _NAN_D = _f64(np.inf), _f64(np.nan)
_LOG2E_D = _f64(1.0 / _LN2)
_SHIFT_D = _f64(1.5 * 2.0**52)
_LN2HI_D = _f64(6.93147180369123816490e-01)  # 0x3fe62e42fee00000: 32 significant bits
_LN2LO_D = _f64(1.90821492927058770002e-10)
_J52, _J1023 = _i64(52), _i64(1023)
_I1023, _I1024 = _i32(1023), _i32(1024)
_J0 = _i64(0)
_TWO54_D = _f64(2.0**54)
_TINY_D = _f64(2.0**-54)
_SQRTH_BITS_D = _i64(0x3FE6A09E667F3BCD)
_EXPMASK_D = _i64(-4503599627370496)       # 0xfff0000000000000
_SPLITMASK_D = _i64(-134217728)            # 0xfffffffff8000000: keep the top 26 bits

_ABS_F, _EXPBITS_F, _SIGN_F = _i32(0x7FFFFFFF), _i32(0x7F800000), _i32(-2147483648)
_ABS_D, _EXPBITS_D, _SIGN_D = (_i64(0x7FFFFFFFFFFFFFFF), _i64(0x7FF0000000000000),
                               _i64(-9223372036854775808))
_FMIN_BITS_F, _FMIN_BITS_D = _i32(0x00800000), _i64(0x0010000000000000)
_NOTOPEXP_F, _NOTOPEXP_D = _i32(-1073741825), _i64(-4611686018427387905)  # ~(1 << 30), ~(1 << 62)


def _b32(v):
    return _f32(v).view(_i32)


def _b64(v):
    return _f64(v).view(_i64)


# Range limits / thresholds --------------------------------------------------
# (compares on possibly-nan data are done on the integer bits: an ordered float
# compare of a nan raises the invalid flag, and LLVM may move a compare past a
# sanitizing select)
_EXP_LO_F, _EXP_LO_D = _f32(-104.0), _f64(-746.0)    # exp rounds to 0 below
# largest x with a finite exp(x) (and expm1(x)); every larger x gives inf
_EXP_HI_F, _EXP_HI_D = _f32(88.72283172607422), _f64(709.782712893384)
_EXPM1_LO_F, _EXPM1_LO_D = _f32(-30.0), _f64(-60.0)  # expm1 rounds to -1 below
_TANH_T_F, _TANH_T_D = _f32(0.5625), _f64(0.5625)    # polynomial below, exp formula above
_TANH_A_F, _TANH_A_D = _f32(10.0), _f64(20.0)        # clamp of |x| (tanh == +-1 beyond)
_ERF_T_F, _ERF_T_D = _f32(0.921875), _f64(0.921875)  # erf: polynomial below, 1 - erfc above
_ERFT_XMAX_F, _ERFT_XMAX_D = _f32(4.0), _f64(6.0)    # erf == +-1 beyond
_ERFT_C_F = _f32(1.25)                               # float32 erf tail: polynomial in x - 1.25
_ERFT_K_D = _f64(2.0)                                # float64 erf tail: t = (x-2)/(x+2)
_ERFC_T_F, _ERFC_T_D = _f32(0.46875), _f64(0.46875)  # erfc: 1 - erf below
_ERFCT_XMAX_F, _ERFCT_XMAX_D = _f32(10.125), _f64(27.3125)  # erfc == 0 beyond
_ERFCT_K_F, _ERFCT_RK_F = _f32(2.0), _f32(0.25)      # erfc tail: t = (x-K)/(x+K), RK = 1/(2K)
_ERFCT_K_D, _ERFCT_RK_D = _f64(4.0), _f64(0.125)

# the same limits as integer bit patterns (for the compares on the bits)
_B_EXP_HI_F, _B_EXP_LO_F = _b32(_EXP_HI_F), _b32(-_EXP_LO_F)
_B_EXP_HI_D, _B_EXP_LO_D = _b64(_EXP_HI_D), _b64(-_EXP_LO_D)
_B_EXPM1_LO_F, _B_EXPM1_LO_D = _b32(-_EXPM1_LO_F), _b64(-_EXPM1_LO_D)
_B_TINY_F, _B_TINY_D = _b32(_TINY_F), _b64(_TINY_D)
_B_ONE_F, _B_ONE_D = _b32(1.0), _b64(1.0)
_B_HALF_F, _B_HALF_D = _b32(0.5), _b64(0.5)
_B_TANH_T_F, _B_TANH_T_D = _b32(_TANH_T_F), _b64(_TANH_T_D)
_B_TANH_TINY_F, _B_TANH_TINY_D = _b32(2.0**-12), _b64(2.0**-27)   # tanh(x) rounds to x
_B_TANH_A_F, _B_TANH_A_D = _b32(_TANH_A_F), _b64(_TANH_A_D)
_B_ERF_T_F, _B_ERF_T_D = _b32(_ERF_T_F), _b64(_ERF_T_D)
_B_ERFT_XMAX_F, _B_ERFT_XMAX_D = _b32(_ERFT_XMAX_F), _b64(_ERFT_XMAX_D)
_B_ERFC_T_F, _B_ERFC_T_D = _b32(_ERFC_T_F), _b64(_ERFC_T_D)
_B_ERFCT_XMAX_F, _B_ERFCT_XMAX_D = _b32(_ERFCT_XMAX_F), _b64(_ERFCT_XMAX_D)
_B_ERFCT_K_F, _B_ERFCT_K_D = _b32(_ERFCT_K_F), _b64(_ERFCT_K_D)

# ---- BEGIN GENERATED COEFFICIENTS (python benchmarks/ulp_fastmath.py fit) ----
# exp: (expm1(r) - r)/r**2, r in +-ln2/2*1.002, weight r**2/exp(r)
_EXP_P_F = _c32(0.4999999403953552, 0.16666515171527863, 0.04166807979345322,
                0.008369364775717258, 0.001384134404361248)
_EXP_P_D = _c64(0.5000000000000011, 0.16666666666666333, 0.04166666666652441,
                0.008333333333548897, 0.0013888888945478197, 0.00019841269382853645,
                2.4801490906076784e-05, 2.755770132434744e-06, 2.763111297127902e-07,
                2.4962449566304913e-08)
# expm1: (expm1(r) - r)/r**2, r in +-ln2/2*1.002, weight r**2/|expm1(r)|
_EXPM1_P_F = _c32(0.5, 0.1666666567325592, 0.04166649654507637, 0.008333531208336353,
                  0.0013932212023064494, 0.00019780233560595661)
_EXPM1_P_D = _c64(0.5, 0.16666666666666677, 0.041666666666666685, 0.008333333333321825,
                  0.0013888888888895867, 0.00019841269885291108, 2.4801587272964842e-05,
                  2.7557245147631897e-06, 2.755733490033014e-07, 2.5108711502370153e-08,
                  2.0892358364994467e-09)
# log32: (log1p(f) - f + f**2/2)/f**3, f in [sqrt(1/2)-1, sqrt(2)-1]*1.0005,
# weight f**3/|log1p(f)|
_LOG_P_F = _c32(0.3333331346511841, -0.25000137090682983, 0.20002183318138123,
                -0.16661056876182556, 0.14212262630462646, -0.12520593404769897,
                0.12055374681949615, -0.11073780059814453, 0.05663272738456726)
# log64 (fdlibm arrangement): (2*atanh(s) - 2*s)/(s*z), z = s**2 in
# [0, ((sqrt(2)-1)/(sqrt(2)+1)*1.0005)**2], weight s*z/(2*atanh(s))
_LOG_P_D = _c64(0.6666666666666735, 0.39999999999409136, 0.28571428743781474,
                0.2222219841461818, 0.18183573330644068, 0.15313801583745643,
                0.1479861863164684)
# tanh: (tanh(x) - x)/x**3 in u = x**2, |x| <= 0.5625, weight x**3/tanh(x)
_TANH_P_F = _c32(-0.3333331346511841, 0.13332436978816986, -0.053835757076740265,
                 0.02100037969648838, -0.006169630214571953)
_TANH_P_D = _c64(-0.33333333333333276, 0.13333333333322822, -0.05396825396154671,
                 0.021869488322275546, -0.008863231556698594, 0.003592081452032645,
                 -0.0014554746020867158, 0.0005881633263477004, -0.00023266557870638233,
                 8.22899005590789e-05, -1.886108468107772e-05)
# erf: (erf(x) - x)/x in u = x**2, |x| <= 0.921875, weight x/erf(x)
_ERF_P_F = _c32(0.12837916612625122, -0.3761262893676758, 0.11283625662326813,
                -0.026855729520320892, 0.005192392505705357, -0.0008049514726735651,
                7.99504850874655e-05)
_ERF_P_D = _c64(0.1283791670955126, -0.3761263890318408, 0.11283791670969558,
                -0.02686617064759707, 0.00522397764693065, -0.0008548328101810775,
                0.00012055365842010069, -1.4926259080586583e-05, 1.6468435516974113e-06,
                -1.6388785427605446e-07, 1.4595403168478745e-08, -9.632918076823788e-10)
# erf tail: G = erfcx(x) = exp(x**2)*erfc(x), weight exp(-x**2)/erf(x);
#   float32: in v = x - 1.25, x in [0.921875, 4];  float64: in t = (x-2)/(x+2), x in [0.921875, 6]
_ERFT_P_F = _c32(0.36782291531562805, -0.20882192254066467, 0.10679538547992706,
                 -0.05021621659398079, 0.022015441209077835, -0.009108256548643112,
                 0.003555151866748929, -0.0012184028746560216, 0.0002986157778650522,
                 -3.5305809433339164e-05)
_ERFT_P_D = _c64(0.25539567631050586, -0.42718584741395577, 0.2416581942423625,
                 -0.07897858101789369, 0.003732892406662219, 0.0069974619831081565,
                 -0.0008471421068269236, -0.0009819822066888205, 4.35025953979519e-05,
                 0.0001742792111388487, 2.797678870457612e-05, -2.5639630743101716e-05,
                 -1.183071905294731e-05)
# erfc tail: H = erfcx(x)*(x + 1/2) (flat: [0.589, 0.644]) in t = (x-K)/(x+K),
# weight 1/H, c0 kept as a hi/lo pair (C0, C0LO), table = c1, c2, ...
#   float32: K = 2, x in [0.46875, 10.125];  float64: K = 4, x in [0.46875, 27.3125]
_ERFCT_C0_F, _ERFCT_C0LO_F = _f32(0.6384891867637634), _f32(3.884041532842275e-09)
_ERFCT_P_F = _c32(-0.04638190567493439, -0.08301518112421036, 0.08202527463436127,
                  -0.027110373601317406, -0.004012039862573147, 0.00436395825818181,
                  0.0006075921701267362, -0.0007354207918979228, -0.0001551947498228401,
                  0.00010824670607689768)
_ERFCT_C0_D, _ERFCT_C0LO_D = _f64(0.6164975593127763), _f64(-2.1822255997422032e-17)
_ERFCT_P_D = _c64(-0.06981055842028125, 0.007689826051309512, 0.034048527127345636,
                  -0.05051953301812625, 0.046866417499200404, -0.033165182906830175,
                  0.018583757768228196, -0.008098867018737178, 0.002515984995196325,
                  -0.00037888672722504005, -9.962839490174698e-05, 7.531125934866895e-05,
                  -1.2199367810485768e-05, -5.612394390904971e-06, 2.8540665233701726e-06,
                  1.498183568528182e-07, -4.10959538509619e-07, 3.3482905070580505e-08,
                  5.261608247773647e-08, -6.103080760716351e-09, -5.171730377753111e-09)
# ---- END GENERATED COEFFICIENTS ----

# expm1 tables start with exactly 1/2; the rest is used as r^2 * (1/2 + r*Q(r))
_EXPM1_Q_F, _EXPM1_Q_D = _EXPM1_P_F[1:], _EXPM1_P_D[1:]
assert _EXPM1_P_F[0] == 0.5 and _EXPM1_P_D[0] == 0.5


# --------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------
# SIMD evaluation computes both sides of every select for every lane, so inputs are
# clamped *before* any arithmetic, on the integer bits (integer min/max: LLVM cannot
# move the float arithmetic in front of them), and every intermediate stays finite:
# no spurious overflow/invalid flags for inf, nan or huge inputs.

@_jitable
def _pow2_32(k):
    """2.0**k as float32 for an integer -126 <= k <= 127."""
    return _bits_f32((k + _I127) << _I23)


@_jitable
def _pow2_64(k):
    """2.0**k as float64 for an int32-valued integer -1022 <= k <= 1023."""
    return _bits_f64((_i64(k) + _J1023) << _J52)


@_jitable
def _imin(a, b):
    return a if a < b else b


@_jitable
def _imax(a, b):
    return a if a > b else b


# --------------------------------------------------------------------------
# exp
# --------------------------------------------------------------------------
# x = k*ln2 + r, |r| <= ln2/2.  Cody-Waite: rh = x - k*LN2HI is exact, rl = -k*LN2LO.
# exp(r) = 1 + rh + c, c = rl + r^2*P(r); 1 + rh is summed with Fast2Sum so that the
# result is rounded essentially once.  Scaling by 2**k = 2**k1 * 2**k2 (k1 = k >> 1):
# both factors are normal for every k the clamp allows, the first product is exact
# and the second rounds once, so subnormal results are right (exp(-100f) = 3.72e-44).

@_jitable
def exp32(x):
    """exp(x) for float32."""
    x = _f32(x)
    ix = _f32_bits(x)
    ax = ix & _ABS_F
    over = ix > _B_EXP_HI_F                              # x > HI, +inf, +nan
    # clamp to [LO, HI] on the bits (-inf, -nan -> LO; +inf, +nan -> HI)
    xc = _bits_f32(_imin(ax, _B_EXP_LO_F) | _SIGN_F if ix < _I0 else _imin(ix, _B_EXP_HI_F))
    kf = (xc * _LOG2E_F + _SHIFT_F) - _SHIFT_F
    rh = xc - kf * _LN2HI_F                              # exact
    rl = -(kf * _LN2LO_F)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_F)              # exp(r) = 1 + rh + c
    ph = _ONE_F + rh
    p = ph + (((_ONE_F - ph) + rh) + c)
    k = _i32(kf)
    k1 = k >> _I1
    y = (p * _pow2_32(k1)) * _pow2_32(k - k1)
    y = y * (_INF_F if over else _ONE_F)                 # overflow without the flag
    return y if x == x else x


@_jitable
def exp_shifted32(d, dd):
    """exp(d + dd) for float32 ``d <= 0`` (or -inf, nan) and a correction
    ``|dd| <= ulp(d)``: the row kernels' exp(x - max), with the rounding error
    of x - max folded into the reduced argument instead of a product after it.

    Cheaper than :func:`exp32` (no overflow side, one-float reconstruction
    1 + (r + r^2 P(r))): measured 1.01 ULP over every float32 d <= 0 with
    dd = 0 (``tests/test_fastmath.py``). Below -104 the result is 0 (dd is
    then ignored: pass a finite one).
    """
    d = _f32(d)
    dc = d if d > _EXP_LO_F else _EXP_LO_F               # -inf, nan -> LO
    kf = (dc * _LOG2E_F + _SHIFT_F) - _SHIFT_F
    r = ((dc - kf * _LN2HI_F) - kf * _LN2LO_F) + _f32(dd)
    p = _ONE_F + (r + (r * r) * _horner(r, _EXP_P_F))
    k = _i32(kf)
    k1 = k >> _I1
    y = (p * _pow2_32(k1)) * _pow2_32(k - k1)
    return y if d == d else d


@_jitable
def exp64(x):
    """exp(x) for float64."""
    x = _f64(x)
    ix = _f64_bits(x)
    ax = ix & _ABS_D
    over = ix > _B_EXP_HI_D                              # x > HI, +inf, +nan
    # clamp to [LO, HI] on the bits (-inf, -nan -> LO; +inf, +nan -> HI)
    xc = _bits_f64(_imin(ax, _B_EXP_LO_D) | _SIGN_D if ix < _J0 else _imin(ix, _B_EXP_HI_D))
    kf = (xc * _LOG2E_D + _SHIFT_D) - _SHIFT_D
    rh = xc - kf * _LN2HI_D
    rl = -(kf * _LN2LO_D)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_D)
    ph = _ONE_D + rh
    p = ph + (((_ONE_D - ph) + rh) + c)
    k = _i32(kf)
    k1 = k >> _I1
    y = (p * _pow2_64(k1)) * _pow2_64(k - k1)
    y = y * (_INF_D if over else _ONE_D)                 # overflow without the flag
    return y if x == x else x


# --------------------------------------------------------------------------
# expm1
# --------------------------------------------------------------------------
# Same reduction, expm1(r) = rh + c, c = rl + r^2/2 + r^3*Q(r) with r^2 split exactly
# (fma), so that c is accurate to ~1/2 ulp.  With t = 2**k:
# expm1(x) = (t - 1) + t*rh + t*c, where t - 1 = tm1 + e1 exactly and
# tm1 + t*rh is a Fast2Sum (|t - 1| >= |t*rh| or t == 1), so only the final sum
# rounds; k = 1 and k = 0 (no reduction: expm1(x) = x + ... near 0) are exact
# up to that rounding -- no cancellation.  k = 128 / 1024 (results near the
# overflow threshold) is computed as 2 * (result with 2**(k-1)).

@_jitable
def expm132(x):
    """expm1(x) for float32."""
    x = _f32(x)
    ix = _f32_bits(x)
    ax = ix & _ABS_F
    over = ix > _B_EXP_HI_F                              # x > HI, +inf, +nan
    # clamp to [LO, HI] on the bits (-inf, -nan -> LO; +inf, +nan -> HI)
    xc = _bits_f32(_imin(ax, _B_EXPM1_LO_F) | _SIGN_F if ix < _I0 else _imin(ix, _B_EXP_HI_F))
    kf = (xc * _LOG2E_F + _SHIFT_F) - _SHIFT_F
    rh = xc - kf * _LN2HI_F
    rl = -(kf * _LN2LO_F)
    r = rh + rl
    r2 = r * r
    r2e = _fma(r, r, -r2)                                # r*r = r2 + r2e exactly
    c = (rl + _HALF_F * r2) + (_HALF_F * r2e + r2 * (r * _horner(r, _EXPM1_Q_F)))            # expm1(r) = rh + c
    k = _i32(kf)
    t = _pow2_32(k if k < _I128 else _I127)
    tm1 = t - _ONE_F
    e1 = (t - tm1) - _ONE_F                              # t - 1 = tm1 + e1
    ah = tm1 + t * rh
    y = ah + (((tm1 - ah) + t * rh) + (t * c + e1))
    y = y * (_TWO_F if k > _I127 else _ONE_F)
    y = y * (_INF_F if over else _ONE_F)
    y = y if x == x else x
    return y if ax >= _B_TINY_F else x                   # tiny, +-0: x (sign kept)


@_jitable
def expm164(x):
    """expm1(x) for float64."""
    x = _f64(x)
    ix = _f64_bits(x)
    ax = ix & _ABS_D
    over = ix > _B_EXP_HI_D                              # x > HI, +inf, +nan
    # clamp to [LO, HI] on the bits (-inf, -nan -> LO; +inf, +nan -> HI)
    xc = _bits_f64(_imin(ax, _B_EXPM1_LO_D) | _SIGN_D if ix < _J0 else _imin(ix, _B_EXP_HI_D))
    kf = (xc * _LOG2E_D + _SHIFT_D) - _SHIFT_D
    rh = xc - kf * _LN2HI_D
    rl = -(kf * _LN2LO_D)
    r = rh + rl
    r2 = r * r
    r2e = _fma(r, r, -r2)                                # r*r = r2 + r2e exactly
    c = (rl + _HALF_D * r2) + (_HALF_D * r2e + r2 * (r * _horner(r, _EXPM1_Q_D)))
    k = _i32(kf)
    t = _pow2_64(k if k < _I1024 else _I1023)
    tm1 = t - _ONE_D
    e1 = (t - tm1) - _ONE_D
    ah = tm1 + t * rh
    y = ah + (((tm1 - ah) + t * rh) + (t * c + e1))
    y = y * (_TWO_D if k > _I1023 else _ONE_D)
    y = y * (_INF_D if over else _ONE_D)
    y = y if x == x else x
    return y if ax >= _B_TINY_D else x                   # tiny, +-0: x (sign kept)


# --------------------------------------------------------------------------
# log
# --------------------------------------------------------------------------
# x = 2**e * m, m in [sqrt(1/2), sqrt(2)) taken from the bits (subnormals are first
# scaled by 2**23 / 2**54), f = m - 1 (exact), log(x) = e*ln2 + log1p(f).
# float32: log1p(f) = f - f^2/2 + f^3*P(f); e*LN2HI + f is a Fast2Sum and f*f is
#          split exactly with fma, so the result is rounded essentially once.
# float64: fdlibm's arrangement, s = f/(2+f), z = s^2, log1p(f) = f - hfsq + s*(hfsq + z*P(z)).

@_jitable
def _log_core32(xs, e0, corr):
    """log(xs) + corr for a positive normal float32 xs; e0 is added to the exponent."""
    ix = _f32_bits(xs)
    tmp = _i32(ix - _SQRTH_BITS_F)
    e = _i32(_i32(tmp >> _I23) + e0)
    m = _bits_f32(ix - (tmp & _EXPMASK_F))
    f = m - _ONE_F                                       # exact
    ef = _f32(e)
    f2 = f * f
    f2e = _fma(f, f, -f2)                                # f*f = f2 + f2e exactly
    a = ef * _LN2HI_F                                    # exact
    hi = a + f
    err = (a - hi) + f                                   # Fast2Sum: |a| >= |f| or a == 0
    lo = (f2 * f) * _horner(f, _LOG_P_F) - _HALF_F * f2
    lo = lo + ((ef * _LN2LO_F + corr) - _HALF_F * f2e)
    return hi + (lo + err)


@_jitable
def _log_core64(xs, e0, corr):
    """log(xs) + corr for a positive normal float64 xs; e0 is added to the exponent."""
    ix = _f64_bits(xs)
    tmp = ix - _SQRTH_BITS_D
    e = _i32(tmp >> _J52) + e0
    m = _bits_f64(ix - (tmp & _EXPMASK_D))
    f = m - _ONE_D
    s = f / (_TWO_D + f)
    z = s * s
    rr = z * _horner(z, _LOG_P_D)
    hfsq = _HALF_D * f * f
    dk = _f64(_i32(e))
    return dk * _LN2HI_D - ((hfsq - (s * (hfsq + rr) + (dk * _LN2LO_D + corr))) - f)


@_jitable
def log32(x):
    """log(x) for float32 (log(0) = -inf, log(x < 0) = nan, log(inf) = inf)."""
    x = _f32(x)
    ix = _f32_bits(x)
    ok = (ix > _I0) & (ix < _EXPBITS_F)                  # 0 < x < inf
    sub = (ix >= _I0) & (ix < _FMIN_BITS_F)                # +0 and subnormals
    xs = x if ok else _ONE_F
    xsub = _bits_f32(_imin(_imax(ix, _I0), _FMIN_BITS_F)) * _TWO23_F   # no overflow
    xs = xsub if sub else xs
    y = _log_core32(xs, _i32(-23) if sub else _i32(0), _ZERO_F)
    bad = -_INF_F if x == _ZERO_F else (x if x == _INF_F else _NAN_F)
    return y if ok else bad


@_jitable
def log64(x):
    """log(x) for float64 (log(0) = -inf, log(x < 0) = nan, log(inf) = inf)."""
    x = _f64(x)
    ix = _f64_bits(x)
    ok = (ix > _J0) & (ix < _EXPBITS_D)                  # 0 < x < inf
    sub = (ix >= _J0) & (ix < _FMIN_BITS_D)                # +0 and subnormals
    xs = x if ok else _ONE_D
    xsub = _bits_f64(_imin(_imax(ix, _J0), _FMIN_BITS_D)) * _TWO54_D   # no overflow
    xs = xsub if sub else xs
    y = _log_core64(xs, _i32(-54) if sub else _i32(0), _ZERO_D)
    bad = -_INF_D if x == _ZERO_D else (x if x == _INF_D else _NAN_D)
    return y if ok else bad


# --------------------------------------------------------------------------
# log1p
# --------------------------------------------------------------------------
# u = fl(1 + x), c = (1 + x) - u exactly (Fast2Sum, larger operand first),
# log1p(x) = log(u) + c/u.

@_jitable
def log1p32(x):
    """log1p(x) for float32 (log1p(-1) = -inf, log1p(x < -1) = nan)."""
    x = _f32(x)
    ix = _f32_bits(x)
    ax = ix & _ABS_F
    # inf/nan -> a finite value (clear the top exponent bit).  Not a select with a
    # constant arm: LLVM would distribute the arithmetic below over such a select
    # and evaluate it on the raw inf/nan, raising the invalid flag.
    xf = _bits_f32(ix & _NOTOPEXP_F if ax >= _EXPBITS_F else ix)
    u = _ONE_F + xf
    c = ((xf - u) + _ONE_F) if ix > _B_ONE_F else ((_ONE_F - u) + xf)
    us = u if _f32_bits(u) > _I0 else _ONE_F - u           # > 0 in every lane
    y = _log_core32(us, _i32(0), c / us)
    y = y * (_INF_F if ix == _EXPBITS_F else _ONE_F)         # log1p(+inf) = +inf
    y = -_INF_F if x == -_ONE_F else y
    y = _NAN_F if (ix < _I0) & (ax > _B_ONE_F) else y         # x < -1 (and -inf, -nan)
    y = y if x == x else x
    return y if ax >= _B_TINY_F else x                   # tiny, +-0: x (sign kept)


@_jitable
def log1p64(x):
    """log1p(x) for float64 (log1p(-1) = -inf, log1p(x < -1) = nan)."""
    x = _f64(x)
    ix = _f64_bits(x)
    ax = ix & _ABS_D
    # inf/nan -> a finite value (clear the top exponent bit).  Not a select with a
    # constant arm: LLVM would distribute the arithmetic below over such a select
    # and evaluate it on the raw inf/nan, raising the invalid flag.
    xf = _bits_f64(ix & _NOTOPEXP_D if ax >= _EXPBITS_D else ix)
    u = _ONE_D + xf
    c = ((xf - u) + _ONE_D) if ix > _B_ONE_D else ((_ONE_D - u) + xf)
    us = u if _f64_bits(u) > _J0 else _ONE_D - u           # > 0 in every lane
    y = _log_core64(us, _i32(0), c / us)
    y = y * (_INF_D if ix == _EXPBITS_D else _ONE_D)         # log1p(+inf) = +inf
    y = -_INF_D if x == -_ONE_D else y
    y = _NAN_D if (ix < _J0) & (ax > _B_ONE_D) else y         # x < -1 (and -inf, -nan)
    y = y if x == x else x
    return y if ax >= _B_TINY_D else x                   # tiny, +-0: x (sign kept)


# --------------------------------------------------------------------------
# tanh
# --------------------------------------------------------------------------
# |x| < 0.5625: x + x^3*P(x^2) (tiny x and -0 come out exactly).
# otherwise: sign(x) * (1 - 2/(E + 1)), E = exp(2|x|) (2|x| clamped to 20 / 40,
# where tanh == +-1) carried as eh + el; E + 1 (Fast2Sum), the quotient (one
# division + an exact fma residual) and 1 - q (Fast2Sum) are all kept to about
# twice the working precision, so the result is rounded essentially once.

@_jitable
def tanh32(x):
    """tanh(x) for float32."""
    x = _f32(x)
    ix = _f32_bits(x)
    ax = ix & _ABS_F
    small = ax < _B_TANH_T_F
    xs = _bits_f32(_imin(ax, _B_TANH_T_F) | (ix & _SIGN_F))    # |xs| <= T
    u = xs * xs
    ys = xs + (xs * u) * _horner(u, _TANH_P_F)
    ys = x if ax < _B_TANH_TINY_F else ys                 # tanh(x) rounds to x; keeps -0
    a = _bits_f32(_imin(ax, _B_TANH_A_F))                  # |x| clamped to A (nan, inf -> A)
    v = a + a
    kf = (v * _LOG2E_F + _SHIFT_F) - _SHIFT_F
    rh = v - kf * _LN2HI_F
    rl = -(kf * _LN2LO_F)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_F)
    p0 = _ONE_F + rh
    p1 = ((_ONE_F - p0) + rh) + c
    ph = p0 + p1                                         # exp(r) = ph + pl
    pl = (p0 - ph) + p1
    sc = _pow2_32(_i32(kf))
    eh = ph * sc
    el = pl * sc
    dh = eh + _ONE_F                                     # E + 1 = dh + dl
    dl = ((eh - dh) + _ONE_F) + el
    q = _TWO_F / dh                                      # 2/(dh + dl) = q + qc
    qc = (_fma(-q, dh, _TWO_F) - q * dl) * (q * _HALF_F)
    yh = _ONE_F - q
    yl = yh + (((_ONE_F - yh) - q) - qc)
    yl = -yl if ix < _I0 else yl
    y = ys if small else yl
    return y if x == x else x


@_jitable
def tanh64(x):
    """tanh(x) for float64."""
    x = _f64(x)
    ix = _f64_bits(x)
    ax = ix & _ABS_D
    small = ax < _B_TANH_T_D
    xs = _bits_f64(_imin(ax, _B_TANH_T_D) | (ix & _SIGN_D))    # |xs| <= T
    u = xs * xs
    ys = xs + (xs * u) * _horner(u, _TANH_P_D)
    ys = x if ax < _B_TANH_TINY_D else ys                 # tanh(x) rounds to x; keeps -0
    a = _bits_f64(_imin(ax, _B_TANH_A_D))                  # |x| clamped to A (nan, inf -> A)
    v = a + a
    kf = (v * _LOG2E_D + _SHIFT_D) - _SHIFT_D
    rh = v - kf * _LN2HI_D
    rl = -(kf * _LN2LO_D)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_D)
    p0 = _ONE_D + rh
    p1 = ((_ONE_D - p0) + rh) + c
    ph = p0 + p1
    pl = (p0 - ph) + p1
    sc = _pow2_64(_i32(kf))
    eh = ph * sc
    el = pl * sc
    dh = eh + _ONE_D
    dl = ((eh - dh) + _ONE_D) + el
    q = _TWO_D / dh
    qc = (_fma(-q, dh, _TWO_D) - q * dl) * (q * _HALF_D)
    yh = _ONE_D - q
    yl = yh + (((_ONE_D - yh) - q) - qc)
    yl = -yl if ix < _J0 else yl
    y = ys if small else yl
    return y if x == x else x


# --------------------------------------------------------------------------
# erf
# --------------------------------------------------------------------------
# |x| < 0.921875: x + x*P(x^2) (tiny x and -0 exact).
# otherwise: sign(x) * (1 - exp(-x^2) * G(|x|)), |x| clamped to 4 / 6 (erf == +-1
# beyond).  erfc/erf < 0.25 there, so single-precision x^2 and G suffice; the
# product exp(-x^2)*G is formed with one rounding (fma).

@_jitable
def erf32(x):
    """erf(x) for float32."""
    x = _f32(x)
    ix = _f32_bits(x)
    ax = ix & _ABS_F
    small = ax < _B_ERF_T_F
    xs = _bits_f32(_imin(ax, _B_ERF_T_F) | (ix & _SIGN_F))    # |xs| <= T
    ys = xs + xs * _horner(xs * xs, _ERF_P_F)
    al = _bits_f32(_imax(_imin(ax, _B_ERFT_XMAX_F), _B_ERF_T_F))    # |x| clamped to [T, XMAX]
    q = -(al * al)
    kf = (q * _LOG2E_F + _SHIFT_F) - _SHIFT_F
    rh = q - kf * _LN2HI_F                               # exact
    rl = -(kf * _LN2LO_F)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_F)
    p0 = _ONE_F + rh
    p1 = ((_ONE_F - p0) + rh) + c                        # exp(r) = p0 + p1
    g = _horner(al - _ERFT_C_F, _ERFT_P_F) * _pow2_32(_i32(kf))
    yt = _ONE_F - _fma(g, p0, g * p1)
    yt = -yt if ix < _I0 else yt
    y = ys if small else yt
    return y if x == x else x


@_jitable
def erf64(x):
    """erf(x) for float64."""
    x = _f64(x)
    ix = _f64_bits(x)
    ax = ix & _ABS_D
    small = ax < _B_ERF_T_D
    xs = _bits_f64(_imin(ax, _B_ERF_T_D) | (ix & _SIGN_D))    # |xs| <= T
    ys = xs + xs * _horner(xs * xs, _ERF_P_D)
    al = _bits_f64(_imax(_imin(ax, _B_ERFT_XMAX_D), _B_ERF_T_D))    # |x| clamped to [T, XMAX]
    q = -(al * al)
    kf = (q * _LOG2E_D + _SHIFT_D) - _SHIFT_D
    rh = q - kf * _LN2HI_D
    rl = -(kf * _LN2LO_D)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_D)
    p0 = _ONE_D + rh
    p1 = ((_ONE_D - p0) + rh) + c
    t = (al - _ERFT_K_D) / (al + _ERFT_K_D)
    g = _horner(t, _ERFT_P_D) * _pow2_64(_i32(kf))
    yt = _ONE_D - _fma(g, p0, g * p1)
    yt = -yt if ix < _J0 else yt
    y = ys if small else yt
    return y if x == x else x


# --------------------------------------------------------------------------
# erfc
# --------------------------------------------------------------------------
# |x| < 0.46875: 1 - erf(x) (erf(x) < 1/2, no cancellation problem).
# otherwise, for a = |x| clamped to the underflow point (10.125 / 27.3125):
#   e = exp(-a^2) * H(t) / (a + 1/2),  H = erfcx(a)*(a + 1/2),  t = (a - K)/(a + K),
#   erfc(x) = e (x > 0) or 2 - e (x < 0).
# * H is flat ([0.589, 0.644]), so the rounding of t barely matters; t still gets
#   one correction step from the exact residuals of a - K, a + K (Fast2Sum) and of
#   the division (fma).  The last Horner step of H is kept as hh + hl.
# * exp(-a^2): a = ah + (a - ah) with ah the top 12 / 26 significant bits (bit
#   mask), qh = -ah*ah is exact and enters the Cody-Waite reduction exactly,
#   ql = (a - ah)*(a + ah) goes into the small part.
# * H * exp(r) is formed as mh + ml (exact product hh*rh via fma, Fast2Sum) and
#   multiplied by 1/(a + 1/2) = vh + vl (a + 1/2 exact as sh + sl, one division, a
#   Newton correction with an fma residual): one final rounding.
# * 2**k is applied last, in two steps, so subnormal results are rounded once
#   (erfc(10) = 2.09e-45 in float64; float32 underflows to 0 past x ~ 10.05).

@_jitable
def erfc32(x):
    """erfc(x) for float32."""
    x = _f32(x)
    ix = _f32_bits(x)
    ax = ix & _ABS_F
    small = ax < _B_ERFC_T_F
    xs = _bits_f32(_imin(ax, _B_ERFC_T_F) | (ix & _SIGN_F))    # |xs| <= T
    ys = _ONE_F - (xs + xs * _horner(xs * xs, _ERF_P_F))
    al = _bits_f32(_imax(_imin(ax, _B_ERFCT_XMAX_F), _B_ERFC_T_F))    # |x| clamped to [T, XMAX]
    bal = _f32_bits(al)
    # t = (a - K)/(a + K)
    big = bal > _B_ERFCT_K_F
    nh = al - _ERFCT_K_F                                 # a - K = nh + nl
    nl = ((al - nh) - _ERFCT_K_F) if big else (al - (nh + _ERFCT_K_F))
    dh = al + _ERFCT_K_F                                 # a + K = dh + dl
    dl = ((al - dh) + _ERFCT_K_F) if big else ((_ERFCT_K_F - dh) + al)
    t = nh / dh
    t = t + (_fma(-t, dh, nh) + (nl - t * dl)) * ((_ONE_F - t) * _ERFCT_RK_F)
    # H(t) = hh + hl
    p1 = _horner(t, _ERFCT_P_F)
    hh = _fma(t, p1, _ERFCT_C0_F)
    hl = _fma(t, p1, _ERFCT_C0_F - hh) + _ERFCT_C0LO_F  # C0 - hh exact (Sterbenz)
    # exp(-a^2) = 2**k * exp(r), exp(r) = 1 + rh + c
    ah = _bits_f32(_f32_bits(al) & _SPLITMASK_F)
    qh = -(ah * ah)                                      # exact
    ql = (al - ah) * (al + ah)
    kf = ((qh - ql) * _LOG2E_F + _SHIFT_F) - _SHIFT_F
    rh = qh - kf * _LN2HI_F                              # exact
    rl = -(ql + kf * _LN2LO_F)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_F)
    # H * exp(r) = mh + ml
    ph = hh * rh
    pl = _fma(hh, rh, -ph)                               # hh*rh = ph + pl exactly
    mh = hh + ph
    ml = ((hh - mh) + ph) + (pl + _fma(hh, c, hl + hl * rh))
    # 1/(a + 1/2) = vh + vl
    sh = al + _HALF_F
    sl = ((al - sh) + _HALF_F) if bal > _B_HALF_F else ((_HALF_F - sh) + al)
    vh = _ONE_F / sh
    vl = vh * (_fma(-vh, sh, _ONE_F) - sl * vh)
    y = _fma(mh, vh, _fma(mh, vl, ml * vh))
    k = _i32(kf)
    k1 = k >> _I1
    e = (y * _pow2_32(k1)) * _pow2_32(k - k1)
    yt = _TWO_F - e if ix < _I0 else e
    y = ys if small else yt
    return y if x == x else x


@_jitable
def erfc64(x):
    """erfc(x) for float64."""
    x = _f64(x)
    ix = _f64_bits(x)
    ax = ix & _ABS_D
    small = ax < _B_ERFC_T_D
    xs = _bits_f64(_imin(ax, _B_ERFC_T_D) | (ix & _SIGN_D))    # |xs| <= T
    ys = _ONE_D - (xs + xs * _horner(xs * xs, _ERF_P_D))
    al = _bits_f64(_imax(_imin(ax, _B_ERFCT_XMAX_D), _B_ERFC_T_D))    # |x| clamped to [T, XMAX]
    bal = _f64_bits(al)
    big = bal > _B_ERFCT_K_D
    nh = al - _ERFCT_K_D
    nl = ((al - nh) - _ERFCT_K_D) if big else (al - (nh + _ERFCT_K_D))
    dh = al + _ERFCT_K_D
    dl = ((al - dh) + _ERFCT_K_D) if big else ((_ERFCT_K_D - dh) + al)
    t = nh / dh
    t = t + (_fma(-t, dh, nh) + (nl - t * dl)) * ((_ONE_D - t) * _ERFCT_RK_D)
    p1 = _horner(t, _ERFCT_P_D)
    hh = _fma(t, p1, _ERFCT_C0_D)
    hl = _fma(t, p1, _ERFCT_C0_D - hh) + _ERFCT_C0LO_D
    ah = _bits_f64(_f64_bits(al) & _SPLITMASK_D)
    qh = -(ah * ah)
    ql = (al - ah) * (al + ah)
    kf = ((qh - ql) * _LOG2E_D + _SHIFT_D) - _SHIFT_D
    rh = qh - kf * _LN2HI_D
    rl = -(ql + kf * _LN2LO_D)
    r = rh + rl
    c = rl + (r * r) * _horner(r, _EXP_P_D)
    ph = hh * rh
    pl = _fma(hh, rh, -ph)
    mh = hh + ph
    ml = ((hh - mh) + ph) + (pl + _fma(hh, c, hl + hl * rh))
    sh = al + _HALF_D
    sl = ((al - sh) + _HALF_D) if bal > _B_HALF_D else ((_HALF_D - sh) + al)
    vh = _ONE_D / sh
    vl = vh * (_fma(-vh, sh, _ONE_D) - sl * vh)
    y = _fma(mh, vh, _fma(mh, vl, ml * vh))
    k = _i32(kf)
    k1 = k >> _I1
    e = (y * _pow2_64(k1)) * _pow2_64(k - k1)
    yt = _TWO_D - e if ix < _J0 else e
    y = ys if small else yt
    return y if x == x else x


# --------------------------------------------------------------------------
# dtype-generic entry points
# --------------------------------------------------------------------------

def _make_generic(name, f32impl, f64impl):
    def generic(x):
        if isinstance(x, np.float32):
            return f32impl(x)
        return f64impl(x)

    generic.__name__ = generic.__qualname__ = name
    generic.__doc__ = (
        f"{name}(x): float32 -> float32 ({f32impl.__name__}), float64/int/bool -> "
        f"float64 ({f64impl.__name__}).  Usable from numba code and plain Python.")

    @overload(generic, target="cpu")
    def _ol_generic(x):
        if isinstance(x, types.Float):
            if x.bitwidth == 32:
                return lambda x: f32impl(x)
            if x.bitwidth == 64:
                return lambda x: f64impl(x)
            return None
        if isinstance(x, (types.Integer, types.Boolean)):
            return lambda x: f64impl(_f64(x))
        return None

    return generic


exp = _make_generic("exp", exp32, exp64)
expm1 = _make_generic("expm1", expm132, expm164)
log = _make_generic("log", log32, log64)
log1p = _make_generic("log1p", log1p32, log1p64)
tanh = _make_generic("tanh", tanh32, tanh64)
erf = _make_generic("erf", erf32, erf64)
erfc = _make_generic("erfc", erfc32, erfc64)
