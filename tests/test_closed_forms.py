"""kplane.closed_forms against mpmath at 30 digits, Monte Carlo, and its own invariances.

Oracles (mpmath at raised precision; closed form, quadrature and Monte Carlo three ways):

* Gaussian transform: mpmath quadrature of the defining integral ∫_{ℝᵏ} f(Θt + Θ_⊥u) du,
  with Θ and Θ_⊥ orthonormalised at 30 digits.  For k = 1 the 1-D integral is done
  directly; for k ≥ 2 Fubini is used on the quadratic form of the exponent in the
  orthonormal coordinates u (u ↦ |Θt + Θ_⊥u − a|² expanded numerically, its Gram matrix
  Θ_⊥ᵀΘ_⊥ checked to be the identity to 1e-28), giving a product of 1-D mpmath quads.
* Ball transform: polar coordinates in the plane around an interior point; the radial
  extent along each direction is the root of the *ambient* quadratic |q + ρΘ_⊥ω − a|² = r²
  and the angular integral is an mpmath quad (k = 2: 1-D, k = 3: 2-D); k = 1 integrates
  the chord between the two roots.
* Backprojections: mpmath quad over the Beta(n/2, k/2) projection law, and Monte Carlo
  over Haar frames with a 5-standard-error bound.
* Filtered Gaussian: mpmath radial inverse Fourier (cosine for n = 1, Hankel otherwise).
Tolerances: mpmath closed form vs mpmath quadrature 1e-25 (30-digit arithmetic); float64
closed form vs mpmath 1e-13 relative (a few ulps of exp / hyp1f1 / gamma, measured).
"""

import math

import mpmath as mp
import numpy as np
import pytest

from ridgekit.kplane import closed_forms as cf
from ridgekit.kplane.stiefel import stiefel_sample

PAIRS = [(2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3)]
DPS = 30
TOL_MP = mp.mpf("1e-25")
RTOL_F64 = 1e-13


# ------------------------------------------------------------------------- helpers
def _mp_frame(Th):
    """Gram–Schmidt at 30 digits: (columns of Θ, columns of Θ_⊥) as mpmath matrices."""
    d, n = Th.shape
    cols = []
    candidates = [mp.matrix([float(v) for v in Th[:, j]]) for j in range(n)]
    candidates += [mp.matrix([1 if i == j else 0 for i in range(d)]) for j in range(d)]
    for v in candidates:
        w = v.copy()
        for c in cols:
            w -= (c.T * w)[0] * c
        nrm = mp.norm(w)
        if nrm > mp.mpf("1e-3"):
            cols.append(w / nrm)
        if len(cols) == d:
            break
    return cols[:n], cols[n:]


def _dot(u, v):
    return (u.T * v)[0]


def _case(rng, d, k):
    n = d - k
    Th = stiefel_sample(d, n, 1, rng=rng)[0]
    a = rng.uniform(-0.5, 0.5, d)
    tt = Th.T @ a + rng.uniform(-0.4, 0.4, n)          # a plane near the centre
    return Th, a, tt


def _mp_vec(x):
    return mp.matrix([mp.mpf(float(v)) for v in np.atleast_1d(x)])


def _mp_gaussian_quad(Th, a, tt, scale, amp):
    """∫_{ℝᵏ} A exp(−|Θt + Θ_⊥u − a|²/(2s²)) du by mpmath quadrature (see module notes)."""
    cols, perp = _mp_frame(Th)
    a_, t_ = _mp_vec(a), _mp_vec(tt)
    p = sum((t_[j] * cols[j] for j in range(len(cols))), mp.matrix(len(a), 1))
    s2 = 2 * mp.mpf(scale) ** 2
    if len(perp) == 1:
        v = perp[0]
        f = lambda u: mp.exp(-mp.norm(p + u * v - a_) ** 2 / s2)  # noqa: E731  (direct, k = 1)
        return mp.mpf(amp) * mp.quad(f, [-mp.inf, 0, mp.inf])
    gram = [[_dot(u, v) for v in perp] for u in perp]
    off = max(abs(gram[i][j] - (1 if i == j else 0)) for i in range(len(perp)) for j in range(len(perp)))
    assert off < mp.mpf("1e-28")
    q = p - a_
    out = mp.mpf(amp) * mp.exp(-_dot(q, q) / s2)
    for i, v in enumerate(perp):
        gi, hi = gram[i][i], _dot(v, q)
        out *= mp.quad(lambda u: mp.exp(-(gi * u * u + 2 * hi * u) / s2), [-mp.inf, 0, mp.inf])
    return out


