"""Activation profiles of shallow networks and the Green's-function constants behind them.

A neuron is ρ(Θᵀx − t) with Θ a d×n frame (n = 1: a direction w ∈ ℝᵈ) and ρ : ℝⁿ → ℝ an
*activation profile* (docs/theory/kplane.md §Planes and frames: ρ takes the n = d − k codimension inputs).  In
the Banach spaces of Parhi & Unser (arXiv 2310.03696) the natural atoms are fundamental
solutions ρ_L of L = (−Δ)^{g/2} on ℝⁿ, normalised so that (−Δ)^{g/2} ρ_L = δ.  The
profiles below are the *raw* shapes used in practice (``|y|``, ``|y|^p``,
``|y|^p log|y|``, ReLU); each knows the factor κ with

    raw profile = κ · ρ_L   modulo polynomials in the null space of (−Δ)^{g/2},

so that a neuron v·raw(Θᵀx − t) is the atom ρ_L with coefficient κ v and contributes
:math:`|κ v|` to the variation norm (:meth:`Activation.green_scale`).

Green's-function constants [derived, see :func:`green_constant`; docs/theory/multivariate.md lists
them as a derivation, verified here in ``tests/test_norms.py`` by pairing with
(−Δ)^{g/2} of a Gaussian computed in mpmath and, for even g, symbolically by the flux of
the radial Laplacian in :mod:`radon.symbolic_norms`].
"""

from __future__ import annotations

import math

import numpy as np

from ridgekit._validation import as_float_array, check_choice, check_int

__all__ = [
    "Activation",
    "ReLU",
    "NormActivation",
    "Polyharmonic",
    "ThinPlate",
    "CustomActivation",
    "ACTIVATIONS",
    "get_activation",
    "green_constant",
    "fundamental_solution",
]


def green_constant(n: int, g: float) -> tuple[float, bool]:
    """Constant C of the fundamental solution of (−Δ)^{g/2} on ℝⁿ.

    With the Fourier convention f̂(ξ) = ∫ f e^{−i⟨ξ,x⟩} dx, the function ρ with
    :math:`ρ̂(ξ) = |ξ|^{−g}` (modulo polynomials) is

    * :math:`ρ(y) = C |y|^{g−n}`,  C = Γ((n−g)/2) / (2^g π^{n/2} Γ(g/2)),  if g − n ∉ 2ℕ₀;
    * :math:`ρ(y) = C |y|^{g−n} log|y|`,
      C = (−1)^{1+(g−n)/2} / (2^{g−1} π^{n/2} Γ(g/2) ((g−n)/2)!),  if g − n ∈ 2ℕ₀.

    Parameters
    ----------
    n : int
        Dimension of the space ℝⁿ (the codimension d − k of the planes), n ≥ 1.
    g : float
        Order of the operator (−Δ)^{g/2}, g > 0.

    Returns
    -------
    C : float
    is_log : bool
        Whether the logarithmic form applies.

    Notes
    -----
    [derived] The first case is the Riesz-potential formula (the Fourier transform of
    :math:`|y|^{λ}` is :math:`2^{λ+n} π^{n/2} Γ((λ+n)/2)/Γ(−λ/2) |ξ|^{−λ−n}`, λ = g − n); the log case is
    its finite part at the poles λ ∈ 2ℕ₀.  docs/theory/multivariate.md states both as [derived];
    they are re-checked in ``tests/test_norms.py`` (mpmath pairing) and in
    :func:`radon.symbolic_norms.check_fundamental_solution` (radial flux, even g).

    Examples
    --------
    The classical cases: :math:`−|y|/2` in ℝ (ReLU modulo affine), :math:`1/(4π|y|)` in ℝ³, the norm
    activation :math:`−|y|/(2π)` in ℝ² (g = 3), :math:`−|y|/(8π)` in ℝ³ (g = 4) and the thin plate
    :math:`|y|² log|y| / (8π)` in ℝ²:

    >>> import math
    >>> [round(green_constant(n, g)[0] * k, 12) for n, g, k in
    ...  [(1, 2, -2), (3, 2, 4 * math.pi), (2, 3, -2 * math.pi), (3, 4, -8 * math.pi),
    ...   (2, 4, 8 * math.pi)]]
    [1.0, 1.0, 1.0, 1.0, 1.0]
    >>> green_constant(2, 4)[1]
    True
    """
    n = check_int(n, "n", minimum=1)
    if isinstance(g, bool) or not isinstance(g, (int, float, np.integer, np.floating)):
        raise TypeError(f"g must be a real number, got {type(g).__name__}")
    g = float(g)
    if not math.isfinite(g) or g <= 0:
        raise ValueError(f"g must be finite and > 0, got {g}")
    if g > 300 or n > 300:
        # 2^g and Γ(g/2) overflow (and C underflows) beyond: no float64 answer to give
        raise ValueError(f"g and n must be <= 300 (the constant leaves float64), got g = {g}, n = {n}")
    p = g - n
    if p >= 0 and float(p).is_integer() and int(p) % 2 == 0:
        j = int(p) // 2
        c = (-1.0) ** (1 + j) / (2.0 ** (g - 1) * math.pi ** (n / 2) * math.gamma(g / 2)
                                 * math.factorial(j))
        return c, True
    return math.gamma((n - g) / 2) / (2.0 ** g * math.pi ** (n / 2) * math.gamma(g / 2)), False


