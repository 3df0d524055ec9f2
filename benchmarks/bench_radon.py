"""Benchmark: ridgekit's 2-D radon/iradon against scikit-image (and ASTRA's CPU path), and
the 3-D Radon transform with filtered backprojection.

Usage::

    python benchmarks/bench_radon.py                      # full run, refreshes RESULTS.md
    python benchmarks/bench_radon.py --quick --no-write   # a smoke run

What is measured (each case in its own subprocess, so that a crash or the memory of one
case does not affect the others):

* 2-D, the same Shepp–Logan phantom (``ridgekit.phantom.shepp_logan``, cell averages of
  4×4 samples) for every library, 256² with 180 angles and 512² with 360 angles, angles
  evenly spaced in [0°, 180°): time per call of the forward projection, of the filtered
  backprojection (ramp filter) and of one SART sweep, the median of ``--repeats`` calls
  after one warm-up call, once with every library on one thread (per core: CPU-time
  ratios) and once with all cores (wall-time ratios); and the relative L² reconstruction
  error inside the reconstruction circle, each library reconstructing its *own* sinogram.  ASTRA: CPU projector "linear"
  (Joseph), ``create_sino`` and the "FBP" algorithm with the Ram-Lak filter, data objects
  created and deleted inside the timed call.
* 2-D per core once more, ridgekit and scikit-image in one process on one thread, their
  ``radon`` (and ``iradon``) calls alternating, 3 × ``--repeats`` pairs: the median and
  range of the pairs' CPU-time ratios (a shared machine's speed drifts between the
  separate processes above; adjacent calls see the same state).
* ridgekit's first-call cost, in a fresh subprocess whose numba cache
  (``NUMBA_CACHE_DIR``) is an empty temporary directory (cold: compilation), and in a
  fresh subprocess with the normal cache (warm: loading compiled kernels); both minus the
  steady-state time of the same call.
* 3-D: ``RadonTransform((128,)*3, 2000, extent=1.0)`` on a Shepp–Logan-like ellipsoid
  phantom (``ridgekit.phantom.shepp_logan_3d``): forward transform and filtered
  backprojection (median of ``--repeats-3d`` calls after a warm-up), the peak of traced
  Python/numpy allocations (``tracemalloc``) and the process's peak resident memory
  (``ru_maxrss``), and the relative L² error inside the unit ball.

Results are printed as a table and written to ``benchmarks/RESULTS.md`` between the
markers of this benchmark (the new run first, the previous run kept below it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
BEGIN = "<!-- bench_radon: begin -->"
END = "<!-- bench_radon: end -->"
RUN = "<!-- bench_radon: run -->"


# ============================================================================ workers
def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


_CPU = []  # CPU seconds (this process, all threads) of the calls timed by the last _timed


def _timed(fn, repeats):
    """(last result, first-call seconds, median of `repeats` further calls); the median
    CPU time of those calls goes to _CPU[-1] (on one thread it is the work itself, less
    sensitive than wall time to other jobs on a shared machine)."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times, cpu = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    _CPU.append(_median(cpu))
    return out, first, _median(times)


def _limit_threads(threads):
    """One thread for every library (numba, BLAS/OpenMP pools via threadpoolctl) when
    threads == 1; the default pools otherwise."""
    if threads != 1:
        return None
    import numba
    from threadpoolctl import threadpool_limits

    numba.set_num_threads(1)
    os.environ["OMP_NUM_THREADS"] = "1"
    return threadpool_limits(1)


def _phantom_and_mask(n):
    import numpy as np

    from ridgekit.phantom import shepp_logan

    img = shepp_logan(n, supersample=4)
    c = n // 2
    rr, cc = np.ogrid[:n, :n]
    return img, (rr - c) ** 2 + (cc - c) ** 2 <= c ** 2


def _rel_err(rec, img, mask):
    import numpy as np

    return float(np.linalg.norm((rec - img)[mask]) / np.linalg.norm(img[mask]))


def _partial(**values):
    """Print the results so far (the driver keeps them if a later phase crashes)."""
    print(json.dumps(values), flush=True)


