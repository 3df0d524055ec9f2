"""Polyharmonic (thin-plate) spline interpolation and smoothing in any dimension.

The k-plane theory of arXiv 2310.03696 with planes of dimension k = 0 (points): the
frame is Θ = I_d, the "neurons" are φ(‖x − tᵢ‖) centred at the data, the activation is
the fundamental solution of L = (−Δ)^m on ℝᵈ (docs/theory/multivariate.md, [derived]:
r^{2m−d}, times log r when d is even) and the polynomial skip is the null space
P_{m−1} of the m-th order seminorm.  The classical variational statement (Duchon 1977)::

    minimise_f  Σᵢ ‖f(xᵢ) − yᵢ‖² + λ |f|²_m ,     |f|²_m = ∫ Σ_{|α|=m} (m!/α!) (∂^α f)²,

has the solution f(x) = Σᵢ cᵢ φ(‖x − xᵢ‖) + p(x), p ∈ P_{m−1}, with

    (K + λI) c + P γ = y,    Pᵀ c = 0,    Kᵢⱼ = φ(‖xᵢ − xⱼ‖),  P = monomials at the xᵢ,

and :math:`|f|²_m = cᵀKc` up to the positive constant of the Green's function (which this class
absorbs into λ, as scipy's ``RBFInterpolator(smoothing=λ)`` does).

Kernels (scipy's names and signs, so that the matrices are identical):

=======================  ====================================  ======================  ==============
kernel                   φ(r)                                  conditionally p.d.      default degree
=======================  ====================================  ======================  ==============
``"linear"``             −r                                    order 1                 0
``"thin_plate_spline"``  r² log r                              order 2                 1
``"cubic"``              r³                                    order 2                 1
``"quintic"``            −r⁵                                   order 3                 2
``"polyharmonic"``       (−1)^⌈β/2⌉ r^β (β odd),               see below               m − 1
                         (−1)^{β/2+1} r^β log r (β even),
                         β = 2m − d
=======================  ====================================  ======================  ==============

(Fasshauer, *Meshfree Approximation Methods with MATLAB*, 2007, Ch. 8: φ is
conditionally positive definite of order ⌈β/2⌉ (odd β) or β/2 + 1 (log case), which
makes ZᵀKZ positive definite for Z spanning {c : Pᵀc = 0}.)

Solver: the null-space method.  P = QR (Householder, compact WY Q = I − V T Vᵀ); QᵀKQ is
a rank-2q update of K (``dsymm`` for K V, ``dsyr2k`` on one triangle; q monomials), and the trailing block
Q₂ᵀ(K + λI)Q₂ is positive definite (a well-posed system of size N − q, no saddle point),
solved by Cholesky (``dpotrf``/``dpotrs`` from scipy's LAPACK, the library
``RBFInterpolator`` uses; N³/3 flops against LU's 2N³/3 on the (N + q)² saddle-point
system).  The kernel matrix is built by a serial numba kernel that computes each pair once
and writes only the triangle LAPACK reads; with a BLAS pool of ≤ 2 threads the update and
the factorisation run on one (:func:`_factor_threads`).  When Cholesky fails on a system
that is positive definite only in exact arithmetic (e.g. quintic in 1-D, condition ≳ 1/eps)
the system is rebuilt and solved by LU, as scipy would.  Evaluation
is a numba kernel too and never forms the (points × centres) matrix.
"""

from __future__ import annotations

import math
from itertools import combinations_with_replacement

import numpy as np
import scipy.linalg as sla
from scipy.linalg import blas, lapack

from ridgekit._validation import as_float_array, check_choice, check_int, check_positive

from . import _lasso_kernels as _k

__all__ = ["PolyharmonicSpline", "polyharmonic_kernel", "monomial_powers"]

#: name → (β, log form, sign, minimal polynomial degree)
_NAMED = {
    "linear": (1.0, False, -1.0, 0),
    "thin_plate_spline": (2.0, True, 1.0, 1),
    "cubic": (3.0, False, 1.0, 1),
    "quintic": (5.0, False, -1.0, 2),
}
KERNELS = tuple(_NAMED) + ("polyharmonic",)


