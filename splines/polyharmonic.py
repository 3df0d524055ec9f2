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
from numbers import Integral, Real

import numpy as np
import scipy.linalg as sla
from scipy.linalg import blas, lapack
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import check_choice, check_int

from . import _lasso_kernels as _k
from ._certificate import Certificate
from ._estimator import NetworkRegressor

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


class PolyharmonicSpline(NetworkRegressor):
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
        raw monomials.
    objective_ : float
        Σ‖y − f(X)‖² + λ tr(cᵀKc) (interpolation: tr(cᵀKc), the squared seminorm up to the
        Green's constant).
    duality_gap_ : float
        ``objective_`` minus the dual objective of a = λc (interpolation: a = c),
        D(a) = 2⟨a, y⟩ − ‖a‖² − ⟨a, Ka⟩/λ (interpolation: 2⟨a, y⟩ − ⟨a, Ka⟩) [derived: for
        Pᵀa = 0 and any f = Kc′ + Pγ′ with Pᵀc′ = 0, ‖y − f(X)‖² ≥ 2⟨a, y − f(X)⟩ − ‖a‖² and
        2⟨a, Kc′⟩ ≤ λ⟨c′, Kc′⟩ + ⟨a, Ka⟩/λ, K being positive semi-definite on Pᵀ(·) = 0];
        zero at the solution up to rounding, so it measures the accuracy of the linear solve.
    certificate_ : Certificate
        The same numbers; ``covers == "global"`` (the problem over the whole native space
        reduces exactly to this finite system).
    n_features_in_ : int

    Examples
    --------
    Affine data are reproduced exactly (the null space) and the kernel part vanishes:

    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (30, 2))
    >>> s = PolyharmonicSpline().fit(X, 1 + 2 * X[:, 0] - X[:, 1])
    >>> bool(np.abs(s.coef_).max() < 1e-10), bool(abs(s.predict([[0.5, 0.5]])[0] - 1.5) < 1e-12)
    (True, True)
    """

    _multi_output = True
    _parameter_constraints = {
        "kernel": [StrOptions(set(_NAMED) | {"polyharmonic"})],
        "m": [None, Interval(Integral, 1, None, closed="left")],
        "degree": [None, Interval(Integral, -1, None, closed="left")],
        "smoothing": [Interval(Real, 0, np.inf, closed="left")],
    }

    def __init__(self, kernel: str = "thin_plate_spline", *, m=None, degree=None, smoothing: float = 0.0):
        self.kernel = kernel
        self.m = m
        self.degree = degree
        self.smoothing = smoothing

    def fit(self, X, y):
        """Fit to sites X (N, d) and values y (N,) or (N, D)."""
        self._validate_params()
        X, y, _ = self._validate_fit_data(X, y)
        self._scalar = y.ndim == 1
        Y = y.reshape(len(y), -1)
        N, d = X.shape
        beta, is_log, sign, mind, ddef = polyharmonic_kernel(self.kernel, d, self.m)
        degree = ddef if self.degree is None else int(self.degree)
        if degree < mind:
            raise ValueError(f"degree must be ≥ {mind} for kernel {self.kernel!r} in d = {d} "
                             f"(conditionally positive definite of order {mind + 1}), got {degree}")
        lam = float(self.smoothing)
        powers = monomial_powers(d, degree) if degree >= 0 else np.zeros((0, d), dtype=np.int64)
        q = len(powers)
        if N < q:
            raise ValueError(f"at least {q} data points are needed for degree {degree} in d = {d}, "
                             f"got n_samples = {N}")
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

        if n2 == 0:
            # as many sites as monomials: the polynomial interpolant, no kernel part
            z, info = np.zeros((0, Y.shape[1])), 0
            A12, QtY = np.zeros((q, 0)), Y - Vh @ (T.T @ (Vh.T @ Y))
        else:
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
        self.degree_ = degree
        self._certify(Y, lam)
        self.network_ = self._network()
        return self

    def _eval(self, X):
        beta, is_log, sign = self._kernel
        out = _monomials(X, self.powers_, self.shift_, self.scale_) @ self.poly_coef_
        out = np.ascontiguousarray(out)
        _k.polyharmonic_apply(X, self.centers_, self.coef_, beta, is_log, sign, out)
        return out

    def predict(self, X):
        """Evaluate the spline at points X (M, d); shape (M,) or (M, D) as y."""
        X = self._validate_predict_data(X)
        out = self._eval(X)
        return out[:, 0] if self._scalar else out

    __call__ = predict

    def _certify(self, Y, lam):
        """objective_, duality_gap_ and certificate_ (the dual point a = λc, or c for λ = 0)."""
        beta, is_log, sign = self._kernel
        c = self.coef_
        Kc = np.zeros_like(c)
        _k.polyharmonic_apply(self.centers_, self.centers_, c, beta, is_log, sign, Kc)
        P = _monomials(self.centers_, self.powers_, self.shift_, self.scale_)
        fit = Kc + P @ self.poly_coef_
        semi = float(np.sum(c * Kc))
        if lam:
            obj = float(np.sum((Y - fit) ** 2)) + lam * semi
            dual = 2 * lam * float(np.sum(c * Y)) - lam ** 2 * float(np.sum(c * c)) - lam * semi
            what = "Σ‖yᵢ − f(xᵢ)‖² + λ|f|² (smoothing)"
        else:
            obj = semi
            dual = 2 * float(np.sum(c * Y)) - semi
            what = "|f|² subject to f(xᵢ) = yᵢ (interpolation)"
        self.objective_ = obj
        self.duality_gap_ = max(obj - dual, 0.0)
        cn = max(float(np.linalg.norm(c)), np.finfo(float).tiny)
        # a dual value above the objective is rounding: the lower bound is clipped to it
        self.certificate_ = Certificate.from_gap(
            obj, self.duality_gap_, covers="global",
            problem=f"{what} over the native space of the kernel, |f|² = cᵀKc",
            method="dual point a = λc (c for interpolation) of the solved linear system",
            details={"dual_objective": dual, "null_space_residual": float(np.linalg.norm(P.T @ c)) / cn})

    def _network(self):
        """The fitted spline as a :class:`nets.ShallowNetwork` (frames Θᵢ = I_d)."""
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
