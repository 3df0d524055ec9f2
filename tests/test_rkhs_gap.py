"""Gaussian RKHS norms and the RKHS / R-norm gap ([unverified construction], docs/theory/rnorm.md §Gaussian RKHS gap)."""

import math

import numpy as np
import pytest

from ridgekit.nets.rkhs import gaussian_kernel, gaussian_rkhs_norm, rkhs_gap_sequence, rkhs_gap_table, rtv_gaussian_sum
from ridgekit.radon.norms import rtv_gaussian


def test_rkhs_norm_of_gaussian_sums():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3))
    c = rng.standard_normal(6)
    K = gaussian_kernel(X, X, 0.8)
    assert gaussian_rkhs_norm(X, c, 0.8) == pytest.approx(math.sqrt(c @ K @ c), rel=1e-14)
    # two centres: ‖k_x + k_y‖² = 2 + 2 k(x, y)
    x, y = np.zeros((1, 2)), np.array([[1.0, 1.0]])
    assert gaussian_rkhs_norm(np.vstack([x, y]), [1.0, 1.0]) ** 2 == pytest.approx(2 + 2 * math.exp(-1.0), rel=1e-14)
    with pytest.raises(ValueError, match="coefs"):
        gaussian_rkhs_norm(X, c[:3])
    with pytest.raises(ValueError, match="sigma"):
        gaussian_rkhs_norm(X, c, sigma=0.0)


def test_rtv_of_one_gaussian_every_d_and_translation():
    for d in (1, 2, 3):
        x0 = np.full((1, d), 3.7)
        assert rtv_gaussian_sum(x0, [-2.0], sigma=0.5, n_directions=8) == pytest.approx(
            2 * rtv_gaussian(d, 0.5), rel=1e-10)


def test_rtv_of_sum_d1_against_dense_quadrature():
    # d = 1: ‖f‖_R = ∫|f''| for f = Σ cⱼ e^{−(x−xⱼ)²/2}, overlapping bumps
    X = np.array([[0.0], [1.3], [2.1]])
    c = np.array([1.0, -0.7, 0.4])
    x = np.linspace(-15, 17, 800001)
    f2 = sum(cj * ((x - xj) ** 2 - 1) * np.exp(-(x - xj) ** 2 / 2) for cj, xj in zip(c, X[:, 0]))
    assert rtv_gaussian_sum(X, c) == pytest.approx(np.trapezoid(np.abs(f2), x), rel=1e-8)
    # triangle inequality
    assert rtv_gaussian_sum(X, c) <= np.sum(np.abs(c)) * rtv_gaussian(1)


def test_gap_rkhs_bounded_rtv_unbounded():
    tab = rkhs_gap_table((1, 4, 16, 64), spacing=12.0)
    assert np.all(tab["rkhs_norm"] <= tab["rkhs_bound"] + 1e-12)
    assert tab["rkhs_bound"] < math.pi / math.sqrt(6) * 1.0001
    # separated bumps: R-norm = H_N ‖k‖_R (to the overlap of tails), H_N ~ log N → ∞
    np.testing.assert_allclose(tab["rtv"], tab["rtv_upper"], rtol=1e-9)
    assert np.all(np.diff(tab["rtv"]) > 0)
    assert tab["rtv"][-1] > 4 * tab["rkhs_norm"][-1]
    assert tab["harmonic"][-1] == pytest.approx(sum(1 / j for j in range(1, 65)), rel=1e-14)


def test_gap_in_two_dimensions():
    # d = 2: projections of collinear centres overlap for directions near e₂, so the
    # R-norm is below the triangle bound but still grows with N
    tab = rkhs_gap_table((1, 2, 4), d=2, spacing=12.0, n_directions=24)
    assert np.all(tab["rtv"] <= tab["rtv_upper"] * (1 + 1e-10))
    assert np.all(np.diff(tab["rtv"]) > 0)
    assert np.all(tab["rkhs_norm"] <= tab["rkhs_bound"] + 1e-12)


def test_gap_sequence_validation():
    X, c = rkhs_gap_sequence(3, d=2, spacing=5.0)
    np.testing.assert_array_equal(X[:, 0], [5.0, 10.0, 15.0])
    np.testing.assert_allclose(c, [1, 1 / 2, 1 / 3])
    with pytest.raises(ValueError, match="N"):
        rkhs_gap_sequence(0)


def test_plot_rkhs_gap():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from ridgekit.nets.rkhs import plot_rkhs_gap
    ax = plot_rkhs_gap(Ns=(1, 2, 4), spacing=12.0)
    assert len(ax.lines) == 4
    import matplotlib.pyplot as plt
    plt.close("all")
