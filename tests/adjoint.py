"""A reusable adjoint checker for every linear operator of ridgekit (modelled on
ODL's ``OperatorTest.adjoint``).

For a linear map A : X → Y between weighted Euclidean spaces,

    ⟨u, v⟩_X = Σ a_i u_i v_i,      ⟨p, q⟩_Y = Σ b_j p_j q_j,

the adjoint A* is defined by ⟨A f, g⟩_Y = ⟨f, A* g⟩_X for all f, g.  The checker draws
random f and g, and reports the scale-free quantity

    |⟨A f, g⟩_Y − ⟨f, A* g⟩_X| / (‖A‖ ‖f‖_X ‖g‖_Y),

which is ≈ (number of summands) × machine epsilon for a correct pair and O(1) for a wrong
one (a missing weight, a transposed axis, an off-by-one offset).  ‖A‖ (operator norm from
X to Y) is estimated by a few power iterations on A*A, which is self-adjoint in ⟨·,·⟩_X
when A* is right; the estimate is ‖A v‖_Y/‖v‖_X for the last iterate v, a lower bound of
‖A‖, so the reported error can only be overestimated.

``check_adjoint`` takes forward and adjoint callables and the two weight arrays;
``check_linear_operator`` takes a ``scipy.sparse.linalg.LinearOperator`` and checks that
``rmatvec`` is the plain transpose (unit weights), as scipy's solvers require.

Examples
--------
A diagonal scaling is self-adjoint in any weighted space with the same weights on both
sides; a wrong adjoint is caught:

>>> import numpy as np
>>> s = np.linspace(1.0, 2.0, 7)
>>> rep = check_adjoint(lambda f: s * f, lambda g: s * g, (7,), (7,), rng=0)
>>> rep.error < 1e-14
True
>>> check_adjoint(lambda f: s * f, lambda g: s[::-1] * g, (7,), (7,), rng=0).error > 1e-3
True

With weights a on X and b on Y, the adjoint of the identity is g ↦ (b/a)·g:

>>> a, b = np.full(7, 0.5), np.full(7, 2.0)
>>> check_adjoint(lambda f: f, lambda g: (b / a) * g, (7,), (7,), domain_weights=a,
...               range_weights=b, rng=1).error < 1e-14
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AdjointReport", "check_adjoint", "check_linear_operator", "estimate_norm"]


@dataclass(frozen=True)
class AdjointReport:
    """Outcome of an adjoint check (the worst of ``trials`` random pairs)."""

    error: float      #: |⟨Af,g⟩ − ⟨f,A*g⟩| / (‖A‖‖f‖‖g‖), worst trial
    lhs: float        #: ⟨A f, g⟩_Y of the worst trial
    rhs: float        #: ⟨f, A* g⟩_X of the worst trial
    op_norm: float    #: power-iteration estimate of ‖A‖ (a lower bound)
    trials: int

    def __float__(self):
        return self.error


def _weights(w, shape, name):
    arr = np.broadcast_to(np.asarray(w, dtype=np.float64), shape)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and positive")
    return arr


def _inner(u, v, w):
    return float(np.sum(w * u * v))


def _norm(u, w):
    return float(np.sqrt(np.sum(w * u * u)))


def estimate_norm(forward, adjoint, domain_shape, *, domain_weights=1.0, range_weights=1.0,
                  iterations=8, rng=None, range_shape=None):
    """Power-iteration estimate of ‖A‖ between the weighted spaces (a lower bound)."""
    gen = np.random.default_rng(rng)
    a = _weights(domain_weights, domain_shape, "domain_weights")
    v = gen.standard_normal(domain_shape)
    v /= _norm(v, a)
    est = 0.0
    for _ in range(max(1, int(iterations))):
        Av = np.asarray(forward(v), dtype=np.float64)
        b = _weights(range_weights, Av.shape if range_shape is None else range_shape, "range_weights")
        est = _norm(Av, b)
        if est == 0.0:
            return 0.0
        w = np.asarray(adjoint(Av), dtype=np.float64).reshape(domain_shape)
        nw = _norm(w, a)
        if nw == 0.0:
            break
        v = w / nw
    return float(est)


def check_adjoint(forward, adjoint, domain_shape, range_shape, *, domain_weights=1.0,
                  range_weights=1.0, rng=None, trials=3, power_iterations=8, samples=None):
    """Relative adjoint error of a (forward, adjoint) pair between weighted spaces.

    Parameters
    ----------
    forward, adjoint : callable
        A : X → Y and its claimed adjoint A* : Y → X, on arrays of ``domain_shape`` and
        ``range_shape``.
    domain_shape, range_shape : tuple of int
    domain_weights, range_weights : float or array broadcastable to the shapes
        Inner-product weights a (on X) and b (on Y).
    rng : int or Generator
        Seed of the random test vectors (no global seeds).
    trials : int
        Number of random (f, g) pairs; the worst is reported.
    power_iterations : int
        Iterations of the ‖A‖ estimate.
    samples : callable (gen, shape) -> array, optional
        How to draw test vectors (default standard normal); use it for operators that
        need structured input (e.g. non-negative masses).

    Returns
    -------
    AdjointReport
    """
    gen = np.random.default_rng(rng)
    draw = samples if samples is not None else (lambda g, shape: g.standard_normal(shape))
    a = _weights(domain_weights, domain_shape, "domain_weights")
    b = _weights(range_weights, range_shape, "range_weights")
    op_norm = estimate_norm(forward, adjoint, domain_shape, domain_weights=a, range_weights=b,
                            iterations=power_iterations, rng=gen, range_shape=range_shape)
    worst = None
    for _ in range(int(trials)):
        f = np.asarray(draw(gen, domain_shape), dtype=np.float64)
        g = np.asarray(draw(gen, range_shape), dtype=np.float64)
        Af = np.asarray(forward(f), dtype=np.float64)
        Ag = np.asarray(adjoint(g), dtype=np.float64)
        if Af.shape != tuple(range_shape):
            raise AssertionError(f"forward returned shape {Af.shape}, expected {tuple(range_shape)}")
        if Ag.shape != tuple(domain_shape):
            raise AssertionError(f"adjoint returned shape {Ag.shape}, expected {tuple(domain_shape)}")
        lhs, rhs = _inner(Af, g, b), _inner(f, Ag, a)
        scale = op_norm * _norm(f, a) * _norm(g, b)
        err = abs(lhs - rhs) / scale if scale > 0 else abs(lhs - rhs)
        if worst is None or err > worst[0]:
            worst = (err, lhs, rhs)
    return AdjointReport(error=float(worst[0]), lhs=worst[1], rhs=worst[2], op_norm=op_norm,
                         trials=int(trials))


def check_linear_operator(op, *, rng=None, trials=3, power_iterations=8):
    """Adjoint check of a ``scipy.sparse.linalg.LinearOperator``: ``rmatvec`` (and ``op.H``)
    against the plain transpose, ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ with unit weights (real operators).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.sparse.linalg import aslinearoperator
    >>> M = np.arange(12.0).reshape(3, 4)
    >>> check_linear_operator(aslinearoperator(M), rng=0).error < 1e-15
    True
    """
    nout, nin = op.shape
    H = op.H
    return check_adjoint(lambda x: op.matvec(x.ravel()), lambda y: H.matvec(y.ravel()),
                         (nin,), (nout,), rng=rng, trials=trials, power_iterations=power_iterations)
