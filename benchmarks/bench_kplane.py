"""Benchmark: the k-plane transform in codimension n = d − k >= 2 against the hyperplane
transform (n = 1) of the same volume and frames, and the README's first example.

Usage::

    python benchmarks/bench_kplane.py                      # full run, refreshes RESULTS.md
    python benchmarks/bench_kplane.py --quick --no-write   # a smoke run

What is measured (each case in its own subprocess):

* throughput per voxel-direction (grid nodes × frames / seconds) of ``forward``,
  ``adjoint`` and ``inverse`` (ramp filter + interpolating backprojection) for
  (d, k) = (3, 1) (X-ray transform, n = 2), (4, 2) (n = 2), (4, 1) (n = 3), (5, 2)
  (n = 3), each beside the hyperplane transform (k = d − 1) of the same grid and number
  of frames in the same process; the ratio hyperplane / codimension-n throughput is the
  figure of merit (goal: within 3×).  Once with one thread (per core; CPU-time
  throughput, which a loaded machine inflates less than wall time) and once with all
  cores (wall time).  Median of ``--repeats`` calls after a warm-up, the codimension-n
  and hyperplane calls alternating (both see the same load).
* the README's first example, ``KPlaneTransform((64, 64, 64), 400, k=1, extent=4.0)``:
  wall time of forward and of inverse on all cores, their first calls (compilation or
  cache load included) and the maximum error of the reconstruction of e^{−|x|²}
  (goal: forward + inverse under 2 s on 2 cores).

Results are printed as a table and written to ``benchmarks/RESULTS.md`` between the
markers of this benchmark (the new run first, the previous one kept below it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
BEGIN = "<!-- bench_kplane: begin -->"
END = "<!-- bench_kplane: end -->"
RUN = "<!-- bench_kplane: run -->"

CASES = {  # (d, k): grid side, frames (full run)
    (3, 1): (48, 100),
    (4, 2): (20, 100),
    (4, 1): (20, 40),
    (5, 2): (10, 40),
}
QUICK = {(3, 1): (24, 20), (4, 2): (10, 20), (4, 1): (10, 10), (5, 2): (6, 10)}


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def _timed(fn, repeats):
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return _median(wall), _median(cpu)


def worker_case(d, k, side, frames, repeats, threads):
    import numpy as np

    if threads == 1:
        import numba
        from threadpoolctl import threadpool_limits

        numba.set_num_threads(1)
        threadpool_limits(1)
    from ridgekit.kplane import KPlaneTransform

    out = {}
    ops = {}
    for kk, name in ((k, "codim"), (d - 1, "hyper")):
        R = KPlaneTransform((side,) * d, frames, k=kk, extent=4.0, rng=0)
        x = R.grid_points()
        f = np.exp(-(x ** 2).sum(-1))
        g = R.forward(f)
        for op, fn in (("forward", lambda R=R, f=f: R.forward(f)), ("adjoint", lambda R=R, g=g: R.adjoint(g)),
                       ("inverse", lambda R=R, g=g: R.inverse(g))):
            ops[(name, op)] = fn
        out[f"{name}_n"] = d - kk
        out[f"{name}_T"] = R.n_offsets
    vd = side ** d * frames
    for op in ("forward", "adjoint", "inverse"):
        # codimension-n and hyperplane calls alternate, so that both see the same load
        pair = [ops[("codim", op)], ops[("hyper", op)]]
        for fn in pair:
            fn()
        times = {0: ([], []), 1: ([], [])}
        for _ in range(repeats):
            for i, fn in enumerate(pair):
                c0, t0 = time.process_time(), time.perf_counter()
                fn()
                times[i][0].append(time.perf_counter() - t0)
                times[i][1].append(time.process_time() - c0)
        for i, name in enumerate(("codim", "hyper")):
            wall, cpu = _median(times[i][0]), _median(times[i][1])
            out[f"{name}_{op}_wall"] = wall
            out[f"{name}_{op}_cpu"] = cpu
            out[f"{name}_{op}_vd_per_s"] = vd / (cpu if threads == 1 else wall)
    return out


def worker_readme():
    import numpy as np

    t0 = time.perf_counter()
    from ridgekit.kplane import KPlaneTransform

    t_import = time.perf_counter() - t0
    R = KPlaneTransform((64, 64, 64), 400, k=1, extent=4.0)
    x = R.grid_points()
    f = np.exp(-(x ** 2).sum(-1))
    t0 = time.perf_counter()
    g = R.forward(f)
    fwd_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    rec = R.inverse(g)
    inv_first = time.perf_counter() - t0
    fw, iv, fc, ic = [], [], [], []
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        g = R.forward(f)
        fw.append(time.perf_counter() - t0)
        fc.append(time.process_time() - c0)
        c0, t0 = time.process_time(), time.perf_counter()
        rec = R.inverse(g)
        iv.append(time.perf_counter() - t0)
        ic.append(time.process_time() - c0)
    return dict(import_s=t_import, forward_first=fwd_first, inverse_first=inv_first, forward=_median(fw),
                inverse=_median(iv), forward_cpu=_median(fc), inverse_cpu=_median(ic),
                error=float(np.abs(rec - f).max()), offsets=R.n_offsets)


def _run_worker(args, timeout=1200):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *map(str, args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(failed=f"timed out after {timeout} s")
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return dict(failed=f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(lines[-1])


def _fmt_s(x):
    return "—" if x is None else (f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s")


def run(args):
    cases = QUICK if args.quick else CASES
    load_before = os.getloadavg()
    start = time.perf_counter()
    res = {}
    for threads in (1, 0):
        for (d, k), (side, frames) in cases.items():
            print(f"[bench] d={d} k={k} {side}^{d} x {frames} frames, threads={threads or 'all'} …",
                  file=sys.stderr, flush=True)
            res[(d, k, threads)] = _run_worker(["case", d, k, side, frames, args.repeats, threads])
    print("[bench] README example …", file=sys.stderr, flush=True)
    readme = _run_worker(["readme"])
    load_after = os.getloadavg()
    date = subprocess.run(["date"], capture_output=True, text=True).stdout.strip()
    L = [f"### Run of {date}", "",
         f"- Command: `python benchmarks/bench_kplane.py {' '.join(args.argv)}`".replace(" `", " `").rstrip(),
         f"- Load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)}; after: "
         f"{', '.join(f'{v:.2f}' for v in load_after)} on {os.cpu_count()} cores: the machine was shared "
         f"with other jobs (a load above ~2 means they took CPU time from this run).",
         f"- Median of {args.repeats} calls after a warm-up, codimension-n and hyperplane calls alternating. "
         f"Per core: one thread, throughput from CPU "
         f"time; all cores: numba-parallel, throughput from wall time. Total {time.perf_counter() - start:.0f} s.",
         "", "| d | k (n) | grid × frames | threads | operation | codim-n throughput | hyperplane (k = d − 1) "
         "throughput | hyperplane / codim-n |", "|---|---|---|---|---|---|---|---|"]
    for threads in (1, 0):
        for (d, k), (side, frames) in cases.items():
            r = res[(d, k, threads)]
            tn = "1 (per core)" if threads == 1 else "all cores"
            if "failed" in r:
                L.append(f"| {d} | {k} ({d - k}) | {side}^{d} × {frames} | {tn} | {r['failed']} | | | |")
                continue
            for op in ("forward", "adjoint", "inverse"):
                a, b = r[f"codim_{op}_vd_per_s"], r[f"hyper_{op}_vd_per_s"]
                L.append(f"| {d} | {k} ({d - k}) | {side}^{d} × {frames} | {tn} | {op} | {a:.3g} /s | "
                         f"{b:.3g} /s | {b / a:.2f}× |")
    L += ["", "Throughput = grid nodes × frames per second (voxel-directions).", ""]
    if "failed" in readme:
        L.append(f"README example: {readme['failed']}")
    else:
        L += ["README example `KPlaneTransform((64, 64, 64), 400, k=1, extent=4.0)` (X-ray transform, "
              f"{readme['offsets']}² offsets), all cores:", "",
              "| forward | inverse | forward + inverse | CPU time forward + inverse (both threads) | "
              "first forward | first inverse | import | max error (e^{−\\|x\\|²}) |",
              "|---|---|---|---|---|---|---|---|",
              f"| {_fmt_s(readme['forward'])} | {_fmt_s(readme['inverse'])} | "
              f"{_fmt_s(readme['forward'] + readme['inverse'])} | "
              f"{_fmt_s(readme['forward_cpu'] + readme['inverse_cpu'])} | {_fmt_s(readme['forward_first'])} | "
              f"{_fmt_s(readme['inverse_first'])} | {_fmt_s(readme['import_s'])} | {readme['error']:.3g} |", "",
              "Wall times are those of the loaded machine; the CPU time is the work of the two threads "
              "together, so half of it is the wall time two otherwise idle cores would need."]
    text = "\n".join(L) + "\n"
    print(text)
    if not args.no_write:
        write_results(text)
    return 0


_HEADER = """## k-plane transform in codimension ≥ 2 (`benchmarks/bench_kplane.py`)

Goal: throughput per voxel-direction of the codimension-n (n = d − k ≥ 2) transform within
3× of the hyperplane transform of the same grid and frames, forward and adjoint; the
README's first example (`KPlaneTransform((64, 64, 64), 400, k=1)`, forward + inverse) under
2 s on 2 cores. Written by the script; newest run first, the previous one kept.
"""


def write_results(text):
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    runs = []
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        body, tail = rest.split(END, 1)
        runs = [b.strip() for b in body.split(RUN)[1:] if b.strip()]
    else:
        head, tail = old.rstrip() + "\n\n", "\n"
    block = [_HEADER, RUN, text.strip(), ""]
    if runs:
        block += [RUN, runs[0], ""]
    RESULTS.write_text(head + BEGIN + "\n" + "\n".join(block) + END + tail, encoding="utf-8")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        kind, *rest = argv[1:]
        if kind == "case":
            out = worker_case(*(int(v) for v in rest))
        else:
            out = worker_readme()
        print(json.dumps(out))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args(argv)
    args.argv = argv
    if args.quick:
        args.repeats = 1
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
