"""nets.process_stats on processes with known answers (fixed seeds, Z = 4.5 SE)."""

import numpy as np
import pytest

from ridgekit.nets.process_stats import (
    empirical_autocovariance,
    fit_symmetric_stable,
    gaussianity_test,
    hurst_exponent,
    variogram,
)
from ridgekit.nets.random_relu import symmetric_stable_rvs

Z = 4.5


def test_autocovariance_and_variogram_of_brownian_motion():
    rng = np.random.default_rng(0)
    t = np.array([0.3, 0.7, 1.0])
    B = np.cumsum(rng.standard_normal((50_000, 3)) * np.sqrt(np.diff(t, prepend=0.0)), axis=1)
    est = empirical_autocovariance(B[:, 0], B[:, 1])               # min(s, t) = 0.3
    assert abs(est.zscore(0.3)) < Z
    cen = empirical_autocovariance(B + 5.0, centered=True)         # Var = t, mean removed
    assert np.all(np.abs(cen.zscore(t)) < Z)
    g = variogram(B[:, 1], B[:, 2])                                 # ½|t − s|
    assert abs(g.zscore(0.15)) < Z


def test_hurst_of_fractional_scalings():
    rng = np.random.default_rng(1)
    r = np.geomspace(0.1, 1.0, 5)
    for H in (0.3, 1.5):
        X = rng.standard_normal((3000, 1)) * r ** H                 # exactly self-similar
        fit = hurst_exponent(X, r, rng=2)
        assert fit.low < H < fit.high and fit.level == 0.95


def test_gaussianity_and_stable_fit():
    rng = np.random.default_rng(3)
    assert gaussianity_test(rng.standard_normal(4000)).pvalue > 1e-3
    assert gaussianity_test(rng.laplace(size=4000), variance=2.0).pvalue < 1e-3
    for alpha, scale in [(0.8, 1.0), (1.5, 0.3), (2.0, 1.0)]:
        fit = fit_symmetric_stable(symmetric_stable_rvs(alpha, 40_000, rng=rng, scale=scale))
        assert abs(fit.alpha - alpha) < 0.05 and abs(fit.scale / scale - 1) < 0.05


def test_bad_input():
    with pytest.raises(ValueError, match="V"):
        empirical_autocovariance(np.zeros(10), np.zeros(9))
    with pytest.raises(ValueError, match="U"):
        empirical_autocovariance(np.zeros(1))
    with pytest.raises(ValueError, match="radii"):
        hurst_exponent(np.ones((10, 3)), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="level"):
        hurst_exponent(np.ones((10, 2)), [1.0, 2.0], level=1.5)
    with pytest.raises(ValueError, match="variance"):
        gaussianity_test(np.zeros(20), variance=-1.0)
    with pytest.raises(ValueError, match="values"):
        fit_symmetric_stable(np.zeros(10))
