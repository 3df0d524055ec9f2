"""Sympy versions of the Radon-domain norm constants (companions of :mod:`radon.norms`).

* :func:`green_constant_symbolic` — the constant of the fundamental solution of
  (−Δ)^{g/2} on ℝⁿ (docs/theory/multivariate.md, [derived]);
* :func:`check_fundamental_solution` — for even g = 2m, a symbolic proof via the radial
  Laplacian that (−Δ)^{m−1} ρ is the Newton/log kernel and its flux through a sphere is −1;
* :func:`rtv_gaussian_symbolic` — the R-norm of :math:`exp(−|x|²/2)` for odd d in closed form,
  :math:`γ_d |S^{d−1}| (2π)^{(d−1)/2} · 2 Σ_{He_{d+1}(r)=0} |He_d(r)| e^{−r²/2}` (docs/theory/rnorm.md,
  [derived]; the zeros of He_{d+1} are algebraic);
* :func:`rtv_gaussian_integrand_symbolic` — h(t) = ∂_t² Λ^{d−1} ρ as a hypergeometric
  expression for any d.
"""

from __future__ import annotations

import sympy as sp

from ridgekit._validation import check_int

__all__ = ["green_constant_symbolic", "fundamental_solution_symbolic", "check_fundamental_solution",
           "radon_constant_symbolic", "rtv_gaussian_symbolic", "rtv_gaussian_integrand_symbolic"]

r = sp.Symbol("r", positive=True)
t = sp.Symbol("t", real=True)


def green_constant_symbolic(n: int, g) -> tuple[sp.Expr, bool]:
    """Exact constant C (and whether the log form applies) of :func:`nets.activations.green_constant`.

    Examples
    --------
    >>> green_constant_symbolic(2, 4)
    (1/(8*pi), True)
    >>> green_constant_symbolic(3, 2)
    (1/(4*pi), False)
    """
    n = check_int(n, "n", minimum=1)
    g = sp.nsimplify(g)
    p = g - n
    if p.is_integer and p >= 0 and p % 2 == 0:
        j = int(p) // 2
        c = (-1) ** (1 + j) / (2 ** (g - 1) * sp.pi ** sp.Rational(n, 2) * sp.gamma(g / 2) * sp.factorial(j))
        return sp.simplify(c), True
    return sp.simplify(sp.gamma((n - g) / 2) / (2 ** g * sp.pi ** sp.Rational(n, 2) * sp.gamma(g / 2))), False


def fundamental_solution_symbolic(n: int, g) -> sp.Expr:
    """ρ(r) = C r^{g−n} (log r) as a sympy expression in the radius r > 0."""
    c, is_log = green_constant_symbolic(n, g)
    p = sp.nsimplify(g) - n
    return c * r ** p * (sp.log(r) if is_log else 1)


def _radial_laplacian(u, n):
    return sp.diff(u, r, 2) + (n - 1) / r * sp.diff(u, r)


def check_fundamental_solution(n: int, g: int) -> bool:
    """Symbolic check that (−Δ)^{g/2} ρ = δ on ℝⁿ for even g = 2m .

    ρ is a fundamental solution iff u = (−Δ)^{m−1} ρ is harmonic away from 0 and its
    outward flux is −1: :math:`−|S^{n−1}| r^{n−1} u′(r) = 1` for all r > 0 (Gauss–Green; the
    polynomial null space does not contribute).  Returns True when both hold identically.

    Examples
    --------
    >>> all(check_fundamental_solution(n, g) for n, g in [(1, 2), (3, 2), (3, 4), (2, 4), (2, 2)])
    True
    """
    n = check_int(n, "n", minimum=1)
    g = check_int(g, "g", minimum=2)
    if g % 2:
        raise ValueError(f"check_fundamental_solution needs even g, got {g}; odd g is checked in Fourier space")
    u = fundamental_solution_symbolic(n, g)
    for _ in range(g // 2 - 1):
        u = -_radial_laplacian(u, n)
    harmonic = sp.simplify(_radial_laplacian(u, n)) == 0
    area = 2 * sp.pi ** sp.Rational(n, 2) / sp.gamma(sp.Rational(n, 2))
    flux = sp.simplify(-area * r ** (n - 1) * sp.diff(u, r))
    return bool(harmonic and flux == 1)


def radon_constant_symbolic(d: int) -> sp.Expr:
    """γ_d = 1/(2 (2π)^{d−1}) (surface measure on S^{d−1})."""
    d = check_int(d, "d", minimum=1)
    return sp.Rational(1, 2) / (2 * sp.pi) ** (d - 1)


def rtv_gaussian_symbolic(d: int) -> sp.Expr:
    """Exact R-norm of :math:`exp(−|x|²/2)` on ℝᵈ for odd d.

    :math:`‖f‖_R = γ_d |S^{d−1}| (2π)^{(d−1)/2} ∫|He_{d+1}(t)| e^{−t²/2} dt`, and since
    (He_d e^{−t²/2})′ = −He_{d+1} e^{−t²/2} with He_d alternating in sign on the zeros of
    He_{d+1} (interlacing), the integral is :math:`2 Σ_{He_{d+1}(r)=0} |He_d(r)| e^{−r²/2}`.

    Examples
    --------
    >>> rtv_gaussian_symbolic(1)
    4*exp(-1/2)
    >>> float(rtv_gaussian_symbolic(3))  # doctest: +ELLIPSIS
    7.02006390000...
    """
    d = check_int(d, "d", minimum=1)
    if d % 2 == 0:
        raise ValueError(f"rtv_gaussian_symbolic has a closed form for odd d only, got d = {d}; "
                         "use rtv_gaussian_integrand_symbolic")
    x = sp.Symbol("x")

    def He(k):
        return sp.expand(2 ** (-sp.Rational(k, 2)) * sp.hermite(k, x / sp.sqrt(2)))

    # He_{d+1} is even: sum over the positive roots twice; the roots are algebraic
    # (radicals for d ≤ 3, CRootOf objects beyond, evaluated to any precision by evalf)
    roots = [z for z in sp.Poly(He(d + 1), x).real_roots() if z.is_positive]
    tot = 4 * sum(sp.Abs(He(d).subs(x, z)) * sp.exp(-z ** 2 / 2) for z in roots)
    area = 2 * sp.pi ** sp.Rational(d, 2) / sp.gamma(sp.Rational(d, 2))
    expr = radon_constant_symbolic(d) * area * (2 * sp.pi) ** sp.Rational(d - 1, 2) * tot
    return sp.simplify(expr) if d <= 3 else expr


def rtv_gaussian_integrand_symbolic(d: int) -> sp.Expr:
    """h(t) = ∂_t² Λ^{d−1} ρ for :math:`exp(−|x|²/2)`: −(2π)^{d/2} 2^{d/2} Γ(d/2+1)/π · ₁F₁(d/2+1; 1/2; −t²/2).

    :math:`‖f‖_R = γ_d |S^{d−1}| ∫_ℝ |h(t)| dt` (docs/theory/rnorm.md, Fourier route, [derived]).

    Examples
    --------
    >>> sp.simplify(sp.hyperexpand(rtv_gaussian_integrand_symbolic(1)) - (t**2 - 1) * sp.exp(-t**2 / 2))
    0
    """
    d = check_int(d, "d", minimum=1)
    a = sp.Rational(d, 2) + 1
    K = -(2 * sp.pi) ** sp.Rational(d, 2) * 2 ** sp.Rational(d, 2) * sp.gamma(sp.Rational(d, 2) + 1) / sp.pi
    return K * sp.hyper([a], [sp.Rational(1, 2)], -t ** 2 / 2)
