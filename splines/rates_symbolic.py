"""Sympy versions of the rate functions of :mod:`splines.rates`, their derivations and checks.

Symbols: :data:`m` (samples), :data:`sigma` (noise level), :data:`s` (smoothness),
:data:`p` (Besov integrability), :data:`q` (L_q error), :data:`d` (dimension), :data:`n`
(training-set size in 2506.20779), :data:`eps` (cap height in the 2506.20779 packing).
Provenance as in :mod:`splines.rates`: the NLA formula of arXiv 2502.17671 is [secondary]
(the theorem could not be read), the exponents of arXiv 2506.20779 are [paper] (notes,
docs/theory/flat_minima.md).  :func:`checks` returns rows (name, result, description)
in the format of :func:`kplane.symbolic.checks` (same :class:`~kplane.symbolic.Check`), so
``ridgekit verify`` prints them in the same table.
"""

from __future__ import annotations

import sympy as sp

from ridgekit.kplane.symbolic import Check, _CheckRows

__all__ = [
    "m", "sigma", "s", "p", "q", "d", "n", "eps",
    "optimal_recovery_rate",
    "noise_rate",
    "nla_minimax_rate",
    "crossover_sample_size",
    "derive_crossover_sample_size",
    "sparse_zone_exponent",
    "stable_minima_upper_rate",
    "stable_minima_lower_rate",
    "derive_stable_minima_lower_rate",
    "weight_decay_rate",
    "Check",
    "checks",
]

m = sp.Symbol("m", positive=True)
sigma = sp.Symbol("sigma", positive=True)
s = sp.Symbol("s", positive=True)
p = sp.Symbol("p", positive=True)
q = sp.Symbol("q", positive=True)
d = sp.Symbol("d", positive=True)
n = sp.Symbol("n", positive=True)
eps = sp.Symbol("epsilon", positive=True)


def _recovery_exponent(s_=s, p_=p, q_=q, d_=d):
    return s_ / d_ - sp.Max(0, 1 / p_ - 1 / q_)


def _noise_exponent(s_=s, d_=d):
    return s_ / (2 * s_ + d_)


def optimal_recovery_rate(s_=s, p_=p, q_=q, d_=d, m_=m):
    """m^{−s/d + (1/p − 1/q)_+} (2502.17671, σ = 0 term) [secondary]."""
    return m_ ** (-_recovery_exponent(s_, p_, q_, d_))


def noise_rate(s_=s, d_=d, m_=m, sigma_=sigma):
    """min{1, (σ²/m)^{s/(2s+d)}} [secondary]."""
    return sp.Min(1, (sigma_ ** 2 / m_) ** _noise_exponent(s_, d_))


def nla_minimax_rate(s_=s, p_=p, q_=q, d_=d, m_=m, sigma_=sigma):
    """R_m(K, σ)_q ≍ m^{−s/d + (1/p − 1/q)_+} + min{1, (σ²/m)^{s/(2s+d)}} (2502.17671) [secondary]."""
    return optimal_recovery_rate(s_, p_, q_, d_, m_) + noise_rate(s_, d_, m_, sigma_)


def crossover_sample_size(s_=s, p_=p, q_=q, d_=d, sigma_=sigma):
    """m* = σ^{−2b/(a − b)}, a = s/d − (1/p − 1/q)_+, b = s/(2s + d) (stated form)."""
    a = _recovery_exponent(s_, p_, q_, d_)
    b = _noise_exponent(s_, d_)
    return sigma_ ** (-2 * b / (a - b))


def derive_crossover_sample_size(s_, p_, q_, d_):
    """Solve m^{−a} = (σ²/m)^b for m with sympy (numbers for s, p, q, d)."""
    a = sp.nsimplify(_recovery_exponent(s_, p_, q_, d_))
    b = sp.nsimplify(_noise_exponent(s_, d_))
    sol = sp.solve(sp.Eq(sp.log(m) * (-a), b * (2 * sp.log(sigma) - sp.log(m))), m)
    return sp.simplify(sol[0])


