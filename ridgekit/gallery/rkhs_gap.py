"""Gaussian R-norms across dimensions and the Gaussian-RKHS gap (arXiv 2502.16331).

Two parts, each a check of an independent computation against a closed form:

* the Radon-domain TV (R-norm) of the Gaussian e^{−|x|²/2} for d = 1..5: the closed form
  :func:`radon.norms.rtv_gaussian` (checked against mpmath in the tests) against the grid
  computation :func:`radon.rtv_seminorm` (Radon transform of (−Δ)^{(d+1)/2} f);
* the gap: sums f_N = Σ_{j≤N} (1/j) k(· − x_j) of well-separated Gaussian bumps have
  Gaussian-RKHS norms below a fixed bound while their R-norms grow like the harmonic
  number H_N (construction of transforms.md §4.3 — the paper's own construction could not
  be read: [unverified construction]; what is checked is mathematically true of it).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

TITLE = "Gaussian R-norms across d, and the Gaussian-RKHS gap (arXiv 2502.16331)"

# grid per d for the grid computation: (box side, points per axis); errors ~1e-3 (tests)
_GRIDS = {1: (20.0, 400), 2: (24.0, 160), 3: (12.0, 48), 4: (12.0, 24), 5: (12.0, 20)}
_QUICK = {1: (20.0, 400), 2: (24.0, 128), 3: (12.0, 40), 4: (12.0, 24), 5: (12.0, 20)}


def _row(name, value, reference, error, tolerance, t, note=""):
    return {"name": name, "value": value, "reference": reference, "error": float(error),
            "tolerance": float(tolerance), "passed": bool(error <= tolerance), "time": float(t),
            "note": note}


def run(out_dir, quick=True) -> dict:
    """Norm table across d (closed form vs grid) and the RKHS-gap figure; returns the dict
    described in :mod:`ridgekit.gallery`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ridgekit.nets.rkhs import plot_rkhs_gap, rkhs_gap_table
    from ridgekit.radon import rtv_gaussian, rtv_seminorm

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    checks, rows = [], []
    grids = _QUICK if quick else _GRIDS
    for d, (L, N) in grids.items():
        t0 = time.perf_counter()
        h = L / N
        ax = (np.arange(N) + 0.5 - N / 2) * h
        X = np.meshgrid(*([ax] * d), indexing="ij")
        f = np.exp(-sum(x * x for x in X) / 2)
        del X
        grid = rtv_seminorm(f, spacing=h, n_directions=8)
        exact = rtv_gaussian(d)
        err = abs(grid / exact - 1)
        dt = time.perf_counter() - t0
        rows.append([d, exact, grid, err, f"{N}^{d}", dt])
        tol = 2e-2 if quick else 5e-3
        checks.append(_row(f"R-norm of e^(-|x|^2/2), d = {d}: grid vs closed form", grid, exact, err, tol, dt,
                           "relative error; radial function, 8 directions suffice"))
    t0 = time.perf_counter()
    Ns = (1, 2, 4, 8, 16) if quick else (1, 2, 4, 8, 16, 32, 64)
    tab = rkhs_gap_table(Ns, spacing=20.0)
    dt = time.perf_counter() - t0
    checks.append(_row("RKHS norms of f_N stay below the Gershgorin bound", float(tab["rkhs_norm"].max()),
                       float(tab["rkhs_bound"]), max(0.0, float(tab["rkhs_norm"].max() - tab["rkhs_bound"])),
                       0.0, dt, "bounded sequence in the Gaussian RKHS"))
    rel = float(np.max(np.abs(tab["rtv"] / tab["rtv_upper"] - 1)))
    checks.append(_row("R-norm of f_N equals H_N·‖k‖_R (separated bumps add up)", float(tab["rtv"][-1]),
                       float(tab["rtv_upper"][-1]), rel, 1e-6, dt, "grows like log N: unbounded"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ds = [r[0] for r in rows]
    axes[0].semilogy(ds, [r[1] for r in rows], "o-", label="closed form")
    axes[0].semilogy(ds, [r[2] for r in rows], "x--", label="grid (rtv_seminorm)")
    axes[0].set_xlabel("d")
    axes[0].set_ylabel("R-norm of exp(-|x|²/2)")
    axes[0].legend()
    plot_rkhs_gap(axes[1], table=tab)
    fig.tight_layout()
    path = out / "rkhs_gap.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    table = {"title": "R-norm of the Gaussian e^(-|x|²/2)",
             "header": ["d", "closed form", "grid", "rel. error", "grid size", "time [s]"], "rows": rows}
    return {"title": TITLE, "figures": [(str(path), "Gaussian R-norms across d; RKHS gap")],
            "checks": checks, "tables": [table]}
