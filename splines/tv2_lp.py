r"""Univariate TV(f″) regression with piecewise-linear losses (absolute and hinge) as an LP.

Problem (docs/theory/representer.md).  Data (xᵢ, yᵢ, wᵢ), wᵢ > 0, λ > 0:

* ``loss="absolute"``:  :math:`min_f Σᵢ wᵢ |f(xᵢ) − yᵢ| + λ TV(f″)`   (least absolute deviations);
* ``loss="hinge"``:     min_f Σᵢ wᵢ max(0, 1 − yᵢ f(xᵢ)) + λ TV(f″),   yᵢ ∈ {−1, +1}
  (the support-vector loss: a ReLU-network classifier with the d = 1 representer penalty).

As for the squared loss (:mod:`splines.tv2`), the loss sees f only through its values
u = (f(x̃ₖ)) at the n sorted distinct abscissae, and for given values the smallest
TV(f″) is that of their linear interpolant, ‖Lu‖₁ with L the (n−2)×n second-divided-
difference operator (the slope changes) [derived, Debarre et al. 2022: any
f through the values has a total variation of f′ at least the sum of the absolute slope
changes of the interpolant, by the mean-value theorem].  So both
problems are exactly the linear programs

    min Σᵢ wᵢ(pᵢ + qᵢ) + λ Σₖ (sₖ⁺ + sₖ⁻)   s.t.  u_{g(i)} − yᵢ = pᵢ − qᵢ,  Lu = s⁺ − s⁻,
    min Σᵢ wᵢ hᵢ       + λ Σₖ (sₖ⁺ + sₖ⁻)   s.t.  yᵢ u_{g(i)} + hᵢ ≥ 1,     Lu = s⁺ − s⁻,

(p, q, h, s^± ≥ 0, u free; g(i) the distinct abscissa of sample i, so duplicated x with
different y need no special treatment), solved by HiGHS (scipy.optimize.linprog, dual
simplex).  The squared-loss active-set solver does not apply: the loss is not strictly
convex, solutions are in general not unique, and the optimum is a vertex of a polyhedron.

Certificate: HiGHS's dual values give the dual objective; the reported ``duality_gap_``
is primal − dual (≈ 1e-9 relative or below at HiGHS's default tolerances).  The knots
are the x̃ₖ with absolute slope change above 1e-9 relative; a simplex vertex has at most as many
nonzero slope changes as there are tight loss constraints, but the *sparsest* solution
(fewest knots) of a non-unique LP is not searched for here (it is for the squared loss).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import as_float_array
from ridgekit.nets.network import ShallowNetwork

from ._certificate import Certificate
from ._estimator import NetworkRegressor
from .tv2 import ConvergenceError

__all__ = ["fit_tv2_lp", "TV2LPSpline"]


class TV2LPSpline(NetworkRegressor):
    """Exact TV(f″)-penalised linear spline for the absolute or the hinge loss (an LP).

    A scikit-learn regressor with one input feature: ``fit(X, y)`` takes X of shape
    (n_samples, 1); :func:`fit_tv2_lp` is the same fit for a 1-D array x.  For
    ``loss="hinge"`` the labels are y ∈ {−1, +1} and :meth:`predict` returns the score f(x)
    (its sign is the predicted label).

    Parameters
    ----------
    lam : float
        λ > 0.
    loss : {"absolute", "hinge"}
        The loss (module docstring).

    Attributes
    ----------
    network_ : ShallowNetwork
        f(x) = c₀ + c₁x + Σₖ Jₖ[x − tₖ]₊ (knots tₖ, slope changes Jₖ), linear beyond the
        data.
    knots_, jumps_ : ndarray
        Knot locations and slope changes :math:`(TV(f″) = Σ|Jₖ|)`.
    values_ : ndarray
        f at the sorted distinct abscissae ``x_``.
    objective_, loss_, tv_ : float
        Objective = loss + λ·TV(f″).
    duality_gap_ : float
        Primal − dual objective of the LP (HiGHS's dual values).
    certificate_ : Certificate
        ``covers == "global"``: the LP is the exact problem over all f (module docstring).
    n_features_in_ : int
        1.
    """

    _n_features = 1
    _parameter_constraints = {"lam": [Interval(Real, 0, np.inf, closed="neither")],
                              "loss": [StrOptions({"absolute", "hinge"})]}

    def __init__(self, lam=1e-3, *, loss="absolute"):
        self.lam = lam
        self.loss = loss

    def fit(self, X, y, sample_weight=None):
        """Fit to X of shape (n_samples, 1), y (n_samples,) and optional weights wᵢ ≥ 0."""
        self._validate_params()
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        return self._fit_1d(X[:, 0], y, sample_weight)

    def _fit_1d(self, x, y, w):
        lam, loss = float(self.lam), self.loss
        if w is None:
            w = np.ones_like(x)
        xs, g, u, jumps, primal, dual = _solve_lp(x, y, w, lam, loss)
        n = xs.size
        tol = 1e-9 * max(1.0, float(np.max(np.abs(jumps), initial=0.0)))
        on = np.flatnonzero(np.abs(jumps) > tol)
        self.x_ = xs
        self.values_ = u
        self.knots_ = xs[on + 1]
        self.jumps_ = jumps[on]
        slope0 = (u[1] - u[0]) / (xs[1] - xs[0]) if n > 1 else 0.0
        c0 = u[0] - slope0 * xs[0]
        self.network_ = ShallowNetwork(np.ones((on.size, 1)), self.knots_, self.jumps_,
                                       skip=(np.array([c0]), np.array([[slope0]])))
        f = u[g]
        self.tv_ = float(np.sum(np.abs(self.jumps_)))
        if loss == "absolute":
            self.loss_ = float(w @ np.abs(f - y))
        else:
            self.loss_ = float(w @ np.maximum(0.0, 1.0 - y * f))
        self.objective_ = self.loss_ + lam * self.tv_
        self.duality_gap_ = max(primal - dual, 0.0)
        what = "Σwᵢ|f(xᵢ) − yᵢ|" if loss == "absolute" else "Σwᵢ max(0, 1 − yᵢf(xᵢ))"
        self.certificate_ = Certificate.from_gap(
            self.objective_, self.duality_gap_, covers="global",
            problem=f"{what} + λ TV(f″) over f with f″ a finite measure (d = 1)",
            method="HiGHS dual simplex: dual values of the exact LP", details={"n_knots": int(on.size)})
        return self


def _second_differences(xs):
    n = xs.size
    h = np.diff(xs)
    k = np.arange(n - 2)
    rows = np.repeat(k, 3)
    cols = np.column_stack([k, k + 1, k + 2]).ravel()
    vals = np.column_stack([1 / h[:-1], -1 / h[:-1] - 1 / h[1:], 1 / h[1:]]).ravel()
    return sp.csr_matrix((vals, (rows, cols)), shape=(n - 2, n))


def fit_tv2_lp(x, y, lam, *, loss="absolute", sample_weight=None) -> TV2LPSpline:
    """Exact TV(f″)-penalised linear spline for the absolute or the hinge loss (an LP).

    The functional form of ``TV2LPSpline(lam, loss=loss).fit(x[:, None], y, sample_weight)``
    for abscissae x of shape (N,).

    Parameters
    ----------
    x, y : array (N,)
        Abscissae and targets (labels in {−1, +1} for ``loss="hinge"``).
    lam : float
        λ > 0.
    loss : {"absolute", "hinge"}
    sample_weight : array (N,), optional
        wᵢ ≥ 0 (default 1).

    Returns
    -------
    TV2LPSpline

    Notes
    -----
    Definition, LP and certificate: module docstring.  Cost: one sparse LP with about
    3N + 2n variables (HiGHS dual simplex); fine to N ~ 10⁵.

    Examples
    --------
    Absolute loss, three points on a line and one outlier: with small λ the outlier is
    fitted (kinks cost little); with large λ it is ignored and the line y = x is kept
    (loss 3 for the outlier, no kink):

    >>> x = [0.0, 1.0, 2.0, 3.0]
    >>> s = fit_tv2_lp(x, [0.0, 1.0, 5.0, 3.0], 10.0)
    >>> np.round(s.predict(np.reshape(x, (-1, 1))), 9).tolist(), len(s.knots_), round(s.objective_, 9)
    ([0.0, 1.0, 2.0, 3.0], 0, 3.0)
    """
    x = as_float_array(x, "x", ndim=1)
    return TV2LPSpline(lam, loss=loss).fit(x[:, None], y, sample_weight)


def _solve_lp(x, y, w, lam, loss):
    """The LP of the module docstring for validated x, y, w (N,)."""
    if loss == "hinge" and not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"loss='hinge' needs labels y in {{-1, +1}}, got values {np.unique(y)[:5]}")
    xs, g = np.unique(x, return_inverse=True)
    g = g.reshape(-1)
    if xs.size > 2:
        h = np.diff(xs)
        span = float(xs[-1] - xs[0])
        # the LP's second differences hold 1/h: gaps must be normal floats, and not so small
        # against the span that HiGHS's tolerances (~1e-9 relative) see a singular row
        if not (float(h.min()) >= np.finfo(float).tiny and float(h.min()) > 1e-12 * span):
            raise ValueError(f"x: distinct abscissae must be separated by more than 1e-12 of their range "
                             f"(smallest gap {float(h.min()):.3g}, range {span:.3g}); merge near-duplicates "
                             f"or rescale x")
    N, n = x.size, xs.size
    m = max(n - 2, 0)
    L = _second_differences(xs) if m else sp.csr_matrix((0, n))
    G = sp.csr_matrix((np.ones(N), (np.arange(N), g)), shape=(N, n))
    I_N, I_m = sp.identity(N, format="csr"), sp.identity(m, format="csr")
    # variable order: u (n, free) | loss slacks | s⁺ (m) | s⁻ (m)
    if loss == "absolute":
        nl = 2 * N
        A_eq = sp.vstack([sp.hstack([G, -I_N, I_N, sp.csr_matrix((N, 2 * m))]),
                          sp.hstack([L, sp.csr_matrix((m, nl)), -I_m, I_m])], format="csr")
        b_eq = np.concatenate([y, np.zeros(m)])
        c = np.concatenate([np.zeros(n), w, w, lam * np.ones(2 * m)])
        A_ub, b_ub = None, None
    else:
        nl = N
        # yᵢ u_g(i) + hᵢ ≥ 1  ⇔  −yᵢ u_g(i) − hᵢ ≤ −1
        A_ub = sp.hstack([-sp.diags(y) @ G, -I_N, sp.csr_matrix((N, 2 * m))], format="csr")
        b_ub = -np.ones(N)
        A_eq = sp.hstack([L, sp.csr_matrix((m, nl)), -I_m, I_m], format="csr")
        b_eq = np.zeros(m)
        c = np.concatenate([np.zeros(n), w, lam * np.ones(2 * m)])
    bounds = [(None, None)] * n + [(0, None)] * (nl + 2 * m)
    from scipy.optimize import linprog

    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq if A_eq.shape[0] else None,
                  b_eq=b_eq if A_eq.shape[0] else None, bounds=bounds, method="highs-ds")
    if res.status != 0:
        raise ConvergenceError(f"HiGHS did not solve the LP: {res.message}")
    u = res.x[:n]
    dual = 0.0
    if A_eq.shape[0]:
        dual += float(b_eq @ res.eqlin.marginals)
    if A_ub is not None:
        dual += float(b_ub @ res.ineqlin.marginals)
    jumps = L @ u if m else np.zeros(0)
    return xs, g, u, jumps, float(res.fun), dual
