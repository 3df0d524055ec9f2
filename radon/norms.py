"""Radon-domain norms that need no discrete transform: radial functions, atoms, weights.

Conventions (docs/theory/conventions.md and docs/theory/rnorm.md).  The second-order Radon-domain total
variation ("R-norm", Ongie et al. arXiv 1910.01635; Parhi & Nowak arXiv 2006.05626) is

    ‖f‖_R = γ_d ‖∂_t² Λ^{d−1} R f‖_{M(S^{d−1}×ℝ)},   γ_d = 1 / (2 (2π)^{d−1}),

with R the Radon transform, the **surface** measure on S^{d−1}, Λ^{d−1} the ramp filter
(Fourier multiplier :math:`|τ|^{d−1}` in t) and f̂(ξ) = ∫ f e^{−i⟨ξ,x⟩} dx.  With this constant a
unit ReLU neuron [uᵀx − t]₊ (‖u‖ = 1) has norm exactly 1, affine functions have norm 0,
and for d = 1 the norm is :math:`∫|f''|` (Savarese et al. 2019).  [derived in docs/theory/rnorm.md;
re-derived for this module: γ_d Λ^{d−1} R δ(uᵀ· − t) = (δ_{(u,t)} + δ_{(−u,−t)})/2 by the
Fourier slice theorem, and checked by the tests in ``tests/test_norms.py``.]

Contents
--------
* radial functions: :func:`rtv_gaussian` (closed form up to root finding) and
  :func:`rtv_radial` (quadrature through the radial Fourier transform);
* finite ReLU networks as atoms: :func:`canonical_relu_atoms` (unit directions, merged
  duplicates, antipodal pairs, folding on a domain), :func:`relu_rtv`;
* domains :class:`Ball`, :class:`Cube` and weights for :func:`weighted_variation`:
  :func:`stable_weight` and :func:`data_weight` (arXiv 2506.20779).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import optimize, special

from ridgekit._validation import as_float_array, check_int, check_positive
from ridgekit.kplane.stiefel import sphere_area

__all__ = [
    "radon_constant",
    "radial_constant",
    "rtv_gaussian",
    "rtv_radial",
    "gaussian_rtv_profile",
    "Ball",
    "Cube",
    "as_domain",
    "ReLUAtoms",
    "canonical_relu_atoms",
    "relu_rtv",
    "weighted_variation",
    "stable_weight",
    "data_weight",
]


# ---------------------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------------------

def radon_constant(d: int) -> float:
    """γ_d = 1/(2 (2π)^{d−1}): the R-norm constant with the surface measure on S^{d−1}.

    It is the filtered-backprojection constant of the Radon transform with the surface
    measure (docs/theory/kplane.md §Inversion, [derived]): f = γ_d R* Λ^{d−1} R f.

    Examples
    --------
    >>> radon_constant(1), round(radon_constant(3) * 8 * math.pi ** 2, 12)
    (0.5, 1.0)
    """
    d = check_int(d, "d", minimum=1)
    return 1.0 / (2.0 * (2.0 * math.pi) ** (d - 1))


def radial_constant(d: int) -> float:
    """:math:`γ_d |S^{d−1}| = π^{d/2} / (Γ(d/2) (2π)^{d−1})`: the R-norm constant of radial functions.

    For :math:`f(x) = F(|x|)` the Radon transform does not depend on the direction, so
    :math:`‖f‖_R = γ_d |S^{d−1}| ‖∂_t² Λ^{d−1} ρ‖_{L¹(ℝ)}` with ρ = R f(ξ, ·) (docs/theory/rnorm.md).

    Examples
    --------
    >>> [round(radial_constant(d) * k, 12) for d, k in
    ...  [(1, 1), (2, 2), (3, 2 * math.pi), (4, 8 * math.pi), (5, 12 * math.pi ** 2)]]
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    d = check_int(d, "d", minimum=1)
    return radon_constant(d) * sphere_area(d)


# ---------------------------------------------------------------------------------------
# the Gaussian
# ---------------------------------------------------------------------------------------

_ASYMPTOTIC_T = 13.0  # |t| beyond which the 1F1 asymptotic series replaces scipy's hyp1f1


