"""Private numba kernels of :mod:`splines.ridge` (no validation here; see
:mod:`ridgekit._numba` for the policy).

Exact dual-certificate sup-norms in 2-D and 3-D (coordinates of the affine hull of the
data).  For a residual r ⊥ {1, x} the function h(w, b) = Σᵢ rᵢ [wᵀzᵢ − b]₊ is piecewise
linear in b with limits 0 at b → ±∞, so its sup over b is attained at a breakpoint
b = wᵀzⱼ ("anchor" j).  For a fixed anchor, φⱼ(w) = Σᵢ rᵢ [wᵀqᵢ]₊ with qᵢ = zᵢ − zⱼ is
positively homogeneous and linear, φⱼ = aᵀw, on every cell of the central arrangement
{qᵢ⊥}; on the unit sphere its local extrema lie at a stationary point ±a/‖a‖ of a cell,
of an arc (the projection of a onto the great circle qₗ⊥) or at a vertex.  Every cell
and arc is adjacent to a vertex (2-D: every arc ends at critical angles), so the kernels
visit the faces around each vertex, evaluate h *exactly* at every candidate (a genuine
value of h, so no membership test is needed) and keep the best ones [derived].
Candidates whose upper bound ‖a‖ cannot beat the current threshold are pruned.

Each anchor keeps a top-K buffer of (|value|, signed value, w, b); the caller merges.
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import njit, pjit, prange

__all__: list[str] = []


@njit
def _eval_anchor(Z, r, j, w):
    """Σᵢ rᵢ [wᵀ(zᵢ − zⱼ)]₊ (= h(w, wᵀzⱼ))."""
    N, d = Z.shape
    s = 0.0
    for i in range(N):
        t = 0.0
        for k in range(d):
            t += w[k] * (Z[i, k] - Z[j, k])
        if t > 0.0:
            s += r[i] * t
    return s


@njit
def _push(buf_abs, buf_val, buf_w, buf_b, val, w, b):
    """Insert into the top-K buffer (replace the smallest |value|); returns new threshold."""
    K = buf_abs.shape[0]
    m = 0
    for k in range(1, K):
        if buf_abs[k] < buf_abs[m]:
            m = k
    a = abs(val)
    if a > buf_abs[m]:
        buf_abs[m] = a
        buf_val[m] = val
        for k in range(w.shape[0]):
            buf_w[m, k] = w[k]
        buf_b[m] = b
    t = buf_abs[0]
    for k in range(1, K):
        if buf_abs[k] < t:
            t = buf_abs[k]
    return t


@njit
def _try(Z, r, j, w, thr, buf_abs, buf_val, buf_w, buf_b):
    """Evaluate h at unit w anchored at j, push if it beats the threshold."""
    v = _eval_anchor(Z, r, j, w)
    if abs(v) > thr:
        b = 0.0
        for k in range(Z.shape[1]):
            b += w[k] * Z[j, k]
        thr = _push(buf_abs, buf_val, buf_w, buf_b, v, w, b)
    return thr


@pjit
def sup_2d(Z, r, K, linear):
    """Exact sup over unit w ∈ ℝ², b of |Σ rᵢ[wᵀzᵢ − b]₊| (r ⊥ {1, z}); per-anchor top-K.

    ``linear``: evaluate a candidate through the arc's linear model wᵀ(A, B) (O(1), the
    running sums carry O(N·eps) rounding: pricing) instead of the direct O(N) sum
    (certificates).  Both are exact in exact arithmetic: a candidate angle is only
    evaluated inside the arc [prev, nxt] on which (A, B) is the active sum.

    Returns buffers (N, K) |value|, (N, K) value, (N, K, 2) w, (N, K) b.
    """
    N = Z.shape[0]
    A_abs = np.zeros((N, K))
    A_val = np.zeros((N, K))
    A_w = np.zeros((N, K, 2))
    A_b = np.zeros((N, K))
    two_pi = 2.0 * np.pi
    for j in prange(N):
        ang = np.empty(2 * N)
        sgn = np.empty(2 * N)
        idx = np.empty(2 * N, dtype=np.int64)
        ne = 0
        for i in range(N):
            qx = Z[i, 0] - Z[j, 0]
            qy = Z[i, 1] - Z[j, 1]
            if qx == 0.0 and qy == 0.0:
                continue
            phi = np.arctan2(qy, qx)
            ang[ne] = (phi - 0.5 * np.pi) % two_pi   # i becomes active
            sgn[ne] = 1.0
            idx[ne] = i
            ne += 1
            ang[ne] = (phi + 0.5 * np.pi) % two_pi   # i becomes inactive
            sgn[ne] = -1.0
            idx[ne] = i
            ne += 1
        if ne == 0:
            continue
        order = np.argsort(ang[:ne])
        # start in the middle of the widest gap between consecutive events
        gbest = -1.0
        g0 = 0
        for e in range(ne):
            a0 = ang[order[e]]
            a1 = ang[order[(e + 1) % ne]] + (two_pi if e + 1 == ne else 0.0)
            if a1 - a0 > gbest:
                gbest = a1 - a0
                g0 = e
        th = ang[order[g0]] + 0.5 * gbest
        A = 0.0
        B = 0.0
        c = np.cos(th)
        s = np.sin(th)
        for i in range(N):
            qx = Z[i, 0] - Z[j, 0]
            qy = Z[i, 1] - Z[j, 1]
            if qx * c + qy * s > 0.0:
                A += r[i] * qx
                B += r[i] * qy
        bab = A_abs[j]
        bva = A_val[j]
        bw = A_w[j]
        bb = A_b[j]
        thr = 0.0
        w = np.empty(2)
        prev = th
        for step in range(ne + 1):
            e = order[(g0 + 1 + step) % ne]
            nxt = ang[e]
            while nxt < prev:
                nxt += two_pi
            if step == ne:
                nxt = th + two_pi
            amp = np.sqrt(A * A + B * B)
            if amp > thr:
                t0 = np.arctan2(B, A)
                for cand in (t0, t0 + np.pi, prev, nxt):
                    cc = cand
                    while cc < prev:
                        cc += two_pi
                    while cc > prev + two_pi:
                        cc -= two_pi
                    if cc >= prev and cc <= nxt:
                        w[0] = np.cos(cc)
                        w[1] = np.sin(cc)
                        if linear:
                            v = w[0] * A + w[1] * B
                            if abs(v) > thr:
                                thr = _push(bab, bva, bw, bb, v, w, w[0] * Z[j, 0] + w[1] * Z[j, 1])
                        else:
                            thr = _try(Z, r, j, w, thr, bab, bva, bw, bb)
            if step == ne:
                break
            i = idx[e]
            A += sgn[e] * r[i] * (Z[i, 0] - Z[j, 0])
            B += sgn[e] * r[i] * (Z[i, 1] - Z[j, 1])
            prev = nxt
    return A_abs, A_val, A_w, A_b


@njit
def _cross(a, b, out):
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]


@pjit
def sup_3d(Z, r, K, tie_tol):
    """Exact sup over unit w ∈ ℝ³, b of |Σ rᵢ[wᵀzᵢ − b]₊| (r ⊥ {1, z}); per-anchor top-K.

    Vertices ±qᵢ×qₖ/‖·‖ of the arrangement of great circles qₗ⊥ (qₗ = zₗ − zⱼ); around
    each, the sectors of the tangent plane cut by the tie points' lines (cells) and the
    lines themselves (arcs).  O(N⁴) in the worst case, pruned by the ‖a‖ bound.
    """
    N = Z.shape[0]
    A_abs = np.zeros((N, K))
    A_val = np.zeros((N, K))
    A_w = np.zeros((N, K, 3))
    A_b = np.zeros((N, K))
    for j in prange(N):
        Q = np.empty((N, 3))
        qn = np.empty(N)
        for i in range(N):
            for k in range(3):
                Q[i, k] = Z[i, k] - Z[j, k]
            qn[i] = np.sqrt(Q[i, 0] ** 2 + Q[i, 1] ** 2 + Q[i, 2] ** 2)
        bab = A_abs[j]
        bva = A_val[j]
        bw = A_w[j]
        bb = A_b[j]
        thr = 0.0
        n = np.empty(3)
        w0 = np.empty(3)
        e1 = np.empty(3)
        e2 = np.empty(3)
        S = np.empty(3)
        a = np.empty(3)
        wc = np.empty(3)
        ties = np.empty(N, dtype=np.int64)
        px = np.empty(N)
        py = np.empty(N)
        crit = np.empty(2 * N)
        for i in range(N):
            if qn[i] == 0.0:
                continue
            for k2 in range(i + 1, N):
                if qn[k2] == 0.0:
                    continue
                _cross(Q[i], Q[k2], n)
                nn = np.sqrt(n[0] ** 2 + n[1] ** 2 + n[2] ** 2)
                if nn <= tie_tol * qn[i] * qn[k2]:
                    continue            # collinear with the anchor: same great circle
                for o in range(2):
                    sg = 1.0 if o == 0 else -1.0
                    for k in range(3):
                        w0[k] = sg * n[k] / nn
                    # strict part and ties
                    S[:] = 0.0
                    nt = 0
                    h0 = 0.0
                    for l in range(N):
                        if qn[l] == 0.0:
                            continue
                        t = w0[0] * Q[l, 0] + w0[1] * Q[l, 1] + w0[2] * Q[l, 2]
                        if abs(t) <= tie_tol * qn[l]:
                            ties[nt] = l
                            nt += 1
                        elif t > 0.0:
                            h0 += r[l] * t
                            for k in range(3):
                                S[k] += r[l] * Q[l, k]
                    # vertex
                    if abs(h0) > thr:
                        thr = _try(Z, r, j, w0, thr, bab, bva, bw, bb)
                    # tangent basis
                    _cross(w0, Q[i], e1)
                    en = np.sqrt(e1[0] ** 2 + e1[1] ** 2 + e1[2] ** 2)
                    for k in range(3):
                        e1[k] /= en
                    _cross(w0, e1, e2)
                    nc = 0
                    for m in range(nt):
                        l = ties[m]
                        px[m] = e1[0] * Q[l, 0] + e1[1] * Q[l, 1] + e1[2] * Q[l, 2]
                        py[m] = e2[0] * Q[l, 0] + e2[1] * Q[l, 1] + e2[2] * Q[l, 2]
                        phi = np.arctan2(py[m], px[m])
                        crit[nc] = (phi + 0.5 * np.pi) % (2.0 * np.pi)
                        crit[nc + 1] = (phi - 0.5 * np.pi) % (2.0 * np.pi)
                        nc += 2
                    cs = np.sort(crit[:nc])
                    for c in range(nc):
                        # arc along the critical direction cs[c], cell between cs[c], cs[c+1]
                        for kind in range(2):
                            if kind == 0:
                                psi = cs[c]
                            else:
                                nxt = cs[c + 1] if c + 1 < nc else cs[0] + 2.0 * np.pi
                                if nxt - cs[c] <= 0.0:
                                    continue
                                psi = 0.5 * (cs[c] + nxt)
                            dx = np.cos(psi)
                            dy = np.sin(psi)
                            for k in range(3):
                                a[k] = S[k]
                            on = -1
                            for m in range(nt):
                                l = ties[m]
                                t = px[m] * dx + py[m] * dy
                                pm = np.sqrt(px[m] ** 2 + py[m] ** 2)
                                if kind == 0 and abs(t) <= 1e-12 * pm:
                                    on = l
                                elif t > 0.0:
                                    for k in range(3):
                                        a[k] += r[l] * Q[l, k]
                            if kind == 0 and on >= 0:
                                # project a onto the great circle qₗ⊥
                                dot = (a[0] * Q[on, 0] + a[1] * Q[on, 1] + a[2] * Q[on, 2]) / (qn[on] ** 2)
                                for k in range(3):
                                    a[k] -= dot * Q[on, k]
                            an = np.sqrt(a[0] ** 2 + a[1] ** 2 + a[2] ** 2)
                            if an > thr:
                                for k in range(3):
                                    wc[k] = a[k] / an
                                thr = _try(Z, r, j, wc, thr, bab, bva, bw, bb)
                                for k in range(3):
                                    wc[k] = -wc[k]
                                thr = _try(Z, r, j, wc, thr, bab, bva, bw, bb)
    return A_abs, A_val, A_w, A_b


@njit
def lasso_cd_gram(G, q, lam, a, Ga, n_epochs, rtol):
    """Coordinate descent on ½aᵀGa − qᵀa + λ‖a‖₁ (G symmetric, row-major); a and Ga = G a
    are updated in place.  Every 8th epoch sweeps all coordinates, the others only the
    nonzero ones; stops after a full sweep whose largest change is ≤ rtol·max|a|.
    Returns the number of epochs.  (A warm start for the exact feature-sign polish of
    :mod:`splines._ridge_neurons`, not a certificate.)
    """
    K = q.shape[0]
    for ep in range(n_epochs):
        full = ep % 8 == 0
        maxd = 0.0
        maxa = 0.0
        for k in range(K):
            old = a[k]
            if old == 0.0 and not full:
                continue
            gkk = G[k, k]
            if gkk <= 0.0:
                continue
            z = old + (q[k] - Ga[k]) / gkk
            thr = lam / gkk
            new = 0.0
            if z > thr:
                new = z - thr
            elif z < -thr:
                new = z + thr
            if new != old:
                d = new - old
                for m in range(K):
                    Ga[m] += d * G[k, m]
                a[k] = new
                if abs(d) > maxd:
                    maxd = abs(d)
            if abs(new) > maxa:
                maxa = abs(new)
        if full and maxd <= rtol * maxa:
            return ep + 1
    return n_epochs


# ---------------------------------------------------------------- central sup (splines._scnn_variant)
@njit
def _h1(Y, r, w0, w1, w2):
    """h(w) = Σᵢ rᵢ[wᵀyᵢ]₊ for one direction w ∈ ℝ³ (not normalised)."""
    nw = np.sqrt(w0 * w0 + w1 * w1 + w2 * w2)
    if nw == 0.0:
        return 0.0
    s = 0.0
    for i in range(Y.shape[0]):
        t = w0 * Y[i, 0] + w1 * Y[i, 1] + w2 * Y[i, 2]
        if t > 0.0:
            s += r[i] * t
    return s / nw


@njit
def central_sup_3(Y, r, tie):
    """Per-vertex best candidates of s(r) = sup_{‖w‖=1} |Σᵢ rᵢ[wᵀyᵢ]₊| for points Y (n, 3) spanning ℝ³
    (the central, origin-anchored case of :mod:`splines._scnn_variant`; see its docstring).

    For every pair a < b the vertex ±c = ±(y_a × y_b)/‖·‖ and, when it is generic (no other
    point on the two great circles through it), the stationary points ±g/‖g‖ of the
    linear pieces of the 4 cells and 4 arcs around it (g = Σ_{active} rᵢyᵢ, projected
    onto y_a^⊥ or y_b^⊥ for the arcs), each evaluated exactly.  Returns per-pair best
    signed values, directions, and whether some vertex was degenerate (then the caller
    falls back to the general candidate set).
    """
    n = Y.shape[0]
    best = np.zeros(n * n)
    bw = np.zeros((n * n, 3))
    degen = np.zeros(n, dtype=np.bool_)
    tot = np.zeros(3)
    for i in range(n):
        for k in range(3):
            tot[k] += r[i] * Y[i, k]
    for a in range(n):
        ya = Y[a]
        na = np.sqrt(ya[0] ** 2 + ya[1] ** 2 + ya[2] ** 2)
        cand = np.zeros(3)
        base = np.zeros(3)
        g = np.zeros(3)
        for b in range(a + 1, n):
            yb = Y[b]
            nb = np.sqrt(yb[0] ** 2 + yb[1] ** 2 + yb[2] ** 2)
            c0 = ya[1] * yb[2] - ya[2] * yb[1]
            c1 = ya[2] * yb[0] - ya[0] * yb[2]
            c2 = ya[0] * yb[1] - ya[1] * yb[0]
            nc = np.sqrt(c0 * c0 + c1 * c1 + c2 * c2)
            if nc <= tie * na * nb:
                degen[a] = True
                continue
            c0 /= nc
            c1 /= nc
            c2 /= nc
            base[:] = 0.0
            for i in range(n):
                if i == a or i == b:
                    continue
                t = c0 * Y[i, 0] + c1 * Y[i, 1] + c2 * Y[i, 2]
                ni = np.sqrt(Y[i, 0] ** 2 + Y[i, 1] ** 2 + Y[i, 2] ** 2)
                if abs(t) <= tie * ni:
                    degen[a] = True
                if t > 0.0:
                    for k in range(3):
                        base[k] += r[i] * Y[i, k]
            k_out = a * n + b
            bv = 0.0
            for sg in (1.0, -1.0):
                if sg < 0:
                    for k in range(3):
                        base[k] = tot[k] - base[k] - r[a] * ya[k] - r[b] * yb[k]
                # vertex
                v = _h1(Y, r, sg * c0, sg * c1, sg * c2)
                if abs(v) > abs(bv):
                    bv = v
                    cand[0], cand[1], cand[2] = sg * c0, sg * c1, sg * c2
                for ea in (0.0, 1.0):
                    for eb in (0.0, 1.0):
                        for k in range(3):
                            g[k] = base[k] + ea * r[a] * ya[k] + eb * r[b] * yb[k]
                        for pm in (1.0, -1.0):
                            v = _h1(Y, r, pm * g[0], pm * g[1], pm * g[2])
                            if abs(v) > abs(bv):
                                ng = np.sqrt(g[0] ** 2 + g[1] ** 2 + g[2] ** 2)
                                bv = v
                                cand[0], cand[1], cand[2] = pm * g[0] / ng, pm * g[1] / ng, pm * g[2] / ng
                # arcs: on y_a^⊥ (b on side eb) and on y_b^⊥ (a on side ea)
                for which in (0, 1):
                    for e in (0.0, 1.0):
                        if which == 0:
                            for k in range(3):
                                g[k] = base[k] + e * r[b] * yb[k]
                            p = (g[0] * ya[0] + g[1] * ya[1] + g[2] * ya[2]) / (na * na)
                            for k in range(3):
                                g[k] -= p * ya[k]
                        else:
                            for k in range(3):
                                g[k] = base[k] + e * r[a] * ya[k]
                            p = (g[0] * yb[0] + g[1] * yb[1] + g[2] * yb[2]) / (nb * nb)
                            for k in range(3):
                                g[k] -= p * yb[k]
                        for pm in (1.0, -1.0):
                            v = _h1(Y, r, pm * g[0], pm * g[1], pm * g[2])
                            if abs(v) > abs(bv):
                                ng = np.sqrt(g[0] ** 2 + g[1] ** 2 + g[2] ** 2)
                                bv = v
                                cand[0], cand[1], cand[2] = pm * g[0] / ng, pm * g[1] / ng, pm * g[2] / ng
            best[k_out] = bv
            for k in range(3):
                bw[k_out, k] = cand[k]
    return best, bw, degen
