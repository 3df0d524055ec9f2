"""Sympy versions of the k-plane closed forms and constants, and their re-derivations.

Conventions as in :mod:`kplane.closed_forms` (docs/theory/conventions.md): d ambient
dimension, k plane dimension, n = d − k, R_k f(Θ, t) = ∫_{ℝᵏ} f(Θt + Θ_⊥ s) ds,
R_k* with the Haar probability measure unless ``measure="surface"`` (mass Vol V_n(ℝᵈ)),
f̂(ξ) = ∫ f e^{−i⟨ξ,x⟩} dx, filter (−Δ_t)^{k/2}.

The stated closed forms (``gaussian_transform``, ``ball_transform``, ...) are written in
the module symbols :data:`t` (:math:`= |t − Θᵀa|`, or :math:`|t|`), :data:`s` (scale), :data:`r`
(radius), :data:`amplitude`, :data:`xi` :math:`(= |ξ|)` and :data:`rho` :math:`(= |x|)`.  The ``derive_*``
functions obtain the same expressions by sympy integration from the definitions (not by
restating them), and :func:`checks` compares the two, symbolically and against the float
functions of :mod:`kplane.closed_forms`; ``ridgekit verify`` prints that table.

Dimensions may be Python ints (validated: 1 ≤ k ≤ d − 1) or sympy symbols where the
formula is closed in them (the probability-measure constants and the transforms).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import sympy as sp

from ridgekit._validation import check_choice, check_int

from .stiefel import MEASURES

__all__ = [
    "t", "s", "r", "amplitude", "xi", "rho",
    "sphere_area",
    "ball_volume",
    "stiefel_volume",
    "inversion_constant",
    "normal_multiplier",
    "gaussian_transform",
    "ball_transform",
    "gaussian_backprojection",
    "filtered_gaussian_transform",
    "derive_sphere_area",
    "derive_gaussian_transform",
    "derive_ball_transform",
    "derive_inversion_constant",
    "derive_normal_constant",
    "derive_filtered_gaussian_transform",
    "Check",
    "checks",
]

#: :math:`|t − Θᵀa|` (the distance of the plane's offset from the projected centre).
t = sp.Symbol("t", nonnegative=True)
#: Scale (standard deviation) of the Gaussian.
s = sp.Symbol("s", positive=True)
#: Radius of the ball.
r = sp.Symbol("r", positive=True)
#: Amplitude of the Gaussian.
amplitude = sp.Symbol("A", real=True)
#: Frequency :math:`|ξ|`.
xi = sp.Symbol("xi", positive=True)
#: :math:`|x|` (backprojections are radial).
rho = sp.Symbol("rho", nonnegative=True)

_PAIRS = ((2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3))


def _dim(value, name, minimum=1):
    """An int (validated, returned as sympy Integer) or a sympy expression (kept)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return sp.Integer(check_int(value, name, minimum=minimum))
    raise TypeError(f"{name} must be an integer or a sympy expression, got {type(value).__name__} {value!r}")


def _dk(d, k):
    d = _dim(d, "d", minimum=2)
    k = _dim(k, "k", minimum=1)
    if d.is_Integer and k.is_Integer and k > d - 1:
        raise ValueError(f"k must be <= d - 1 = {d - 1}, got {k}")
    return d, k


def _int(value, name, minimum=1):
    if isinstance(value, sp.Integer):
        value = int(value)
    return check_int(value, name, minimum=minimum)


# ----------------------------------------------------------------------- geometry
def sphere_area(m):
    """:math:`|S^{m−1}| = 2 π^{m/2} / Γ(m/2)`, the area of the unit sphere in ℝᵐ.

    >>> sphere_area(3)
    4*pi
    """
    m = _dim(m, "m")
    return 2 * sp.pi ** (m / 2) / sp.gamma(m / 2)


def ball_volume(m):
    """V_m = π^{m/2} / Γ(m/2 + 1), the volume of the unit ball in ℝᵐ.

    >>> ball_volume(3)
    4*pi/3
    """
    m = _dim(m, "m", minimum=0)
    return sp.pi ** (m / 2) / sp.gamma(m / 2 + 1)


def stiefel_volume(d, n):
    """:math:`Vol V_n(ℝᵈ) = ∏_{i=d−n+1}^{d} |S^{i−1}|` (James' formula), exact; ints only.

    >>> stiefel_volume(3, 2)
    8*pi**2
    """
    d = _int(d, "d")
    n = check_int(_int(n, "n"), "n", minimum=1, maximum=d)
    return sp.Mul(*[sphere_area(i) for i in range(d - n + 1, d + 1)])


