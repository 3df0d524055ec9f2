"""Private numba kernels of :mod:`splines` (no validation here: callers pass contiguous
float64 arrays of the right shapes; see :mod:`ridgekit._numba` for the policy).

Index conventions (univariate TV(f″) problem, splines.tv2): sorted distinct abscissae
x₀ < … < x_{N−1}, gaps hₖ = x_{k+1} − xₖ, interior index k = 1..N−2 stored at row k − 1
of every (N − 2)-vector.  L is the second-divided-difference operator
(Lu)ₖ = (u_{k+1} − uₖ)/hₖ − (uₖ − u_{k−1})/h_{k−1} (slope change at xₖ).
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import njit

__all__: list[str] = []


@njit
def slope_changes(u, h):
    """(Lu)ₖ for k = 1..N−2 (length N − 2)."""
    n = u.shape[0] - 2
    out = np.empty(max(n, 0))
    for r in range(n):
        out[r] = (u[r + 2] - u[r + 1]) / h[r + 1] - (u[r + 1] - u[r]) / h[r]
    return out


@njit
def q_bands(h, winv):
    """Bands (diag, first, second super-diagonal) of Q = L W⁻¹ Lᵀ, pentadiagonal (N−2)²."""
    n = h.shape[0] - 1
    d0 = np.zeros(n)
    d1 = np.zeros(max(n - 1, 0))
    d2 = np.zeros(max(n - 2, 0))
    for r in range(n):
        a = 1.0 / h[r]
        c = 1.0 / h[r + 1]
        b = -(a + c)
        d0[r] = a * a * winv[r] + b * b * winv[r + 1] + c * c * winv[r + 2]
        if r + 1 < n:
            a2 = 1.0 / h[r + 1]
            c2 = 1.0 / h[r + 2]
            b2 = -(a2 + c2)
            d1[r] = b * a2 * winv[r + 1] + c * b2 * winv[r + 2]
        if r + 2 < n:
            a3 = 1.0 / h[r + 2]
            d2[r] = c * a3 * winv[r + 2]
    return d0, d1, d2


@njit
def penta_mul(d0, d1, d2, z):
    """Q z for the symmetric pentadiagonal Q given by its bands."""
    n = z.shape[0]
    out = d0 * z
    for r in range(n - 1):
        out[r] += d1[r] * z[r + 1]
        out[r + 1] += d1[r] * z[r]
    for r in range(n - 2):
        out[r] += d2[r] * z[r + 2]
        out[r + 2] += d2[r] * z[r]
    return out


@njit
def penta_solve(d0, d1, d2, rhs):
    """Solve the SPD pentadiagonal system by LDLᵀ (O(n), no pivoting)."""
    n = rhs.shape[0]
    D = np.empty(n)
    L1 = np.zeros(n)   # L[r+1, r]
    L2 = np.zeros(n)   # L[r+2, r]
    for r in range(n):
        s = d0[r]
        if r >= 1:
            s -= L1[r - 1] * L1[r - 1] * D[r - 1]
        if r >= 2:
            s -= L2[r - 2] * L2[r - 2] * D[r - 2]
        D[r] = s
        if r + 1 < n:
            t = d1[r]
            if r >= 1:
                t -= L2[r - 1] * L1[r - 1] * D[r - 1]
            L1[r] = t / s
        if r + 2 < n:
            L2[r] = d2[r] / s
    x = rhs.copy()
    for r in range(n):
        if r >= 1:
            x[r] -= L1[r - 1] * x[r - 1]
        if r >= 2:
            x[r] -= L2[r - 2] * x[r - 2]
    for r in range(n):
        x[r] /= D[r]
    for r in range(n - 1, -1, -1):
        if r + 1 < n:
            x[r] -= L1[r] * x[r + 1]
        if r + 2 < n:
            x[r] -= L2[r] * x[r + 2]
    return x


@njit
def dual_from_residual(r, x):
    """z with Lᵀz = r for r ⊥ {1, x}: zₖ = Σ_{i<k} rᵢ (xₖ − xᵢ) (recursion, O(N))."""
    N = r.shape[0]
    z = np.empty(max(N - 2, 0))
    R = 0.0
    acc = 0.0
    for k in range(1, N - 1):
        R += r[k - 1]
        acc += R * (x[k] - x[k - 1])
        z[k - 1] = acc
    return z


@njit
def working_set_nodes(s):
    """Node indices of a working set ``s`` (int8, length N): 0, the knots (sₖ ≠ 0,
    0 < k < N − 1) in order, N − 1."""
    N = s.shape[0]
    M = 2
    for k in range(1, N - 1):
        if s[k] != 0:
            M += 1
    nodes = np.empty(M, np.int64)
    nodes[0] = 0
    m = 1
    for k in range(1, N - 1):
        if s[k] != 0:
            nodes[m] = k
            m += 1
    nodes[M - 1] = N - 1
    return nodes


@njit
def hat_moments(x, w, y, x0, inv, start, stop):
    """Weighted products of the two hats of the interval [x0, x0 + 1/inv] over the data
    i ∈ [start, stop): (Σwa², Σwt², Σwat, Σway, Σwty) with t = (xᵢ − x0)·inv, a = 1 − t —
    the interval's contribution to the hat-basis normal equations."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    b0 = 0.0
    b1 = 0.0
    for i in range(start, stop):
        t = (x[i] - x0) * inv
        a = 1.0 - t
        wa = w[i] * a
        wt = w[i] * t
        a0 += wa * a
        a1 += wt * t
        a2 += wa * t
        b0 += wa * y[i]
        b1 += wt * y[i]
    return a0, a1, a2, b0, b1


