"""Computes the polynomial coefficients in native/fastact.h (run: python native/tools/fit_coeffs.py).

Near-minimax fits by Chebyshev interpolation at high precision (mpmath, 60
digits), then converted to the monomial basis (the intervals are small, so the
conversion is well conditioned), printed as C hex-float-exact decimal literals.
Not run at build time: its output is pasted into the header.
"""
import mpmath as mp

mp.mp.dps = 60


def cheb_fit(f, a, b, deg, npts=None):
    """Monomial coefficients (low to high) of the Chebyshev interpolant of f on [a, b]."""
    n = npts or deg + 1
    xs = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    ys = [f(x) for x in xs]
    # least squares in the monomial basis at Chebyshev nodes (n = deg+1: interpolation)
    A = mp.matrix([[x ** j for j in range(deg + 1)] for x in xs])
    c = mp.lu_solve(A, mp.matrix(ys)) if n == deg + 1 else mp.qr_solve(A, mp.matrix(ys))[0]
    return [c[j] for j in range(deg + 1)]


def max_err(f, coeffs, a, b, rel_to=None, n=2000):
    worst = 0
    for i in range(n + 1):
        x = a + (b - a) * i / n
        p = mp.mpf(0)
        for c in reversed(coeffs):
            p = p * x + mp.mpf(float(c))  # coefficients as rounded to double
        e = abs(p - f(x))
        if rel_to is not None:
            d = abs(rel_to(x))
            e = e / d if d else 0
        worst = max(worst, e)
    return worst


def show(name, coeffs, cast=float):
    print(f"/* {name} */")
    for i, c in enumerate(coeffs):
        v = cast(c)
        print(f"#define {name}{i} {float(v)!r}" + ("" if cast is float else "f"))


L = mp.log(2) / 2 * mp.mpf("1.0001")


def q_expm1(r):  # expm1(r) = r + r^2/2 + r^3 Q(r)
    if abs(r) < mp.mpf("1e-12"):  # the difference below would cancel: series
        return mp.mpf(1) / 6 + r / 24 + r * r / 120 + r ** 3 / 720
    return (mp.expm1(r) - r - r * r / 2) / r ** 3


def r_log(z):  # 2 atanh(s) = 2 s + s R(z), z = s^2; R(z) = z P(z)
    if z == 0:
        return mp.mpf(2) / 3
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) - 2 * s) / (s * z)


ZL = ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2 * mp.mpf("1.0001")  # s^2 max, s = f/(2+f)

if __name__ == "__main__":
    import numpy as np

    for tag, deg_e, deg_l, cast in (("D", 9, 6, float), ("F", 4, 2, np.float32)):
        ce = cheb_fit(q_expm1, -L, L, deg_e)
        show(f"FA_EXPM1_{tag}", ce, cast)
        err = max_err(lambda r: mp.expm1(r), [0, 1, mp.mpf(1) / 2] + ce, -L, L, rel_to=mp.expm1)
        print(f"/* expm1 {tag}: max rel error of the polynomial {float(err):.3g} */")
        cl = cheb_fit(r_log, 0, ZL, deg_l)
        show(f"FA_LOG_{tag}", cl, cast)
        err = max_err(r_log, cl, 0, ZL, rel_to=r_log)
        print(f"/* log {tag}: max rel error of P {float(err):.3g} */")

    # erfc(z) = t exp(-z^2 + F(t)), t = 2/(2+z), z in [ZMIN, ZMAX]: Chebyshev series in
    # u = (t - TM)/TH, evaluated by Clenshaw's recurrence.
    ZMIN, ZMAX = mp.mpf("0.5"), mp.mpf(28)
    t0, t1 = 2 / (2 + ZMAX), 2 / (2 + ZMIN)
    TM, TH = (t0 + t1) / 2, (t1 - t0) / 2

    def F(u):
        t = TM + TH * u
        z = 2 / t - 2
        return mp.log(mp.erfc(z)) + z * z - mp.log(t)

    N = 40
    nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / N) for k in range(N)]
    vals = [F(u) for u in nodes]
    cheb = [2 * mp.fsum(v * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / N) for k, v in enumerate(vals)) / N
            for j in range(N)]
    cheb[0] /= 2
    keep = max(j for j in range(N) if abs(cheb[j]) > mp.mpf("2e-18")) + 1
    print(f"/* erfc: t in [{float(t0)!r}, {float(t1)!r}], TM={float(TM)!r} TH={float(TH)!r}, {keep} terms */")
    print("#define FA_ERFC_TM", repr(float(TM)))
    print("#define FA_ERFC_TH", repr(float(TH)))
    print("static const double FA_ERFC_CHEB[%d] = {" % keep)
    for j in range(keep):
        print(f"    {float(cheb[j])!r},")
    print("};")
    print("/* dropped:", [f"{float(c):.2e}" for c in cheb[keep:keep + 3]], "*/")
    # erf(x) = x P(x^2) for |x| < 0.5: Taylor, exact to double
    terms = [2 / mp.sqrt(mp.pi) * (-1) ** n / (mp.factorial(n) * (2 * n + 1)) for n in range(15)]
    keep = max(n for n in range(15) if abs(terms[n]) * mp.mpf("0.25") ** n > mp.mpf("1e-19")) + 1
    show("FA_ERF_T", terms[:keep])