def _hyp1f1_neg(a: float, b: float, t: np.ndarray) -> np.ndarray:
    """M(a; b; −t²/2) for t ≥ 0, accurate for all t.

    scipy's ``hyp1f1`` (checked against mpmath to 2e-13 for t ≤ 13, a ≤ 4) below
    ``_ASYMPTOTIC_T``; beyond it the large-x expansion obtained from Kummer's
    transformation (DLMF 13.2.39, 13.7.2):
    M(a; b; −x) = Γ(b)/Γ(b − a) x^{−a} Σ_s (a)_s (a − b + 1)_s / s! x^{−s} + O(e^{−x}),
    truncated at its smallest term (relative error < 1e-15 for x ≥ 84, a ≤ 4).
    """
    t = np.abs(np.asarray(t, dtype=np.float64))
    out = np.empty_like(t)
    small = t < _ASYMPTOTIC_T
    out[small] = special.hyp1f1(a, b, -0.5 * t[small] ** 2)
    if np.any(~small):
        x = 0.5 * t[~small] ** 2
        total = np.ones_like(x)
        term = np.ones_like(x)
        prev = np.abs(term)
        active = np.ones_like(x, dtype=bool)
        for s in range(1, 60):
            term = term * (a + s - 1) * (a - b + s) / (s * x)
            grow = np.abs(term) > prev
            active &= ~grow
            total = np.where(active, total + term, total)
            prev = np.abs(term)
            if not active.any():
                break
        out[~small] = math.gamma(b) * special.rgamma(b - a) * x ** (-a) * total
    return out


def gaussian_rtv_profile(d: int, t, *, derivative: int = 2, route: str = "auto") -> np.ndarray:
    """h = ∂_t² Λ^{d−1} ρ (derivative=2) or H = ∂_t Λ^{d−1} ρ (derivative=1) for the Gaussian.

    ρ(t) = (2π)^{(d−1)/2} e^{−t²/2} is the Radon transform of :math:`f(x) = e^{−|x|²/2}` in ℝᵈ
    (docs/theory/kplane.md §Closed forms) and ρ̂(τ) = (2π)^{d/2} e^{−τ²/2}.  With a = d/2 + 1 and
    K_d = −(2π)^{d/2} 2^{d/2} Γ(d/2 + 1)/π, [derived]:

    * h(t) = K_d M(a; 1/2; −t²/2),   H(t) = K_d t M(a; 3/2; −t²/2)  (route "hyp1f1"),
      from ∫₀^∞ τ^{ν} e^{−τ²/2} cos(τt) dτ = 2^{(ν−1)/2} Γ((ν+1)/2) M((ν+1)/2; 1/2; −t²/2)
      and the sine analogue (Gradshteyn–Ryzhik 3.952);
    * odd d, m = (d+1)/2 (route "hermite"): h = (−1)^{m+1} (2π)^{(d−1)/2} He_{d+1}(t) e^{−t²/2},
      H = (−1)^m (2π)^{(d−1)/2} He_d(t) e^{−t²/2}, since then ∂_t² Λ^{d−1} = (−1)^{m+1} ∂_t^{d+1}.

    H' = h, H(0) = H(±∞) = 0.  For even d, h decays like :math:`|t|^{−(d+2)}` (the multiplier
    :math:`|τ|^{d+1}` is not smooth at 0); for odd d it decays like a Gaussian.

    Examples
    --------
    d = 1: h = f'' = (t² − 1) e^{−t²/2} and H = f' = −t e^{−t²/2}; both routes agree:

    >>> t = np.array([0.0, 0.5, 2.0])
    >>> bool(np.allclose(gaussian_rtv_profile(1, t), (t**2 - 1) * np.exp(-t**2 / 2), rtol=1e-13))
    True
    >>> bool(np.allclose(gaussian_rtv_profile(3, t, route="hyp1f1"),
    ...                  gaussian_rtv_profile(3, t, route="hermite"), rtol=1e-12))
    True
    """
    d = check_int(d, "d", minimum=1)
    if derivative not in (1, 2):
        raise ValueError(f"derivative must be 1 (H) or 2 (h), got {derivative!r}")
    if route not in ("auto", "hermite", "hyp1f1"):
        raise ValueError(f"route must be 'auto', 'hermite' or 'hyp1f1', got {route!r}")
    if route == "hermite" and d % 2 == 0:
        raise ValueError(f"route='hermite' needs odd d, got d = {d}")
    t = np.asarray(t, dtype=np.float64)
    if route == "hermite" or (route == "auto" and d % 2 == 1):
        m = (d + 1) // 2
        k = d + 1 if derivative == 2 else d
        sign = (-1.0) ** (m + 1) if derivative == 2 else (-1.0) ** m
        coef = np.zeros(k + 1)
        coef[k] = 1.0
        return sign * (2 * math.pi) ** ((d - 1) / 2) * np.polynomial.hermite_e.hermeval(t, coef) * np.exp(-0.5 * t * t)
    a = d / 2 + 1
    K = -((2 * math.pi) ** (d / 2)) * 2.0 ** (d / 2) * math.gamma(d / 2 + 1) / math.pi
    if derivative == 2:
        return K * _hyp1f1_neg(a, 0.5, t)
    return K * t * _hyp1f1_neg(a, 1.5, t)


