r"""Neuron column generation for :class:`splines.ridge.RidgeSplineRegressor` (``solver="neurons"``).

The RTV² problem with λ > 0 is a lasso over the continuous dictionary of unit ReLU atoms
φ_{w,b}(x) = [wᵀx − b]₊, ‖w‖ = 1, with an unpenalised affine part [derived from the
representer theorem, Parhi & Nowak arXiv 2006.05626 Thm 1; the module docstring of
:mod:`splines.ridge`]:

    min_{a, c}  ½‖Σₖ aₖ φₖ(Z) + A c − y‖²_S + λ Σₖ |aₖ|,      A = [1, Z].

Column generation with exact pricing (a fully corrective conditional-gradient method):

1. *Restricted problem.*  On the current atoms, eliminate c by projecting onto
   range(√S A)⊥ (weighted least squares) and solve the finite lasso
   min ½aᵀGa − qᵀa + λ‖a‖₁ (G = Φ̃ᵀΦ̃, q = Φ̃ᵀỹ) *exactly* by feature-sign search
   (Lee, Battle, Raina & Ng, "Efficient sparse coding algorithms", NIPS 2006, §2): each
   step solves the sign-restricted quadratic on the active set and line-searches over the
   zero crossings, so the objective decreases strictly and the active sets never repeat:
   finite termination at a point whose KKT residuals are at rounding level.  A ridge
   ε = 1e-13·max Gₖₖ makes G definite (atoms of one activation pattern span only r + 1
   dimensions, so G is often singular); it changes the restricted optimum by O(ε‖a‖²).
2. *Merge.*  Atoms with the same activation pattern on the data and the same sign are
   replaced by one: on the pattern's cone (u, β) ↦ D(Zu − β1) is linear, so
   Σ|aₖ|φₖ = ‖u‖ φ_{u/‖u‖, β/‖u‖} on the data with u = Σ|aₖ|wₖ, β = Σ|aₖ|bₖ, and the
   penalty ‖u‖ ≤ Σ|aₖ| can only fall (the merged atom keeps the pattern: each on point
   has a positive and each off point a non-positive combination).  This is the step the
   pattern program of Pilanci & Ergen does implicitly; it lets the atoms slide to the
   optimal directions inside their cells.  The lasso is then re-solved.
3. *Pricing.*  With ρ = S(y − f) (⊥ range A) the atoms whose |⟨ρ, φ_{w,b}⟩| exceeds λ
   are the violated dual constraints.  For affine rank 2 the per-anchor maxima come from
   the angular sweep of :func:`splines._ridge_kernels.sup_2d` (evaluated through each
   arc's linear model: O(N² log N)); for rank 3 with N ≤ ``exact_max_n`` from the exact
   3-D enumeration; otherwise from sampled directions (exact in b) refined by fixed-point
   ascent — then the sup is only a lower bound, and the certificate says so.  Up to
   ``max_new`` violators (the best anchor each) enter per round.

The loop stops when the priced sup ≤ 1 + tol (with sampled pricing: in ``patience``
consecutive rounds of fresh directions), or when ``stall`` rounds lowered the restricted
objective by less than 1e-11 relative (exact pricing: violators of size ~1e-7 that no
longer move the objective: the duality gap of the caller's certificate bounds what is
left) or 1e-9 (sampled pricing).  Each round also runs a local "sliding" descent of all
neurons (:func:`slide`) when pricing is sampled, and with exact pricing once progress
falls below 1e-9 relative per ``stall`` rounds (column generation then zig-zags: merging
moves an atom inside its cell only a little per round).  The caller certifies the result
independently (exact sup by direct sums, duality gap): this module never decides
optimality on its own.
"""

from __future__ import annotations

import numpy as np

from ridgekit.progress import status

from . import _ridge_kernels as RK

__all__: list[str] = []


