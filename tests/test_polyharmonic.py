"""Tests of splines.PolyharmonicSpline against scipy's RBFInterpolator (same kernels, same
signs, same default degrees), polynomial reproduction, the network view and bad input.

Tolerance 1e-8 relative: both solve the same linear system by different
factorisations; the conditioning of these systems at N ≤ 200 (≲ 1e6) times eps gives
~1e-10, far below the requirement.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import RBFInterpolator

from ridgekit.splines.polyharmonic import PolyharmonicSpline, monomial_powers, polyharmonic_kernel


def _data(rng, N, d):
    X = rng.uniform(-1, 1, (N, d))
    Y = np.c_[np.sin(3 * X[:, 0]) + X[:, -1] ** 2, np.cos(2 * X.sum(1))]
    return X, Y, rng.uniform(-1.2, 1.2, (40, d))


@pytest.mark.parametrize("d,kernel", [(2, "thin_plate_spline"), (3, "cubic"), (3, "quintic"),
                                      (2, "linear"), (1, "cubic")])
@pytest.mark.parametrize("smoothing", [0.0, 1e-2])
def test_matches_scipy(rng, d, kernel, smoothing):
    X, Y, Xt = _data(rng, 150, d)
    ours = PolyharmonicSpline(kernel, smoothing=smoothing).fit(X, Y)
    ref = RBFInterpolator(X, Y, kernel=kernel, smoothing=smoothing)
    a, b = ours.predict(Xt), ref(Xt)
    assert np.abs(a - b).max() <= 1e-8 * np.abs(b).max()
    # the gap of the dual point a = λc (c for λ = 0) [derived, PolyharmonicSpline docstring]
    # is 2⟨c, f(X) − y⟩ − 2⟨Pᵀc, γ⟩ (interpolation) or ‖e‖² − 2λ⟨Pᵀc, γ⟩ with
    # e = y − f(X) − λc (smoothing): bounded by the residuals of the linear solve, plus the
    # rounding of the N-term sums ⟨c, y⟩, ⟨c, Kc⟩ (≤ N eps ‖c‖‖y‖ each, Kc ≈ y)
    c, gam = ours.coef_, ours.poly_coef_
    e = Y - ours.predict(X) - smoothing * c
    Ptc = np.linalg.norm(ours.certificate_.details["null_space_residual"] * np.linalg.norm(c))
    misfit = np.linalg.norm(e) ** 2 if smoothing else 2 * np.linalg.norm(c) * np.linalg.norm(e)
    bound = misfit + 2 * max(smoothing, 1.0) * Ptc * np.linalg.norm(gam) \
        + 8 * len(Y) * np.finfo(float).eps * np.linalg.norm(c) * np.linalg.norm(Y)
    assert 0 <= ours.duality_gap_ <= bound
    assert ours.certificate_.lower_bound == pytest.approx(ours.objective_ - ours.duality_gap_, abs=0)
    if smoothing == 0:
        np.testing.assert_allclose(ours.predict(X), Y, atol=1e-9)


def test_large_fit_matches_scipy_and_restores_blas_threads(rng):
    """N = 600 (blocked Cholesky path of LAPACK, one-triangle kernel matrix) and the BLAS
    thread counts are what they were before the fit."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [(i["filepath"], i["num_threads"]) for i in threadpoolctl.threadpool_info()]
    X, Y, Xt = _data(rng, 600, 2)
    for lam in (0.0, 1e-3):
        a = PolyharmonicSpline(smoothing=lam).fit(X, Y).predict(Xt)
        b = RBFInterpolator(X, Y, kernel="thin_plate_spline", smoothing=lam)(Xt)
        assert np.abs(a - b).max() <= 1e-8 * np.abs(b).max()
    after = [(i["filepath"], i["num_threads"]) for i in threadpoolctl.threadpool_info()]
    assert after == before


def test_numerically_indefinite_falls_back_to_lu(monkeypatch):
    """Quintic in 1-D at N = 300 random sites: the reduced system is positive definite in
    exact arithmetic but not numerically (Cholesky fails, condition ≳ 1/eps); the LU fallback
    interpolates and agrees with scipy's LU to the conditioning's accuracy."""
    import ridgekit.splines.polyharmonic as ph
    calls = []

    class _Lapack:
        def __getattr__(self, name):
            return getattr(ph.__dict__["_lapack_module"], name)

        def dgesv(self, *a, **k):
            calls.append(1)
            return ph.__dict__["_lapack_module"].dgesv(*a, **k)

    monkeypatch.setitem(ph.__dict__, "_lapack_module", ph.lapack)
    monkeypatch.setattr(ph, "lapack", _Lapack())
    rng = np.random.default_rng(1)
    X = np.sort(rng.uniform(-1, 1, (300, 1)), axis=0)
    y = np.sin(3 * X[:, 0])
    Xt = np.linspace(-0.99, 0.99, 37)[:, None]
    s = PolyharmonicSpline("quintic").fit(X, y)
    assert calls == [1]                                   # the fallback ran
    assert np.abs(s.predict(X) - y).max() <= 1e-6
    b = RBFInterpolator(X, y, kernel="quintic")(Xt)
    assert np.abs(s.predict(Xt) - b).max() <= 1e-5 * np.abs(b).max()