def _gaussian_zeros(d: int) -> np.ndarray:
    """Positive zeros of h = ∂_t² Λ^{d−1} ρ for the unit Gaussian (see gaussian_rtv_profile)."""
    if d % 2 == 1:
        coef = np.zeros(d + 2)
        coef[d + 1] = 1.0
        r = np.polynomial.hermite_e.hermeroots(coef).real
        return np.sort(r[r > 1e-12])
    # even d: scan (0, T] (all zeros lie well inside: the asymptotic regime t > 13 has the
    # fixed sign of Γ(1/2)/Γ(1/2 − a) x^{−a})
    grid = np.linspace(1e-6, 2 * _ASYMPTOTIC_T, 4001)
    vals = gaussian_rtv_profile(d, grid)
    idx = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]
    f = lambda s: float(gaussian_rtv_profile(d, np.array([s]))[0])
    return np.array([optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15) for i in idx])


def _total_variation_from_zeros(H, zeros) -> float:
    """:math:`∫₀^∞ |h| = Σ |H(z_{i+1}) − H(z_i)|` with z_0 = 0, z_end = ∞, H(0) = H(∞) = 0."""
    vals = np.concatenate([[0.0], np.asarray(H(np.asarray(zeros, dtype=float)), dtype=float), [0.0]])
    return float(np.sum(np.abs(np.diff(vals))))


def rtv_gaussian(d: int, scale: float = 1.0, *, route: str = "auto") -> float:
    """R-norm (second-order Radon-domain TV) of the Gaussian :math:`f(x) = exp(−|x|²/(2 s²))` on ℝᵈ.

    :math:`‖f‖_R = γ_d |S^{d−1}| ∫_ℝ |∂_t² Λ^{d−1} ρ(t)| dt / s`, computed exactly from the zeros
    z_i of h = ∂_t² Λ^{d−1} ρ and its antiderivative H (:func:`gaussian_rtv_profile`):
    :math:`∫_ℝ |h| = 2 Σ_i |H(z_{i+1}) − H(z_i)| (z_0 = 0, z_end = ∞)`.

    * odd d: :math:`‖f‖_R = γ_d |S^{d−1}| (2π)^{(d−1)/2} ∫ |He_{d+1}(t)| e^{−t²/2} dt`
      :math:`= γ_d |S^{d−1}| (2π)^{(d−1)/2} · 2 Σ_{He_{d+1}(r)=0} |He_d(r)| e^{−r²/2}`
      (docs/theory/rnorm.md, [derived]; verified against mpmath quadrature in the tests);
    * even d: through the Fourier multiplier :math:`−|τ|^{d+1}` and Kummer's function.

    Parameters
    ----------
    d : int
        Dimension, d ≥ 1.
    scale : float
        s > 0; ‖f(·/s)‖_R = ‖f‖_R / s.
    route : {"auto", "hermite", "hyp1f1"}
        Closed form used for h and H ("hermite" for odd d only).

    Examples
    --------
    d = 1 is :math:`∫|f''| = 4 e^{−1/2}`; d = 3 is :math:`∫|t⁴ − 6t² + 3| e^{−t²/2} dt`:

    >>> round(rtv_gaussian(1) / (4 * math.exp(-0.5)), 13)
    1.0
    >>> round(rtv_gaussian(2, scale=2.0) * 2 / rtv_gaussian(2), 13)
    1.0
    """
    d = check_int(d, "d", minimum=1)
    scale = check_positive(scale, "scale")
    zeros = _gaussian_zeros(d)
    tv = _total_variation_from_zeros(lambda z: gaussian_rtv_profile(d, z, derivative=1, route=route), zeros)
    return radial_constant(d) * 2.0 * tv / scale


# ---------------------------------------------------------------------------------------
# general radial functions
# ---------------------------------------------------------------------------------------

def _hankel(profile, d, taus, r_max, n_s):
    """Radial Fourier transform f̂(τ) = (2π)^{d/2} τ^{1−d/2} ∫₀^∞ F(s) J_{d/2−1}(τs) s^{d/2} ds."""
    x, w = special.roots_legendre(n_s)
    s = 0.5 * r_max * (x + 1.0)
    w = 0.5 * r_max * w
    Fs = np.asarray(profile(s), dtype=np.float64)
    if Fs.shape != s.shape:
        raise ValueError(f"profile must be vectorised: profile(r) of shape {s.shape} returned {Fs.shape}")
    nu = d / 2 - 1
    out = np.empty(len(taus))
    for i0 in range(0, len(taus), 64):
        tb = np.asarray(taus[i0:i0 + 64])[:, None]
        ker = special.jv(nu, tb * s[None, :]) * (tb ** (1 - d / 2))
        out[i0:i0 + 64] = (ker * (Fs * s ** (d / 2) * w)[None, :]).sum(axis=1)
    return (2 * math.pi) ** (d / 2) * out


