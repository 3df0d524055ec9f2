"""scnn (PyPI ``pyscnn``) against splines._scnn_variant on scnn's own problem.

Problem: (1/2N)‖Σₖ vₖ[wₖᵀx + bₖ]₊ − y‖² + λΣₖ|vₖ|‖(wₖ, bₖ)‖ (bias penalised, no skip).
scnn is run two ways, both with its default convex ReLU formulation and optimizer
(augmented Lagrangian ``AL``, group-L1 ``NeuronGL1(λ)`` = λΣ‖(u, β)‖ over the blocks),
``unitize_data=False`` (so that the penalty is on the weights of (x, 1) themselves, the
problem our solver solves) and ``dtype="float64"``:

* ``zero`` gates: ``optimize("relu", 2P, X, y, regularizer=NeuronGL1(lam), bias=True, ...)``.
  Its P sampled gates have zero bias (``G_bias = 0``): only the activation patterns of
  hyperplanes through the origin of x-space, a restricted program (an upper bound).
* ``biased`` gates: ``optimize_model(ConvexReLU(G, bias=True, G_bias=g0), AL(model), ...)``
  with (G; g0) = ``sample_gate_vectors(778, d + 1, P)``: P standard Gaussian vectors in
  (x, 1)-space, i.e. uniform directions on its sphere, the same distribution from which
  our pricing draws its P directions per round.  This lets scnn see affine patterns.

Both outputs are scored by :func:`splines._scnn_variant.weight_decay_objective`, and
scnn's returned (W, b, v) must reproduce its own predictions.

scnn runs in its own virtual environment (it needs torch; never the main one): set
``SCNN_PYTHON`` (default /tmp/scnnvenv/bin/python).  Without it the script prints a
message and exits 0.  Data pass through .npy files in a temporary folder.

Pattern budget: scnn gets P gates (``max_neurons`` = 2·P: two sign blocks per gate; the
``pat`` column is the number of distinct non-zero patterns they give on the data, after
scnn's de-duplication); ours draws P random directions per pricing round
(``n_patterns`` = P).

    python benchmarks/bench_scnn.py [--N 200] [--dims 2 5] [--lam 1e-3] [--gates 500]
                                    [--gate-bias zero biased]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ridgekit.splines._scnn_variant import solve_weight_decay_variant, weight_decay_objective  # noqa: E402

DRIVER = r"""
import sys, time
import numpy as np
from scnn.activations import sample_gate_vectors
from scnn.metrics import Metrics
from scnn.models import ConvexReLU
from scnn.optimize import optimize, optimize_model
from scnn.regularizers import NeuronGL1
from scnn.solvers import AL
d = sys.argv[1]
X = np.load(d + "/X.npy"); y = np.load(d + "/y.npy")
lam = float(sys.argv[2]); gates = int(sys.argv[3]); mode = sys.argv[4]
if mode == "zero":
    G = sample_gate_vectors(778, X.shape[1], gates); g0 = np.zeros(gates)  # what optimize samples
    t = time.perf_counter()
    model, metrics = optimize("relu", 2 * gates, X, y, regularizer=NeuronGL1(lam), bias=True,
                              unitize_data=False, dtype="float64", seed=778)
    t = time.perf_counter() - t
else:
    Ga = sample_gate_vectors(778, X.shape[1] + 1, gates)
    G, g0 = Ga[:-1], Ga[-1]
    t = time.perf_counter()
    convex = ConvexReLU(G, c=1, bias=True, G_bias=g0)
    model, metrics = optimize_model(convex, AL(convex), Metrics(), X, y, regularizer=NeuronGL1(lam),
                                    unitize_data=False, dtype="float64", seed=778)
    t = time.perf_counter() - t
P = X @ G + g0 > 0
P = P[:, P.any(axis=0)]
W1, b1, W2 = model.parameters
np.save(d + "/W.npy", W1); np.save(d + "/b.npy", b1); np.save(d + "/v.npy", W2[0])
np.save(d + "/pred.npy", np.ravel(model(X)))
np.save(d + "/time.npy", np.array([t, np.unique(P, axis=1).shape[1]]))
"""


def make_data(N, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N, d))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.standard_normal(N)
    return X, y


def run_scnn(python, X, y, lam, gates, mode, tmp):
    np.save(f"{tmp}/X.npy", X)
    np.save(f"{tmp}/y.npy", y)
    Path(f"{tmp}/driver.py").write_text(DRIVER)
    t = time.perf_counter()
    subprocess.run([python, f"{tmp}/driver.py", tmp, repr(lam), str(gates), mode], check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    W, b, v = (np.load(f"{tmp}/{k}.npy") for k in ("W", "b", "v"))
    f = np.maximum(X @ W.T + b, 0) @ v
    assert np.allclose(f, np.load(f"{tmp}/pred.npy"), atol=1e-9), "scnn's weights do not reproduce its predictions"
    t, n_pat = np.load(f"{tmp}/time.npy")
    return W, b, v, float(t), wall, int(n_pat)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=200)
    ap.add_argument("--dims", type=int, nargs="+", default=[2, 5])
    ap.add_argument("--lam", type=float, nargs="+", default=[1e-3])
    ap.add_argument("--gates", type=int, default=500, help="scnn gate vectors P (max_neurons = 2P); our n_patterns")
    ap.add_argument("--gate-bias", nargs="+", choices=("zero", "biased"), default=["zero", "biased"],
                    help="scnn gates through the origin of x-space (its default) and/or Gaussian in (x, 1)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    python = os.environ.get("SCNN_PYTHON", "/tmp/scnnvenv/bin/python")
    if not Path(python).exists():
        print(f"scnn venv not found ({python}): skipped (see the docstring to create it)")
        return 0
    print(f"{'N':>4} {'d':>2} {'lam':>7} {'gates':>6} | {'scnn s':>7} {'(wall)':>7} {'scnn objective':>15} "
          f"{'K':>4} {'pat':>4} | {'ours s':>7} {'our objective':>15} {'K':>4} {'sup':>9} {'exact':>5} | "
          f"{'obj ratio':>9} {'speed-up':>8}")
    for d in args.dims:
        X, y = make_data(args.N, d, args.seed + d)
        for lam in args.lam:
            t = time.perf_counter()
            fit = solve_weight_decay_variant(X, y, lam, n_patterns=args.gates, rng=args.seed)
            t_ours = time.perf_counter() - t
            obj = weight_decay_objective(X, y, lam, fit.W, fit.b, fit.v)
            c = fit.certificate
            for mode in args.gate_bias:
                with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
                    W, b, v, t_scnn, wall, n_pat = run_scnn(python, X, y, lam, args.gates, mode, tmp)
                obj_scnn = weight_decay_objective(X, y, lam, W, b, v)
                K_scnn = int(np.sum(v != 0))
                print(f"{args.N:>4} {d:>2} {lam:>7.0e} {mode:>6} | {t_scnn:>7.2f} {wall:>7.2f} {obj_scnn:>15.10f} "
                      f"{K_scnn:>4} {n_pat:>4} | {t_ours:>7.2f} {obj:>15.10f} {fit.v.size:>4} {c['sup']:>9.6f} "
                      f"{str(c['exact']):>5} | {obj / obj_scnn:>9.6f} {t_scnn / t_ours:>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