@njit
def reduced_system(x, w, y, nodes, s, lam):
    """Tridiagonal normal equations of the fit restricted to linear splines with knots at
    the data points ``nodes`` (indices, first 0, last N−1, increasing) and fixed knot signs
    ``s`` (one per interior node):  (ΦᵀWΦ) β = ΦᵀWy − λ Lₙᵀ s, with the hat basis Φ.

    Returns the bands (diag, offdiag) and the right-hand side.
    """
    M = nodes.shape[0]
    g0 = np.zeros(M)
    g1 = np.zeros(M - 1)
    rhs = np.zeros(M)
    for j in range(M - 1):
        i0 = nodes[j]
        i1 = nodes[j + 1]
        last = i1 if j == M - 2 else i1 - 1
        a0, a1, a2, b0, b1 = hat_moments(x, w, y, x[i0], 1.0 / (x[i1] - x[i0]), i0, last + 1)
        g0[j] += a0
        g0[j + 1] += a1
        g1[j] += a2
        rhs[j] += b0
        rhs[j + 1] += b1
    for j in range(1, M - 1):
        il = 1.0 / (x[nodes[j]] - x[nodes[j - 1]])
        ir = 1.0 / (x[nodes[j + 1]] - x[nodes[j]])
        sj = s[j - 1] * lam
        rhs[j - 1] -= sj * il
        rhs[j] += sj * (il + ir)
        rhs[j + 1] -= sj * ir
    return g0, g1, rhs


@njit
def tridiag_solve_inplace(g0, g1, x, n, D, Lo):
    """Solve the SPD tridiagonal system with diagonal ``g0[:n]`` and off-diagonal ``g1[:n-1]``
    by LDLᵀ, overwriting ``x[:n]`` (right-hand side in, solution out); ``D`` and ``Lo`` are
    work arrays of length ≥ n."""
    D[0] = g0[0]
    for r in range(1, n):
        Lo[r - 1] = g1[r - 1] / D[r - 1]
        D[r] = g0[r] - Lo[r - 1] * g1[r - 1]
        x[r] -= Lo[r - 1] * x[r - 1]
    for r in range(n):
        x[r] /= D[r]
    for r in range(n - 2, -1, -1):
        x[r] -= Lo[r] * x[r + 1]
    return x


@njit
def tridiag_solve(g0, g1, rhs):
    """Solve the SPD tridiagonal system (LDLᵀ)."""
    n = rhs.shape[0]
    x = rhs.copy()
    return tridiag_solve_inplace(g0, g1, x, n, np.empty(n), np.zeros(n))


@njit
def hat_eval(x, nodes, beta):
    """Values at every x of the linear spline with node values β at x[nodes]."""
    N = x.shape[0]
    u = np.empty(N)
    M = nodes.shape[0]
    for j in range(M - 1):
        i0 = nodes[j]
        i1 = nodes[j + 1]
        H = x[i1] - x[i0]
        for i in range(i0, i1 + 1):
            t = (x[i] - x[i0]) / H
            u[i] = (1.0 - t) * beta[j] + t * beta[j + 1]
    if M == 1:
        u[:] = beta[0]
    return u


@njit
def sparsest_knots(x, u, knot_idx, jumps):
    """Merge runs of consecutive same-sign knots (Debarre et al.; docs/theory/representer.md step 3).

    ``knot_idx`` are increasing data indices with nonzero slope changes ``jumps``.  Knots at
    adjacent data points k, k+1 of the same sign are replaced, pairwise from the left of each
    run, by one knot at the crossing of the lines of the segments before xₖ and after
    x_{k+1}; its jump is the sum of the two.  Returns (positions, jumps).
    """
    K = knot_idx.shape[0]
    pos = np.empty(K)
    jmp = np.empty(K)
    m = 0
    i = 0
    while i < K:
        k = knot_idx[i]
        if i + 1 < K and knot_idx[i + 1] == k + 1 and jumps[i] * jumps[i + 1] > 0:
            # line before x_k: through (x_k, u_k) with slope sl; line after x_{k+1}: slope sr
            sl = (u[k] - u[k - 1]) / (x[k] - x[k - 1])
            sr = (u[k + 2] - u[k + 1]) / (x[k + 2] - x[k + 1])
            t = (u[k + 1] - u[k] - sr * x[k + 1] + sl * x[k]) / (sl - sr)
            # the crossing lies in [x_k, x_{k+1}] by convexity; clip rounding
            if t < x[k]:
                t = x[k]
            if t > x[k + 1]:
                t = x[k + 1]
            pos[m] = t
            jmp[m] = sr - sl
            m += 1
            i += 2
        else:
            pos[m] = x[k]
            jmp[m] = jumps[i]
            m += 1
            i += 1
    return pos[:m], jmp[:m]


