"""Radon-domain norms: radial closed forms against mpmath, Green's constants, weights.

Oracles: docs/theory/multivariate.md (Green's constants), docs/theory/rnorm.md (Gaussian
R-norms, finite networks), docs/theory/flat_minima.md (weights).
"""

import math

import mpmath as mp
import numpy as np
import pytest

from ridgekit.nets.activations import NormActivation, Polyharmonic, ThinPlate, green_constant
from ridgekit.radon.norms import (
    Ball,
    Cube,
    canonical_relu_atoms,
    data_weight,
    gaussian_rtv_profile,
    radial_constant,
    relu_rtv,
    rtv_gaussian,
    rtv_radial,
    stable_weight,
    weighted_variation,
)
from ridgekit.radon.symbolic_norms import check_fundamental_solution, green_constant_symbolic, rtv_gaussian_symbolic


# ------------------------------------------------------------------ Gaussian R-norm
def _mp_rtv_gaussian(d, dps=30):
    """Independent high-precision value of ‖exp(−|x|²/2)‖_R.

    odd d: γ_d|S^{d−1}|(2π)^{(d−1)/2} ∫|He_{d+1}|e^{−t²/2} by mpmath.quad split at the
    roots (mpmath.polyroots) — no antiderivative used.  even d: h(t) from the Fourier
    multiplier −|τ|^{d+1} in closed form (hyp1f1, the formula itself checked against a
    direct Fourier quadrature in test_fourier_route_formula) and ∫|h| by mpmath.quad split
    at its zeros (mpmath.findroot).
    """
    with mp.workdps(dps):
        const = mp.pi ** (mp.mpf(d) / 2) / (mp.gamma(mp.mpf(d) / 2) * (2 * mp.pi) ** (d - 1))
        if d % 2 == 1:
            coeffs = [mp.mpf(c) for c in np.polynomial.hermite_e.herme2poly([0] * (d + 1) + [1])[::-1]]
            roots = sorted(mp.re(z) for z in mp.polyroots(coeffs, maxsteps=200, extraprec=200))
            f = lambda x: abs(mp.polyval(coeffs, x)) * mp.exp(-x * x / 2)
            pts = [-mp.inf] + roots + [mp.inf]
            integral = mp.quad(f, pts)
            return const * (2 * mp.pi) ** (mp.mpf(d - 1) / 2) * integral
        a = mp.mpf(d) / 2 + 1
        K = -(2 * mp.pi) ** (mp.mpf(d) / 2) * 2 ** (mp.mpf(d) / 2) * mp.gamma(mp.mpf(d) / 2 + 1) / mp.pi
        h = lambda x: K * mp.hyp1f1(a, mp.mpf(1) / 2, -x * x / 2)
        zs = []
        grid = [mp.mpf(i) / 20 for i in range(1, 400)]
        for x0, x1 in zip(grid[:-1], grid[1:]):
            if mp.sign(h(x0)) != mp.sign(h(x1)):
                zs.append(mp.findroot(h, (x0, x1), solver="anderson"))
        pts = [mp.mpf(0)] + zs + [mp.mpf(40), mp.inf]
        return const * 2 * mp.quad(lambda x: abs(h(x)), pts)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_rtv_gaussian_against_mpmath(d):
    expected = float(_mp_rtv_gaussian(d))
    assert rtv_gaussian(d) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("d", [2, 4])
def test_fourier_route_formula(d):
    # h(t) = −(1/π)∫₀^∞ τ^{d+1} ρ̂(τ) cos(τt) dτ, ρ̂ = (2π)^{d/2}e^{−τ²/2}: direct quadrature
    with mp.workdps(25):
        for t in [0.0, 0.7, 2.5, 6.0]:
            direct = -mp.quad(lambda s: s ** (d + 1) * (2 * mp.pi) ** (mp.mpf(d) / 2) * mp.exp(-s * s / 2)
                              * mp.cos(s * t), [0, mp.inf]) / mp.pi
            assert float(gaussian_rtv_profile(d, np.array([t]))[0]) == pytest.approx(float(direct), rel=1e-11, abs=1e-14)


