"""Second-order Radon-domain total variation of a function sampled on a grid.

‖f‖_R = γ_d ‖∂_t² Λ^{d−1} R f‖_{L¹(S^{d−1} × ℝ)},  γ_d = 1/(2(2π)^{d−1}),

with the surface measure on S^{d−1} and Λ^{d−1} = (−∂_t²)^{(d−1)/2} (multiplier
:math:`|τ|^{d−1}`): the R-norm of Ongie, Willett, Soudry & Srebro (ICLR 2020, arXiv 1910.01635)
and Parhi & Nowak, the variation norm of shallow ReLU networks (docs/theory/rnorm.md,
[derived] constant; checked against the radial closed form ``radon.norms.rtv_gaussian``
in the tests).  Since R(Δf) = ∂_t² R f, the filter ∂_t² Λ^{d−1} is the Fourier multiplier
:math:`−|τ|^{d+1}` in t.  In d = 1 the norm is :math:`∫|f''|` (Savarese et al., 2019).
"""

from __future__ import annotations

import numpy as np

from ridgekit._numba import num_threads
from ridgekit._validation import as_float_array, check_int, check_positive
from ridgekit.kplane.filters import FILTERS
from ridgekit.kplane.stiefel import sphere_area

from .norms import radon_constant
from .transform import RadonTransform

__all__ = ["rtv_seminorm"]

_DEFAULT_DIRECTIONS = {2: 360, 3: 1024}


def rtv_seminorm(values, *, spacing=1.0, n_directions=None, filter_name="ramp", rng=0,
                 return_profile=False):
    """Radon-domain TV (second order) of a function sampled on a centred regular grid.

    Parameters
    ----------
    values : ndarray, shape (N₁, …, N_d), d = 1..5 (any d ≥ 1 works; cost grows)
        Samples f(x) at the cell-centred nodes x_a = (i_a + ½ − N_a/2)·spacing (the
        grid is centred at the origin); f should vanish near the boundary of the box.
    spacing : float
        Grid step h (the same on every axis).
    n_directions : int, optional
        Quadrature nodes on S^{d−1} (d ≥ 2): uniform half-circle angles in d = 2
        (default 360), a spherical Fibonacci lattice in d = 3 (default 1024), scrambled
        Sobol frames beyond (default 2048).  The direction integral of an L¹ norm is
        only as smooth as the data; for functions with smooth Radon transforms the
        quadrature error is well below the grid error at these defaults.
    filter_name : str
        Window of the :math:`|τ|^{d+1}` filter (``"ramp"``: none; ``"hann"`` etc. damp the
        highest frequencies, at the cost of a bias).
    rng : None, int or Generator
        For the randomised direction rule (d ≥ 4).
    return_profile : bool
        Also return the Radon data of (−Δ)^{(d+1)/2} f (directions × offsets) and the
        transform.

    Returns
    -------
    float
        ‖f‖_R, computed as :math:`γ_d |S^{d−1}| · (1/m) Σ_j ∫ |(∂_t² Λ^{d−1} R f)(ξ_j, t)| dt`
        (probability weights times the sphere area = surface measure).

    Notes
    -----
    d = 1: :math:`∫|f''|` of the piecewise-linear interpolant, :math:`Σ_i |f_{i+1} − 2f_i + f_{i−1}|/h`,
    exact for linear splines with knots on grid nodes.  d ≥ 2: by the intertwining
    ∂_t² Λ^{d−1} R f = −R (−Δ)^{(d+1)/2} f (R(Δf) = ∂_t² Rf, docs/theory/kplane.md §Fourier slice), the
    high-order derivative is taken first, spectrally, on the d-dimensional grid, and the
    smooth result is Radon transformed (:class:`radon.RadonTransform`, second-order
    accurate) and integrated with the trapezoidal rule in t.  Differentiating the
    discrete Radon data instead would amplify its O(h²) grid-scale artefacts by
    h^{−(d+1)}.  The result converges at second order in h for smooth, rapidly decaying
    f (tested for the Gaussian in d = 1..5 against the closed form).

    Examples
    --------
    The Gaussian :math:`e^{−|x|²/2}` in d = 2 against its closed form:

    >>> import numpy as np
    >>> from ridgekit.radon.norms import rtv_gaussian
    >>> h = 0.2
    >>> x = (np.arange(60) + 0.5 - 30) * h
    >>> X, Y = np.meshgrid(x, x, indexing="ij")
    >>> val = rtv_seminorm(np.exp(-(X**2 + Y**2) / 2), spacing=h)
    >>> bool(abs(val / rtv_gaussian(2) - 1) < 1e-2)
    True
    """
    f = as_float_array(values, "values")
    h = check_positive(spacing, "spacing")
    if filter_name not in FILTERS:
        raise ValueError(f"filter_name must be one of {list(FILTERS)}, got {filter_name!r}")
    d = f.ndim
    if d == 1:
        if f.size < 3:
            raise ValueError(f"values needs at least 3 samples in d = 1, got {f.size}")
        tv = float(np.abs(np.diff(f, 2)).sum() / h)
        return (tv, None) if return_profile else tv
    if min(f.shape) < 2:
        raise ValueError(f"values must have at least 2 samples per axis, got shape {f.shape}")
    m = n_directions if n_directions is not None else _DEFAULT_DIRECTIONS.get(d, 2048)
    m = check_int(m, "n_directions", minimum=1)
    u = _laplacian_power(f, h, d + 1, filter_name)
    extent = [0.5 * N * h for N in f.shape]
    R = RadonTransform(f.shape, m, extent=extent, rng=rng)
    g = _deblur(R.forward(u), R, _UPSAMPLE)
    # L¹ in t on the upsampled profile (trapezoid = sum: g vanishes at both ends)
    l1 = float(np.abs(g).sum(axis=1) @ R.weights) * R.t_spacing / _UPSAMPLE
    val = radon_constant(d) * sphere_area(d) * l1
    return (val, (g, R)) if return_profile else val


