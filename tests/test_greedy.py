"""Orthogonal greedy n-term approximation by ReLU atoms on the ball and the cube (docs/theory/weighted_variation.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ridgekit.splines.greedy import (
    atom_l2_weight,
    boundary_singular_profile,
    domain_points,
    orthogonal_greedy,
    relu_dictionary,
    weighted_target,
)


def test_profile_second_derivative():
    z = np.linspace(0.05, 0.9, 50)
    h = 1e-4
    second = (boundary_singular_profile(z + h) - 2 * boundary_singular_profile(z) + boundary_singular_profile(z - h)) / h ** 2
    assert np.allclose(second, (1 - z) ** -1.5, rtol=1e-5)


@pytest.mark.parametrize("dom", [("ball", 1.0), ("cube", 1.0)])
def test_greedy_monotone_network_matches_and_certified_rate(dom):
    X = domain_points(dom, 2, 1500, rng=1)
    f = weighted_target(dom, X)
    U, T = relu_dictionary(dom, 2, 32, 24)
    res = orthogonal_greedy(f, X, U, T, 32)
    assert np.all(np.diff(res.errors) <= 1e-12)
    # the network returned reproduces the final residual error (least squares on the same span)
    err = np.sqrt(np.mean((res.network(X) - f) ** 2))
    assert err == pytest.approx(res.errors[-1], rel=1e-6)
    n = np.arange(8, 33)
    slope = np.polyfit(np.log(n), np.log(res.errors[8:]), 1)[0]
    assert slope < -0.5                       # at least the certified OGA rate n^{-1/2}
    vw = res.network.weighted_variation(atom_l2_weight(X), domain=dom)
    assert np.isfinite(vw) and vw > 0


def test_domain_points_inside():
    Xb = domain_points(("ball", 2.0), 3, 500, rng=0)
    assert np.all(np.linalg.norm(Xb, axis=1) <= 2.0)
    Xc = domain_points(("cube", 0.5), 2, 500, rng=0)
    assert np.all(np.abs(Xc) <= 0.5)


def test_weighted_variation_gallery_quick(tmp_path):
    pytest.importorskip("matplotlib")
    from ridgekit.gallery.weighted_variation import run

    out = run(tmp_path, quick=True)
    assert out["figures"] and all(Path(p).exists() and cap for p, cap in out["figures"])
    failed = [c.name for c in out["checks"] if not c.passed]
    assert not failed, failed


def test_bad_input():
    with pytest.raises(TypeError, match="domain"):
        domain_points("sphere", 2, 10)
    with pytest.raises(ValueError, match="n_terms"):
        X = domain_points(("ball", 1.0), 2, 50, rng=0)
        U, T = relu_dictionary(("ball", 1.0), 2, 4, 4)
        orthogonal_greedy(np.zeros(50), X, U, T, 100)
    with pytest.raises(ValueError, match="f_values"):
        orthogonal_greedy(np.zeros(3), X, U, T, 1)
