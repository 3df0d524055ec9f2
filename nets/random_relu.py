"""Random ReLU networks with Poisson width as non-Gaussian processes (arXiv 2405.10229).

The process (docs/theory/random_relu.md; [paper] for the form, Eq. (2) of arXiv 2405.10229; the explicit
construction is [derived]):

    s(x) = Σ_k v_k r_{w_k, b_k}(x),   r_{w,b}(x) = ReLU(wᵀx − b) − ReLU(−b) − 1{b<0} wᵀx
                                               :math:`= ReLU(sgn(b) wᵀx − |b|)`,

where {(w_k, b_k)} is a Poisson point process on S^{d−1} × ℝ with intensity λ ν(dw) db and
the v_k are i.i.d. with law P_V.  The correction (minus the first-order Taylor expansion
of each neuron at 0) gives the boundary conditions s(0) = 0 and ∇s(0) = 0, the only
origin-centred ones compatible with isotropy and self-similarity about 0.

**Sphere measure.**  ν is the uniform measure on S^{d−1}, normalised by ``measure``:
``"probability"`` (ν(S^{d−1}) = 1; default) or ``"surface"`` :math:`(ν(S^{d−1}) = |S^{d−1}|`, the
Radon-domain convention of :mod:`radon` and :mod:`kplane`).  The normalisation used by
arXiv 2405.10229 could *not* be read (only its abstract and §1 were available to us), so
it is an explicit argument.  With ``"probability"`` the expected number of neurons whose
threshold meets a ball of radius R is λ · 2R, i.e. λ times the ball's mean width, which
matches condition 2 of the paper's §1 ("λ times a property of the geometry of the
volume"); that is why it is the default.  ``"surface"`` multiplies every formula below by
:math:`|S^{d−1}| = 2π^{d/2}/Γ(d/2)` (equivalently, replaces λ by :math:`λ|S^{d−1}|`).

**Closed forms** ([derived]; derivation in :mod:`nets.random_symbolic`, checked there
with sympy and mpmath, and against Monte Carlo in tests/test_random_relu.py).  With
:math:`C_p(d) = ∫ |w₁|^p dν(w) = m_ν Γ(d/2) Γ((p+1)/2) / (√π Γ((d+p)/2)) (m_ν = ν(S^{d−1}))`:

* E s(x) = λ E[V] C_2(d) ‖x‖² / 2;
* Cov(s(x), s(y)) = λ E[V²] C_3(d) · [ (‖x−y‖³ − ‖x‖³ − ‖y‖³)/12 + xᵀy (‖x‖ + ‖y‖)/4 ]
  (Campbell's formula: the second moment E[V²], not the variance of V, enters);
* Var s(x) = λ E[V²] C_3(d) ‖x‖³ / 3, so E[s(ax)s(ay)] = a³ E[s(x)s(y)] (Hurst exponent
  H = 3/2, [paper] for the value);
* s(x) and s(−x) are independent (no neuron is active at both), so antipodal points are
  uncorrelated;
* P(s(x) = 0) = exp(−λ (1 − P(V = 0)) C_1(d) ‖x‖) (no active neuron with v ≠ 0; given
  one, the sum vanishes with probability 0 because the offsets are continuous);
* symmetric α-stable weights, scale :math:`γ (E e^{iξV} = e^{−γ^α |ξ|^α})`: s(x) given the Poisson
  points is SαS with scale γ (Σ r_k(x)^α)^{1/α}; with V = λ^{−1/α} V₀ and λ → ∞ the law
  tends to SαS with scale γ (C_{α+1}(d)/(α+1))^{1/α} ‖x‖^{1+1/α}
  (:meth:`RandomReLUProcess.stable_limit_scale`); with V = V₀/√λ, E V₀² < ∞, to the
  Gaussian process with covariance E[V₀²] C_3(d)[·] above.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ridgekit._validation import as_float_array, as_generator, check_choice, check_int, check_positive, check_size
from ridgekit.kplane.stiefel import MEASURES, sphere_area

from . import _random_kernels
from .network import ShallowNetwork

__all__ = ["RandomReLUProcess", "WeightLaw", "sphere_moment", "symmetric_stable_rvs"]

_LAWS = ("gaussian", "rademacher", "laplace", "uniform", "stable")


def sphere_moment(p, d: int, measure: str = "probability") -> float:
    """:math:`C_p(d) = ∫_{S^{d−1}} |w₁|^p dν(w)`.

    For ``"probability"``: Γ(d/2) Γ((p+1)/2) / (√π Γ((d+p)/2)) (the law of w₁² is
    Beta(1/2, (d−1)/2)); ``"surface"`` multiplies by :math:`|S^{d−1}|`.  [derived]

    Examples
    --------
    >>> [round(v, 14) for v in (sphere_moment(3, 2) * 3 * math.pi / 4, sphere_moment(3, 3), sphere_moment(2, 7) * 7)]
    [1.0, 0.25, 1.0]
    """
    d = check_int(d, "d", minimum=1)
    p = check_positive(p, "p", strict=False)
    check_choice(measure, "measure", MEASURES)
    if d + p < 170:
        value = math.gamma(d / 2) * math.gamma((p + 1) / 2) / (math.sqrt(math.pi) * math.gamma((d + p) / 2))
    else:
        value = math.exp(math.lgamma(d / 2) + math.lgamma((p + 1) / 2) - 0.5 * math.log(math.pi)
                         - math.lgamma((d + p) / 2))
    return value * (sphere_area(d) if measure == "surface" else 1.0)


def symmetric_stable_rvs(alpha, size, rng=None, scale=1.0) -> np.ndarray:
    """Symmetric α-stable samples with :math:`E e^{iξV} = exp(−(scale·|ξ|)^α)`.

    Chambers–Mallows–Stuck (1976) for β = 0: with U ~ Unif(−π/2, π/2), W ~ Exp(1),
    V = sin(αU)/cos(U)^{1/α} · (cos((1−α)U)/W)^{(1−α)/α}.  α = 2 gives N(0, 2 scale²),
    α = 1 the Cauchy law with this scale.

    Examples
    --------
    >>> x = symmetric_stable_rvs(2.0, 200_000, rng=0)
    >>> bool(abs(x.var() - 2.0) < 0.03)
    True
    """
    alpha = _check_alpha(alpha)
    scale = check_positive(scale, "scale")
    _check_sample_size(size, 4)
    rng = as_generator(rng)
    U = rng.uniform(-np.pi / 2, np.pi / 2, size)
    W = rng.standard_exponential(size)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        X = np.sin(alpha * U) / np.cos(U) ** (1 / alpha) * (np.cos((1 - alpha) * U) / W) ** ((1 - alpha) / alpha)
    X = np.where(np.isfinite(X), X, 0.0)     # U at ±π/2 exactly: probability 0
    return scale * X


def _check_sample_size(size, per_sample=1):
    """``size`` as numpy takes it (an int or a tuple of ints >= 0), refused up front when the
    samples (times ``per_sample`` work arrays) would not fit in memory."""
    shape = (size,) if isinstance(size, numbers.Integral) or size is None else size
    if size is None:
        return size
    if not isinstance(shape, tuple):
        raise TypeError(f"size must be an int or a tuple of ints, got {type(size).__name__} {size!r:.60}")
    for s in shape:
        check_int(s, "size", minimum=0)
    check_size(math.prod(int(s) for s in shape) * per_sample, "size")
    return size


def _check_alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a real number in (0, 2], got {type(alpha).__name__} {alpha!r}")
    alpha = float(alpha)
    if not (0.0 < alpha <= 2.0):
        raise ValueError(f"alpha must be in (0, 2] (symmetric α-stable law), got {alpha}")
    return alpha


class WeightLaw:
    """Law P_V of the output weights.

    Parameters
    ----------
    weights : {"gaussian", "rademacher", "laplace", "uniform", "stable"} or scipy.stats frozen distribution
        "gaussian": N(0, scale²); "rademacher": ±scale; "laplace": density :math:`e^{−|v|/scale}/(2 scale)`;
        "uniform": Unif(−scale, scale); "stable": symmetric α-stable with
        :math:`E e^{iξV} = exp(−(scale |ξ|)^α)`.  A frozen scipy distribution (``scipy.stats.t(3)``)
        is sampled with its ``rvs`` and its moments are taken from ``mean``/``var``.
    scale : float > 0
        Scale of the named laws (ignored for scipy distributions).
    alpha : float in (0, 2], optional
        Stability index; required for, and only allowed with, ``"stable"``.
    """

    def __init__(self, weights="gaussian", *, scale=1.0, alpha=None):
        self.alpha = None
        if isinstance(weights, str):
            check_choice(weights, "weights", _LAWS)
            self.name = weights
            self.scale = check_positive(scale, "scale")
            self.dist = None
            if weights == "stable":
                if alpha is None:
                    raise ValueError("weights='stable' needs alpha in (0, 2]")
                self.alpha = _check_alpha(alpha)
            elif alpha is not None:
                raise ValueError(f"alpha is only used with weights='stable', got weights={weights!r}")
        elif hasattr(weights, "rvs") and hasattr(weights, "dist") and hasattr(weights, "mean"):
            if alpha is not None:
                raise ValueError("alpha is only used with weights='stable', not with a scipy distribution")
            self.name = f"scipy.stats.{weights.dist.name}"
            self.scale = 1.0
            self.dist = weights
        else:
            raise TypeError(f"weights must be one of {list(_LAWS)} or a frozen scipy.stats distribution, "
                            f"got {type(weights).__name__} {weights!r}")

    def __repr__(self):
        extra = f", alpha={self.alpha}" if self.alpha is not None else ""
        return f"WeightLaw({self.name!r}, scale={self.scale}{extra})"

    def rvs(self, size, rng=None) -> np.ndarray:
        """``size`` independent draws of V; ``rng`` a Generator, an int seed or None."""
        _check_sample_size(size, 4)
        rng = as_generator(rng)
        c = self.scale
        if self.name == "gaussian":
            return c * rng.standard_normal(size)
        if self.name == "rademacher":
            return c * (2.0 * rng.integers(0, 2, size) - 1.0)
        if self.name == "laplace":
            return rng.laplace(0.0, c, size)
        if self.name == "uniform":
            return rng.uniform(-c, c, size)
        if self.name == "stable":
            return symmetric_stable_rvs(self.alpha, size, rng, scale=c)
        return np.asarray(self.dist.rvs(size=size, random_state=rng), dtype=np.float64).reshape(size)

    @property
    def mean(self) -> float:
        """E[V] (nan where it does not exist)."""
        if self.dist is None:
            if self.name == "stable" and self.alpha <= 1:
                return math.nan
            return 0.0
        return float(self.dist.mean())

    @property
    def second_moment(self) -> float:
        """E[V²] (inf where infinite)."""
        c = self.scale
        table = {"gaussian": c * c, "rademacher": c * c, "laplace": 2 * c * c, "uniform": c * c / 3}
        if self.name in table:
            return table[self.name]
        if self.name == "stable":
            return 2 * c * c if self.alpha == 2 else math.inf
        m, v = float(self.dist.mean()), float(self.dist.var())
        return v + m * m if np.isfinite(m) and np.isfinite(v) else math.inf

    @property
    def atom_at_zero(self) -> float:
        """P(V = 0)."""
        if self.dist is None:
            return 0.0
        from scipy.stats import rv_discrete
        if isinstance(self.dist.dist, rv_discrete):
            return float(self.dist.pmf(0))
        return 0.0


class RandomReLUProcess:
    """Random ReLU network with Poisson width (arXiv 2405.10229, Eq. (2) of §1).

    :math:`s(x) = Σ_k v_k ReLU(sgn(b_k) w_kᵀx − |b_k|)`: Poisson points (w_k, b_k) on S^{d−1} × ℝ
    with intensity λ ν(dw) db, i.i.d. weights v_k ~ P_V, neurons corrected so that
    s(0) = 0 and ∇s(0) = 0 (see the module docstring for the derivation and all closed
    forms).

    Parameters
    ----------
    d : int ≥ 1
        Input dimension (d = 1: w ∈ {−1, +1}, knots at rate λ ν(S⁰) per unit length).
    rate : float > 0
        λ, the rate of the Poisson point process.
    weights : str or scipy.stats frozen distribution
        Law of the output weights (see :class:`WeightLaw`).
    measure : {"probability", "surface"}
        Normalisation of ν on S^{d−1}.  The paper's could not be read; "probability"
        (ν(S^{d−1}) = 1) is the default, for which the expected width on a ball of
        radius R is λ · 2R (λ times its mean width).
    radius : float > 0
        R, the domain ball B_R = {‖x‖ ≤ R} of :meth:`sample`.  Only neurons with
        :math:`|b| < R` are non-zero on B_R, so realisations on B_R are exact finite networks;
        the law on B_R is the restriction of the law on any larger ball.
    scale, alpha : float
        Parameters of the named weight laws (:class:`WeightLaw`).

    Examples
    --------
    Variance = λ E[V²] C₃(d) ‖x‖³/3 and antipodal points are uncorrelated:

    >>> proc = RandomReLUProcess(3, rate=2.0)
    >>> x = np.array([0.3, -0.4, 1.2])
    >>> bool(np.isclose(proc.variance(x), 2.0 * 0.25 * np.linalg.norm(x) ** 3 / 3))
    True
    >>> abs(float(proc.autocovariance(x, -x))) < 1e-15
    True

    A realisation is a ShallowNetwork with s(0) = 0 and ∇s(0) = 0:

    >>> net = proc.sample(size=None, rng=0)
    >>> float(net(np.zeros((1, 3)))[0]), float(np.abs(net.gradient(np.zeros((1, 3)))).max())
    (0.0, 0.0)
    """

    def __init__(self, d, rate, weights="gaussian", *, measure="probability", radius=1.0,
                 scale=1.0, alpha=None):
        self.d = check_int(d, "d", minimum=1)
        self.rate = check_positive(rate, "rate")
        self.measure = check_choice(measure, "measure", MEASURES)
        self.radius = check_positive(radius, "radius")
        self.law = weights if isinstance(weights, WeightLaw) else WeightLaw(weights, scale=scale, alpha=alpha)
        self.mass = sphere_area(self.d) if self.measure == "surface" else 1.0

    def __repr__(self):
        return (f"RandomReLUProcess(d={self.d}, rate={self.rate}, weights={self.law!r}, "
                f"measure={self.measure!r}, radius={self.radius})")

    # ------------------------------------------------------------------ constants
    def sphere_moment(self, p) -> float:
        """C_p(d) for this process's measure (:func:`sphere_moment`)."""
        return sphere_moment(p, self.d, self.measure)

    def expected_width(self, radius=None) -> float:
        """E[number of neurons non-zero somewhere on B_R] = 2 R λ ν(S^{d−1})."""
        R = self.radius if radius is None else check_positive(radius, "radius")
        return 2.0 * R * self.rate * self.mass

    # ------------------------------------------------------------------ points
    def _points(self, x, name):
        x = as_float_array(x, name, allow_empty=True)
        if self.d == 1 and (x.ndim == 0 or x.shape[-1] != 1):
            x = x[..., None]
        if x.ndim == 0 or x.shape[-1] != self.d:
            raise ValueError(f"{name} must have last axis of length d = {self.d}, got shape {x.shape}")
        return x

    def _require_second_moment(self, what):
        m2 = self.law.second_moment
        if not np.isfinite(m2):
            raise ValueError(f"{what} needs E[V²] < ∞, but weights={self.law!r} has no finite second "
                             "moment; use stable_limit_scale() for α-stable weights")
        return m2

    # ------------------------------------------------------------------ moments
    def mean(self, x) -> np.ndarray:
        """E s(x) = λ E[V] C₂(d) ‖x‖²/2 ([derived], Campbell's formula)."""
        x = self._points(x, "x")
        mu = self.law.mean
        if not np.isfinite(mu):
            raise ValueError(f"mean needs E|V| < ∞, but weights={self.law!r} has no finite mean")
        return self.rate * mu * self.sphere_moment(2) * np.sum(x * x, axis=-1) / 2

    def autocovariance(self, x, y, *, centered: bool = False) -> np.ndarray:
        """E[s(x) s(y)] in closed form, vectorised over pairs (broadcast over leading axes).

        E[s(x)s(y)] = λ E[V²] C₃(d) [ (‖x−y‖³ − ‖x‖³ − ‖y‖³)/12 + xᵀy (‖x‖+‖y‖)/4 ]
                      + E s(x) E s(y)

        ([derived]: Campbell's formula, ∫_ℝ r(a,b) r(c,b) db, sphere averages; see
        :mod:`nets.random_symbolic`).  The mean term vanishes when E[V] = 0.

        Parameters
        ----------
        x, y : array (..., d)
            Points (for d = 1 a trailing axis may be omitted).
        centered : bool
            If True, return Cov(s(x), s(y)) (no mean term).

        Raises
        ------
        ValueError
            If the weight law has no finite second moment (α-stable with α < 2, ...).
        """
        m2 = self._require_second_moment("autocovariance")
        x, y = self._points(x, "x"), self._points(y, "y")
        nx = np.sqrt(np.sum(x * x, axis=-1))
        ny = np.sqrt(np.sum(y * y, axis=-1))
        diff = x - y
        nd = np.sqrt(np.sum(diff * diff, axis=-1))
        xy = np.sum(x * y, axis=-1)
        cov = self.rate * m2 * self.sphere_moment(3) * ((nd ** 3 - nx ** 3 - ny ** 3) / 12 + xy * (nx + ny) / 4)
        if not centered and self.law.mean != 0:
            cov = cov + self.mean(x) * self.mean(y)
        return cov

    def autocovariance_symbolic(self):
        """The sympy derivation for this d and measure (:func:`nets.random_symbolic.autocovariance_symbolic`),
        with λ and E[V²] substituted (sympy is imported on use)."""
        from . import random_symbolic as rs
        m2 = self._require_second_moment("autocovariance_symbolic")
        expr = rs.autocovariance_symbolic(self.d, self.measure)
        return expr.subs({rs.lam: self.rate, rs.m2: m2})

    def variance(self, x) -> np.ndarray:
        """Var s(x) = λ E[V²] C₃(d) ‖x‖³ / 3 ([derived])."""
        m2 = self._require_second_moment("variance")
        x = self._points(x, "x")
        return self.rate * m2 * self.sphere_moment(3) * np.sum(x * x, axis=-1) ** 1.5 / 3

    def void_probability(self, x) -> np.ndarray:
        """P(s(x) = 0) = exp(−λ (1 − P(V=0)) C₁(d) ‖x‖) ([derived])."""
        x = self._points(x, "x")
        lam = self.rate * (1.0 - self.law.atom_at_zero)
        return np.exp(-lam * self.sphere_moment(1) * np.sqrt(np.sum(x * x, axis=-1)))

    def stable_limit_scale(self, x) -> np.ndarray:
        """Scale of the SαS limit law of s(x) as λ → ∞ with the weights' scale γ λ^{−1/α}.

        γ (λ C_{α+1}(d)/(α+1))^{1/α} ‖x‖^{1+1/α} with γ the current weight scale, i.e.
        γ₀ (C_{α+1}(d)/(α+1))^{1/α} ‖x‖^{1+1/α} when the scale is γ₀ λ^{−1/α}
        ([derived]: :math:`∫_ℝ r(a,b)^α db = |a|^{α+1}/(α+1)`).  Only for weights="stable".
        """
        if self.law.name != "stable":
            raise ValueError(f"stable_limit_scale needs weights='stable', got {self.law!r}")
        a = self.law.alpha
        x = self._points(x, "x")
        c = (self.rate * self.sphere_moment(a + 1) / (a + 1)) ** (1 / a)
        return self.law.scale * c * np.sqrt(np.sum(x * x, axis=-1)) ** (1 + 1 / a)

    # ------------------------------------------------------------------ sampling
    def _draw(self, size, radius, rng):
        """Flat neuron arrays (U signed directions, :math:`T = |b|`, V) and starts (size + 1,)."""
        mean = self.expected_width(radius) * size
        if not np.isfinite(mean):
            raise ValueError(f"the expected number of neurons (rate × radius × size) overflows: {mean}")
        # neurons: d + 3 doubles each (G, W, b, V), with a Poisson margin of 6 standard deviations
        check_size(int(mean + 6 * math.sqrt(mean) + 16) * (self.d + 3),
                   "the sampled neurons (rate × radius × size realisations)")
        counts = rng.poisson(self.expected_width(radius), size)
        starts = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        M = int(starts[-1])
        G = rng.standard_normal((M, self.d))          # w = G/‖G‖ is uniform on S^{d−1}
        norms = np.sqrt(np.sum(G * G, axis=1))
        norms[norms == 0] = 1.0
        W = G / norms[:, None]
        b = rng.uniform(-radius, radius, M)
        V = np.ascontiguousarray(self.law.rvs(M, rng), dtype=np.float64)
        return W, b, V, starts

    def sample(self, radius=None, size=None, rng=None, *, form: str = "corrected"):
        """Exact realisations on B_R as :class:`nets.ShallowNetwork` objects.

        K ~ Poisson(2 R λ ν(S^{d−1})) neurons, w_k uniform on S^{d−1} (normalised
        Gaussians: the n = 1 case of :func:`kplane.stiefel_sample`), b_k ~ Unif(−R, R),
        v_k ~ P_V.

        Parameters
        ----------
        radius : float, optional
            R (default: the process's ``radius``).
        size : int or None
            Number of realisations; None returns one network, an int a list.
        rng : None, int or numpy.random.Generator
        form : {"corrected", "raw"}
            "corrected": neurons :math:`ReLU(sgn(b) wᵀx − |b|)`, no skip part.  "raw": neurons
            ReLU(wᵀx − b) plus the affine correction −Σ v (ReLU(−b) + 1{b<0} wᵀx) as the
            skip part (Eq. (2) of the paper).  Both are the same function.
        """
        R = self.radius if radius is None else check_positive(radius, "radius")
        check_choice(form, "form", ("corrected", "raw"))
        n = 1 if size is None else check_int(size, "size", minimum=0)
        rng = as_generator(rng)
        W, b, V, starts = self._draw(n, R, rng)
        nets = []
        for i in range(n):
            sl = slice(starts[i], starts[i + 1])
            w, bb, v = W[sl], b[sl], V[sl]
            if form == "corrected":
                sg = np.where(bb < 0, -1.0, 1.0)
                nets.append(ShallowNetwork(w * sg[:, None], np.abs(bb), v))
            else:
                neg = bb < 0
                c0 = -np.sum(v * np.maximum(-bb, 0.0))
                C = -(v[neg, None] * w[neg]).sum(axis=0)
                nets.append(ShallowNetwork(w, bb, v, skip=(np.array([c0]), C[:, None])))
        return nets[0] if size is None else nets

    def _radius_for(self, max_norm, radius):
        if radius is None:
            return max(max_norm, 1e-300)
        R = check_positive(radius, "radius")
        if max_norm > R * (1 + 1e-12):
            raise ValueError(f"points must lie in the ball of radius {R} (neurons with |b| ≥ R are not "
                             f"drawn), got a point of norm {max_norm}")
        return R

    def sample_values(self, X, size: int = 1, rng=None, *, radius=None) -> np.ndarray:
        """Values of ``size`` independent realisations at points X (N, d): array (size, N).

        Exact (same law as :meth:`sample`), evaluated by a parallel numba kernel without
        per-neuron Python objects.  The sampling ball defaults to the smallest one
        containing X (the law on a ball is the restriction of the law on a larger one).
        """
        X = self._points(X, "X")
        X = np.ascontiguousarray(X.reshape(-1, self.d))
        size = check_int(size, "size", minimum=0)
        check_size(size * X.shape[0], "the sampled values (size × points)")
        rng = as_generator(rng)
        R = self._radius_for(float(np.sqrt(np.max(np.sum(X * X, axis=1)))) if len(X) else 0.0, radius)
        W, b, V, starts = self._draw(size, R, rng)
        U = np.ascontiguousarray(W * np.where(b < 0, -1.0, 1.0)[:, None])
        out = np.zeros((size, X.shape[0]))
        if out.size:
            _random_kernels.eval_points(X, U, np.abs(b), V, starts, out)
        return out

    def sample_grid(self, n, size: int = 1, rng=None, *, extent: float = 1.0):
        """Realisations on the grid [−extent, extent]^d with n points per axis.

        Returns (values (size, n, ..., n), axis (n,)); values[s, i, j] is at
        (axis[i], axis[j]).  Sampled on the circumscribed ball R = extent √d and evaluated
        in O(neurons × n^{d−1} + n^d) per realisation: along each grid row a ReLU ramp
        has only two non-zero second differences (see :mod:`nets._random_kernels`).
        """
        n = check_int(n, "n", minimum=2)
        size = check_int(size, "size", minimum=0)
        extent = check_positive(extent, "extent")
        check_size(size * n ** self.d, "the sampled grid values (size × n^d)")
        rng = as_generator(rng)
        axis = np.linspace(-extent, extent, n)
        d = self.d
        W, b, V, starts = self._draw(size, extent * math.sqrt(d), rng)
        U = np.ascontiguousarray(W * np.where(b < 0, -1.0, 1.0)[:, None])
        if d > 1:
            mesh = np.meshgrid(*([axis] * (d - 1)), indexing="ij")
            rows = np.ascontiguousarray(np.stack([m.reshape(-1) for m in mesh], axis=1))
        else:
            rows = np.zeros((1, 0))
        out = np.zeros((size, rows.shape[0], n))
        if out.size:
            _random_kernels.eval_grid(rows, float(axis[0]), float(axis[1] - axis[0]), U, np.abs(b), V,
                                      starts, out)
        return out.reshape((size,) + (n,) * d), axis


