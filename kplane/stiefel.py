"""Geometry of the Stiefel manifold V_n(ℝᵈ) of normal frames.

Conventions (docs/theory/conventions.md): a k-plane is {x : Θᵀx = t} with Θ ∈ V_n(ℝᵈ) a d×n matrix with
orthonormal columns (the *normal frame*), n = d − k the codimension, t ∈ ℝⁿ.  Two
measures on V_n(ℝᵈ) appear in the papers and are selected explicitly:

``"probability"``
    the O(d)-invariant (Haar) probability measure σ, total mass 1;
``"surface"``
    the fibration measure (first column on S^{d−1}, the second on the great sphere
    orthogonal to it, ...), total mass :math:`Vol V_n(ℝᵈ) = ∏_{i=d−n+1}^{d} |S^{i−1}|`
    (James' formula); for n = 1 this is the area of the sphere S^{d−1}.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import qmc

from ridgekit._validation import (
    as_float_array,
    as_generator,
    check_choice,
    check_int,
    check_orthonormal_frames,
    check_size,
)

__all__ = [
    "MEASURES",
    "sphere_area",
    "ball_volume",
    "stiefel_volume",
    "measure_mass",
    "stiefel_sample",
    "stiefel_quadrature",
    "frames_from_angles",
    "complete_frame",
]

#: The two normalisations of the measure on V_n(ℝᵈ).
MEASURES = ("probability", "surface")


def sphere_area(m: int) -> float:
    """Area :math:`|S^{m−1}| = 2 π^{m/2} / Γ(m/2)` of the unit sphere in :math:`ℝᵐ (m ≥ 1; |S⁰| = 2)`."""
    m = check_int(m, "m", minimum=1)
    if m <= 300:
        return 2.0 * math.pi ** (m / 2) / math.gamma(m / 2)
    # through log Γ: Γ(m/2) overflows for m > 343 while the area itself underflows to 0
    return math.exp(math.log(2.0) + 0.5 * m * math.log(math.pi) - math.lgamma(m / 2))


def ball_volume(m: int) -> float:
    """Volume V_m = π^{m/2} / Γ(m/2 + 1) of the unit ball in ℝᵐ (m ≥ 0; V_0 = 1)."""
    m = check_int(m, "m", minimum=0)
    if m <= 300:
        return math.pi ** (m / 2) / math.gamma(m / 2 + 1)
    return math.exp(0.5 * m * math.log(math.pi) - math.lgamma(m / 2 + 1))


def stiefel_volume(d: int, n: int) -> float:
    """Total mass of the fibration ("surface") measure on V_n(ℝᵈ).

    :math:`Vol V_n(ℝᵈ) = ∏_{i=d−n+1}^{d} |S^{i−1}| = 2ⁿ π^{dn/2} / Γ_n(d/2)` (James, 1954), the
    product of the areas of the spheres swept by the successive columns.  For n = 1 it
    is :math:`|S^{d−1}|`; for n = d it is the volume of O(d).

    Examples
    --------
    >>> import math
    >>> round(stiefel_volume(3, 1) / (4 * math.pi), 12)   # the 2-sphere
    1.0
    >>> round(stiefel_volume(3, 2) / (4 * math.pi * 2 * math.pi), 12)   # S² × S¹
    1.0
    """
    d = check_int(d, "d", minimum=1)
    n = check_int(n, "n", minimum=1, maximum=d)
    return float(np.prod([sphere_area(i) for i in range(d - n + 1, d + 1)]))


def measure_mass(d: int, n: int, measure: str) -> float:
    """Total mass of ``measure`` (``"probability"`` → 1, ``"surface"`` → Vol V_n(ℝᵈ))."""
    check_choice(measure, "measure", MEASURES)
    d = check_int(d, "d", minimum=1)
    n = check_int(n, "n", minimum=1, maximum=d)
    return 1.0 if measure == "probability" else stiefel_volume(d, n)


def _haar_from_gaussian(G: np.ndarray) -> np.ndarray:
    """Map Gaussian d×n matrices to Haar frames: Q of the QR factorisation, with the
    column signs fixed by sign(diag R) so the map is equivariant and the law exact."""
    Q, R = np.linalg.qr(G)
    s = np.sign(np.diagonal(R, axis1=-2, axis2=-1))
    s[s == 0] = 1.0
    return Q * s[..., None, :]


def stiefel_sample(d: int, n: int, size: int, rng=None) -> np.ndarray:
    """Exact samples from the Haar probability measure on V_n(ℝᵈ).

    Parameters
    ----------
    d, n : int
        Ambient dimension and number of columns (1 ≤ n ≤ d).
    size : int
        Number of frames.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    frames : ndarray, shape (size, d, n)
        Orthonormal columns.  For a d×n matrix G with i.i.d. standard normal entries
        and G = QR with diag(R) > 0, Q is Haar distributed (Mezzadri 2007): this is the
        construction used.

    Examples
    --------
    >>> Th = stiefel_sample(5, 2, 3, rng=0)
    >>> Th.shape
    (3, 5, 2)
    >>> bool(np.allclose(np.einsum("mdi,mdj->mij", Th, Th), np.eye(2)))
    True
    """
    d = check_int(d, "d", minimum=1)
    n = check_int(n, "n", minimum=1, maximum=d)
    size = check_int(size, "size", minimum=0)
    check_size(3 * size * d * n, "stiefel_sample(size) (the samples and their QR work space)")
    G = as_generator(rng).standard_normal((size, d, n))
    return np.ascontiguousarray(_haar_from_gaussian(G))


def frames_from_angles(theta) -> np.ndarray:
    """Unit normals ξ = (cos θ, sin θ) in ℝ² as frames of shape (m, 2, 1); θ in radians."""
    th = as_float_array(theta, "theta", ndim=(0, 1)).ravel()
    return np.ascontiguousarray(np.stack([np.cos(th), np.sin(th)], axis=1)[:, :, None])


def complete_frame(U: np.ndarray) -> np.ndarray:
    """Orthonormal completions: for U (m, d, k) with orthonormal columns return Θ (m, d, d−k)
    with orthonormal columns spanning the orthogonal complement of span U.  A (m, d)
    array is read as m unit vectors (k = 1)."""
    U = check_orthonormal_frames(U, "U", atol=1e-8)
    m, d, k = U.shape
    out = np.empty((m, d, d - k))
    for i in range(m):
        q, _ = np.linalg.qr(np.concatenate([U[i], np.eye(d)], axis=1))
        out[i] = q[:, k:d]
    return out


def _fibonacci_sphere(m: int) -> np.ndarray:
    """Spherical Fibonacci lattice: m quasi-uniform points on S² (equal weights)."""
    i = np.arange(m) + 0.5
    z = 1.0 - 2.0 * i / m
    phi = np.pi * (3.0 - np.sqrt(5.0)) * i
    r = np.sqrt(np.maximum(0.0, 1.0 - z * z))
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


_RULES = ("auto", "uniform", "half", "fibonacci", "qmc", "random")


def stiefel_quadrature(d: int, n: int, size: int, *, rule: str = "auto", rng=None,
                       measure: str = "probability"):
    """Quadrature nodes and weights for integrals over V_n(ℝᵈ).

    ∫_{V_n} h(Θ) dμ(Θ) ≈ Σ_j w_j h(Θ_j), with Σ_j w_j equal to the mass of ``measure``.

    Parameters
    ----------
    d, n : int
        Ambient dimension and codimension (1 ≤ n ≤ d − 1).
    size : int
        Number of nodes.
    rule : {"auto", "uniform", "half", "fibonacci", "qmc", "random"}
        ``"uniform"`` (d = 2): angles 2πj/m on the full circle, the trapezoidal rule,
        exact for trigonometric polynomials of degree < m and spectrally accurate for
        smooth integrands.  ``"half"`` (d = 2): angles πj/m on [0, π), the same accuracy
        for *even* (isotropic) integrands h(−ξ) = h(ξ), which is all that k-plane
        transforms produce; this is scikit-image's choice.  ``"fibonacci"`` (d = 3): a
        spherical Fibonacci lattice of plane normals (n = 1) or line directions
        (n = 2, the frame is an orthonormal completion); equal weights; for smooth
        integrands its error decays like O(m^{-3/4}) or faster (measured in
        ``tests/test_stiefel.py``).  Integrands that are O(n)-invariant (isotropic, as
        in the range of a k-plane transform) depend only on the plane, so one frame per
        plane suffices.  ``"qmc"``: scrambled Sobol points mapped to Haar frames through
        the Gaussian inverse CDF and the sign-fixed QR (randomised quasi-Monte Carlo,
        unbiased, error typically well below Monte Carlo for smooth integrands).
        ``"random"``: i.i.d. Haar samples, unbiased with error O(m^{-1/2}).  ``"auto"``
        picks ``"half"`` for d = 2, ``"fibonacci"`` for d = 3 and ``"qmc"`` otherwise.
    rng : None, int or Generator
        Used by the randomised rules.
    measure : {"probability", "surface"}

    Returns
    -------
    frames : ndarray (size, d, n)
    weights : ndarray (size,)
    """
    d = check_int(d, "d", minimum=2)
    n = check_int(n, "n", minimum=1, maximum=d - 1)
    size = check_int(size, "size", minimum=1)
    check_choice(rule, "rule", _RULES)
    mass = measure_mass(d, n, measure)
    if rule == "auto":
        rule = "half" if d == 2 else ("fibonacci" if d == 3 else "qmc")
    if rule in ("uniform", "half"):
        if d != 2:
            raise ValueError(f"rule={rule!r} is for d = 2 only, got d = {d}; "
                             "use 'fibonacci' (d = 3), 'qmc' or 'random'")
        span = 2 * np.pi if rule == "uniform" else np.pi
        frames = frames_from_angles(span * np.arange(size) / size)
    elif rule == "fibonacci":
        if d != 3:
            raise ValueError(f"rule='fibonacci' is for d = 3 only, got d = {d}; use 'qmc' or 'random'")
        pts = _fibonacci_sphere(size)
        frames = pts[:, :, None] if n == 1 else complete_frame(pts[:, :, None])
    elif rule == "qmc":
        sob = qmc.Sobol(d * n, scramble=True, seed=as_generator(rng))
        u = sob.random_base2(int(np.ceil(np.log2(size))))[:size]  # first `size` of 2^m points
        from scipy.special import ndtri
        G = ndtri(np.clip(u, 1e-16, 1 - 1e-16)).reshape(size, d, n)
        frames = _haar_from_gaussian(G)
    else:
        frames = stiefel_sample(d, n, size, rng=rng)
    weights = np.full(size, mass / size)
    return np.ascontiguousarray(frames), weights
