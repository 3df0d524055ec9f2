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

__all__ = ["run"]


def _row(name, value, reference, tolerance, t, note=""):
    err = abs(value - reference)
    return {"name": name, "value": float(value), "reference": float(reference), "error": float(err),
            "tolerance": float(tolerance), "passed": bool(err <= tolerance), "time": float(t), "note": note}


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
    t0 = time.perf_counter()
    s3 = fit_tv2([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], 0.1)
    checks.append(_row("tv2 three points: objective = 2λ − 3λ²", s3.objective_, 0.2 - 0.03, 1e-12,
                       time.perf_counter() - t0))
    n1 = 60 if quick else 400
    x = np.sort(rng.uniform(0, 1, n1))
    y = np.sin(2 * np.pi * x) + 0.15 * rng.standard_normal(n1)
    t0 = time.perf_counter()
    s = fit_tv2(x, y, 0.02)
    t1 = time.perf_counter() - t0
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, y, ".", ms=4, label="data")
    g = np.linspace(0, 1, 1000)
    ax.plot(g, s.predict(g), "-", label=f"sparsest fit ({s.n_knots_} knots)")
    ax.plot(s.knots_, s.predict(s.knots_), "kx")
    ax.legend()
    ax.set_title("TV(f″)-penalised fit, λ = 0.02")
    p1 = out / "splines_tv2.png"
    fig.savefig(p1, dpi=110)
    plt.close(fig)
    figures.append(str(p1))
    checks.append(_row("tv2 duality gap", s.duality_gap_, 0.0, 1e-8 * max(1, s.objective_), t1))
    # bivariate
    n2 = 30 if quick else 60
    X = rng.uniform(-1, 1, (n2, 2))
    y2 = np.maximum(X[:, 0] + X[:, 1], 0) - np.abs(X[:, 0] - 0.3) + 0.05 * rng.standard_normal(n2)
    lam = 0.01
    t0 = time.perf_counter()
    est = RidgeSplineRegressor(lam=lam, solver="working_set").fit(X, y2)
    t2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    full = RidgeSplineRegressor(lam=lam, solver="full").fit(X, y2)
    t3 = time.perf_counter() - t0
    c = est.certificate_
    checks.append(_row("2-D certificate sup-norm (exact) ≤ 1", max(c["sup_norm"], 1.0), 1.0, 1e-6, t2,
                       c["verified"]))
    checks.append(_row("2-D neurons ≤ N − 3", min(est.n_neurons_, n2 - 3), est.n_neurons_, 0, t2))
    checks.append(_row("2-D duality gap", est.duality_gap_, 0.0, 1e-6 * max(1, est.objective_), t2))
    checks.append(_row("2-D working set = full program (objective)", est.objective_, full.objective_,
                       1e-6 * full.objective_, t3))
    G0, G1 = np.meshgrid(np.linspace(-1, 1, 150), np.linspace(-1, 1, 150))
    F = est.predict(np.column_stack([G0.ravel(), G1.ravel()])).reshape(G0.shape)
    fig, ax = plt.subplots(figsize=(6, 5))
    cs = ax.contourf(G0, G1, F, 30)
    fig.colorbar(cs, ax=ax)
    ax.scatter(X[:, 0], X[:, 1], c=y2, edgecolors="k", s=20)
    W, b = est.network_.W, est.network_.b
    for w, bb in zip(W, b):        # neuron hyperplanes wᵀx = b
        if abs(w[1]) > abs(w[0]):
            xs = np.array([-1, 1.0])
            ax.plot(xs, (bb - w[0] * xs) / w[1], "w-", lw=0.6)
        else:
            ys = np.array([-1, 1.0])
            ax.plot((bb - w[1] * ys) / w[0], ys, "w-", lw=0.6)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_title(f"RTV² fit: {est.n_neurons_} neurons (≤ {n2 - 3}), sup {c['sup_norm']:.6f}")
    p2 = out / "splines_ridge2d.png"
    fig.savefig(p2, dpi=110)
    plt.close(fig)
    figures.append(str(p2))
    return {"title": "Representer theorems: sparsest TV(f″) splines and certified RTV² ridge splines",
            "figures": figures, "checks": checks}