def rtv_radial(profile, d: int, *, fourier=None, r_max=None, tau_max=None, n_nodes: int = 400) -> float:
    """R-norm of a radial function :math:`f(x) = F(|x|)` on ℝᵈ by quadrature.

    :math:`‖f‖_R = γ_d |S^{d−1}| ∫_ℝ |h(t)| dt` with h = ∂_t² Λ^{d−1} ρ, ρ = R f(ξ, ·), computed
    through the Fourier slice theorem ρ̂(τ) = f̂(τ) (docs/theory/kplane.md §Fourier slice, §4.2):

        h(t) = −(1/π) ∫₀^∞ τ^{d+1} f̂(τ) cos(τ t) dτ,   H(t) = −(1/π) ∫₀^∞ τ^{d} f̂(τ) sin(τ t) dτ,

    and :math:`∫₀^∞ |h| = Σ |H(z_{i+1}) − H(z_i)|` over the sign changes z_i of h (H(0) = H(∞) = 0).
    For odd d this is :math:`γ_d |S^{d−1}| ‖ρ^{(d+1)}‖_{L¹}`, the form of docs/theory/rnorm.md; the
    Fourier route covers odd and even d alike.

    Parameters
    ----------
    profile : callable or "gaussian"
        F(r), vectorised over r ≥ 0; must be smooth and decay fast (the norm of a
        non-smooth or slowly decaying profile may be infinite and is not detected).
        "gaussian" dispatches to :func:`rtv_gaussian`.
    d : int
    fourier : callable, optional
        The radial Fourier transform f̂(τ), τ ≥ 0, if known; otherwise it is computed by
        a Hankel transform with Gauss–Legendre quadrature on [0, r_max].
    r_max, tau_max : float, optional
        Truncations in r and τ; by default where :math:`r^{d−1}|F|` and :math:`τ^{d+1}|f̂|` fall below
        1e-17 of their maxima.
    n_nodes : int
        Gauss–Legendre nodes in τ (the r-quadrature of the Hankel transform gets
        400 + 12 τ_max r_max/π nodes).

    Returns
    -------
    float
        Accuracy: the quadratures converge spectrally for Gaussian-like profiles; the
        tests measure ≤ 1e-9 relative error for e^{−r²/2}, d = 1..5.

    Examples
    --------
    >>> g = lambda r: np.exp(-r ** 2 / 2)
    >>> bool(abs(rtv_radial(g, 3) / rtv_gaussian(3) - 1) < 1e-9)
    True
    """
    if isinstance(profile, str):
        if profile != "gaussian":
            raise ValueError(f"profile must be a callable or 'gaussian', got {profile!r}")
        return rtv_gaussian(d)
    if not callable(profile):
        raise TypeError(f"profile must be a callable F(r) or 'gaussian', got {type(profile).__name__}")
    d = check_int(d, "d", minimum=1)
    n_nodes = check_int(n_nodes, "n_nodes", minimum=16)
    if r_max is None:
        r = np.geomspace(1e-3, 1e4, 701)
        vals = np.abs(np.asarray(profile(r), dtype=float)) * r ** (d - 1)
        if not np.all(np.isfinite(vals)):
            raise ValueError("profile returned non-finite values on [1e-3, 1e4]")
        big = np.nonzero(vals > 1e-17 * vals.max())[0]
        if big[-1] == len(r) - 1:
            raise ValueError("profile does not decay by r = 1e4; pass r_max (the R-norm of a "
                             "slowly decaying profile may be infinite)")
        r_max = float(r[big[-1] + 1])
    else:
        r_max = check_positive(r_max, "r_max")
    if fourier is None:
        def fhat(tau):
            tau = np.asarray(tau, dtype=float)
            osc = float(np.max(tau)) * r_max / math.pi     # oscillations of J over [0, r_max]
            return _hankel(profile, d, tau, r_max, int(min(20000, 400 + 12 * osc)))
    else:
        if not callable(fourier):
            raise TypeError("fourier must be a callable f̂(τ)")
        fhat = lambda tau: np.asarray(fourier(np.asarray(tau, dtype=float)), dtype=float)
    if tau_max is None:
        # the Hankel quadrature has an absolute noise floor ~1e-13 |f̂(0)|: cut above it.
        # Scan [0, T] for T = 50/r_max, 100/r_max, ... until τ^{d+1}|f̂| has fallen below
        # cut · max after its peak.
        cut = 1e-17 if fourier is not None else 1e-11
        T = 50.0 / r_max
        for _ in range(8):
            tau = np.linspace(T / 200, T, 200)
            vals = np.abs(fhat(tau)) * tau ** (d + 1)
            top = int(np.argmax(vals))
            small = np.nonzero(vals[top:] < cut * vals[top])[0]
            if len(small):
                tau_max = float(tau[top + small[0]])
                break
            T *= 2
        else:
            raise ValueError("the Fourier transform of the profile does not decay fast enough; "
                             "pass tau_max (the R-norm of a non-smooth profile may be infinite)")
    else:
        tau_max = check_positive(tau_max, "tau_max")
    x, w = special.roots_legendre(n_nodes)
    tk = 0.5 * tau_max * (x + 1.0)
    ck = 0.5 * tau_max * w * fhat(tk) / math.pi

    def h(t):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return -(np.cos(np.outer(t, tk)) @ (ck * tk ** (d + 1)))

    def H(t):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return -(np.sin(np.outer(t, tk)) @ (ck * tk ** d))

    t_max = 2.0 * r_max
    grid = np.linspace(0.0, t_max, max(2000, int(8 * tau_max * t_max / math.pi)))
    vals = h(grid)
    # sign changes of h; those at the rounding-noise level (far tails) carry no variation
    noise = 1e-13 * np.max(np.abs(vals))
    vals = np.where(np.abs(vals) <= noise, 0.0, vals)
    nz = np.nonzero(vals)[0]
    idx = nz[:-1][np.sign(vals[nz[:-1]]) != np.sign(vals[nz[1:]])]
    nxt = nz[1:][np.sign(vals[nz[:-1]]) != np.sign(vals[nz[1:]])]
    zeros = [optimize.brentq(lambda s: float(h(s)[0]), grid[i], grid[j], xtol=1e-14) for i, j in zip(idx, nxt)]
    return radial_constant(d) * 2.0 * _total_variation_from_zeros(H, zeros)


