"""Orthogonal greedy n-term approximation by a ReLU dictionary on the ball and the cube.

Context: arXiv 2307.15772 (DeVore, Nowak, Parhi, Siegel) defines weighted variation spaces
on a domain Ω, strictly larger than the classical variation space and with the same
n-term rates [paper, abstract]; its weight function could not be read
(docs/theory/weighted_variation.md).  What is implemented here is standard and stated:

* dictionary: ReLU atoms g_{u,t}(x) = [uᵀx − t]₊, ‖u‖ = 1, :math:`|t| < h_Ω(u)` (the hyperplane
  meets Ω), on a grid of directions and offsets graded towards the boundary;
* the orthogonal greedy algorithm (OGA, "orthogonal matching pursuit") in L²(Ω) with the
  uniform probability measure, discretised by N quadrature points; affine functions are
  always in the span (they cost nothing in any variation seminorm);
* certified bound [secondary: DeVore & Temlyakov 1996, Theorem for the OGA, recalled]:
  :math:`‖f − f_n‖ ≤ |f|_{V_w} (n + 1)^{−1/2}` for the variation norm with respect to the
  L²-normalised dictionary, i.e. the weighted variation with weight
  w(u, t) = ‖[uᵀ· − t]₊‖_{L²(Ω)} (:func:`atom_l2_weight`) [derived: normalising atoms is
  weighting the measure by their norms].  On the unit ball :math:`w(u, t) ≍ (1 − |t|)^{(d+5)/4}`
  as :math:`|t| → 1` (cap of height ε = 1 − t: volume ≍ ε^{(d+1)/2}, atom size ε) [derived].
* rate for the classical variation space of ReLU on a bounded domain: n^{−1/2−3/(2d)}
  (Siegel & Xu) [unverified: recalled, see docs/theory/weighted_variation.md]; 2307.15772 states that the
  weighted classes keep "the same NNA rates" [paper, abstract].
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ridgekit._validation import as_float_array, as_generator, check_int, check_positive

__all__ = [
    "GreedyResult",
    "domain_points",
    "relu_dictionary",
    "atom_l2_weight",
    "orthogonal_greedy",
    "boundary_singular_profile",
    "weighted_target",
]


class GreedyResult(NamedTuple):
    """network : nets.ShallowNetwork (n ReLU neurons + affine skip); errors : (n + 1,)
    empirical L² errors after 0, 1, …, n atoms (affine part fitted first); selected :
    dictionary indices in the order chosen."""

    network: object
    errors: np.ndarray
    selected: np.ndarray


def _domain(domain):
    from ridgekit.radon.norms import as_domain

    dom = as_domain(domain)
    if dom is None:
        raise ValueError("domain must be a Ball, a Cube or ('ball'|'cube', size), got None")
    return dom


def domain_points(domain, d: int, n_points: int, *, rng=None) -> np.ndarray:
    """n_points iid uniform points in the domain (ball: radius·U^{1/d}·direction; cube: uniform)."""
    from ridgekit.radon.norms import Ball

    dom = _domain(domain)
    d = check_int(d, "d", minimum=1)
    n_points = check_int(n_points, "n_points", minimum=1)
    g = as_generator(rng)
    c = dom._centre(d)
    if isinstance(dom, Ball):
        z = g.standard_normal((n_points, d))
        z /= np.linalg.norm(z, axis=1, keepdims=True)
        return c + dom.radius * g.uniform(0, 1, (n_points, 1)) ** (1.0 / d) * z
    return c + dom.half_width * g.uniform(-1, 1, (n_points, d))


def relu_dictionary(domain, d: int, n_directions: int, n_offsets: int, *, grading: float = 2.0, rng=None):
    """Directions U (K, d) and offsets T (K,) of ReLU atoms [uᵀx − t]₊ meeting the domain.

    Directions: ±1 (d = 1), n_directions equally spaced angles (d = 2), iid uniform on the
    sphere (d ≥ 3, from ``rng``).  Offsets: :math:`t = c_u + h(u)·sign(τ)(1 − (1 − |τ|)^grading)`
    for n_offsets equally spaced τ in (−1, 1), h(u) the support function (the hyperplane
    meets the interior), graded towards the boundary where the weighted classes put mass.
    """
    dom = _domain(domain)
    d = check_int(d, "d", minimum=1)
    n_directions = check_int(n_directions, "n_directions", minimum=1)
    n_offsets = check_int(n_offsets, "n_offsets", minimum=1)
    grading = check_positive(grading, "grading")
    if d == 1:
        U = np.array([[1.0], [-1.0]])
    elif d == 2:
        ang = 2 * np.pi * np.arange(n_directions) / n_directions
        U = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    else:
        z = as_generator(rng).standard_normal((n_directions, d))
        U = z / np.linalg.norm(z, axis=1, keepdims=True)
    tau = -1 + (2 * np.arange(n_offsets) + 1) / n_offsets
    shape = np.sign(tau) * (1 - (1 - np.abs(tau)) ** grading)
    h = dom.support(U)
    cu = U @ dom._centre(d)
    T = (cu[:, None] + h[:, None] * shape[None, :]).ravel()
    return np.repeat(U, n_offsets, axis=0), T


def atom_l2_weight(X):
    """w(u, t) = ‖[uᵀ· − t]₊‖_{L²} for the empirical measure of the points X (N, d)."""
    X = as_float_array(X, "X", ndim=2)

    def w(U, T):
        U = as_float_array(U, "u", ndim=2)
        T = as_float_array(T, "t", ndim=1)
        out = np.empty(len(T))
        for i0 in range(0, len(T), 256):
            Z = np.maximum(X @ U[i0:i0 + 256].T - T[i0:i0 + 256], 0.0)
            out[i0:i0 + 256] = np.sqrt(np.mean(Z * Z, axis=0))
        return out

    return w


def orthogonal_greedy(f_values, X, U, T, n_terms: int) -> GreedyResult:
    """Orthogonal greedy algorithm with the ReLU atoms (U, T) on the sample X.

    Parameters
    ----------
    f_values : (N,) target values at X;  X : (N, d) quadrature points (equal weights)
    U : (K, d) unit directions;  T : (K,) offsets
    n_terms : number of atoms to select

    Returns
    -------
    GreedyResult
        errors[k] = ‖f − P_k f‖ (empirical L²) with P_k the projection onto the affine
        functions and the first k atoms (monotone non-increasing by construction).

    Examples
    --------
    A single atom is found exactly, in one step:

    >>> X = np.linspace(-1, 1, 201)[:, None]
    >>> U, T = relu_dictionary(("ball", 1.0), 1, 1, 21)
    >>> f = 3 * np.maximum(X[:, 0] - T[5], 0)
    >>> res = orthogonal_greedy(f, X, U, T, 2)
    >>> bool(res.errors[1] < 1e-12)
    True
    """
    from ridgekit.nets import ShallowNetwork

    X = as_float_array(X, "X", ndim=2)
    N, d = X.shape
    f = as_float_array(f_values, "f_values", ndim=1)
    U = as_float_array(U, "U", ndim=2)
    T = as_float_array(T, "T", ndim=1)
    if f.shape != (N,):
        raise ValueError(f"f_values must have shape ({N},) to match X {X.shape}, got {f.shape}")
    if U.shape[1] != d or T.shape != (U.shape[0],):
        raise ValueError(f"U must be (K, {d}) and T (K,), got {U.shape} and {T.shape}")
    n_terms = check_int(n_terms, "n_terms", minimum=0, maximum=min(U.shape[0], N - d - 1))
    A = np.concatenate([np.ones((N, 1)), X], axis=1)
    Q, _ = np.linalg.qr(A)
    G = np.maximum(X @ U.T - T[None, :], 0.0)
    G -= Q @ (Q.T @ G)
    norms = np.linalg.norm(G, axis=0)
    usable = norms > 1e-10 * math.sqrt(N)
    r = f - Q @ (Q.T @ f)
    errors = [np.linalg.norm(r) / math.sqrt(N)]
    basis = np.empty((N, n_terms))
    chosen = []
    for k in range(n_terms):
        corr = np.where(usable, np.abs(G.T @ r) / np.where(usable, norms, 1.0), -1.0)
        j = int(np.argmax(corr))
        v = G[:, j] - basis[:, :k] @ (basis[:, :k].T @ G[:, j])
        v -= basis[:, :k] @ (basis[:, :k].T @ v)           # re-orthogonalise (stability)
        nv = np.linalg.norm(v)
        usable[j] = False
        if nv < 1e-12 * norms[j]:
            basis[:, k] = 0.0
        else:
            basis[:, k] = v / nv
        chosen.append(j)
        r = r - basis[:, k] * (basis[:, k] @ r)
        errors.append(np.linalg.norm(r) / math.sqrt(N))
    sel = np.array(chosen, dtype=int)
    design = np.concatenate([A, np.maximum(X @ U[sel].T - T[sel][None, :], 0.0)], axis=1)
    coef = np.linalg.lstsq(design, f, rcond=None)[0]
    net = ShallowNetwork(U[sel] if sel.size else np.zeros((0, d)), T[sel], coef[d + 1:],
                         skip=(np.array([coef[0]]), coef[1:d + 1].reshape(d, 1)))
    return GreedyResult(net, np.array(errors), sel)


def boundary_singular_profile(z):
    """h(z) = 2(1 − √(1 − z))² on [0, 1] (0 for z < 0): h'' = (1 − z)^{−3/2} on (0, 1).

    h(z) = ∫_0^1 (1 − t)^{−3/2} [z − t]₊ dt [derived]: the classical variation
    :math:`∫|h''| = ∞` while :math:`∫ |h''(t)| (1 − |t|) dt = 2 < ∞` — inside a weighted space with a weight
    vanishing like :math:`(1 − |t|)` at the boundary, outside the classical one.

    Examples
    --------
    >>> boundary_singular_profile(np.array([-1.0, 0.0, 0.75, 1.0])).tolist()
    [0.0, 0.0, 0.5, 2.0]
    """
    z = np.clip(np.asarray(z, dtype=np.float64), 0.0, 1.0)
    return 2.0 * (1.0 - np.sqrt(1.0 - z)) ** 2


def weighted_target(domain, X, *, n_angles: int = 256):
    """Targets inside a weighted variation space but outside the classical one.

    Ball (radius 1, centre 0): f(x) = mean over n_angles directions u of h(uᵀx) (a radial
    average of :func:`boundary_singular_profile`, the atoms' offsets accumulating at the
    boundary); cube [−1, 1]^d: f(x) = Σ_i h(x_i).
    """
    from ridgekit.radon.norms import Ball

    dom = _domain(domain)
    X = as_float_array(X, "X", ndim=2)
    n_angles = check_int(n_angles, "n_angles", minimum=1)
    if isinstance(dom, Ball):
        d = X.shape[1]
        if d == 1:
            return 0.5 * (boundary_singular_profile(X[:, 0]) + boundary_singular_profile(-X[:, 0]))
        if d == 2:
            ang = 2 * np.pi * (np.arange(n_angles) + 0.5) / n_angles
            U = np.stack([np.cos(ang), np.sin(ang)], axis=1)
        else:
            z = np.random.default_rng(0).standard_normal((n_angles, d))
            U = z / np.linalg.norm(z, axis=1, keepdims=True)
        return boundary_singular_profile((X / dom.radius) @ U.T).mean(axis=1)
    return boundary_singular_profile(X / dom.half_width).sum(axis=1)
