"""Vector-valued variation spaces (arXiv 2305.16534) and multivariate nonlinearities
(arXiv 2310.03696): width bounds, convex layer compression, multi-index recovery.

Three experiments, each with checks against an independent reference:

* **Width bound.** The layer-wise problem min Σᵢ‖vᵢ‖₂ s.t. ΦV = Y on random data (the
  authors' notebook set-up: K = 500 neurons, D = 10 outputs, N ∈ {10, …, 40};
  a multi-task lasso at α = 10⁻³α_max): histograms of the number of active neurons with
  reference lines at N and N·D (the Carathéodory bound rank(Φ)·D, [derived]), and the
  rank experiment (N = 20, K = 200, rank(Φ) = r) with lines at r and r·D.
* **Compression.** The output layer of an MLP trained on scikit-learn's digits re-solved
  by :func:`splines.compress_layer` at 5 % relative output error: widths and test
  accuracy before/after.
* **Multi-index recovery.** f(x) = ‖Θ₀ᵀx − t₀‖ + noise in d = 5, n = 2, fitted by
  :class:`splines.KPlaneRegressor` with the norm profile: the distance of the recovered
  frame to Θ₀ (sines of the principal angles).

Plus two anchor checks: the multi-task lasso objective against scikit-learn's
``MultiTaskLasso`` and the thin-plate spline against scipy's ``RBFInterpolator``.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path

import numpy as np

from ridgekit.checks import bound_check, tolerance_check
from ridgekit.progress import status

TITLE = "Vector-valued variation spaces and multivariate nonlinearities (arXiv 2305.16534, 2310.03696)"


def _anchors(checks):
    from scipy.interpolate import RBFInterpolator
    from sklearn.linear_model import MultiTaskLasso

    from ridgekit.splines.multitask import alpha_max, multitask_lasso, multitask_lasso_objective
    from ridgekit.splines.polyharmonic import PolyharmonicSpline

    rng = np.random.default_rng(0)
    status("anchors: multi-task lasso vs scikit-learn, thin-plate spline vs scipy")
    t0 = time.perf_counter()
    X = rng.standard_normal((100, 60))
    B0 = np.zeros((60, 5))
    B0[:6] = rng.standard_normal((6, 5))
    Y = X @ B0 + 0.1 * rng.standard_normal((100, 5))
    a = 0.05 * alpha_max(X, Y, fit_intercept=True)
    ours = multitask_lasso(X, Y, a, fit_intercept=True, tol=1e-12)
    sk = MultiTaskLasso(alpha=a, tol=1e-12, max_iter=100_000).fit(X, Y)
    ref = multitask_lasso_objective(X, Y, sk.coef_.T, a, sk.intercept_)
    checks.append(tolerance_check(
        "multi-task lasso objective", ours.objective, ref, 1e-8, error="rel",
        oracle="scikit-learn MultiTaskLasso's solution, scored by the same objective 1/(2N)‖·‖² + α Σ‖B_j‖",
        reason="both solved to tol 1e-12; the objective is flat at the optimum, so 1e-8 is far above rounding",
        time=time.perf_counter() - t0))
    t0 = time.perf_counter()
    Xs = rng.uniform(-1, 1, (300, 2))
    ys = np.sin(3 * Xs[:, 0]) * Xs[:, 1]
    Xt = rng.uniform(-1, 1, (200, 2))
    a_, b_ = PolyharmonicSpline().fit(Xs, ys).predict(Xt), RBFInterpolator(Xs, ys)(Xt)
    err = float(np.abs(a_ - b_).max() / np.abs(b_).max())
    checks.append(bound_check(
        "thin-plate spline (d = 2): max difference on 200 test points / max |f|", err, 1e-8,
        oracle="scipy RBFInterpolator (the same interpolation problem)",
        reason="both solve the same linear system: agreement to its conditioning times rounding",
        domain=(0.0, math.inf), time=time.perf_counter() - t0))


def width_tasks(quick=True):
    """The width-bound experiment as sweep tasks: keyword arguments of
    :func:`ridgekit.splines.vv.width_bound_experiment`, one per panel (N = data points, then
    the rank experiment at N = 20, K = 200), each with its own seed (``rng = N``, resp.
    ``100 + rank``), so a task's result does not depend on where or in which order it runs."""
    Ns = (5, 10, 15) if quick else (10, 20, 30, 40)
    ranks = (2, 5, 10) if quick else (2, 5, 10, 20)
    K, D = (200, 10) if quick else (500, 10)
    trials = 4 if quick else 20
    return ([dict(N=N, K=K, D=D, rank=None, n_trials=trials, rng=N) for N in Ns]
            + [dict(N=20, K=200, D=D, rank=r, n_trials=trials, rng=100 + r) for r in ranks])