# ---------------------------------------------------------------------------------------
# domains
# ---------------------------------------------------------------------------------------

class Ball:
    """The closed ball :math:`{x : |x − center| ≤ radius}`.

    The hyperplane {uᵀx = t} (‖u‖ = 1) meets it iff :math:`|t − uᵀc| <` radius (a tangent
    hyperplane is counted as missing: the neuron is then affine on the ball).
    """

    def __init__(self, radius: float = 1.0, center=None):
        self.radius = check_positive(radius, "radius")
        self.center = None if center is None else as_float_array(center, "center", ndim=1)

    def _centre(self, d):
        if self.center is None:
            return np.zeros(d)
        if self.center.shape != (d,):
            raise ValueError(f"domain center must have shape ({d},), got {self.center.shape}")
        return self.center

    def support(self, U: np.ndarray) -> np.ndarray:
        """Half-width max_{x ∈ domain} uᵀ(x − c) = radius ‖u‖₂ for each row u."""
        U = as_float_array(U, "U", ndim=2, allow_empty=True)
        return self.radius * np.linalg.norm(U, axis=1)

    def contains(self, X):
        X = as_float_array(X, "X", ndim=(1, 2), allow_empty=True)
        D = X - self._centre(X.shape[-1])
        if D.shape[-1] == 0:
            raise ValueError(f"X must have at least one coordinate, got shape {X.shape}")
        return np.hypot.reduce(D, axis=-1) <= self.radius  # no overflow of x² for |x| ~ 1e300

    def __repr__(self):
        return f"Ball(radius={self.radius!r}, center={None if self.center is None else self.center.tolist()!r})"


class Cube:
    """The closed cube {x : ‖x − center‖_∞ ≤ half_width}.

    The hyperplane {uᵀx = t} meets it iff :math:`|t − uᵀc| < half_width ‖u‖₁`.
    """

    def __init__(self, half_width: float = 1.0, center=None):
        self.half_width = check_positive(half_width, "half_width")
        self.center = None if center is None else as_float_array(center, "center", ndim=1)

    _centre = Ball._centre

    def support(self, U):
        """Half-width max_{x ∈ domain} uᵀ(x − c) = half_width ‖u‖₁ for each row u."""
        U = as_float_array(U, "U", ndim=2, allow_empty=True)
        return self.half_width * np.abs(U).sum(axis=1)

    def contains(self, X):
        X = as_float_array(X, "X", ndim=(1, 2), allow_empty=True)
        if X.shape[-1] == 0:
            raise ValueError(f"X must have at least one coordinate, got shape {X.shape}")
        return np.max(np.abs(X - self._centre(X.shape[-1])), axis=-1) <= self.half_width

    def __repr__(self):
        return f"Cube(half_width={self.half_width!r}, center={None if self.center is None else self.center.tolist()!r})"


def as_domain(domain):
    """Validate a domain: None, a :class:`Ball`, a :class:`Cube`, or (``"ball"`` or ``"cube"``, size).

    Examples
    --------
    >>> as_domain(("cube", 2.0))
    Cube(half_width=2.0, center=None)
    """
    if domain is None or isinstance(domain, (Ball, Cube)):
        return domain
    if isinstance(domain, tuple) and len(domain) == 2 and isinstance(domain[0], str):
        kind, size = domain
        if kind == "ball":
            return Ball(size)
        if kind == "cube":
            return Cube(size)
    raise TypeError(f"domain must be None, radon.norms.Ball(radius, center), radon.norms.Cube(half_width, "
                    f"center) or ('ball'|'cube', size), got {domain!r}")


