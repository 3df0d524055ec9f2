"""Reproduction of arXiv 2405.10229 (random ReLU networks as non-Gaussian processes).

Figures: 1-D sample paths and 2-D sample surfaces for Gaussian and heavy-tailed
(symmetric α-stable) weights, the closed-form autocovariance against Monte Carlo, and the
Gaussian and α-stable limit histograms.  The paper's own figure parameters could not be
read (shared/papers/nets.md §1), so the parameters here are ours.  Sphere measure:
"probability" (see :mod:`nets.random_relu`).  Checks are at 4.5 Monte Carlo standard
errors.
"""

from __future__ import annotations

import os
import time

import numpy as np
from scipy.integrate import trapezoid

from ridgekit._validation import as_generator
from ridgekit.nets.process_stats import empirical_autocovariance, fit_symmetric_stable, gaussianity_test, hurst_exponent
from ridgekit.nets.random_relu import RandomReLUProcess

__all__ = ["run"]

_Z = 4.5


def _row(name, value, reference, error, tolerance, t0):
    return {"name": name, "value": float(value), "reference": float(reference), "error": float(error),
            "tolerance": float(tolerance), "passed": bool(error <= tolerance), "time": time.perf_counter() - t0}


def _stable_pdf(xs, alpha, scale):
    """SαS density by Fourier inversion: (1/π) ∫₀^∞ cos(ξx) exp(−(scale ξ)^α) dξ."""
    xi = np.linspace(0.0, 40.0 / scale, 8001)
    f = np.cos(np.outer(xs, xi)) * np.exp(-(scale * xi) ** alpha)
    return trapezoid(f, xi, axis=1) / np.pi


