"""Tests of splines.KPlaneRegressor: planted recovery, certificate/gap consistency, the
network view, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ridgekit.kplane.stiefel import stiefel_sample
from ridgekit.splines.kplane_regressor import KPlaneRegressor, frame_distance


def test_relu_planted_ridge(rng):
    X = rng.uniform(-1, 1, (60, 3))
    u = np.array([0.48, 0.6, 0.64])
    y = 2 * np.maximum(X @ u - 0.2, 0) + 0.3 * X[:, 0]
    est = KPlaneRegressor(alpha=1e-4, n=1, profile="relu", n_candidates=500, random_state=1).fit(X, y)
    i = int(np.argmax(np.abs(est.coef_[:, 0])))
    assert frame_distance(est.frames_[i], u[:, None]) < 1e-2
    assert est.certificate_.dual_sup <= 1 + est.tol and est.certificate_.covers == "sampled"
    assert -1e-12 <= est.duality_gap_ <= 1e-3 * est.objective_ + 1e-12
    assert est.n_atoms_ <= est.atom_bound_
    np.testing.assert_allclose(est.predict(X), est.network_(X))
    assert est.score(X, y) > 0.999


def test_norm_planted_multi_index(rng):
    """f(x) = ‖Θ₀ᵀx − t₀‖ in d = 3, n = 2, small noise: the frame is recovered."""
    Th0 = stiefel_sample(3, 2, 1, rng=rng)[0]
    t0 = np.array([0.2, -0.1])
    X = rng.standard_normal((150, 3))
    y = np.linalg.norm(X @ Th0 - t0, axis=1) + 0.01 * rng.standard_normal(150)
    est = KPlaneRegressor(alpha=2e-3, n=2, profile="norm", n_candidates=500, max_atoms=3, random_state=2).fit(X, y)
    i = int(np.argmax(np.abs(est.coef_[:, 0])))
    assert frame_distance(est.frames_[i], Th0) < 0.05
    # the atom's point Θt is the planted one up to O(n) (ΘO, Oᵀt) — compare Θt
    np.testing.assert_allclose(est.frames_[i] @ est.offsets_[i], Th0 @ t0, atol=0.05)
    assert est.history_[0]["objective"] > est.objective_
    assert est.duality_gap_ >= -1e-12


def test_polyharmonic_profile_and_vector_output(rng):
    X = rng.uniform(-1, 1, (50, 2))
    Y = np.c_[np.linalg.norm(X - 0.1, axis=1) ** 3, X[:, 0]]
    est = KPlaneRegressor(alpha=1e-4, n=2, profile="polyharmonic", order=5, n_candidates=300,
                          max_atoms=3, random_state=0).fit(X, Y)
    assert est.predict(X).shape == (50, 2)
    assert est.network_.codim == 2 and est.score(X, Y) > 0.99


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"n": 0}, ValueError, "'n' parameter"),
    ({"n": 4, "profile": "norm"}, ValueError, "1 ≤ n ≤ d"),
    ({"n": 2, "profile": "relu"}, ValueError, "n = 1"),
    ({"profile": "tanh"}, ValueError, "'profile' parameter"),
    ({"n": 1.5}, TypeError, "'n' parameter"),
    ({"alpha": -1.0}, ValueError, "alpha"),
    ({"n": 2, "profile": "polyharmonic", "order": 2}, ValueError, "order g > n"),
])
def test_bad_parameters(rng, kwargs, exc, match):
    X = rng.uniform(-1, 1, (20, 3))
    with pytest.raises(exc, match=match):
        KPlaneRegressor(**kwargs).fit(X, X[:, 0])


def test_bad_data(rng):
    X = rng.uniform(-1, 1, (20, 3))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        KPlaneRegressor().fit(X, X[:4, 0])
    with pytest.raises(ValueError, match="0 feature"):
        KPlaneRegressor().fit(X, np.ones((20, 0)))
    with pytest.raises(ValueError, match="not fitted"):
        KPlaneRegressor().predict(X)
    with pytest.raises(ValueError, match="same shape"):
        frame_distance(np.eye(3)[:, :1], np.eye(3)[:, :2])


@pytest.mark.slow
def test_planted_multi_index_d5():
    """The multi-index demonstration at full size: d = 5, n = 2, noise 0.05."""
    rng = np.random.default_rng(5)
    Th0 = stiefel_sample(5, 2, 1, rng=rng)[0]
    X = rng.standard_normal((400, 5))
    y = np.linalg.norm(X @ Th0 - [0.3, -0.2], axis=1) + 0.05 * rng.standard_normal(400)
    est = KPlaneRegressor(alpha=1e-2, n=2, profile="norm", max_atoms=4, random_state=1).fit(X, y)
    i = int(np.argmax(np.abs(est.coef_[:, 0])))
    assert frame_distance(est.frames_[i], Th0) < 0.05
