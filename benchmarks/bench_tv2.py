"""Benchmark of splines.fit_tv2 against cvxpy + Clarabel.

Data: jittered grid x = (i + ½U)/N, y = sin 8x + 0.1·noise, λ = 10⁻⁵·N (seeded).  Prints the
median time of ``--repeat`` runs (first call, with numba compilation, reported separately),
the time ratio to cvxpy (median of its runs too), the relative objective difference and the
knot counts (sparsest, interpolant of the fitted values), and the load average.
Run: python benchmarks/bench_tv2.py [--max-n 1000000] [--cvxpy-max 10000] [--repeat 5]

``--splineops``: the same data and λ against EPFL's splineops 2.2 (``pip install splineops``),
``denoise_y`` (ADMM on ½‖u − y‖² + λ‖Lu‖₁, L the same slope-change operator: the same problem,
unweighted, knots at data points before sparsification) followed by ``sparsest_interpolant``
(Debarre et al.'s merging, as ours).  Both splines are scored by the same code
(:func:`_spline_objective`).  splineops runs at its defaults (ρ = 1, 10⁴ iterations,
relative tolerance 10⁻⁷) and with ρ = λ/10 (the best of a sweep at N = 10³ and 10⁴);
``--splineops-data uniform`` uses sorted uniform random x (seed 11) instead.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np


def _data(N, seed=0):
    rng = np.random.default_rng(seed)
    x = (np.arange(N) + 0.5 * rng.uniform(size=N)) / N
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    return x, y


def _uniform(N, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, N)
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    return x, y


UNIFORM_EXPONENTS = (0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 6, 8)

#: --family: data kinds (x law, noise law) × noise levels × seeds, each at every λ/λ_max of
#: FAMILY_LAMBDAS.  "width" is the length of the x interval for the signal sin 8x: the
#: solver normalises x to [0, 1], so a wider interval means more oscillations per unit.
FAMILY_LAMBDAS = (1.0, 1e-1, 1e-2, 1e-4, 3e-6, 1e-6, 1e-8)
FAMILY_KINDS = {
    # name: (x law, width, noise law)
    "uniform-w1": ("uniform", 1.0, "normal"),
    "uniform-w4": ("uniform", 4.0, "normal"),
    "uniform-w16": ("uniform", 16.0, "normal"),
    "clustered": ("clusters", 4.0, "normal"),
    "duplicated": ("duplicated", 4.0, "normal"),
    "cauchy": ("uniform", 4.0, "cauchy"),
    "student-t2": ("uniform", 4.0, "t2"),
}
FAMILY_NOISE = (0.1, 0.5, 2.0)


def family_data(kind, N, noise, seed):
    """One member of the --family data sets (seeded; x unsorted, as a user passes it).

    ``clusters``: 30 Gaussian clusters of width 10⁻³·width around uniform centres (gaps
    down to 1e-12 of the range inside a cluster, empty stretches between them);
    ``duplicated``: uniform x rounded to 10⁴ distinct values (~100 samples per abscissa);
    noise laws: normal, Cauchy (no mean) and Student t with 2 degrees of freedom (no
    variance), all scaled by ``noise``."""
    xlaw, width, nlaw = FAMILY_KINDS[kind]
    rng = np.random.default_rng(seed)
    if xlaw == "uniform":
        x = rng.uniform(0, width, N)
    elif xlaw == "clusters":
        centres = rng.uniform(0, width, 30)
        x = centres[rng.integers(0, 30, N)] + 1e-3 * width * rng.standard_normal(N)
    else:
        x = np.round(rng.uniform(0, width, N) * (1e4 / width)) * (width / 1e4)
    e = {"normal": rng.standard_normal, "cauchy": rng.standard_cauchy,
         "t2": lambda n: rng.standard_t(2, n)}[nlaw](N)
    return x, np.sin(8 * x) + noise * e


def _family(N, seeds, kinds):
    """Worst case (not median) of fit_tv2 over the family: every data set at every λ."""
    from ridgekit.splines.tv2 import fit_tv2, lambda_max
    with open("/proc/loadavg") as fh:
        print(f"load average (1, 5, 15 min): {' '.join(fh.read().split()[:3])}")
    print(f"family at N = {N}: kinds {', '.join(kinds)}; noise {FAMILY_NOISE}; seeds {seeds}; "
          f"lam/lam_max {FAMILY_LAMBDAS}")
    print(f"{'kind':>12} {'noise':>5} {'seed':>4} {'worst s':>8} {'at lam':>7} {'median s':>8} "
          f"{'worst cpu':>8} {'at lam':>7} {'max gap/obj':>11} {'knots':>11}")
    worst = (0.0, None)
    worst_cpu = (0.0, None)
    for kind in kinds:
        for noise in FAMILY_NOISE:
            for seed in seeds:
                x, y = family_data(kind, N, noise, seed)
                lmax = lambda_max(x, y)
                times, cpus, gaps, knots = [], [], [], []
                for f in FAMILY_LAMBDAS:
                    t, c = time.perf_counter(), time.process_time()
                    s = fit_tv2(x, y, f * lmax)
                    times.append(time.perf_counter() - t)
                    cpus.append(time.process_time() - c)
                    gaps.append(s.duality_gap_ / max(s.objective_, 1e-300))
                    knots.append(s.n_knots_)
                i = int(np.argmax(times))
                if times[i] > worst[0]:
                    worst = (times[i], (kind, noise, seed, FAMILY_LAMBDAS[i]))
                ic = int(np.argmax(cpus))
                if cpus[ic] > worst_cpu[0]:
                    worst_cpu = (cpus[ic], (kind, noise, seed, FAMILY_LAMBDAS[ic]))
                print(f"{kind:>12} {noise:>5} {seed:>4} {times[i]:8.2f} {FAMILY_LAMBDAS[i]:7.0e} "
                      f"{float(np.median(times)):8.2f} {cpus[ic]:8.2f} {FAMILY_LAMBDAS[ic]:7.0e} "
                      f"{max(gaps):11.1e} {min(knots):>5}-{max(knots):<5}", flush=True)
    print(f"worst case over the family: {worst[0]:.2f} s at (kind, noise, seed, lam/lam_max) = {worst[1]}")
    print(f"worst CPU time (time.process_time, all threads) over the family: {worst_cpu[0]:.2f} s at {worst_cpu[1]}")


def _uniform_grid(N, repeat):
    from ridgekit.splines.tv2 import fit_tv2, lambda_max
    x, y = _uniform(N)
    lmax = lambda_max(x, y)
    print(f"uniform random x, N = {N}, seed 11, lambda_max = {lmax:.6g}")
    print(f"{'lam/lam_max':>11} {'s':>8} {'gap/obj':>8} {'objective':>18} {'knots':>6} {'interp':>6}")
    for e in UNIFORM_EXPONENTS:
        lam = lmax * 10.0 ** -e
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            s = fit_tv2(x, y, lam)
            times.append(time.perf_counter() - t)
        print(f"{'1e-' + format(e, 'g'):>11} {float(np.median(times)):8.3f} "
              f"{s.duality_gap_ / s.objective_:8.1e} {s.objective_:18.10e} {s.n_knots_:>6} "
              f"{s.n_knots_interpolant_:>6}", flush=True)


def _cvxpy(x, y, lam):
    import cvxpy as cp
    N = x.shape[0]
    h = np.diff(x)
    u = cp.Variable(N)
    Lu = cp.multiply(1 / h[1:], u[2:] - u[1:-1]) - cp.multiply(1 / h[:-1], u[1:-1] - u[:-2])
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(u - y) + lam * cp.norm1(Lu)))
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve(solver="CLARABEL")
    return prob.value, time.perf_counter() - t


def _spline_objective(x, y, lam, knots, amps, b, a):
    """½Σ(f(xᵢ) − yᵢ)² + λΣ|aₖ| for f(t) = b + a t + Σₖ aₖ (t − τₖ)₊ (knots sorted)."""
    k, A = np.asarray(knots, float), np.asarray(amps, float)
    pa = np.concatenate(([0.0], np.cumsum(A)))
    pm = np.concatenate(([0.0], np.cumsum(A * k)))
    j = np.searchsorted(k, x, side="left")
    f = b + a * x + x * pa[j] - pm[j]
    return 0.5 * float(np.sum((f - y) ** 2)) + lam * float(np.sum(np.abs(A)))


def _ours_objective(s, x, y, lam):
    c0, c1 = s.network_.skip_coef[:, 0]
    return _spline_objective(x, y, lam, s.knots_, s.jumps_, c0, c1)


def _splineops(x, y, lam, rho, max_iter):
    """splineops' regression (x sorted, distinct): ADMM values, then the sparsest interpolant."""
    from splineops.adaptive_regression_splines.denoising import denoise_y
    from splineops.adaptive_regression_splines.sparsification import sparsest_interpolant
    t = time.perf_counter()
    u, diag = denoise_y(x, y, lam, rho=rho, max_iter=max_iter, return_diagnostics=True)
    knots, amps, poly = sparsest_interpolant(x, u)
    elapsed = time.perf_counter() - t
    return elapsed, _spline_objective(x, y, lam, knots, amps, poly[0], poly[1]), knots.size, diag


