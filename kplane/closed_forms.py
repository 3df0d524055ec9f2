"""Closed forms of the k-plane transform, its dual and its constants (numeric).

Conventions (docs/theory/conventions.md): d is the ambient dimension, k the
plane dimension (1 ≤ k ≤ d − 1) and n = d − k the codimension.  A k-plane is
{x : Θᵀx = t} with Θ ∈ V_n(ℝᵈ) a (d, n) matrix with orthonormal columns (the normal
frame) and t ∈ ℝⁿ.

* R_k f(Θ, t) = ∫_{ℝᵏ} f(Θt + Θ_⊥ s) ds (Θ_⊥ any orthonormal completion);
* R_k* g(x) = ∫_{V_n} g(Θ, Θᵀx) dμ(Θ), with μ the Haar probability measure
  (``measure="probability"``, mass 1) or the fibration measure (``"surface"``, mass
  M = Vol V_n(ℝᵈ) = :func:`kplane.stiefel.stiefel_volume`); a backprojection with a
  measure of mass M is M times the probability one;
* f̂(ξ) = ∫ f(x) e^{−i⟨ξ,x⟩} dx; the inversion filter is K = (−Δ_t)^{k/2} on ℝⁿ
  (multiplier :math:`|w|^k`).

Every formula here is from arXiv 2310.01233 (Parhi & Unser) in the convention above, as
derived in docs/theory/kplane.md §Inversion and §Closed forms and §5, and checked in
``tests/test_closed_forms.py`` against mpmath quadrature at 30 digits.  The sympy versions
are in :mod:`kplane.symbolic`.

Offsets and frames (all transforms of this module)
--------------------------------------------------
``frames`` has shape (m, d, n); a 2-D array is read as m unit normals (m, d) (n = 1,
k = d − 1) or as one frame (d, n) (n = d − k), whichever fits ``k`` (and ``d`` when given).
If both shapes fit, unit rows mean unit normals (the rows of a (d, n) frame, n < d, cannot
all be unit vectors), so the reading is never silently wrong.  ``t`` is a *shared grid* of offsets of shape (..., n)
(for n = 1: any shape (...) of scalars) and the result has shape (m, ...), or (...) for a
single (d, n) frame.  With ``paired=True``, ``t`` has shape (m, ..., n) (n = 1: (m, ...))
and frame i is evaluated at the offsets t[i] only; the result then has shape (m, ...).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy import integrate, special

from ridgekit._validation import as_float_array, check_choice, check_int, check_orthonormal_frames, check_positive

from .stiefel import MEASURES, ball_volume, measure_mass, sphere_area

__all__ = [
    "inversion_constant",
    "normal_multiplier",
    "gaussian_transform",
    "ball_transform",
    "radial_transform",
    "gaussian_backprojection",
    "ball_backprojection",
    "filtered_gaussian_transform",
    "gaussian_fourier",
]


# ----------------------------------------------------------------------------- helpers
def _check_dk(d, k):
    d = check_int(d, "d", minimum=2)
    k = check_int(k, "k", minimum=1, maximum=d - 1)
    return d, k


def _check_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _frames(frames, k, d):
    """Validate frames against k (and d); return (Θ (m, d, n), single, d, n)."""
    k = check_int(k, "k", minimum=1)
    if d is not None:
        d = check_int(d, "d", minimum=2)
        check_int(k, "k", minimum=1, maximum=d - 1)
    arr = as_float_array(frames, "frames", ndim=(2, 3))
    single = False
    if arr.ndim == 2:
        a, b = arr.shape
        as_units = (d is None or d == b) and b - 1 == k
        as_single = (d is None or d == a) and a - b == k
        if as_units and as_single:
            # both shapes fit; the rows of a (d, n) frame with n < d cannot all be unit
            # vectors (their squared norms sum to n), so unit rows mean unit normals
            as_single = not np.allclose(np.einsum("ij,ij->i", arr, arr), 1.0, rtol=0, atol=1e-10)
            as_units = not as_single
        if as_single:
            arr, single = arr[None], True
        elif as_units:
            arr = arr[:, :, None]
        else:
            raise ValueError(f"frames of shape {arr.shape} fit neither m unit normals (m, d) with k = d - 1 nor "
                             f"one frame (d, n) with n = d - k, for k = {k}" + ("" if d is None else f", d = {d}"))
    m, dd, nn = arr.shape
    if d is not None and dd != d:
        raise ValueError(f"frames must have shape (m, {d}, n) for d = {d}, got {arr.shape}")
    if k > dd - 1:
        raise ValueError(f"k must be <= d - 1 = {dd - 1} for frames in R^{dd}, got k = {k}")
    if nn != dd - k:
        raise ValueError(f"frames have n = {nn} column(s) but k = {k} in R^{dd} needs n = d - k = {dd - k}")
    arr = check_orthonormal_frames(arr, "frames", d=dd, n=nn)
    return arr, single, dd, nn


def _center(center, d):
    if center is None:
        return np.zeros(d)
    c = as_float_array(center, "center", ndim=1)
    if c.shape != (d,):
        raise ValueError(f"center must have shape ({d},), got {c.shape}")
    return c


def _offsets(t, n, name="t"):
    """Return (points (..., n), shape (...)) for offsets t under the module's rule."""
    arr = as_float_array(t, name).reshape(np.shape(t))      # keep 0-d input 0-d
    if n == 1:
        return arr[..., None], arr.shape
    if arr.ndim == 0 or arr.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., n) with n = d - k = {n}, got shape {arr.shape}")
    return arr, arr.shape[:-1]