@pytest.mark.parametrize("d", [1, 3, 5])
def test_rtv_gaussian_both_routes(d):
    # Hermite closed form ↔ Kummer-function route (both sides of the switch by parity)
    assert rtv_gaussian(d, route="hyp1f1") == pytest.approx(rtv_gaussian(d, route="hermite"), rel=1e-12)


@pytest.mark.parametrize("d", [2, 4])
def test_hyp1f1_asymptotic_switch(d):
    # scipy's hyp1f1 below t = 13, the asymptotic series above: continuous across the switch
    t = np.array([12.999999, 13.000001])
    h = gaussian_rtv_profile(d, t)
    H = gaussian_rtv_profile(d, t, derivative=1)
    assert h[0] == pytest.approx(h[1], rel=1e-5)
    assert H[0] == pytest.approx(H[1], rel=1e-5)
    with mp.workdps(30):
        a = mp.mpf(d) / 2 + 1
        K = -(2 * mp.pi) ** (mp.mpf(d) / 2) * 2 ** (mp.mpf(d) / 2) * mp.gamma(mp.mpf(d) / 2 + 1) / mp.pi
        for tt in [13.5, 20.0, 100.0]:
            ex = float(K * mp.hyp1f1(a, 0.5, -mp.mpf(tt) ** 2 / 2))
            assert gaussian_rtv_profile(d, np.array([tt]))[0] == pytest.approx(ex, rel=1e-13)


def test_rtv_gaussian_symbolic_matches():
    for d in (1, 3, 5):
        assert float(rtv_gaussian_symbolic(d)) == pytest.approx(rtv_gaussian(d), rel=1e-13)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_rtv_radial_quadrature_and_scaling(d):
    s = 0.7
    F = lambda r: np.exp(-r ** 2 / (2 * s * s))
    # scaling law ‖f(·/s)‖ = ‖f‖/s; Hankel-quadrature route against the closed form
    assert rtv_radial(F, d) == pytest.approx(rtv_gaussian(d) / s, rel=1e-9)
    assert rtv_gaussian(d, scale=s) == pytest.approx(rtv_gaussian(d) / s, rel=1e-14)


def test_rtv_radial_given_fourier_transform():
    d = 3
    fhat = lambda tau: (2 * np.pi) ** 1.5 * np.exp(-tau ** 2 / 2)
    assert rtv_radial(lambda r: np.exp(-r ** 2 / 2), d, fourier=fhat) == pytest.approx(rtv_gaussian(3), rel=1e-12)


def test_rtv_radial_d1_is_l1_of_second_derivative():
    # another profile: F(r) = (1 + r²) e^{−r²/2}; d = 1: ‖f''‖_{L1}, f'' = (1 − 4x² + x⁴)e^{−x²/2},
    # by a dense trapezoid (error O(h²) ~ 1e-9 here)
    F = lambda r: (1 + r ** 2) * np.exp(-r ** 2 / 2)
    x = np.linspace(-20, 20, 400001)
    ref = np.trapezoid(np.abs((1 - 4 * x ** 2 + x ** 4) * np.exp(-x ** 2 / 2)), x)
    assert rtv_radial(F, 1) == pytest.approx(ref, rel=1e-7)


def test_radial_constants():
    assert [radial_constant(d) for d in (1, 2)] == [1.0, 0.5]
    assert radial_constant(5) == pytest.approx(1 / (12 * math.pi ** 2), rel=1e-15)


def test_rtv_radial_bad_input():
    with pytest.raises(TypeError, match="profile"):
        rtv_radial(3.0, 2)
    with pytest.raises(ValueError, match="decay"):
        rtv_radial(lambda r: np.ones_like(r), 2)
    with pytest.raises(ValueError, match="d must be"):
        rtv_gaussian(0)
    with pytest.raises(ValueError, match="scale"):
        rtv_gaussian(2, scale=-1.0)