def fundamental_solution(y, g: float) -> np.ndarray:
    """Evaluate the fundamental solution ρ of (−Δ)^{g/2} on ℝⁿ at points ``y`` of shape (..., n).

    :math:`ρ = C |y|^{g−n}` (or :math:`C |y|^{g−n} log|y|`), C from :func:`green_constant`; the value at
    y = 0 is 0 when g > n and inf/−inf otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(fundamental_solution(np.array([[3.0]]), 2)[0]), 14)   # −|y|/2 on ℝ
    -1.5
    """
    y = _inputs(y)
    n = y.shape[-1]
    c, is_log = green_constant(n, g)
    r = _radius(y)
    p = g - n
    with np.errstate(divide="ignore", invalid="ignore"):
        if is_log:
            out = c * np.where(r > 0, r ** p * np.log(np.where(r > 0, r, 1.0)), 0.0 if p > 0 else -np.inf)
        else:
            out = c * np.where(r > 0, r ** p, 0.0 if p > 0 else np.inf)
    return out


def _inputs(y):
    """Activation inputs: a finite float array of shape (..., n), n >= 1."""
    y = as_float_array(y, "y", allow_empty=True)
    if y.ndim < 1 or y.shape[-1] < 1:
        raise ValueError(f"y must have shape (..., n) with n >= 1, got shape {y.shape}")
    return y


def _radius(y):
    """|y| along the last axis without overflow of y² (hypot)."""
    r = np.hypot.reduce(y, axis=-1) if y.shape[-1] > 1 else np.abs(y[..., 0])
    if not np.all(np.isfinite(r)):
        raise ValueError("y: |y| overflows float64 (entries too large)")
    return r


def _finite(out):
    if not np.all(np.isfinite(out)):
        raise ValueError("y: the activation's value overflows float64 (entries too large)")
    return out


class Activation:
    """Base class of activation profiles ρ : ℝⁿ → ℝ.

    Attributes
    ----------
    name : str
        Identifier used by :meth:`nets.ShallowNetwork.save`.
    params : dict
        JSON-serialisable parameters (empty for most profiles).
    """

    name = "activation"
    #: positive-homogeneity degree (ρ(sy) = s^degree ρ(y), s > 0), or None
    degree = None
    #: whether ρ(Oy) = ρ(y) for every O ∈ O(n)
    radial = False

    @property
    def params(self) -> dict:
        return {}

    def check_inputs(self, n: int) -> None:
        """Raise if the profile cannot take n inputs."""

    def __call__(self, y: np.ndarray) -> np.ndarray:
        """Evaluate on y of shape (..., n)."""
        raise NotImplementedError

    def grad(self, y: np.ndarray) -> np.ndarray:
        """Gradient ∇ρ(y), shape (..., n)."""
        raise NotImplementedError

    def green_order(self, n: int):
        """The order g of L = (−Δ)^{g/2} whose fundamental solution this profile is, or None."""
        return None

    def green_scale(self, n: int) -> float:
        """κ with profile = κ ρ_L modulo the null space of L = (−Δ)^{g/2} on ℝⁿ.

        A neuron v·ρ(Θᵀx − t) is the atom ρ_L(Θᵀx − t) with coefficient κ v, so its
        variation norm is :math:`|κ v| (docs/theory/multivariate.md)`.
        """
        g = self.green_order(n)
        if g is None:
            raise ValueError(f"activation {self.name!r} is not a fundamental solution of a "
                             "fractional Laplacian; pass green_scale= to CustomActivation")
        return 1.0 / green_constant(n, g)[0]

    def __eq__(self, other):
        return type(self) is type(other) and self.params == other.params

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


