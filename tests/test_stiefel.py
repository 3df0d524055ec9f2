"""Stiefel geometry: Haar sampling, James' volume formula, quadrature rules.

Oracles (docs/theory/conventions.md and docs/theory/kplane.md §Closed forms): under the Haar probability measure σ
on V_n(ℝᵈ), |Θᵀx|²/|x|² ~ Beta(n/2, k/2) (k = d − n) and E[ΘΘᵀ] = (n/d)·I;
Vol V_n(ℝᵈ) = 2ⁿ π^{dn/2}/Γ_n(d/2) with Γ_n the multivariate gamma function.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import stats
from scipy.special import hyp1f1

from ridgekit.kplane.stiefel import (
    ball_volume,
    complete_frame,
    frames_from_angles,
    measure_mass,
    sphere_area,
    stiefel_quadrature,
    stiefel_sample,
    stiefel_volume,
)

from .conftest import tol

DN_PAIRS = [(2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3), (5, 2), (6, 3)]


# --------------------------------------------------------------------------- sampling
@pytest.mark.parametrize("d,n", DN_PAIRS + [(3, 3), (1, 1)])
def test_stiefel_sample_orthonormal(d, n):
    Th = stiefel_sample(d, n, 200, rng=np.random.default_rng(10 * d + n))
    assert Th.shape == (200, d, n)
    gram = np.einsum("mdi,mdj->mij", Th, Th)
    assert np.abs(gram - np.eye(n)).max() < tol(np.float64, "orthonormal")


def test_stiefel_sample_reproducible_and_seed_sensitive():
    a = stiefel_sample(4, 2, 5, rng=123)
    b = stiefel_sample(4, 2, 5, rng=np.random.default_rng(123))
    c = stiefel_sample(4, 2, 5, rng=124)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("d,n", [(2, 1), (3, 1), (3, 2), (4, 2), (5, 2), (6, 3)])
def test_projection_law_is_beta(d, n):
    """|Θᵀx|²/|x|² ~ Beta(n/2, k/2) for a fixed x (docs/theory/kplane.md §Closed forms); KS test.

    With 4000 samples the KS test detects a shift of the law's mean by ~0.02; a sampler
    without the sign fix or with unnormalised columns fails it."""
    k = d - n
    gen = np.random.default_rng(1000 + 10 * d + n)
    x = gen.standard_normal(d)
    Th = stiefel_sample(d, n, 4000, rng=gen)
    ratio = (np.einsum("mdn,d->mn", Th, x) ** 2).sum(1) / (x @ x)
    res = stats.kstest(ratio, stats.beta(n / 2, k / 2).cdf)
    assert res.pvalue > 1e-3
    # the test can fail: the neighbouring law Beta((n+1)/2, k/2) is rejected
    assert stats.kstest(ratio, stats.beta((n + 1) / 2, k / 2).cdf).pvalue < 1e-6


@pytest.mark.parametrize("d,n", [(3, 1), (3, 2), (4, 2), (5, 3)])
def test_mean_projector(d, n):
    """E[ΘΘᵀ] = (n/d) I: every entry within 5 standard errors (Monte Carlo bound)."""
    N = 20000
    Th = stiefel_sample(d, n, N, rng=np.random.default_rng(77 + d * n))
    P = np.einsum("mai,mbi->mab", Th, Th)
    mean = P.mean(0)
    se = P.std(0, ddof=1) / math.sqrt(N)
    dev = np.abs(mean - (n / d) * np.eye(d))
    assert np.all(dev <= 5 * se + 1e-15)


def test_stiefel_sample_zero_size():
    assert stiefel_sample(3, 1, 0, rng=0).shape == (0, 3, 1)


# --------------------------------------------------------------------------- volumes
def _james_volume(d: int, n: int) -> mpmath.mpf:
    """2ⁿ π^{dn/2} / Γ_n(d/2), Γ_n(a) = π^{n(n−1)/4} Π_{j=1}^{n} Γ(a − (j−1)/2)
    (multivariate gamma, written out; James 1954)."""
    a = mpmath.mpf(d) / 2
    gamma_n = mpmath.pi ** (mpmath.mpf(n * (n - 1)) / 4) * mpmath.fprod(
        mpmath.gamma(a - mpmath.mpf(j - 1) / 2) for j in range(1, n + 1))
    return 2 ** n * mpmath.pi ** (mpmath.mpf(d * n) / 2) / gamma_n


@pytest.mark.parametrize("d", range(1, 9))
def test_stiefel_volume_james(d):
    with mpmath.workdps(30):
        for n in range(1, d + 1):
            exact = _james_volume(d, n)
            assert abs(stiefel_volume(d, n) - float(exact)) <= 1e-13 * float(exact)
            assert measure_mass(d, n, "surface") == stiefel_volume(d, n)
            if d >= 2 and n <= d - 1:
                assert measure_mass(d, n, "probability") == 1.0


def test_sphere_and_ball_constants():
    with mpmath.workdps(30):
        for m in range(1, 9):
            area = 2 * mpmath.pi ** (mpmath.mpf(m) / 2) / mpmath.gamma(mpmath.mpf(m) / 2)
            assert abs(sphere_area(m) - float(area)) <= 1e-14 * float(area)
            vol = mpmath.pi ** (mpmath.mpf(m) / 2) / mpmath.gamma(mpmath.mpf(m) / 2 + 1)
            assert abs(ball_volume(m) - float(vol)) <= 1e-14 * float(vol)
            # |S^{m-1}| = m V_m
            assert abs(sphere_area(m) - m * ball_volume(m)) <= 1e-14 * sphere_area(m)
    assert ball_volume(0) == 1.0 and sphere_area(1) == 2.0
    assert stiefel_volume(3, 3) == pytest.approx(2 * 4 * math.pi * 2 * math.pi, rel=1e-14)  # Vol O(3)


# --------------------------------------------------------------------------- quadrature
def _circle_moment(a: int, b: int) -> float:
    """E[cos^a θ sin^b θ] for θ uniform on [0, 2π): (a−1)!!(b−1)!!/(a+b)!! if a, b even, else 0."""
    if a % 2 or b % 2:
        return 0.0
    df = lambda j: math.prod(range(j, 0, -2)) if j > 0 else 1  # noqa: E731
    return df(a - 1) * df(b - 1) / df(a + b)


@pytest.mark.parametrize("m", [1, 2, 5, 8, 13])
def test_uniform_rule_exact_for_trig_polynomials(m):
    """'uniform' (m angles on the circle) integrates every polynomial in ξ = (cos θ, sin θ)
    of degree < m exactly (trapezoidal rule), and fails at degree m."""
    fr, w = stiefel_quadrature(2, 1, m, rule="uniform")
    assert w.sum() == pytest.approx(1.0, abs=1e-15)
    c, s = fr[:, 0, 0], fr[:, 1, 0]
    for deg in range(m):
        for a in range(deg + 1):
            assert abs(w @ (c ** a * s ** (deg - a)) - _circle_moment(a, deg - a)) < 1e-14
    # degree m: cos^m θ contains 2^{1−m} cos(mθ), which the m-point rule integrates to 2^{1−m}
    assert abs(w @ c ** m - _circle_moment(m, 0)) == pytest.approx(2.0 ** (1 - m), rel=1e-12)


@pytest.mark.parametrize("m", [1, 3, 4, 9])
def test_half_rule_exact_for_even_trig_polynomials(m):
    """'half' (m angles on [0, π)) is exact for even polynomials h(−ξ) = h(ξ) of degree < 2m."""
    fr, w = stiefel_quadrature(2, 1, m, rule="half")
    c, s = fr[:, 0, 0], fr[:, 1, 0]
    assert np.all((np.arctan2(s, c) >= -1e-15) & (np.arctan2(s, c) < np.pi))
    for deg in range(0, 2 * m, 2):
        for a in range(deg + 1):
            assert abs(w @ (c ** a * s ** (deg - a)) - _circle_moment(a, deg - a)) < 1e-14
    assert abs(w @ c ** (2 * m) - _circle_moment(2 * m, 0)) == pytest.approx(2.0 ** (1 - 2 * m), rel=1e-12)


@pytest.mark.parametrize("n", [1, 2])
def test_fibonacci_rule_rate(n):
    """Spherical Fibonacci lattice (d = 3): error decays at least like m^{-3/4} (the rate
    documented in ``stiefel_quadrature``).  n = 1: ∫_{S²} x₁⁴ dσ = 1/5.  n = 2 (frames
    completing the line direction u): |Θᵀe₁|² = 1 − u₁², E[(1 − u₁²)²] = 1 − 2/3 + 1/5 = 8/15.
    Measured (m = 100 → 1600): 3.3e-6 → 1.2e-9 (n = 1), 7.3e-5 → 6.0e-7 (n = 2)."""
    errs = []
    sizes = (100, 1600)
    for m in sizes:
        fr, w = stiefel_quadrature(3, n, m, rule="fibonacci")
        gram = np.einsum("mdi,mdj->mij", fr, fr)
        assert np.abs(gram - np.eye(n)).max() < tol(np.float64, "orthonormal")
        if n == 1:
            errs.append(abs(w @ fr[:, 0, 0] ** 4 - 0.2))
        else:
            v = (fr[:, 0, :] ** 2).sum(1)
            errs.append(abs(w @ v ** 2 - 8 / 15))
    assert errs[1] <= errs[0] * (sizes[0] / sizes[1]) ** 0.75
    assert errs[0] < sizes[0] ** -0.75


def test_fibonacci_line_frames_are_complements():
    """For n = 2 the frame spans the orthogonal complement of a Fibonacci point."""
    fr1, _ = stiefel_quadrature(3, 1, 50, rule="fibonacci")
    fr2, _ = stiefel_quadrature(3, 2, 50, rule="fibonacci")
    assert np.abs(np.einsum("md,mdn->mn", fr1[:, :, 0], fr2)).max() < 1e-14


@pytest.mark.parametrize("rule", ["qmc", "random"])
@pytest.mark.parametrize("d,n", [(4, 1), (4, 2), (5, 2)])
def test_randomised_rules_unbiased(rule, d, n):
    """E_seed[Σ_j w_j h(Θ_j)] = ∫ h dσ for h(Θ) = exp(−|Θᵀx|²), whose integral is
    1F1(n/2; d/2; −|x|²) (docs/theory/kplane.md §Closed forms, the projection law).  The mean over 200 seeds
    lies within 5 standard errors (a false alarm has probability < 1e-6)."""
    gen = np.random.default_rng(42 + d + n)
    x = gen.standard_normal(d)
    x *= 1.3 / np.linalg.norm(x)
    exact = hyp1f1(n / 2, d / 2, -(x @ x))
    est = []
    for seed in range(200):
        fr, w = stiefel_quadrature(d, n, 37, rule=rule, rng=seed)
        est.append(w @ np.exp(-(np.einsum("mdn,d->mn", fr, x) ** 2).sum(1)))
    est = np.asarray(est)
    se = est.std(ddof=1) / math.sqrt(est.size)
    assert se > 0
    assert abs(est.mean() - exact) <= 5 * se


@pytest.mark.parametrize("measure", ["probability", "surface"])
def test_quadrature_weights_sum_to_mass(measure):
    for d, n, rule in [(2, 1, "uniform"), (2, 1, "half"), (3, 1, "fibonacci"), (3, 2, "fibonacci"),
                       (4, 2, "qmc"), (5, 3, "random"), (4, 3, "auto")]:
        fr, w = stiefel_quadrature(d, n, 17, rule=rule, rng=0, measure=measure)
        assert fr.shape == (17, d, n)
        assert w.sum() == pytest.approx(measure_mass(d, n, measure), rel=1e-14)
        assert np.abs(np.einsum("mdi,mdj->mij", fr, fr) - np.eye(n)).max() < tol(np.float64, "orthonormal")


def test_quadrature_rule_dimension_errors():
    with pytest.raises(ValueError, match="rule"):
        stiefel_quadrature(3, 1, 8, rule="half")
    with pytest.raises(ValueError, match="rule"):
        stiefel_quadrature(4, 1, 8, rule="fibonacci")
    with pytest.raises(ValueError, match="rule"):
        stiefel_quadrature(3, 1, 8, rule="gauss")
    with pytest.raises(ValueError, match="measure"):
        stiefel_quadrature(3, 1, 8, measure="haar")


def test_complete_frame_and_angles():
    U = stiefel_sample(5, 2, 6, rng=3)
    C = complete_frame(U)
    Q = np.concatenate([U, C], axis=2)
    assert np.abs(np.einsum("mdi,mdj->mij", Q, Q) - np.eye(5)).max() < tol(np.float64, "orthonormal")
    F = frames_from_angles([0.0, np.pi / 2])
    assert np.allclose(F[:, :, 0], [[1, 0], [0, 1]], atol=1e-16)