def _mass(d, n, measure):
    check_choice(measure, "measure", MEASURES)
    return sp.Integer(1) if measure == "probability" else stiefel_volume(d, n)


# ---------------------------------------------------------------------- constants
def inversion_constant(d, k, measure="probability"):
    """c_{d,k} = Γ((d−k)/2) / ((4π)^{k/2} Γ(d/2)), divided by Vol V_n(ℝᵈ) for "surface".

    2310.01233 / derived in docs/theory/kplane.md §Inversion; see
    :func:`derive_inversion_constant` and :func:`derive_normal_constant`.

    >>> inversion_constant(3, 2)
    1/(2*pi)
    >>> inversion_constant(3, 2, "surface")
    1/(8*pi**2)
    """
    d, k = _dk(d, k)
    n = d - k
    c = sp.gamma(n / 2) / ((4 * sp.pi) ** (k / 2) * sp.gamma(d / 2))
    return sp.simplify(c / _mass(d, n, measure))


def normal_multiplier(d, k, measure="probability"):
    """Fourier multiplier of R_k* R_k: :math:`C_{d,k} M |ξ|^{−k}` in the symbol :data:`xi`.

    >>> normal_multiplier(3, 1)
    pi/xi
    """
    d, k = _dk(d, k)
    C = sp.simplify(1 / inversion_constant(d, k, "probability"))
    return C * _mass(d, d - k, measure) * xi ** (-k)


# -------------------------------------------------------------------- transforms
def gaussian_transform(k):
    """:math:`R_k[A e^{−|x−a|²/(2s²)}](Θ, t) = A (2π s²)^{k/2} e^{−t²/(2s²)}`, :math:`t = |t − Θᵀa|`.

    >>> gaussian_transform(2)
    2*pi*A*s**2*exp(-t**2/(2*s**2))
    """
    k = _dim(k, "k")
    return amplitude * (2 * sp.pi * s ** 2) ** (k / 2) * sp.exp(-t ** 2 / (2 * s ** 2))


def ball_transform(k):
    """:math:`R_k[1_{|x−a|≤r}](Θ, t) = V_k (r² − t²)_+^{k/2}`, as a Piecewise in :math:`t = |t − Θᵀa|`.

    >>> ball_transform(2)
    Piecewise((pi*(r**2 - t**2), r > t), (0, True))
    """
    k = _dim(k, "k")
    return sp.Piecewise((ball_volume(k) * (r ** 2 - t ** 2) ** (k / 2), t < r), (0, True))


def _tidy_hyper(expr, expand):
    if not expand:
        return expr
    out = sp.hyperexpand(expr)
    if out.has(sp.hyper) or out.has(sp.I):
        return expr
    return sp.simplify(out)


def gaussian_backprojection(d, k, measure="probability", expand=True):
    """:math:`R_k*[e^{−|t|²}](x) = M ₁F₁(n/2; d/2; −ρ²)`, ρ = :data:`rho` :math:`= |x|`.

    With ``expand`` the hypergeometric function is expanded (``sympy.hyperexpand``) when
    the result is real-looking (erf, exp, Bessel I), else kept as ``hyper``.

    >>> gaussian_backprojection(3, 2)
    sqrt(pi)*erf(rho)/(2*rho)
    """
    d, k = _dk(d, k)
    n = d - k
    expr = sp.hyper([n / 2], [d / 2], -rho ** 2)
    if d.is_Integer and k.is_Integer:
        expr = _tidy_hyper(expr, expand)
    return _mass(d, n, measure) * expr if measure != "probability" else expr


def filtered_gaussian_transform(d, k, expand=True):
    """:math:`(−Δ_t)^{k/2}[π^{k/2} e^{−|t|²}] = π^{k/2} 2^k Γ(d/2)/Γ(n/2) ₁F₁(d/2; n/2; −t²)`.

    >>> filtered_gaussian_transform(3, 2)
    2*pi*(1 - 2*t**2)*exp(-t**2)
    """
    d, k = _dk(d, k)
    n = d - k
    const = sp.pi ** (k / 2) * 2 ** k * sp.gamma(d / 2) / sp.gamma(n / 2)
    expr = sp.hyper([d / 2], [n / 2], -t ** 2)
    if d.is_Integer and k.is_Integer:
        expr = _tidy_hyper(expr, expand)
    return const * expr if expr.has(sp.hyper) else sp.simplify(const * expr)


