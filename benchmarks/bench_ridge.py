"""RidgeSplineRegressor: working set vs the full pattern program, with certificates.

Run: ``python benchmarks/bench_ridge.py [--large]``.  Prints N, d, solver, time (first call, with
numba compilation, separately), objective, neurons, certificate sup-norm, gap.
scnn (PyPI ``pyscnn``) is compared on its own problem in ``benchmarks/bench_scnn.py``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np


def main():
    import argparse

    from ridgekit.splines.ridge import RidgeSplineRegressor, relu_sup_norm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--large", action="store_true",
                    help="also N = 1000 in d = 2 and N = 300 in d = 5 (solver 'neurons')")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    relu_sup_norm(rng.standard_normal((5, 2)), rng.standard_normal(5))
    relu_sup_norm(rng.standard_normal((5, 3)), rng.standard_normal(5))
    print(f"first call (numba compile or cache load): {time.perf_counter() - t0:.2f} s")
    print(f"{'N':>5} {'d':>2} {'solver':>12} {'time s':>8} {'objective':>14} {'neurons':>7} {'sup':>10} {'gap':>9}")
    cases = [(30, 2, ("full", "working_set", "neurons")), (60, 2, ("full", "working_set", "neurons")),
             (14, 3, ("full", "working_set", "neurons")), (40, 3, ("working_set", "neurons")),
             (100, 2, ("working_set", "neurons"))]
    if args.large:
        cases += [(1000, 2, ("neurons",)), (300, 5, ("neurons",))]
    for N, d, solvers in cases:
        X = rng.standard_normal((N, d))
        y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.standard_normal(N)
        for s in solvers:
            t = time.perf_counter()
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always", RuntimeWarning)
                e = RidgeSplineRegressor(lam=0.01, solver=s, random_state=0).fit(X, y)
            t = time.perf_counter() - t
            c = e.certificate_
            flag = "" if c.is_global else "  (sampled: sup is a lower bound, NOT a global certificate)"
            flag += "  [max_iter reached]" if w else ""
            print(f"{N:5d} {d:2d} {s:>12} {t:8.2f} {e.objective_:14.10f} {e.n_neurons_:7d} "
                  f"{c.dual_sup:10.7f} {e.duality_gap_:9.2e}{flag}", flush=True)
    print("scnn comparison (its own problem: bias penalised, no skip): benchmarks/bench_scnn.py")


if __name__ == "__main__":
    main()
