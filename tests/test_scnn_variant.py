"""scnn's weight-decay problem (bias penalised, no skip): splines._scnn_variant (docs/theory/representer.md §Convex reformulation).

The reference is the full convex program of Pilanci & Ergen (arXiv 2002.10553) with every
activation pattern of the neurons [w̃ᵀx̃]₊ (the cells of the hyperplane arrangement of X,
all of them: a pattern and its complement are different neurons here, and the all-on
pattern is the penalised constant), solved by Clarabel through cvxpy, in scnn's scaling.
"""

import numpy as np
import pytest

from ridgekit.splines import _scnn_variant as S
from ridgekit.splines.arrangements import enumerate_patterns

cp = pytest.importorskip("cvxpy")


def full_program(X, y, lam):
    """min (1/2N)‖Σⱼ Dⱼ X̃(uⱼ − u′ⱼ) − y‖² + λΣⱼ(‖uⱼ‖ + ‖u′ⱼ‖), cone constraints."""
    N = X.shape[0]
    Xt = np.column_stack([X, np.ones(N)])
    P = enumerate_patterns(X, canonical=False)
    P = P[P.any(axis=1)].T.astype(float)                     # (N, P), all-off dropped
    U = cp.Variable((P.shape[1], Xt.shape[1]))
    V = cp.Variable((P.shape[1], Xt.shape[1]))
    XU, XV = Xt @ U.T, Xt @ V.T
    pred = cp.sum(cp.multiply(P, XU - XV), axis=1)
    obj = cp.sum_squares(pred - y) / (2 * N) + lam * (cp.sum(cp.norm(U, 2, axis=1)) + cp.sum(cp.norm(V, 2, axis=1)))
    cons = [cp.multiply(2 * P - 1, XU) >= 0, cp.multiply(2 * P - 1, XV) >= 0]
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return prob.value


def data(seed, N, d=2):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N, d))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.standard_normal(N)
    return X, y


@pytest.mark.parametrize("seed,N,lam", [(0, 10, 1e-2), (1, 12, 3e-3), (2, 15, 5e-2)])
def test_matches_full_convex_program(seed, N, lam):
    X, y = data(seed, N)
    fit = S.solve_weight_decay_variant(X, y, lam, rng=seed, tol=1e-9)
    ref = full_program(X, y, lam)
    assert fit.certificate["exact"]
    assert fit.certificate["sup"] <= 1 + 1e-8
    assert fit.objective == pytest.approx(ref, rel=1e-6)
    assert fit.certificate["gap"] <= 1e-6 * fit.objective
    # the reported objective is the shared scorer's value of the returned network
    assert fit.objective == S.weight_decay_objective(X, y, lam, fit.W, fit.b, fit.v)
    assert np.allclose(np.linalg.norm(np.column_stack([fit.W, fit.b]), axis=1), 1.0)


def test_degenerate_grid_with_duplicates():
    """3×3 grid (collinear triples: degenerate vertices, the general candidate path) with a
    duplicated point."""
    g = np.array([-1.0, 0.0, 1.0])
    X = np.array([[a, b] for a in g for b in g] + [[0.0, 0.0]])
    y = np.array([0.3, -1.0, 0.5, 1.0, 2.0, -0.5, 0.0, 0.7, 1.5, 1.0])
    fit = S.solve_weight_decay_variant(X, y, 1e-2, rng=0, tol=1e-9)
    assert fit.certificate["exact"]
    assert fit.objective == pytest.approx(full_program(X, y, 1e-2), rel=1e-6)


def test_collinear_data_rank_two():
    """Points on a line in the plane: x̃ spans a 2-D subspace (circle candidates)."""
    t = np.linspace(-1, 1, 8)
    X = np.column_stack([t, 2 * t + 0.5])
    y = np.abs(t) - 0.3 * t
    fit = S.solve_weight_decay_variant(X, y, 1e-3, rng=0, tol=1e-9)
    assert fit.certificate["exact"]
    assert fit.objective == pytest.approx(full_program(X, y, 1e-3), rel=1e-6)


def test_exact_kernel_matches_general_candidates():
    from ridgekit.splines._vv_certificate import _anchor_candidates

    rng = np.random.default_rng(5)
    for _ in range(3):
        X, _ = data(int(rng.integers(100)), 25)
        r = rng.standard_normal(25)
        _, Yu, inv, _ = S._span(X)
        r = np.bincount(inv, weights=r)                      # distinct points, sorted order
        fast = S._exact_sup(Yu, r, 1)[0]
        Wc = _anchor_candidates(Yu / np.max(np.linalg.norm(Yu, axis=1)), r[:, None], 1e-10)
        Wc = Wc / np.linalg.norm(Wc, axis=1)[:, None]
        slow = float(np.max(np.abs(S._h(Yu, r, Wc))))
        assert fast == pytest.approx(slow, rel=1e-12)
        # no sampled direction beats it
        D = rng.standard_normal((20000, 3))
        D /= np.linalg.norm(D, axis=1)[:, None]
        assert np.max(np.abs(S._h(Yu, r, D))) <= fast * (1 + 1e-12)