def _mp_ball_quad(Th, a, tt, radius):
    """Volume of {u : |Θt + Θ_⊥u − a| ≤ r} by polar quadrature (see module notes)."""
    cols, perp = _mp_frame(Th)
    a_, t_ = _mp_vec(a), _mp_vec(tt)
    r = mp.mpf(radius)
    p = sum((t_[j] * cols[j] for j in range(len(cols))), mp.matrix(len(a), 1))
    k = len(perp)
    foot = [_dot(v, a_ - p) for v in perp]                # in-plane coordinates of the centre
    q0 = p + sum((foot[i] * perp[i] for i in range(k)), mp.matrix(len(a), 1))
    R2 = r ** 2 - mp.norm(q0 - a_) ** 2                   # squared slice radius, ambient
    assert R2 > 0
    # interior origin, off the centre so that the radial extent is a genuine function
    q = q0 + mp.mpf("0.35") * mp.sqrt(R2) * perp[0]

    # ambient quantities of the quadratic |q + ρ v − a|² = r², v = Θ_⊥ω, precomputed so that
    # the integrand is scalar arithmetic: |v|² = ωᵀGω, v·(q − a) = ωᵀh
    G = [[_dot(u, v) for v in perp] for u in perp]
    h = [_dot(v, q - a_) for v in perp]
    C = mp.norm(q - a_) ** 2 - r ** 2

    def extent(w):
        A = sum(w[i] * w[j] * G[i][j] for i in range(k) for j in range(k))
        B = sum(w[i] * h[i] for i in range(k))
        return (-B + mp.sqrt(B * B - A * C)) / A            # positive root (C < 0: q inside)

    if k == 1:
        return extent([1]) + extent([-1])
    if k == 2:
        return mp.quad(lambda phi: extent([mp.cos(phi), mp.sin(phi)]) ** 2 / 2, [0, mp.pi, 2 * mp.pi])

    def g(th, phi):
        st = mp.sin(th)
        return st * extent([st * mp.cos(phi), st * mp.sin(phi), mp.cos(th)]) ** 3 / 3
    return mp.quad(g, [0, mp.pi], [0, mp.pi, 2 * mp.pi])


def _beta_expectation(h, a, b):
    """E h(U), U ~ Beta(a, b), by mpmath quad after u = sin²θ (smooth integrand; the
    density's endpoint singularities are absorbed in 2 sin^{2a−1}θ cos^{2b−1}θ dθ)."""
    def f(th):
        sn, cs = mp.sin(th), mp.cos(th)
        return h(sn * sn) * 2 * sn ** (2 * a - 1) * cs ** (2 * b - 1)
    return mp.quad(f, [0, mp.pi / 4, mp.pi / 2]) / mp.beta(a, b)


def _rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


