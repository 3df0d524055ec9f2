"""scikit-image's radon test-suite invariants, run against ridgekit.radon.

Each test restates an invariant and threshold of scikit-image's
``skimage/transform/tests/test_radon_transform.py`` (written anew here, not copied), with
ridgekit's ``radon``, ``iradon``, ``iradon_sart`` and ``order_angles_golden_ratio``; where
scikit-image computes the same quantity (the interpolations of ``iradon``) its output is
the anchor.  Thresholds are scikit-image's unless a comment says otherwise.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ridgekit import radon as rk

skt = pytest.importorskip("skimage.transform")
skdata = pytest.importorskip("skimage.data")


def _phantom():
    # scikit-image's test phantom: Shepp-Logan at 400 px, every other pixel, rescaled by 0.5
    p = skdata.shepp_logan_phantom()[::2, ::2]
    return skt.rescale(p, 0.5, order=1, mode="constant", anti_aliasing=False, channel_axis=None)


PHANTOM = _phantom()


def _rescale_intensity(x):
    x = x.astype(float)
    x -= x.min()
    return x / x.max()


def _random_circle(shape):
    image = np.random.default_rng(98312871).random(shape)
    c0, c1 = np.ogrid[0:shape[0], 0:shape[1]]
    r = np.sqrt((c0 - shape[0] // 2) ** 2 + (c1 - shape[1] // 2) ** 2)
    image[r > min(shape) // 2] = 0.0
    return image


def test_iradon_bias_circular_phantom():
    # a uniform disk reconstructs with mean error below 5e-5 (scikit-image's threshold)
    xy = np.arange(-64, 64) + 0.5
    x, y = np.meshgrid(xy, xy)
    image = x ** 2 + y ** 2 <= 32 ** 2
    theta = np.linspace(0.0, 180.0, 128, endpoint=False)
    rec = rk.iradon(rk.radon(image, theta=theta), theta=theta)
    assert abs(np.mean(rec - image)) < 5e-5


@pytest.mark.parametrize("shape", [(16, 16), (17, 17)])
@pytest.mark.parametrize("circle", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.uint8, bool])
def test_radon_centre(shape, circle, dtype):
    # a single pixel at the rotation centre projects onto the same detector at all angles
    image = np.zeros(shape, dtype=dtype)
    image[shape[0] // 2, shape[1] // 2] = 1
    sino = rk.radon(image, theta=np.linspace(0.0, 180.0, max(shape), endpoint=False), circle=circle)
    assert sino.dtype in (np.float32, np.float64)
    assert np.std(np.argmax(sino, axis=0)) < 1e-6


@pytest.mark.parametrize("shape", [(32, 16), (33, 17)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8, bool])
def test_radon_centre_rectangular(shape, dtype):
    image = np.zeros(shape, dtype=dtype)
    image[shape[0] // 2, shape[1] // 2] = 1
    sino = rk.radon(image, theta=np.linspace(0.0, 180.0, max(shape), endpoint=False), circle=False)
    assert np.std(np.argmax(sino, axis=0)) < 1e-6


@pytest.mark.parametrize("size, theta, circle", list(itertools.product([16, 17], [0, 90], [False, True])))
def test_iradon_centre_opposite_angles(size, theta, circle):
    # one projection with a single sample at the rotation centre: θ and θ + 180° give the
    # same reconstruction
    n = size if circle else int(np.ceil(np.sqrt(2) * size))
    sino = np.zeros((n, 1))
    sino[n // 2, 0] = 1.0
    a = rk.iradon(sino, theta=[theta], circle=circle)
    b = rk.iradon(sino, theta=[theta + 180], circle=circle)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


RADON_IRADON = list(itertools.product(["linear", "nearest"], ["ramp", "shepp-logan", "cosine", "hamming", "hann"]))
RADON_IRADON.append(("cubic", "shepp-logan"))


@pytest.mark.parametrize("interpolation, filter_name", RADON_IRADON)
def test_radon_iradon_phantom(interpolation, filter_name):
    rec = rk.iradon(rk.radon(PHANTOM, circle=False), filter_name=filter_name, interpolation=interpolation,
                    circle=False)
    delta = np.mean(np.abs(PHANTOM - rec))
    if filter_name in ("ramp", "shepp-logan"):
        allowed = 0.03 if interpolation == "nearest" else 0.025
    else:
        allowed = 0.05
    assert delta < allowed


@pytest.mark.parametrize("interpolation", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("circle", [False, True])
def test_iradon_interpolations_equal_scikit_image(interpolation, circle):
    # anchor: scikit-image's iradon on the same sinogram (same filter, same interpolant);
    # the two differ by rounding only (sums of ~N·n_angles terms of size <= 1: 1e-12)
    sino = rk.radon(_random_circle((41, 41)), np.linspace(0, 180, 30, endpoint=False), circle=circle)
    theta = np.linspace(0, 180, 30, endpoint=False)
    ours = rk.iradon(sino, theta, interpolation=interpolation, circle=circle)
    theirs = skt.iradon(sino, theta, interpolation=interpolation, circle=circle)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_iradon_angles():
    image = np.tri(100) + np.tri(100)[::-1]
    theta200 = np.linspace(0, 180, 200, endpoint=False)
    rec200 = rk.iradon(rk.radon(image, theta=theta200, circle=False), circle=False)
    delta200 = np.mean(np.abs(_rescale_intensity(image) - _rescale_intensity(rec200)))
    assert delta200 < 0.03
    theta80 = np.linspace(0, 180, 80, endpoint=False)
    sino80 = rk.radon(image, theta=theta80, circle=False)
    s = sino80.sum(axis=0)  # every projection carries the image's mass
    np.testing.assert_allclose(s, s[0], rtol=0.01)
    rec80 = rk.iradon(sino80, circle=False)
    delta80 = np.mean(np.abs(image / image.max() - rec80 / rec80.max()))
    assert delta80 > delta200


def _minimal_cases():
    for n in (3, 4, 5):
        c = n // 2
        for i, j in itertools.product((c - 1, c, c + 1), repeat=2):
            yield (n, n), (i, j)


@pytest.mark.parametrize("shape, pixel", list(_minimal_cases()))
def test_radon_iradon_minimal(shape, pixel):
    image = np.zeros(shape)
    image[pixel] = 1.0
    theta = np.arange(180)
    rec = rk.iradon(rk.radon(image, theta, circle=False), theta, circle=False)
    assert np.unravel_index(np.argmax(rec), shape) == pixel


def test_reconstruct_with_wrong_angles():
    p = rk.radon(np.zeros((3, 3)), theta=[0, 1, 2], circle=False)
    rk.iradon(p, theta=[0, 1, 2], circle=False)
    with pytest.raises(ValueError, match="theta"):
        rk.iradon(p, theta=[0, 1, 2, 3])


def test_radon_circle_warns_and_is_isotropic():
    with pytest.warns(UserWarning, match="reconstruction circle"):
        rk.radon(np.ones((10, 10)), circle=True)
    shape = (61, 79)
    c0, c1 = np.ogrid[0:shape[0], 0:shape[1]]
    r = np.sqrt((c0 - shape[0] // 2) ** 2 + (c1 - shape[1] // 2) ** 2)
    image = _rescale_intensity(np.clip(min(shape) // 2 - r, 0, np.inf))
    angles = np.linspace(0, 180, min(shape), endpoint=False)
    sino = rk.radon(image, theta=angles, circle=True)
    # circularly symmetric image: every detector row constant along θ to 1 % (measured
    # 0.97 % at the centre detector, where the cone's kink sits)
    assert np.all(sino.std(axis=1) < 1e-2)
    mass = rk.radon(_random_circle(shape), theta=angles, circle=True).sum(axis=0)
    assert np.all(np.abs(mass - mass.mean()) / mass.mean() < 3.2e-3)


@pytest.mark.parametrize("size", [50, 51])
def test_circle_sinogram_is_the_square_sinogram_cropped(size):
    # the circle=True sinogram padded to the diagonal has its maximum where the
    # circle=False sinogram has it
    image = _random_circle((size, size))
    theta = np.linspace(0.0, 180.0, size, endpoint=False)
    circ = rk.radon(image, theta, circle=True)
    square = rk.radon(image, theta, circle=False)
    diag = int(np.ceil(np.sqrt(2) * size))
    before = diag // 2 - size // 2
    padded = np.pad(circ, ((before, diag - size - before), (0, 0)))
    assert padded.shape == square.shape
    assert np.unravel_index(np.argmax(padded), padded.shape) == np.unravel_index(np.argmax(square), square.shape)


@pytest.mark.parametrize("interpolation", ["nearest", "linear"])
@pytest.mark.parametrize("output_size", [None, 61, 79, 97])
def test_radon_iradon_circle_and_square_agree(interpolation, output_size):
    # scikit-image computes both reconstructions without asserting; here they must agree
    # inside the reconstruction circle to within the discretisation difference of the two
    # detector extents (measured max 2e-3 of the image range; 2e-2 allowed)
    shape = (61, 79)
    image = _random_circle(shape)
    rect = rk.iradon(rk.radon(image, circle=False), output_size=output_size, interpolation=interpolation,
                     circle=False)
    circ = rk.iradon(rk.radon(image, circle=True), output_size=output_size, interpolation=interpolation,
                     circle=True)
    width = circ.shape[0]
    excess = int(np.ceil((rect.shape[0] - width) / 2))
    rect = rect[excess:width + excess, excess:width + excess]
    c0, c1 = np.ogrid[0:width, 0:width]
    inside = np.sqrt((c0 - width // 2) ** 2 + (c1 - width // 2) ** 2) <= min(shape) // 2 - 2
    assert np.abs(rect - circ)[inside].max() < 2e-2


@pytest.mark.parametrize("n", [1, 4, 10, 180])
def test_order_angles_golden_ratio_is_a_permutation(n):
    rng = np.random.default_rng(1231)
    for theta in (rng.uniform(0, 180, n), np.linspace(0, 180, n, endpoint=False)):
        idx = list(rk.order_angles_golden_ratio(theta))
        assert sorted(idx) == list(range(n))


def test_order_angles_golden_ratio_spreads_angles():
    # Kohler's scheme: consecutive angles are far apart (about 180°/φ² = 68.75°, never < 30°
    # for 180 evenly spaced angles)
    theta = np.arange(180.0)
    idx = list(rk.order_angles_golden_ratio(theta))
    d = np.abs(np.diff(theta[idx])) % 180
    d = np.minimum(d, 180 - d)
    assert d.min() >= 30 and abs(np.median(d) - 180 / ((1 + 5 ** 0.5) / 2) ** 2) < 2


def test_iradon_sart():
    # scikit-image's thresholds at default settings (one sweep; two sweeps; clip; shifted
    # projections), with a factor 2 for the missing wedge (angles in [0°, 150°])
    image = skt.rescale(PHANTOM, 0.8, mode="reflect", channel_axis=None, anti_aliasing=False)
    full = np.linspace(0.0, 180.0, image.shape[0], endpoint=False)
    wedge = np.linspace(0.0, 150.0, image.shape[0], endpoint=True)
    for theta, factor in ((full, 1.0), (wedge, 2.0)):
        sino = rk.radon(image, theta, circle=True)
        rec = rk.iradon_sart(sino, theta)
        assert np.mean(np.abs(rec - image)) < 0.02 * factor
        rec = rk.iradon_sart(sino, theta, rec)
        assert np.mean(np.abs(rec - image)) < 0.014 * factor
        rec = rk.iradon_sart(sino, theta, clip=(0, 1))
        assert rec.min() >= 0 and rec.max() <= 1
        assert np.mean(np.abs(rec - image)) < 0.018 * factor
        shifts = np.random.default_rng(1239867).uniform(-3, 3, sino.shape[1])
        x = np.arange(sino.shape[0])
        shifted = np.stack([np.interp(x + shifts[i], x, sino[:, i]) for i in range(sino.shape[1])], axis=1)
        rec = rk.iradon_sart(shifted, theta, projection_shifts=shifts)
        assert np.mean(np.abs(rec - image)) < 0.022 * factor


def test_iradon_sart_fits_one_projection_exactly():
    # Andersen & Kak's update with λ = 1 on a single axis-aligned projection: every ray's
    # residual is spread over its pixels (columns of A sum to 1, rays disjoint), so the
    # new image reproduces that projection
    # new image reproduces that projection under the distance-driven matrix A (radon
    # before its 3-tap blur equalisation: KPlaneTransform's forward)
    from ridgekit.radon.radon2d import _operator

    image = _random_circle((33, 33))
    sino = rk.radon(image, [0.0])
    rec = rk.iradon_sart(sino, [0.0])
    op = _operator((33, 33), (16, 16), np.array([0.0]), 33)
    np.testing.assert_allclose(op.forward(rec)[0], sino[:, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("preserve_range", [True, False])
def test_iradon_dtype(preserve_range):
    sino = np.zeros((16, 1), dtype=int)
    sino[8, 0] = 1
    assert rk.iradon(sino, theta=[0], preserve_range=preserve_range).dtype == np.float64
    assert rk.iradon(sino.astype(np.float64), theta=[0], preserve_range=preserve_range).dtype == np.float64
    assert rk.iradon(sino.astype(np.float32), theta=[0], preserve_range=preserve_range).dtype == np.float32


def test_radon_dtype():
    assert rk.radon(PHANTOM).dtype == np.float64
    assert rk.radon(PHANTOM.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_iradon_sart_dtype(dtype):
    sino = np.zeros((16, 1), dtype=int)
    sino[8, 0] = 1
    with pytest.warns(UserWarning, match="cast to float"):
        assert rk.iradon_sart(sino, theta=[0]).dtype == np.float64
    assert rk.iradon_sart(sino.astype(np.float64), theta=[0]).dtype == np.float64
    assert rk.iradon_sart(sino.astype(np.float32), theta=[0]).dtype == np.float32
    assert rk.iradon_sart(sino, theta=[0], dtype=dtype).dtype == dtype
    assert rk.iradon_sart(sino.astype(np.float32), theta=[0], dtype=dtype).dtype == dtype


def test_iradon_sart_bad_arguments():
    sino = np.zeros((16, 3))
    with pytest.raises(ValueError, match="dtype"):
        rk.iradon_sart(sino, dtype=int)
    with pytest.raises(ValueError, match="theta"):
        rk.iradon_sart(sino, theta=[0, 1])
    with pytest.raises(ValueError, match="image"):
        rk.iradon_sart(sino, image=np.zeros((15, 15)))
    with pytest.raises(ValueError, match="projection_shifts"):
        rk.iradon_sart(sino, projection_shifts=[0.0])
    with pytest.raises(ValueError, match="clip"):
        rk.iradon_sart(sino, clip=(0, 1, 2))
    with pytest.raises(ValueError, match="relaxation"):
        rk.iradon_sart(sino, relaxation=2.5)
    with pytest.raises(ValueError, match="radon_image"):
        rk.iradon_sart(np.zeros(5))
    with pytest.raises(ValueError, match="theta"):
        list(rk.order_angles_golden_ratio([]))
