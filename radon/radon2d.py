"""Two-dimensional Radon transform and filtered backprojection, call-compatible with
scikit-image.

``radon.radon`` and ``radon.iradon`` accept and return what ``skimage.transform.radon``
and ``skimage.transform.iradon`` do: an image indexed (row, column), ``theta`` in degrees
(default ``np.arange(180)`` and, for ``iradon``, ``n_angles`` angles evenly spaced in
[0°, 180°)), a sinogram of shape (n_detectors, n_angles) whose rotation axis lies at
detector index ``n_detectors // 2``, ``circle`` and ``filter_name``.  Switching is one
import.  Underneath they are the d = 2 case of :class:`kplane.KPlaneTransform`: the
projection at angle θ integrates along the lines

    t = (col − c)·cos θ − (row − c)·sin θ,  i.e. ξ = (−sin θ, cos θ) in (row, col) axes,

with c the rotation centre (scikit-image's convention, pixel spacing 1).
"""

from __future__ import annotations

import warnings

import numpy as np

from ridgekit._validation import as_float_array, check_choice, check_int
from ridgekit.kplane import _kernels
from ridgekit.kplane.filters import FILTERS, fourier_filter
from ridgekit.kplane.transform import KPlaneTransform

__all__ = ["radon", "iradon", "directions_from_degrees"]


def directions_from_degrees(theta) -> np.ndarray:
    """Unit normals ξ = (−sin θ, cos θ) (row, column axes) for angles θ in degrees."""
    th = np.deg2rad(np.asarray(theta, dtype=np.float64))
    return np.stack([-np.sin(th), np.cos(th)], axis=1)


def _image(image, name):
    if isinstance(image, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D numeric array, got {type(image).__name__}")
    arr = np.asarray(image)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a 2-D numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}")
    out_dtype = np.float32 if arr.dtype in (np.float32, np.float16) else np.float64
    return as_float_array(arr, name), out_dtype


def _theta(theta, default, name="theta"):
    if theta is None:
        return default
    th = as_float_array(theta, name, ndim=(0, 1))
    return np.atleast_1d(th)


