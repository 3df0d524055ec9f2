"""Pruning masks, iterative magnitude pruning with rewinding, baselines, linear mode
connectivity and the sharpness of tickets (for arXiv 2503.17905, McDermott & Parhi).

Definitions (all standard; the paper's own procedures could not be read, so each is the
published method named in its docstring, tagged [secondary] where the paper is only
reported to use it):

* A *mask* m ∈ {0, 1}^P over the prunable weights (the ``weight`` of every ``nn.Linear``
  and ``nn.Conv{1,2,3}d``; biases and normalisation parameters are never pruned, as in
  Frankle & Carbin 2019).  Sparsity = (number of zeros of m) / P.
* *Magnitude pruning* to sparsity s: zero the ⌊sP + ½⌋ smallest :math:`|w|` among all prunable
  weights (``scope="global"``) or ⌊s P_l + ½⌋ in each layer l (``scope="layer"``);
  weights already pruned stay pruned; ties are broken by position (stable sort).
* *IMP with rewinding* (Frankle et al. 2020, "Linear Mode Connectivity and the Lottery
  Ticket Hypothesis", ICML, Algorithm 2; Frankle & Carbin 2019 for k = 0): train, prune
  a fraction ``rate`` of the remaining weights by global magnitude, reset the survivors
  to their values θ_k at iteration k, repeat.
* *Error barrier* (instability; Frankle et al. 2020, §2): for trained θ₁, θ₂,
  max_α Err((1−α)θ₁ + αθ₂) − ½(Err(θ₁) + Err(θ₂)) over a grid of α in [0, 1].
* *Sharpness of a ticket*: the top eigenvalue of the Hessian of the training loss with
  respect to the unpruned weights (Lanczos, :func:`nets.torch.hessian_eigenvalues`).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ridgekit._validation import check_choice, check_int

from .classifiers import TrainConfig, as_dataset, evaluate, snapshot, train_classifier
from .hessian import hessian_eigenvalues

__all__ = ["PRUNABLE", "prunable_weights", "Mask", "sparsity_schedule", "magnitude_prune", "random_prune",
           "snip_prune", "IMPResult", "imp", "train_subnetwork", "BarrierResult", "error_barrier",
           "instability", "ticket_sharpness"]

#: Module types whose ``weight`` is prunable.
PRUNABLE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def prunable_weights(model) -> list:
    """``[(name, parameter)]`` of the prunable weights of ``model`` (the ``weight`` of
    every module in :data:`PRUNABLE`), in ``named_modules`` order.

    Raises
    ------
    TypeError
        ``model`` is not an ``nn.Module``.
    ValueError
        ``model`` has no prunable weights.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    out = []
    for mname, mod in model.named_modules():
        if isinstance(mod, PRUNABLE) and isinstance(getattr(mod, "weight", None), nn.Parameter):
            out.append((f"{mname}.weight" if mname else "weight", mod.weight))
    if not out:
        raise ValueError(f"model ({type(model).__name__}) has no prunable weights: no "
                         f"{', '.join(t.__name__ for t in PRUNABLE)} module")
    return out


def _check_sparsity(sparsity, name="sparsity"):
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number in [0, 1), got {type(sparsity).__name__} {sparsity!r}")
    s = float(sparsity)
    if not (0.0 <= s < 1.0):
        raise ValueError(f"{name} must lie in [0, 1) (fraction of prunable weights set to zero), got {sparsity!r}")
    return s


def _count(s, n):
    return int(math.floor(s * n + 0.5))


class _Handle:
    def __init__(self, handles):
        self._handles = handles

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []


class Mask:
    """A binary mask over the prunable weights of a module.

    Parameters
    ----------
    masks : dict
        ``{name: bool tensor}``; names and shapes are those of
        :func:`prunable_weights` of the model the mask is used with (True = kept).

    Notes
    -----
    Build one with :meth:`ones` (nothing pruned), :func:`magnitude_prune`,
    :func:`random_prune`, :func:`snip_prune` or :meth:`load`.  :meth:`apply` zeroes the
    pruned weights in place; :meth:`attach` keeps them exactly zero during training:
    a gradient hook zeroes their gradients and an optimiser post-step hook re-zeroes the
    weights and every optimiser state tensor of the weight's shape (momentum, Adam
    moments), so neither weight decay nor stale momentum can move them.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> m = Mask.ones(net)
    >>> m.n_total, m.sparsity
    (18, 0.0)
    >>> m2 = magnitude_prune(net, 0.5, mask=m)
    >>> m2.n_remaining, m2.sparsity
    (9, 0.5)
    """

    def __init__(self, masks: dict):
        if not isinstance(masks, dict) or not masks:
            raise TypeError("masks must be a non-empty dict {name: bool tensor}")
        self.masks = {}
        for k, v in masks.items():
            t = torch.as_tensor(v).detach().cpu()
            if t.dtype != torch.bool:
                if not bool(((t == 0) | (t == 1)).all()):
                    raise ValueError(f"masks[{k!r}] must hold only 0 and 1 (or booleans)")
                t = t.to(torch.bool)
            self.masks[str(k)] = t.clone()

    # construction -------------------------------------------------------------------
    @classmethod
    def ones(cls, model) -> Mask:
        """The mask that keeps every prunable weight of ``model``."""
        return cls({n: torch.ones(p.shape, dtype=torch.bool) for n, p in prunable_weights(model)})

    @classmethod
    def from_zeros(cls, model) -> Mask:
        """The mask of the nonzero prunable weights of ``model``."""
        return cls({n: (p.detach() != 0).cpu() for n, p in prunable_weights(model)})

    def copy(self) -> Mask:
        return Mask(self.masks)

    # accounting ---------------------------------------------------------------------
    @property
    def names(self) -> list:
        return list(self.masks)

    @property
    def n_total(self) -> int:
        """Number of prunable weights P."""
        return int(sum(m.numel() for m in self.masks.values()))

    @property
    def n_remaining(self) -> int:
        """Number of kept weights."""
        return int(sum(int(m.sum()) for m in self.masks.values()))

    @property
    def sparsity(self) -> float:
        """(P − kept) / P."""
        return (self.n_total - self.n_remaining) / self.n_total

    @property
    def density(self) -> float:
        return self.n_remaining / self.n_total

    def layer_table(self) -> list:
        """One dict per layer: ``name``, ``shape``, ``total``, ``remaining``, ``pruned``,
        ``sparsity`` (exact integer counts; sparsity = pruned / total)."""
        rows = []
        for n, m in self.masks.items():
            tot, kept = m.numel(), int(m.sum())
            rows.append({"name": n, "shape": tuple(m.shape), "total": tot, "remaining": kept,
                         "pruned": tot - kept, "sparsity": (tot - kept) / tot})
        return rows

    def __eq__(self, other):
        if not isinstance(other, Mask):
            return NotImplemented
        return self.names == other.names and all(torch.equal(self.masks[k], other.masks[k]) for k in self.masks)

    def __and__(self, other):
        if not isinstance(other, Mask) or other.names != self.names:
            raise ValueError("can only intersect masks over the same weights")
        return Mask({k: self.masks[k] & other.masks[k] for k in self.masks})

    def __repr__(self):
        return f"Mask({len(self.masks)} layers, {self.n_remaining}/{self.n_total} kept, sparsity {self.sparsity:.4f})"

    # use on a model -----------------------------------------------------------------
    def _pairs(self, model):
        weights = dict(prunable_weights(model))
        if set(weights) != set(self.masks):
            missing = sorted(set(self.masks) - set(weights))
            extra = sorted(set(weights) - set(self.masks))
            raise ValueError(f"mask does not match the model's prunable weights: in the mask only {missing}, "
                             f"in the model only {extra}")
        pairs = []
        for n, m in self.masks.items():
            p = weights[n]
            if tuple(p.shape) != tuple(m.shape):
                raise ValueError(f"mask {n!r} has shape {tuple(m.shape)}, the model's weight has {tuple(p.shape)}")
            pairs.append((n, p, m.to(p.device)))
        return pairs

    def check(self, model) -> None:
        """Raise ValueError unless the mask's names and shapes match ``model``."""
        self._pairs(model)

    @torch.no_grad()
    def apply(self, model):
        """Zero the pruned weights of ``model`` in place; returns ``model``."""
        for _, p, m in self._pairs(model):
            p.masked_fill_(~m, 0.0)
        return model

    def max_violation(self, model) -> float:
        """:math:`max |w|` over the pruned positions (0.0 when the mask is respected exactly)."""
        worst = 0.0
        for _, p, m in self._pairs(model):
            if bool((~m).any()):
                worst = max(worst, float(p.detach()[~m].abs().max()))
        return worst

    def attach(self, model, optimizer=None) -> _Handle:
        """Apply the mask and keep it exact during training; ``handle.remove()`` detaches.

        Gradient hooks set the gradients of pruned weights to zero (``masked_fill``, so
        also NaN/inf gradients); if ``optimizer`` is given, a post-step hook re-zeroes
        the pruned weights and the pruned entries of every optimiser state tensor with
        the weight's shape.
        """
        pairs = self._pairs(model)
        self.apply(model)
        handles = [p.register_hook(lambda g, m=m: g.masked_fill(~m, 0.0)) for _, p, m in pairs]
        if optimizer is not None:
            def post_step(opt, args, kwargs):
                with torch.no_grad():
                    for _, p, m in pairs:
                        p.masked_fill_(~m, 0.0)
                        for v in opt.state.get(p, {}).values():
                            if isinstance(v, torch.Tensor) and v.shape == p.shape:
                                v.masked_fill_(~m, 0.0)
            handles.append(optimizer.register_step_post_hook(post_step))
        return _Handle(handles)

    # files --------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the mask to an ``.npz`` file (one boolean array per weight, plus the
        ordered names); returns the path."""
        path = Path(path)
        arrays = {f"mask{i}": m.numpy() for i, m in enumerate(self.masks.values())}
        np.savez_compressed(path, names=np.array(self.names), **arrays)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load(cls, path) -> Mask:
        """Read a mask written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as f:
            names = [str(n) for n in f["names"]]
            return cls({n: torch.from_numpy(f[f"mask{i}"].astype(bool)) for i, n in enumerate(names)})