def _plane_distance_sq(frames, t, *, k, d, center, paired):
    """:math:`|t − Θᵀa|²` for every frame and offset, shaped as documented in the module."""
    Th, single, d, n = _frames(frames, k, d)
    a = _center(center, d)
    pts, tshape = _offsets(t, n)
    proj = np.einsum("mdn,d->mn", Th, a)                       # Θᵀa, (m, n)
    m = Th.shape[0]
    if paired and not single:
        if len(tshape) == 0 or tshape[0] != m:
            raise ValueError(f"t must have shape (m, ..., n) with m = {m} frames when paired=True, "
                             f"got shape {np.shape(t)}")
        proj = proj.reshape((m,) + (1,) * (len(tshape) - 1) + (n,))
        diff = pts - proj
    else:
        proj = proj.reshape((m,) + (1,) * len(tshape) + (n,))
        diff = pts[None] - proj
    sq = np.einsum("...i,...i->...", diff, diff)
    return (sq[0] if single else sq), k


def _norms(value, name):
    arr = as_float_array(value, name).reshape(np.shape(value))
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (a norm), got minimum {arr.min()!r}")
    return arr


def _points_sq(x, d, name="x"):
    arr = as_float_array(x, name).reshape(np.shape(x))
    if arr.ndim == 0 or arr.shape[-1] != d:
        raise ValueError(f"{name} must have shape (..., d) with d = {d}, got shape {arr.shape}")
    return np.einsum("...i,...i->...", arr, arr)


# --------------------------------------------------------------------------- constants
def inversion_constant(d, k, measure="probability"):
    r"""Constant c of the filtered backprojection f = c R_k* (−Δ_t)^{k/2} R_k f.

    :math:`c_{d,k} = Γ((d−k)/2) / ((4π)^{k/2} Γ(d/2)) = |S^{d−1}| / (|S^{n−1}| (2π)^k)` for the
    Haar probability measure; for ``measure="surface"`` (mass M = Vol V_n(ℝᵈ)) it is
    c_{d,k} / M.  Source: 2310.01233 / derived in docs/theory/kplane.md §Inversion (it
    matches Helgason's k-plane inversion formula), checked in the tests against mpmath.

    Parameters
    ----------
    d, k : int
        Ambient and plane dimension, 1 ≤ k ≤ d − 1.
    measure : {"probability", "surface"}
        Measure of the backprojection.

    Returns
    -------
    float

    Examples
    --------
    The Radon transform in ℝ³ (k = 2) with the probability measure has c = 1/(2π); with
    the surface measure on S² the classical 1/(8π²):

    >>> import math
    >>> round(inversion_constant(3, 2) * 2 * math.pi, 14)
    1.0
    >>> round(inversion_constant(3, 2, "surface") * 8 * math.pi ** 2, 14)
    1.0
    """
    d, k = _check_dk(d, k)
    check_choice(measure, "measure", MEASURES)
    n = d - k
    c = 1.0 / ((4.0 * math.pi) ** (k / 2) * float(special.poch(n / 2, k / 2)))   # Γ(d/2)/Γ(n/2) = (n/2)_{k/2}
    return float(c / measure_mass(d, n, measure))


