"""Global solve of splines.MultiTaskRidgeSplineRegressor for affine rank ≤ 3 (exact pricing).

References and tolerances:

* The exact certificate kernel (splines._vv_certificate) with D = 1 is the scalar
  certificate of splines.RidgeSplineRegressor, computed by an independent kernel
  (splines._ridge_kernels): equal to 1e-9 relative (both are exact; floating point only).
* Against a cvxpy (Clarabel) solve of the dictionary problem over 2000 directions × knots
  at the data (d = 2): that dictionary is a subset of all neurons, so
  ours − (our global gap) ≤ ref; and snapping each of our neurons to the nearest grid
  direction, keeping its knot data point, gives a feasible point of the reference problem,
  so ref ≤ P_snap.  P_snap − ours is O(π/2000 · diam · Σ‖vₖ‖); we also check it against
  the explicit bound (‖R‖E + E²/2)/N, E = δ √N diam Σ‖vₖ‖.  Slack 1e-7·obj for the
  interior-point tolerance of the reference.
* Certificate: fits run with cert_tol = 1e-9, but the restricted problems are solved to
  about 1e-8 relative (interior point + BCD on nearly collinear neurons), so the exact sup
  is checked at 1 + 1e-7 (a 12-seed sweep peaked at 1 + 2.2e-8) and the global duality
  gap, which is valid whatever the sup, at 1e-7 × objective.
* D = 1: the objective of splines.RidgeSplineRegressor (½Σ(f − y)² + λ RTV² with
  λ = Nα, i.e. N times ours) to 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pytest

from ridgekit.splines import RidgeSplineRegressor
from ridgekit.splines._vv_certificate import vv_sup_norm
from ridgekit.splines.ridge import _project_affine, relu_sup_norm
from ridgekit.splines.vv import MultiTaskRidgeSplineRegressor


def _proj(Z, R):
    return np.column_stack([_project_affine(Z, R[:, k]) for k in range(R.shape[1])])


@pytest.mark.parametrize("m,N", [(1, 9), (2, 14), (3, 10)])
def test_kernel_d1_equals_scalar_exact_certificate(rng, m, N):
    Z = rng.standard_normal((N, m))
    r = _project_affine(Z, rng.standard_normal(N))
    ours, cands = vv_sup_norm(Z, r[:, None])
    ref, exact, _ = relu_sup_norm(Z, r)
    assert exact and ours == pytest.approx(ref, rel=1e-9)
    val, w, b = cands[0]          # the candidate is attained (evaluated, not modelled)
    assert np.linalg.norm(np.maximum(Z @ w - b, 0) @ r) == pytest.approx(val, rel=1e-12)


@pytest.mark.parametrize("m,N,D", [(2, 12, 2), (3, 9, 3)])
def test_kernel_vector_dominates_dense_sampling(rng, m, N, D):
    Z = rng.standard_normal((N, m))
    R = _proj(Z, rng.standard_normal((N, D)))
    ours, _ = vv_sup_norm(Z, R)
    W = rng.standard_normal((20000, m))
    W /= np.linalg.norm(W, axis=1)[:, None]
    best = max(np.linalg.norm(np.maximum((Z - Z[j]) @ W.T, 0).T @ R, axis=1).max() for j in range(N))
    assert best <= ours * (1 + 1e-12) and best >= ours * (1 - 2e-2)


def test_kernel_degenerate_points(rng):
    """Duplicates and collinear triples (ties in the arrangement) in 2-D and 3-D."""
    Z2 = np.array([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [1, 1], [2, 2.0]])
    Z3 = np.vstack([np.c_[Z2, np.zeros(len(Z2))], [[0, 0, 1], [1, 0, 1], [2, 0, 1]]])
    for Z in (Z2, Z3):
        R = _proj(Z, rng.standard_normal((len(Z), 2)))
        ours, _ = vv_sup_norm(Z, R)
        W = rng.standard_normal((40000, Z.shape[1]))
        W /= np.linalg.norm(W, axis=1)[:, None]
        best = max(np.linalg.norm(np.maximum((Z - Z[j]) @ W.T, 0).T @ R, axis=1).max() for j in range(len(Z)))
        assert best <= ours * (1 + 1e-12) and best >= ours * (1 - 2e-2)
        r = R[:, 0]
        assert vv_sup_norm(Z, r[:, None])[0] == pytest.approx(relu_sup_norm(Z, r)[0], rel=1e-9)


def _grid_reference(X, Y, alpha, n_angles=2000):
    import cvxpy as cp

    N, D = Y.shape
    th = np.arange(n_angles) * 2 * np.pi / n_angles
    T = X @ np.c_[np.cos(th), np.sin(th)].T
    F = np.maximum(T[:, None, :] - T[None, :, :], 0).reshape(N, -1)
    Q, _ = np.linalg.qr(np.c_[np.ones(N), X])
    P = lambda M: M - Q @ (Q.T @ M)
    Fp = P(F)
    Fp = Fp[:, np.linalg.norm(Fp, axis=0) > 0]
    B = cp.Variable((Fp.shape[1], D))
    prob = cp.Problem(cp.Minimize(cp.sum_squares(P(Y) - Fp @ B) / (2 * N) + alpha * cp.sum(cp.norm(B, 2, axis=1))))
    prob.solve(solver=cp.CLARABEL)
    return prob.value, th


def _snapped_objective(est, X, Y, alpha, th):
    """Objective of our network with every neuron moved to the nearest grid direction (knot
    kept at its data point), affine part refitted: a feasible point of the grid problem."""
    N = len(X)
    net = est.network_
    W, b, V = net.W, net.b, net.V.reshape(len(net.b), -1)
    ang = np.arctan2(W[:, 1], W[:, 0])
    k = np.round(np.mod(ang, 2 * np.pi) / (th[1] - th[0])).astype(int) % len(th)
    W2 = np.c_[np.cos(th[k]), np.sin(th[k])]
    j = np.argmin(np.abs(X @ W.T - b[None, :]), axis=0)
    assert np.allclose((X @ W.T)[j, np.arange(len(b))], b, atol=1e-9)       # knots at data
    b2 = np.sum(W2 * X[j], axis=1)
    F = np.maximum(X @ W2.T - b2, 0) @ V
    A = np.c_[np.ones(N), X]
    c = np.linalg.lstsq(A, Y - F, rcond=None)[0]
    P_snap = 0.5 * np.sum((Y - F - A @ c) ** 2) / N + alpha * np.sum(np.linalg.norm(V, axis=1))
    delta = th[1] - th[0]
    diam = max(np.linalg.norm(X[i] - X[l]) for i in range(N) for l in range(N))
    E = delta * np.sqrt(N) * diam * np.sum(np.linalg.norm(V, axis=1))
    Rn = np.linalg.norm(Y - est.predict(X).reshape(N, -1))
    return P_snap, (Rn * E + 0.5 * E ** 2) / N


@pytest.mark.parametrize("N,D,alpha", [(12, 2, 2e-3), (10, 3, 5e-3)])
def test_global_matches_fine_grid_reference(rng, N, D, alpha):
    X = rng.uniform(-1, 1, (N, 2))
    Y = np.c_[np.abs(X[:, 0] - X[:, 1]), np.maximum(X @ [1.0, 0.5], 0), X[:, 0] ** 2][:, :D]
    Y = Y + 0.05 * rng.standard_normal((N, D))
    est = MultiTaskRidgeSplineRegressor(alpha=alpha, tol=1e-12, cert_tol=1e-9, random_state=0).fit(X, Y)
    cert = est.certificate_
    assert cert.covers == "global" and cert.details["affine_rank"] == 2
    assert "global optimality" in cert.details["verified"]
    assert cert.dual_sup <= 1 + 1e-7
    gap = cert.duality_gap
    assert cert.lower_bound == est.objective_ - gap
    assert 0 <= gap <= 1e-7 * est.objective_
    ref, th = _grid_reference(X, Y, alpha)
    P_snap, bound = _snapped_objective(est, X, Y, alpha, th)
    slack = 1e-7 * ref
    assert est.objective_ - gap - slack <= ref <= P_snap + slack
    assert P_snap - est.objective_ <= bound + 1e-12
    assert est.n_active_ <= N * D


@pytest.mark.parametrize("d,N", [(2, 15), (3, 9)])
def test_scalar_output_equals_ridge_spline_regressor(rng, d, N):
    X = rng.uniform(-1, 1, (N, d))
    y = np.abs(X[:, 0]) - np.maximum(X @ np.linspace(0.5, 1, d), 0) + 0.05 * rng.standard_normal(N)
    alpha = 2e-3
    ours = MultiTaskRidgeSplineRegressor(alpha=alpha, tol=1e-12, cert_tol=1e-9, random_state=0).fit(X, y)
    ref = RidgeSplineRegressor(lam=N * alpha, tol=1e-9).fit(X, y)
    assert ours.certificate_.covers == "global" and ours.certificate_.dual_sup <= 1 + 1e-7
    assert ours.objective_ == pytest.approx(ref.objective_ / N, rel=1e-6)
    assert ours.predict(X).shape == (N,)


def test_rank3_vector_global_certificate(rng):
    X = rng.uniform(-1, 1, (10, 3))
    Y = np.c_[np.abs(X[:, 0] + X[:, 2]), np.maximum(X[:, 1], 0)] + 0.02 * rng.standard_normal((10, 2))
    est = MultiTaskRidgeSplineRegressor(alpha=3e-3, tol=1e-12, cert_tol=1e-9, random_state=0).fit(X, Y)
    cert = est.certificate_
    assert cert.covers == "global" and cert.details["affine_rank"] == 3
    assert cert.dual_sup <= 1 + 1e-7 and 0 <= cert.duality_gap <= 1e-7 * est.objective_


def test_low_rank_embedding_is_exact(rng):
    """Points on a line in ℝ³ (affine rank 1): global through the affine-hull coordinates."""
    t = np.sort(rng.uniform(-1, 1, 12))
    X = np.c_[t, 2 * t + 1, -t]
    Y = np.c_[np.abs(t), np.maximum(t - 0.2, 0)] + 0.01 * rng.standard_normal((12, 2))
    est = MultiTaskRidgeSplineRegressor(alpha=1e-3, tol=1e-12, random_state=0).fit(X, Y)
    assert est.certificate_.covers == "global" and est.certificate_.details["affine_rank"] == 1
    assert est.certificate_.dual_sup <= 1 + 1e-6
    # the same data in d = 1 (where the knot dictionary is exact) gives the same objective
    est1 = MultiTaskRidgeSplineRegressor(alpha=1e-3, tol=1e-12).fit(np.sqrt(6) * t[:, None], Y)
    assert est.objective_ == pytest.approx(est1.objective_, rel=1e-7)


def test_non_global_paths_say_so(rng):
    X = rng.uniform(-1, 1, (12, 2))
    Y = rng.standard_normal((12, 2))
    est = MultiTaskRidgeSplineRegressor(alpha=1e-2, solver="dictionary", random_state=0).fit(X, Y)
    assert est.certificate_.covers == "dictionary" and est.certificate_.details["verified"].startswith("NOT")
    X4 = rng.uniform(-1, 1, (12, 4))
    est4 = MultiTaskRidgeSplineRegressor(alpha=1e-2, random_state=0, n_directions=8).fit(X4, Y)
    assert est4.certificate_.covers == "dictionary" and "rank 4" in est4.certificate_.details["verified"]
    with pytest.raises(ValueError, match="solver"):
        MultiTaskRidgeSplineRegressor(solver="bogus").fit(X, Y)


def test_estimator_pickles_with_certificate(rng):
    import pickle

    X = rng.uniform(-1, 1, (8, 2))
    Y = rng.standard_normal((8, 2))
    est = MultiTaskRidgeSplineRegressor(alpha=1e-2, random_state=0).fit(X, Y)
    est2 = pickle.loads(pickle.dumps(est))
    assert est2.certificate_ == est.certificate_
    assert est2.certificate_.details["verified"] == est.certificate_.details["verified"]
    np.testing.assert_array_equal(est2.predict(X), est.predict(X))
