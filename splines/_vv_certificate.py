r"""Exact dual certificate of the vector-valued ridge-spline problem (affine rank ≤ 3).

For residual weights R ∈ ℝ^{N×D} (columns ⟂ the affine functions of the data) compute

    s(R) = sup_{‖w‖=1, b} ‖Σᵢ Rᵢ [wᵀzᵢ − b]₊‖₂ .

Reductions [derived]:

* *Knots at the data.*  For fixed w, b ↦ Σᵢ Rᵢ[wᵀzᵢ − b]₊ is affine between consecutive
  projections wᵀzᵢ, so its norm is convex there; it vanishes for b below or above every
  projection (R ⟂ 1, z).  Hence the sup over b is attained at some b = wᵀzⱼ, and
  s(R) = maxⱼ sup_{‖w‖=1} ‖hⱼ(w)‖ with the anchored, positively homogeneous
  hⱼ(w) = Σᵢ Rᵢ [wᵀyᵢ]₊, yᵢ = zᵢ − zⱼ.  (w may be taken in the span of the data's
  affine hull: a component outside only shrinks ‖w‖'s useful part.)
* *Faces of the anchored arrangement.*  The great circles {w : wᵀyᵢ = 0} cut the sphere
  into vertices, open arcs and open cells; on each face hⱼ(w) = A_F w is linear
  (A_F = Σ_{i∈S_F} Rᵢ yᵢᵀ, S_F the active set, restricted to the face's span).  A
  maximiser w* of ‖hⱼ‖ lies in the relative interior of some face F; if F is an arc or
  a cell, w* is a local maximiser of ‖A_F w‖ on the unit sphere of span F, hence a top
  right singular vector of A_F (local maxima of a Rayleigh quotient on a sphere are
  global).  If that singular value is not simple, ‖A_F w‖ is constant on a great
  circle through w* inside the top singular space, which leaves F, so the same value is
  attained on F's boundary (a lower-dimensional face).  So the finite set
  {vertices} ∪ {±top right singular vector of A_F : F an arc or a cell}, each evaluated
  *exactly* (hⱼ at the candidate, not the linear model), contains a maximiser: the max
  over it is s(R), exactly (floating point aside).

The per-face bound σ_max(A_F) alone is *not* a valid sharp bound (the singular vector
may lie outside F, where hⱼ ≠ A_F w), and the pattern-wise spectral norm of
Σ_{i∈S} Rᵢ(zᵢ, −1)ᵀ over (w, b) without the anchoring would carry a factor
√(1 + max‖z‖²); neither is used.  Cost: O(N³ D) for rank 2, O(N⁴ D) for rank 3.
"""

from __future__ import annotations

import numpy as np

__all__ = ["vv_sup_norm"]


def _unit(V):
    n = np.linalg.norm(V, axis=-1, keepdims=True)
    return V / np.where(n > 0, n, 1.0)


def _circle(Q):
    """Vertex and arc-midpoint unit directions of the central line arrangement of Q (n, 2)."""
    if Q.shape[0] == 0:
        return np.zeros((0, 2)), np.array([[1.0, 0.0]])
    ang = np.arctan2(Q[:, 0], -Q[:, 1])                   # angle of perp(q) = (−q₂, q₁)
    ang = np.mod(np.concatenate([ang, ang + np.pi]), 2 * np.pi)
    ang = np.sort(ang)
    keep = np.concatenate([[True], np.diff(ang) > 1e-13])
    ang = ang[keep]
    if ang.size > 1 and ang[-1] - ang[0] > 2 * np.pi - 1e-13:
        ang = ang[:-1]
    nxt = np.concatenate([ang[1:], [ang[0] + 2 * np.pi]])
    mid = 0.5 * (ang + nxt)
    return np.c_[np.cos(ang), np.sin(ang)], np.c_[np.cos(mid), np.sin(mid)]


def _top_vec(P, R, Y):
    """Top right singular vectors of A_S = Σ_{i∈S} Rᵢ yᵢᵀ for patterns P (k, n): (k, m)."""
    A = np.einsum("ki,id,im->kdm", P.astype(float), R, Y, optimize=True)
    G = np.einsum("kdm,kdl->kml", A, A)
    _, vec = np.linalg.eigh(G)
    return vec[:, :, -1]