# ------------------------------------------------------------------ Green's constants
def _pairing(n, g):
    """∫_{ℝⁿ} ρ (−Δ)^{g/2} φ dy for φ = e^{−|y|²/2}: must be φ(0) = 1.

    ψ = (−Δ)^{g/2}φ = 2^{g/2} Γ((g+n)/2)/Γ(n/2) ₁F₁((g+n)/2; n/2; −r²/2) [derived], itself
    checked at one radius against the inverse Fourier (Hankel) integral
    ψ(r) = r^{1−n/2} ∫₀^∞ s^g e^{−s²/2} J_{n/2−1}(rs) s^{n/2} ds.  ψ̂ = |ξ|^g φ̂ annihilates
    the null-space polynomials, so the pairing does not see them.
    """
    C, is_log = green_constant(n, g)
    with mp.workdps(20):
        h = mp.mpf(n) / 2
        A = 2 ** (mp.mpf(g) / 2) * mp.gamma((g + n) / mp.mpf(2)) / mp.gamma(h)
        psi = lambda r: A * mp.hyp1f1((g + n) / mp.mpf(2), h, -r * r / 2)
        r0 = mp.mpf("1.3")
        direct = r0 ** (1 - h) * mp.quad(lambda s: s ** g * mp.exp(-s * s / 2) * mp.besselj(h - 1, r0 * s)
                                         * s ** h, [0, 4, 8, 16])
        assert float(psi(r0) / direct) == pytest.approx(1.0, rel=1e-12)
        rho = lambda r: C * r ** (g - n) * (mp.log(r) if is_log else 1)
        area = 2 * mp.pi ** h / mp.gamma(h)
        return float(area * mp.quad(lambda r: rho(r) * psi(r) * r ** (n - 1), [0, 1, 3, 6, 12, mp.inf]))


@pytest.mark.parametrize("n,g", [(1, 2), (3, 2), (2, 3), (3, 4), (2, 4)])
def test_green_constant_fundamental_solution(n, g):
    assert _pairing(n, g) == pytest.approx(1.0, rel=1e-13)


@pytest.mark.parametrize("n,g", [(1, 2), (3, 2), (3, 4), (2, 4), (2, 2), (4, 4), (1, 4)])
def test_green_constant_symbolic_flux(n, g):
    assert check_fundamental_solution(n, g)
    c_sym, is_log = green_constant_symbolic(n, g)
    c_num, is_log2 = green_constant(n, g)
    assert is_log == is_log2 and float(c_sym) == pytest.approx(c_num, rel=1e-14)


def test_green_scales_of_activations():
    assert NormActivation().green_scale(2) == pytest.approx(-2 * math.pi, rel=1e-15)
    assert ThinPlate().green_scale(2) == pytest.approx(8 * math.pi, rel=1e-15)
    assert Polyharmonic(4).green_scale(3) == pytest.approx(-8 * math.pi, rel=1e-15)


# ------------------------------------------------------------------ atoms and weights
def test_canonical_atoms_invariances():
    rng = np.random.default_rng(0)
    d = 4
    U = rng.standard_normal((5, d))
    b = rng.standard_normal(5)
    v = rng.standard_normal(5)
    base = relu_rtv(U, b, v)
    assert base == pytest.approx(np.sum(np.abs(v) * np.linalg.norm(U, axis=1)), rel=1e-14)
    O, _ = np.linalg.qr(rng.standard_normal((d, d)))
    c = rng.standard_normal(d)
    assert relu_rtv(U @ O, b, v) == pytest.approx(base, rel=1e-13)           # rotation
    assert relu_rtv(U, b - U @ c, v) == pytest.approx(base, rel=1e-13)       # translation
    assert relu_rtv(U / 3.0, b, v) == pytest.approx(base / 3.0, rel=1e-13)    # f(·/s)


