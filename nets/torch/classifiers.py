"""Small classifiers, one seeded SGD trainer and evaluation, for the lottery-ticket
experiments of arXiv 2503.17905 (McDermott & Parhi, "Finding Stable Subnetworks at
Initialization with Dataset Distillation").

* :class:`MLP`: fully connected ReLU network (the CPU stand-in for the paper's ResNet-18).
* :class:`ResNet18`: the CIFAR variant of ResNet-18 (He et al. 2016, §4.2 layout with a
  3×3 stem and no max-pool, BasicBlocks [2, 2, 2, 2], widths 64·(1, 2, 4, 8)), written
  here in plain torch (torchvision is not needed); ``width`` scales the channels so
  tests can run a tiny copy of the same graph.
* :class:`TrainConfig` and :func:`train_classifier`: mini-batch SGD (or Adam) on the mean
  cross-entropy, with the data order drawn from a private generator (``seed``) so that
  two runs with different seeds differ *only* in data order (the SGD noise of the
  linear-mode-connectivity test, Frankle et al. 2020), optional masks kept exact
  (:class:`nets.torch.pruning.Mask`) and snapshots at given iterations (for rewinding).
* :func:`evaluate`: mean cross-entropy and classification error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from ridgekit._validation import check_choice, check_int, check_positive

__all__ = ["MLP", "ResNet18", "TrainConfig", "TrainLog", "train_classifier", "evaluate",
           "as_dataset", "snapshot"]


class MLP(nn.Module):
    """Fully connected ReLU network ``sizes[0] → sizes[1] → … → sizes[-1]`` (logits).

    Inputs of any shape (n, ...) are flattened to (n, sizes[0]).  Initialisation is
    PyTorch's ``nn.Linear`` default, drawn from a private generator seeded by ``seed``
    (the same seed gives the same network, whatever the global torch state).

    Examples
    --------
    >>> net = MLP([64, 32, 10], seed=0)
    >>> net(torch.zeros(5, 8, 8)).shape
    torch.Size([5, 10])
    >>> bool(torch.equal(MLP([4, 3], seed=1).layers[0].weight, MLP([4, 3], seed=1).layers[0].weight))
    True
    """

    def __init__(self, sizes, *, seed: int = 0, dtype=torch.float32):
        super().__init__()
        sizes = [check_int(s, f"sizes[{i}]", minimum=1) for i, s in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output size, got {sizes}")
        self.sizes = tuple(sizes)
        gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            lin = nn.Linear(a, b, dtype=dtype)
            bound = 1.0 / math.sqrt(a)
            with torch.no_grad():          # nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
                lin.weight.copy_(torch.rand(b, a, generator=gen, dtype=torch.float64) * 2 * bound - bound)
                lin.bias.copy_(torch.rand(b, generator=gen, dtype=torch.float64) * 2 * bound - bound)
            layers.append(lin)
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x.reshape(x.shape[0], -1))


class _BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 for 32×32 images (CIFAR variant): 3×3 stem, four stages of two
    BasicBlocks with widths ``width``·(1, 2, 4, 8) and strides (1, 2, 2, 2), global
    average pooling and a linear classifier (He et al. 2016; the layout of the common
    CIFAR implementations used in the lottery-ticket literature).  ``width = 64`` is the
    standard network (11.2 M parameters); smaller widths keep the same graph.

    Initialisation: PyTorch's module defaults, drawn under a fork of the global RNG
    seeded by ``seed`` (the global state is restored afterwards).

    Examples
    --------
    >>> net = ResNet18(width=4, seed=0)
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(self, n_classes: int = 10, *, width: int = 64, in_channels: int = 3, seed: int = 0):
        super().__init__()
        n_classes = check_int(n_classes, "n_classes", minimum=2)
        width = check_int(width, "width", minimum=1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(check_int(seed, "seed", minimum=0))
            self.conv1 = nn.Conv2d(check_int(in_channels, "in_channels", minimum=1), width, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            blocks, cin = [], width
            for i, stride in enumerate((1, 2, 2, 2)):
                cout = width * 2 ** i
                blocks += [_BasicBlock(cin, cout, stride), _BasicBlock(cout, cout, 1)]
                cin = cout
            self.blocks = nn.Sequential(*blocks)
            self.fc = nn.Linear(cin, n_classes)

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.blocks(out)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(out, 1), 1))


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`train_classifier`.

    ``steps`` mini-batch updates of size ``batch_size`` (the whole set if larger), with
    ``optimizer`` "sgd" (momentum, coupled L2 ``weight_decay``) or "adam"; the learning
    rate is multiplied by ``gamma`` at each iteration listed in ``milestones``.
    """

    steps: int
    lr: float = 0.1
    batch_size: int = 64
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 0.0
    milestones: tuple = ()
    gamma: float = 0.1

    def __post_init__(self):
        check_int(self.steps, "steps", minimum=0)
        check_positive(self.lr, "lr")
        check_int(self.batch_size, "batch_size", minimum=1)
        check_choice(self.optimizer, "optimizer", ("sgd", "adam"))
        check_positive(self.momentum, "momentum", strict=False)
        check_positive(self.weight_decay, "weight_decay", strict=False)
        check_positive(self.gamma, "gamma")
        for m in self.milestones:
            check_int(m, "milestones[...]", minimum=1)

    def make_optimizer(self, params):
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)
        return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)


