"""Lottery tickets from distilled data (arXiv 2503.17905, McDermott & Parhi).

Claims [paper abstract]: iterative magnitude pruning (IMP) whose inner loop trains only on
a distilled data set finds tickets at initialisation that match IMP with rewinding, with
far fewer training points (150× on CIFAR-10); such subnetworks are stable to SGD noise
(linear mode connectivity) inside an unstable dense initialisation, and distilled pruning
removes parameters that add sharpness.

What runs here, on data that ships or is generated locally (scikit-learn's digits, and
MNIST-1D from the ``mnist1d`` package when installed, else a random-teacher task), with
ReLU MLPs that train on two CPU cores:

* accuracy against sparsity for dense, IMP with rewinding to iteration k, distilled IMP
  (inner loop on a distribution-matching set, rewinding to initialisation), random
  pruning and SNIP at initialisation, over seeds (mean ± standard error); the training
  points and wall-clock time each pruning loop used;
* instability (the error barrier of two copies trained with different data orders)
  against the rewind iteration k, for the dense network and for the IMP and distilled
  masks applied to the same θ_k [derived: the masks are found once, not once per k];
* the sharpness (top Hessian eigenvalue of the training loss over the kept weights) of
  the trained tickets.

The paper's own set-up (ResNet-18 on CIFAR-10, distilled set of 10 images per class)
runs with ``run(out_dir, data="cifar10", data_dir=DIR, device="cuda")`` (command line:
``ridgekit reproduce lottery --data cifar10 --data-dir DIR --device cuda``); its settings
are in :class:`CifarSetup`, tagged by where each comes from.

Everything is written as ``lottery.json`` beside the figures.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["run", "QUICK", "FULL", "CifarSetup"]

TITLE = "Lottery tickets from distilled data (arXiv 2503.17905)"


@dataclass(frozen=True)
class _Sizes:
    seeds: int
    rounds: int            # IMP rounds, 20 % of the remaining weights each
    steps: int             # SGD steps of one training on the full data
    distill_steps: int     # SGD steps of one inner training on the distilled set
    dm_iterations: int     # distribution-matching iterations
    rewind: int            # IMP's rewind iteration k
    rewinds: tuple         # k values of the instability study
    hidden: int            # MLP width (two hidden layers)
    sharp_points: int      # training points in the sharpness loss
    tasks: tuple


QUICK = _Sizes(seeds=2, rounds=5, steps=150, distill_steps=60, dm_iterations=80, rewind=10,
               rewinds=(0, 10, 50), hidden=128, sharp_points=300, tasks=("digits", "second"))
FULL = _Sizes(seeds=4, rounds=12, steps=600, distill_steps=300, dm_iterations=600, rewind=20,
              rewinds=(0, 5, 20, 50, 100, 200), hidden=256, sharp_points=1000, tasks=("digits", "second"))

#: images per class of the distilled set, per task (≥ 50× fewer points than the training set)
_IPC = {"digits": 2, "mnist1d": 5, "teacher": 4}
_RATE = 0.2
_LR = 0.05
_BATCH = 64


@dataclass(frozen=True)
class CifarSetup:
    """Settings of the CIFAR-10 / ResNet-18 run, with their provenance.

    ``ipc`` 10 [code, unconfirmed script: ``cifar10_10ipc_images.pt``]; distillation by
    distribution matching here (the script loads trajectory-matching sets; not available
    in ridgekit) with ``dm_iterations`` [secondary: Zhao & Bilen 2023 use 20 000];
    inner loop SGD lr 0.007 on the distilled set for ``inner_epochs`` (3000 at 10 IPC),
    batch 512 [code, unconfirmed]; 20 % per round, global L1 magnitude over all Conv2d and
    Linear weights, rewind to k = 0 for distilled IMP [code, unconfirmed]; ``rounds``
    [derived: the script runs 30]; ticket validation on real CIFAR-10 with Adam lr 8e-4,
    weight decay 8e-4, MultiStepLR at epochs [50, 65, 80], γ = 0.15, ``val_epochs`` 80
    [code, unconfirmed]; IMP baseline with rewinding to iteration ``imp_rewind`` (Frankle
    et al. 2020 rewind ResNets on CIFAR-10 to an early iteration) trained with the same
    validation recipe [derived].
    """

    ipc: int = 10
    dm_iterations: int = 2000
    inner_epochs: int = 3000
    inner_lr: float = 0.007
    inner_batch: int = 512
    rounds: int = 10
    val_epochs: int = 80
    val_batch: int = 256
    val_lr: float = 8e-4
    val_wd: float = 8e-4
    milestones: tuple = (50, 65, 80)
    gamma: float = 0.15
    imp_rewind_epochs: float = 1.0
    width: int = 64
    seeds: int = 1
    max_train: int = 0          # 0: all training images (tests use a few)


def _task(name):
    from ridgekit.nets.torch.datasets import digits, mnist1d, teacher_task

    if name == "digits":
        return digits(seed=0)
    try:
        return mnist1d(num_samples=5000)
    except ImportError:
        return teacher_task(n_train=2000, n_test=1000, d=20, seed=0)


def _mean_se(a):
    a = np.asarray(a, dtype=float)
    se = a.std(ddof=1) / math.sqrt(a.size) if a.size > 1 else float("nan")
    return float(a.mean()), float(se)


def _status(msg):
    try:
        from ridgekit.progress import status
    except ImportError:  # pragma: no cover
        return
    status(msg)


def _accuracy_study(task, S):
    """Accuracy vs sparsity for every method over seeds; the bookkeeping of the loops."""
    import torch

    from ridgekit.nets.torch.classifiers import MLP, TrainConfig, evaluate, train_classifier
    from ridgekit.nets.torch.distill import distilled_imp, distribution_matching, random_real_subset
    from ridgekit.nets.torch.pruning import (
        imp,
        random_prune,
        snip_prune,
        sparsity_schedule,
        ticket_sharpness,
        train_subnetwork,
    )

    name = task["name"]
    Xtr, ytr = torch.as_tensor(task["X_train"]), torch.as_tensor(task["y_train"])
    Xte, yte = torch.as_tensor(task["X_test"]), torch.as_tensor(task["y_test"])
    C, d = task["n_classes"], Xtr.shape[1]
    ipc = _IPC[name]
    full = TrainConfig(steps=S.steps, lr=_LR, batch_size=_BATCH)
    after_k = TrainConfig(steps=S.steps - S.rewind, lr=_LR, batch_size=_BATCH)
    inner = TrainConfig(steps=S.distill_steps, lr=_LR, batch_size=ipc * C)
    sched = sparsity_schedule(_RATE, S.rounds)
    methods = (f"IMP (rewind k = {S.rewind})", "distilled IMP (k = 0)", "random", "SNIP at init")
    acc = {m: np.zeros((S.seeds, S.rounds)) for m in methods}
    dense, dm_acc, rr_acc = [], [], []
    worst_violation, worst_count = 0.0, 0
    cost = {"IMP": [], "distilled IMP": [], "distillation": []}
    keep = {}
    for s in range(S.seeds):
        _status(f"lottery {name}: seed {s + 1}/{S.seeds}")
        net = MLP([d, S.hidden, S.hidden, C], seed=1000 + s)
        theta0 = {k: v.clone() for k, v in net.state_dict().items()}
        train_classifier(net, Xtr, ytr, full, seed=s)
        dense.append(1 - evaluate(net, Xte, yte)[1])
        t0 = time.perf_counter()
        dm = distribution_matching(Xtr, ytr, ipc, n_classes=C, iterations=S.dm_iterations, seed=s, batch_real=128)
        cost["distillation"].append(time.perf_counter() - t0)
        for ds, out in ((dm, dm_acc), (random_real_subset(Xtr, ytr, ipc, n_classes=C, seed=s), rr_acc)):
            net.load_state_dict(theta0)
            train_classifier(net, *ds.tensors(), inner, seed=s)
            out.append(1 - evaluate(net, Xte, yte)[1])
        net.load_state_dict(theta0)
        r_imp = imp(net, (Xtr, ytr), full, rounds=S.rounds, rate=_RATE, rewind_iteration=S.rewind, seed=s)
        net.load_state_dict(theta0)
        r_dimp = distilled_imp(net, dm, inner, rounds=S.rounds, rate=_RATE, seed=s)
        cost["IMP"].append({"seconds": r_imp.total_seconds, "examples": r_imp.total_examples,
                            "distinct": r_imp.n_distinct})
        cost["distilled IMP"].append({"seconds": r_dimp.total_seconds, "examples": r_dimp.total_examples,
                                      "distinct": r_dimp.n_distinct})
        net.load_state_dict(theta0)
        for r, sp in enumerate(sched):
            masks = {methods[0]: (r_imp.masks[r + 1], r_imp.rewind_state, after_k),
                     methods[1]: (r_dimp.masks[r + 1], theta0, full),
                     methods[2]: (random_prune(net, float(sp), seed=7 * s + r), theta0, full)}
            net.load_state_dict(theta0)
            masks[methods[3]] = (snip_prune(net, Xtr, ytr, float(sp)), theta0, full)
            for m, (mask, state, cfg) in masks.items():
                worst_count = max(worst_count, abs((mask.n_total - mask.n_remaining)
                                                   - math.floor(sp * mask.n_total + 0.5)))
                _, err = train_subnetwork(net, state, mask, (Xtr, ytr), cfg, seed=100 + s, eval_data=(Xte, yte))
                worst_violation = max(worst_violation, mask.max_violation(net))
                acc[m][s, r] = 1 - err
                if s == 0 and r == S.rounds - 1 and m in methods[:2]:
                    keep[m] = ({k: v.clone() for k, v in net.state_dict().items()}, mask)
    # sharpness of the trained tickets at the highest sparsity (seed 0) and of a dense net
    sharp = {}
    sub = slice(0, S.sharp_points)
    for m, (state, mask) in keep.items():
        net.load_state_dict(state)
        sharp[m] = _sharpness(ticket_sharpness, net, Xtr[sub], ytr[sub], mask)
    net.load_state_dict(theta0)
    train_classifier(net, Xtr, ytr, full, seed=0)
    sharp["dense"] = _sharpness(ticket_sharpness, net, Xtr[sub], ytr[sub], None)
    return {"task": name, "n_train": int(Xtr.shape[0]), "ipc": ipc, "distilled_points": ipc * C,
            "sparsity": sched.tolist(), "accuracy": {m: a.tolist() for m, a in acc.items()}, "dense": dense,
            "distilled_set_accuracy": dm_acc, "random_real_accuracy": rr_acc, "cost": cost,
            "sharpness": sharp, "max_violation": worst_violation, "max_count_error": worst_count,
            "methods": list(methods), "_imp": r_imp, "_dimp": r_dimp}


def _sharpness(fn, net, X, y, mask):
    from ridgekit.nets.torch.hessian import LanczosNoConvergence

    try:
        return fn(net, X, y, mask=mask, tol=1e-3, max_iter=300)
    except LanczosNoConvergence as exc:
        return float(exc.values[0])


def _instability_study(task, S, study):
    """Error barrier vs rewind iteration for the dense net and the two final masks (seed 0)."""
    import torch

    from ridgekit.nets.torch.classifiers import MLP, TrainConfig, train_classifier
    from ridgekit.nets.torch.pruning import Mask, error_barrier, instability

    Xtr, ytr = torch.as_tensor(task["X_train"]), torch.as_tensor(task["y_train"])
    Xte, yte = torch.as_tensor(task["X_test"]), torch.as_tensor(task["y_test"])
    C, d = task["n_classes"], Xtr.shape[1]
    net = MLP([d, S.hidden, S.hidden, C], seed=1000)
    log = train_classifier(net, Xtr, ytr, TrainConfig(steps=S.steps, lr=_LR, batch_size=_BATCH), seed=0,
                           mask=Mask.ones(net), snapshot_at=S.rewinds)
    self_barrier = error_barrier(net, net, (Xte, yte), n_alpha=11).barrier
    masks = {"dense": None, "IMP mask": study["_imp"].masks[-1], "distilled-IMP mask": study["_dimp"].masks[-1]}
    rows = {m: [] for m in masks}
    for k in S.rewinds:
        _status(f"lottery {task['name']}: instability at k = {k}")
        cfg = TrainConfig(steps=S.steps - k, lr=_LR, batch_size=_BATCH)
        for m, mask in masks.items():
            res, _ = instability(net, log.snapshots[k], mask, (Xtr, ytr), cfg, eval_data=(Xte, yte),
                                 seeds=(11, 12), n_alpha=11)
            rows[m].append(res.barrier)
    return {"rewinds": list(S.rewinds), "barrier": rows, "self_barrier": self_barrier,
            "sparsity": study["_imp"].masks[-1].sparsity}


def _plot(out, studies, inst, plt):
    figs = []
    n = len(studies)
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 3.9), squeeze=False)
    for ax, st in zip(axes[0], studies):
        dens = 1 - np.asarray(st["sparsity"])
        for m in st["methods"]:
            a = np.asarray(st["accuracy"][m])
            mu = a.mean(0)
            se = a.std(0, ddof=1) / math.sqrt(a.shape[0]) if a.shape[0] > 1 else np.zeros_like(mu)
            ax.errorbar(100 * dens, 100 * mu, yerr=100 * se, marker="o", ms=3, capsize=2, label=m)
        dmu = np.mean(st["dense"])
        ax.axhline(100 * dmu, color="k", ls=":", label="dense")
        ax.set_xscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("weights remaining [%] (log scale)")
        ax.set_ylabel("test accuracy [%]")
        ax.set_title(f"{st['task']}: accuracy vs sparsity")
        ax.legend(fontsize=7)
    fig.tight_layout()
    p = out / "lottery_accuracy.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    figs.append((str(p), "Test accuracy against the fraction of weights remaining (mean ± standard error over "
                         "seeds; dotted: dense). The paper's claim: the distilled-IMP curve stays within the "
                         "IMP curve's error bars, while random pruning falls away first."))
    fig, axes = plt.subplots(1, 2, figsize=(10.4, 3.9))
    for st_inst, st in zip(inst, studies):
        for m, vals in st_inst["barrier"].items():
            axes[0].plot(st_inst["rewinds"], 100 * np.asarray(vals), marker="o", label=f"{st['task']}: {m}")
    axes[0].axhline(2.0, color="grey", ls=":", lw=1)
    axes[0].set_xscale("symlog", linthresh=1)
    axes[0].set_xlim(left=0)
    axes[0].set_xlabel("rewind iteration k")
    axes[0].set_ylabel("error barrier [% points]")
    axes[0].set_title("instability vs rewind iteration")
    axes[0].legend(fontsize=7)
    labels, vals = [], []
    for st in studies:
        for m, v in st["sharpness"].items():
            labels.append(f"{st['task']}\n{m.split(' (')[0]}")
            vals.append(v)
    axes[1].bar(range(len(vals)), vals)
    axes[1].set_xticks(range(len(vals)), labels, fontsize=6)
    axes[1].set_ylabel("λ_max of the training-loss Hessian")
    axes[1].set_title("sharpness of trained tickets (highest sparsity)")
    fig.tight_layout()
    p = out / "lottery_stability.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    figs.append((str(p), "Left: error barrier (Frankle et al. 2020) of two copies trained from θ_k with different "
                         "data orders, against k, for the dense network and the final IMP and distilled-IMP masks "
                         "(grey: the 2-point stability threshold). Right: top Hessian eigenvalue over the kept "
                         "weights of the trained networks (paper: distilled pruning removes sharpness-driving "
                         "weights, so its ticket should be flatter)."))
    return figs


def _jsonable(study):
    return {k: v for k, v in study.items() if not k.startswith("_")}


def run(out_dir, quick=True, device="cpu", *, data=None, data_dir=None, cifar: CifarSetup | None = None,
        sizes: _Sizes | None = None) -> dict:
    """Accuracy vs sparsity, instability vs rewind iteration and ticket sharpness on local
    tasks (``data=None``), or the paper's CIFAR-10 / ResNet-18 set-up (``data="cifar10"``
    with ``data_dir``); returns the dict described in :mod:`ridgekit.gallery` and writes
    ``lottery.json`` beside the figures.  ``sizes`` overrides :data:`QUICK`/:data:`FULL`
    (tests use tiny sizes); the local tasks run on the CPU whatever ``device`` says
    (small MLPs are launch-bound on a GPU)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ridgekit.checks import SectionSkipped, bound_check, install_hint, reported, tolerance_check

    try:
        import torch
    except ImportError:
        raise SectionSkipped("needs torch", install_hint("torch")) from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if data is not None:
        if data != "cifar10":
            raise ValueError(f"data must be None (local tasks) or 'cifar10', got {data!r}")
        if data_dir is None:
            raise ValueError("data='cifar10' needs data_dir (the folder with data_batch_1..5 and test_batch)")
        if cifar is None:
            cifar = CifarSetup(rounds=2, val_epochs=2, inner_epochs=50, dm_iterations=100, milestones=()) \
                if quick else CifarSetup()
        return _run_cifar(out, Path(data_dir), device, quick, cifar, plt)
    S = sizes if sizes is not None else (QUICK if quick else FULL)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)         # many small kernels: one thread avoids oversubscription
    try:
        studies, inst = [], []
        for tname in S.tasks:
            task = _task(tname)
            t0 = time.perf_counter()
            st = _accuracy_study(task, S)
            st["seconds"] = time.perf_counter() - t0
            studies.append(st)
            inst.append(_instability_study(task, S, st))
    finally:
        torch.set_num_threads(threads)
    figures = _plot(out, studies, inst, plt)
    checks, rep, tables = [], [], []
    for st, it in zip(studies, inst):
        t = st["task"]
        checks.append(tolerance_check(
            f"{t}: max |w| over pruned positions after every ticket training", st["max_violation"], 0.0, 0.0,
            oracle="a mask is exact: pruned weights are 0", reason="exact by construction (gradient and "
            "optimiser-state zeroing); any nonzero value is a bug", time=st["seconds"]))
        checks.append(tolerance_check(
            f"{t}: pruned-weight counts vs ⌊sP + ½⌋ of the schedule (worst deviation)", st["max_count_error"], 0,
            0, oracle="integer count of the schedule 1 − 0.8^r", reason="exact integer accounting"))
        checks.append(tolerance_check(
            f"{t}: error barrier of a trained network with itself", it["self_barrier"], 0.0, 0.0,
            oracle="θ(α) = θ for every α", reason="identical endpoints; exact in floating point"))
        ratio = st["n_train"] / st["distilled_points"]
        checks.append(bound_check(
            f"{t}: distinct training points, IMP loop / distilled-IMP loop", ratio, 50.0, ">=",
            oracle="issue target: ≥ 50× fewer (paper: 150× on CIFAR-10)",
            reason="counts of the two inner training sets"))
        imp_m, dimp_m = st["methods"][0], st["methods"][1]
        a_imp, a_dimp = np.asarray(st["accuracy"][imp_m]), np.asarray(st["accuracy"][dimp_m])
        moderate = np.asarray(st["sparsity"]) <= 0.8
        gap = float(np.max(a_imp.mean(0)[moderate] - a_dimp.mean(0)[moderate]))
        checks.append(bound_check(
            f"{t}: IMP − distilled IMP test accuracy, worst sparsity ≤ 80% (mean over {a_imp.shape[0]} seeds)",
            gap, 0.03, "<=", oracle="paper claim: distilled IMP matches IMP with rewinding",
            reason="3 points ≈ 2 standard errors of a test accuracy near 90-95% on 450-1000 test images, "
                   "plus the spread over seeds; fixed before the run", domain=(-1.0, 1.0)))
        margin = float(np.mean(st["distilled_set_accuracy"]) - np.mean(st["random_real_accuracy"]))
        checks.append(bound_check(
            f"{t}: accuracy of a net trained on the DM set − on as many random real images (mean)", margin, 0.0,
            ">=", oracle="Zhao & Bilen 2023: distilled sets beat random real subsets of the same size",
            reason="sign of the mean margin", domain=(-1.0, 1.0)))
        c_imp, c_d = st["cost"]["IMP"], st["cost"]["distilled IMP"]
        rep.append(reported(f"{t}: IMP pruning loop wall-clock [s] (mean over seeds)",
                            float(np.mean([c["seconds"] for c in c_imp]))))
        rep.append(reported(f"{t}: distilled-IMP pruning loop wall-clock [s] (+ DM distillation)",
                            float(np.mean([c["seconds"] for c in c_d])),
                            note=f"distillation {np.mean(st['cost']['distillation']):.2f} s"))
        rep.append(reported(f"{t}: per-example gradients, IMP / distilled IMP",
                            float(np.mean([c["examples"] for c in c_imp]) / np.mean([c["examples"] for c in c_d]))))
        for m, v in st["sharpness"].items():
            rep.append(reported(f"{t}: sharpness λ_max of trained {m} (sparsity {st['sparsity'][-1]:.3f})", v,
                                note="paper: distilled tickets flatter"))
        for m, vals in it["barrier"].items():
            rep.append(reported(f"{t}: error barrier of {m} at k = {it['rewinds'][0]} / k = {it['rewinds'][-1]}",
                                f"{vals[0]:.4f} / {vals[-1]:.4f}",
                                note="paper: dense unstable at k = 0 where distilled masks are stable"))
        rows = []
        for j, sp in enumerate(st["sparsity"]):
            row = [f"{100 * sp:.1f}"]
            for m in st["methods"]:
                mu, se = _mean_se(np.asarray(st["accuracy"][m])[:, j])
                row.append(f"{100 * mu:.1f} ± {100 * se:.1f}")
            rows.append(row)
        tables.append({"title": f"{t}: test accuracy [%] vs sparsity (dense {100 * np.mean(st['dense']):.1f})",
                       "header": ["sparsity [%]"] + st["methods"], "rows": rows})
    payload = {"paper": "2503.17905", "quick": quick, "sizes": asdict(S), "rate": _RATE,
               "studies": [_jsonable(s) for s in studies], "instability": inst,
               "checks": [c.row() if hasattr(c, "row") else str(c) for c in checks]}
    (out / "lottery.json").write_text(json.dumps(payload, indent=1, default=float))
    return {"title": TITLE, "figures": figures, "checks": checks, "tables": tables, "reported": rep}