def test_domain_folding():
    # hyperplane x1 = 2 misses the unit ball (active side away): dropped; x1 = −2: affine
    at = canonical_relu_atoms([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [2.0, -2.0, 0.2], [1.0, 1.0, 1.0],
                              domain=Ball(1.0))
    assert at.weights.shape[0] == 1
    np.testing.assert_allclose(at.C[:, 0], [1.0, 0.0])
    np.testing.assert_allclose(at.c0, [2.0])
    # a cube of half-width 1 reaches uᵀx = (1+1)/√2 ≈ 1.41 along the diagonal
    u = np.array([[1.0, 1.0]]) / math.sqrt(2)
    assert canonical_relu_atoms(u, [1.3], [1.0], domain=Cube(1.0)).weights.shape[0] == 1
    assert canonical_relu_atoms(u, [1.3], [1.0], domain=Ball(1.0)).weights.shape[0] == 0


def test_bad_domain_and_inputs():
    with pytest.raises(TypeError, match="domain"):
        canonical_relu_atoms([[1.0]], [0.0], [1.0], domain="sphere")
    with pytest.raises(TypeError, match="domain"):
        canonical_relu_atoms([[1.0]], [0.0], [1.0], domain=lambda x: True)
    with pytest.raises(ValueError, match="radius"):
        Ball(-1.0)
    with pytest.raises(ValueError, match="zero"):
        canonical_relu_atoms([[0.0, 0.0]], [0.0], [1.0])
    with pytest.raises(ValueError, match="W must be finite"):
        canonical_relu_atoms([[np.nan, 0.0]], [0.0], [1.0])
    with pytest.raises(ValueError, match="b must have shape"):
        canonical_relu_atoms([[1.0, 0.0]], [0.0, 1.0], [1.0])


def test_weighted_variation_and_weights():
    U = np.array([[1.0, 0.0], [0.0, 1.0]])
    T = np.array([0.5, -0.25])
    A = np.array([2.0, -1.0])
    assert weighted_variation(U, T, A, lambda u, t: np.ones(len(t))) == 3.0
    assert weighted_variation(U, T, A, stable_weight) == pytest.approx(2 * 0.5 ** 4 + 0.75 ** 4)
    with pytest.raises(ValueError, match="non-negative"):
        weighted_variation(U, T, A, lambda u, t: -np.ones(len(t)))
    with pytest.raises(ValueError, match="shape"):
        weighted_variation(U, T, A, lambda u, t: np.ones(3))


def test_data_weight_one_dimensional_prop_e4():
    # d = 1: g₊(x) = Q(x)²(E(x) − x)√(1 + E(x)²) (2506.20779 Prop. E.4), g = min(g₊, g₋)
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(200, 1))
    g = data_weight(X)
    for t in [-0.6, 0.1, 0.8]:
        x = X[:, 0]
        up = x > t
        gp = up.mean() ** 2 * (x[up].mean() - t) * math.sqrt(1 + x[up].mean() ** 2)
        dn = -x > -t
        gm = dn.mean() ** 2 * ((-x[dn]).mean() + t) * math.sqrt(1 + x[dn].mean() ** 2)
        assert g(np.array([[1.0]]), np.array([t]))[0] == pytest.approx(min(gp, gm), rel=1e-13)
    # symmetric: g(u, t) = g(−u, −t); zero beyond the data
    assert g(np.array([[1.0]]), np.array([0.3]))[0] == g(np.array([[-1.0]]), np.array([-0.3]))[0]
    assert g(np.array([[1.0]]), np.array([1.5]))[0] == 0.0


def test_data_weight_decay_uniform_ball():
    # docs/theory/flat_minima.md: for uniform data on the ball g ≍ (1 − t)^{d+2}; fitted exponent
    rng = np.random.default_rng(5)
    d = 2
    Z = rng.standard_normal((200000, d))
    X = Z / np.linalg.norm(Z, axis=1, keepdims=True) * rng.uniform(size=(200000, 1)) ** (1 / d)
    g = data_weight(X, chunk=8)
    eps = np.array([0.3, 0.2, 0.13])
    vals = g(np.tile([[1.0, 0.0]], (3, 1)), 1 - eps)
    slope = np.polyfit(np.log(eps), np.log(vals), 1)[0]
    assert abs(slope - (d + 2)) < 0.4
