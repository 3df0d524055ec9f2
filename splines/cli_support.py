"""Back end of ``ridgekit fit DATA.csv --lam 1e-3 -o model.npz`` (the lead wires the CLI).

CSV layout: numeric columns, the last one is y, the others are x (a header line is
skipped if it is not numeric).  d = 1 is solved exactly by :func:`splines.tv2.fit_tv2`;
d > 1 by :class:`splines.ridge.RidgeSplineRegressor` (certified; plot for d = 2).
"""

from __future__ import annotations

import numpy as np

from ridgekit._validation import as_float_array, check_positive

__all__ = ["fit_csv"]


def _read_csv(path):
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    try:
        [float(v) for v in first.replace(";", ",").split(",") if v.strip()]
        skip = 0
    except ValueError:
        skip = 1
    data = np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2)
    data = as_float_array(data, f"data in {path}", ndim=2)
    if data.shape[1] < 2:
        raise ValueError(f"{path} must have at least two columns (x..., y), got {data.shape[1]}")
    return data[:, :-1], data[:, -1]


def fit_csv(path, lam, out, *, plot=True) -> dict:
    """Fit the RTV²-penalised problem to a CSV file, save the network, print a summary.

    Parameters
    ----------
    path : str
        CSV file (columns x₁..x_d, y).
    lam : float
        λ ≥ 0 of ½Σ(f(xᵢ) − yᵢ)² + λ RTV²(f).
    out : str
        Output model path (``ShallowNetwork.save``); a PNG plot is written next to it
        (same stem, ``.png``) for d = 1.

    Returns
    -------
    dict with keys objective, neurons, duality_gap, model, plot (path or None).
    """
    lam = check_positive(lam, "lam", strict=False)
    X, y = _read_csv(path)
    if X.shape[1] != 1:
        return _fit_multivariate(X, y, lam, out, plot)
    from .tv2 import fit_tv2
    s = fit_tv2(X[:, 0], y, lam)
    s.network_.save(out)
    png = None
    if plot:
        import os

        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        png = os.path.splitext(str(out))[0] + ".png"
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(X[:, 0], y, ".", ms=3, label="data")
        grid = np.linspace(X.min(), X.max(), 2000)
        ax.plot(grid, s.predict(grid), "-", label=f"fit ({s.n_knots_} knots)")
        ax.plot(s.knots_, s.predict(s.knots_), "kx", label="knots")
        ax.legend()
        fig.savefig(png, dpi=120)
        plt.close(fig)
    print(f"objective {s.objective_:.10g}  neurons {s.n_knots_}  duality gap {s.duality_gap_:.3g}")
    return {"objective": s.objective_, "neurons": s.n_knots_, "duality_gap": s.duality_gap_,
            "model": str(out), "plot": png}


def _fit_multivariate(X, y, lam, out, plot):
    from .ridge import RidgeSplineRegressor
    est = RidgeSplineRegressor(lam=lam).fit(X, y)
    est.network_.save(out)
    png = None
    if plot and X.shape[1] == 2:
        import os

        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        png = os.path.splitext(str(out))[0] + ".png"
        g0 = np.linspace(X[:, 0].min(), X[:, 0].max(), 120)
        g1 = np.linspace(X[:, 1].min(), X[:, 1].max(), 120)
        G0, G1 = np.meshgrid(g0, g1)
        F = est.predict(np.column_stack([G0.ravel(), G1.ravel()])).reshape(G0.shape)
        fig, ax = plt.subplots(figsize=(6, 5))
        cs = ax.contourf(G0, G1, F, 30)
        fig.colorbar(cs, ax=ax)
        ax.scatter(X[:, 0], X[:, 1], c=y, edgecolors="k", s=18)
        ax.set_title(f"RTV² fit: {est.n_neurons_} neurons, gap {est.duality_gap_:.2g}")
        fig.savefig(png, dpi=120)
        plt.close(fig)
    c = est.certificate_
    print(f"objective {est.objective_:.10g}  neurons {est.n_neurons_}  duality gap {est.duality_gap_:.3g}  "
          f"certificate sup {c['sup_norm']:.6g} ({'exact' if c['exact'] else 'sampled'})")
    return {"objective": est.objective_, "neurons": est.n_neurons_, "duality_gap": est.duality_gap_,
            "model": str(out), "plot": png, "certificate": c}