# --------------------------------------------------------------- forward transforms
@pytest.mark.parametrize("d,k", PAIRS)
def test_gaussian_transform_vs_mpmath(d, k):
    rng = np.random.default_rng(100 + 10 * d + k)
    Th, a, tt = _case(rng, d, k)
    scale, amp = 0.8, -1.7
    with mp.workdps(DPS):
        quad = _mp_gaussian_quad(Th, a, tt, scale, amp)
        # the closed form in 30 digits, with Θᵀa from the 30-digit frame
        cols, _ = _mp_frame(Th)
        a_, t_ = _mp_vec(a), _mp_vec(tt)
        dist2 = sum((t_[j] - _dot(cols[j], a_)) ** 2 for j in range(len(cols)))
        s = mp.mpf(scale)
        closed = amp * (2 * mp.pi * s ** 2) ** (mp.mpf(k) / 2) * mp.exp(-dist2 / (2 * s ** 2))
        assert abs(closed - quad) <= TOL_MP * abs(quad)
        t_arg = tt[0] if d - k == 1 else tt
        val = cf.gaussian_transform(Th, t_arg, d=d, k=k, center=a, scale=scale, amplitude=amp)
        assert val.shape == ()
        assert _rel(float(val), float(quad)) < RTOL_F64


@pytest.mark.parametrize("d,k", PAIRS)
def test_ball_transform_vs_mpmath(d, k):
    rng = np.random.default_rng(200 + 10 * d + k)
    Th, a, tt = _case(rng, d, k)
    radius = 1.3
    with mp.workdps(DPS):
        quad = _mp_ball_quad(Th, a, tt, radius)
        cols, _ = _mp_frame(Th)
        a_, t_ = _mp_vec(a), _mp_vec(tt)
        dist2 = sum((t_[j] - _dot(cols[j], a_)) ** 2 for j in range(len(cols)))
        Vk = mp.pi ** (mp.mpf(k) / 2) / mp.gamma(mp.mpf(k) / 2 + 1)
        closed = Vk * (mp.mpf(radius) ** 2 - dist2) ** (mp.mpf(k) / 2)
        assert abs(closed - quad) <= TOL_MP * abs(quad)
        val = cf.ball_transform(Th[None], np.atleast_1d(tt)[None] if d - k > 1 else [tt[0]], k=k,
                                radius=radius, center=a)
        assert val.shape == (1, 1)
        assert _rel(float(val[0, 0]), float(quad)) < RTOL_F64


def test_ball_transform_outside_is_zero_and_flat_top():
    xi = np.array([[1.0, 0.0, 0.0]])
    v = cf.ball_transform(xi, [-2.0, -1.0, 0.0, 1.0, 2.0], k=2, radius=1.0)
    assert np.array_equal(v[0, [0, 1, 3, 4]], np.zeros(4))
    assert v[0, 2] == pytest.approx(math.pi, rel=1e-15)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_radial_transform_vs_mpmath(k):
    tn = np.array([0.0, 0.4, 1.1])
    got = cf.radial_transform(lambda x: math.exp(-x * x / 2), tn, k=k)
    got_ball = cf.radial_transform(lambda x: 1.0, tn, k=k, support=1.2)
    with mp.workdps(DPS):
        for i, tv in enumerate(tn):
            tv = mp.mpf(float(tv))
            area = 2 * mp.pi ** (mp.mpf(k) / 2) / mp.gamma(mp.mpf(k) / 2)
            ref = area * mp.quad(lambda u: mp.exp(-(tv ** 2 + u ** 2) / 2) * u ** (k - 1), [0, mp.inf])
            assert abs(ref - (2 * mp.pi) ** (mp.mpf(k) / 2) * mp.exp(-tv ** 2 / 2)) < TOL_MP
            # QUADPACK with epsrel=1e-12: compare at 1e-11
            assert _rel(got[i], float(ref)) < 1e-11
            upper = mp.sqrt(mp.mpf("1.44") - tv ** 2)
            ref_ball = area * mp.quad(lambda u: u ** (k - 1), [0, upper])
            assert _rel(got_ball[i], float(ref_ball)) < 1e-11
    # and the closed form agrees with the radial quadrature for the same profile
    Th = np.eye(k + 2)[:, :2]
    grid = np.stack([tn, np.zeros_like(tn)], axis=-1)
    assert np.allclose(cf.gaussian_transform(Th, grid, k=k, d=k + 2), got, rtol=1e-11, atol=0)


def test_radial_transform_rejects_bad_profile():
    with pytest.raises(TypeError, match="profile"):
        cf.radial_transform(1.0, [0.0], k=1)


