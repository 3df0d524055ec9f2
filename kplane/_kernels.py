"""Private numba kernels of the k-plane transform (no validation here).

Discretisation shared by every kernel (see ``KPlaneTransform`` Notes): offsets lie on a
regular grid t_i = t0 + i·ht (i = 0..T−1) on each of the n axes.  A mass at x, with
projection s = Θᵀx, is spread over its *footprint*, a box of width w_c along offset axis
c (w = 0 for point masses), and meets the offset nodes through

* ``kernel="box"`` (n = 1 grids, the distance-driven model of De Man & Basu, 2004): the
  node *bins* [t_i − ht/2, t_i + ht/2]; weight = overlap length / w
  (:func:`_line_weight`, branch-free fast paths when w <= ht);
* ``kernel="hat"`` (n >= 2, and on request for n = 1): the node's hat function of width
  ht, separable over the offset axes: ht·K(t_i − s) = Π_c (1/w_c) ∫ φ((τ − t_ic)/ht) dτ/ht
  over the footprint (:func:`_axis_weights`); for w = 0 this is the hat itself (linear
  interpolation).

Both are partitions of unity over the offset nodes, and the footprints of one grid line
tile the t axis, so the forward transform converges at second order.  The forward
kernels *splat* with K and the backprojection kernels *gather* with the very same
weights, so the two are exact transposes of each other.  Nodes outside 0..T−1 are
dropped by both.

Forward kernels are parallel over (blocks of) frames, each thread owning its frames'
output rows (no races); backprojection kernels are parallel over (blocks of) output
points.  Nothing of size (points × frames) is ever allocated.
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import njit, pjit, prange


@njit
def _row_base(r, shape, origin, h, frame, base):
    """Projection Θᵀx of the first point of grid row r (rows run along the last axis)."""
    d = shape.shape[0]
    n = frame.shape[1]
    for c in range(n):
        base[c] = origin[d - 1] * frame[d - 1, c]
    rem = r
    for a in range(d - 2, -1, -1):
        ia = rem % shape[a]
        rem //= shape[a]
        xa = origin[a] + ia * h[a]
        for c in range(n):
            base[c] += xa * frame[a, c]


@njit
def _hat_integral(x):
    """Φ(x) = ∫_{−∞}^{x} φ, φ(u) = max(0, 1 − |u|) the hat function."""
    if x <= -1.0:
        return 0.0
    if x <= 0.0:
        return 0.5 * (x + 1.0) * (x + 1.0)
    if x <= 1.0:
        return 1.0 - 0.5 * (1.0 - x) * (1.0 - x)
    return 1.0


@njit
def _axis_weights(u, wf, T, first, wts):
    """Weights ht·K(t_i − s) along one axis, all lengths in units of ht.

    K is the footprint box of width wf centred at u convolved with the hat function of
    the node: ht·K(t_i − s) = (Φ(u + wf/2 − i) − Φ(u − wf/2 − i))/wf, and the hat itself
    when wf = 0 (a point mass).  Writes the weights of nodes first[0], first[0]+1, ...
    and returns their number (0 if the footprint misses the grid)."""
    lo = u - 0.5 * wf
    hi = u + 0.5 * wf
    i0 = int(np.ceil(lo - 1.0))
    i1 = int(np.floor(hi + 1.0))
    if i0 < 0:
        i0 = 0
    if i1 > T - 1:
        i1 = T - 1
    if i1 < i0:
        return 0
    first[0] = i0
    cnt = 0
    for i in range(i0, i1 + 1):
        if wf > 0.0:
            wts[cnt] = (_hat_integral(hi - i) - _hat_integral(lo - i)) / wf
        else:
            a = abs(u - i)
            wts[cnt] = 1.0 - a if a < 1.0 else 0.0
        cnt += 1
    return cnt


# n = 1 kernels work on offset rows padded with PAD zeros on each side, so that the inner
# loops need no bounds checks: a footprint overlapping the grid at all lies inside the
# padded row whenever wf <= PAD - 1.
PAD = 2


@njit
def _line_weight(u, wf, gp):
    """Σ_i ht·K(t_i − s)·g[i] for n = 1, lengths in units of ht, u = (s − t0)/ht.

    gp is the row g padded with PAD zeros on each side (gp[i + PAD] = g[i]).  wf > 0: the
    footprint box [u − wf/2, u + wf/2] against the node *bins* [i − ½, i + ½] (the
    distance-driven weights: overlap length / wf); wf = 0: a point mass, weighted by the
    hat function (linear interpolation).  Caller guarantees the footprint meets the grid
    and wf <= PAD − 1."""
    if wf == 0.0:
        x = u + PAD
        i = int(x)
        fr = x - i
        return gp[i] + fr * (gp[i + 1] - gp[i])
    lo = u - 0.5 * wf + PAD + 0.5  # bin i + PAD occupies [i, i + 1) in these units
    hi = lo + wf
    i = int(lo)
    e = i + 1.0
    if hi <= e:
        return gp[i]
    acc = (e - lo) * gp[i]
    i += 1
    while hi > i + 1.0:
        acc += gp[i]
        i += 1
    acc += (hi - i) * gp[i]
    return acc / wf


@njit
def _line_splat(u, wf, v, op):
    """Transpose of :func:`_line_weight`: op[i + PAD] += v·ht·K(t_i − s)."""
    if wf == 0.0:
        x = u + PAD
        i = int(x)
        fr = x - i
        op[i] += (1.0 - fr) * v
        op[i + 1] += fr * v
        return
    lo = u - 0.5 * wf + PAD + 0.5
    hi = lo + wf
    i = int(lo)
    e = i + 1.0
    if hi <= e:
        op[i] += v
        return
    vw = v / wf
    op[i] += (e - lo) * vw
    i += 1
    while hi > i + 1.0:
        op[i] += vw
        i += 1
    op[i] += (hi - i) * vw


@njit
def _line_range(wf, T):
    """Open interval (umin, umax) of u for which the kernel meets the grid."""
    if wf == 0.0:
        return -1.0, float(T)
    return -0.5 - 0.5 * wf, T - 0.5 + 0.5 * wf


@njit
def _valid_range(u0, du, umin, umax, l0, l1):
    """Sub-range [a, b) of [l0, l1) on which umin < u0 + l·du < umax (checked exactly)."""
    if du == 0.0:
        if u0 > umin and u0 < umax:
            return l0, l1
        return l0, l0
    # clamp in floating point before converting: for du ≈ 0 the quotients overflow int64
    lo = float(l0 - 1)
    hi = float(l1 + 1)
    if du > 0.0:
        qa = min(max((umin - u0) / du, lo), hi)
        qb = min(max((umax - u0) / du, lo), hi)
    else:
        qa = min(max((umax - u0) / du, lo), hi)
        qb = min(max((umin - u0) / du, lo), hi)
    a = max(int(np.floor(qa)) - 1, l0)
    b = min(int(np.ceil(qb)) + 1, l1)
    while a < b and not (u0 + a * du > umin and u0 + a * du < umax):
        a += 1
    while b > a and not (u0 + (b - 1) * du > umin and u0 + (b - 1) * du < umax):
        b -= 1
    return a, b


# Cache blocking for the n = 1 grid kernels: a block of rows is reused across a block of
# frames while both sit in the L2 cache.
ROW_BLOCK = 32
FRAME_BLOCK = 32


@njit
def _splat_row_1(f, r, l0, l1, u0, du, wf, scale, orow):
    """Splat grid row r (columns l0..l1−1, all meeting the grid) into one padded row."""
    if wf > 0.0 and wf <= 1.0:  # footprint meets at most two bins: branch-free weights
        lo0 = u0 - 0.5 * wf + PAD + 0.5
        for l in range(l0, l1):
            v = f[r, l]
            if v != 0.0:
                lo = lo0 + l * du
                i = int(lo)
                c = (lo + wf - i - 1.0) / wf
                c = c if c > 0.0 else 0.0
                sv = scale * v
                orow[i] += sv * (1.0 - c)
                orow[i + 1] += sv * c
    else:
        for l in range(l0, l1):
            v = f[r, l]
            if v != 0.0:
                _line_splat(u0 + l * du, wf, scale * v, orow)


@pjit
def splat_grid_1(f, shape, origin, h, frames, fw, t0, ht, T, scale, out):
    """Forward transform, n = 1, of values f (rows × L) on a regular grid.

    out has shape (m, T + 2·PAD) (padded rows; the caller strips the padding).  Parallel
    over blocks of frames; each thread owns its frames' output rows."""
    m = frames.shape[0]
    d = shape.shape[0]
    L = shape[d - 1]
    rows = f.shape[0]
    nfb = (m + FRAME_BLOCK - 1) // FRAME_BLOCK
    for fb in prange(nfb):
        base = np.empty(1)
        j1 = min(m, (fb + 1) * FRAME_BLOCK)
        for r0 in range(0, rows, ROW_BLOCK):
            r1 = min(rows, r0 + ROW_BLOCK)
            for j in range(fb * FRAME_BLOCK, j1):
                du = h[d - 1] * frames[j, d - 1, 0] / ht
                wf = fw[j, 0]
                umin, umax = _line_range(wf, T)
                orow = out[j]
                for r in range(r0, r1):
                    _row_base(r, shape, origin, h, frames[j], base)
                    u0 = (base[0] - t0) / ht
                    a, b = _valid_range(u0, du, umin, umax, 0, L)
                    _splat_row_1(f, r, a, b, u0, du, wf, scale, orow)


