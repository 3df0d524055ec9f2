"""Private numba kernels of the 2-D Radon drop-in (no validation here).

They reuse the offset-row helpers of :mod:`ridgekit.kplane._kernels` (padded detector
rows, exact valid column ranges, the distance-driven row splat and gather), so the 2-D
transforms share one discretisation with :class:`ridgekit.kplane.KPlaneTransform`.
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import njit, pjit, prange
from ridgekit.kplane._kernels import (
    PAD,
    _full_or_valid_range,
    _gather_row_1,
    _lerp_sum_frames,
    _line_range,
    _splat_row_1,
    _valid_range,
)

__all__ = []  # private module

# interpolation modes of backproject_2d
LINEAR, NEAREST, CUBIC = 0, 1, 2


@pjit
def backproject_2d(gw, coef, mode, c, s, origin0, origin1, h0, h1, t0, ht, T, lrange, out):
    """Point-evaluated backprojection in d = 2: out[r, l] += Σ_j I_j(ξ_j·x_rl), ξ_j = (c_j, s_j).

    I_j interpolates the detector samples of projection j (index units u = (t − t0)/ht,
    samples at u = 0..T−1) and is 0 outside [0, T − 1] (as ``np.interp`` with
    ``left=right=0``):

    * ``mode == LINEAR``: gw (m, T + 2·PAD) holds the samples padded with PAD zeros on each
      side (quadrature weights multiplied in); linear interpolation (the hat kernel);
    * ``mode == NEAREST``: gw as for LINEAR; the nearest sample, ties to the lower index
      (``scipy.interpolate.interp1d(kind="nearest")``);
    * ``mode == CUBIC``: coef (m, 4, T − 1) holds the piecewise-cubic coefficients of an
      interpolating spline on each interval (highest power first, as
      ``scipy.interpolate.PPoly``), evaluated by Horner's rule.

    Only columns lrange[r, 0] <= l < lrange[r, 1] of row r are computed.  Parallel over
    output rows."""
    rows = out.shape[0]
    m = c.shape[0]
    # the closed interval [0, T − 1] as the open one _valid_range takes
    umin = np.nextafter(0.0, -1.0)
    umax = np.nextafter(T - 1.0, float(T))
    # LINEAR: the padded rows as one flat array, row j starting at base[j]
    flat = gw.ravel()
    base = np.arange(gw.shape[0]) * gw.shape[1]
    ones = np.ones(m)  # the quadrature weights are in gw already
    for r in prange(rows):
        orow = out[r]
        x0 = origin0 + r * h0
        l0 = lrange[r, 0]
        l1 = lrange[r, 1]
        if mode == LINEAR:
            # per projection: detector coordinate of column 0 (plus PAD), its step, and
            # the exact column range inside [0, T − 1]; [lo, hi) is the range valid for
            # every projection (inside the reconstruction circle: the whole row)
            u0s = np.empty(m)
            x00s = np.empty(m)
            dus = np.empty(m)
            ja = np.empty(m, dtype=np.int64)
            jb = np.empty(m, dtype=np.int64)
            lo = l0
            hi = l1
            for j in range(m):
                u0, du = _row_geometry(r, c[j], s[j], origin0, origin1, h0, h1, t0, ht)
                a, b = _full_or_valid_range(u0, du, umin, umax, l0, l1)
                u0s[j] = u0
                x00s[j] = u0 + PAD
                dus[j] = du
                ja[j] = a
                jb[j] = b
                lo = max(lo, a)
                hi = min(hi, b)
            if lo < hi:
                _lerp_sum_frames(flat, base, x00s, dus, ones, lo, hi, orow)
            else:
                lo = l1
                hi = l1
            # the columns outside [lo, hi), projection by projection (the same lerp)
            for j in range(m):
                _gather_row_1(gw[j], 1.0, ja[j], min(lo, jb[j]), u0s[j], dus[j], 0.0, orow)
                _gather_row_1(gw[j], 1.0, max(hi, ja[j]), jb[j], u0s[j], dus[j], 0.0, orow)
            continue
        for j in range(m):
            u0 = (x0 * c[j] + origin1 * s[j] - t0) / ht
            du = h1 * s[j] / ht
            a, b = _valid_range(u0, du, umin, umax, l0, l1)
            if mode == NEAREST:
                # t in scikit-image's arithmetic (y·s + x·c, pixel coordinates exact) and
                # the tie rule applied before the shift to index units, so that ties
                # (t = half-integer multiples of ht, e.g. θ = 30°) resolve as it does
                grow = gw[j]
                tmax = t0 + (T - 1) * ht
                for l in range(a, b):
                    t = (origin1 + l * h1) * s[j] + x0 * c[j]
                    if t >= t0 and t <= tmax:
                        tt = t / ht
                        fl = np.floor(tt)
                        k = int((fl if tt <= fl + 0.5 else fl + 1.0) - t0 / ht)
                        if 0 <= k < T:
                            orow[l] += grow[k + PAD]
            else:
                for l in range(a, b):
                    x = u0 + l * du
                    if x >= 0.0 and x <= T - 1.0:
                        i = min(int(x), T - 2)
                        dx = x - i
                        orow[l] += ((coef[j, 0, i] * dx + coef[j, 1, i]) * dx + coef[j, 2, i]) * dx + coef[j, 3, i]


@njit
def _row_geometry(r, cj, sj, origin0, origin1, h0, h1, t0j, ht):
    """Detector coordinate u0 of column 0 of image row r and its step du per column."""
    u0 = ((origin0 + r * h0) * cj + origin1 * sj - t0j) / ht
    return u0, h1 * sj / ht


@njit
def sart(image, sino, order, c, s, t0s, origin0, origin1, wf, T, lrange, relaxation, clip, lo, hi):
    """SART sweeps (Andersen & Kak, 1984) over the projections in the given order.

    System matrix: A_ij = distance-driven weight of pixel j (unit cells, footprint width
    wf_i = max(|c|, |s|) in detector steps) in detector bin i, restricted to the pixels
    lrange marks (the reconstruction circle); the rows of A for one projection sum to
    the ray lengths through those pixels, the columns to 1 (a pixel's footprint lies
    inside the detector).  One update per projection θ, in place:

        f_j ← f_j + λ Σ_i A_ij (p_i − (A f)_i)/Σ_k A_ik   (rays i of θ with Σ_k A_ik > 0),

    then f is clipped to [lo, hi] when ``clip``.  t0s[j] is the detector origin of
    projection j (shifted projections).  Serial: the sweep is sequential over the
    projections, and a parallel loop per projection (a few 10⁵ operations) costs more
    in thread wake-ups than it gains on a shared machine (measured: 64², 45 angles took
    2.9 s on 2 loaded cores against 7 ms serial)."""
    rows = image.shape[0]
    L = image.shape[1]
    m = order.shape[0]
    TP = T + 2 * PAD
    nb = (rows + 15) // 16
    # ray lengths Σ_k A_ik of every projection (parallel over projections)
    raysum = np.zeros((c.shape[0], TP))
    ones = np.ones((rows, L))
    for j in range(c.shape[0]):
        umin, umax = _line_range(wf[j], T)
        for r in range(rows):
            u0, du = _row_geometry(r, c[j], s[j], origin0, origin1, 1.0, 1.0, t0s[j], 1.0)
            a, e = _valid_range(u0, du, umin, umax, lrange[r, 0], lrange[r, 1])
            _splat_row_1(ones, r, a, e, u0, du, wf[j], 1.0, raysum[j])
    part = np.zeros((nb, TP))
    resid = np.zeros(TP)
    for jj in range(m):
        j = order[jj]
        w = wf[j]
        umin, umax = _line_range(w, T)
        for b in range(nb):
            prow = part[b]
            prow[:] = 0.0
            for r in range(b * 16, min(rows, (b + 1) * 16)):
                u0, du = _row_geometry(r, c[j], s[j], origin0, origin1, 1.0, 1.0, t0s[j], 1.0)
                a, e = _valid_range(u0, du, umin, umax, lrange[r, 0], lrange[r, 1])
                _splat_row_1(image, r, a, e, u0, du, w, 1.0, prow)
        for i in range(TP):
            acc = 0.0
            for b in range(nb):
                acc += part[b, i]
            rs = raysum[j, i]
            if PAD <= i < T + PAD and rs > 1e-12:
                resid[i] = relaxation * (sino[j, i - PAD] - acc) / rs
            else:
                resid[i] = 0.0
        for r in range(rows):
            u0, du = _row_geometry(r, c[j], s[j], origin0, origin1, 1.0, 1.0, t0s[j], 1.0)
            a, e = _valid_range(u0, du, umin, umax, lrange[r, 0], lrange[r, 1])
            _gather_row_1(resid, 1.0, a, e, u0, du, w, image[r])
            if clip:
                for l in range(L):
                    v = image[r, l]
                    image[r, l] = lo if v < lo else (hi if v > hi else v)


@njit
def blur3(g, eps):
    """In place, per row j: g[j] ← (1 − 2ε_j)·g[j] + ε_j·(g[j] shifted by ±1), zeros
    beyond the ends (the 3-tap filter [ε, 1 − 2ε, ε] along the detector)."""
    m, T = g.shape
    for j in range(m):
        e = eps[j]
        if e == 0.0 or T == 0:
            continue
        row = g[j]
        prev = 0.0
        c0 = 1.0 - 2.0 * e
        for i in range(T - 1):
            cur = row[i]
            row[i] = c0 * cur + e * (prev + row[i + 1])
            prev = cur
        row[T - 1] = c0 * row[T - 1] + e * prev
