"""Benchmark: nets.torch batched GD and Lanczos sharpness (arXiv 2506.20779 set-up).

1. Batched training of 64 two-layer ReLU networks (width 1024, n = 512, d = 5, 2 000
   full-batch GD steps, clip 50, float32, one shared data set, 64 seeds) by
   :func:`nets.torch.train_gd_batched` with ``backend="fused"`` (numba kernel, the CPU
   default) and ``backend="torch"`` (batched tensor products), against a Python loop of
   :func:`nets.torch.train_gd` over the same 64 trainings.  Goal: loop / batched ≥ 5 on
   CPU.  Full-batch GD costs the same at every step (no branch depends on the data in
   the fused kernel; the torch kernels are dense), so the slow trainers are timed on
   ``--torch-steps`` steps and ``--loop`` of the 64 loop members and scaled to 2 000 steps
   and 64 networks; the fused trainer is timed on ``--steps`` (default the full 2 000).
   Accuracy: max |f_batched − f_loop| on the training points after ``--torch-steps``
   steps, for the ``--loop`` networks trained both ways.  First-call cost: the first
   fused call (tiny problem) in a fresh process with an empty ``NUMBA_CACHE_DIR``
   (compilation) and again with the cache filled (cache load).
2. λ_max of one trained network of that size (float64, 7 169 parameters) by Lanczos
   (:func:`nets.torch.hessian_eigenvalues`, tol 1e-6) and by PyHessian's power iteration
   (``pip install pyhessian``, if installed): time and Hessian-vector products to reach
   1e-6 relative accuracy against a tol = 1e-12 Lanczos reference.  PyHessian's estimate
   carries a fixed −2e-6 relative bias (it normalises by ‖v‖ + 1e-6, see
   tests/test_hessian.py); it is reported as is and with the bias divided out.

Run: python benchmarks/bench_torch.py [--steps 2000] [--torch-steps 200] [--loop 16]
     [--device cpu] [--threads N] [--skip-lanczos]
``--threads N`` sets both torch's intra-op threads and numba's threads (the fused kernel
runs one network per thread).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from ridgekit.nets.torch import TwoLayerReLU, half_mse, hessian_eigenvalues, train_gd, train_gd_batched

FULL_STEPS = 2000


def ball(n, d, seed):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, d))
    X = g / np.linalg.norm(g, axis=1, keepdims=True) * rng.random(n)[:, None] ** (1 / d)
    w = rng.standard_normal(d)
    return X, X @ (w / np.linalg.norm(w)) + rng.standard_normal(n)


def first_call():
    """Time the first fused call of this process (prints one JSON line)."""
    t0 = time.perf_counter()
    X = torch.rand(8, 2, dtype=torch.float32)
    train_gd_batched(X, X.sum(1), seeds=[0, 1], widths=4, lr=0.1, epochs=2, clip=50.0, dtype=torch.float32,
                     backend="fused")
    print(json.dumps({"first_call_s": time.perf_counter() - t0}))


def first_call_costs():
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench_torch_numba_") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for name in ("cold (empty NUMBA_CACHE_DIR): compile", "warm (cache filled): load"):
            p = subprocess.run([sys.executable, __file__, "--first-call"], capture_output=True, text=True, env=env)
            lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
            out[name] = json.loads(lines[-1])["first_call_s"] if p.returncode == 0 and lines else float("nan")
    return out


def bench_training(args):
    n, d, width, B = 512, 5, 1024, 64
    X, y = ball(n, d, 0)
    dev = args.device
    Xt = torch.as_tensor(X, dtype=torch.float32, device=dev)
    yt = torch.as_tensor(y, dtype=torch.float32, device=dev)
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    kw = dict(widths=width, lr=0.1, clip=50.0, dtype=torch.float32, device=dev)
    backends = ["fused", "torch"] if torch.device(dev).type == "cpu" else ["torch"]
    rows, nets = [], {}
    for be in backends:
        train_gd_batched(Xt, yt, seeds=[0, 1], epochs=3, backend=be, **kw)      # warm-up (compile, allocator)
        sync()
        steps = args.steps if be == "fused" else args.torch_steps
        t0 = time.perf_counter()
        out = train_gd_batched(Xt, yt, seeds=list(range(B)), epochs=steps, backend=be, **kw)
        sync()
        t = time.perf_counter() - t0
        if steps == args.torch_steps:
            nets[be] = out
        else:              # the networks at --torch-steps steps, for the accuracy comparison
            nets[be] = train_gd_batched(Xt, yt, seeds=list(range(args.loop)), epochs=args.torch_steps,
                                        backend=be, **kw)
        rows.append((f"batched, backend=\"{be}\"", steps, t))
    t0 = time.perf_counter()
    err = {be: 0.0 for be in nets}
    for j in range(args.loop):
        model = TwoLayerReLU(d, width, seed=j, dtype=torch.float32, device=dev)
        train_gd(model, Xt, yt, lr=0.1, epochs=args.torch_steps, clip=50.0)
        with torch.no_grad():
            for be, st in nets.items():
                err[be] = max(err[be], float((model(Xt) - st.model(j)(Xt)).abs().max()))
    sync()
    rows.append((f"Python loop of train_gd ({args.loop} timed, scaled to 64)", args.torch_steps,
                 (time.perf_counter() - t0) * B / args.loop))
    return rows, err


def bench_lanczos(args):
    n, d, width = 512, 5, 1024
    X, y = ball(n, d, 1)
    Xt, yt = torch.as_tensor(X, device=args.device), torch.as_tensor(y, device=args.device)
    model = TwoLayerReLU(d, width, seed=0, device=args.device)
    train_gd(model, Xt, yt, lr=0.5, epochs=300, clip=50.0)
    params = list(model.parameters())
    loss = lambda: half_mse(model(Xt), yt)
    ref = hessian_eigenvalues(loss, params, tol=1e-12, max_iter=2000)[0]
    t0 = time.perf_counter()
    lam, info = hessian_eigenvalues(loss, params, tol=1e-6, return_info=True)
    t_l = time.perf_counter() - t0
    rows = [("Lanczos (ridgekit, tol 1e-6)", t_l, info["n_hvp"], float(abs(lam[0] - ref) / ref), "")]
    try:
        import pyhessian

        ph = sys.modules["pyhessian.hessian"]
    except ImportError:
        rows.append(("PyHessian power iteration", float("nan"), 0, float("nan"), "pyhessian not installed"))
        return ref, rows
    count = [0]
    orig = ph.hessian_vector_product

    def counted(*a, **k):
        count[0] += 1
        return orig(*a, **k)

    ph.hessian_vector_product = counted
    import warnings
    try:
        copy = TwoLayerReLU.from_tensors(model.W, model.b, model.V, model.c0)
        with warnings.catch_warnings(), torch.random.fork_rng():
            warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
            torch.manual_seed(0)
            t0 = time.perf_counter()
            hc = pyhessian.hessian(copy, half_mse, data=(Xt, yt), cuda=args.device.startswith("cuda"))
            top, _ = hc.eigenvalues(maxIter=5000, tol=1e-6)
            t_p = time.perf_counter() - t0
    finally:
        ph.hessian_vector_product = orig
    e_raw = float(abs(top[0] - ref) / ref)
    e_fix = float(abs(top[0] * (1 + 1e-6) ** 2 - ref) / ref)
    rows.append(("PyHessian power iteration (tol 1e-6 on consecutive estimates)", t_p, count[0], e_raw,
                 f"bias-corrected error {e_fix:.2e}"))
    return ref, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=FULL_STEPS, help="steps timed for the fused backend")
    ap.add_argument("--torch-steps", type=int, default=200, help="steps timed for the torch backend and the loop")
    ap.add_argument("--loop", type=int, default=16, help="loop members timed (of 64)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch and numba threads (0: leave as is)")
    ap.add_argument("--skip-lanczos", action="store_true")
    ap.add_argument("--first-call", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.first_call:
        return first_call()
    import numba

    if args.threads:
        torch.set_num_threads(args.threads)
        numba.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, numba {numba.__version__}, device {args.device}, "
          f"torch threads {torch.get_num_threads()}, numba threads {numba.get_num_threads()}")
    print(f"load average before: {os.getloadavg()}")
    rows, err = bench_training(args)
    if torch.device(args.device).type == "cpu":
        print(f"numba threading layer: {numba.threading_layer()}")
    t_loop = rows[-1][2] / rows[-1][1] * FULL_STEPS
    print("\n| trainer (64 nets, width 1024, n = 512, d = 5, float32) | steps timed | time | per step "
          "| time for 2 000 steps | loop / this |")
    print("|---|---|---|---|---|---|")
    for name, steps, t in rows:
        full = t / steps * FULL_STEPS
        print(f"| {name} | {steps} | {t:.1f} s | {1e3 * t / steps:.1f} ms | {full:.0f} s | {t_loop / full:.2f}x |")
    for be, e in err.items():
        print(f"max |f_batched − f_loop| on the training points ({be}, {args.loop} networks, "
              f"{args.torch_steps} steps): {e:.2e}")
    if torch.device(args.device).type == "cpu":
        for name, t in first_call_costs().items():
            print(f"first fused call in a fresh process, {name}: {t:.2f} s")
    print(f"load average after: {os.getloadavg()}")
    if args.skip_lanczos:
        return
    ref, rows = bench_lanczos(args)
    print(f"\nλ_max reference (Lanczos tol 1e-12, float64): {ref:.12g}")
    print("| method | time | Hessian-vector products | rel. error | note |")
    print("|---|---|---|---|---|")
    for name, t, k, e, note in rows:
        print(f"| {name} | {t:.3f} s | {k} | {e:.2e} | {note} |")


if __name__ == "__main__":
    main()
