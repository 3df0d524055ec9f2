"""Rate functions of 2502.17671 (NLA minimax) and 2506.20779 (stable minima).

The NLA formula is [secondary] (splines/rates.py says what could be read); these tests
check the properties the paper's abstract states [paper] — continuity in σ, the σ → 0
limit equal to the optimal-recovery rate — and the algebra of every regime.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ridgekit.splines import rates
from ridgekit.splines import rates_symbolic as rs

CASES = [(1.0, 2.0, 2.0, 1), (2.0, 1.0, 2.0, 1), (1.5, 2.0, 1.0, 2), (3.0, 2.0, 4.0, 2), (2.5, 1.5, math.inf, 3)]


@pytest.mark.parametrize("s, p, q, d", CASES)
def test_sigma_to_zero_is_optimal_recovery(s, p, q, d):
    m = np.array([1.0, 10.0, 1e3, 1e6])
    r0 = rates.optimal_recovery_rate(m, s, p, q, d)
    assert np.array_equal(rates.nla_minimax_rate(m, 0.0, s, p, q, d), r0)
    for sig in (1e-3, 1e-6, 1e-9):
        gap = rates.nla_minimax_rate(m, sig, s, p, q, d) - r0
        # the noise term is (σ²/m)^b exactly below saturation: continuous at σ = 0
        assert np.allclose(gap, (sig ** 2 / m) ** (s / (2 * s + d)), rtol=1e-12)
    ip = 0.0 if p == math.inf else 1 / p
    iq = 0.0 if q == math.inf else 1 / q
    assert np.allclose(r0, m ** (-(s / d - max(ip - iq, 0.0))), rtol=1e-14)


@pytest.mark.parametrize("s, p, q, d", CASES)
def test_regimes_and_crossover(s, p, q, d):
    a, b = rates.nla_exponents(s, p, q, d)
    sigma = 0.05
    mstar = rates.crossover_sample_size(sigma, s, p, q, d)
    assert mstar ** (-a) == pytest.approx((sigma ** 2 / mstar) ** b, rel=1e-10)
    if a > b and mstar > 2:
        assert rates.nla_regime(mstar / 2, sigma, s, p, q, d) == "recovery"
        assert rates.nla_regime(mstar * 2, sigma, s, p, q, d) == "noise"
    assert rates.nla_regime(10.0, 5.0, s, p, q, d) == "saturated"
    assert rates.noise_rate(10.0, 5.0, s, p, q, d) == 1.0
    # monotone: decreasing in m, increasing in σ
    mm = np.logspace(0, 8, 50)
    r = rates.nla_minimax_rate(mm, sigma, s, p, q, d)
    assert np.all(np.diff(r) < 0)
    rs_ = rates.nla_minimax_rate(1e4, np.linspace(0, 3, 20), s, p, q, d)
    assert np.all(np.diff(rs_) >= 0)


def test_crossover_limits():
    assert rates.crossover_sample_size(0.0, 1.0, 2.0, 2.0, 1) == math.inf
    assert rates.crossover_sample_size(0.01, 1.0, 2.0, 2.0, 1) == pytest.approx(100.0, rel=1e-12)
    # σ ≥ 1: m* ≤ 1, the noise term dominates for every m ≥ 1
    assert rates.crossover_sample_size(2.0, 1.0, 2.0, 2.0, 1) < 1
    assert all(rates.nla_regime(m, 2.0, 1.0, 2.0, 2.0, 1) != "recovery" for m in (1, 10, 1e4))


def test_sparse_zone_option():
    # s p < d (q − p)/2: p = 1, q = inf, d = 1, s = 1.2 (s > d/p) → sparse zone
    a, b_dense = rates.nla_exponents(1.2, 1.0, math.inf, 1)
    _, b_sparse = rates.nla_exponents(1.2, 1.0, math.inf, 1, sparse_zone=True)
    assert b_dense == pytest.approx(1.2 / 3.4)
    assert b_sparse == pytest.approx((1.2 - 1) / (2 * 0.2 + 1))
    # dense zone: the option changes nothing
    assert rates.nla_exponents(2.0, 2.0, 2.0, 1, sparse_zone=True) == rates.nla_exponents(2.0, 2.0, 2.0, 1)


def test_stable_minima_rates():
    n = np.array([32.0, 512.0])
    assert np.allclose(rates.stable_minima_upper_rate(n, 1), n ** (-1 / 6))
    assert np.allclose(rates.stable_minima_upper_rate(n, 5), n ** (-1 / 14))
    assert np.allclose(rates.stable_minima_lower_rate(n, 3, sigma=1.0), n ** -0.5)
    assert np.allclose(rates.stable_minima_lower_rate(n, 1), n ** -0.5)
    # the exponential separation: weight decay beats stable minima for d ≥ 1 (1/4 > 1/(2d+4))
    for d in range(1, 8):
        assert rates.weight_decay_rate(1e6) < rates.stable_minima_upper_rate(1e6, d)
    assert rates.interior_rate_univariate(32.0) == pytest.approx(32 ** -0.8)


def test_symbolic_checks_all_pass():
    rows = rs.checks()
    failed = [r.name for r in rows if not r.passed]
    assert not failed and len(rows) >= 30


@pytest.mark.parametrize("call, exc, match", [
    (lambda: rates.nla_minimax_rate(0.5, 0.1, 1.0, 2.0, 2.0, 1), ValueError, "m must"),
    (lambda: rates.nla_minimax_rate(10, -0.1, 1.0, 2.0, 2.0, 1), ValueError, "sigma must"),
    (lambda: rates.nla_minimax_rate(10, 0.1, 0.0, 2.0, 2.0, 1), ValueError, "s must"),
    (lambda: rates.nla_minimax_rate(10, 0.1, -1.0, 2.0, 2.0, 1), ValueError, "s must"),
    (lambda: rates.nla_minimax_rate(10, 0.1, 1.0, 0.0, 2.0, 1), ValueError, "p must"),
    (lambda: rates.nla_minimax_rate(10, 0.1, 1.0, 2.0, -1.0, 1), ValueError, "q_err must"),
    (lambda: rates.nla_minimax_rate(10, 0.1, 0.4, 2.0, 2.0, 1), ValueError, "d/p"),
    (lambda: rates.nla_minimax_rate(10, 0.1, 1.0, 2.0, 2.0, 0), ValueError, "d must"),
    (lambda: rates.nla_minimax_rate(10, 0.1, 1.0, 2.0, 2.0, 1.5), TypeError, "d must"),
    (lambda: rates.nla_minimax_rate(10, 0.1, "1", 2.0, 2.0, 1), TypeError, "s must"),
    (lambda: rates.crossover_sample_size(-1.0, 1.0, 2.0, 2.0, 1), ValueError, "sigma must"),
    (lambda: rates.stable_minima_upper_rate(0, 2), ValueError, "n must"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
