"""Vector-valued ridge splines: ReLU networks with outputs in ℝᴰ and the VV-norm penalty.

Problem (arXiv 2305.16534, nets.md §2; the multi-output form of the Radon-domain TV
problem of :class:`splines.RidgeSplineRegressor`)::

    minimise  1/(2N) Σₙ ‖f(xₙ) − yₙ‖²₂ + α Σᵢ ‖vᵢ‖₂ ‖wᵢ‖₂ ,
    f(x) = Σᵢ vᵢ [wᵢᵀx − bᵢ]₊ + c₀ + Cᵀx ,    vᵢ ∈ ℝᴰ,

biases and the affine part unpenalised (the R-norm Σ‖vᵢ‖‖wᵢ‖ of
:meth:`nets.ShallowNetwork.rtv_seminorm` for vector outputs).  By positive homogeneity
wᵢ can be taken on the unit sphere, and the problem over a dictionary of neurons
(wⱼ, bⱼ) becomes the multi-task lasso of :func:`splines.multitask_lasso` with design
Φₙⱼ = [wⱼᵀxₙ − bⱼ]₊ after projecting out the unpenalised affine functions.

Knots at data [derived]: for a fixed unit direction w the dual constraint
‖Σₙ θₙ [wᵀxₙ − b]₊‖₂ ≤ 1 (θ ⟂ affine functions of the data) is a convex function of b
on each interval between consecutive projections wᵀxₙ, so its maximum over b is attained
at b ∈ {wᵀxₙ}: knots at the data projections lose nothing.  In d = 1 the dictionary
{[x − xₙ]₊} is therefore exact and the reported duality gap certifies *global*
optimality over all networks.  In d ≥ 2 the directions are sampled (uniformly on the
sphere, or by a user-given construction, e.g. arrangement patterns), the gap certifies
optimality over that dictionary, and ``certificate_`` reports the largest dual-constraint
value found on fresh random directions (≤ 1 means no improving neuron was found).

The width bound [unverified inference, nets.md §2]: the fit XB lies in an
(r·D)-dimensional space (r = rank of the projected design), so by Carathéodory a
solution with at most r·D ≤ N·D active neurons exists, and the generic (unique) solution
has that many at most; see :func:`width_bound_experiment`.
"""

from __future__ import annotations

import numpy as np

from kplane._validation import as_float_array, as_generator, check_int, check_positive
from kplane.stiefel import stiefel_sample

from .multitask import multitask_lasso

__all__ = ["MultiTaskRidgeSplineRegressor", "relu_dictionary", "width_bound_experiment"]


def relu_dictionary(X, directions):
    """Neurons (w, b) with knots at the data: every direction × every projection wᵀxₙ.

    Returns W (m, d) and b (m,), m = len(directions)·N, duplicates kept (they carry
    identical features; the lasso treats them as one group in effect).
    """
    X = as_float_array(X, "X", ndim=2)
    U = as_float_array(directions, "directions", ndim=2)
    U = U / np.linalg.norm(U, axis=1, keepdims=True)
    T = X @ U.T                                          # (N, n_dir) knots
    W = np.repeat(U, X.shape[0], axis=0)
    b = T.T.reshape(-1)
    return W, b