def _factor_threads():
    """Context for the Cholesky factorisation: one BLAS thread when the pool has ≤ 2.

    With two threads, OpenBLAS's threaded ``dpotrf`` is no faster than its serial one on an
    idle machine and several times slower on a loaded one (its threads busy-wait on each
    other: 2.5–4.2 s against 0.69 s serial at N = 5000, benchmarks/RESULTS.md); serial
    Cholesky (N³/3 flops) is then as fast as a two-thread LU (2N³/3 flops on two cores).
    Larger pools are left alone.  Without threadpoolctl, nothing is changed.
    """
    return _k.single_blas_thread(max_pool=2)


def polyharmonic_kernel(kernel: str, d: int, m=None):
    """(β, is_log, sign, min_degree, default_degree) of a kernel in dimension d.

    Examples
    --------
    The m = 2 spline in ℝ² is the thin plate, in ℝ³ it is −r (biharmonic Green's
    function −r/(8π)), with affine null space:

    >>> polyharmonic_kernel("polyharmonic", 2, m=2)
    (2.0, True, 1.0, 1, 1)
    >>> polyharmonic_kernel("polyharmonic", 3, m=2)
    (1.0, False, -1.0, 0, 1)
    """
    check_choice(kernel, "kernel", KERNELS)
    d = check_int(d, "d", minimum=1)
    if kernel != "polyharmonic":
        if m is not None:
            raise ValueError(f"m is only used with kernel='polyharmonic', got kernel={kernel!r}, m={m!r}")
        beta, is_log, sign, mind = _NAMED[kernel]
        return beta, is_log, sign, mind, mind
    if m is None:
        raise ValueError("kernel='polyharmonic' needs the order m of L = (-Laplacian)^m")
    m = check_int(m, "m", minimum=1)
    beta = 2 * m - d
    if beta <= 0:
        raise ValueError(f"m must satisfy 2m > d for a continuous polyharmonic kernel, got m = {m}, d = {d}")
    if beta % 2:       # odd β: (−1)^⌈β/2⌉ r^β, CPD order ⌈β/2⌉
        order = (beta + 1) // 2
        return float(beta), False, float((-1) ** order), order - 1, m - 1
    order = beta // 2 + 1  # even β: (−1)^{β/2+1} r^β log r, CPD order β/2 + 1
    return float(beta), True, float((-1) ** order), order - 1, m - 1


def monomial_powers(d: int, degree: int) -> np.ndarray:
    """Exponents (q, d) of the monomials of total degree ≤ ``degree`` in d variables.

    Examples
    --------
    >>> monomial_powers(2, 1).tolist()
    [[0, 0], [1, 0], [0, 1]]
    """
    rows = []
    for deg in range(degree + 1):
        for combo in combinations_with_replacement(range(d), deg):
            row = [0] * d
            for k in combo:
                row[k] += 1
            rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(-1, d)


def _compact_wy(qr, tau):
    """V (N, q) unit lower trapezoidal and T (q, q) upper with H₁⋯H_q = I − V T Vᵀ (LAPACK dlarft)."""
    q = len(tau)
    V = np.tril(qr[:, :q], -1)
    V[np.arange(q), np.arange(q)] = 1.0
    T = np.zeros((q, q))
    for i in range(q):
        T[i, i] = tau[i]
        if i:
            T[:i, i] = -tau[i] * (T[:i, :i] @ (V[:, :i].T @ V[:, i]))
    return V, T


def _monomials(X, powers, shift, scale):
    Z = (X - shift) / scale
    out = np.ones((X.shape[0], len(powers)))
    for k in range(X.shape[1]):
        p = powers[:, k]
        if np.any(p):
            out *= Z[:, k:k + 1] ** p[None, :]
    return out


