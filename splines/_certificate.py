"""The one optimality certificate returned by every solver of :mod:`ridgekit.splines`.

Every estimator minimises a convex objective P over a set of functions (or networks) and
reports, in its ``certificate_`` attribute, a :class:`Certificate`: the objective reached,
a lower bound D on the minimum (the value of a dual-feasible point, weak duality), their
difference (the duality gap, an upper bound on the suboptimality P − P*), and *what the
bound covers*.  Only ``covers == "global"`` certifies the fit against every function of
the space; the other values say precisely where the certificate stops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Certificate", "COVERS"]

#: The values of :attr:`Certificate.covers`.
COVERS = {
    "global": "the lower bound holds over the whole function space (all neurons / all f): "
              "objective - duality_gap <= the global minimum",
    "sampled": "the dual constraint was evaluated on sampled directions only (a lower bound of its "
               "sup): the lower bound is valid if no unsampled direction violates it",
    "dictionary": "the lower bound holds for the problem restricted to the finite dictionary of "
                  "neurons that was solved, not over all neurons",
}


@dataclass(frozen=True)
class Certificate:
    """Optimality certificate of a fitted estimator: objective, lower bound, duality gap.

    Weak duality gives, for any dual-feasible point, ``lower_bound <= min P`` over the set
    named by ``covers``, hence ``0 <= objective - min P <= duality_gap``.

    Parameters
    ----------
    objective : float
        The primal objective P at the fit, in the estimator's own scaling (the same number
        as its ``objective_``).
    lower_bound : float
        The dual objective of the certifying dual point (``objective - duality_gap``).
    duality_gap : float
        ``objective - lower_bound`` (>= 0; 0 up to rounding for an exact solver).
    covers : {"global", "sampled", "dictionary"}
        What the lower bound is a bound *for* (see :data:`COVERS`).
    problem : str
        The minimised objective, in words.
    method : str
        How the dual point (and its feasibility) was obtained.
    dual_sup : float or None
        For solvers whose dual constraint is a sup over neurons (``sup |h(w, b)| <= 1``):
        the value of that sup at the certifying point before rescaling (<= 1 + tol at an
        optimum); None where the dual constraint is not of this form.
    details : dict
        Solver-specific numbers (iterations, patterns, affine residual, ...), informative
        only; not part of equality.

    Examples
    --------
    >>> c = Certificate(objective=1.5, lower_bound=1.25, duality_gap=0.25, covers="global",
    ...                 problem="toy", method="closed form")
    >>> c.is_global, c.relative_gap
    (True, 0.16666666666666666)
    """

    objective: float
    lower_bound: float
    duality_gap: float
    covers: str
    problem: str
    method: str
    dual_sup: float | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if self.covers not in COVERS:
            raise ValueError(f"covers must be one of {sorted(COVERS)}, got {self.covers!r}")
        for name in ("objective", "lower_bound", "duality_gap"):
            value = getattr(self, name)
            if not isinstance(value, float):
                object.__setattr__(self, name, float(value))
        if self.dual_sup is not None and not isinstance(self.dual_sup, float):
            object.__setattr__(self, "dual_sup", float(self.dual_sup))

    @classmethod
    def from_gap(cls, objective, duality_gap, **kwargs) -> Certificate:
        """The certificate with ``lower_bound = objective - duality_gap``."""
        objective, duality_gap = float(objective), float(duality_gap)
        return cls(objective=objective, lower_bound=objective - duality_gap, duality_gap=duality_gap,
                   **kwargs)

    @property
    def is_global(self) -> bool:
        """Whether the bound holds over the whole function space (``covers == "global"``)."""
        return self.covers == "global"

    @property
    def relative_gap(self) -> float:
        """``duality_gap / max(|objective|, tiny)``."""
        return self.duality_gap / max(abs(self.objective), math.ulp(0.0))

    def __str__(self) -> str:
        sup = "" if self.dual_sup is None else f", dual sup {self.dual_sup:.6g}"
        return (f"{self.problem}: objective {self.objective:.10g}, lower bound {self.lower_bound:.10g}, "
                f"duality gap {self.duality_gap:.3g} ({self.covers}: {COVERS[self.covers]}; "
                f"{self.method}{sup})")
