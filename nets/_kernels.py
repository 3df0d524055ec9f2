"""Numba kernels of nets (private: inputs are validated, contiguous float64 arrays).

Decorators come from the one policy module :mod:`kplane._numba`.  Memory stays
O(input + output): no (points × neurons) temporaries.
"""

from __future__ import annotations

from kplane._numba import pjit, prange

__all__ = ["relu_forward", "relu_gradient"]


@pjit
def relu_forward(X, W, b, V, out):
    """out[i, :] += Σ_j V[j, :] max(W[j]·X[i] − b[j], 0); X (N, d), W (m, d), V (m, D)."""
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
                    out[i, c] += z * V[j, c]


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
