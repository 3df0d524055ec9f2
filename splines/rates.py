"""Rate functions: noise-level-aware minimax rates (arXiv 2502.17671) and the flat-minima
bounds of arXiv 2506.20779, numeric (this module) and symbolic (:mod:`splines.rates_symbolic`).

Provenance (tags as in docs/theory/index.rst)
---------------------------------------------
**2502.17671** (DeVore, Nowak, Parhi, Petrova, Siegel, "Optimal Recovery Meets Minimax
Estimation").  Only the abstract of the arXiv HTML (v2) and the sciencestack.ai summary
could be read (searched again for this module: the stored copies of the arXiv page stop
after the abstract; no full text, theorem numbers or code are available).  The abstract
[paper] states: m point samples with Gaussian noise of variance σ², error in L_q, f in
the unit ball of a Besov space on a bounded domain; matching upper and lower bounds; the
noise-level-aware (NLA) rate depends continuously on σ and tends to the optimal-recovery
rate as σ → 0.  The formula [secondary: sciencestack.ai TL;DR; theorem number unknown]

    R_m(K, σ)_q ≍ m^{−s/d + (1/p − 1/q)_+} + min{1, (σ²/m)^{s/(2s+d)}}

is consistent with every property the abstract states (checked in tests/test_rates.py).
Not verified against the theorem: its admissibility conditions (here s > d/p is required,
the standard condition for point evaluation to be bounded on the Besov class, [derived]:
for s < d/p the unit ball contains functions vanishing at all m sample points with L_q
norm bounded below, so no rate exists), the Besov fine index, log factors, and whether the
theorem has a separate "sparse zone" for q > p.  The classical sparse-zone noise term
(Donoho, Johnstone, Kerkyacharian, Picard 1996, [secondary: recalled, not from
2502.17671]) is available with ``sparse_zone=True``; it is off by default.

**2506.20779** (Liang, Qiao, Wang, Parhi, stable minima): exponents from
docs/theory/flat_minima.md [paper], read in a PDF-to-markdown copy whose displays
were partly lost (so constants and log factors are not available):
Thm 3.5 (generalisation gap of stable minima, upper n^{−1/(2d+4)}; lower n^{−2/(d+1)} over
all risk estimators), Thm 3.6 (MSE of stable minima, upper n^{−1/(2d+4)}), Thm 3.7 /
App. B.4 (minimax lower bound (σ²/n)^{2/(d+1)} over the V_g class), the univariate
statement (d = 1: upper n^{−1/6}, lower n^{−1/2}), and the comparison rates of §1
(weight decay: gap Õ(n^{−1/4}) independent of d; Qiao et al. 2024: n^{−4/5} for d = 1 on an
interior interval).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ridgekit._validation import check_int

__all__ = [
    "optimal_recovery_rate",
    "noise_rate",
    "nla_minimax_rate",
    "nla_regime",
    "crossover_sample_size",
    "nla_exponents",
    "stable_minima_upper_rate",
    "stable_minima_lower_rate",
    "weight_decay_rate",
    "interior_rate_univariate",
]


def _real(value, name, *, minimum=None, strict=False, allow_inf=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (value < minimum or (strict and value == minimum)):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {value}")
    return value


def _array(value, name, *, minimum, strict=False):
    arr = np.asarray(value, dtype=np.float64)
    if arr.dtype == object or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    bad = arr < minimum if not strict else arr <= minimum
    if np.any(bad):
        kind = ">" if strict else ">="
        raise ValueError(f"{name} must be {kind} {minimum:g}, got {arr[bad].ravel()[0]!r}")
    return arr


def _params(s, p, q_err, d):
    s = _real(s, "s", minimum=0.0, strict=True)
    p = _real(p, "p", minimum=0.0, strict=True, allow_inf=True)
    # the error is measured in the norm of L_q, 1 <= q <= inf (2502.17671, Sec. 1)
    q_err = _real(q_err, "q_err", minimum=1.0, allow_inf=True)
    d = check_int(d, "d", minimum=1)
    if s <= d / p:
        raise ValueError(f"s must exceed d/p = {d / p:g} (point samples are meaningless on the Besov "
                         f"class otherwise), got s = {s}")
    return s, p, q_err, d


def nla_exponents(s, p, q_err, d, *, sparse_zone: bool = False):
    """(a, b): the optimal-recovery exponent a = s/d − (1/p − 1/q)_+ and the noise exponent b.

    b = s/(2s + d) (the [secondary] formula); with ``sparse_zone=True`` and
    s p < d (q − p)/2 the classical sparse-zone exponent
    b = (s − d/p + d/q)/(2(s − d/p) + d) [secondary, DJKP 1996; not from 2502.17671].

    Examples
    --------
    >>> nla_exponents(1.0, 2.0, 2.0, 1)
    (1.0, 0.3333333333333333)
    """
    s, p, q_err, d = _params(s, p, q_err, d)
    ip = 0.0 if p == math.inf else 1.0 / p
    iq = 0.0 if q_err == math.inf else 1.0 / q_err
    a = s / d - max(ip - iq, 0.0)
    b = s / (2 * s + d)
    in_sparse_zone = p != math.inf and s * p < d * (q_err - p) / 2
    if sparse_zone and in_sparse_zone:
        b = (s - d * ip + d * iq) / (2 * (s - d * ip) + d)
    return a, b


def optimal_recovery_rate(m, s, p, q_err, d):
    """m^{−s/d + (1/p − 1/q)_+}: optimal recovery from m noiseless point samples.

    The σ = 0 term of the NLA rate (2502.17671, abstract [paper] for the limit; exponent
    [secondary]).  ``m`` may be an array (m ≥ 1).

    Examples
    --------
    >>> optimal_recovery_rate(16, 2.0, 1.0, 2.0, 1)   # 16^{−2 + 1/2}
    0.015625
    """
    a, _ = nla_exponents(s, p, q_err, d)
    m = _array(m, "m", minimum=1.0)
    out = m ** (-a)
    return float(out) if out.ndim == 0 else out


def noise_rate(m, sigma, s, p, q_err, d, *, sparse_zone: bool = False):
    """min{1, (σ²/m)^b}, b = s/(2s + d): the noise term of the NLA rate [secondary].

    Examples
    --------
    >>> round(noise_rate(1000, 10.0, 1.0, 2.0, 2.0, 1), 12)   # (σ²/m)^{1/3} = 0.1^{1/3}
    0.464158883361
    >>> noise_rate(10, 10.0, 1.0, 2.0, 2.0, 1)         # saturates at 1
    1.0
    """
    _, b = nla_exponents(s, p, q_err, d, sparse_zone=sparse_zone)
    m = _array(m, "m", minimum=1.0)
    sigma = _array(sigma, "sigma", minimum=0.0)
    out = np.minimum(1.0, (sigma / np.sqrt(m)) ** (2 * b))  # σ² overflowed for σ ~ 1e155
    return float(out) if out.ndim == 0 else out


def nla_minimax_rate(m, sigma, s, p, q_err, d, *, sparse_zone: bool = False):
    """Noise-level-aware minimax rate R_m(K, σ)_q of arXiv 2502.17671, up to constants.

    R = m^{−s/d + (1/p − 1/q)_+} + min{1, (σ²/m)^{s/(2s+d)}}

    Parameters
    ----------
    m : int or array, ≥ 1
        Number of point samples.
    sigma : float or array, ≥ 0
        Noise standard deviation (Gaussian noise of variance σ²).
    s : float
        Besov smoothness, s > d/p (the class is the unit ball of B^s_{p,·} on a bounded
        domain of ℝ^d).
    p, q_err : float in (0, ∞]
        Besov integrability and the L_q error norm.
    d : int ≥ 1
    sparse_zone : bool
        Use the classical sparse-zone noise exponent when s p < d(q − p)/2 (see
        :func:`nla_exponents`); off by default because the paper's statement of it could
        not be read.

    Returns
    -------
    float or array (broadcast of m and sigma)

    Notes
    -----
    Source: [secondary] sciencestack.ai summary of arXiv 2502.17671 (the theorem itself
    could not be read; theorem number unknown); σ → 0 limit = optimal-recovery rate and
    continuity in σ: abstract [paper].  Regimes (:func:`nla_regime`): "recovery" (the
    noiseless term dominates: m < m*, with m* from :func:`crossover_sample_size`),
    "noise" ((σ²/m)^b dominates) and "saturated" (σ² ≥ m: the noise term is 1, nothing is
    learned beyond the trivial estimator).

    Examples
    --------
    σ = 0 gives the optimal-recovery rate exactly; the rate is continuous at σ = 0:

    >>> r0 = nla_minimax_rate(1024, 0.0, 1.0, 2.0, 2.0, 1)
    >>> r0 == optimal_recovery_rate(1024, 1.0, 2.0, 2.0, 1)
    True
    >>> bool(abs(nla_minimax_rate(1024, 1e-12, 1.0, 2.0, 2.0, 1) - r0) < 1e-7)
    True
    """
    a, _ = nla_exponents(s, p, q_err, d)
    m_arr = _array(m, "m", minimum=1.0)
    out = m_arr ** (-a) + np.asarray(noise_rate(m, sigma, s, p, q_err, d, sparse_zone=sparse_zone))
    return float(out) if out.ndim == 0 else out


def nla_regime(m, sigma, s, p, q_err, d, *, sparse_zone: bool = False):
    """Which term of the NLA rate dominates: "recovery", "noise" or "saturated".

    Examples
    --------
    >>> [nla_regime(m, 0.1, 1.0, 2.0, 2.0, 1) for m in (2, 10 ** 6)]
    ['recovery', 'noise']
    >>> nla_regime(10, 5.0, 1.0, 2.0, 2.0, 1)
    'saturated'
    """
    m = _real(m, "m", minimum=1.0)
    sigma = _real(sigma, "sigma", minimum=0.0)
    a, b = nla_exponents(s, p, q_err, d, sparse_zone=sparse_zone)
    if sigma >= math.sqrt(m):
        return "saturated"
    return "recovery" if m ** (-a) >= (sigma / math.sqrt(m)) ** (2 * b) else "noise"


def crossover_sample_size(sigma, s, p, q_err, d, *, sparse_zone: bool = False):
    """m* where the two terms of the NLA rate meet: m*^{−a} = (σ²/m*)^b.

    m* = σ^{−2b/(a − b)} [derived from the formula].  When a > b (always for q ≤ p) the
    noiseless term dominates for m < m* and the noise term beyond; m* → ∞ as σ → 0.  For
    σ ≥ 1, m* ≤ 1 ≤ σ² and the noise term (saturated below m = σ²) dominates for every m.
    Returns inf for σ = 0 and nan when a = b (the terms never meet).

    Examples
    --------
    s = 1, d = 1, p = q = 2: a = 1, b = 1/3, m* = σ^{−1}:

    >>> round(crossover_sample_size(0.01, 1.0, 2.0, 2.0, 1), 9)
    100.0
    """
    sigma = _real(sigma, "sigma", minimum=0.0)
    a, b = nla_exponents(s, p, q_err, d, sparse_zone=sparse_zone)
    if a == b:
        return math.nan
    if sigma == 0:
        return math.inf if a > b else 0.0
    return sigma ** (-2.0 * b / (a - b))


# ---------------------------------------------------------------------------------------
# 2506.20779: stable minima
# ---------------------------------------------------------------------------------------

def _n_d(n, d):
    d = check_int(d, "d", minimum=1)
    n = _array(n, "n", minimum=1.0)
    return n, d


def stable_minima_upper_rate(n, d):
    """n^{−1/(2d+4)}: upper bound on the MSE (Thm 3.6) and the generalisation gap (Thm 3.5)
    of stable minima of two-layer ReLU networks, arXiv 2506.20779 [paper, constants and log
    factors not available].  d = 1 gives n^{−1/6} (the univariate statement).

    Examples
    --------
    >>> stable_minima_upper_rate(2 ** 12, 1)
    0.25
    """
    n, d = _n_d(n, d)
    out = n ** (-1.0 / (2 * d + 4))
    return float(out) if out.ndim == 0 else out


def stable_minima_lower_rate(n, d, sigma=1.0):
    """Minimax lower bound over the V_g class, arXiv 2506.20779 Thm 3.7 / App. B.4:
    (σ²/n)^{2/(d+1)} for d ≥ 2 [paper]; for d = 1, (σ²/n)^{1/2} [paper: App. B.4, read in
    a PDF-to-markdown copy of the paper; the general formula would give n^{−1}: the d = 1
    case uses a different construction, bumps near the boundary x ≈ 1, App. H.3].

    Examples
    --------
    >>> round(stable_minima_lower_rate(27, 2), 12), stable_minima_lower_rate(16, 1)
    (0.111111111111, 0.25)
    """
    n, d = _n_d(n, d)
    sigma = _real(sigma, "sigma", minimum=0.0)
    e = 0.5 if d == 1 else 2.0 / (d + 1)
    with np.errstate(over="ignore"):
        out = (sigma / np.sqrt(n)) ** (2 * e)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"sigma: the rate overflows float64 (sigma = {sigma!r:.40})")
    return float(out) if out.ndim == 0 else out


def weight_decay_rate(n):
    """Õ(n^{−1/4}): generalisation gap with weight decay (low norm), independent of d — the
    comparison rate of arXiv 2506.20779 (§1 of the notes) [paper; log factors dropped].

    Examples
    --------
    >>> weight_decay_rate(16)
    0.5
    """
    n = _array(n, "n", minimum=1.0)
    out = n ** -0.25
    return float(out) if out.ndim == 0 else out


def interior_rate_univariate(n):
    """n^{−4/5}: Qiao et al. (2024) rate for stable minima in d = 1 on an interior interval, as
    quoted by arXiv 2506.20779 [paper].

    Examples
    --------
    >>> round(interior_rate_univariate(32), 12)
    0.0625
    """
    n = _array(n, "n", minimum=1.0)
    out = n ** -0.8
    return float(out) if out.ndim == 0 else out