@njit
def pdas_iter(x, w, y, s, lam, u, z, jump, s_new, per_run):
    """One primal-dual active-set (semismooth Newton) iteration of the TV(f″) problem.

    ``s`` (int8, length N, s₀ = s_{N−1} = 0) is the working set: sₖ = ±1 puts a knot of
    that sign at the data point xₖ.  Solves exactly

        min_β ½‖Φβ − y‖²_W + λ Σₖ sₖ Jₖ(β)

    over the linear splines with nodes {x₀, knots, x_{N−1}} (hat basis Φ, node values β,
    Jₖ the slope change at knot k): a tridiagonal SPD system ΦᵀWΦ β = ΦᵀWy − λ Lₙᵀs whose
    matrix has eigenvalues in [min w, 2 max(weight between three nodes)] whatever the gaps
    (Φ contains the identity rows of the nodes).  Then fills ``u`` = Φβ, ``jump`` (Jₖ at
    the knots, 0 elsewhere) and the dual variable ``z`` (Lᵀz = W(y − u)), computed per
    node interval [a, b] from its end values z_a = λs_a, z_b = λs_b (z = 0 at both ends):

        zₖ = z_a + (z_b − z_a − P_b)(xₖ − x_a)/(x_b − x_a) + Pₖ,  Pₖ = Σ_{a≤i<k} rᵢ(xₖ − xᵢ),

    so rounding stays local to the interval (a global double integral of r would carry
    the cancellation of the whole data set into every zₖ).

    The KKT conditions are |zₖ| ≤ λ off the knots and sₖJₖ ≥ 0 on them.  ``s_new`` gets
    the full-exchange update: off-knot violators enter with the sign of zₖ, knots with a
    wrong-sign jump leave.  Returns the number of violations (0: certified optimum).
    Tolerances: |zₖ| may exceed λ by 1e-9λ plus a bound of the local rounding
    (64 eps × the sums of absolute terms that make up zₖ); sₖJₖ may be below 0 by
    64 eps (|β| of the three nodes)(1/H_l + 1/H_r).
    """
    N = x.shape[0]
    eps = 2.220446049250313e-16
    nodes = working_set_nodes(s)
    M = nodes.shape[0]
    # ---- tridiagonal normal equations (hat basis on the nodes), LDLᵀ solve
    sn = np.empty(M - 2)
    for j in range(1, M - 1):
        sn[j - 1] = s[nodes[j]]
    g0, g1, rhs = reduced_system(x, w, y, nodes, sn, lam)
    beta = tridiag_solve(g0, g1, rhs)
    # ---- values, slope changes, dual variable, violations
    nviol = 0
    for k in range(N):
        jump[k] = 0.0
        s_new[k] = 0
    for j in range(1, M - 1):
        k = nodes[j]
        il = 1.0 / (x[k] - x[nodes[j - 1]])
        ir = 1.0 / (x[nodes[j + 1]] - x[k])
        J = (beta[j + 1] - beta[j]) * ir - (beta[j] - beta[j - 1]) * il
        jump[k] = J
        tolj = 64.0 * eps * (abs(beta[j - 1]) + abs(beta[j]) + abs(beta[j + 1])) * (il + ir)
        if s[k] * J < -tolj:
            nviol += 1
        else:
            s_new[k] = s[k]
    for j in range(M - 1):
        ia = nodes[j]
        ib = nodes[j + 1]
        xa = x[ia]
        H = x[ib] - xa
        inv = 1.0 / H
        for i in range(ia, ib + 1):
            t = (x[i] - xa) * inv
            u[i] = (1.0 - t) * beta[j] + t * beta[j + 1]
        za = lam * s[ia]
        zb = lam * s[ib]
        S = 0.0
        P = 0.0
        z[ia] = 0.0
        for i in range(ia, ib):
            S += w[i] * (y[i] - u[i])
            P += (x[i + 1] - x[i]) * S
            z[i + 1] = P
        c = (zb - za - P) * inv
        Sa = 0.0
        A = 0.0
        base = abs(za) + abs(zb) + abs(P)
        run_sign = 0
        run_best = 0.0
        run_arg = -1
        for i in range(ia, ib):
            Sa += abs(w[i] * (y[i] - u[i])) + 16.0 * eps * w[i] * (abs(y[i]) + abs(u[i]))
            A += (x[i + 1] - x[i]) * Sa
            k = i + 1
            sg = 0
            if k < ib:
                zk = za + c * (x[k] - xa) + z[k]
                z[k] = zk
                if abs(zk) > lam * (1.0 + 1e-9) + 64.0 * eps * (A + base):
                    nviol += 1
                    sg = 1 if zk > 0 else -1
                    if not per_run:
                        s_new[k] = sg
            if per_run:
                if run_sign != 0 and sg != run_sign:
                    s_new[run_arg] = run_sign
                    if per_run == 2:
                        # slide the nearer same-sign knot of this interval to the maximum
                        da = run_arg - ia if (ia > 0 and s[ia] == run_sign) else N
                        db = ib - run_arg if (ib < N - 1 and s[ib] == run_sign) else N
                        if da < N and da <= db:
                            s_new[ia] = 0
                        elif db < N:
                            s_new[ib] = 0
                    run_sign = 0
                if sg != 0:
                    if run_sign == 0 or abs(zk) > run_best:
                        run_best = abs(zk)
                        run_arg = k
                    run_sign = sg
        z[ia] = za
        z[ib] = zb
    return nviol


@njit
def working_set_key(s):
    """Two 64-bit polynomial hashes of the knots (index, sign) of the int8 working set ``s``
    (cycle detection in splines.tv2; O(N), no allocation)."""
    h1 = np.uint64(1469598103934665603)
    h2 = np.uint64(7)
    m1 = np.uint64(1099511628211)
    m2 = np.uint64(6364136223846793005)
    for k in range(s.shape[0]):
        if s[k] != 0:
            v = np.uint64(2 * k + (1 if s[k] > 0 else 0) + 1)
            h1 = (h1 ^ v) * m1
            h2 = h2 * m2 + v
    return h1, h2


@njit
def runs_argmax(a, score):
    """Working set from an approximate dual: one knot per maximal run of equal nonzero
    ``a`` (length N − 2, interior points), at the run's largest ``score``; int8 length N."""
    n = a.shape[0]
    s = np.zeros(n + 2, np.int8)
    k = 0
    while k < n:
        if a[k] == 0:
            k += 1
            continue
        best = k
        j = k
        while j < n and a[j] == a[k]:
            if score[j] > score[best]:
                best = j
            j += 1
        s[best + 1] = a[k]
        k = j
    return s