# ------------------------------------------------------------------- isotropy, shapes
@pytest.mark.parametrize("d,k", [(3, 1), (4, 1), (4, 2), (5, 2)])
def test_isotropy(d, k):
    rng = np.random.default_rng(300 + d + k)
    n = d - k
    Th = stiefel_sample(d, n, 4, rng=rng)
    O = stiefel_sample(n, n, 4, rng=rng)                    # Haar on O(n)
    a = rng.standard_normal(d)
    tt = rng.standard_normal((4, n))
    ThO = np.einsum("mdn,mnj->mdj", Th, O)
    Ot = np.einsum("mnj,mn->mj", O, tt)                     # Oᵀ t
    for fn, kw in ((cf.gaussian_transform, {"scale": 0.7}), (cf.ball_transform, {"radius": 2.0})):
        lhs = fn(ThO, Ot, k=k, center=a, paired=True, **kw)
        rhs = fn(Th, tt, k=k, center=a, paired=True, **kw)
        assert lhs.shape == (4,)
        np.testing.assert_allclose(lhs, rhs, rtol=1e-13, atol=1e-15)


def test_radon_evenness_n1():
    rng = np.random.default_rng(7)
    xi = stiefel_sample(3, 1, 5, rng=rng)[:, :, 0]
    tgrid = np.linspace(-2, 2, 9)
    a = np.array([0.3, -0.2, 0.1])
    g1 = cf.gaussian_transform(xi, tgrid, k=2, center=a)   # (5, 3): unit rows, read as 5 normals
    g2 = cf.gaussian_transform(-xi, -tgrid, k=2, center=a)
    assert g1.shape == (5, 9)
    np.testing.assert_allclose(g1, g2, rtol=1e-14)


def test_shapes_shared_paired_single():
    rng = np.random.default_rng(11)
    Th = stiefel_sample(4, 2, 3, rng=rng)
    grid = rng.standard_normal((5, 6, 2))
    out = cf.gaussian_transform(Th, grid, k=2)
    assert out.shape == (3, 5, 6)
    # shared grid equals evaluating each frame alone
    for i in range(3):
        np.testing.assert_array_equal(out[i], cf.gaussian_transform(Th[i], grid, k=2))
    paired = cf.gaussian_transform(Th, grid[:3], k=2, paired=True)
    assert paired.shape == (3, 6)
    for i in range(3):
        np.testing.assert_allclose(paired[i], out[i, i], rtol=0, atol=0)
    # n = 1: scalar offsets of any shape; (m, d) unit normals
    xi = stiefel_sample(3, 1, 2, rng=rng)[:, :, 0]
    assert cf.ball_transform(xi, np.zeros((4, 5)), k=2).shape == (2, 4, 5)
    assert cf.ball_transform(xi, 0.0, k=2).shape == (2,)


def test_mass_conservation_fourier_slice():
    """∫ R_k f(Θ, t) dt = ∫ f for a Gaussian (trapezoid in t, spectrally accurate)."""
    rng = np.random.default_rng(5)
    Th = stiefel_sample(3, 1, 4, rng=rng)
    tgrid = np.linspace(-12, 12, 481)
    a = np.array([0.4, 0.1, -0.3])
    vals = cf.gaussian_transform(Th, tgrid, k=2, center=a, scale=1.3)
    mass = vals.sum(axis=1) * (tgrid[1] - tgrid[0])
    expected = cf.gaussian_fourier(np.zeros((1, 3)), scale=1.3)[0]
    np.testing.assert_allclose(mass, expected, rtol=1e-13)


