r"""Certified multivariate Radon-domain TV fits: :class:`RidgeSplineRegressor`.

Problem (docs/theory/representer.md).  Data (xᵢ, yᵢ, sᵢ), xᵢ ∈ ℝᵈ, weights sᵢ > 0, λ ≥ 0:

.. math::

    \min_f \; \tfrac12 \sum_i s_i (f(x_i) - y_i)^2 + \lambda\, \mathrm{RTV}^2(f)

over the second-order Radon-domain bounded-variation space (Ongie et al. arXiv
1910.01635; Parhi & Nowak arXiv 2006.05626).  By the representer theorem (Parhi & Nowak,
Thm 1) a solution is a ReLU network with an unpenalised affine part,

    f(x) = Σₖ vₖ [wₖᵀx − bₖ]₊ + cᵀx + c₀,   ‖wₖ‖ = 1,   :math:`RTV²(f) = Σₖ |vₖ|`,

with at most N − (d+1) neurons.  λ = 0 means the interpolation limit
min RTV²(f) s.t. f(xᵢ) = ȳᵢ (the weighted mean of the yᵢ sharing an xᵢ), solved as an
equality-constrained program (not a tiny-λ surrogate).

Convex reformulation [derived, adapting Pilanci & Ergen arXiv 2002.10553 §3 and
pilancilab/scnn].  For every activation pattern Dⱼ = diag(1[Xw − b > 0]) of a generic
neuron (:mod:`splines.arrangements`) take blocks (uⱼ, βⱼ), (u′ⱼ, β′ⱼ) ∈ ℝᵈ × ℝ:

    min  ½‖p − y‖²_S + λ Σⱼ (‖uⱼ‖₂ + ‖u′ⱼ‖₂)
    p  = Σⱼ Dⱼ(Xuⱼ − βⱼ1) − Dⱼ(Xu′ⱼ − β′ⱼ1) + Xc + c₀1,
    s.t. (2Dⱼ − I)(Xuⱼ − βⱼ1) ≥ 0,  (2Dⱼ − I)(Xu′ⱼ − β′ⱼ1) ≥ 0.

Exactness with the bias *not* penalised (penalty on ‖u‖ only) [derived]:

1. *Network → program.*  A neuron v[wᵀx − b]₊ (‖w‖ = 1) with pattern Dⱼ on the data
   equals Dⱼ(X u − β1) with :math:`(u, β) = |v|(w, b)` in block ± (sign of v), and satisfies the
   cone constraint; its cost is :math:`‖u‖ = |v| =` its RTV².  Neurons sharing a block add up
   (cones are convex, the norm is subadditive).  So program ≤ RTV problem.
2. *Program → network.*  A block with u ≠ 0 is the neuron ‖u‖·[(u/‖u‖)ᵀx − β/‖u‖]₊:
   on the data (Xu − β)₊ = Dⱼ(Xu − β) by the cone constraint, and the cost is
   :math:`‖u‖ = |v|‖w‖`.  A block with u = 0 contributes −βDⱼ1 with (2Dⱼ − I)(−β1) ≥ 0, which
   forces β = 0 unless Dⱼ is trivial (all on: a constant, free in c₀; all off: 0).  So
   an unpenalised β never buys anything that is not an affine function, and program ≥
   RTV problem restricted to the data, which by the representer theorem is the RTV
   problem itself.  (Penalising β, as scnn does with a ones column, is a different
   problem: the "VV"/weight-decay norm with the bias inside.)
3. *Reductions.*  Only open-cell patterns are needed (a tie point satisfies both signs,
   so a cone of a tie pattern lies in a neighbouring open cell's cone); D and I − D give
   the same neuron up to an affine function ([z]₊ − [−z]₊ = z), so one canonical
   pattern per complementary pair and no trivial pattern.

Dual certificate [derived].  With ρ = S(y − f(X)) (ρ = ν, the multiplier of the
interpolation constraints, for λ = 0) and r = ρ/λ, the fit is optimal iff Aᵀr = 0 for
A = [1, X] (unpenalised affine part) and

    :math:`sup_{‖w‖=1, b} |Σᵢ rᵢ [wᵀxᵢ − b]₊| ≤ 1`,

with equality (and the sign of vₖ) on every neuron.  The sup is computed *exactly* for
affine rank r ≤ 3 (:mod:`splines._ridge_kernels`: the sup over b sits at a breakpoint
b = wᵀxⱼ; for each anchor j it is attained at a stationary point of a cell, arc or
vertex of an arrangement of great circles).  Any ρ̃ ⊥ range A with sup ≤ λ gives the
lower bound D(ρ̃) = ρ̃ᵀy − Σρ̃ᵢ²/(2sᵢ) (Fenchel–Young), so the reported duality gap
P − D(ρ̃) uses ρ projected onto range(A)⊥ and scaled by 1/max(1, sup).

Solvers.  ``"full"``: every enumerated pattern in one Clarabel conic program (Clarabel's
Python API with scipy sparse matrices).  Each block carries only the cone rows that can
be facets of its cone: the vertices of conv(on points) and of conv(off points) (other
rows are convex combinations of these; :func:`_cone_rows`, affine rank ≤ 3).
``"working_set"``: column generation: solve on a working set of patterns, price with the
exact sup (its top candidates (w, b) give the violated patterns), add, repeat until
sup ≤ 1 + tol or no new pattern appears.  Exact pricing makes the final restricted
optimum a global one.  ``"neurons"``: column generation over ReLU atoms instead of
patterns (:mod:`splines._ridge_neurons`), the default for λ > 0 beyond the size of
``"full"``.  Beyond r = 3 (or N too large for the O(N⁴) 3-D kernel) pricing samples
directions (exact in b per direction) with a fixed-point ascent
(:func:`splines._ridge_neurons.ascent_batch`); ``certificate_`` then says that the sup is
a lower bound, so the fit is certified only on the sampled directions.

Support reduction (:mod:`splines._sparsify`) brings the neuron count to at most
N − (r+1) (r the affine rank of the distinct data points; r = d for data in general
position) without changing the fitted values or the objective.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import as_float_array, as_generator, check_int
from ridgekit.nets.network import ShallowNetwork
from ridgekit.progress import status

from . import _ridge_kernels as RK
from ._certificate import Certificate
from ._estimator import RANDOM_STATE, NetworkRegressor
from ._ridge_neurons import _sup_directions, solve_neurons
from ._sparsify import reduce_support
from .arrangements import affine_hull, canonical_patterns, enumerate_patterns, n_patterns_bound
from .tv2 import ConvergenceError

__all__ = ["RidgeSplineRegressor", "relu_sup_norm"]

_FULL_BUDGET = 60_000     # patterns × points of the largest program "auto" solves in one go


# ---------------------------------------------------------------------------- helpers
def _network(W, b, v, c0, C):
    d = len(C)
    return ShallowNetwork(np.reshape(W, (len(v), d)), b, v, skip=(np.array([c0]), np.asarray(C, float).reshape(d, 1)))


def _eval(Z, W, b, v, c0, c):
    out = np.full(Z.shape[0], c0) + Z @ c
    if len(v):
        out += np.maximum(Z @ W.T - b[None, :], 0.0) @ v
    return out


def _project_affine(Z, rho):
    A = np.column_stack([np.ones(Z.shape[0]), Z])
    Q, _ = np.linalg.qr(A)
    return rho - Q @ (Q.T @ rho)


def relu_sup_norm(Z, r, *, top_k=1, exact_max_n=120, n_directions=4000, rng=None, linear=False,
                  starts=None):
    """sup over unit w and b of :math:`|Σᵢ rᵢ [wᵀzᵢ − b]₊|` for r ⊥ {1, z} (the certificate norm).

    Parameters
    ----------
    Z : array (N, r)
        Points (affine-hull coordinates: exact for r ≤ 3).
    r : array (N,)
        Weights, orthogonal to 1 and to the columns of Z (projected here).
    top_k : int
        Number of best (w, b) candidates to return.
    exact_max_n : int
        Largest N for the O(N⁴) exact 3-D kernel.
    n_directions : int
        Sampled directions when the sup is not computed exactly (rank > 3, or rank 3 with
        N > ``exact_max_n``).
    rng : None, int or Generator
        For the sampled directions.
    linear : bool
        2-D only: evaluate candidates through each arc's running linear model (O(N² log N)
        in all, values carry O(N·eps) rounding; used for pricing) instead of a direct sum
        per candidate (O(N³) worst case; used for certificates).
    starts : array (M, r), optional
        Sampled case only: extra starting directions for the ascent (e.g. the fitted
        neurons' own directions, where :math:`|h| = λ` at an optimum), besides the best sampled
        ones; makes the lower bound no smaller than the value at those directions.

    Returns
    -------
    (value, exact, candidates) with candidates a list of (signed value, w, b).

    Examples
    --------
    Three collinear points with r = (1, −2, 1): h(1, b) is the hat :math:`1 − |b − 1|` on [0, 2],
    so the sup is 1, at the middle point:

    >>> val, exact, cand = relu_sup_norm([[0.0], [1.0], [2.0]], [1.0, -2.0, 1.0])
    >>> round(val, 12), exact, round(cand[0][2], 12)
    (1.0, True, 1.0)
    """
    Z = as_float_array(Z, "Z", ndim=2, allow_empty=True)
    r = as_float_array(r, "r", ndim=1, allow_empty=True)
    N, dim = Z.shape
    r = _project_affine(Z, r)
    top_k = check_int(top_k, "top_k", minimum=1)
    if N == 0 or dim == 0 or not np.any(r):
        return 0.0, True, []
    cands = []
    exact = True
    if dim == 1:
        vals, bs = _sup_directions(Z, r, np.ones((1, 1)))
        t = np.sort(Z[:, 0])
        # all breakpoints: h(1, t_j)
        rs = r[np.argsort(Z[:, 0], kind="stable")]
        S1 = np.cumsum((rs * t)[::-1])[::-1]
        S0 = np.cumsum(rs[::-1])[::-1]
        h = S1 - t * S0
        order = np.argsort(-np.abs(h))[:top_k]
        cands = [(float(h[k]), np.ones(1), float(t[k])) for k in order]
    elif dim in (2, 3) and (dim == 2 or N <= exact_max_n):
        K = min(max(top_k, 1), 64)
        if dim == 2:
            A_abs, A_val, A_w, A_b = RK.sup_2d(Z, r, K, bool(linear))
        else:
            scale = float(np.max(np.abs(Z))) or 1.0
            A_abs, A_val, A_w, A_b = RK.sup_3d(Z / scale, r, K, 1e-12)
            A_abs, A_val, A_b = A_abs * scale, A_val * scale, A_b * scale   # h is 1-homogeneous in z
        fa = A_abs.reshape(-1)
        order = np.argsort(-fa)
        seen = set()
        for k in order:
            if fa[k] <= 0 or len(cands) >= top_k:
                break
            j, m = divmod(int(k), K)
            key = (round(float(A_val[j, m]), 12), tuple(np.round(A_w[j, m], 9)))
            if key in seen:
                continue
            seen.add(key)
            cands.append((float(A_val[j, m]), A_w[j, m].copy(), float(A_b[j, m])))
    else:
        from ._ridge_neurons import ascent_batch

        exact = False
        g = as_generator(rng)
        Wd = g.standard_normal((n_directions, dim))
        Wd /= np.linalg.norm(Wd, axis=1)[:, None]
        vals, bs = _sup_directions(Z, r, Wd)
        order = np.argsort(-np.abs(vals))[:max(top_k, 64)]
        S0 = Wd[order]
        if starts is not None and len(starts):
            S0 = np.vstack([S0, np.asarray(starts, dtype=float).reshape(-1, dim)])
        vals, Wa, ba = ascent_batch(Z, r, S0)
        order = np.argsort(-np.abs(vals))[:top_k]
        cands = [(float(vals[k]), Wa[k].copy(), float(ba[k])) for k in order]
    value = abs(cands[0][0]) if cands else 0.0
    return float(value), exact, cands


# ---------------------------------------------------------------------------- the program
def _hull_vertices(Y):
    """Indices of a superset of the vertices of conv(Y) (all rows when degenerate)."""
    m, r = Y.shape
    if m <= r + 1:
        return np.arange(m)
    if r == 1:
        return np.unique([int(np.argmin(Y[:, 0])), int(np.argmax(Y[:, 0]))])
    from scipy.spatial import ConvexHull, QhullError
    try:
        return ConvexHull(Y).vertices
    except (QhullError, ValueError):           # flat subset: keep every row (still exact)
        return np.arange(m)


def _cone_rows(Z, patterns):
    """(P, N) mask of the cone rows that can be facets of each pattern's cone.

    The cone {(u, β): (2D − I)(Zu − β1) ≥ 0} has rows aᵢ = (zᵢ, −1) for the on points and
    −(zᵢ, −1) for the off points.  An on point zᵢ that is a convex combination Σλₖzₖ of
    other on points has aᵢ = Σλₖaₖ (the last coordinate combines to −1 as Σλₖ = 1), so
    its row is implied; likewise off.  Hence only the vertices of conv(on points) and of
    conv(off points) are kept: the same cone with O(hull size) rows instead of N.  Hulls
    are computed for affine rank r ≤ 3 only (qhull's cost grows exponentially with r);
    above, every row is kept.
    """
    P, N = patterns.shape
    if Z.shape[1] > 3:
        return np.ones((P, N), dtype=bool)
    mask = np.zeros((P, N), dtype=bool)
    for j in range(P):
        for side in (patterns[j], ~patterns[j]):
            idx = np.flatnonzero(side)
            if idx.size:
                mask[j, idx[_hull_vertices(Z[idx])]] = True
    return mask


def _solve_program(Z, y, w, lam, patterns, tol):
    """Clarabel solve of the pattern program with facet-only cone rows (:func:`_cone_rows`).

    Dropped rows are implied exactly; as a guard against rounding in the hull, dropped rows
    that the solution violates by more than 1e-9 × (largest block) × (largest ‖(zᵢ, −1)‖)
    are added back and the program is solved again (interior-point residue in kept rows is
    of the same size as before the reduction).
    """
    rows = _cone_rows(Z, patterns)
    for _ in range(5):
        sol = _solve_program_rows(Z, y, w, lam, patterns, rows, tol)
        Zt = np.column_stack([Z, -np.ones(Z.shape[0])])
        S2 = np.where(patterns, 1.0, -1.0)
        P = patterns.shape[0]
        ub = np.column_stack([sol["u"], sol["beta"]])               # (2P, r+1)
        viol = S2[np.arange(2 * P) % P] * (ub @ Zt.T)              # (2P, N)
        scale = float(np.max(np.linalg.norm(ub, axis=1), initial=0.0)) * float(np.max(np.linalg.norm(Zt, axis=1)))
        bad = viol < -1e-9 * max(scale, 1e-300)
        bad = bad[:P] | bad[P:]
        if not np.any(bad & ~rows):
            break
        rows = rows | bad
    return sol


def _solve_program_rows(Z, y, w, lam, patterns, keep, tol):
    """Clarabel solve of the pattern program in normalised units; returns blocks and duals.

    Variables [c0, c (r), e (N, if λ > 0), blocks (t, u (r), β) × 2P]; blocks 0..P−1 are
    the + signs, P..2P−1 the − signs.  Cone rows only for the (pattern, point) pairs in
    ``keep`` (P, N).
    """
    import clarabel

    N, r = Z.shape
    P = patterns.shape[0]
    nb = 2 * P
    m = r + 2
    naff = r + 1
    ne = N if lam > 0 else 0
    off = naff + ne
    nvar = off + nb * m
    Zt = np.column_stack([Z, -np.ones(N)])                   # (N, r+1): z ↦ zᵀu − β
    rows, cols, vals = [], [], []
    # equality rows: prediction (− e) = y
    ii = np.repeat(np.arange(N), naff)
    rows.append(ii)
    cols.append(np.tile(np.arange(naff), N))
    vals.append(np.column_stack([np.ones(N), Z]).reshape(-1))
    if ne:
        rows.append(np.arange(N))
        cols.append(naff + np.arange(N))
        vals.append(-np.ones(N))
    jj, pi = np.nonzero(patterns)                             # active (pattern, point)
    for sgn, base in ((1.0, 0), (-1.0, P)):
        blk = off + (base + jj) * m
        rows.append(np.repeat(pi, r + 1))
        cols.append((blk[:, None] + 1 + np.arange(r + 1)[None, :]).reshape(-1))
        vals.append(sgn * Zt[pi].reshape(-1))
    # cone rows: s = (2D − I)(zᵀu − β) ≥ 0  ⇔  A = −(2D − I) z̃ᵀ
    S2 = np.where(patterns, 1.0, -1.0)                        # (P, N)
    bidx = np.arange(nb)
    pat_of = bidx % P
    kb, kp = np.nonzero(keep[pat_of])                          # (block, point) pairs kept
    K = kb.size
    sg = S2[pat_of[kb], kp]                                    # (K,)
    rows.append(np.repeat(N + np.arange(K), r + 1))
    cols.append(((off + kb * m)[:, None] + 1 + np.arange(r + 1)[None, :]).reshape(-1))
    vals.append((-(sg[:, None] * Zt[kp])).reshape(-1))
    # second-order cones: s = (t, u)
    soc0 = N + K
    rows.append(soc0 + np.arange(nb * (r + 1)))
    cols.append((off + bidx[:, None] * m + np.arange(r + 1)[None, :]).reshape(-1))
    vals.append(-np.ones(nb * (r + 1)))
    nrows = soc0 + nb * (r + 1)
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(nrows, nvar))
    bvec = np.zeros(nrows)
    bvec[:N] = y
    q = np.zeros(nvar)
    q[off + bidx * m] = lam if lam > 0 else 1.0
    if ne:
        Pm = sp.csc_matrix((w, (naff + np.arange(N), naff + np.arange(N))), shape=(nvar, nvar))
    else:
        Pm = sp.csc_matrix((nvar, nvar))
    cones = [clarabel.ZeroConeT(N), clarabel.NonnegativeConeT(K)]
    cones += [clarabel.SecondOrderConeT(r + 1)] * nb
    st = clarabel.DefaultSettings()
    st.verbose = False
    st.tol_gap_abs = tol
    st.tol_gap_rel = tol
    st.tol_feas = tol
    st.max_iter = 400
    solver = clarabel.DefaultSolver(Pm, q, A, bvec, cones, st)
    sol = solver.solve()
    status = str(sol.status)
    if status not in ("Solved", "AlmostSolved"):
        raise ConvergenceError(f"Clarabel returned status {status} on the pattern program "
                               f"({P} patterns, {N} points)")
    x = np.asarray(sol.x)
    blocks = x[off:].reshape(nb, m)
    return {"c0": x[0], "c": x[1:naff], "t": blocks[:, 0], "u": blocks[:, 1:1 + r],
            "beta": blocks[:, 1 + r], "sign": np.where(bidx < P, 1.0, -1.0),
            "nu": -np.asarray(sol.z)[:N], "status": status}


def _neurons_from_blocks(sol, rel=1e-9):
    nu = np.linalg.norm(sol["u"], axis=1)
    if nu.size == 0 or nu.max() == 0:
        return np.zeros((0, sol["u"].shape[1])), np.zeros(0), np.zeros(0)
    keep = nu > max(rel * nu.max(), 1e-10)      # normalised units: |f| changes by < 2e-10
    W = sol["u"][keep] / nu[keep, None]
    b = sol["beta"][keep] / nu[keep]
    v = sol["sign"][keep] * nu[keep]
    return W, b, v


def _polish(Z, yn, wn, lam, pats, sol, tol):
    """Re-solve on the patterns whose blocks are not interior-point residue (‖u‖ > 1e-6 max):
    a small program whose optimum is the same when the support is right; kept only if its
    objective is not worse."""
    P = pats.shape[0]
    nu = np.linalg.norm(sol["u"], axis=1)
    if nu.size == 0 or nu.max() == 0:
        return sol
    act = nu > max(1e-6 * nu.max(), 1e-10)
    if not np.any(act):
        return sol
    keep = np.unique(np.flatnonzero(act) % P)
    if keep.size == P:
        return sol
    sol2 = _solve_program(Z, yn, wn, lam, pats[keep], 1e-2 * tol)

    def obj(s):
        W, b, v = _neurons_from_blocks(s)
        g = _eval(Z, W, b, v, float(s["c0"]), s["c"])
        if lam > 0:
            return 0.5 * float(wn @ (g - yn) ** 2) + lam * float(np.sum(np.abs(v)))
        return float(np.sum(np.abs(v))) + 1e6 * float(np.max(np.abs(g - yn)))

    return sol2 if obj(sol2) <= obj(sol) * (1 + 1e-9) + 1e-14 else sol


def _cand_patterns(Z, cands, thresh):
    out = []
    scale = float(np.max(np.abs(Z))) or 1.0
    for val, w, b in cands:
        if abs(val) > thresh:
            out.append(Z @ w - b > 1e-12 * scale)
    if not out:
        return np.zeros((0, Z.shape[0]), dtype=bool)
    return canonical_patterns(np.array(out))


# ---------------------------------------------------------------------------- estimator
class RidgeSplineRegressor(NetworkRegressor):
    r"""Global minimiser of ½Σsᵢ(f(xᵢ) − yᵢ)² + λ RTV²(f) as a sparse ReLU network.

    RTV²(f) is the second-order Radon-domain total variation (Ongie et al. arXiv
    1910.01635; Parhi & Nowak arXiv 2006.05626): for f = Σvₖ[wₖᵀx − bₖ]₊ + affine with
    ‖wₖ‖ = 1 it is :math:`Σ|vₖ|` (weight decay on input and output weights, bias and skip
    unpenalised).  Solved through the convex pattern program of Pilanci & Ergen (arXiv
    2002.10553) with unpenalised biases; see the module docstring for the derivation,
    the certificate and the solvers.

    Parameters
    ----------
    lam : float
        λ ≥ 0; 0 is the interpolation limit min RTV² s.t. f(xᵢ) = ȳᵢ (an
        equality-constrained program).
    solver : {"auto", "full", "working_set", "neurons"}
        "full": all enumerated patterns (affine rank ≤ 3); "working_set": column
        generation over patterns with exact pricing (sampled beyond r = 3), each round a
        Clarabel conic program; "neurons" (λ > 0 only): column generation over ReLU
        atoms with an exact finite-lasso solve, merging of same-pattern atoms and the
        same pricing (:mod:`splines._ridge_neurons`), whose rounds cost O(N·atoms²)
        instead of a conic program over patterns × points; "auto": "full" when
        (pattern bound) × N ≤ 60 000, else "neurons" for λ > 0 and "working_set" for
        λ = 0.
    tol : float
        Certificate tolerance: stop when sup ≤ 1 + tol; also Clarabel's gap/feasibility
        tolerance (×1e-2).
    max_iter : int
        Column-generation rounds ("working_set" or "neurons").
    max_patterns : int
        Patterns added per working-set iteration (top violators).
    max_atoms : int
        Atoms added per "neurons" iteration (the best violator of each anchor, at most
        this many).
    exact_max_n : int
        Largest number of distinct points for the exact (O(N⁴)) 3-D certificate; above,
        the sup is estimated from sampled directions and reported as not exact.
    chunk_size : int
        Rows per block in :meth:`predict`.
    random_state : None, int or Generator
        For sampled pricing (r > 3) only.
    problem : {"rtv", "weight_decay"}
        "rtv" (default): the problem above (bias and affine skip unpenalised).
        "weight_decay": scnn's problem — the bias inside the penalty, no skip:
        :math:`min (1/2N)Σᵢ(f(xᵢ) − yᵢ)² + λΣₖ|vₖ|‖(wₖ, bₖ)‖` over f = Σₖ vₖ[wₖᵀx + bₖ]₊
        (Pilanci & Ergen arXiv 2002.10553 as implemented by pilancilab/scnn, in its
        scaling), solved by :func:`splines._scnn_variant.solve_weight_decay_variant`; λ > 0,
        no sample weights; ``objective_`` is then in scnn's convention and the certificate
        is exact for d ≤ 2 (sampled beyond).  ``solver`` is ignored.

    Attributes
    ----------
    network_ : ShallowNetwork
        f in data units (unit-norm input weights, skip = affine part).
    n_neurons_ : int
        Number of neurons (≤ N − (r+1) after support reduction).
    objective_ : float
        ½Σsᵢ(f(xᵢ) − yᵢ)² + λ RTV²(f) over all samples (for λ = 0: RTV²(f)).
    rtv_ : float
        :math:`RTV²(f) = Σ|vₖ|`.
    duality_gap_ : float
        P − D(ρ̃) with the certificate ρ̃ (absolute, data units).
    certificate_ : Certificate
        ``dual_sup`` is the certificate sup (≤ 1 + tol at an optimum); ``covers`` is
        "global" when it was computed exactly over every (w, b) and "sampled" beyond
        (affine rank > 3 or more than ``exact_max_n`` points in rank 3); ``details`` holds
        how the patterns were obtained (``patterns``, ``n_patterns``), ``iterations``,
        ``affine_residual``, ``affine_rank`` and ``verified`` (a sentence stating what was
        and was not verified).
    n_iter_ : int
        Column-generation rounds.
    n_features_in_ : int

    Examples
    --------
    Four corners of a square with y = (0, 0, 0, 1) (the AND function), interpolated:
    one neuron suffices (N − (d+1) = 1) and RTV² = √2, e.g. √2·[(x₁ + x₂ − 1)/√2]₊ or
    min(x₁, x₂) = x₂ − √2·[(x₂ − x₁)/√2]₊ (the solution is not unique).

    >>> est = RidgeSplineRegressor(lam=0.0).fit([[0, 0], [1, 0], [0, 1], [1, 1]], [0, 0, 0, 1])
    >>> est.n_neurons_, round(est.objective_, 6), round(float(np.sqrt(2)), 6)
    (1, 1.414214, 1.414214)
    >>> bool(est.certificate_.dual_sup <= 1 + 1e-6), est.certificate_.covers
    (True, 'global')
    >>> np.round(est.predict([[1, 1]]), 6).tolist()
    [1.0]
    """

    def __init__(self, lam=1e-3, *, solver="auto", tol=1e-7, max_iter=200, max_patterns=64,
                 max_atoms=256, exact_max_n=120, chunk_size=65536, random_state=None, problem="rtv"):
        self.lam = lam
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.max_patterns = max_patterns
        self.max_atoms = max_atoms
        self.exact_max_n = exact_max_n
        self.chunk_size = chunk_size
        self.random_state = random_state
        self.problem = problem

    _parameter_constraints = {
        "lam": [Interval(Real, 0, np.inf, closed="left")],
        "solver": [StrOptions({"auto", "full", "working_set", "neurons"})],
        "tol": [Interval(Real, 0, np.inf, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_patterns": [Interval(Integral, 1, None, closed="left")],
        "max_atoms": [Interval(Integral, 1, None, closed="left")],
        "exact_max_n": [Interval(Integral, 1, None, closed="left")],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": RANDOM_STATE,
        "problem": [StrOptions({"rtv", "weight_decay"})],
    }

    # -------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Fit the certified RTV² spline to X (n_samples, n_features), y (n_samples,); returns ``self``."""
        self._validate_params()
        lam, solver, tol = float(self.lam), self.solver, float(self.tol)
        if solver == "neurons" and lam == 0:
            raise ValueError("solver='neurons' needs lam > 0 (the interpolation limit lam = 0 is an "
                             "equality-constrained program: use solver='working_set' or 'auto')")
        max_atoms, max_iter = int(self.max_atoms), int(self.max_iter)
        max_patterns, exact_max_n = int(self.max_patterns), int(self.exact_max_n)
        problem = self.problem
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        s = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        N, d = X.shape
        self.n_iter_ = 0
        if problem == "weight_decay":
            return self._fit_weight_decay(X, y, sample_weight, lam, tol, max_iter)
        pos = s > 0
        Xp, yp, sp_ = X[pos], y[pos], s[pos]
        # merge duplicated points (weighted means; the within-group scatter is a constant)
        Xu, inv = np.unique(Xp, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        Wg = np.bincount(inv, weights=sp_)
        yg = np.bincount(inv, weights=sp_ * yp) / Wg
        mean, U, Z = affine_hull(Xu)
        n, r = Z.shape
        sx = float(np.max(np.linalg.norm(Z, axis=1))) if r else 1.0
        sx = sx or 1.0
        Z = Z / sx
        omega = float(np.mean(Wg))
        wn = Wg / omega
        my = float(np.average(yg, weights=Wg))
        cy = float(np.sqrt(np.average((yg - my) ** 2, weights=Wg))) or 1.0
        yn = (yg - my) / cy
        lam_n = lam / (omega * cy * sx)
        info = {"patterns": "none (affine fit)", "n_patterns": 0, "iterations": 0}
        if n <= r + 1:
            # affinely independent points (or one point): the affine interpolant, no neuron
            A = np.column_stack([np.ones(n), Z])
            coef = np.linalg.lstsq(A, yn, rcond=None)[0]
            Wn, bn, vn, c0, c = np.zeros((0, r)), np.zeros(0), np.zeros(0), float(coef[0]), coef[1:]
        else:
            Wn, bn, vn, c0, c = self._solve(Z, yn, wn, lam_n, solver, tol, max_iter, max_patterns,
                                            max_atoms, exact_max_n, info)
            W2, b2, v2, dc0, dc = reduce_support(Z, Wn, bn, vn)
            Wn, bn, vn, c0, c = W2, b2, v2, c0 + dc0, c + dc
        # back to data units: z = Uᵀ(x − mean)/sx, f = my + cy g(z)
        Wd = Wn @ U.T
        bd = Wd @ mean + sx * bn
        vd = cy * vn / sx
        C = cy * (U @ c) / sx
        C0 = my + cy * c0 - C @ mean
        self.network_ = _network(Wd, bd, vd, C0, C)
        self.n_neurons_ = int(len(vd))
        self.rtv_ = float(np.sum(np.abs(vd)))
        fx = self._predict_raw(X)
        data = 0.5 * float(np.sum(s * (fx - y) ** 2))
        self.objective_ = data + lam * self.rtv_ if lam > 0 else self.rtv_
        self.interpolation_error_ = float(np.max(np.abs(fx[pos] - yg[inv]))) if lam == 0 else None
        self._certify(Z, yn, wn, lam_n, Wn, bn, vn, c0, c, exact_max_n, info,
                      gap_scale=(omega * cy ** 2) if lam > 0 else cy / sx)
        return self

    def _fit_weight_decay(self, X, y, sample_weight, lam, tol, max_iter):
        from ._scnn_variant import solve_weight_decay_variant

        if lam == 0:
            raise ValueError("problem='weight_decay' needs lam > 0")
        if sample_weight is not None:
            raise ValueError("problem='weight_decay' (scnn's objective) takes no sample_weight")
        fit = solve_weight_decay_variant(X, y, lam, tol=tol, max_iter=max_iter, rng=self.random_state)
        cert = fit.certificate
        self.network_ = fit.network()
        self.n_neurons_ = int(self.network_.n_neurons)
        self.n_iter_ = int(fit.info.get("iterations", 0))
        self.rtv_ = float(np.sum(np.abs(fit.v)))                # Σ|vₖ|‖(wₖ, bₖ)‖ with unit (w, b)
        self.objective_ = float(fit.objective)
        self.interpolation_error_ = None
        self.duality_gap_ = float(cert["gap"])
        exact = bool(cert["exact"])
        verified = (f"global optimality of scnn's weight-decay problem: sup-norm {cert['sup']:.3g} computed "
                    f"exactly; duality gap {cert['gap']:.3g}" if exact else
                    f"NOT a global certificate: the sup-norm {cert['sup']:.3g} is a lower bound from sampled "
                    f"directions; the duality gap {cert['gap']:.3g} assumes it is the true one")
        self.certificate_ = Certificate.from_gap(
            self.objective_, self.duality_gap_, covers="global" if exact else "sampled",
            problem="(1/2N)Σ(f(xᵢ) − yᵢ)² + λΣ|vₖ|‖(wₖ, bₖ)‖ over ReLU networks without skip (scnn's weight decay)",
            method="central ReLU atoms, exact sup" if exact else "central ReLU atoms, sampled sup",
            dual_sup=float(cert["sup"]),
            details={"patterns": "neuron column generation (splines._scnn_variant)", "n_patterns": 0,
                     "iterations": self.n_iter_, "affine_residual": None, "affine_rank": int(X.shape[1]),
                     "verified": verified})
        return self

    def _solve(self, Z, yn, wn, lam_n, solver, tol, max_iter, max_patterns, max_atoms, exact_max_n, info):
        n, r = Z.shape
        bound = n_patterns_bound(n, r) if r <= 3 else None
        if solver == "auto":
            if bound is not None and bound * n <= _FULL_BUDGET:
                solver = "full"
            else:
                solver = "neurons" if lam_n > 0 else "working_set"
        if solver == "neurons":
            return self._solve_neurons(Z, yn, wn, lam_n, tol, max_iter, max_atoms, exact_max_n, info)
        if solver == "full":
            if r > 3:
                raise ValueError(f"solver='full' enumerates every pattern and needs affine rank <= 3, got "
                                 f"{r}; use solver='working_set'")
            pats = enumerate_patterns(Z)
            sol = _solve_program(Z, yn, wn, lam_n, pats, 1e-2 * tol)
            info.update(patterns=f"enumerated: all {pats.shape[0]} canonical patterns", n_patterns=pats.shape[0],
                        iterations=1, nu=sol["nu"])
            self.n_iter_ = 1
            sol = _polish(Z, yn, wn, lam_n, pats, sol, tol)
            info["nu"] = sol["nu"]
            W, b, v = _neurons_from_blocks(sol)
            return W, b, v, float(sol["c0"]), sol["c"]
        rng = as_generator(self.random_state)
        # start: the affine fit's violators (+ a 1-D threshold chain for interpolation feasibility)
        A = np.column_stack([np.ones(n), Z])
        if lam_n > 0:
            rho = wn * (yn - A @ np.linalg.lstsq(A * np.sqrt(wn)[:, None], yn * np.sqrt(wn), rcond=None)[0])
            _, _, cands = relu_sup_norm(Z, rho, top_k=max_patterns, exact_max_n=exact_max_n, rng=rng,
                                          linear=True)
            pats = _cand_patterns(Z, cands, 0.0)
        else:
            u = rng.standard_normal(r)
            t = Z @ u
            ts = np.unique(t)
            cuts = 0.5 * (ts[1:] + ts[:-1])
            pats = canonical_patterns(t[None, :] > cuts[:, None])
        seen = {p.tobytes() for p in np.packbits(pats, axis=1)}
        sol = None
        for it in range(max_iter):
            sol = _solve_program(Z, yn, wn, lam_n, pats, 1e-2 * tol)
            W, b, v = _neurons_from_blocks(sol)
            g = _eval(Z, W, b, v, float(sol["c0"]), sol["c"])
            rr = wn * (yn - g) / lam_n if lam_n > 0 else sol["nu"]
            sup, exact, cands = relu_sup_norm(Z, rr, top_k=max_patterns, exact_max_n=exact_max_n, rng=rng,
                                              linear=True)
            info["iterations"] = it + 1
            self.n_iter_ = it + 1
            status(f"working set: iteration {it + 1}/{max_iter}, {pats.shape[0]} patterns, certificate sup "
                   f"{sup:.8g} (stops at 1 + {tol:g})")
            if sup <= 1 + tol:
                break
            new = _cand_patterns(Z, cands, 1 + 0.5 * tol)
            keys = [p.tobytes() for p in np.packbits(new, axis=1)] if len(new) else []
            fresh = [k for k, key in enumerate(keys) if key not in seen]
            if not fresh:
                break
            seen.update(keys[k] for k in fresh)
            pats = np.vstack([pats, new[fresh]])
        else:
            warnings.warn(f"working set: max_iter={max_iter} reached with certificate sup {sup:.6g} > 1 + tol; "
                          "see certificate_", RuntimeWarning, stacklevel=3)
        sol = _polish(Z, yn, wn, lam_n, pats, sol, tol)
        W, b, v = _neurons_from_blocks(sol)
        how = "exact pricing" if (r <= 2 or (r == 3 and n <= exact_max_n)) else "sampled pricing"
        tot = f" of {bound}" if bound is not None else ""
        info.update(patterns=f"working set ({how}): {pats.shape[0]}{tot} canonical patterns",
                    n_patterns=pats.shape[0], nu=sol["nu"])
        return W, b, v, float(sol["c0"]), sol["c"]

    def _solve_neurons(self, Z, yn, wn, lam_n, tol, max_iter, max_atoms, exact_max_n, info):
        n, r = Z.shape
        W, b, v, c0, c, run = solve_neurons(Z, yn, wn, lam_n, tol=tol, max_iter=max_iter, max_new=max_atoms,
                                            exact_max_n=exact_max_n, rng=as_generator(self.random_state))
        self.n_iter_ = run["iterations"]
        # a stall (the restricted objective no longer moves in floating point while the
        # priced sup is still above 1 + tol) is not warned about: the duality gap in
        # certificate_ states how far from optimal the fit can be.
        if run["sup"] > 1 + tol and not run["stalled"]:
            warnings.warn(f"neurons: max_iter={max_iter} reached with priced sup {run['sup']:.10g} > 1 + tol; "
                          "see certificate_", RuntimeWarning, stacklevel=3)
        how = "exact pricing" if run["exact_pricing"] else "sampled pricing"
        stop = "stalled at the rounding floor" if run["stalled"] else f"priced sup {run['sup']:.10g}"
        info.update(patterns=f"neuron column generation ({how}): {len(v)} atoms after {run['iterations']} "
                             f"rounds ({stop}), {run['lasso_steps']} feature-sign steps",
                    n_patterns=0, iterations=run["iterations"])
        return W, b, v, c0, c

    def _certify(self, Z, yn, wn, lam_n, W, b, v, c0, c, exact_max_n, info, gap_scale):
        n, r = Z.shape
        g = _eval(Z, W, b, v, c0, c)
        A = np.column_stack([np.ones(n), Z])
        if lam_n > 0:
            rho = wn * (yn - g)
            aff = float(np.linalg.norm(A.T @ rho) / max(np.linalg.norm(rho) * np.linalg.norm(A), 1e-300))
            rho_p = _project_affine(Z, rho)
            sup, exact, _ = relu_sup_norm(Z, rho_p / lam_n, exact_max_n=exact_max_n,
                                          rng=as_generator(self.random_state), starts=W)
            rt = rho_p / max(1.0, sup)
            primal = 0.5 * float(wn @ (g - yn) ** 2) + lam_n * float(np.sum(np.abs(v)))
            dual = float(rt @ yn - 0.5 * np.sum(rt ** 2 / wn))
        else:
            # interpolation: ν, the multiplier of f(zᵢ) = ȳᵢ in the last pattern program
            nu = info.get("nu", np.zeros(n))
            aff = 0.0
            nu_p = _project_affine(Z, nu)
            sup, exact, _ = relu_sup_norm(Z, nu_p, exact_max_n=exact_max_n, rng=as_generator(self.random_state))
            if n <= r + 1:
                sup, exact = 0.0, True
            primal = float(np.sum(np.abs(v)))
            dual = float(nu_p @ yn) / max(1.0, sup)
        gap = max(primal - dual, 0.0) * gap_scale
        method = {1: "sorted breakpoints (1-D)", 2: "anchored angular sweep (2-D)",
                  3: "anchored vertex/arc/cell enumeration (3-D)"}.get(r, "") if exact else \
            "sampled directions and the fitted neurons' own, exact in b, fixed-point ascent (lower bound)"
        if n <= r + 1:
            method = "affine interpolation (no neuron)"
        if exact:
            verified = (f"global optimality over all activation patterns: the dual certificate sup-norm "
                        f"{sup:.3g} was computed exactly over every (w, b); duality gap {gap:.3g}")
        else:
            verified = (f"NOT a global certificate: the sup-norm {sup:.3g} is a lower bound from sampled "
                        f"directions (affine rank {r}); optimality is verified only over the patterns in "
                        f"the working set and the sampled directions; the duality gap {gap:.3g} assumes "
                        "the sampled sup is the true one")
        self.duality_gap_ = gap
        what = "½Σsᵢ(f(xᵢ) − yᵢ)² + λ RTV²(f)" if lam_n > 0 else "RTV²(f) subject to f(xᵢ) = ȳᵢ"
        self.certificate_ = Certificate.from_gap(
            self.objective_, gap, covers="global" if exact else "sampled",
            problem=f"{what} over the second-order Radon-domain BV space", method=method, dual_sup=float(sup),
            details={"patterns": info["patterns"], "n_patterns": int(info["n_patterns"]),
                     "iterations": int(info["iterations"]), "affine_residual": aff, "affine_rank": int(r),
                     "verified": verified})

    # -------------------------------------------------------------- predict
    def _predict_raw(self, X):
        out = np.empty(X.shape[0])
        cs = int(self.chunk_size)
        for s0 in range(0, X.shape[0], cs):
            out[s0:s0 + cs] = self.network_(X[s0:s0 + cs])
        return out

    def predict(self, X):
        """f(X) for X (M, d), evaluated in chunks of ``chunk_size`` rows."""
        return self._predict_raw(self._validate_predict_data(X))