@njit
def _gather_row_1(grow, wj, l0, l1, u0, du, wf, orow):
    """orow[l] += wj·Σ_i ht·K(t_i − s_l) g[i] for columns l0..l1−1 (all meeting the grid)."""
    if wf == 0.0:  # hat: linear interpolation
        x0 = u0 + PAD
        for l in range(l0, l1):
            x = x0 + l * du
            i = int(x)
            fr = x - i
            orow[l] += wj * (grow[i] + fr * (grow[i + 1] - grow[i]))
    elif wf <= 1.0:  # footprint meets at most two bins: branch-free weights
        lo0 = u0 - 0.5 * wf + PAD + 0.5
        for l in range(l0, l1):
            lo = lo0 + l * du
            i = int(lo)
            c = (lo + wf - i - 1.0) / wf
            c = c if c > 0.0 else 0.0
            orow[l] += wj * (grow[i] + c * (grow[i + 1] - grow[i]))
    else:
        for l in range(l0, l1):
            orow[l] += wj * _line_weight(u0 + l * du, wf, grow)


@pjit
def backproject_grid_1(gp, weights, shape, origin, h, frames, fw, t0, ht, T, lrange, out):
    """Backprojection, n = 1, onto a regular grid: out (rows × L) += Σ_j w_j ⟨K, g_j⟩.

    gp has shape (m, T + 2·PAD): the data padded with PAD zeros on each side.  Only
    columns lrange[r, 0] <= l < lrange[r, 1] of row r are computed (the others stay 0).
    Parallel over blocks of output rows."""
    m = frames.shape[0]
    d = shape.shape[0]
    rows = out.shape[0]
    nrb = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    for rb in prange(nrb):
        base = np.empty(1)
        r1 = min(rows, (rb + 1) * ROW_BLOCK)
        for j0 in range(0, m, FRAME_BLOCK):
            for r in range(rb * ROW_BLOCK, r1):
                orow = out[r]
                for j in range(j0, min(m, j0 + FRAME_BLOCK)):
                    wf = fw[j, 0]
                    umin, umax = _line_range(wf, T)
                    _row_base(r, shape, origin, h, frames[j], base)
                    u0 = (base[0] - t0) / ht
                    du = h[d - 1] * frames[j, d - 1, 0] / ht
                    a, b = _valid_range(u0, du, umin, umax, lrange[r, 0], lrange[r, 1])
                    _gather_row_1(gp[j], weights[j], a, b, u0, du, wf, orow)


