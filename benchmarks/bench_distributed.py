"""Benchmark: ridgekit on a Dask cluster, 1 against 2 local workers.

Usage::

    python benchmarks/bench_distributed.py                    # 128³ × 8000 directions, sweep
    python benchmarks/bench_distributed.py --quick            # 64³ × 1000, small sweep
    python benchmarks/bench_distributed.py --out run.md       # also write the Markdown report

What is measured (``dask.distributed.LocalCluster``, worker processes with one thread each,
so one worker is one core):

* 3-D Radon transform ``RadonTransform((N,)*3, M, extent=1.0)`` of the Shepp–Logan-like
  ellipsoid phantom: forward transform and backprojection on 1 and 2 workers, with the
  parts that do not scale timed separately: scattering the volume (forward), the binary
  tree-sum of partial volumes (backprojection), gathering the result to the client
  (serialisation and transfer).  Anchor: the same transform in this process (numba with 1
  thread, and with all threads); the forward must be identical, the backprojection equal
  to the reordered-sum bound.
* Memory per worker against the block size: the peak of traced allocations
  (``tracemalloc``: numpy arrays and Python objects) of one block task on a worker, beside
  the sizes of the volume and of the block of the sinogram.  (A worker's peak resident
  memory is set by its imports, about 260 MiB, and hides these increments.)
* A small flat-minima sweep (the Fig. 2 task of arXiv 2506.20779, tiny sizes) through
  ``ridgekit.sweep.run_sweep``: serially in this process, and on 1 and 2 workers.

The machine may be shared: the load average before and after is printed with the numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time


def _maxrss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _warm(n=8):
    """Import and load the kernels on a worker (tiny transform), return its peak RSS."""
    import numpy as np

    from ridgekit.radon import RadonTransform

    R = RadonTransform((n, n, n), 4, extent=1.0)
    R.adjoint(R.forward(np.ones(R.grid_shape)))
    R.inverse(R.forward(np.ones(R.grid_shape)))
    return _maxrss_mib()


def _load():
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _fmt_t(s):
    return f"{s:.2f} s" if s >= 0.1 else f"{1e3 * s:.1f} ms"


def _worker_cpu(client):
    """Sum over the workers of their processes' CPU time (s)."""
    return sum(client.run(time.process_time).values())


def _share(cpu, wall, n):
    """CPU time / (wall time × cores used): 1.0 when every worker kept its core busy."""
    return f"{cpu / (wall * n):.2f}" if wall > 0 else "—"


def _cluster(n_workers):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=50, memory_limit=0)
    return cluster, Client(cluster)