def sparsity_schedule(rate: float = 0.2, rounds: int = 10, *, start: float = 0.0) -> np.ndarray:
    """Sparsities after each IMP round when each round prunes ``rate`` of the remaining
    weights: s_r = 1 − (1 − start)(1 − rate)^r, r = 1..rounds.

    >>> np.round(sparsity_schedule(0.2, 3), 3).tolist()
    [0.2, 0.36, 0.488]
    """
    rate = _check_sparsity(rate, "rate")
    start = _check_sparsity(start, "start")
    rounds = check_int(rounds, "rounds", minimum=1)
    return 1.0 - (1.0 - start) * (1.0 - rate) ** np.arange(1, rounds + 1)


def _prune_by_scores(scores: dict, sparsity: float, mask: Mask, scope: str) -> Mask:
    """Zero the lowest scores (already-pruned entries first) to reach ``sparsity``."""
    names = mask.names
    flat = {n: torch.where(mask.masks[n].reshape(-1), scores[n].detach().double().cpu().reshape(-1),
                           torch.tensor(-math.inf, dtype=torch.float64)) for n in names}
    new = {}
    if scope == "global":
        allv = torch.cat([flat[n] for n in names])
        k = _count(sparsity, allv.numel())
        if k < mask.n_total - mask.n_remaining:
            raise ValueError(f"sparsity {sparsity} is below the mask's current sparsity {mask.sparsity}: "
                             f"pruned weights are never revived")
        order = torch.sort(allv, stable=True).indices
        keep = torch.ones(allv.numel(), dtype=torch.bool)
        keep[order[:k]] = False
        for n, part in zip(names, torch.split(keep, [flat[n].numel() for n in names])):
            new[n] = part.reshape(mask.masks[n].shape)
    else:
        for n in names:
            v = flat[n]
            k = _count(sparsity, v.numel())
            if k < int((~mask.masks[n]).sum()):
                raise ValueError(f"sparsity {sparsity} is below layer {n!r}'s current sparsity: "
                                 f"pruned weights are never revived")
            keep = torch.ones(v.numel(), dtype=torch.bool)
            keep[torch.sort(v, stable=True).indices[:k]] = False
            new[n] = keep.reshape(mask.masks[n].shape)
    return Mask(new)