def _splineops_compare(a):
    try:
        import splineops
    except ImportError:
        print("splineops is not importable (pip install splineops): comparison skipped")
        return
    from ridgekit.splines.tv2 import fit_tv2
    data = _uniform if a.splineops_data == "uniform" else _data
    print(f"splineops {splineops.__version__}, data: {a.splineops_data}, lambda = 1e-5 N; "
          f"objectives by _spline_objective; 'conv': ADMM stopping rule met within max_iter")
    print(f"{'N':>8} {'rho':>8} {'ours s':>8} {'splo s':>8} {'ratio':>8} {'ours obj':>18} "
          f"{'splo - ours':>12} {'rel':>9} {'knots':>6} {'splo':>6} {'it':>6} conv")
    too_slow = False
    N = 1000
    while N <= a.max_n:
        x, y = data(N)
        order = np.argsort(x)
        x, y = x[order], y[order]
        lam = 1e-5 * N
        times = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            s = fit_tv2(x, y, lam)
            times.append(time.perf_counter() - t)
        tr = float(np.median(times))
        ours = _ours_objective(s, x, y, lam)
        for rho in (1.0, lam / 10):
            if too_slow or N > a.splineops_max:
                from splineops.adaptive_regression_splines.denoising import denoise_y
                t = time.perf_counter()
                denoise_y(x, y, lam, rho=rho, max_iter=20)
                per = (time.perf_counter() - t) / 20
                print(f"{N:>8} {rho:8.2g} {tr:8.3f}  splineops not run to max_iter: 20 iterations "
                      f"(with the factorisation) took {per * 20:.1f} s, i.e. >= {per * a.splineops_iter:.0f} s "
                      f"projected for {a.splineops_iter} iterations", flush=True)
                continue
            ts, theirs, k, d = _splineops(x, y, lam, rho, a.splineops_iter)
            print(f"{N:>8} {rho:8.2g} {tr:8.3f} {ts:8.2f} {ts / tr:8.0f} {ours:18.10e} "
                  f"{theirs - ours:12.3e} {(theirs - ours) / ours:9.1e} {s.n_knots_:>6} {k:>6} "
                  f"{d.iterations:>6} {d.converged}", flush=True)
            too_slow = too_slow or ts > 60
        if too_slow and N <= a.splineops_max:
            print(f"splineops took > 60 s at N = {N}: larger N only probed", flush=True)
        N *= 10


