"""Multi-task (group) lasso with working sets, gap-safe screening and warm-started paths.

Problem (scikit-learn's ``MultiTaskLasso`` scaling, made equal on purpose)::

    minimise_B   P(B) = 1/(2N) ‖Y − X B − 1 b₀ᵀ‖²_F + α Σⱼ ‖Bⱼ‖₂ ,

X (N, p) the design (features = candidate neurons), Y (N, D) the targets, B (p, D) with
row Bⱼ the output weight vector of feature j, b₀ (D,) an unpenalised intercept when
``fit_intercept`` (X and Y centred, as scikit-learn does).  scikit-learn stores
``coef_ = Bᵀ`` (D, p); here the rows are the groups, as the output weights V (m, D) of a
:class:`nets.ShallowNetwork`.  This is the layer-wise problem of arXiv 2305.16534
(docs/theory/vv.md: weight decay on a ReLU layer ↔ multi-task lasso, Σᵢ‖vᵢ‖₂ over the output
weights of neuron i).

Dual (Fenchel; [derived], standard for the group lasso)::

    maximise_θ  D(θ) = α ⟨θ, Y⟩ − (N α²/2) ‖θ‖²_F     s.t.  ‖X_jᵀ θ‖₂ ≤ 1 for all j,

with θ* = R*/(Nα) at the optimum (R = Y − XB); the feasible point θ = R / max(Nα,
maxⱼ‖X_jᵀR‖) gives the duality gap P(B) − D(θ) ≥ P(B) − P(B*).  D is (Nα²)-strongly
concave, so ‖θ − θ*‖ ≤ √(2·gap/(Nα²)) and every feature with
‖X_jᵀθ‖ + ‖X_j‖ √(2·gap/(Nα²)) < 1 has B*ⱼ = 0 (gap-safe screening, Ndiaye, Fercoq,
Gramfort, Salmon, JMLR 18(128) 2017, Thm. 6 with the group norm).

Solver: an outer loop of working sets (celer-style, Massias, Gramfort, Salmon, ICML 2018,
with its pruning: the current support plus the features with the largest ‖X_jᵀθ‖, twice
the support's size, at least a floor that doubles only when an outer round fails to halve
the gap), the gap computed with the best feasible dual point met so far (screening uses the
sphere around that point; the inner loop stops on the working-set problem's own gap, the
outer loop checks the full one),
an inner numba block-coordinate descent on the working set (the same block update as
scikit-learn's ``enet_coordinate_descent_multi_task``) with Anderson extrapolation of the
iterates every 5 sweeps (kept only when it lowers P), gap-safe screening at every
outer iteration, and warm starts along decreasing α.  The solve runs with one BLAS thread
(threadpoolctl, when installed): its BLAS calls are gemv-sized, where OpenBLAS's threads
only add busy-wait synchronisation (tens of ms per call on a loaded machine).

Stopping rule: gap ≤ tol · ‖Y‖²_F / N, which is scikit-learn's rule
(``tol · ‖Y‖²_F`` on its N-times-larger objective), so the same ``tol`` gives the same
guarantee in both libraries.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ridgekit._validation import as_float_array, check_int, check_positive

from . import _lasso_kernels as _k

__all__ = ["multitask_lasso", "multitask_lasso_path", "multitask_lasso_objective",
           "alpha_max", "MultiTaskLassoResult", "LassoConvergenceWarning"]


_ANDERSON = 5      # sweeps between Anderson extrapolations


class LassoConvergenceWarning(UserWarning):
    """The duality gap did not reach the requested tolerance within ``max_iter``."""


@dataclass
class MultiTaskLassoResult:
    """Solution of :func:`multitask_lasso` (or of a path: arrays gain a leading α axis).

    Attributes
    ----------
    coef : ndarray (p, D) or (n_alphas, p, D)
        B; row j is feature j's output vector (the transpose of scikit-learn's ``coef_``).
    intercept : ndarray (D,) or (n_alphas, D)
        b₀ (zeros unless ``fit_intercept``).
    alpha : float or ndarray (n_alphas,)
    objective : float or ndarray
        P(B) in scikit-learn's scaling (module docstring).
    duality_gap : float or ndarray
        P(B) − D(θ) ≥ P(B) − min P.
    n_iter : int or ndarray
        Block-coordinate-descent sweeps (over working sets) used.
    converged : bool or ndarray
    """

    coef: np.ndarray
    intercept: np.ndarray
    alpha: object
    objective: object
    duality_gap: object
    n_iter: object
    converged: object

    @property
    def support(self):
        """Boolean mask of the active groups (rows with Bⱼ ≠ 0)."""
        return np.any(self.coef != 0, axis=-1)


def _validate(X, Y):
    X = as_float_array(X, "X", ndim=2)
    Y = as_float_array(Y, "Y", ndim=(1, 2), allow_empty=True)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape[1] == 0:
        raise ValueError(f"Y must have D ≥ 1 output columns, got shape {Y.shape}")
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows (samples), got X {X.shape} "
                         f"and Y {Y.shape}")
    if Y.size == 0:
        raise ValueError(f"Y must not be empty, got shape {Y.shape}")
    return X, Y


def _check_alphas(alpha):
    arr = np.asarray(alpha)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
        raise TypeError(f"alpha must be a real number or a 1-D array of them, got {alpha!r}")
    arr = arr.astype(np.float64)
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(f"alpha must be a scalar or a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"alpha must be finite and > 0, got {alpha!r}")
    return arr


def alpha_max(X, Y, *, fit_intercept: bool = False) -> float:
    """Smallest α with B* = 0: maxⱼ ‖X_jᵀY‖₂ / N (after centring when ``fit_intercept``).

    Examples
    --------
    >>> alpha_max([[1.0], [0.0]], [[3.0, 4.0], [0.0, 0.0]])
    2.5
    """
    X, Y = _validate(X, Y)
    if fit_intercept:
        X, Y = X - X.mean(0), Y - Y.mean(0)
    return float(np.max(np.linalg.norm(X.T @ Y, axis=1)) / X.shape[0])


def multitask_lasso_objective(X, Y, coef, alpha, intercept=None) -> float:
    """P(B) = 1/(2N)‖Y − XB − 1b₀ᵀ‖²_F + α Σⱼ‖Bⱼ‖₂ (scikit-learn's ``MultiTaskLasso`` objective).

    ``coef`` has shape (p, D) (scikit-learn's ``coef_.T``).

    Examples
    --------
    >>> multitask_lasso_objective([[1.0], [1.0]], [[1.0], [3.0]], [[2.0]], 0.5)
    1.5
    """
    X, Y = _validate(X, Y)
    B = as_float_array(coef, "coef", ndim=(1, 2)).reshape(X.shape[1], Y.shape[1])
    alpha = float(_check_alphas(alpha))
    R = Y - X @ B
    if intercept is not None:
        R = R - as_float_array(intercept, "intercept", ndim=(0, 1)).reshape(1, -1)
    return float(0.5 * np.sum(R * R) / X.shape[0] + alpha * np.sum(np.linalg.norm(B, axis=1)))


class _Problem:
    """Centred, transposed data and the cached per-feature quantities."""

    def __init__(self, X, Y, fit_intercept):
        self.N, self.p = X.shape
        self.D = Y.shape[1]
        if fit_intercept:
            self.xm, self.ym = X.mean(0), Y.mean(0)
            Y = Y - self.ym
        else:
            self.xm, self.ym = np.zeros(self.p), np.zeros(self.D)
        self.XT = np.array(X.T, order="C")             # the one copy of the design
        if fit_intercept:
            self.XT -= self.xm[:, None]
        self.Y = np.ascontiguousarray(Y)
        self.YT = np.ascontiguousarray(Y.T)
        self.lips = np.einsum("ij,ij->i", self.XT, self.XT)
        self.xnorm = np.sqrt(self.lips)
        self.ynorm2 = float(np.sum(Y * Y))

    def primal(self, R, B, alpha):
        return 0.5 * float(np.sum(R * R)) / self.N + alpha * float(np.sum(np.linalg.norm(B, axis=1)))

    def dual_scale(self, R, alpha, xtr_norms):
        return max(self.N * alpha, float(xtr_norms.max()) if xtr_norms.size else 0.0)

    def dual(self, R, alpha, scale):
        # D(θ) at θ = R/scale: α⟨θ, Y⟩ − (N α²/2)‖θ‖²; t = α/scale ≤ 1/N (α² overflowed)
        t = alpha / scale
        return t * float(np.sum(R * self.YT)) - 0.5 * self.N * t * t * float(np.sum(R * R))


def _solve_one(prob, alpha, B, R, *, tol, max_iter, ws_start, screening, use_ws):
    """Working-set / screening solve at one α, in place on (B, R). Returns (gap, n_iter, ok)."""
    N, p = prob.N, prob.p
    nalpha = N * alpha
    thresh = tol * prob.ynorm2 / N
    alive = prob.lips > 0                               # features not yet screened out
    n_iter = 0
    ws_floor = ws_start
    gap = prev_gap = np.inf
    dbest, xtr_best = -np.inf, None                     # best feasible dual point so far
    while True:
        xtr = np.linalg.norm(prob.XT @ R.T, axis=1) if p else np.zeros(0)
        scale = prob.dual_scale(R, alpha, xtr)
        pobj = prob.primal(R, B, alpha)
        dval = prob.dual(R, alpha, scale)
        if dval > dbest:                                 # D(θ) ≤ min P for every feasible θ
            dbest, xtr_best = dval, xtr / scale
        gap = pobj - dbest
        if gap <= thresh:
            return gap, n_iter, True
        if n_iter >= max_iter:
            return gap, n_iter, False
        if screening:
            # gap-safe sphere around the best dual point θ_b: ‖θ* − θ_b‖ ≤ √(2(P − D(θ_b))/(Nα²))
            radius = np.sqrt(2.0 * max(gap, 0.0) / N) / alpha
            screened = xtr_best + prob.xnorm * radius < 1.0
            if np.any(screened & alive):
                kill = screened & alive
                nz = kill & np.any(B != 0, axis=1)
                if np.any(nz):                               # safe: B*_j = 0, move B_j there now
                    idx = np.nonzero(nz)[0]
                    R += B[idx].T @ prob.XT[idx]
                    B[idx] = 0.0
                alive &= ~screened
        support = np.any(B != 0, axis=1)
        n_alive = int(alive.sum())
        # working set (celer's pruning): the support and the strongest violators, twice the
        # support's size; the floor doubles only when an outer round did not halve the gap
        if gap > 0.5 * prev_gap:
            ws_floor = min(2 * ws_floor, max(n_alive, 1))
        prev_gap = gap
        k = min(n_alive, max(ws_floor, 2 * int(support.sum())))
        if use_ws and n_alive > k:
            score = np.where(alive, xtr / scale, -np.inf)
            score[support] = np.inf
            ws = np.sort(np.argpartition(-score, k - 1)[:k])
        else:
            ws = np.nonzero(alive)[0]
        ws = np.ascontiguousarray(ws, dtype=np.int64)
        # inner solve on the working set: its own gap ≤ max(0.3·outer gap, target)
        inner_thresh = max(0.3 * gap, 0.5 * thresh) if len(ws) < n_alive else thresh
        xtr_ws = np.empty(len(ws))
        while n_iter < max_iter:
            # K sweeps, then an Anderson extrapolation of the iterates (accepted only if it
            # lowers the objective; Bertrand & Massias, AISTATS 2021, for CD on the group lasso)
            hist = np.empty((_ANDERSON + 1, len(ws) * prob.D))
            hist[0] = B[ws].ravel()
            for h in range(_ANDERSON):
                _k.bcd_epochs(prob.XT, R, B, ws, prob.lips, nalpha, 1)
                hist[h + 1] = B[ws].ravel()
            n_iter += _ANDERSON
            U = np.diff(hist, axis=0)
            G = U @ U.T
            try:
                z = np.linalg.solve(G + 1e-10 * np.trace(G) * np.eye(_ANDERSON) + 1e-300, np.ones(_ANDERSON))
            except np.linalg.LinAlgError:
                z = None
            if z is not None and np.all(np.isfinite(z)) and z.sum() != 0:
                Bex = ((z / z.sum()) @ hist[1:]).reshape(len(ws), prob.D)
                Rex = R.copy()
                _k.residual_update(prob.XT, Rex, ws, np.ascontiguousarray(B[ws] - Bex))
                Bfull_norm = float(np.sum(np.linalg.norm(B[ws], axis=1)))
                p_old = 0.5 * float(np.sum(R * R)) / N + alpha * Bfull_norm
                p_new = 0.5 * float(np.sum(Rex * Rex)) / N + alpha * float(np.sum(np.linalg.norm(Bex, axis=1)))
                if p_new < p_old:
                    B[ws] = Bex
                    R[...] = Rex
            _k.group_norms_xtr(prob.XT, R, ws, xtr_ws)
            sc = max(nalpha, float(xtr_ws.max()) if len(ws) else 0.0)
            # gap of the working-set problem (θ feasible there only); the full check is outside
            g_ws = prob.primal(R, B, alpha) - prob.dual(R, alpha, sc)
            if g_ws <= inner_thresh:
                break


def multitask_lasso(X, Y, alpha, *, fit_intercept: bool = False, tol: float = 1e-6,
                    max_iter: int = 100_000, coef_init=None, working_set: bool = True,
                    screening: bool = True) -> MultiTaskLassoResult:
    """Solve the multi-task (group) lasso at one α or along a path of α's.

    Parameters
    ----------
    X : array (N, p)
        Design matrix (features in columns).
    Y : array (N, D) or (N,)
        Targets, D ≥ 1.
    alpha : float > 0 or 1-D array of them
        Regularisation in scikit-learn's scaling (module docstring).  An array is solved
        from the largest to the smallest α with warm starts and returned in the given
        order.
    fit_intercept : bool
        Unpenalised intercept (X and Y centred), as scikit-learn's ``fit_intercept``.
    tol : float
        Stop when the duality gap ≤ tol·‖Y‖²_F/N (scikit-learn's rule).
    max_iter : int
        Maximum number of block-coordinate-descent sweeps (per α).
    coef_init : array (p, D), optional
        Warm start (for the largest α of a path).
    working_set, screening : bool
        Switch off the working-set strategy / gap-safe screening (both give the same
        solution; the switches exist for tests and benchmarks).

    Returns
    -------
    MultiTaskLassoResult

    Raises
    ------
    ValueError, TypeError
        Bad shapes (D = 0, mismatched rows), non-finite data, α ≤ 0, bad tol/max_iter.

    Warns
    -----
    LassoConvergenceWarning
        If the gap is above the tolerance after ``max_iter`` sweeps.

    Examples
    --------
    One feature, closed form B = (1 − Nα/‖xᵀY‖)₊ xᵀY/‖x‖²: with xᵀY = (3, 4), N = 2,
    α = 1, B = (1 − 2/5)(3, 4) = (1.8, 2.4):

    >>> r = multitask_lasso([[1.0], [0.0]], [[3.0, 4.0], [0.0, 0.0]], 1.0, tol=1e-12)
    >>> np.round(r.coef, 12).tolist(), r.duality_gap <= 1e-12
    ([[1.8, 2.4]], True)
    """
    X, Y = _validate(X, Y)
    alphas = np.atleast_1d(_check_alphas(alpha))
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    amax = alpha_max(X, Y, fit_intercept=fit_intercept)
    if alphas.min() < 1e-12 * amax:
        # below ~1e-12 alpha_max the group lasso is the minimum-norm interpolation to rounding
        # and block coordinate descent cannot reach the tolerance in any number of sweeps
        raise ValueError(f"alpha must be >= 1e-12 alpha_max = {1e-12 * amax:.3g}, got {alphas.min():.3g}")
    prob = _Problem(X, Y, fit_intercept)
    B = np.zeros((prob.p, prob.D))
    if coef_init is not None:
        B = as_float_array(coef_init, "coef_init", ndim=2, copy=True)
        if B.shape != (prob.p, prob.D):
            raise ValueError(f"coef_init must have shape ({prob.p}, {prob.D}), got {B.shape}")
        B = np.ascontiguousarray(B)
    R = prob.YT.copy()                                      # residual, transposed (D, N)
    if np.any(B):
        R -= B.T @ prob.XT
    order = np.argsort(-alphas, kind="stable")
    n = len(alphas)
    coefs = np.empty((n, prob.p, prob.D))
    objs, gaps, iters, oks = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64), np.empty(n, dtype=bool)
    for i in order:
        a = float(alphas[i])
        with _k.single_blas_thread():        # level-2 sized BLAS calls: threads only add sync
            gap, it, ok = _solve_one(prob, a, B, R, tol=tol, max_iter=max_iter, ws_start=10,
                                     screening=screening, use_ws=working_set)
        coefs[i] = B
        objs[i] = prob.primal(R, B, a)
        gaps[i], iters[i], oks[i] = gap, it, ok
        if not ok:
            warnings.warn(f"multitask_lasso did not converge at alpha={a:g}: duality gap {gap:.3g} > "
                          f"{tol * prob.ynorm2 / prob.N:.3g} after {it} sweeps; raise max_iter or tol",
                          LassoConvergenceWarning, stacklevel=2)
    intercepts = prob.ym[None, :] - np.einsum("p,npd->nd", prob.xm, coefs)
    if np.ndim(alpha) == 0:
        return MultiTaskLassoResult(coefs[0], intercepts[0], float(alphas[0]), float(objs[0]),
                                    float(gaps[0]), int(iters[0]), bool(oks[0]))
    return MultiTaskLassoResult(coefs, intercepts, alphas, objs, gaps, iters, oks)


def multitask_lasso_path(X, Y, alphas=None, *, n_alphas: int = 100, eps: float = 1e-3,
                         fit_intercept: bool = False, **kwargs) -> MultiTaskLassoResult:
    """The multi-task lasso along a decreasing α grid (warm starts, screening).

    The default grid is scikit-learn's: ``n_alphas`` values log-spaced from
    :func:`alpha_max` down to ``eps·alpha_max``.  Other keywords go to
    :func:`multitask_lasso`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((20, 8)), rng.standard_normal((20, 3))
    >>> path = multitask_lasso_path(X, Y, n_alphas=5, tol=1e-10)
    >>> path.support.sum(axis=1).tolist()[0], bool(np.all(path.duality_gap <= 1e-10 * np.sum(Y**2) / 20))
    (0, True)
    """
    X, Y = _validate(X, Y)
    if alphas is None:
        n_alphas = check_int(n_alphas, "n_alphas", minimum=1)
        eps = check_positive(eps, "eps")
        amax = alpha_max(X, Y, fit_intercept=fit_intercept)
        if amax == 0:
            raise ValueError("alpha_max = 0 (X'Y = 0): every alpha gives B = 0")
        alphas = np.geomspace(amax, amax * eps, n_alphas)
    else:
        alphas = np.atleast_1d(_check_alphas(alphas))
    return multitask_lasso(X, Y, alphas, fit_intercept=fit_intercept, **kwargs)
