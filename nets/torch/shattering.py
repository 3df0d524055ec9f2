"""Neural-shattering statistics and the stability bound of arXiv 2506.20779.

For a two-layer ReLU network f(x) = Σ_k v_k ϕ(w_kᵀx − b_k) + β trained on X (docs/theory/flat_minima.md
[paper]):

* the *activation fraction* of neuron k is #{i : w_kᵀxᵢ > b_k}/n; a "shattered" neuron is
  active on a small fraction of the data (≤ 10 % in the paper's Figs. 1 and 3);
* its *atom weight* :math:`a_k = |v_k|·‖w_k‖` (:math:`‖v_k‖₂‖w_k‖` for vector outputs), the coefficient of
  the unit atom ϕ(u_kᵀx − t_k), u_k = w_k/‖w_k‖, t_k = b_k/‖w_k‖ (their Example 3.1);
* the empirical data-dependent weight g(u, t) (:func:`radon.norms.data_weight`; its
  multivariate form is [unverified], see that function) and the weighted variation
  :math:`|f|_{V_g} = Σⱼ |aⱼ| g(uⱼ, tⱼ)` over canonical atoms on the ball B_R;
* Thm. 3.2: :math:`|f_θ|_{V_g} ≤ λ_max(∇²L(θ))/2 − 1/2 + (R + 1)√(2L(θ))`, for every θ (not
  only minima), with L = (1/2n)Σ(f(xᵢ) − yᵢ)² and the data in B_R.

Why Thm. 3.2 holds with this g ([derived], a sketch checked numerically by the tests):
with H = (1/n)Σ∇f∇fᵀ + (1/n)Σ rᵢ∇²f(xᵢ), rᵢ = f(xᵢ) − yᵢ, take the unit vector u along
m = (1/n)Σ∇_θ f(xᵢ): uᵀHu ≥ ‖m‖² − √(2L)·√(1 + R²) (the second-order term of a ReLU
network couples only v_k with (w_k, b_k), :math:`|uᵀ∇²f(x)u| ≤ √(1 + ‖x‖²)`).  The β-entry of m is
1 and, by AM–GM on the v_k and (w_k, b_k) entries, ‖m‖² ≥ 1 + 2Σ_k a_k g̃(u_k, t_k) ≥
:math:`1 + 2|f|_{V_g}`.  Hence :math:`λ_max ≥ 1 + 2|f|_{V_g} − √(1+R²)√(2L)`, which implies Thm. 3.2
since √(1 + R²) ≤ 2(R + 1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ridgekit._validation import as_float_array, check_positive
from ridgekit.radon.norms import Ball, data_weight

from .hessian import hessian_eigenvalues
from .models import TwoLayerReLU
from .train import half_mse

__all__ = ["activation_fraction", "atom_weights", "data_weight_values", "weighted_variation_norm",
           "StabilityBound", "stability_bound", "shattering_summary"]


def _arrays(model):
    """(W (m, d), b (m,), V (m, D)) as float64 numpy arrays from a module or ShallowNetwork."""
    if isinstance(model, torch.nn.Module):
        if not all(hasattr(model, k) for k in ("W", "b", "V")):
            raise TypeError("model must be a TwoLayerReLU (or have W, b, V), or a ShallowNetwork")
        t = lambda p: p.detach().cpu().double().numpy()
        W, b, V = t(model.W), t(model.b), t(model.V)
    elif all(hasattr(model, k) for k in ("W", "b", "V")):
        W, b, V = np.asarray(model.W, dtype=np.float64), np.asarray(model.b, dtype=np.float64), \
            np.asarray(model.V, dtype=np.float64)
    else:
        raise TypeError(f"model must be a TwoLayerReLU or a ShallowNetwork, got {type(model).__name__}")
    if W.ndim != 2:
        raise ValueError("shattering statistics need scalar ReLU neurons (W of shape (m, d))")
    return W, b, V.reshape(W.shape[0], -1)


def _points(X, d):
    X = as_float_array(X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else X, "X", ndim=2)
    if X.shape[1] != d:
        raise ValueError(f"X must have shape (n, {d}), got {X.shape}")
    return X


def activation_fraction(model, X) -> np.ndarray:
    """Fraction of the points X on which each neuron is active, #{i : w_kᵀxᵢ − b_k > 0}/n.

    Examples
    --------
    >>> model = TwoLayerReLU.from_tensors(torch.tensor([[1.0], [-1.0]]), torch.tensor([0.5, 0.0]),
    ...                                   torch.tensor([1.0, 1.0]), torch.tensor([0.0]))
    >>> activation_fraction(model, [[-1.0], [0.0], [1.0], [2.0]]).tolist()
    [0.5, 0.25]
    """
    W, b, _ = _arrays(model)
    X = _points(X, W.shape[1])
    return np.mean(X @ W.T - b > 0, axis=0)


def atom_weights(model) -> np.ndarray:
    """a_k = ‖v_k‖₂·‖w_k‖₂, the weight of neuron k as a unit atom (arXiv 2506.20779, Ex. 3.1)."""
    W, _, V = _arrays(model)
    return np.linalg.norm(V, axis=1) * np.linalg.norm(W, axis=1)


def data_weight_values(model, X) -> np.ndarray:
    """g(u_k, t_k) of each neuron, g the empirical data-dependent weight of the sample X.

    u_k = w_k/‖w_k‖, t_k = b_k/‖w_k‖; g from :func:`radon.norms.data_weight` (multivariate
    form [unverified]).  Neurons with w_k = 0 get g = 0 (they are constant functions).
    """
    W, b, _ = _arrays(model)
    X = _points(X, W.shape[1])
    nw = np.linalg.norm(W, axis=1)
    out = np.zeros(len(b))
    ok = nw > 0
    if np.any(ok):
        out[ok] = data_weight(X)(W[ok] / nw[ok, None], b[ok] / nw[ok])
    return out


def _shallow(model):
    if isinstance(model, torch.nn.Module):
        if isinstance(model, TwoLayerReLU):
            return model.to_shallow()
        from ..network import ShallowNetwork

        return ShallowNetwork.from_torch(model)
    return model


def _radius(X, R):
    rmax = float(np.max(np.linalg.norm(X, axis=1)))
    if R is None:
        return 1.0 if rmax <= 1.0 + 1e-12 else rmax
    R = check_positive(R, "R")
    if rmax > R * (1 + 1e-12):
        raise ValueError(f"the data must lie in the ball of radius R = {R}, but max ‖xᵢ‖ = {rmax}")
    return R


def weighted_variation_norm(model, X, *, R=None) -> float:
    """:math:`|f|_{V_g}` on the ball B_R with g the empirical data weight of X (arXiv 2506.20779, §3).

    Computed by :meth:`nets.ShallowNetwork.weighted_variation` (``g="data"``): canonical
    atoms (duplicates merged, antipodal pairs combined, neurons whose hyperplane misses
    B_R treated as affine, at no cost), then Σⱼ ‖aⱼ‖ g(uⱼ, tⱼ).

    Parameters
    ----------
    model : TwoLayerReLU or nets.ShallowNetwork
    X : (n, d) training inputs
    R : float, optional
        Radius of the ball; default 1 (the paper's data lie in B₁), or maxᵢ ‖xᵢ‖ if larger.
    """
    net = _shallow(model)
    X = _points(X, net.input_dim)
    R = _radius(X, R)
    return float(net.weighted_variation("data", X=X, domain=Ball(R)))


class StabilityBound(NamedTuple):
    """Both sides of Thm. 3.2 of arXiv 2506.20779 for one network.

    ``norm`` :math:`= |f|_{V_g}`; ``bound`` = λ_max/2 − 1/2 + (R + 1)√(2L); ``holds`` = norm ≤ bound
    up to the accuracy of λ_max: norm ≤ bound :math:`+ tol·|λ_max|/2 + 1e-12` (``tol`` the Lanczos
    tolerance; the Prop. I.2 network has norm = bound = 0 and λ_max = 1 − O(eps)).
    """

    norm: float
    lam_max: float
    loss: float
    R: float
    bound: float
    holds: bool


def stability_bound(model, X, y, *, R=None, lam_max=None, tol: float = 1e-10) -> StabilityBound:
    """Check Thm. 3.2 of arXiv 2506.20779: :math:`|f_θ|_{V_g} ≤ λ_max(∇²L(θ))/2 − 1/2 + (R+1)√(2L(θ))`.

    Parameters
    ----------
    model : TwoLayerReLU (scalar output, no trainable linear skip)
        The network at parameters θ = (W, b, V, β); evaluated in float64 (an exact copy
        if the model is float32).
    X, y : training data, X (n, d) inside B_R, y (n,)
    R : float, optional
        Radius (default 1, or maxᵢ ‖xᵢ‖ if larger).
    lam_max : float, optional
        Sharpness, if already known; otherwise computed by Lanczos (``tol``) in float64.

    Notes
    -----
    L(θ) = (1/2n) Σᵢ (f(xᵢ) − yᵢ)² (the paper's normalisation, §2); the Hessian is taken
    with respect to all of θ = (W, b, V, β).  A derivation of the inequality for the
    data weight of :func:`radon.norms.data_weight` is in the module docstring ([derived]).
    """
    if not isinstance(model, TwoLayerReLU):
        raise TypeError(f"model must be a TwoLayerReLU, got {type(model).__name__}")
    if not model.scalar_output or model.linear_skip:
        raise ValueError("Thm. 3.2 is stated for scalar networks without a trainable linear skip")
    m64 = TwoLayerReLU.from_tensors(model.W, model.b, model.V, model.c0, C=model.C, dtype=torch.float64,
                                    device=model.W.device)
    Xn = _points(X, m64.input_dim)
    R = _radius(Xn, R)
    Xt = torch.as_tensor(Xn, dtype=torch.float64, device=m64.W.device)
    yt = torch.as_tensor(np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y, dtype=np.float64),
                         device=m64.W.device).reshape(-1)
    if yt.shape[0] != Xt.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {Xt.shape[0]} and {yt.shape[0]}")
    params = list(m64.parameters())
    with torch.no_grad():
        loss = float(half_mse(m64(Xt), yt))
    if lam_max is None:
        lam_max = float(hessian_eigenvalues(lambda: half_mse(m64(Xt), yt), params, k=1, tol=tol)[0])
    norm = weighted_variation_norm(m64, Xn, R=R)
    bound = lam_max / 2 - 0.5 + (R + 1) * math.sqrt(2 * loss)
    slack = tol * abs(lam_max) / 2 + 1e-12
    return StabilityBound(norm=norm, lam_max=float(lam_max), loss=loss, R=R, bound=bound,
                          holds=bool(norm <= bound + slack))


def shattering_summary(model, X, *, threshold: float = 0.1) -> dict:
    """Summary statistics of neural shattering for a trained network.

    Returns a dict: ``fraction_shattered`` (neurons active on ≤ ``threshold`` of the
    data, among those with a_k > 0), ``fraction_dead`` (active on no point),
    ``median_activation`` and ``median_atom_weight`` (over neurons with a_k > 0),
    ``max_atom_weight`` and ``path_norm`` Σ a_k.

    Examples
    --------
    >>> model = TwoLayerReLU.from_tensors(torch.tensor([[1.0], [-1.0]]), torch.tensor([0.5, 0.0]),
    ...                                   torch.tensor([2.0, 1.0]), torch.tensor([0.0]))
    >>> s = shattering_summary(model, [[-1.0], [0.0], [1.0], [2.0]], threshold=0.3)
    >>> s["fraction_shattered"], s["path_norm"]
    (0.5, 3.0)
    """
    threshold = check_positive(threshold, "threshold", strict=False)
    frac = activation_fraction(model, X)
    a = atom_weights(model)
    live = a > 0
    fl, al = frac[live], a[live]
    return {
        "fraction_shattered": float(np.mean(fl <= threshold)) if fl.size else math.nan,
        "fraction_dead": float(np.mean(fl == 0)) if fl.size else math.nan,
        "median_activation": float(np.median(fl)) if fl.size else math.nan,
        "median_atom_weight": float(np.median(al)) if al.size else math.nan,
        "max_atom_weight": float(np.max(a)) if a.size else 0.0,
        "path_norm": float(np.sum(a)),
    }
