"""Fused CPU kernel of :func:`nets.torch.train_gd_batched` (private; ``backend="fused"``).

Full-batch GD on B independent two-layer ReLU networks
f(x) = Σⱼ vⱼ ReLU(wⱼ·x − bⱼ) + β (arXiv 2506.20779, §2; docs/theory/flat_minima.md), loss
L(θ) = (1/2n) Σᵢ ‖f(xᵢ) − yᵢ‖², update θ ← θ − η (clip(∇L) + λθ) (the rule of
:func:`nets.torch.train_gd`).  With hᵢⱼ = wⱼ·xᵢ − bⱼ and rᵢ = (f(xᵢ) − yᵢ)/n, per
neuron j (D outputs c):

    ∇_{v_jc} L = Σᵢ r_ic ReLU(hᵢⱼ),   uᵢⱼ = 1[hᵢⱼ > 0] Σ_c v_jc r_ic,
    ∇_{b_j} L = −Σᵢ uᵢⱼ,   ∇_{w_j} L = Σᵢ uᵢⱼ xᵢ,   ∇_β L = Σᵢ rᵢ

(ReLU′(0) = 0, as torch's autograd).  hᵢⱼ is recomputed in the backward pass instead of
stored, so nothing of size n × m is ever written: per neuron the kernel makes a few
passes over length-n vectors (X stored transposed, (d, n), contiguous in i) that stay in
L1 and vectorise.  The reductions over i are reassociated (``fastmath`` reassoc and
contract only: no assumptions on NaN, infinities or signed zeros), so sums are taken in
a different order than torch's — results agree to rounding, not bit for bit.  This is
the one exception to the fastmath-off policy of :mod:`ridgekit._numba`, justified by
measurement: without reassociation the reductions stay scalar and a step of one width-1024,
n = 512 network takes 3.2–4.6 ms instead of 0.25–0.5 ms (float32/float64, one core,
loaded machine), no faster than torch's autograd; the accuracy is tested against
autograd in tests/test_train.py (one float64 step to 1e-12 relative, 300 steps to 1e-12).

Inputs are validated by the caller: contiguous arrays of one float dtype (float32 or
float64) except where noted; decorators from the one policy module :mod:`ridgekit._numba`.
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import njit, pjit, prange

__all__ = ["gd_segment", "gd_segment_serial"]

#: Reassociation lets LLVM vectorise the reductions over samples; contraction allows FMA.
_FAST = {"reassoc", "contract"}


@njit(fastmath=_FAST)
def _preactivation(X, W, b, j, n, h):
    """h[i] = W[j]·X[:, i] − b[j] for i < n (X is (d, n_max))."""
    d = X.shape[0]
    w0 = W[j, 0]
    bj = b[j]
    for i in range(n):
        h[i] = w0 * X[0, i] - bj
    for k in range(1, d):
        w = W[j, k]
        for i in range(n):
            h[i] += w * X[k, i]


@njit(fastmath=_FAST)
def _train_one(X, Y, n, m, inv_n, W, b, V, c0, lr, wd, clip, t0, t1, final, losses):
    """Steps t0 … t1 − 1 of one network in place (losses[t] = L(θ_t)); if ``final``, also
    L(θ_t1) without an update.  Returns the number of clipped steps."""
    d = X.shape[0]
    D = Y.shape[0]
    zbuf = np.zeros(1, W.dtype)            # typed scalars: float32 stays float32
    zero = zbuf[0]
    h = np.empty(n, W.dtype)
    u = np.empty(n, W.dtype)
    R = np.empty((D, n), W.dtype)          # outputs f, then residuals r = (f − y)/n
    gW = np.zeros((m, d), W.dtype)
    gb = np.zeros(m, W.dtype)
    gV = np.zeros((m, D), W.dtype)
    gc = np.zeros(D, W.dtype)
    nclip = 0
    last = t1 + 1 if final else t1
    for step in range(t0, last):
        # forward: f = Σⱼ vⱼ ReLU(hⱼ) + β
        for c in range(D):
            cc = c0[c]
            for i in range(n):
                R[c, i] = cc
        for j in range(m):
            _preactivation(X, W, b, j, n, h)
            for c in range(D):
                v = V[j, c]
                for i in range(n):
                    hi = h[i]
                    R[c, i] += v * (hi if hi > zero else zero)
        ss = 0.0
        for c in range(D):
            for i in range(n):
                r = (R[c, i] - Y[c, i]) * inv_n
                R[c, i] = r
                ss += float(r) * float(r)
        losses[step] = 0.5 * ss * n        # (1/2n) Σ‖f − y‖² = (n/2) Σ‖r‖²
        if step == t1:
            break
        # backward, recomputing h per neuron
        for c in range(D):
            s = zero
            for i in range(n):
                s += R[c, i]
            gc[c] = s
        for j in range(m):
            _preactivation(X, W, b, j, n, h)
            if D == 1:
                v = V[j, 0]
                s0 = zero
                s1 = zero
                for i in range(n):
                    hi = h[i]
                    ti = R[0, i] if hi > zero else zero
                    u[i] = ti
                    s0 += ti
                    s1 += ti * hi
                gV[j, 0] = s1
                gb[j] = -(v * s0)
                for k in range(d):
                    s = zero
                    for i in range(n):
                        s += u[i] * X[k, i]
                    gW[j, k] = v * s
            else:
                for i in range(n):
                    u[i] = zero
                for c in range(D):
                    v = V[j, c]
                    s1 = zero
                    for i in range(n):
                        hi = h[i]
                        ti = R[c, i] if hi > zero else zero
                        s1 += ti * hi
                        u[i] += v * ti
                    gV[j, c] = s1
                s0 = zero
                for i in range(n):
                    s0 += u[i]
                gb[j] = -s0
                for k in range(d):
                    s = zero
                    for i in range(n):
                        s += u[i] * X[k, i]
                    gW[j, k] = s
        # clipping of the total gradient norm (torch.nn.utils.clip_grad_norm_'s rule)
        if clip > 0.0:
            sq = 0.0
            for j in range(m):
                for k in range(d):
                    sq += float(gW[j, k]) * float(gW[j, k])
                sq += float(gb[j]) * float(gb[j])
                for c in range(D):
                    sq += float(gV[j, c]) * float(gV[j, c])
            for c in range(D):
                sq += float(gc[c]) * float(gc[c])
            coef = clip / (np.sqrt(sq) + 1e-6)    # _CLIP_EPS of nets/torch/train.py
            if coef < 1.0:
                nclip += 1
                zbuf[0] = coef             # cast to the parameters' dtype
                cf = zbuf[0]
                for j in range(m):
                    for k in range(d):
                        gW[j, k] *= cf
                    gb[j] *= cf
                    for c in range(D):
                        gV[j, c] *= cf
                for c in range(D):
                    gc[c] *= cf
        # θ ← θ − η (g + λθ)
        for j in range(m):
            for k in range(d):
                W[j, k] -= lr * (gW[j, k] + wd * W[j, k])
            b[j] -= lr * (gb[j] + wd * b[j])
            for c in range(D):
                V[j, c] -= lr * (gV[j, c] + wd * V[j, c])
        for c in range(D):
            c0[c] -= lr * (gc[c] + wd * c0[c])
    return nclip


@pjit
def gd_segment(XT, YT, nrows, widths, inv_n, W, b, V, c0, lr, wd, clip, t0, t1, final, losses, clipped):
    """GD steps t0 … t1 − 1 of B networks in parallel over networks, in place.

    Parameters
    ----------
    XT : (Bx, d, n_max), YT : (By, D, n_max)
        Inputs and targets, transposed; Bx, By ∈ {1, B} (1: shared by all networks).
    nrows, widths : (B,) int64
        Sample size nₖ and width mₖ of network k (rows/neurons beyond are padding,
        never read: padding neurons stay zero).
    inv_n, lr, wd : (B,) parameter dtype
        1/nₖ (rounded as torch rounds it), η, λ.
    W (B, m, d), b (B, m), V (B, m, D), c0 (B, D)
        Parameters, updated in place.
    clip : float
        Total-gradient-norm clip (≤ 0: none).
    t0, t1 : int;  final : bool
        Steps to run; with ``final`` also evaluate L(θ_t1) (for callbacks and the end).
    losses : (epochs + 1, B), written at rows t0 … t1 (− 1 without ``final``)
    clipped : (B,) int64, incremented by the clipped steps
    """
    B = W.shape[0]
    for k in prange(B):
        xk = k % XT.shape[0]               # Bx ∈ {1, B}: network k's data set
        yk = k % YT.shape[0]
        clipped[k] += _train_one(XT[xk], YT[yk], nrows[k], widths[k], inv_n[k], W[k], b[k], V[k], c0[k],
                                 lr[k], wd[k], clip, t0, t1, final, losses[:, k])


@njit
def gd_segment_serial(XT, YT, nrows, widths, inv_n, W, b, V, c0, lr, wd, clip, t0, t1, final, losses, clipped):
    """:func:`gd_segment` on one thread, without an OpenMP region: for processes forked
    from one that already ran :func:`gd_segment` (GNU OpenMP is not fork-safe; numba
    terminates a forked child that opens a parallel region)."""
    for k in range(W.shape[0]):
        xk = k % XT.shape[0]
        yk = k % YT.shape[0]
        clipped[k] += _train_one(XT[xk], YT[yk], nrows[k], widths[k], inv_n[k], W[k], b[k], V[k], c0[k],
                                 lr[k], wd[k], clip, t0, t1, final, losses[:, k])