@dataclass
class TrainLog:
    """What :func:`train_classifier` did: ``losses`` (per step), ``snapshots``
    (iteration → state dict copy), ``n_examples`` (per-example gradients computed, i.e.
    Σ batch sizes) and ``n_distinct`` (size of the training set)."""

    losses: list = field(default_factory=list)
    snapshots: dict = field(default_factory=dict)
    n_examples: int = 0
    n_distinct: int = 0


def snapshot(model) -> dict:
    """A deep copy of ``model.state_dict()`` (tensors cloned, bit for bit)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def as_dataset(X, y, name: str = "data", *, n_classes=None, device=None, dtype=None):
    """(X, y) → (float tensor, int64 tensor) with matching lengths and labels in range."""
    if not isinstance(X, torch.Tensor):
        X = torch.as_tensor(X)
    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(y)
    if not X.is_floating_point():
        raise TypeError(f"{name}: inputs must be floating point, got {X.dtype}")
    if y.dtype.is_floating_point or y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"{name}: labels must be integers, got {y.dtype}")
    if y.ndim != 1 or X.ndim < 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"{name}: need inputs (n, ...) and labels (n,) with n >= 1, got shapes "
                         f"{tuple(X.shape)} and {tuple(y.shape)}")
    if n_classes is not None:
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= n_classes:
            raise ValueError(f"{name}: labels must lie in [0, {n_classes}), got range [{lo}, {hi}]")
    if not bool(torch.isfinite(X).all()):
        raise ValueError(f"{name}: inputs must be finite")
    X = X.to(device=device, dtype=dtype) if (device is not None or dtype is not None) else X
    y = y.to(device=device, dtype=torch.int64) if device is not None else y.to(torch.int64)
    return X, y


def _model_device_dtype(model):
    p = next(iter(model.parameters()))
    return p.device, p.dtype


@torch.no_grad()
def _n_outputs(model, X, device, dtype):
    """Number of logits, from one input in evaluation mode (no batch-norm statistics move)."""
    if len(X) == 0:
        return None
    was = model.training
    model.eval()
    try:
        return int(model(torch.as_tensor(X[:1]).to(device=device, dtype=dtype)).shape[-1])
    finally:
        model.train(was)


def train_classifier(model, X, y, config: TrainConfig, *, seed: int = 0, mask=None, snapshot_at=(),
                     augment=None) -> TrainLog:
    """Train ``model`` in place by mini-batch SGD/Adam on the mean cross-entropy.

    Parameters
    ----------
    model : nn.Module
        Maps inputs (n, ...) to logits (n, C).
    X, y : tensors or arrays
        Training inputs and integer labels in [0, C).
    config : TrainConfig
    seed : int
        Seed of the private generator of the data order (a fresh permutation per
        epoch) and of ``augment``; nothing else is random.
    mask : nets.torch.pruning.Mask, optional
        Applied before the first step and kept exact: pruned weights, their gradients
        and their optimiser state stay exactly zero (:meth:`Mask.attach`).
    snapshot_at : iterable of int
        Iterations t (0 ≤ t ≤ steps) at which a copy of the state dict is kept in
        ``log.snapshots[t]`` (t = 0: before the first update).  Used for rewinding.
    augment : callable, optional
        ``augment(batch, generator) -> batch`` applied to each input batch.

    Returns
    -------
    TrainLog
    """
    device, dtype = _model_device_dtype(model)
    n_classes = _n_outputs(model, X, device, dtype)
    X, y = as_dataset(X, y, "training data", n_classes=n_classes, device=device, dtype=dtype)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    snap = sorted({check_int(t, "snapshot_at[...]", minimum=0, maximum=config.steps) for t in snapshot_at})
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    n = X.shape[0]
    bs = min(config.batch_size, n)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = config.make_optimizer(params)
    sched = (torch.optim.lr_scheduler.MultiStepLR(opt, list(config.milestones), config.gamma)
             if config.milestones else None)
    handle = mask.attach(model, opt) if mask is not None else None
    log = TrainLog(n_distinct=n)
    model.train()
    perm, pos = None, n
    try:
        for t in range(config.steps + 1):
            if t in snap:
                log.snapshots[t] = snapshot(model)
            if t == config.steps:
                break
            if pos + bs > n:
                perm, pos = torch.randperm(n, generator=gen).to(device), 0
            idx = perm[pos:pos + bs]
            pos += bs
            xb = X[idx]
            if augment is not None:
                xb = augment(xb, gen)
            loss = nn.functional.cross_entropy(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            log.losses.append(float(loss.detach()))
            log.n_examples += bs
    finally:
        if handle is not None:
            handle.remove()
    return log


@torch.no_grad()
def evaluate(model, X, y, *, batch_size: int = 4096):
    """Mean cross-entropy and error (fraction misclassified) of ``model`` on (X, y), in
    evaluation mode (the model's mode is restored afterwards)."""
    device, dtype = _model_device_dtype(model)
    X, y = as_dataset(X, y, "evaluation data")
    was = model.training
    model.eval()
    loss, wrong = 0.0, 0
    try:
        for i in range(0, X.shape[0], batch_size):
            xb = X[i:i + batch_size].to(device=device, dtype=dtype)
            yb = y[i:i + batch_size].to(device)
            out = model(xb)
            loss += float(nn.functional.cross_entropy(out, yb, reduction="sum"))
            wrong += int((out.argmax(1) != yb).sum())
    finally:
        model.train(was)
    n = X.shape[0]
    return loss / n, wrong / n