def _sup_directions(Z, r, Wd):
    """For unit directions Wd (M, r): max over b of :math:`|h(w, b)|` (exact in b), value, best b."""
    T = Z @ Wd.T
    o = np.argsort(T, axis=0, kind="stable")
    Ts = np.take_along_axis(T, o, 0)
    rs = r[o]
    S1 = np.cumsum((rs * Ts)[::-1], axis=0)[::-1]
    S0 = np.cumsum(rs[::-1], axis=0)[::-1]
    h = S1 - Ts * S0                          # h at b = t_(j): Σ_{i≥j} r_i (t_i − t_j)
    k = np.argmax(np.abs(h), axis=0)
    cols = np.arange(Wd.shape[0])
    return h[k, cols], Ts[k, cols]


# ---------------------------------------------------------------------------- exact lasso
def _line_step(G, q, lam, a, S, theta, cur):
    """Feature-sign step on the index set S with signs θ; returns (new values on S, objective)
    or (None, cur) when no candidate point decreases the objective."""
    GS = G[np.ix_(S, S)]
    aS = a[S]
    anew = np.linalg.solve(GS, q[S] - lam * theta[S])
    d = anew - aS
    with np.errstate(divide="ignore", invalid="ignore"):
        tc = -aS / d
    ts = np.concatenate([[1.0], tc[(tc > 0) & (tc < 1)]])
    # objective along a + t d (restricted to S): s0 + t s1 + ½t² s2 + λ‖a_S + t d‖₁ + const
    g = q[S] - G[S] @ a
    s1 = -float(g @ d)
    s2 = float(d @ GS @ d)
    X = aS[None, :] + ts[:, None] * d[None, :]
    X[1:][np.isclose(ts[1:, None], tc[None, :], rtol=0.0, atol=0.0)] = 0.0
    l1_out = float(np.sum(np.abs(a))) - float(np.sum(np.abs(aS)))
    vals = cur - lam * float(np.sum(np.abs(a))) + ts * s1 + 0.5 * ts ** 2 * s2 \
        + lam * (np.sum(np.abs(X), axis=1) + l1_out)
    k = int(np.argmin(vals))
    if not vals[k] < cur:
        if ts.size == 1 and np.all(np.sign(anew) == theta[S]):
            # no zero crossing and consistent signs: anew minimises the objective on this
            # orthant face exactly, so "no decrease" is objective rounding — take it (the
            # KKT residual, not the objective, is what resolves the last digits)
            return anew, cur
        return None, cur
    return X[k], float(vals[k])


def lasso_exact(G, q, lam, a0=None, max_steps=None, cd_epochs=2000):
    """min ½aᵀGa − qᵀa + λ‖a‖₁ by feature-sign search (warm start ``a0``, first moved
    by up to ``cd_epochs`` of coordinate descent, which finds the support cheaply; the
    feature-sign steps then make it exact).

    Returns ``(a, steps, converged)``; ``converged`` means the KKT conditions hold to
    rounding (|gₖ − λ sign aₖ| on the support and |gₖ| − λ off it within 64·eps of the
    magnitudes that form g = q − Ga).
    """
    K = q.shape[0]
    eps = 1e-13 * max(float(np.max(np.diag(G), initial=0.0)), 1e-300)
    G = G + eps * np.eye(K)
    absG = np.abs(G)
    a = np.zeros(K) if a0 is None else np.array(a0, dtype=float)
    if cd_epochs:
        Gc = np.ascontiguousarray(G)
        RK.lasso_cd_gram(Gc, np.ascontiguousarray(q, dtype=float), float(lam), a, Gc @ a, int(cd_epochs), 1e-9)
    cur = 0.5 * float(a @ G @ a) - float(q @ a) + lam * float(np.sum(np.abs(a)))
    max_steps = 20 * K + 100 if max_steps is None else max_steps
    steps = 0
    while steps < max_steps:
        g = q - G @ a
        tol = np.maximum(1e-12 * lam, 64 * np.finfo(float).eps * (np.abs(q) + absG @ np.abs(a)))
        theta = np.sign(a)
        S = np.flatnonzero(a)
        s_bad = bool(S.size) and bool(np.any(np.abs(g[S] - lam * theta[S]) > tol[S]))
        if s_bad:
            steps += 1
            x, val = _line_step(G, q, lam, a, S, theta, cur)
            if x is not None and not np.array_equal(x, a[S]):
                a[S], cur = x, val
                continue
        Zs = np.flatnonzero(a == 0)
        if Zs.size == 0:
            return a, steps, not s_bad
        viol = np.abs(g[Zs]) - lam - tol[Zs]
        i = int(np.argmax(viol))
        if viol[i] <= 0:
            return a, steps, not s_bad
        k = Zs[i]
        theta[k] = np.sign(g[k])
        S = np.sort(np.append(S, k))
        steps += 1
        x, val = _line_step(G, q, lam, a, S, theta, cur)
        if x is None:
            return a, steps, False
        a[S], cur = x, val
    return a, steps, False


