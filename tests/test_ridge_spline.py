"""RidgeSplineRegressor (multivariate representer theorem): exact objective against a cvxpy
(Clarabel) solve of the full pattern program, certificates, width bound, degenerate
data, scikit-learn conventions, pattern enumeration and the exact sup kernels."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from ridgekit.splines._sparsify import reduce_support
from ridgekit.splines.arrangements import enumerate_patterns, n_patterns_bound, sample_patterns
from ridgekit.splines.ridge import RidgeSplineRegressor, relu_sup_norm


def _data(rng, N, d, noise=0.1):
    X = rng.standard_normal((N, d))
    y = np.sin(2 * X[:, 0]) + X[:, 1 % d] ** 2 + noise * rng.standard_normal(N)
    return X, y


def _cvxpy_reference(X, y, s, lam):
    """Full convex program (all canonical patterns), vectorised, in data units."""
    cp = pytest.importorskip("cvxpy")
    N, d = X.shape
    D = enumerate_patterns(X).astype(float)           # (P, N)
    P = D.shape[0]
    U1, U2 = cp.Variable((P, d)), cp.Variable((P, d))
    b1, b2 = cp.Variable(P), cp.Variable(P)
    c, c0 = cp.Variable(d), cp.Variable()
    A1 = X @ U1.T - np.ones((N, 1)) @ cp.reshape(b1, (1, P), order="C")     # (N, P)
    A2 = X @ U2.T - np.ones((N, 1)) @ cp.reshape(b2, (1, P), order="C")
    S = 2 * D.T - 1
    pred = cp.sum(cp.multiply(D.T, A1 - A2), axis=1) + X @ c + c0
    pen = cp.sum(cp.norm(U1, 2, axis=1)) + cp.sum(cp.norm(U2, 2, axis=1))
    cons = [cp.multiply(S, A1) >= 0, cp.multiply(S, A2) >= 0]
    if lam > 0:
        obj = 0.5 * cp.sum(cp.multiply(s, cp.square(pred - y))) + lam * pen
    else:
        obj = pen
        cons.append(pred == y)
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return prob.value


def _brute_sup(Z, r, rng, M=100_000):
    from ridgekit.splines.ridge import _project_affine, _sup_directions
    r = _project_affine(Z, r)
    W = rng.standard_normal((M, Z.shape[1]))
    W /= np.linalg.norm(W, axis=1)[:, None]
    return float(np.max(np.abs(_sup_directions(Z, r, W)[0])))


# ----------------------------------------------------------------------------- patterns
@pytest.mark.parametrize("d,N", [(2, 12), (3, 9)])
def test_enumeration_complete_and_counted(rng, d, N):
    X = rng.standard_normal((N, d))
    P = enumerate_patterns(X)
    assert P.shape[0] == n_patterns_bound(N, d)          # general position count
    S = sample_patterns(X, 100_000, rng=rng)
    keys = {p.tobytes() for p in np.packbits(P, axis=1)}
    assert {p.tobytes() for p in np.packbits(S, axis=1)} <= keys


def test_enumeration_degenerate_grid(rng):
    # 4×4 grid: many collinear triples; sampling must find nothing outside the enumeration
    X = np.array([[i, j] for i in range(4) for j in range(4)], float)
    P = enumerate_patterns(X)
    S = sample_patterns(X, 200_000, rng=rng)
    kp = {p.tobytes() for p in np.packbits(P, axis=1)}
    ks = {p.tobytes() for p in np.packbits(S, axis=1)}
    assert ks == kp and len(kp) < n_patterns_bound(16, 2)


def test_one_d_pattern_count():
    assert enumerate_patterns(np.array([[0.0], [1.0], [2.5], [4.0]]), canonical=False).shape[0] == 8


# ----------------------------------------------------------------------------- certificate kernels
@pytest.mark.parametrize("d,N", [(2, 15), (3, 10)])
def test_exact_sup_bounds_sampling(rng, d, N):
    Z = rng.standard_normal((N, d))
    if d == 3:
        Z[:4, 2] = 0.3          # coplanar ties
    r = rng.standard_normal(N)
    val, exact, cands = relu_sup_norm(Z, r)
    bf = _brute_sup(Z, r, rng)
    assert exact
    # the exact sup dominates every sampled value and is attained (a genuine value);
    # 10⁵ directions come within a few 1e-3 relative (Lipschitz in w)
    assert val >= bf - 1e-12 and val <= bf * (1 + 2e-2)
    v0, w, b = cands[0]
    from ridgekit.splines.ridge import _project_affine
    rp = _project_affine(Z, r)
    assert abs(rp @ np.maximum(Z @ w - b, 0) - v0) <= 1e-10 * (1 + abs(v0))


def test_linear_model_pricing_equals_direct_sums(rng):
    """sup_2d through each arc's running linear model (pricing) = the direct O(N) sums
    (certificates), on the values and on the returned candidates, exactly evaluated."""
    from ridgekit.splines.ridge import _project_affine
    Z = rng.standard_normal((150, 2))
    Z[7] = Z[3] + 0.25 * (Z[4] - Z[3])          # a collinear triple
    r = _project_affine(Z, rng.standard_normal(150))
    v_lin, _, c_lin = relu_sup_norm(Z, r, top_k=10, linear=True)
    v_dir, _, c_dir = relu_sup_norm(Z, r, top_k=10, linear=False)
    assert v_lin == pytest.approx(v_dir, rel=1e-12)
    for val, w, b in c_lin:
        assert val == pytest.approx(float(r @ np.maximum(Z @ w - b, 0.0)), rel=1e-10)
    assert v_dir >= _brute_sup(Z, r, rng, M=20_000) * (1 - 1e-12)


def test_relu_sweep_sup_agrees(rng):
    from ridgekit.splines._kernels import relu_sweep_sup
    from ridgekit.splines.ridge import _project_affine
    Z = rng.standard_normal((20, 2))
    Z[5] = Z[3] + 0.5 * (Z[4] - Z[3])           # a collinear triple
    r = _project_affine(Z, rng.standard_normal(20))
    assert relu_sweep_sup(Z, r)[0] == pytest.approx(relu_sup_norm(Z, r)[0], rel=1e-12)


# ----------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("d,N,lam,solver", [(2, 30, 0.05, "full"), (2, 30, 0.05, "working_set"),
                                            (2, 30, 0.05, "neurons"),
                                            (3, 13, 0.02, "full"), (3, 13, 0.02, "working_set"),
                                            (3, 13, 0.02, "neurons"),
                                            (2, 16, 0.0, "working_set")])
def test_objective_matches_cvxpy(rng, d, N, lam, solver):
    X, y = _data(rng, N, d)
    s = rng.uniform(0.5, 2.0, N)
    est = RidgeSplineRegressor(lam=lam, solver=solver).fit(X, y, sample_weight=s)
    ref = _cvxpy_reference(X, y, s, lam)
    assert est.objective_ == pytest.approx(ref, rel=1e-6)
    assert est.n_neurons_ <= N - (d + 1)
    assert est.certificate_.covers == "global" and est.certificate_.dual_sup <= 1 + 1e-6
    assert est.certificate_.dual_sup >= 1 - 1e-6             # active neurons touch the bound
    assert est.certificate_.duality_gap == est.duality_gap_
    assert est.certificate_.lower_bound == est.objective_ - est.duality_gap_
    assert est.duality_gap_ <= 1e-6 * max(1.0, est.objective_)
    if lam > 0:
        f = est.predict(X)
        W = est.network_.W
        assert np.allclose(np.linalg.norm(W, axis=1), 1.0)
        assert est.objective_ == pytest.approx(0.5 * np.sum(s * (f - y) ** 2) + lam * np.sum(np.abs(est.network_.V)))
    else:
        assert est.interpolation_error_ <= 1e-6


def test_d1_agrees_with_fit_tv2(rng):
    from ridgekit.splines import fit_tv2
    x = np.sort(rng.uniform(0, 1, 25))
    y = np.sin(6 * x) + 0.1 * rng.standard_normal(25)
    for lam in (1e-3, 3e-2):
        est = RidgeSplineRegressor(lam=lam).fit(x[:, None], y)
        ref = fit_tv2(x, y, lam)
        assert est.objective_ == pytest.approx(ref.objective_, rel=1e-7)
        assert est.n_neurons_ <= 23 and est.certificate_.is_global


def test_sparsify_keeps_values(rng):
    Z = rng.standard_normal((10, 2))
    K = 20
    W = rng.standard_normal((K, 2))
    W /= np.linalg.norm(W, axis=1)[:, None]
    b = rng.standard_normal(K) * 0.3
    v = rng.standard_normal(K)
    W2, b2, v2, c0, c = reduce_support(Z, W, b, v)
    f0 = np.maximum(Z @ W.T - b, 0) @ v
    f1 = np.maximum(Z @ W2.T - b2, 0) @ v2 + c0 + Z @ c
    assert len(v2) <= 10 - 3
    assert np.allclose(f0, f1, atol=1e-10)


# ----------------------------------------------------------------------------- degenerate data
def test_duplicates_with_different_y(rng):
    X, y = _data(rng, 14, 2)
    X2 = np.vstack([X, X[:3]])
    y2 = np.concatenate([y, y[:3] + 1.0])
    est = RidgeSplineRegressor(lam=0.05).fit(X2, y2)
    ref = _cvxpy_reference(X2, y2, np.ones(len(y2)), 0.05)
    assert est.objective_ == pytest.approx(ref, rel=1e-6)
    # λ = 0 interpolates the mean of the duplicated values
    e0 = RidgeSplineRegressor(lam=0.0).fit(X2, y2)
    assert np.allclose(e0.predict(X[:3]), y[:3] + 0.5, atol=1e-6)


def test_collinear_points_reduce_to_1d(rng):
    from ridgekit.splines import fit_tv2
    t = np.sort(rng.uniform(-1, 1, 12))
    u = np.array([0.6, 0.8])
    X = np.outer(t, u) + np.array([1.0, -2.0])
    y = np.cos(3 * t)
    est = RidgeSplineRegressor(lam=0.01).fit(X, y)
    assert est.certificate_.details["affine_rank"] == 1
    assert est.objective_ == pytest.approx(fit_tv2(t, y, 0.01).objective_, rel=1e-7)
    assert est.n_neurons_ <= 12 - 2


@pytest.mark.parametrize("N", [1, 2, 3])
def test_few_points_affine(rng, N):
    X = rng.standard_normal((N, 2))
    y = rng.standard_normal(N)
    est = RidgeSplineRegressor(lam=0.1).fit(X, y)
    assert est.n_neurons_ == 0 and est.network_.n_neurons == 0
    assert np.allclose(est.predict(X), y) and est.objective_ == pytest.approx(0.0, abs=1e-20)


def test_huge_lambda_affine(rng):
    X, y = _data(rng, 20, 2)
    est = RidgeSplineRegressor(lam=1e6).fit(X, y)
    A = np.column_stack([np.ones(20), X])
    f_ls = A @ np.linalg.lstsq(A, y, rcond=None)[0]
    assert est.n_neurons_ == 0
    assert np.allclose(est.predict(X), f_ls, atol=1e-8)


def test_nan_rejected(rng):
    X, y = _data(rng, 10, 2)
    Xb = X.copy()
    Xb[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN|finite"):
        RidgeSplineRegressor().fit(Xb, y)
    yb = y.copy()
    yb[0] = np.inf
    with pytest.raises(ValueError, match="inf|finite"):
        RidgeSplineRegressor().fit(X, yb)


def test_sample_weight_equals_duplication(rng):
    X, y = _data(rng, 12, 2)
    s = np.ones(12)
    s[:4] = 2.0
    a = RidgeSplineRegressor(lam=0.03).fit(X, y, sample_weight=s)
    b = RidgeSplineRegressor(lam=0.03).fit(np.vstack([X, X[:4]]), np.concatenate([y, y[:4]]))
    assert a.objective_ == pytest.approx(b.objective_, rel=1e-7)
    Xg = rng.standard_normal((50, 2))
    assert np.allclose(a.predict(Xg), b.predict(Xg), atol=1e-5)


def test_predict_in_chunks(rng):
    X, y = _data(rng, 15, 2)
    est = RidgeSplineRegressor(lam=0.05, chunk_size=7).fit(X, y)
    Xg = rng.standard_normal((1000, 2))
    ref = est.network_(Xg)
    assert np.array_equal(est.predict(Xg), ref)


def test_sampled_certificate_says_so(rng):
    X, y = _data(rng, 20, 4)
    est = RidgeSplineRegressor(lam=0.1, random_state=0).fit(X, y)
    assert est.certificate_.covers == "sampled"
    assert "NOT a global certificate" in est.certificate_.details["verified"]


# scikit-learn's common estimator checks: tests/test_estimator_api.py


def test_gallery_quick(tmp_path):
    pytest.importorskip("matplotlib")
    from ridgekit.gallery.splines import run
    res = run(tmp_path, quick=True)
    failed = [c.name for c in res["checks"] if not c.passed]
    assert not failed, failed
    assert len(res["figures"]) == 2 and all(Path(p).exists() and cap for p, cap in res["figures"])


# ----------------------------------------------------------------------------- neuron solver
def _lasso_cvxpy(G, q, lam):
    cp = pytest.importorskip("cvxpy")
    L = np.linalg.cholesky(G + 1e-12 * np.trace(G) / len(q) * np.eye(len(q)))
    a = cp.Variable(len(q))
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(L.T @ a) - q @ a + lam * cp.norm1(a)))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return prob.value


@pytest.mark.parametrize("warm", [False, True])
def test_lasso_exact_against_cvxpy(rng, warm):
    """Feature-sign search (exact finite lasso) against Clarabel, with duplicated and
    collinear columns (singular Gram matrix, as ReLU atoms of one pattern give)."""
    from ridgekit.splines._ridge_neurons import lasso_exact
    N, K = 40, 70
    X = rng.standard_normal((N, K))
    X[:, 1] = X[:, 0]                                   # duplicate
    X[:, 3] = 0.3 * X[:, 2] - 2.0 * X[:, 4]            # dependent
    y = rng.standard_normal(N)
    G, q, lam = X.T @ X, X.T @ y, 3.0
    a0 = rng.standard_normal(K) * (rng.random(K) < 0.2) if warm else None
    a, steps, ok = lasso_exact(G, q, lam, a0)
    assert ok
    obj = 0.5 * a @ G @ a - q @ a + lam * np.abs(a).sum()
    assert obj == pytest.approx(_lasso_cvxpy(G, q, lam), rel=1e-9, abs=1e-9)
    # KKT of the unridged problem, up to the ridge ε = 1e-13·max Gₖₖ that lasso_exact adds
    # (its gradient differs from the unridged one by ε·a exactly)
    slack = 1e-13 * np.max(np.diag(G)) * np.max(np.abs(a)) + 1e-9 * lam
    g = q - G @ a
    assert np.max(np.abs(g)) <= lam + slack                                # dual feasible
    nz = a != 0
    assert np.allclose(g[nz], lam * np.sign(a[nz]), rtol=0, atol=slack)


def test_merge_atoms_keeps_values_lowers_penalty(rng):
    from ridgekit.splines._ridge_neurons import merge_atoms
    w0 = np.array([0.6, 0.8])
    Z = rng.uniform(-2, 2, (400, 2))
    Z = Z[np.abs(Z @ w0) > 0.5][:60]           # a margin around the line w0ᵀz = 0
    # three atoms of one activation pattern (perturbations of one neuron that the margin
    # cannot see: |Δw|·max‖z‖ < 0.5) + one other
    W = np.array([w0, [0.62, 0.78], [0.59, 0.81], [-0.8, 0.6]])
    W /= np.linalg.norm(W, axis=1)[:, None]
    b = np.array([0.0, 0.02, -0.03, 0.1])
    a = np.array([1.0, 0.5, 0.25, -2.0])
    pat = Z @ W.T - b > 0
    assert (pat[:, 0] == pat[:, 1]).all() and (pat[:, 0] == pat[:, 2]).all()
    W2, b2, a2 = merge_atoms(Z, W, b, a, 1.0)
    f = np.maximum(Z @ W.T - b, 0) @ a
    f2 = np.maximum(Z @ W2.T - b2, 0) @ a2
    assert len(a2) == 2
    assert np.allclose(f2, f, rtol=0, atol=1e-12)
    assert np.allclose(np.linalg.norm(W2, axis=1), 1.0)
    assert np.abs(a2).sum() < np.abs(a).sum()                # strictly: the directions differ


def test_neurons_matches_full_program(rng):
    """The neuron column generation and the full pattern program reach the same optimum
    (each within its own certified duality gap)."""
    X, y = _data(rng, 50, 2)
    ref = RidgeSplineRegressor(lam=0.02, solver="full").fit(X, y)
    est = RidgeSplineRegressor(lam=0.02, solver="neurons").fit(X, y)
    assert est.certificate_.is_global
    assert abs(est.objective_ - ref.objective_) <= est.duality_gap_ + ref.duality_gap_ + 1e-12
    assert est.duality_gap_ <= 1e-6 * est.objective_
    assert est.n_neurons_ <= 50 - 3
    assert "neuron column generation" in est.certificate_.details["patterns"]


def test_neurons_needs_positive_lambda(rng):
    X, y = _data(rng, 10, 2)
    with pytest.raises(ValueError, match="lam > 0"):
        RidgeSplineRegressor(lam=0.0, solver="neurons").fit(X, y)
    with pytest.raises(ValueError, match="max_atoms"):
        RidgeSplineRegressor(lam=0.1, max_atoms=0).fit(X, y)


def test_neurons_sampled_pricing_says_so(rng):
    X, y = _data(rng, 40, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # max_iter may be reached: either way is reported
        est = RidgeSplineRegressor(lam=0.1, solver="neurons", random_state=0).fit(X, y)
    assert est.certificate_.covers == "sampled"
    assert "NOT a global certificate" in est.certificate_.details["verified"]
    assert "sampled pricing" in est.certificate_.details["patterns"]
    # the network evaluates to the fitted values the objective was computed from
    f = est.predict(X)
    assert est.objective_ == pytest.approx(0.5 * np.sum((f - y) ** 2) + 0.1 * est.rtv_, rel=1e-12)


def test_weight_decay_problem_option(rng):
    """problem='weight_decay' (scnn's problem: bias penalised, no skip) through the
    estimator: same objective as the variant solver scored by its own objective function,
    and bad combinations rejected."""
    from ridgekit.splines._scnn_variant import weight_decay_objective
    X, y = _data(rng, 25, 2)
    est = RidgeSplineRegressor(lam=1e-2, problem="weight_decay", random_state=0).fit(X, y)
    net = est.network_
    # f(x) = Σ v[wᵀx − b']₊ + c0 with b' = −b: rescore with scnn's convention
    W, b, v = net.W, -net.b, net.V
    assert np.allclose(np.linalg.norm(np.c_[W, b], axis=1), 1.0)
    assert est.objective_ == pytest.approx(weight_decay_objective(X, y, 1e-2, W, b, v), rel=1e-10)
    assert est.certificate_.is_global and "weight decay" in est.certificate_.problem
    assert np.allclose(net.affine_part()[1], 0.0)                   # no skip connection
    with pytest.raises(ValueError, match="problem"):
        RidgeSplineRegressor(problem="scnn").fit(X, y)
    with pytest.raises(ValueError, match="sample_weight"):
        RidgeSplineRegressor(problem="weight_decay").fit(X, y, sample_weight=np.ones(25))
