"""Private numba kernel of :mod:`splines.besov` (no validation here).

:func:`prefilter3` applies the quadrature prefilter of ``besov_norm`` (a short periodic
correlation along every axis) in one pass over the input into the single output array:
for each index of the first axis it combines the taps' planes into one plane buffer
(axis 0), each row of that into one row buffer (axis 1), pads the row periodically and
correlates it along axis 2 straight into the output.  Memory beyond the output: one plane
and two rows.  1-D and 2-D inputs are viewed as (1, 1, N) and (N0, 1, N1) with the
identity tap [1.0] on the length-1 axes (1.0·x is exact, so the numbers are those of the
filtered axes alone).

The kernel is serial on purpose: PyWavelets' DWT, the cost ``besov_norm`` is measured
against, runs on one core; ridgekit's sweeps parallelise over processes (joblib), where a
threaded kernel would oversubscribe the cores; and on the shared 2-core benchmark machine,
under a concurrent CPU-heavy job, a ``prange`` version over the first axis was slower in
median (faster only in its best runs; benchmarks/RESULTS.md, Besov section).  The first
axis is the outermost loop, so a ``prange`` there is the change to make if that ever stops
being true.
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import njit

__all__ = ["prefilter3"]


@njit
def prefilter3(f, t0, o0, t1, o1, t2, o2, out):
    """out[i,j,k] = Σ_{a,b,c} t0[a] t1[b] t2[c] f[(i+a+o0) % N0, (j+b+o1) % N1, (k+c+o2) % N2].

    f, out : C-contiguous float64 (N0, N1, N2); t0, t1, t2 : float64 taps (non-empty);
    o0, o1, o2 : integer offsets (any sign).  Each sum runs over its taps in order, axis 0
    first, then 1, then 2; every inner loop runs along the contiguous last axis.
    """
    N0, N1, N2 = f.shape
    T0 = t0.shape[0]
    T1 = t1.shape[0]
    T2 = t2.shape[0]
    # shifts that make every index below non-negative before the modulo
    s0 = (abs(o0) // N0 + 1) * N0 + o0
    s1 = (abs(o1) // N1 + 1) * N1 + o1
    s2 = (abs(o2) // N2 + 1) * N2 + o2
    for i in range(N0):
        plane = np.empty((N1, N2))
        ext = np.empty(N2 + T2 - 1)
        row = np.empty(N2)
        src = f[(i + s0) % N0]
        ta = t0[0]
        for j in range(N1):
            for k in range(N2):
                plane[j, k] = ta * src[j, k]
        for a in range(1, T0):
            src = f[(i + a + s0) % N0]
            ta = t0[a]
            for j in range(N1):
                for k in range(N2):
                    plane[j, k] += ta * src[j, k]
        for j in range(N1):
            src1 = plane[(j + s1) % N1]
            tb = t1[0]
            for k in range(N2):
                row[k] = tb * src1[k]
            for b in range(1, T1):
                src1 = plane[(j + b + s1) % N1]
                tb = t1[b]
                for k in range(N2):
                    row[k] += tb * src1[k]
            r = s2 % N2
            for m in range(N2 + T2 - 1):     # ext[m] = row[(m + o2) mod N2], no modulo per entry
                ext[m] = row[r]
                r += 1
                if r == N2:
                    r = 0
            dst = out[i, j]
            tc = t2[0]
            for k in range(N2):
                dst[k] = tc * ext[k]
            for c in range(1, T2):
                tc = t2[c]
                for k in range(N2):
                    dst[k] += tc * ext[k + c]