def _start_mask(model, mask):
    if mask is None:
        return Mask.ones(model)
    if not isinstance(mask, Mask):
        raise TypeError(f"mask must be a Mask or None, got {type(mask).__name__}")
    mask.check(model)
    return mask


def magnitude_prune(model, sparsity, *, mask: Mask | None = None, scope: str = "global") -> Mask:
    """The mask that zeroes the smallest-magnitude weights of ``model`` (Han et al. 2015;
    the pruning step of IMP, Frankle & Carbin 2019).

    Parameters
    ----------
    model : nn.Module
        Its current prunable weights are scored by :math:`|w|`.
    sparsity : float in [0, 1)
        Target fraction of *all* prunable weights that are zero in the returned mask
        (exactly ⌊sP + ½⌋ of them, or ⌊s P_l + ½⌋ per layer for ``scope="layer"``).
    mask : Mask, optional
        Current mask; its pruned weights stay pruned (and count towards the target).
    scope : {"global", "layer"}

    Returns
    -------
    Mask
    """
    sparsity = _check_sparsity(sparsity)
    scope = check_choice(scope, "scope", ("global", "layer"))
    mask = _start_mask(model, mask)
    scores = {n: p.detach().abs() for n, p in prunable_weights(model)}
    return _prune_by_scores(scores, sparsity, mask, scope)


def random_prune(model, sparsity, *, seed: int = 0, mask: Mask | None = None, scope: str = "global",
                 like: Mask | None = None) -> Mask:
    """Random pruning baseline: uniform random scores (private generator ``seed``).

    ``like``: prune each layer to exactly the layer sparsity of that mask (the random
    baseline with the ticket's layer-wise sparsities, Frankle & Carbin 2019 §2); then
    ``sparsity`` must equal ``like.sparsity`` or be None.
    """
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    if like is not None:
        like.check(model)
        out = {}
        for n, m in like.masks.items():
            k = int((~m).sum())
            keep = torch.ones(m.numel(), dtype=torch.bool)
            keep[torch.randperm(m.numel(), generator=gen)[:k]] = False
            out[n] = keep.reshape(m.shape)
        return Mask(out)
    sparsity = _check_sparsity(sparsity)
    scope = check_choice(scope, "scope", ("global", "layer"))
    mask = _start_mask(model, mask)
    scores = {n: torch.rand(m.shape, generator=gen, dtype=torch.float64) for n, m in mask.masks.items()}
    return _prune_by_scores(scores, sparsity, mask, scope)


def snip_prune(model, X, y, sparsity, *, scope: str = "global", mask: Mask | None = None) -> Mask:
    """SNIP (Lee, Ajanthan & Torr 2019, ICLR, eqs. 5–6): keep the weights with the
    largest connection sensitivity :math:`|∂L/∂w · w|` of the mean cross-entropy L on (X, y) at
    the current (initial) weights.  The paper normalises the scores by their sum, which
    does not change the ranking."""
    sparsity = _check_sparsity(sparsity)
    scope = check_choice(scope, "scope", ("global", "layer"))
    mask = _start_mask(model, mask)
    weights = prunable_weights(model)
    p0 = next(iter(model.parameters()))
    X, y = as_dataset(X, y, "X, y", device=p0.device, dtype=p0.dtype)
    loss = nn.functional.cross_entropy(model(X), y)
    grads = torch.autograd.grad(loss, [p for _, p in weights])
    scores = {n: (g * p).detach().abs() for (n, p), g in zip(weights, grads)}
    return _prune_by_scores(scores, sparsity, mask, scope)


