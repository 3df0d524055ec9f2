"""Bad input → ValueError/TypeError naming the argument, caught in Python before any numba
kernel runs: the message says what is wrong and what is allowed.

Property tests (hypothesis, derandomised: no global seeds, reproducible) draw shapes,
dtypes and random frames; the nasty cases are pinned with ``@example``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ridgekit._validation import (
    as_float_array,
    as_generator,
    check_choice,
    check_int,
    check_orthonormal_frames,
    check_positive,
)
from ridgekit.kplane.filters import fourier_filter
from ridgekit.kplane.stiefel import stiefel_quadrature, stiefel_sample
from ridgekit.kplane.transform import KPlaneTransform

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

DK = st.sampled_from([(2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3)])


def _small(d, k, **kw):
    return KPlaneTransform((5,) * d, 3, k=k, extent=1.0, **kw)


# ---------------------------------------------------------------------------- frames
@PROPERTY
@given(dk=DK, m=st.integers(1, 4), kind=st.sampled_from(["nan", "inf", "scale", "shear"]),
       frame=st.integers(0, 3), amount=st.floats(1e-6, 10.0), seed=st.integers(0, 2 ** 16))
@example(dk=(2, 1), m=1, kind="nan", frame=0, amount=1.0, seed=0)
@example(dk=(4, 3), m=4, kind="scale", frame=3, amount=2e-8, seed=1)  # Gram off by 4e-8 > 1e-10
@example(dk=(3, 1), m=2, kind="shear", frame=1, amount=1e-6, seed=2)
def test_bad_frames_rejected(dk, m, kind, frame, amount, seed):
    d, k = dk
    n = d - k
    fr = stiefel_sample(d, n, m, rng=seed)
    j = frame % m
    if kind == "nan":
        fr[j, 0, 0] = np.nan
    elif kind == "inf":
        fr[j, -1, -1] = -np.inf
    elif kind == "scale":
        fr[j] *= 1 + amount
    else:
        # n > 1: columns no longer orthogonal (Gram off-diagonal = amount);
        # n = 1: |Θ|² grows by ≥ 2·amount (Σ|Θ_i| ≥ 1)
        fr[j, :, 0] += amount * (fr[j, :, -1] if n > 1 else np.sign(fr[j, :, 0]))
    with pytest.raises(ValueError, match="frames"):
        KPlaneTransform((4,) * d, fr, k=k)


@pytest.mark.parametrize("frames", [np.zeros((0, 3, 1)), np.zeros((0, 3)), np.zeros((2, 3, 0)),
                                    np.ones((2, 4, 1)) / 2, np.eye(3)[None, :, :1].repeat(2, 0)[:, :2]])
def test_frames_empty_or_wrong_shape(frames):
    with pytest.raises(ValueError, match="frames"):
        KPlaneTransform((4, 4, 4), frames, k=2)


@pytest.mark.parametrize("frames,exc", [("abc", TypeError), (np.array([["a", "b"]]), TypeError),
                                        (np.empty((2, 2, 1), dtype=object), TypeError),
                                        (np.ones((2, 2, 1), dtype=complex), TypeError),
                                        (0, ValueError), (-3, ValueError), (True, ValueError),
                                        (2.0, ValueError)])
def test_frames_non_numeric_or_bad_count(frames, exc):
    with pytest.raises(exc, match="frames"):
        KPlaneTransform((4, 4), frames, k=1)


def test_frames_non_orthonormal_message_says_what_to_do():
    fr = np.ones((2, 3, 1))
    with pytest.raises(ValueError, match=r"frames must have orthonormal columns.*frame 0.*qr"):
        KPlaneTransform((4, 4, 4), fr, k=2)
    with pytest.raises(ValueError, match="frames"):
        check_orthonormal_frames(np.ones((1, 2, 3)))


# ---------------------------------------------------------------------------- k and shape
@pytest.mark.parametrize("d,k", [(2, 0), (2, 2), (3, 3), (3, -1), (4, 4), (4, 7)])
def test_k_out_of_range(d, k):
    with pytest.raises(ValueError, match="k must be"):
        KPlaneTransform((4,) * d, 3, k=k)


@pytest.mark.parametrize("k", [1.0, "1", None, np.float64(1)])
def test_k_not_integer(k):
    with pytest.raises(TypeError, match="k must be an integer"):
        KPlaneTransform((4, 4), 3, k=k)


@pytest.mark.parametrize("shape", [(8,), (8, 0), (0, 0, 3), (8, -1), [8, 8], (8.0, 8.0)])
def test_bad_grid_shape(shape):
    with pytest.raises(ValueError, match="shape_or_points"):
        KPlaneTransform(shape, 3, k=1)


@pytest.mark.parametrize("extent", [0.0, -1.0, np.nan, np.inf, [1.0, -1.0], None])
def test_bad_extent(extent):
    with pytest.raises(ValueError, match="extent"):
        KPlaneTransform((4, 4), 3, k=1, extent=extent)


@pytest.mark.parametrize("extent,exc", [("abc", (ValueError, TypeError)), ([1.0, 2.0, 3.0], ValueError),
                                        (np.ones((2, 2)), ValueError)])
def test_bad_extent_named(extent, exc):
    """Library bug (reported): a non-numeric extent or one with the wrong length raises
    numpy's own error ("could not convert string to float", "operands could not be
    broadcast") that does not name ``extent`` (kplane/transform.py, the
    ``np.broadcast_to(np.asarray(extent, dtype=float), (d,))`` line in ``__init__``)."""
    with pytest.raises(exc, match="extent"):
        KPlaneTransform((4, 4), 3, k=1, extent=extent)


# ---------------------------------------------------------------------------- data f
NUMERIC = st.sampled_from([np.float64, np.float32, np.float16, np.int8, np.int64, np.uint16, np.bool_])
# (timedelta64 is a subtype of np.signedinteger in numpy's hierarchy and is accepted as numeric)
NON_NUMERIC = st.sampled_from([object, "U3", "S2", "datetime64[s]", np.complex128])


@PROPERTY
@given(dk=DK, dtype=NUMERIC)
def test_numeric_dtypes_accepted(dk, dtype):
    d, k = dk
    R = _small(d, k)
    out = R.forward(np.ones(R.grid_shape, dtype=dtype))
    assert out.dtype == np.float64 and out.shape == R.sinogram_shape and np.all(np.isfinite(out))


@PROPERTY
@given(dk=DK, dtype=NON_NUMERIC)
@example(dk=(2, 1), dtype=object)
def test_non_numeric_images_rejected(dk, dtype):
    d, k = dk
    R = _small(d, k)
    f = np.zeros(R.grid_shape, dtype=dtype)
    with pytest.raises(TypeError, match="f must be"):
        R.forward(f)


@pytest.mark.parametrize("f", ["image.png", b"abc", None, [["a", "b"], ["c", "d"]], {"a": 1}])
def test_non_array_images_rejected(f):
    R = KPlaneTransform((2, 2), 3, k=1)
    with pytest.raises(TypeError, match="f"):
        R.forward(f)


@PROPERTY
@given(dk=DK, shape=st.lists(st.integers(0, 6), min_size=0, max_size=5))
@example(dk=(3, 2), shape=[5, 5, 0])
@example(dk=(2, 1), shape=[0])
@example(dk=(2, 1), shape=[])
@example(dk=(4, 2), shape=[5, 5, 5, 4])
def test_wrong_f_shape(dk, shape):
    d, k = dk
    R = _small(d, k)
    if tuple(shape) == R.grid_shape:
        shape = shape + [1]
    with pytest.raises(ValueError, match="f must"):
        R.forward(np.zeros(shape))


@PROPERTY
@given(dk=DK, which=st.integers(0, 10 ** 6), bad=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_nan_inf_in_f(dk, which, bad):
    d, k = dk
    R = _small(d, k)
    f = np.ones(R.grid_shape)
    f.flat[which % f.size] = bad
    with pytest.raises(ValueError, match="f must be finite"):
        R.forward(f)


# ---------------------------------------------------------------------------- sinogram g
@PROPERTY
@given(dk=DK, delta=st.lists(st.integers(-2, 2), min_size=1, max_size=4))
@example(dk=(2, 1), delta=[0, -13])
def test_wrong_g_shape(dk, delta):
    d, k = dk
    R = _small(d, k)
    shape = list(R.sinogram_shape)
    for i, dl in enumerate(delta):
        if i < len(shape):
            shape[i] = max(0, shape[i] + dl)
        else:
            shape.append(1 + abs(dl))
    if tuple(shape) == R.sinogram_shape:
        shape[0] += 1
    g = np.zeros(shape)
    with pytest.raises(ValueError, match="g must"):
        R.adjoint(g)
    with pytest.raises(ValueError, match="g must"):
        R.inverse(g)
    with pytest.raises(ValueError, match="g must"):
        R.filter(g)


@PROPERTY
@given(dk=DK, which=st.integers(0, 10 ** 6), bad=st.sampled_from([np.nan, np.inf]))
def test_nan_in_g(dk, which, bad):
    d, k = dk
    R = _small(d, k)
    g = np.zeros(R.sinogram_shape)
    g.flat[which % g.size] = bad
    for call in (R.adjoint, R.inverse):
        with pytest.raises(ValueError, match="g must be finite"):
            call(g)


def test_g_non_numeric():
    R = _small(2, 1)
    with pytest.raises(TypeError, match="g"):
        R.adjoint(np.zeros(R.sinogram_shape, dtype=object))
    with pytest.raises(TypeError, match="g"):
        R.inverse("sinogram.npy")


# ---------------------------------------------------------------------------- offsets
@PROPERTY
@given(base=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=12), jitter=st.floats(1e-6, 0.5),
       where=st.integers(0, 100))
@example(base=[0.1, 0.1], jitter=1e-6, where=0)
def test_non_regular_offsets(base, jitter, where):
    steps = np.asarray(base)
    steps[:] = steps[0]
    steps[where % steps.size] *= 1 + jitter
    off = np.concatenate([[-1.0], -1.0 + np.cumsum(steps)])
    with pytest.raises(ValueError, match="offsets"):
        KPlaneTransform((4, 4), 3, off, k=1)


@pytest.mark.parametrize("offsets", [[1.0, 0.5, 0.0], [0.0, 0.0, 0.0], [0.0], [], [0.0, np.nan, 1.0],
                                     [-np.inf, 0.0, np.inf], np.zeros((2, 3)), 1, 0.5])
def test_bad_offsets(offsets):
    with pytest.raises(ValueError, match="offsets"):
        KPlaneTransform((4, 4), 3, offsets, k=1)


def test_offsets_non_numeric():
    with pytest.raises(TypeError, match="offsets"):
        KPlaneTransform((4, 4), 3, "auto", k=1)


def test_offsets_too_fine_for_distance_driven_kernel_is_a_clear_error():
    R = KPlaneTransform((8, 8), 4, np.linspace(-1.5, 1.5, 301), k=1)
    with pytest.raises(ValueError, match="offset spacing"):
        R.forward(np.ones((8, 8)))


# ---------------------------------------------------------------------------- points, masses, weights
@PROPERTY
@given(dk=DK, P=st.integers(1, 6), which=st.integers(0, 1000), bad=st.sampled_from([np.nan, np.inf]))
@example(dk=(2, 1), P=1, which=0, bad=np.nan)
def test_nan_in_points(dk, P, which, bad):
    d, k = dk
    pts = np.zeros((P, d))
    pts.flat[which % pts.size] = bad
    with pytest.raises(ValueError, match="points"):
        KPlaneTransform(pts, 3, k=k)
    R = _small(d, k)
    with pytest.raises(ValueError, match="points"):
        R.adjoint(np.zeros(R.sinogram_shape), points=pts)
    with pytest.raises(ValueError, match="points"):
        R.inverse(np.zeros(R.sinogram_shape), points=pts)
    with pytest.raises(ValueError, match="points"):
        R.forward_measure(pts, np.ones(P))


@pytest.mark.parametrize("pts", [np.zeros((0, 3)), np.zeros((4, 2)), np.zeros(3), np.zeros((2, 3, 1))])
def test_points_empty_or_wrong_shape(pts):
    R = _small(3, 1)
    with pytest.raises(ValueError, match="points"):
        R.adjoint(np.zeros(R.sinogram_shape), points=pts)
    with pytest.raises(ValueError, match="points"):
        R.forward_measure(pts, np.ones(len(pts)) if pts.ndim else np.ones(1))


def test_point_cloud_needs_d_ge_2_and_numbers():
    with pytest.raises(ValueError, match="points"):
        KPlaneTransform(np.zeros((3, 1)), 3, k=1)
    with pytest.raises(ValueError, match="shape_or_points"):
        KPlaneTransform(np.zeros((0, 2)), 3, k=1)
    with pytest.raises(TypeError, match="shape_or_points"):
        KPlaneTransform(np.array([[0, None]], dtype=object), 3, k=1)


def test_masses():
    R = _small(2, 1)
    with pytest.raises(ValueError, match="masses"):
        R.forward_measure(np.zeros((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="masses"):
        R.forward_measure(np.zeros((3, 2)), [1.0, np.nan, 1.0])
    with pytest.raises(TypeError, match="masses"):
        R.forward_measure(np.zeros((3, 2)), ["a", "b", "c"])
    Rc = KPlaneTransform(np.zeros((3, 2)), 3, k=1)
    with pytest.raises(ValueError, match="f must"):
        Rc.forward(np.ones(4))  # masses of a point cloud go through forward's f


def test_weights():
    fr = stiefel_sample(3, 1, 2, rng=0)
    with pytest.raises(ValueError, match="weights"):
        KPlaneTransform((4, 4, 4), fr, k=2, weights=[1.0, np.nan])
    with pytest.raises(ValueError, match="weights"):
        KPlaneTransform((4, 4, 4), fr, k=2, weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="weights"):
        KPlaneTransform((4, 4, 4), 5, k=2, weights=np.ones(5))


# ---------------------------------------------------------------------------- options
def test_unknown_options():
    R = _small(2, 1)
    g = np.zeros(R.sinogram_shape)
    for name in ("foo", "Ramp", 3, ""):
        with pytest.raises(ValueError, match="filter_name"):
            R.inverse(g, filter_name=name)
        with pytest.raises(ValueError, match="filter_name"):
            R.filter(g, name)
    with pytest.raises(ValueError, match="filter_name"):
        _small(3, 1).inverse(np.zeros(_small(3, 1).sinogram_shape), filter_name="hann")
    with pytest.raises(ValueError, match="measure"):
        KPlaneTransform((4, 4), 3, k=1, measure="haar")
    with pytest.raises(ValueError, match="rule"):
        KPlaneTransform((4, 4, 4), 3, k=1, rule="half")
    with pytest.raises(TypeError, match="rng"):
        KPlaneTransform((4, 4, 4, 4), 3, k=1, rule="random", rng="seed")
    with pytest.raises(ValueError, match="quad_order"):
        R.forward(lambda x: x[..., 0], quad_order=1)
    with pytest.raises(ValueError, match="quad_radius"):
        R.forward(lambda x: x[..., 0], quad_radius=-1.0)
    with pytest.raises(ValueError, match="grid"):
        KPlaneTransform(np.zeros((3, 2)), 3, k=1).grid_points()


# ---------------------------------------------------------------------------- callables
@pytest.mark.parametrize("fn", [lambda x: x, lambda x: 1.0, lambda x: x[..., :1], lambda x: x.sum()])
def test_callable_wrong_shape(fn):
    R = _small(2, 1)
    with pytest.raises(ValueError, match="callable f"):
        R.forward(fn)


def test_callable_non_finite():
    R = _small(3, 2)
    with pytest.raises(ValueError, match="callable f"):
        R.forward(lambda x: np.where(x[..., 0] > 0, np.inf, 0.0))


def test_callable_non_numeric():
    """Library bug (reported): a callable returning strings raises numpy's "could not
    convert string to float" without naming f (kplane/transform.py, ``_forward_callable``,
    ``np.asarray(f(x), dtype=np.float64)``)."""
    R = _small(2, 1)
    with pytest.raises((TypeError, ValueError), match="callable f"):
        R.forward(lambda x: np.full(x.shape[:-1], "a"))


# ---------------------------------------------------------------------------- filters, stiefel, helpers
def test_fourier_filter_errors():
    with pytest.raises(ValueError, match="g must not be empty"):
        fourier_filter(np.zeros((3, 0)), 0.1, order=1)
    with pytest.raises(ValueError, match="spacing"):
        fourier_filter(np.zeros(8), 0.0, order=1)
    with pytest.raises(ValueError, match="n_axes"):
        fourier_filter(np.zeros(8), 0.1, order=1, n_axes=2)
    with pytest.raises(ValueError, match="equal lengths"):
        fourier_filter(np.zeros((3, 4, 5)), 0.1, order=1, n_axes=2)
    with pytest.raises(ValueError, match="g must be finite"):
        fourier_filter(np.array([0.0, np.nan, 1.0]), 0.1, order=1)
    with pytest.raises(TypeError, match="g"):
        fourier_filter(np.array(["a", "b"]), 0.1, order=1)


def test_stiefel_errors():
    with pytest.raises(ValueError, match="n must be"):
        stiefel_sample(3, 4, 2)
    with pytest.raises(ValueError, match="size"):
        stiefel_sample(3, 1, -1)
    with pytest.raises(ValueError, match="n must be"):
        stiefel_quadrature(3, 3, 4)
    with pytest.raises(ValueError, match="size"):
        stiefel_quadrature(3, 1, 0)
    with pytest.raises(ValueError, match="rng"):
        stiefel_sample(3, 1, 2, rng=-1)


def test_validation_helpers():
    with pytest.raises(TypeError, match="x must be an integer"):
        check_int(True, "x")
    with pytest.raises(ValueError, match="x must be <= 3"):
        check_int(4, "x", maximum=3)
    with pytest.raises(ValueError, match="y must be finite and >= 0"):
        check_positive(-1.0, "y", strict=False)
    with pytest.raises(TypeError, match="y must be a real number"):
        check_positive("1", "y")
    with pytest.raises(ValueError, match="opt must be one of"):
        check_choice("c", "opt", ("a", "b"))
    with pytest.raises(ValueError, match="a must have 2 dimension"):
        as_float_array(np.zeros(3), "a", ndim=2)
    assert as_float_array(np.zeros((0, 2)), "a", allow_empty=True).shape == (0, 2)
    assert as_float_array(np.array([np.nan]), "a", finite=False).shape == (1,)
    g = np.random.default_rng(0)
    assert as_generator(g) is g
