"""Benchmark: splines.multitask_lasso against scikit-learn's MultiTaskLasso (and celer's
MultiTaskLasso when installed), same objective scaling, same stopping rule (tol·‖Y‖²/N on
the duality gap), same problems, solvers timed alternately (one run of each in turn) so
that they share the machine's load; the load average is printed before and after.

Cases: (A) 2000×500×10, independent Gaussian columns, 25 active rows,
α = 0.1·α_max; (B) 2000×500×10, AR(1)-correlated columns (ρ = 0.95), 1 % support (5 rows),
α = 0.01·α_max (the hard case: slow coordinate descent).  Reported: median wall time of
7 runs, the first call separately (numba cache load), the objective relative to the best
of the solvers, and the time ratio.

Run: python benchmarks/bench_multitask.py
"""

import os
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskLasso

from ridgekit.splines.multitask import alpha_max, multitask_lasso, multitask_lasso_objective

TOL = 1e-8


def problem(case, rng):
    N, p, D = 2000, 500, 10
    if case == "A":
        X = rng.standard_normal((N, p))
        k, frac = 25, 0.1
    else:
        Z = rng.standard_normal((N, p))
        X = np.empty_like(Z)
        X[:, 0] = Z[:, 0]
        for j in range(1, p):
            X[:, j] = 0.95 * X[:, j - 1] + np.sqrt(1 - 0.95 ** 2) * Z[:, j]
        k, frac = 5, 0.01
    B = np.zeros((p, D))
    B[rng.choice(p, k, replace=False)] = rng.standard_normal((k, D))
    Y = X @ B + 0.5 * rng.standard_normal((N, D))
    return X, Y, frac * alpha_max(X, Y, fit_intercept=True)


def timed_alternately(fs, reps=7):
    """{name: (last output, median time)} of the callables in ``fs``, run in turn."""
    outs, ts = {}, {k: [] for k in fs}
    for _ in range(reps):
        for k, f in fs.items():
            t0 = time.perf_counter()
            outs[k] = f()
            ts[k].append(time.perf_counter() - t0)
    return {k: (outs[k], statistics.median(ts[k])) for k in fs}


def main():
    try:
        # celer 0.7.4's MultiTaskLasso estimator fails on scikit-learn ≥ 1.6 (no
        # _validate_data); its solver mtl_path is called directly on centred data instead
        from celer.homotopy import mtl_path
    except Exception as exc:      # noqa: BLE001 - report any import failure
        mtl_path = None
        print(f"celer not available: {exc!r}")
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    multitask_lasso(rng.standard_normal((20, 5)), rng.standard_normal((20, 2)), 0.1)
    print(f"first call (numba cache load + tiny problem): {time.perf_counter() - t0:.3f} s")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for case in ("A", "B"):
        X, Y, a = problem(case, rng)

        def run_sklearn():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return MultiTaskLasso(alpha=a, tol=TOL, max_iter=100_000).fit(X, Y)

        def run_celer():
            Xc, Yc = np.asfortranarray(X - X.mean(0)), np.asfortranarray(Y - Y.mean(0))
            W = mtl_path(Xc, Yc, alphas=[a], tol=TOL, max_iter=100)[1][..., 0]      # (D, p)
            return W, Y.mean(0) - X.mean(0) @ W.T

        fs = {"ridgekit": lambda: multitask_lasso(X, Y, a, fit_intercept=True, tol=TOL),
              "scikit-learn": run_sklearn}
        if mtl_path is not None:
            fs["celer"] = run_celer
        res = timed_alternately(fs)
        rows = {}
        r, t = res["ridgekit"]
        rows["ridgekit"] = (t, multitask_lasso_objective(X, Y, r.coef, a, r.intercept), int(r.support.sum()))
        m, t = res["scikit-learn"]
        rows["scikit-learn"] = (t, multitask_lasso_objective(X, Y, m.coef_.T, a, m.intercept_),
                                int(np.any(m.coef_ != 0, axis=0).sum()))
        if mtl_path is not None:
            (W, c0), t = res["celer"]
            rows["celer"] = (t, multitask_lasso_objective(X, Y, W.T, a, c0), int(np.any(W != 0, axis=0).sum()))
        best = min(v[1] for v in rows.values())
        print(f"case {case}: 2000x500x10, alpha = {a:.4g}, tol = {TOL:g}")
        for name, (t, obj, k) in rows.items():
            print(f"  {name:<13} {t:8.3f} s   objective - best = {obj - best:9.2e} (rel {abs(obj - best) / best:8.1e})"
                  f"   active {k:3d}   time / ridgekit {t / rows['ridgekit'][0]:6.2f}")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
