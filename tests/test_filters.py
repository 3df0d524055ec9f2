"""Fourier filters in t: symmetry, exact Gaussian closed forms, padding error, windows.

Oracle: in ℝⁿ, (−Δ)^{k/2} e^{−|t|²} = 2^k Γ((n+k)/2)/Γ(n/2) · 1F1((n+k)/2; n/2; −|t|²)
(docs/theory/kplane.md §Closed forms with d = n + k; checked here against mpmath quadrature of the radial
Fourier integral for n = 1).

What holds for the discrete filter F = Eᵀ C E (zero-pad E to P samples, circulant C with a
real even symbol, truncate Eᵀ): it is *exactly* symmetric, ⟨Fg, h⟩ = ⟨g, Fh⟩, and it
commutes with the reversal t → −t of a symmetric offset grid, because C commutes with the
reflections and shifts of ℤ_P.  Padding and truncation do not break either property; they
only make F differ from the continuous filter (the wrap-around error measured below).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy.special import gamma, hyp1f1

from ridgekit.kplane.filters import FILTERS, filter_multiplier, fourier_filter, padded_length
from ridgekit.kplane.transform import KPlaneTransform

from .adjoint import check_adjoint
from .conftest import tol


def filtered_gaussian(r2, n, k):
    """(−Δ)^{k/2} e^{−|t|²} in ℝⁿ at |t|² = r2."""
    return 2.0 ** k * gamma((n + k) / 2) / gamma(n / 2) * hyp1f1((n + k) / 2, n / 2, -r2)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_filtered_gaussian_formula_against_mpmath(k):
    """n = 1: (−∂²)^{k/2} e^{−t²} = (1/π) ∫_0^∞ ω^k √π e^{−ω²/4} cos(ωt) dω (30 digits)."""
    with mpmath.workdps(30):
        for t in (0.0, 0.4, 1.3, 2.7):
            val = mpmath.quad(lambda w: w ** k * mpmath.sqrt(mpmath.pi) * mpmath.exp(-w * w / 4)
                              * mpmath.cos(w * t), [0, 4, 12, mpmath.inf]) / mpmath.pi
            assert abs(filtered_gaussian(t * t, 1, k) - float(val)) <= 1e-13 * max(1.0, abs(float(val)))


CASES = [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2)]


@pytest.mark.parametrize("n,k", CASES)
def test_filter_is_symmetric(n, k, tolerances):
    """⟨F g, h⟩ = ⟨g, F h⟩ (plain inner product over the offset axes), with the checker."""
    T = {1: 37, 2: 13, 3: 7}[n]
    shape = (3,) + (T,) * n
    F = lambda g: fourier_filter(g, 0.3, order=k, n_axes=n)  # noqa: E731
    rep = check_adjoint(F, F, shape, shape, rng=10 * n + k)
    assert rep.error < tolerances["adjoint"], rep
    if n == 1:
        for name in FILTERS:
            Fw = lambda g, name=name: fourier_filter(g, 0.3, order=k, filter_name=name)  # noqa: E731
            assert check_adjoint(Fw, Fw, shape, shape, rng=k).error < tolerances["adjoint"], name


@pytest.mark.parametrize("n,k", CASES)
def test_filter_commutes_with_reversal(n, k, tolerances):
    """F(g ∘ (−id)) = (F g) ∘ (−id) on a symmetric grid; a symmetric input stays symmetric."""
    gen = np.random.default_rng(20 * n + k)
    T = {1: 41, 2: 15, 3: 9}[n]
    g = gen.standard_normal((2,) + (T,) * n)
    rev = (slice(None),) + (slice(None, None, -1),) * n
    out = fourier_filter(g, 0.25, order=k, n_axes=n)
    out_rev = fourier_filter(g[rev], 0.25, order=k, n_axes=n)
    assert np.abs(out_rev - out[rev]).max() <= tolerances["identity"] * np.abs(out).max()
    sym = g + g[rev]
    fs = fourier_filter(sym, 0.25, order=k, n_axes=n)
    assert np.abs(fs - fs[rev]).max() <= tolerances["identity"] * np.abs(fs).max()


@pytest.mark.parametrize("k,bound", [(1, 1e-12), (2, 1e-11), (3, 1e-10), (4, 2e-9)])
def test_filter_gaussian_exact_n1(k, bound):
    """n = 1: odd k uses the band-limited ramp kernel of Kak & Slaney (exact linear
    convolution for band-limited data), even k the exact polynomial multiplier; a Gaussian
    sampled at h = 0.05 on [−8, 8] is band-limited to e^{−(π/h)²/4} ≈ 1e-430 and zero at the
    ends to e^{−64}, so only rounding remains, amplified by the multiplier's size
    (π/h)^k ≈ 63^k: measured 2e-14, 6e-13, 1.3e-11, 2.5e-10 for k = 1..4."""
    t = np.linspace(-8, 8, 321)
    out = fourier_filter(np.exp(-t ** 2), t[1] - t[0], order=k)
    exact = filtered_gaussian(t ** 2, 1, k)
    assert np.abs(out - exact).max() <= bound * np.abs(exact).max()


def _gaussian_error(n, k, h, half):
    T = int(round(2 * half / h)) + 1
    t = np.linspace(-half, half, T)
    r2 = sum(g * g for g in np.meshgrid(*([t] * n), indexing="ij"))
    out = fourier_filter(np.exp(-r2), t[1] - t[0], order=k, n_axes=n)
    exact = filtered_gaussian(r2, n, k)
    inside = r2 <= 4.0
    return np.abs(out - exact)[inside].max() / np.abs(exact).max(), padded_length(T) * (t[1] - t[0])


@pytest.mark.parametrize("n,k,h", [(2, 1, 0.2), (2, 3, 0.2), (3, 1, 0.4)])
def test_filter_gaussian_wraparound_n_ge_2_odd_k(n, k, h):
    """n ≥ 2, odd k: the multiplier |w|^k sampled on the padded DFT grid is the continuous
    kernel (decaying like |t|^{−n−k}) periodised with period P·h; its images at distance
    ≳ P·h/2 cause the only error.  Doubling P·h (same h, twice the half-width) must divide
    the error by ≈ 2^{n+k}; we require 0.8·2^{n+k}.  Measured: (2,1): 1.5e-4 → 1.9e-5 (8.1×),
    (2,3): 2.0e-7 → 6.2e-9 (33×), (3,1): 9.7e-6 → 6.2e-7 (15.7×)."""
    e1, L1 = _gaussian_error(n, k, h, 6.0)
    e2, L2 = _gaussian_error(n, k, h, 12.0)
    # P is a fast length ≥ 2T, so P·h nearly doubles (×2 for (3,1), 250/128 for n = 2);
    # the expected gain is (L2/L1)^{n+k}
    assert L2 / L1 >= 1.9, (L1, L2)
    assert e1 / e2 >= 0.8 * (L2 / L1) ** (n + k), (e1, e2)
    assert e1 < 5e-4


@pytest.mark.parametrize("n,k", [(2, 2), (3, 2)])
def test_filter_gaussian_even_order_n_ge_2(n, k):
    """Even k: (−Δ)^{k/2} is a differential operator, its multiplier a polynomial sampled
    exactly on the DFT grid, so no wrap-around error: only rounding (measured 9e-15, 9e-11)."""
    err, _ = _gaussian_error(n, k, 0.2 if n == 2 else 1 / 3, 6.0 if n == 2 else 5.0)
    assert err < 1e-9


def test_filter_multiplier_properties():
    """Real, even in the DFT layout, ≥ 0, and ≈ |ω|^k/h^k at low frequency; windows in [0, 1]
    equal 1 at ω = 0 and decrease the multiplier."""
    P, h = 128, 0.1
    omega = 2 * np.pi * np.fft.fftfreq(P)
    for k in (1, 2, 3):
        ramp = filter_multiplier(P, h, order=k)
        assert ramp.shape == (P,) and np.isrealobj(ramp)
        assert np.allclose(ramp, np.roll(ramp[::-1], 1), rtol=0, atol=1e-12 * ramp.max())
        assert ramp.min() >= -1e-12 * ramp.max()
        # odd k: the DFT of the truncated band-limited ramp kernel is |ω| up to O(1/P) near
        # ω = 0 (its DC value is ≈ 2·(2π/P)/h, a known property of Kak & Slaney's kernel
        # truncated to P taps); away from the lowest bins it is |ω| to 2 %
        low = (np.abs(omega) < 0.5) & (np.abs(omega) >= 4 * 2 * np.pi / P)
        assert np.allclose(ramp[low], (np.abs(omega[low]) / h) ** k, rtol=0.02, atol=0)
        assert ramp[0] <= (2 * 2 * np.pi / P / h) ** k
        for name in FILTERS[1:]:
            win = filter_multiplier(P, h, order=k, filter_name=name)
            assert np.all(win <= ramp * (1 + 1e-12) + 1e-12)
            assert np.allclose(win, np.roll(win[::-1], 1), rtol=0, atol=1e-12 * ramp.max())
    m2 = filter_multiplier(16, 1.0, order=2, n_axes=2)
    assert m2.shape == (16, 16)
    w = 2 * np.pi * np.fft.fftfreq(16)
    assert np.allclose(m2, w[:, None] ** 2 + w[None, :] ** 2, rtol=1e-14, atol=1e-14)


def test_padded_length():
    assert [padded_length(T) for T in (1, 31, 32, 33, 41, 100, 113)] == [64, 64, 64, 72, 90, 200, 240]

    def smooth5(m):
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        return m == 1

    for T in range(1, 300):  # the smallest even 5-smooth length ≥ max(64, 2T), by enumeration
        lo = max(64, 2 * T)
        assert padded_length(T) == next(m for m in range(lo, 4 * lo) if m % 2 == 0 and smooth5(m)), T


def _pow2(T):
    """The padded length before fast lengths were used: max(64, 2^⌈log₂ 2T⌉)."""
    return max(64, 1 << (2 * T - 1).bit_length())


def _filter_reference(g, h, k, n, P):
    """Zero-pad each of the last n axes to P, full complex numpy.fft.fftn, multiply, crop.
    The multiplier is built here: n = 1, odd k from the spatial kernel of Kak & Slaney
    (1988, Chap. 3, Eq. 61) laid out by distance min(j, P − j), times the exact ω^{k−1};
    otherwise |w|^k sampled on the DFT grid."""
    omega = 2 * np.pi * np.fft.fftfreq(P)
    if n == 1 and k % 2 == 1:
        dist = np.minimum(np.arange(P), P - np.arange(P))
        kern = np.where(dist % 2 == 1, -1.0 / (np.pi * np.maximum(dist, 1)) ** 2, 0.0)
        kern[0] = 0.25
        mult = 2 * np.pi * np.real(np.fft.fft(kern)) * omega ** (k - 1)
    else:
        grids = np.meshgrid(*([omega] * n), indexing="ij")
        mult = sum(w * w for w in grids) ** (k / 2)
    axes = tuple(range(g.ndim - n, g.ndim))
    G = np.fft.fftn(g, s=(P,) * n, axes=axes) * (mult / h ** k)
    return np.real(np.fft.ifftn(G, axes=axes))[(Ellipsis,) + (slice(0, g.shape[-1]),) * n]


@pytest.mark.parametrize("n,T", [(1, 41), (1, 113), (1, 200), (1, 401), (2, 41), (2, 113), (3, 17), (3, 41)])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_filter_pruned_fft_matches_full_padding(n, T, k):
    """The pruned transform (padding rows skipped) is the zero-padded DFT filter at the same
    P, to rounding (T = 41, 401 give P ≡ 2 mod 4: 90, 810)."""
    g = np.random.default_rng(n * 100 + T + k).standard_normal((2,) + (T,) * n)
    ref = _filter_reference(g, 0.07, k, n, padded_length(T))
    out = fourier_filter(g, 0.07, order=k, n_axes=n)
    assert np.abs(out - ref).max() <= 1e-12 * np.abs(ref).max()


@pytest.mark.parametrize("n,T", [(1, 33), (1, 41), (1, 113), (1, 300), (1, 401), (2, 32), (2, 64), (3, 17), (3, 32)])
def test_filter_equals_power_of_two_padding(n, T):
    """Where the padding change does not change the discrete filter, the result equals the
    power-of-two-padded one to rounding: n = 1 with the ramp (k = 1), whose spatial kernel
    is the same on every even grid of length ≥ 2T − 1 (so also equal to the direct linear
    convolution with it), and n ≥ 2 at sizes where both rules give the same P.  For n ≥ 2
    with odd k and P below the power of two (e.g. T = 113, P = 240 instead of 256) the
    sampled |w|^k is the continuous kernel periodised with the shorter period P·h: the
    result moves by the change of that wrap-around error (bounded in
    ``test_filter_gaussian_wraparound_n_ge_2_odd_k``), not by rounding."""
    g = np.random.default_rng(T).standard_normal((2,) + (T,) * n)
    h = 0.05
    out = fourier_filter(g, h, order=1, n_axes=n)
    ref = _filter_reference(g, h, 1, n, _pow2(T))
    assert n == 1 or padded_length(T) == _pow2(T)
    assert np.abs(out - ref).max() <= 1e-12 * np.abs(ref).max()
    if n == 1:  # direct linear convolution with the Kak–Slaney kernel, no FFT
        d = np.arange(-(T - 1), T)
        kern = np.where(d % 2 != 0, -1.0 / (np.pi * np.maximum(np.abs(d), 1)) ** 2, 0.0)
        kern[T - 1] = 0.25
        direct = 2 * np.pi / h * np.array([np.convolve(row, kern)[T - 1:2 * T - 1]
                                           for row in g])
        assert np.abs(out - direct).max() <= 1e-12 * np.abs(direct).max()


@pytest.mark.parametrize("name", FILTERS)
def test_cached_multiplier_is_the_multiplier_and_read_only(name):
    """One-axis multipliers are cached between calls: the cached half spectrum is
    filter_multiplier's (bit for bit), cannot be written through, and a second call with
    other spacings or orders does not see the first's; the filtered result of a repeated call
    is bit-identical, and identical on one thread and on two (the FFT's workers follow
    numba's thread setting; rows are transformed independently)."""
    import numba

    from ridgekit.kplane import filters

    g = np.random.default_rng(5).standard_normal((7, 50))
    first = fourier_filter(g, 0.3, order=1, filter_name=name)
    P = padded_length(50) if name == "ramp" else filters._power_of_two_length(50)
    half = filters._half_multiplier_1d(P, 0.3, 1, name)
    assert np.array_equal(half, filter_multiplier(P, 0.3, order=1, filter_name=name)[: P // 2 + 1])
    with pytest.raises(ValueError):
        half[0] = 1.0
    other = fourier_filter(g, 0.6, order=3, filter_name=name)
    ref = _filter_reference(g, 0.6, 3, 1, P) if name == "ramp" else None
    if ref is not None:
        assert np.abs(other - ref).max() <= 1e-12 * np.abs(ref).max()
    assert np.array_equal(fourier_filter(g, 0.3, order=1, filter_name=name), first)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = fourier_filter(g, 0.3, order=1, filter_name=name)
    finally:
        numba.set_num_threads(threads)
    assert np.array_equal(one, first)


def test_filter_none_copies():
    g = np.arange(12.0).reshape(3, 4)
    out = fourier_filter(g, 1.0, order=1, filter_name=None)
    assert np.array_equal(out, g) and out is not g


@pytest.mark.parametrize("name", FILTERS)
def test_windows_converge_to_ramp(name):
    """Every window is 1 − O(ν²) at the frequency ν = ωh in radians per sample
    (shepp-logan sin(ν/2)/(ν/2), cosine cos(ν/2), hamming/hann raised cosines centred on
    ω = 0, up to an O(1/P²) offset that also shrinks with h), so on a fixed smooth function
    the windowed filter tends to the plain ramp at second order as h → 0: ratio ≥ 3 per
    halving of h."""
    errs = []
    for h in (0.1, 0.05):
        t = np.arange(-8, 8 + h / 2, h)
        g = np.exp(-t ** 2)
        errs.append(np.abs(fourier_filter(g, h, order=1, filter_name=name)
                           - fourier_filter(g, h, order=1)).max())
    if name == "ramp":
        assert errs == [0.0, 0.0]
    else:
        assert errs[0] / errs[1] >= 3.0, errs


def test_transform_filter_matches_fourier_filter():
    R = KPlaneTransform((8, 8, 8), 4, k=1, extent=1.0, rule="fibonacci")
    g = np.random.default_rng(1).standard_normal(R.sinogram_shape)
    assert np.array_equal(R.filter(g), fourier_filter(g, R.t_spacing, order=1, n_axes=2))
    with pytest.raises(ValueError, match="filter_name"):
        R.filter(g, "hann")  # windows are for one offset axis only
    assert tol(np.float64, "identity") > 0
