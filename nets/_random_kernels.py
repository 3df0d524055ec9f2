"""Numba kernels for many realisations of a random ReLU process (private).

Inputs are validated, contiguous float64 / int64 arrays (see :mod:`nets.random_relu`).
All realisations share flat neuron arrays: realisation ``s`` owns the neurons
``starts[s]:starts[s + 1]``.  A neuron is the *corrected* neuron
r(x) = max(uᵀx − t, 0) with u = sgn(b) w and t = |b| (docs/theory/random_relu.md), weight v.

Decorators come from the one policy module :mod:`ridgekit._numba`.  Memory is
O(neurons + output): no (points × neurons) temporaries.
"""

from __future__ import annotations

import math

from ridgekit._numba import pjit, prange

__all__ = ["eval_points", "eval_grid"]


@pjit
def eval_points(X, U, T, V, starts, out):
    """out[s, p] = Σ_{j ∈ s} V[j] max(U[j]·X[p] − T[j], 0); X (N, d), out (S, N) zeroed.

    Work is split over the flat (realisation, point) index, so it balances whatever the
    number of realisations.
    """
    N, d = X.shape
    S = out.shape[0]
    for q in prange(S * N):
        s = q // N
        p = q - s * N
        acc = 0.0
        for j in range(starts[s], starts[s + 1]):
            z = -T[j]
            for k in range(d):
                z += U[j, k] * X[p, k]
            if z > 0.0:
                acc += V[j] * z
        out[s, p] = acc


@pjit
def eval_grid(rows, t0, h, U, T, V, starts, out):
    """Realisations on a tensor grid whose last axis is uniform: t0 + k h, k < n.

    rows (R, d − 1) are the coordinates of the first d − 1 axes of each grid row;
    out (S, R, n) zeroed.  Along a row a neuron is a ramp v·max(z0 + kΔ, 0), Δ = u_d h:
    for Δ > 0 its second difference has two non-zero entries, v·z(k0) at the first
    active index k0 and v·(Δ − z(k0)) at k0 + 1; for Δ < 0, max(z, 0) = z + max(−z, 0)
    splits it into an affine part and a rightward ramp.  A row then costs
    O(neurons + n) instead of O(neurons × n): impulses, then two running sums.
    """
    R = rows.shape[0]
    dm1 = rows.shape[1]
    S = out.shape[0]
    n = out.shape[2]
    for q in prange(S * R):
        s = q // R
        r = q - s * R
        a = 0.0
        b = 0.0
        for j in range(starts[s], starts[s + 1]):
            z0 = U[j, dm1] * t0 - T[j]
            for k in range(dm1):
                z0 += U[j, k] * rows[r, k]
            delta = U[j, dm1] * h
            v = V[j]
            if delta == 0.0:
                if z0 > 0.0:
                    a += v * z0
                continue
            if delta < 0.0:          # max(z, 0) = z + max(−z, 0)
                a += v * z0
                b += v * delta
                z0 = -z0
                delta = -delta
            # first index with z0 + k delta > 0 (floor estimate, then exact fix-up)
            x = -z0 / delta
            if x < 0.0:
                k0 = 0
            elif x >= n:
                k0 = n
            else:
                k0 = int(math.floor(x)) + 1
            while k0 > 0 and z0 + (k0 - 1) * delta > 0.0:
                k0 -= 1
            while k0 < n and z0 + k0 * delta <= 0.0:
                k0 += 1
            if k0 == 0:
                a += v * z0
                b += v * delta
            elif k0 < n:
                zk = z0 + k0 * delta
                out[s, r, k0] += v * zk
                if k0 + 1 < n:
                    out[s, r, k0 + 1] += v * (delta - zk)
        c1 = 0.0
        c2 = 0.0
        for k in range(n):
            c1 += out[s, r, k]
            c2 += c1
            out[s, r, k] = c2 + a + b * k