def bench_transform(N, M, block_size, workers, rows, repeats=1):
    import numba
    import numpy as np

    from ridgekit.kplane import _distributed as D
    from ridgekit.phantom import shepp_logan_3d
    from ridgekit.radon import RadonTransform

    R = RadonTransform((N, N, N), M, extent=1.0)
    f = shepp_logan_3d(N)
    _warm()
    ref = {}
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        R.forward(f)  # first call (kernels loaded, footprints cached) not timed
        c0, t0 = time.process_time(), time.perf_counter()
        g = R.forward(f)
        tf, cf = time.perf_counter() - t0, time.process_time() - c0
        c0, t0 = time.process_time(), time.perf_counter()
        a = R.adjoint(g)
        ta, ca = time.perf_counter() - t0, time.process_time() - c0
        ref[threads] = (tf, ta)
        rows.append([f"this process, numba {threads} thread(s)", _fmt_t(tf), "—", "—", _fmt_t(ta), "—", "—",
                     "—", f"{_share(cf, tf, threads)} / {_share(ca, ta, threads)}", "reference"])
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    gmax = np.abs(g).max(axis=1)
    bound = 2 * R.m * np.finfo(float).eps * float(R.weights @ gmax)
    for nw in workers:
        cluster, client = _cluster(nw)
        try:
            client.run(_warm)
            t0 = time.perf_counter()
            client.scatter(f, broadcast=True, hash=False)
            t_scatter = time.perf_counter() - t0
            # forward: blocks computed and kept on the workers, then gathered
            c0 = _worker_cpu(client)
            t0 = time.perf_counter()
            gd = R.forward(f, client=client, block_size=block_size)
            gd = gd.persist()
            from distributed import wait

            wait(gd)
            t_fwd = time.perf_counter() - t0
            share_f = _share(_worker_cpu(client) - c0, t_fwd, nw)
            t0 = time.perf_counter()
            gn = gd.compute()
            t_gather = time.perf_counter() - t0
            exact = bool(np.array_equal(gn, g))
            # backprojection: partial volumes per block, then the tree-sum (timed apart)
            tpl = client.scatter(R, broadcast=True, hash=False)
            bounds = D.block_bounds(R.m, block_size)
            c0 = _worker_cpu(client)
            t0 = time.perf_counter()
            blocks = client.scatter([g[lo:hi] for lo, hi in bounds], hash=False)
            parts = [client.submit(D._adjoint_block, tpl, b, lo, hi, None, None, pure=False)
                     for b, (lo, hi) in zip(blocks, bounds)]
            wait(parts)
            t_parts = time.perf_counter() - t0
            share_a = _share(_worker_cpu(client) - c0, t_parts, nw)
            t0 = time.perf_counter()
            while len(parts) > 1:
                nxt = [client.submit(D._add, parts[i], parts[i + 1], pure=False) for i in range(0, len(parts) - 1, 2)]
                if len(parts) % 2:
                    nxt.append(parts[-1])
                parts = nxt
            wait(parts)
            t_tree = time.perf_counter() - t0
            t0 = time.perf_counter()
            ad = parts[0].result()
            t_gather_a = time.perf_counter() - t0
            err = float(np.abs(ad - a).max())
            t0 = time.perf_counter()
            ad2 = R.adjoint(g, client=client, block_size=block_size)  # the public call, end to end
            t_adj = time.perf_counter() - t0
            err = max(err, float(np.abs(ad2 - a).max()))
            rows.append([f"{nw} worker(s) × 1 thread", _fmt_t(t_fwd + t_gather), _fmt_t(t_scatter),
                         _fmt_t(t_gather), _fmt_t(t_adj), _fmt_t(t_parts), _fmt_t(t_tree), _fmt_t(t_gather_a),
                         f"{share_f} / {share_a}",
                         f"forward identical: {exact}; adjoint max diff {err:.2g} (bound {bound:.2g})"])
        finally:
            client.close()
            cluster.close()
    return R, ref


def _peak_on_worker(N, M, block_size, which):
    """Peak of traced allocations (numpy arrays, Python objects) of one block task on a worker."""
    import tracemalloc

    import numpy as np

    from ridgekit.kplane import _distributed as D
    from ridgekit.radon import RadonTransform

    R = RadonTransform((N, N, N), M, extent=1.0)
    R.footprints  # noqa: B018  (cached per transform, O(M), not per block)
    lo, hi = 0, min(block_size, R.m)
    tracemalloc.start()
    try:
        if which == "forward":
            f = np.ones(R.grid_shape)  # the scattered volume, held by the worker
            D._forward_block(R, f, lo, hi, {})
        else:
            g = np.ones((hi - lo, R.n_offsets))  # the block of the sinogram sent to the worker
            D._adjoint_block(R, g, lo, hi, None, None)
        return tracemalloc.get_traced_memory()[1] / 2 ** 20
    finally:
        tracemalloc.stop()


def bench_memory(N, M, block_sizes, rows):
    import math

    T = 2 * math.ceil(math.sqrt(3) * N / 2) + 1  # offsets of RadonTransform((N,)*3, extent=1.0)
    cluster, client = _cluster(1)
    try:
        client.run(_warm)
        for which in ("forward", "adjoint"):
            for b in block_sizes:
                peak = client.submit(_peak_on_worker, N, M, b, which, pure=False).result()
                vol, blk = 8 * N ** 3 / 2 ** 20, 8 * b * T / 2 ** 20
                rows.append([which, b, f"{peak:.1f} MiB", f"{vol:.1f} MiB", f"{blk:.2f} MiB",
                             f"{peak / (vol + blk):.2f}"])
    finally:
        client.close()
        cluster.close()


