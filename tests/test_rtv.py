"""radon.rtv_seminorm: the grid computation of the Radon-domain TV converges to the
closed form of the Gaussian (radon.norms.rtv_gaussian, itself checked against mpmath) in
every d from 1 to 5; invariances; bad input."""

import numpy as np
import pytest

from ridgekit.radon.norms import rtv_gaussian
from ridgekit.radon.rtv import rtv_seminorm


def gaussian_grid(d, N, L, centre=0.0, s=1.0):
    h = L / N
    ax = (np.arange(N) + 0.5 - N / 2) * h
    X = np.meshgrid(*([ax] * d), indexing="ij")
    return np.exp(-sum((x - centre) ** 2 for x in X) / (2 * s * s)), h


# (d, box side L, coarse N, fine N, bound on the fine relative error).  Errors measured
# 2026-11-28: d=1 8.3e-4/2.1e-4, d=2 1.4e-3/6e-4 (floor ~2e-4 from the |t|^{-(d+2)} tails cut
# by the box, see rtv.py), d=3 5.8e-4/1.5e-4, d=4 0.37/1.4e-3, d=5 4.8e-2/1.2e-3; bounds
# are twice the fine error.  Radial functions: a few directions suffice (every direction
# sees the same profile), so the direction quadrature is not what is tested here.
CASES = [(1, 20.0, 200, 400, 4e-4), (2, 24.0, 80, 160, 1.3e-3), (3, 12.0, 24, 48, 3e-4),
         (4, 12.0, 12, 24, 3e-3), (5, 12.0, 16, 20, 2.5e-3)]


@pytest.mark.parametrize("d, L, n0, n1, bound", CASES)
def test_gaussian_grid_norm_converges_to_closed_form(d, L, n0, n1, bound):
    exact = rtv_gaussian(d)
    errs = []
    for N in (n0, n1):
        f, h = gaussian_grid(d, N, L)
        errs.append(abs(rtv_seminorm(f, spacing=h, n_directions=8) / exact - 1))
    assert errs[1] < errs[0]
    assert errs[1] < bound


def test_one_dimensional_norm_is_exact_for_linear_splines():
    # f = 2[x − 0.3]₊ − 0.5[x + 1.2]₊ + affine on a grid containing the knots: ∫|f''| = 2.5
    x = np.linspace(-3, 3, 61)  # step 0.1: knots on nodes
    f = 2 * np.maximum(x - 0.3, 0) - 0.5 * np.maximum(x + 1.2, 0) + 0.7 * x - 1
    assert abs(rtv_seminorm(f, spacing=0.1) - 2.5) < 1e-12


def test_translation_and_scaling_laws_in_2d():
    # ‖f(· − c)‖ = ‖f‖ and ‖f(·/s)‖ = ‖f‖/s (docs/theory/rnorm.md invariances)
    base, h = gaussian_grid(2, 96, 24.0)
    shifted, _ = gaussian_grid(2, 96, 24.0, centre=1.3)
    wide, _ = gaussian_grid(2, 96, 24.0, s=1.5)
    v0 = rtv_seminorm(base, spacing=h, n_directions=90)
    assert abs(rtv_seminorm(shifted, spacing=h, n_directions=90) / v0 - 1) < 2e-3
    assert abs(rtv_seminorm(wide, spacing=h, n_directions=90) * 1.5 / v0 - 1) < 2e-3


def test_rotation_invariance_of_an_anisotropic_function_in_2d():
    h = 0.2
    ax = (np.arange(100) + 0.5 - 50) * h
    X, Y = np.meshgrid(ax, ax, indexing="ij")
    a, c = 0.6, np.cos(0.6)
    sn = np.sin(0.6)
    f = np.exp(-(X ** 2) / 2 - (Y ** 2) / 0.5)
    g = np.exp(-((c * X - sn * Y) ** 2) / 2 - ((sn * X + c * Y) ** 2) / 0.5)
    assert a > 0
    vf = rtv_seminorm(f, spacing=h)
    vg = rtv_seminorm(g, spacing=h)
    assert abs(vf / vg - 1) < 5e-3


def test_affine_function_has_zero_norm_in_1d():
    x = np.linspace(-1, 1, 41)
    assert rtv_seminorm(3 * x - 2, spacing=0.05) < 1e-12


@pytest.mark.parametrize("bad, kw, exc, match", [
    (np.zeros(2), {}, ValueError, "values"),
    (np.full((8, 8), np.nan), {}, ValueError, "values"),
    ("grid", {}, TypeError, "values"),
    (np.zeros((8, 8)), {"spacing": 0.0}, ValueError, "spacing"),
    (np.zeros((8, 8)), {"spacing": -1.0}, ValueError, "spacing"),
    (np.zeros((8, 8)), {"n_directions": 0}, ValueError, "n_directions"),
    (np.zeros((8, 8)), {"filter_name": "gauss"}, ValueError, "filter_name"),
])
def test_bad_input(bad, kw, exc, match):
    with pytest.raises(exc, match=match):
        rtv_seminorm(bad, **kw)
