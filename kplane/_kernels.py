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
  over the footprint (:func:`_row_weights`); for w = 0 this is the hat itself (linear
  interpolation).

Both are partitions of unity over the offset nodes, and the footprints of one grid line
tile the t axis, so the forward transform converges at second order.  The forward
kernels *splat* with K and the backprojection kernels *gather* with the very same
weights, so the two are exact transposes of each other.  Nodes outside 0..T−1 are
dropped by both.

Forward kernels are parallel over (blocks of) frames, each thread owning its frames'
output rows (no races); backprojection kernels are parallel over (blocks of) output
points.  Nothing of size (points × frames) is ever allocated.

Inner loops index offset rows with ``np.uint64`` wherever the index is ≥ 0 by
construction (padded rows, clamped or range-checked nodes): with a signed index numba adds
the wraparound of negative indices (Python semantics) to every load and store, about six
vector operations per gather in the vectorised loops (measured on one core: FBP gathers
17–23 % faster in d = 2, 3, 4, the n = 1 splat 16 % faster without it; bit-identical).
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


@njit(inline="always")
def _row_point(r, shape, origin, h, xrow):
    """Coordinates x_a (a < d − 1) of the first point of grid row r, for
    :func:`_row_base_at` (the row's multi-index decoded once for all frames)."""
    d = shape.shape[0]
    rem = r
    for a in range(d - 2, -1, -1):
        ia = rem % shape[a]
        rem //= shape[a]
        xrow[a] = origin[a] + ia * h[a]


@njit(inline="always")
def _row_point_next(shape, origin, h, ia, xrow):
    """Advance the decoded row point of :func:`_row_point` (multi-index ia, coordinates
    xrow) to the next grid row: an odometer, the same coordinates with no division."""
    a = shape.shape[0] - 2
    while a >= 0:
        ia[a] += 1
        if ia[a] < shape[a]:
            xrow[a] = origin[a] + ia[a] * h[a]
            return
        ia[a] = 0
        xrow[a] = origin[a]
        a -= 1


@njit(inline="always")
def _row_base_at(xrow, origin, frame, base):
    """:func:`_row_base` from the decoded row point: the same sums in the same order."""
    d = frame.shape[0]
    n = frame.shape[1]
    for c in range(n):
        base[c] = origin[d - 1] * frame[d - 1, c]
    for a in range(d - 2, -1, -1):
        xa = xrow[a]
        for c in range(n):
            base[c] += xa * frame[a, c]


@njit(inline="always")
def _full_or_valid_range(u0, du, umin, umax, l0, l1):
    """:func:`_valid_range`, with the common case first: u0 + l·du is monotone in l (so is
    its rounding), so both ends strictly inside (umin, umax) means the whole range is."""
    if l0 < l1:
        ua = u0 + l0 * du
        ub = u0 + (l1 - 1) * du
        if umin < ua < umax and umin < ub < umax:
            return l0, l1
    return _valid_range(u0, du, umin, umax, l0, l1)


@njit(inline="always")
def _hat_integral(x):
    """Φ(x) = ∫_{−∞}^{x} φ, φ(u) = max(0, 1 − |u|) the hat function.

    Branch-free: with y = x clipped to [−1, 1], Φ = ½ + y − ½·y·|y| (= ½(1 + y)² for
    y <= 0 and 1 − ½(1 − y)² for y >= 0)."""
    y = min(max(x, -1.0), 1.0)
    return 0.5 + y - 0.5 * y * abs(y)


#: Contraction only (multiply-adds fused, the order of every sum kept), for the n = 1 row
#: splats (:func:`_splat_row_1`, :func:`_splat_rows4_narrow`) and the unrolled 3 × 3 × 3 run kernels of n = 3
#: (:func:`_splat_run_333`): exceptions to the fastmath-off policy of :mod:`ridgekit._numba`.
_FMA = {"contract"}


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


@njit(fastmath=_FMA)
def _splat_row_1(f, r, l0, l1, u0, du, wf, scale, orow):
    """Splat grid row r (columns l0..l1−1, all meeting the grid) into one padded row
    (fused multiply-adds, as :func:`_splat_rows4_narrow`)."""
    if wf > 0.0 and wf <= 1.0:  # footprint meets at most two bins: branch-free weights
        one = np.uint64(1)
        lo0 = u0 - 0.5 * wf + PAD + 0.5
        for l in range(l0, l1):
            v = f[r, l]
            if v != 0.0:
                lo = lo0 + l * du
                i = int(lo)
                c = (lo + wf - i - 1.0) / wf
                c = c if c > 0.0 else 0.0
                sv = scale * v
                p = np.uint64(i)  # >= 1 in the padded row: no wraparound of negative indices
                orow[p] += sv * (1.0 - c)
                orow[p + one] += sv * c
    else:
        for l in range(l0, l1):
            v = f[r, l]
            if v != 0.0:
                _line_splat(u0 + l * du, wf, scale * v, orow)


@njit(fastmath=_FMA)
def _splat_rows4_narrow(f, r, ab, u0s, du, wf, scale, lanes):
    """Splat grid rows r..r+3 (footprint 0 < wf <= 1) into lanes[0..3] (padded rows).

    Contraction only (each ``lane += v·weight`` one fused multiply-add, the order of the
    sums kept; an exception to the fastmath-off policy of :mod:`ridgekit._numba`, as
    :func:`_splat_run_333`): the 2-D ``radon`` of 256² from 180 angles ~10 % faster on one
    core (benchmarks/bench_radon.py); within 2·N·eps·Σ|terms| of a pixel-by-pixel overlap
    reference (tests/test_kplane_kernels.py), and scikit-image's radon invariants hold
    (tests/test_radon2d_skimage.py).

    Row r + q goes to lane q.  Adjacent columns of one row hit the same one or two bins,
    so a single row's splat is a chain of dependent read-modify-writes; interleaving four
    rows that write to four different lanes runs four independent chains.  The columns
    outside the rows' common valid range are done row by row, into the same lanes."""
    lo = max(max(ab[0, 0], ab[1, 0]), max(ab[2, 0], ab[3, 0]))
    hi = min(min(ab[0, 1], ab[1, 1]), min(ab[2, 1], ab[3, 1]))
    if hi <= lo:
        for q in range(4):
            _splat_row_1(f, r + q, ab[q, 0], ab[q, 1], u0s[q], du, wf, scale, lanes[q])
        return
    for q in range(4):
        _splat_row_1(f, r + q, ab[q, 0], lo, u0s[q], du, wf, scale, lanes[q])
        _splat_row_1(f, r + q, hi, ab[q, 1], u0s[q], du, wf, scale, lanes[q])
    la = u0s[0] - 0.5 * wf + PAD + 0.5
    lb = u0s[1] - 0.5 * wf + PAD + 0.5
    lc = u0s[2] - 0.5 * wf + PAD + 0.5
    ld = u0s[3] - 0.5 * wf + PAD + 0.5
    oa = lanes[0]
    ob = lanes[1]
    oc = lanes[2]
    od = lanes[3]
    fa = f[r]
    fb = f[r + 1]
    fc = f[r + 2]
    fd = f[r + 3]
    one = np.uint64(1)
    for l in range(lo, hi):
        ul = np.uint64(l)
        if fa[ul] == 0.0 and fb[ul] == 0.0 and fc[ul] == 0.0 and fd[ul] == 0.0:
            continue  # zero regions of an image (outside an object) cost one test
        # the weights of _splat_row_1, term for term
        xa = la + l * du
        xb = lb + l * du
        xc = lc + l * du
        xd = ld + l * du
        ia = int(xa)
        ib = int(xb)
        ic = int(xc)
        id_ = int(xd)
        ca = max((xa + wf - ia - 1.0) / wf, 0.0)
        cb = max((xb + wf - ib - 1.0) / wf, 0.0)
        cc = max((xc + wf - ic - 1.0) / wf, 0.0)
        cd = max((xd + wf - id_ - 1.0) / wf, 0.0)
        va = scale * fa[ul]
        vb = scale * fb[ul]
        vc = scale * fc[ul]
        vd = scale * fd[ul]
        # unsigned bins (>= 1 in the padded rows): no wraparound of negative indices
        pa = np.uint64(ia)
        pb = np.uint64(ib)
        pc = np.uint64(ic)
        pd = np.uint64(id_)
        oa[pa] += va * (1.0 - ca)
        oa[pa + one] += va * ca
        ob[pb] += vb * (1.0 - cb)
        ob[pb + one] += vb * cb
        oc[pc] += vc * (1.0 - cc)
        oc[pc + one] += vc * cc
        od[pd] += vd * (1.0 - cd)
        od[pd + one] += vd * cd


