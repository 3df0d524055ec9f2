"""Tests of splines.compress_layer: the stated error bound, the rtol mode, and the digits
MLP demonstration (arXiv 2305.16534, docs/theory/vv.md §Compression)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ridgekit.splines.compress import compress_layer


def _layer(rng, N=80, K=20, D=3, used=5):
    Phi = np.maximum(rng.standard_normal((N, K)), 0)
    W = rng.standard_normal((D, K))
    W[:, used:] *= 1e-3                         # most neurons nearly unused
    b = rng.standard_normal(D)
    return Phi, W, b, Phi @ W.T + b


@pytest.mark.parametrize("alpha", [1e-3, 1e-2, 1e-1])
def test_error_within_stated_bound(rng, alpha):
    Phi, W, b, out = _layer(rng)
    for refit in (False, True):
        c = compress_layer(Phi, out, alpha, bias=b, weights=W, refit=refit, tol=1e-10)
        assert c.relative_error <= c.error_bound
        assert c.n_before == 20 and c.n_after == int(c.keep.sum()) and c.n_after < 20
        np.testing.assert_array_equal(np.any(c.coef != 0, axis=1), c.keep)
        np.testing.assert_allclose(c.intercept, b)          # the fixed bias is kept


def test_rtol_mode_and_intercept(rng):
    Phi, W, b, out = _layer(rng)
    for rtol in (1e-2, 1e-1):
        c = compress_layer(Phi, out, rtol=rtol, tol=1e-10)
        assert c.relative_error <= rtol
        pred = Phi @ c.coef + c.intercept
        assert np.linalg.norm(out - pred) / np.linalg.norm(out - out.mean(0)) == pytest.approx(c.relative_error)
    assert compress_layer(Phi, out, rtol=1e-1).n_after <= compress_layer(Phi, out, rtol=1e-2).n_after


@pytest.mark.parametrize("args,kwargs,exc,match", [
    ((np.ones((5, 3)), np.ones((5, 0)), 0.1), {}, ValueError, "D ≥ 1"),
    ((np.ones((5, 3)), np.ones((4, 2)), 0.1), {}, ValueError, "same number of rows"),
    ((np.ones((5, 3)), np.ones((5, 2)), -0.1), {}, ValueError, "alpha"),
    ((np.ones((5, 3)), np.ones((5, 2))), {}, ValueError, "exactly one of alpha"),
    ((np.ones((5, 3)), np.ones((5, 2)), 0.1), {"bias": np.ones(3)}, ValueError, "bias"),
    ((np.ones((5, 3)), np.ones((5, 2)), 0.1), {"weights": np.ones((3, 2))}, ValueError, "weights"),
])
def test_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        compress_layer(*args, **kwargs)


def test_digits_mlp_compression():
    """Compress the output layer of an MLP trained on scikit-learn's digits: width before
    and after, output error within rtol on the training data, test accuracy kept."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16, y, test_size=0.3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # a short training run on purpose
        mlp = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, max_iter=150, random_state=0).fit(Xtr, ytr)
    hid = lambda Z: np.maximum(Z @ mlp.coefs_[0] + mlp.intercepts_[0], 0)
    H, Hte = hid(Xtr), hid(Xte)
    out = H @ mlp.coefs_[1] + mlp.intercepts_[1]
    c = compress_layer(H, out, rtol=0.05, bias=mlp.intercepts_[1], weights=mlp.coefs_[1].T, tol=1e-6)
    acc_before = mlp.score(Xte, yte)
    acc_after = float(np.mean(np.argmax(Hte @ c.coef + c.intercept, 1) == yte))
    assert c.relative_error <= 0.05
    assert c.n_before == 64 and c.n_after < 64
    assert acc_after >= acc_before - 0.02