class MultiTaskRidgeSplineRegressor:
    """Vector-valued ReLU ridge spline: global solution over a neuron dictionary with a gap.

    Parameters
    ----------
    alpha : float > 0
        Weight of Σᵢ‖vᵢ‖₂‖wᵢ‖₂ in the objective (module docstring; scikit-learn's
        multi-task-lasso scaling 1/(2N) for the data term).
    n_directions : int, optional
        Sampled unit directions for d ≥ 2 (default 16·d); ignored in d = 1.
    dictionary : callable, optional
        ``dictionary(X, rng) -> (W (m, d), b (m,))`` replacing the sampled directions
        (e.g. one neuron per arrangement pattern); knots need not be at data points.
    tol, max_iter : passed to :func:`splines.multitask_lasso` (its stopping rule).
    n_check : int
        Fresh random directions used for ``certificate_`` (d ≥ 2).
    rng : None, int or numpy.random.Generator

    Attributes
    ----------
    network_ : nets.ShallowNetwork
        Active neurons (unit wᵢ), output weights (m, D), affine skip (c₀, C).
    objective_ : float
        The objective above at the solution.
    duality_gap_ : float
        Gap of the dictionary problem (an upper bound on objective_ − its minimum).
    n_active_ : int
        Number of neurons with vᵢ ≠ 0.
    certificate_ : float
        max ‖Φ(w, b)ᵀR‖/(Nα) over the dictionary (≤ 1 + gap-level at optimum) and, in
        d ≥ 2, over fresh random directions with knots at the data.

    Examples
    --------
    d = 1 is exact: three points on a "V" with two outputs need one neuron.

    >>> X = np.array([[-1.0], [0.0], [1.0]])
    >>> Y = np.c_[np.abs(X[:, 0]), 2 * np.abs(X[:, 0])]
    >>> est = MultiTaskRidgeSplineRegressor(alpha=1e-6, tol=1e-14).fit(X, Y)
    >>> est.n_active_, bool(np.allclose(est.predict(X), Y, atol=1e-5))
    (1, True)
    """

    def __init__(self, alpha=1e-3, *, n_directions=None, dictionary=None, tol=1e-8,
                 max_iter=100_000, n_check=256, rng=None):
        self.alpha = alpha
        self.n_directions = n_directions
        self.dictionary = dictionary
        self.tol = tol
        self.max_iter = max_iter
        self.n_check = n_check
        self.rng = rng

    _PARAMS = ("alpha", "n_directions", "dictionary", "tol", "max_iter", "n_check", "rng")

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"invalid parameter {k!r} for MultiTaskRidgeSplineRegressor")
            setattr(self, k, v)
        return self

    def fit(self, X, Y):
        """Fit to inputs X (N, d) and outputs Y (N, D) (or (N,))."""
        X = as_float_array(X, "X", ndim=2)
        Y = as_float_array(Y, "Y", ndim=(1, 2), allow_empty=True)
        self._scalar = Y.ndim == 1
        Y = Y.reshape(len(Y), -1)
        if Y.shape[1] == 0:
            raise ValueError(f"Y must have D ≥ 1 output columns, got shape {Y.shape}")
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"X and Y must have the same number of rows, got X {X.shape} and Y {Y.shape}")
        alpha = check_positive(self.alpha, "alpha")
        rng = as_generator(self.rng)
        N, d = X.shape
        if self.dictionary is not None:
            if not callable(self.dictionary):
                raise TypeError(f"dictionary must be callable (X, rng) -> (W, b), got {type(self.dictionary).__name__}")
            Wd, bd = self.dictionary(X, rng)
            Wd = as_float_array(Wd, "dictionary W", ndim=2)
            bd = as_float_array(bd, "dictionary b", ndim=1)
            if Wd.shape[1] != d or len(bd) != len(Wd):
                raise ValueError(f"dictionary must return W (m, {d}) and b (m,), got {Wd.shape}, {bd.shape}")
            nrm = np.linalg.norm(Wd, axis=1)
            if np.any(nrm == 0):
                raise ValueError("dictionary returned a zero direction")
            Wd, bd = Wd / nrm[:, None], bd / nrm
        elif d == 1:
            Wd, bd = relu_dictionary(X, np.ones((1, 1)))
        else:
            nd = 16 * d if self.n_directions is None else check_int(self.n_directions, "n_directions", minimum=1)
            Wd, bd = relu_dictionary(X, stiefel_sample(d, 1, nd, rng=rng)[:, :, 0])
        # unpenalised affine part: project it out (Q spans [1, X] on the data)
        A = np.hstack([np.ones((N, 1)), X])
        Q, _ = np.linalg.qr(A)
        proj = lambda M: M - Q @ (Q.T @ M)
        Phi = proj(np.maximum(X @ Wd.T - bd[None, :], 0.0))
        Yp = proj(Y)
        res = multitask_lasso(Phi, Yp, alpha, tol=self.tol, max_iter=self.max_iter)
        B = res.coef
        active = np.any(B != 0, axis=1)
        R = Yp - Phi @ B
        cert = float(np.max(np.linalg.norm(Phi.T @ R, axis=1))) / (N * alpha)
        if d > 1 and self.n_check:
            U = stiefel_sample(d, 1, check_int(self.n_check, "n_check", minimum=0), rng=rng)[:, :, 0]
            Wc, bc = relu_dictionary(X, U)
            Pc = proj(np.maximum(X @ Wc.T - bc[None, :], 0.0))
            cert = max(cert, float(np.max(np.linalg.norm(Pc.T @ R, axis=1))) / (N * alpha))
        # affine part: least squares of the remaining residual on [1, X]
        F = np.maximum(X @ Wd[active].T - bd[active][None, :], 0.0) @ B[active]
        coef_aff, *_ = np.linalg.lstsq(A, Y - F, rcond=None)
        from nets.network import ShallowNetwork
        V = B[active]
        self.network_ = ShallowNetwork(Wd[active], bd[active], V[:, 0] if self._scalar else V,
                                       skip=(coef_aff[0], coef_aff[1:] if not self._scalar else coef_aff[1:, :1]))
        resid = Y - self.network_(X).reshape(N, -1)
        self.objective_ = float(0.5 * np.sum(resid ** 2) / N + alpha * np.sum(np.linalg.norm(V, axis=1)))
        self.duality_gap_ = float(res.duality_gap)
        self.n_active_ = int(active.sum())
        self.certificate_ = cert
        self.n_features_in_ = d
        self.lasso_result_ = res
        return self

    def predict(self, X):
        """Network output at X (M, d): (M,) or (M, D) as the training Y."""
        if not hasattr(self, "network_"):
            raise ValueError("this MultiTaskRidgeSplineRegressor is not fitted yet; call fit first")
        return self.network_(X)

    def score(self, X, Y):
        """R² averaged uniformly over outputs (scikit-learn's convention)."""
        Y = as_float_array(Y, "Y", ndim=(1, 2)).reshape(len(Y), -1)
        P = self.predict(X).reshape(len(Y), -1)
        return float(np.mean(1 - np.sum((Y - P) ** 2, 0) / np.sum((Y - Y.mean(0)) ** 2, 0)))


