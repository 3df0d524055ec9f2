"""Shepp–Logan phantoms generated analytically from their ellipse (ellipsoid) tables.

Nothing is read from a data file: every pixel is computed from the published ellipse
parameters, and the exact Radon transform of the phantom (a sum of ellipse projections)
is available as an independent check of a discrete transform.

Ellipse table
-------------
The geometry (centres, semi-axes, rotations) is the head phantom of L. A. Shepp and
B. F. Logan, "The Fourier reconstruction of a head section", IEEE Trans. Nucl. Sci.
NS-21 (1974) 21–43, as tabulated in A. C. Kak and M. Slaney, *Principles of
Computerized Tomographic Imaging* (IEEE Press, 1988), Table 3.1 (there given as major
and minor axes with angles from the x-axis; here as x and y semi-axes a, b with the
rotation φ of the a-axis).  ``modified=True`` (the default) uses the higher-contrast
intensities of P. Toft, *The Radon Transform: Theory and Implementation* (PhD thesis,
DTU, 1996), the "modified Shepp–Logan" of MATLAB's ``phantom``; scikit-image's
``shepp_logan_phantom`` ships a pre-rendered 400×400 image of it instead of the table.
MATLAB's table moves the small ellipse no. 9 to y = −0.606; we keep Kak & Slaney's
−0.605.

Coordinates: the phantom lives in [−1, 1]², x to the right, y upwards; image row i,
column j of an N×N image is the cell centred at x = −1 + (2j + 1)/N,
y = 1 − (2i + 1)/N.  Rotation angles are counter-clockwise from the x-axis, in degrees.

The 3-D phantom (:func:`shepp_logan_3d`) is a Shepp–Logan-*like* test volume of our own:
the 2-D ellipses above (modified intensities, rotations about z) given z semi-axes and
z-centres close to those of the usual 3-D "modified Shepp–Logan" volumes, without their
small tilts.  It is a benchmark object, not a reproduction of a published table.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SHEPP_LOGAN_ELLIPSES",
    "MODIFIED_INTENSITIES",
    "shepp_logan",
    "shepp_logan_sinogram",
    "shepp_logan_3d",
]

#: (intensity, semi-axis a (x), semi-axis b (y), centre x0, centre y0, rotation φ in degrees),
#: original intensities of Shepp & Logan (1974) / Kak & Slaney (1988), Table 3.1.
SHEPP_LOGAN_ELLIPSES = np.array([
    [2.00, 0.6900, 0.9200, 0.00, 0.0000, 0.0],
    [-0.98, 0.6624, 0.8740, 0.00, -0.0184, 0.0],
    [-0.02, 0.1100, 0.3100, 0.22, 0.0000, -18.0],
    [-0.02, 0.1600, 0.4100, -0.22, 0.0000, 18.0],
    [0.01, 0.2100, 0.2500, 0.00, 0.3500, 0.0],
    [0.01, 0.0460, 0.0460, 0.00, 0.1000, 0.0],
    [0.01, 0.0460, 0.0460, 0.00, -0.1000, 0.0],
    [0.01, 0.0460, 0.0230, -0.08, -0.6050, 0.0],
    [0.01, 0.0230, 0.0230, 0.00, -0.6050, 0.0],
    [0.01, 0.0230, 0.0460, 0.06, -0.6050, 0.0],
])

#: Toft's (1996) higher-contrast intensities for the same ellipses ("modified Shepp–Logan").
MODIFIED_INTENSITIES = np.array([1.0, -0.8, -0.2, -0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])

# z semi-axes and z-centres of the ellipsoids of shepp_logan_3d (our choice, see the notes)
_Z_SEMI_AXES = np.array([0.81, 0.78, 0.22, 0.28, 0.41, 0.05, 0.05, 0.05, 0.02, 0.02])
_Z_CENTRES = np.array([0.0, 0.0, 0.0, 0.0, -0.15, 0.25, 0.25, 0.0, 0.0, 0.0])


def _table(modified: bool) -> np.ndarray:
    tab = SHEPP_LOGAN_ELLIPSES.copy()
    if modified:
        tab[:, 0] = MODIFIED_INTENSITIES
    return tab


def _check_size(n, name="n"):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def shepp_logan(n: int = 256, *, modified: bool = True, supersample: int = 1) -> np.ndarray:
    """The 2-D Shepp–Logan head phantom on an n×n pixel grid, computed from its ellipses.

    Parameters
    ----------
    n : int
        Image side in pixels; the phantom fills [−1, 1]² (the head's outer ellipse has
        semi-axes 0.69 × 0.92, inside the inscribed circle).
    modified : bool
        Toft's higher-contrast intensities (default) or the original ones.
    supersample : int
        Average s×s point samples per pixel (cell averages, anti-aliased edges);
        1 samples the pixel centres.

    Returns
    -------
    ndarray (n, n), float64; row 0 is the top (y = 1).

    Examples
    --------
    The modified phantom is 1 on the skull, 0.2 in the brain and 0 outside:

    >>> img = shepp_logan(64)
    >>> float(img[32, 1]), float(img[3, 32]), round(float(img[40, 32]), 12)
    (0.0, 1.0, 0.2)
    """
    n = _check_size(n)
    s = _check_size(supersample, "supersample")
    # sub-sample coordinates of every pixel: x along columns, y along rows (upwards)
    sub = (np.arange(n * s) + 0.5) / (n * s) * 2.0 - 1.0
    x = sub[None, :]
    y = -sub[:, None]
    img = np.zeros((n * s, n * s))
    for rho, a, b, x0, y0, phi in _table(modified):
        c, si = np.cos(np.deg2rad(phi)), np.sin(np.deg2rad(phi))
        u = (x - x0) * c + (y - y0) * si
        v = -(x - x0) * si + (y - y0) * c
        img += rho * ((u / a) ** 2 + (v / b) ** 2 <= 1.0)
    if s > 1:
        img = img.reshape(n, s, n, s).mean(axis=(1, 3))
    return img


def shepp_logan_sinogram(theta, offsets, *, modified: bool = True) -> np.ndarray:
    """Exact Radon transform of the continuous phantom, in the phantom's own units.

    p(θ, t) = Σ_e ρ_e · 2 a_e b_e √(s_e² − τ²)_+ / s_e², with s_e² = a_e² cos²(θ − φ_e)
    + b_e² sin²(θ − φ_e) and τ = t − (x0 cos θ + y0 sin θ): the line integral of each
    ellipse along {x cos θ + y sin θ = t} (Kak & Slaney, 1988, Chap. 3, Eq. 8).

    Parameters
    ----------
    theta : array_like (A,)
        Angles in degrees of the normal (cos θ, sin θ) in (x, y) coordinates.
    offsets : array_like (T,) or (A, T)
        Signed distances t of the lines from the origin, shared by the angles or one row
        per angle.

    Returns
    -------
    ndarray (A, T).

    Examples
    --------
    Every projection integrates to the phantom's mass Σ ρ_e π a_e b_e:

    >>> import numpy as np
    >>> t = np.linspace(-1, 1, 4001)
    >>> p = shepp_logan_sinogram([0.0, 33.0, 90.0], t)
    >>> mass = float((MODIFIED_INTENSITIES * np.pi * SHEPP_LOGAN_ELLIPSES[:, 1]
    ...               * SHEPP_LOGAN_ELLIPSES[:, 2]).sum())
    >>> bool(np.allclose(p.sum(1) * (t[1] - t[0]), mass, rtol=1e-4))
    True
    """
    th = np.deg2rad(np.atleast_1d(np.asarray(theta, dtype=np.float64)))[:, None]
    t = np.asarray(offsets, dtype=np.float64)
    if t.ndim == 1:
        t = t[None, :]
    out = np.zeros(np.broadcast_shapes(th.shape, t.shape))
    for rho, a, b, x0, y0, phi in _table(modified):
        ang = th - np.deg2rad(phi)
        s2 = (a * np.cos(ang)) ** 2 + (b * np.sin(ang)) ** 2
        tau = t - (x0 * np.cos(th) + y0 * np.sin(th))
        out += rho * 2.0 * a * b * np.sqrt(np.maximum(s2 - tau ** 2, 0.0)) / s2
    return out


def shepp_logan_3d(n: int = 64) -> np.ndarray:
    """A Shepp–Logan-like ellipsoid phantom on an n³ grid filling [−1, 1]³ (module notes).

    Axes (x, y, z), cell-centred: index i ↦ −1 + (2i + 1)/n on each axis.

    Examples
    --------
    >>> vol = shepp_logan_3d(32)
    >>> vol.shape, round(float(vol[16, 16, 16]), 12), float(vol[0, 0, 0])
    ((32, 32, 32), 0.2, 0.0)
    """
    n = _check_size(n)
    ax = (np.arange(n) + 0.5) / n * 2.0 - 1.0
    x, y, z = ax[:, None, None], ax[None, :, None], ax[None, None, :]
    vol = np.zeros((n, n, n))
    for (_, a, b, x0, y0, phi), rho, c, z0 in zip(SHEPP_LOGAN_ELLIPSES, MODIFIED_INTENSITIES,
                                                  _Z_SEMI_AXES, _Z_CENTRES):
        cp, sp = np.cos(np.deg2rad(phi)), np.sin(np.deg2rad(phi))
        u = (x - x0) * cp + (y - y0) * sp
        v = -(x - x0) * sp + (y - y0) * cp
        vol += rho * ((u / a) ** 2 + (v / b) ** 2 + ((z - z0) / c) ** 2 <= 1.0)
    return vol