def _expand_raw(powers, coef, shift, scale):
    """Rewrite Σⱼ coefⱼ Πₖ((xₖ − sₖ)/hₖ)^{pⱼₖ} in raw monomials Πₖ xₖ^{eₖ} (binomial expansion)."""
    index = {tuple(p): i for i, p in enumerate(powers.tolist())}
    out = np.zeros_like(coef)
    for j, pw in enumerate(powers.tolist()):
        # per coordinate: Σ_e C(p, e) x^e (−s)^{p−e} / h^p
        terms = [(tuple(), 1.0)]
        for k, p in enumerate(pw):
            new = []
            for e in range(p + 1):
                c = math.comb(p, e) * (-shift[k]) ** (p - e) / scale[k] ** p
                new.extend((t + (e,), w * c) for t, w in terms)
            terms = new
        for t, w in terms:
            out[index[t]] += w * coef[j]
    return out


class PolyharmonicSpline:
    """Polyharmonic spline interpolant / smoother with its polynomial null space.

    Parameters
    ----------
    kernel : {"thin_plate_spline", "cubic", "quintic", "linear", "polyharmonic"}
        Radial function (module docstring).  The named kernels are scipy's
        ``RBFInterpolator`` kernels, same sign and same default degree;
        ``"polyharmonic"`` is the Green's function of (−Δ)^m in ℝᵈ (needs ``m``).
    m : int, optional
        Order of L = (−Δ)^m (kernel="polyharmonic" only), 2m > d.
    degree : int, optional
        Degree of the polynomial part; default m − 1 (the null space of :math:`|·|_m`) for
        "polyharmonic", scipy's minimum for the named kernels.  Must be at least the
        kernel's minimum (its order of conditional positive definiteness − 1).
    smoothing : float ≥ 0
        λ of the smoothing problem (0: interpolation).

    Attributes
    ----------
    centers_ : (N, d) data sites.
    coef_ : (N, D) kernel coefficients c (Pᵀc = 0).
    poly_coef_ : (q, D) coefficients of the shifted/scaled monomials ((x − shift)/scale)^α.
    powers_ : (q, d) their exponents.
    shift_, scale_ : (d,) the affine change of variables (scipy's: centre and half-width
        of the bounding box) used for conditioning.
    network_ : nets.ShallowNetwork
        The same function as a network with n = d frames Θᵢ = I, offsets xᵢ, activation
        ``Polyharmonic(order=β + d)`` (:math:`|y|^β`, log for even β) and the polynomial skip in
        raw monomials (built on first access).
    objective_ : float
        Σ‖y − f(X)‖² + λ tr(cᵀKc) (interpolation: tr(cᵀKc), the squared seminorm up to the
        Green's constant).
    duality_gap_ : float
        A linear system has no gap at its solution; reported is the relative residual of
        the optimality system ‖(K + λI)c + Pγ − y‖_F/‖y‖_F + ‖Pᵀc‖_F/‖c‖_F (rounding level).

    Examples
    --------
    Affine data are reproduced exactly (the null space) and the kernel part vanishes:

    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (30, 2))
    >>> s = PolyharmonicSpline().fit(X, 1 + 2 * X[:, 0] - X[:, 1])
    >>> bool(np.abs(s.coef_).max() < 1e-10), bool(abs(s.predict([[0.5, 0.5]])[0] - 1.5) < 1e-12)
    (True, True)
    """

    def __init__(self, kernel: str = "thin_plate_spline", *, m=None, degree=None, smoothing: float = 0.0):
        self.kernel = kernel
        self.m = m
        self.degree = degree
        self.smoothing = smoothing

    # scikit-learn conventions
    def get_params(self, deep=True):
        return {"kernel": self.kernel, "m": self.m, "degree": self.degree, "smoothing": self.smoothing}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"invalid parameter {k!r} for PolyharmonicSpline")
            setattr(self, k, v)
        return self

    def fit(self, X, y):
        """Fit to sites X (N, d) and values y (N,) or (N, D)."""
        X = as_float_array(X, "X", ndim=2)
        y = as_float_array(y, "y", ndim=(1, 2), allow_empty=True)
        self._scalar = y.ndim == 1
        Y = y.reshape(len(y), -1)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"X and y must have the same number of rows, got {X.shape} and {y.shape}")
        if Y.shape[1] == 0 or Y.size == 0:
            raise ValueError(f"y must have D ≥ 1 columns and N ≥ 1 rows, got shape {y.shape}")
        N, d = X.shape
        beta, is_log, sign, mind, ddef = polyharmonic_kernel(self.kernel, d, self.m)
        degree = ddef if self.degree is None else check_int(self.degree, "degree", minimum=-1)
        if degree < mind:
            raise ValueError(f"degree must be ≥ {mind} for kernel {self.kernel!r} in d = {d} "
                             f"(conditionally positive definite of order {mind + 1}), got {degree}")
        lam = check_positive(self.smoothing, "smoothing", strict=False)
        powers = monomial_powers(d, degree) if degree >= 0 else np.zeros((0, d), dtype=np.int64)
        q = len(powers)
        if N < q:
            raise ValueError(f"at least {q} data points are needed for degree {degree} in d = {d}, got {N}")
        lo, hi = X.min(0), X.max(0)
        shift = (hi + lo) / 2
        scale = np.where(hi > lo, (hi - lo) / 2, 1.0)
        P = _monomials(X, powers, shift, scale)
        if q:
            (qr, tau), _ = sla.qr(P, mode="raw", check_finite=False)
            Rf = np.triu(qr[:q, :q])
            diag = np.abs(np.diag(Rf))
            if diag.min() <= 1e-12 * max(1.0, diag.max()):
                raise ValueError(f"the sites are not unisolvent for polynomials of degree {degree} "
                                 "(e.g. collinear points for affine terms)")
            Vh, T = _compact_wy(qr, tau)
        # K₂₂ = K(X[q:], X[q:]): only its lower triangle (Fortran order) is built and read
        n2 = N - q

        def reduced():
            """Q₂ᵀ(K + λI)Q₂ (F-contiguous, lower triangle valid), Q₁ᵀKQ₂ and QᵀY."""
            A22 = np.empty((n2, n2))
            _k.polyharmonic_matrix_tri(X[q:], beta, is_log, sign, A22)
            A22 = A22.T                              # F-contiguous, lower triangle valid
            A12, QtY = None, Y
            if q:
                # Q = I − V T Vᵀ (compact WY of the Householder QR of P).  With W = K V,
                # U = W T − ½ V Tᵀ(VᵀW)T:  QᵀKQ = K − U Vᵀ − V Uᵀ (rank-2q update, dsyr2k).
                K1 = np.empty((q, N))
                _k.polyharmonic_rows(X[:q], X, beta, is_log, sign, K1)
                W = np.empty((N, q))
                W[:q] = K1 @ Vh
                with _factor_threads():              # memory-bound: threads only add sync
                    W[q:] = K1[:, q:].T @ Vh[:q] + blas.dsymm(1.0, A22, Vh[q:], lower=1)
                    U = W @ T - 0.5 * Vh @ (T.T @ (Vh.T @ W) @ T)
                    A22 = blas.dsyr2k(-1.0, U[q:], Vh[q:], beta=1.0, c=A22, lower=1, overwrite_c=1)
                A12 = K1[:, q:] - U[:q] @ Vh[q:].T - Vh[:q] @ U[q:].T
                QtY = Y - Vh @ (T.T @ (Vh.T @ Y))
            if lam:
                A22[np.diag_indices_from(A22)] += lam
            return A22, A12, QtY

        # Q₂ᵀ(K + λI)Q₂ is positive definite: Cholesky (N³/3 flops, half of LU's)
        A22, A12, QtY = reduced()
        with _factor_threads():
            L, info = lapack.dpotrf(A22, lower=1, overwrite_a=1, clean=0)
            if info == 0:
                z, info = lapack.dpotrs(L, QtY[q:], lower=1)
        del A22, L
        if info != 0:
            # positive definite in exact arithmetic but not numerically (e.g. quintic in 1-D,
            # condition ≳ 1/eps): rebuild and solve by LU, as scipy's RBFInterpolator would
            A22, A12, QtY = reduced()
            A22 = np.tril(A22) + np.tril(A22, -1).T
            _, _, z, info = lapack.dgesv(A22, np.asfortranarray(QtY[q:]), overwrite_a=1, overwrite_b=1)
            del A22
        if info != 0:
            raise np.linalg.LinAlgError("singular polyharmonic system: repeated sites? "
                                        "(use smoothing > 0 or remove duplicates)")
        if q:
            gamma = sla.solve_triangular(Rf, QtY[:q] - A12 @ z, check_finite=False)
            Z = np.zeros((N, Y.shape[1]))
            Z[q:] = z
            c = Z - Vh @ (T @ (Vh.T @ Z))
        else:
            gamma, c = np.zeros((0, Y.shape[1])), z
        self.centers_ = X
        self.coef_ = np.ascontiguousarray(c)
        self.poly_coef_ = gamma
        self.powers_ = powers
        self.shift_, self.scale_ = shift, scale
        self._kernel = (beta, is_log, sign)
        self._Y = Y
        self._lam = lam
        self.degree_ = degree
        self.n_features_in_ = d
        self.__dict__.pop("_diag", None)
        return self

    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            raise ValueError("this PolyharmonicSpline is not fitted yet; call fit(X, y) first")

    def _eval(self, X):
        beta, is_log, sign = self._kernel
        out = _monomials(X, self.powers_, self.shift_, self.scale_) @ self.poly_coef_
        out = np.ascontiguousarray(out)
        _k.polyharmonic_apply(X, self.centers_, self.coef_, beta, is_log, sign, out)
        return out

    def predict(self, X):
        """Evaluate the spline at points X (M, d); shape (M,) or (M, D) as y."""
        self._check_fitted()
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have shape (M, {self.n_features_in_}), got {X.shape}")
        out = self._eval(X)
        return out[:, 0] if self._scalar else out

    __call__ = predict

    def score(self, X, y):
        """Coefficient of determination R² of the prediction (scikit-learn convention)."""
        y = as_float_array(y, "y", ndim=(1, 2)).reshape(len(y), -1)
        r = y - self.predict(X).reshape(len(y), -1)
        return float(1 - np.sum(r ** 2) / np.sum((y - y.mean(0)) ** 2))

    def _diagnostics(self):
        if "_diag" not in self.__dict__:
            beta, is_log, sign = self._kernel
            Kc = np.zeros_like(self.coef_)
            _k.polyharmonic_apply(self.centers_, self.centers_, self.coef_, beta, is_log, sign, Kc)
            P = _monomials(self.centers_, self.powers_, self.shift_, self.scale_)
            fit = Kc + P @ self.poly_coef_
            semi = float(np.sum(self.coef_ * Kc))
            obj = float(np.sum((self._Y - fit) ** 2)) + self._lam * semi if self._lam else semi
            res = self._lam * self.coef_ + fit - self._Y
            cn = max(float(np.linalg.norm(self.coef_)), np.finfo(float).tiny)
            gap = float(np.linalg.norm(res) / max(np.linalg.norm(self._Y), np.finfo(float).tiny)
                        + np.linalg.norm(P.T @ self.coef_) / cn)
            self.__dict__["_diag"] = (obj, gap)
        return self.__dict__["_diag"]

    @property
    def objective_(self):
        self._check_fitted()
        return self._diagnostics()[0]

    @property
    def duality_gap_(self):
        self._check_fitted()
        return self._diagnostics()[1]

    @property
    def network_(self):
        """The fitted spline as a :class:`nets.ShallowNetwork` (frames Θᵢ = I_d)."""
        self._check_fitted()
        from ridgekit.nets.activations import Polyharmonic
        from ridgekit.nets.network import ShallowNetwork
        beta, is_log, sign = self._kernel
        N, d = self.centers_.shape
        W = np.broadcast_to(np.eye(d), (N, d, d)).copy()
        V = sign * self.coef_
        skip = {"powers": self.powers_,
                "coef": _expand_raw(self.powers_, self.poly_coef_, self.shift_, self.scale_)}
        if self._scalar:
            V, skip["coef"] = V[:, 0], skip["coef"]
        return ShallowNetwork(W, self.centers_, V, skip=skip, activation=Polyharmonic(order=beta + d))