def width_bound_experiment(N, *, K=500, D=10, rank=None, n_trials=10, alpha_rel=1e-3, tol=1e-10, rng=None):
    """Active neurons of the layer-wise multi-task lasso on random data (arXiv 2305.16534).

    The set-up of the authors' notebook (nets.md §2, [code] joeshenouda/vv-spaces-nn-width):
    random layer inputs Φ ∈ ℝ^{N×K} (K neurons, Gaussian, optionally of rank ``rank``),
    targets Y ∈ ℝ^{N×D}, and min Σᵢ‖vᵢ‖₂ s.t. ΦV = Y, approximated by the multi-task
    lasso at α = alpha_rel · α_max (the α → 0 limit is the minimum-norm interpolant).
    Returns a dict with per-trial active counts, rank(Φ), and the bound r·D.

    Examples
    --------
    >>> out = width_bound_experiment(5, K=40, D=2, n_trials=3, rng=0)
    >>> bool(np.all(out["active"] <= out["bound"])), bool(np.all(out["active"] >= 2))
    (True, True)
    """
    N = check_int(N, "N", minimum=1)
    K = check_int(K, "K", minimum=1)
    D = check_int(D, "D", minimum=1)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    rng = as_generator(rng)
    active, ranks = np.empty(n_trials, dtype=np.int64), np.empty(n_trials, dtype=np.int64)
    gaps = np.empty(n_trials)
    for t in range(n_trials):
        if rank is None:
            Phi = rng.standard_normal((N, K))
        else:
            r = check_int(rank, "rank", minimum=1, maximum=min(N, K))
            Phi = rng.standard_normal((N, r)) @ rng.standard_normal((r, K))
        Y = rng.standard_normal((N, D))
        amax = float(np.max(np.linalg.norm(Phi.T @ Y, axis=1))) / N
        res = multitask_lasso(Phi, Y, alpha_rel * amax, tol=tol, max_iter=1_000_000)
        active[t] = int(res.support.sum())
        ranks[t] = np.linalg.matrix_rank(Phi)
        gaps[t] = res.duality_gap
    return {"N": N, "K": K, "D": D, "active": active, "rank": ranks, "bound": ranks * D, "gaps": gaps}