@njit
def _nonzero_extent(f, nz):
    """nz[r] = [first, last + 1) of the nonzero columns of row r of f ([0, 0) if none)."""
    L = f.shape[1]
    for r in range(f.shape[0]):
        a = 0
        while a < L and f[r, a] == 0.0:
            a += 1
        b = L
        while b > a and f[r, b - 1] == 0.0:
            b -= 1
        nz[r, 0] = a if a < b else 0
        nz[r, 1] = b if a < b else 0


@pjit
def splat_grid_1(f, shape, origin, h, frames, fw, t0, ht, T, scale, out):
    """Forward transform, n = 1, of values f (rows × L) on a regular grid.

    out has shape (m, T + 2·PAD) (padded rows; the caller strips the padding).  Parallel
    over blocks of frames; each thread owns its frames' output rows.  For footprints
    0 < wf <= 1 the rows are splatted four at a time into four partial rows per frame
    (:func:`_splat_rows4_narrow`), summed into ``out`` when the frame block is done; the
    grouping depends only on the row index, so the result does not depend on how frames
    are blocked or split.  Each row is splatted only over its nonzero extent (found once
    for all frames): the zeros around an object (half the pixels of a head phantom)
    would add exact zeros."""
    m = frames.shape[0]
    d = shape.shape[0]
    rows = f.shape[0]
    Tp = out.shape[1]
    nz = np.empty((rows, 2), dtype=np.int64)
    _nonzero_extent(f, nz)
    nfb = (m + FRAME_BLOCK - 1) // FRAME_BLOCK
    for fb in prange(nfb):
        base = np.empty(1)
        j0 = fb * FRAME_BLOCK
        j1 = min(m, (fb + 1) * FRAME_BLOCK)
        lanes = np.zeros((j1 - j0, 4, Tp))
        ab = np.empty((4, 2), dtype=np.int64)
        u0s = np.empty(4)
        for r0 in range(0, rows, ROW_BLOCK):
            r1 = min(rows, r0 + ROW_BLOCK)
            for j in range(j0, j1):
                du = h[d - 1] * frames[j, d - 1, 0] / ht
                wf = fw[j, 0]
                umin, umax = _line_range(wf, T)
                lj = lanes[j - j0]
                r = r0
                if wf > 0.0 and wf <= 1.0:
                    while r + 4 <= r1:
                        for q in range(4):
                            _row_base(r + q, shape, origin, h, frames[j], base)
                            u0s[q] = (base[0] - t0) / ht
                            a, b = _valid_range(u0s[q], du, umin, umax, nz[r + q, 0], nz[r + q, 1])
                            ab[q, 0] = a
                            ab[q, 1] = b
                        _splat_rows4_narrow(f, r, ab, u0s, du, wf, scale, lj)
                        r += 4
                for rr in range(r, r1):
                    _row_base(rr, shape, origin, h, frames[j], base)
                    u0 = (base[0] - t0) / ht
                    a, b = _valid_range(u0, du, umin, umax, nz[rr, 0], nz[rr, 1])
                    _splat_row_1(f, rr, a, b, u0, du, wf, scale, lj[0])
        for j in range(j0, j1):
            lj = lanes[j - j0]
            orow = out[j]
            for i in range(Tp):
                orow[i] += ((lj[0, i] + lj[1, i]) + lj[2, i]) + lj[3, i]


@njit
def _gather_row_1(grow, wj, l0, l1, u0, du, wf, orow):
    """orow[l] += wj·Σ_i ht·K(t_i − s_l) g[i] for columns l0..l1−1 (all meeting the grid)."""
    one = np.uint64(1)
    if wf == 0.0:  # hat: linear interpolation
        x0 = u0 + PAD
        for l in range(l0, l1):
            x = x0 + l * du
            i = int(x)
            fr = x - i
            p = np.uint64(i)  # >= 1 in the padded row: no wraparound of negative indices
            orow[l] += wj * (grow[p] + fr * (grow[p + one] - grow[p]))
    elif wf <= 1.0:  # footprint meets at most two bins: branch-free weights
        lo0 = u0 - 0.5 * wf + PAD + 0.5
        for l in range(l0, l1):
            lo = lo0 + l * du
            i = int(lo)
            c = (lo + wf - i - 1.0) / wf
            c = c if c > 0.0 else 0.0
            p = np.uint64(i)
            orow[l] += wj * (grow[p] + c * (grow[p + one] - grow[p]))
    else:
        for l in range(l0, l1):
            orow[l] += wj * _line_weight(u0 + l * du, wf, grow)


#: Reassociation and contraction only (no assumptions on NaN, infinities or signed zeros),
#: for the sums over frames of the interpolating gathers below (see their docstrings).
_FAST = {"reassoc", "contract"}


@njit(fastmath=_FAST)
def _lerp_sum_frames(flat, base, x00, du, wts, lo, hi, orow):
    """orow[l] += Σ_j wts[j]·(linear interpolation of padded row j at x00[j] + l·du[j]),
    lo <= l < hi; row j of the padded data starts at flat[base[j]].

    The caller guarantees that every coordinate lies in the row's padded range (the hat
    meets the data, plus the padding's slack for rounding).  The sum over frames is the
    innermost loop and a reduction into a register, so that it vectorises (gathers of the
    two neighbouring samples, AVX2/AVX-512): the frame-outer order stores every output
    value once per frame, and LLVM cannot vectorise that loop because the output may
    alias the data.  One of the exceptions to the fastmath-off policy of
    :mod:`ridgekit._numba`: reassociation (the frames are summed in another order, equal
    to rounding) and contraction (fused multiply-adds).  Measured on one core
    (benchmarks/bench_radon.py, iradon per core): the 256² FBP backprojection from 180
    angles takes 12–16 ms instead of 27–30 ms; tests/test_radon2d.py compares iradon with
    scikit-image's to 1e-12 relative at 24 and 720 angles, tests/test_kplane_kernels.py
    the n = 1 hat gather with the frame-by-frame one."""
    m = x00.shape[0]
    one = np.uint64(1)
    for l in range(lo, hi):
        acc = 0.0
        for j in range(m):
            x = x00[j] + l * du[j]
            i = int(x)
            fr = x - i
            # unsigned (the index is >= 0 here): numba then skips the wraparound of
            # negative indices, ~6 vector operations per gather (−21 % on one core)
            p = np.uint64(base[j] + i)
            a = flat[p]
            acc += wts[j] * (a + fr * (flat[p + one] - a))
        orow[l] += acc