def normal_multiplier(xi_norm, d, k, measure="probability"):
    r"""Fourier multiplier of the normal operator R_k* R_k: :math:`C_{d,k} M |ξ|^{−k}`.

    C_{d,k} = 1 / c_{d,k} = (4π)^{k/2} Γ(d/2) / Γ((d−k)/2), M the mass of ``measure``
    (R_k* R_k f = M C_{d,k} I_k f with I_k the Riesz potential).  Source: 2310.01233 /
    derived in docs/theory/kplane.md §Inversion from the Fourier slice theorem and the
    Stiefel polar formula §1.5; checked against mpmath in the tests.

    Parameters
    ----------
    xi_norm : array_like
        Frequencies :math:`|ξ| ≥ 0`; the multiplier is +inf at 0.
    d, k : int
    measure : {"probability", "surface"}

    Returns
    -------
    ndarray, same shape as ``xi_norm``

    Examples
    --------
    Hyperplanes in ℝ² (k = 1, probability measure): multiplier :math:`2/|ξ|`.

    >>> normal_multiplier([0.5, 1.0, 2.0], 2, 1)
    array([4., 2., 1.])
    """
    d, k = _check_dk(d, k)
    check_choice(measure, "measure", MEASURES)
    xi = _norms(xi_norm, "xi_norm")
    C = 1.0 / inversion_constant(d, k, "probability") * measure_mass(d, d - k, measure)
    with np.errstate(divide="ignore"):
        return C * np.power(xi, -float(k))


# -------------------------------------------------------------------- forward transforms
def gaussian_transform(frames, t, *, d=None, k, center=None, scale=1.0, amplitude=1.0, paired=False):
    r"""k-plane transform of a shifted, scaled Gaussian.

    For :math:`f(x) = A exp(−|x − a|² / (2s²))`,

        :math:`R_k f(Θ, t) = A (2π s²)^{k/2} exp(−|t − Θᵀa|² / (2s²))`,

    independent of the completion Θ_⊥ and isotropic: R_k f(ΘO, Oᵀt) = R_k f(Θ, t) for
    O ∈ O(n).  Source: 2310.01233 / derived in docs/theory/kplane.md §Closed forms (split
    x − a into its components along span Θ and span Θ_⊥), checked here against mpmath.

    Parameters
    ----------
    frames : array_like, shape (m, d, n), (m, d) or (d, n)
        Normal frames with orthonormal columns (see the module notes for 2-D arrays).
    t : array_like, shape (..., n), or (...) for n = 1
        Offsets; a grid shared by all frames unless ``paired``.
    d : int, optional
        Ambient dimension; only needed to disambiguate a 2-D ``frames``.
    k : int
        Plane dimension; ``frames`` must have n = d − k columns.
    center : array_like (d,), optional
        Centre a (default 0).
    scale : float > 0
        Standard deviation s.
    amplitude : float
        A.
    paired : bool
        Evaluate frame i at the offsets t[i] only.

    Returns
    -------
    ndarray, shape (m, ...) (or (...) for one (d, n) frame)

    Examples
    --------
    The transform at Θᵀa equals the Gaussian's mass over ℝᵏ, (2π s²)^{k/2}:

    >>> import numpy as np
    >>> Th = np.eye(3)[:, :1]                       # one frame, d = 3, n = 1, k = 2
    >>> v = gaussian_transform(Th, 0.5, k=2, center=[0.5, 0, 0], scale=2.0)
    >>> bool(np.isclose(v, 2 * np.pi * 4.0))
    True
    """
    s = check_positive(scale, "scale")
    A = _check_real(amplitude, "amplitude")
    sq, k = _plane_distance_sq(frames, t, k=k, d=d, center=center, paired=paired)
    return A * (2.0 * math.pi * s * s) ** (k / 2) * np.exp(-sq / (2.0 * s * s))