def _width(checks, quick, plt, out, *, scheduler=None, n_jobs=1, show_progress=False):
    from ridgekit.splines.vv import width_bound_experiment
    from ridgekit.sweep import run_sweep

    tasks = width_tasks(quick)
    Ns = tuple(t["N"] for t in tasks if t["rank"] is None)
    ranks = tuple(t["rank"] for t in tasks if t["rank"] is not None)
    K, D, trials = tasks[0]["K"], tasks[0]["D"], tasks[0]["n_trials"]
    ncol = max(len(Ns), len(ranks))
    fig, axes = plt.subplots(2, ncol, figsize=(3.2 * ncol, 5.8))
    t0 = time.perf_counter()
    status(f"width bound: {len(tasks)} panels of {trials} trials (sweep)")
    # one store per size (a store of another sweep definition is refused)
    results = run_sweep(width_bound_experiment, tasks, out / f"vv_width_sweep-{'quick' if quick else 'full'}",
                        scheduler=scheduler, n_jobs=n_jobs, progress=show_progress, desc="width bound")
    results = [{k: np.asarray(v) for k, v in r.items()} for r in results]
    worst = 0.0
    for ax, N, res in zip(axes[0], Ns, results[:len(Ns)]):
        worst = max(worst, float(np.max(res["active"] / res["bound"])))
        ax.hist(res["active"], bins=np.arange(0, N * D + 2, max(1, N * D // 25)), color="C0")
        ax.axvline(N, color="k", ls="--", label="N")
        ax.axvline(N * D, color="C3", ls="-", label="N·D")
        ax.set_title(f"N = {N}, K = {K}, D = {D}")
        ax.set_xlabel("active neurons")
    # the rank experiment: N = 20, K = 200, rank(Φ) = r: lines at r and r·D
    Nr = 20
    for ax, r, res in zip(axes[1], ranks, results[len(Ns):]):
        worst = max(worst, float(np.max(res["active"] / res["bound"])))
        ax.hist(res["active"], bins=np.arange(0, r * D + 2, max(1, r * D // 25)), color="C2")
        ax.axvline(r, color="k", ls="--", label="rank Φ")
        ax.axvline(r * D, color="C3", ls="-", label="rank Φ · D")
        ax.set_title(f"N = {Nr}, K = 200, rank Φ = {r}")
        ax.set_xlabel("active neurons")
    from matplotlib.ticker import MaxNLocator

    for row in axes:
        row[0].set_ylabel("trials (count)")
        row[0].legend(fontsize=8)
        for ax in row:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        for ax in row[len(Ns) if row is axes[0] else len(ranks):]:
            ax.axis("off")
    fig.tight_layout()
    path = out / "vv_width_bound.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    checks.append(bound_check(
        "active neurons / (rank(Φ)·D) on random data, largest over all trials", worst, 1.0,
        oracle="Carathéodory bound: a solution with at most rank(Φ)·D active neurons [derived]",
        reason="a theorem about the solution the multi-task lasso returns (a vertex)",
        time=time.perf_counter() - t0, note=f"N in {Ns}; rank(Φ) in {ranks} at N = {Nr}; {trials} trials each"))
    return path


def _digits(checks, quick, plt, out):
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from ridgekit.splines.compress import compress_layer

    status("digits: training an MLP, then compressing its output layer")
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
    checks.append(bound_check(
        f"digits MLP: relative output error after compression {c.n_before} → {c.n_after} neurons",
        c.relative_error, rtol, oracle="the requested rtol of compress_layer",
        reason="compress_layer promises relative Frobenius error ≤ rtol on the training data", time=dt))
    checks.append(bound_check(
        "digits MLP: test accuracy after compression", acc1, acc0 - 0.02, ">=",
        oracle=f"the trained MLP's test accuracy {acc0:.4f}",
        reason="outputs within 5% rarely change the arg max: at most 2 points (≈ 11 of 540 test digits) lost",
        domain=(0.0, 1.0), time=dt, note=f"width {c.n_before} → {c.n_after}"))
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

    status("multi-index recovery with KPlaneRegressor")
    t0 = time.perf_counter()
    rng = np.random.default_rng(5)
    d, n, N = 5, 2, (250 if quick else 500)
    Th0 = stiefel_sample(d, n, 1, rng=rng)[0]
    t_0 = np.array([0.3, -0.2])
    X = rng.standard_normal((N, d))
    f = lambda Z: np.linalg.norm(Z @ Th0 - t_0, axis=1)
    y = f(X) + 0.05 * rng.standard_normal(N)
    est = KPlaneRegressor(alpha=1e-2, n=n, profile="norm", max_atoms=3 if quick else 6,
                          n_candidates=1000 if quick else 3000, random_state=1).fit(X, y)
    i = int(np.argmax(np.abs(est.coef_[:, 0])))
    dist = frame_distance(est.frames_[i], Th0)
    dt = time.perf_counter() - t0
    checks.append(bound_check(
        "multi-index ‖Θ₀ᵀx − t₀‖, d = 5, n = 2: distance of the recovered frame to Θ₀", dist, 0.05,
        oracle="the true frame Θ₀ (distance ‖Θ̂Θ̂ᵀ − Θ₀Θ₀ᵀ‖_F/√2)",
        reason="noise 0.05: the frame is recovered to a few hundredths; 0.05 separates success from a wrong "
               "subspace (distance of order 1)", domain=(0.0, 1.0), time=dt,
        note=f"{est.n_atoms_} atoms, duality gap {est.duality_gap_:.2e}"))
    Xt = rng.standard_normal((300, d))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    h = est.history_
    axes[0].semilogy([r["iteration"] for r in h], [r["certificate"] for r in h], "o-", label="max η (certificate)")
    axes[0].axhline(1, color="k", ls="--")
    axes[0].set_xlabel("conditional-gradient iteration")
    axes[0].set_ylabel("max η (dimensionless)")
    from matplotlib.ticker import MaxNLocator

    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
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


def run(out_dir, quick=True, *, scheduler=None, n_jobs=1, show_progress=False) -> dict:
    """Width-bound histograms, digits compression and multi-index recovery; returns the dict
    described in :mod:`ridgekit.gallery`.

    The width-bound trials run as a resumable sweep (:func:`ridgekit.sweep.run_sweep`, one
    task per panel, results under ``out_dir/vv_width_sweep-SIZE``): locally with ``n_jobs``
    joblib workers, or on the Dask cluster ``scheduler`` (a client or an address);
    ``show_progress`` shows its progress bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    checks = []
    _anchors(checks)
    captions = [
        "Histograms of the number of active neurons of the layer-wise minimum-norm solution over random "
        "trials: top, N data points (dashed: N, solid red: the bound N·D); bottom, N = 20 points with "
        "rank(Φ) = r (dashed: r, solid red: r·D). Look for: every bar left of the red line.",
        "Norms of the outgoing weight vectors of the digits MLP's neurons, sorted, before (circles) and after "
        "(squares) compression of its output layer at 5% relative output error. Look for: far fewer neurons "
        "after, with the test accuracy in the title barely changed.",
        "Left: the certificate max η of the conditional-gradient k-plane fit per iteration (the fit is optimal "
        "when it reaches 1, dashed). Right: fitted against true values of f(x) = ‖Θ₀ᵀx − t₀‖ on test points. "
        "Look for: points on the diagonal, and the frame distance in the title close to 0."]
    figures = [_width(checks, quick, plt, out, scheduler=scheduler, n_jobs=n_jobs, show_progress=show_progress),
               _digits(checks, quick, plt, out),
               _multi_index(checks, quick, plt, out)]
    return {"title": TITLE, "figures": [(str(p), c) for p, c in zip(figures, captions)], "checks": checks}
