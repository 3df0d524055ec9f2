"""The weight-decay column of Fig. 2 of arXiv 2506.20779 at the paper's sizes, for λ = 0.1 (the
value Sec. 4 states) and λ = 0.01 (a sensitivity run), with the shrinkage coefficient c of each
fit.  This is the measurement behind the docs page *Reproducing Fig. 2 of the flat-minima paper*
and the flat-minima section of benchmarks/RESULTS.md.

Set-up (as :mod:`ridgekit.gallery.flat_minima`): x ~ Unif(B^d_1), y = wᵀx + N(0, 1), width 4n,
Kaiming init, full-batch GD η = 0.01 with weight decay λ (λθ added to the clipped gradient of every
parameter), clipping at 50, 20 000 steps, 5 seeds per cell (data seeds [2506, d, n, s] as in
``fig2_task``, initialisation seeds 5..9), excess risk on 10⁴ fresh points.

Usage::

    python benchmarks/flat_minima_weight_decay.py OUT.json 1,5      # dims; about 1 h on 2 idle cores

Prints one line per cell (λ, d, n, median test MSE, median c, seconds) and writes all values to
OUT.json as it goes.
"""

import json
import sys
import time

import numpy as np
import torch

from ridgekit.gallery.flat_minima import _linear_data, bootstrap_slope, sample_ball
from ridgekit.nets.torch import stack_datasets, train_gd_batched

NS = (32, 64, 128, 256, 512)


def main(path, dims):
    torch.set_num_threads(1)
    out = {}
    for lam in (0.1, 0.01):
        for d in dims:
            for n in NS:
                seeds = 5
                t0 = time.time()
                data = [_linear_data(n, d, [2506, d, n, s]) for s in range(seeds)]
                Xb, yb, _ = stack_datasets([(X, y) for X, y, _ in data], dtype=torch.float32)
                nets = train_gd_batched(Xb, yb, seeds=list(range(seeds, 2 * seeds)), widths=4 * n, lr=0.01,
                                        weight_decay=lam, epochs=20000, clip=50.0, dtype=torch.float32)
                Xte = sample_ball(10000, d, np.random.default_rng([2506, d, n, 99]))
                pred = nets.predict(torch.as_tensor(Xte)).double().cpu().numpy()
                mse, cs = [], []
                for j in range(seeds):
                    f0 = Xte @ data[j][2]
                    mse.append(float(np.mean((pred[j] - f0) ** 2)))
                    cs.append(float(np.dot(pred[j] - pred[j].mean(), f0) / np.dot(f0, f0)))
                out[f"{lam},{d},{n}"] = {"mse": mse, "c": cs, "time": time.time() - t0}
                print(lam, d, n, np.median(mse), np.median(cs), round(time.time() - t0, 1), flush=True)
                with open(path, "w") as fh:
                    json.dump(out, fh, indent=1)
    for lam in (0.1, 0.01):
        for d in dims:
            mse = np.array([out[f"{lam},{d},{n}"]["mse"] for n in NS])
            s, (lo, hi), _ = bootstrap_slope(NS, mse, rng=1)
            print(f"λ = {lam:g}, d = {d}: slope {s:.3f}, 95 % bootstrap interval [{lo:.3f}, {hi:.3f}]")


if __name__ == "__main__":
    main(sys.argv[1], [int(a) for a in sys.argv[2].split(",")])
