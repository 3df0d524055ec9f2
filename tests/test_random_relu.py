"""RandomReLUProcess (arXiv 2405.10229): closed forms against Monte Carlo, exactness of
samples, limits, bad input.

Monte Carlo assertions are at Z = 4.5 standard errors (computed from the same sample:
std(product)/√n); with fixed seeds the tests are deterministic, and for a correct formula
a single check fails with probability ≈ 7·10⁻⁶.
"""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from ridgekit.nets.process_stats import empirical_autocovariance, fit_symmetric_stable, gaussianity_test, hurst_exponent
from ridgekit.nets.random_relu import RandomReLUProcess, sphere_moment

Z = 4.5


def _unit(rng, d, r):
    v = rng.standard_normal(d)
    return r * v / np.linalg.norm(v)


def _pairs(d, rng):
    x1, y1 = _unit(rng, d, 0.9), _unit(rng, d, 0.6)
    x2 = _unit(rng, d, 0.7)
    y2 = 0.5 * x2 / np.linalg.norm(x2) * 1.3 if d == 1 else _unit(rng, d, 0.4) + 0.3 * x2
    x3 = _unit(rng, d, 1.0)
    return [(x1, y1), (x2, y2), (x3, x3 * 0.35)]


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_covariance_monte_carlo(d):
    rng = np.random.default_rng(100 + d)
    proc = RandomReLUProcess(d, 5.0, weights="gaussian", scale=0.8)
    pairs = _pairs(d, rng)
    pts = np.concatenate([np.stack(p) for p in pairs])
    S = proc.sample_values(pts, 40_000, rng=rng, radius=1.0)
    for k, (xx, yy) in enumerate(pairs):
        est = empirical_autocovariance(S[:, 2 * k], S[:, 2 * k + 1])
        assert abs(est.zscore(proc.autocovariance(xx, yy))) < Z
        var = empirical_autocovariance(S[:, 2 * k])
        assert abs(var.zscore(proc.variance(xx))) < Z


def test_mean_term_and_surface_measure():
    rng = np.random.default_rng(7)
    proc = RandomReLUProcess(2, 1.5, weights=stats.norm(0.5, 1.0), measure="surface")
    x, y = np.array([0.6, 0.2]), np.array([-0.1, 0.7])
    S = proc.sample_values(np.stack([x, y]), 40_000, rng=rng)
    assert abs(empirical_autocovariance(S[:, 0], S[:, 1]).zscore(proc.autocovariance(x, y))) < Z
    mean_est = S[:, 0].mean(), S[:, 0].std(ddof=1) / np.sqrt(len(S))
    assert abs(mean_est[0] - proc.mean(x)) < Z * mean_est[1]
    assert proc.mean(x) > 0 and proc.autocovariance(x, y) != proc.autocovariance(x, y, centered=True)
    # surface measure = probability measure with λ|S^{d−1}|
    prob = RandomReLUProcess(2, 1.5 * 2 * np.pi, weights=stats.norm(0.5, 1.0))
    assert np.isclose(prob.autocovariance(x, y), proc.autocovariance(x, y), rtol=1e-14)


def test_isotropy_and_self_similarity():
    rng = np.random.default_rng(11)
    proc = RandomReLUProcess(3, 4.0)
    x, y = np.array([0.5, 0.1, -0.2]), np.array([0.1, 0.4, 0.3])
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    a = 1.7
    ref = proc.autocovariance(x, y)
    assert np.isclose(proc.autocovariance(Q @ x, Q @ y), ref, rtol=1e-13)
    assert np.isclose(proc.autocovariance(a * x, a * y), a ** 3 * ref, rtol=1e-13)
    S = proc.sample_values(np.stack([Q @ x, Q @ y, a * x, a * y]), 40_000, rng=rng)
    assert abs(empirical_autocovariance(S[:, 0], S[:, 1]).zscore(ref)) < Z
    assert abs(empirical_autocovariance(S[:, 2], S[:, 3]).zscore(a ** 3 * ref)) < Z


