"""Vector-valued variation spaces (arXiv 2305.16534) and multivariate nonlinearities
(arXiv 2310.03696): width bounds, convex layer compression, multi-index recovery.

Three experiments, each with checks against an independent reference:

* **Width bound.** The layer-wise problem min Σᵢ‖vᵢ‖₂ s.t. ΦV = Y on random data (the
  authors' notebook set-up, nets.md §2: K = 500 neurons, D = 10 outputs, N ∈ {10, …, 40};
  a multi-task lasso at α = 10⁻³α_max): histograms of the number of active neurons with
  reference lines at N and N·D (the Carathéodory bound rank(Φ)·D, [derived]), and the
  rank experiment (N = 20, K = 200, rank(Φ) = r) with lines at r and r·D.
* **Compression.** The output layer of an MLP trained on scikit-learn's digits re-solved
  by :func:`splines.compress_layer` at 5 % relative output error: widths and test
  accuracy before/after.
* **Multi-index recovery.** f(x) = ‖Θ₀ᵀx − t₀‖ + noise in d = 5, n = 2, fitted by
  :class:`splines.KPlaneRegressor` with the norm profile: the distance of the recovered
  frame to Θ₀ (sines of the principal angles).

Plus the anchor checks of issue 6: the multi-task lasso objective against scikit-learn's
``MultiTaskLasso`` and the thin-plate spline against scipy's ``RBFInterpolator``.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

TITLE = "Vector-valued variation spaces and multivariate nonlinearities (arXiv 2305.16534, 2310.03696)"


def _row(name, value, reference, error, tolerance, t, note=""):
    return {"name": name, "value": value, "reference": reference, "error": float(error),
            "tolerance": float(tolerance), "passed": bool(error <= tolerance), "time": float(t),
            "note": note}


def _anchors(checks):
    from scipy.interpolate import RBFInterpolator
    from sklearn.linear_model import MultiTaskLasso

    from ridgekit.splines.multitask import alpha_max, multitask_lasso, multitask_lasso_objective
    from ridgekit.splines.polyharmonic import PolyharmonicSpline

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    X = rng.standard_normal((100, 60))
    B0 = np.zeros((60, 5))
    B0[:6] = rng.standard_normal((6, 5))
    Y = X @ B0 + 0.1 * rng.standard_normal((100, 5))
    a = 0.05 * alpha_max(X, Y, fit_intercept=True)
    ours = multitask_lasso(X, Y, a, fit_intercept=True, tol=1e-12)
    sk = MultiTaskLasso(alpha=a, tol=1e-12, max_iter=100_000).fit(X, Y)
    ref = multitask_lasso_objective(X, Y, sk.coef_.T, a, sk.intercept_)
    checks.append(_row("multi-task lasso objective vs scikit-learn MultiTaskLasso", ours.objective, ref,
                       abs(ours.objective - ref) / ref, 1e-8, time.perf_counter() - t0,
                       "relative; same scaling 1/(2N)‖·‖² + α Σ‖B_j‖"))
    t0 = time.perf_counter()
    Xs = rng.uniform(-1, 1, (300, 2))
    ys = np.sin(3 * Xs[:, 0]) * Xs[:, 1]
    Xt = rng.uniform(-1, 1, (200, 2))
    a_, b_ = PolyharmonicSpline().fit(Xs, ys).predict(Xt), RBFInterpolator(Xs, ys)(Xt)
    err = float(np.abs(a_ - b_).max() / np.abs(b_).max())
    checks.append(_row("thin-plate spline vs scipy RBFInterpolator (d = 2)", float(a_[0]), float(b_[0]), err, 1e-8,
                       time.perf_counter() - t0, "max relative difference on 200 test points"))


def _width(checks, quick, plt, out):
    from ridgekit.splines.vv import width_bound_experiment

    Ns = (5, 10, 15) if quick else (10, 20, 30, 40)
    ranks = (2, 5, 10) if quick else (2, 5, 10, 20)
    K, D = (200, 10) if quick else (500, 10)
    trials = 4 if quick else 20
    ncol = max(len(Ns), len(ranks))
    fig, axes = plt.subplots(2, ncol, figsize=(3.2 * ncol, 5.8))
    t0 = time.perf_counter()
    worst = 0.0
    for ax, N in zip(axes[0], Ns):
        res = width_bound_experiment(N, K=K, D=D, n_trials=trials, rng=N)
        worst = max(worst, float(np.max(res["active"] / res["bound"])))
        ax.hist(res["active"], bins=np.arange(0, N * D + 2, max(1, N * D // 25)), color="C0")
        ax.axvline(N, color="k", ls="--", label="N")
        ax.axvline(N * D, color="C3", ls="-", label="N·D")
        ax.set_title(f"N = {N}, K = {K}, D = {D}")
        ax.set_xlabel("active neurons")
    # the rank experiment: N = 20, K = 200, rank(Φ) = r: lines at r and r·D
    Nr = 20
    for ax, r in zip(axes[1], ranks):
        res = width_bound_experiment(Nr, K=200, D=D, rank=r, n_trials=trials, rng=100 + r)
        worst = max(worst, float(np.max(res["active"] / res["bound"])))
        ax.hist(res["active"], bins=np.arange(0, r * D + 2, max(1, r * D // 25)), color="C2")
        ax.axvline(r, color="k", ls="--", label="rank Φ")
        ax.axvline(r * D, color="C3", ls="-", label="rank Φ · D")
        ax.set_title(f"N = {Nr}, K = 200, rank Φ = {r}")
        ax.set_xlabel("active neurons")
    for row in axes:
        row[0].set_ylabel("trials")
        row[0].legend(fontsize=8)
        for ax in row[len(Ns) if row is axes[0] else len(ranks):]:
            ax.axis("off")
    fig.tight_layout()
    path = out / "vv_width_bound.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    checks.append(_row("active neurons ≤ rank(Φ)·D on random data (max ratio)", worst, 1.0, max(0.0, worst - 1.0),
                       0.0, time.perf_counter() - t0,
                       f"N in {Ns}; rank(Φ) in {ranks} at N = {Nr}; {trials} trials each"))
    return path


def _digits(checks, quick, plt, out):
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from ridgekit.splines.compress import compress_layer

    t0 = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16, y, test_size=0.3, random_state=0)
    hidden = 64 if quick else 128
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=1e-3, max_iter=150 if quick else 400,
                            random_state=0).fit(Xtr, ytr)
    hid = lambda Z: np.maximum(Z @ mlp.coefs_[0] + mlp.intercepts_[0], 0)
    H, Hte = hid(Xtr), hid(Xte)
    out_tr = H @ mlp.coefs_[1] + mlp.intercepts_[1]
    rtol = 0.05
    c = compress_layer(H, out_tr, rtol=rtol, bias=mlp.intercepts_[1], weights=mlp.coefs_[1].T, tol=1e-6)
    acc0 = float(mlp.score(Xte, yte))
    acc1 = float(np.mean(np.argmax(Hte @ c.coef + c.intercept, 1) == yte))
    dt = time.perf_counter() - t0
    checks.append(_row(f"digits MLP: output error after compression {c.n_before} → {c.n_after} neurons",
                       c.relative_error, rtol, max(0.0, c.relative_error - rtol), 0.0, dt,
                       "relative Frobenius error on the training data ≤ rtol"))
    checks.append(_row(f"digits MLP: test accuracy after ({acc1:.4f}) vs before ({acc0:.4f})", acc1, acc0,
                       max(0.0, acc0 - acc1), 0.02, dt, f"width {c.n_before} → {c.n_after}"))
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.semilogy(np.sort(np.linalg.norm(mlp.coefs_[1], axis=1))[::-1], "o-", ms=3, label=f"trained ({c.n_before})")
    kept = np.sort(np.linalg.norm(c.coef, axis=1))[::-1]
    ax.semilogy(np.arange(c.n_after), kept[:c.n_after], "s-", ms=3, label=f"compressed ({c.n_after})")
    ax.set_xlabel("neuron (sorted)")
    ax.set_ylabel("‖outgoing weights‖₂")
    ax.set_title(f"digits: accuracy {acc0:.3f} → {acc1:.3f}")
    ax.legend()
    fig.tight_layout()
    path = out / "vv_digits_compression.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _multi_index(checks, quick, plt, out):
    from ridgekit.kplane.stiefel import stiefel_sample
    from ridgekit.splines.kplane_regressor import KPlaneRegressor, frame_distance

    t0 = time.perf_counter()
    rng = np.random.default_rng(5)
    d, n, N = 5, 2, (250 if quick else 500)
    Th0 = stiefel_sample(d, n, 1, rng=rng)[0]
    t_0 = np.array([0.3, -0.2])
    X = rng.standard_normal((N, d))
    f = lambda Z: np.linalg.norm(Z @ Th0 - t_0, axis=1)
    y = f(X) + 0.05 * rng.standard_normal(N)
    est = KPlaneRegressor(alpha=1e-2, n=n, profile="norm", max_atoms=3 if quick else 6,
                          n_candidates=1000 if quick else 3000, rng=1).fit(X, y)
    i = int(np.argmax(np.abs(est.coef_[:, 0])))
    dist = frame_distance(est.frames_[i], Th0)
    dt = time.perf_counter() - t0
    checks.append(_row(f"multi-index ‖Θ₀ᵀx − t₀‖, d = 5, n = 2: frame distance ({est.n_atoms_} atoms, "
                       f"gap {est.duality_gap_:.2e})", dist, 0.0, dist, 0.05, dt,
                       "‖Θ̂Θ̂ᵀ − Θ₀Θ₀ᵀ‖_F/√2, noise 0.05"))
    Xt = rng.standard_normal((300, d))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    h = est.history_
    axes[0].semilogy([r["iteration"] for r in h], [r["certificate"] for r in h], "o-", label="max η (certificate)")
    axes[0].axhline(1, color="k", ls="--")
    axes[0].set_xlabel("conditional-gradient iteration")
    axes[0].legend()
    axes[1].plot(f(Xt), est.predict(Xt), ".", ms=3)
    axes[1].plot([0, f(Xt).max()], [0, f(Xt).max()], "k--", lw=1)
    axes[1].set_xlabel("true f (test)")
    axes[1].set_ylabel("fitted")
    axes[1].set_title(f"frame distance {dist:.3f}")
    fig.tight_layout()
    path = out / "vv_multi_index.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run(out_dir, quick=True) -> dict:
    """Width-bound histograms, digits compression and multi-index recovery; returns the dict
    described in :mod:`ridgekit.gallery`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    checks = []
    _anchors(checks)
    figures = [_width(checks, quick, plt, out), _digits(checks, quick, plt, out),
               _multi_index(checks, quick, plt, out)]
    return {"title": TITLE, "figures": [str(p) for p in figures], "checks": checks}
