r"""Univariate TV(f″) regression with piecewise-linear losses (absolute and hinge) as an LP.

Problem (issue 5; nets.md §3).  Data (xᵢ, yᵢ, wᵢ), wᵢ > 0, λ > 0:

* ``loss="absolute"``:  min_f Σᵢ wᵢ |f(xᵢ) − yᵢ| + λ TV(f″)   (least absolute deviations);
* ``loss="hinge"``:     min_f Σᵢ wᵢ max(0, 1 − yᵢ f(xᵢ)) + λ TV(f″),   yᵢ ∈ {−1, +1}
  (the support-vector loss: a ReLU-network classifier with the d = 1 representer penalty).

As for the squared loss (:mod:`splines.tv2`), the loss sees f only through its values
u = (f(x̃ₖ)) at the n sorted distinct abscissae, and for given values the smallest
TV(f″) is that of their linear interpolant, ‖Lu‖₁ with L the (n−2)×n second-divided-
difference operator (the slope changes) [derived, Debarre et al. 2022 / nets.md §3: any
f through the values has TV(f″) ≥ Σₖ|slope changes of the interpolant|].  So both
problems are exactly the linear programs

    min Σᵢ wᵢ(pᵢ + qᵢ) + λ Σₖ (sₖ⁺ + sₖ⁻)   s.t.  u_{g(i)} − yᵢ = pᵢ − qᵢ,  Lu = s⁺ − s⁻,
    min Σᵢ wᵢ hᵢ       + λ Σₖ (sₖ⁺ + sₖ⁻)   s.t.  yᵢ u_{g(i)} + hᵢ ≥ 1,     Lu = s⁺ − s⁻,

(p, q, h, s^± ≥ 0, u free; g(i) the distinct abscissa of sample i, so duplicated x with
different y need no special treatment), solved by HiGHS (scipy.optimize.linprog, dual
simplex).  The squared-loss active-set solver does not apply: the loss is not strictly
convex, solutions are in general not unique, and the optimum is a vertex of a polyhedron.

Certificate: HiGHS's dual values give the dual objective; the reported ``duality_gap_``
is primal − dual (≈ 1e-9 relative or below at HiGHS's default tolerances).  The knots
are the x̃ₖ with |slope change| > 1e-9 relative; a simplex vertex has at most as many
nonzero slope changes as there are tight loss constraints, but the *sparsest* solution
(fewest knots) of a non-unique LP is not searched for here (it is for the squared loss).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ridgekit._validation import as_float_array, check_choice, check_positive
from ridgekit.nets.network import ShallowNetwork

from .ridge import _empty_network
from .tv2 import ConvergenceError

__all__ = ["fit_tv2_lp", "TV2LPSpline"]


class TV2LPSpline:
    """Result of :func:`fit_tv2_lp`.

    Attributes
    ----------
    network_ : ShallowNetwork
        f(x) = c₀ + c₁x + Σₖ Jₖ[x − tₖ]₊ (knots tₖ, slope changes Jₖ), linear beyond the
        data.
    knots_, jumps_ : ndarray
        Knot locations and slope changes (TV(f″) = Σ|Jₖ|).
    values_ : ndarray
        f at the sorted distinct abscissae ``x_``.
    objective_, loss_, tv_ : float
        Objective = loss + λ·TV(f″).
    duality_gap_ : float
        Primal − dual objective of the LP (HiGHS's dual values).
    """

    def __init__(self, loss, lam):
        self.loss = loss
        self.lam = lam

    def predict(self, x):
        """f at points x (any shape)."""
        x = as_float_array(x, "x", allow_empty=True)
        return self.network_(x.reshape(-1, 1)).reshape(x.shape)

    def decision_function(self, x):
        """Same as :meth:`predict` (for the hinge loss: the classifier's score; sign = label)."""
        return self.predict(x)


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
    >>> np.round(s.predict(x), 9).tolist(), len(s.knots_), round(s.objective_, 9)
    ([0.0, 1.0, 2.0, 3.0], 0, 3.0)
    """
    loss = check_choice(loss, "loss", {"absolute", "hinge"})
    lam = check_positive(lam, "lam")
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if y.shape != x.shape:
        raise ValueError(f"y must have the same length as x ({x.size}), got {y.size}")
    if sample_weight is None:
        w = np.ones_like(x)
    else:
        w = as_float_array(sample_weight, "sample_weight", ndim=1)
        if w.shape != x.shape or np.any(w < 0) or not np.any(w > 0):
            raise ValueError("sample_weight must have length N, entries >= 0 and one entry > 0")
    if loss == "hinge" and not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"loss='hinge' needs labels y in {{-1, +1}}, got values {np.unique(y)[:5]}")
    xs, g = np.unique(x, return_inverse=True)
    g = g.reshape(-1)
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
    tol = 1e-9 * max(1.0, float(np.max(np.abs(jumps), initial=0.0)))
    on = np.flatnonzero(np.abs(jumps) > tol)
    out = TV2LPSpline(loss, lam)
    out.x_ = xs
    out.values_ = u
    out.knots_ = xs[on + 1]
    out.jumps_ = jumps[on]
    slope0 = (u[1] - u[0]) / (xs[1] - xs[0]) if n > 1 else 0.0
    c0 = u[0] - slope0 * xs[0]
    if on.size:
        out.network_ = ShallowNetwork(np.ones((on.size, 1)), out.knots_, out.jumps_,
                                      skip=(np.array([c0]), np.array([[slope0]])))
    else:
        out.network_ = _empty_network(1, c0, [slope0])
    f = u[g]
    out.tv_ = float(np.sum(np.abs(out.jumps_)))
    if loss == "absolute":
        out.loss_ = float(w @ np.abs(f - y))
    else:
        out.loss_ = float(w @ np.maximum(0.0, 1.0 - y * f))
    out.objective_ = out.loss_ + lam * out.tv_
    out.duality_gap_ = max(float(res.fun) - dual, 0.0)
    return out