#: Band-limited upsampling factor of the Radon profiles before the L¹ integral in t: the
#: trapezoidal rule for |g| loses accuracy at the zeros of g (kinks of |g|); on the
#: 8-times finer grid that error drops ~64-fold.
_UPSAMPLE = 8


def _deblur(g, R, upsample=1):
    """Divide out, per direction, the exact transfer function of the forward transform's
    kernel, sinc(τw/2)·sinc(τh_t/2) (cell footprint box of width w against detector bins
    of width h_t; sinc² for the hat kernel), which otherwise biases the L¹ norm by O(h²);
    it stays >= (2/π)² up to the Nyquist frequency, so the division is well conditioned.
    Then resample the band-limited profile on a grid ``upsample`` times finer (zero
    padding of the spectrum).  Returns an array (m, T·upsample) on t_0 + i·h_t/upsample."""
    from scipy import fft as _fft

    T = g.shape[1]
    P = 2 * T
    tau = 2 * np.pi * _fft.rfftfreq(P, d=R.t_spacing)
    w = R.footprints[:, 0] * R.t_spacing
    bins = np.sinc(tau * R.t_spacing / (2 * np.pi)) ** (1 if R.kernel == "box" else 2)
    kern = np.sinc(np.outer(w, tau) / (2 * np.pi)) * bins[None, :]
    G = _fft.rfft(g, n=P, axis=1, workers=num_threads()) / kern
    if P % 2 == 0:  # split the Nyquist bin so the upsampled signal stays real and symmetric
        G[:, -1] *= 0.5
    fine = _fft.irfft(G, n=P * upsample, axis=1, workers=num_threads()) * upsample
    return fine[:, : T * upsample]


def _laplacian_power(f, h, order, filter_name):
    """(−Δ)^{order/2} f on the grid by the d-dimensional FFT (multiplier :math:`|ξ|^{order}`).

    The FFT computes the periodic sum Σ_k u(x + kL) of the result u over the box's
    period L.  For even ``order`` (odd d) the operator is local and f vanishing at the
    boundary suffices; for odd ``order`` (even d) u has algebraic tails :math:`|x|^{−(d+o)}` (o = ``order``),
    so the images add an error of relative size O((h_f/L)^{d+order}) with h_f the width
    of f — negligible once f vanishes at the boundary, so no padding is spent.  A window
    other than ``"ramp"`` multiplies by a radial window of :math:`|ξ|/ξ_Nyquist`."""
    from scipy import fft as _fft

    d = f.ndim
    shape = f.shape
    F = _fft.rfftn(f, s=shape, workers=num_threads())
    freqs = [2 * np.pi * _fft.fftfreq(S, d=h) for S in shape[:-1]]
    freqs.append(2 * np.pi * _fft.rfftfreq(shape[-1], d=h))
    k2 = np.zeros(F.shape)
    for a, w in enumerate(freqs):
        k2 = k2 + (w ** 2).reshape((-1,) + (1,) * (d - 1 - a))
    mult = k2 ** (order / 2)
    if filter_name != "ramp":
        nu = np.minimum(np.sqrt(k2) * h / np.pi, 1.0)  # 1 at the Nyquist frequency
        window = {"shepp-logan": np.sinc(nu / 2), "cosine": np.cos(np.pi * nu / 2),
                  "hamming": 0.54 + 0.46 * np.cos(np.pi * nu), "hann": 0.5 + 0.5 * np.cos(np.pi * nu)}
        mult = mult * window[filter_name]
    return np.ascontiguousarray(_fft.irfftn(F * mult, s=shape, workers=num_threads()))