# ---------------------------------------------------------------------------------------
# ReLU atoms
# ---------------------------------------------------------------------------------------

class ReLUAtoms(NamedTuple):
    """Canonical form of Σᵢ vᵢ[wᵢᵀx − bᵢ]₊ + c₀ + xᵀC: Σⱼ aⱼ[uⱼᵀx − tⱼ]₊ + c0 + xᵀC.

    directions (K, d) unit vectors, offsets (K,), weights (K, D), c0 (D,), C (d, D).
    """

    directions: np.ndarray
    offsets: np.ndarray
    weights: np.ndarray
    c0: np.ndarray
    C: np.ndarray


def _group_rows(keys: np.ndarray):
    """Group identical integer rows: returns (first index of each group, inverse labels)."""
    order = np.lexsort(keys.T[::-1])
    ks = keys[order]
    new = np.ones(len(ks), dtype=bool)
    new[1:] = np.any(ks[1:] != ks[:-1], axis=1)
    labels_sorted = np.cumsum(new) - 1
    inverse = np.empty(len(ks), dtype=np.int64)
    inverse[order] = labels_sorted
    first = order[new]
    return first, inverse


def canonical_relu_atoms(W, b, V, c0=None, C=None, *, domain=None, tol: float = 1e-12,
                         atol: float = 0.0) -> ReLUAtoms:
    """Canonical atoms of a ReLU network f(x) = Σᵢ Vᵢ [Wᵢᵀx − bᵢ]₊ + c0 + xᵀC.

    Steps (the function is unchanged up to rounding and ``tol``):

    1. positive homogeneity: [wᵀx − b]₊ = ‖w‖ [uᵀx − t]₊, u = w/‖w‖, t = b/‖w‖, a = v‖w‖
       (docs/theory/kplane.md §Planes and frames);
    2. duplicates: neurons whose (u, t) agree after rounding to multiples of ``tol`` are
       merged (weights added);
    3. antipodal pairs (u, t), (−u, −t): a[z]₊ + a′[−z]₊ = (a + a′)[z]₊ − a′z, the affine
       part goes to (c0, C) (docs/theory/rnorm.md);
    4. ``domain``: a neuron whose hyperplane misses the domain is affine there (z > 0 on
       the whole domain: a·z goes to the affine part) or zero (dropped);
    5. neurons with ‖a‖₂ ≤ atol are removed (exact zeros by default).

    Parameters
    ----------
    W : (m, d) array, nonzero rows;  b : (m,);  V : (m,) or (m, D)
    c0 : (D,), C : (d, D), optional affine part.
    domain : None, Ball, Cube or (``"ball"`` or ``"cube"``, size)
    tol : float
        Merge tolerance on (u, t).  Pairs closer than tol that straddle a rounding
        boundary are not merged (the function stays exact; only the norm may count them
        twice).
    atol : float

    Returns
    -------
    ReLUAtoms
        Distinct atoms, no antipodal pairs, V always 2-D (K, D).

    Examples
    --------
    [z]₊ − [−z]₊ = z is affine and leaves no atom:

    >>> at = canonical_relu_atoms([[2.0, 0.0], [-1.0, 0.0]], [1.0, -0.5], [1.0, -2.0])
    >>> at.weights.shape[0], at.C.ravel().tolist(), at.c0.tolist()
    (0, [2.0, 0.0], [-1.0])
    """
    W = as_float_array(W, "W", ndim=2, allow_empty=True)
    m, d = W.shape
    b = as_float_array(b, "b", ndim=1, allow_empty=True)
    V = as_float_array(V, "V", ndim=(1, 2), allow_empty=True)
    if b.shape != (m,):
        raise ValueError(f"b must have shape ({m},) to match W {W.shape}, got {b.shape}")
    if V.shape[0] != m:
        raise ValueError(f"V must have {m} rows to match W {W.shape}, got shape {V.shape}")
    V2 = V.reshape(m, V.shape[1] if V.ndim == 2 else 1)
    D = V2.shape[1]
    c0 = np.zeros(D) if c0 is None else as_float_array(c0, "c0", ndim=1, copy=True).copy()
    C = np.zeros((d, D)) if C is None else as_float_array(C, "C", ndim=2).copy()
    if c0.shape != (D,) or C.shape != (d, D):
        raise ValueError(f"affine part must be c0 ({D},) and C ({d}, {D}), got {c0.shape} and {C.shape}")
    tol = check_positive(tol, "tol")
    atol = check_positive(atol, "atol", strict=False)
    domain = as_domain(domain)
    r = np.linalg.norm(W, axis=1)
    if np.any(r == 0):
        raise ValueError(f"W has {int(np.sum(r == 0))} zero row(s) (zero directions); a neuron needs w ≠ 0")
    U = W / r[:, None]
    T = b / r
    A = V2 * r[:, None]
    # orientation: the sign of the first coordinate with |u_k| > 1/(2√d) (one exists)
    k = np.argmax(np.abs(U) > 0.5 / math.sqrt(d), axis=1)
    s = np.sign(U[np.arange(m), k])
    Uc = U * s[:, None]
    Tc = T * s
    flip = s < 0
    # offsets far beyond tol·2⁶² (neurons whose ‖w‖ vanished next to an O(1) bias) are
    # grouped by exact value instead of rounding, which would overflow int64
    tq = Tc / tol
    near = np.abs(tq) < 2.0 ** 62
    tkey = Tc.view(np.int64).copy()
    tkey[near] = np.rint(tq[near]).astype(np.int64)
    keys = np.concatenate([np.rint(Uc / tol).astype(np.int64), tkey[:, None], near[:, None]], axis=1)
    first, inv = _group_rows(keys)
    K = len(first)
    Ap = np.zeros((K, D))
    Am = np.zeros((K, D))
    np.add.at(Ap, inv[~flip], A[~flip])
    np.add.at(Am, inv[flip], A[flip])
    has_plus = np.zeros(K, dtype=bool)
    has_plus[inv[~flip]] = True
    Ug, Tg = Uc[first], Tc[first]
    # both orientations: keep +, coefficient a + a', affine −a'(uᵀx − t)
    both = has_plus & np.any(Am != 0, axis=1)
    C -= Ug[both].T @ Am[both]
    c0 += Tg[both] @ Am[both]
    coef = np.where(has_plus[:, None], Ap + Am, Am)
    Uo = np.where(has_plus[:, None], Ug, -Ug)
    To = np.where(has_plus, Tg, -Tg)
    keep = np.ones(K, dtype=bool)
    if domain is not None:
        centre = domain._centre(d)
        z0 = Uo @ centre - To
        miss = np.abs(z0) >= domain.support(Uo)
        on = miss & (z0 > 0)
        C += Uo[on].T @ coef[on]
        c0 -= To[on] @ coef[on]
        keep &= ~miss
    keep &= np.linalg.norm(coef, axis=1) > atol
    if atol == 0:
        keep &= np.any(coef != 0, axis=1)
    return ReLUAtoms(np.ascontiguousarray(Uo[keep]), np.ascontiguousarray(To[keep]),
                     np.ascontiguousarray(coef[keep]), c0, C)


