"""Benchmark: IMP against distilled IMP on scikit-learn's digits (arXiv 2503.17905 set-up).

Model: MLP 64 → 256 → 256 → 10 (85 k prunable weights), float32.  Both pruning loops run
10 rounds at 20 % of the remaining weights per round (final sparsity 1 − 0.8¹⁰ = 89.3 %),
global magnitude pruning:

* IMP with rewinding to iteration k = 10 (Frankle et al. 2020): each round trains on the
  1 347 training images, ``--steps`` SGD steps (default 400 ≈ 19 epochs) of batch 64,
  lr 0.05, momentum 0.9;
* distilled IMP (k = 0): each round trains on a distribution-matching set of
  ``--ipc`` images per class (default 2: 20 images, 67× fewer), ``--inner-steps``
  full-batch steps (default 15), same optimiser.  The distillation itself is a one-off
  cost, timed and printed separately.

Goals: IMP under 2 minutes on 2 cores; distilled IMP's pruning loop ≥ 20× faster.  Both
final masks are validated the same way (train θ₀ ⊙ m, or θ_k ⊙ m for IMP, on the full
training set, ``--steps`` steps) and their test accuracies printed, so that a speed-up
bought with worse tickets shows.  Timed with 1 torch thread (per core) and with all
cores (``torch.get_num_threads()`` at start); wall-clock and process CPU time are both
printed, since on a shared machine the wall-clock mostly measures the other jobs.  The
first training call in a process pays torch's one-off start-up; a warm-up run precedes
the timings.

Run: python benchmarks/bench_lottery.py [--steps 400] [--inner-steps 15] [--ipc 2]
     [--threads 1,all] [--results benchmarks/RESULTS.md]
"""

import argparse
import os
import subprocess
import time

import torch

from ridgekit.nets.torch.classifiers import MLP, TrainConfig, evaluate, train_classifier
from ridgekit.nets.torch.datasets import digits
from ridgekit.nets.torch.distill import distilled_imp, distribution_matching
from ridgekit.nets.torch.pruning import imp, train_subnetwork


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--inner-steps", type=int, default=15)
    ap.add_argument("--ipc", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--results", default=None, help="append the table to this Markdown file")
    ap.add_argument("--threads", default="1,all", help="comma-separated torch thread counts ('all' = the default)")
    args = ap.parse_args()
    all_threads = torch.get_num_threads()
    d = digits(seed=0)
    Xtr, ytr = torch.as_tensor(d["X_train"]), torch.as_tensor(d["y_train"])
    Xte, yte = torch.as_tensor(d["X_test"]), torch.as_tensor(d["y_test"])
    full = TrainConfig(steps=args.steps, lr=0.05, batch_size=64)
    inner = TrainConfig(steps=args.inner_steps, lr=0.05, batch_size=10 * args.ipc)
    after_k = TrainConfig(steps=args.steps - 10, lr=0.05, batch_size=64)

    torch.set_num_threads(1)
    warm = MLP([64, 256, 256, 10], seed=0)
    train_classifier(warm, Xtr, ytr, TrainConfig(steps=20, lr=0.05), seed=0)
    t0 = time.perf_counter()
    dm = distribution_matching(Xtr, ytr, args.ipc, n_classes=10, iterations=200, seed=0, batch_real=128)
    t_dm = time.perf_counter() - t0

    rows = []
    counts = sorted({all_threads if t.strip() == "all" else int(t) for t in args.threads.split(",")})
    for threads in counts:
        torch.set_num_threads(threads)
        net = MLP([64, 256, 256, 10], seed=0)
        theta0 = {k: v.clone() for k, v in net.state_dict().items()}
        t0, c0 = time.perf_counter(), time.process_time()
        r_imp = imp(net, (Xtr, ytr), full, rounds=args.rounds, rewind_iteration=10, seed=0)
        t_imp, c_imp = time.perf_counter() - t0, time.process_time() - c0
        net.load_state_dict(theta0)
        t0, c0 = time.perf_counter(), time.process_time()
        r_d = distilled_imp(net, dm, inner, rounds=args.rounds, seed=0)
        t_d, c_d = time.perf_counter() - t0, time.process_time() - c0
        if rows:                      # tickets are the same with any thread count: validate once
            rows.append((threads, t_imp, t_d, c_imp, c_d, r_imp.total_examples, r_d.total_examples)
                        + rows[0][7:])
            continue
        acc_imp = 1 - train_subnetwork(net, r_imp.rewind_state, r_imp.masks[-1], (Xtr, ytr), after_k, seed=1,
                                       eval_data=(Xte, yte))[1]
        acc_d = 1 - train_subnetwork(net, theta0, r_d.masks[-1], (Xtr, ytr), full, seed=1, eval_data=(Xte, yte))[1]
        net.load_state_dict(theta0)
        train_classifier(net, Xtr, ytr, full, seed=1)
        acc_dense = 1 - evaluate(net, Xte, yte)[1]
        rows.append((threads, t_imp, t_d, c_imp, c_d, r_imp.total_examples, r_d.total_examples,
                     acc_dense, acc_imp, acc_d, r_imp.masks[-1].sparsity))
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    head = ("| threads | IMP loop wall / CPU [s] | distilled-IMP loop wall / CPU [s] | speed-up wall / CPU "
            "| per-example grads IMP / dIMP | test acc. dense / IMP ticket / dIMP ticket | final sparsity |")
    lines = [head, "|" + "---|" * 7]
    for th, ti, td, ci, cd, ei, ed, ad, ai, adi, sp in rows:
        lines.append(f"| {th} | {ti:.2f} / {ci:.2f} | {td:.2f} / {cd:.2f} | {ti / td:.1f}× / {ci / cd:.1f}× | "
                     f"{ei:,} / {ed:,} | {100 * ad:.1f} / {100 * ai:.1f} / {100 * adi:.1f} % | {100 * sp:.1f} % |")
    text = "\n".join(lines)
    print(text)
    print(f"DM distillation ({args.ipc} images per class, 200 iterations, 1 thread): {t_dm:.2f} s, one-off")
    print(f"load: {load}")
    if args.results:
        with open(args.results, "a", encoding="utf-8") as f:
            f.write(f"\n## Lottery tickets: IMP vs distilled IMP (`benchmarks/bench_lottery.py`)\n\n"
                    f"Run of {time.strftime('%a %b %d %H:%M:%S UTC %Y', time.gmtime())}, taken under load "
                    f"(`uptime`: {load}); {os.cpu_count()} cores.  Digits, MLP 64-256-256-10, "
                    f"{args.rounds} rounds × 20 %, IMP {args.steps} steps of batch 64 per round (rewind k = 10), "
                    f"distilled IMP {args.inner_steps} full-batch steps on {10 * args.ipc} DM images per round "
                    f"(k = 0); tickets validated by {args.steps} steps on the full training set.  "
                    f"DM distillation: {t_dm:.2f} s one-off.\n\n{text}\n")


if __name__ == "__main__":
    main()
