"""KPlaneTransform: adjointness, closed forms with convergence orders, filtered
backprojection, invariants (mass, isotropy, Fourier slice), scipy solvers.

Every expected value is computed here from the formulas of docs/theory/kplane.md
§Closed forms (not from ``kplane.closed_forms``, which is tested separately):

* Gaussian  R_k[e^{−|x−a|²/(2s²)}](Θ, t) = (2πs²)^{k/2} e^{−|t−Θᵀa|²/(2s²)};
* anisotropic Gaussian e^{−½(x−a)ᵀΣ⁻¹(x−a)}: the marginal of N(a, Σ) under y = Θᵀx is
  N(Θᵀa, ΘᵀΣΘ) and ∫ δ(Θᵀx − t) p(x) dx is the density of Θᵀx (orthonormal columns:
  coarea factor 1), so R_k = (2π)^{k/2} √det Σ / √det(ΘᵀΣΘ) · e^{−½(t−Θᵀa)ᵀ(ΘᵀΣΘ)⁻¹(t−Θᵀa)};
* ball  R_k[1_{|x−a|≤r}](Θ, t) = V_k (r² − |t − Θᵀa|²)_+^{k/2}, V_k = π^{k/2}/Γ(k/2+1);
* inversion  f = c_{d,k} R_k^* (−Δ_t)^{k/2} R_k f, c_{d,k} = Γ((d−k)/2)/((4π)^{k/2}Γ(d/2))
  (probability measure; only used implicitly through ``inverse``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator, cg, lsqr
from scipy.special import roots_jacobi

from ridgekit.kplane.stiefel import frames_from_angles, measure_mass, stiefel_sample
from ridgekit.kplane.transform import KPlaneTransform

from .adjoint import check_adjoint, check_linear_operator
from .conftest import DK_PAIRS, RULE_FOR_D, tol


# ============================================================================ helpers
def ball_volume(m):
    return math.pi ** (m / 2) / math.gamma(m / 2 + 1)


def _shifted_offsets(R, frames, a):
    """t − Θ_jᵀa for every frame and offset node, shape (m, T, …, T, n)."""
    tp = R.offset_points()
    ta = np.einsum("mdn,d->mn", frames, a)
    return tp[None] - ta.reshape((frames.shape[0],) + (1,) * R.n + (R.n,))


def gaussian_exact(R, a, s):
    r2 = (_shifted_offsets(R, R.frames, a) ** 2).sum(-1)
    return (2 * math.pi * s * s) ** (R.k / 2) * np.exp(-r2 / (2 * s * s))


def ball_exact(R, a, r):
    r2 = (_shifted_offsets(R, R.frames, a) ** 2).sum(-1)
    return ball_volume(R.k) * np.maximum(r * r - r2, 0.0) ** (R.k / 2)


def anisotropic_exact(frames, t, a, cov):
    """R_k of e^{−½(x−a)ᵀΣ⁻¹(x−a)} at frames (m, d, n) and offsets t (..., n)."""
    d = frames.shape[1]
    k = d - frames.shape[2]
    out = []
    for Th in frames:
        C = Th.T @ cov @ Th
        y = t - Th.T @ a
        q = np.einsum("...i,ij,...j->...", y, np.linalg.inv(C), y)
        out.append((2 * math.pi) ** (k / 2) * math.sqrt(np.linalg.det(cov) / np.linalg.det(C)) * np.exp(-q / 2))
    return np.stack(out)


def range_weights(R):
    """Inner-product weights w_j h_tⁿ on the sinogram (the weighted adjoint identity)."""
    return (R.weights * R.t_spacing ** R.n).reshape((R.m,) + (1,) * R.n)


# Small non-cubic grids with equal steps h = 0.2 on every axis (box half-widths 0.1·N).
SMALL_SHAPES = {2: (13, 10), 3: (9, 8, 7), 4: (6, 5, 5, 4)}
SMALL_EXTENT = {d: 0.1 * np.array(s, dtype=float) for d, s in SMALL_SHAPES.items()}
SHIFT = np.array([0.3, -0.2, 0.1, 0.25])


# ============================================================================ adjoint
@pytest.mark.parametrize("measure", ["probability", "surface"])
@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_adjoint_grid(d, k, measure, tolerances):
    """Σ_j w_j Σ_i h_tⁿ (Af)(j,i) g(j,i) = Σ_x h^d f(x) (A*g)(x) on a non-cubic grid
    with unequal weights, with the default offsets and with an offset grid that cuts the
    support (dropped nodes)."""
    n = d - k
    gen = np.random.default_rng(100 * d + 10 * k + (measure == "surface"))
    frames = stiefel_sample(d, n, 5, rng=gen)
    weights = gen.uniform(0.5, 1.5, 5) * measure_mass(d, n, measure) / 5
    # explicit offsets: spacing 0.25 ≥ every footprint, covering only [−0.5, 0.5]
    for offsets in (None, -0.5 + 0.25 * np.arange(5)):
        R = KPlaneTransform(SMALL_SHAPES[d], frames, offsets, k=k, extent=SMALL_EXTENT[d], measure=measure,
                            weights=weights)
        rep = check_adjoint(R.forward, R.adjoint, R.grid_shape, R.sinogram_shape,
                            domain_weights=R.cell_volume, range_weights=range_weights(R), rng=gen)
        assert rep.error < tolerances["adjoint"], rep


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_adjoint_grid_quadrature_frames(d, k, tolerances):
    """Frames from the default quadrature rule of each dimension."""
    R = KPlaneTransform(SMALL_SHAPES[d], 7, k=k, extent=SMALL_EXTENT[d], rule=RULE_FOR_D[d], rng=3)
    rep = check_adjoint(R.forward, R.adjoint, R.grid_shape, R.sinogram_shape,
                        domain_weights=R.cell_volume, range_weights=range_weights(R), rng=4)
    assert rep.error < tolerances["adjoint"], rep


def test_adjoint_checker_detects_wrong_weights(tolerances):
    """The checker can fail: dropping h_tⁿ from the sinogram inner product, or
    backprojecting with the wrong frame order, is reported as an O(1) error."""
    R = KPlaneTransform((12, 11), stiefel_sample(2, 1, 4, rng=0), k=1, extent=1.0)
    bad = check_adjoint(R.forward, R.adjoint, R.grid_shape, R.sinogram_shape,
                        domain_weights=R.cell_volume, range_weights=R.weights[:, None], rng=0)
    assert bad.error > 1e-2
    swapped = check_adjoint(R.forward, lambda g: R.adjoint(g[::-1]), R.grid_shape, R.sinogram_shape,
                            domain_weights=R.cell_volume, range_weights=range_weights(R), rng=0)
    assert swapped.error > 1e-3
    assert swapped.error > 1e6 * tolerances["adjoint"]


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_adjoint_point_cloud(d, k, tolerances):
    """Point cloud: masses at P points (domain weights 1) against the point backprojection."""
    n = d - k
    gen = np.random.default_rng(7 * d + k)
    pts = gen.uniform(-1, 1, (40, d))
    R = KPlaneTransform(pts, stiefel_sample(d, n, 6, rng=gen), k=k, weights=gen.uniform(0.1, 1, 6))
    rep = check_adjoint(R.forward, R.adjoint, (40,), R.sinogram_shape, domain_weights=1.0,
                        range_weights=range_weights(R), rng=gen)
    assert rep.error < tolerances["adjoint"], rep


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_adjoint_forward_measure(d, k, tolerances):
    """forward_measure(points, ·) is the adjoint of adjoint(·, points=points)."""
    n = d - k
    gen = np.random.default_rng(11 * d + k)
    R = KPlaneTransform(SMALL_SHAPES[d], stiefel_sample(d, n, 5, rng=gen), k=k, extent=SMALL_EXTENT[d])
    pts = gen.uniform(-1.6, 1.6, (30, d))  # some project outside the offset grid
    rep = check_adjoint(lambda m: R.forward_measure(pts, m), lambda g: R.adjoint(g, points=pts),
                        (30,), R.sinogram_shape, domain_weights=1.0, range_weights=range_weights(R), rng=gen)
    assert rep.error < tolerances["adjoint"], rep


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_linear_operator_is_plain_transpose(d, k, tolerances):
    """aslinearoperator(): matvec = vec(forward), rmatvec = plain transpose (scipy dot products)."""
    n = d - k
    gen = np.random.default_rng(13 * d + k)
    R = KPlaneTransform(SMALL_SHAPES[d], stiefel_sample(d, n, 4, rng=gen), k=k, extent=SMALL_EXTENT[d])
    A = R.aslinearoperator()
    assert isinstance(A, LinearOperator)
    assert A.shape == (int(np.prod(R.sinogram_shape)), int(np.prod(R.grid_shape)))
    f = gen.standard_normal(R.grid_shape)
    assert np.array_equal(A.matvec(f.ravel()), R.forward(f).ravel())
    rep = check_linear_operator(A, rng=gen)
    assert rep.error < tolerances["adjoint"], rep
    # rmatvec differs from the weighted adjoint exactly by the factor (h^d/h_tⁿ)/w_j
    g = gen.standard_normal(R.sinogram_shape)
    scale = R.cell_volume / R.t_spacing ** n / R.weights[:, None]
    expected = R.adjoint(g * scale.reshape((R.m,) + (1,) * n)).ravel()
    assert np.allclose(A.rmatvec(g.ravel()), expected, rtol=1e-13, atol=1e-13 * np.abs(expected).max())


def test_linear_operator_point_cloud(tolerances):
    gen = np.random.default_rng(5)
    R = KPlaneTransform(gen.uniform(-1, 1, (25, 3)), stiefel_sample(3, 2, 4, rng=gen), k=1)
    assert check_linear_operator(R.aslinearoperator(), rng=gen).error < tolerances["adjoint"]


def test_scipy_solvers_converge():
    """lsqr on A x = b and cg on the normal equations AᵀA x = Aᵀb recover a grid function
    from its (consistent) transform.  24 angles × 25 offsets = 600 equations for 144
    unknowns: A has full column rank here (checked via the small singular values' absence:
    lsqr's condition estimate stays below 1e4)."""
    R = KPlaneTransform((12, 12), 24, k=1, extent=1.0, rule="half")
    A = R.aslinearoperator()
    x = R.grid_points()
    f = np.exp(-4 * ((x - [0.2, -0.1]) ** 2).sum(-1)) + 0.5 * (np.abs(x).max(-1) < 0.4)
    b = A.matvec(f.ravel())
    sol = lsqr(A, b, atol=1e-14, btol=1e-14, iter_lim=5000)
    x_ls, istop, r1norm, acond = sol[0], sol[1], sol[3], sol[6]
    assert istop in (1, 2)
    assert r1norm <= 1e-10 * np.linalg.norm(b)
    assert acond < 1e4
    assert np.linalg.norm(x_ls - f.ravel()) <= 1e-8 * np.linalg.norm(f)
    AtA = LinearOperator((f.size, f.size), matvec=lambda v: A.rmatvec(A.matvec(v)), dtype=np.float64)
    x_cg, info = cg(AtA, A.rmatvec(b), rtol=1e-13, maxiter=5000)
    assert info == 0
    assert np.linalg.norm(x_cg - f.ravel()) <= 1e-6 * np.linalg.norm(f)


# ============================================================================ closed forms
# Resolutions per dimension (grid points per axis, coarse and fine).
GAUSS_N = {2: (32, 64), 3: (16, 32), 4: (12, 24)}
# fine-grid bound on the relative L2 error (measured: (2,1) 2.0e-3, (3,1) 1.7e-2, (3,2) 5.9e-3,
# (4,1) 4.1e-2, (4,2) 3.0e-2, (4,3) 9.9e-3; the 4-D grid step is 1/3, the Gaussian's width 0.8)
GAUSS_BOUND = {2: 4e-3, 3: 0.03, 4: 0.08}


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_forward_gaussian_second_order(d, k):
    """Sampled shifted, scaled Gaussian against the closed form at two grid steps h, h/2.

    The discrete forward transform is the exact transform of f blurred by the cell
    footprint and the offset kernel (both of width O(h), even, so the blur is O(h²)),
    and the cell-centred sum is a midpoint rule (O(h²) for smooth f): the relative L2
    error (over frames and offsets) must drop by ~4 from h to h/2; we require ≥ 3.
    (The max-norm ratio is noisier for n = 1: the distance-driven weights depend on the
    sub-bin alignment of projected cells, measured 3.0–5.1 on the same data.)
    Measured L2 ratios: (2,1) 3.95, (3,1) 3.79, (3,2) 4.00, (4,1) 3.63, (4,2) 3.70, (4,3) 3.89."""
    n = d - k
    s = 0.8
    a = SHIFT[:d]
    frames = stiefel_sample(d, n, 4, rng=np.random.default_rng(d * 10 + k))
    errs = []
    for N in GAUSS_N[d]:
        R = KPlaneTransform((N,) * d, frames, k=k, extent=4.0)
        x = R.grid_points()
        g = R.forward(np.exp(-((x - a) ** 2).sum(-1) / (2 * s * s)))
        exact = gaussian_exact(R, a, s)
        errs.append(np.linalg.norm(g - exact) / np.linalg.norm(exact))
    assert errs[1] < GAUSS_BOUND[d], errs
    assert errs[0] / errs[1] >= 3.0, errs


BALL_N = {2: (64, 128), 3: (32, 64), 4: (12, 24)}


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_forward_ball_convergence(d, k):
    """Ball of radius 0.7 (discontinuous f): L1 error in t, averaged over frames and over
    four random sub-cell positions of the centre.

    Expected order.  The transform of a sampled indicator differs from the exact one by
    (i) the blur of R_k 1_B by the O(h) kernels — R_k 1_B = V_k (r²−|t|²)_+^{k/2} is
    Hölder-½ at the rim for k = 1 and Lipschitz for k ≥ 2, giving L1 errors O(h^{3/2})
    and O(h²); and (ii) the lattice error of the boundary cells: an offset cell of volume
    h_tⁿ receives O(h^{−(k−1)}) boundary cells, each with a signed error ≤ h^d whose
    average over the centre's sub-cell position is zero; with uncorrelated signs the
    density error is √(h^{−(k−1)})·h^d/h^n = h^{(k+1)/2} per offset cell, hence
    O(h^{(k+1)/2}) in L1.  So the order is 1 for k = 1 and (k+1)/2 in general; we require
    the ratio 0.9·2^{(k+1)/2} (10 % for the residual lattice fluctuation of four centres),
    i.e. first order for k = 1.  Measured ratios: (2,1) 2.09, (3,1) 2.35, (4,1) 2.58,
    (3,2) 3.22, (4,2) 3.58, (4,3) 4.28."""
    n = d - k
    r = 0.7
    gen = np.random.default_rng(3 + d + 10 * k)
    frames = stiefel_sample(d, n, 4, rng=gen)
    centres = gen.uniform(-0.1, 0.1, (4, d))
    errs = []
    for N in BALL_N[d]:
        R = KPlaneTransform((N,) * d, frames, k=k, extent=1.0)
        x = R.grid_points()
        e = 0.0
        for a in centres:
            g = R.forward((((x - a) ** 2).sum(-1) <= r * r).astype(float))
            e += np.abs(g - ball_exact(R, a, r)).sum() * R.t_spacing ** n / (R.m * len(centres))
        errs.append(e)
    ratio = errs[0] / errs[1]
    assert ratio >= 0.9 * 2 ** ((k + 1) / 2), errs
    # relative to the L1 norm of the exact projection, V_{d} r^d
    assert errs[1] < 0.1 * ball_volume(d) * r ** d


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_forward_callable_gaussian(d, k):
    """forward(callable): tensor Gauss–Legendre along each plane, spectrally accurate for a
    Gaussian: 64 nodes on [−7, 7] resolve e^{−s²/(2·0.8²)} to ~1e-14, the tails beyond
    |s| = 7 are e^{−(7−|a|)²/1.28} < 1e-14; we require 1e-10 relative."""
    n = d - k
    s = 0.8
    a = SHIFT[:d]
    frames = stiefel_sample(d, n, 3, rng=np.random.default_rng(31 + d + k))
    R = KPlaneTransform((4,) * d, frames, np.linspace(-2.5, 2.5, 11), k=k)
    f = lambda x: np.exp(-((x - a) ** 2).sum(-1) / (2 * s * s))  # noqa: E731
    g = R.forward(f, quad_order=64, quad_radius=7.0)
    exact = gaussian_exact(R, a, s)
    assert np.abs(g - exact).max() <= 1e-10 * exact.max()
    # the default quadrature radius is the offset grid's: with extent 4 the grid covers it
    R2 = KPlaneTransform((4,) * d, frames, np.linspace(-7.0, 7.0, 15), k=k)
    g2 = R2.forward(f, quad_order=80)
    exact2 = gaussian_exact(R2, a, s)
    assert np.abs(g2 - exact2).max() <= 1e-10 * exact2.max()


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_isotropy_general_rotation_callable(d, k):
    """Range condition R_k f(ΘO, t) = R_k f(Θ, O t) for random O ∈ O(n) (docs/theory/kplane.md
    §Planes and frames): the callable transform at frames ΘO against the closed form of an anisotropic
    Gaussian at (Θ, O t) — non-radial f, so the condition is not trivially true."""
    n = d - k
    gen = np.random.default_rng(53 + 10 * d + k)
    frames = stiefel_sample(d, n, 3, rng=gen)
    O = stiefel_sample(n, n, 3, rng=gen)  # Haar on O(n) (n = 1: ±1)
    rot = np.einsum("mdn,mnp->mdp", frames, O)
    L = gen.standard_normal((d, d))
    cov = 0.3 * L @ L.T / d + 0.4 * np.eye(d)
    a = SHIFT[:d]
    Pinv = np.linalg.inv(cov)
    f = lambda x: np.exp(-0.5 * np.einsum("...i,ij,...j->...", x - a, Pinv, x - a))  # noqa: E731
    offs = np.linspace(-2.0, 2.0, 9)
    R = KPlaneTransform((4,) * d, rot, offs, k=k)
    g = R.forward(f, quad_order=72, quad_radius=8.0)
    tp = R.offset_points()
    for j in range(R.m):
        Ot = tp @ O[j].T  # O t for every node t
        exact = anisotropic_exact(frames[j:j + 1], Ot, a, cov)[0]
        assert np.abs(g[j] - exact).max() <= 1e-9 * np.abs(exact).max()


# ============================================================================ inversion
FBP_RES = {2: ((32, 16), (64, 32)), 3: ((16, 48), (28, 128)), 4: ((8, 24), (12, 48))}
# Final-resolution error bounds (max over |x| ≤ 1.5 of |FBP(R f) − f| for f = e^{−|x|²}).
# The error is the O(h²) blur of forward and interpolation plus the quadrature error over
# V_n: 'half' is spectrally accurate (d = 2); Fibonacci (d = 3) and QMC (d = 4) are not.
# In d = 4 the grid step is 0.5–0.75 (cost), so the blur term ~ n·h²/2 dominates.
FBP_BOUND = {(2, 1): 0.02, (3, 1): 0.1, (3, 2): 0.08, (4, 1): 0.35, (4, 2): 0.35, (4, 3): 0.3}


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_fbp_recovers_gaussian(d, k):
    """Filtered backprojection of the discrete transform recovers e^{−|x|²}: the error
    decreases when the grid and the frames are refined together, and the fine error is
    below FBP_BOUND."""
    errs = []
    for N, m in FBP_RES[d]:
        R = KPlaneTransform((N,) * d, m, k=k, extent=3.0, rule=RULE_FOR_D[d], rng=5)
        x = R.grid_points()
        f = np.exp(-(x ** 2).sum(-1))
        rec = R.inverse(R.forward(f))
        mask = (x ** 2).sum(-1) <= 1.5 ** 2
        errs.append(np.abs(rec - f)[mask].max())
    assert errs[1] < errs[0], errs
    assert errs[1] < FBP_BOUND[(d, k)], errs


def adapted_frames(d, n, e, nodes):
    """Frames and probability weights that integrate functions of |Θᵀe|² exactly.

    Under the Haar measure u = |Θᵀe|² ~ Beta(n/2, k/2) (docs/theory/kplane.md §Closed forms); Gauss–Jacobi
    nodes for the weight u^{n/2−1}(1−u)^{k/2−1} (x = 2u − 1, α = k/2 − 1, β = n/2 − 1)
    integrate any smooth function of u spectrally.  Frame i has first column
    √u_i e + √(1−u_i) e⊥ and further columns orthogonal to e and e⊥.
    """
    k = d - n
    xs, w = roots_jacobi(nodes, k / 2 - 1, n / 2 - 1)
    u = (1 + xs) / 2
    Q, _ = np.linalg.qr(np.column_stack([e, np.eye(d)]))
    Q = Q[:, :d] * np.sign(Q[:, 0] @ e)
    fr = np.zeros((nodes, d, n))
    fr[:, :, 0] = np.sqrt(u)[:, None] * Q[:, 0] + np.sqrt(1 - u)[:, None] * Q[:, 1]
    for c in range(1, n):
        fr[:, :, c] = Q[:, 1 + c]
    return fr, w / w.sum()


# offsets per axis (coarse, fine) on [−5, 5] for n = 1, 2, 3 (cost grows like Tⁿ)
EXACT_T = {1: (201, 401), 2: (81, 161), 3: (16, 31)}
EXACT_HALF = {1: 5.0, 2: 5.0, 3: 4.0}  # offsets on [−half, half]: h_t halves between the two
# Fine-grid error bounds from the linear-interpolation error h_t²/8·max|G''| of the filtered
# profile G (|G''| ≲ 10 here): h_t = 0.025 (n = 1), 1/16 (n = 2), 4/15 (n = 3).
# Measured: n=1: 1.7e-4 .. 3.7e-4; n=2: 2.8e-4 .. 1.1e-3; n=3: 7.5e-3.
EXACT_BOUND = {1: 1e-3, 2: 3e-3, 3: 2e-2}


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_fbp_of_exact_sinogram(d, k):
    """FBP of the exactly sampled g = π^{k/2} e^{−|t|²} at points on a ray: isolates the
    filter, the constant c_{d,k} and the interpolating backprojection from the forward
    discretisation and from the Stiefel quadrature (frames adapted to the ray, exact in
    the Beta law).  What remains is the O(h_t²) linear interpolation of the filtered
    data (and for n ≥ 2, odd k, the periodised |w|^k kernel): the ratio between h_t and
    h_t/2 is ≥ 3 (measured 3.5–3.96; 34 for (4,1), whose coarse level also carries the
    wrap-around error of P·h_t = 34) and the fine error is below EXACT_BOUND[n]."""
    n = d - k
    gen = np.random.default_rng(97 + d * 10 + k)
    e = gen.standard_normal(d)
    e /= np.linalg.norm(e)
    radii = np.array([0.0, 0.3, 0.7, 1.2, 1.8])
    pts = radii[:, None] * e
    fr, w = adapted_frames(d, n, e, 24)
    errs = []
    for T in EXACT_T[n]:
        R = KPlaneTransform((4,) * d, fr, np.linspace(-EXACT_HALF[n], EXACT_HALF[n], T), k=k, weights=w)
        tp = R.offset_points()
        g = np.broadcast_to(math.pi ** (k / 2) * np.exp(-(tp ** 2).sum(-1)), R.sinogram_shape)
        rec = R.inverse(g, points=pts)
        errs.append(np.abs(rec - np.exp(-radii ** 2)).max())
        if T == EXACT_T[n][0]:
            # the same frames with the surface measure (weights scaled to its mass) give the same inverse
            Rs = KPlaneTransform((4,) * d, fr, R.offsets, k=k, measure="surface",
                                 weights=w * measure_mass(d, n, "surface"))
            assert np.allclose(Rs.inverse(g, points=pts), rec, rtol=1e-12, atol=1e-14)
    assert errs[0] / errs[1] >= 3.0, errs
    assert errs[1] < EXACT_BOUND[n], errs


@pytest.mark.parametrize("d,k", [(2, 1), (3, 2), (4, 2)])
def test_inverse_independent_of_measure(d, k):
    """Quadrature frames: 'probability' and 'surface' give the same inverse on the grid."""
    Rp = KPlaneTransform((10,) * d, 12, k=k, extent=2.0, rule=RULE_FOR_D[d], rng=2)
    Rs = KPlaneTransform((10,) * d, 12, k=k, extent=2.0, rule=RULE_FOR_D[d], rng=2, measure="surface")
    assert np.array_equal(Rp.frames, Rs.frames)
    assert Rs.weights.sum() == pytest.approx(measure_mass(d, d - k, "surface"), rel=1e-14)
    x = Rp.grid_points()
    f = np.exp(-(x ** 2).sum(-1))
    gp, gs = Rp.forward(f), Rs.forward(f)
    assert np.array_equal(gp, gs)  # the forward transform does not involve the measure
    ip, is_ = Rp.inverse(gp), Rs.inverse(gs)
    assert np.allclose(ip, is_, rtol=1e-12, atol=1e-13 * np.abs(ip).max())


# ============================================================================ invariants
@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_mass_conservation(d, k, tolerances):
    """Σ_t g(Θ_j, t) h_tⁿ = Σ_x f(x) h^d for every frame (Fourier slice at w = 0), exactly
    up to rounding when the default offset grid covers the support; any f (signed)."""
    n = d - k
    gen = np.random.default_rng(200 + 10 * d + k)
    R = KPlaneTransform(SMALL_SHAPES[d], stiefel_sample(d, n, 6, rng=gen), k=k, extent=SMALL_EXTENT[d])
    f = gen.standard_normal(R.grid_shape) + 0.5
    g = R.forward(f)
    mass = g.reshape(R.m, -1).sum(1) * R.t_spacing ** n
    total = f.sum() * R.cell_volume
    scale = np.abs(f).sum() * R.cell_volume
    assert np.abs(mass - total).max() <= tolerances["identity"] * scale
    # point masses (forward_measure and point-cloud transform) conserve mass too
    pts = gen.uniform(-1, 1, (20, d)) * SMALL_EXTENT[d]  # inside the grid box: covered
    ms = gen.standard_normal(20)
    gm = R.forward_measure(pts, ms)
    assert np.abs(gm.reshape(R.m, -1).sum(1) * R.t_spacing ** n - ms.sum()).max() <= \
        tolerances["identity"] * np.abs(ms).sum()
    Rc = KPlaneTransform(pts, R.frames, k=k)
    gc = Rc.forward(ms)
    assert np.abs(gc.reshape(R.m, -1).sum(1) * Rc.t_spacing ** n - ms.sum()).max() <= \
        tolerances["identity"] * np.abs(ms).sum()


def _signed_permutations(n):
    for perm in itertools.permutations(range(n)):
        for signs in itertools.product((1.0, -1.0), repeat=n):
            O = np.zeros((n, n))
            O[list(perm), range(n)] = signs  # column c is signs[c]·e_{perm[c]}
            yield O


def _apply_O_to_sinogram(g_j, O, T):
    """h(t) = g_j(O t) on a symmetric offset grid (t_i = −t_{T−1−i}), O a signed permutation."""
    n = O.shape[0]
    idx = np.indices((T,) * n)
    src = []
    for c in range(n):  # (O t)_c = Σ_p O[c, p] t_p, a single nonzero entry
        p = int(np.flatnonzero(O[c])[0])
        src.append(idx[p] if O[c, p] > 0 else T - 1 - idx[p])
    return g_j[tuple(src)]


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_isotropy_signed_permutations(d, k, tolerances):
    """Discrete range condition: frames ΘO with O a signed permutation (the hyperoctahedral
    subgroup of O(n), which maps a symmetric offset grid onto itself) give exactly
    g_O(j, t) = g(j, O t).  For n = 1 this is g(−ξ, −t) = g(ξ, t): the t-axis reversed."""
    n = d - k
    gen = np.random.default_rng(300 + 10 * d + k)
    frames = stiefel_sample(d, n, 3, rng=gen)
    T = 15
    offsets = 0.2 * np.arange(-(T // 2), T // 2 + 1)  # spacing 0.2 = h, exactly symmetric
    assert np.array_equal(offsets, -offsets[::-1])
    shape = SMALL_SHAPES[d]
    f = gen.standard_normal(shape)
    g = KPlaneTransform(shape, frames, offsets, k=k, extent=SMALL_EXTENT[d]).forward(f)
    checked = 0
    for O in _signed_permutations(n):
        gO = KPlaneTransform(shape, np.einsum("mdn,np->mdp", frames, O), offsets, k=k,
                             extent=SMALL_EXTENT[d]).forward(f)
        for j in range(3):
            expected = _apply_O_to_sinogram(g[j], O, T)
            assert np.abs(gO[j] - expected).max() <= tolerances["identity"] * np.abs(g).max()
        checked += 1
    assert checked == math.factorial(n) * 2 ** n


def test_2d_opposite_angles_mirror_and_reconstruct_alike(tolerances):
    """2-D: the θ + 180° transform is the mirror image (t → −t) of the θ transform, and the
    two filtered backprojections agree."""
    theta = np.linspace(0, np.pi, 24, endpoint=False) + 0.1
    R1 = KPlaneTransform((40, 40), frames_from_angles(theta), k=1, extent=2.0)
    R2 = KPlaneTransform((40, 40), frames_from_angles(theta + np.pi), k=1, extent=2.0)
    assert np.allclose(R1.offsets, -R1.offsets[::-1], rtol=0, atol=1e-15)
    x = R1.grid_points()
    f = np.exp(-3 * ((x - [0.4, -0.2]) ** 2).sum(-1)) + (np.abs(x - [-0.5, 0.3]).max(-1) < 0.3)
    g1, g2 = R1.forward(f), R2.forward(f)
    assert np.abs(g2 - g1[:, ::-1]).max() <= tolerances["identity"] * np.abs(g1).max()
    r1, r2 = R1.inverse(g1), R2.inverse(g2)
    assert np.abs(r1 - r2).max() <= tolerances["identity"] * np.abs(r1).max()
    # and the reconstructions are reconstructions (bound: h = 0.1, 24 angles, box edges)
    assert np.abs(r1 - f)[(x ** 2).sum(-1) < 0.25].max() < 0.5


def _lattice_gap(Th, M=3):
    """min over 0 < |m|_∞ ≤ M of dist(Θm, ℤᵈ): how far the alias frequencies Θ(2πm/h) stay
    from the reciprocal lattice of the grid (h_t = h)."""
    best = np.inf
    for m in itertools.product(range(-M, M + 1), repeat=Th.shape[1]):
        if any(m):
            v = Th @ np.asarray(m, dtype=float)
            best = min(best, float(np.linalg.norm(v - np.round(v))))
    return best


FS_N = {2: 40, 3: 20, 4: 12}


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_fourier_slice(d, k):
    """Fourier slice: h_tⁿ Σ_i g(Θ, t_i) e^{−i⟨w,t_i⟩} = f̂_h(Θw) K̂(w h_t), where
    f̂_h(ξ) = Σ_x f(x) e^{−i⟨ξ,x⟩} h^d is the transform of the sampled f (direct sum) and
    K̂ the transform of the discrete kernel (in units of h_t, ν = w_c h_t per axis c):

    * n = 1 grid kernel (footprint box of width w against the node bins):
      K̂ = sinc(w ν/2)·sinc(ν/2);
    * n ≥ 2 (footprint box convolved with the hat of each node):
      K̂ = Π_c sinc(w_c ν_c/2)·sinc²(ν_c/2),  sinc(x) = sin x / x.

    Dividing K̂ out exactly, what remains is the aliasing of the sampled kernel,
    Σ_{m≠0} K̂(ν + 2πm) f̂_h(Θ(w + 2πm/h_t)); the frames are chosen so that
    Θ(2πm/h_t) stays ≥ 0.25·2π/h away from the reciprocal lattice (|m|_∞ ≤ 3), where
    f̂_h of the Gaussian is ~e^{−(0.25·2π/h)²/4}·f̂(0), and the sinc tails weigh the far
    aliases by O((ν/2π)²/m²).  Measured residual / f̂(0): (2,1) 7.8e-5, (3,1) 8.1e-6,
    (3,2) 1.8e-4, (4,1) 5.7e-5, (4,2) 9.2e-5, (4,3) 1.3e-4; bound 5e-4.  Without the
    division the error is the O(ν²) blur (measured 3e-3 .. 6e-2): we also require the
    division to remove ≥ 90 % of it, so K̂ itself is tested."""
    n = d - k
    gen = np.random.default_rng(d * 10 + k)
    cand = stiefel_sample(d, n, 100, rng=gen)
    gaps = np.array([_lattice_gap(c) for c in cand])
    frames = cand[np.argsort(gaps)[-3:]]
    assert gaps.max() > 0.2
    R = KPlaneTransform((FS_N[d],) * d, frames, k=k, extent=3.5)
    x = R.grid_points().reshape(-1, d)
    a = SHIFT[:d]
    f = np.exp(-((x - a) ** 2).sum(-1))
    g = R.forward(f.reshape(R.grid_shape))
    tp = R.offset_points().reshape(-1, n)
    ht = R.t_spacing
    W = gen.standard_normal((5, n))
    W *= (np.array([0.0, 0.3, 0.7, 1.2, 2.0]) / np.linalg.norm(W, axis=1))[:, None]
    sinc = lambda z: np.sinc(z / np.pi)  # noqa: E731
    kernel = getattr(R, "kernel", "box" if n == 1 else "hat")
    hat_power = 1 if kernel == "box" else 2
    F0 = f.sum() * R.cell_volume
    worst_div = worst_raw = 0.0
    for j in range(R.m):
        S = (np.exp(-1j * tp @ W.T) * g[j].reshape(-1)[:, None]).sum(0) * ht ** n
        F = (np.exp(-1j * x @ (W @ frames[j].T).T) * f[:, None]).sum(0) * R.cell_volume
        nu = W * ht
        Khat = np.prod(sinc(R.footprints[j] * nu / 2) * sinc(nu / 2) ** hat_power, axis=1)
        worst_div = max(worst_div, np.abs(S / Khat - F).max() / F0)
        worst_raw = max(worst_raw, np.abs(S - F).max() / F0)
    assert abs(S[0] - F[0]) <= 1e-12 * F0  # w = 0: mass conservation
    assert worst_div < 5e-4, (worst_div, worst_raw)
    assert worst_div < 0.1 * worst_raw, (worst_div, worst_raw)


# ============================================================================ dtypes
def test_float32_input_matches_float64():
    """float32 data are converted once (to float64): the result equals the float64
    transform of the same (rounded) values."""
    R = KPlaneTransform((10, 9, 8), 5, k=2, extent=1.0, rule="fibonacci")
    f32 = np.random.default_rng(0).standard_normal(R.grid_shape).astype(np.float32)
    g32, g64 = R.forward(f32), R.forward(f32.astype(np.float64))
    assert g32.dtype == np.float64
    assert np.array_equal(g32, g64)
    # versus the unrounded float64 data: the float32 representation error only
    f64 = f32.astype(np.float64) + 1e-9
    assert np.abs(R.forward(f64) - g64).max() <= tol(np.float32, "identity") * np.abs(g64).max()


@pytest.mark.parametrize("d,k", DK_PAIRS)
def test_default_offsets_work_on_anisotropic_grids(d, k, tolerances):
    """The documented default offsets (spacing = the smallest grid step) must give a usable
    transform on any grid, e.g. a non-square 2-D image with unequal steps.  Library bug
    (reported): for n = 1 the distance-driven kernel needs footprints ≤ 1 offset step,
    max_a h_a|Θ_a|/h_t ≤ 1, which fails when h_t = min_a h_a < max_a h_a, so forward and
    adjoint raise 'offset spacing ... is finer than the grid step allows'."""
    n = d - k
    R = KPlaneTransform(SMALL_SHAPES[d], stiefel_sample(d, n, 5, rng=d + k), k=k, extent=1.0)
    f = np.random.default_rng(0).standard_normal(R.grid_shape)
    g = R.forward(f)
    assert np.abs(g.reshape(R.m, -1).sum(1) * R.t_spacing ** n - f.sum() * R.cell_volume).max() <= \
        tolerances["identity"] * np.abs(f).sum() * R.cell_volume
    assert R.adjoint(g).shape == R.grid_shape


def test_repr_and_shapes():
    R = KPlaneTransform((6, 5, 4), 7, k=1, extent=1.0, rule="fibonacci")
    assert R.sinogram_shape == (7, R.n_offsets, R.n_offsets)
    assert R.grid_points().shape == (6, 5, 4, 3)
    assert R.offset_points().shape == (R.n_offsets, R.n_offsets, 2)
    assert R.footprints.shape == (7, 2)
    assert "d=3" in repr(R) and "k=1" in repr(R)
