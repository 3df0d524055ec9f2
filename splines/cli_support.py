"""Back end of ``ridgekit fit DATA.csv --lam 1e-3 -o model.npz`` (the lead wires the CLI).

CSV layout: numeric columns, the last one is y, the others are x (a header line is
skipped if it is not numeric).  d = 1 is solved exactly by :func:`splines.tv2.fit_tv2`;
d > 1 needs ``RidgeSplineRegressor`` (issue 5, not yet implemented).
"""

from __future__ import annotations

import numpy as np

from kplane._validation import as_float_array, check_positive

__all__ = ["fit_csv"]


def _read_csv(path):
    with open(path, "r", encoding="utf-8") as fh:
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
        raise NotImplementedError(f"fit_csv: d = {X.shape[1]} needs RidgeSplineRegressor, which is not "
                                  "implemented yet (issue 5); only d = 1 is supported")
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