@dataclass
class IMPResult:
    """Output of :func:`imp`.

    ``masks[r]``: the mask used in training round r (``masks[0]`` the initial mask,
    ``masks[-1]`` the final ticket's mask, after the last pruning); ``sparsities``
    their sparsities; ``init_state`` θ₀ and ``rewind_state`` θ_k (state dicts, bit for
    bit); ``n_examples`` per-example gradients per round; ``n_distinct`` the size of the
    inner training set; ``seconds`` wall-clock per round; ``evals`` (loss, error) of
    each round's trained network on ``eval_data`` when given.
    """

    masks: list
    sparsities: list
    init_state: dict
    rewind_state: dict
    rewind_iteration: int
    n_examples: list = field(default_factory=list)
    n_distinct: int = 0
    seconds: list = field(default_factory=list)
    evals: list = field(default_factory=list)

    @property
    def total_examples(self) -> int:
        return int(sum(self.n_examples))

    @property
    def total_seconds(self) -> float:
        return float(sum(self.seconds))


def imp(model, data, config: TrainConfig, *, rounds: int = 10, rate: float = 0.2, rewind_iteration: int = 0,
        scope: str = "global", seed: int = 0, initial_mask: Mask | None = None, eval_data=None) -> IMPResult:
    """Iterative magnitude pruning with weight rewinding (Frankle et al. 2020, Algorithm 2;
    k = 0 is the original lottery-ticket procedure of Frankle & Carbin 2019).

    Parameters
    ----------
    model : nn.Module
        Its current state is the initialisation θ₀.  On return it holds the final
        ticket: θ_k with the last mask applied (the network one trains to validate it).
    data : (X, y)
        The *inner* training data: the full training set for IMP, a distilled set for
        distilled IMP (arXiv 2503.17905 [paper abstract]).
    config : TrainConfig
        One training run of ``config.steps`` iterations; round 0 trains from θ₀ and
        keeps θ_k at iteration ``rewind_iteration``; later rounds train from the rewound
        θ_k for the remaining ``steps − k`` iterations.
    rounds : int
        Number of train–prune rounds; round r prunes ``rate`` of the remaining weights
        (target sparsity 1 − (1 − s₀)(1 − rate)^{r+1}, s₀ that of ``initial_mask``).
    rate : float in [0, 1)
    rewind_iteration : int in [0, steps]
    scope : {"global", "layer"}
        Magnitude ranking across all layers (Frankle et al. 2020 for ResNets) or within
        each layer.
    seed : int
        Data order of round r is ``seed + r``.
    initial_mask : Mask, optional
        Start from this mask instead of the dense network (the "stable mask first, then
        IMP" variant of arXiv 2503.17905 [paper abstract]).
    eval_data : (X, y), optional
        Evaluate each round's trained network on it.

    Returns
    -------
    IMPResult
    """
    rounds = check_int(rounds, "rounds", minimum=1)
    rate = _check_sparsity(rate, "rate")
    scope = check_choice(scope, "scope", ("global", "layer"))
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    k = check_int(rewind_iteration, "rewind_iteration", minimum=0, maximum=config.steps)
    mask = _start_mask(model, initial_mask)
    X, y = _check_pair(data, "data")
    targets = sparsity_schedule(rate, rounds, start=mask.sparsity)
    init_state = snapshot(model)
    rewind_state = None
    res = IMPResult(masks=[mask], sparsities=[mask.sparsity], init_state=init_state, rewind_state={},
                    rewind_iteration=k)
    for r in range(rounds):
        t0 = time.perf_counter()
        if r == 0:
            log = train_classifier(model, X, y, config, seed=seed, mask=mask, snapshot_at=(k,))
            rewind_state = log.snapshots[k]
        else:
            log = train_classifier(model, X, y, _shorter(config, k), seed=seed + r, mask=mask)
        if eval_data is not None:
            res.evals.append(evaluate(model, *eval_data))
        mask = magnitude_prune(model, float(targets[r]), mask=mask, scope=scope)
        model.load_state_dict(rewind_state)
        mask.apply(model)
        res.seconds.append(time.perf_counter() - t0)
        res.n_examples.append(log.n_examples)
        res.n_distinct = log.n_distinct
        res.masks.append(mask)
        res.sparsities.append(mask.sparsity)
    res.rewind_state = rewind_state
    return res