def sparse_zone_exponent(s_=s, p_=p, q_=q, d_=d):
    """(s − d/p + d/q)/(2(s − d/p) + d): classical sparse-zone exponent (DJKP 1996) [secondary]."""
    return (s_ - d_ / p_ + d_ / q_) / (2 * (s_ - d_ / p_) + d_)


def stable_minima_upper_rate(n_=n, d_=d):
    """n^{−1/(2d+4)} (2506.20779 Thms 3.5, 3.6) [paper]."""
    return n_ ** (-1 / (2 * d_ + 4))


def stable_minima_lower_rate(n_=n, d_=d, sigma_=sigma):
    """(σ²/n)^{2/(d+1)} (2506.20779 Thm 3.7, App. B.4, d ≥ 2) [paper]."""
    return (sigma_ ** 2 / n_) ** (2 / (d_ + 1))


def derive_stable_minima_lower_rate(d_=d):
    """The squared L² separation ε² of the packing of 2506.20779 App. B.4/H (notes §1):
    K ≍ ε^{−(d−1)} caps, KL ≍ n ε²/σ² balanced against :math:`log|Ξ| ≍ K` gives ε^{d+1} = σ²/n
    [derived from the notes' construction]; returns ε² in terms of σ²/n."""
    e = sp.solve(sp.Eq(n * eps ** 2 / sigma ** 2, eps ** (-(d_ - 1))), eps)
    return sp.simplify(e[0] ** 2)


def weight_decay_rate(n_=n):
    """n^{−1/4} (weight decay, 2506.20779 comparison) [paper]."""
    return n_ ** sp.Rational(-1, 4)


_SAMPLE = {m: sp.Integer(1000), sigma: sp.Rational(3, 10), n: sp.Integer(4096)}


def _close(sym_value, num_value, rtol=1e-13):
    a = float(sp.N(sym_value, 30))
    return bool(abs(a - float(num_value)) <= rtol * max(1.0, abs(a)))


