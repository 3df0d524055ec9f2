"""Benchmark: grid Radon-domain TV (radon.rtv_seminorm) of a 256² image and a 64³ volume.

Goal (issue 3): under 2 s each on 2 cores.  Accuracy is reported against the closed form
of the Gaussian (radon.norms.rtv_gaussian, checked against mpmath in the tests).  The
first call includes numba compilation (or loading the on-disk cache) and is reported
separately.

Run: python benchmarks/bench_rtv.py
"""

import statistics
import time

import numpy as np

from radon import rtv_gaussian, rtv_seminorm


def gaussian(d, N, L):
    h = L / N
    ax = (np.arange(N) + 0.5 - N / 2) * h
    X = np.meshgrid(*([ax] * d), indexing="ij")
    return np.exp(-sum(x * x for x in X) / 2), h


def main():
    rows = []
    for d, N, L in [(2, 256, 24.0), (3, 64, 12.0)]:
        f, h = gaussian(d, N, L)
        t0 = time.perf_counter()
        val = rtv_seminorm(f, spacing=h)
        first = time.perf_counter() - t0
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            rtv_seminorm(f, spacing=h)
            times.append(time.perf_counter() - t0)
        err = abs(val / rtv_gaussian(d) - 1)
        rows.append((f"{N}^{d} Gaussian", first, statistics.median(times), err))
    print(f"{'case':<18}{'first call [s]':>16}{'median of 5 [s]':>18}{'rel. error':>14}")
    for name, first, med, err in rows:
        print(f"{name:<18}{first:>16.3f}{med:>18.3f}{err:>14.2e}")


if __name__ == "__main__":
    main()
