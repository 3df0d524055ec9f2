"""Benchmark: 10³ realisations of a random ReLU process (arXiv 2405.10229) on a 128² grid.

Set-up: λ such that each realisation has about 100 neurons on the grid [−1, 1]²
(sampling ball R = √2, E width = 2Rλ = 100, so λ = 100/(2√2)); 10³ realisations ×
100 neurons × 128² points = 1.6·10⁹ neuron evaluations.  Goal: under 3 s on 2 cores.

Reported: first call (numba compilation or loading its cache), median time of sampling
+ evaluation with the grid kernel (row ramps, O(neurons·rows + points)) and with the
direct point kernel (O(neurons·points)), the obvious numpy broadcast (one
(points × neurons) temporary per realisation, timed on a subset and scaled), the
ratio, the peak extra memory (tracemalloc: numpy allocations, i.e. neuron arrays and
output), and the agreement between the three evaluations.

Run: python benchmarks/bench_random_relu.py
"""

import statistics
import time
import tracemalloc

import numpy as np

from ridgekit.nets.random_relu import RandomReLUProcess

N_REAL, N_GRID, WIDTH = 1000, 128, 100


def numpy_broadcast(proc, X, size, rng):
    """Per realisation: values = max(X Uᵀ − t, 0) v (the obvious numpy code)."""
    out = np.empty((size, len(X)))
    W, b, V, starts = proc._draw(size, np.sqrt(2.0), rng)
    U = W * np.where(b < 0, -1.0, 1.0)[:, None]
    T = np.abs(b)
    for s in range(size):
        sl = slice(starts[s], starts[s + 1])
        out[s] = np.maximum(X @ U[sl].T - T[sl], 0.0) @ V[sl]
    return out


def timed(fn, repeat=3):
    times, res = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), res


def main():
    lam = WIDTH / (2 * np.sqrt(2.0))
    proc = RandomReLUProcess(2, lam)
    t0 = time.perf_counter()
    proc.sample_grid(8, 2, rng=0)
    proc.sample_values(np.zeros((4, 2)), 2, rng=0)
    first = time.perf_counter() - t0

    t_grid, (vals, axis) = timed(lambda: proc.sample_grid(N_GRID, N_REAL, rng=1))
    X = np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
    t_pts, pts = timed(lambda: proc.sample_values(X, N_REAL, rng=1, radius=np.sqrt(2.0)), repeat=1)
    sub = 100
    t_np, ref = timed(lambda: numpy_broadcast(proc, X, sub, np.random.default_rng(1)), repeat=1)
    t_np_full = t_np * N_REAL / sub
    tracemalloc.start()
    proc.sample_grid(N_GRID, N_REAL, rng=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    err_pts = np.abs(pts - vals.reshape(N_REAL, -1)).max() / np.abs(vals).max()
    same = proc.sample_grid(N_GRID, sub, rng=np.random.default_rng(1))[0].reshape(sub, -1)   # same draws
    err_np = np.abs(ref - same).max() / np.abs(same).max()
    evals = int(round(N_REAL * WIDTH * N_GRID ** 2))
    print(f"{N_REAL} realisations, λ = {lam:.2f} (E width {WIDTH}), {N_GRID}² grid, {evals:.2e} neuron evaluations")
    print(f"first call (compile / cache load)          {first:8.3f} s")
    print(f"grid kernel (sample + evaluate)            {t_grid:8.3f} s   goal < 3 s")
    print(f"point kernel (sample + evaluate)           {t_pts:8.3f} s   {evals / t_pts:.2e} evals/s")
    print(f"numpy broadcast (scaled from {sub})          {t_np_full:8.3f} s")
    print(f"ratio numpy / grid kernel                  {t_np_full / t_grid:8.1f} x")
    print(f"ratio numpy / point kernel                 {t_np_full / t_pts:8.1f} x")
    print(f"peak numpy memory, grid sample             {peak / 2**20:8.1f} MiB (output {vals.nbytes / 2**20:.1f} MiB)")
    print(f"max rel. difference point vs grid kernel   {err_pts:8.1e}")
    print(f"max rel. difference numpy vs grid kernel   {err_np:8.1e}")


if __name__ == "__main__":
    main()