# ------------------------------------------------------------------ backprojections
@pytest.mark.parametrize("d,k", PAIRS + [(5, 2)])
def test_gaussian_backprojection_vs_beta_law(d, k):
    n = d - k
    radii = [0.0, 0.3, 1.0, 2.5, 6.0]
    x = np.array([[rv] + [0.0] * (d - 1) for rv in radii])
    got = cf.gaussian_backprojection(x, d=d, k=k)
    got_surf = cf.gaussian_backprojection(x, d=d, k=k, measure="surface")
    with mp.workdps(DPS):
        a, b = mp.mpf(n) / 2, mp.mpf(k) / 2
        mass = mp.fprod(2 * mp.pi ** (mp.mpf(i) / 2) / mp.gamma(mp.mpf(i) / 2) for i in range(d - n + 1, d + 1))
        for i, rv in enumerate(radii):
            r2 = mp.mpf(rv) ** 2
            law = _beta_expectation(lambda u: mp.exp(-r2 * u), a, b)
            closed = mp.hyp1f1(a, a + b, -r2)
            assert abs(law - closed) <= TOL_MP * abs(closed)
            assert _rel(got[i], float(law)) < RTOL_F64
            assert _rel(got_surf[i], float(mass * law)) < RTOL_F64


@pytest.mark.parametrize("d,k", [(3, 1), (3, 2), (4, 2), (5, 3)])
def test_gaussian_backprojection_monte_carlo(d, k):
    rng = np.random.default_rng(400 + 10 * d + k)
    n = d - k
    x = rng.standard_normal(d)
    x *= 1.2 / np.linalg.norm(x)
    Th = stiefel_sample(d, n, 40000, rng=rng)
    samples = np.exp(-np.sum(np.einsum("mdn,d->mn", Th, x) ** 2, axis=1))
    se = samples.std(ddof=1) / math.sqrt(samples.size)
    # 5 standard errors: a false alarm has probability < 1e-6
    assert abs(samples.mean() - cf.gaussian_backprojection(x, d=d, k=k)) < 5 * se


@pytest.mark.parametrize("d,k", [(3, 2), (3, 1), (4, 2), (4, 3)])
def test_ball_backprojection_vs_beta_law(d, k):
    n = d - k
    radii = [0.0, 0.5, 1.0, 1.7, 4.0]
    x = np.array([[rv] + [0.0] * (d - 1) for rv in radii])
    got = cf.ball_backprojection(x, d=d, k=k, radius=1.0)
    with mp.workdps(DPS):
        a, b = mp.mpf(n) / 2, mp.mpf(k) / 2
        for i, rv in enumerate(radii):
            upper = mp.mpf(1) if rv <= 1 else 1 / mp.mpf(rv) ** 2
            ref = mp.quad(lambda u: u ** (a - 1) * (1 - u) ** (b - 1), [0, upper]) / mp.beta(a, b)
            assert _rel(got[i], float(ref)) < 1e-13


# ------------------------------------------------------------------------ filtering
def _mp_filtered_quad(d, k, tv):
    """Radial inverse Fourier transform of |w|^k π^{d/2} e^{−|w|²/4} on ℝⁿ."""
    n = d - k
    ghat = lambda w: w ** k * mp.pi ** (mp.mpf(d) / 2) * mp.exp(-w * w / 4)  # noqa: E731
    if tv == 0:
        area = 2 * mp.pi ** (mp.mpf(n) / 2) / mp.gamma(mp.mpf(n) / 2)
        return (2 * mp.pi) ** (-n) * area * mp.quad(lambda w: ghat(w) * w ** (n - 1), [0, mp.inf])
    if n == 1:
        return mp.quad(lambda w: ghat(w) * mp.cos(w * tv), [0, mp.inf]) / mp.pi
    nu = mp.mpf(n) / 2 - 1
    return ((2 * mp.pi) ** (-mp.mpf(n) / 2) * tv ** (1 - mp.mpf(n) / 2)
            * mp.quad(lambda w: ghat(w) * mp.besselj(nu, w * tv) * w ** (mp.mpf(n) / 2), [0, mp.inf]))