class ReLU(Activation):
    """ρ(z) = max(z, 0) on ℝ (n = 1).

    :math:`ReLU(z) = |z|/2 + z/2` and :math:`−|z|/2` is the fundamental solution of −d²/dz² (g = 2), so
    ReLU = −ρ_L + affine: κ = −1 and a unit neuron has norm 1 (docs/theory/rnorm.md).

    Examples
    --------
    >>> import numpy as np
    >>> r = ReLU()
    >>> r(np.array([[-1.0], [2.0]])).tolist()
    [0.0, 2.0]
    >>> r.green_scale(1)
    -1.0
    """

    name = "relu"
    degree = 1

    def check_inputs(self, n):
        if n != 1:
            raise ValueError(f"activation 'relu' takes scalar inputs (n = 1), got frames with n = {n}")

    def __call__(self, y):
        return np.maximum(_inputs(y)[..., 0], 0.0)

    def grad(self, y):
        return (_inputs(y) > 0).astype(np.float64)

    def green_order(self, n):
        return 2

    def green_scale(self, n):
        self.check_inputs(n)
        # ReLU(z) = |z|/2 + z/2 = -ρ_L(z) + affine, ρ_L = -|z|/2 (green_constant(1, 2))
        return -1.0


class NormActivation(Activation):
    """ρ(y) = ‖y‖₂ on ℝⁿ (the "norm activation" of arXiv 2310.03696).

    ‖y‖ is C⁻¹ times the fundamental solution of (−Δ)^{(n+1)/2} on ℝⁿ,
    C = −1/(2ⁿ π^{(n−1)/2} Γ((n+1)/2)) (docs/theory/multivariate.md, [derived]).

    Examples
    --------
    >>> import math
    >>> round(NormActivation().green_scale(2) / (-2 * math.pi), 12)
    1.0
    """

    name = "norm"
    degree = 1
    radial = True

    def __call__(self, y):
        return _radius(_inputs(y))

    def grad(self, y):
        y = _inputs(y)
        r = _radius(y)[..., None]
        return np.divide(y, r, out=np.zeros_like(y), where=r > 0)

    def green_order(self, n):
        return n + 1

    def green_scale(self, n):
        # 1 / C(n, n+1) = −2ⁿ π^{(n−1)/2} Γ((n+1)/2), written out to keep n = 1 exact (−2)
        return -(2.0 ** n) * math.pi ** ((n - 1) / 2) * math.gamma((n + 1) / 2)


class Polyharmonic(Activation):
    """Polyharmonic profile of order g: :math:`ρ(y) = |y|^{g−n} (log|y| if g − n ∈ 2ℕ₀)` on ℝⁿ.

    The raw profile of the fundamental solution of (−Δ)^{g/2} on ℝⁿ (classical
    polyharmonic splines: g = 2m, L = (−Δ)^m).  Requires g > n so that ρ is continuous.

    Parameters
    ----------
    order : int or float
        g, the order of L = (−Δ)^{g/2}.

    Examples
    --------
    >>> import numpy as np, math
    >>> p = Polyharmonic(order=4)   # thin plate in ℝ²: |y|² log|y|
    >>> bool(np.isclose(p(np.array([[0.0, math.e]]))[0], math.e ** 2, rtol=1e-15))  # e² log e
    True
    """

    name = "polyharmonic"
    radial = True

    def __init__(self, order=4):
        if isinstance(order, bool) or not isinstance(order, (int, float, np.integer, np.floating)):
            raise TypeError(f"order must be a real number, got {type(order).__name__}")
        order = float(order)
        if not math.isfinite(order) or order <= 0:
            raise ValueError(f"order must be finite and > 0, got {order}")
        self.order = int(order) if order.is_integer() else order

    @property
    def params(self):
        return {"order": self.order}

    def check_inputs(self, n):
        if not self.order > n:
            raise ValueError(f"activation 'polyharmonic' needs order g > n for a continuous profile, "
                             f"got g = {self.order}, n = {n}")

    def _power(self, n):
        p = self.order - n
        is_log = float(p).is_integer() and int(p) % 2 == 0
        return p, is_log

    def __call__(self, y):
        y = _inputs(y)
        n = y.shape[-1]
        p, is_log = self._power(n)
        r = _radius(y)
        safe = np.where(r > 0, r, 1.0)
        with np.errstate(over="ignore"):
            out = np.where(r > 0, safe ** p, 0.0)
            if is_log:
                out = out * np.log(safe)
        return _finite(out)

    def grad(self, y):
        y = _inputs(y)
        n = y.shape[-1]
        p, is_log = self._power(n)
        r = _radius(y)[..., None]
        safe = np.where(r > 0, r, 1.0)
        with np.errstate(over="ignore", invalid="ignore"):
            fac = safe ** (p - 2) * ((p * np.log(safe) + 1.0) if is_log else p)
            out = np.where(r > 0, fac * y, 0.0)
        return _finite(out)

    @property
    def degree(self):
        return None

    def homogeneity(self, n):
        """Degree p = g − n of :math:`|y|^p` (the log form is homogeneous modulo polynomials)."""
        return self._power(n)

    def green_order(self, n):
        return self.order


