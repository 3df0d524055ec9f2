"""Dataset distillation and distilled iterative magnitude pruning (arXiv 2503.17905).

Three published distillation methods, each producing a small synthetic training set with
``ipc`` images per class:

* :func:`distribution_matching` (DM; Zhao & Bilen 2023, "Dataset Condensation with
  Distribution Matching", WACV, eq. 4): match the mean embedding of each class under
  randomly initialised networks; cheap (no bi-level optimisation).
* :func:`gradient_matching` (DC; Zhao, Mopuri & Bilen 2021, "Dataset Condensation with
  Gradient Matching", ICLR, Algorithm 1, eqs. 9–10): match, layer by layer and class by
  class, the gradient of the training loss on synthetic and real data along the
  training trajectory of networks trained on the synthetic set (bi-level).
* :func:`trajectory_matching` (MTT; Cazenavette et al. 2022, "Dataset Distillation by
  Matching Training Trajectories", CVPR, eqs. 1–2): make a few SGD steps on the synthetic
  set reproduce several epochs of "expert" training on the real data (long-range, bi-level).

And the pruning procedures of arXiv 2503.17905 built on them:

* :func:`distilled_imp`: IMP whose inner training loop sees only the distilled set
  [paper abstract], rewinding to initialisation (k = 0 [code, unconfirmed script]), then
  the final ticket trained on the full data.
* :func:`stable_mask_then_imp`: a mask found at initialisation by distilled IMP, then IMP
  with rewinding on real data from that mask [paper abstract: "a stable mask first, then
  IMP, reaches higher sparsity"; how the two stages are joined is [derived]].

What the paper uses for distillation is not known (its full text could not be read;
an unconfirmed related script loads trajectory-matching sets with 10 images per class):
the methods here are the cheap (DM), the short-range bi-level (DC) and the long-range
bi-level (MTT, the family of that script's sets) representatives [secondary].
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ridgekit._validation import check_int, check_positive

from .classifiers import TrainConfig, as_dataset
from .pruning import IMPResult, Mask, imp

__all__ = ["DistilledSet", "distribution_matching", "dm_loss", "gradient_matching", "gm_loss",
           "trajectory_matching", "tm_loss", "expert_trajectories", "random_real_subset", "default_embedding",
           "convnet_embedding", "distilled_imp", "stable_mask_then_imp"]


@dataclass
class DistilledSet:
    """A small labelled training set: ``images`` (n, ...) float32, ``labels`` (n,) int64
    in [0, n_classes), the ``method`` that made it and its settings (``info``)."""

    images: np.ndarray
    labels: np.ndarray
    n_classes: int
    method: str = "unknown"
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.images = np.ascontiguousarray(np.asarray(self.images, dtype=np.float32))
        lab = np.asarray(self.labels)
        if not np.issubdtype(lab.dtype, np.integer):
            raise TypeError(f"labels must be integers, got dtype {lab.dtype}")
        self.labels = lab.astype(np.int64)
        self.n_classes = check_int(self.n_classes, "n_classes", minimum=2)
        if self.labels.ndim != 1 or self.images.ndim < 2 or self.images.shape[0] != self.labels.shape[0]:
            raise ValueError(f"images (n, ...) and labels (n,) must agree, got {self.images.shape} "
                             f"and {self.labels.shape}")
        if self.labels.size and (self.labels.min() < 0 or self.labels.max() >= self.n_classes):
            raise ValueError(f"labels must lie in [0, n_classes) = [0, {self.n_classes}), got range "
                             f"[{self.labels.min()}, {self.labels.max()}]")
        if not np.all(np.isfinite(self.images)):
            raise ValueError("images must be finite")

    def __len__(self):
        return int(self.labels.shape[0])

    @property
    def ipc(self) -> int:
        """Images per class (the smallest class count)."""
        return int(np.bincount(self.labels, minlength=self.n_classes).min())

    def tensors(self, device=None, dtype=torch.float32):
        """``(X, y)`` as torch tensors."""
        return (torch.as_tensor(self.images, dtype=dtype, device=device),
                torch.as_tensor(self.labels, device=device))

    def save(self, path) -> Path:
        """Write ``images``, ``labels``, ``n_classes`` and ``method`` to an ``.npz`` file."""
        path = Path(path)
        np.savez_compressed(path, images=self.images, labels=self.labels, n_classes=np.int64(self.n_classes),
                            method=np.array(self.method))
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load(cls, path, *, n_classes=None) -> DistilledSet:
        """Read a set written by :meth:`save` (or any ``.npz`` with ``images`` and
        ``labels``; then ``n_classes`` is needed)."""
        with np.load(Path(path), allow_pickle=False) as f:
            nc = int(f["n_classes"]) if "n_classes" in f else n_classes
            if nc is None:
                raise ValueError(f"{path}: no n_classes in the file; pass n_classes=")
            method = str(f["method"]) if "method" in f else "unknown"
            return cls(f["images"], f["labels"], nc, method)


def _real(X, y, n_classes):
    X, y = as_dataset(X, y, "real data", n_classes=n_classes)
    X = X.to(torch.float32)
    counts = torch.bincount(y, minlength=n_classes)
    if bool((counts == 0).any()):
        raise ValueError(f"every class needs real examples; classes without any: "
                         f"{torch.nonzero(counts == 0).reshape(-1).tolist()}")
    return X, y, [torch.nonzero(y == c).reshape(-1) for c in range(n_classes)]


def random_real_subset(X, y, ipc: int, *, n_classes: int, seed: int = 0) -> DistilledSet:
    """``ipc`` real examples per class drawn without replacement (the baseline a distilled
    set must beat, and the initialisation of both distillation methods)."""
    ipc = check_int(ipc, "ipc", minimum=1)
    X, y, idx = _real(X, y, n_classes)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    pick = []
    for c, ic in enumerate(idx):
        if ic.numel() < ipc:
            raise ValueError(f"ipc={ipc} exceeds the {ic.numel()} real examples of class {c}")
        pick.append(ic[torch.randperm(ic.numel(), generator=gen)[:ipc]])
    pick = torch.cat(pick)
    pick = pick.to(X.device)
    return DistilledSet(X[pick].cpu().numpy(), y[pick].cpu().numpy(), n_classes, "random real",
                        {"ipc": ipc, "seed": seed})


def default_embedding(in_features: int, width: int = 128, depth: int = 2):
    """``embed(seed) -> nn.Module``: a randomly initialised ReLU MLP feature map
    (flatten, ``depth`` × (Linear(·, width), ReLU)); DM's embedding networks are the
    feature part of the classifier family (ConvNet in Zhao & Bilen 2023)."""
    in_features = check_int(in_features, "in_features", minimum=1)

    def embed(seed):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            layers, a = [nn.Flatten()], in_features
            for _ in range(depth):
                layers += [nn.Linear(a, width), nn.ReLU()]
                a = width
            return nn.Sequential(*layers)

    return embed


def convnet_embedding(in_channels: int = 3, width: int = 128, depth: int = 3):
    """``embed(seed) -> nn.Module``: the ConvNet feature extractor of the dataset
    condensation papers (Zhao et al. 2021; Zhao & Bilen 2023): ``depth`` blocks of
    3×3 convolution (``width`` channels), instance normalisation (GroupNorm with one group
    per channel), ReLU and 2×2 average pooling, then flatten."""
    in_channels = check_int(in_channels, "in_channels", minimum=1)

    def embed(seed):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            layers, c = [], in_channels
            for _ in range(depth):
                layers += [nn.Conv2d(c, width, 3, padding=1), nn.GroupNorm(width, width, affine=True),
                           nn.ReLU(), nn.AvgPool2d(2)]
                c = width
            return nn.Sequential(*layers, nn.Flatten())

    return embed


def dm_loss(syn_X, syn_y, X, y, embeddings, *, n_classes: int) -> float:
    """The DM objective Σ_c ‖mean ψ(real_c) − mean ψ(syn_c)‖² averaged over the given
    embedding networks ψ (all real examples of each class; for evaluation)."""
    syn_X = torch.as_tensor(syn_X, dtype=torch.float32)
    syn_y = torch.as_tensor(syn_y)
    X, y, idx = _real(X, y, n_classes)
    total = 0.0
    with torch.no_grad():
        for psi in embeddings:
            for c in range(n_classes):
                d = psi(X[idx[c]]).mean(0) - psi(syn_X[syn_y == c]).mean(0)
                total += float((d * d).sum())
    return total / len(embeddings)


def distribution_matching(X, y, ipc: int, *, n_classes: int, iterations: int = 500, lr: float = 1.0,
                          momentum: float = 0.5, batch_real: int = 256, embed=None, seed: int = 0,
                          init: str = "real", device=None) -> DistilledSet:
    """Dataset distillation by distribution matching (Zhao & Bilen 2023, WACV, eq. 4).

    Each iteration draws a fresh randomly initialised embedding network ψ and a batch
    of at most ``batch_real`` real examples per class, and takes one SGD step on the
    synthetic images S of

    .. math:: \\sum_{c} \\Big\\| \\frac{1}{|B_c|}\\sum_{x\\in B_c} \\psi(x) -
              \\frac{1}{|S_c|}\\sum_{s\\in S_c} \\psi(s) \\Big\\|^2 .

    Parameters
    ----------
    X, y : real training data (inputs of any shape, integer labels in [0, n_classes)).
    ipc : int
        Images per class of the synthetic set.
    n_classes : int
    iterations, lr, momentum, batch_real
        SGD on the images (the paper's defaults: lr 1, momentum 0.5, 20 000 iterations,
        256 real images per class).
    embed : callable, optional
        ``embed(seed) -> nn.Module`` mapping inputs to features; default
        :func:`default_embedding` of the flattened input size.
    seed : int
        Seeds the initial real images, the real batches and the embedding networks.
    init : {"real", "noise"}
        Start from random real images (the paper's choice) or Gaussian noise.
    device : torch device, optional
        Where the images, the real data and the embedding networks live (default CPU).

    Returns
    -------
    DistilledSet
        ``info["losses"]`` holds the per-iteration objective (each with its own ψ).
    Differentiable augmentation (DSA) used by the paper on images is not applied.
    """
    ipc = check_int(ipc, "ipc", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    iterations = check_int(iterations, "iterations", minimum=0)
    lr = check_positive(lr, "lr")
    batch_real = check_int(batch_real, "batch_real", minimum=1)
    X, y, idx = _real(X, y, n_classes)
    if init not in ("real", "noise"):
        raise ValueError(f"init must be 'real' or 'noise', got {init!r}")
    embed = default_embedding(int(np.prod(X.shape[1:]))) if embed is None else embed
    seed = check_int(seed, "seed", minimum=0)
    gen = torch.Generator().manual_seed(seed)
    start = random_real_subset(X, y, ipc, n_classes=n_classes, seed=seed)
    syn = torch.tensor(start.images)
    if init == "noise":
        syn = torch.randn(syn.shape, generator=gen)
    syn_y = torch.tensor(start.labels)
    X = X.to(device) if device is not None else X
    syn = syn.to(device) if device is not None else syn
    syn.requires_grad_(True)
    opt = torch.optim.SGD([syn], lr=lr, momentum=momentum)
    losses = []
    t0 = time.perf_counter()
    for it in range(iterations):
        psi = embed(seed * 1_000_003 + it + 1)
        psi = psi.to(device) if device is not None else psi
        for p in psi.parameters():
            p.requires_grad_(False)
        loss = 0.0
        for c in range(n_classes):
            ic = idx[c]
            b = ic[torch.randperm(ic.numel(), generator=gen)[:batch_real]]
            d = psi(X[b.to(X.device)]).mean(0) - psi(syn[c * ipc:(c + 1) * ipc]).mean(0)
            loss = loss + (d * d).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    info = {"ipc": ipc, "iterations": iterations, "lr": lr, "momentum": momentum, "batch_real": batch_real,
            "seed": seed, "init": init, "losses": losses, "seconds": time.perf_counter() - t0}
    return DistilledSet(syn.detach().cpu().numpy(), syn_y.numpy(), n_classes, "distribution matching", info)


def _layer_distance(gr, gs):
    """Zhao et al. 2021, eq. 10: Σ_i (1 − cos(G^r_i, G^s_i)) over the output nodes i of a
    weight gradient (rows after reshaping to (out, -1)); 1-D tensors (biases, norms)
    contribute 0, as in the authors' released implementation."""
    if gr.ndim == 1:
        return gr.new_zeros(())
    gr = gr.reshape(gr.shape[0], -1)
    gs = gs.reshape(gs.shape[0], -1)
    cos = (gr * gs).sum(-1) / (gr.norm(dim=-1) * gs.norm(dim=-1) + 1e-6)
    return (1 - cos).sum()


def gm_loss(model, syn_X, syn_y, X, y, *, n_classes: int, create_graph: bool = False):
    """The DC matching distance Σ_c Σ_layers D(∇_θ L(θ; real_c), ∇_θ L(θ; syn_c)) of
    Zhao et al. 2021 (eq. 9) at the model's current θ, using all real examples given."""
    params = [p for p in model.parameters() if p.requires_grad]
    total = 0.0
    for c in range(n_classes):
        r = y == c
        s = syn_y == c
        gr = torch.autograd.grad(nn.functional.cross_entropy(model(X[r]), y[r]), params)
        gs = torch.autograd.grad(nn.functional.cross_entropy(model(syn_X[s]), syn_y[s]), params,
                                 create_graph=create_graph)
        total = total + sum(_layer_distance(a.detach(), b) for a, b in zip(gr, gs))
    return total


def gradient_matching(X, y, ipc: int, *, n_classes: int, model_fn, outer: int = 20, inner: int = 10,
                      net_steps: int = 5, lr_img: float = 0.1, momentum: float = 0.5, lr_net: float = 0.01,
                      batch_real: int = 256, seed: int = 0) -> DistilledSet:
    """Dataset condensation with gradient matching (DC; Zhao, Mopuri & Bilen 2021, ICLR,
    Algorithm 1).

    For each of ``outer`` random initialisations θ₀ = ``model_fn(seed')``, repeat
    ``inner`` times: one SGD step (``lr_img``, ``momentum``) on the synthetic images of
    the distance :func:`gm_loss` between the gradients on a real batch and on the
    synthetic images of each class, then ``net_steps`` SGD steps (``lr_net``) of the
    network on the whole synthetic set (the lower level of the bi-level problem).

    Parameters
    ----------
    X, y, ipc, n_classes, batch_real, seed
        As in :func:`distribution_matching`.
    model_fn : callable
        ``model_fn(seed) -> nn.Module`` classifier (logits over ``n_classes``).
    outer, inner, net_steps, lr_img, momentum, lr_net
        Algorithm 1's K, T, ς_θ and step sizes (paper: K = 1000; T = 10, ς_θ = 50 for
        10 images per class; lr_img 0.1, lr_net 0.01).

    Returns
    -------
    DistilledSet
        ``info["losses"]`` holds the matching distance at each image step.
    """
    ipc = check_int(ipc, "ipc", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    outer = check_int(outer, "outer", minimum=0)
    inner = check_int(inner, "inner", minimum=1)
    net_steps = check_int(net_steps, "net_steps", minimum=0)
    lr_img = check_positive(lr_img, "lr_img")
    lr_net = check_positive(lr_net, "lr_net")
    batch_real = check_int(batch_real, "batch_real", minimum=1)
    if not callable(model_fn):
        raise TypeError(f"model_fn must be callable (seed -> nn.Module), got {type(model_fn).__name__}")
    X, y, idx = _real(X, y, n_classes)
    seed = check_int(seed, "seed", minimum=0)
    gen = torch.Generator().manual_seed(seed)
    start = random_real_subset(X, y, ipc, n_classes=n_classes, seed=seed)
    syn = torch.tensor(start.images, requires_grad=True)
    syn_y = torch.tensor(start.labels)
    opt_img = torch.optim.SGD([syn], lr=lr_img, momentum=momentum)
    losses = []
    t0 = time.perf_counter()
    for k in range(outer):
        net = model_fn(seed * 1_000_003 + k + 1)
        params = [p for p in net.parameters() if p.requires_grad]
        opt_net = torch.optim.SGD(params, lr=lr_net)
        for _ in range(inner):
            rb = torch.cat([ic[torch.randperm(ic.numel(), generator=gen)[:batch_real]] for ic in idx])
            loss = gm_loss(net, syn, syn_y, X[rb], y[rb], n_classes=n_classes, create_graph=True)
            opt_img.zero_grad()
            loss.backward()
            opt_img.step()
            losses.append(float(loss.detach()))
            xs, ys = syn.detach(), syn_y
            for _ in range(net_steps):
                opt_net.zero_grad()
                nn.functional.cross_entropy(net(xs), ys).backward()
                opt_net.step()
    info = {"ipc": ipc, "outer": outer, "inner": inner, "net_steps": net_steps, "lr_img": lr_img,
            "lr_net": lr_net, "seed": seed, "losses": losses, "seconds": time.perf_counter() - t0}
    return DistilledSet(syn.detach().numpy(), syn_y.numpy(), n_classes, "gradient matching", info)


def expert_trajectories(X, y, *, n_classes: int, model_fn, n_experts: int = 5, epochs: int = 12,
                        lr: float = 0.05, batch_size: int = 64, momentum: float = 0.0, seed: int = 0) -> list:
    """The "expert" training trajectories of trajectory matching (Cazenavette et al. 2022,
    "Dataset Distillation by Matching Training Trajectories", CVPR, §3.1 and Algorithm 1's
    buffer): ``n_experts`` networks ``model_fn(seed')`` trained on the real data by
    mini-batch SGD (``lr``, ``batch_size``, ``momentum``: 0, the paper's plain SGD, by
    default; a fresh permutation per epoch and the last incomplete batch dropped), their
    parameters recorded before training and after every epoch.

    Returns
    -------
    list
        ``trajectories[e][t]``: the tuple of parameter tensors (``model.parameters()``
        order, detached copies) of expert ``e`` after ``t`` epochs, ``t = 0 … epochs``.
    """
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    n_experts = check_int(n_experts, "n_experts", minimum=1)
    epochs = check_int(epochs, "epochs", minimum=1)
    lr = check_positive(lr, "lr")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    momentum = check_positive(momentum, "momentum", strict=False)
    seed = check_int(seed, "seed", minimum=0)
    if not callable(model_fn):
        raise TypeError(f"model_fn must be callable (seed -> nn.Module), got {type(model_fn).__name__}")
    X, y, _ = _real(X, y, n_classes)
    n = X.shape[0]
    bs = min(batch_size, n)
    trajectories = []
    for e in range(n_experts):
        s = seed * 1_000_003 + e + 1
        net = model_fn(s)
        params = [p for p in net.parameters() if p.requires_grad]
        gen = torch.Generator().manual_seed(s)
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum)
        traj = [tuple(p.detach().clone() for p in params)]
        for _ in range(epochs):
            perm = torch.randperm(n, generator=gen)
            for i in range(0, n - bs + 1, bs):
                b = perm[i:i + bs]
                opt.zero_grad()
                nn.functional.cross_entropy(net(X[b]), y[b]).backward()
                opt.step()
            traj.append(tuple(p.detach().clone() for p in params))
        trajectories.append(traj)
    return trajectories


def tm_loss(model, syn_X, syn_y, start, target, *, syn_lr, syn_steps: int, create_graph: bool = False):
    """The trajectory-matching objective of Cazenavette et al. 2022 (eq. 2):
    ``‖θ̂_N − θ*_{t+M}‖² / ‖θ*_t − θ*_{t+M}‖²``, where θ̂ takes ``syn_steps`` = N full-batch
    SGD steps of step size ``syn_lr`` on the synthetic set from ``start`` = θ*_t (eq. 1),
    ``target`` = θ*_{t+M}; parameters in ``model.parameters()`` order (``model`` supplies
    only the architecture).  ``create_graph=True`` keeps the unrolled graph for
    differentiating with respect to ``syn_X`` and ``syn_lr``."""
    from torch.func import functional_call

    names = [n for n, p in model.named_parameters() if p.requires_grad]
    if len(names) != len(start) or len(start) != len(target):
        raise ValueError(f"start and target must hold the model's {len(names)} trainable tensors, got "
                         f"{len(start)} and {len(target)}")
    params = [p.detach().clone().requires_grad_(True) for p in start]
    for _ in range(check_int(syn_steps, "syn_steps", minimum=1)):
        out = functional_call(model, dict(zip(names, params)), (syn_X,))
        grads = torch.autograd.grad(nn.functional.cross_entropy(out, syn_y), params, create_graph=create_graph)
        params = [p - syn_lr * g for p, g in zip(params, grads)]
    num = sum(((p - b) ** 2).sum() for p, b in zip(params, target))
    den = sum(((a - b) ** 2).sum() for a, b in zip(start, target))
    return num / den if create_graph else (num / den).detach()


def trajectory_matching(X, y, ipc: int, *, n_classes: int, model_fn, iterations: int = 300, syn_steps: int = 20,
                        expert_epochs: int = 2, max_start_epoch: int = 10, n_experts: int = 5,
                        expert_lr: float = 0.05, expert_batch: int = 64, lr_img: float = 30.0,
                        lr_lr: float = 1e-3, syn_lr: float = 0.1, momentum: float = 0.5, seed: int = 0,
                        trajectories=None) -> DistilledSet:
    """Dataset distillation by matching training trajectories (MTT; Cazenavette, Wang,
    Torralba, Efros & Zhu 2022, CVPR, Algorithm 1).

    Each iteration picks an expert trajectory (:func:`expert_trajectories`) and a start
    epoch t ≤ ``max_start_epoch``, trains a student from θ*_t by ``syn_steps`` = N
    full-batch SGD steps of a learned step size α on the synthetic set S, and takes one
    SGD step (``lr_img``, ``momentum``) on S and on log α of the normalised distance to the
    expert ``expert_epochs`` = M epochs later (:func:`tm_loss`, eq. 2).

    Parameters
    ----------
    X, y, ipc, n_classes, seed
        As in :func:`distribution_matching` (the set starts from ``ipc`` random real
        examples per class, the paper's initialisation).
    model_fn : callable
        ``model_fn(seed) -> nn.Module`` classifier (logits over ``n_classes``): the
        architecture of the experts and of the student.
    iterations, syn_steps, expert_epochs, max_start_epoch
        Algorithm 1's iterations, N, M and T⁺ (paper, CIFAR-10 at 10 images per class:
        5 000, 30, 2, 20).
    n_experts, expert_lr, expert_batch
        The expert buffer when ``trajectories`` is not given (trained for
        ``max_start_epoch + expert_epochs`` epochs).
    lr_img, momentum, lr_lr, syn_lr
        SGD on the images and on log α (learned in log space so that it stays positive;
        the paper learns α itself), α's initial value.  ``lr_img`` depends on the input
        scale: 30 suits MNIST-1D (unit variance); images in [0, 1] (digits) need about 3.
    trajectories : list, optional
        A precomputed buffer from :func:`expert_trajectories` (at least
        ``max_start_epoch + expert_epochs`` epochs each).

    Returns
    -------
    DistilledSet
        ``info["losses"]`` holds the objective at each iteration, ``info["syn_lr"]`` the
        learned α.  ZCA whitening and differentiable augmentation (used by the paper on
        images) are not applied.
    """
    ipc = check_int(ipc, "ipc", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    iterations = check_int(iterations, "iterations", minimum=0)
    syn_steps = check_int(syn_steps, "syn_steps", minimum=1)
    expert_epochs = check_int(expert_epochs, "expert_epochs", minimum=1)
    max_start_epoch = check_int(max_start_epoch, "max_start_epoch", minimum=0)
    lr_img = check_positive(lr_img, "lr_img")
    lr_lr = check_positive(lr_lr, "lr_lr", strict=False)
    syn_lr = check_positive(syn_lr, "syn_lr")
    seed = check_int(seed, "seed", minimum=0)
    if not callable(model_fn):
        raise TypeError(f"model_fn must be callable (seed -> nn.Module), got {type(model_fn).__name__}")
    X, y, _ = _real(X, y, n_classes)
    t0 = time.perf_counter()
    need = max_start_epoch + expert_epochs
    if trajectories is None:
        trajectories = expert_trajectories(X, y, n_classes=n_classes, model_fn=model_fn, n_experts=n_experts,
                                           epochs=need, lr=expert_lr, batch_size=expert_batch, seed=seed)
    if not trajectories or min(len(t) for t in trajectories) < need + 1:
        raise ValueError(f"trajectories must hold at least max_start_epoch + expert_epochs = {need} epochs "
                         f"(+ the initial point) each, got {[len(t) - 1 for t in trajectories]}")
    gen = torch.Generator().manual_seed(seed)
    start = random_real_subset(X, y, ipc, n_classes=n_classes, seed=seed)
    syn = torch.tensor(start.images, requires_grad=True)
    syn_y = torch.tensor(start.labels)
    log_lr = torch.tensor(float(np.log(syn_lr)), requires_grad=True)
    opt = torch.optim.SGD([syn], lr=lr_img, momentum=momentum)
    opt_lr = torch.optim.SGD([log_lr], lr=lr_lr if lr_lr > 0 else 1.0, momentum=momentum)
    student = model_fn(seed)
    losses = []
    for _ in range(iterations):
        e = int(torch.randint(len(trajectories), (1,), generator=gen))
        t = int(torch.randint(max_start_epoch + 1, (1,), generator=gen))
        loss = tm_loss(student, syn, syn_y, trajectories[e][t], trajectories[e][t + expert_epochs],
                       syn_lr=log_lr.exp(), syn_steps=syn_steps, create_graph=True)
        opt.zero_grad()
        opt_lr.zero_grad()
        loss.backward()
        opt.step()
        if lr_lr > 0:
            opt_lr.step()
        losses.append(float(loss.detach()))
    info = {"ipc": ipc, "iterations": iterations, "syn_steps": syn_steps, "expert_epochs": expert_epochs,
            "max_start_epoch": max_start_epoch, "n_experts": len(trajectories), "lr_img": lr_img, "lr_lr": lr_lr,
            "syn_lr": float(log_lr.detach().exp()), "seed": seed, "losses": losses,
            "seconds": time.perf_counter() - t0}
    return DistilledSet(syn.detach().numpy(), syn_y.numpy(), n_classes, "trajectory matching", info)


def _check_distilled(distilled, model):
    if not isinstance(distilled, DistilledSet):
        raise TypeError(f"distilled must be a DistilledSet, got {type(distilled).__name__}")
    p = next(iter(model.parameters()))
    with torch.no_grad():
        was = model.training
        model.eval()
        n_out = int(model(torch.as_tensor(distilled.images[:1], dtype=p.dtype, device=p.device)).shape[-1])
        model.train(was)
    if distilled.n_classes > n_out:
        raise ValueError(f"distilled set has n_classes={distilled.n_classes} but the model has {n_out} outputs")
    return distilled.tensors(device=p.device, dtype=p.dtype)


def distilled_imp(model, distilled: DistilledSet, inner_config: TrainConfig, *, rounds: int = 10,
                  rate: float = 0.2, rewind_iteration: int = 0, scope: str = "global", seed: int = 0,
                  initial_mask: Mask | None = None) -> IMPResult:
    """IMP whose inner training loop uses only the distilled set (arXiv 2503.17905
    [paper abstract]); rewinding to initialisation by default (k = 0: [code, unconfirmed
    script] "rewinding to an early point … does not work well").  Validate the returned
    masks by training the ticket on the full data
    (:func:`nets.torch.pruning.train_subnetwork` from ``result.rewind_state``)."""
    Xd, yd = _check_distilled(distilled, model)
    return imp(model, (Xd, yd), inner_config, rounds=rounds, rate=rate, rewind_iteration=rewind_iteration,
               scope=scope, seed=seed, initial_mask=initial_mask)


def stable_mask_then_imp(model, distilled: DistilledSet, inner_config: TrainConfig, real_data,
                         real_config: TrainConfig, *, distilled_rounds: int, imp_rounds: int, rate: float = 0.2,
                         rewind_iteration: int = 0, scope: str = "global", seed: int = 0):
    """A stable mask at initialisation by distilled IMP, then IMP with rewinding on real
    data from that mask (arXiv 2503.17905 [paper abstract]; the joining is [derived]:
    stage two is :func:`nets.torch.pruning.imp` with ``initial_mask`` = stage one's final
    mask, starting again from θ₀ and rewinding to iteration ``rewind_iteration`` of the
    sparse network's own training).

    Returns ``(stage_one, stage_two)`` :class:`~nets.torch.pruning.IMPResult` objects; the
    model ends at stage two's ticket.
    """
    init = copy.deepcopy(model.state_dict())
    one = distilled_imp(model, distilled, inner_config, rounds=distilled_rounds, rate=rate, rewind_iteration=0,
                        scope=scope, seed=seed)
    model.load_state_dict(init)
    two = imp(model, real_data, real_config, rounds=imp_rounds, rate=rate, rewind_iteration=rewind_iteration,
              scope=scope, seed=seed, initial_mask=one.masks[-1])
    return one, two