def test_lam_max_gives_zero_network():
    X, y = data(3, 14)
    lam_max, exact = S.weight_decay_lam_max(X, y)
    assert exact
    fit = S.solve_weight_decay_variant(X, y, lam_max * 1.0001, rng=0)
    assert fit.v.size == 0 and fit.certificate["exact"]
    assert fit.objective == pytest.approx(0.5 * np.mean(y ** 2))
    assert fit.certificate["lam_max"] == pytest.approx(lam_max)
    fit = S.solve_weight_decay_variant(X, y, lam_max * 0.9, rng=0)
    assert fit.v.size > 0
    assert fit.objective < 0.5 * np.mean(y ** 2)


def test_objective_convention_and_invariances():
    X, y = data(4, 9)
    rng = np.random.default_rng(0)
    W, b, v = rng.standard_normal((4, 2)), rng.standard_normal(4), rng.standard_normal(4)
    lam = 0.1
    f = np.maximum(X @ W.T + b, 0) @ v
    direct = np.sum((f - y) ** 2) / (2 * len(y)) + lam * np.sum(np.abs(v) * np.hypot(np.linalg.norm(W, axis=1), b))
    val = S.weight_decay_objective(X, y, lam, W, b, v)
    assert val == pytest.approx(direct, rel=1e-14)
    t = np.array([0.5, 2.0, 3.0, 0.1])             # positive homogeneity
    assert S.weight_decay_objective(X, y, lam, W * t[:, None], b * t, v / t) == pytest.approx(val, rel=1e-13)
    assert S.weight_decay_objective(X, y, lam, np.zeros((0, 2)), [], []) == pytest.approx(0.5 * np.mean(y ** 2))


def test_fit_network_and_scaling_of_y():
    X, y = data(6, 12)
    fit = S.solve_weight_decay_variant(X, y, 1e-2, rng=0, tol=1e-9)
    net = fit.network()
    assert np.allclose(net(X), fit.predict(X), atol=1e-12)
    # y → c·y, λ → c·λ scales the solution: objective scales by c²
    fit2 = S.solve_weight_decay_variant(X, 3 * y, 3e-2, rng=0, tol=1e-9)
    assert fit2.objective == pytest.approx(9 * fit.objective, rel=1e-6)


def test_sampled_certificate_in_higher_dimension():
    X, y = data(7, 30, d=3)
    fit = S.solve_weight_decay_variant(X, y, 1e-2, rng=0, n_patterns=500)
    assert not fit.certificate["exact"]
    assert fit.certificate["lam_max"] is None
    assert fit.objective == S.weight_decay_objective(X, y, 1e-2, fit.W, fit.b, fit.v)
    assert fit.objective < 0.5 * np.mean(y ** 2)


@pytest.mark.parametrize("kwargs,exc", [
    (dict(lam=0.0), ValueError),
    (dict(lam=-1.0), ValueError),
    (dict(lam="a"), TypeError),
    (dict(y=np.ones(3)), ValueError),
    (dict(X=np.full((5, 2), np.nan)), ValueError),
    (dict(X=np.ones(5)), ValueError),
    (dict(n_patterns=0), ValueError),
    (dict(n_patterns=1.5), TypeError),
    (dict(tol=0.0), ValueError),
    (dict(rng=-1), ValueError),
])
def test_bad_input(kwargs, exc):
    args = dict(X=np.random.default_rng(0).uniform(size=(5, 2)), y=np.ones(5), lam=0.1)
    args.update(kwargs)
    X, y, lam = args.pop("X"), args.pop("y"), args.pop("lam")
    with pytest.raises(exc):
        S.solve_weight_decay_variant(X, y, lam, **args)


def test_objective_bad_input():
    X, y = np.zeros((3, 2)), np.zeros(3)
    with pytest.raises(ValueError):
        S.weight_decay_objective(X, y, 0.1, np.zeros((2, 3)), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError):
        S.weight_decay_objective(X, y, 0.1, np.zeros((2, 2)), np.zeros(1), np.zeros(2))
    with pytest.raises(ValueError):
        S.weight_decay_objective(X, np.zeros(4), 0.1, np.zeros((2, 2)), np.zeros(2), np.zeros(2))
