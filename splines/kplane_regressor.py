"""Data fitting with multivariate-nonlinearity neurons ρ(Θᵀx − t), Θ ∈ V_n(ℝᵈ).

Problem (arXiv 2310.03696, docs/theory/multivariate.md [unverified as the paper's exact norm]; the
finite-network norm is Σⱼ‖vⱼ‖ for distinct k-planes)::

    minimise  1/(2N) Σᵢ ‖f(xᵢ) − yᵢ‖²₂ + α Σⱼ ‖vⱼ‖₂ ,
    f(x) = Σⱼ vⱼ ρ(Θⱼᵀx − tⱼ) + p(x),   Θⱼ ∈ V_n(ℝᵈ) (orthonormal columns), tⱼ ∈ ℝⁿ,

with p an unpenalised polynomial (the null space, the "skip connection") and ρ one of

* ``"relu"``: ρ(z) = max(z, 0), n = 1 (hyperplanes, the Radon case);
* ``"norm"``: ρ(y) = ‖y‖₂ on ℝⁿ;
* ``"polyharmonic"``: ρ(y) = ‖y‖^{g−n} (× log‖y‖ when g − n is even), order g > n.

(The raw profiles of :mod:`nets.activations`; the Green's-function factor κ that turns
Σ‖vⱼ‖ into the space's norm is :meth:`nets.ShallowNetwork.kplane_norm`.)  Over a finite set
of atoms the problem is the multi-task lasso (:func:`splines.multitask_lasso`, after
projecting out the polynomials).  Over all atoms the dual problem has the constraint
η(Θ, t) = ‖φ(Θ, t)ᵀR‖₂/(Nα) ≤ 1 for every atom, φ the (projected) feature column and
R the residual: the *dual certificate*.

Solver (conditional gradient with full corrections, "add the most violating atom, then
re-optimise"; Bredies & Pikkarainen 2013, Boyd, Schiebinger & Recht 2017 for the
sliding step):

1. solve the lasso over the current atoms (warm start), drop atoms with vⱼ = 0;
2. search the certificate: η on ``n_candidates`` random frames (Haar on V_n) with
   offsets at data projections Θᵀxᵢ, then L-BFGS refinement of the best few in
   (Θ, t) (Θ through the QR retraction of an unconstrained d×n matrix);
3. stop if max η ≤ 1 + tol, else add the maximiser;
4. ("sliding") jointly refine all (Θⱼ, tⱼ, vⱼ) by L-BFGS on the objective, then go to 1.

Gap: θ = R/(Nα·max(1, η_max)) is dual feasible as far as the search found the maximum of
η, and ``duality_gap_`` = P − D(θ) is the resulting bound (module :mod:`splines.multitask`
for D); ``certificate_.dual_sup`` is η_max, and ``certificate_.covers`` is "sampled" (the
search finds a lower bound of the true max of η).  The representer bound of the TL;DR of 2310.03696
([secondary], docs/theory/multivariate.md) is "at most N − dim P atoms" for scalar outputs; the
fitted ``n_atoms_`` is reported beside ``atom_bound_`` = (N − dim P)·D.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import as_float_array, as_generator
from ridgekit.kplane.stiefel import stiefel_sample
from ridgekit.nets.network import ShallowNetwork

from ._certificate import Certificate
from ._estimator import RANDOM_STATE, NetworkRegressor
from .multitask import multitask_lasso
from .polyharmonic import _expand_raw, _monomials, monomial_powers

__all__ = ["KPlaneRegressor", "frame_distance"]

PROFILES = ("relu", "norm", "polyharmonic")


def frame_distance(A, B) -> float:
    """‖AAᵀ − BBᵀ‖_F/√2: the Euclidean norm of the sines of the principal angles between
    span(A) and span(B) (A, B (d, n) orthonormal); 0 iff the subspaces coincide.

    Examples
    --------
    >>> frame_distance(np.eye(3)[:, :2], np.eye(3)[:, [1, 0]])
    0.0
    >>> round(frame_distance(np.eye(3)[:, :1], np.eye(3)[:, 1:2]), 12)
    1.0
    """
    A = as_float_array(A, "A", ndim=2)
    B = as_float_array(B, "B", ndim=2)
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {A.shape} and {B.shape}")
    return float(np.linalg.norm(A @ A.T - B @ B.T) / np.sqrt(2))


def _retract(A):
    """Orthonormal Θ from an unconstrained d×n matrix (QR with positive diag(R))."""
    Q, R = np.linalg.qr(A)
    s = np.sign(np.diag(R))
    s[s == 0] = 1.0
    return Q * s


class KPlaneRegressor(NetworkRegressor):
    """Sparse fitting with k-plane neurons ρ(Θᵀx − t) by conditional gradient with a gap.

    Parameters
    ----------
    alpha : float > 0
        Weight of Σⱼ‖vⱼ‖₂ (data term 1/(2N)Σ‖·‖², module docstring).
    n : int
        Codimension of the planes (inputs of ρ), 1 ≤ n ≤ d (checked in ``fit``).
    profile : {"relu", "norm", "polyharmonic"}
        Activation profile; "relu" needs n = 1.
    order : float, optional
        g for "polyharmonic" (default :math:`n + 3: ρ = |y|³`; the thin plate :math:`|y|² log|y|` is
        order = n + 2).
    degree : int, optional
        Degree of the unpenalised polynomial; default 1 (affine) for relu and norm, and
        max(1, the profile's conditional-positive-definiteness degree) for polyharmonic.
    max_atoms : int
        Maximum number of conditional-gradient iterations (atoms added).
    n_candidates : int
        Random frames per certificate search.
    n_refine : int
        Best candidates refined by L-BFGS per search.
    tol : float
        Stop when max η ≤ 1 + tol.
    sliding : bool
        Joint refinement of all atoms after each insertion.
    lasso_tol : float
        ``tol`` of the inner multi-task lasso.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    network_ : nets.ShallowNetwork (frames (m, d, n), offsets (m, n), weights (m, D) or (m,),
        polynomial skip in raw monomials).
    frames_, offsets_, coef_ : the atoms and their output weights.
    objective_, duality_gap_ : module docstring.
    certificate_ : Certificate
        ``dual_sup`` = η_max, ``covers == "sampled"`` (module docstring).
    n_atoms_, atom_bound_ : atoms used and the representer bound.
    history_ : list of dicts (iteration, objective, certificate, n_atoms).

    Examples
    --------
    A planted ReLU ridge in d = 2: the main atom has the planted direction and offset,
    and the certificate closes (max η ≤ 1 + tol):

    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (80, 2)); u = np.array([0.6, 0.8])
    >>> y = np.maximum(X @ u - 0.1, 0)
    >>> est = KPlaneRegressor(alpha=1e-4, n=1, profile="relu", random_state=0).fit(X, y)
    >>> i = int(np.argmax(np.abs(est.coef_[:, 0])))
    >>> bool(frame_distance(est.frames_[i], u[:, None]) < 1e-3), est.certificate_.dual_sup <= 1 + est.tol
    (True, True)
    """

    _multi_output = True
    _parameter_constraints = {
        "alpha": [Interval(Real, 0, np.inf, closed="neither")],
        "n": [Interval(Integral, 1, None, closed="left")],
        "profile": [StrOptions(set(PROFILES))],
        "order": [None, Interval(Real, 0, np.inf, closed="neither")],
        "degree": [None, Interval(Integral, 0, None, closed="left")],
        "max_atoms": [Interval(Integral, 1, None, closed="left")],
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "n_refine": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, np.inf, closed="left")],
        "sliding": ["boolean"],
        "lasso_tol": [Interval(Real, 0, np.inf, closed="neither")],
        "random_state": RANDOM_STATE,
    }

    def __init__(self, alpha=1e-3, *, n=1, profile="relu", order=None, degree=None, max_atoms=20,
                 n_candidates=2000, n_refine=3, tol=1e-3, sliding=True, lasso_tol=1e-10, random_state=None):
        self.alpha = alpha
        self.n = n
        self.profile = profile
        self.order = order
        self.degree = degree
        self.max_atoms = max_atoms
        self.n_candidates = n_candidates
        self.n_refine = n_refine
        self.tol = tol
        self.sliding = sliding
        self.lasso_tol = lasso_tol
        self.random_state = random_state

    # ------------------------------------------------------------------ set-up
    def _activation(self, n):
        from ridgekit.nets.activations import get_activation
        if self.profile == "relu":
            if n != 1:
                raise ValueError(f"profile 'relu' needs n = 1, got n = {n}")
            act = get_activation("relu")
            return act, 1 if self.degree is None else self.degree
        if self.profile == "norm":
            if self.order is not None:
                raise ValueError("order is only used with profile='polyharmonic'")
            return get_activation("norm"), 1 if self.degree is None else self.degree
        g = n + 3 if self.order is None else self.order
        act = get_activation("polyharmonic", order=g)
        act.check_inputs(n)
        beta, is_log = act.homogeneity(n)
        # conditionally positive definite of order β/2 + 1 (log) or ⌈β/2⌉ (Fasshauer Ch. 8)
        mind = int(beta) // 2 if is_log else max(int(np.ceil(beta / 2)) - 1, 0)
        return act, max(1, mind) if self.degree is None else self.degree

    def _features(self, X, Thetas, ts):
        """Projected features (N, c) for frames (c, d, n) and offsets (c, n)."""
        Z = np.einsum("id,cdn->cin", X, Thetas) - ts[:, None, :]
        F = self._act(Z).T                                  # (N, c)
        return F - self._Q @ (self._Q.T @ F)

    def _eta(self, X, R, Theta, t):
        phi = self._features(X, Theta[None], t[None])[:, 0]
        return float(np.linalg.norm(phi @ R)) / (self._N * self._alpha)

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Fit to inputs X (N, d) and targets y (N,) or (N, D)."""
        self._validate_params()
        X, Y, _ = self._validate_fit_data(X, y)
        scalar = Y.ndim == 1
        Y = Y.reshape(len(Y), -1)
        N, d = X.shape
        D = Y.shape[1]
        n = int(self.n)
        if not 1 <= n <= d:
            raise ValueError(f"n must satisfy 1 ≤ n ≤ d = {d}, got n = {n}")
        act, degree = self._activation(n)
        alpha, max_atoms, tol = float(self.alpha), int(self.max_atoms), float(self.tol)
        n_cand, n_refine = int(self.n_candidates), int(self.n_refine)
        rng = as_generator(self.random_state)
        self._act, self._N, self._alpha = act, N, alpha

        powers = monomial_powers(d, degree)
        if N < len(powers):
            raise ValueError(f"at least {len(powers)} data points are needed for the degree-{degree} polynomial "
                             f"part in d = {d}, got n_samples = {N}")
        lo, hi = X.min(0), X.max(0)
        shift, scale = (hi + lo) / 2, np.where(hi > lo, (hi - lo) / 2, 1.0)
        P = _monomials(X, powers, shift, scale)
        if np.linalg.matrix_rank(P) < len(powers):
            raise ValueError(f"the data are not unisolvent for polynomials of degree {degree}")
        self._Q, _ = np.linalg.qr(P)
        Yp = Y - self._Q @ (self._Q.T @ Y)

        Thetas = np.zeros((0, d, n))
        ts = np.zeros((0, n))
        B = np.zeros((0, D))
        history = []
        R = Yp.copy()
        eta = np.inf
        for it in range(max_atoms + 1):
            # 2. certificate search
            eta, Th_new, t_new = self._search(X, R, n_cand, n_refine, rng)
            history.append({"iteration": it, "objective": self._primal(R, B), "certificate": eta,
                            "n_atoms": len(ts)})
            if eta <= 1 + tol or it == max_atoms:
                break
            # 3. insert, 1. re-solve the lasso over all atoms
            Thetas = np.concatenate([Thetas, Th_new[None]])
            ts = np.concatenate([ts, t_new[None]])
            B = np.vstack([B, np.zeros((1, D))])
            Thetas, ts, B, R = self._lasso(X, Yp, Thetas, ts, B)
            if self.sliding and len(ts):
                Thetas, ts, B = self._slide(X, Yp, Thetas, ts, B)
                Thetas, ts, B, R = self._lasso(X, Yp, Thetas, ts, B)
        # gap with the certificate-scaled dual point
        scale_d = N * alpha * max(1.0, eta)
        pobj = self._primal(R, B)
        dobj = alpha * float(np.sum(R * Yp)) / scale_d - 0.5 * N * alpha ** 2 * float(np.sum(R * R)) / scale_d ** 2
        # polynomial part: least squares of the remaining residual
        F = self._features(X, Thetas, ts) if len(ts) else np.zeros((N, 0))
        raw = np.einsum("id,cdn->cin", X, Thetas) - ts[:, None, :]
        Fr = act(raw).T if len(ts) else np.zeros((N, 0))
        gamma, *_ = np.linalg.lstsq(P, Y - Fr @ B, rcond=None)
        del F
        skip = {"powers": powers, "coef": _expand_raw(powers, gamma, shift, scale)}
        V = B[:, 0] if scalar else B
        if scalar:
            skip["coef"] = skip["coef"][:, :1]
        W = Thetas[:, :, 0] if self.profile == "relu" else Thetas
        b = ts[:, 0] if self.profile == "relu" else ts
        self.network_ = ShallowNetwork(W, b, V, skip=skip, activation=act)
        self.frames_, self.offsets_, self.coef_ = Thetas, ts, B
        self.objective_ = pobj
        self.duality_gap_ = float(pobj - dobj)
        self.certificate_ = Certificate.from_gap(
            pobj, self.duality_gap_, covers="sampled",
            problem=f"1/(2N)Σ‖f(xᵢ) − yᵢ‖² + αΣ‖vⱼ‖ over {self.profile} k-plane neurons (polynomial part free)",
            method=f"η maximised over {n_cand} random frames and {n_refine} L-BFGS refinements (lower bound of "
                   "the true max of η); dual point R/(Nα max(1, η))", dual_sup=float(eta),
            details={"n_atoms": len(ts), "iterations": len(history)})
        self.n_atoms_ = len(ts)
        self.atom_bound_ = (N - len(powers)) * D
        self.history_ = history
        self.n_features_in_ = d
        return self

    def _primal(self, R, B):
        return 0.5 * float(np.sum(R * R)) / self._N + self._alpha * float(np.sum(np.linalg.norm(B, axis=1)))

    def _lasso(self, X, Yp, Thetas, ts, B):
        F = self._features(X, Thetas, ts)
        res = multitask_lasso(F, Yp, self._alpha, tol=self.lasso_tol, coef_init=B, max_iter=200_000)
        B = res.coef
        keep = np.any(B != 0, axis=1)
        Thetas, ts, B = Thetas[keep], ts[keep], B[keep]
        R = Yp - F[:, keep] @ B
        return Thetas, ts, B, R

    def _search(self, X, R, n_cand, n_refine, rng):
        N, d = X.shape
        n = int(self.n)
        Th = stiefel_sample(d, n, n_cand, rng=rng)
        idx = rng.integers(0, N, n_cand)
        ts = np.einsum("cd,cdn->cn", X[idx], Th)
        etas = np.empty(n_cand)
        for c0 in range(0, n_cand, 500):
            F = self._features(X, Th[c0:c0 + 500], ts[c0:c0 + 500])
            etas[c0:c0 + 500] = np.linalg.norm(F.T @ R, axis=1) / (N * self._alpha)
        tmax = 1.5 * float(np.max(np.linalg.norm(X, axis=1)))     # offsets stay near the data
        bounds = [(-2.0, 2.0)] * (d * n) + [(-tmax, tmax)] * n
        best = np.argsort(-etas)[:max(n_refine, 1)]
        out = (etas[best[0]], Th[best[0]], ts[best[0]])
        for c in best[:n_refine]:
            x0 = np.concatenate([Th[c].ravel(), ts[c]])
            f = lambda z: -self._eta(X, R, _retract(z[:d * n].reshape(d, n)), z[d * n:])
            r = minimize(f, x0, method="L-BFGS-B", bounds=bounds, options={"maxiter": 200})
            if np.isfinite(r.fun) and -r.fun > out[0]:
                out = (-r.fun, _retract(r.x[:d * n].reshape(d, n)), r.x[d * n:].copy())
        return out

    def _slide(self, X, Yp, Thetas, ts, B):
        m, d, n = Thetas.shape
        D = B.shape[1]
        N, alpha = self._N, self._alpha

        def unpack(z):
            A = z[:m * d * n].reshape(m, d, n)
            T = z[m * d * n:m * d * n + m * n].reshape(m, n)
            V = z[m * d * n + m * n:].reshape(m, D)
            return np.stack([_retract(a) for a in A]), T, V

        def obj(z):
            Th, T, V = unpack(z)
            R = Yp - self._features(X, Th, T) @ V
            return 0.5 * float(np.sum(R * R)) / N + alpha * float(np.sum(np.sqrt(np.sum(V * V, 1) + 1e-30)))

        z0 = np.concatenate([Thetas.ravel(), ts.ravel(), B.ravel()])
        tmax = 1.5 * float(np.max(np.linalg.norm(X, axis=1)))
        bounds = [(-2.0, 2.0)] * (m * d * n) + [(-tmax, tmax)] * (m * n) + [(None, None)] * (m * D)
        r = minimize(obj, z0, method="L-BFGS-B", bounds=bounds, options={"maxiter": 100})
        if np.isfinite(r.fun) and r.fun < obj(z0):
            return unpack(r.x)
        return Thetas, ts, B

