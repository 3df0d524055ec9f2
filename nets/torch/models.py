"""Two-layer ReLU networks as torch modules (the model of arXiv 2506.20779, §2).

f_θ(x) = Σ_{k=1}^K v_k ϕ(w_kᵀx − b_k) + β,  ϕ = ReLU,  θ = (W, b, V, β)

(docs/theory/flat_minima.md, "Setup" [paper]; the offsets enter with a minus sign, the convention
of :class:`nets.ShallowNetwork`).  The module's attribute names are those of
:meth:`nets.ShallowNetwork.to_torch` (``W`` (m, d), ``b`` (m,), ``V`` (m, D), ``c0`` (D,),
``C`` (d, D)), so :meth:`nets.ShallowNetwork.from_torch` reads it directly: conversion
both ways goes through that bridge and is exact (float64 bit for bit; float32 is the
rounding of the float64 values).  The linear skip ``C`` is a zero *buffer* unless
``linear_skip=True``: the paper's θ has no linear skip, and a trainable C would add the
block (1/n) XᵀX to the Hessian and change λ_max (Prop. I.2 would fail).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ridgekit._validation import check_choice, check_int

__all__ = ["TwoLayerReLU", "init_parameters", "INITS", "resolve_dtype"]

#: Initialisations understood by :func:`init_parameters`.
INITS = ("kaiming_uniform", "kaiming_normal")

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def resolve_dtype(dtype):
    """torch.float32 / torch.float64 from a torch dtype, numpy dtype or name (None → float64)."""
    if dtype is None:
        return torch.float64
    if isinstance(dtype, torch.dtype):
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        return dtype
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return _DTYPES[name]


def init_parameters(d: int, width: int, *, out_dim: int = 1, seed: int = 0,
                    init: str = "kaiming_uniform"):
    """Initial (W, b, V, c0) of a two-layer network, float64 on the CPU, from one seed.

    Parameters
    ----------
    d, width, out_dim : int
        Input dimension, number of neurons m, output dimension D.
    seed : int
        Seed of a private ``torch.Generator``; draws are made in the order W, b, V, c0,
        in float64 on the CPU, so the same seed gives the same network on every device
        and dtype (the values are cast afterwards).
    init : {"kaiming_uniform", "kaiming_normal"}
        ``"kaiming_uniform"``: PyTorch's ``nn.Linear`` default (Kaiming-uniform with
        a = √5): every weight and bias of a layer with fan-in F is U(−1/√F, 1/√F).
        ``"kaiming_normal"``: He initialisation, weights N(0, 2/F), biases as above.
        The paper says "Kaiming init" (docs/theory/flat_minima.md), without the variant.

    Returns
    -------
    W (m, d), b (m,), V (m, D), c0 (D,) : float64 CPU tensors

    Examples
    --------
    >>> W, b, V, c0 = init_parameters(3, 4, seed=1)
    >>> [tuple(t.shape) for t in (W, b, V, c0)], bool(W.abs().max() <= 3 ** -0.5)
    ([(4, 3), (4,), (4, 1), (1,)], True)
    >>> bool(torch.equal(init_parameters(3, 4, seed=1)[0], W))
    True
    """
    d = check_int(d, "d", minimum=1)
    width = check_int(width, "width", minimum=1)
    out_dim = check_int(out_dim, "out_dim", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    init = check_choice(init, "init", INITS)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    f64 = torch.float64

    def uniform(shape, bound):
        return (torch.rand(shape, generator=gen, dtype=f64) * 2.0 - 1.0) * bound

    def weight(shape, fan_in):
        if init == "kaiming_uniform":
            return uniform(shape, 1.0 / math.sqrt(fan_in))
        return torch.randn(shape, generator=gen, dtype=f64) * math.sqrt(2.0 / fan_in)

    W = weight((width, d), d)
    b = uniform((width,), 1.0 / math.sqrt(d))
    V = weight((width, out_dim), width)
    c0 = uniform((out_dim,), 1.0 / math.sqrt(width))
    return W, b, V, c0


class TwoLayerReLU(torch.nn.Module):
    """f(x) = relu(x Wᵀ − b) V + c0 (+ x C): the two-layer ReLU network of arXiv 2506.20779.

    Parameters
    ----------
    d : int
        Input dimension.
    width : int
        Number of neurons m (K in the paper).
    out_dim : int or None
        Output dimension D; None (default) gives a scalar network (outputs (N,)).
    seed : int
        Initialisation seed (:func:`init_parameters`).
    init : {"kaiming_uniform", "kaiming_normal"}
    dtype : torch.float32 or torch.float64 (default float64)
    device : str or torch.device (default "cpu")
    linear_skip : bool
        Make ``C`` a trainable parameter (default: a zero buffer, the paper's model).

    Notes
    -----
    Parameters: ``W`` (m, d), ``b`` (m,), ``V`` (m, D), ``c0`` (D,) (β in the paper);
    ``C`` (d, D) is a buffer unless ``linear_skip``.  The names are those of
    :meth:`nets.ShallowNetwork.to_torch`, so :meth:`to_shallow` and
    :meth:`from_shallow` use the bridge in :mod:`nets.network`.

    Examples
    --------
    Round trip through :class:`nets.ShallowNetwork`: parameters exact in float64, values
    equal to rounding (the two evaluate sums in different orders):

    >>> model = TwoLayerReLU(3, 5, seed=2)
    >>> net = model.to_shallow()
    >>> bool(np.array_equal(net.W, model.W.detach().numpy()))
    True
    >>> X = torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(4, 3)
    >>> bool(np.allclose(net(X.numpy()), model(X).detach().numpy(), rtol=0, atol=1e-15))
    True
    >>> back = TwoLayerReLU.from_shallow(net)
    >>> all(torch.equal(p, q) for p, q in zip(back.parameters(), model.parameters()))
    True
    """

    def __init__(self, d: int, width: int, *, out_dim=None, seed: int = 0, init: str = "kaiming_uniform",
                 dtype=None, device="cpu", linear_skip: bool = False):
        super().__init__()
        D = 1 if out_dim is None else check_int(out_dim, "out_dim", minimum=1)
        W, b, V, c0 = init_parameters(d, width, out_dim=D, seed=seed, init=init)
        self._set(W, b, V, c0, torch.zeros(W.shape[1], D, dtype=torch.float64),
                  dtype=resolve_dtype(dtype), device=device, linear_skip=linear_skip,
                  scalar_output=out_dim is None)

    def _set(self, W, b, V, c0, C, *, dtype, device, linear_skip, scalar_output):
        conv = lambda a: torch.as_tensor(a, dtype=torch.float64).to(device=device, dtype=dtype).clone()
        P = torch.nn.Parameter
        self.W, self.b, self.V, self.c0 = P(conv(W)), P(conv(b)), P(conv(V)), P(conv(c0))
        if linear_skip:
            self.C = P(conv(C))
        else:
            self.register_buffer("C", conv(C))
        self.scalar_output = bool(scalar_output)
        self.linear_skip = bool(linear_skip)

    @classmethod
    def from_tensors(cls, W, b, V, c0, *, C=None, scalar_output=True, dtype=None, device=None,
                     linear_skip: bool = False) -> TwoLayerReLU:
        """A module with the given parameter values (copied); dtype/device default to W's."""
        W = torch.as_tensor(W)
        dtype = W.dtype if dtype is None and W.dtype in (torch.float32, torch.float64) else resolve_dtype(dtype)
        device = W.device if device is None else device
        V = torch.as_tensor(V)
        V = V.reshape(-1, 1) if V.ndim == 1 else V
        C = torch.zeros(W.shape[1], V.shape[1], dtype=torch.float64) if C is None else torch.as_tensor(C)
        self = cls.__new__(cls)
        torch.nn.Module.__init__(self)
        f64 = lambda t: torch.as_tensor(t).detach().to(device="cpu", dtype=torch.float64)
        self._set(f64(W), f64(b), f64(V), f64(c0).reshape(-1), f64(C), dtype=dtype, device=device,
                  linear_skip=linear_skip, scalar_output=scalar_output)
        return self

    # ------------------------------------------------------------------ shapes
    @property
    def width(self) -> int:
        return self.W.shape[0]

    @property
    def input_dim(self) -> int:
        return self.W.shape[1]

    @property
    def output_dim(self) -> int:
        return self.V.shape[1]

    def extra_repr(self) -> str:
        return (f"d={self.input_dim}, width={self.width}, out_dim={self.output_dim}, "
                f"dtype={self.W.dtype}, linear_skip={self.linear_skip}")

    # ------------------------------------------------------------------ evaluation
    def preactivations(self, x):
        """x Wᵀ − b, shape (N, m)."""
        return x @ self.W.T - self.b

    def forward(self, x):
        y = torch.relu(self.preactivations(x)) @ self.V + self.c0 + x @ self.C
        return y[..., 0] if self.scalar_output else y

    # ------------------------------------------------------------------ bridge
    def to_shallow(self):
        """The same function as a :class:`nets.ShallowNetwork` (float64; via ``from_torch``)."""
        from ..network import ShallowNetwork

        return ShallowNetwork.from_torch(self)

    @classmethod
    def from_shallow(cls, net, *, dtype=None, device="cpu", linear_skip=None) -> TwoLayerReLU:
        """A module computing the same function as the ReLU :class:`nets.ShallowNetwork` ``net``.

        Goes through :meth:`nets.ShallowNetwork.to_torch` (float64) and copies its
        parameters.  ``linear_skip`` defaults to whether ``net`` has a non-zero linear part.
        """
        ref = net.to_torch(torch.float64)
        C = ref.C.detach()
        if linear_skip is None:
            linear_skip = bool(torch.any(C != 0))
        elif not linear_skip and torch.any(C != 0):
            raise ValueError("net has a non-zero linear skip part; pass linear_skip=True")
        return cls.from_tensors(ref.W, ref.b, ref.V, ref.c0, C=C, scalar_output=ref.scalar_output,
                                dtype=resolve_dtype(dtype), device=device, linear_skip=linear_skip)