def _shorter(config, k):
    if k == 0:
        return config
    ms = tuple(m - k for m in config.milestones if m > k)
    return TrainConfig(steps=config.steps - k, lr=config.lr, batch_size=config.batch_size,
                       optimizer=config.optimizer, momentum=config.momentum,
                       weight_decay=config.weight_decay, milestones=ms, gamma=config.gamma)


def _check_pair(data, name):
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (X, y), got {type(data).__name__}")
    return as_dataset(data[0], data[1], name)


def train_subnetwork(model, state: dict, mask: Mask | None, data, config: TrainConfig, *, seed: int = 0,
                     eval_data=None, augment=None):
    """Load ``state`` into ``model``, apply ``mask`` and train on ``data`` with the mask
    kept exact; returns ``(loss, error)`` on ``eval_data`` (or the training log when
    ``eval_data`` is None).  This is how a mask is validated ("train the ticket")."""
    model.load_state_dict(state)
    X, y = _check_pair(data, "data")
    log = train_classifier(model, X, y, config, seed=seed, mask=mask, augment=augment)
    return evaluate(model, *eval_data) if eval_data is not None else log


@dataclass
class BarrierResult:
    """Output of :func:`error_barrier`: ``alphas``, ``errors`` and ``losses`` along the
    path θ(α) = (1 − α)θ_a + αθ_b, ``barrier`` = max_α err(α) − ½(err(0) + err(1))
    and ``loss_barrier`` the same for the loss."""

    alphas: np.ndarray
    errors: np.ndarray
    losses: np.ndarray
    barrier: float
    loss_barrier: float


