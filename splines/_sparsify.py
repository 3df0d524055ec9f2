"""Support reduction of a ReLU-network solution (Carathéodory on the fitted values).

Given neurons with unit directions wₖ, offsets bₖ and output weights vₖ, write
vₖ[wₖᵀx − bₖ]₊ = αₖ mₖ(x) with αₖ = |vₖ| > 0 and mₖ = sign(vₖ)[wₖᵀx − bₖ]₊.  On the
data, f = Σ αₖ mₖ + A c with A = [1, Z] the affine design.  Let m̃ₖ be mₖ projected onto
range(A)⊥ (dimension N − (r+1), r the affine rank).  While the m̃ₖ are linearly
dependent, take η ≠ 0 with Σ ηₖ m̃ₖ = 0 and move α ← α + tη until a weight hits zero;
the fitted values stay the same once c absorbs the affine part A Γη.

RTV² = Σαₖ changes by tΣηₖ.  At an optimum the dual certificate ρ (⊥ range A) has
⟨ρ, mₖ⟩ = λ on every active atom, so Σηₖ = ⟨ρ, Σηₖm̃ₖ⟩/λ = 0 [derived]: the objective
is unchanged, and with a null space of dimension ≥ 2 we pick η with Σηₖ = 0 exactly;
otherwise the sign of η is chosen so that Σα never increases.  The loop ends with
linearly independent m̃ₖ, hence at most N − (r+1) neurons (the representer-theorem
width, Parhi & Nowak arXiv 2006.05626, Thm 1; Ongie et al. arXiv 1910.01635).  Atoms
with m̃ₖ = 0 (affine on the data) are removed into c, which can only lower Σα.
"""

from __future__ import annotations

import numpy as np

__all__ = ["reduce_support"]


def reduce_support(Z, W, b, v, *, rtol=1e-10):
    """Reduce (W (K, r) unit rows, b (K,), v (K,)) to linearly independent atoms modulo affine.

    Returns ``(W, b, v, c0, c)`` with the same fitted values on Z (N, r) up to rounding:
    Σ vₖ[wₖᵀz − bₖ]₊ + c0 + cᵀz, where the affine part is what the removed atoms
    contributed (add it to the existing affine part).
    """
    N, r = Z.shape
    A = np.column_stack([np.ones(N), Z])
    Qa, _ = np.linalg.qr(A)
    W, b, v = np.array(W, dtype=float), np.array(b, dtype=float), np.array(v, dtype=float)
    M = np.sign(v)[None, :] * np.maximum(Z @ W.T - b[None, :], 0.0)      # (N, K)
    alpha = np.abs(v)
    f0 = M @ alpha
    keep = alpha > 0
    dim = N - r - 1                       # dimension of range(A)⊥
    for _ in range(2 * W.shape[0] + 2):
        idx = np.flatnonzero(keep)
        if idx.size == 0:
            break
        Mt = M[:, idx] - Qa @ (Qa.T @ M[:, idx])
        scale = max(float(np.linalg.norm(M[:, idx], axis=0).max()), 1e-300)
        zero = np.linalg.norm(Mt, axis=0) <= rtol * scale
        if np.any(zero):
            keep[idx[zero]] = False
            continue
        if idx.size == 1:
            break
        # any dim + 1 columns are dependent: work on a small subset (O(N³) per removal)
        sub = np.arange(min(idx.size, dim + 1))
        _, s, Vt = np.linalg.svd(Mt[:, sub], full_matrices=True)
        s_full = np.zeros(sub.size)
        s_full[:s.size] = s
        null = Vt[s_full <= rtol * max(s_full[0], 1e-300) * sub.size]
        if null.shape[0] == 0:
            break
        if null.shape[0] >= 2:
            sums = null.sum(axis=1)
            k = int(np.argmax(np.abs(sums)))
            other = 0 if k != 0 else 1
            eta = null[other] - (sums[other] / sums[k]) * null[k] if sums[k] != 0 else null[0]
        else:
            eta = null[0]
        if eta.sum() > 0:
            eta = -eta
        neg = eta < 0
        if not np.any(neg):
            eta = -eta
            neg = eta < 0
        ids = idx[sub]
        ratios = np.full(sub.size, np.inf)
        ratios[neg] = alpha[ids[neg]] / (-eta[neg])
        kmin = int(np.argmin(ratios))
        alpha[ids] = alpha[ids] + ratios[kmin] * eta
        alpha[ids[kmin]] = 0.0
        keep[ids] = alpha[ids] > 0
    idx = np.flatnonzero(keep)
    resid = f0 - M[:, idx] @ alpha[idx]
    coef = np.linalg.lstsq(A, resid, rcond=None)[0]
    return W[idx], b[idx], np.sign(v[idx]) * alpha[idx], float(coef[0]), coef[1:]