@pjit
def backproject_2d_hat(gw, c, s, origin0, origin1, h0, h1, t0, ht, T, lrange, out):
    """d = 2 fast path of :func:`backproject_grid_1` for point evaluation (hat kernel,
    linear interpolation): out[r, l] += Σ_j gw_j(ξ_j·x_rl), gw the padded data with the
    quadrature weights already multiplied in, ξ_j = (c_j, s_j).  Same arithmetic as the
    general kernel, without its generality (used by ``radon.iradon``)."""
    rows = out.shape[0]
    m = gw.shape[0]
    umin, umax = _line_range(0.0, T)
    for r in prange(rows):
        orow = out[r]
        x0 = origin0 + r * h0
        l0 = lrange[r, 0]
        l1 = lrange[r, 1]
        for j in range(m):
            u0 = (x0 * c[j] + origin1 * s[j] - t0) / ht
            du = h1 * s[j] / ht
            a, b = _valid_range(u0, du, umin, umax, l0, l1)
            grow = gw[j]
            x00 = u0 + PAD
            for l in range(a, b):
                x = x00 + l * du
                i = int(x)
                fr = x - i
                orow[l] += grow[i] + fr * (grow[i + 1] - grow[i])


@njit
def _tensor_scratch(n, wmax):
    """Per-thread work arrays of :func:`_tensor_weights` for footprints up to ``wmax``."""
    kmax = int(wmax) + 4
    return (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty((n, kmax)),
            np.empty(kmax ** n, dtype=np.int64), np.empty(kmax ** n))