# ---------------------------------------------------------------------------- atoms
def _features(Z, W, b):
    return np.maximum(Z @ W.T - b[None, :], 0.0)


def merge_atoms(Z, W, b, a, scale):
    """Merge nonzero atoms sharing (sign, activation pattern on Z) into one (see module doc)."""
    nz = a != 0
    W, b, a = W[nz], b[nz], a[nz]
    if a.size == 0:
        return W, b, a
    P = (Z @ W.T - b[None, :]) > 1e-12 * scale
    keys = np.packbits(P, axis=0).T                      # (K, bytes)
    groups = {}
    for k in range(a.size):
        groups.setdefault((a[k] > 0, keys[k].tobytes()), []).append(k)
    Wn = np.empty((len(groups), W.shape[1]))
    bn = np.empty(len(groups))
    an = np.empty(len(groups))
    for m, ((pos, _), ks) in enumerate(groups.items()):
        w = np.abs(a[ks])
        u = w @ W[ks]
        nu = float(np.linalg.norm(u))
        if nu == 0.0:                                    # cannot happen for one atom; keep the first
            Wn[m], bn[m], an[m] = W[ks[0]], b[ks[0]], a[ks[0]]
            continue
        Wn[m] = u / nu
        bn[m] = float(w @ b[ks]) / nu
        an[m] = nu if pos else -nu
    return Wn, bn, an


# ---------------------------------------------------------------------------- pricing
def ascent_batch(Z, rr, W, n_iter=20):
    """Fixed-point ascent of |h(w, b)| = |Σᵢ rᵢ[wᵀzᵢ − b]₊| from many unit directions W (M, r).

    Each step takes the best breakpoint b = wᵀzⱼ for w (exact in b), the anchored linear
    piece a = Σ_{i: wᵀ(zᵢ − zⱼ) > 0} rᵢ(zᵢ − zⱼ) (so h = aᵀw on the current cell) and moves
    to w ← sign(h)·a/‖a‖, the maximiser of that piece on the sphere; a move is kept only
    where |h| increased.  Returns (values, W, b), values signed.
    """

    W = np.array(W, dtype=float)
    vals, bs = _sup_directions(Z, rr, W)
    for _ in range(n_iter):
        act = (Z @ W.T - bs[None, :]) > 0                       # (N, M)
        ra = rr[:, None] * act
        zj = (W @ Z.T - bs[:, None])                            # (M, N): anchor = argmin |·|
        j = np.argmin(np.abs(zj), axis=1)
        Aw = ra.T @ Z - np.sum(ra, axis=0)[:, None] * Z[j]      # (M, r)
        Aw *= np.sign(vals)[:, None]
        nrm = np.linalg.norm(Aw, axis=1)
        ok = nrm > 0
        if not np.any(ok):
            break
        W2 = W.copy()
        W2[ok] = Aw[ok] / nrm[ok, None]
        v2, b2 = _sup_directions(Z, rr, W2)
        better = np.abs(v2) > np.abs(vals) * (1 + 1e-13)
        if not np.any(better):
            break
        W[better], vals[better], bs[better] = W2[better], v2[better], b2[better]
    return vals, W, bs