def _anchor_candidates(Y, R, tie_tol):
    """Candidate unit directions (c, m) for one anchor (points Y ≠ 0, rank m ∈ {1, 2, 3})."""
    n, m = Y.shape
    if m == 1:
        return np.array([[1.0], [-1.0]])
    if m == 2:
        V, M = _circle(Y)
        t = _top_vec(M @ Y.T > 0, R, Y)
        return np.vstack([V, t, -t])
    # m == 3
    ny = np.linalg.norm(Y, axis=1)
    a, b = np.triu_indices(n, 1)
    C = np.cross(Y[a], Y[b])
    nc = np.linalg.norm(C, axis=1)
    ok = nc > tie_tol * ny[a] * ny[b]
    a, b, C = a[ok], b[ok], C[ok] / nc[ok, None]
    out = [C, -C]
    # open arcs: the great circle ⟂ y_a, one per distinct plane
    seen = set()
    for i in range(n):
        key = tuple(np.round(_canon(Y[i] / ny[i]), 10))
        if key in seen:
            continue
        seen.add(key)
        E = np.linalg.svd(Y[i][None, :])[2][1:]           # (2, 3) basis of y_i^⊥
        Q = Y @ E.T
        nz = np.linalg.norm(Q, axis=1) > tie_tol * ny
        _, M = _circle(Q[nz])
        if not nz.any():
            continue
        t = _top_vec(M @ Q[nz].T > 0, R[nz], Q[nz]) @ E
        out += [t, -t]
    # open cells: the cells around every vertex ±c
    for sgn in (1.0, -1.0):
        Cs = sgn * C
        S = Cs @ Y.T                                       # (k, n)
        tie = np.abs(S) <= tie_tol * ny[None, :]
        base = (S > 0) & ~tie
        ntie = tie.sum(1)
        gen = ntie == 2
        if gen.any():
            ag, bg = a[gen], b[gen]
            Bg = base[gen]
            Ab = np.einsum("ki,id,im->kdm", Bg.astype(float), R, Y, optimize=True)
            Ta = np.einsum("kd,km->kdm", R[ag], Y[ag])
            Tb = np.einsum("kd,km->kdm", R[bg], Y[bg])
            for sa in (0.0, 1.0):
                for sb in (0.0, 1.0):
                    A = Ab + sa * Ta + sb * Tb
                    _, vec = np.linalg.eigh(np.einsum("kdm,kdl->kml", A, A))
                    t = vec[:, :, -1]
                    out += [t, -t]
        for k in np.flatnonzero(~gen):
            T = np.flatnonzero(tie[k])
            E = np.linalg.svd(Cs[k][None, :])[2][1:]
            _, M = _circle(Y[T] @ E.T)
            D3 = M @ E
            P = base[k][None, :] | (tie[k][None, :] & (D3 @ Y.T > 0))
            t = _top_vec(P, R, Y)
            out += [t, -t]
    return np.vstack(out)


def _canon(v):
    """Sign-canonical representative of ±v (first nonzero entry positive)."""
    k = np.flatnonzero(np.abs(v) > 1e-12)
    return v if k.size == 0 or v[k[0]] > 0 else -v


def vv_sup_norm(Z, R, *, top_k=8, tie_tol=1e-10):
    """sup_{‖w‖=1, b} ‖Σᵢ Rᵢ [wᵀzᵢ − b]₊‖₂, exactly, for points Z (N, m), m ≤ 3.

    Z are affine-hull coordinates (full affine rank m), R (N, D) residual weights with
    columns ⟂ {1, z}.  Returns ``(value, candidates)`` with candidates a list of the best
    ``(value, w (m,), b)`` (distinct directions/knots, best first).  Module docstring for
    the derivation.

    Examples
    --------
    Collinear points 0, 1, 2 with r = (1, −2, 1) in two outputs (r, 2r): the hat
    ‖(1, 2)‖·(1 − |b − 1|) peaks at the middle point.

    >>> val, cand = vv_sup_norm([[0.0], [1.0], [2.0]], [[1.0, 2.0], [-2.0, -4.0], [1.0, 2.0]])
    >>> round(val ** 2, 12), round(cand[0][2], 12)
    (5.0, 1.0)
    """
    Z = np.asarray(Z, dtype=float)
    R = np.asarray(R, dtype=float)
    if Z.ndim != 2 or R.ndim != 2 or len(Z) != len(R):
        raise ValueError(f"Z (N, m) and R (N, D) expected, got {Z.shape}, {R.shape}")
    m = Z.shape[1]
    if m > 3:
        raise ValueError(f"exact vector-valued certificate needs affine rank ≤ 3, got {m}")
    # merge duplicated points (h only sees Σ R over a point)
    Zu, inv = np.unique(Z, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    Ru = np.zeros((len(Zu), R.shape[1]))
    np.add.at(Ru, inv, R)
    if m == 0 or len(Zu) < 2 or not np.any(Ru):
        return 0.0, []
    scale = float(np.max(np.abs(Zu - Zu.mean(0)))) or 1.0
    best = []
    for j in range(len(Zu)):
        Y = np.delete(Zu, j, 0) - Zu[j]
        Rj = np.delete(Ru, j, 0)
        Wc = _anchor_candidates(Y / scale, Rj, tie_tol)
        Wc = _unit(Wc[np.linalg.norm(Wc, axis=1) > 0])
        H = np.maximum(Wc @ Y.T, 0.0) @ Rj
        val = np.linalg.norm(H, axis=1)
        order = np.argsort(-val)[:top_k]
        best += [(float(val[k]), Wc[k], float(Wc[k] @ Zu[j])) for k in order]
    best.sort(key=lambda c: -c[0])
    out, seen = [], set()
    for c in best:
        key = (tuple(np.round(c[1], 8)), round(c[2], 8))
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
        if len(out) >= top_k:
            break
    return (out[0][0] if out else 0.0), out
