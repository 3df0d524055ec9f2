"""Tests of splines.multitask (multi-task lasso) and splines.vv (vector-valued ridge splines).

Reference: scikit-learn's MultiTaskLasso, whose objective 1/(2N)‖Y − XW‖² + α Σⱼ‖Wⱼ‖ is
ours exactly (module docstring of splines.multitask); both run with tol = 1e-12 (gap ≤
1e-12·‖Y‖²/N) so the objectives agree far below the required 1e-8 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import MultiTaskLasso

from ridgekit.splines.multitask import alpha_max, multitask_lasso, multitask_lasso_objective, multitask_lasso_path
from ridgekit.splines.vv import MultiTaskRidgeSplineRegressor, width_bound_experiment


def _problem(rng, N, p, D, k=4, rho=0.0):
    X = rng.standard_normal((N, p))
    if rho:
        X = np.sqrt(1 - rho) * X + np.sqrt(rho) * rng.standard_normal((N, 1))
    B0 = np.zeros((p, D))
    B0[rng.choice(p, k, replace=False)] = rng.standard_normal((k, D))
    return X, X @ B0 + 0.1 * rng.standard_normal((N, D))


@pytest.mark.parametrize("N,p,D,fit_intercept,rho", [(40, 15, 3, False, 0.0), (30, 80, 4, True, 0.0),
                                                     (60, 40, 2, False, 0.8), (25, 10, 1, True, 0.5)])
@pytest.mark.parametrize("frac", [0.5, 0.1, 0.02])
def test_matches_sklearn_objective(rng, N, p, D, fit_intercept, rho, frac):
    X, Y = _problem(rng, N, p, D, rho=rho)
    a = frac * alpha_max(X, Y, fit_intercept=fit_intercept)
    ours = multitask_lasso(X, Y, a, fit_intercept=fit_intercept, tol=1e-12)
    sk = MultiTaskLasso(alpha=a, fit_intercept=fit_intercept, tol=1e-12, max_iter=200_000).fit(X, Y)
    ref = multitask_lasso_objective(X, Y, sk.coef_.T, a, sk.intercept_)
    mine = multitask_lasso_objective(X, Y, ours.coef, a, ours.intercept)
    assert mine == pytest.approx(ours.objective, rel=1e-12)
    assert abs(mine - ref) <= 1e-8 * ref
    assert mine <= ref * (1 + 1e-12)              # we are never worse (gap-certified)
    # the gap is a difference of two O(P) numbers: it may round to −eps·P
    assert -1e-14 * ref <= ours.duality_gap <= 1e-12 * np.sum((Y - Y.mean(0) * fit_intercept) ** 2) / N


def test_path_matches_sklearn_and_warm_start(rng):
    X, Y = _problem(rng, 50, 30, 3, rho=0.5)
    path = multitask_lasso_path(X, Y, n_alphas=8, eps=1e-2, tol=1e-12, fit_intercept=True)
    assert path.coef.shape == (8, 30, 3) and np.all(np.diff(path.alpha) < 0)
    assert path.support[0].sum() == 0                     # α_max gives B = 0
    for a, obj in zip(path.alpha, path.objective):
        sk = MultiTaskLasso(alpha=a, tol=1e-12, max_iter=200_000).fit(X, Y)
        ref = multitask_lasso_objective(X, Y, sk.coef_.T, a, sk.intercept_)
        assert abs(obj - ref) <= 1e-8 * ref
    # an unsorted alpha array is solved in decreasing order and returned as given
    alphas = path.alpha[[3, 0, 5]]
    again = multitask_lasso(X, Y, alphas, fit_intercept=True, tol=1e-12)
    np.testing.assert_allclose(again.objective, path.objective[[3, 0, 5]], rtol=1e-10)


@pytest.mark.parametrize("working_set,screening", [(True, True), (True, False), (False, True), (False, False)])
def test_both_sides_of_switches(rng, working_set, screening):
    X, Y = _problem(rng, 40, 120, 3, rho=0.3)
    a = 0.05 * alpha_max(X, Y)
    ref = multitask_lasso(X, Y, a, tol=1e-13)
    r = multitask_lasso(X, Y, a, tol=1e-13, working_set=working_set, screening=screening)
    assert abs(r.objective - ref.objective) <= 1e-10 * ref.objective
    np.testing.assert_array_equal(r.support, ref.support)


def test_ar1_correlated_sparse_case(rng):
    """Benchmark case B in small (AR(1) ρ = 0.95 columns, 2 % support, α = 0.01 α_max):
    pruned working sets + best dual point give scikit-learn's objective, a gap that bounds
    the true suboptimality, and the same support with and without screening."""
    N, p, D = 300, 150, 4
    Z = rng.standard_normal((N, p))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = 0.95 * X[:, j - 1] + np.sqrt(1 - 0.95 ** 2) * Z[:, j]
    B0 = np.zeros((p, D))
    B0[rng.choice(p, 3, replace=False)] = rng.standard_normal((3, D))
    Y = X @ B0 + 0.5 * rng.standard_normal((N, D))
    a = 0.01 * alpha_max(X, Y, fit_intercept=True)
    tight = multitask_lasso(X, Y, a, fit_intercept=True, tol=1e-14, screening=False, working_set=False)
    sk = MultiTaskLasso(alpha=a, tol=1e-12, max_iter=500_000).fit(X, Y)
    ref = multitask_lasso_objective(X, Y, sk.coef_.T, a, sk.intercept_)
    for tol in (1e-6, 1e-10):
        r = multitask_lasso(X, Y, a, fit_intercept=True, tol=tol)
        assert r.converged
        assert r.objective - tight.objective <= r.duality_gap + 1e-13 * tight.objective
        assert r.duality_gap <= tol * np.sum((Y - Y.mean(0)) ** 2) / N
    assert abs(r.objective - ref) <= 1e-8 * ref
    np.testing.assert_array_equal(r.support, tight.support)


def test_closed_form_and_alpha_max(rng):
    x = rng.standard_normal((7, 1))
    Y = rng.standard_normal((7, 3))
    a = 0.3 * alpha_max(x, Y)
    g = x[:, 0] @ Y
    expected = max(0, 1 - 7 * a / np.linalg.norm(g)) * g / (x[:, 0] @ x[:, 0])
    r = multitask_lasso(x, Y, a, tol=1e-14)
    np.testing.assert_allclose(r.coef[0], expected, rtol=1e-12)
    assert not multitask_lasso(x, Y, alpha_max(x, Y) * (1 + 1e-12)).support.any()


def test_non_convergence_warns(rng):
    from ridgekit.splines.multitask import LassoConvergenceWarning
    X, Y = _problem(rng, 20, 200, 3, rho=0.9)
    with pytest.warns(LassoConvergenceWarning, match="did not converge"):
        r = multitask_lasso(X, Y, 1e-4 * alpha_max(X, Y), tol=1e-14, max_iter=5)
    assert not r.converged


@pytest.mark.parametrize("X,Y,alpha,exc,match", [
    (np.ones((5, 2)), np.ones((5, 0)), 0.1, ValueError, "D ≥ 1"),
    (np.ones((5, 2)), np.ones((4, 2)), 0.1, ValueError, "same number of rows"),
    (np.ones((5, 2)), np.ones((5, 2)), -0.1, ValueError, "alpha"),
    (np.ones((5, 2)), np.ones((5, 2)), 0.0, ValueError, "alpha"),
    (np.ones((5, 2)), np.ones((5, 2)), "a", TypeError, "alpha"),
    (np.full((5, 2), np.nan), np.ones((5, 2)), 0.1, ValueError, "X must be finite"),
    ("x", np.ones((5, 2)), 0.1, TypeError, "X"),
])
def test_bad_input(X, Y, alpha, exc, match):
    with pytest.raises(exc, match=match):
        multitask_lasso(X, Y, alpha)


def test_bad_coef_init_and_tol():
    with pytest.raises(ValueError, match="coef_init"):
        multitask_lasso(np.eye(3), np.eye(3), 0.1, coef_init=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="tol"):
        multitask_lasso(np.eye(3), np.eye(3), 0.1, tol=-1.0)


# ---------------------------------------------------------------- vector-valued ridge splines
def test_vv_regressor_d1_is_global_and_consistent(rng):
    X = np.sort(rng.uniform(-1, 1, (25, 1)), axis=0)
    Y = np.c_[np.abs(X[:, 0]), np.maximum(X[:, 0] - 0.3, 0)] + 0.01 * rng.standard_normal((25, 2))
    est = MultiTaskRidgeSplineRegressor(alpha=1e-3, tol=1e-12).fit(X, Y)
    net = est.network_
    # the reported objective is the network's: data term + α Σ‖vᵢ‖‖wᵢ‖ (unit wᵢ)
    R = Y - net(X)
    obj = 0.5 * np.sum(R ** 2) / 25 + 1e-3 * net.path_norm()
    assert est.objective_ == pytest.approx(obj, rel=1e-10)
    assert -1e-14 <= est.duality_gap_ <= 1e-10
    assert est.certificate_.dual_sup <= 1 + 1e-5              # no violating knot in d = 1
    assert est.n_active_ <= 25 * 2                            # width ≤ N·D
    assert est.predict(X).shape == (25, 2) and est.score(X, Y) > 0.95


def test_vv_regressor_scalar_and_d2(rng):
    X = rng.uniform(-1, 1, (30, 2))
    y = np.maximum(X @ [0.6, 0.8], 0)
    est = MultiTaskRidgeSplineRegressor(alpha=1e-3, n_directions=16, random_state=0).fit(X, y)
    assert est.predict(X).shape == (30,)
    assert est.score(X, y) > 0.95 and est.duality_gap_ >= 0


def test_vv_regressor_dictionary_parameter(rng):
    X = rng.uniform(-1, 1, (20, 2))
    Y = rng.standard_normal((20, 2))
    calls = []

    def dictionary(X, rng):
        calls.append(1)
        U = np.array([[1.0, 0.0], [0.0, 1.0]])
        return np.repeat(U, len(X), 0), (X @ U.T).T.ravel()

    est = MultiTaskRidgeSplineRegressor(alpha=1e-2, dictionary=dictionary, n_check=0).fit(X, Y)
    assert calls and set(map(tuple, np.abs(est.network_.W).round(12))) <= {(1.0, 0.0), (0.0, 1.0)}


@pytest.mark.parametrize("kwargs,X,Y,exc,match", [
    ({}, np.ones((5, 1)), np.ones((5, 0)), ValueError, "0 feature"),
    ({}, np.ones((5, 1)), np.ones((4, 2)), ValueError, "inconsistent numbers of samples"),
    ({"alpha": -1.0}, np.ones((5, 1)), np.ones((5, 2)), ValueError, "alpha"),
    ({"dictionary": 3}, np.ones((5, 2)), np.ones((5, 2)), TypeError, "dictionary"),
])
def test_vv_bad_input(kwargs, X, Y, exc, match):
    with pytest.raises(exc, match=match):
        MultiTaskRidgeSplineRegressor(**kwargs).fit(X, Y)


def test_width_bound_on_random_data():
    """Active neurons of the layer-wise problem: rank(Y) ≤ active ≤ rank(Φ)·D (Carathéodory)."""
    for N, rank in [(6, None), (8, 3)]:
        out = width_bound_experiment(N, K=60, D=3, rank=rank, n_trials=3, rng=N)
        assert np.all(out["active"] <= out["bound"])
        assert np.all(out["active"] >= min(N, 3) if rank is None else out["active"] >= 1)
        assert np.all(out["bound"] <= N * 3)


def test_vv_regressor_d1_scalar_equals_exact_tv2(rng):
    """D = 1, d = 1: the dictionary problem with knots at the data is the exact TV(f″)
    problem; splines.fit_tv2 (an independent banded interior-point + active-set solver)
    minimises ½Σ(f − y)² + λ TV(f″), i.e. N times ours with λ = Nα."""
    from ridgekit.splines.tv2 import fit_tv2

    N, a = 30, 2e-3
    x = np.sort(rng.uniform(-1, 1, N))
    y = np.abs(x) + 0.1 * np.sin(5 * x) + 0.05 * rng.standard_normal(N)
    exact = fit_tv2(x, y, lam=N * a)
    ours = MultiTaskRidgeSplineRegressor(alpha=a, tol=1e-13).fit(x[:, None], y)
    ref = 0.5 * np.sum((exact.predict(x[:, None]) - y) ** 2) / N + a * exact.rtv_
    assert abs(ours.objective_ - ref) <= 1e-10 * ref
    np.testing.assert_allclose(ours.predict(x[:, None]), exact.predict(x[:, None]), atol=1e-8)