def ball_transform(frames, t, *, d=None, k, radius=1.0, center=None, paired=False):
    r"""k-plane transform of the indicator of a ball: the volume of the k-ball slice.

    For :math:`f = 1_{|x − a| ≤ r}`,

        :math:`R_k f(Θ, t) = V_k (r² − |t − Θᵀa|²)_+^{k/2}`,   V_k = π^{k/2} / Γ(k/2 + 1).

    Source: 2310.01233 / derived in docs/theory/kplane.md §Closed forms and §5.1 (the plane
    meets the ball in a k-ball of radius :math:`√(r² − |t − Θᵀa|²)`), checked here against mpmath.

    Parameters
    ----------
    frames, t, d, k, center, paired
        As in :func:`gaussian_transform`.
    radius : float > 0
        r.

    Returns
    -------
    ndarray, shape (m, ...) (or (...) for one (d, n) frame)

    Examples
    --------
    In ℝ³ a plane (k = 2) through the centre of the ball cuts a disc of area π r²; a line
    (k = 1) through it a chord of length 2r:

    >>> import math, numpy as np
    >>> xi = np.array([[0.0, 0.6, 0.8]])            # one unit normal, (m, d) = (1, 3)
    >>> bool(np.isclose(ball_transform(xi, 0.0, k=2, radius=1.5)[0], math.pi * 1.5 ** 2))
    True
    >>> Th = np.eye(3)[:, :2]                       # one frame (d, n) = (3, 2): a line
    >>> round(float(ball_transform(Th, [0.0, 0.0], d=3, k=1, radius=1.5)), 12)
    3.0
    """
    r = check_positive(radius, "radius")
    sq, k = _plane_distance_sq(frames, t, k=k, d=d, center=center, paired=paired)
    return ball_volume(k) * np.maximum(r * r - sq, 0.0) ** (k / 2)


def radial_transform(profile, t_norm, *, k, support=None, epsabs=1e-13, epsrel=1e-12, limit=200):
    r"""k-plane transform of a radial function :math:`f(x) = F(|x|)`, by adaptive quadrature.

        :math:`R_k f(Θ, t) = |S^{k−1}| ∫_0^∞ F(√(|t|² + s²)) s^{k−1} ds      (|S⁰| = 2)`,

    for every Θ (polar coordinates in the plane around its foot point Θt).  Source:
    2310.01233 / derived in docs/theory/kplane.md §Closed forms; each value is one call of
    :func:`scipy.integrate.quad` (QUADPACK), so the accuracy is that of ``epsabs`` and
    ``epsrel`` (about 1e-12 for smooth, fast-decaying profiles; checked in the tests).

    Parameters
    ----------
    profile : callable
        F, called with one float r ≥ 0 and returning a float.
    t_norm : array_like
        Distances :math:`|t| ≥ 0` of the planes from the origin.
    k : int ≥ 1
        Plane dimension.
    support : float, optional
        If F vanishes for r > support, integrate over :math:`s ∈ [0, √(support² − |t|²)]` only
        (needed for discontinuous profiles such as indicators).
    epsabs, epsrel, limit
        Passed to :func:`scipy.integrate.quad`.

    Returns
    -------
    ndarray, same shape as ``t_norm``

    Examples
    --------
    The Gaussian :math:`e^{−|x|²}` has :math:`R_k = π^{k/2} e^{−|t|²}` (§1.7):

    >>> import math
    >>> v = radial_transform(lambda r: math.exp(-r * r), [0.0, 1.0], k=2)
    >>> bool(abs(v[1] - math.pi * math.exp(-1.0)) < 1e-12)
    True
    """
    if not callable(profile):
        raise TypeError(f"profile must be callable F(r) -> float, got {type(profile).__name__}")
    k = check_int(k, "k", minimum=1)
    tn = _norms(t_norm, "t_norm")
    if support is not None:
        support = check_positive(support, "support")
    area = sphere_area(k)
    out = np.empty(tn.shape)
    for idx, tv in np.ndenumerate(tn):
        t2 = float(tv) ** 2

        def integrand(s, t2=t2):
            return float(profile(math.sqrt(t2 + s * s))) * s ** (k - 1)

        if support is None:
            val = integrate.quad(integrand, 0.0, math.inf, epsabs=epsabs, epsrel=epsrel, limit=limit)[0]
        elif t2 >= support ** 2:
            val = 0.0
        else:
            upper = math.sqrt((support - tv) * (support + tv))
            val = integrate.quad(integrand, 0.0, upper, epsabs=epsabs, epsrel=epsrel, limit=limit)[0]
        out[idx] = area * val
    return out


