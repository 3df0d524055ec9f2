"""fit_tv2_lp (absolute and hinge losses for univariate TV(f″) regression):
objective against cvxpy (Clarabel) on the same generalised problem written independently,
the LP duality gap, the network against the fitted values, limits and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ridgekit.splines.tv2_lp import fit_tv2_lp


def _cvxpy(x, y, w, lam, loss):
    cp = pytest.importorskip("cvxpy")
    xs, g = np.unique(x, return_inverse=True)
    n = xs.size
    u = cp.Variable(n)
    slopes = cp.multiply(1 / np.diff(xs), u[1:] - u[:-1])
    tv = cp.norm1(slopes[1:] - slopes[:-1])
    f = u[g]
    if loss == "absolute":
        data = cp.sum(cp.multiply(w, cp.abs(f - y)))
    else:
        data = cp.sum(cp.multiply(w, cp.pos(1 - cp.multiply(y, f))))
    prob = cp.Problem(cp.Minimize(data + lam * tv))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return prob.value


@pytest.mark.parametrize("loss", ["absolute", "hinge"])
@pytest.mark.parametrize("lam", [1e-3, 0.05, 1.0])
def test_objective_matches_cvxpy(rng, loss, lam):
    N = 120
    x = np.sort(rng.uniform(0, 1, N))
    x[10] = x[11]                                         # a duplicated abscissa
    w = rng.uniform(0.5, 2.0, N)
    if loss == "absolute":
        y = np.sin(6 * x) + 0.3 * rng.standard_t(2, N)    # heavy-tailed noise
    else:
        y = np.where(np.sin(9 * x) + 0.3 * rng.standard_normal(N) > 0, 1.0, -1.0)
    s = fit_tv2_lp(x, y, lam, loss=loss, sample_weight=w)
    ref = _cvxpy(x, y, w, lam, loss)
    assert s.objective_ == pytest.approx(ref, rel=1e-7, abs=1e-9)
    assert s.duality_gap_ <= 1e-8 * max(1.0, s.objective_)
    # the network is the fitted spline: its values, its TV(f″) and the objective it implies
    xs, g = np.unique(x, return_inverse=True)
    np.testing.assert_allclose(s.predict(np.reshape(xs, (-1, 1))), s.values_, rtol=0, atol=1e-9)
    assert s.network_.rtv_seminorm() == pytest.approx(s.tv_, rel=1e-12, abs=1e-12)


def test_large_lambda_gives_affine_median_line(rng):
    # absolute loss, λ huge: no knot; the fit is an L1 regression line, which passes
    # through (at least) two data points (a vertex of the LAD polytope)
    x = np.sort(rng.uniform(0, 1, 41))
    y = 2 * x + rng.standard_normal(41)
    s = fit_tv2_lp(x, y, 1e6)
    assert len(s.knots_) == 0 and s.network_.n_neurons == 0
    assert np.sum(np.isclose(s.predict(np.reshape(x, (-1, 1))), y, rtol=0, atol=1e-9)) >= 2


def test_hinge_separable_data_zero_loss(rng):
    # labels given by a sign change at 0.5: a line separates them with margin, so for small
    # λ the loss is zero and TV(f″) = 0 (an affine classifier suffices)
    x = np.sort(rng.uniform(0, 1, 50))
    y = np.where(x > 0.5, 1.0, -1.0)
    s = fit_tv2_lp(x, y, 1e-3, loss="hinge")
    assert s.loss_ == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.sign(s.predict(x[:, None])) == y)


def test_bad_input(rng):
    x = rng.uniform(0, 1, 10)
    with pytest.raises(ValueError, match="loss"):
        fit_tv2_lp(x, x, 0.1, loss="squared")
    with pytest.raises(ValueError, match="lam"):
        fit_tv2_lp(x, x, 0.0)
    with pytest.raises(ValueError, match="labels"):
        fit_tv2_lp(x, x, 0.1, loss="hinge")
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fit_tv2_lp(x, x[:5], 0.1)
    with pytest.raises(ValueError):
        fit_tv2_lp(np.r_[x[:-1], np.nan], x, 0.1)