@torch.no_grad()
def _recompute_bn(model, X, batch_size=512):
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    saved = [(m.momentum, m.training) for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None          # cumulative average over the batches
    was = model.training
    model.train()
    p = next(iter(model.parameters()))
    for i in range(0, X.shape[0], batch_size):
        model(X[i:i + batch_size].to(device=p.device, dtype=p.dtype))
    model.train(was)
    for m, (mom, _) in zip(bns, saved):
        m.momentum = mom


def error_barrier(model_a, model_b, data, *, n_alpha: int = 11, bn_data=None) -> BarrierResult:
    """Loss and error along the segment between two networks, and the error barrier.

    Parameters
    ----------
    model_a, model_b : nn.Module
        Same architecture (same state-dict keys and shapes).
    data : (X, y)
        Where loss (mean cross-entropy) and error (fraction misclassified) are measured.
    n_alpha : int
        Grid α_i = i/(n_alpha − 1), i = 0..n_alpha − 1 (Frankle et al. 2020 use 30
        points; 11 is the default here).
    bn_data : tensor, optional
        If the networks have batch normalisation, recompute its running statistics on
        these inputs at each α (otherwise the interpolated statistics are used).

    Returns
    -------
    BarrierResult
        ``barrier`` = max_i err(α_i) − ½(err(0) + err(1)) (Frankle et al. 2020, §2,
        "instability"; ≥ 0 since both endpoints are on the grid; Frankle et al. call a
        network stable when it is ≤ 2 %, error in [0, 1] here).

    Examples
    --------
    >>> net = nn.Linear(2, 2)
    >>> X, y = torch.randn(20, 2), torch.randint(0, 2, (20,))
    >>> error_barrier(net, net, (X, y), n_alpha=3).barrier
    0.0
    """
    for nm, m in (("model_a", model_a), ("model_b", model_b)):
        if not isinstance(m, nn.Module):
            raise TypeError(f"{nm} must be a torch.nn.Module, got {type(m).__name__}")
    n_alpha = check_int(n_alpha, "n_alpha", minimum=2)
    sa, sb = model_a.state_dict(), model_b.state_dict()
    if list(sa) != list(sb) or any(sa[k].shape != sb[k].shape for k in sa):
        raise ValueError("model_a and model_b must have the same architecture (state-dict keys and shapes)")
    X, y = _check_pair(data, "data")
    probe = copy.deepcopy(model_a)
    alphas = np.linspace(0.0, 1.0, n_alpha)
    errs, losses = np.empty(n_alpha), np.empty(n_alpha)
    for i, a in enumerate(alphas):
        state = {}
        for k in sa:
            if sa[k].is_floating_point():
                state[k] = sa[k] if a == 0.0 else (sb[k] if a == 1.0 else (1 - a) * sa[k] + a * sb[k])
            else:
                state[k] = sa[k]
        probe.load_state_dict(state)
        if bn_data is not None:
            _recompute_bn(probe, torch.as_tensor(bn_data))
        losses[i], errs[i] = evaluate(probe, X, y)
    barrier = float(errs.max() - 0.5 * (errs[0] + errs[-1]))
    loss_barrier = float(losses.max() - 0.5 * (losses[0] + losses[-1]))
    return BarrierResult(alphas, errs, losses, barrier, loss_barrier)


def instability(model, state: dict, mask: Mask | None, data, config: TrainConfig, *, eval_data,
                seeds=(0, 1), n_alpha: int = 11):
    """Linear-mode-connectivity test (Frankle et al. 2020, §2): two copies of the
    (masked) network at ``state`` trained on ``data`` with data orders ``seeds``; returns
    the :class:`BarrierResult` on ``eval_data`` and the two trained models."""
    if len(seeds) != 2 or seeds[0] == seeds[1]:
        raise ValueError(f"seeds must be two different data-order seeds, got {seeds!r}")
    nets = []
    for s in seeds:
        m = copy.deepcopy(model)
        train_subnetwork(m, state, mask, data, config, seed=s)
        nets.append(m)
    return error_barrier(nets[0], nets[1], eval_data, n_alpha=n_alpha), nets


def ticket_sharpness(model, X, y, *, mask: Mask | None = None, tol=None, max_iter=None, seed: int = 0) -> float:
    """Top eigenvalue of the Hessian of the mean cross-entropy on (X, y) with respect to
    the weights of the subnetwork (the unpruned coordinates), by Lanczos
    (:func:`nets.torch.hessian_eigenvalues`).

    With L(w) the loss and D = diag(m), the Hessian of w ↦ L(D w) is D ∇²L D: the
    Hessian restricted to the kept weights, padded with zero rows and columns, so its
    top eigenvalue is that of the restriction when the latter is ≥ 0.  Evaluated in
    ``eval`` mode (batch normalisation uses running statistics: a fixed function).
    """
    from torch.func import functional_call

    p0 = next(iter(model.parameters()))
    X, y = as_dataset(X, y, "X, y", device=p0.device, dtype=p0.dtype)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    params = [p.detach().clone().requires_grad_(True) for n, p in model.named_parameters() if p.requires_grad]
    masks = {}
    if mask is not None:
        for n, _, m in mask._pairs(model):
            masks[n] = m.to(dtype=p0.dtype)
    buffers = {n: b for n, b in model.named_buffers()}
    was = model.training
    model.eval()

    def loss_fn():
        ps = {n: (p * masks[n] if n in masks else p) for n, p in zip(names, params)}
        return nn.functional.cross_entropy(functional_call(model, {**ps, **buffers}, (X,)), y)

    try:
        vals = hessian_eigenvalues(loss_fn, params, k=1, tol=tol, max_iter=max_iter, seed=seed)
    finally:
        model.train(was)
    return float(vals[0])
