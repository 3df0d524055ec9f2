"""Exact sparsest univariate TV(f″) regression (the d = 1 representer theorem).

Problem (docs/theory/representer.md).  Given data (xᵢ, yᵢ, wᵢ), wᵢ > 0, and λ ≥ 0,

    minimise_f   ½ Σᵢ wᵢ (f(xᵢ) − yᵢ)² + λ TV(f″),       :math:`TV(f″) = ‖D²f‖_M = ∫|f″|`,

over f with f″ a finite measure.  (Absolute and hinge losses make this a linear program,
not the strictly convex QP solved here: see :func:`splines.tv2_lp.fit_tv2_lp`.)  TV(f″) is
RTV²(f) for d = 1 (the ReLU path norm
:math:`Σₖ|vₖ||wₖ|` of f = Σₖ vₖ ReLU(wₖx − bₖ) + c₁x + c₀, biases and the affine part
unpenalised).  λ = 0 means the interpolation limit: minimise TV(f″) subject to
f(xᵢ) = ȳᵢ, the weighted mean of the yᵢ that share the abscissa xᵢ.

Method [derived, docs/theory/representer.md].

1. Duplicated abscissae are merged: Σ_{i∈g} wᵢ (u − yᵢ)²/2 = W_g (u − ȳ_g)²/2 + const
   (weighted averaging; the constant is part of the objective).
2. The problem is exactly the generalised lasso min_u ½‖u − y‖²_W + λ‖Lu‖₁ over the
   values u at the N sorted distinct abscissae, L the (N−2)×N second-divided-difference
   operator (slope changes); f is the linear interpolant of u, extended linearly.
   u is unique (strictly convex loss).
3. The exact solution for a given knot set and sign pattern (the *working set*: a knot of
   sign sₖ = ±1 at the data point xₖ fixes the dual variable zₖ = λsₖ) is one SPD
   tridiagonal solve on the hat basis of the knots (kernel ``pdas_iter``; eigenvalues in
   [min w, 2 max local weight] whatever the gaps, so near-coincident abscissae cost no
   accuracy); z with Lᵀz = W(y − u) follows per node interval from its end values ±λ
   (rounding stays local).  The KKT conditions, :math:`|zₖ| ≤ λ(1 + 1e-9)` off the knots and
   sₖJₖ ≥ 0 for the slope changes Jₖ on them, *are* the certificate.  Finding the working
   set is a linear complementarity problem: the working sets are the complementary bases
   of the dual box QP :math:`max_{|z|≤λ} zᵀLy − ½ zᵀQz`,  Q = L W⁻¹ Lᵀ ≻ 0, a P-matrix LCP.

   a. Multilevel start (:func:`_multilevel`).  The problem on the blocks of 8
      consecutive data points, each block replaced by one point at its weighted mean
      (x̄, ȳ) with the block's total weight (the data term keeps its scale and, for f
      affine on the block, differs from the fine one only by a term in the slope: the
      coarse problem is a quadrature of the fine one, and averaging divides the noise
      variance by the block weight), is solved the same way, recursively down to ≤ 4000
      points, from the empty working set; its knots, mapped to the data point nearest
      their block mean with their signs, start the finer level.  Knots of the coarse
      solution lie within a few points of the fine ones, so each level needs few
      iterations: O(N) total work (8/7 N per sweep).  (Subsampling every 8th point
      instead, with the summed weights, multiplies the noise variance of the coarse
      problem by 8 per level: on noisy data its knots are those of a much noisier
      problem, and the fine level then needs hundreds of pivoting steps.)
   b. Block pivoting (:func:`_pdas`, primal-dual active set = semismooth Newton): each
      iteration solves on the working set and updates it; knots with a wrong-sign slope
      change leave; of each maximal run of consecutive same-sign violators of :math:`|zₖ| ≤ λ`
      only the largest :math:`|zₖ|` enters (z is a double integral of the residual, so
      violations come in runs that one knot removes), and while the number of violations
      falls the nearer same-sign knot of that node interval slides there instead.
   c. Safeguard (:func:`_murty`).  Block pivoting can cycle (seen on uniform random x
      near λ_max, where two same-sign knots a few points apart must be placed together
      and each misplacement flips a neighbour's slope change).  From the best working set
      found, Murty's least-index rule flips only the *first* violated index per step;
      for a P-matrix LCP it terminates finitely [Murty 1974, "Note on a Bard-type scheme
      for solving the complementarity problem", Opsearch 11; Júdice & Pires 1994 for
      box constraints].  Each step is one O(N) solve and a knot walks one data point per
      two steps, so it is bounded (``murty_iter``) and used short first.
   d. Fallbacks, in order, each ending in the same certificate: a continuation in λ from
      λ_max (warm-started block pivoting at λ_next = max(λ, ρλ_cur), ρ → 1 on failure,
      exact LARS-type homotopy events near ρ = 1) with a short safeguard; the
      primal-dual interior point on the dual box QP (pentadiagonal Newton systems, after
      Kim, Koh, Boyd & Gorinevsky 2009) whose iterates seed (b, c) with a long safeguard;
      the continuation with a long safeguard; else :class:`ConvergenceError` (never an
      uncertified fit).  The interior point's Newton systems have entries ~1/h² (h the
      gap) and lose eps·(H/h)² of accuracy at near-coincident abscissae, which is why it
      is a fallback and not the first method.  λ paths warm-start the working set.

   Between (b) and (c), first :func:`_local_repair`: when (b) stalls, the remaining
   violations come in a few clusters (a same-sign knot pair that has to walk hundreds
   of points, knots that cycle with a neighbour).  Each cluster's window (±64·4^round
   points) is solved as the principal sub-LCP of its indices with the knots outside
   fixed (kernel ``sweep_repair``: the outside of every window is condensed into its two
   end nodes by one running forward elimination and one backward pass, O(N) for all the
   windows of a round, then each step costs O(window), not O(N); a primal active-set
   method on the window's dual box QP, which decreases the dual objective at every step
   and so needs no anti-cycling rule, then block pivoting and Murty's rule), and the
   exact ``pdas_iter`` re-checks the whole working set; persistent clusters get wider
   windows, and the repair gives up after five rounds without progress or a pivoting
   budget of ~30N.  It runs from the fewest-violation set of (b), then from the working
   set that (b) started from (the coarse knots); clusters of violations wider than
   2¹⁴ points are skipped (not a local defect).  Once certified, points with
   :math:`|zₖ| > λ(1 + 1e-10)` (inside the 1e-9
   tolerance) are repaired once more, and the certified working set nearer the box is
   kept, so that the knots are those of the exact solution (10⁶ uniform random points,
   10⁻¹λ_max: two same-sign pairs = 2 knots; the 1e-9 tolerance also admits a 3-knot fit).
   Then :func:`_adjacent_pivoting` (a heuristic) lets a run of violators
   next to a knot of its sign enter beside that knot instead of at the run's maximum; it
   resolves the same-sign knot pairs near λ_max, which (c) alone resolves only slowly
   (benchmarks/RESULTS.md, fit_tv2).  Block pivoting (once it no longer
   slides knots) and the adjacent-entry pivoting are functions of the working set alone,
   so a repeated working set (128-bit key, kernel ``working_set_key``) is a cycle and
   ends them at once; on large levels of (a) the Murty steps are capped at ~1.25·10⁷
   point-steps.  The slowest known case (10⁶ uniform random points at 10⁻¹·⁵λ_max, 19
   knots) has a fine level that cycles with period 12 on a same-sign pair 178 points
   apart, which windows with fixed outside knots do not resolve; the continuation
   certifies it.  A well-scaled primal interior point in values and slopes
   (hₙσₙ = u_{n+1} − uₙ) is not used as the start of (b): its interleaved banded Newton
   systems lose accuracy in the stiff σ chains of inactive kinks.
4. Sparsest solution: the fitted values u are unique but f is not (Debarre, Denoyelle,
   Unser, Fageot 2022, J. Comput. Appl. Math. 406:114044).  Knots at adjacent data points
   with slope changes of the same sign are merged pairwise (left to right in each run)
   into one knot at the crossing of the neighbouring segments' lines: a run of m such
   knots needs ⌈m/2⌉ knots.  This is the minimum [derived]: for every knot xₖ, f′ must
   take the values s_{k−1} and sₖ (mean slopes) in (x_{k−1}, x_{k+1}), so f has an
   up-jump (down-jump) of f′ there; in a run the intervals around every other knot are
   disjoint.  (Checked against a brute-force search in tests/test_tv2.py.)

λ_max [derived]: the solution is affine iff the weighted least-squares line u_aff
satisfies the KKT condition, i.e. :math:`λ ≥ λ_max = maxₖ |Σ_{i<k} rᵢ (xₖ − xᵢ)|` with
r = W(y − u_aff).
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ridgekit import progress as _progress
from ridgekit._validation import as_float_array
from ridgekit.nets.network import ShallowNetwork

from . import _kernels as K
from ._certificate import Certificate
from ._estimator import NetworkRegressor

__all__ = ["fit_tv2", "TV2Spline", "tv2_path", "lambda_max", "ConvergenceError"]


class ConvergenceError(RuntimeError):
    """No solution with a verified optimality certificate was found."""


# ---------------------------------------------------------------------------- progress
class _Reporter:
    """Progress lines of one ``fit_tv2(progress=True)`` call, through :mod:`ridgekit.progress`:
    every phase (multilevel level, fallback, continuation) and the first iteration of each,
    then at most one iteration line per ``every`` seconds."""

    def __init__(self, every=1.0):
        self.every = every
        self.phase = ""
        self.last = -np.inf

    def start(self, message):
        self.phase = message
        self.last = -np.inf
        _progress.status(f"fit_tv2: {message}")

    def step(self, i, nv=None, what=""):
        now = time.perf_counter()
        if now - self.last < self.every:
            return
        self.last = now
        text = f"fit_tv2: {self.phase}: iteration {i}"
        if nv is not None:
            text += f", {nv} KKT violations"
        _progress.status(text + (f", {what}" if what else ""))


#: the reporter of the fit running in this context (None: silent)
_REPORTER = contextvars.ContextVar("ridgekit_tv2_progress", default=None)


def _phase(message):
    r = _REPORTER.get()
    if r is not None:
        r.start(message)


def _iteration(i, nv=None, what=""):
    r = _REPORTER.get()
    if r is not None:
        r.step(i, nv, what)


# ---------------------------------------------------------------------------- data
class _Data:
    """Sorted, merged and normalised data (x in [0, 1], y centred/scaled, w mean 1)."""

    def __init__(self, x, y, sample_weight):
        x = as_float_array(x, "x", ndim=(1, 2))
        if x.ndim == 2 and x.shape[1] != 1:
            raise ValueError(f"x must be one-dimensional (N,) or (N, 1) for the univariate problem, got "
                             f"shape {x.shape}; use RidgeSplineRegressor for d > 1")
        x = x.reshape(-1)
        y = as_float_array(y, "y", ndim=(1, 2)).reshape(-1)
        if y.shape != x.shape:
            raise ValueError(f"y must have the same length as x ({x.shape[0]}), got {y.shape[0]}")
        if sample_weight is None:
            w = np.ones_like(x)
        else:
            w = as_float_array(sample_weight, "sample_weight", ndim=1)
            if w.shape != x.shape:
                raise ValueError(f"sample_weight must have length {x.shape[0]}, got {w.shape[0]}")
            if np.any(w < 0):
                raise ValueError("sample_weight must be non-negative")
            keep = w > 0
            if not np.any(keep):
                raise ValueError("sample_weight must have a positive entry")
            x, y, w = x[keep], y[keep], w[keep]
        order = np.argsort(x, kind="stable")
        xs, ys, ws = x[order], y[order], w[order]
        new = np.empty(xs.shape[0], dtype=bool)
        new[0] = True
        np.not_equal(xs[1:], xs[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        self.n_samples = xs.shape[0]
        if starts.shape[0] == xs.shape[0]:
            self.x, self.y, self.w = xs, ys, ws
            self.const = 0.0
        else:
            W = np.add.reduceat(ws, starts)
            ybar = np.add.reduceat(ws * ys, starts) / W
            gid = np.cumsum(new) - 1
            self.const = 0.5 * float(np.sum(ws * (ys - ybar[gid]) ** 2))
            self.x, self.y, self.w = xs[starts], ybar, W
        # normalisation (objective = ω c² × normalised objective; λ' = λ / (ω c R))
        self.x0 = float(self.x[0])
        self.R = float(self.x[-1] - self.x[0]) or 1.0
        self.m = float(np.average(self.y, weights=self.w))
        self.c = float(np.sqrt(np.average((self.y - self.m) ** 2, weights=self.w))) or 1.0
        self.omega = float(np.mean(self.w))
        self.xn = (self.x - self.x0) / self.R
        self.yn = (self.y - self.m) / self.c
        self.wn = self.w / self.omega
        self.h = np.diff(self.xn)

    @property
    def N(self):
        return self.x.shape[0]

    def lam_n(self, lam):
        return lam / (self.omega * self.c * self.R)


def _affine_fit(xn, yn, wn):
    """Weighted least-squares line (values at xn); a constant if N = 1."""
    if xn.shape[0] == 1:
        return yn.copy()
    sw = wn.sum()
    mx = (wn @ xn) / sw
    my = (wn @ yn) / sw
    vx = wn @ (xn - mx) ** 2
    slope = (wn @ ((xn - mx) * (yn - my))) / vx
    return my + slope * (xn - mx)


def _lambda_max_n(D):
    lmax = getattr(D, "_lmax", None)      # cached: fit() needs it twice (~0.1 s at N = 10⁶)
    if lmax is None:
        if D.N <= 2:
            lmax = 0.0
        else:
            u = _affine_fit(D.xn, D.yn, D.wn)
            z = K.dual_from_residual(D.wn * (D.yn - u), D.xn)
            lmax = float(np.max(np.abs(z)))
        D._lmax = lmax
    return lmax


def lambda_max(x, y, sample_weight=None) -> float:
    """Smallest λ for which the TV(f″)-penalised fit is affine (closed form).

    :math:`λ_max = maxₖ |Σ_{i<k} rᵢ (xₖ − xᵢ)|`, r = W(y − u_aff), u_aff the weighted
    least-squares line, over the sorted distinct abscissae (duplicates averaged)
    [derived: KKT of the generalised lasso, see the module docstring].

    Examples
    --------
    For (0, 0), (1, 1), (2, 0) the line is y = 1/3, r = (−1/3, 2/3, −1/3) and
    :math:`λ_max = |r₀ (x₁ − x₀)| = 1/3`:

    >>> round(lambda_max([0.0, 1.0, 2.0], [0.0, 1.0, 0.0]), 12)
    0.333333333333
    """
    D = _Data(x, y, sample_weight)
    return _lambda_max_n(D) * D.omega * D.c * D.R


# ---------------------------------------------------------------------------- solver
def _kkt_tolerance(lam, r):
    return 1e-9 * lam + 1e-13 * float(np.sum(np.abs(r))) + 1e-15


def _solve_fixed(D, lam, knots, signs):
    """Exact solution restricted to ``knots`` (interior data indices) with ``signs``."""
    N = D.N
    nodes = np.concatenate(([0], knots, [N - 1])).astype(np.int64)
    g0, g1, rhs = K.reduced_system(D.xn, D.wn, D.yn, nodes, signs.astype(np.float64), lam)
    beta = K.tridiag_solve(g0, g1, rhs)
    u = K.hat_eval(D.xn, nodes, beta)
    # slope changes at the knots, from the node values (exactly zero elsewhere)
    Hs = np.diff(D.xn[nodes])
    sl = np.diff(beta) / Hs
    jumps = sl[1:] - sl[:-1]
    return u, jumps


def _jump_tolerance(D, knots, u):
    """Rounding bound of the computed slope changes: a few ulps of u over the local gaps."""
    if knots.size == 0:
        return np.zeros(0)
    umax = max(float(np.max(np.abs(u))), float(np.max(np.abs(D.yn))))
    return 64 * np.finfo(float).eps * umax * (1.0 / D.h[knots - 1] + 1.0 / D.h[knots])


def _active_set(D, lam, knots, signs, max_iter=60):
    """Primal-dual active-set iterations from a guess; returns (u, knots, jumps, z) or None."""
    for _ in range(max_iter):
        u, jumps = _solve_fixed(D, lam, knots, signs)
        r = D.wn * (D.yn - u)
        z = K.dual_from_residual(r, D.xn)
        tol = _kkt_tolerance(lam, r)
        viol = np.abs(z) > lam + tol
        viol[knots - 1] = False
        wrong = signs * jumps < -_jump_tolerance(D, knots, u)
        if not viol.any() and not wrong.any():
            return u, knots, jumps, z
        keep = ~wrong
        add = np.flatnonzero(viol) + 1
        new_knots = np.concatenate((knots[keep], add))
        new_signs = np.concatenate((signs[keep], np.sign(z[add - 1])))
        order = np.argsort(new_knots, kind="stable")
        knots, signs = new_knots[order], new_signs[order]
    return None


def _event_step(D, lam_cur, lam_target, knots, signs):
    """One exact homotopy step (LARS-type): the solution on a fixed knot set is affine in λ;
    move to the next λ < λ_cur where a knot enters :math:`(|zₖ| = λ)` or leaves (jump = 0)."""
    N = D.N
    nodes = np.concatenate(([0], knots, [N - 1])).astype(np.int64)
    Hs = np.diff(D.xn[nodes])
    g0, g1, ra = K.reduced_system(D.xn, D.wn, D.yn, nodes, signs, 0.0)
    _, _, rc = K.reduced_system(D.xn, D.wn, np.zeros(N), nodes, signs, 1.0)
    ba, bc = K.tridiag_solve(g0, g1, ra), K.tridiag_solve(g0, g1, rc)
    Ja, Jc = np.diff(np.diff(ba) / Hs), np.diff(np.diff(bc) / Hs)
    za = K.dual_from_residual(D.wn * (D.yn - K.hat_eval(D.xn, nodes, ba)), D.xn)
    zc = K.dual_from_residual(-D.wn * K.hat_eval(D.xn, nodes, bc), D.xn)
    inactive = np.ones(N - 2, dtype=bool)
    inactive[knots - 1] = False
    # immediate events at λ_cur (ties of nearly coincident abscissae): a knot enters if
    # |z| = λ there and s·z − λ grows as λ decreases; leaves if its jump is 0 and s·J falls
    zcur = za + lam_cur * zc
    s_in = np.sign(zcur)
    g = s_in * zcur - lam_cur
    now_in = inactive & (g >= -1e-12 * lam_cur) & (s_in * zc - 1.0 < 0)
    Jcur = Ja + lam_cur * Jc
    jscale = max(float(np.max(np.abs(Jcur), initial=0.0)), 1e-300)
    now_out = (np.abs(Jcur) <= 1e-12 * jscale) & (signs * Jc > 0)
    if now_in.any() or now_out.any():
        add = np.flatnonzero(now_in) + 1
        lam_next, drop, sg_add = lam_cur, now_out, s_in[add - 1]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            leave = np.where(Jc != 0, -Ja / Jc, -np.inf)
            enter = np.maximum(np.where(zc != 1, za / (1.0 - zc), -np.inf),
                               np.where(zc != -1, za / (-1.0 - zc), -np.inf))
        below = lam_cur * (1 - 1e-12)
        leave[~((leave < below) & (leave > lam_target))] = -np.inf
        enter[~(inactive & (enter < below) & (enter > lam_target))] = -np.inf
        lam_next = max(lam_target, float(np.max(leave, initial=-np.inf)),
                       float(np.max(enter, initial=-np.inf)))
        # only the event(s) that define lam_next (ties to 1e-13 relative) change the knots
        tie = lam_next * (1 - 1e-13)
        drop = leave >= tie
        add = np.flatnonzero(enter >= tie) + 1
        sg_add = np.sign(za[add - 1] + lam_next * zc[add - 1])
    nk = np.concatenate((knots[~drop], add))
    ns = np.concatenate((signs[~drop], sg_add))
    o = np.argsort(nk, kind="stable")
    return lam_next, nk[o].astype(np.int64), ns[o]


def _interior_point(D, lam, max_iter=120, gap_targets=(1e-6, 1e-8, 1e-10, 1e-12, 1e-14)):
    """Primal-dual interior point on the dual box QP (after Kim, Koh, Boyd, Gorinevsky 2009,
    "ℓ1 trend filtering", SIAM Rev. 51(2), here with non-uniform x and weights): Newton
    systems (Q + diag) Δz = rhs are pentadiagonal (O(N) LDLᵀ).  Yields (z, μ₁, μ₂) when
    the surrogate gap μᵀf relative to the dual objective first falls below each target,
    and the last iterate when it stalls.  Used as the fallback of the continuation.
    """
    n = D.N - 2
    winv = 1.0 / D.wn
    d0, d1, d2 = K.q_bands(D.h, winv)
    b = K.slope_changes(D.yn, D.h)
    z = np.zeros(n)
    mu1 = np.ones(n)
    mu2 = np.ones(n)
    f1 = lam - z
    f2 = lam + z
    tgt = 0
    for _ in range(max_iter):
        Qz = K.penta_mul(d0, d1, d2, z)
        gap = float(mu1 @ f1 + mu2 @ f2)
        dobj = float(z @ b) - 0.5 * float(z @ Qz)
        rel = gap / max(abs(dobj), 1e-300)
        while tgt < len(gap_targets) and rel <= gap_targets[tgt]:
            yield z, mu1, mu2
            tgt += 1
        if tgt >= len(gap_targets):
            return
        tau = gap / (20.0 * n)
        rhs = -(Qz - b) - tau / f1 + tau / f2
        dz = K.penta_solve(d0 + mu1 / f1 + mu2 / f2, d1, d2, rhs)
        dmu1 = (tau - mu1 * f1 + mu1 * dz) / f1
        dmu2 = (tau - mu2 * f2 - mu2 * dz) / f2
        step = 1.0
        for a, da in ((mu1, dmu1), (mu2, dmu2), (f1, -dz), (f2, dz)):
            neg = da < 0
            if neg.any():
                step = min(step, 0.99 * float(np.min(-a[neg] / da[neg])))
        zn = z + step * dz
        m1 = mu1 + step * dmu1
        m2 = mu2 + step * dmu2
        g1 = lam - zn
        g2 = lam + zn
        if not (np.all(np.isfinite(zn)) and np.all(g1 > 0) and np.all(g2 > 0)
                and np.all(m1 > 0) and np.all(m2 > 0)) or step < 1e-12:
            break
        z, mu1, mu2, f1, f2 = zn, m1, m2, g1, g2
    yield z, mu1, mu2


def _pdas(D, lam, s, max_iter=200, patience=12, murty_iter=20000, best_out=None, repair_start=False,
          patience_few=None):
    """Primal-dual active-set iterations with one entering knot per run of violators.

    ``s`` is the int8 working set of :func:`_kernels.pdas_iter`.  Each iteration solves
    the KKT system on the working set exactly and certifies or updates it: knots with a
    wrong-sign slope change leave; of each maximal run of consecutive same-sign violators
    of :math:`|zₖ| ≤ λ` only the largest :math:`|zₖ|` enters (z is a double integral of the residual, so
    violations come in runs that a single knot removes), and while the number of
    violations falls the nearer same-sign knot of that node interval is moved there
    instead (knots slide along the data as λ changes).  Stops with None when the best
    violation count has not improved for ``patience`` iterations (a safeguard in the
    spirit of Júdice & Pires' block principal pivoting) or a working set repeats.
    """
    N = D.N
    u, z, J = np.empty(N), np.empty(N), np.empty(N)
    sn = np.empty(N, np.int8)
    best, left, prev, mode = np.inf, patience, np.inf, 2
    best_s = s.copy()
    start = s.copy()
    seen = set()
    for it in range(max_iter):
        nv = K.pdas_iter(D.xn, D.wn, D.yn, s, lam, u, z, J, sn, mode)
        _iteration(it + 1, nv)
        if nv == 0:
            knots = np.flatnonzero(s).astype(np.int64)
            return u, knots, J[knots], z[1:-1].copy()
        if nv >= prev:
            mode = 1
        prev = nv
        if nv < best:
            best, left = nv, patience
            if patience_few is not None and nv <= 64 + N // 10000:
                left = patience_few
            best_s[:] = s
        elif left > 0:
            left -= 1
        else:
            break
        if mode == 1:
            # from here the update is a function of s alone: a repeated working set means
            # a cycle, which visits no new (fewer-violation) set, so stop now
            key = _digest(s)
            if key in seen:
                break
            seen.add(key)
        s, sn = sn, s
    if best_out is not None:
        best_out.append(best_s)
    # the local repair starts from the fewest-violation set of the block pivoting, then
    # (on a multilevel level) from the working set given, the coarse knots.  With tens of
    # knot clusters the full exchange overshoots in some cluster at every iteration, so
    # the fewest-violation set can carry spurious same-sign knots; Murty's rule needed up
    # to 10⁴–10⁵ pivots in a window to remove them (10⁵ uniform points on width 16, noise
    # 0.5, 10⁻²λ_max: that repair failed and the continuation took 1100 fine solves), the
    # primal active-set window solver a few steps (10 fine solves in all).  From the start,
    # the coarse knots can leave violations everywhere (3·10⁵ at 10⁶ points, width 16,
    # noise 2, 10⁻⁸λ_max), so it comes second
    _phase(f"block pivoting stalled at {best} KKT violations ({N} points): local repair")
    res = _local_repair(D, lam, best_s)
    if res is not None:
        return res
    if repair_start and start.any() and not np.array_equal(start, best_s):
        _phase(f"block pivoting stalled at {best} KKT violations ({N} points): local repair "
               f"from the start")
        res = _local_repair(D, lam, start)
        if res is not None:
            return res
    _phase(f"adjacent pivoting ({N} points)")
    res = _adjacent_pivoting(D, lam, best_s, 4 * patience + 300)
    if res is not None:
        return res
    _phase(f"Murty's least-index pivoting ({N} points)")
    return _murty(D, lam, best_s, murty_iter)


def _local_repair(D, lam, s, rounds=6, margin=64, work=5e6):
    """Block pivoting, then Murty's least-index pivoting, on windows around the clusters
    of KKT violations.

    The violations left when the block pivoting stalls come in a few clusters (a
    same-sign knot pair that has to walk along the data, a knot that cycles with its
    neighbour).  Each cluster, widened by ``margin``·4^round points on both sides, is
    solved as the principal sub-LCP of its window (:func:`_kernels.sweep_repair`: the
    knots outside stay fixed, one O(N) sweep condenses the outsides of all the windows of
    a round, then O(window) per step of a primal active-set method, block pivoting or
    Murty's rule), and the whole working set is re-checked by the exact :func:`_kernels.pdas_iter`;
    clusters that persist get wider windows.  Returns the certified result or None.
    """
    N = D.N
    s = s.copy()
    u, z, J = np.empty(N), np.empty(N), np.empty(N)
    sn = np.empty(N, np.int8)
    cert = None
    best_nv, worse = np.inf, 0
    # pivots × window widths (the condensing of the outside is one O(N) sweep per round
    # for all windows, :func:`_kernels.sweep_repair`, and is not charged: a fit at
    # 10⁻⁸λ_max on wide noisy uniform data has thousands of clusters of violations)
    budget = 30.0 * N + 2e6
    for r in range(rounds + 1):
        nv = K.pdas_iter(D.xn, D.wn, D.yn, s, lam, u, z, J, sn, 0)
        _iteration(r + 1, nv)
        if nv == 0:
            knots = np.flatnonzero(s).astype(np.int64)
            res = u.copy(), knots, J[knots], z[1:-1].copy()
            # certified (|z| ≤ λ(1 + 1e-9)); polish the near-violations once so that the
            # knots are those of the exact solution, not of one within the tolerance
            near = np.abs(z[1:-1]) > lam * (1.0 + _POLISH)
            near[knots - 1] = False
            if cert is not None or not near.any() or r == rounds:
                return _closer(res, cert, lam)
            cert = res
            viol = np.flatnonzero(near) + 1
        elif r == rounds:
            break
        else:
            # a window's local optimum can push violations just beyond it: wider windows
            # next round; give up after five rounds without a new fewest count
            worse = worse + 1 if nv >= best_nv else 0
            best_nv = min(best_nv, nv)
            if worse > 4:
                break
            viol = np.flatnonzero(sn != s)
        m = margin * 4 ** r
        cut = np.flatnonzero(np.diff(viol) > 2 * m) + 1
        starts = viol[np.concatenate(([0], cut))].astype(np.int64)
        ends = viol[np.concatenate((cut - 1, [viol.size - 1]))].astype(np.int64)
        # a cluster spanning more than 2¹⁴ points is not a local defect (10⁶ uniform points
        # on width 16, noise 2, 10⁻⁸λ_max: the coarse knots leave 3·10⁵ violators, one
        # cluster over the whole data): its window would be a global solve
        small = ends - starts <= 1 << 14
        starts, ends = starts[small], ends[small]
        if budget <= 0 or starts.size == 0:
            break
        # each window gets its share of the budget (a window whose sub-LCP cannot be solved
        # with the knots outside it fixed, e.g. one knot of a same-sign pair that lies in
        # the next window, must not starve the window that holds the missing knot), a
        # failed window is restored, and the narrowest window is tried first: Murty's rule
        # from the window's working set for two walks across it (from a working set near
        # the solution it needs a few pivots, while from the block pivoting's
        # fewest-violation set it can need 10⁴: a same-sign pair 5 points apart, 6 pivots
        # against 23536 with 12 block pivots first), then block pivoting and Murty's rule
        budget = K.sweep_repair(D.xn, D.wn, D.yn, s, lam, starts, ends, margin, m, budget, work,
                                0.1 * _POLISH)
    return cert


_POLISH = 1e-10


def _closer(res, cert, lam):
    """Of two certified results, the one whose dual is closer to the box :math:`|z| ≤ λ`."""
    if cert is None:
        return res
    def excess(r):
        zz = np.abs(r[3]).copy()
        zz[r[1] - 1] = lam
        return float(np.max(zz, initial=lam))
    return res if excess(res) <= excess(cert) else cert


def _adjacent_pivoting(D, lam, s, max_iter):
    """Block pivoting in which a run of violators next to a knot of its sign enters at the
    point *adjacent* to that knot (elsewhere at the run's largest :math:`|zₖ|`); wrong-sign knots
    leave.  Near λ_max on uniform random x the optimal knots come in same-sign pairs a few
    points apart; entering at the run's maximum there throws the second knot too far,
    flips the first one's slope change and cycles, while growing the pair from its knot
    converges (2·10⁴ points, 10⁻¹λ_max: 64 iterations).  A heuristic without a
    termination proof (:func:`_murty` follows it); None after ``max_iter`` iterations."""
    N = D.N
    s = s.copy()
    u, z, J = np.empty(N), np.empty(N), np.empty(N)
    sn = np.empty(N, np.int8)
    seen = set()
    for it in range(max_iter):
        nv = K.pdas_iter(D.xn, D.wn, D.yn, s, lam, u, z, J, sn, 0)
        _iteration(it + 1, nv)
        if nv == 0:
            knots = np.flatnonzero(s).astype(np.int64)
            return u, knots, J[knots], z[1:-1].copy()
        # the update is a function of s: a repeated working set is a cycle (10⁶ uniform
        # random points, 10⁻¹·⁵λ_max: period 12 after 18 iterations, then 330 more)
        key = _digest(s)
        if key in seen:
            return None
        seen.add(key)
        wrong = (s != 0) & (sn == 0)
        keep = s.copy()
        keep[wrong] = 0
        idx = np.flatnonzero((s == 0) & (sn != 0))
        if idx.size:
            brk = np.ones(idx.size, bool)
            brk[1:] = (np.diff(idx) > 1) | (sn[idx[1:]] != sn[idx[:-1]])
            starts = np.flatnonzero(brk)
            ends = np.append(starts[1:], idx.size) - 1
            absz = np.abs(z)
            for a, b in zip(starts.tolist(), ends.tolist()):
                i0, i1 = int(idx[a]), int(idx[b])
                sg = sn[i0]
                left = keep[i0 - 1] == sg
                right = i1 + 1 < N and keep[i1 + 1] == sg
                if left and not right:
                    keep[i0] = sg
                elif right and not left:
                    keep[i1] = sg
                else:
                    seg = idx[a:b + 1]
                    keep[seg[int(np.argmax(absz[seg]))]] = sg
        s = keep
    return None


def _digest(s):
    """Fingerprint of a working set (its knots and signs) for cycle detection: 128 bits of
    hash (a collision would only end a heuristic early; the fallbacks still certify)."""
    return K.working_set_key(s)


def _murty(D, lam, s, max_iter):
    """Murty's least-index single principal pivoting from the working set ``s``.

    The working set is a complementary basis of the box-constrained dual QP
    min ½zᵀQz − bᵀz, :math:`|z| ≤ λ` (Q = LW⁻¹Lᵀ positive definite): a knot of sign ±1 at k
    fixes zₖ = ±λ, the other zₖ are free.  Each step flips only the *first* violated
    index (a free zₖ beyond the box enters the bound; a bound whose multiplier, the slope
    change, has the wrong sign becomes free).  For a P-matrix linear complementarity
    problem (Q positive definite) this rule terminates finitely (Murty 1974; Júdice &
    Pires 1994 for box constraints), so it is the safeguard of the block pivoting above,
    which is much faster but can cycle.  None after ``max_iter`` steps.
    """
    N = D.N
    s = s.copy()
    u, z, J = np.empty(N), np.empty(N), np.empty(N)
    sn = np.empty(N, np.int8)
    for it in range(max_iter):
        nv = K.pdas_iter(D.xn, D.wn, D.yn, s, lam, u, z, J, sn, 0)
        _iteration(it + 1, nv)
        if nv == 0:
            knots = np.flatnonzero(s).astype(np.int64)
            return u, knots, J[knots], z[1:-1].copy()
        k = int(np.argmax(sn != s))
        s[k] = sn[k]
    return None


def _from_interior_point(D, lam):
    _phase("interior-point start")
    for z, mu1, mu2 in _interior_point(D, lam):
        act = (mu1 > lam - z) | (mu2 > lam + z)
        knots = (np.flatnonzero(act) + 1).astype(np.int64)
        signs = np.where(mu1[act] > mu2[act], 1.0, -1.0)
        res = _active_set(D, lam, knots, signs, max_iter=6)
        if res is not None:
            return res
        if True:
            a = np.where(mu1 > lam - z, 1, np.where(mu2 > lam + z, -1, 0)).astype(np.int8)
            res = _pdas(D, lam, K.runs_argmax(a, np.abs(z)))
            if res is not None:
                return res
    return None


class _Level:
    """A subsample of the normalised data for the multilevel start (attributes of _Data
    that the active-set iteration reads)."""

    def __init__(self, xn, yn, wn):
        self.xn, self.yn, self.wn = xn, yn, wn
        self.N = xn.shape[0]


def _coarsen(L, factor):
    """Block means of ``factor`` consecutive points (the last point stays its own block).

    Block means of consecutive sorted distinct abscissae are sorted and distinct; the
    first block keeps x₀ as its abscissa so that the coarse problem spans the data.
    ``idx`` maps each coarse point to the fine point nearest its abscissa, inside its
    block (interior coarse points map to interior fine points)."""
    starts = np.arange(0, L.N - 1, factor)
    W = np.add.reduceat(L.wn[:-1], starts)
    xm = np.add.reduceat(L.wn[:-1] * L.xn[:-1], starts) / W
    ym = np.add.reduceat(L.wn[:-1] * L.yn[:-1], starts) / W
    xm[0] = L.xn[0]
    lv = _Level(np.append(xm, L.xn[-1]), np.append(ym, L.yn[-1]), np.append(W, L.wn[-1]))
    lo = np.append(starts, L.N - 1)
    hi = np.append(np.minimum(starts + factor, L.N - 1) - 1, L.N - 1)
    lv.idx = np.clip(np.searchsorted(L.xn, lv.xn), lo, hi)
    return lv


def _multilevel(D, lam, factor=8, coarse=4000, murty_iter=100):
    """Working set from the solution on blocks of ``factor`` consecutive points, each
    replaced by its weighted mean (x̄, ȳ) with the block's total weight (the data term
    keeps its scale and the noise is averaged), solved the same way down to ``coarse``
    points; the coarse knots, mapped to the data point nearest their block mean, start
    the active set on the finer level.  Returns the certified result or None."""
    levels = [D]
    while levels[-1].N > coarse:
        levels.append(_coarsen(levels[-1], factor))
    s = np.zeros(levels[-1].N, np.int8)
    for i in range(len(levels) - 1, -1, -1):
        L = levels[i]
        _phase(f"multilevel start, level {len(levels) - i} of {len(levels)} ({L.N} points)")
        # Murty's single pivots cost O(N) each and move a knot by one point per two steps:
        # on large levels ~1.25·10⁷ point-steps (12 steps at 10⁶) are the most worth
        # spending before the continuation takes over (10⁶ uniform random points,
        # 10⁻¹·⁵λ_max: 100 steps, 0.7 s, left 5·10⁴ violations where it started with one)
        mi = min(murty_iter, max(10, int(1.25e7) // L.N))
        best = []
        # a short patience once few violations are left: the windowed repair (O(N) per
        # round) finishes them (10⁶ points, width 16, noise 2, 10⁻⁸λ_max: 12 fine solves of
        # patience were 0.5 s of the 2.7 s); with thousands left the windows are not local
        # (10⁶ clustered points, noise 2, 3·10⁻⁶λ_max: 3595 after 3 solves, 9 after 20)
        res = _pdas(L, lam, s, patience_few=4, murty_iter=mi, best_out=best, repair_start=True)
        if i == 0:
            return res
        s = np.zeros(levels[i - 1].N, np.int8)
        if res is None:
            # an unsolved coarse level is only a start: its best working set (fewest KKT
            # violations) still places the knots near the finer level's, while the
            # fallback (continuation from λ_max) costs hundreds of fine solves
            ws = best[0]
            knots = np.flatnonzero(ws)
            s[L.idx[knots]] = ws[knots]
            continue
        knots = res[1]
        s[L.idx[knots]] = _signs(res).astype(np.int8)
    return None  # pragma: no cover


class _Failed(Exception):
    pass


def _continuation(D, lam, knots, signs, lam_cur, murty_iter=20000):
    """Warm-started active-set continuation from λ_cur (solution known) down to λ.

    Each step tries the active-set iteration at λ_next = max(λ, ρλ_cur) from the current
    knots; on failure ρ moves towards 1, and near 1 an exact homotopy event step is taken,
    so the method always progresses.  Every accepted step satisfies the KKT certificate.
    """
    rho = 0.25
    events = 0
    _phase(f"continuation from λ = {lam_cur / lam:.3g}·λ_target")
    for step in range(10 ** 7):
        _iteration(step + 1, what=f"λ = {lam_cur / lam:.3g}·λ_target")
        if events > 0:
            # exact homotopy (LARS) steps; the knot set is trusted between events and the
            # certificate is checked when the target λ is reached
            lam_cur, knots, signs = _event_step(D, lam_cur, lam, knots, signs)
            events -= 1
            if lam_cur <= lam:
                res = _active_set(D, lam, knots, signs, max_iter=30)
                if res is None:
                    raise _Failed
                return res
            continue
        lam_next = max(lam, rho * lam_cur)
        ws = np.zeros(D.N, np.int8)
        ws[knots] = signs
        res = _pdas(D, lam_next, ws, murty_iter=murty_iter)
        if res is None:
            if rho < 0.9:
                rho = rho ** 0.5
            else:
                events, rho = 16, 0.5
            continue
        lam_cur = lam_next
        if lam_cur <= lam:
            return res
        knots, signs = res[1], _signs(res)
        rho = max(rho * rho, 0.05)
    raise _Failed  # pragma: no cover


def _signs(res):
    u, knots, jumps, z = res
    sg = np.sign(z[knots - 1])      # z = λ s exactly on the knots (KKT)
    sg[sg == 0] = 1.0
    return sg


def _solve(D, lam, warm=None):
    """Exact normalised solution: (u, knots (data indices), jumps, z)."""
    N = D.N
    if N <= 2:
        u = _affine_fit(D.xn, D.yn, D.wn) if lam > 0 or N == 1 else D.yn.copy()
        return u, np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    if lam == 0.0:
        u = D.yn.copy()
        jumps_all = K.slope_changes(u, D.h)
        knots = np.flatnonzero(jumps_all != 0) + 1
        return u, knots, jumps_all[knots - 1], np.zeros(N - 2)
    lmax = _lambda_max_n(D)
    if lam >= lmax:
        u = _affine_fit(D.xn, D.yn, D.wn)
        z = K.dual_from_residual(D.wn * (D.yn - u), D.xn)
        return u, np.zeros(0, np.int64), np.zeros(0), z
    _phase(f"{N} distinct points, λ = {lam / lmax:.3g}·λ_max")
    if warm is not None and warm[2] >= lam:
        res = _active_set(D, lam, warm[0], warm[1], max_iter=8)
        if res is not None:
            return res
    res = _multilevel(D, lam)
    if res is not None:
        return res
    z = K.dual_from_residual(D.wn * (D.yn - _affine_fit(D.xn, D.yn, D.wn)), D.xn)
    k = int(np.argmax(np.abs(z)))               # the first knot enters at λ_max
    start = (np.array([k + 1], np.int64), np.array([np.sign(z[k])]), lmax)
    if warm is not None and warm[2] >= lam:
        start = warm
    try:                                        # quick continuation (short safeguard)
        return _continuation(D, lam, *start, murty_iter=50)
    except _Failed:
        pass
    res = _from_interior_point(D, lam)
    if res is not None:
        return res
    try:
        return _continuation(D, lam, *start)
    except _Failed:
        raise ConvergenceError("fit_tv2: neither the interior-point + active-set solver nor the "
                               "homotopy fallback produced a KKT certificate; please report the "
                               "data") from None


# ---------------------------------------------------------------------------- estimator
class TV2Spline(NetworkRegressor):
    """Sparsest exact solution of ½Σwᵢ(f(xᵢ) − yᵢ)² + λ TV(f″) in one dimension.

    A scikit-learn regressor with one input feature: ``fit(X, y)`` takes X of shape
    (n_samples, 1); :func:`fit_tv2` is the same fit for a 1-D array x.

    Parameters
    ----------
    lam : float
        λ ≥ 0; λ = 0 is the interpolation limit (min TV(f″) with f(xᵢ) = ȳᵢ).
    sparsest : bool
        Merge same-sign knot runs into the fewest knots (default); otherwise return the
        linear interpolant of the fitted values (knots at data points).

    Attributes
    ----------
    network_ : ShallowNetwork
        f(x) = Σₖ vₖ ReLU(x − tₖ) + c₀ + c₁x (unit input weights, offsets tₖ = knots).
    knots_, jumps_ : ndarray
        Knot positions and slope changes :math:`vₖ (RTV² = Σ|vₖ|)`.
    n_knots_ : int
        Number of knots of the sparsest solution; ``n_knots_interpolant_`` before merging.
    fitted_ : ndarray
        f at the sorted distinct abscissae ``x_unique_`` (unique for λ > 0).
    objective_ : float
        ½Σwᵢ(f(xᵢ) − yᵢ)² + λ TV(f″) (all samples, duplicates included).
    rtv_ : float
        :math:`TV(f″) = Σ|vₖ|`.
    duality_gap_ : float
        Primal minus dual objective for the certificate z scaled into :math:`|z| ≤ λ` (absolute;
        0 up to rounding for the exact solution; the dual objective is evaluated through
        Lᵀz = W(y − f), which z satisfies by construction).  For λ = 0 it is 0 by construction.
    lambda_max_ : float
        The closed-form λ_max of :func:`lambda_max`.
    certificate_ : Certificate
        Objective, dual lower bound and gap; ``covers == "global"`` (the KKT conditions
        are checked exactly on every data point).
    n_features_in_ : int
        1.

    Examples
    --------
    Three points, λ below λ_max = 1/3: one knot at x = 1 with slope change
    6λ − 2: the KKT conditions give residuals r = y − f = (−λ, 2λ, −λ) [derived], so the
    objective is 3λ² + λ(2 − 6λ) = 2λ − 3λ².

    >>> s = TV2Spline(0.1).fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 0.0])
    >>> s.n_knots_, round(float(s.jumps_[0]), 12), round(s.objective_, 12)
    (1, -1.4, 0.17)
    """

    _n_features = 1
    _parameter_constraints = {"lam": [Interval(Real, 0, np.inf, closed="left")], "sparsest": ["boolean"]}

    def __init__(self, lam=1e-3, *, sparsest=True):
        self.lam = lam
        self.sparsest = sparsest

    def fit(self, X, y, sample_weight=None):
        """Fit to X of shape (n_samples, 1), y (n_samples,) and optional weights wᵢ ≥ 0."""
        self._validate_params()
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        return self._fit_1d(X[:, 0], y, sample_weight, None)

    def _fit_1d(self, x, y, sample_weight, _warm):
        lam = float(self.lam)
        D = _Data(x, y, sample_weight)
        lam_n = D.lam_n(lam)
        u, knots, jumps, z = _solve(D, lam_n, _warm)
        jumps_raw = jumps
        self._warm = (knots, _signs((u, knots, jumps, z)), lam_n) if knots.size else None
        jumps = np.where(np.abs(jumps) <= _jump_tolerance(D, knots, u), 0.0, jumps)
        # back to data units
        xs, us = D.x, D.m + D.c * u
        scale = D.c / D.R
        jumps = jumps * scale
        self.n_knots_interpolant_ = int(np.count_nonzero(jumps))
        nz = jumps != 0
        knots, jumps = knots[nz], jumps[nz]
        if self.sparsest:
            pos, jmp = K.sparsest_knots(xs, us, knots.astype(np.int64), jumps)
        else:
            pos, jmp = xs[knots].copy(), jumps.copy()
        if D.N >= 2:
            s0 = (us[1] - us[0]) / (xs[1] - xs[0])
        else:
            s0 = 0.0
        c0 = us[0] - s0 * xs[0]
        self.network_ = _network(pos, jmp, c0, s0)
        self.knots_, self.jumps_ = pos, jmp
        self.n_knots_ = int(pos.shape[0])
        self.x_unique_, self.fitted_ = xs, us
        self.rtv_ = float(np.sum(np.abs(jmp)))
        data = D.const + 0.5 * float(D.w @ (us - D.y) ** 2)
        self.objective_ = data + lam * self.rtv_
        self.lambda_max_ = _lambda_max_n(D) * D.omega * D.c * D.R
        self.duality_gap_ = self._gap(D, lam_n, u, z, jumps_raw) * D.omega * D.c ** 2
        zmax = float(np.max(np.abs(z), initial=0.0))
        self.certificate_ = Certificate.from_gap(
            self.objective_, self.duality_gap_, covers="global",
            problem="½Σwᵢ(f(xᵢ) − yᵢ)² + λ TV(f″) over f with f″ a finite measure (d = 1)",
            method="exact KKT check of the working set on every data point; dual z scaled into |z| ≤ λ",
            dual_sup=(zmax / lam_n) if lam_n > 0 else None,
            details={"n_knots": self.n_knots_, "lambda_max": self.lambda_max_})
        return self

    @staticmethod
    def _gap(D, lam, u, z, jumps):
        if lam == 0.0 or D.N <= 2:
            return 0.0
        # a dual-feasible point: z scaled into the box (not clipped: clipping by δ at a gap h
        # changes Lᵀz by δ/h, which near-coincident abscissae turn into a spurious gap;
        # scaling by 1/(1 + δ/λ) changes the dual objective by O(δ/λ) relative)
        zmax = float(np.max(np.abs(z), initial=0.0))
        c = lam / zmax if zmax > lam else 1.0
        # TV of the spline from its knot jumps (slope_changes(u) would add rounding/h at
        # near-coincident abscissae where u is linear)
        r = D.wn * (D.yn - u)
        p = 0.5 * float(r @ (D.yn - u)) + lam * float(np.sum(np.abs(jumps)))
        # dual objective of c·z, zᵀLy − ½‖Lᵀz‖²_{W⁻¹}, through Lᵀz = r (z is built as the
        # double integral of r, so this holds by construction): c rᵀy − ½c² rᵀW⁻¹r.
        # Evaluating Lᵀz and Ly directly would multiply rounding by 1/h (up to 1e12 for
        # 10⁶ uniform random points) and report a spurious gap.
        dual = c * float(r @ D.yn) - 0.5 * c * c * float(r @ (r / D.wn))
        return max(p - dual, 0.0)


def _network(knots, jumps, c0, s0):
    """f(x) = c₀ + s₀x + Σₖ jumpₖ ReLU(x − knotₖ) as a ShallowNetwork (also with no knots)."""
    skip = (np.array([c0]), np.array([[s0]]))
    return ShallowNetwork(np.ones((knots.shape[0], 1)), knots, jumps, skip=skip)


def fit_tv2(x, y, lam=1e-3, *, sample_weight=None, sparsest=True, progress=False) -> TV2Spline:
    """Fit the exact sparsest TV(f″)-penalised linear spline; returns a fitted :class:`TV2Spline`.

    The functional form of ``TV2Spline(lam, sparsest=sparsest).fit(x[:, None], y, sample_weight)``
    for abscissae x of shape (N,).  ``progress=True`` prints progress lines on stderr
    (:mod:`ridgekit.progress`): each phase of the solver (multilevel levels, fallbacks,
    continuation) with its first iteration and then at most one iteration line per second
    (iteration number and KKT violation count), and the result; ``ridgekit fit`` shows them.

    Minimises ½ Σᵢ wᵢ (f(xᵢ) − yᵢ)² + λ TV(f″) in O(N log N) time (the sort; every
    active-set iteration is one O(N) tridiagonal solve, and the multilevel start needs few
    of them per level) and O(N) memory.  See the module
    docstring for the method and :class:`TV2Spline` for the attributes.

    Examples
    --------
    Points (0,0), (1,0), (2,1), (3,3), interpolated: two convex kinks at x = 1 and 2 merge
    into one knot at x = 1.5, where y = 0 and y = 2x − 3 cross; TV(f″) = 2 is unchanged.

    >>> s = fit_tv2([0, 1, 2, 3], [0, 0, 1, 3], lam=0)
    >>> s.n_knots_interpolant_, s.n_knots_, s.knots_.tolist(), s.rtv_
    (2, 1, [1.5], 2.0)
    """
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    x = as_float_array(x, "x", ndim=1)
    if not progress:
        return TV2Spline(lam, sparsest=sparsest).fit(x[:, None], y, sample_weight)
    token = _REPORTER.set(_Reporter())
    try:
        with contextlib.nullcontext() if _progress.active() else _progress.activate():
            s = TV2Spline(lam, sparsest=sparsest).fit(x[:, None], y, sample_weight)
            _progress.status(f"fit_tv2: done, {s.n_knots_} knots, duality gap {s.duality_gap_:.3g} "
                             f"(objective {s.objective_:.6g})")
    finally:
        _REPORTER.reset(token)
    return s


def tv2_path(x, y, lams, *, sample_weight=None, sparsest=True) -> list:
    """Solutions along a λ path (decreasing order internally, warm-started active sets).

    Returns a list of fitted :class:`TV2Spline`, in the order of ``lams``.
    """
    lams = as_float_array(lams, "lams", ndim=1)
    if np.any(lams < 0):
        raise ValueError("lams must be >= 0")
    order = np.argsort(-lams, kind="stable")
    out = [None] * lams.shape[0]
    warm = None
    x = as_float_array(x, "x", ndim=1)
    for i in order:
        est = TV2Spline(float(lams[i]), sparsest=sparsest)
        est._validate_params()
        X, yv, w = est._validate_fit_data(x[:, None], y, sample_weight)
        s = est._fit_1d(X[:, 0], yv, w, warm)
        warm = s._warm
        out[i] = s
    return out