def bench_sweep(tasks_spec, workers, rows):
    try:
        import torch  # noqa: F401
    except ImportError:
        rows.append(["(torch not installed: sweep skipped)", "", "", "", ""])
        return
    from ridgekit.gallery.flat_minima import fig2_task
    from ridgekit.sweep import grid, run_sweep

    tasks = grid(**tasks_spec)
    tmp = tempfile.mkdtemp(prefix="bench-sweep-")
    try:
        import torch

        torch.set_num_threads(1)
        c0, t0 = time.process_time(), time.perf_counter()
        serial = run_sweep(fig2_task, tasks, os.path.join(tmp, "serial"), progress=False)
        t = time.perf_counter() - t0
        rows.append(["this process (serial, torch 1 thread)", len(tasks), _fmt_t(t),
                     _share(time.process_time() - c0, t, 1), "—"])
        for nw in workers:
            cluster, client = _cluster(nw)
            try:
                client.run(lambda: __import__("ridgekit.nets.torch"))
                c0 = _worker_cpu(client)
                t0 = time.perf_counter()
                res = run_sweep(fig2_task, tasks, os.path.join(tmp, f"w{nw}"), scheduler=client, progress=False)
                t = time.perf_counter() - t0
                share = _share(_worker_cpu(client) - c0, t, nw)
                same = all(a["mse_gd"] == b["mse_gd"] and a["mse_wd"] == b["mse_wd"] for a, b in zip(res, serial))
                rows.append([f"{nw} worker(s) × 1 thread", len(tasks), _fmt_t(t), share,
                             f"same MSEs as serial: {same}"])
            finally:
                client.close()
                cluster.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="64³ × 1000 directions, smaller memory and sweep cases")
    ap.add_argument("--n", type=int, default=None, help="grid size N (volume N³)")
    ap.add_argument("--directions", type=int, default=None)
    ap.add_argument("--block-size", type=int, default=None, help="frames per block (default M/16)")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: transform,memory,sweep")
    ap.add_argument("--out", default=None, help="write the Markdown report here")
    args = ap.parse_args(argv)
    N = args.n or (64 if args.quick else 128)
    M = args.directions or (1000 if args.quick else 8000)
    b = args.block_size or max(1, M // 16)
    skip = set(filter(None, args.skip.split(",")))
    import dask
    import distributed
    import numba
    import numpy as np

    load0 = _load()
    t_start = time.perf_counter()
    lines = [f"- Command: `python benchmarks/bench_distributed.py {' '.join(argv or sys.argv[1:])}`".rstrip(),
             f"- Machine: {platform.system()} {platform.release()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; numpy {np.__version__}, numba {numba.__version__}, "
             f"dask {dask.__version__}, distributed {distributed.__version__}"]
    out = []
    print("\n".join(lines), flush=True)
    if "transform" not in skip:
        rows = []
        bench_transform(N, M, b, (1, 2), rows)
        out.append(f"3-D Radon transform, {N}³ volume, {M} directions, block size {b} "
                   f"({-(-M // b)} blocks):\n\n" + _table(
                       ["where", "forward (total)", "scatter volume", "gather sinogram", "backprojection (total)",
                        "partial volumes", "tree-sum", "gather volume", "CPU share (fwd / partials)", "check"],
                       rows))
        print(out[-1] + "\n", flush=True)
    if "memory" not in skip:
        rows = []
        Nm, Mm = (48, 1000) if args.quick else (96, 4000)
        bench_memory(Nm, Mm, (50, 250, 1000, 4000) if not args.quick else (50, 250, 1000), rows)
        out.append(f"Memory of one block task on a worker, {Nm}³ volume, {Mm} directions (peak of traced "
                   f"allocations, tracemalloc: arrays and Python objects of the task):\n\n" + _table(
                       ["task", "block size", "traced peak", "volume", "sinogram block", "peak / (volume + block)"],
                       rows))
        print(out[-1] + "\n", flush=True)
    if "sweep" not in skip:
        rows = []
        spec = dict(d=[1, 2, 3], n=[32, 64], seeds=[2], width_factor=[2], epochs=[150 if args.quick else 4000],
                    n_test=[500], dtype=["float32"], device=["cpu"], check_bound=[False])
        bench_sweep(spec, (1, 2), rows)
        out.append("Flat-minima sweep (Fig. 2 task of arXiv 2506.20779: d ∈ {1, 2, 3}, n ∈ {32, 64}, 2 seeds, "
                   f"width 2n, {spec['epochs'][0]} GD steps; one task per (d, n)):\n\n"
                   + _table(["where", "tasks", "time", "CPU share", "check"], rows))
        print(out[-1] + "\n", flush=True)
    lines.append(f"- Load average (1, 5, 15 min) before: {load0}; after: {_load()}. "
                 f"Total {time.perf_counter() - t_start:.0f} s.")
    report = "\n".join(lines) + "\n\n" + "\n\n".join(out) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(report)


if __name__ == "__main__":
    main()
