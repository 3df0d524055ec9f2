"""Back end of ``ridgekit fit DATA.csv --lam 1e-3 -o model.npz``.

CSV layout: numeric columns separated by commas (or semicolons), the last one is y, the
others are x; a first line that is not numeric is a header and is skipped.  d = 1 is
solved exactly by :func:`ridgekit.splines.tv2.fit_tv2`; d > 1 by
:class:`ridgekit.splines.ridge.RidgeSplineRegressor` (certified; plot for d = 2).

A malformed file is refused before any fitting with a :class:`CSVError` (a ValueError)
naming the file and, for a cell that is not a number or a row of the wrong length, its
1-based row and column.
"""

from __future__ import annotations

import math

import numpy as np

from ridgekit._validation import check_positive
from ridgekit.progress import active, status

__all__ = ["fit_csv", "read_csv", "CSVError"]


class CSVError(ValueError):
    """A CSV file that cannot be read as numeric columns (x₁..x_d, y)."""


def read_csv(path):
    r"""``(X, y)`` from a CSV file of numeric columns, the last being y.

    Raises
    ------
    CSVError
        Empty file, header only, fewer than two columns, rows of different lengths, a cell
        that is not a finite number (with its 1-based row and column).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("x,y\n0,1\n1,oops\n")
    >>> try:
    ...     read_csv(p)
    ... except CSVError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    row 3, column 2: 'oops' is not a number
    """
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except UnicodeDecodeError:
        raise CSVError(f"{path}: not a text (UTF-8) CSV file") from None
    rows = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise CSVError(f"{path}: the file is empty (expected columns x1..xd, y)")

    def cells(line):
        return [c.strip() for c in line.replace(";", ",").split(",")]

    def numeric(cs):
        try:
            [float(c) for c in cs]
        except ValueError:
            return False
        return True

    first_no, first = rows[0]
    if not numeric(cells(first)):
        rows = rows[1:]
    if not rows:
        raise CSVError(f"{path}: only a header line, no data rows")
    width = len(cells(rows[0][1]))
    if width < 2:
        raise CSVError(f"{path}: row {rows[0][0]} has {width} column; at least two are needed (x1..xd, y)")
    data = np.empty((len(rows), width))
    for k, (no, line) in enumerate(rows):
        cs = cells(line)
        if len(cs) != width:
            raise CSVError(f"{path}: row {no} has {len(cs)} columns, row {rows[0][0]} has {width}")
        for j, c in enumerate(cs):
            try:
                v = float(c)
            except ValueError:
                raise CSVError(f"{path}: row {no}, column {j + 1}: {c!r} is not a number") from None
            if not math.isfinite(v):
                raise CSVError(f"{path}: row {no}, column {j + 1}: {c!r} is not finite")
            data[k, j] = v
    return data[:, :-1], data[:, -1]


def fit_csv(path, lam, out, *, plot=True) -> dict:
    """Fit the RTV²-penalised problem to a CSV file, save the network, print a summary.

    Parameters
    ----------
    path : str
        CSV file (columns x₁..x_d, y), read by :func:`read_csv`.
    lam : float
        λ ≥ 0 of ½Σ(f(xᵢ) − yᵢ)² + λ RTV²(f).
    out : str
        Output model path (``ShallowNetwork.save``); a PNG plot is written next to it
        (same stem, ``.png``) for d = 1 and d = 2.
    plot : bool

    Returns
    -------
    dict with keys objective, neurons, duality_gap, model, plot (path or None).
    """
    lam = check_positive(lam, "lam", strict=False)
    X, y = read_csv(path)
    if X.shape[0] < 2 and X.shape[1] > 1:
        raise CSVError(f"{path}: {X.shape[0]} data row; at least two are needed")
    status(f"fitting {X.shape[0]} points in d = {X.shape[1]} (λ = {lam:g})")
    if X.shape[1] != 1:
        return _fit_multivariate(X, y, lam, out, plot)
    from .tv2 import fit_tv2

    s = fit_tv2(X[:, 0], y, lam, progress=active())
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
        lo, hi = float(X.min()), float(X.max())
        grid = np.linspace(lo, hi, 2000) if hi > lo else np.array([lo])
        ax.plot(grid, s.predict(grid[:, None]), "-", label=f"fit ({s.n_knots_} knots)")
        knots = np.asarray(s.knots_, dtype=float)
        if knots.size:
            ax.plot(knots, s.predict(knots[:, None]), "kx", label="knots")
        ax.set_xlabel("x (first CSV column)")
        ax.set_ylabel("y (last CSV column)")
        ax.set_title(f"sparsest TV(f″) fit, λ = {lam:g}")
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
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
        vmax = float(max(np.abs(F).max(), np.abs(y).max())) or 1.0
        levels = np.linspace(-vmax, vmax, 31)
        cs = ax.contourf(G0, G1, F, levels, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        fig.colorbar(cs, ax=ax, label="fitted f(x) (0 at white)", format="%.2g")
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=-vmax, vmax=vmax, edgecolors="k", s=18)
        ax.set_xlabel("x₁ (first CSV column)")
        ax.set_ylabel("x₂ (second CSV column)")
        ax.set_title(f"RTV² fit: {est.n_neurons_} neurons, gap {est.duality_gap_:.2g}")
        fig.tight_layout()
        fig.savefig(png, dpi=120)
        plt.close(fig)
    c = est.certificate_
    if isinstance(c, dict):
        sup, exact = c["sup_norm"], c["exact"]
    else:
        sup, exact = c.dual_sup, c.covers == "global"
    print(f"objective {est.objective_:.10g}  neurons {est.n_neurons_}  duality gap {est.duality_gap_:.3g}  "
          f"certificate sup {sup:.6g} ({'exact' if exact else 'sampled'})")
    return {"objective": est.objective_, "neurons": est.n_neurons_, "duality_gap": est.duality_gap_,
            "model": str(out), "plot": png, "certificate": c}