def test_matches_scipy_explicit_degree(rng):
    X, Y, Xt = _data(rng, 100, 2)
    ours = PolyharmonicSpline("thin_plate_spline", degree=3).fit(X, Y[:, 0])
    ref = RBFInterpolator(X, Y[:, 0], kernel="thin_plate_spline", degree=3)
    assert np.abs(ours.predict(Xt) - ref(Xt)).max() <= 1e-8 * np.abs(ref(Xt)).max()


@pytest.mark.parametrize("d,m", [(2, 2), (2, 3), (3, 2), (3, 3), (4, 3), (5, 3)])
def test_null_space_polynomials_reproduced(rng, d, m):
    """Polynomials of degree m − 1 (the null space of |·|_m) are reproduced exactly, also
    when smoothing (they cost nothing)."""
    X = rng.uniform(-1, 1, (60, d))
    P = monomial_powers(d, m - 1)
    coef = rng.standard_normal(len(P))
    poly = lambda Z: np.prod(Z[:, None, :] ** P[None], axis=2) @ coef
    for smoothing in (0.0, 0.5):
        s = PolyharmonicSpline("polyharmonic", m=m, smoothing=smoothing).fit(X, poly(X))
        Xt = rng.uniform(-1, 1, (30, d))
        np.testing.assert_allclose(s.predict(Xt), poly(Xt), atol=1e-9 * np.abs(coef).sum())
        assert np.abs(s.coef_).max() <= 1e-8 * np.abs(coef).sum()


def test_polyharmonic_m2_d2_is_thin_plate(rng):
    X, Y, Xt = _data(rng, 80, 2)
    a = PolyharmonicSpline("polyharmonic", m=2).fit(X, Y).predict(Xt)
    b = PolyharmonicSpline("thin_plate_spline").fit(X, Y).predict(Xt)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-10 * np.abs(b).max())


@pytest.mark.parametrize("kernel,d,m", [("thin_plate_spline", 2, None), ("cubic", 3, None),
                                        ("polyharmonic", 3, 2), ("polyharmonic", 4, 3)])
def test_network_view_is_the_same_function(rng, kernel, d, m):
    X, Y, Xt = _data(rng, 40, d)
    s = PolyharmonicSpline(kernel, m=m).fit(X, Y)
    net = s.network_
    assert net.codim == d and net.n_neurons == 40
    np.testing.assert_allclose(net(Xt), s.predict(Xt), atol=1e-9 * np.abs(Y).max())
    s1 = PolyharmonicSpline(kernel, m=m).fit(X, Y[:, 0])
    np.testing.assert_allclose(s1.network_(Xt), s1.predict(Xt), atol=1e-9)


def test_objective_is_seminorm_plus_misfit(rng):
    X, Y, _ = _data(rng, 50, 2)
    s = PolyharmonicSpline(smoothing=0.1).fit(X, Y)
    beta, is_log, sign, *_ = polyharmonic_kernel("thin_plate_spline", 2)
    r = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    K = sign * np.where(r > 0, r ** 2 * np.log(np.where(r > 0, r, 1)), 0)
    obj = np.sum((Y - s.predict(X)) ** 2) + 0.1 * np.sum(s.coef_ * (K @ s.coef_))
    assert s.objective_ == pytest.approx(obj, rel=1e-10)
    assert np.sum(s.coef_ * (K @ s.coef_)) > 0          # Q₂ᵀKQ₂ positive definite


@pytest.mark.parametrize("kwargs,match,exc", [
    ({"kernel": "gaussian"}, "'kernel' parameter", ValueError),
    ({"kernel": "polyharmonic"}, "needs the order m", ValueError),
    ({"kernel": "polyharmonic", "m": 1}, "2m > d", ValueError),
    ({"kernel": "cubic", "m": 2}, "only used with kernel='polyharmonic'", ValueError),
    ({"kernel": "quintic", "degree": 1}, "degree must be ≥ 2", ValueError),
    ({"smoothing": -1.0}, "smoothing", ValueError),
    ({"kernel": "polyharmonic", "m": 2.5}, "'m' parameter", TypeError),
])
def test_bad_parameters(rng, kwargs, match, exc):
    X = rng.uniform(-1, 1, (20, 2))
    with pytest.raises(exc, match=match):
        PolyharmonicSpline(**kwargs).fit(X, X[:, 0])


def test_bad_data(rng):
    X = rng.uniform(-1, 1, (20, 2))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        PolyharmonicSpline().fit(X, X[:5, 0])
    with pytest.raises(ValueError, match="0 feature"):
        PolyharmonicSpline().fit(X, np.ones((20, 0)))
    with pytest.raises(ValueError, match="at least 6 data points"):
        PolyharmonicSpline(degree=2).fit(X[:4], X[:4, 0])
    line = np.c_[np.linspace(0, 1, 10), np.linspace(0, 1, 10)]
    with pytest.raises(ValueError, match="unisolvent"):
        PolyharmonicSpline().fit(line, line[:, 0])
    with pytest.raises(ValueError, match="not fitted"):
        PolyharmonicSpline().predict(X)
    s = PolyharmonicSpline().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="X has 3 features, but PolyharmonicSpline is expecting 2"):
        s.predict(np.ones((3, 3)))
