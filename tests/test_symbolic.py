"""kplane.symbolic: the derived expressions equal the stated ones, and both equal mpmath."""

import mpmath as mp
import pytest
import sympy as sp

from ridgekit.kplane import symbolic as S

PAIRS = [(2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3)]
TOL = mp.mpf("1e-25")


@pytest.fixture(scope="module")
def rows():
    return S.checks()


def test_every_check_passes(rows):
    assert len(rows) == 11 * len(PAIRS) + 1
    failed = [row.name for row in rows if not row.passed]
    assert failed == []


def test_checks_can_fail():
    wrong = S.Check("wrong", sp.simplify(S.inversion_constant(3, 2) - 1 / (4 * sp.pi)), "")
    assert not wrong.passed
    assert not S.Check("wrong numeric", False, "").passed


def _mp(expr):
    with mp.workdps(30):
        return mp.mpf(str(sp.N(expr, 30)))


@pytest.mark.parametrize("d,k", PAIRS)
def test_constants_vs_mpmath(d, k):
    n = d - k
    with mp.workdps(30):
        area = lambda m: 2 * mp.pi ** (mp.mpf(m) / 2) / mp.gamma(mp.mpf(m) / 2)  # noqa: E731
        c = area(d) / (area(n) * (2 * mp.pi) ** k)
        mass = mp.fprod(area(i) for i in range(k + 1, d + 1))
        assert abs(_mp(S.inversion_constant(d, k)) - c) < TOL * c
        assert abs(_mp(S.inversion_constant(d, k, "surface")) - c / mass) < TOL * c / mass
        assert abs(_mp(S.stiefel_volume(d, n)) - mass) < TOL * mass
        assert abs(_mp(S.normal_multiplier(d, k).subs(S.xi, sp.Rational(3, 2))) - mp.mpf(1.5) ** (-k) / c) < TOL
        assert abs(_mp(S.sphere_area(d)) - area(d)) < TOL


@pytest.mark.parametrize("d,k", PAIRS)
def test_transforms_vs_mpmath(d, k):
    n = d - k
    tv, sv, av, rv, xv = sp.Rational(3, 10), sp.Rational(5, 4), sp.Rational(-7, 10), sp.Rational(11, 10), sp.Rational(4, 5)
    with mp.workdps(30):
        t, s, A, r, x = (mp.mpf(str(v)) for v in (sp.N(tv, 40), sp.N(sv, 40), sp.N(av, 40), sp.N(rv, 40), sp.N(xv, 40)))
        # Gaussian: ∫ over u ∈ ℝᵏ by mpmath, one coordinate (Fubini, orthonormal coordinates)
        line = mp.quad(lambda u: mp.exp(-u * u / (2 * s * s)), [-mp.inf, 0, mp.inf])
        ref = A * mp.exp(-t * t / (2 * s * s)) * line ** k
        got = _mp(S.gaussian_transform(k).subs({S.t: tv, S.s: sv, S.amplitude: av}))
        assert abs(got - ref) < TOL * abs(ref)
        # ball: |S^{k−1}| ∫_0^R ρ^{k−1} dρ with |S^{k−1}| from mpmath gamma
        R = mp.sqrt(r * r - t * t)
        area_k = 2 * mp.pi ** (mp.mpf(k) / 2) / mp.gamma(mp.mpf(k) / 2)
        ref = area_k * mp.quad(lambda p: p ** (k - 1), [0, R])
        got = _mp(S.ball_transform(k).subs({S.t: tv, S.r: rv}))
        assert abs(got - ref) < TOL * ref
        assert S.ball_transform(k).subs({S.t: 2, S.r: 1}) == 0
        # backprojection: Beta(n/2, k/2) law, by mpmath after u = sin²θ
        a, b = mp.mpf(n) / 2, mp.mpf(k) / 2
        f = lambda th: mp.exp(-x * x * mp.sin(th) ** 2) * 2 * mp.sin(th) ** (2 * a - 1) * mp.cos(th) ** (2 * b - 1)  # noqa: E731
        ref = mp.quad(f, [0, mp.pi / 4, mp.pi / 2]) / mp.beta(a, b)
        for expand in (True, False):
            got = _mp(S.gaussian_backprojection(d, k, expand=expand).subs(S.rho, xv))
            assert abs(got - ref) < TOL * ref
        # filtered Gaussian: mpmath Kummer function times the constant
        const = mp.pi ** b * 2 ** k * mp.gamma(mp.mpf(d) / 2) / mp.gamma(a)
        ref = const * mp.hyp1f1(mp.mpf(d) / 2, a, -t * t)
        for expand in (True, False):
            got = _mp(S.filtered_gaussian_transform(d, k, expand=expand).subs(S.t, tv))
            assert abs(got - ref) < TOL * const


@pytest.mark.parametrize("d,k", [(3, 2), (4, 1), (4, 3)])
def test_derivations_match_closed_forms(d, k):
    assert sp.simplify(S.derive_gaussian_transform(d, k) - S.gaussian_transform(k)) == 0
    assert sp.simplify(S.derive_inversion_constant(d, k) - S.inversion_constant(d, k)) == 0
    assert sp.simplify(S.derive_normal_constant(d, k) * S.inversion_constant(d, k)) == 1
    assert sp.simplify(S.derive_sphere_area(d) - S.sphere_area(d)) == 0


def test_symbolic_dimensions():
    d, k = sp.symbols("d k", positive=True, integer=True)
    c = S.inversion_constant(d, k)
    assert sp.simplify(c.subs({d: 4, k: 2}) - 1 / (4 * sp.pi)) == 0
    assert S.gaussian_backprojection(d, k) == sp.hyper([(d - k) / 2], [d / 2], -S.rho ** 2)


def test_bad_input():
    with pytest.raises(ValueError, match="k"):
        S.inversion_constant(3, 3)
    with pytest.raises(TypeError, match="k"):
        S.gaussian_transform(1.5)
    with pytest.raises(ValueError, match="measure"):
        S.inversion_constant(3, 1, "haar")
    with pytest.raises(ValueError, match="d"):
        S.derive_gaussian_transform(1, 1)
