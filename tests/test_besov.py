"""Besov norms through PyWavelets (splines.besov, docs/theory/nla.md §Besov norms through wavelets).

Every expected value is computed independently: a single wavelet is built by PyWavelets'
inverse transform and its norm is the closed form 2^{j(s + d/2 − d/p)}; the Sobolev norm
is computed by FFT; growth exponents come from the theory of jumps (s − 1/p).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pywt = pytest.importorskip("pywt")

from ridgekit.splines.besov import BesovWarning, besov_norm, besov_sample_points, besov_sequence_norm, wavelet_limits

PARAMS = [(1.0, 2.0, 2.0), (0.5, 1.0, math.inf), (1.2, 4.0, 1.0), (0.7, math.inf, 3.0), (1.5, 0.5, 0.5)]


def _single_wavelet(N, d, level, band_level, index, wavelet="db4", band=None):
    """Samples (N^{d/2} × the coefficient layout) of one L²-normalised wavelet."""
    c = pywt.wavedecn(np.zeros((N,) * d), wavelet, mode="periodization", level=level)
    key = band or "d" * d
    c[band_level][key][index] = 1.0
    return pywt.waverecn(c, wavelet, mode="periodization") * N ** (d / 2)


@pytest.mark.parametrize("d, N", [(1, 256), (2, 64), (3, 64)])
@pytest.mark.parametrize("s, p, q", PARAMS)
def test_single_wavelet_norm_is_the_level_weight(d, N, s, p, q):
    J = int(math.log2(N))
    level = 3
    inv_p = 0.0 if p == math.inf else 1.0 / p
    for band_level in (1, 2, 3):                       # PyWavelets' list position, coarse to fine
        j = J - level + band_level - 1
        f = _single_wavelet(N, d, level, band_level, (1,) * d)
        expected = 2.0 ** (j * (s + d / 2 - d * inv_p))
        got = besov_norm(f, s, p, q, level=level, wavelet="db4", prefilter=False)
        # orthonormal DWT: exact up to rounding.  For p < 1 the rounding noise ε ≈ 1e-16 of
        # the N^d zero coefficients enters as N^d ε^p (p = 1/2: 2.6e-3 at N^d = 2.6e5),
        # relative to 1, and the 1/p-th power doubles it.
        rel = 1e-10 if p >= 1 else 4 * N ** d * 1e-16 ** p
        assert got == pytest.approx(expected, rel=rel)


def test_single_wavelet_mixed_band_2d():
    f = _single_wavelet(64, 2, 2, 2, (3, 5), band="ad")
    j = 6 - 2 + 1
    assert besov_norm(f, 1.0, 1.0, 2.0, level=2, prefilter=False) == pytest.approx(2.0 ** (j * (1 + 1 - 2)), rel=1e-10)


def test_sequence_norm_matches_formula():
    rng = np.random.default_rng(7)
    c = pywt.wavedecn(rng.standard_normal((32, 32)), "db2", mode="periodization", level=3)
    s, p, q, j0 = 0.8, 1.5, 2.5, 2
    coarse = 2.0 ** (j0 * 2 * (0.5 - 1 / p)) * np.sum(np.abs(c[0]) ** p) ** (1 / p)
    lev = [2.0 ** ((j0 + i) * (s + 1 - 2 / p)) * sum(np.sum(np.abs(v) ** p) for v in c[i + 1].values()) ** (1 / p)
           for i in range(3)]
    expected = coarse + sum(x ** q for x in lev) ** (1 / q)
    out = besov_sequence_norm(c, s, p, q, j0=j0, full_output=True)
    assert out.value == pytest.approx(expected, rel=1e-13)
    assert np.allclose(out.levels, lev, rtol=1e-13) and out.j.tolist() == [2, 3, 4]
    assert besov_sequence_norm(c, s, p, q, j0=j0, seminorm=True) == pytest.approx(expected - coarse, rel=1e-13)
    # the 1-D (wavedec) and 2-D (wavedec2) layouts give the same numbers
    x = rng.standard_normal(64)
    c1 = pywt.wavedec(x, "db2", mode="periodization", level=3)
    cn = pywt.wavedecn(x, "db2", mode="periodization", level=3)
    assert besov_sequence_norm(c1, s, p, q) == pytest.approx(besov_sequence_norm(cn, s, p, q), rel=1e-14)


def test_smooth_norms_converge_under_refinement():
    f1 = lambda X: np.exp(np.sin(2 * np.pi * X[:, 0]))
    f2 = lambda X: np.sin(2 * np.pi * X[:, 0]) * np.cos(4 * np.pi * X[:, 1])
    for f, d, sizes in [(f1, 1, (64, 256, 1024, 4096)), (f2, 2, (32, 64, 128, 256))]:
        for s, p, q in [(1.0, 2.0, 2.0), (1.5, 1.0, 1.0), (0.5, math.inf, math.inf)]:
            v = np.array([besov_norm(f, s, p, q, n=n, d=d) for n in sizes])
            diffs = np.abs(np.diff(v))
            # the truncated tail decays like 2^{−J(r − s)} with r ≈ vanishing moments (4):
            # successive differences shrink and the last is below 1e-3 relative
            assert diffs[-1] < 1e-3 * v[-1]
            assert diffs[-1] <= diffs[0] + 1e-14


@pytest.mark.parametrize("p", [1.0, 2.0, 4.0])
def test_jump_finite_exactly_below_one_over_p(p):
    """1_[1/4, 3/4) (periodic, two jumps) is in B^s_{p,q} iff s < 1/p (q < ∞)."""
    f = lambda X: ((X[:, 0] >= 0.25) & (X[:, 0] < 0.75)).astype(float)
    sizes = [2 ** J for J in range(9, 15)]
    below, above = 0.6 / p, 1.0 / p + 0.3
    vb = np.array([besov_norm(f, below, p, 2.0, n=n, d=1) for n in sizes])
    va = np.array([besov_norm(f, above, p, 2.0, n=n, d=1) for n in sizes])
    # below: increments shrink geometrically (ratio 2^{−(1/p − s)·q}... ≤ 1) and stay small
    inc = np.diff(vb)
    assert np.all(inc[1:] < inc[:-1] * 0.95) and inc[-1] < 0.05 * vb[-1]
    # above: the level terms grow like 2^{J(s − 1/p)}: fitted exponent of the increments
    slope = np.polyfit(np.log2(sizes[1:]), np.log2(np.diff(va ** 2) ** 0.5), 1)[0]
    assert slope == pytest.approx(above - 1.0 / p, abs=0.05)


def test_boundary_periodic_vs_interior():
    """f(x) = x is smooth inside but jumps at the periodic boundary."""
    f = lambda X: X[:, 0]
    sizes = (256, 1024, 4096)
    per = [besov_norm(f, 1.0, 2.0, 2.0, n=n, d=1) for n in sizes]
    inner = [besov_norm(f, 1.0, 2.0, 2.0, n=n, d=1, boundary="interior") for n in sizes]
    assert per[2] / per[1] == pytest.approx(2.0, rel=0.05)         # 2^{ΔJ (s − 1/2)} = 2^{2·0.5}
    assert abs(inner[2] - inner[1]) < 1e-3 * inner[2]              # interior: converged
    assert inner[2] < 0.1 * per[2]


def test_sobolev_equivalence_p_q_2():
    """B^s_{2,2} (db4 wavelet norm) ≍ H^s (FFT: Σ (1 + 4π²k²)^s |f̂_k|²): ratio bounds.

    Reported constants (N = 1024, db4, 9 pure frequencies 0..128 and 4 random spectra):
    s = 0.5: [0.36, 1.00], s = 1: [0.15, 1.00], s = 1.5: [0.074, 1.00]; the upper bound 1 is
    the constant function, the lower end comes from frequencies near a level's band edge.
    The assertion allows 20 % around them.
    """
    N = 1024
    x = besov_sample_points(N)
    rng = np.random.default_rng(11)
    k = np.fft.fftfreq(N, 1.0 / N)
    bounds = {0.5: (0.36, 1.0), 1.0: (0.146, 1.0), 1.5: (0.074, 1.0)}
    for s, (lo, hi) in bounds.items():
        ratios = []
        tests = [np.cos(2 * np.pi * kk * x + 0.3) for kk in (0, 1, 2, 4, 8, 16, 32, 64, 128)]
        kk = np.arange(1, 200.0)
        for g in (1.0, 1.5, 2.0, 3.0):
            tests.append((kk ** -g * np.cos(2 * np.pi * np.outer(x, kk) + rng.uniform(0, 2 * np.pi, kk.size))).sum(1))
        for v in tests:
            F = np.fft.fft(v) / N
            sob = math.sqrt(np.sum((1 + 4 * np.pi ** 2 * k ** 2) ** s * np.abs(F) ** 2))
            ratios.append(besov_norm(v, s, 2.0, 2.0) / sob)
        assert lo / 1.2 <= min(ratios) and max(ratios) <= hi * 1.2


def test_wavelet_limits_and_warning():
    assert wavelet_limits("haar", 2.0) == (1, 0.5)
    assert wavelet_limits("db2", 2.0) == (2, 1.0)
    assert wavelet_limits("coif2", 2.0) == (4, None)
    f = np.sin(2 * np.pi * np.arange(256) / 256)
    with pytest.warns(BesovWarning, match="smoothness"):
        besov_norm(f, 0.7, 2.0, 2.0, wavelet="haar")
    with pytest.raises(ValueError, match="vanishing moments"):
        besov_norm(f, 2.0, 2.0, 2.0, wavelet="db2")
    with pytest.raises(ValueError, match="vanishing moments"):
        besov_norm(f, 1.0, 2.0, 2.0, wavelet="haar")


def test_two_dimensional_interior_and_callable_agree_with_array():
    n = 64
    x = besov_sample_points(n)
    X0, X1 = np.meshgrid(x, x, indexing="ij")
    arr = np.cos(2 * np.pi * X0) * np.sin(2 * np.pi * X1)
    fun = lambda X: np.cos(2 * np.pi * X[:, 0]) * np.sin(2 * np.pi * X[:, 1])
    assert besov_norm(arr, 1.0, 2.0, 2.0) == besov_norm(fun, 1.0, 2.0, 2.0, n=n, d=2)
    full = besov_norm(arr, 1.0, 2.0, 2.0, full_output=True)
    inner = besov_norm(arr, 1.0, 2.0, 2.0, boundary="interior", full_output=True)
    assert np.all(inner.levels <= full.levels + 1e-15)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(s=0.0), ValueError, "s must"),
    (dict(s=-1.0), ValueError, "s must"),
    (dict(s="1"), TypeError, "s must"),
    (dict(p=0.0), ValueError, "p must"),
    (dict(p=-2.0), ValueError, "p must"),
    (dict(q=float("nan")), ValueError, "q must"),
    (dict(q=0), ValueError, "q must"),
    (dict(wavelet="db99"), ValueError, "pywt.wavelist"),
    (dict(wavelet="morl"), ValueError, "pywt.wavelist"),
    (dict(wavelet="bior2.2"), ValueError, "orthogonal"),
    (dict(level=9), ValueError, "level"),
    (dict(level=0), ValueError, "level"),
    (dict(boundary="zero"), ValueError, "boundary"),
])
def test_bad_input(kwargs, exc, match):
    args = dict(s=1.0, p=2.0, q=2.0)
    args.update(kwargs)
    f = np.ones(64)
    with pytest.raises(exc, match=match):
        besov_norm(f, args.pop("s"), args.pop("p"), args.pop("q"), **args)


def test_bad_grids():
    with pytest.raises(ValueError, match="power-of-2"):
        besov_norm(np.ones(100), 1.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="power-of-2"):
        besov_norm(np.ones((64, 32)), 1.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="too coarse"):
        besov_norm(np.ones(4), 1.0, 2.0, 2.0, wavelet="db4")
    with pytest.raises(ValueError, match="dimension"):
        besov_norm(np.ones((2, 2, 2, 2)), 1.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="grid size n"):
        besov_norm(lambda X: X[:, 0], 1.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="finite"):
        besov_norm(np.full(64, np.nan), 1.0, 2.0, 2.0)


# --- the fused numba prefilter against the previous implementation (oracle) ---------------

def _reference_prefilter(arr, w):
    """The implementation besov_norm used before the numba kernel (scipy correlate1d along
    every axis, periodic), kept verbatim as the oracle: a_k = Σ_l φ(l) f_{k+l+o}."""
    from scipy.ndimage import correlate1d

    from ridgekit.splines.besov import _pywt_offset, scaling_function_at_integers

    taps = scaling_function_at_integers(w)
    nz = np.nonzero(taps)[0]
    taps = taps[: nz[-1] + 1]
    o = _pywt_offset(w)
    T = taps.size
    origin = -o - T // 2
    out = arr
    for axis in range(arr.ndim):
        assert -(T // 2) <= origin <= (T - 1) // 2
        out = correlate1d(out, taps, axis=axis, mode="wrap", origin=origin)
    return out


def _literal_prefilter(arr, w):
    """The definition itself: Σ_l φ(l) f_{k+l+o} by np.roll, one axis after the other."""
    from ridgekit.splines.besov import _pywt_offset, scaling_function_at_integers

    taps = scaling_function_at_integers(w)
    o = _pywt_offset(w)
    out = arr
    for axis in range(arr.ndim):
        out = sum(t * np.roll(out, -(l + o), axis=axis) for l, t in enumerate(taps))
    return out


WAVELETS = ["haar", "db2", "db4", "sym4", "coif2", "db8"]


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_reference_prefilter_is_the_definition(wavelet):
    w = pywt.Wavelet(wavelet)
    rng = np.random.default_rng(3)
    for shape in [(32,), (16, 32), (16, 16, 32)]:
        x = rng.standard_normal(shape)
        np.testing.assert_allclose(_reference_prefilter(x, w), _literal_prefilter(x, w), rtol=0, atol=1e-13)


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_numba_prefilter_matches_reference(wavelet):
    from ridgekit.splines.besov import _prefilter

    w = pywt.Wavelet(wavelet)
    rng = np.random.default_rng(4)
    for shape in [(64,), (32, 32), (16, 16, 16), (16, 32), (32, 16, 64)]:
        x = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3)
        got = _prefilter(x, w)
        ref = _reference_prefilter(x, w)
        assert got.shape == x.shape and got.dtype == np.float64
        assert np.max(np.abs(got - ref)) <= 1e-13 * np.max(np.abs(ref))
    y = rng.standard_normal((32, 32))
    yc = y.copy()
    _prefilter(y, w)
    np.testing.assert_array_equal(y, yc)                  # the input is not modified


@pytest.mark.filterwarnings("ignore::ridgekit.splines.besov.BesovWarning")
@pytest.mark.parametrize("d, N", [(1, 512), (2, 64), (3, 32)])
@pytest.mark.parametrize("wavelet", ["haar", "db2", "db4", "sym4", "coif2"])
def test_besov_norm_with_numba_prefilter_equals_previous(monkeypatch, d, N, wavelet):
    import ridgekit.splines.besov as besov
    rng = np.random.default_rng(5 + d)
    f = rng.standard_normal((N,) * d)
    f_c = f.copy()
    vm = pywt.Wavelet(wavelet).vanishing_moments_psi
    cases = [(s, p, q) for s, p, q in PARAMS if s < vm] + [(0.3, 1.5, 2.0)]
    new = {}
    for boundary in ("periodic", "interior"):
        for s, p, q in cases:
            new[boundary, s, p, q] = besov_norm(f, s, p, q, wavelet=wavelet, boundary=boundary, full_output=True)
    np.testing.assert_array_equal(f, f_c)
    monkeypatch.setattr(besov, "_prefilter", _reference_prefilter)
    for (boundary, s, p, q), got in new.items():
        ref = besov_norm(f, s, p, q, wavelet=wavelet, boundary=boundary, full_output=True)
        assert got.value == pytest.approx(ref.value, rel=1e-12, abs=0)
        assert got.coarse == pytest.approx(ref.coarse, rel=1e-12, abs=0)
        np.testing.assert_allclose(got.levels, ref.levels, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(got.j, ref.j)



def test_prefilter_accepts_strided_and_float32_input():
    rng = np.random.default_rng(6)
    f = rng.standard_normal((64, 64, 64))[::2, ::-2, 1::2]       # (32, 32, 32), not contiguous
    ref = besov_norm(np.ascontiguousarray(f), 1.0, 2.0, 2.0)
    assert besov_norm(f, 1.0, 2.0, 2.0) == pytest.approx(ref, rel=1e-14)
    g = rng.standard_normal((64, 64)).astype(np.float32)
    assert besov_norm(g, 1.0, 2.0, 2.0) == pytest.approx(besov_norm(g.astype(np.float64), 1.0, 2.0, 2.0), rel=1e-14)