def run(out_dir, quick: bool = True, rng=0) -> dict:
    """Make the figures and checks of ``ridgekit reproduce random-relu``.

    Parameters
    ----------
    out_dir : path
        Directory for the PNGs (created if needed).
    quick : bool
        Small sizes (seconds) for ``ridgekit demo`` and the test suite.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    dict
        {"title", "figures": [paths], "checks": [{name, value, reference, error,
        tolerance, passed, time}]}; ``error`` is in Monte Carlo standard errors for the
        moment checks, absolute otherwise.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    rng = as_generator(rng)
    n_mc = 20_000 if quick else 200_000
    n_grid = 64 if quick else 256
    figures, checks = [], []

    # 1. sample paths (d = 1) and surfaces (d = 2), Gaussian vs α-stable weights
    laws = [("Gaussian V", dict(weights="gaussian")), ("SαS V, α = 1.2", dict(weights="stable", alpha=1.2))]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for j, (label, kw) in enumerate(laws):
        v1, t = RandomReLUProcess(1, 10.0, **kw).sample_grid(801, 5, rng)
        for path in v1:
            axes[0, j].plot(t, path, lw=1)
        axes[0, j].set_title(f"d = 1, λ = 10, {label}")
        v2, ax = RandomReLUProcess(2, 10.0, **kw).sample_grid(n_grid, 1, rng)
        im = axes[1, j].imshow(v2[0].T, origin="lower", extent=(ax[0], ax[-1], ax[0], ax[-1]), cmap="RdBu_r")
        fig.colorbar(im, ax=axes[1, j])
        axes[1, j].set_title(f"d = 2, λ = 10, {label}")
    fig.tight_layout()
    figures.append(os.path.join(out_dir, "random_relu_samples.png"))
    fig.savefig(figures[-1], dpi=100)
    plt.close(fig)

    # 2. autocovariance: closed form vs Monte Carlo along a line, d = 1, 2, 3
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax_, d in zip(axes, (1, 2, 3)):
        t0 = time.perf_counter()
        proc = RandomReLUProcess(d, 5.0)
        x = np.zeros(d)
        x[0] = 0.7
        ts = np.linspace(-1, 1, 21)
        ys = np.zeros((len(ts), d))
        ys[:, 0] = 0.5 * ts
        if d > 1:
            ys[:, 1] = 0.8 * ts
        S = proc.sample_values(np.vstack([x[None], ys]), n_mc, rng, radius=1.0)
        est = empirical_autocovariance(np.repeat(S[:, :1], len(ts), axis=1), S[:, 1:])
        ref = proc.autocovariance(x, ys)
        zs = np.abs(est.zscore(ref))
        ax_.plot(ts, ref, "k-", label="closed form")
        ax_.errorbar(ts, est.value, yerr=2 * est.stderr, fmt="o", ms=3, label="Monte Carlo ± 2 SE")
        ax_.set_title(f"E[s(x)s(y(t))], d = {d}")
        ax_.set_xlabel("t")
        checks.append(_row(f"autocovariance MC d={d} (max |z| over 21 pairs)", float(est.value[np.argmax(zs)]),
                           float(ref[np.argmax(zs)]), zs.max(), _Z, t0))
    axes[0].legend()
    fig.tight_layout()
    figures.append(os.path.join(out_dir, "random_relu_covariance.png"))
    fig.savefig(figures[-1], dpi=100)
    plt.close(fig)

    # antipodal points, Hurst exponent
    t0 = time.perf_counter()
    proc = RandomReLUProcess(2, 5.0)
    x = np.array([0.3, -0.8])
    S = proc.sample_values(np.stack([x, -x]), n_mc, rng)
    est = empirical_autocovariance(S[:, 0], S[:, 1])
    checks.append(_row("antipodal E[s(x)s(−x)] = 0 (z-score)", est.value, 0.0, abs(est.zscore(0.0)), _Z, t0))
    t0 = time.perf_counter()
    radii = np.geomspace(0.1, 1.0, 6)
    S = proc.sample_values(radii[:, None] * np.array([0.6, 0.8]), n_mc // 4, rng)
    fit = hurst_exponent(S, radii, rng=rng)
    side = fit.high - fit.H if fit.H < 1.5 else fit.H - fit.low      # passes iff 1.5 ∈ CI
    checks.append(_row("Hurst exponent: 3/2 in the 95% bootstrap CI", fit.H, 1.5, abs(fit.H - 1.5), side, t0))

    # 3. limits: Gaussian (Rademacher V₀/√λ) and α-stable (λ^{−1/α} V₀)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    xpt = np.array([[0.6, 0.8]])
    n_lim = 4000 if quick else 40_000
    grid = np.linspace(-3, 3, 301)
    for lam in (2.0, 20.0, 500.0):
        t0 = time.perf_counter()
        p = RandomReLUProcess(2, lam, weights="rademacher", scale=lam ** -0.5)
        s = p.sample_values(xpt, n_lim, rng)[:, 0]
        sd = float(np.sqrt(p.variance(xpt[0])))
        axes[0].hist(s / sd, bins=80, range=(-4, 4), density=True, histtype="step", label=f"λ = {lam:g}")
        ks = gaussianity_test(s, variance=sd ** 2)
        checks.append(_row(f"Gaussian limit KS distance, λ = {lam:g}", ks.statistic, 0.0, ks.statistic,
                           1.0 if lam < 500 else 1.63 / np.sqrt(n_lim), t0))   # 1.63/√n: KS 1% critical value
    axes[0].plot(grid, np.exp(-grid ** 2 / 2) / np.sqrt(2 * np.pi), "k--", label="N(0, 1)")
    axes[0].set_title("s(x)/√Var, Rademacher V = V₀/√λ")
    axes[0].legend()
    t0 = time.perf_counter()
    alpha, lam = 1.5, 200.0
    p = RandomReLUProcess(2, lam, weights="stable", alpha=alpha, scale=lam ** (-1 / alpha))
    s = p.sample_values(xpt, 2 * n_lim if quick else n_lim, rng)[:, 0]
    scale = float(p.stable_limit_scale(xpt[0]))
    sf = fit_symmetric_stable(s)
    axes[1].hist(s / scale, bins=120, range=(-8, 8), density=True, histtype="step", label="Monte Carlo")
    g8 = np.linspace(-8, 8, 321)
    axes[1].plot(g8, _stable_pdf(g8, alpha, 1.0), "k--", label="SαS limit (closed-form scale)")
    axes[1].set_title(f"SαS V = λ^(−1/α) V₀, α = {alpha}, λ = {lam:g}")
    axes[1].legend()
    checks.append(_row("stable limit: fitted α", sf.alpha, alpha, abs(sf.alpha - alpha), 0.1, t0))
    checks.append(_row("stable limit: fitted scale / closed form", sf.scale / scale, 1.0, abs(sf.scale / scale - 1),
                       0.08, t0))
    fig.tight_layout()
    figures.append(os.path.join(out_dir, "random_relu_limits.png"))
    fig.savefig(figures[-1], dpi=100)
    plt.close(fig)

    return {"title": "Random ReLU neural networks as non-Gaussian processes (arXiv 2405.10229)",
            "figures": figures, "checks": checks}