def test_hurst_exponent_three_halves():
    rng = np.random.default_rng(5)
    proc = RandomReLUProcess(2, 3.0)
    u = np.array([0.6, 0.8])
    radii = np.geomspace(0.1, 1.0, 6)
    S = proc.sample_values(radii[:, None] * u, 6000, rng=rng)
    fit = hurst_exponent(S, radii, rng=rng)
    assert fit.low < 1.5 < fit.high
    assert fit.high - fit.low < 0.2


def test_antipodal_uncorrelated():
    # r_{w,b}(x) r_{w,b}(−x) = 0 for every neuron, so s(x) and s(−x) are independent.
    rng = np.random.default_rng(3)
    proc = RandomReLUProcess(2, 5.0)
    x = np.array([0.3, -0.8])
    assert abs(proc.autocovariance(x, -x)) < 1e-15
    S = proc.sample_values(np.stack([x, -x]), 40_000, rng=rng)
    assert abs(empirical_autocovariance(S[:, 0], S[:, 1]).zscore(0.0)) < Z


@pytest.mark.parametrize("form", ["corrected", "raw"])
def test_samples_vanish_to_first_order_at_origin(form):
    proc = RandomReLUProcess(3, 6.0, weights="laplace", radius=1.5)
    nets = proc.sample(size=40, rng=0, form=form)
    zero = np.zeros((1, 3))
    for net in nets:
        assert abs(net(zero)[0]) < 1e-14
        assert np.abs(net.gradient(zero)).max() < 1e-14
    assert sum(net.n_neurons for net in nets) > 40 * 6     # E width = 2Rλ = 18


def test_forms_and_fast_paths_agree():
    proc = RandomReLUProcess(2, 8.0, radius=np.sqrt(2))
    X = np.random.default_rng(1).uniform(-1, 1, (50, 2))
    for a, b in zip(proc.sample(size=5, rng=4), proc.sample(size=5, rng=4, form="raw")):
        assert np.allclose(a(X), b(X), atol=1e-13)
    # the same draws evaluated by the network, the point kernel and the grid kernel
    vals, axis = proc.sample_grid(17, 4, rng=9)
    G = np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
    nets = proc.sample(radius=np.sqrt(2), size=4, rng=9)
    pts = proc.sample_values(G, 4, rng=9, radius=np.sqrt(2))
    for s in range(4):
        assert np.allclose(nets[s](G), vals[s].reshape(-1), atol=1e-12)
    assert np.allclose(pts, vals.reshape(4, -1), atol=1e-12)
    v1, ax1 = RandomReLUProcess(1, 20.0).sample_grid(64, 3, rng=2)
    p1 = RandomReLUProcess(1, 20.0).sample_values(ax1, 3, rng=2, radius=1.0)
    assert np.allclose(v1, p1, atol=1e-12)


def test_expected_width():
    proc = RandomReLUProcess(4, 3.0, radius=2.0)
    counts = [n.n_neurons for n in proc.sample(size=2000, rng=8)]
    mu = proc.expected_width()
    assert mu == pytest.approx(12.0)
    assert abs(np.mean(counts) - mu) < Z * np.sqrt(mu / 2000)


@pytest.mark.parametrize("weights, p0", [("gaussian", 0.0), (stats.randint(-1, 2), 1 / 3)])
def test_void_probability(weights, p0):
    rng = np.random.default_rng(21)
    proc = RandomReLUProcess(2, 2.0, weights=weights)
    x = np.array([0.5, 0.5])
    p = float(proc.void_probability(x))
    assert np.isclose(p, np.exp(-2.0 * (1 - p0) * (2 / np.pi) * np.linalg.norm(x)))
    S = proc.sample_values(x[None], 20_000, rng=rng)[:, 0]
    freq = np.mean(S == 0.0)
    assert abs(freq - p) < Z * np.sqrt(p * (1 - p) / len(S))