@pjit
def backproject_grid_1_hat(gp, weights, shape, origin, h, frames, t0, ht, T, lrange, out):
    """:func:`backproject_grid_1` for the hat (footprint 0 on every frame), the sum over a
    block of frames vectorised by :func:`_lerp_sum_frames` wherever the whole block's
    coordinates meet the data (in practice everywhere); the other columns frame by frame
    with :func:`_gather_row_1`.  Parallel over blocks of output rows."""
    m = frames.shape[0]
    d = shape.shape[0]
    rows = out.shape[0]
    W = gp.shape[1]
    flat = gp.ravel()
    umin, umax = _line_range(0.0, T)
    nrb = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    for rb in prange(nrb):
        base = np.empty(1)
        xrow = np.empty(d)
        u0s = np.empty(FRAME_BLOCK)
        x00 = np.empty(FRAME_BLOCK)
        du = np.empty(FRAME_BLOCK)
        ja = np.empty(FRAME_BLOCK, dtype=np.int64)
        jb = np.empty(FRAME_BLOCK, dtype=np.int64)
        rowbase = np.empty(FRAME_BLOCK, dtype=np.int64)
        r1 = min(rows, (rb + 1) * ROW_BLOCK)
        for j0 in range(0, m, FRAME_BLOCK):
            nb = min(m, j0 + FRAME_BLOCK) - j0
            for q in range(nb):
                rowbase[q] = (j0 + q) * W
            for r in range(rb * ROW_BLOCK, r1):
                orow = out[r]
                l0 = lrange[r, 0]
                l1 = lrange[r, 1]
                lo = l0
                hi = l1
                _row_point(r, shape, origin, h, xrow)
                for q in range(nb):
                    j = j0 + q
                    _row_base_at(xrow, origin, frames[j], base)
                    u0 = (base[0] - t0) / ht
                    dq = h[d - 1] * frames[j, d - 1, 0] / ht
                    a, b = _full_or_valid_range(u0, dq, umin, umax, l0, l1)
                    u0s[q] = u0
                    x00[q] = u0 + PAD
                    du[q] = dq
                    ja[q] = a
                    jb[q] = b
                    lo = max(lo, a)
                    hi = min(hi, b)
                if lo < hi:
                    _lerp_sum_frames(flat, rowbase[:nb], x00[:nb], du[:nb], weights[j0:j0 + nb], lo, hi, orow)
                else:
                    lo = l1
                    hi = l1
                for q in range(nb):
                    j = j0 + q
                    a = ja[q]
                    b = jb[q]
                    _gather_row_1(gp[j], weights[j], a, min(lo, b), u0s[q], du[q], 0.0, orow)
                    _gather_row_1(gp[j], weights[j], max(hi, a), b, u0s[q], du[q], 0.0, orow)


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


# ---------------------------------------------------------------- n >= 2 (separable hat)
# The kernels below visit the grid row by row (rows run along the last axis).  For each
# row and offset axis c, :func:`_row_weights` computes in one branch-free (vectorisable)
# pass the first offset node idx[c, l] and the weights w[c, q, l] of the K_c nodes that
# the footprint of node l meets (K_c = 2 for the hat, 3 for footprints up to one offset
# step, ⌈w_c⌉ + 2 beyond), with u_c(l) = u0_c + l·du_c; :func:`_splat_tensor` and
# :func:`_gather_tensor` then splat / gather their tensor product, with explicit loops
# for n = 2, 3 inside the grid and an odometer (which drops nodes outside 0..T−1)
# otherwise.  Point clouds use the same functions with rows of length 1.  Forward and
# backprojection compute the weights with the same function from the same arguments, so
# they are exact transposes.

# offsets (in offset steps) beyond which a footprint surely misses any grid; the clamp
# keeps the float-to-int conversion defined for huge (finite) projections
_U_MAX = 2.0 ** 40


@njit(inline="always")
def _axis_nodes(wf):
    """Number K of offset nodes a footprint of width wf (offset steps) can meet."""
    if wf == 0.0:
        return 2
    if wf <= 1.0:
        return 3
    return int(np.ceil(wf)) + 2


@njit(inline="always")
def _row_weights(u0, du, wf, K, L, idx, w, c):
    """Offset-axis c weights of the L nodes of one grid row, u(l) = u0 + l·du.

    The kernel of the module docstring, lengths in offset steps, u = (s − t0)/ht: the
    footprint box [lo, lo + wf], lo = u − wf/2, convolved with the node hat gives node i
    the weight (Φ(lo + wf − i) − Φ(lo − i))/wf, and the hat itself, 1 − |u − i|, for
    wf = 0.  The nonzero weights sit at nodes strictly inside (lo − 1, lo + wf + 1): at
    most K of them from idx[c, l] = ⌊lo⌋ on, written to w[c, 0:K, l].  For 0 < wf <= 1
    the three weights are the closed forms of Φ on the pieces that a = lo − ⌊lo⌋ and
    σ = a + wf − 1 ∈ [−1, 1) select,

        w₀ = ((1 − a)² − min(σ, 0)²)/(2wf),  w₁ = (½ + σ − ½σ|σ| − ½a²)/wf,
        w₂ = max(σ, 0)²/(2wf)

    (they sum to 1).  Nodes outside the offset grid are left to the caller."""
    # each footprint class is its own compiled loop: one function holding the three loops
    # compiled to code 2.5-3x slower per row (measured on rows of 20 nodes)
    if wf == 0.0:
        _row_weights_hat(u0, du, L, idx, w, c)
    elif wf == 1.0:
        _row_weights_one(u0, du, L, idx, w, c)
    elif wf <= 1.0:
        _row_weights_narrow(u0, du, wf, L, idx, w, c)
    else:
        _row_weights_wide(u0, du, wf, K, L, idx, w, c)


@njit
def _row_weights_hat(u0, du, L, idx, w, c):
    """:func:`_row_weights` for wf = 0 (the hat: linear interpolation)."""
    for l in range(L):
        lo = min(max(u0 + l * du, -_U_MAX), _U_MAX)
        fl = np.floor(lo)
        idx[c, l] = int(fl)
        a = lo - fl
        w[c, 0, l] = 1.0 - a
        w[c, 1, l] = a


@njit
def _row_weights_one(u0, du, L, idx, w, c):
    """:func:`_row_weights` for wf = 1 (isotropic grids, the default): the closed forms of
    :func:`_row_weights_narrow` at σ = a, i.e. the quadratic B-spline weights
    ½(1 − a)², ½ + a(1 − a), ½a² (half the arithmetic, no min/max/division)."""
    for l in range(L):
        lo = min(max(u0 + l * du - 0.5, -_U_MAX), _U_MAX)
        fl = np.floor(lo)
        idx[c, l] = int(fl)
        a = lo - fl
        b = 1.0 - a
        w[c, 0, l] = 0.5 * b * b
        w[c, 1, l] = 0.5 + a * b
        w[c, 2, l] = 0.5 * a * a


@njit
def _row_weights_narrow(u0, du, wf, L, idx, w, c):
    """:func:`_row_weights` for 0 < wf <= 1 (the closed forms, three nodes)."""
    hw = 0.5 * wf
    h2 = 0.5 / wf
    for l in range(L):
        lo = min(max(u0 + l * du - hw, -_U_MAX), _U_MAX)
        fl = np.floor(lo)
        idx[c, l] = int(fl)
        a = lo - fl
        sg = a + wf - 1.0
        mn = min(sg, 0.0)
        mp = max(sg, 0.0)
        w[c, 0, l] = ((1.0 - a) * (1.0 - a) - mn * mn) * h2
        w[c, 1, l] = (0.5 + sg - 0.5 * sg * abs(sg) - 0.5 * a * a) / wf
        w[c, 2, l] = mp * mp * h2