class ThinPlate(Polyharmonic):
    """Thin-plate profile :math:`|y|² log|y|` on ℝ² (:class:`Polyharmonic` with g = 4, n = 2).

    Green's constant 1/(8π): :math:`(−Δ)² [|y|² log|y| / (8π)] = δ` on ℝ².

    Examples
    --------
    >>> import math
    >>> round(ThinPlate().green_scale(2) / (8 * math.pi), 12)
    1.0
    """

    name = "thin_plate"

    def __init__(self):
        super().__init__(order=4)

    @property
    def params(self):
        return {}

    def check_inputs(self, n):
        if n != 2:
            raise ValueError(f"activation 'thin_plate' takes n = 2 inputs, got n = {n}")


class CustomActivation(Activation):
    """A user-given profile ρ : ℝⁿ → ℝ.

    Parameters
    ----------
    func : callable
        Vectorised: maps an array (..., n) to (...).
    grad : callable, optional
        Vectorised gradient (..., n) → (..., n); required by ``ShallowNetwork.gradient``.
    green_scale : float, optional
        κ with func = κ ρ_L (see :meth:`Activation.green_scale`), needed for
        ``kplane_norm``.
    radial : bool
        Whether func(Oy) = func(y) for all orthogonal O (allows merging isotropic atoms).
    """

    name = "custom"

    def __init__(self, func, grad=None, *, green_scale=None, radial=False):
        if not callable(func):
            raise TypeError(f"activation must be a name, an Activation or a callable, got {type(func).__name__}")
        self.func = func
        self._grad = grad
        self._green_scale = green_scale
        self.radial = bool(radial)

    def __call__(self, y):
        return np.asarray(self.func(y), dtype=np.float64)

    def grad(self, y):
        if self._grad is None:
            raise ValueError("this custom activation has no gradient; pass grad= to CustomActivation")
        return np.asarray(self._grad(y), dtype=np.float64)

    def green_scale(self, n):
        if self._green_scale is None:
            raise ValueError("custom activation without green_scale: kplane_norm needs "
                             "CustomActivation(func, green_scale=κ)")
        return float(self._green_scale)

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


#: Named activations (``ShallowNetwork(..., activation=name)``).
ACTIVATIONS = {"relu": ReLU, "norm": NormActivation, "polyharmonic": Polyharmonic,
               "thin_plate": ThinPlate}


def get_activation(activation, **params) -> Activation:
    """Return an :class:`Activation` from a name (with params), an instance or a callable.

    Examples
    --------
    >>> get_activation("polyharmonic", order=3)
    Polyharmonic(order=3)
    >>> get_activation("relu")
    ReLU()
    """
    if isinstance(activation, Activation):
        if params:
            raise ValueError("activation parameters are given by the Activation instance itself")
        return activation
    if isinstance(activation, str):
        check_choice(activation, "activation", ACTIVATIONS)
        cls = ACTIVATIONS[activation]
        try:
            return cls(**params)
        except TypeError as exc:
            raise TypeError(f"bad parameters {params} for activation {activation!r}: {exc}") from None
    if callable(activation):
        return CustomActivation(activation, **params)
    raise TypeError(f"activation must be one of {sorted(ACTIVATIONS)}, an Activation or a callable, "
                    f"got {type(activation).__name__}")