@njit
def relu_sweep_sup(P, z):
    """sup over unit u ∈ ℝ² and b of |Σᵢ zᵢ (uᵀpᵢ − b)₊| for z ⊥ {1, x} (exact, 2-D).

    The sup is attained with the line through a data point pⱼ (piecewise linear in b);
    for each anchor j, F_j(θ) = Σᵢ zᵢ ((pᵢ − pⱼ)·u(θ))₊ is a sum of sinusoids between the
    angles where u ⊥ pᵢ − pⱼ, maximised on each arc in closed form.  O(N² log N).
    Returns (value, u0, u1, b).
    """
    N = P.shape[0]
    best = 0.0
    bu0 = 1.0
    bu1 = 0.0
    bb = 0.0
    two_pi = 2.0 * np.pi
    for j in range(N):
        # for the difference q = p_i − p_j, q·u(θ) > 0 for θ in (φ − π/2, φ + π/2)
        ev_ang = np.empty(2 * N)
        ev_a = np.empty(2 * N)
        ev_b = np.empty(2 * N)
        ne = 0
        A = 0.0   # coefficient of cos θ
        B = 0.0   # coefficient of sin θ
        for i in range(N):
            qx = P[i, 0] - P[j, 0]
            qy = P[i, 1] - P[j, 1]
            if qx == 0.0 and qy == 0.0:
                continue
            phi = np.arctan2(qy, qx)
            start = (phi - 0.5 * np.pi) % two_pi
            end = (phi + 0.5 * np.pi) % two_pi
            # active at θ = 0 iff cos(phi) > 0 i.e. qx > 0 (or qx == 0 and boundary)
            if qx > 0.0:
                A += z[i] * qx
                B += z[i] * qy
            ev_ang[ne] = start
            ev_a[ne] = z[i] * qx
            ev_b[ne] = z[i] * qy
            ne += 1
            ev_ang[ne] = end
            ev_a[ne] = -z[i] * qx
            ev_b[ne] = -z[i] * qy
            ne += 1
        if ne == 0:
            continue
        order = np.argsort(ev_ang[:ne])
        # activity at θ=0 computed with qx > 0; events exactly at 0 (qx == 0, start == 0)
        # would be double counted: recompute A, B at θ slightly after 0 instead.
        A = 0.0
        B = 0.0
        for i in range(N):
            qx = P[i, 0] - P[j, 0]
            qy = P[i, 1] - P[j, 1]
            if qx == 0.0 and qy == 0.0:
                continue
            if qx > 0.0 or (qx == 0.0 and qy > 0.0):
                A += z[i] * qx
                B += z[i] * qy
        prev = 0.0
        idx = 0
        # skip events at exactly 0 (already included by the tie rule above)
        while idx < ne and ev_ang[order[idx]] <= 0.0:
            idx += 1
        while True:
            nxt = two_pi if idx >= ne else ev_ang[order[idx]]
            # maximise |A cos θ + B sin θ| on [prev, nxt]
            amp = np.sqrt(A * A + B * B)
            if amp > 0.0:
                th0 = np.arctan2(B, A) % two_pi      # max of +; th0 + π max of −
                for cand in (th0, (th0 + np.pi) % two_pi, prev, nxt):
                    if cand >= prev and cand <= nxt:
                        val = abs(A * np.cos(cand) + B * np.sin(cand))
                        if val > best:
                            best = val
                            bu0 = np.cos(cand)
                            bu1 = np.sin(cand)
                            bb = bu0 * P[j, 0] + bu1 * P[j, 1]
            if idx >= ne:
                break
            e = order[idx]
            A += ev_a[e]
            B += ev_b[e]
            prev = nxt
            idx += 1
    return best, bu0, bu1, bb


@njit
def _window_ends(s, lo, hi):
    """The fixed end nodes of the window [lo, hi): A, the last node before ``lo`` (or
    0), and B, the first node at or after ``hi`` (or N − 1)."""
    N = s.shape[0]
    A = lo - 1
    while A > 0 and s[A] == 0:
        A -= 1
    B = hi
    while B < N - 1 and s[B] == 0:
        B += 1
    return A, B


@njit
def _condense_left(x, w, y, s, lam, nodes, jA):
    """Pivot and right-hand side of node ``nodes[jA]`` after forward elimination of the
    hat-basis normal equations of the nodes left of it (0, 0 if it is the first)."""
    if jA == 0:
        return 0.0, 0.0
    g0 = np.zeros(jA + 1)
    g1 = np.zeros(jA)
    rh = np.zeros(jA + 1)
    for j in range(jA):
        i0 = nodes[j]
        i1 = nodes[j + 1]
        a0, a1, a2, b0, b1 = hat_moments(x, w, y, x[i0], 1.0 / (x[i1] - x[i0]), i0, i1)
        g0[j] += a0
        g0[j + 1] += a1
        g1[j] += a2
        rh[j] += b0
        rh[j + 1] += b1
    for j in range(1, jA + 1):
        il = 1.0 / (x[nodes[j]] - x[nodes[j - 1]])
        sj = s[nodes[j]] * lam
        rh[j - 1] -= sj * il
        rh[j] += sj * il
        if j < jA:
            ir = 1.0 / (x[nodes[j + 1]] - x[nodes[j]])
            rh[j] += sj * ir
            rh[j + 1] -= sj * ir
    Dg = g0[0]
    for r in range(1, jA + 1):
        Lo = g1[r - 1] / Dg
        Dg = g0[r] - Lo * g1[r - 1]
        rh[r] -= Lo * rh[r - 1]
    return Dg, rh[jA]


@njit
def _condense_right(x, w, y, s, lam, nodes, jB):
    """Pivot and right-hand side of node ``nodes[jB]`` after backward elimination of the
    hat-basis normal equations of the nodes right of it (0, 0 if it is the last)."""
    M = nodes.shape[0]
    nR = M - 1 - jB
    if nR <= 0:
        return 0.0, 0.0
    g0 = np.zeros(nR + 1)
    g1 = np.zeros(nR)
    rh = np.zeros(nR + 1)
    for j in range(jB, M - 1):
        i0 = nodes[j]
        i1 = nodes[j + 1]
        last = i1 if j == M - 2 else i1 - 1
        q = j - jB
        a0, a1, a2, b0, b1 = hat_moments(x, w, y, x[i0], 1.0 / (x[i1] - x[i0]), i0, last + 1)
        g0[q] += a0
        g0[q + 1] += a1
        g1[q] += a2
        rh[q] += b0
        rh[q + 1] += b1
    for j in range(jB, M - 1):
        q = j - jB
        ir = 1.0 / (x[nodes[j + 1]] - x[nodes[j]])
        sj = s[nodes[j]] * lam
        if j > jB:
            il = 1.0 / (x[nodes[j]] - x[nodes[j - 1]])
            rh[q - 1] -= sj * il
            rh[q] += sj * il
        rh[q] += sj * ir
        rh[q + 1] -= sj * ir
    Dg = g0[nR]
    for r in range(nR - 1, -1, -1):
        Lo = g1[r] / Dg
        Dg = g0[r] - Lo * g1[r]
        rh[r] -= Lo * rh[r + 1]
    return Dg, rh[0]


