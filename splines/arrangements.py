"""Activation patterns of ReLU neurons with bias on a data set (hyperplane arrangements).

A neuron [wᵀx − b]₊ acts on data x₁..x_N through its *activation pattern*
D = diag(1[Xw − b > 0]).  In (w, b) ∈ ℝ^{d+1} the N hyperplanes {(w, b): wᵀxᵢ = b} form a
central arrangement; its open cells are the patterns of generic neurons.  These are the
patterns of the convex reformulation of two-layer ReLU training (Pilanci & Ergen,
arXiv 2002.10553; docs/theory/representer.md §Convex reformulation), here with an unpenalised bias.

Facts used [derived]:

* With r the affine rank of the data, the arrangement has no lineality, so every open
  cell is a pointed cone and has an extreme ray: a hyperplane through r affinely
  independent data points.  The cells adjacent to such a hyperplane H are: the sign of
  every point off H given by H (either orientation), and on the tie set T = X ∩ H any
  pattern realisable by a generic affine function on T (recursively, in dimension r − 1;
  when T is exactly r affinely independent points, all 2^r patterns).  This enumerates
  every cell exactly, also for degenerate data (collinear or coplanar points, duplicates).
* D and its complement I − D give the same neuron up to an affine function
  ([z]₊ − [−z]₊ = z); with an unpenalised affine part one representative per pair
  suffices: the *canonical* pattern is the one with point 0 inactive.  The trivial pair
  (all on / all off) is affine and is dropped.
* In general position the number of cells is 2 Σ_{k=0}^{r} C(N−1, k) (a central
  arrangement of N hyperplanes in ℝ^{r+1}), so N^r/r! canonical patterns: exact
  enumeration is practical for r ≤ 3 and N up to a few hundred (r = 2) or about a
  hundred (r = 3); beyond, :func:`sample_patterns` draws patterns with a budget.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ridgekit._validation import as_float_array, as_generator, check_int, check_positive

__all__ = ["affine_hull", "enumerate_patterns", "sample_patterns", "canonical_patterns",
           "n_patterns_bound"]


def affine_hull(X, *, rtol=1e-10):
    """Orthonormal coordinates of the points in their affine hull.

    Returns ``(mean (d,), basis (d, r), Z (N, r))`` with X ≈ mean + Z basisᵀ and r the
    affine rank (singular values of X − mean below ``rtol`` × the largest are dropped).
    """
    X = as_float_array(X, "X", ndim=2)
    mean = X.mean(axis=0)
    Xc = X - mean
    if Xc.shape[0] == 1 or not np.any(Xc):
        return mean, np.zeros((X.shape[1], 0)), np.zeros((X.shape[0], 0))
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = int(np.sum(s > rtol * s[0]))
    U = Vt[:r].T
    return mean, U, Xc @ U


def n_patterns_bound(N: int, r: int) -> int:
    """Canonical non-trivial patterns in general position: Σ_{k=0}^{r} C(N−1, k) − 1."""
    N = check_int(N, "N", minimum=1)
    r = check_int(r, "r", minimum=0)
    return sum(math.comb(N - 1, k) for k in range(r + 1)) - 1


def canonical_patterns(P, *, drop_trivial=True) -> np.ndarray:
    """Flip every pattern with point 0 active, drop duplicates (and the trivial pattern).

    Rows are returned sorted (by their packed bits).
    """
    P = np.asarray(P, dtype=bool)
    if P.ndim != 2:
        raise ValueError(f"patterns must have shape (P, N), got {P.shape}")
    if P.shape[1] == 0:
        return np.zeros((0, 0), dtype=bool)
    P = P ^ P[:, :1]
    if drop_trivial:
        P = P[P.any(axis=1)]
    if P.shape[0] == 0:
        return P
    packed = np.unique(np.packbits(P, axis=1), axis=0)
    return np.unpackbits(packed, axis=1, count=P.shape[1]).astype(bool)


def _cells(Z, tol):
    """All open-cell patterns (not canonical, trivial included) of points Z (n, ·)."""
    n = Z.shape[0]
    if n == 0:
        return np.zeros((1, 0), dtype=bool)
    _, _, Zr = affine_hull(Z)
    r = Zr.shape[1]
    if r == 0:
        return np.array([[False] * n, [True] * n])
    if r == 1:
        t = Zr[:, 0]
        v = np.unique(t)
        cuts = np.concatenate([[v[0] - 1.0], 0.5 * (v[1:] + v[:-1]), [v[-1] + 1.0]])
        up = t[None, :] > cuts[:, None]
        return np.unique(np.vstack([up, ~up]), axis=0)
    if r > 3:
        raise ValueError(f"exact pattern enumeration supports affine rank r <= 3, got r = {r}; "
                         "use sample_patterns")
    scale = max(float(np.max(np.abs(Zr))), 1e-300)
    out = []
    seen = set()
    combos = np.array(list(itertools.combinations(range(n), r)), dtype=np.int64)
    sub = np.array(list(itertools.product([False, True], repeat=r)), dtype=bool)  # (2^r, r)
    chunk = max(1, 4_000_000 // max(n, 1))
    for s0 in range(0, combos.shape[0], chunk):
        cb = combos[s0:s0 + chunk]
        base = Zr[cb[:, 0]]
        E = Zr[cb[:, 1:]] - base[:, None, :]                  # (m, r-1, r)
        if r == 2:
            nrm = np.stack([-E[:, 0, 1], E[:, 0, 0]], axis=1)
        else:
            nrm = np.cross(E[:, 0], E[:, 1])
        nn = np.linalg.norm(nrm, axis=1)
        ok = nn > tol * scale ** (r - 1)
        cb, base, nrm, nn = cb[ok], base[ok], nrm[ok] / nn[ok, None], nn[ok]
        val = Zr @ nrm.T - np.sum(nrm * base, axis=1)[None, :]   # (n, m)
        val = val.T
        tie = np.abs(val) <= tol * scale
        nt = tie.sum(axis=1)
        gen = nt == r
        if np.any(gen):
            pos = val[gen] > 0                                  # ties are exactly cb
            idx = cb[gen]
            P = np.repeat(pos[:, None, :], sub.shape[0], axis=1)
            rows = np.arange(P.shape[0])[:, None, None]
            P[rows, np.arange(sub.shape[0])[None, :, None], idx[:, None, :]] = sub[None, :, :]
            out.append(canonical_patterns(P.reshape(-1, n), drop_trivial=False))
        for k in np.flatnonzero(~gen):
            T = np.flatnonzero(tie[k])
            key = T.tobytes()
            if key in seen:
                continue
            seen.add(key)
            subP = _cells(Z[T], tol)
            P = np.repeat((val[k] > 0)[None, :], subP.shape[0], axis=0)
            P[:, T] = subP
            out.append(np.vstack([P, ~P]))
    P = np.vstack(out) if out else np.zeros((0, n), dtype=bool)
    P = np.vstack([P, ~P, np.zeros((1, n), dtype=bool), np.ones((1, n), dtype=bool)])
    packed = np.unique(np.packbits(P, axis=1), axis=0)
    return np.unpackbits(packed, axis=1, count=n).astype(bool)


def enumerate_patterns(X, *, tol=1e-10, canonical=True) -> np.ndarray:
    """Every activation pattern 1[Xw − b > 0] of a generic neuron, exactly (affine rank ≤ 3).

    Parameters
    ----------
    X : array (N, d)
        Data points (duplicates allowed: they always share their activation).
    tol : float
        Relative tolerance deciding that a point lies on a hyperplane through others.
    canonical : bool
        One pattern per complementary pair (point 0 inactive), trivial pair dropped
        (default); otherwise all cells, including all-off and all-on.

    Returns
    -------
    ndarray of bool, shape (P, N)

    Notes
    -----
    Method in the module docstring: hyperplanes through r affinely independent points
    (r the affine rank), the cells around each, ties resolved recursively [derived].
    Cost O(C(N, r) N) time.

    Examples
    --------
    1-D data with n distinct points have 2n cells (docs/theory/representer.md §Convex reformulation), so n − 1 canonical
    non-trivial patterns; 4 points in general position in the plane have
    1 + 3 + 3 − 1 = 6:

    >>> enumerate_patterns([[0.0], [1.0], [3.0]], canonical=False).shape[0]
    6
    >>> X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 2.0]]
    >>> enumerate_patterns(X).shape[0], n_patterns_bound(4, 2)
    (6, 6)
    """
    X = as_float_array(X, "X", ndim=2)
    tol = check_positive(tol, "tol")
    P = _cells(X, tol)
    return canonical_patterns(P) if canonical else P


def sample_patterns(X, n_samples, *, rng=None, canonical=True) -> np.ndarray:
    """Random patterns of generic neurons: w ~ N(0, I), b between two random projections.

    Returns at most ``n_samples`` distinct patterns (canonical and non-trivial by
    default).  A sample, not an enumeration: the convex program built on it is exact
    only if it contains the optimal patterns, which the dual certificate checks.
    """
    X = as_float_array(X, "X", ndim=2)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    rng = as_generator(rng)
    N, d = X.shape
    W = rng.standard_normal((n_samples, d))
    T = X @ W.T                                                   # (N, n)
    i = rng.integers(0, N, n_samples)
    k = rng.integers(0, N, n_samples)
    b = 0.5 * (T[i, np.arange(n_samples)] + T[k, np.arange(n_samples)])
    P = (T - b[None, :] > 0).T
    if canonical:
        return canonical_patterns(P)
    return np.unique(P, axis=0)
