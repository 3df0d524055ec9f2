"""Full-batch gradient descent for two-layer ReLU networks: one at a time or batched.

The setting of arXiv 2506.20779 (§2 and App. A; docs/theory/flat_minima.md [paper]): the loss

    L(θ) = (1/2n) Σᵢ ‖f_θ(xᵢ) − yᵢ‖²,

full-batch GD θ ← θ − η (clip(∇L(θ)) + λθ), gradient clipping of the total gradient norm
at 50 in the paper (it fires only in the first epochs), Kaiming initialisation, fixed
seeds.  The order (clip the loss gradient, then add the weight-decay term λθ) is that of
``torch.nn.utils.clip_grad_norm_`` followed by ``torch.optim.SGD(weight_decay=λ)``, and
weight decay applies to every trainable parameter (W, b, V, β), as SGD's does; λθ is the
gradient of (λ/2)‖θ‖².

:func:`train_gd` trains one module with autograd (any module, any loss closure);
:func:`train_gd_batched` trains B independent two-layer networks, possibly with different
data sets (padded), widths (padded with zero neurons), step sizes and weight decays, with
hand-written gradients: on a CPU by a fused numba kernel (:mod:`nets.torch._kernels`,
parallel over networks, nothing of size n × m in memory), on other devices as one tensor
program of batched matrix products.  Network j of a batch follows the same trajectory as
:func:`train_gd` on the model ``TwoLayerReLU(d, widths[j], seed=seeds[j])`` to rounding.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import torch

from ridgekit._validation import check_choice, check_int, check_positive

from .hessian import hessian_eigenvalues
from .models import TwoLayerReLU, init_parameters, resolve_dtype

__all__ = ["half_mse", "train_gd", "TrainResult", "SharpnessTracker", "BatchedNetworks",
           "train_gd_batched", "stack_datasets"]

_CLIP_EPS = 1e-6     # torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), capped at 1
                     # (the same constant is in nets/torch/_kernels.py)

#: Backends of :func:`train_gd_batched`.
BACKENDS = ("auto", "torch", "fused")

_FUSED_PID = None    # process that first ran the parallel fused kernel (see _train_fused)


def half_mse(pred, y):
    """L = (1/2n) Σᵢ ‖predᵢ − yᵢ‖² (n = number of rows), the loss of arXiv 2506.20779, §2."""
    r = pred - y
    return 0.5 * (r * r).sum() / r.shape[0]


def _as_tensor(a, name, dtype, device, ndim):
    t = torch.as_tensor(a)
    if not t.is_floating_point() and t.dtype not in (torch.int32, torch.int64):
        raise TypeError(f"{name} must be a real array, got {t.dtype}")
    t = t.to(device=device, dtype=dtype)
    if t.ndim not in ndim:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} dimensions, got shape {tuple(t.shape)}")
    if not torch.all(torch.isfinite(t)):
        raise ValueError(f"{name} must be finite")
    return t


@dataclass
class TrainResult:
    """What :func:`train_gd` returns.

    Attributes
    ----------
    model : torch.nn.Module
        The trained module (the one passed in, trained in place).
    losses : ndarray (epochs + 1,)
        L(θ_t) for t = 0 … epochs (before each step, and after the last).
    clipped : int
        Number of steps at which the gradient was clipped.
    stopped : int
        Step at which a callback stopped training (= epochs if none did).
    """

    model: torch.nn.Module
    losses: np.ndarray
    clipped: int = 0
    stopped: int = 0


def train_gd(model, X, y, *, lr: float, epochs: int, weight_decay: float = 0.0, clip=None,
             loss_fn=half_mse, callbacks=(), callback_every: int = 1) -> TrainResult:
    """Full-batch gradient descent θ ← θ − η (clip(∇L) + λθ) on one module, in place.

    Parameters
    ----------
    model : torch.nn.Module
        E.g. :class:`nets.torch.TwoLayerReLU`; its trainable parameters are θ.
    X : tensor or array (n, d);  y : (n,) or (n, D)
        Training data, converted to the model's dtype and device.
    lr : float
        Step size η > 0.
    epochs : int
        Number of GD steps (one step = one epoch in full batch).
    weight_decay : float
        λ ≥ 0: adds λθ to the (clipped) gradient of every trainable parameter.
    clip : float or None
        Clip the total gradient norm at this value (the paper uses 50).
    loss_fn : callable
        loss_fn(model(X), y) → scalar tensor; default :func:`half_mse`.
    callbacks : sequence of callables
        ``cb(step, model, loss)`` called at steps 0, callback_every, … and after the last
        step (``loss`` = L(θ_step), a float); returning True stops training.
    callback_every : int

    Returns
    -------
    TrainResult

    Examples
    --------
    One step from zero weights on a linear model is −η ∇L:

    >>> lin = torch.nn.Linear(1, 1, bias=False, dtype=torch.float64)
    >>> _ = torch.nn.init.zeros_(lin.weight)
    >>> X = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    >>> res = train_gd(lin, X, torch.tensor([[1.0], [2.0]], dtype=torch.float64), lr=0.1, epochs=1)
    >>> round(lin.weight.item(), 15), res.losses.tolist()    # ∇L = −(1·1 + 2·2)/2 = −2.5
    (0.25, [1.25, 0.703125])
    """
    lr = check_positive(lr, "lr")
    epochs = check_int(epochs, "epochs", minimum=0)
    weight_decay = check_positive(weight_decay, "weight_decay", strict=False)
    clip = None if clip is None else check_positive(clip, "clip")
    callback_every = check_int(callback_every, "callback_every", minimum=1)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters")
    dtype, device = params[0].dtype, params[0].device
    X = _as_tensor(X, "X", dtype, device, (2,))
    y = _as_tensor(y, "y", dtype, device, (1, 2))
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {X.shape[0]} and {y.shape[0]}")
    losses = np.empty(epochs + 1)
    clipped = 0
    stopped = epochs
    for step in range(epochs + 1):
        loss = loss_fn(model(X), y)
        losses[step] = float(loss.detach())
        if callbacks and (step % callback_every == 0 or step == epochs):
            if any(cb(step, model, losses[step]) for cb in callbacks):
                stopped = step
                losses = losses[:step + 1]
                break
        if step == epochs:
            break
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            if clip is not None:
                norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
                coef = clip / (float(norm) + _CLIP_EPS)
                if coef < 1.0:
                    grads = [g * coef for g in grads]
                    clipped += 1
            for p, g in zip(params, grads):
                if weight_decay:
                    g = g + weight_decay * p
                p.sub_(lr * g)
    return TrainResult(model=model, losses=losses, clipped=clipped, stopped=stopped)


class SharpnessTracker:
    """Callback for :func:`train_gd` recording λ_max(∇²L(θ_t)) against 2/η (edge of stability).

    GD with step η is linearly stable at a minimum iff λ_max ≤ 2/η (arXiv 2506.20779,
    Prop. 2.1, from Chemnitz & Engel 2025); at the edge of stability λ_max rises to 2/η and
    oscillates around it (docs/theory/flat_minima.md).  Each call runs
    :func:`nets.torch.hessian_eigenvalues` on the full-batch loss, warm-started from the
    previous top eigenvector.

    Parameters
    ----------
    X, y : the training data (as given to :func:`train_gd`)
    lr : float, the step size η (for the threshold 2/η)
    loss_fn : as in :func:`train_gd`
    tol : float, Lanczos tolerance (default 1e-4: enough for a plot)

    Attributes
    ----------
    steps, sharpness, losses : lists, filled at each call
    threshold : float, 2/η
    """

    def __init__(self, X, y, *, lr, loss_fn=half_mse, tol=1e-4):
        self.X, self.y = X, y
        self.threshold = 2.0 / check_positive(lr, "lr")
        self.loss_fn = loss_fn
        self.tol = tol
        self.steps, self.sharpness, self.losses = [], [], []
        self._v = None
        self.n_hvp = 0

    def __call__(self, step, model, loss):
        params = [p for p in model.parameters() if p.requires_grad]
        X = torch.as_tensor(self.X, dtype=params[0].dtype, device=params[0].device)
        y = torch.as_tensor(self.y, dtype=params[0].dtype, device=params[0].device)
        vals, vecs, info = hessian_eigenvalues(lambda: self.loss_fn(model(X), y), params, k=1, tol=self.tol,
                                               v0=self._v, return_eigenvectors=True, return_info=True,
                                               max_iter=1000)
        self._v = vecs[:, 0]
        self.n_hvp += info["n_hvp"]
        self.steps.append(int(step))
        self.sharpness.append(float(vals[0]))
        self.losses.append(float(loss))
        return False


# --------------------------------------------------------------------------- batched
def stack_datasets(datasets, *, dtype=None, device="cpu"):
    """Pad a list of data sets (Xⱼ (nⱼ, d), yⱼ (nⱼ,) or (nⱼ, D)) to one batch.

    Returns
    -------
    X (B, n_max, d), y (B, n_max) (if every yⱼ is 1-D) or (B, n_max, D), n (B,) int64
        Rows beyond nⱼ are zero and carry no weight in :func:`train_gd_batched`.

    Examples
    --------
    >>> X, y, n = stack_datasets([(np.ones((2, 3)), np.ones(2)), (np.ones((4, 3)), np.ones(4))])
    >>> tuple(X.shape), tuple(y.shape), n.tolist(), float(X[0, 2:].abs().sum())
    ((2, 4, 3), (2, 4), [2, 4], 0.0)
    """
    dtype = resolve_dtype(dtype)
    if not datasets:
        raise ValueError("datasets must be a non-empty list of (X, y) pairs")
    Xs = [_as_tensor(X, f"datasets[{j}] X", dtype, device, (2,)) for j, (X, _) in enumerate(datasets)]
    ys = [_as_tensor(y, f"datasets[{j}] y", dtype, device, (1, 2)) for j, (_, y) in enumerate(datasets)]
    scalar = all(y.ndim == 1 for y in ys)
    ys = [y.reshape(-1, 1) if y.ndim == 1 else y for y in ys]
    d, D = Xs[0].shape[1], ys[0].shape[1]
    for j, (X, y) in enumerate(zip(Xs, ys)):
        if X.shape[1] != d or y.shape[1] != D or X.shape[0] != y.shape[0]:
            raise ValueError(f"datasets[{j}] has X {tuple(X.shape)}, y {tuple(y.shape)}; expected (n, {d}) "
                             f"and (n, {D}) like datasets[0]")
    n = torch.tensor([X.shape[0] for X in Xs], dtype=torch.int64)
    nmax = int(n.max())
    Xb = torch.zeros((len(Xs), nmax, d), dtype=dtype, device=device)
    yb = torch.zeros((len(Xs), nmax, D), dtype=dtype, device=device)
    for j, (X, y) in enumerate(zip(Xs, ys)):
        Xb[j, :X.shape[0]] = X
        yb[j, :X.shape[0]] = y
    return Xb, (yb[..., 0] if scalar else yb), n


@dataclass
class BatchedNetworks:
    """B two-layer networks trained together (:func:`train_gd_batched`).

    Attributes
    ----------
    W (B, m, d), b (B, m), V (B, m, D), c0 (B, D) : tensors
        Parameters, neurons beyond ``widths[j]`` are zero padding.
    widths, seeds, n : ndarray (B,) int
    lr, weight_decay : ndarray (B,)
    losses : ndarray (B, epochs + 1)
        L(θ_t) for each network (its own n), before each step and after the last.
    clipped : ndarray (B,) int
        Steps at which each network's gradient was clipped.
    scalar_output : bool
    """

    W: torch.Tensor
    b: torch.Tensor
    V: torch.Tensor
    c0: torch.Tensor
    widths: np.ndarray
    seeds: np.ndarray
    n: np.ndarray
    lr: np.ndarray
    weight_decay: np.ndarray
    losses: np.ndarray = field(repr=False)
    clipped: np.ndarray = field(repr=False)
    scalar_output: bool = True

    def __len__(self):
        return self.W.shape[0]

    def model(self, j: int) -> TwoLayerReLU:
        """Network j as a :class:`TwoLayerReLU` (padding removed, same dtype and device)."""
        j = check_int(j, "j", minimum=0, maximum=len(self) - 1)
        m = int(self.widths[j])
        return TwoLayerReLU.from_tensors(self.W[j, :m], self.b[j, :m], self.V[j, :m], self.c0[j],
                                         scalar_output=self.scalar_output, dtype=self.W.dtype,
                                         device=self.W.device)

    def shallow(self, j: int):
        """Network j as a :class:`nets.ShallowNetwork` (float64)."""
        return self.model(j).to_shallow()

    def predict(self, X):
        """Outputs of all networks on the same points X (N, d): (B, N) or (B, N, D)."""
        X = torch.as_tensor(X, dtype=self.W.dtype, device=self.W.device)
        with torch.no_grad():
            out = torch.relu(X @ self.W.transpose(1, 2) - self.b[:, None, :]) @ self.V + self.c0[:, None, :]
        return out[..., 0] if self.scalar_output else out


def _per_network(value, name, B, *, positive, strict):
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (B,)).copy() if np.ndim(value) == 0 \
        else np.asarray(value, dtype=np.float64)
    if arr.shape != (B,):
        raise ValueError(f"{name} must be a scalar or have shape ({B},), got {np.shape(value)}")
    if positive and (not np.all(np.isfinite(arr)) or np.any(arr < 0) or (strict and np.any(arr == 0))):
        raise ValueError(f"{name} must be finite and {'> 0' if strict else '>= 0'}, got {arr.tolist()}")
    return arr


def _gd_step(X, y, W, b, V, c0, rscale, nvec, lr, wd, any_wd, clip, loss_out, clipped, *, update):
    """One GD step for a block of networks, in place (hand-written gradients, see Notes of
    :func:`train_gd_batched`); writes L(θ) before the step into ``loss_out``."""
    Z = torch.baddbmm(b[:, None, :].neg(), X, W.transpose(1, 2))           # (B, n, m)
    active = Z > 0
    A = Z.clamp_(min=0)
    r = torch.baddbmm(c0[:, None, :], A, V).sub_(y).mul_(rscale)           # (f − y)/n, padded rows 0
    loss_out.copy_(0.5 * (r * r).sum(dim=(1, 2)) * nvec)                   # (1/2n)Σ‖f − y‖² = (n/2)Σ‖r‖²
    if not update:
        return
    # products arranged so that the (n, m) operands are read row-major (CPU gemm fast paths)
    gV = torch.bmm(r.transpose(1, 2), A).transpose(1, 2)                   # (B, m, D)
    gc = r.sum(dim=1)                                                      # (B, D)
    if r.shape[2] == 1:                                                    # outer product, elementwise
        G = (r * V.transpose(1, 2)).mul_(active)                           # (B, n, m)
    else:
        G = torch.bmm(r, V.transpose(1, 2)).mul_(active)
    gW = torch.bmm(X.transpose(1, 2), G).transpose(1, 2)                   # (B, m, d)
    gb = G.sum(dim=1).neg_()                                               # (B, m)
    if clip is not None:
        norm = torch.sqrt((gW * gW).sum(dim=(1, 2)) + (gb * gb).sum(dim=1)
                          + (gV * gV).sum(dim=(1, 2)) + (gc * gc).sum(dim=1))
        coef = clip / (norm + _CLIP_EPS)
        hit = coef < 1
        clipped += hit
        coef = torch.where(hit, coef, torch.ones_like(coef))
        gW.mul_(coef[:, None, None]), gb.mul_(coef[:, None]), gV.mul_(coef[:, None, None])
        gc.mul_(coef[:, None])
    if any_wd:
        gW.add_(W * wd[:, None, None]), gb.add_(b * wd[:, None])
        gV.add_(V * wd[:, None, None]), gc.add_(c0 * wd[:, None])
    W.sub_(gW.mul_(lr[:, None, None]))
    b.sub_(gb.mul_(lr[:, None]))
    V.sub_(gV.mul_(lr[:, None, None]))
    c0.sub_(gc.mul_(lr[:, None]))


def train_gd_batched(X, y, *, seeds, widths, lr, epochs: int, weight_decay=0.0, clip=None, n=None,
                     init: str = "kaiming_uniform", dtype=None, device="cpu", callbacks=(),
                     callback_every: int = 1, chunk=None, backend: str = "auto") -> BatchedNetworks:
    """Train B independent two-layer ReLU networks by full-batch GD (fused CPU kernel or batched tensors).

    Parameters
    ----------
    X : (B, n_max, d) or (n, d)
        Data per network (padded, see :func:`stack_datasets`), or one data set shared by all.
    y : (B, n_max), (B, n_max, D), (n,) or (n, D)
    seeds : sequence of B ints
        Initialisation seeds (:func:`nets.torch.init_parameters`).
    widths : int or sequence of B ints
        Neurons per network; narrower networks are padded with zero neurons, which stay
        exactly zero (their gradients vanish: v = 0 and ReLU(0) = ReLU′(0) = 0).
    lr : float or (B,)
        Step sizes η.
    epochs : int
    weight_decay : float or (B,)
        λ per network (applied to W, b, V, β as in :func:`train_gd`).
    clip : float or None
        Clip each network's total gradient norm.
    n : (B,) ints, optional
        Sample sizes (rows beyond nⱼ are ignored); default all rows.
    init, dtype, device
        As in :class:`nets.torch.TwoLayerReLU` (default float64, CPU).
    callbacks : sequence of callables
        ``cb(step, state, losses)`` with ``state`` the current :class:`BatchedNetworks`
        (tensors are live views: copy what you keep) and ``losses`` (B,) ndarray; True
        stops.
    callback_every : int
    chunk : int, optional
        ``backend="torch"`` only: networks per batched kernel call (same results for every
        value).  Default: the whole batch on a GPU; on a CPU blocks with n_max·m·chunk ≈
        2¹⁸, so that the (n, m) temporaries stay in cache.
    backend : {"auto", "torch", "fused"}
        ``"fused"``: the numba kernel :func:`nets.torch._kernels.gd_segment` (CPU only),
        one thread per network (numba's thread pool, ``numba.set_num_threads``); per
        (sample, neuron) it recomputes hᵢⱼ = wⱼ·xᵢ − bⱼ in the backward pass instead of
        storing the (n, m) activations: at width 1024, n = 512, d = 5 (float32, one
        core) about 14× faster than a loop of :func:`train_gd` and 17× faster than
        ``"torch"`` (benchmarks/RESULTS.md).  The first call per dtype compiles it
        (about 5 s; cached on disk afterwards).  A process forked after the parallel
        kernel ran uses a serial copy of it (GNU OpenMP is not fork-safe).  ``"torch"``:
        batched matrix products (``torch.baddbmm``/``bmm``) on the tensors' device.
        ``"auto"`` (default):
        ``"fused"`` on a CPU device, ``"torch"`` otherwise.  Both implement the same
        update (Notes) and agree to rounding: sums are taken in different orders.

    Returns
    -------
    BatchedNetworks

    Notes
    -----
    With Z = X Wᵀ − b (B, n, m), A = ReLU(Z), f = A V + β and r = (f − y)/nⱼ (padding
    rows zeroed): ∇_V L = Aᵀr, ∇_β L = Σᵢ rᵢ, G = (r Vᵀ) ⊙ 1[Z > 0], ∇_W L = Gᵀ X,
    ∇_b L = −Σᵢ Gᵢ.  The indicator uses ReLU′(0) = 0, as torch's autograd does.  Each
    step is θ ← θ − η (clip(∇L(θ)) + λθ), per network, with L of its own nⱼ rows (the
    update rule of :func:`train_gd`, arXiv 2506.20779 §2).

    Examples
    --------
    Network j reproduces :func:`train_gd` on ``TwoLayerReLU(d, widths[j], seed=seeds[j])``:

    >>> gen = torch.Generator().manual_seed(0)
    >>> X = torch.rand(20, 2, generator=gen, dtype=torch.float64)
    >>> y = X.sum(1)
    >>> nets = train_gd_batched(X, y, seeds=[1, 2], widths=[8, 5], lr=[0.1, 0.2], epochs=50)
    >>> one = TwoLayerReLU(2, 5, seed=2)
    >>> _ = train_gd(one, X, y, lr=0.2, epochs=50)
    >>> bool(torch.allclose(nets.model(1)(X), one(X), rtol=0, atol=1e-13))
    True
    """
    epochs = check_int(epochs, "epochs", minimum=0)
    callback_every = check_int(callback_every, "callback_every", minimum=1)
    clip = None if clip is None else check_positive(clip, "clip")
    dtype = resolve_dtype(dtype)
    backend = check_choice(backend, "backend", BACKENDS)
    on_cpu = torch.device(device).type == "cpu"
    if backend == "fused" and not on_cpu:
        raise ValueError(f"backend='fused' runs on the CPU only, got device={device!r}; use 'torch' or 'auto'")
    fused = backend == "fused" or (backend == "auto" and on_cpu)
    if chunk is not None:
        chunk = check_int(chunk, "chunk", minimum=1)
    X, y, seeds, shared, scalar = _batched_data(X, y, seeds, dtype, device)
    B, nmax, d = X.shape
    D = y.shape[2]
    widths = np.broadcast_to(np.asarray(widths), (B,)).astype(np.int64) if np.ndim(widths) == 0 \
        else np.asarray(widths, dtype=np.int64)
    if widths.shape != (B,) or np.any(widths < 1):
        raise ValueError(f"widths must be a positive int or {B} positive ints, got {widths!r}")
    nvec = np.full(B, nmax, dtype=np.int64) if n is None else np.asarray(n, dtype=np.int64).reshape(-1)
    if nvec.shape != (B,) or np.any(nvec < 1) or np.any(nvec > nmax):
        raise ValueError(f"n must have {B} entries in [1, {nmax}], got {n!r}")
    lr_np = _per_network(lr, "lr", B, positive=True, strict=True)
    wd_np = _per_network(weight_decay, "weight_decay", B, positive=True, strict=False)
    W, b, V, c0 = _init_batched(d, D, widths, seeds, init, dtype, device)
    state = BatchedNetworks(W, b, V, c0, widths, seeds.astype(np.int64), nvec, lr_np, wd_np,
                            losses=np.empty((B, 0)), clipped=np.zeros(B, dtype=np.int64), scalar_output=scalar)
    if fused:
        return _train_fused(X[:1] if shared else X, y[:1] if shared else y, state, epochs=epochs, clip=clip,
                            callbacks=callbacks, callback_every=callback_every)
    if chunk is None:
        # GPU: one program for the whole batch.  CPU: blocks of networks whose (n, m)
        # temporaries stay in cache (≈ 2¹⁸ entries); larger blocks are memory-bound
        # (benchmarks/bench_torch.py: width 1024, n = 512 runs fastest one network a block).
        chunk = B if not on_cpu else max(1, (1 << 18) // max(1, nmax * int(widths.max())))
    return _train_torch(X, y, state, epochs=epochs, clip=clip, callbacks=callbacks,
                        callback_every=callback_every, chunk=chunk)


def _batched_data(X, y, seeds, dtype, device):
    """Validate the data of :func:`train_gd_batched`; returns X (B, n, d), y (B, n, D)
    (a shared data set expanded to B views), the seeds, whether X is shared and whether
    y is scalar per sample."""
    seeds = np.asarray(seeds)
    if seeds.ndim != 1 or seeds.size == 0 or not np.issubdtype(seeds.dtype, np.integer):
        raise ValueError(f"seeds must be a non-empty 1-D sequence of ints, got {seeds!r}")
    B = seeds.size
    X = _as_tensor(X, "X", dtype, device, (2, 3))
    y = _as_tensor(y, "y", dtype, device, (1, 2, 3))
    scalar = y.ndim == X.ndim - 1
    shared = X.ndim == 2
    if X.ndim == 2:
        if y.ndim == 3:
            raise ValueError(f"with one shared X (n, d), y must be (n,) or (n, D), got {tuple(y.shape)}")
        X = X.expand(B, *X.shape)
        y = y.reshape(X.shape[1], -1).expand(B, X.shape[1], -1)
    elif scalar:
        y = y[..., None]
    if X.shape[0] != B or y.shape[:2] != X.shape[:2]:
        raise ValueError(f"X {tuple(X.shape)} and y {tuple(y.shape)} must be (B, n, d) and (B, n[, D]) "
                         f"with B = len(seeds) = {B}")
    return X, y, seeds, shared, scalar


def _init_batched(d, D, widths, seeds, init, dtype, device):
    """Initial W (B, m, d), b (B, m), V (B, m, D), β (B, D) with m = max(widths): network
    j initialised as ``TwoLayerReLU(d, widths[j], seed=seeds[j])``, padded with zero neurons."""
    B = len(seeds)
    m = int(widths.max())
    W = torch.zeros((B, m, d), dtype=dtype, device=device)
    b = torch.zeros((B, m), dtype=dtype, device=device)
    V = torch.zeros((B, m, D), dtype=dtype, device=device)
    c0 = torch.zeros((B, D), dtype=dtype, device=device)
    for j in range(B):
        Wj, bj, Vj, cj = init_parameters(d, int(widths[j]), out_dim=D, seed=int(seeds[j]), init=init)
        k = int(widths[j])
        W[j, :k], b[j, :k], V[j, :k], c0[j] = (t.to(device=device, dtype=dtype) for t in (Wj, bj, Vj, cj))
    return W, b, V, c0


def _train_torch(X, y, state, *, epochs, clip, callbacks, callback_every, chunk):
    """``backend="torch"`` of :func:`train_gd_batched`: :func:`_gd_step` on blocks of
    ``chunk`` networks, updating ``state``'s tensors in place."""
    W, b, V, c0 = state.W, state.b, state.V, state.c0
    dtype, device = W.dtype, W.device
    B, nmax = X.shape[:2]
    nvec = state.n
    rowmask = (torch.arange(nmax, device=device)[None, :] < torch.as_tensor(nvec, device=device)[:, None])
    rscale = (rowmask.to(dtype) / torch.as_tensor(nvec, dtype=dtype, device=device)[:, None])[..., None]
    lr_t = torch.as_tensor(state.lr, dtype=dtype, device=device)
    wd_t = torch.as_tensor(state.weight_decay, dtype=dtype, device=device)
    any_wd = bool(np.any(state.weight_decay > 0))
    losses = torch.empty((epochs + 1, B), dtype=dtype, device=device)
    clipped = torch.zeros(B, dtype=torch.int64, device=device)
    stopped = epochs
    nvec_t = torch.as_tensor(nvec, dtype=dtype, device=device)
    blocks = [slice(i, min(i + chunk, B)) for i in range(0, B, chunk)]

    def step_blocks(step, update):
        for sl in blocks:
            _gd_step(X[sl], y[sl], W[sl], b[sl], V[sl], c0[sl], rscale[sl], nvec_t[sl], lr_t[sl], wd_t[sl],
                     any_wd, clip, losses[step, sl], clipped[sl], update=update)

    with torch.no_grad():
        for step in range(epochs + 1):
            last = step == epochs
            if callbacks and (step % callback_every == 0 or last):
                step_blocks(step, False)     # evaluate L(θ_step) before the callbacks see θ_step
                state.losses = losses[:step + 1].T.cpu().numpy()
                if any(cb(step, state, state.losses[:, -1]) for cb in callbacks):
                    stopped = step
                    break
            if last:
                if not callbacks:
                    step_blocks(step, False)
                break
            step_blocks(step, True)
    state.losses = losses[:stopped + 1].T.cpu().numpy()
    state.clipped = clipped.cpu().numpy()
    return state


def _train_fused(X, y, state, *, epochs, clip, callbacks, callback_every):
    """``backend="fused"`` of :func:`train_gd_batched`: runs :func:`nets.torch._kernels.gd_segment`
    between callback steps on numpy views of ``state``'s CPU tensors (so callbacks see, and
    may edit, the live parameters).  X (Bx, n, d), y (By, n, D) with Bx, By ∈ {1, B}."""
    global _FUSED_PID
    from . import _kernels

    # GNU OpenMP (numba's "omp" threading layer) is not fork-safe: a child forked after
    # the parallel kernel ran would be terminated by numba, so forked children (a pid that
    # differs from the one recorded) run the serial kernel; spawned processes start afresh.
    if _FUSED_PID is None:
        _FUSED_PID = os.getpid()
    gd_segment = _kernels.gd_segment if os.getpid() == _FUSED_PID else _kernels.gd_segment_serial
    np_dtype = state.W.numpy().dtype
    XT = np.ascontiguousarray(X.detach().transpose(1, 2).numpy())        # (Bx, d, n): contiguous in the samples
    YT = np.ascontiguousarray(y.detach().transpose(1, 2).numpy())        # (By, D, n)
    inv_n = np.ones(len(state), np_dtype) / state.n.astype(np_dtype)    # 1/nⱼ rounded as the torch path
    lr = state.lr.astype(np_dtype)
    wd = state.weight_decay.astype(np_dtype)
    W, b, V, c0 = (t.numpy() for t in (state.W, state.b, state.V, state.c0))
    losses = np.empty((epochs + 1, len(state)), np_dtype)
    clipped = np.zeros(len(state), np.int64)
    nrows, widths = (np.ascontiguousarray(a, dtype=np.int64) for a in (state.n, state.widths))
    # steps at which L(θ_t) is needed outside the kernel: callback steps and the last
    stops = sorted({*range(0, epochs, callback_every), epochs}) if callbacks else [epochs]
    stopped, t = epochs, 0
    for s in stops:
        gd_segment(XT, YT, nrows, widths, inv_n, W, b, V, c0, lr, wd, 0.0 if clip is None else clip,
                   t, s, True, losses, clipped)
        t = s
        if callbacks:
            state.losses = losses[:s + 1].T
            if any(cb(s, state, state.losses[:, -1]) for cb in callbacks):
                stopped = s
                break
    state.losses = losses[:stopped + 1].T
    state.clipped = clipped
    return state