@njit
def _row_weights_wide(u0, du, wf, K, L, idx, w, c):
    """:func:`_row_weights` for wf > 1 (Φ differences, K = ⌈wf⌉ + 2 nodes)."""
    hw = 0.5 * wf
    for l in range(L):
        lo = min(max(u0 + l * du - hw, -_U_MAX), _U_MAX)
        fl = np.floor(lo)
        idx[c, l] = int(fl)
        for q in range(K):
            x = lo - (fl + q)
            w[c, q, l] = (_hat_integral(x + wf) - _hat_integral(x)) / wf


@njit(inline="always")
def _inside(idx, K, l, T):
    """Whether all nodes of voxel l lie inside the offset grid 0..T−1 on every axis."""
    for c in range(idx.shape[0]):
        i0 = idx[c, l]
        if i0 < 0 or i0 + K[c] > T:
            return False
    return True


@njit(inline="always")
def _splat_tensor(v, idx, w, K, l, T, o, pos):
    """o[flat node index] += v·Π_c w[c, ·, l] over the tensor product of the axes' nodes."""
    n = idx.shape[0]
    if _inside(idx, K, l, T):
        # the last axis' weights are held in locals (the stores to o may alias w)
        kl = K[n - 1]
        wl0 = w[n - 1, 0, l]
        wl1 = w[n - 1, 1, l]
        wl2 = w[n - 1, 2, l] if kl > 2 else 0.0
        if n == 2:
            b = idx[0, l] * T + idx[1, l]
            for p in range(K[0]):
                vp = v * w[0, p, l]
                if kl == 3:
                    o[b] += vp * wl0
                    o[b + 1] += vp * wl1
                    o[b + 2] += vp * wl2
                elif kl == 2:
                    o[b] += vp * wl0
                    o[b + 1] += vp * wl1
                else:
                    for q in range(kl):
                        o[b + q] += vp * w[1, q, l]
                b += T
            return
        if n == 3:
            b0 = (idx[0, l] * T + idx[1, l]) * T + idx[2, l]
            for p in range(K[0]):
                vp = v * w[0, p, l]
                b1 = b0
                for q in range(K[1]):
                    vq = vp * w[1, q, l]
                    if kl == 3:
                        o[b1] += vq * wl0
                        o[b1 + 1] += vq * wl1
                        o[b1 + 2] += vq * wl2
                    elif kl == 2:
                        o[b1] += vq * wl0
                        o[b1 + 1] += vq * wl1
                    else:
                        for s in range(kl):
                            o[b1 + s] += vq * w[2, s, l]
                    b1 += T
                b0 += T * T
            return
    total = 1
    for c in range(n):
        pos[c] = 0
        total *= K[c]
    for _ in range(total):
        flat = 0
        wt = v
        ok = True
        for c in range(n):
            i = idx[c, l] + pos[c]
            ok = ok and 0 <= i < T
            flat = flat * T + i
            wt *= w[c, pos[c], l]
        if ok:
            o[flat] += wt
        c = n - 1
        while c >= 0:
            pos[c] += 1
            if pos[c] < K[c]:
                break
            pos[c] = 0
            c -= 1


@njit(inline="always")
def _gather_tensor(idx, w, K, l, T, g, pos):
    """Σ over the tensor product of the axes' nodes of Π_c w[c, ·, l]·g[flat node index]
    (the transpose of :func:`_splat_tensor`)."""
    n = idx.shape[0]
    acc = 0.0
    if _inside(idx, K, l, T):
        kl = K[n - 1]
        wl0 = w[n - 1, 0, l]
        wl1 = w[n - 1, 1, l]
        wl2 = w[n - 1, 2, l] if kl > 2 else 0.0
        if n == 2:
            b = idx[0, l] * T + idx[1, l]
            for p in range(K[0]):
                if kl == 3:
                    s = wl0 * g[b] + wl1 * g[b + 1] + wl2 * g[b + 2]
                elif kl == 2:
                    s = wl0 * g[b] + wl1 * g[b + 1]
                else:
                    s = 0.0
                    for q in range(kl):
                        s += w[1, q, l] * g[b + q]
                acc += w[0, p, l] * s
                b += T
            return acc
        if n == 3:
            b0 = (idx[0, l] * T + idx[1, l]) * T + idx[2, l]
            for p in range(K[0]):
                b1 = b0
                sp = 0.0
                for q in range(K[1]):
                    if kl == 3:
                        s = wl0 * g[b1] + wl1 * g[b1 + 1] + wl2 * g[b1 + 2]
                    elif kl == 2:
                        s = wl0 * g[b1] + wl1 * g[b1 + 1]
                    else:
                        s = 0.0
                        for r in range(kl):
                            s += w[2, r, l] * g[b1 + r]
                    sp += w[1, q, l] * s
                    b1 += T
                acc += w[0, p, l] * sp
                b0 += T * T
            return acc
    total = 1
    for c in range(n):
        pos[c] = 0
        total *= K[c]
    for _ in range(total):
        flat = 0
        wt = 1.0
        ok = True
        for c in range(n):
            i = idx[c, l] + pos[c]
            ok = ok and 0 <= i < T
            flat = flat * T + i
            wt *= w[c, pos[c], l]
        if ok:
            acc += wt * g[flat]
        c = n - 1
        while c >= 0:
            pos[c] += 1
            if pos[c] < K[c]:
                break
            pos[c] = 0
            c -= 1
    return acc


@njit
def _tensor_scratch(n, L, wmax):
    """Per-thread buffers: first nodes (n, L), weights (n, Kmax, L), node counts K (n,),
    odometer (n,), row projection and its step (n,) each."""
    kmax = _axis_nodes(wmax)
    return (np.empty((n, L), dtype=np.int64), np.empty((n, kmax, L)), np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64), np.empty(n), np.empty(n))


@pjit
def splat_grid_n(f, shape, origin, h, frames, fw, t0, ht, T, scale, out):
    """Forward transform, n >= 2, of grid values f (rows × L); out has shape (m, Tⁿ).

    Parallel over frames, each thread owning its frames' output rows."""
    m = frames.shape[0]
    d = shape.shape[0]
    n = frames.shape[2]
    L = shape[d - 1]
    rows = f.shape[0]
    for j in prange(m):
        idx, w, K, pos, base, du = _tensor_scratch(n, L, fw[j].max())
        o = out[j]
        for c in range(n):
            K[c] = _axis_nodes(fw[j, c])
            du[c] = h[d - 1] * frames[j, d - 1, c] / ht
        for r in range(rows):
            _row_base(r, shape, origin, h, frames[j], base)
            for c in range(n):
                _row_weights((base[c] - t0) / ht, du[c], fw[j, c], K[c], L, idx, w, c)
            for l in range(L):
                v = f[r, l]
                if v != 0.0:
                    _splat_tensor(scale * v, idx, w, K, l, T, o, pos)