# ------------------------------------------------------------------- derivations
def derive_sphere_area(m):
    """:math:`|S^{m−1}|` from the Gaussian integral: π^{m/2} = (∫ e^{−u²} du)^m
    :math:`= |S^{m−1}| ∫_0^∞ ρ^{m−1} e^{−ρ²} dρ`, both integrals done by sympy.

    >>> derive_sphere_area(3)
    4*pi
    """
    m = _int(m, "m")
    u, p = sp.symbols("u p", positive=True)
    line = sp.integrate(sp.exp(-u ** 2), (u, -sp.oo, sp.oo))
    radial = sp.integrate(p ** (m - 1) * sp.exp(-p ** 2), (p, 0, sp.oo))
    return sp.simplify(line ** m / radial)


def derive_gaussian_transform(d, k):
    """R_k of :math:`A e^{−|x−a|²/(2s²)}` by integrating over the plane coordinates u ∈ ℝᵏ.

    On the plane x = Θt + Θ_⊥u + (a-terms), :math:`|x − a|² = t² + |u|²` with :math:`t = |t − Θᵀa|`, so
    :math:`R_k f = ∫_{ℝᵏ} A e^{−(t² + |u|²)/(2s²)} du`, integrated by sympy one coordinate at a
    time.

    >>> derive_gaussian_transform(3, 2)
    2*pi*A*s**2*exp(-t**2/(2*s**2))
    """
    d, k = _dk(d, k)
    k = _int(k, "k")
    us = sp.symbols(f"u1:{k + 1}", real=True)
    expr = amplitude * sp.exp(-(t ** 2 + sum(u ** 2 for u in us)) / (2 * s ** 2))
    for u in us:
        expr = sp.integrate(expr, (u, -sp.oo, sp.oo))
    return sp.simplify(expr)


def derive_ball_transform(k):
    """Volume of the slice of the r-ball by a k-plane at distance t from its centre.

    The slice is the k-ball of radius R = √(r² − t²) (t < r); in polar coordinates
    its volume is :math:`|S^{k−1}| ∫_0^R ρ^{k−1} dρ`, with :math:`|S^{k−1}|` from
    :func:`derive_sphere_area` and the integral done by sympy.

    >>> derive_ball_transform(2)
    Piecewise((pi*(r**2 - t**2), r > t), (0, True))
    """
    k = _int(k, "k")
    p = sp.Symbol("p", positive=True)
    R = sp.Symbol("R", positive=True)
    vol = derive_sphere_area(k) * sp.integrate(p ** (k - 1), (p, 0, R))
    inside = sp.simplify(vol.subs(R, sp.sqrt(r ** 2 - t ** 2)))
    return sp.Piecewise((inside, t < r), (0, True))


def derive_inversion_constant(d, k):
    """:math:`c_{d,k} = |S^{d−1}| / (|S^{n−1}| (2π)^k)` with the sphere areas from
    :func:`derive_sphere_area` (Stiefel polar formula, docs/theory/kplane.md §Polar integration).

    >>> derive_inversion_constant(4, 2)
    1/(4*pi)
    """
    d, k = _dk(d, k)
    d, k = _int(d, "d"), _int(k, "k")
    return sp.simplify(derive_sphere_area(d) / (derive_sphere_area(d - k) * (2 * sp.pi) ** k))


def derive_normal_constant(d, k):
    """C_{d,k} of R_k* R_k (multiplier :math:`C |ξ|^{−k}`, probability measure), from a Gaussian.

    Independent of the polar formula: :math:`R_k[e^{−|x|²}] = π^{k/2} e^{−|t|²}`
    (:func:`derive_gaussian_transform`), so :math:`R_k* R_k[e^{−|x|²}](0) = π^{k/2}`.  The
    multiplier form gives :math:`(2π)^{−d} ∫ C |ξ|^{−k} π^{d/2} e^{−|ξ|²/4} dξ` at x = 0; the
    radial integral is done by sympy and the equation solved for C.

    >>> derive_normal_constant(3, 2)
    2*pi
    """
    d, k = _dk(d, k)
    d, k = _int(d, "d"), _int(k, "k")
    p = sp.Symbol("p", positive=True)
    C = sp.Symbol("C", positive=True)
    at_zero = derive_gaussian_transform(d, k).subs({amplitude: 1, s: 1 / sp.sqrt(2), t: 0})
    fourier = (2 * sp.pi) ** (-d) * derive_sphere_area(d) * sp.integrate(
        p ** (d - 1 - k) * sp.pi ** sp.Rational(d, 2) * sp.exp(-p ** 2 / 4), (p, 0, sp.oo))
    return sp.simplify(sp.solve(sp.Eq(C * fourier, at_zero), C)[0])