@njit
def _outer_moments(x, w, y, A, lo, hi, B):
    """Moments of the data in [A, lo) about x_A, (S0, S1, S2, T0, T1) = Σ w·(1, d, d², y,
    y·d) with d = x − x_A, and of [hi, B) (B included if it is the last point) about
    x_B, (V0, V1, V2, Y0, Y1) with e = x_B − x in place of d."""
    N = x.shape[0]
    S = np.zeros(5)
    xA = x[A]
    for i in range(A, lo):
        d = x[i] - xA
        S[0] += w[i]
        S[1] += w[i] * d
        S[2] += w[i] * d * d
        S[3] += w[i] * y[i]
        S[4] += w[i] * y[i] * d
    V = np.zeros(5)
    xB = x[B]
    lastB = B if B == N - 1 else B - 1
    for i in range(hi, lastB + 1):
        e = xB - x[i]
        V[0] += w[i]
        V[1] += w[i] * e
        V[2] += w[i] * e * e
        V[3] += w[i] * y[i]
        V[4] += w[i] * y[i] * e
    return S, V


@njit
def _window_nodes(s, lo, hi, A, B, ln):
    """Write the window's nodes A, the knots in [lo, hi), B into ``ln``; returns their
    count."""
    mloc = 0
    ln[mloc] = A
    mloc += 1
    for k in range(lo, hi):
        if s[k] != 0:
            ln[mloc] = k
            mloc += 1
    ln[mloc] = B
    mloc += 1
    return mloc


@njit
def _window_solve(x, w, y, s, lam, lo, hi, ln, mloc, ends, S, V, lg0, lg1, lrh, Dl, Ll):
    """Assemble and solve the window's tridiagonal hat-basis normal equations (nodes
    ``ln[:mloc]``; ``ends`` = (dA, rA, dB, rB, sA, sB): the condensed ends and the end
    nodes' penalty signs times λ); the node values overwrite and are returned as ``lrh``."""
    dA, rA, dB, rB, sA, sB = ends
    S0, S1, S2, T0, T1 = S[0], S[1], S[2], S[3], S[4]
    V0, V1, V2, Y0, Y1 = V[0], V[1], V[2], V[3], V[4]
    for j in range(mloc):
        lg0[j] = 0.0
        lrh[j] = 0.0
    for j in range(mloc - 1):
        lg1[j] = 0.0
    lg0[0] += dA
    lrh[0] += rA
    lg0[mloc - 1] += dB
    lrh[mloc - 1] += rB
    for j in range(mloc - 1):
        i0 = ln[j]
        i1 = ln[j + 1]
        x0 = x[i0]
        H = x[i1] - x0
        inv = 1.0 / H
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        b0 = 0.0
        b1 = 0.0
        if j == 0:
            a0 += S0 - 2.0 * S1 * inv + S2 * inv * inv
            a1 += S2 * inv * inv
            a2 += S1 * inv - S2 * inv * inv
            b0 += T0 - T1 * inv
            b1 += T1 * inv
            start = lo
        else:
            start = i0
        stop = i1 if j < mloc - 2 else hi
        c0, c1, c2, d0, d1 = hat_moments(x, w, y, x0, inv, start, stop)
        a0 += c0
        a1 += c1
        a2 += c2
        b0 += d0
        b1 += d1
        if j == mloc - 2:
            a1 += V0 - 2.0 * V1 * inv + V2 * inv * inv
            a0 += V2 * inv * inv
            a2 += V1 * inv - V2 * inv * inv
            b0 += Y1 * inv
            b1 += Y0 - Y1 * inv
        lg0[j] += a0
        lg0[j + 1] += a1
        lg1[j] += a2
        lrh[j] += b0
        lrh[j + 1] += b1
    for j in range(mloc):
        sj = lam * s[ln[j]] if (0 < j < mloc - 1) else (sA if j == 0 else sB)
        if sj == 0.0:
            continue
        if j < mloc - 1:
            ir = 1.0 / (x[ln[j + 1]] - x[ln[j]])
            lrh[j] += sj * ir
            lrh[j + 1] -= sj * ir
        if j > 0:
            il = 1.0 / (x[ln[j]] - x[ln[j - 1]])
            lrh[j] += sj * il
            lrh[j - 1] -= sj * il
    # (the condensed ends hold the outer halves of A's and B's penalty terms)
    return tridiag_solve_inplace(lg0, lg1, lrh, mloc, Dl, Ll)


@njit
def _window_z(x, w, y, s, lam, lo, hi, ln, mloc, beta, sA, sB, S, V, B, zw, Pw):
    """z (the dual of the TV(f″) problem) at the window's points off its nodes, written
    to ``zw[i − lo]``, from the node values ``beta``; the data outside the window enter
    through their moments ``S`` (about x_A) and ``V`` (about x_B)."""
    S0, S1, S2, T0, T1 = S[0], S[1], S[2], S[3], S[4]
    V1, V2, Y1 = V[1], V[2], V[4]
    xA = x[ln[0]]
    xB = x[B]
    for j in range(mloc - 1):
        ia = ln[j]
        ib = ln[j + 1]
        xa = x[ia]
        H = x[ib] - xa
        inv = 1.0 / H
        sig = (beta[j + 1] - beta[j]) * inv
        za = sA if j == 0 else lam * s[ia]
        zb = sB if j == mloc - 2 else lam * s[ib]
        if j == 0:
            Sr = T0 - beta[0] * S0 - sig * S1
            P = (x[lo] - xA) * Sr - (T1 - beta[0] * S1 - sig * S2)
            start = lo
        else:
            Sr = 0.0
            P = 0.0
            start = ia
        stop = ib if j < mloc - 2 else hi
        for i in range(start, stop):
            if i >= lo and i != ia:
                Pw[i - lo] = P
            ui = beta[j] + sig * (x[i] - xa)
            Sr += w[i] * (y[i] - ui)
            P += (x[i + 1] - x[i]) * Sr
        PB = P
        if j == mloc - 2 and hi < B:
            # P_B: continue over [hi, B) through the moments about x_B
            PB = P + (xB - x[hi]) * Sr + (Y1 - beta[mloc - 1] * V1 + sig * V2)
        c = (zb - za - PB) * inv
        for i in range(start, stop):
            if i >= lo and i != ia:
                zw[i - lo] = za + c * (x[i] - xa) + Pw[i - lo]