@pjit
def backproject_grid_n(g, weights, shape, origin, h, frames, fw, t0, ht, T, out):
    """Backprojection, n >= 2, onto a regular grid (out: rows × L), the transpose of
    :func:`splat_grid_n` up to the weights.  Parallel over blocks of output rows; frames
    are visited in blocks so that a block's data stay in cache across the rows."""
    m = frames.shape[0]
    d = shape.shape[0]
    n = frames.shape[2]
    L = shape[d - 1]
    rows = out.shape[0]
    nrb = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    for rb in prange(nrb):
        idx, w, K, pos, base, du = _tensor_scratch(n, L, fw.max())
        r1 = min(rows, (rb + 1) * ROW_BLOCK)
        for j0 in range(0, m, FRAME_BLOCK):
            for r in range(rb * ROW_BLOCK, r1):
                orow = out[r]
                for j in range(j0, min(m, j0 + FRAME_BLOCK)):
                    wj = weights[j]
                    gj = g[j]
                    _row_base(r, shape, origin, h, frames[j], base)
                    for c in range(n):
                        K[c] = _axis_nodes(fw[j, c])
                        du[c] = h[d - 1] * frames[j, d - 1, c] / ht
                        _row_weights((base[c] - t0) / ht, du[c], fw[j, c], K[c], L, idx, w, c)
                    for l in range(L):
                        orow[l] += wj * _gather_tensor(idx, w, K, l, T, gj, pos)


# Runs: along a grid row the first nodes idx[c, l] are monotone in l, so the voxels whose
# nodes all lie inside the offset grid form one run; :func:`_run_end_2` finds its end
# (n = 2), :func:`_inside_span_3` the whole run from the row's two ends (n = 3), and the
# ``_*_run_*`` functions splat / gather a whole run in a tight
# loop of their own (few live registers, no general path in the loop).  Inside a run every
# flat node index is nonnegative and is cast to uint64: numba then omits the
# negative-index wraparound select on each load and store.  The arithmetic is that of
# :func:`_splat_tensor` / :func:`_gather_tensor`, in the same order (bit for bit), except
# that :func:`splat_grid_2` sums odd and even grid rows into two buffers (3 × 3 footprints)
# and that the n = 3 runs fuse their multiply-adds (:func:`_splat_run_333`).


@njit(inline="always")
def _inside_2(idx, l, k0, k1, T):
    """Whether voxel l's k0 × k1 nodes all lie inside the offset grid (n = 2)."""
    i0 = idx[0, l]
    i1 = idx[1, l]
    return i0 >= 0 and i1 >= 0 and i0 + k0 <= T and i1 + k1 <= T


@njit(inline="always")
def _run_end_2(idx, l, L, k0, k1, T):
    """End (exclusive) of the run of voxels inside the offset grid that starts at l."""
    e = l + 1
    while e < L and _inside_2(idx, e, k0, k1, T):
        e += 1
    return e


@njit
def _splat_run_33(f, r, scale, T, idx, w, l0, l1, o):
    """Splat voxels l0..l1−1 of row r, 3 × 3 nodes each, all inside the offset grid."""
    one = np.uint64(1)
    two = np.uint64(2)
    Tu = np.uint64(T)
    for l in range(l0, l1):
        v = f[r, l]
        if v == 0.0:
            continue
        sv = scale * v
        b0 = w[1, 0, l]
        b1 = w[1, 1, l]
        b2 = w[1, 2, l]
        v0 = sv * w[0, 0, l]
        v1 = sv * w[0, 1, l]
        v2 = sv * w[0, 2, l]
        b = np.uint64(idx[0, l] * T + idx[1, l])
        o[b] += v0 * b0
        o[b + one] += v0 * b1
        o[b + two] += v0 * b2
        b += Tu
        o[b] += v1 * b0
        o[b + one] += v1 * b1
        o[b + two] += v1 * b2
        b += Tu
        o[b] += v2 * b0
        o[b + one] += v2 * b1
        o[b + two] += v2 * b2


@njit
def _splat_run_33x2(f, r, scale, T, idx, w, idxb, wb, l0, l1, o, ob):
    """:func:`_splat_run_33` for rows r (into o) and r + 1 (into ob) at once.

    Neighbouring voxels of one row share most of their 3 × 3 nodes, so one row's splat is
    a chain of dependent read-modify-writes; two rows written to two different output
    rows are two independent chains.  Per voxel the arithmetic is that of
    :func:`_splat_run_33`."""
    one = np.uint64(1)
    two = np.uint64(2)
    Tu = np.uint64(T)
    fa = f[r]
    fb = f[r + 1]
    for l in range(l0, l1):
        va = fa[l]
        vb = fb[l]
        if va == 0.0 and vb == 0.0:
            continue
        sa = scale * va
        sb = scale * vb
        a0 = w[1, 0, l]
        a1 = w[1, 1, l]
        a2 = w[1, 2, l]
        c0 = wb[1, 0, l]
        c1 = wb[1, 1, l]
        c2 = wb[1, 2, l]
        x0 = sa * w[0, 0, l]
        x1 = sa * w[0, 1, l]
        x2 = sa * w[0, 2, l]
        y0 = sb * wb[0, 0, l]
        y1 = sb * wb[0, 1, l]
        y2 = sb * wb[0, 2, l]
        p = np.uint64(idx[0, l] * T + idx[1, l])
        q = np.uint64(idxb[0, l] * T + idxb[1, l])
        o[p] += x0 * a0
        ob[q] += y0 * c0
        o[p + one] += x0 * a1
        ob[q + one] += y0 * c1
        o[p + two] += x0 * a2
        ob[q + two] += y0 * c2
        p += Tu
        q += Tu
        o[p] += x1 * a0
        ob[q] += y1 * c0
        o[p + one] += x1 * a1
        ob[q + one] += y1 * c1
        o[p + two] += x1 * a2
        ob[q + two] += y1 * c2
        p += Tu
        q += Tu
        o[p] += x2 * a0
        ob[q] += y2 * c0
        o[p + one] += x2 * a1
        ob[q + one] += y2 * c1
        o[p + two] += x2 * a2
        ob[q + two] += y2 * c2


@njit
def _splat_run_22(f, r, scale, T, idx, w, l0, l1, o):
    """Splat voxels l0..l1−1 of row r, 2 × 2 nodes each (hat), all inside the offset grid."""
    one = np.uint64(1)
    Tu = np.uint64(T)
    for l in range(l0, l1):
        v = f[r, l]
        if v == 0.0:
            continue
        sv = scale * v
        b0 = w[1, 0, l]
        b1 = w[1, 1, l]
        v0 = sv * w[0, 0, l]
        v1 = sv * w[0, 1, l]
        b = np.uint64(idx[0, l] * T + idx[1, l])
        o[b] += v0 * b0
        o[b + one] += v0 * b1
        b += Tu
        o[b] += v1 * b0
        o[b + one] += v1 * b1


@njit
def _gather_run_33(gj, wj, T, idx, w, l0, l1, orow):
    """orow[l] += wj·(3 × 3 gather of gj) for voxels l0..l1−1, all inside the offset grid."""
    one = np.uint64(1)
    two = np.uint64(2)
    Tu = np.uint64(T)
    for l in range(l0, l1):
        b0 = w[1, 0, l]
        b1 = w[1, 1, l]
        b2 = w[1, 2, l]
        b = np.uint64(idx[0, l] * T + idx[1, l])
        s0 = b0 * gj[b] + b1 * gj[b + one] + b2 * gj[b + two]
        b += Tu
        s1 = b0 * gj[b] + b1 * gj[b + one] + b2 * gj[b + two]
        b += Tu
        s2 = b0 * gj[b] + b1 * gj[b + one] + b2 * gj[b + two]
        orow[l] += wj * (w[0, 0, l] * s0 + w[0, 1, l] * s1 + w[0, 2, l] * s2)


@njit
def _gather_run_22(gj, wj, T, idx, w, l0, l1, orow):
    """orow[l] += wj·(2 × 2 gather of gj, the hat) for voxels l0..l1−1, all inside."""
    one = np.uint64(1)
    Tu = np.uint64(T)
    for l in range(l0, l1):
        b0 = w[1, 0, l]
        b1 = w[1, 1, l]
        b = np.uint64(idx[0, l] * T + idx[1, l])
        bt = b + Tu
        orow[l] += wj * (w[0, 0, l] * (b0 * gj[b] + b1 * gj[b + one])
                         + w[0, 1, l] * (b0 * gj[bt] + b1 * gj[bt + one]))