def relu_rtv(W, b, V, *, domain=None, tol: float = 1e-12) -> float:
    """Second-order Radon-domain TV of a finite ReLU network (docs/theory/rnorm.md, §5 item 11).

    ‖f‖_R = Σⱼ ‖aⱼ‖₂ over the canonical atoms (:func:`canonical_relu_atoms`); for scalar
    outputs :math:`Σ |aⱼ| = Σ |vᵢ|‖wᵢ‖` for distinct, non-antipodal neurons, :math:`|a + a′|` for an
    antipodal pair, 0 for affine functions; vector outputs use the Euclidean norm of the
    output weight (the vector-valued variation norm of arXiv 2305.16534 with unregularised
    bias).  With a domain, neurons that are affine on it cost nothing (arXiv 2506.20779,
    Example 3.1, [paper]).

    Examples
    --------
    Unit neuron ⇒ 1; the scaling law ‖f(·/s)‖ = ‖f‖/s:

    >>> relu_rtv([[0.6, 0.8]], [0.3], [1.0])
    1.0
    >>> relu_rtv([[0.6 / 4, 0.8 / 4]], [0.3], [1.0])
    0.25
    """
    at = canonical_relu_atoms(W, b, V, domain=domain, tol=tol)
    return float(np.sum(np.linalg.norm(at.weights, axis=1)))


# ---------------------------------------------------------------------------------------
# weighted variation
# ---------------------------------------------------------------------------------------

def weighted_variation(directions, offsets, weights, g) -> float:
    """:math:`|f|_{V_g} = Σⱼ ‖aⱼ‖ g(uⱼ, tⱼ)` for distinct canonical atoms (arXiv 2506.20779, Ex. 3.1).

    Parameters
    ----------
    directions : (K, d) unit vectors;  offsets : (K,);  weights : (K,) or (K, D)
        Canonical atoms, e.g. from :func:`canonical_relu_atoms` with the domain.
    g : callable
        Vectorised weight g(U (K, d), T (K,)) → (K,), finite and ≥ 0.  g ≡ 1 gives the
        unweighted variation (Bach's variation norm, = the path norm after
        canonicalisation).

    Examples
    --------
    >>> weighted_variation([[1.0, 0.0]], [0.5], [2.0], stable_weight)   # 2 (1 − 0.5)^{2+2}
    0.125
    """
    U = as_float_array(directions, "directions", ndim=2, allow_empty=True)
    T = as_float_array(offsets, "offsets", ndim=1, allow_empty=True)
    A = as_float_array(weights, "weights", ndim=(1, 2), allow_empty=True)
    if T.shape[0] != U.shape[0] or A.shape[0] != U.shape[0]:
        raise ValueError(f"directions {U.shape}, offsets {T.shape} and weights {A.shape} must have the same length")
    if not callable(g):
        raise TypeError(f"g must be a callable g(u, t), got {type(g).__name__}")
    if U.shape[0] == 0:
        return 0.0
    gv = np.asarray(g(U, T), dtype=np.float64)
    if gv.shape != T.shape:
        raise ValueError(f"g(u, t) must return shape {T.shape}, got {gv.shape}")
    if not np.all(np.isfinite(gv)) or np.any(gv < 0):
        raise ValueError("g(u, t) must be finite and non-negative")
    a = np.abs(A) if A.ndim == 1 else np.linalg.norm(A, axis=1)
    return float(a @ gv)


