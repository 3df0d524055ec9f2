"""Wavelet thresholding from noisy samples and the NLA experiment (arXiv 2502.17671)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pywt")

from ridgekit.splines.estimators import (
    dense_besov_coefficients,
    design_points,
    l2_error,
    sample_from_coefficients,
    wavelet_threshold,
)


def test_exact_point_values_and_noiseless_reproduction():
    # f = one scaling function at the finest level: f(x_k) from the integer values of φ
    a = dense_besov_coefficients(10, 1.0, 1, rng=3)
    y = sample_from_coefficients(a, 10)          # J = J_f: values on the fine grid itself
    assert y.shape == (1024,)
    fit = wavelet_threshold(y, 0.0)
    assert fit.kept == fit.total and np.allclose(fit.values, y, atol=1e-12)


@pytest.mark.parametrize("d, s, wavelet, Js, extra", [(1, 1.0, "db4", range(7, 12), 4), (2, 0.5, "db2", range(4, 7), 3)])
def test_noiseless_error_decays_like_optimal_recovery(d, s, wavelet, Js, extra):
    errs, ms = [], []
    for J in Js:
        a = dense_besov_coefficients(J + extra, s, d, wavelet=wavelet, rng=5)
        fit = wavelet_threshold(sample_from_coefficients(a, J, wavelet=wavelet), 0.0, wavelet=wavelet)
        errs.append(l2_error(fit, a, wavelet=wavelet))
        ms.append(2.0 ** (J * d))
    slope = np.polyfit(np.log(ms), np.log(errs), 1)[0]
    assert slope == pytest.approx(-s / d, abs=0.02)     # m^{−s/d}: rate exponent of σ = 0


def test_noise_increases_error_and_threshold_formula():
    rng = np.random.default_rng(0)
    a = dense_besov_coefficients(14, 1.0, 1, rng=1)
    y0 = sample_from_coefficients(a, 10)
    errs = []
    for sig in (0.0, 0.01, 0.1, 1.0):
        fit = wavelet_threshold(y0 + sig * rng.standard_normal(y0.shape), sig)
        assert fit.threshold == pytest.approx(sig * math.sqrt(2 * math.log(1024) / 1024))
        errs.append(l2_error(fit, a))
    assert errs == sorted(errs)


def test_nla_gallery_quick(tmp_path):
    pytest.importorskip("matplotlib")
    from ridgekit.gallery.nla import run

    out = run(tmp_path, quick=True)
    assert out["figures"] and all(Path(p).exists() and cap for p, cap in out["figures"])
    failed = [c.name for c in out["checks"] if not c.passed]
    assert not failed, failed
    names = [c.name for c in out["checks"]]
    assert any("noiseless" in n for n in names) and any("σ" in n for n in names)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: wavelet_threshold(np.ones(64), -1.0), ValueError, "sigma"),
    (lambda: wavelet_threshold(np.ones(60), 0.1), ValueError, "power-of-2"),
    (lambda: wavelet_threshold(np.ones(4), 0.1), ValueError, "too coarse"),
    (lambda: wavelet_threshold(np.ones(64), 0.1, wavelet="foo"), ValueError, "pywt.wavelist"),
    (lambda: wavelet_threshold(np.ones(64), 0.1, mode="garrote"), ValueError, "mode"),
    (lambda: wavelet_threshold(np.ones(64), 0.1, level=9), ValueError, "level"),
    (lambda: dense_besov_coefficients(8, 0.0), ValueError, "s must"),
    (lambda: design_points(0), ValueError, "n must"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