def test_gaussian_limit():
    """V = V₀/√λ (Rademacher V₀): KS distance to N(0, C₃‖x‖³/3) shrinks with λ."""
    x = np.array([0.6, 0.8])
    ks = []
    for k, lam in enumerate([2.0, 40.0, 1500.0]):
        proc = RandomReLUProcess(2, lam, weights="rademacher", scale=1 / np.sqrt(lam))
        var = float(proc.variance(x))
        assert var == pytest.approx(sphere_moment(3, 2) / 3)
        S = proc.sample_values(x[None], 4000, rng=30 + k)[:, 0]
        ks.append(gaussianity_test(S, variance=var))
    assert ks[0].pvalue < 1e-6                       # atom at 0 and heavy compound-Poisson tails
    assert ks[0].statistic > ks[1].statistic > ks[2].statistic
    assert ks[2].pvalue > 1e-3


def test_stable_limit():
    """SαS V = λ^{−1/α} V₀: the marginal is SαS with scale γ (C_{α+1}/(α+1))^{1/α} ‖x‖^{1+1/α}."""
    alpha, lam = 1.5, 400.0
    proc = RandomReLUProcess(2, lam, weights="stable", alpha=alpha, scale=lam ** (-1 / alpha))
    x = np.array([0.0, 0.9])
    S = proc.sample_values(x[None], 20_000, rng=44)[:, 0]
    fit = fit_symmetric_stable(S)
    scale = float(proc.stable_limit_scale(x))
    assert scale == pytest.approx((sphere_moment(alpha + 1, 2) / (alpha + 1)) ** (1 / alpha) * 0.9 ** (1 + 1 / alpha))
    assert abs(fit.alpha - alpha) < 0.06
    assert abs(fit.scale / scale - 1) < 0.05
    assert gaussianity_test(S).pvalue < 1e-10


def test_bad_input():
    with pytest.raises(ValueError, match="rate"):
        RandomReLUProcess(2, 0.0)
    with pytest.raises(ValueError, match="rate"):
        RandomReLUProcess(2, -1.0)
    with pytest.raises(ValueError, match="radius"):
        RandomReLUProcess(2, 1.0, radius=0.0)
    with pytest.raises(ValueError, match="d"):
        RandomReLUProcess(0, 1.0)
    with pytest.raises(TypeError, match="d"):
        RandomReLUProcess(2.5, 1.0)
    for alpha in (0.0, 2.5, -1.0):
        with pytest.raises(ValueError, match="alpha"):
            RandomReLUProcess(2, 1.0, weights="stable", alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        RandomReLUProcess(2, 1.0, weights="gaussian", alpha=1.0)
    with pytest.raises(ValueError, match="weights"):
        RandomReLUProcess(2, 1.0, weights="cauchy")
    with pytest.raises(TypeError, match="weights"):
        RandomReLUProcess(2, 1.0, weights=3)
    with pytest.raises(ValueError, match="measure"):
        RandomReLUProcess(2, 1.0, measure="haar")
    heavy = RandomReLUProcess(2, 1.0, weights="stable", alpha=1.2)
    with pytest.raises(ValueError, match="second moment"):
        heavy.autocovariance([0.1, 0.2], [0.3, 0.1])
    with pytest.raises(ValueError, match="second moment"):
        RandomReLUProcess(2, 1.0, weights=stats.t(1.5)).variance([0.1, 0.2])
    proc = RandomReLUProcess(2, 1.0)
    with pytest.raises(ValueError, match="radius"):
        proc.sample(radius=-1.0)
    with pytest.raises(ValueError, match="ball of radius"):
        proc.sample_values([[2.0, 0.0]], 3, rng=0, radius=1.0)
    with pytest.raises(ValueError, match="x must have last axis"):
        proc.autocovariance([0.1, 0.2, 0.3], [0.1, 0.2])
    with pytest.raises(ValueError, match="stable"):
        proc.stable_limit_scale([0.1, 0.2])


def test_gallery_quick(tmp_path):
    pytest.importorskip("matplotlib")
    from ridgekit.gallery.random_relu import run

    out = run(tmp_path, quick=True)
    assert len(out["figures"]) == 3 and all(Path(p).exists() and cap for p, cap in out["figures"])
    failed = [c.name for c in out["checks"] if not c.passed]
    assert not failed, failed