@pjit
def splat_grid_2(f, shape, origin, h, frames, fw, t0, ht, T, scale, out):
    """:func:`splat_grid_n` for n = 2 (X-ray transform in ℝ³, 2-planes in ℝ⁴): the same
    weights, with the 3 × 3 (footprints up to one offset step) and 2 × 2 (hat) tensor
    products inside the offset grid unrolled over runs of voxels.  With 3 × 3 footprints
    the rows are taken in pairs: even rows are summed into ``out[j]``, odd rows into a
    second buffer added to it when the frame is done (:func:`_splat_run_33x2`), so the
    sums are those of :func:`splat_grid_n` in another order (equal to rounding)."""
    m = frames.shape[0]
    d = shape.shape[0]
    L = shape[d - 1]
    rows = f.shape[0]
    for j in prange(m):
        idx, w, K, pos, base, du = _tensor_scratch(2, L, fw[j].max())
        o = out[j]
        for c in range(2):
            K[c] = _axis_nodes(fw[j, c])
            du[c] = h[d - 1] * frames[j, d - 1, c] / ht
        k0 = K[0]
        k1 = K[1]
        fast = (k0 == 3 and k1 == 3) or (k0 == 2 and k1 == 2)
        r = 0
        if k0 == 3 and k1 == 3 and rows >= 2:
            idxb, wb = _tensor_scratch(2, L, fw[j].max())[:2]
            ob = np.zeros_like(o)
            while r + 2 <= rows:
                _row_base(r, shape, origin, h, frames[j], base)
                _row_weights((base[0] - t0) / ht, du[0], fw[j, 0], k0, L, idx, w, 0)
                _row_weights((base[1] - t0) / ht, du[1], fw[j, 1], k1, L, idx, w, 1)
                _row_base(r + 1, shape, origin, h, frames[j], base)
                _row_weights((base[0] - t0) / ht, du[0], fw[j, 0], k0, L, idxb, wb, 0)
                _row_weights((base[1] - t0) / ht, du[1], fw[j, 1], k1, L, idxb, wb, 1)
                l = 0
                while l < L:
                    ina = _inside_2(idx, l, k0, k1, T)
                    inb = _inside_2(idxb, l, k0, k1, T)
                    if ina and inb:
                        e = min(_run_end_2(idx, l, L, k0, k1, T), _run_end_2(idxb, l, L, k0, k1, T))
                        _splat_run_33x2(f, r, scale, T, idx, w, idxb, wb, l, e, o, ob)
                        l = e
                    else:
                        v = f[r, l]
                        if v != 0.0:
                            _splat_tensor(scale * v, idx, w, K, l, T, o, pos)
                        v = f[r + 1, l]
                        if v != 0.0:
                            _splat_tensor(scale * v, idxb, wb, K, l, T, ob, pos)
                        l += 1
                r += 2
            for i in range(o.shape[0]):
                o[i] += ob[i]
        for rr in range(r, rows):
            _row_base(rr, shape, origin, h, frames[j], base)
            _row_weights((base[0] - t0) / ht, du[0], fw[j, 0], k0, L, idx, w, 0)
            _row_weights((base[1] - t0) / ht, du[1], fw[j, 1], k1, L, idx, w, 1)
            l = 0
            while l < L:
                if fast and _inside_2(idx, l, k0, k1, T):
                    e = _run_end_2(idx, l, L, k0, k1, T)
                    if k0 == 3:
                        _splat_run_33(f, rr, scale, T, idx, w, l, e, o)
                    else:
                        _splat_run_22(f, rr, scale, T, idx, w, l, e, o)
                    l = e
                else:
                    v = f[rr, l]
                    if v != 0.0:
                        _splat_tensor(scale * v, idx, w, K, l, T, o, pos)
                    l += 1


@pjit
def backproject_grid_2(g, weights, shape, origin, h, frames, fw, t0, ht, T, out):
    """:func:`backproject_grid_n` for n = 2, unrolled over runs as :func:`splat_grid_2`.

    Parallel over blocks of output rows; inside a block the frames are the outer loop
    (each output value still sums its frames in increasing order), so that a frame's
    data are reused across the block's neighbouring rows while they sit in cache."""
    m = frames.shape[0]
    d = shape.shape[0]
    L = shape[d - 1]
    rows = out.shape[0]
    nrb = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    for rb in prange(nrb):
        idx, w, K, pos, base, du = _tensor_scratch(2, L, fw.max())
        r1 = min(rows, (rb + 1) * ROW_BLOCK)
        for j in range(m):
            wj = weights[j]
            gj = g[j]
            for c in range(2):
                K[c] = _axis_nodes(fw[j, c])
                du[c] = h[d - 1] * frames[j, d - 1, c] / ht
            k0 = K[0]
            k1 = K[1]
            fast = (k0 == 3 and k1 == 3) or (k0 == 2 and k1 == 2)
            for r in range(rb * ROW_BLOCK, r1):
                orow = out[r]
                _row_base(r, shape, origin, h, frames[j], base)
                _row_weights((base[0] - t0) / ht, du[0], fw[j, 0], k0, L, idx, w, 0)
                _row_weights((base[1] - t0) / ht, du[1], fw[j, 1], k1, L, idx, w, 1)
                l = 0
                while l < L:
                    if fast and _inside_2(idx, l, k0, k1, T):
                        e = _run_end_2(idx, l, L, k0, k1, T)
                        if k0 == 3:
                            _gather_run_33(gj, wj, T, idx, w, l, e, orow)
                        else:
                            _gather_run_22(gj, wj, T, idx, w, l, e, orow)
                        l = e
                    else:
                        orow[l] += wj * _gather_tensor(idx, w, K, l, T, gj, pos)
                        l += 1


@njit(fastmath=_FAST)
def _bilerp_sum_frames(gflat, base, x0s, d0s, x1s, d1s, wts, T, lo, hi, orow):
    """orow[l] += Σ_j wts[j]·(bilinear interpolation of the T × T data of frame j at
    (x0s[j] + l·d0s[j], x1s[j] + l·d1s[j]) in offset steps), lo <= l < hi; frame j's data
    start at gflat[base[j]].

    The hat gather of :func:`backproject_grid_2` (weights 1 − a, a per axis) with the sum
    over frames innermost, vectorised as in :func:`_lerp_sum_frames` (same fastmath
    exception, same reason).  The caller passes only columns whose four nodes lie inside
    the grid (0 <= u < T − 1 on both axes); the node indices are clamped to 0..T − 2 as
    well, so that no rounding difference can read outside a frame's data.  Tested against
    the frame-by-frame gather in tests/test_kplane_kernels.py."""
    m = x0s.shape[0]
    one = np.uint64(1)
    uT = np.uint64(T)
    for l in range(lo, hi):
        acc = 0.0
        for j in range(m):
            u = x0s[j] + l * d0s[j]
            v = x1s[j] + l * d1s[j]
            iu = min(max(int(u), 0), T - 2)
            iv = min(max(int(v), 0), T - 2)
            a = u - iu
            b = v - iv
            # unsigned (>= 0 by the clamping): no wraparound code for negative indices
            p = np.uint64(base[j] + iu * T + iv)
            g00 = gflat[p]
            g01 = gflat[p + one]
            g10 = gflat[p + uT]
            g11 = gflat[p + uT + one]
            acc += wts[j] * ((1.0 - a) * ((1.0 - b) * g00 + b * g01) + a * ((1.0 - b) * g10 + b * g11))
        orow[l] += acc