def worker_2d(lib, n, m, repeats, threads=0):
    import numpy as np

    _limit_threads(threads)
    img, mask = _phantom_and_mask(n)
    theta = np.linspace(0.0, 180.0, m, endpoint=False)
    sart = None
    if lib == "ridgekit":
        from ridgekit.radon import iradon, iradon_sart, radon

        fwd = lambda: radon(img, theta)  # noqa: E731
        sino, f_first, f_med = _timed(fwd, repeats)
        _partial(radon=f_med, radon_first=f_first)
        rec, b_first, b_med = _timed(lambda: iradon(sino, theta), repeats)
        sart = lambda: iradon_sart(sino, theta)  # noqa: E731
    elif lib == "scikit-image":
        from skimage.transform import iradon, iradon_sart, radon

        sino, f_first, f_med = _timed(lambda: radon(img, theta), repeats)
        _partial(radon=f_med, radon_first=f_first)
        rec, b_first, b_med = _timed(lambda: iradon(sino, theta), repeats)
        sart = lambda: iradon_sart(sino, theta)  # noqa: E731
    elif lib == "astra":
        import astra

        angles = np.deg2rad(theta)
        vg = astra.create_vol_geom(n, n)
        pg = astra.create_proj_geom("parallel", 1.0, n, angles)
        pid = astra.create_projector("linear", pg, vg)

        def fwd():
            sid, s = astra.create_sino(img, pid)
            astra.data2d.delete(sid)
            return s

        def fbp(s):
            sid = astra.data2d.create("-sino", pg, s)
            rid = astra.data2d.create("-vol", vg)
            cfg = astra.astra_dict("FBP")
            cfg.update(ReconstructionDataId=rid, ProjectionDataId=sid, ProjectorId=pid,
                       option={"FilterType": "ram-lak"})
            aid = astra.algorithm.create(cfg)
            astra.algorithm.run(aid)
            out = astra.data2d.get(rid)
            astra.algorithm.delete(aid)
            astra.data2d.delete([rid, sid])
            return out

        sino, f_first, f_med = _timed(fwd, repeats)
        _partial(radon=f_med, radon_first=f_first)
        rec, b_first, b_med = _timed(lambda: fbp(sino), repeats)
        astra.projector.delete(pid)
    else:
        raise ValueError(f"unknown library {lib!r}")
    out = dict(radon=f_med, iradon=b_med, radon_first=f_first, iradon_first=b_first,
               radon_cpu=_CPU[0], iradon_cpu=_CPU[1], error=_rel_err(rec, img, mask))
    if sart is not None:  # one SART sweep at each library's default relaxation
        _partial(**out)
        srec, _, s_med = _timed(sart, max(1, repeats // 3))
        out.update(sart=s_med, sart_cpu=_CPU[2], sart_error=_rel_err(srec, img, mask))
    return out


def worker_paired(n, m, repeats):
    """One thread, ridgekit and scikit-image in the same process, their calls alternating
    (radon, radon, iradon, iradon, …): both see the same machine state, so the ratio of
    each adjacent pair of CPU times does not drift with the speed of a shared machine.
    Returns the median and the extremes of the pairs' ratios, and the median times."""
    import numpy as np

    _limit_threads(1)
    from skimage.transform import iradon as sk_iradon
    from skimage.transform import radon as sk_radon

    from ridgekit.radon import iradon, radon

    img, _ = _phantom_and_mask(n)
    theta = np.linspace(0.0, 180.0, m, endpoint=False)
    sino = radon(img, theta)
    sk_sino = sk_radon(img, theta)
    calls = {"radon": (lambda: radon(img, theta), lambda: sk_radon(img, theta)),
             "iradon": (lambda: iradon(sino, theta), lambda: sk_iradon(sk_sino, theta))}
    out = {}
    for name, (ours, theirs) in calls.items():
        ours()
        theirs()
        t_ours, t_theirs = [], []
        for _ in range(repeats):
            for fn, acc in ((ours, t_ours), (theirs, t_theirs)):
                c0 = time.process_time()
                fn()
                acc.append(time.process_time() - c0)
        ratios = [b / a for a, b in zip(t_ours, t_theirs)]
        out[name] = dict(ratio=_median(ratios), lo=min(ratios), hi=max(ratios), ours=_median(t_ours),
                         theirs=_median(t_theirs))
    return out


def worker_first_call(n, m):
    """ridgekit in a fresh process: import, first and second radon and iradon calls."""
    t0 = time.perf_counter()
    import numpy as np

    from ridgekit.radon import iradon, iradon_sart, radon
    t_import = time.perf_counter() - t0
    img, _ = _phantom_and_mask(n)
    theta = np.linspace(0.0, 180.0, m, endpoint=False)
    out = dict(import_s=t_import)
    for name, fn in (("radon", lambda: radon(img, theta)),):
        t0 = time.perf_counter()
        sino = fn()
        out[name + "_first"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        fn()
        out[name + "_second"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    iradon(sino, theta)
    out["iradon_first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    iradon(sino, theta)
    out["iradon_second"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    iradon_sart(sino, theta)
    out["sart_first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    iradon_sart(sino, theta)
    out["sart_second"] = time.perf_counter() - t0
    return out


def worker_3d(n, dirs, repeats):
    import resource
    import tracemalloc

    import numpy as np

    from ridgekit.phantom import shepp_logan_3d
    from ridgekit.radon import RadonTransform

    vol = shepp_logan_3d(n)
    tracemalloc.start()
    t0 = time.perf_counter()
    R = RadonTransform((n,) * 3, dirs, extent=1.0)
    t_setup = time.perf_counter() - t0
    g, f_first, f_med = _timed(lambda: R.forward(vol), repeats)
    rec, b_first, b_med = _timed(lambda: R.inverse(g), repeats)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    ax = (np.arange(n) + 0.5) / n * 2 - 1
    r2 = ax[:, None, None] ** 2 + ax[None, :, None] ** 2 + ax[None, None, :] ** 2
    mask = r2 <= 1.0
    err = float(np.linalg.norm((rec - vol)[mask]) / np.linalg.norm(vol[mask]))
    return dict(setup=t_setup, forward=f_med, fbp=b_med, forward_first=f_first, fbp_first=b_first,
                tracemalloc_peak=peak, maxrss=maxrss, error=err, sinogram=list(R.sinogram_shape),
                volume_bytes=vol.nbytes, sinogram_bytes=g.nbytes)


# ============================================================================ driver
def _run_worker(args, env=None, timeout=900):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *map(str, args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(failed=f"timed out after {timeout} s")
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if proc.returncode != 0:
        why = (f"crashed (signal {-proc.returncode})" if proc.returncode < 0
               else f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
        partial = json.loads(lines[-1]) if lines else {}
        return dict(partial, failed=why)
    return json.loads(lines[-1])


def _available(module):
    code = f"import {module}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def _version(module):
    code = f"import {module} as m; print(getattr(m, '__version__', '?'))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


def _machine():
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count()
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()}, {model}, {cores} cores available, "
            f"Python {platform.python_version()}")


def _fmt_s(x):
    return "—" if x is None else (f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s")


def run(args):
    sizes = [tuple(int(v) for v in s.split(":")) for s in args.sizes.split(",")]
    libs = ["ridgekit", "scikit-image"] + (["astra"] if _available("astra") else [])
    if not _available("skimage"):
        libs.remove("scikit-image")
    load_before = os.getloadavg()
    start = time.perf_counter()
    results = {}
    for n, m in sizes:
        for threads in (1, 0):
            for lib in libs:
                what = "1 thread" if threads == 1 else "all cores"
                print(f"[bench] 2-D {lib} {n}² × {m} angles, {what} …", file=sys.stderr, flush=True)
                results[(lib, n, m, threads)] = _run_worker(["2d", lib, n, m, args.repeats, threads])
    paired = {}
    if "scikit-image" in libs:
        for n, m in sizes:
            print(f"[bench] 2-D ridgekit and scikit-image alternating, {n}² × {m} angles, 1 thread …",
                  file=sys.stderr, flush=True)
            paired[(n, m)] = _run_worker(["paired", n, m, 3 * args.repeats])
    n0, m0 = sizes[0]
    print("[bench] first call, cold numba cache …", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as cache:
        cold = _run_worker(["first", n0, m0], env={**os.environ, "NUMBA_CACHE_DIR": cache})
    print("[bench] first call, warm numba cache …", file=sys.stderr, flush=True)
    warm = _run_worker(["first", n0, m0])
    d3 = None
    if not args.no_3d:
        print(f"[bench] 3-D {args.n3d}³, {args.dirs} directions …", file=sys.stderr, flush=True)
        d3 = _run_worker(["3d", args.n3d, args.dirs, args.repeats_3d])
    load_after = os.getloadavg()
    info = dict(date=subprocess.run(["date"], capture_output=True, text=True).stdout.strip(),
                machine=_machine(), load_before=load_before, load_after=load_after,
                total=time.perf_counter() - start,
                command="python benchmarks/bench_radon.py " + " ".join(args.argv),
                versions={"ridgekit": _version("ridgekit"), "scikit-image": _version("skimage"),
                          "astra-toolbox": _version("astra"), "numba": _version("numba"),
                          "numpy": _version("numpy")},
                repeats=args.repeats)
    text = render(results, libs, sizes, cold, warm, d3, info, args, paired)
    print(text)
    if not args.no_write:
        write_results(text)
        print(f"[bench] refreshed {RESULTS}", file=sys.stderr)
    return 0


def render(results, libs, sizes, cold, warm, d3, info, args, paired=None):
    L = []
    L.append(f"### Run of {info['date']}")
    L.append("")
    L.append(f"- Command: `{info['command'].strip()}`")
    L.append(f"- Machine: {info['machine']}")
    lb, la = info["load_before"], info["load_after"]
    L.append(f"- Load average (1, 5, 15 min) before: {lb[0]:.2f}, {lb[1]:.2f}, {lb[2]:.2f}; after: "
             f"{la[0]:.2f}, {la[1]:.2f}, {la[2]:.2f} (the benchmark itself adds up to about 1–2; more "
             f"means other jobs shared the cores)")
    L.append("- Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    L.append(f"- Times are medians of {info['repeats']} calls after one warm-up call (SART: of "
             f"{max(1, info['repeats'] // 3)}), each library and thread setting in its own process. "
             f"**Per core**: every library on one thread (numba.set_num_threads(1), threadpoolctl "
             f"limits, OMP_NUM_THREADS=1); the ratio is that of the CPU times of the calls, which "
             f"a loaded machine inflates less than wall time. **All cores**: ridgekit numba-parallel, "
             f"scikit-image single-threaded as it is, ASTRA's CPU path as it is; the ratio is that "
             f"of wall times. Total benchmark time {info['total']:.0f} s.")
    L.append("")
    L.append("| size | threads | library | radon | iradon (FBP) | SART (1 sweep) | radon ratio | "
             "iradon ratio | SART ratio | FBP rel. L² error | SART rel. L² error |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, m in sizes:
        for threads in (1, 0):
            key = "_cpu" if threads == 1 else ""
            rk = results.get(("ridgekit", n, m, threads), {})
            for lib in libs:
                r = results[(lib, n, m, threads)]
                tname = "1 (per core)" if threads == 1 else "all cores"
                if "radon" not in r:
                    L.append(f"| {n}², {m} angles | {tname} | {lib} | {r.get('failed')} | | | | | | | |")
                    continue

                def ratio(name, r=r, rk=rk, lib=lib, key=key):
                    if lib == "ridgekit" or name + key not in r or name + key not in rk:
                        return "—"
                    return f"{r[name + key] / rk[name + key]:.2g}×"

                def t(name, r=r, key=key):
                    if name not in r:
                        return "—"
                    return _fmt_s(r[name]) + (f" (CPU {_fmt_s(r[name + key])})" if key else "")

                err = f"{r['error']:.4f}" if "error" in r else "—"
                serr = f"{r['sart_error']:.4f}" if "sart_error" in r else "—"
                L.append(f"| {n}², {m} angles | {tname} | {lib} | {t('radon')} | {t('iradon')} | {t('sart')} | "
                         f"{ratio('radon')} | {ratio('iradon')} | {ratio('sart')} | {err} | {serr} |")
    L.append("")
    L.append("Ratio = the library's time / ridgekit's time at the same thread setting (above 1: "
             "ridgekit is faster); per core from CPU times, all cores from wall times. SART runs "
             "each library's default relaxation (scikit-image 0.15 in its normalisation, ridgekit "
             "1.0 in Andersen & Kak's; see `iradon_sart`).")
    L.append("")
    if paired:
        L.append(f"Per core, alternating in one process (one thread; {3 * info['repeats']} pairs of calls, "
                 f"ridgekit's and scikit-image's CPU times side by side, so that both see the same "
                 f"machine state): scikit-image / ridgekit, the median over the pairs and the range.")
        L.append("")
        L.append("| size | radon: ridgekit | scikit-image | ratio (range) | iradon: ridgekit | scikit-image | "
                 "ratio (range) |")
        L.append("|---|---|---|---|---|---|---|")
        for (n, m), r in paired.items():
            if "failed" in r:
                L.append(f"| {n}², {m} angles | {r['failed']} | | | | | |")
                continue
            a, b = r["radon"], r["iradon"]
            L.append(f"| {n}², {m} angles | {_fmt_s(a['ours'])} | {_fmt_s(a['theirs'])} | {a['ratio']:.2f}× "
                     f"({a['lo']:.2f}–{a['hi']:.2f}) | {_fmt_s(b['ours'])} | {_fmt_s(b['theirs'])} | "
                     f"{b['ratio']:.2f}× ({b['lo']:.2f}–{b['hi']:.2f}) |")
        L.append("")
    n0, m0 = sizes[0]
    L.append(f"First call of ridgekit ({n0}², {m0} angles), each in a fresh process:")
    L.append("")
    L.append("| numba cache | import radon | radon 1st call | radon 2nd | iradon 1st call | iradon 2nd | "
             "SART 1st call | SART 2nd |")
    L.append("|---|---|---|---|---|---|---|---|")
    for name, r in (("cold (empty NUMBA_CACHE_DIR): compile", cold), ("warm (cached kernels): load", warm)):
        if "failed" in r:
            L.append(f"| {name} | {r['failed']} | | | | | | |")
        else:
            L.append(f"| {name} | {_fmt_s(r['import_s'])} | {_fmt_s(r['radon_first'])} | "
                     f"{_fmt_s(r['radon_second'])} | {_fmt_s(r['iradon_first'])} | {_fmt_s(r['iradon_second'])} | "
                     f"{_fmt_s(r['sart_first'])} | {_fmt_s(r['sart_second'])} |")
    L.append("")
    if d3 is not None:
        L.append(f"3-D: `RadonTransform(({args.n3d},)*3, {args.dirs}, extent=1.0)` on the Shepp–Logan-like "
                 f"ellipsoid phantom (median of {args.repeats_3d} after a warm-up):")
        L.append("")
        if "failed" in d3:
            L.append(f"- {d3['failed']}")
        else:
            L.append("| forward | FBP (ramp + backprojection) | first forward | first FBP | traced peak "
                     "(tracemalloc) | process peak RSS | volume | sinogram | rel. L² error in unit ball |")
            L.append("|---|---|---|---|---|---|---|---|---|")
            mb = 2 ** 20
            L.append(f"| {_fmt_s(d3['forward'])} | {_fmt_s(d3['fbp'])} | {_fmt_s(d3['forward_first'])} | "
                     f"{_fmt_s(d3['fbp_first'])} | {d3['tracemalloc_peak'] / mb:.0f} MiB | "
                     f"{d3['maxrss'] / mb:.0f} MiB | {d3['volume_bytes'] / mb:.0f} MiB | "
                     f"{'×'.join(map(str, d3['sinogram']))} ({d3['sinogram_bytes'] / mb:.1f} MiB) | "
                     f"{d3['error']:.3f} |")
        L.append("")
    return "\n".join(L)


_HEADER = """## 2-D and 3-D Radon transforms (`benchmarks/bench_radon.py`)

Goal: per core (every library on one thread), ridgekit's `radon` and `iradon` at least 8×
faster than scikit-image and faster than ASTRA's CPU path, at equal or lower reconstruction
error, and `iradon_sart` faster than scikit-image's; the all-cores ratios are printed beside
them. 3-D Radon transform and FBP of a 128³ volume with ≥ 2000 directions under 10 s each
on 2 cores. Numbers below are written by the script (never edited by hand); the newest run
comes first, the previous one is kept for comparison. Timings are medians and depend on the
machine's load, given per run (runs before 2 Dec 2026 compared ridgekit on 2 threads with
scikit-image on 1: their ratios are not per-core ratios).
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
        if kind == "2d":
            out = worker_2d(rest[0], int(rest[1]), int(rest[2]), int(rest[3]), int(rest[4]))
        elif kind == "first":
            out = worker_first_call(int(rest[0]), int(rest[1]))
        elif kind == "paired":
            out = worker_paired(int(rest[0]), int(rest[1]), int(rest[2]))
        else:
            out = worker_3d(int(rest[0]), int(rest[1]), int(rest[2]))
        print(json.dumps(out))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="256:180,512:360", help="N:angles pairs, comma separated")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--n3d", type=int, default=128)
    p.add_argument("--dirs", type=int, default=2000)
    p.add_argument("--repeats-3d", type=int, default=3)
    p.add_argument("--no-3d", action="store_true")
    p.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args(argv)
    args.argv = argv
    if args.quick:
        args.sizes, args.repeats, args.n3d, args.dirs, args.repeats_3d = "64:45", 2, 32, 200, 1
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