# ----------------------------------------------------------------------- backprojections
def gaussian_backprojection(x, *, d, k, measure="probability"):
    r"""Backprojection of the Gaussian :math:`g(Θ, t) = e^{−|t|²}`: :math:`R_k* g(x) = M ₁F₁(n/2; d/2; −|x|²)`.

    Under the Haar probability measure :math:`|Θᵀx|²/|x|² ~ Beta(n/2, k/2)` (the projection law),
    so :math:`R_k* g(x) = E exp(−|x|² B) = ₁F₁(n/2; d/2; −|x|²)` (Kummer's function, the moment
    generating function of the Beta law); M is the mass of ``measure``.  For d = 3,
    n = 1 it is :math:`√π erf(|x|)/(2|x|)`.  Source: 2310.01233 / derived in
    docs/theory/kplane.md §Closed forms and §5.6, checked here against mpmath quadrature
    over the Beta law and against Monte Carlo over Haar frames.  Evaluated with
    :func:`scipy.special.hyp1f1` (relative error ≲ 1e-14, measured in the tests).

    Parameters
    ----------
    x : array_like, shape (..., d)
        Points.
    d, k : int
    measure : {"probability", "surface"}

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    >>> import math
    >>> v = gaussian_backprojection([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0]], d=3, k=2)
    >>> bool(abs(v[0] - 1.0) < 1e-15 and abs(v[1] - math.sqrt(math.pi) * math.erf(2.0) / 4.0) < 1e-14)
    True
    """
    d, k = _check_dk(d, k)
    check_choice(measure, "measure", MEASURES)
    n = d - k
    r2 = _points_sq(x, d)
    return measure_mass(d, n, measure) * special.hyp1f1(n / 2, d / 2, -r2)


def ball_backprojection(x, *, d, k, radius=1.0, measure="probability"):
    r"""Backprojection of the offset-ball indicator :math:`g(Θ, t) = 1_{|t| ≤ r}`.

    :math:`R_k* g(x) = M · P_Θ(|Θᵀx| ≤ r) = M · I_{min(1, r²/|x|²)}(n/2, k/2)`, with I the
    regularised incomplete Beta function (projection law Beta(n/2, k/2), as in
    :func:`gaussian_backprojection`); it is M for :math:`|x| ≤ r`: every k-plane through such an
    x is within distance r of the origin.  Source: derived here from
    docs/theory/kplane.md §Closed forms (projection law), checked against mpmath.

    Examples
    --------
    In ℝ³ with k = 2 (planes), :math:`|Θᵀx| = |x||u|` with u uniform on [−1, 1], so the value
    is :math:`r/|x|` outside the ball:

    >>> round(float(ball_backprojection([0.0, 0.0, 4.0], d=3, k=2, radius=1.0)), 14)
    0.25
    """
    d, k = _check_dk(d, k)
    check_choice(measure, "measure", MEASURES)
    r = check_positive(radius, "radius")
    n = d - k
    r2 = _points_sq(x, d)
    with np.errstate(divide="ignore"):
        z = np.where(r2 <= r * r, 1.0, (r * r) / np.where(r2 > 0, r2, 1.0))
    return measure_mass(d, n, measure) * special.betainc(n / 2, k / 2, z)