def price(Z, rr, max_new, exact_max_n, rng, n_directions, W_atoms=None):
    """Violated atoms for residual weights rr (⊥ affine, already divided by λ).

    Returns ``(sup, exact, W, b)`` with the candidates sorted by decreasing |value|
    (at most ``max_new``).  For affine rank 2, and rank 3 with N ≤ ``exact_max_n``, the
    per-anchor maxima of the exact kernels (``exact`` True).  Otherwise a lower bound:
    ``n_directions`` fresh random directions (exact in b) and the directions of the
    current atoms ``W_atoms``, the best of them refined by :func:`ascent_batch` (the atoms'
    own local maxima are where the optimal neurons move to).
    """

    N, r = Z.shape
    if r == 2 or (r == 3 and N <= exact_max_n):
        if r == 2:
            A_abs, _, A_w, A_b = RK.sup_2d(Z, rr, 1, True)
        else:
            scale = float(np.max(np.abs(Z))) or 1.0
            A_abs, _, A_w, A_b = RK.sup_3d(Z / scale, rr, 1, 1e-12)
            A_abs, A_b = A_abs * scale, A_b * scale
        fa = A_abs[:, 0]
        order = np.argsort(-fa)[:max_new]
        return float(fa[order[0]]), True, A_w[order, 0], A_b[order, 0]
    D = rng.standard_normal((n_directions, r))
    D /= np.linalg.norm(D, axis=1)[:, None]
    vals, _ = _sup_directions(Z, rr, D)
    start = D[np.argsort(-np.abs(vals))[:max_new]]
    if W_atoms is not None and len(W_atoms):
        start = np.vstack([start, W_atoms])
    vals, W, b = ascent_batch(Z, rr, start)
    order = np.argsort(-np.abs(vals))[:max_new]
    return float(abs(vals[order[0]])), False, W[order], b[order]


def slide(Z, sw, Q, yt, lam, W, b, a, max_iter=200):
    """Local descent of the non-convex objective in the neurons' (uₖ, βₖ) = |aₖ|(wₖ, bₖ)
    with fixed signs (the "sliding" step of sliding Frank–Wolfe, Denoyelle, Duval, Peyré &
    Soubies, Inverse Problems 36 (2020) 014001): F = ½‖P√S(Σₖ sₖ[Zuₖ − βₖ]₊) − ỹ‖² +
    λΣₖ‖uₖ‖ by L-BFGS (scipy), a.e. differentiable.  Moves every neuron at once (merging
    only moves neurons that share a cell).  Returns the new (W, b, a) only if F decreased.
    """
    from scipy.optimize import minimize

    K, r = W.shape
    sg = np.sign(a)
    x0 = np.concatenate([(np.abs(a)[:, None] * W).ravel(), np.abs(a) * b])

    def fun(x):
        U = x[:K * r].reshape(K, r)
        be = x[K * r:]
        T = Z @ U.T - be[None, :]
        act = T > 0
        f = (np.where(act, T, 0.0) * sw[:, None]) @ sg
        e = f - Q @ (Q.T @ f) - yt
        nu = np.linalg.norm(U, axis=1)
        val = 0.5 * float(e @ e) + lam * float(np.sum(nu))
        g = sw * e                                     # P is symmetric and e ∈ range P
        M = act * (g[:, None] * sg[None, :])           # (N, K)
        gU = M.T @ Z + lam * U / np.where(nu > 0, nu, 1.0)[:, None]
        gb = -np.sum(M, axis=0)
        return val, np.concatenate([gU.ravel(), gb])

    f0 = fun(x0)[0]
    res = minimize(fun, x0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "gtol": 1e-12,
                                                                  "ftol": 1e-15})
    if not res.fun < f0:
        return W, b, a
    U = res.x[:K * r].reshape(K, r)
    be = res.x[K * r:]
    nu = np.linalg.norm(U, axis=1)
    keep = nu > 0
    return U[keep] / nu[keep, None], be[keep] / nu[keep], sg[keep] * nu[keep]