@pytest.mark.parametrize("d,k", PAIRS + [(5, 2)])
def test_filtered_gaussian_transform_vs_fourier(d, k):
    n = d - k
    tn = [0.0, 0.35, 1.0, 2.2]
    got = cf.filtered_gaussian_transform(tn, d=d, k=k)
    with mp.workdps(DPS):
        const = mp.pi ** (mp.mpf(k) / 2) * 2 ** k * mp.gamma(mp.mpf(d) / 2) / mp.gamma(mp.mpf(n) / 2)
        for i, tv in enumerate(tn):
            tv = mp.mpf(tv)
            quad = _mp_filtered_quad(d, k, tv)
            closed = const * mp.hyp1f1(mp.mpf(d) / 2, mp.mpf(n) / 2, -tv ** 2, zeroprec=4 * mp.mp.prec)  # exact zeros for k ≥ 2
            # the filtered profile has zeros for k ≥ 2: compare on the scale of its value at 0
            assert abs(quad - closed) <= TOL_MP * const
            assert abs(got[i] - float(quad)) <= RTOL_F64 * float(const)


@pytest.mark.parametrize("d,k", PAIRS + [(5, 2)])
def test_inversion_recovers_gaussian(d, k):
    """c_{d,k} R_k*[K π^{k/2} e^{−|t|²}](x) = e^{−|x|²}: mpmath over the Beta law, at 30 digits,
    and the float functions on a Gauss–Jacobi rule."""
    n = d - k
    with mp.workdps(DPS):
        a, b = mp.mpf(n) / 2, mp.mpf(k) / 2
        c = mp.gamma(a) / ((4 * mp.pi) ** b * mp.gamma(mp.mpf(d) / 2))
        const = mp.pi ** b * 2 ** k * mp.gamma(mp.mpf(d) / 2) / mp.gamma(a)
        for rv in (0.0, 0.7, 1.6):
            r2 = mp.mpf(rv) ** 2
            F = lambda u: const * mp.hyp1f1(mp.mpf(d) / 2, a, -r2 * u, zeroprec=4 * mp.mp.prec)  # noqa: E731
            rec = c * _beta_expectation(F, a, b)
            assert abs(rec - mp.exp(-r2)) < TOL_MP
    from scipy.special import roots_jacobi
    nodes, weights = roots_jacobi(60, k / 2 - 1, n / 2 - 1)          # weight (1−z)^α (1+z)^β on [−1, 1]
    u = (1 + nodes) / 2                                             # u ~ Beta(n/2, k/2)
    weights = weights / weights.sum()
    for rv in (0.0, 0.7, 1.6):
        rec = cf.inversion_constant(d, k) * np.dot(weights, cf.filtered_gaussian_transform(rv * np.sqrt(u), d=d, k=k))
        # terms are bounded by c·F(0) = 1; scipy's float64 Gauss–Jacobi nodes and weights
        # carry ~1e-14 errors each, summed over 60 nodes
        assert abs(rec - math.exp(-rv * rv)) < 5e-13


def test_hand_check_radon_3d():
    """docs/theory/kplane.md §Closed forms: (1/(2π)) E_{u∼U[−1,1]} π(2 − 4a²u²)e^{−a²u²} = e^{−a²}."""
    with mp.workdps(DPS):
        for av in ("0", "0.5", "1.3"):
            a = mp.mpf(av)
            lhs = mp.quad(lambda u: mp.pi * (2 - 4 * a * a * u * u) * mp.exp(-a * a * u * u), [-1, 1]) / 2
            assert abs(lhs / (2 * mp.pi) - mp.exp(-a * a)) < TOL_MP
    u = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(cf.filtered_gaussian_transform(np.abs(0.9 * u), d=3, k=2),
                               math.pi * (2 - 4 * 0.81 * u ** 2) * np.exp(-0.81 * u ** 2), rtol=1e-14, atol=1e-15)


