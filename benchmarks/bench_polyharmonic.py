"""Benchmark: splines.PolyharmonicSpline against scipy's RBFInterpolator
(kernel="thin_plate_spline", degree 1) in d = 2 at N = 1000 and 5000.

Both build the full kernel matrix; scipy solves the (N+3)² saddle-point system by LU,
ridgekit the (N−3)² positive definite null-space system by Cholesky (Householder/compact-WY
reduction, numba kernel matrix, lower triangle only).  Reported: median fit time (7 runs at
N = 1000, 5 at 5000, the two libraries alternating so that they share the machine's load),
the load average before and after, the first call separately, evaluation time at 2000
points, and the accuracy: interpolation residual at the nodes (relative to max|y|) for both,
and the max difference between the two interpolants.

Run: python benchmarks/bench_polyharmonic.py
"""

import os
import statistics
import time

import numpy as np
from scipy.interpolate import RBFInterpolator

from ridgekit.splines.polyharmonic import PolyharmonicSpline


def med(f, reps):
    out, ts = None, []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return out, statistics.median(ts)


def med2(f, g, reps):
    """Medians of f and g timed alternately (f, g, f, g, ...)."""
    outs, ts = [None, None], ([], [])
    for _ in range(reps):
        for i, h in enumerate((f, g)):
            t0 = time.perf_counter()
            outs[i] = h()
            ts[i].append(time.perf_counter() - t0)
    return outs[0], statistics.median(ts[0]), outs[1], statistics.median(ts[1])


def main():
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    PolyharmonicSpline().fit(rng.uniform(-1, 1, (20, 2)), rng.standard_normal(20)).predict(np.zeros((1, 2)))
    print(f"first call (numba cache load + tiny fit): {time.perf_counter() - t0:.3f} s")
    for N, reps in ((1000, 7), (5000, 5)):
        X = rng.uniform(-1, 1, (N, 2))
        y = np.sin(4 * X[:, 0]) * np.cos(3 * X[:, 1]) + X[:, 0] ** 2
        Xt = rng.uniform(-1, 1, (2000, 2))
        s, ts, r, tr = med2(lambda: PolyharmonicSpline().fit(X, y),
                            lambda: RBFInterpolator(X, y, kernel="thin_plate_spline"), reps)
        a, te_s = med(lambda: s.predict(Xt), 3)
        b, te_r = med(lambda: r(Xt), 3)
        res_s = np.abs(s.predict(X) - y).max() / np.abs(y).max()
        res_r = np.abs(r(X) - y).max() / np.abs(y).max()
        diff = np.abs(a - b).max() / np.abs(b).max()
        print(f"N = {N}: fit ridgekit {ts:7.3f} s  scipy {tr:7.3f} s  ratio scipy/ridgekit {tr / ts:5.2f}   "
              f"eval(2000) {te_s:6.3f} s vs {te_r:6.3f} s")
        print(f"          node residual ridgekit {res_s:.1e}  scipy {res_r:.1e}   max |ridgekit - scipy| {diff:.1e}")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