# ---------------------------------------------------------------------------- the loop
def solve_neurons(Z, yn, wn, lam, *, tol, max_iter, max_new, exact_max_n, rng, n_directions=4000,
                  slide_iter=400, patience=5, stall=8):
    """Column generation (module docstring).  Returns ``(W, b, v, c0, c, info)``."""
    N, r = Z.shape
    sw = np.sqrt(wn)
    A = np.column_stack([np.ones(N), Z])
    Q, _ = np.linalg.qr(A * sw[:, None])
    yt = sw * yn
    yt = yt - Q @ (Q.T @ yt)
    scale = float(np.max(np.abs(Z))) or 1.0
    W = np.zeros((0, r))
    b = np.zeros(0)
    a = np.zeros(0)
    info = {"iterations": 0, "lasso_steps": 0, "lasso_converged": True, "sup_history": [],
            "objective_history": [], "stalled": False}

    def restricted(W, b, a0):
        Phi = _features(Z, W, b) * sw[:, None]
        Phi -= Q @ (Q.T @ Phi)
        a1, steps, ok = lasso_exact(Phi.T @ Phi, Phi.T @ yt, lam, a0)
        info["lasso_steps"] += steps
        info["lasso_converged"] = info["lasso_converged"] and ok
        return a1, Phi

    resid = yt.copy()                                 # √S-weighted, projected residual
    quiet = 0
    slow = False
    sup = np.inf
    for it in range(max_iter):
        rho = sw * resid                              # = S(y − f) projected: ⊥ range A
        sup, exact, Wn, bn = price(Z, rho / lam, max_new, exact_max_n, rng, n_directions, W)
        info["sup_history"].append(sup)
        status(f"neurons solver: round {it + 1}/{max_iter}, {W.shape[0]} neurons, certificate sup {sup:.8g} "
               f"(stops at 1 + {tol:g})")
        info["iterations"] = it + 1
        info["exact_pricing"] = exact
        if sup <= 1 + tol:
            quiet += 1
            if exact or quiet >= patience:
                break
            continue
        quiet = 0
        vals = np.abs(_features(Z, Wn, bn).T @ rho) / lam
        keep = vals > 1 + 0.5 * tol
        W = np.vstack([W, Wn[keep]])
        b = np.concatenate([b, bn[keep]])
        a, _ = restricted(W, b, np.concatenate([a, np.zeros(int(keep.sum()))]))
        W, b, a = merge_atoms(Z, W, b, a, scale)
        if slide_iter and (not exact or slow):
            W, b, a = slide(Z, sw, Q, yt, lam, W, b, a, slide_iter)
        a, Phi = restricted(W, b, a)
        nz = a != 0
        W, b, a = W[nz], b[nz], a[nz]
        resid = yt - Phi[:, nz] @ a
        hist = info["objective_history"]
        hist.append(0.5 * float(resid @ resid) + lam * float(np.sum(np.abs(a))))
        floor = 1e-11 if exact else 1e-9          # sampled: the sup is a lower bound anyway
        slow = exact and len(hist) > stall and hist[-stall - 1] - hist[-1] <= 1e-9 * abs(hist[-1])
        if len(hist) > stall and hist[-stall - 1] - hist[-1] <= floor * abs(hist[-1]):
            info["stalled"] = True              # the caller's certificate (duality gap) decides
            break
    info["sup"] = sup
    # affine part: weighted least squares of the residual of the network on [1, Z]
    f = _features(Z, W, b) @ a if a.size else np.zeros(N)
    c_all = np.linalg.lstsq(A * sw[:, None], sw * (yn - f), rcond=None)[0]
    return W, b, a, float(c_all[0]), c_all[1:], info