@njit
def _window_violations(x, s, lam, lo, hi, ln, mloc, beta, zw, ztol, fl):
    """KKT violations in the window: ``fl[k − lo]`` = the status knot k wants (±1: enter
    with that sign, 0: leave, 2: no violation); returns their count."""
    eps = 2.220446049250313e-16
    nv = 0
    for k in range(lo, hi):
        fl[k - lo] = 2
        if s[k] == 0 and abs(zw[k - lo]) > lam * (1.0 + ztol):
            fl[k - lo] = 1 if zw[k - lo] > 0 else -1
            nv += 1
    for j in range(1, mloc - 1):
        k = ln[j]
        il = 1.0 / (x[k] - x[ln[j - 1]])
        ir = 1.0 / (x[ln[j + 1]] - x[k])
        J = (beta[j + 1] - beta[j]) * ir - (beta[j] - beta[j - 1]) * il
        tolj = 64.0 * eps * (abs(beta[j - 1]) + abs(beta[j]) + abs(beta[j + 1])) * (il + ir)
        if s[k] * J < -tolj:
            fl[k - lo] = 0
            nv += 1
    return nv


@njit
def _block_pivot(s, fl, zw, lo, hi):
    """Block pivot: wrong-sign knots leave; one knot per run of same-sign violators
    enters, at its largest |zₖ|."""
    k = lo
    while k < hi:
        f = fl[k - lo]
        if f == 0:
            s[k] = 0
            k += 1
        elif f == 2:
            k += 1
        else:
            kb = k
            while k < hi and fl[k - lo] == f:
                if abs(zw[k - lo]) > abs(zw[kb - lo]):
                    kb = k
                k += 1
            s[kb] = f


@njit
def _murty_pivot(s, fl, lo, hi):
    """Murty's least-index rule: the first violator in the window takes its wanted status."""
    for k in range(lo, hi):
        f = fl[k - lo]
        if f != 2:
            s[k] = f
            break


@njit
def local_murty(x, w, y, s, lam, lo, hi, max_steps, patience, ztol):
    """Pivoting of the TV(f″) working set restricted to the window of data indices
    [lo, hi) (1 ≤ lo < hi ≤ N − 1); the knots outside the window stay fixed.

    This is the principal sub-LCP of the window (a P-matrix LCP again), at O(window)
    cost per pivot instead of O(N): the hat-basis normal equations of the nodes left of A
    (the last node before ``lo``) and right of B (the first node at or after ``hi``) are
    eliminated once (one O(N) pass); the data between A and ``lo`` and between ``hi`` and
    B enter through their moments about x_A and x_B (sums of non-negative terms); the data
    in the window are summed directly, as in :func:`pdas_iter`, and z is evaluated on the
    window only.  First block pivoting (wrong-sign knots leave, one knot per run of
    same-sign violators enters at its largest |zₖ|) while the violation count improves
    within ``patience`` pivots (0: none), then Murty's least-index rule from the best
    working set seen (finite in exact arithmetic).  Off-knot violations are
    |zₖ| > λ(1 + ``ztol``).  ``s`` (int8, length N) is updated in place.  Returns the
    number of pivots, or −1 if ``max_steps`` was reached.  The result is only a search
    step: the caller certifies with :func:`pdas_iter`.
    """
    A, B = _window_ends(s, lo, hi)
    # ---- global nodes and the condensed ends
    nodes = working_set_nodes(s)
    jA = 0
    while nodes[jA] != A:
        jA += 1
    jB = jA + 1
    while nodes[jB] != B:
        jB += 1
    dA, rA = _condense_left(x, w, y, s, lam, nodes, jA)
    dB, rB = _condense_right(x, w, y, s, lam, nodes, jB)
    return _window_pivot(x, w, y, s, lam, lo, hi, A, B, dA, rA, dB, rB, max_steps, patience, ztol)


@njit
def _window_pivot(x, w, y, s, lam, lo, hi, A, B, dA, rA, dB, rB, max_steps, patience, ztol):
    """The pivoting of :func:`local_murty` on [lo, hi) with end nodes A, B whose outer
    normal equations are condensed into (dA, rA) and (dB, rB)."""
    N = x.shape[0]
    S, V = _outer_moments(x, w, y, A, lo, hi, B)
    sA = s[A] * lam if A > 0 else 0.0
    sB = s[B] * lam if B < N - 1 else 0.0
    ends = (dA, rA, dB, rB, sA, sB)
    nw = hi - lo
    ln = np.empty(nw + 2, np.int64)
    lg0 = np.empty(nw + 2)
    lg1 = np.empty(nw + 1)
    lrh = np.empty(nw + 2)
    Dl = np.empty(nw + 2)
    Ll = np.empty(nw + 2)
    zw = np.empty(nw)
    Pw = np.empty(nw + 1)
    fl = np.empty(nw, np.int8)
    sbest = np.empty(nw, np.int8)
    block = patience > 0
    best = nw + 1
    left = patience
    for step in range(max_steps + 1):
        mloc = _window_nodes(s, lo, hi, A, B, ln)
        beta = _window_solve(x, w, y, s, lam, lo, hi, ln, mloc, ends, S, V, lg0, lg1, lrh, Dl, Ll)
        _window_z(x, w, y, s, lam, lo, hi, ln, mloc, beta, sA, sB, S, V, B, zw, Pw)
        nv = _window_violations(x, s, lam, lo, hi, ln, mloc, beta, zw, ztol, fl)
        if nv == 0:
            return step
        if step == max_steps:
            break
        if block:
            if nv < best:
                best = nv
                left = patience
                for k in range(lo, hi):
                    sbest[k - lo] = s[k]
            elif left > 0:
                left -= 1
            else:
                # block pivoting stalled: Murty from the best working set seen
                block = False
                for k in range(lo, hi):
                    s[k] = sbest[k - lo]
                continue
            _block_pivot(s, fl, zw, lo, hi)
        else:
            _murty_pivot(s, fl, lo, hi)
    return -1


