"""Gaussian RKHS norms and the RKHS / neural-network gap (Kumar, Parhi, Belkin, arXiv 2502.16331).

Kernel :math:`k(x, y) = exp(−|x − y|²/(2σ²))`.  A finite sum of Gaussians f = Σⱼ cⱼ k(·, xⱼ) has
RKHS norm ‖f‖²_H = cᵀKc, K = (k(xᵢ, xⱼ)) (reproducing property).

**[unverified construction]** Only the abstract of 2502.16331 was readable (docs/theory/rnorm.md
§Gaussian RKHS gap); the paper's own construction could not be checked.  Implemented here is the
construction of docs/theory/rnorm.md §Gaussian RKHS gap: centres xⱼ = j L e₁ (spacing L ≫ σ), coefficients
cⱼ = 1/j, j = 1..N.  What is mathematically true of it, and tested:

* ‖f_N‖²_H = cᵀKc ≤ λ_max(K) Σ cⱼ² ≤ (1 + 2Σ_{k≥1} e^{−k²L²/(2σ²)}) π²/6 (Gershgorin):
  bounded uniformly in N;
* :math:`‖f_N‖_R ≤ Σ|cⱼ| ‖k(·, 0)‖_R = H_N ‖k‖_R` (triangle inequality, translation
  invariance), and ‖f_N‖_R → H_N ‖k‖_R·(1 + o(1)) as L → ∞ (separated bumps), with
  H_N = Σ 1/j ~ log N: the R-norm grows without bound while the RKHS norm stays bounded.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from ridgekit._validation import as_float_array, check_int, check_positive
from ridgekit.kplane.stiefel import stiefel_quadrature
from ridgekit.radon.norms import gaussian_rtv_profile, radon_constant, rtv_gaussian

__all__ = ["gaussian_kernel", "gaussian_rkhs_norm", "rtv_gaussian_sum", "rkhs_gap_sequence",
           "rkhs_gap_table", "plot_rkhs_gap"]


def gaussian_kernel(X, Y, sigma: float = 1.0) -> np.ndarray:
    """:math:`k(x, y) = exp(−|x − y|²/(2σ²))` for rows of X (N, d) and Y (M, d); shape (N, M)."""
    X = as_float_array(X, "X", ndim=2)
    Y = as_float_array(Y, "Y", ndim=2)
    sigma = check_positive(sigma, "sigma")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must have the same dimension, got {X.shape} and {Y.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        sq = np.sum(X ** 2, 1)[:, None] + np.sum(Y ** 2, 1)[None, :] - 2 * X @ Y.T
    if not np.all(np.isfinite(sq)):
        # huge coordinates: squared distances from the differences (an overflow there is a
        # true +inf distance, whose kernel value 0 is exact)
        from scipy.spatial.distance import cdist
        with np.errstate(over="ignore"):
            sq = cdist(X, Y, "sqeuclidean")
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(-np.maximum(sq, 0.0) / (2 * sigma ** 2))


def gaussian_rkhs_norm(centers, coefs, sigma: float = 1.0) -> float:
    """‖Σⱼ cⱼ k(·, xⱼ)‖_H = √(cᵀKc) in the RKHS of the Gaussian kernel of width σ.

    Examples
    --------
    One Gaussian has norm :math:`|c|`; two far-apart Gaussians are nearly orthogonal:

    >>> gaussian_rkhs_norm([[0.0, 0.0]], [-3.0])
    3.0
    >>> round(gaussian_rkhs_norm([[0.0], [100.0]], [3.0, 4.0]), 12)
    5.0
    """
    Xc = as_float_array(centers, "centers", ndim=2)
    c = as_float_array(coefs, "coefs", ndim=1)
    if len(c) != len(Xc):
        raise ValueError(f"coefs must have {len(Xc)} entries, got {len(c)}")
    scale = float(np.max(np.abs(c)))
    if scale == 0.0:
        return 0.0
    cs = c / scale  # cᵀKc overflows for |c| ~ 1e155 while the norm does not
    q = float(cs @ gaussian_kernel(Xc, Xc, sigma) @ cs)
    out = scale * math.sqrt(max(q, 0.0))
    if not math.isfinite(out):
        raise ValueError(f"coefs: the RKHS norm overflows float64 (max |coef| = {scale:g})")
    return out


def _profile_tv(d, shifts, coefs, sigma, width):
    """:math:`∫_ℝ |Σⱼ cⱼ h_σ(t − sⱼ)| dt`, h_σ(t) = σ^{−2} h(t/σ), from sign changes and H."""
    order = np.argsort(shifts)
    s, c = shifts[order], coefs[order]
    lo, hi = s[0] - width * sigma, s[-1] + width * sigma
    # sample finely around each bump (no sign change far from all centres for odd d;
    # for even d the sum of algebraic tails between bumps is also sampled)
    grid = np.unique(np.concatenate([np.linspace(sj - width * sigma, sj + width * sigma, 1201) for sj in s]
                                    + [np.linspace(lo, hi, 4001)]))

    def h(t):
        t = np.atleast_1d(t)
        return (gaussian_rtv_profile(d, (t[:, None] - s[None, :]) / sigma) @ c) / sigma ** 2

    def H(t):
        t = np.atleast_1d(t)
        return (gaussian_rtv_profile(d, (t[:, None] - s[None, :]) / sigma, derivative=1) @ c) / sigma

    vals = h(grid)
    noise = 1e-13 * np.max(np.abs(vals))
    vals = np.where(np.abs(vals) <= noise, 0.0, vals)
    nz = np.nonzero(vals)[0]
    change = np.sign(vals[nz[:-1]]) != np.sign(vals[nz[1:]])
    zeros = [optimize.brentq(lambda x: float(h(x)[0]), grid[i], grid[j], xtol=1e-13)
             for i, j in zip(nz[:-1][change], nz[1:][change])]
    Hv = np.concatenate([[0.0], H(np.array(zeros)) if zeros else [], [0.0]])
    return float(np.sum(np.abs(np.diff(Hv))))


def rtv_gaussian_sum(centers, coefs, sigma: float = 1.0, *, n_directions: int = 64, rng=0) -> float:
    """R-norm of :math:`f = Σⱼ cⱼ exp(−|x − xⱼ|²/(2σ²))` on ℝᵈ.

    :math:`‖f‖_R = γ_d ∫_{S^{d−1}} ∫_ℝ |Σⱼ cⱼ h_σ(t − ξᵀxⱼ)| dt dξ` (surface measure), with h the
    filtered second derivative of the Gaussian's Radon profile
    (:func:`radon.norms.gaussian_rtv_profile`; docs/theory/rnorm.md).  The inner integral is
    exact up to root finding; the outer one is exact for d = 1 (S⁰ = {±1}) and uses
    :func:`kplane.stiefel.stiefel_quadrature` (d = 2: uniform half circle; d = 3:
    Fibonacci; else QMC) otherwise.

    Examples
    --------
    One Gaussian: the radial closed form.

    >>> bool(np.isclose(rtv_gaussian_sum([[0.0, 0.0]], [1.0]), rtv_gaussian(2), rtol=1e-10))
    True
    """
    Xc = as_float_array(centers, "centers", ndim=2)
    c = as_float_array(coefs, "coefs", ndim=1)
    sigma = check_positive(sigma, "sigma")
    if len(c) != len(Xc):
        raise ValueError(f"coefs must have {len(Xc)} entries, got {len(c)}")
    d = Xc.shape[1]
    if d == 1:
        xi, w = np.array([[1.0], [-1.0]]), np.array([1.0, 1.0])
    else:
        fr, w = stiefel_quadrature(d, 1, check_int(n_directions, "n_directions", minimum=1),
                                   measure="surface", rng=rng)
        xi = fr[:, :, 0]
    width = 40.0 if d % 2 == 0 else 12.0
    total = sum(wk * _profile_tv(d, Xc @ x, c, sigma, width) for x, wk in zip(xi, w))
    return radon_constant(d) * total


def rkhs_gap_sequence(N: int, *, d: int = 1, spacing: float = 10.0, sigma: float = 1.0):
    """Centres and coefficients of f_N = Σ_{j≤N} (1/j) k(·, j·spacing·e₁) [unverified construction].

    Returns (centers (N, d), coefs (N,)).
    """
    N = check_int(N, "N", minimum=1)
    d = check_int(d, "d", minimum=1)
    spacing = check_positive(spacing, "spacing")
    centers = np.zeros((N, d))
    centers[:, 0] = spacing * np.arange(1, N + 1)
    return centers, 1.0 / np.arange(1, N + 1)


def rkhs_gap_table(Ns=(1, 2, 4, 8, 16, 32, 64), *, d: int = 1, spacing: float = 10.0,
                   sigma: float = 1.0, n_directions: int = 32) -> dict:
    """Table of the gap demonstration: RKHS norm bounded, R-norm ~ H_N ‖k‖_R unbounded.

    Returns a dict of arrays: "N", "rkhs_norm", "rtv" (computed R-norm), "rtv_upper"
    (H_N ‖k‖_R, the triangle-inequality bound), "harmonic" (H_N) and the scalar
    "rkhs_bound" (the Gershgorin bound on ‖f_N‖_H).

    Examples
    --------
    >>> tab = rkhs_gap_table((1, 4), spacing=20.0)
    >>> bool(np.all(tab["rkhs_norm"] <= tab["rkhs_bound"]))
    True
    >>> bool(np.allclose(tab["rtv"], tab["rtv_upper"], rtol=1e-8))   # separated bumps add up
    True
    """
    Ns = np.asarray([check_int(int(n), "N", minimum=1) for n in Ns])
    rk, rt, up, hn = [], [], [], []
    norm_k = rtv_gaussian(d, sigma)
    for N in Ns:
        X, c = rkhs_gap_sequence(int(N), d=d, spacing=spacing, sigma=sigma)
        rk.append(gaussian_rkhs_norm(X, c, sigma))
        rt.append(rtv_gaussian_sum(X, c, sigma, n_directions=n_directions))
        hn.append(float(np.sum(np.abs(c))))
        up.append(hn[-1] * norm_k)
    k = np.arange(1, 200)
    bound = math.sqrt((1 + 2 * np.sum(np.exp(-(k * spacing) ** 2 / (2 * sigma ** 2)))) * math.pi ** 2 / 6)
    return {"N": Ns, "rkhs_norm": np.array(rk), "rtv": np.array(rt), "rtv_upper": np.array(up),
            "harmonic": np.array(hn), "rkhs_bound": bound}


def plot_rkhs_gap(ax=None, table=None, **kwargs):
    """Plot :func:`rkhs_gap_table` (matplotlib is imported here only); returns the axes."""
    import matplotlib.pyplot as plt

    tab = rkhs_gap_table(**kwargs) if table is None else table
    if ax is None:
        _, ax = plt.subplots()
    ax.semilogx(tab["N"], tab["rkhs_norm"], "o-", label="Gaussian RKHS norm")
    ax.semilogx(tab["N"], tab["rtv"], "s-", label="Radon-domain TV (R-norm)")
    ax.semilogx(tab["N"], tab["rtv_upper"], "k--", label=r"$H_N\,\|k\|_R$")
    ax.axhline(tab["rkhs_bound"], color="grey", lw=0.8, label="RKHS bound")
    ax.set_xlabel("number of centres N")
    ax.set_ylabel("norm")
    ax.legend()
    return ax