def checks(cases=((1, 2, 2, 1), (2, 1, 2, 1), (2, 2, 1, 2), (3, 2, 4, 2))):
    """Symbolic-versus-derived and symbolic-versus-numeric checks of the rate functions.

    Parameters
    ----------
    cases : iterable of (s, p, q, d)
        Besov parameters (s > d/p) for the NLA checks.

    Returns
    -------
    list of Check

    Examples
    --------
    >>> rows = checks()
    >>> all(row.passed for row in rows), len(rows) > 10
    (True, True)
    """
    from . import rates as nr

    rows = _CheckRows()
    for cs, cp, cq, cd in cases:
        S, P, Q, D = (sp.Integer(v) for v in (cs, cp, cq, cd))
        tag = f"(s={cs}, p={cp}, q={cq}, d={cd})"
        R = nla_minimax_rate(S, P, Q, D)
        uncapped = optimal_recovery_rate(S, P, Q, D) + (sigma ** 2 / m) ** _noise_exponent(S, D)
        rows.append(Check(f"NLA below saturation {tag}",
                          sp.simplify((R - uncapped).subs(sigma, sp.sqrt(m) / 2)),
                          "σ² < m ⇒ min{1, (σ²/m)^b} = (σ²/m)^b (sympy's limit cannot expand Min)"))
        rows.append(Check(f"NLA sigma->0 limit {tag}",
                          sp.simplify(sp.limit(uncapped, sigma, 0, "+") - optimal_recovery_rate(S, P, Q, D)),
                          "lim_{σ→0} R_m(K, σ)_q = m^{−s/d+(1/p−1/q)_+}, the optimal-recovery rate "
                          "(2502.17671 abstract)"))
        rows.append(Check(f"NLA saturation {tag}",
                          sp.simplify(noise_rate(S, D, m, sp.sqrt(m) * 2) - 1),
                          "σ² ≥ m ⇒ noise term min{1, ·} = 1"))
        rows.append(Check(f"NLA numeric {tag}",
                          _close(R.subs(_SAMPLE), nr.nla_minimax_rate(1000, 0.3, cs, cp, cq, cd)),
                          "sympy rate at (m, σ) = (1000, 0.3) = splines.rates (float64, 1e-13)"))
        rows.append(Check(f"crossover {tag}",
                          sp.simplify(derive_crossover_sample_size(S, P, Q, D) - crossover_sample_size(S, P, Q, D)),
                          "sympy.solve(m^{−a} = (σ²/m)^b) = σ^{−2b/(a−b)}"))
        rows.append(Check(f"crossover numeric {tag}",
                          _close(crossover_sample_size(S, P, Q, D).subs(_SAMPLE),
                                 nr.crossover_sample_size(0.3, cs, cp, cq, cd), rtol=1e-12),
                          "sympy m* at σ = 0.3 = splines.rates.crossover_sample_size"))
        dR = sp.diff(R.subs(sigma, sp.Rational(3, 10)), m).subs(m, 1000)
        rows.append(Check(f"NLA monotone in m {tag}", bool(sp.N(dR) < 0), "∂R/∂m < 0 at m = 1000, σ = 0.3"))
    # sparse zone: the two exponents agree on the boundary s p = d(q − p)/2
    boundary_s = d * (q - p) / (2 * p)
    rows.append(Check("sparse/dense zone continuity",
                      sp.simplify(sparse_zone_exponent(boundary_s) - _noise_exponent(boundary_s)),
                      "(s−d/p+d/q)/(2(s−d/p)+d) = s/(2s+d) at s p = d(q−p)/2 (DJKP 1996)"))
    # 2506.20779
    for dd in (2, 3, 5):
        D = sp.Integer(dd)
        rows.append(Check(f"stable-minima lower bound derivation (d={dd})",
                          sp.simplify(derive_stable_minima_lower_rate(D) - stable_minima_lower_rate(n, D, sigma)),
                          "packing: n ε²/σ² = ε^{−(d−1)} ⇒ ε² = (σ²/n)^{2/(d+1)} (2506.20779 App. B.4)"))
        rows.append(Check(f"stable-minima upper numeric (d={dd})",
                          _close(stable_minima_upper_rate(n, D).subs(_SAMPLE), nr.stable_minima_upper_rate(4096, dd)),
                          "n^{−1/(2d+4)} at n = 4096 = splines.rates (float64)"))
        rows.append(Check(f"stable-minima lower numeric (d={dd})",
                          _close(stable_minima_lower_rate(n, D, sigma).subs(_SAMPLE),
                                 nr.stable_minima_lower_rate(4096, dd, 0.3)),
                          "(σ²/n)^{2/(d+1)} at n = 4096, σ = 0.3 = splines.rates (float64)"))
    atom = eps ** -2 * (1 - (1 - eps ** 2)) ** (d + 2)
    rows.append(Check("shattering atom weighted variation", sp.simplify(atom - eps ** (2 * d + 2)),
                      "|Φ_{u,ε²}|_{V_g} = ε^{−2} g(u, 1−ε²), g = (1−|t|)^{d+2} ⇒ ε^{2d+2} (2506.20779 App. H)"))
    rows.append(Check("univariate upper exponent",
                      sp.simplify(stable_minima_upper_rate(n, 1) - n ** sp.Rational(-1, 6)),
                      "n^{−1/(2d+4)} at d = 1 is n^{−1/6} (2506.20779, univariate statement)"))
    rows.append(Check("weight decay numeric", _close(weight_decay_rate().subs(_SAMPLE), nr.weight_decay_rate(4096)),
                      "n^{−1/4} at n = 4096 = splines.rates.weight_decay_rate"))
    return rows
