"""Benchmark: grid Radon-domain TV (radon.rtv_seminorm) of a 256² image and a
64³ volume, and canonicalisation + R-norm of a ReLU network with 10⁵ neurons in d = 10;
also the evaluation of a network with 10⁴ neurons on 10⁵ points in d = 10 (numba against
numpy/BLAS).

Goal: under 2 s each on 2 cores.  Accuracy: the grid norms against the closed form of the
Gaussian (radon.norms.rtv_gaussian, checked against mpmath in the tests); the network
norm against Σ|v|‖w‖ of the distinct neurons, which canonicalisation must reproduce (the
network is built with 1 000 exact duplicates and 1 000 antipodal pairs, whose
contributions are known: a duplicate adds its weight to its twin, an antipodal pair
(a, a') contributes |a + a'|).  The first call includes numba compilation (or loading
the on-disk cache) and is reported separately.

Run: python benchmarks/bench_norms.py
"""

import statistics
import time

import numpy as np

from ridgekit.nets import ShallowNetwork
from ridgekit.radon import rtv_gaussian, rtv_seminorm


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
    rows.append(network_case())
    print(f"{'case':<18}{'first call [s]':>16}{'median of 5 [s]':>18}{'rel. error':>14}")
    for name, first, med, err in rows:
        print(f"{name:<18}{first:>16.3f}{med:>18.3f}{err:>14.2e}")
    evaluation_case()


def evaluation_case(N=100_000, m=10_000, d=10, seed=1):
    """ShallowNetwork evaluation (tiled numba kernel, no (points × neurons) temporary)
    against the anchor: numpy/BLAS on the same network, ``backend="numpy"`` (blocks of
    2²¹ pre-activations: Z @ Wᵀ − b, ReLU, @ V); both timed in the same run."""
    rng = np.random.default_rng(seed)
    net = ShallowNetwork(rng.standard_normal((m, d)), rng.standard_normal(m), rng.standard_normal(m))
    X = rng.standard_normal((N, d))
    t0 = time.perf_counter()
    net(X[:64])
    first = time.perf_counter() - t0
    times, vals = {"numba": [], "numpy": []}, {}
    for backend in ("numba", "numpy", "numba", "numpy"):     # alternated: both see the same load
        t0 = time.perf_counter()
        vals[backend] = net(X, backend=backend)
        times[backend].append(time.perf_counter() - t0)
    tn, tb = min(times["numba"]), min(times["numpy"])
    fn, fb = vals["numba"], vals["numpy"]
    err = float(np.max(np.abs(fn - fb)) / np.max(np.abs(fb)))
    print(f"evaluation {N:.0e} points x {m:.0e} neurons, d = {d}: numba (tiled) {tn:.2f} s, "
          f"numpy/BLAS {tb:.2f} s, ratio {tb / tn:.2f}x, max rel. difference {err:.1e}, "
          f"first call (compile/cache) {first:.2f} s")


def network_case(m=100_000, d=10, n_dup=1000, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((m, d))
    b = rng.standard_normal(m)
    V = rng.standard_normal(m)
    # duplicates (same neuron rescaled) and antipodal partners of the first neurons
    W[m - n_dup:] = 2.0 * W[:n_dup]
    b[m - n_dup:] = 2.0 * b[:n_dup]
    W[m - 2 * n_dup:m - n_dup] = -W[n_dup:2 * n_dup]
    b[m - 2 * n_dup:m - n_dup] = -b[n_dup:2 * n_dup]
    wn = np.linalg.norm(W, axis=1)
    a = V * wn  # atom weights after moving ‖w‖ into the output weight
    exact = (np.abs(a[:n_dup] + a[m - n_dup:]).sum()
             + np.abs(a[n_dup:2 * n_dup] + a[m - 2 * n_dup:m - n_dup]).sum()
             + np.abs(a[2 * n_dup:m - 2 * n_dup]).sum())
    net = ShallowNetwork(W, b, V)
    t0 = time.perf_counter()
    val = net.canonical().rtv_seminorm()
    first = time.perf_counter() - t0
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        net.canonical().rtv_seminorm()
        times.append(time.perf_counter() - t0)
    return (f"net 1e5, d={d}", first, statistics.median(times), abs(val / exact - 1))


if __name__ == "__main__":
    main()
