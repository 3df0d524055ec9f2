"""Convex layer compression by the multi-task lasso (arXiv 2305.16534, docs/theory/vv.md).

Given a trained linear layer Ψ = Φ Wᵀ + b acting on the N recorded input embeddings
Φ ∈ ℝ^{N×K} (one column per neuron of the previous layer) with outputs Ψ ∈ ℝ^{N×D},
re-solve the layer as the multi-task lasso

    minimise_V  1/(2N) ‖Ψ − b − Φ V‖²_F + α Σᵢ ‖vᵢ‖₂ ,      V ∈ ℝ^{K×D},

whose solution has few non-zero rows vᵢ: neuron i of the previous layer is removed when
vᵢ = 0 (its outgoing weights vanish).  This is the authors' procedure (Adam + group
soft-thresholding on the recorded Φ, Ψ with the original bias fixed, [code]
joeshenouda/vv-spaces-nn-width prox_gradient.py) solved to a duality gap instead.  With
``refit`` the kept rows are re-fitted by least squares (debiasing), which only lowers the
residual.

Stated tolerance [derived]: if the original weights W (D, K) are passed, the lasso
solution V̂ satisfies 1/(2N)‖R̂‖² ≤ P(V̂) ≤ P(Wᵀ) + gap, so

    ‖Ψ − b − ΦV‖_F ≤ √(2N (α Σᵢ‖Wᵀᵢ‖₂ + ½‖Ψ − b − ΦWᵀ‖²/N + gap)),

reported as ``error_bound`` (relative to ‖Ψ − b̄‖_F); with ``rtol`` instead of α the
largest α on a geometric grid whose (refitted) relative error is ≤ rtol is returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ridgekit._validation import as_float_array, check_int, check_positive

from .multitask import alpha_max, multitask_lasso

__all__ = ["compress_layer", "CompressedLayer"]


@dataclass
class CompressedLayer:
    """Result of :func:`compress_layer`.

    Attributes
    ----------
    coef : (K, D) new outgoing weights (zero rows for removed neurons); the layer is
        Ψ ≈ Φ coef + intercept (``coef.T`` is a torch/scikit-learn weight matrix).
    intercept : (D,)
    keep : (K,) bool, neurons kept.
    n_before, n_after : widths before and after.
    alpha : the α used.
    relative_error : ‖Ψ − Φ coef − intercept‖_F / ‖Ψ − mean(Ψ)‖_F on the data.
    error_bound : the a-priori bound of the module docstring (relative), or None.
    duality_gap : gap of the lasso solve.
    """

    coef: np.ndarray
    intercept: np.ndarray
    keep: np.ndarray
    n_before: int
    n_after: int
    alpha: float
    relative_error: float
    error_bound: object
    duality_gap: float


def _solve(Phi, T, alpha, fit_intercept, refit, tol, max_iter):
    res = multitask_lasso(Phi, T, alpha, fit_intercept=fit_intercept, tol=tol, max_iter=max_iter)
    V, c = res.coef.copy(), np.asarray(res.intercept).copy()
    keep = np.any(V != 0, axis=1)
    if refit and keep.any():
        V, c = _refit(Phi, T, V, c, keep, fit_intercept)
    return res, V, c, keep


def _refit(Phi, T, V, c, keep, fit_intercept):
    """Least squares on the kept neurons (and the intercept)."""
    A = Phi[:, keep]
    if fit_intercept:
        A = np.hstack([A, np.ones((len(Phi), 1))])
    sol, *_ = np.linalg.lstsq(A, T, rcond=None)
    V = np.zeros_like(V)
    V[keep] = sol[:keep.sum()]
    c = sol[-1] if fit_intercept else np.zeros(T.shape[1])
    return V, c


def compress_layer(inputs, outputs, alpha=None, *, bias=None, weights=None, rtol=None, refit=True,
                   n_alphas: int = 30, tol: float = 1e-8, max_iter: int = 100_000) -> CompressedLayer:
    """Remove input neurons of a linear layer while matching its outputs on data.

    Parameters
    ----------
    inputs : array (N, K)
        The layer's input embeddings Φ (e.g. hidden ReLU activations), K neurons.
    outputs : array (N, D)
        The layer's outputs Ψ on the same data (pre-activation).
    alpha : float > 0, optional
        Lasso weight (scikit-learn scaling).  Give ``alpha`` or ``rtol``.
    bias : array (D,), optional
        Keep this bias fixed (the authors' choice); default: an unpenalised intercept.
    weights : array (D, K), optional
        The original weights, for ``error_bound`` (module docstring).
    rtol : float, optional
        Target relative output error: the largest α on a grid of ``n_alphas`` values from
        α_max down to 10⁻⁴α_max meeting it (warm-started path).
    refit : bool
        Least-squares refit of the kept neurons.
    tol, max_iter : passed to :func:`splines.multitask_lasso`.

    Returns
    -------
    CompressedLayer

    Examples
    --------
    A layer of width 6 whose output uses only 3 of its inputs:

    >>> rng = np.random.default_rng(0)
    >>> Phi = rng.standard_normal((50, 6))
    >>> W = rng.standard_normal((2, 6)) * [1, 1, 1, 0, 0, 0]; out = Phi @ W.T + 0.5
    >>> c = compress_layer(Phi, out, rtol=1e-6)
    >>> c.n_before, c.n_after, bool(c.relative_error <= 1e-6)
    (6, 3, True)
    """
    Phi = as_float_array(inputs, "inputs", ndim=2)
    Psi = as_float_array(outputs, "outputs", ndim=(1, 2), allow_empty=True)
    Psi = Psi.reshape(len(Psi), -1)
    if Psi.shape[1] == 0:
        raise ValueError(f"outputs must have D ≥ 1 columns, got shape {Psi.shape}")
    if Psi.shape[0] != Phi.shape[0]:
        raise ValueError(f"inputs and outputs must have the same number of rows, got {Phi.shape} and {Psi.shape}")
    N, K = Phi.shape
    D = Psi.shape[1]
    for name, arr in (("inputs", Phi), ("outputs", Psi)):
        if arr.size and float(np.max(np.abs(arr))) > 1e150:
            # squared norms in the lasso overflow beyond; the layer is scale-covariant
            raise ValueError(f"{name} must be below 1e150 in magnitude (rescale them), "
                             f"got max |{name}| = {float(np.max(np.abs(arr))):.3g}")
    if (alpha is None) == (rtol is None):
        raise ValueError("give exactly one of alpha (lasso weight) and rtol (target relative error)")
    fit_intercept = bias is None
    T = Psi
    if bias is not None:
        b = as_float_array(bias, "bias", ndim=(0, 1)).reshape(-1)
        if b.shape != (D,):
            raise ValueError(f"bias must have shape ({D},), got {b.shape}")
        T = Psi - b
    if alpha is not None:
        alpha = check_positive(alpha, "alpha")
    else:
        rtol = check_positive(rtol, "rtol")
    scale = float(np.linalg.norm(Psi - Psi.mean(0)))
    if weights is not None:
        W = as_float_array(weights, "weights", ndim=2)
        if W.shape != (D, K):
            raise ValueError(f"weights must have shape ({D}, {K}) (outputs × inputs), got {W.shape}")
    Tc = T - T.mean(0) if fit_intercept else T
    if float(np.linalg.norm(Tc)) <= 1e-12 * float(np.linalg.norm(T)) or not np.any(Tc):
        # constant outputs (or, with a given bias, outputs equal to it): the intercept alone
        # reproduces them to rounding, every neuron is removed (the lasso path would start at
        # alpha_max = 0, and rounding-level "signal" would send it to 1e-4 alpha_max)
        V = np.zeros((K, D))
        c = (T.mean(0) if fit_intercept else np.zeros(D)) + (0.0 if bias is None else b)
        # relative error 0: the fit is exact to rounding (‖Ψ − mean Ψ‖ is itself rounding)
        return CompressedLayer(V, np.asarray(c, dtype=float), np.zeros(K, dtype=bool), K, 0,
                               float(alpha) if alpha is not None else 0.0, 0.0, None, 0.0)
    scale = scale if scale > 0 else 1.0
    err = lambda V, c: float(np.linalg.norm(T - Phi @ V - c)) / scale

    if alpha is not None:
        res, V, c, keep = _solve(Phi, T, alpha, fit_intercept, refit, tol, max_iter)
    else:
        n_alphas = check_int(n_alphas, "n_alphas", minimum=2)
        amax = alpha_max(Phi, T, fit_intercept=fit_intercept)
        grid = np.geomspace(amax, 1e-4 * amax, n_alphas)
        chosen, B = len(grid) - 1, None
        for i, a in enumerate(grid):            # warm-started path, stopped at the first hit
            res_i = multitask_lasso(Phi, T, a, fit_intercept=fit_intercept, tol=tol, max_iter=max_iter,
                                    coef_init=B)
            B = res_i.coef
            keep_i = np.any(B != 0, axis=1)
            Vi, ci = B, res_i.intercept
            if refit and keep_i.any():
                Vi, ci = _refit(Phi, T, Vi, ci, keep_i, fit_intercept)
            if keep_i.any() and err(Vi, ci) <= rtol:
                chosen = i
                break
        alpha = float(grid[chosen])
        res, V, c, keep = _solve(Phi, T, alpha, fit_intercept, refit, tol, max_iter)
    if bias is not None:
        c = c + b
    rel = float(np.linalg.norm(Psi - Phi @ V - c)) / scale
    bound = None
    if weights is not None:
        W = as_float_array(weights, "weights", ndim=2)
        if W.shape != (D, K):
            raise ValueError(f"weights must have shape ({D}, {K}) (outputs × inputs), got {W.shape}")
        R0 = T - Phi @ W.T
        if fit_intercept:
            R0 = R0 - R0.mean(0)
        p0 = 0.5 * float(np.sum(R0 ** 2)) / N + alpha * float(np.sum(np.linalg.norm(W, axis=0)))
        bound = float(np.sqrt(2 * N * (p0 + res.duality_gap))) / scale
    return CompressedLayer(V, np.asarray(c, dtype=float), keep, K, int(keep.sum()), alpha, rel, bound,
                           float(res.duality_gap))