def checks(dims=(1, 2, 3, 4, 5)):
    """The float code of :meth:`RandomReLUProcess.autocovariance` against the sympy derivation
    of :func:`nets.random_symbolic.autocovariance_symbolic` (with the mean term, "surface"
    measure, weights N(1/2, 1): E[V] = 1/2, E[V²] = 5/4), one row per dimension.

    Returns
    -------
    list of kplane.symbolic.Check

    Examples
    --------
    >>> all(row.passed for row in checks(dims=(1, 2)))
    True
    """
    import sympy as sp
    from scipy import stats

    from ridgekit.kplane.symbolic import Check, _CheckRows

    from . import random_symbolic as rs

    rows = _CheckRows()
    for d in dims:
        d = check_int(d, "d", minimum=1)
        if d == 1:
            sx, sy = 0.6, 1.4
            sub = {rs.x: sx, rs.y: sy}
        else:
            th = 1.1
            sx = np.array([0.6] + [0.0] * (d - 1))
            sy = 1.4 * np.array([np.cos(th), np.sin(th)] + [0.0] * (d - 2))
            sub = {rs.rx: float(np.linalg.norm(sx)), rs.ry: float(np.linalg.norm(sy)),
                   rs.rxy: float(np.linalg.norm(sx - sy))}
        sub.update({rs.lam: 2.5, rs.m1: 0.5, rs.m2: 1.25})
        want = float(sp.N(rs.autocovariance_symbolic(d, "surface", with_mean=True).subs(sub), 20))
        proc = RandomReLUProcess(d, 2.5, weights=stats.norm(0.5, 1.0), measure="surface")
        got = float(proc.autocovariance(sx, sy))
        rows.append(Check(f"float autocovariance d={d}", bool(abs(want - got) <= 1e-13 * max(1.0, abs(want))),
                          "sympy (surface measure, E[V] = 1/2, E[V²] = 5/4) = RandomReLUProcess.autocovariance"))
    return rows