def _run_cifar(out, data_dir, device, quick, C: CifarSetup, plt):
    """The paper's set-up: ResNet-18 on CIFAR-10, IMP with rewinding vs distilled IMP."""
    import torch

    from ridgekit.checks import reported, tolerance_check
    from ridgekit.nets.torch.classifiers import ResNet18, TrainConfig
    from ridgekit.nets.torch.datasets import cifar10_tensors, cifar_augment, read_cifar10
    from ridgekit.nets.torch.distill import convnet_embedding, distilled_imp, distribution_matching
    from ridgekit.nets.torch.pruning import imp, train_subnetwork

    raw = read_cifar10(data_dir)
    if C.max_train:
        raw["X_train"], raw["y_train"] = raw["X_train"][:C.max_train], raw["y_train"][:C.max_train]
    Xtr, ytr = cifar10_tensors(raw["X_train"], device=device), torch.as_tensor(raw["y_train"], device=device)
    Xte, yte = cifar10_tensors(raw["X_test"], device=device), torch.as_tensor(raw["y_test"], device=device)
    n = Xtr.shape[0]
    per_epoch = max(1, math.ceil(n / C.val_batch))
    val = TrainConfig(steps=C.val_epochs * per_epoch, lr=C.val_lr, batch_size=C.val_batch, optimizer="adam",
                      weight_decay=C.val_wd, milestones=tuple(m * per_epoch for m in C.milestones
                                                              if m * per_epoch < C.val_epochs * per_epoch),
                      gamma=C.gamma)
    k = int(round(C.imp_rewind_epochs * per_epoch))
    inner_steps = C.inner_epochs * max(1, math.ceil(10 * C.ipc / C.inner_batch))
    inner = TrainConfig(steps=inner_steps, lr=C.inner_lr, batch_size=C.inner_batch, momentum=0.0)
    results = {"setup": asdict(C), "device": str(device), "n_train": n, "seeds": []}
    for s in range(C.seeds):
        net = ResNet18(10, width=C.width, seed=s).to(device)
        theta0 = {kk: v.clone() for kk, v in net.state_dict().items()}
        t0 = time.perf_counter()
        dm = distribution_matching(Xtr, ytr, C.ipc, n_classes=10, iterations=C.dm_iterations, seed=s,
                                   embed=convnet_embedding(3, 128, 3), device=device)
        dm.save(out / f"cifar10_dm_ipc{C.ipc}_seed{s}.npz")
        t_dm = time.perf_counter() - t0
        r_d = distilled_imp(net, dm, inner, rounds=C.rounds, rate=_RATE, seed=s)
        net.load_state_dict(theta0)
        r_i = imp(net, (Xtr, ytr), val, rounds=C.rounds, rate=_RATE, rewind_iteration=min(k, val.steps), seed=s)
        rows = []
        for r in range(1, C.rounds + 1):
            e_d = train_subnetwork(net, theta0, r_d.masks[r], (Xtr, ytr), val, seed=100 + s, eval_data=(Xte, yte),
                                   augment=cifar_augment)[1]
            v_d = r_d.masks[r].max_violation(net)
            e_i = train_subnetwork(net, r_i.rewind_state, r_i.masks[r], (Xtr, ytr), val, seed=100 + s,
                                   eval_data=(Xte, yte), augment=cifar_augment)[1]
            rows.append({"sparsity": r_d.masks[r].sparsity, "distilled_imp_acc": 1 - e_d, "imp_acc": 1 - e_i,
                         "max_violation": v_d})
        results["seeds"].append({"rows": rows, "distill_seconds": t_dm, "dimp_seconds": r_d.total_seconds,
                                 "imp_seconds": r_i.total_seconds, "dimp_examples": r_d.total_examples,
                                 "imp_examples": r_i.total_examples, "dimp_distinct": r_d.n_distinct,
                                 "imp_distinct": r_i.n_distinct})
    (out / "lottery_cifar10.json").write_text(json.dumps(results, indent=1, default=float))
    fig, ax = plt.subplots(figsize=(5.2, 3.9))
    for key, lab in (("imp_acc", "IMP with rewinding"), ("distilled_imp_acc", "distilled IMP (k = 0)")):
        for sd in results["seeds"]:
            ax.plot([100 * (1 - r["sparsity"]) for r in sd["rows"]], [100 * r[key] for r in sd["rows"]], "o-",
                    label=lab)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("weights remaining [%]")
    ax.set_ylabel("test accuracy [%]")
    ax.legend(fontsize=7)
    fig.tight_layout()
    p = out / "lottery_cifar10.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    sd = results["seeds"][0]
    checks = [tolerance_check("CIFAR-10: max |w| over pruned positions (distilled tickets)",
                              max(r["max_violation"] for r in sd["rows"]), 0.0, 0.0,
                              oracle="a mask is exact", reason="exact by construction")]
    rep = [reported("CIFAR-10: distinct training points, IMP / distilled IMP",
                    sd["imp_distinct"] / sd["dimp_distinct"], note="paper: 150×"),
           reported("CIFAR-10: pruning-loop wall-clock, IMP / distilled IMP [s]",
                    f"{sd['imp_seconds']:.1f} / {sd['dimp_seconds']:.1f}")]
    return {"title": TITLE + ": CIFAR-10, ResNet-18", "figures": [(str(p), "Accuracy vs weights remaining")],
            "checks": checks, "reported": rep, "tables": []}