@njit
def _window_feasible(x, w, y, s, lam, lo, hi, A, B, dA, rA, dB, rB, max_steps, ztol):
    """The window's sub-LCP by a primal (feasible) active-set method on the dual box QP
    min ½zᵀQz − bᵀz, |zₖ| ≤ λ on the window (knots outside fixed, as in
    :func:`local_murty`): a feasible ẑ (|ẑₖ| ≤ λ) and the working set W of bounds active
    at ẑ (the window's knots); each step solves on W (the face minimiser z*), moves ẑ
    towards z* as far as the box allows and adds the blocking bounds to W, or, when z* is
    feasible, takes ẑ = z* and releases the knots whose slope change has the wrong sign
    (all of them, or only the most negative once a released bound blocks at once).  The
    dual objective decreases along every step and no face's minimiser is visited twice,
    so it terminates finitely without Murty's rule's exponential pivot counts (a 154-point
    window of 10⁶ uniform points, noise 2, 10⁻⁸λ_max: 173 289 Murty pivots) [Nocedal &
    Wright 2006, Numerical Optimization, Alg. 16.3].  Starts from ẑ = the face minimiser
    of the window's knots clipped into the box (clipped points enter W).  ``s`` is updated
    in place; returns the number of steps or −1 after ``max_steps``."""
    N = x.shape[0]
    eps = 2.220446049250313e-16
    S, V = _outer_moments(x, w, y, A, lo, hi, B)
    sA = s[A] * lam if A > 0 else 0.0
    sB = s[B] * lam if B < N - 1 else 0.0
    ends = (dA, rA, dB, rB, sA, sB)
    nw = hi - lo
    ln = np.empty(nw + 2, np.int64)
    lg0 = np.empty(nw + 2)
    lg1 = np.empty(nw + 1)
    lrh = np.empty(nw + 2)
    Dl = np.empty(nw + 2)
    Ll = np.empty(nw + 2)
    zw = np.empty(nw)
    Pw = np.empty(nw + 1)
    zc = np.empty(nw)
    dropped = np.zeros(nw, np.int8)
    lim = lam * (1.0 + ztol)
    single = False
    for step in range(max_steps + 1):
        mloc = _window_nodes(s, lo, hi, A, B, ln)
        beta = _window_solve(x, w, y, s, lam, lo, hi, ln, mloc, ends, S, V, lg0, lg1, lrh, Dl, Ll)
        _window_z(x, w, y, s, lam, lo, hi, ln, mloc, beta, sA, sB, S, V, B, zw, Pw)
        if step == 0:
            # start: the face minimiser of the window's knots, clipped into the box
            for k in range(lo, hi):
                i = k - lo
                if s[k] != 0:
                    zc[i] = lam * s[k]
                elif zw[i] > lim:
                    zc[i] = lam
                    s[k] = 1
                elif zw[i] < -lim:
                    zc[i] = -lam
                    s[k] = -1
                else:
                    zc[i] = zw[i]
            continue
        # ratio test along ẑ → z* over the free points
        alpha = 1.0
        for k in range(lo, hi):
            i = k - lo
            if s[k] == 0:
                if zw[i] > lim:
                    t = (lam - zc[i]) / (zw[i] - zc[i])
                    alpha = min(alpha, max(t, 0.0))
                elif zw[i] < -lim:
                    t = (-lam - zc[i]) / (zw[i] - zc[i])
                    alpha = min(alpha, max(t, 0.0))
        if alpha < 1.0:
            reblock = False
            for k in range(lo, hi):
                i = k - lo
                if s[k] == 0:
                    zn = zc[i] + alpha * (zw[i] - zc[i])
                    if zw[i] > lim and (lam - zc[i]) <= alpha * (zw[i] - zc[i]) * (1.0 + 1e-12):
                        s[k] = 1
                        zc[i] = lam
                        reblock = reblock or (dropped[i] != 0 and alpha == 0.0)
                    elif zw[i] < -lim and (-lam - zc[i]) >= alpha * (zw[i] - zc[i]) * (1.0 + 1e-12):
                        s[k] = -1
                        zc[i] = -lam
                        reblock = reblock or (dropped[i] != 0 and alpha == 0.0)
                    else:
                        zc[i] = min(max(zn, -lam), lam)
            if reblock:
                single = True
            for i in range(nw):
                dropped[i] = 0
            continue
        # z* feasible: ẑ = z*; release the knots with a wrong-sign slope change
        for k in range(lo, hi):
            if s[k] == 0:
                zc[k - lo] = zw[k - lo]
            dropped[k - lo] = 0
        worst = 0.0
        kw = -1
        nwrong = 0
        for j in range(1, mloc - 1):
            k = ln[j]
            il = 1.0 / (x[k] - x[ln[j - 1]])
            ir = 1.0 / (x[ln[j + 1]] - x[k])
            J = (beta[j + 1] - beta[j]) * ir - (beta[j] - beta[j - 1]) * il
            tolj = 64.0 * eps * (abs(beta[j - 1]) + abs(beta[j]) + abs(beta[j + 1])) * (il + ir)
            if s[k] * J < -tolj:
                nwrong += 1
                v = s[k] * J * (il + ir) ** -1
                if v < worst or kw < 0:
                    worst = v
                    kw = k
                if not single:
                    s[k] = 0
                    dropped[k - lo] = 1
        if nwrong == 0:
            return step - 1
        if step == max_steps:
            break
        if single:
            s[kw] = 0
            dropped[kw - lo] = 1
    return -1