@njit(fastmath=_FAST)
def _trilerp_sum_frames(gflat, base, xs, ds, wts, T, lo, hi, orow):
    """:func:`_bilerp_sum_frames` for n = 3 (trilinear interpolation of T × T × T data):
    xs, ds of shape (3, frames), the same clamping of node indices to 0..T − 2."""
    m = xs.shape[1]
    one = np.uint64(1)
    uT = np.uint64(T)
    TT = np.uint64(T * T)
    for l in range(lo, hi):
        acc = 0.0
        for j in range(m):
            u = xs[0, j] + l * ds[0, j]
            v = xs[1, j] + l * ds[1, j]
            z = xs[2, j] + l * ds[2, j]
            iu = min(max(int(u), 0), T - 2)
            iv = min(max(int(v), 0), T - 2)
            iz = min(max(int(z), 0), T - 2)
            a = u - iu
            b = v - iv
            c = z - iz
            p = np.uint64(base[j] + (iu * T + iv) * T + iz)  # >= 0: no wraparound code
            q = p + TT
            s0 = (1.0 - b) * ((1.0 - c) * gflat[p] + c * gflat[p + one]) \
                + b * ((1.0 - c) * gflat[p + uT] + c * gflat[p + uT + one])
            s1 = (1.0 - b) * ((1.0 - c) * gflat[q] + c * gflat[q + one]) \
                + b * ((1.0 - c) * gflat[q + uT] + c * gflat[q + uT + one])
            acc += wts[j] * ((1.0 - a) * s0 + a * s1)
        orow[l] += acc


@pjit
def backproject_grid_hat(g, weights, shape, origin, h, frames, t0, ht, T, out):
    """:func:`backproject_grid_2` / :func:`backproject_grid_3` for the hat (footprint 0 on
    every frame: the inverse), n = 2 or 3; the sum over a block of frames vectorised by
    :func:`_bilerp_sum_frames` / :func:`_trilerp_sum_frames` on the columns where all the
    block's nodes lie inside the offset grid; the other columns frame by frame with
    :func:`_gather_tensor` (nodes outside the grid dropped).  Parallel over blocks of
    output rows."""
    m = frames.shape[0]
    d = shape.shape[0]
    n = frames.shape[2]
    L = shape[d - 1]
    rows = out.shape[0]
    size = T ** n
    gflat = g.ravel()
    umin = np.nextafter(0.0, -1.0)
    umax = T - 1.0
    nrb = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    for rb in prange(nrb):
        idx, w, K, pos, base, _ = _tensor_scratch(n, L, 0.0)
        for c in range(n):
            K[c] = 2
        xrow = np.empty(d)
        xs = np.empty((n, FRAME_BLOCK))
        ds = np.empty((n, FRAME_BLOCK))
        fbase = np.empty(FRAME_BLOCK, dtype=np.int64)
        r1 = min(rows, (rb + 1) * ROW_BLOCK)
        for j0 in range(0, m, FRAME_BLOCK):
            nb = min(m, j0 + FRAME_BLOCK) - j0
            for q in range(nb):
                j = j0 + q
                fbase[q] = j * size
                for c in range(n):
                    ds[c, q] = h[d - 1] * frames[j, d - 1, c] / ht
            for r in range(rb * ROW_BLOCK, r1):
                orow = out[r]
                lo = 0
                hi = L
                _row_point(r, shape, origin, h, xrow)
                for q in range(nb):
                    _row_base_at(xrow, origin, frames[j0 + q], base)
                    for c in range(n):
                        xs[c, q] = (base[c] - t0) / ht
                        a, b = _full_or_valid_range(xs[c, q], ds[c, q], umin, umax, 0, L)
                        lo = max(lo, a)
                        hi = min(hi, b)
                if lo < hi:
                    if n == 2:
                        _bilerp_sum_frames(gflat, fbase[:nb], xs[0, :nb], ds[0, :nb], xs[1, :nb], ds[1, :nb],
                                           weights[j0:j0 + nb], T, lo, hi, orow)
                    else:
                        _trilerp_sum_frames(gflat, fbase[:nb], xs[:, :nb], ds[:, :nb], weights[j0:j0 + nb],
                                            T, lo, hi, orow)
                else:
                    lo = L
                    hi = L
                if lo > 0 or hi < L:
                    for q in range(nb):
                        j = j0 + q
                        for c in range(n):
                            _row_weights_hat(xs[c, q], ds[c, q], L, idx, w, c)
                        gj = g[j]
                        for l in range(0, lo):
                            orow[l] += weights[j] * _gather_tensor(idx, w, K, l, T, gj, pos)
                        for l in range(hi, L):
                            orow[l] += weights[j] * _gather_tensor(idx, w, K, l, T, gj, pos)


@njit(inline="always")
def _inside_3(idx, l, T):
    """Whether voxel l's 3 × 3 × 3 nodes all lie inside the offset grid (n = 3)."""
    i0 = idx[0, l]
    i1 = idx[1, l]
    i2 = idx[2, l]
    return i0 >= 0 and i1 >= 0 and i2 >= 0 and i0 + 3 <= T and i1 + 3 <= T and i2 + 3 <= T


@njit(inline="always")
def _inside_span_3(idx, L, T):
    """[la, lb): the voxels of a row whose 3 × 3 × 3 nodes all lie inside the offset grid.

    Along a row the first node ⌊lo_c(l)⌋ of each axis is monotone in l (lo_c is affine in
    l and its rounding monotone), so each axis' inside set is an interval and so is their
    intersection: found from the two ends, a few tests per row instead of one per voxel
    (exact: the same idx as the sums)."""
    la = 0
    while la < L and not _inside_3(idx, la, T):
        la += 1
    lb = L
    while lb > la and not _inside_3(idx, lb - 1, T):
        lb -= 1
    return la, lb


@njit(fastmath=_FMA)
def _splat_run_333(f, r, scale, T, idx, w, l0, l1, o):
    """Splat voxels l0..l1−1 of row r, 3 × 3 × 3 nodes each, all inside the offset grid.

    This kernel and :func:`_gather_run_333` are exceptions to the fastmath-off policy of
    :mod:`ridgekit._numba`: contraction only, so that each ``o += a·b`` (and each product
    added in the gather) is one fused multiply-add, one rounding instead of two, the
    order of the sums unchanged.  27 multiply-adds per voxel are most of the instructions
    of the codimension-3 transform: measured on one core (20⁴ grid, 40 frames, the (4, 1)
    case of benchmarks/bench_kplane.py) the forward ~14 % and the adjoint ~20–25 % faster.
    The results differ from the general kernels' by rounding only:
    tests/test_kplane_kernels.py bounds the difference by 2·N·eps·Σ|terms|, and the adjoint
    pair stays a transpose to rounding (tests/test_transform.py)."""
    one = np.uint64(1)
    two = np.uint64(2)
    Tu = np.uint64(T)
    T2 = np.uint64(2 * T)
    TT = np.uint64(T * T)
    for l in range(l0, l1):
        v = f[r, l]
        if v == 0.0:
            continue
        sv = scale * v
        q0 = w[1, 0, l]
        q1 = w[1, 1, l]
        q2 = w[1, 2, l]
        s0 = w[2, 0, l]
        s1 = w[2, 1, l]
        s2 = w[2, 2, l]
        b0 = np.uint64((idx[0, l] * T + idx[1, l]) * T + idx[2, l])
        for p in range(3):
            vp = sv * w[0, p, l]
            vq = vp * q0
            o[b0] += vq * s0
            o[b0 + one] += vq * s1
            o[b0 + two] += vq * s2
            vq = vp * q1
            b = b0 + Tu
            o[b] += vq * s0
            o[b + one] += vq * s1
            o[b + two] += vq * s2
            vq = vp * q2
            b = b0 + T2
            o[b] += vq * s0
            o[b + one] += vq * s1
            o[b + two] += vq * s2
            b0 += TT


