"""Shallow networks as atomic measures in the Radon (k-plane) domain.

f(x) = Σᵢ Vᵢ ρ(Wᵢ x − bᵢ) + p(x), with

* scalar neurons: W (m, d) rows wᵢ, offsets b (m,), ρ(wᵢᵀx − bᵢ) (the Radon case k = d − 1);
* k-plane neurons: W (m, d, n) frames Θᵢ, offsets b (m, n), ρ(Θᵢᵀx − bᵢ) with ρ : ℝⁿ → ℝ
  (docs/theory/kplane.md §Planes and frames: n = d − k is the codimension, the number of inputs of ρ);
* output weights V (m,) (scalar output) or (m, D);
* p a polynomial "skip" part: affine (c0 (D,), C (d, D)) for ReLU, or the null-space
  polynomials of a polyharmonic activation (monomials with integer powers).

The norms follow docs/theory/multivariate.md and §4.2 (R-norm with γ_d = 1/(2(2π)^{d−1}) and the
surface measure: a unit ReLU neuron has norm 1), docs/theory/vv.md (vector-valued variation
norm of arXiv 2305.16534) and docs/theory/flat_minima.md (weighted variation of arXiv 2506.20779).
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from ridgekit._validation import as_float_array
from ridgekit.radon.norms import Ball, as_domain, canonical_relu_atoms, data_weight, stable_weight
from ridgekit.radon.norms import weighted_variation as _weighted_variation

from . import _kernels
from .activations import CustomActivation, Polyharmonic, ReLU, get_activation

__all__ = ["ShallowNetwork", "KPlaneMeasure"]

_CHUNK_ELEMENTS = 1 << 21   # entries of the largest (points × neurons × n) temporary
_FORMAT = "ridgekit.ShallowNetwork"
_VERSION = 1


def _rows(a):
    """``a`` as a 2-D array with one row per neuron (also for zero neurons)."""
    return a.reshape(a.shape[0], int(np.prod(a.shape[1:], dtype=np.int64)))


class KPlaneMeasure(tuple):
    """Atoms Σⱼ aⱼ δ_{(Θⱼ, tⱼ)} on V_n(ℝᵈ) × ℝⁿ: (frames (K, d, n), offsets (K, n), weights (K, D))."""

    __slots__ = ()

    def __new__(cls, frames, offsets, weights):
        return super().__new__(cls, (frames, offsets, weights))

    frames = property(lambda self: self[0])
    offsets = property(lambda self: self[1])
    weights = property(lambda self: self[2])

    def total_variation(self) -> float:
        """Σⱼ ‖aⱼ‖₂ (the norm of the measure for distinct atoms)."""
        return float(np.sum(np.linalg.norm(self.weights, axis=1)))


def _as_skip(skip, d, D):
    """Normalise ``skip`` to (powers (p, d) int64, coef (p, D) float64)."""
    if skip is None:
        return np.zeros((0, d), dtype=np.int64), np.zeros((0, D))
    if isinstance(skip, dict):
        if set(skip) != {"powers", "coef"}:
            raise ValueError(f"skip dict must have keys 'powers' and 'coef', got {sorted(skip)}")
        powers = np.asarray(skip["powers"])
        if powers.ndim != 2 or powers.shape[1] != d or not np.issubdtype(powers.dtype, np.integer) \
                or np.any(powers < 0):
            raise ValueError(f"skip['powers'] must be non-negative integers of shape (p, {d}), got "
                             f"{powers.dtype} {powers.shape}")
        coef = as_float_array(skip["coef"], "skip['coef']", ndim=(1, 2), allow_empty=True).reshape(len(powers), D)
        if coef.shape != (len(powers), D):
            raise ValueError(f"skip['coef'] must have shape ({len(powers)}, {D}), got {coef.shape}")
        return np.ascontiguousarray(powers, dtype=np.int64), coef
    if isinstance(skip, (tuple, list)) and len(skip) == 2:
        c0 = as_float_array(skip[0], "skip c0", ndim=(0, 1)).reshape(-1)
        C = as_float_array(skip[1], "skip C", ndim=(1, 2))
        if C.ndim == 1 and D == 1:
            C = C.reshape(-1, 1)
        if c0.shape != (D,) or C.shape != (d, D):
            raise ValueError(f"skip = (c0, C) must have c0 of shape ({D},) and C of shape ({d}, {D}), got "
                             f"{np.shape(skip[0])} and {np.shape(skip[1])}")
        powers = np.vstack([np.zeros((1, d), dtype=np.int64), np.eye(d, dtype=np.int64)])
        return powers, np.vstack([c0[None, :], C])
    raise TypeError("skip must be None, (c0, C) or {'powers': (p, d) ints, 'coef': (p, D)}, "
                    f"got {type(skip).__name__}")


class ShallowNetwork:
    """A shallow network f(x) = Σᵢ Vᵢ ρ(Wᵢ x − bᵢ) + skip(x).

    Parameters
    ----------
    W : array (m, d) or (m, d, n)
        Input weights: directions wᵢ (neuron ρ(wᵢᵀx − bᵢ)) or frames Θᵢ (ρ(Θᵢᵀx − bᵢ)).
        No zero direction.
    b : array (m,) or (m, n)
        Offsets (biases enter with a minus sign).
    V : array (m,) or (m, D)
        Output weights; 1-D V gives a scalar-valued network (outputs of shape (N,)).
    skip : None, (c0, C) or {"powers": (p, d) int, "coef": (p, D)}
        Polynomial part: c0 + xᵀC, or Σ_j coef_j Π_k x_k^{powers_jk}.
    activation : str, Activation or callable
        "relu", "norm" (‖·‖₂ on ℝⁿ), "polyharmonic" (pass ``order``), "thin_plate", an
        :class:`nets.activations.Activation` or a vectorised callable ρ(y (..., n)).
    **activation_params
        E.g. ``order=4`` for "polyharmonic".

    Notes
    -----
    float64 throughout.  Bad input (non-finite entries, zero directions, mismatched
    shapes) raises ValueError/TypeError naming the argument before any kernel runs.

    Examples
    --------
    [z]₊ − [−z]₊ = z: an affine function, R-norm 0; canonicalisation removes both neurons
    and keeps the function.

    >>> net = ShallowNetwork([[1.0, 2.0], [-1.0, -2.0]], [0.5, -0.5], [1.0, -1.0])
    >>> X = np.array([[0.3, -1.0], [2.0, 1.0]])
    >>> net(X).tolist(), (X @ [1.0, 2.0] - 0.5).tolist()
    ([-2.2, 3.5], [-2.2, 3.5])
    >>> net.rtv_seminorm(), net.canonical().n_neurons
    (0.0, 0)
    """

    def __init__(self, W, b, V, *, skip=None, activation="relu", **activation_params):
        act = get_activation(activation, **activation_params)
        W = as_float_array(W, "W", ndim=(2, 3), allow_empty=True)
        m, d = W.shape[:2]
        if d < 1:
            raise ValueError(f"W must have d ≥ 1 input dimensions, got shape {W.shape}")
        b = as_float_array(b, "b", ndim=(1, 2), allow_empty=True)
        V = as_float_array(V, "V", ndim=(1, 2), allow_empty=True)
        if W.ndim == 3:
            n = W.shape[2]
            if n < 1 or n > d:
                raise ValueError(f"W frames must have 1 ≤ n ≤ d columns, got shape {W.shape}")
            if b.shape == (m,) and n == 1:
                b = b.reshape(m, 1)
            if b.shape != (m, n):
                raise ValueError(f"b must have shape ({m}, {n}) to match frames W {W.shape}, got {b.shape}")
        else:
            n = 1
            if b.shape != (m,):
                raise ValueError(f"b must have shape ({m},) to match W {W.shape}, got {b.shape}")
        if V.shape[0] != m:
            raise ValueError(f"V must have {m} rows to match W {W.shape}, got shape {V.shape}")
        act.check_inputs(n)
        if isinstance(act, ReLU) and W.ndim == 3:     # ReLU frames are directions
            W, b = W[:, :, 0].copy(), b[:, 0].copy()
        for name, arr in (("W", W), ("b", b), ("V", V)):
            if arr.size and float(np.max(np.abs(arr))) > 1e150:
                # the norms (weight decay squares the weights) overflow float64 beyond
                raise ValueError(f"{name} must be below 1e150 in magnitude (rescale the network), "
                                 f"got max |{name}| = {float(np.max(np.abs(arr))):.3g}")
        norms = np.sqrt(np.sum(_rows(W) ** 2, axis=1))
        if np.any(norms == 0):
            bad = np.nonzero(norms == 0)[0][:5].tolist()
            raise ValueError(f"W has zero direction(s) at neuron(s) {bad}: a neuron needs W_i ≠ 0")
        self.W = np.ascontiguousarray(W)
        self.b = np.ascontiguousarray(b)
        self.V = np.ascontiguousarray(V)
        self.activation = act
        D = 1 if V.ndim == 1 else V.shape[1]
        self.skip_powers, self.skip_coef = _as_skip(skip, d, D)

    # ------------------------------------------------------------------ shapes
    @property
    def n_neurons(self) -> int:
        return self.W.shape[0]

    @property
    def input_dim(self) -> int:
        return self.W.shape[1]

    @property
    def codim(self) -> int:
        """n, the number of inputs of ρ (1 for scalar neurons)."""
        return 1 if self.W.ndim == 2 else self.W.shape[2]

    @property
    def output_dim(self) -> int:
        return 1 if self.V.ndim == 1 else self.V.shape[1]

    @property
    def frames(self) -> bool:
        return self.W.ndim == 3

    def _V2(self):
        return self.V.reshape(self.n_neurons, self.output_dim)

    def __repr__(self):
        shape = f"m={self.n_neurons}, d={self.input_dim}"
        if self.frames:
            shape += f", n={self.codim}"
        return f"ShallowNetwork({shape}, D={self.output_dim}, activation={self.activation!r})"

    def _replace(self, W, b, V, skip_powers, skip_coef):
        """New network with the same activation and output convention."""
        net = object.__new__(ShallowNetwork)
        net.W = np.ascontiguousarray(W, dtype=np.float64)
        net.b = np.ascontiguousarray(b, dtype=np.float64)
        V = np.ascontiguousarray(V, dtype=np.float64).reshape(len(net.W), self.output_dim)
        net.V = np.ascontiguousarray(V[:, 0]) if self.V.ndim == 1 else V
        net.activation = self.activation
        net.skip_powers = np.ascontiguousarray(skip_powers, dtype=np.int64)
        net.skip_coef = np.ascontiguousarray(skip_coef, dtype=np.float64).reshape(len(skip_powers), self.output_dim)
        return net

    # ------------------------------------------------------------------ evaluation
    def _check_points(self, X):
        X = as_float_array(X, "X", ndim=2, allow_empty=True)
        if X.shape[1] != self.input_dim:
            raise ValueError(f"X must have shape (N, {self.input_dim}), got {X.shape}")
        return X

    def _skip_eval(self, X):
        if len(self.skip_powers) == 0:
            return np.zeros((X.shape[0], self.output_dim))
        mon = np.ones((X.shape[0], len(self.skip_powers)))
        for k in range(self.input_dim):
            p = self.skip_powers[:, k]
            if np.any(p):
                mon *= X[:, k:k + 1] ** p[None, :]
        return mon @ self.skip_coef

    def _skip_grad(self, X):
        N, d = X.shape
        out = np.zeros((N, self.output_dim, d))
        for k in range(d):
            p = self.skip_powers[:, k]
            if not np.any(p):
                continue
            mon = np.ones((N, len(self.skip_powers)))
            for kk in range(d):
                q = self.skip_powers[:, kk] - (kk == k)
                mon *= np.where(q[None, :] >= 0, X[:, kk:kk + 1] ** np.maximum(q, 0)[None, :], 0.0)
            out[:, :, k] = (mon * p[None, :]) @ self.skip_coef
        return out

    def _block(self, N):
        per_point = max(1, self.n_neurons * self.codim)
        return max(1, min(N, _CHUNK_ELEMENTS // per_point))

    def _preact(self, Xb):
        if self.frames:
            return np.einsum("pd,mdn->pmn", Xb, self.W) - self.b[None, :, :]
        return (Xb @ self.W.T - self.b[None, :])[..., None]

    def __call__(self, X, *, backend: str = "auto"):
        """Evaluate f on points X (N, d); returns (N,) or (N, D).

        Parameters
        ----------
        backend : {"auto", "numba", "numpy"}
            "numba" (ReLU scalar neurons only) runs a parallel kernel without
            temporaries; "numpy" processes blocks of points so that the largest
            temporary has at most 2²¹ entries (bounded memory for 10⁶ points × 10⁴
            neurons).  "auto" picks numba for ReLU scalar neurons.
        """
        X = self._check_points(X)
        if backend not in ("auto", "numba", "numpy"):
            raise ValueError(f"backend must be 'auto', 'numba' or 'numpy', got {backend!r}")
        relu_scalar = isinstance(self.activation, ReLU) and not self.frames
        if backend == "numba" and not relu_scalar:
            raise ValueError("backend='numba' is implemented for ReLU networks with scalar neurons only")
        out = self._skip_eval(X)
        if self.n_neurons and X.shape[0]:
            if relu_scalar and backend != "numpy":
                _kernels.relu_forward(X, self.W, self.b, np.ascontiguousarray(self._V2()), out)
            else:
                V2 = self._V2()
                bs = self._block(X.shape[0])
                for i0 in range(0, X.shape[0], bs):
                    act = self.activation(self._preact(X[i0:i0 + bs]))
                    out[i0:i0 + bs] += act @ V2
        return out[:, 0] if self.V.ndim == 1 else out

    def gradient(self, X, *, backend: str = "auto"):
        """∇ₓ f at points X (N, d): shape (N, d) for scalar output, (N, D, d) otherwise.

        ∇f(x) = Σᵢ Vᵢ ⊗ (Wᵢ ∇ρ(Wᵢᵀx − bᵢ)) + ∇p(x); ReLU uses ρ′(0) = 0.
        """
        X = self._check_points(X)
        if backend not in ("auto", "numba", "numpy"):
            raise ValueError(f"backend must be 'auto', 'numba' or 'numpy', got {backend!r}")
        out = self._skip_grad(X)
        V2 = self._V2()
        relu_scalar = isinstance(self.activation, ReLU) and not self.frames
        if self.n_neurons and X.shape[0]:
            if relu_scalar and backend != "numpy":
                _kernels.relu_gradient(X, self.W, self.b, np.ascontiguousarray(V2), out)
            else:
                bs = self._block(X.shape[0])
                Wf = self.W if self.frames else self.W[:, :, None]
                for i0 in range(0, X.shape[0], bs):
                    G = self.activation.grad(self._preact(X[i0:i0 + bs]))      # (p, m, n)
                    # ∂/∂x ρ(Θᵀx − b) = Θ ∇ρ
                    out[i0:i0 + bs] += np.einsum("pmn,mdn,mc->pcd", G, Wf, V2)
        return out[:, 0, :] if self.V.ndim == 1 else out

    # ------------------------------------------------------------------ skip helpers
    def affine_part(self):
        """(c0 (D,), C (d, D)) if the skip polynomial has degree ≤ 1, else ValueError."""
        d, D = self.input_dim, self.output_dim
        c0, C = np.zeros(D), np.zeros((d, D))
        for pw, cf in zip(self.skip_powers, self.skip_coef):
            s = int(pw.sum())
            if s == 0:
                c0 += cf
            elif s == 1:
                C[int(np.argmax(pw))] += cf
            elif np.any(cf != 0):
                raise ValueError("the skip part has degree > 1; it is not affine")
        return c0, C

    @staticmethod
    def _affine_skip(c0, C):
        d = C.shape[0]
        powers = np.vstack([np.zeros((1, d), dtype=np.int64), np.eye(d, dtype=np.int64)])
        return powers, np.vstack([c0[None, :], C])

    # ------------------------------------------------------------------ canonical form
    def canonical(self, domain=None, *, tol: float = 1e-12, atol: float = 0.0) -> ShallowNetwork:
        """The same function with canonical neurons (docs/theory/kplane.md §Planes and frames, §2.2, §4.2).

        ReLU (scalar neurons): unit directions with ‖wᵢ‖ moved to Vᵢ (positive
        homogeneity), duplicates (same (u, t) up to ``tol``) merged, antipodal pairs
        rewritten as a[z]₊ + a′[−z]₊ = (a + a′)[z]₊ − a′z, neurons whose hyperplane misses
        ``domain`` folded into the affine skip (or dropped where they vanish), zero neurons
        removed (see :func:`radon.norms.canonical_relu_atoms`).

        Radial activations on frames ("norm", "polyharmonic", "thin_plate"): frames
        Wᵢ = sᵢΘᵢ (Θᵢ orthonormal, sᵢ > 0) are normalised (sᵢ^p moved to Vᵢ for a profile
        homogeneous of degree p; the log profiles need sᵢ = 1), and neurons on the same
        k-plane {Θᵀx = t} — (ΘO, Oᵀt) for any O ∈ O(n) — are merged.

        Parameters
        ----------
        domain : None, radon.norms.Ball, radon.norms.Cube or (``"ball"`` or ``"cube"``, size)
            Only for ReLU networks; the function is then unchanged *on the domain*.
        tol : float
            Merge tolerance.
        atol : float
            Neurons with ‖Vᵢ‖ ≤ atol are dropped (exact zeros only by default).
        """
        domain = as_domain(domain)
        if isinstance(self.activation, ReLU):
            c0, C = self.affine_part()
            at = canonical_relu_atoms(self.W, self.b, self._V2(), c0, C, domain=domain, tol=tol, atol=atol)
            return self._replace(at.directions, at.offsets, at.weights, *self._affine_skip(at.c0, at.C))
        if domain is not None:
            raise ValueError(f"domain folding applies to ReLU neurons only, not to activation {self.activation!r}")
        return self._canonical_frames(tol=tol, atol=atol)

    def _canonical_frames(self, *, tol, atol):
        act = self.activation
        d, n = self.input_dim, self.codim
        Wf = self.W if self.frames else self.W[:, :, None]
        bf = self.b if self.frames else self.b[:, None]
        V2 = self._V2().copy()
        if not act.radial:
            keys = np.rint(np.concatenate([_rows(Wf), bf], axis=1) / tol).astype(np.int64)
            Theta, t = Wf, bf
        else:
            gram = np.einsum("mdi,mdj->mij", Wf, Wf)
            s2 = np.trace(gram, axis1=1, axis2=2) / n
            dev = np.abs(gram - s2[:, None, None] * np.eye(n)).max(axis=(1, 2)) / s2
            if np.any(dev > 1e-10):
                raise ValueError(f"canonical() needs frames W_i = s_i Θ_i with orthonormal Θ_i; neuron "
                                 f"{int(np.argmax(dev))} deviates by {dev.max():.3g}")
            s = np.sqrt(s2)
            Theta = Wf / s[:, None, None]
            t = bf / s[:, None]
            if isinstance(act, Polyharmonic):
                p, is_log = act.homogeneity(n)
                if is_log and np.any(np.abs(s - 1) > 1e-12):
                    raise ValueError("canonical() of log-type polyharmonic neurons needs orthonormal "
                                     "frames (scaling adds a polynomial |y|^p log s)")
                V2 *= (s ** p)[:, None]
            elif act.degree is not None:
                V2 *= (s ** act.degree)[:, None]
            elif np.any(np.abs(s - 1) > 1e-12):
                raise ValueError(f"canonical() of activation {act!r} needs orthonormal frames")
            P = np.einsum("mdi,mei->mde", Theta, Theta)
            iu = np.triu_indices(d)
            point = np.einsum("mdi,mi->md", Theta, t)
            keys = np.rint(np.concatenate([P[:, iu[0], iu[1]], point], axis=1) / tol).astype(np.int64)
        from ridgekit.radon.norms import _group_rows
        first, inv = _group_rows(keys)
        coef = np.zeros((len(first), V2.shape[1]))
        np.add.at(coef, inv, V2)
        keep = np.linalg.norm(coef, axis=1) > atol
        if atol == 0:
            keep &= np.any(coef != 0, axis=1)
        Wn = Theta[first][keep]
        bn = t[first][keep]
        if not self.frames:
            Wn, bn = Wn[:, :, 0], bn[:, 0]
        return self._replace(Wn, bn, coef[keep], self.skip_powers, self.skip_coef)

    def to_measure(self, *, tol: float = 1e-12) -> KPlaneMeasure:
        """The network's atoms on V_n(ℝᵈ) × ℝⁿ after :meth:`canonical`.

        Returns frames (K, d, n) with orthonormal columns, offsets (K, n), weights (K, D);
        for ReLU networks n = 1 and the atoms are the hyperplanes {uᵀx = t}.  The polynomial
        part is not part of the measure (it is the null space of the regulariser).
        """
        c = self.canonical(tol=tol)
        Wf = c.W if c.frames else c.W[:, :, None]
        bf = c.b if c.frames else c.b[:, None]
        return KPlaneMeasure(np.ascontiguousarray(Wf), np.ascontiguousarray(bf), c._V2().copy())

    # ------------------------------------------------------------------ norms
    def _require_degree_one(self, what):
        if self.activation.degree != 1:
            raise ValueError(f"{what} needs a positively 1-homogeneous activation (relu, norm), "
                             f"got {self.activation!r}")

    def _wnorms(self):
        return np.sqrt(np.sum(_rows(self.W) ** 2, axis=1))

    def path_norm(self) -> float:
        """Σᵢ ‖vᵢ‖₂ ‖Wᵢ‖ (Frobenius for frames), for 1-homogeneous activations.

        Parameter-dependent; equals :meth:`rtv_seminorm` for distinct, non-antipodal ReLU
        neurons (docs/theory/rnorm.md).

        Examples
        --------
        >>> ShallowNetwork([[3.0, 4.0]], [1.0], [2.0]).path_norm()
        10.0
        """
        self._require_degree_one("path_norm")
        return float(np.linalg.norm(self._V2(), axis=1) @ self._wnorms())

    def weight_decay(self, *, include_bias: bool = False) -> float:
        """½ Σᵢ (‖vᵢ‖² + ‖Wᵢ‖²) (+ ‖bᵢ‖² inside the second term if ``include_bias``)."""
        w2 = self._wnorms() ** 2
        if include_bias:
            w2 = w2 + np.sum(_rows(self.b) ** 2, axis=1)
        return float(0.5 * (np.sum(self._V2() ** 2) + np.sum(w2)))

    def rebalance(self, *, include_bias: bool = False):
        """Rescale each neuron to minimise weight decay; returns (network, weight_decay, norm).

        For a 1-homogeneous activation, (vᵢ, Wᵢ, bᵢ) → (vᵢ/τᵢ, τᵢWᵢ, τᵢbᵢ) leaves f unchanged
        and min_τ ½(‖v‖²/τ² + τ²‖w̃‖²) = ‖v‖‖w̃‖ (AM–GM, τ² = ‖v‖/‖w̃‖), so the balanced
        network's weight decay equals the path norm Σ‖vᵢ‖‖Wᵢ‖ (``include_bias=False``) or
        the vector-valued variation norm Σ‖vᵢ‖‖(Wᵢ, bᵢ)‖ (``include_bias=True``;
        docs/theory/vv.md, [derived]).  Neurons with vᵢ = 0 are removed.

        Examples
        --------
        >>> net = ShallowNetwork([[1.0, 0.0]], [0.0], [4.0])
        >>> net.weight_decay()
        8.5
        >>> bal, wd, pn = net.rebalance()
        >>> wd, pn, bal.V.tolist()
        (4.0, 4.0, [2.0])
        """
        self._require_degree_one("rebalance")
        V2 = self._V2()
        vn = np.linalg.norm(V2, axis=1)
        keep = vn > 0
        wn = self._wnorms()
        if include_bias:
            wn = np.sqrt(wn ** 2 + np.sum(_rows(self.b) ** 2, axis=1))
        tau = np.sqrt(vn[keep] / wn[keep])
        shape_w = (-1,) + (1,) * (self.W.ndim - 1)
        shape_b = (-1,) + (1,) * (self.b.ndim - 1)
        net = self._replace(self.W[keep] * tau.reshape(shape_w), self.b[keep] * tau.reshape(shape_b),
                            V2[keep] / tau[:, None], self.skip_powers, self.skip_coef)
        norm = net.vv_norm() if include_bias else net.path_norm()
        return net, net.weight_decay(include_bias=include_bias), norm

    def vv_norm(self) -> float:
        """Σᵢ ‖vᵢ‖₂ ‖(wᵢ, bᵢ)‖₂: the vector-valued variation norm of arXiv 2305.16534.

        The bias sits inside the inner Euclidean norm ([code] joeshenouda/vv-spaces-nn-width,
        neuron_sharing_exp.ipynb: neurons are homogeneous on S^d, (wᵢ, bᵢ) renormalised to
        unit norm; docs/theory/vv.md).  Parameter-dependent: it is the value of the regulariser,
        minimised over rescalings by :meth:`rebalance` (``include_bias=True``).

        Examples
        --------
        >>> ShallowNetwork([[3.0, 0.0]], [4.0], [[1.0, 1.0]]).vv_norm() == 5 * 2 ** 0.5
        True
        """
        self._require_degree_one("vv_norm")
        wb = np.sqrt(self._wnorms() ** 2 + np.sum(_rows(self.b) ** 2, axis=1))
        return float(np.linalg.norm(self._V2(), axis=1) @ wb)

    def rtv_seminorm(self, domain=None, *, tol: float = 1e-12) -> float:
        """Second-order Radon-domain TV of a ReLU network (the R-norm; docs/theory/rnorm.md).

        ‖f‖_R = Σⱼ ‖aⱼ‖₂ over the canonical atoms: :math:`Σ |vᵢ|‖wᵢ‖` for distinct, non-antipodal
        neurons, :math:`|a + a′|` for an antipodal pair, 0 for affine functions; for vector
        outputs Σ ‖vᵢ‖₂‖wᵢ‖ (arXiv 2305.16534 with unregularised bias).  Normalisation
        γ_d = 1/(2(2π)^{d−1}), surface measure: a unit neuron has norm 1.  With ``domain``
        the neurons affine on it are free (the variation norm on a bounded domain).

        Examples
        --------
        An antipodal pair a[z]₊ + a′[−z]₊ costs :math:`|a + a′|`, duplicates add up:

        >>> ShallowNetwork([[1.0], [-1.0]], [0.0, 0.0], [2.0, 3.0]).rtv_seminorm()
        5.0
        >>> ShallowNetwork([[1.0], [-1.0]], [0.0, 0.0], [2.0, -3.0]).rtv_seminorm()
        1.0
        >>> ShallowNetwork([[1.0], [2.0]], [1.0, 2.0], [2.0, -1.0]).rtv_seminorm()
        0.0
        """
        if not isinstance(self.activation, ReLU):
            raise ValueError(f"rtv_seminorm is the ReLU (hyperplane) norm; for activation "
                             f"{self.activation!r} use kplane_norm()")
        c = self.canonical(domain, tol=tol)
        return float(np.sum(np.linalg.norm(c._V2(), axis=1)))

    def kplane_norm(self, *, tol: float = 1e-12) -> float:
        """:math:`Σⱼ |κ| ‖vⱼ‖` over distinct k-planes: the norm of arXiv 2310.03696 for finite networks.

        After :meth:`canonical` each neuron v·ρ(Θᵀx − t) is the atom ρ_L(Θᵀx − t) with
        coefficient κ v, where ρ = κ ρ_L modulo null-space polynomials and ρ_L is the
        fundamental solution of L = (−Δ)^{g/2} on ℝⁿ (docs/theory/multivariate.md, [derived]; the
        constant κ is :meth:`nets.activations.Activation.green_scale`).  For radial ρ the
        atoms (ΘO, Oᵀt) coincide (isotropy).  For ReLU it equals :meth:`rtv_seminorm`.

        Examples
        --------
        :math:`|z| = [z]₊ + [−z]₊`: as a "norm" neuron (n = 1, κ = −2) or as an antipodal ReLU pair,
        norm 2 both ways:

        >>> ShallowNetwork([[[1.0]]], [[0.0]], [1.0], activation="norm").kplane_norm()
        2.0
        >>> ShallowNetwork([[1.0], [-1.0]], [0.0, 0.0], [1.0, 1.0]).rtv_seminorm()
        2.0
        """
        if isinstance(self.activation, ReLU):
            return self.rtv_seminorm(tol=tol)
        kappa = abs(self.activation.green_scale(self.codim))
        c = self.canonical(tol=tol)
        return float(kappa * np.sum(np.linalg.norm(c._V2(), axis=1)))

    def weighted_variation(self, g="one", *, domain=None, X=None, tol: float = 1e-12) -> float:
        """:math:`|f|_{V_g} = Σⱼ ‖aⱼ‖ g(uⱼ, tⱼ)` over canonical atoms on a bounded domain.

        (arXiv 2506.20779, Example 3.1 [paper]; DeVore, Nowak, Parhi, Siegel arXiv
        2307.15772 for weighted variation spaces.)  Neurons whose hyperplane misses the
        domain are affine there and cost nothing.

        Parameters
        ----------
        g : callable, "one", "stable" or "data"
            A vectorised weight g(U (K, d), T (K,)) → (K,) ≥ 0; "one": g ≡ 1 (the variation
            norm on the domain); "stable": :math:`(1 − |t|)₊^{d+2}`, the canonical weight of
            2506.20779 for the unit ball [paper]; "data": the data-dependent weight of
            2506.20779 computed from the sample ``X`` (:func:`radon.norms.data_weight`,
            multivariate form [unverified]).  DeVore et al.'s domain weight is not
            implemented (its definition was not available).
        domain : Ball, Cube or (``"ball"`` or ``"cube"``, size); default the unit ball.
        X : array (N, d), required for g="data".
        """
        if not isinstance(self.activation, ReLU):
            raise ValueError("weighted_variation is defined for ReLU networks")
        domain = Ball(1.0) if domain is None else as_domain(domain)
        if isinstance(g, str):
            if g == "one":
                g = lambda U, T: np.ones(len(T))
            elif g == "stable":
                g = stable_weight
            elif g == "data":
                if X is None:
                    raise ValueError("g='data' needs the sample X (N, d)")
                g = data_weight(X)
            else:
                raise ValueError(f"g must be a callable or one of 'one', 'stable', 'data', got {g!r}")
        elif X is not None:
            raise ValueError("X is only used with g='data'")
        c = self.canonical(domain, tol=tol)
        return _weighted_variation(c.W, c.b, c._V2(), g)

    # ------------------------------------------------------------------ save / load
    def _arrays(self):
        return {"W": self.W, "b": self.b, "V": self.V, "skip_powers": self.skip_powers,
                "skip_coef": self.skip_coef}

    def _meta(self):
        if isinstance(self.activation, CustomActivation):
            raise TypeError("a network with a custom (callable) activation cannot be saved; "
                            "use a named activation")
        return {"format": _FORMAT, "version": _VERSION, "activation": self.activation.name,
                "activation_params": self.activation.params}

    def save(self, path) -> None:
        """Save to ``.npz`` (numpy arrays, bit for bit) or ``.json`` (floats as ``float.hex``).

        The activation name and parameters are stored; both formats round-trip exactly
        (``np.array_equal``, same dtype and shape).
        """
        path = os.fspath(path)
        meta = self._meta()
        if path.endswith(".npz"):
            np.savez(path, meta=np.array(json.dumps(meta)), **self._arrays())
        elif path.endswith(".json"):
            arrays = {}
            for k, a in self._arrays().items():
                vals = a.ravel().tolist()
                arrays[k] = {"dtype": str(a.dtype), "shape": list(a.shape),
                             "data": [float.hex(v) for v in vals] if a.dtype.kind == "f" else vals}
            with open(path, "w", encoding="utf-8") as fh:
                json.dump({**meta, "arrays": arrays}, fh)
        else:
            raise ValueError(f"path must end with '.npz' or '.json', got {path!r}")

    @classmethod
    def load(cls, path) -> ShallowNetwork:
        """Load a network written by :meth:`save` (format chosen by the extension)."""
        path = os.fspath(path)
        if not path.endswith((".npz", ".json")):
            raise ValueError(f"path must end with '.npz' or '.json', got {path!r}")
        keys = ("W", "b", "V", "skip_powers", "skip_coef")
        try:
            if path.endswith(".npz"):
                with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:
                    meta = json.loads(str(z["meta"]))
                    arrays = {k: z[k] for k in keys}
            else:
                with open(path, encoding="utf-8") as fh:
                    meta = json.load(fh)
                arrays = {}
                for k in keys:
                    spec = meta["arrays"][k]
                    dt = np.dtype(spec["dtype"])
                    data = [float.fromhex(v) for v in spec["data"]] if dt.kind == "f" else spec["data"]
                    arrays[k] = np.array(data, dtype=dt).reshape(spec["shape"])
            if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
                fmt = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
                raise ValueError(f"path {path!r} is not a saved ShallowNetwork (format {fmt!r})")
            act = get_activation(meta["activation"], **meta["activation_params"])
            return cls(arrays["W"], arrays["b"], arrays["V"], activation=act,
                       skip={"powers": arrays["skip_powers"], "coef": arrays["skip_coef"]})
        except FileNotFoundError:
            raise
        except ValueError as exc:
            if str(exc).startswith(f"path {path!r} is not"):
                raise
            raise ValueError(f"path {path!r} is not a readable saved ShallowNetwork: {exc}") from None
        except (OSError, EOFError, KeyError, TypeError, AttributeError, IndexError,
                UnicodeDecodeError, zipfile.BadZipFile) as exc:
            # truncated, empty, foreign or partial files
            raise ValueError(f"path {path!r} is not a readable saved ShallowNetwork "
                             f"({type(exc).__name__}: {exc})") from None

    # ------------------------------------------------------------------ torch
    def to_torch(self, dtype=None):
        """A ``torch.nn.Module`` computing the same function (ReLU, scalar neurons).

        The module has parameters ``W`` (m, d), ``b`` (m,), ``V`` (m, D), ``c0`` (D,),
        ``C`` (d, D) and ``forward(x) = relu(x Wᵀ − b) V + c0 + x C`` (squeezed for scalar
        output).  torch is imported here only; ImportError if it is missing.
        """
        try:
            import torch
        except ImportError as exc:
            raise ImportError("ShallowNetwork.to_torch needs PyTorch: pip install 'ridgekit[torch]'") from exc
        if not isinstance(self.activation, ReLU) or self.frames:
            raise ValueError("to_torch supports ReLU networks with scalar neurons")
        c0, C = self.affine_part()
        dtype = torch.float64 if dtype is None else dtype
        scalar = self.V.ndim == 1

        class TorchShallowNetwork(torch.nn.Module):
            def __init__(self, W, b, V, c0, C):
                super().__init__()
                P = lambda a: torch.nn.Parameter(torch.as_tensor(a, dtype=dtype))
                self.W, self.b, self.V, self.c0, self.C = P(W), P(b), P(V), P(c0), P(C)
                self.scalar_output = scalar

            def forward(self, x):
                y = torch.relu(x @ self.W.T - self.b) @ self.V + self.c0 + x @ self.C
                return y[..., 0] if self.scalar_output else y

        return TorchShallowNetwork(self.W, self.b, self._V2(), c0, C)

    @classmethod
    def from_torch(cls, module) -> ShallowNetwork:
        """Inverse of :meth:`to_torch`; also accepts ``nn.Sequential(Linear, ReLU, Linear)``.

        For Linear layers y = x Aᵀ + a: W = A, b = −a; output layer V = Bᵀ, c0 = its bias.
        """
        try:
            import torch
        except ImportError as exc:
            raise ImportError("ShallowNetwork.from_torch needs PyTorch: pip install 'ridgekit[torch]'") from exc
        t = lambda p: p.detach().cpu().double().numpy()
        if all(hasattr(module, k) for k in ("W", "b", "V", "c0", "C")):
            V = t(module.V)
            if getattr(module, "scalar_output", False):
                V = V[:, 0]
            return cls(t(module.W), t(module.b), V, skip=(t(module.c0), t(module.C)))
        if isinstance(module, torch.nn.Sequential) and len(module) == 3 \
                and isinstance(module[0], torch.nn.Linear) and isinstance(module[1], torch.nn.ReLU) \
                and isinstance(module[2], torch.nn.Linear):
            first, last = module[0], module[2]
            b = -t(first.bias) if first.bias is not None else np.zeros(first.out_features)
            c0 = t(last.bias) if last.bias is not None else np.zeros(last.out_features)
            return cls(t(first.weight), b, t(last.weight).T,
                       skip=(c0, np.zeros((first.in_features, last.out_features))))
        raise TypeError("from_torch expects a module made by to_torch or nn.Sequential(Linear, ReLU, Linear), "
                        f"got {type(module).__name__}")