@njit
def _interval_terms(x, w, y, s, lam, i0, i1, stop):
    """The hat-basis normal equations' terms of the node interval [x_{i0}, x_{i1}] (data
    [i0, stop)): the matrix entries (a0, a1, a2) and both right-hand sides including the
    penalty terms λ(s_{i0} − s_{i1})/H of the two nodes (s = 0 at the end points)."""
    inv = 1.0 / (x[i1] - x[i0])
    a0, a1, a2, b0, b1 = hat_moments(x, w, y, x[i0], inv, i0, stop)
    pen = (s[i0] - s[i1]) * lam * inv
    return a0, a1, a2, b0 + pen, b1 - pen


@njit
def _advance_left(x, w, y, s, lam, cur, D, r, target):
    """Forward elimination of the normal equations from node ``cur`` (pivot ``D`` and
    right-hand side ``r`` with the nodes left of it eliminated; 0, 0 at node 0) over the
    nodes of ``s`` up to node ``target``; returns ``target``'s (D, r) (as
    :func:`_condense_left`)."""
    N = x.shape[0]
    while cur < target:
        nxt = cur + 1
        while nxt < N - 1 and s[nxt] == 0:
            nxt += 1
        stop = nxt + 1 if nxt == N - 1 else nxt
        a0, a1, a2, c0, c1 = _interval_terms(x, w, y, s, lam, cur, nxt, stop)
        Dj = D + a0
        Rj = r + c0
        Lo = a2 / Dj
        D = a1 - Lo * a2
        r = c1 - Lo * Rj
        cur = nxt
    return D, r


@njit
def _condense_all_right(x, w, y, s, lam, nodes):
    """For every node j of ``nodes``, the pivot and right-hand side after backward
    elimination of the nodes right of it (as :func:`_condense_right`), in one O(N) pass."""
    M = nodes.shape[0]
    DR = np.zeros(M)
    rR = np.zeros(M)
    D = 0.0
    r = 0.0
    for j in range(M - 2, -1, -1):
        i0 = nodes[j]
        i1 = nodes[j + 1]
        stop = i1 + 1 if j == M - 2 else i1
        a0, a1, a2, c0, c1 = _interval_terms(x, w, y, s, lam, i0, i1, stop)
        P = D + a1
        Rp = r + c1
        Lo = a2 / P
        D = a0 - Lo * a2
        r = c0 - Lo * Rp
        DR[j] = D
        rR[j] = r
    return DR, rR


@njit
def sweep_repair(x, w, y, s, lam, starts, ends, margin, m, budget, work, ztol):
    """The windowed pivoting of :func:`local_murty` on many clusters of violations in one
    left-to-right sweep: the outer normal equations of every window are condensed by a
    running forward elimination and one backward pass for the whole sweep (O(N) in all,
    not one O(N) pass per window).

    Cluster c spans the data indices [starts[c], ends[c]]; clusters are sorted and more
    than 2m apart, so their windows [starts − mm, ends + 1 + mm) for mm ≤ m do not
    overlap, and the knots right of the current window are those of the backward pass.
    Each cluster tries a window of width ``margin`` (Murty's rule from its own knots for
    two walks across it, then block pivoting and Murty's rule), then one of width ``m``;
    a window whose sub-LCP is not solved within its cap (min(50·width + 2000,
    ``work``/width, its share of ``budget``/width) pivots) is restored.  ``s`` is updated
    in place; returns the budget left (pivots × window widths).  A search step: the
    caller certifies with :func:`pdas_iter`.
    """
    N = x.shape[0]
    nc = starts.shape[0]
    if nc == 0:
        return budget
    nodes = working_set_nodes(s)
    DR, rR = _condense_all_right(x, w, y, s, lam, nodes)
    share = budget / nc
    cur = 0
    Dc = 0.0
    rc = 0.0
    for c in range(nc):
        a = starts[c]
        b = ends[c]
        # the forward elimination up to the node before the widest window of the cluster
        lw = max(1, a - m)
        Aw = lw - 1
        while Aw > 0 and s[Aw] == 0:
            Aw -= 1
        Dc, rc = _advance_left(x, w, y, s, lam, cur, Dc, rc, Aw)
        cur = Aw
        nwid = 2 if m > margin else 1
        for iw in range(nwid):
            mm = margin if (iw == 0 and nwid == 2) else m
            lo = max(1, a - mm)
            hi = min(N - 1, b + 1 + mm)
            wdt = hi - lo
            cap = int(min(50.0 * wdt + 2000.0, work / wdt, share / wdt))
            if cap < 1:
                continue
            A, B = _window_ends(s, lo, hi)
            dA, rA = _advance_left(x, w, y, s, lam, cur, Dc, rc, A)
            jB = np.searchsorted(nodes, B)
            if jB >= nodes.shape[0] or nodes[jB] != B:
                continue  # (cannot happen: the knots from hi on are those of the backward pass)
            dB, rB = DR[jB], rR[jB]
            before = s[lo:hi].copy()
            # the primal active-set method from the window's own knots first, then block
            # pivoting and Murty's rule
            c0 = min(cap, 4 * wdt + 64)
            st = _window_feasible(x, w, y, s, lam, lo, hi, A, B, dA, rA, dB, rB, c0, ztol)
            budget -= wdt * (c0 if st < 0 else st + 2)
            if st < 0:
                s[lo:hi] = before
            if st < 0 and mm != margin:
                st = _window_pivot(x, w, y, s, lam, lo, hi, A, B, dA, rA, dB, rB, cap, 12, ztol)
                budget -= wdt * (cap if st < 0 else st + 1)
            if st >= 0:
                break
            s[lo:hi] = before
    return budget
