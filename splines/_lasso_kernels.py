"""Private numba kernels of the group-lasso / polyharmonic solvers (no validation here).

Callers (:mod:`splines.multitask`, :mod:`splines.polyharmonic`) pass C-contiguous float64
arrays of the documented shapes; the numba policy is :mod:`ridgekit._numba`.

Multi-task lasso notation: XT (p, N) is the design matrix transposed (row j = feature j,
contiguous), RT (D, N) the residual (Y − XB)ᵀ, B (p, D) the coefficients (row j = group j),
``lips[j] = ‖X_j‖²`` and ``nalpha = N·α`` (the objective ½‖Y − XB‖² + Nα Σⱼ‖Bⱼ‖₂ is N
times the scikit-learn-scaled one).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from ridgekit._numba import njit, pjit, prange

__all__: list[str] = []

_CONTROLLER = []


def single_blas_thread(max_pool=None):
    """Context manager: BLAS (numpy's and scipy's, the latter also behind numba's ``np.dot``)
    limited to one thread; with ``max_pool``, only when no BLAS pool has more threads.

    OpenBLAS threads busy-wait on each other, so on a loaded machine a threaded call waits
    whole scheduler slices for a descheduled peer (a 10×2000 ``dgemv`` — threaded by
    OpenBLAS above 9216 entries — or a 10×2000×500 product then takes 5–70 ms instead of
    0.6 ms).  Python-level (not a kernel); a no-op without threadpoolctl (optional).
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return contextlib.nullcontext()
    if not _CONTROLLER:
        import scipy.linalg  # noqa: F401  (scipy's BLAS loaded before the snapshot of libraries)
        _CONTROLLER.append(ThreadpoolController())
    libs = _CONTROLLER[0].select(user_api="blas")
    if not libs.lib_controllers or (max_pool is not None
                                    and max(lc.num_threads for lc in libs.lib_controllers) > max_pool):
        return contextlib.nullcontext()
    return libs.limit(limits=1)


@njit
def bcd_epochs(XT, RT, B, ws, lips, nalpha, n_epochs):
    """``n_epochs`` cyclic block-coordinate-descent sweeps over the features in ``ws``.

    RT (D, N) is the residual *transposed* (each output's residual contiguous), so the
    gradient X_jᵀR is one BLAS ``dgemv`` (RT · xⱼ) and the update D contiguous axpy
    loops (no reductions in numba loops: they would not vectorise without fastmath).
    Block update (exact minimisation in Bⱼ, group soft-thresholding):
    Bⱼ ← (1 − Nα/‖z‖)₊ z / Lⱼ with z = Lⱼ Bⱼ + X_jᵀR; RT is updated in place.
    """
    D, N = RT.shape
    diff = np.empty(D)
    for _ in range(n_epochs):
        for jj in range(ws.shape[0]):
            j = ws[jj]
            L = lips[j]
            if L == 0.0:
                continue
            xj = XT[j]
            g = np.dot(RT, xj)
            nrm = 0.0
            for k in range(D):
                g[k] += L * B[j, k]
                nrm += g[k] * g[k]
            nrm = math.sqrt(nrm)
            scale = 0.0 if nrm <= nalpha else (1.0 - nalpha / nrm) / L
            for k in range(D):
                new = g[k] * scale
                diff[k] = new - B[j, k]
                B[j, k] = new
            for k in range(D):
                dk = diff[k]
                if dk != 0.0:
                    rk = RT[k]
                    for i in range(N):
                        rk[i] -= dk * xj[i]


@njit
def _phi(s, beta, ib, integer, is_log, sign):
    """sign · φ(r) from s = r² > 0: r^β = s^{β/2}, r^β log r = ½ s^{β/2} log s (no sqrt for even β)."""
    if integer and ib % 2 == 0:
        v = 1.0
        for _ in range(ib // 2):
            v *= s
    elif integer:
        r = math.sqrt(s)
        v = r
        for _ in range(ib // 2):
            v *= s
    else:
        v = s ** (0.5 * beta)
    if is_log:
        v *= 0.5 * math.log(s)
    return sign * v


@njit
def polyharmonic_matrix_tri(A, beta, is_log, sign, out):
    """out[i, j] = Kᵢⱼ = sign · φ(‖Aᵢ − Aⱼ‖) for j ≥ i only (C order).

    The triangle written is the *lower* one of ``out.T`` (Fortran order), all that the
    symmetric BLAS/LAPACK routines (dsymm, dsyr2k, dpotrf with lower=1) read.  Serial on
    purpose: a parallel region leaves OpenMP workers spinning for milliseconds, which then
    compete with the BLAS threads of the solve that follows (measured: a 1000² ``dgesv``
    13.6 → 21 ms right after a parallel kernel).  Each pair is computed once and written
    once, row-contiguous.  (Accumulating K V here as well saved the ``dsymm`` pass but its
    sequential sums tripled the interpolation residual at the nodes: not kept.)
    """
    n, d = A.shape
    ib = int(beta)
    integer = float(ib) == beta
    for i in range(n):
        out[i, i] = 0.0
        for j in range(i + 1, n):
            s = 0.0
            for k in range(d):
                t = A[i, k] - A[j, k]
                s += t * t
            out[i, j] = 0.0 if s == 0.0 else _phi(s, beta, ib, integer, is_log, sign)


@njit
def polyharmonic_rows(A, C, beta, is_log, sign, out):
    """out[i, j] = sign · φ(‖Aᵢ − Cⱼ‖), serial (for a few rows: no thread start-up)."""
    ib = int(beta)
    integer = float(ib) == beta
    for i in range(A.shape[0]):
        for j in range(C.shape[0]):
            s = 0.0
            for k in range(A.shape[1]):
                t = A[i, k] - C[j, k]
                s += t * t
            out[i, j] = 0.0 if s == 0.0 else _phi(s, beta, ib, integer, is_log, sign)


@pjit
def polyharmonic_matrix(A, C, beta, is_log, sign, out):
    """out[i, j] = sign · φ(‖Aᵢ − Cⱼ‖), φ(r) = r^β or r^β log r (φ(0) = 0), in parallel over rows.

    Integer β uses repeated multiplication (exact for r² log r, r³, r⁵ as scipy computes
    them); the log form uses log r with r = √(squared distance).
    """
    na, d = A.shape
    nc = C.shape[0]
    ib = int(beta)
    integer = float(ib) == beta
    for i in prange(na):
        for j in range(nc):
            s = 0.0
            for k in range(d):
                t = A[i, k] - C[j, k]
                s += t * t
            if s == 0.0:
                out[i, j] = 0.0
                continue
            r = math.sqrt(s)
            if integer:
                v = 1.0
                for _ in range(ib):
                    v *= r
            else:
                v = r ** beta
            if is_log:
                v *= math.log(r)
            out[i, j] = sign * v


@pjit
def polyharmonic_apply(A, C, coef, beta, is_log, sign, out):
    """out[i, :] += Σⱼ sign · φ(‖Aᵢ − Cⱼ‖) coef[j, :]: evaluation without the (na × nc) matrix."""
    na, d = A.shape
    nc = C.shape[0]
    D = coef.shape[1]
    ib = int(beta)
    integer = float(ib) == beta
    for i in prange(na):
        for j in range(nc):
            s = 0.0
            for k in range(d):
                t = A[i, k] - C[j, k]
                s += t * t
            if s == 0.0:
                continue
            r = math.sqrt(s)
            if integer:
                v = 1.0
                for _ in range(ib):
                    v *= r
            else:
                v = r ** beta
            if is_log:
                v *= math.log(r)
            v *= sign
            for k in range(D):
                out[i, k] += v * coef[j, k]


@njit
def group_norms_xtr(XT, RT, ws, out):
    """out[jj] = ‖X_{ws[jj]}ᵀ R‖₂ (dual-constraint values on the working set), serial."""
    for jj in range(ws.shape[0]):
        g = np.dot(RT, XT[ws[jj]])
        s = 0.0
        for k in range(g.shape[0]):
            s += g[k] * g[k]
        out[jj] = math.sqrt(s)


@njit
def residual_update(XT, RT, ws, delta):
    """RT += Σ_jj delta[jj] ⊗ X_{ws[jj]} (axpy loops; delta (len(ws), D))."""
    D, N = RT.shape
    for jj in range(ws.shape[0]):
        xj = XT[ws[jj]]
        for k in range(D):
            dk = delta[jj, k]
            if dk != 0.0:
                rk = RT[k]
                for i in range(N):
                    rk[i] += dk * xj[i]
