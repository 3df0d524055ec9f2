"""Benchmark: ``splines.besov_norm`` against the PyWavelets decomposition alone (issue 7).

Usage::

    python benchmarks/bench_besov.py            # prints the table
    python benchmarks/bench_besov.py --write    # also appends a section to RESULTS.md

Cases: a 1024² image and a 128³ volume (smooth periodic function plus noise), db4, the
maximal level.  Timed (median of ``--repeats`` calls after one warm-up): ``pywt.wavedecn``
(mode "periodization") alone; ``besov_norm`` with ``prefilter=False`` (decomposition +
sequence norm) and with the default quadrature prefilter, for p = 2 (dot products) and
p = 1.5 (general powers).  The overhead ratio is besov_norm / wavedecn (goal < 1.5).
First-call cost: the first ``besov_norm`` call in this process minus the steady state (no
numba kernels are involved; it is import and filter set-up).  Accuracy: the norm of a
single wavelet against its closed form 2^{j(s + d/2 − d/p)}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import platform
import statistics
import time
from pathlib import Path

import numpy as np


def _median_time(fn, repeats):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    import pywt

    from splines.besov import besov_norm
    rng = np.random.default_rng(0)
    x = np.arange(64) / 64
    small = np.sin(2 * np.pi * x)
    t1 = time.perf_counter()
    besov_norm(small, 1.0, 2.0, 2.0)
    first = time.perf_counter() - t1
    t1 = time.perf_counter()
    besov_norm(small, 1.0, 2.0, 2.0)
    first -= time.perf_counter() - t1
    import_time = t1 - t0

    lines = []
    for shape in ((1024, 1024), (128, 128, 128)):
        d = len(shape)
        grids = np.meshgrid(*[np.arange(n) / n for n in shape], indexing="ij", sparse=True)
        f = np.sin(2 * np.pi * sum(grids)) + 0.01 * rng.standard_normal(shape)
        level = pywt.dwtn_max_level(shape, "db4")
        t_dec = _median_time(lambda: pywt.wavedecn(f, "db4", mode="periodization", level=level), args.repeats)
        rows = [("pywt.wavedecn alone", t_dec, 1.0)]
        for p in (2.0, 1.5):
            for pre in (False, True):
                t = _median_time(lambda: besov_norm(f, 1.0, p, 2.0, prefilter=pre), args.repeats)
                rows.append((f"besov_norm p={p:g} prefilter={pre}", t, t / t_dec))
        # accuracy: one wavelet at level j
        N = shape[0]
        c = pywt.wavedecn(np.zeros(shape), "db4", mode="periodization", level=level)
        c[2]["d" * d][(1,) * d] = 1.0
        g = pywt.waverecn(c, "db4", mode="periodization") * N ** (d / 2)
        j = int(math.log2(N)) - level + 1
        got = besov_norm(g, 1.0, 1.5, 2.0, prefilter=False)
        ref = 2.0 ** (j * (1.0 + d / 2 - d / 1.5))
        lines.append(f"{'x'.join(map(str, shape))}, db4, level {level}")
        for name, t, r in rows:
            lines.append(f"  {name:<36s} {t * 1e3:9.1f} ms   ratio {r:5.2f}")
        lines.append(f"  single-wavelet norm, relative error  {abs(got - ref) / ref:.1e}")
    lines.append(f"first besov_norm call minus steady state  {first * 1e3:.1f} ms (imports {import_time:.2f} s)")
    text = "\n".join(lines)
    print(text)
    if args.write:
        path = Path(__file__).with_name("RESULTS.md")
        section = (f"\n## Besov norms (bench_besov.py, issue 7)\n\n{dt.date.today()}, {platform.machine()}, "
                   f"2 shared cores, PyWavelets {pywt.__version__}.\n\n```\n{text}\n```\n")
        with open(path, "a", encoding="utf-8") as fh:      # re-read/append: others write their own sections
            fh.write(section)


if __name__ == "__main__":
    main()