def derive_filtered_gaussian_transform(d, k):
    """:math:`(−Δ_t)^{k/2}[π^{k/2} e^{−|t|²}]` on ℝⁿ by the radial inverse Fourier transform.

    The n-dimensional transform of :math:`π^{k/2} e^{−|t|²}` is π^{d/2} e^{−w²/4}.  For n = 1 the
    inverse transform is (1/π) ∫_0^∞ w^k π^{d/2} e^{−w²/4} cos(wt) dw; for n ≥ 2 the
    Hankel form (2π)^{−n/2} t^{1−n/2} ∫_0^∞ w^k π^{d/2} e^{−w²/4} J_{n/2−1}(wt) w^{n/2} dw
    (t > 0).  Sympy does the integral; the result is in the positive symbol ``t``.

    >>> derive_filtered_gaussian_transform(3, 2)
    2*pi*(1 - 2*t**2)*exp(-t**2)
    """
    d, k = _dk(d, k)
    d, k = _int(d, "d"), _int(k, "k")
    n = d - k
    w = sp.Symbol("w", positive=True)
    tp = sp.Symbol("t", positive=True)
    g_hat = w ** k * sp.pi ** sp.Rational(d, 2) * sp.exp(-w ** 2 / 4)
    if n == 1:
        expr = sp.integrate(g_hat * sp.cos(w * tp), (w, 0, sp.oo)) / sp.pi
    else:
        nu = sp.Rational(n, 2) - 1
        expr = ((2 * sp.pi) ** (-sp.Rational(n, 2)) * tp ** (1 - sp.Rational(n, 2))
                * sp.integrate(g_hat * sp.besselj(nu, w * tp) * w ** sp.Rational(n, 2), (w, 0, sp.oo)))
    return sp.simplify(expr.subs(tp, t))


# ---------------------------------------------------------------------------- checks
class Check(NamedTuple):
    """One row of ``ridgekit verify``: ``result`` is a simplified difference (0 when the
    check passes) or a bool (numeric comparisons)."""

    name: str
    result: object
    description: str

    @property
    def passed(self) -> bool:
        if isinstance(self.result, bool):
            return self.result
        return sp.simplify(self.result) == 0


class _CheckRows(list):
    """The rows a ``checks()`` function builds: a list that prints one progress line per
    row as it is appended (``ridgekit verify`` shows each check as it completes; silent
    unless :mod:`ridgekit.progress` is active)."""

    def append(self, row):
        super().append(row)
        from ridgekit.progress import note

        note(f"symbolic check {len(self)} done: {row.name}")


_SAMPLE = {t: sp.Rational(3, 10), s: sp.Rational(5, 4), amplitude: sp.Rational(7, 10),
           r: sp.Rational(11, 10), xi: sp.Rational(17, 10), rho: sp.Rational(4, 5)}


def _difference(a, b):
    """simplify(a − b); if sympy cannot reduce it to 0, the difference at three sample
    points at 30 digits, as a bool (:math:`|a − b| < 10^{-25}`), so a check never fails only
    because simplify is incomplete."""
    diff = sp.simplify(a - b)
    if diff == 0:
        return sp.Integer(0)
    values = []
    for scale in (sp.Rational(1, 3), sp.Rational(1), sp.Rational(9, 4)):
        point = {sym: val * scale for sym, val in _SAMPLE.items()}
        values.append(abs(sp.N(diff.subs(point), 30)))
    return bool(max(values) < sp.Float("1e-25", 30))


def _close(sym_value, num_value, rtol=1e-13):
    import numpy as np

    a = float(sp.N(sym_value, 30))
    return bool(abs(a - float(np.asarray(num_value).item())) <= rtol * max(1.0, abs(a)))