# ------------------------------------------------------------------------ constants
@pytest.mark.parametrize("d,k", PAIRS + [(5, 2), (7, 3)])
def test_inversion_constant_vs_sphere_areas(d, k):
    n = d - k
    with mp.workdps(DPS):
        area = lambda m: 2 * mp.pi ** (mp.mpf(m) / 2) / mp.gamma(mp.mpf(m) / 2)  # noqa: E731
        c = area(d) / (area(n) * (2 * mp.pi) ** k)
        mass = mp.fprod(area(i) for i in range(d - n + 1, d + 1))
        assert _rel(cf.inversion_constant(d, k), float(c)) < RTOL_F64
        assert _rel(cf.inversion_constant(d, k, "surface"), float(c / mass)) < RTOL_F64
        xi = np.array([0.25, 1.0, 3.5])
        np.testing.assert_allclose(cf.normal_multiplier(xi, d, k), [float(mp.mpf(v) ** (-k) / c) for v in xi],
                                   rtol=RTOL_F64)
        np.testing.assert_allclose(cf.normal_multiplier(xi, d, k, "surface"),
                                   [float(mass * mp.mpf(v) ** (-k) / c) for v in xi], rtol=RTOL_F64)
    assert cf.normal_multiplier(0.0, d, k) == np.inf


@pytest.mark.parametrize("d,k,table", [(2, 1, 1 / 2), (3, 1, 1 / math.pi), (3, 2, 1 / (2 * math.pi)),
                                       (4, 2, 1 / (4 * math.pi))])
def test_inversion_constant_table_of_transforms_md(d, k, table):
    # docs/theory/kplane.md §Inversion table; the test above computes the same values independently
    assert cf.inversion_constant(d, k) == pytest.approx(table, rel=1e-15)


# ------------------------------------------------------------------------ bad input
def test_bad_input():
    Th = np.eye(3)[:, :1]
    with pytest.raises(ValueError, match="k"):
        cf.inversion_constant(3, 3)
    with pytest.raises(ValueError, match="k"):
        cf.inversion_constant(3, 0)
    with pytest.raises(TypeError, match="k"):
        cf.gaussian_transform(Th, 0.0, k=1.5)
    with pytest.raises(ValueError, match="k"):
        cf.gaussian_transform(Th[None], 0.0, k=1)          # n = 1 needs k = 2
    with pytest.raises(ValueError, match="frames"):
        cf.gaussian_transform(np.array([[[1.0], [1.0], [0.0]]]), 0.0, k=2)
    with pytest.raises(ValueError, match="t"):
        cf.gaussian_transform(Th, [0.0, np.nan], k=2)
    with pytest.raises(ValueError, match="t"):
        cf.gaussian_transform(np.eye(4)[None, :, :2], np.zeros(3), k=2)
    with pytest.raises(ValueError, match="radius"):
        cf.ball_transform(Th, 0.0, k=2, radius=-1.0)
    with pytest.raises(ValueError, match="scale"):
        cf.gaussian_transform(Th, 0.0, k=2, scale=0.0)
    with pytest.raises(TypeError, match="amplitude"):
        cf.gaussian_transform(Th, 0.0, k=2, amplitude="big")
    with pytest.raises(ValueError, match="center"):
        cf.gaussian_transform(Th, 0.0, k=2, center=[0.0, 1.0])
    with pytest.raises(ValueError, match="measure"):
        cf.gaussian_backprojection(np.zeros(3), d=3, k=1, measure="haar")
    with pytest.raises(ValueError, match="x"):
        cf.gaussian_backprojection(np.zeros(4), d=3, k=1)
    with pytest.raises(ValueError, match="t_norm"):
        cf.filtered_gaussian_transform([-1.0], d=3, k=1)
    with pytest.raises(ValueError, match="xi_norm"):
        cf.normal_multiplier([np.inf], 3, 1)
    # (3, 2) with k = 1 fits 3 normals in R² or one frame in R³: rows not unit → one frame
    assert cf.ball_transform(np.eye(3)[:, :2], [0.0, 0.0], k=1).shape == ()
    with pytest.raises(ValueError, match="paired"):
        cf.gaussian_transform(stiefel_sample(3, 1, 2, rng=0), np.zeros(5), k=2, paired=True)