def stable_weight(U, T) -> np.ndarray:
    """The canonical weight :math:`g(u, t) = (1 − |t|)₊^{d+2}` of arXiv 2506.20779 (unit ball).

    [paper] Liang, Qiao, Wang, Parhi: for data uniform on the unit ball the
    data-dependent weight satisfies :math:`g ≍ (1 − |t|)^{d+2}` as :math:`|t| → 1` and the theorems use
    this canonical form (docs/theory/flat_minima.md).  Vectorised over U (K, d), T (K,).
    """
    U = as_float_array(U, "U", ndim=(1, 2), allow_empty=True)
    T = as_float_array(T, "T", ndim=(0, 1), allow_empty=True)
    if U.ndim == 2 and T.shape != (U.shape[0],):
        raise ValueError(f"T must have one offset per row of U ({U.shape[0]}), got shape {T.shape}")
    d = U.shape[-1]
    return np.maximum(1.0 - np.abs(T), 0.0) ** (d + 2)


def data_weight(X, *, chunk: int = 256):
    """Data-dependent weight of arXiv 2506.20779 from a sample X (N, d); returns g(U, T).

    g(u, t) = min{g̃(u, t), g̃(−u, −t)} with, for X uniform over the sample,

        :math:`g̃(u, t) = P(Xᵀu > t)² · E[Xᵀu − t | Xᵀu > t] · √(1 + ‖E[X | Xᵀu > t]‖²)`

    and g̃ = 0 when no sample point lies in {Xᵀu > t}.

    Provenance: the min-symmetrisation and the 1-D form g₊(x) = Q(x)² (E(x) − x)
    √(1 + E(x)²) (their Prop. E.4) are [paper]; the multivariate g̃ above is
    [unverified] (the paper's display was lost in the only available copy; it reduces to
    Prop. E.4 for d = 1 and reproduces the :math:`(1 − |t|)^{d+2}` decay for uniform data on the
    ball, docs/theory/flat_minima.md).

    Examples
    --------
    >>> X = np.array([[-1.0], [0.0], [1.0], [2.0]])
    >>> g = data_weight(X)
    >>> u, t = np.array([[1.0]]), np.array([0.5])
    >>> gt_plus = 0.5 ** 2 * 1.0 * math.sqrt(1 + 1.5 ** 2)    # {x > 0.5} = {1, 2}
    >>> gt_minus = 0.5 ** 2 * 1.0 * math.sqrt(1 + 0.5 ** 2)   # {x < 0.5} = {-1, 0}
    >>> bool(np.isclose(g(u, t)[0], min(gt_plus, gt_minus), rtol=1e-15))
    True
    """
    X = as_float_array(X, "X", ndim=2)
    chunk = check_int(chunk, "chunk", minimum=1)
    N, d = X.shape

    def gtilde(U, T):
        out = np.empty(len(T))
        for i0 in range(0, len(T), chunk):
            Ub, Tb = U[i0:i0 + chunk], T[i0:i0 + chunk]
            Z = X @ Ub.T - Tb[None, :]
            mask = Z > 0
            cnt = mask.sum(axis=0)
            safe = np.maximum(cnt, 1)
            e1 = np.where(mask, Z, 0.0).sum(axis=0) / safe
            ex = (mask.T.astype(np.float64) @ X) / safe[:, None]
            val = (cnt / N) ** 2 * e1 * np.sqrt(1.0 + np.sum(ex * ex, axis=1))
            out[i0:i0 + chunk] = np.where(cnt > 0, val, 0.0)
        return out

    def g(U, T):
        U = as_float_array(U, "u", ndim=2)
        T = as_float_array(T, "t", ndim=1)
        if U.shape[1] != d or T.shape[0] != U.shape[0]:
            raise ValueError(f"g(u, t) needs u ({len(T)}, {d}) and t ({len(T)},), got {U.shape}, {T.shape}")
        return np.minimum(gtilde(U, T), gtilde(-U, -T))

    return g
