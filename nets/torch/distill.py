"""Dataset distillation and distilled iterative magnitude pruning (arXiv 2503.17905).

Two published distillation methods, each producing a small synthetic training set with
``ipc`` images per class:

* :func:`distribution_matching` (DM; Zhao & Bilen 2023, "Dataset Condensation with
  Distribution Matching", WACV, eq. 4): match the mean embedding of each class under
  randomly initialised networks; cheap (no bi-level optimisation).
* :func:`gradient_matching` (DC; Zhao, Mopuri & Bilen 2021, "Dataset Condensation with
  Gradient Matching", ICLR, Algorithm 1, eqs. 9–10): match, layer by layer and class by
  class, the gradient of the training loss on synthetic and real data along the
  training trajectory of networks trained on the synthetic set (bi-level).

And the pruning procedures of arXiv 2503.17905 built on them:

* :func:`distilled_imp`: IMP whose inner training loop sees only the distilled set
  [paper abstract], rewinding to initialisation (k = 0 [code, unconfirmed script]), then
  the final ticket trained on the full data.
* :func:`stable_mask_then_imp`: a mask found at initialisation by distilled IMP, then IMP
  with rewinding on real data from that mask [paper abstract: "a stable mask first, then
  IMP, reaches higher sparsity"; how the two stages are joined is [derived]].

What the paper uses for distillation is not known (its full text could not be read;
an unconfirmed related script loads trajectory-matching sets with 10 images per class):
the two methods here are the cheap and the bi-level representatives [secondary].
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
           "random_real_subset", "default_embedding", "convnet_embedding", "distilled_imp", "stable_mask_then_imp"]


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