@njit
def _tensor_weights(u, fwj, T, firsts, axw, counts, idx, wts):
    """Flat indices and weights of the separable kernel for a footprint centred at u.

    Returns the number of (index, weight) pairs written (0 if it misses the grid)."""
    n = u.shape[0]
    first = np.empty(1, dtype=np.int64)
    total = 1
    for c in range(n):
        cnt = _axis_weights(u[c], fwj[c], T, first, axw[c])
        if cnt <= 0:
            return 0
        counts[c] = cnt
        firsts[c] = first[0]
        total *= cnt
    for q in range(total):
        rem = q
        flat = 0
        wt = 1.0
        for c in range(n - 1, -1, -1):
            iq = rem % counts[c]
            rem //= counts[c]
            wt *= axw[c, iq]
        rem = q
        mult = 1
        for c in range(n - 1, -1, -1):
            iq = rem % counts[c]
            rem //= counts[c]
            flat += (firsts[c] + iq) * mult
            mult *= T
        idx[q] = flat
        wts[q] = wt
    return total


@pjit
def splat_grid_n(f, shape, origin, h, frames, fw, t0, ht, T, scale, out):
    """Forward transform, any n, of grid values f (rows × L); out has shape (m, Tⁿ)."""
    m = frames.shape[0]
    d = shape.shape[0]
    n = frames.shape[2]
    L = shape[d - 1]
    rows = f.shape[0]
    for j in prange(m):
        base = np.empty(n)
        u = np.empty(n)
        firsts, counts, axw, idx, wts = _tensor_scratch(n, fw[j].max())
        for r in range(rows):
            _row_base(r, shape, origin, h, frames[j], base)
            for l in range(L):
                v = f[r, l]
                if v == 0.0:
                    continue
                for c in range(n):
                    u[c] = (base[c] + l * h[d - 1] * frames[j, d - 1, c] - t0) / ht
                cnt = _tensor_weights(u, fw[j], T, firsts, axw, counts, idx, wts)
                for q in range(cnt):
                    out[j, idx[q]] += scale * v * wts[q]


@pjit
def backproject_grid_n(g, weights, shape, origin, h, frames, fw, t0, ht, T, out):
    """Backprojection, any n, onto a regular grid (out: rows × L)."""
    m = frames.shape[0]
    d = shape.shape[0]
    n = frames.shape[2]
    L = shape[d - 1]
    rows = out.shape[0]
    for r in prange(rows):
        base = np.empty(n)
        u = np.empty(n)
        firsts, counts, axw, idx, wts = _tensor_scratch(n, fw.max())
        for j in range(m):
            wj = weights[j]
            _row_base(r, shape, origin, h, frames[j], base)
            for l in range(L):
                for c in range(n):
                    u[c] = (base[c] + l * h[d - 1] * frames[j, d - 1, c] - t0) / ht
                cnt = _tensor_weights(u, fw[j], T, firsts, axw, counts, idx, wts)
                acc = 0.0
                for q in range(cnt):
                    acc += wts[q] * g[j, idx[q]]
                out[r, l] += wj * acc


@pjit
def splat_points(points, masses, frames, fw, t0, ht, T, scale, out):
    """Forward transform of the atomic measure Σ_p masses_p δ_{x_p}; out (m, Tⁿ)."""
    m = frames.shape[0]
    d = points.shape[1]
    n = frames.shape[2]
    P = points.shape[0]
    for j in prange(m):
        u = np.empty(n)
        firsts, counts, axw, idx, wts = _tensor_scratch(n, fw[j].max())
        for p in range(P):
            v = masses[p]
            if v == 0.0:
                continue
            for c in range(n):
                s = 0.0
                for a in range(d):
                    s += points[p, a] * frames[j, a, c]
                u[c] = (s - t0) / ht
            cnt = _tensor_weights(u, fw[j], T, firsts, axw, counts, idx, wts)
            for q in range(cnt):
                out[j, idx[q]] += scale * v * wts[q]


@pjit
def backproject_points(g, weights, points, frames, fw, t0, ht, T, out):
    """Backprojection evaluated at arbitrary points: out[p] = Σ_j w_j Σ_i ht K g_j(t_i)."""
    m = frames.shape[0]
    d = points.shape[1]
    n = frames.shape[2]
    P = points.shape[0]
    for p in prange(P):
        u = np.empty(n)
        firsts, counts, axw, idx, wts = _tensor_scratch(n, fw.max())
        total = 0.0
        for j in range(m):
            for c in range(n):
                s = 0.0
                for a in range(d):
                    s += points[p, a] * frames[j, a, c]
                u[c] = (s - t0) / ht
            cnt = _tensor_weights(u, fw[j], T, firsts, axw, counts, idx, wts)
            acc = 0.0
            for q in range(cnt):
                acc += wts[q] * g[j, idx[q]]
            total += weights[j] * acc
        out[p] = total
