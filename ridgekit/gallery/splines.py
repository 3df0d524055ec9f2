"""Representer-theorem solvers (Parhi & Nowak arXiv 2006.05626; Ongie et al. 1910.01635;
convex reformulation after Pilanci & Ergen arXiv 2002.10553): a sparsest univariate
TV(f″) fit with :func:`splines.fit_tv2` and a certified 2-D RTV² fit with
:class:`splines.ridge.RidgeSplineRegressor`.

Checks: the three-point closed form 2λ − 3λ² (tv2 docstring), the 2-D fit's certificate
sup-norm (≤ 1 + 1e-6, exact), its width bound N − (d+1), its duality gap, and the
working-set solver against the full pattern program (same objective).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ridgekit.checks import bound_check, tolerance_check
from ridgekit.progress import status

__all__ = ["run"]


def _sup_and_exact(cert):
    """(dual sup, exact?) of a RidgeSplineRegressor certificate (a Certificate or a dict)."""
    if isinstance(cert, dict):
        return float(cert["sup_norm"]), bool(cert.get("exact", True))
    return float(cert.dual_sup), cert.covers == "global"


def run(out_dir, quick=True) -> dict:
    """Figures and checks; quick size runs in a few seconds."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ridgekit.splines.ridge import RidgeSplineRegressor
    from ridgekit.splines.tv2 import fit_tv2

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    checks, figures = [], []
    # univariate
    status("univariate TV(f″) fits (fit_tv2)")
    t0 = time.perf_counter()
    s3 = fit_tv2([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], 0.1)
    checks.append(tolerance_check(
        "tv2 three points (0,0), (1,1), (2,0), λ = 0.1: objective", s3.objective_, 0.2 - 0.03, 1e-12,
        oracle="closed form 2λ − 3λ² (fit_tv2 docstring)", reason="exact solver: rounding only",
        time=time.perf_counter() - t0))
    n1 = 60 if quick else 400
    x = np.sort(rng.uniform(0, 1, n1))
    y = np.sin(2 * np.pi * x) + 0.15 * rng.standard_normal(n1)
    t0 = time.perf_counter()
    s = fit_tv2(x, y, 0.02)
    t1 = time.perf_counter() - t0
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, y, ".", ms=4, label="data")
    g = np.linspace(0, 1, 1000)
    ax.plot(g, s.predict(g[:, None]), "-", label=f"sparsest fit ({s.n_knots_} knots)")
    ax.plot(s.knots_, s.predict(np.asarray(s.knots_)[:, None]), "kx", label="knots")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title("TV(f″)-penalised fit, λ = 0.02")
    fig.tight_layout()
    p1 = out / "splines_tv2.png"
    fig.savefig(p1, dpi=110)
    plt.close(fig)
    figures.append((str(p1), f"A sparsest TV(f″)-penalised fit (line) of {n1} noisy samples of sin(2πx) (dots): "
                             "a piecewise-linear spline whose knots (crosses) are few; look for a fit that follows "
                             "the sine with straight pieces and no knot at every data point."))
    checks.append(bound_check("tv2 duality gap", s.duality_gap_, 1e-8 * max(1, s.objective_),
                              oracle="the dual certificate of the exact solver",
                              reason="exact active-set solver: gap at rounding level relative to the objective",
                              time=t1))
    # bivariate
    n2 = 30 if quick else 60
    X = rng.uniform(-1, 1, (n2, 2))
    y2 = np.maximum(X[:, 0] + X[:, 1], 0) - np.abs(X[:, 0] - 0.3) + 0.05 * rng.standard_normal(n2)
    lam = 0.01
    status(f"certified 2-D ridge spline (RidgeSplineRegressor), N = {n2}, working set and full program")
    t0 = time.perf_counter()
    est = RidgeSplineRegressor(lam=lam, solver="working_set").fit(X, y2)
    t2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    full = RidgeSplineRegressor(lam=lam, solver="full").fit(X, y2)
    t3 = time.perf_counter() - t0
    c = est.certificate_
    sup, exact = _sup_and_exact(c)
    checks.append(bound_check(
        "2-D dual certificate: sup over neurons of |η|", sup, 1.0, slack=1e-6,
        oracle="optimality condition of the RTV² problem (sup ≤ 1)",
        reason="computed exactly over the arrangement of the data; 1e-6 absorbs the solver's tolerance",
        time=t2, note="exact sup over the arrangement" if exact else "sampled sup"))
    checks.append(bound_check(
        f"2-D number of neurons (N = {n2} data points)", est.n_neurons_, n2 - 3,
        oracle="representer theorem: a solution with at most N − (d + 1) neurons", reason="a theorem", time=t2))
    checks.append(bound_check("2-D duality gap", est.duality_gap_, 1e-6 * max(1, est.objective_),
                              oracle="the exact dual certificate",
                              reason="solver stopping tolerance 1e-6 relative to the objective", time=t2))
    checks.append(tolerance_check(
        "2-D working-set solver: objective", est.objective_, full.objective_, 1e-6, error="rel",
        oracle="the full pattern program (all activation patterns, independent solve)",
        reason="both solved to relative gap 1e-6", time=t3))
    G0, G1 = np.meshgrid(np.linspace(-1, 1, 150), np.linspace(-1, 1, 150))
    F = est.predict(np.column_stack([G0.ravel(), G1.ravel()])).reshape(G0.shape)
    fig, ax = plt.subplots(figsize=(6, 5))
    vmax = float(max(np.abs(F).max(), np.abs(y2).max()))
    levels = np.linspace(-vmax, vmax, 31)
    cs = ax.contourf(G0, G1, F, levels, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    fig.colorbar(cs, ax=ax, label="f(x) (fitted value; 0 at white)", format="%.2g")
    ax.scatter(X[:, 0], X[:, 1], c=y2, cmap="RdBu_r", vmin=-vmax, vmax=vmax, edgecolors="k", s=20)
    W, b = est.network_.W, est.network_.b
    for w, bb in zip(W, b):        # neuron hyperplanes wᵀx = b
        if abs(w[1]) > abs(w[0]):
            xs = np.array([-1, 1.0])
            ax.plot(xs, (bb - w[0] * xs) / w[1], "k-", lw=0.6, alpha=0.6)
        else:
            ys = np.array([-1, 1.0])
            ax.plot((bb - w[1] * ys) / w[0], ys, "k-", lw=0.6, alpha=0.6)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(f"RTV² fit: {est.n_neurons_} neurons (bound N − 3 = {n2 - 3}), sup |η| {sup:.6f}", fontsize=10)
    fig.tight_layout()
    p2 = out / "splines_ridge2d.png"
    fig.savefig(p2, dpi=110)
    plt.close(fig)
    figures.append((str(p2), f"The certified RTV²-penalised fit of {n2} points in the square (colour: fitted "
                             "value, blue negative, red positive, white zero; dots: the data in the same colours) "
                             "with each neuron's hyperplane wᵀx = b (grey lines). Look for: few lines (at most "
                             "N − 3), and dots whose colour matches the background."))
    return {"title": "Representer theorems: sparsest TV(f″) splines and certified RTV² ridge splines",
            "figures": figures, "checks": checks}