@njit(fastmath=_FMA)
def _gather_run_333(gj, wj, T, idx, w, l0, l1, orow):
    """orow[l] += wj·(3 × 3 × 3 gather of gj) for voxels l0..l1−1, all inside (fused
    multiply-adds: see :func:`_splat_run_333`)."""
    one = np.uint64(1)
    two = np.uint64(2)
    Tu = np.uint64(T)
    T2 = np.uint64(2 * T)
    TT = np.uint64(T * T)
    for l in range(l0, l1):
        q0 = w[1, 0, l]
        q1 = w[1, 1, l]
        q2 = w[1, 2, l]
        s0 = w[2, 0, l]
        s1 = w[2, 1, l]
        s2 = w[2, 2, l]
        b0 = np.uint64((idx[0, l] * T + idx[1, l]) * T + idx[2, l])
        acc = 0.0
        for p in range(3):
            b1 = b0 + Tu
            b2 = b0 + T2
            t0_ = s0 * gj[b0] + s1 * gj[b0 + one] + s2 * gj[b0 + two]
            t1_ = s0 * gj[b1] + s1 * gj[b1 + one] + s2 * gj[b1 + two]
            t2_ = s0 * gj[b2] + s1 * gj[b2 + one] + s2 * gj[b2 + two]
            acc += w[0, p, l] * (q0 * t0_ + q1 * t1_ + q2 * t2_)
            b0 += TT
        orow[l] += wj * acc


@pjit
def splat_grid_3(f, shape, origin, h, frames, fw, t0, ht, T, scale, out):
    """:func:`splat_grid_n` for n = 3 (X-ray transform in ℝ⁴, 2-planes in ℝ⁵): the same
    weights and sums in the same order, with the 3 × 3 × 3 tensor product unrolled over
    the run of voxels inside the offset grid (:func:`_inside_span_3`; footprints up to one
    offset step on every axis); elsewhere the general loops."""
    m = frames.shape[0]
    d = shape.shape[0]
    L = shape[d - 1]
    rows = f.shape[0]
    for j in prange(m):
        idx, w, K, pos, base, du = _tensor_scratch(3, L, fw[j].max())
        o = out[j]
        for c in range(3):
            K[c] = _axis_nodes(fw[j, c])
            du[c] = h[d - 1] * frames[j, d - 1, c] / ht
        fast = K[0] == 3 and K[1] == 3 and K[2] == 3
        ia = np.zeros(d, dtype=np.int64)
        xrow = np.empty(d)
        _row_point(0, shape, origin, h, xrow)
        for r in range(rows):
            if r:
                _row_point_next(shape, origin, h, ia, xrow)
            _row_base_at(xrow, origin, frames[j], base)
            for c in range(3):
                _row_weights((base[c] - t0) / ht, du[c], fw[j, c], K[c], L, idx, w, c)
            la, lb = _inside_span_3(idx, L, T) if fast else (L, L)
            for l in range(la):
                v = f[r, l]
                if v != 0.0:
                    _splat_tensor(scale * v, idx, w, K, l, T, o, pos)
            _splat_run_333(f, r, scale, T, idx, w, la, lb, o)
            for l in range(lb, L):
                v = f[r, l]
                if v != 0.0:
                    _splat_tensor(scale * v, idx, w, K, l, T, o, pos)


@pjit
def backproject_grid_3(g, weights, shape, origin, h, frames, fw, t0, ht, T, out):
    """:func:`backproject_grid_n` for n = 3, over runs as :func:`splat_grid_3`.

    Parallel over 16 blocks of rows (blocks of about 1024 rows on grids of more than 16k
    rows), frames outer inside a block, rows inner, each row's point decoded once per
    block: measured ~20 % faster on one core than the 32-row blocks of
    :func:`backproject_grid_2` (20⁴ grid, 40 frames, T³ = 41³ offset nodes a frame).  Each
    output voxel still sums its frames in order, so the result does not depend on the
    block count."""
    m = frames.shape[0]
    d = shape.shape[0]
    L = shape[d - 1]
    rows = out.shape[0]
    nrb = max(1, min(rows, max(16, rows // 1024)))
    rb_size = (rows + nrb - 1) // nrb
    for rb in prange(nrb):
        idx, w, K, pos, base, du = _tensor_scratch(3, L, fw.max())
        r0 = rb * rb_size
        r1 = min(rows, r0 + rb_size)
        xrows = np.empty((max(r1 - r0, 0), d))
        for r in range(r0, r1):
            _row_point(r, shape, origin, h, xrows[r - r0])
        for j in range(m):
            wj = weights[j]
            gj = g[j]
            for c in range(3):
                K[c] = _axis_nodes(fw[j, c])
                du[c] = h[d - 1] * frames[j, d - 1, c] / ht
            fast = K[0] == 3 and K[1] == 3 and K[2] == 3
            for r in range(r0, r1):
                orow = out[r]
                _row_base_at(xrows[r - r0], origin, frames[j], base)
                for c in range(3):
                    _row_weights((base[c] - t0) / ht, du[c], fw[j, c], K[c], L, idx, w, c)
                la, lb = _inside_span_3(idx, L, T) if fast else (L, L)
                for l in range(la):
                    orow[l] += wj * _gather_tensor(idx, w, K, l, T, gj, pos)
                _gather_run_333(gj, wj, T, idx, w, la, lb, orow)
                for l in range(lb, L):
                    orow[l] += wj * _gather_tensor(idx, w, K, l, T, gj, pos)


@pjit
def splat_points(points, masses, frames, fw, t0, ht, T, scale, out):
    """Forward transform of the atomic measure Σ_p masses_p δ_{x_p}; out (m, Tⁿ)."""
    m = frames.shape[0]
    d = points.shape[1]
    n = frames.shape[2]
    P = points.shape[0]
    for j in prange(m):
        idx, w, K, pos, base, du = _tensor_scratch(n, 1, fw[j].max())
        o = out[j]
        for c in range(n):
            K[c] = _axis_nodes(fw[j, c])
        for p in range(P):
            v = masses[p]
            if v == 0.0:
                continue
            for c in range(n):
                s = 0.0
                for a in range(d):
                    s += points[p, a] * frames[j, a, c]
                _row_weights((s - t0) / ht, 0.0, fw[j, c], K[c], 1, idx, w, c)
            _splat_tensor(scale * v, idx, w, K, 0, T, o, pos)


@pjit
def backproject_points(g, weights, points, frames, fw, t0, ht, T, out):
    """Backprojection evaluated at arbitrary points: out[p] = Σ_j w_j Σ_i ht K g_j(t_i)."""
    m = frames.shape[0]
    d = points.shape[1]
    n = frames.shape[2]
    P = points.shape[0]
    for p in prange(P):
        idx, w, K, pos, base, du = _tensor_scratch(n, 1, fw.max())
        total = 0.0
        for j in range(m):
            for c in range(n):
                K[c] = _axis_nodes(fw[j, c])
                s = 0.0
                for a in range(d):
                    s += points[p, a] * frames[j, a, c]
                _row_weights((s - t0) / ht, 0.0, fw[j, c], K[c], 1, idx, w, c)
            total += weights[j] * _gather_tensor(idx, w, K, 0, T, g[j], pos)
        out[p] = total
