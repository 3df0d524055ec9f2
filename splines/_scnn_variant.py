r"""scnn's weight-decay problem (bias penalised, no skip) by neuron column generation.

Problem (the convex ReLU program of Pilanci & Ergen, arXiv 2002.10553, as
implemented by ``scnn`` — pilancilab/scnn, PyPI ``pyscnn`` — with ``bias=True``,
``NeuronGL1(lam)`` and no skip connection; docs/theory/representer.md §Convex
reformulation).  With x̃ = (x, 1) ∈ ℝ^{d+1}:

.. math::

    F = \frac{1}{2N}\Big\|\sum_k v_k [\tilde w_k^\top \tilde x_i]_+ - y\Big\|^2
        + \lambda \sum_k |v_k|\,\|\tilde w_k\|_2 ,
    \qquad \tilde w_k = (w_k, b_k),

i.e. f(x) = Σₖ vₖ[wₖᵀx + bₖ]₊ — the bias enters with a **plus** sign, as in scnn, and is
inside the penalty.  The scaling is scnn's [code, pilancilab/scnn
scnn/private/models/convex/al/al_mlp.py ``_objective`` and private/models/model.py
``_scaling``]: ``squared_error`` is the plain sum of squares (its docstring's ½ is not in
the code), divided by 2·``len(y)`` = 2N for one output, plus
``group_l1_penalty`` = λ Σᵢ ‖Uᵢ‖₂ over the convex blocks, each block holding the weights
*and* the bias (``process_data`` appends a ones column).  A convex block u = |v|·w̃ maps to
the neuron above with ‖u‖ = |v|‖w̃‖ (scnn's ``relu_solution_mapping``), so this is
scnn's convex objective; its non-convex twin is the weight-decay objective
(1/2N)‖·‖² + (λ/2)Σₖ(‖w̃ₖ‖² + vₖ²) [AM–GM rescaling, docs/theory/vv.md].  scnn's default
``unitize_data=True`` rescales the columns of [X, 1] first, which changes the penalty:
the problem here is the one with ``unitize_data=False``.

Reduction [derived].  ReLU is positively homogeneous, so every neuron is
|v|‖w̃‖ · [ŵᵀx̃]₊ with ŵ = w̃/‖w̃‖ on the unit sphere S^d of ℝ^{d+1}; multiplying F by N,

    min_a  ½‖Σₖ aₖ φ_{ŵₖ}(X̃) − y‖² + μ Σₖ |aₖ|,   φ_ŵ(x̃) = [ŵᵀx̃]₊,  μ = Nλ,

a lasso over the continuous dictionary of *central* ReLU atoms, with no unpenalised
part (unlike :mod:`splines.ridge`, where the bias and an affine skip are free).  Its
dual constraint: r = y − f is optimal iff s(r) = sup_{‖ŵ‖=1} |Σᵢ rᵢ[ŵᵀx̃ᵢ]₊| ≤ μ, with
equality and the sign of aₖ on every atom.  Any ρ with s(ρ) ≤ μ gives the lower bound
D(ρ) = ρᵀy − ½‖ρ‖² (Fenchel–Young); the certificate uses ρ = r·min(1, μ/s(r)), so the
reported gap (P − D)/N is a true bound on the distance to the optimum when s is exact.
λ_max = s(y)/N: for λ ≥ λ_max the zero network is optimal.  Only ŵ in the span of
the x̃ᵢ matter (a component outside adds to the norm and nothing to the features), so
the atoms live on the unit sphere of that span (coordinates E, orthonormal).

Method (the column generation of :mod:`splines._ridge_neurons`, central case):

1. *Restricted problem.*  On the current atoms the finite lasso
   min ½aᵀGa − qᵀa + μ‖a‖₁ (G = ΦᵀΦ, q = Φᵀy) is solved exactly by
   :func:`splines._ridge_neurons.lasso_exact` (feature-sign search), with no affine
   projection.
2. *Merge.*  Atoms with the same activation pattern on the data and the same sign are
   one: on the closed cone of the pattern, ŵ ↦ D X̃ ŵ is linear, so Σ|aₖ|φₖ = ‖u‖φ_{u/‖u‖}
   on the data with u = Σ|aₖ|ŵₖ, and ‖u‖ ≤ Σ|aₖ| (the merged direction keeps the
   pattern: on points get positive, off points non-positive combinations).  This is
   :func:`splines._ridge_neurons.merge_atoms` with zero offsets.  It is the step that
   the per-pattern blocks of the Pilanci–Ergen program perform implicitly.
3. *Pricing* of s(r): ``n_patterns`` random directions on the sphere (each one an
   activation pattern: the "pattern budget", as scnn's sampled gates), the best of them
   and the current atoms refined by a central fixed-point ascent (:func:`_ascent`: on the
   cell of ŵ, h(ŵ) = Σᵢ rᵢ[ŵᵀx̃ᵢ]₊ = aᵀŵ with a = Σ_{ŵᵀx̃ᵢ>0} rᵢx̃ᵢ, maximised on the
   sphere by sign(h)·a/‖a‖; a move is kept only if |h| grew).  The best ``max_new``
   violators enter.  When the sampled sup falls to 1 + tol and the span has dimension
   m ≤ 3 (d ≤ 2) with at most ``exact_max_n`` distinct points, the sup is computed
   *exactly* (:func:`_exact_sup`) and its violators, if any, enter instead.
4. *Slide.*  With sampled pricing, a local L-BFGS descent of the non-convex objective
   ½‖Σₖ sₖ[X̃uₖ]₊ − y‖² + μΣₖ‖uₖ‖ in all neurons at once (fixed signs; sliding
   Frank–Wolfe, Denoyelle, Duval, Peyré & Soubies, Inverse Problems 36 (2020) 014001),
   kept only if it lowers the objective.

Exact sup for m ≤ 3 [derived; the argument of :mod:`splines._vv_certificate` with the
anchor at the origin].  h is positively homogeneous and linear on each face of the
central arrangement of the planes {ŵ : ŵᵀx̃ᵢ = 0}; a maximiser of |h| on the sphere lies
in the relative interior of a vertex, an arc or a cell, and on an arc or a cell it is
the (signed) normalised linear piece, i.e. the top right singular vector of the face's
1 × m matrix.  So the candidates of ``_anchor_candidates(Y, r, tie_tol)`` with Y = the
x̃ᵢ in span coordinates (vertices, arc and cell stationary points), each evaluated
*exactly* (h at the candidate, not the linear model), contain a maximiser.  For m > 3
(d ≥ 3) the sup is sampled: a lower bound, and the certificate says ``exact: False``.

References: Pilanci & Ergen, "Neural networks are convex regularizers", ICML 2020
(arXiv 2002.10553) §3; pilancilab/scnn (objective convention above).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from ridgekit._validation import as_float_array, as_generator, check_int, check_positive

from ._ridge_kernels import central_sup_3 as _exact3_kernel
from ._ridge_neurons import lasso_exact, merge_atoms

__all__ = ["solve_weight_decay_variant", "weight_decay_objective", "weight_decay_lam_max",
           "WeightDecayFit"]

_CHUNK = 2_000_000                      # entries of a (directions × points) block


class WeightDecayFit(NamedTuple):
    """Result of :func:`solve_weight_decay_variant`.

    f(x) = Σₖ v[k]·[W[k]ᵀx + b[k]]₊ with ‖(W[k], b[k])‖₂ = 1 (scnn's sign of the bias);
    ``objective`` in scnn's convention (:func:`weight_decay_objective`); ``certificate``
    with keys ``sup`` (s(r)/(Nλ), ≤ 1 at the optimum), ``exact`` (whether that sup is
    exact), ``gap`` (primal − dual, scnn units), ``relative_gap`` and ``lam_max``;
    ``info`` with iteration counts and histories.
    """

    W: np.ndarray
    b: np.ndarray
    v: np.ndarray
    objective: float
    certificate: dict
    info: dict

    def predict(self, X):
        """Network outputs at X (M, d)."""
        X = as_float_array(X, "X", ndim=2, allow_empty=True)
        return np.maximum(X @ self.W.T + self.b[None, :], 0.0) @ self.v

    def network(self):
        """The fit as a :class:`nets.ShallowNetwork` (neurons [wᵀx − (−b)]₊ with unit
        (w, b); an atom with w = 0 is the constant v[b]₊ and goes into the skip's c₀)."""
        from ridgekit.nets.network import ShallowNetwork

        d = self.W.shape[1]
        nz = np.linalg.norm(self.W, axis=1) > 0
        c0 = float(np.sum(self.v[~nz] * np.maximum(self.b[~nz], 0.0)))
        return ShallowNetwork(self.W[nz], -self.b[nz], self.v[nz], skip=(c0, np.zeros(d)))


# ---------------------------------------------------------------------------- objective
def weight_decay_objective(X, y, lam, W, b, v):
    r"""scnn's convex objective of the network f(x) = Σₖ vₖ[wₖᵀx + bₖ]₊.

    .. math:: \frac{1}{2N}\|f(X) - y\|^2 + \lambda \sum_k |v_k|\,\|(w_k, b_k)\|_2

    (pilancilab/scnn: sum of squares / (2N) plus ``NeuronGL1`` on blocks holding weights
    and bias; Pilanci & Ergen arXiv 2002.10553).  (W, b) need not be normalised: the
    value is invariant under (vₖ, w̃ₖ) → (vₖ/t, t w̃ₖ), t > 0.

    Parameters
    ----------
    X : array (N, d)
    y : array (N,)
    lam : float ≥ 0
    W : array (K, d), b : array (K,), v : array (K,)
        Hidden weights, hidden biases (added), output weights; K may be 0.

    Returns
    -------
    float

    Examples
    --------
    One neuron [x + 0]₊ with v = 2 on x = 0, 1 (y = 0): residual (0, 2), penalty 2λ.

    >>> weight_decay_objective([[0.0], [1.0]], [0.0, 0.0], 0.5, [[1.0]], [0.0], [2.0])
    2.0
    """
    X = as_float_array(X, "X", ndim=2)
    N, d = X.shape
    y = as_float_array(y, "y", ndim=1)
    if y.shape[0] != N:
        raise ValueError(f"y must have length N = {N}, got {y.shape[0]}")
    lam = check_positive(lam, "lam", strict=False)
    W = as_float_array(W, "W", ndim=2, allow_empty=True)
    if W.size == 0:
        W = W.reshape(0, d)
    K = W.shape[0]
    if W.shape[1] != d:
        raise ValueError(f"W must have shape (K, {d}), got {W.shape}")
    b = as_float_array(b, "b", ndim=1, allow_empty=True)
    v = as_float_array(v, "v", ndim=1, allow_empty=True)
    if b.shape != (K,) or v.shape != (K,):
        raise ValueError(f"b and v must have shape ({K},), got {b.shape}, {v.shape}")
    f = np.maximum(X @ W.T + b[None, :], 0.0) @ v if K else np.zeros(N)
    pen = float(np.sum(np.abs(v) * np.sqrt(np.sum(W ** 2, axis=1) + b ** 2)))
    return float(0.5 * np.sum((f - y) ** 2) / N + lam * pen)


# ---------------------------------------------------------------------------- pricing
def _h(Y, r, D):
    """h(ŵ) = Σᵢ rᵢ[ŵᵀyᵢ]₊ for the rows of D (M, m), in chunks."""
    out = np.empty(D.shape[0])
    step = max(1, _CHUNK // max(Y.shape[0], 1))
    for s in range(0, D.shape[0], step):
        out[s:s + step] = np.maximum(D[s:s + step] @ Y.T, 0.0) @ r
    return out


def _ascent(Y, r, W, n_iter=30):
    """Central fixed-point ascent of |h| from the unit rows of W (module docstring, 3).

    Returns (signed values, directions)."""
    W = np.array(W, dtype=float)
    vals = _h(Y, r, W)
    for _ in range(n_iter):
        act = (W @ Y.T) > 0                                   # (M, N)
        A = (act * r[None, :]) @ Y                            # linear piece on the cell
        A *= np.where(vals < 0, -1.0, 1.0)[:, None]
        nrm = np.linalg.norm(A, axis=1)
        ok = nrm > 0
        if not np.any(ok):
            break
        W2 = W.copy()
        W2[ok] = A[ok] / nrm[ok, None]
        v2 = _h(Y, r, W2)
        better = np.abs(v2) > np.abs(vals) * (1 + 1e-13)
        if not np.any(better):
            break
        W[better], vals[better] = W2[better], v2[better]
    return vals, W


def _dedupe(Y, vals, W, k):
    """The ``k`` best rows by |vals| with distinct activation patterns (sign included)."""
    order = np.argsort(-np.abs(vals))
    out, seen = [], set()
    for i in order:
        key = (bool(vals[i] > 0), np.packbits((Y @ W[i]) > 0).tobytes())
        if key in seen:
            continue
        seen.add(key)
        out.append(i)
        if len(out) >= k:
            break
    return np.asarray(out, dtype=np.int64)


def _sampled_sup(Y, r, rng, n_directions, W_atoms, max_new):
    """Lower bound on s(r): random directions + ascent (module docstring, 3)."""
    m = Y.shape[1]
    D = rng.standard_normal((n_directions, m))
    D /= np.linalg.norm(D, axis=1)[:, None]
    vals = _h(Y, r, D)
    start = D[np.argsort(-np.abs(vals))[:max(4 * max_new, 50)]]
    if W_atoms is not None and len(W_atoms):
        start = np.vstack([start, W_atoms])
    vals, W = _ascent(Y, r, start)
    keep = _dedupe(Y, vals, W, max_new)
    return float(np.abs(vals[keep[0]])), vals[keep], W[keep]


def _exact_sup(Y, r, max_new):
    """s(r) exactly for span dimension m ≤ 3 (module docstring): (sup, values, W)."""
    from ._vv_certificate import _anchor_candidates

    m = Y.shape[1]
    if m == 3 and Y.shape[0] >= 3:
        scale = float(np.max(np.linalg.norm(Y, axis=1)))
        vals, Wc, degen = _exact3_kernel(np.ascontiguousarray(Y / scale), np.ascontiguousarray(r), 1e-10)
        if not np.any(degen):
            vals = vals * scale
            ok = vals != 0
            if not np.any(ok):
                return 0.0, np.zeros(1), np.array([[0.0, 0.0, 1.0]])
            vals, Wc = vals[ok], Wc[ok]
            keep = _dedupe(Y, vals, Wc, max_new)
            return float(np.abs(vals[keep[0]])), vals[keep], Wc[keep]
    if m == 1:
        Wc = np.array([[1.0], [-1.0]])
    else:
        scale = float(np.max(np.linalg.norm(Y, axis=1)))
        Wc = _anchor_candidates(Y / scale, r[:, None], 1e-10)
        nc = np.linalg.norm(Wc, axis=1)
        Wc = Wc[nc > 0] / nc[nc > 0, None]
    vals = _h(Y, r, Wc)
    keep = _dedupe(Y, vals, Wc, max_new)
    return float(np.abs(vals[keep[0]])), vals[keep], Wc[keep]


def _span(X):
    """x̃ = (x, 1): orthonormal basis E (d+1, m) of the span of the distinct x̃ᵢ, the
    distinct points' coordinates Yu (n, m) and the map ``inv`` from data to distinct points."""
    Xt = np.column_stack([X, np.ones(X.shape[0])])
    Xu, inv = np.unique(Xt, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    _, s, Vt = np.linalg.svd(Xu, full_matrices=False)
    m = int(np.sum(s > 1e-12 * s[0]))
    E = Vt[:m].T
    return E, Xu @ E, inv, Xt @ E


def _sup(Y, Yu, inv, r, rng, n_directions, W_atoms, max_new, exact_ok):
    ru = np.bincount(inv, weights=r, minlength=Yu.shape[0])
    if exact_ok:
        s, vals, W = _exact_sup(Yu, ru, max_new)
        return s, True, vals, W
    s, vals, W = _sampled_sup(Yu, ru, rng, n_directions, W_atoms, max_new)
    return s, False, vals, W


def weight_decay_lam_max(X, y, *, n_directions=20000, exact_max_n=300, rng=None):
    """λ_max = sup_{‖w̃‖=1} |Σᵢ yᵢ[w̃ᵀx̃ᵢ]₊| / N: the smallest λ with the zero network optimal.

    Exact for d ≤ 2 (span dimension ≤ 3) with at most ``exact_max_n`` distinct points,
    else a sampled lower bound.  Returns ``(lam_max, exact)``.
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_float_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have length N = {X.shape[0]}, got {y.shape[0]}")
    E, Yu, inv, Y = _span(X)
    exact_ok = Yu.shape[1] <= 3 and Yu.shape[0] <= exact_max_n
    s, exact, _, _ = _sup(Y, Yu, inv, y, as_generator(rng), n_directions, None, 1, exact_ok)
    return s / X.shape[0], exact


# ---------------------------------------------------------------------------- slide
def _slide(Y, y, mu, W, a, max_iter):
    """Local L-BFGS descent of ½‖Σₖ sₖ[Yuₖ]₊ − y‖² + μΣ‖uₖ‖ (uₖ = |aₖ|ŵₖ, signs fixed);
    returns the new (W, a) only if the objective fell."""
    from scipy.optimize import minimize

    K, m = W.shape
    sg = np.sign(a)

    def fun(x):
        U = x.reshape(K, m)
        T = Y @ U.T
        act = T > 0
        e = np.where(act, T, 0.0) @ sg - y
        nu = np.linalg.norm(U, axis=1)
        M = act * (e[:, None] * sg[None, :])
        g = M.T @ Y + mu * U / np.where(nu > 0, nu, 1.0)[:, None]
        return 0.5 * float(e @ e) + mu * float(np.sum(nu)), g.ravel()

    x0 = (np.abs(a)[:, None] * W).ravel()
    f0 = fun(x0)[0]
    res = minimize(fun, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": 1e-12, "ftol": 1e-15})
    if not res.fun < f0:
        return W, a
    U = res.x.reshape(K, m)
    nu = np.linalg.norm(U, axis=1)
    keep = nu > 0
    return U[keep] / nu[keep, None], sg[keep] * nu[keep]


# ---------------------------------------------------------------------------- solver
def _column_generation(Y, Yu, inv, y, mu, rng, info, *, n_patterns, tol, max_iter, max_new, can_exact,
                       slide_iter, patience, stall):
    """Pricing rounds (sampled, then exact once sampling finds no violator) over unit atoms
    [ŵᵀx̃]₊ in the span coordinates Y, each followed by the exact restricted lasso, atom
    merging and (sampled pricing only) sliding.  Returns (W, a, residual, last sup,
    certified, λ_max or None); ``info`` is updated in place."""
    N, m = Y.shape
    scale = float(np.max(np.linalg.norm(Y, axis=1)))
    W = np.zeros((0, m))
    a = np.zeros(0)

    def restricted(W, a0):
        Phi = np.maximum(Y @ W.T, 0.0)
        a1, steps, ok = lasso_exact(Phi.T @ Phi, Phi.T @ y, mu, a0)
        info["lasso_steps"] += steps
        info["lasso_converged"] = info["lasso_converged"] and ok
        return a1

    resid = y.copy()
    quiet = 0
    lam_max = None
    certified = False
    exact_mode = False
    for it in range(max_iter):
        info["iterations"] = it + 1
        t0 = time.perf_counter()
        sup = -np.inf
        if not exact_mode:
            sup, exact, vals, Wn = _sup(Y, Yu, inv, resid, rng, n_patterns, W, max_new, False)
        info["time_sampled"] += time.perf_counter() - t0
        if sup <= mu * (1 + tol) and can_exact:
            t0 = time.perf_counter()
            sup, exact, vals, Wn = _sup(Y, Yu, inv, resid, rng, n_patterns, W, max_new, True)
            info["time_exact"] += time.perf_counter() - t0
            info["exact_rounds"] += 1
            # sampling missed these violators: price exactly from now on
            exact_mode = sup > mu * (1 + tol)
        if it == 0 and exact:
            lam_max = sup / N
        info["sup_history"].append(sup / mu)
        if sup <= mu * (1 + tol):
            if exact:
                certified = True
                break
            quiet += 1
            if quiet >= patience:
                break
            continue
        quiet = 0
        keep = np.abs(vals) > mu * (1 + 0.5 * tol)
        W = np.vstack([W, Wn[keep]])
        a = restricted(W, np.concatenate([a, np.zeros(int(keep.sum()))]))
        W, _, a = merge_atoms(Y, W, np.zeros(W.shape[0]), a, scale)
        if slide_iter and not can_exact and a.size:
            t0 = time.perf_counter()
            W, a = _slide(Y, y, mu, W, a, slide_iter)
            info["time_slide"] += time.perf_counter() - t0
            W, _, a = merge_atoms(Y, W, np.zeros(W.shape[0]), a, scale)
        if a.size:
            a = restricted(W, a)
        nz = a != 0
        W, a = W[nz], a[nz]
        resid = y - (np.maximum(Y @ W.T, 0.0) @ a if a.size else 0.0)
        hist = info["objective_history"]
        hist.append((0.5 * float(resid @ resid) + mu * float(np.sum(np.abs(a)))) / N)
        if len(hist) > stall and hist[-stall - 1] - hist[-1] <= 1e-13 * abs(hist[-1]):
            info["stalled"] = True
            break
    return W, a, resid, sup, certified, lam_max


def solve_weight_decay_variant(X, y, lam, *, n_patterns=None, tol=1e-6, max_iter=200, rng=None,
                               max_new=30, exact_max_n=300, slide_iter=50, patience=5, stall=8):
    r"""Solve scnn's weight-decay ReLU problem (bias penalised, no skip) to certified optimality.

    Minimises (1/2N)‖Σₖ vₖ[wₖᵀx + bₖ]₊ − y‖² + λΣₖ|vₖ|‖(wₖ, bₖ)‖ over networks of any
    width — the convex program of Pilanci & Ergen (arXiv 2002.10553) with *all*
    activation patterns, in scnn's scaling (module docstring) — by column generation
    over unit atoms [ŵᵀx̃]₊, ŵ ∈ S^d (module docstring for the derivation).

    Parameters
    ----------
    X : array (N, d)
    y : array (N,)
    lam : float > 0
        λ in scnn's convention (``NeuronGL1(lam)``).
    n_patterns : int, optional
        Random directions (activation patterns) drawn per pricing round, the analogue of
        scnn's number of sampled gates; default ``max(1000, 20 N)``.
    tol : float
        Stop when the priced sup s(r)/(Nλ) ≤ 1 + tol.
    max_iter : int
        Pricing rounds.
    rng : None, int or Generator
    max_new : int
        Atoms added per round (best violators with distinct patterns).
    exact_max_n : int
        Largest number of distinct points for the exact sup (d ≤ 2 only).
    slide_iter : int
        L-BFGS iterations of the sliding step (0: off); used only when the sup cannot be
        computed exactly (d ≥ 3 or more than ``exact_max_n`` distinct points).
    patience : int
        Sampled pricing only: consecutive rounds without a violator before stopping.
    stall : int
        Stop when ``stall`` rounds lowered the objective by ≤ 1e-13 relative.

    Returns
    -------
    WeightDecayFit
        Unit (W, b), output weights v, the objective in scnn's convention, the
        certificate {sup, exact, gap, relative_gap, lam_max} and solver info.

    Examples
    --------
    Three collinear points, λ = 0.05: the certificate is exact (d = 1) and the duality
    gap vanishes.

    >>> fit = solve_weight_decay_variant([[0.0], [1.0], [2.0]], [0.0, 1.0, 0.0], 0.05, rng=0, tol=1e-10)
    >>> fit.certificate["exact"], fit.certificate["sup"] <= 1 + 1e-10, fit.certificate["gap"] < 1e-12
    (True, True, True)
    """
    X = as_float_array(X, "X", ndim=2)
    N, d = X.shape
    y = as_float_array(y, "y", ndim=1)
    if y.shape[0] != N:
        raise ValueError(f"y must have length N = {N}, got {y.shape[0]}")
    lam = check_positive(lam, "lam")
    n_patterns = max(1000, 20 * N) if n_patterns is None else check_int(n_patterns, "n_patterns", minimum=1)
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    max_new = check_int(max_new, "max_new", minimum=1)
    exact_max_n = check_int(exact_max_n, "exact_max_n", minimum=0)
    slide_iter = check_int(slide_iter, "slide_iter", minimum=0)
    patience = check_int(patience, "patience", minimum=1)
    stall = check_int(stall, "stall", minimum=1)
    rng = as_generator(rng)

    E, Yu, inv, Y = _span(X)
    m = Y.shape[1]
    mu = N * lam
    can_exact = m <= 3 and Yu.shape[0] <= exact_max_n
    info = {"iterations": 0, "lasso_steps": 0, "lasso_converged": True, "sup_history": [],
            "objective_history": [], "exact_rounds": 0, "stalled": False,
            "time_sampled": 0.0, "time_exact": 0.0, "time_slide": 0.0, "n_patterns": n_patterns}

    W, a, resid, sup, certified, lam_max = _column_generation(
        Y, Yu, inv, y, mu, rng, info, n_patterns=n_patterns, tol=tol, max_iter=max_iter, max_new=max_new,
        can_exact=can_exact, slide_iter=slide_iter, patience=patience, stall=stall)

    # certificate: exact sup where possible, else a larger sample
    if certified:
        s_cert, exact = sup, True
    else:
        s_cert, exact, _, _ = _sup(Y, Yu, inv, resid, rng, 4 * n_patterns, W, 1, can_exact)
    if lam_max is None and can_exact:
        lam_max = _sup(Y, Yu, inv, y, rng, n_patterns, None, 1, True)[0] / N
    primal = 0.5 * float(resid @ resid) + mu * float(np.sum(np.abs(a)))
    rho = resid * min(1.0, mu / s_cert) if s_cert > 0 else resid
    dual = float(rho @ y) - 0.5 * float(rho @ rho)
    gap = max(primal - dual, 0.0) / N
    Wt = W @ E.T                                           # (K, d+1), unit rows
    obj = weight_decay_objective(X, y, lam, Wt[:, :d], Wt[:, d], a)
    cert = {"sup": s_cert / mu, "exact": bool(exact), "gap": gap,
            "relative_gap": gap / obj if obj > 0 else 0.0, "lam_max": lam_max}
    info["n_neurons"] = int(a.size)
    return WeightDecayFit(np.ascontiguousarray(Wt[:, :d]), np.ascontiguousarray(Wt[:, d]), a, obj, cert, info)
