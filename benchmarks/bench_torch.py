"""Benchmark: nets.torch batched GD and Lanczos sharpness (issue 8).

1. Batched training of 64 two-layer ReLU networks (width 1024, n = 512, d = 5, ``--steps``
   full-batch GD steps, float32, one shared data set, 64 seeds) by
   :func:`nets.torch.train_gd_batched` against a Python loop of :func:`nets.torch.train_gd`
   over the same 64 trainings (``--loop`` of them timed; the per-network time is the
   same for every network, so the loop time is scaled to 64).  Goal: ratio ≥ 5 on CPU.
   Full-batch GD costs the same at every step, so ``--steps 200`` times 1/10 of the run.
2. λ_max of one trained network of that size (float64, 7 169 parameters) by Lanczos
   (:func:`nets.torch.hessian_eigenvalues`, tol 1e-6) and by PyHessian's power iteration
   (``pip install pyhessian``, if installed): time and Hessian-vector products to reach
   1e-6 relative accuracy against a tol = 1e-12 Lanczos reference.  PyHessian's estimate
   carries a fixed −2e-6 relative bias (it normalises by ‖v‖ + 1e-6, see
   tests/test_hessian.py); it is reported as is and with the bias divided out.

Run: python benchmarks/bench_torch.py [--steps 2000] [--loop 64] [--device cpu] [--threads N]
"""

import argparse
import time

import numpy as np
import torch

from nets.torch import TwoLayerReLU, half_mse, hessian_eigenvalues, train_gd, train_gd_batched


def ball(n, d, seed):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, d))
    X = g / np.linalg.norm(g, axis=1, keepdims=True) * rng.random(n)[:, None] ** (1 / d)
    w = rng.standard_normal(d)
    return X, X @ (w / np.linalg.norm(w)) + rng.standard_normal(n)


def bench_training(args):
    n, d, width, B = 512, 5, 1024, 64
    X, y = ball(n, d, 0)
    dev = args.device
    Xt = torch.as_tensor(X, dtype=torch.float32, device=dev)
    yt = torch.as_tensor(y, dtype=torch.float32, device=dev)
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    # warm-up (allocator, kernels)
    train_gd_batched(Xt, yt, seeds=[0, 1], widths=width, lr=0.1, epochs=3, dtype=torch.float32, device=dev)
    sync()
    t0 = time.perf_counter()
    nets = train_gd_batched(Xt, yt, seeds=list(range(B)), widths=width, lr=0.1, epochs=args.steps,
                            clip=50.0, dtype=torch.float32, device=dev)
    sync()
    t_batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    err = 0.0
    for j in range(args.loop):
        model = TwoLayerReLU(d, width, seed=j, dtype=torch.float32, device=dev)
        train_gd(model, Xt, yt, lr=0.1, epochs=args.steps, clip=50.0)
        with torch.no_grad():
            err = max(err, float((model(Xt) - nets.model(j)(Xt)).abs().max()))
    sync()
    t_loop = (time.perf_counter() - t0) * B / args.loop
    return t_batched, t_loop, err


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
        import sys

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
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--loop", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: leave as is)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} threads")
    tb, tl, err = bench_training(args)
    print("\n| trainer (64 nets, width 1024, n = 512, d = 5, float32) | steps | time | per step | ratio |")
    print("|---|---|---|---|---|")
    print(f"| batched (train_gd_batched) | {args.steps} | {tb:.1f} s | {1e3 * tb / args.steps:.1f} ms | 1 |")
    print(f"| Python loop of train_gd ({args.loop} timed, scaled to 64) | {args.steps} | {tl:.1f} s | "
          f"{1e3 * tl / args.steps:.1f} ms | {tl / tb:.2f}x |")
    print(f"max |f_batched − f_loop| on the training points: {err:.2e}")
    ref, rows = bench_lanczos(args)
    print(f"\nλ_max reference (Lanczos tol 1e-12, float64): {ref:.12g}")
    print("| method | time | Hessian-vector products | rel. error | note |")
    print("|---|---|---|---|---|")
    for name, t, k, e, note in rows:
        print(f"| {name} | {t:.3f} s | {k} | {e:.2e} | {note} |")


if __name__ == "__main__":
    main()