def main(argv=None):
    from ridgekit.splines.tv2 import fit_tv2
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--max-n", type=int, default=10 ** 6)
    p.add_argument("--cvxpy-max", type=int, default=10 ** 4)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--uniform", action="store_true",
                   help="uniform random x at N = --max-n over a lambda/lambda_max grid")
    p.add_argument("--splineops", action="store_true",
                   help="compare with splineops (same data, N = 1e3 .. --max-n) instead of cvxpy")
    p.add_argument("--splineops-data", choices=("jittered", "uniform"), default="jittered")
    p.add_argument("--splineops-max", type=int, default=10 ** 5,
                   help="largest N run to max_iter; larger N get a 20-iteration probe")
    p.add_argument("--splineops-iter", type=int, default=10 ** 4, help="ADMM max_iter")
    p.add_argument("--family", action="store_true",
                   help="worst-case time over a family of data sets at N = --max-n (see FAMILY_KINDS)")
    p.add_argument("--seeds", type=int, default=2, help="--family: seeds per data set")
    p.add_argument("--kinds", default=",".join(FAMILY_KINDS), help="--family: comma-separated kinds")
    a = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    t = time.perf_counter()
    fit_tv2(*_data(50), 1e-3)
    print(f"first call (numba compile/cache load): {time.perf_counter() - t:.2f} s")
    if a.splineops:
        _splineops_compare(a)
        print(f"load average after: {os.getloadavg()}")
        return
    if a.family:
        _family(a.max_n, list(range(a.seeds)), a.kinds.split(","))
        print(f"load average after: {os.getloadavg()}")
        return
    if a.uniform:
        _uniform_grid(a.max_n, a.repeat)
        print(f"load average after: {os.getloadavg()}")
        return
    print(f"{'N':>8} {'ridgekit s':>10} {'cvxpy s':>8} {'ratio':>7} {'rel obj diff':>12} {'knots':>6} "
          f"{'interp':>6} {'gap/obj':>8}")
    N = 1000
    while N <= a.max_n:
        x, y = _data(N)
        lam = 1e-5 * N
        times = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            s = fit_tv2(x, y, lam)
            times.append(time.perf_counter() - t)
        tr = float(np.median(times))
        if N <= a.cvxpy_max:
            runs = [_cvxpy(x, y, lam) for _ in range(max(1, min(a.repeat, 3)))]
            obj, tc = runs[0][0], float(np.median([r[1] for r in runs]))
            ratio, diff = f"{tc / tr:7.1f}", f"{(s.objective_ - obj) / abs(obj):12.2e}"
            tcs = f"{tc:8.2f}"
        else:
            ratio, diff, tcs = f"{'-':>7}", f"{'-':>12}", f"{'-':>8}"
        print(f"{N:>8} {tr:10.3f} {tcs} {ratio} {diff} {s.n_knots_:>6} {s.n_knots_interpolant_:>6} "
              f"{s.duality_gap_ / s.objective_:8.1e}", flush=True)
        N *= 10
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