# ---------------------------------------------------------------------------- filtering
def filtered_gaussian_transform(t_norm, *, d, k):
    r"""The filtered projection :math:`(−Δ_t)^{k/2}[π^{k/2} e^{−|t|²}]` on ℝⁿ, n = d − k.

        :math:`(−Δ_t)^{k/2}[π^{k/2} e^{−|t|²}] = π^{k/2} 2^k Γ(d/2)/Γ(n/2) · ₁F₁(d/2; n/2; −|t|²)`.

    :math:`π^{k/2} e^{−|t|²} = R_k[e^{−|x|²}]`, so this is K R_k f for the Gaussian and
    c_{d,k} R_k* of it returns :math:`e^{−|x|²}`.  Derivation (docs/theory/kplane.md §Closed forms, re-checked
    here): the n-dimensional Fourier transform of :math:`π^{k/2}e^{−|t|²}` is :math:`π^{d/2}e^{−|w|²/4}`;
    the inverse transform of :math:`|w|^k π^{d/2} e^{−|w|²/4}` is radial, and the Hankel
    integral gives the Kummer function above (at t = 0 it is
    :math:`(2π)^{−n} π^{d/2} |S^{n−1}| 2^{d−1} Γ(d/2)`).  For even k it is :math:`e^{−|t|²}` times a
    polynomial (Kummer's transformation); for odd k it decays like :math:`|t|^{−d}`.  Source:
    2310.01233 / docs/theory/kplane.md §Closed forms and §5.7, checked against mpmath.

    Parameters
    ----------
    t_norm : array_like
        :math:`|t| ≥ 0`.
    d, k : int

    Returns
    -------
    ndarray, same shape as ``t_norm``

    Examples
    --------
    d = 3, k = 2 (Radon in ℝ³): π(2 − 4t²) e^{−t²}; the hand check of §1.7,
    c_{3,2} E_{u∼U[−1,1]} Kg(a u) = e^{−a²}, on a midpoint rule:

    >>> import numpy as np
    >>> t = np.array([0.0, 0.5, 1.0])
    >>> bool(np.allclose(filtered_gaussian_transform(t, d=3, k=2), np.pi * (2 - 4 * t**2) * np.exp(-t**2)))
    True
    >>> u = (np.arange(20000) + 0.5) / 20000                # E over |u| ~ U[0, 1]
    >>> rec = inversion_constant(3, 2) * filtered_gaussian_transform(0.7 * u, d=3, k=2).mean()
    >>> bool(abs(rec - np.exp(-0.49)) < 1e-8)
    True
    """
    d, k = _check_dk(d, k)
    n = d - k
    tn = _norms(t_norm, "t_norm")
    const = math.pi ** (k / 2) * 2.0 ** k * float(special.poch(n / 2, k / 2))
    return const * special.hyp1f1(d / 2, n / 2, -tn * tn)


def gaussian_fourier(xi, *, scale=1.0, amplitude=1.0):
    r"""Fourier transform of :math:`A exp(−|x|²/(2s²))` on ℝᵈ: :math:`A (2π s²)^{d/2} exp(−s²|ξ|²/2)`.

    Convention f̂(ξ) = ∫ f(x) e^{−i⟨ξ,x⟩} dx; d is the length of the last axis of ``xi``.
    With the Fourier slice theorem (docs/theory/kplane.md §Fourier slice) the n-dimensional transform of
    :func:`gaussian_transform` in t is this function at Θw.

    Examples
    --------
    >>> import math
    >>> v = gaussian_fourier([[0.0, 0.0]], scale=1.0)      # the mass, 2π, in ℝ²
    >>> bool(abs(v[0] - 2 * math.pi) < 1e-15)
    True
    """
    s = check_positive(scale, "scale")
    A = _check_real(amplitude, "amplitude")
    arr = as_float_array(xi, "xi", ndim=tuple(range(1, 33)))
    d = arr.shape[-1]
    sq = np.einsum("...i,...i->...", arr, arr)
    return A * (2.0 * math.pi * s * s) ** (d / 2) * np.exp(-0.5 * s * s * sq)
