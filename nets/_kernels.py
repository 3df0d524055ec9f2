"""Numba kernels of nets (private: inputs are validated, contiguous float64 arrays).

Decorators come from the one policy module :mod:`ridgekit._numba`.  Memory stays
O(input + output): no (points × neurons) temporaries.
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import pjit, prange

__all__ = ["relu_forward", "relu_gradient"]


_TILE = 64        # points per tile: the inner loops run over a tile's points and vectorise


@pjit
def relu_forward(X, W, b, V, out):
    """out[i, :] += Σ_j V[j, :] max(W[j]·X[i] − b[j], 0); X (N, d), W (m, d), V (m, D).

    Points are processed in tiles of ``_TILE``: the tile's coordinates are transposed
    (d × tile) so that for each neuron the pre-activation, the ReLU and the output update
    are element-wise loops over the tile's points (no reduction, so they vectorise with
    fastmath off); per point the neurons are summed in order j = 0, 1, …, as before.
    Temporaries: O(tile·(d + D)) per thread.
    """
    N, d = X.shape
    m = W.shape[0]
    D = V.shape[1]
    nt = (N + _TILE - 1) // _TILE
    for t in prange(nt):
        i0 = t * _TILE
        n = min(_TILE, N - i0)
        XT = np.empty((d, _TILE))
        acc = np.zeros((D, _TILE))
        z = np.empty(_TILE)
        for k in range(d):
            for p in range(n):
                XT[k, p] = X[i0 + p, k]
        for j in range(m):
            bj = b[j]
            for p in range(n):
                z[p] = -bj
            for k in range(d):
                wk = W[j, k]
                for p in range(n):
                    z[p] += XT[k, p] * wk
            for p in range(n):
                if z[p] < 0.0:
                    z[p] = 0.0
            for c in range(D):
                vc = V[j, c]
                for p in range(n):
                    acc[c, p] += z[p] * vc
        for p in range(n):
            for c in range(D):
                out[i0 + p, c] += acc[c, p]


@pjit
def relu_gradient(X, W, b, V, out):
    """out[i, c, :] += Σ_j V[j, c] 1{W[j]·X[i] > b[j]} W[j]; out (N, D, d)."""
    N, d = X.shape
    m = W.shape[0]
    D = V.shape[1]
    for i in prange(N):
        for j in range(m):
            z = -b[j]
            for k in range(d):
                z += X[i, k] * W[j, k]
            if z > 0.0:
                for c in range(D):
                    vc = V[j, c]
                    for k in range(d):
                        out[i, c, k] += vc * W[j, k]