def radon(image, theta=None, circle=True, *, preserve_range=False):
    """Radon transform of a 2-D image (scikit-image's ``radon``, faster).

    Parameters
    ----------
    image : ndarray (M, N)
        Rotation axis at pixel (M // 2, N // 2).
    theta : array_like, optional
        Projection angles in degrees; default ``np.arange(180)``.
    circle : bool
        Assume the image is zero outside the inscribed circle: the sinogram has
        min(M, N) detectors (the image is cropped to a centred square, as in
        scikit-image).  Otherwise the detector spans the image diagonal,
        ⌈√2·max(M, N)⌉ rounded as scikit-image pads.
    preserve_range : bool
        Accepted for compatibility; values are never rescaled here (integer images are
        converted to float as they are).

    Returns
    -------
    sinogram : ndarray (n_detectors, len(theta))
        sinogram[i, j] ≈ ∫ f along the line t = i − n_detectors // 2 at angle theta[j],
        the pixel integral of the continuous image whose pixel values are cell averages
        (unit spacing).  float32 input gives float32 output.

    Notes
    -----
    The discretisation is the one of :class:`kplane.KPlaneTransform` (cell footprint box
    convolved with the detector hat), so ``radon`` is the exact transpose of the
    backprojection with the same kernel and converges at second order for smooth images.

    Examples
    --------
    A centred disk has the same projection at every angle, with peak 2r (the chord):

    >>> import numpy as np
    >>> r = np.hypot(*np.mgrid[-32:32, -32:32] + 0.5)
    >>> sino = radon((r < 20).astype(float), theta=[0, 30, 77])
    >>> bool(np.ptp(sino.sum(0)) < 1e-9 and abs(sino[32].max() - 40) < 1)
    True
    """
    img, out_dtype = _image(image, "image")
    theta = _theta(theta, np.arange(180, dtype=np.float64))
    if circle:
        s = min(img.shape)
        excess = np.array(img.shape) - s
        starts = [int(np.ceil(e / 2)) for e in excess]
        centre = np.array(starts) + s // 2
        radius = s // 2
        rr, cc = np.ogrid[: img.shape[0], : img.shape[1]]
        outside = (rr - img.shape[0] // 2) ** 2 + (cc - img.shape[1] // 2) ** 2 > radius ** 2
        if np.any(img[outside]):
            warnings.warn("Radon transform: image must be zero outside the reconstruction circle",
                          UserWarning, stacklevel=2)
        sl = tuple(slice(st, st + s) for st in starts)
        img = np.ascontiguousarray(img[sl])
        centre = np.array([s // 2, s // 2])
        n_det = s
    else:
        diagonal = np.sqrt(2) * max(img.shape)
        pads = [int(np.ceil(diagonal - s)) for s in img.shape]
        n_det = img.shape[0] + pads[0]
        if img.shape[0] + pads[0] != img.shape[1] + pads[1]:
            n_det = max(img.shape[0] + pads[0], img.shape[1] + pads[1])
        centre = np.array([s // 2 for s in img.shape])
    op = _operator(img.shape, centre, theta, n_det)
    g = op.forward(img)  # (n_angles, n_det)
    return np.ascontiguousarray(g.T).astype(out_dtype, copy=False)


def _operator(shape, centre, theta, n_det, det_centre=None):
    """KPlaneTransform with unit pixels, pixel `centre` at the origin, detectors
    t_i = i − n_det // 2."""
    dc = n_det // 2 if det_centre is None else det_centre
    offsets = np.arange(n_det, dtype=np.float64) - dc
    op = KPlaneTransform(tuple(shape), directions_from_degrees(theta), offsets, k=1,
                         extent=[s / 2 for s in shape])
    # shift the cell-centred grid so that pixel `centre` sits at the origin
    op.origin = -np.asarray(centre, dtype=np.float64)
    op.weights = np.full(len(theta), 1.0 / len(theta))
    return op


def iradon(radon_image, theta=None, output_size=None, filter_name="ramp",
           interpolation="linear", circle=True, preserve_range=True):
    """Filtered backprojection (scikit-image's ``iradon``, faster).

    :math:`f(x) = ½ · (1/N) Σ_j (|ω| g_j)(ξ_jᵀx)`: the inversion formula of the Radon transform in
    d = 2 with the probability measure on the half circle (c_{2,1} = 1/2,
    docs/theory/kplane.md §Inversion), the ramp :math:`|ω|` discretised as in Kak & Slaney (1988), Chap. 3,
    Eq. 61, and linear interpolation in t.  For angles evenly spaced in [0°, 180°) this is
    scikit-image's ``iradon`` (π/(2N) times its ramp in cycles per sample).

    Parameters
    ----------
    radon_image : ndarray (n_detectors, n_angles)
    theta : array_like, optional
        Angles in degrees; default ``np.linspace(0, 180, n_angles, endpoint=False)``.
    output_size : int, optional
        Side of the square reconstruction; default n_detectors if ``circle`` else
        ⌊n_detectors/√2⌋.
    filter_name : {"ramp", "shepp-logan", "cosine", "hamming", "hann", None}
        ``None``: no filter, the plain backprojection π/(2N)·Σ_j g_j(ξ_jᵀx), scaled as
        scikit-image does.
    interpolation : {"linear"}
        Only linear interpolation is provided (scikit-image's default).
    circle : bool
        The sinogram comes from an image that is zero outside the inscribed circle;
        the reconstruction is set to zero outside it.
    preserve_range : bool
        Accepted for compatibility.

    Returns
    -------
    ndarray (output_size, output_size); float32 for float32 input.
    """
    sino, out_dtype = _image(radon_image, "radon_image")
    n_det, n_ang = sino.shape
    theta = _theta(theta, np.linspace(0, 180, n_ang, endpoint=False))
    if theta.size != n_ang:
        raise ValueError(f"theta has {theta.size} angles but radon_image has {n_ang} projections (columns)")
    if filter_name is not None:
        check_choice(filter_name, "filter_name", FILTERS)
    check_choice(interpolation, "interpolation", ("linear",))
    if output_size is None:
        output_size = n_det if circle else int(np.floor(np.sqrt(n_det ** 2 / 2.0)))
    output_size = check_int(output_size, "output_size", minimum=1)
    if circle:  # pad to the diagonal so the filter sees the full support (as scikit-image)
        diag = int(np.ceil(np.sqrt(2) * n_det))
        before = diag // 2 - n_det // 2
        sino = np.pad(sino, ((before, diag - n_det - before), (0, 0)))
        n_det = diag
    # filter along the detector axis with scikit-image's padded length
    filtered = fourier_filter(np.ascontiguousarray(sino.T), 1.0, order=1, filter_name=filter_name) \
        if filter_name is not None else np.ascontiguousarray(sino.T)
    radius = output_size // 2
    op = _operator((output_size, output_size), (radius, radius), theta, n_det)
    lrange = np.zeros((output_size, 2), dtype=np.int64)
    lrange[:, 1] = output_size
    if circle:  # compute only inside the reconstruction circle (the rest is set to 0)
        dr = np.arange(output_size) - radius
        half = np.floor(np.sqrt(np.maximum(radius ** 2 - dr ** 2, -1.0))).astype(np.int64)
        inside = radius ** 2 - dr ** 2 >= 0
        lrange[:, 0] = np.where(inside, np.maximum(radius - half, 0), 0)
        lrange[:, 1] = np.where(inside, np.minimum(radius + half + 1, output_size), 0)
    # c_{2,1} = 1/2 with the probability measure on the half circle; without a filter
    # scikit-image returns π/(2N)·Σ_j g_j, i.e. half the backprojection with the arc-length
    # measure on [0, π): kept for drop-in compatibility
    scale = 0.5 if filter_name is not None else 0.5 * np.pi
    gw = np.pad(filtered * op.weights[:, None], ((0, 0), (_kernels.PAD, _kernels.PAD)))
    rec = np.zeros((output_size, output_size))
    xi = op.frames[:, :, 0]
    _kernels.backproject_2d_hat(gw, np.ascontiguousarray(xi[:, 0]), np.ascontiguousarray(xi[:, 1]),
                                op.origin[0], op.origin[1], op.spacing[0], op.spacing[1], op.t0,
                                op.t_spacing, op.n_offsets, lrange, rec)
    rec *= scale
    return rec.astype(out_dtype, copy=False)