def checks(pairs=_PAIRS):
    """All symbolic-versus-derived and symbolic-versus-numeric checks.

    Parameters
    ----------
    pairs : iterable of (d, k)
        Dimension pairs (default (2,1), (3,1), (3,2), (4,1), (4,2), (4,3)).

    Returns
    -------
    list of Check
        (name, result, description) rows; ``Check.passed`` says whether each passed.

    Examples
    --------
    >>> rows = checks(pairs=[(3, 2)])
    >>> all(row.passed for row in rows), len(rows) > 5
    (True, True)
    """
    import numpy as np

    from . import closed_forms as cf

    rows = _CheckRows()
    for d, k in pairs:
        d, k = _dk(d, k)
        d, k = int(d), int(k)
        n = d - k
        tag = f"(d={d}, k={k})"
        frame = np.eye(d)[:, :n]
        tvec = np.zeros(n)
        tvec[0] = float(_SAMPLE[t])
        rows.append(Check(f"gaussian_transform {tag}",
                          _difference(derive_gaussian_transform(d, k), gaussian_transform(k)),
                          "∫_{ℝᵏ} A e^{−(t²+|u|²)/(2s²)} du (sympy) = A (2πs²)^{k/2} e^{−t²/(2s²)}"))
        rows.append(Check(f"gaussian_transform numeric {tag}",
                          _close(gaussian_transform(k).subs(_SAMPLE),
                                 cf.gaussian_transform(frame, tvec, d=d, k=k, scale=float(_SAMPLE[s]),
                                                       amplitude=float(_SAMPLE[amplitude]))),
                          "sympy closed form at a sample point = kplane.closed_forms (float64, 1e-13)"))
        rows.append(Check(f"ball_transform {tag}", _difference(derive_ball_transform(k), ball_transform(k)),
                          "|S^{k−1}| ∫_0^√(r²−t²) ρ^{k−1} dρ (sympy) = V_k (r² − t²)_+^{k/2}"))
        rows.append(Check(f"ball_transform numeric {tag}",
                          _close(ball_transform(k).subs(_SAMPLE),
                                 cf.ball_transform(frame, tvec, d=d, k=k, radius=float(_SAMPLE[r]))),
                          "sympy closed form at a sample point = kplane.closed_forms (float64, 1e-13)"))
        rows.append(Check(f"inversion_constant {tag}",
                          _difference(derive_inversion_constant(d, k), inversion_constant(d, k)),
                          "|S^{d−1}|/(|S^{n−1}|(2π)^k) = Γ(n/2)/((4π)^{k/2}Γ(d/2))"))
        rows.append(Check(f"normal_constant {tag}",
                          _difference(derive_normal_constant(d, k) * inversion_constant(d, k), 1),
                          "C from R_k*R_k[e^{−|x|²}](0) = π^{k/2} satisfies C c_{d,k} = 1"))
        rows.append(Check(f"inversion_constant numeric {tag}",
                          _close(inversion_constant(d, k, "surface"), cf.inversion_constant(d, k, "surface")),
                          "surface-measure constant c/Vol V_n = kplane.closed_forms (float64, 1e-13)"))
        rows.append(Check(f"normal_multiplier numeric {tag}",
                          _close(normal_multiplier(d, k).subs(_SAMPLE),
                                 cf.normal_multiplier(float(_SAMPLE[xi]), d, k)),
                          "C_{d,k}|ξ|^{−k} at a sample point = kplane.closed_forms (float64, 1e-13)"))
        rows.append(Check(f"filtered_gaussian_transform {tag}",
                          _difference(derive_filtered_gaussian_transform(d, k),
                                      filtered_gaussian_transform(d, k, expand=False)),
                          "radial inverse Fourier transform of |w|^k π^{d/2} e^{−|w|²/4} (sympy) "
                          "= π^{k/2}2^kΓ(d/2)/Γ(n/2) ₁F₁(d/2; n/2; −t²)"))
        rows.append(Check(f"filtered_gaussian_transform numeric {tag}",
                          _close(filtered_gaussian_transform(d, k).subs(_SAMPLE),
                                 cf.filtered_gaussian_transform(float(_SAMPLE[t]), d=d, k=k)),
                          "sympy closed form at a sample point = kplane.closed_forms (float64, 1e-13)"))
        rows.append(Check(f"gaussian_backprojection numeric {tag}",
                          _close(gaussian_backprojection(d, k).subs(_SAMPLE),
                                 cf.gaussian_backprojection(float(_SAMPLE[rho]) * np.eye(d)[0], d=d, k=k)),
                          "₁F₁(n/2; d/2; −|x|²) (sympy) = kplane.closed_forms (scipy hyp1f1, 1e-13)"))
    a = sp.Symbol("a", positive=True)
    u = sp.Symbol("u", real=True)
    hand = inversion_constant(3, 2) * sp.integrate(
        filtered_gaussian_transform(3, 2).subs(t, a * u) / 2, (u, -1, 1))
    rows.append(Check("hand check (d=3, k=2)", _difference(sp.simplify(hand), sp.exp(-a ** 2)),
                      "c_{3,2} E_{u∼U[−1,1]} π(2 − 4a²u²)e^{−a²u²} = e^{−a²} (docs/theory/kplane.md §Closed forms)"))
    return rows
