"""Sympy derivation of the autocovariance of random ReLU processes (arXiv 2405.10229).

The closed form of :meth:`nets.RandomReLUProcess.autocovariance` is re-derived here, not
restated ([derived]; the paper's own statement could not be read, see
:mod:`nets.random_relu`):

1. **Campbell's formula** for the Poisson sum s(x) = Σ v_k r_{w_k,b_k}(x) with intensity
   λ ν(dw) db and E[V] = 0:  E[s(x)s(y)] = λ E[V²] ∫_{S^{d−1}} k(wᵀx, wᵀy) dν(w), with
   the *neuron kernel* k(a, c) = ∫_ℝ r(a, b) r(c, b) db and r(a, b) = :math:`ReLU(sgn(b) a − |b|)`.
2. **Neuron kernel** (:func:`derive_neuron_kernel`): sympy integrates the definition in
   each sign/order region of (a, c).  It equals
   :math:`(|a−c|³ − |a|³ − |c|³)/12 + ac(|a|+|c|)/4` in every region (a check, not an input).
3. **d = 1** (:func:`autocovariance_symbolic` with d = 1): ν = (m_ν/2)(δ₊₁ + δ₋₁), and the
   result is assembled as a Piecewise in (x, y) from the region integrals of step 2.
4. **Sphere averages** (d ≥ 2): :math:`∫|wᵀz|³ dν = C₃(d)‖z‖³` with C₃ integrated from the marginal
   density of w₁, ∝ (1 − t²)^{(d−3)/2} on [−1, 1]; :math:`∫(wᵀx)|wᵀx|(wᵀy) dν = C₃(d)‖x‖ xᵀy`
   (rotate x to ‖x‖e₁; the e₂-component of y multiplies an integral that sympy evaluates
   to 0 from the (w₁, w₂) marginal).  Hence, with xᵀy = (‖x‖² + ‖y‖² − ‖x−y‖²)/2,
   E[s(x)s(y)] = λE[V²]C₃(d)[(‖x−y‖³ − ‖x‖³ − ‖y‖³)/12 + xᵀy(‖x‖+‖y‖)/4].

:func:`checks` compares these derivations with the closed forms symbolically, with an
mpmath quadrature of ∫ k(wᵀx, wᵀy) dν that uses only the piecewise kernel (no ansatz),
and with the float code of :class:`nets.RandomReLUProcess`; rows have the format of
:func:`kplane.symbolic.checks`, for ``ridgekit verify``.
"""

from __future__ import annotations

import functools

import sympy as sp

from ridgekit._validation import check_choice, check_int
from ridgekit.kplane.stiefel import MEASURES
from ridgekit.kplane.symbolic import Check, _CheckRows

__all__ = [
    "x", "y", "rx", "ry", "rxy", "lam", "m1", "m2",
    "neuron_kernel_closed_form",
    "derive_neuron_kernel",
    "derive_sphere_moment",
    "derive_cross_average",
    "autocovariance_symbolic",
    "mean_symbolic",
    "checks",
]

#: Points in d = 1.
x, y = sp.symbols("x y", real=True)
#: ‖x‖, ‖y‖, ‖x − y‖ (d ≥ 2).
rx, ry, rxy = sp.symbols("r_x r_y r_xy", nonnegative=True)
#: Rate λ, E[V], E[V²].
lam = sp.Symbol("lambda", positive=True)
m1 = sp.Symbol("m_1", real=True)
m2 = sp.Symbol("m_2", positive=True)

_a, _c, _b = sp.symbols("a c b", real=True)
_p, _q, _h = sp.symbols("p q h", positive=True)


def _mass(d, measure):
    check_choice(measure, "measure", MEASURES)
    if measure == "probability":
        return sp.Integer(1)
    return 2 * sp.pi ** sp.Rational(d, 2) / sp.gamma(sp.Rational(d, 2))


def neuron_kernel_closed_form(a=_a, c=_c):
    """:math:`(|a−c|³ − |a|³ − |c|³)/12 + a c (|a| + |c|)/4`, the stated form of k(a, c)."""
    return (sp.Abs(a - c) ** 3 - sp.Abs(a) ** 3 - sp.Abs(c) ** 3) / 12 + a * c * (sp.Abs(a) + sp.Abs(c)) / 4


def _kernel_integral(a, c):
    """∫_ℝ r(a,b) r(c,b) db from the definition r(a,b) = :math:`ReLU(sgn(b) a − |b|)`:
    b > 0 gives max(a − b, 0), b < 0 gives max(b − a, 0)."""
    pos = (sp.Max(a - _b, 0) * sp.Max(c - _b, 0)).rewrite(sp.Piecewise)
    neg = (sp.Max(_b - a, 0) * sp.Max(_b - c, 0)).rewrite(sp.Piecewise)
    return sp.simplify(sp.integrate(pos, (_b, 0, sp.oo)) + sp.integrate(neg, (_b, -sp.oo, 0)))


#: The sign/order regions of (a, c): (a, c) in terms of p, q, h > 0.
_REGIONS = {
    "0 < a <= c": (_p, _p + _h),
    "0 < c < a": (_p + _h, _p),
    "c <= a < 0": (-_p, -_p - _h),
    "a < c < 0": (-_p - _h, -_p),
    "a > 0 > c": (_p, -_q),
    "a < 0 < c": (-_p, _q),
}


@functools.cache
def derive_neuron_kernel():
    """k(a, c) = ∫_ℝ r(a,b) r(c,b) db integrated by sympy in each region.

    Returns
    -------
    dict
        region name → (a, c, k) with a, c written in positive symbols p, q, h.

    Examples
    --------
    >>> a, c, k = derive_neuron_kernel()["0 < a <= c"]
    >>> sp.expand(k - (a**2 * c / 2 - a**3 / 6))
    0
    """
    return {name: (a, c, _kernel_integral(a, c)) for name, (a, c) in _REGIONS.items()}


def derive_sphere_moment(p, d, measure="probability"):
    """:math:`C_p(d) = ∫_{S^{d−1}} |w₁|^p dν` by sympy: w₁ has density ∝ (1 − t²)^{(d−3)/2} on
    [−1, 1] (d ≥ 2), i.e. w₁ = sin θ with density ∝ cos^{d−2} θ on (−π/2, π/2) (the
    trigonometric form integrates fast for integer p, d); for d = 1,
    ν = (m_ν/2)(δ₊₁ + δ₋₁) and C_p = m_ν.

    Examples
    --------
    >>> derive_sphere_moment(3, 2), derive_sphere_moment(3, 5), derive_sphere_moment(2, 4)
    (4/(3*pi), 1/8, 1/4)
    """
    d = check_int(d, "d", minimum=1)
    mass = _mass(d, measure)
    if d == 1:
        return mass
    th = sp.Symbol("theta", real=True)
    dens = sp.cos(th) ** (d - 2)
    Z = 2 * sp.integrate(dens, (th, 0, sp.pi / 2))
    return sp.simplify(mass * 2 * sp.integrate(sp.sin(th) ** p * dens, (th, 0, sp.pi / 2)) / Z)


def derive_cross_average(d):
    """:math:`E_ν[w₁|w₁| w₂] / m_ν` for the uniform law on S^{d−1}, d ≥ 2, integrated by sympy.

    d = 2: w = (cos θ, sin θ); d ≥ 3: (w₁, w₂) has density ∝ (1 − t₁² − t₂²)^{(d−4)/2} on
    the unit disk, integrated in t₂ first.  The result is 0, so the y-component
    orthogonal to x drops out of :math:`∫(wᵀx)|wᵀx|(wᵀy) dν`.

    Examples
    --------
    >>> derive_cross_average(2), derive_cross_average(3)
    (0, 0)
    """
    d = check_int(d, "d", minimum=2)
    if d == 2:
        th = sp.Symbol("theta", real=True)
        f = sp.cos(th) * sp.sin(th)
        # |cos θ| = cos θ on (−π/2, π/2), −cos θ on (π/2, 3π/2)
        return sp.simplify(sp.integrate(sp.cos(th) * f, (th, -sp.pi / 2, sp.pi / 2))
                           - sp.integrate(sp.cos(th) * f, (th, sp.pi / 2, 3 * sp.pi / 2)))
    t1, t2 = sp.symbols("t1 t2", real=True)
    u = sp.Symbol("u", positive=True)                 # u = √(1 − t₁²)
    inner = sp.integrate(t2 * (u ** 2 - t2 ** 2) ** sp.Rational(d - 4, 2), (t2, -u, u))
    return sp.simplify(inner)                          # odd in t₂: 0 before the t₁ integral


def mean_symbolic(d, measure="probability"):
    """E s(x) = λ E[V] ∫∫ r(wᵀx, b) db dν = λ m₁ C₂(d) ‖x‖²/2, with ∫ r(a, b) db derived."""
    a = sp.Symbol("a", positive=True)
    one = sp.integrate(sp.Max(a - _b, 0).rewrite(sp.Piecewise), (_b, 0, sp.oo))   # = a²/2
    coef = sp.simplify(one / a ** 2)
    if d == 1:
        return lam * m1 * _mass(1, measure) * coef * x ** 2
    return lam * m1 * derive_sphere_moment(2, d, measure) * coef * rx ** 2


def autocovariance_symbolic(d, measure="probability", *, with_mean=False):
    """E[s(x) s(y)] for a random ReLU process, derived by sympy (see the module docstring).

    Parameters
    ----------
    d : int ≥ 1
    measure : {"probability", "surface"}
        Normalisation of ν on S^{d−1}.
    with_mean : bool
        Add E s(x) E s(y) (weights with E[V] = m₁ ≠ 0).

    Returns
    -------
    sympy expression
        d = 1: a Piecewise in :data:`x`, :data:`y`; d ≥ 2: in :data:`rx`, :data:`ry`,
        :data:`rxy` (= ‖x‖, ‖y‖, ‖x−y‖), with :data:`lam` and :data:`m2` (= E[V²]).

    Examples
    --------
    d = 1, 0 < x ≤ y: integrated Brownian motion, λ E[V²](x²y/2 − x³/6):

    >>> e = autocovariance_symbolic(1)
    >>> sp.factor(e.subs({x: sp.Rational(1, 2), y: 2}))
    11*lambda*m_2/48
    >>> e2 = autocovariance_symbolic(2)
    >>> sp.simplify(e2.subs({ry: rx, rxy: 2 * rx}))      # antipodal points
    0
    """
    d = check_int(d, "d", minimum=1)
    mass = _mass(d, measure)
    if d == 1:
        ker = derive_neuron_kernel()
        pieces = []
        # region → substitution (p, q, h) ↦ (x, y)
        back = {
            "0 < a <= c": ({_p: x, _h: y - x}, sp.And(x > 0, x <= y)),
            "0 < c < a": ({_p: y, _h: x - y}, sp.And(y > 0, y < x)),
            "c <= a < 0": ({_p: -x, _h: x - y}, sp.And(x < 0, y <= x)),
            "a < c < 0": ({_p: -y, _h: y - x}, sp.And(y < 0, x < y)),
        }
        for name, (sub, cond) in back.items():
            _, _, k = ker[name]
            # ∫ k(wx, wy) dν = (m_ν/2)(k(x, y) + k(−x, −y)); k(−x,−y) is the mirrored region
            mirror = {"0 < a <= c": "c <= a < 0", "0 < c < a": "a < c < 0",
                      "c <= a < 0": "0 < a <= c", "a < c < 0": "0 < c < a"}[name]
            km = ker[mirror][2]
            pieces.append((lam * m2 * mass / 2 * (k.subs(sub) + km.subs(sub)), cond))
        pieces.append((sp.Integer(0), True))            # x y ≤ 0: no neuron active at both
        expr = sp.Piecewise(*pieces)
    else:
        C3 = derive_sphere_moment(3, d, measure)
        cross = derive_cross_average(d)                 # 0: only the x-parallel part of y counts
        xy = (rx ** 2 + ry ** 2 - rxy ** 2) / 2
        # ∫(wᵀx)|wᵀx|(wᵀy) dν = ‖x‖² (y₁ C₃ + y₂ m_ν cross), y₁ = xᵀy/‖x‖
        cross_xy = C3 * rx * xy + rx ** 2 * cross
        cross_yx = C3 * ry * xy + ry ** 2 * cross
        expr = lam * m2 * ((C3 * rxy ** 3 - C3 * rx ** 3 - C3 * ry ** 3) / 12 + (cross_xy + cross_yx) / 4)
    if with_mean:
        mu_x = mean_symbolic(d, measure)
        mu_y = mu_x.subs({x: y}) if d == 1 else mu_x.subs({rx: ry})
        expr = expr + mu_x * mu_y
    return expr


# ---------------------------------------------------------------------------- checks
def _zero(expr):
    return sp.Integer(0) if sp.simplify(expr) == 0 else sp.simplify(expr)


def _quad_kernel(d, ux, uy, phi):
    """mpmath: (1/m_ν) ∫ k(wᵀx, wᵀy) dν for ‖x‖ = ux, ‖y‖ = uy, angle φ, from the
    piecewise kernel only: reduce to the plane of (x, y), where the projection of w has
    squared norm ρ² ~ Beta(1, (d−2)/2) (d ≥ 3; ρ = 1 for d = 2) and a uniform angle, and k
    is homogeneous of degree 3, so the average is E[ρ³] · (1/2π)∫ k(ux cos θ, uy cos(θ−φ)) dθ."""
    import mpmath as mp

    def k(a, c):
        if a * c <= 0:
            return mp.mpf(0)
        m, M = min(abs(a), abs(c)), max(abs(a), abs(c))
        return m * m * M / 2 - m ** 3 / 6

    # the integrand has kinks where cos θ, cos(θ−φ) vanish or |ux cos θ| = |uy cos(θ−φ)|
    cuts = {mp.mpf(0), 2 * mp.pi}
    for base in (mp.pi / 2, mp.pi / 2 + phi):
        for j in range(-2, 4):
            cuts.add(base + j * mp.pi)
    for sgn in (1, -1):      # ux cos θ = sgn uy cos(θ − φ) → tan θ = (sgn uy cos φ − ux)/(−sgn uy sin φ)
        den = -sgn * uy * mp.sin(phi)
        if den != 0:
            th = mp.atan((sgn * uy * mp.cos(phi) - ux) / den)
            for j in range(-2, 4):
                cuts.add(th + j * mp.pi)
    pts = sorted(c for c in cuts if 0 <= c <= 2 * mp.pi)
    ang = mp.quad(lambda th: k(ux * mp.cos(th), uy * mp.cos(th - phi)), pts) / (2 * mp.pi)
    rho3 = 1 if d == 2 else mp.beta(mp.mpf(5) / 2, mp.mpf(d - 2) / 2) / mp.beta(1, mp.mpf(d - 2) / 2)
    return rho3 * ang


def checks(dims=(1, 2, 3, 4, 5)):
    """Symbolic-versus-derived and quadrature checks of the autocovariance (the float code
    is checked against these derivations by :func:`nets.random_relu.checks`).

    Returns
    -------
    list of kplane.symbolic.Check
        (name, result, description) rows; ``row.passed`` says whether each passed.

    Examples
    --------
    >>> rows = checks(dims=(1, 3))
    >>> all(row.passed for row in rows), len(rows) >= 10
    (True, True)
    """
    import mpmath as mp

    rows = _CheckRows()
    ker = derive_neuron_kernel()
    for name, (a, c, k) in ker.items():
        rows.append(Check(f"neuron kernel {name}", _zero(k - neuron_kernel_closed_form(a, c)),
                          "∫ r(a,b) r(c,b) db (sympy, from the definition) = (|a−c|³−|a|³−|c|³)/12 + ac(|a|+|c|)/4"))
    al = sp.Symbol("alpha", positive=True)
    aa = sp.Symbol("a", positive=True)
    rows.append(Check("stable exponent", _zero(sp.integrate((aa - _b) ** al, (_b, 0, aa)) - aa ** (al + 1) / (al + 1)),
                      "∫ r(a,b)^α db = |a|^{α+1}/(α+1): the SαS limit scale ∝ ‖x‖^{1+1/α}"))
    mp.mp.dps = 30
    for d in dims:
        d = check_int(d, "d", minimum=1)
        e = autocovariance_symbolic(d)
        if d == 1:
            closed = lam * m2 * neuron_kernel_closed_form(x, y)
            ok = all(sp.simplify((e - closed).subs({x: xa, y: ya})) == 0
                     for xa, ya in [(_p, _p + _h), (_p + _h, _p), (-_p, -_p - _h), (-_p - _h, -_p),
                                    (_p, -_q), (-_p, _q)])
            rows.append(Check("autocovariance d=1", ok,
                              "Piecewise from the region integrals = λE[V²][(|x−y|³−|x|³−|y|³)/12 + xy(|x|+|y|)/4]"))
            ux, uy = sp.Rational(3, 5), sp.Rational(-7, 5)
            val = mp.quad(lambda b: max(mp.sign(b) * ux - abs(b), 0) * max(mp.sign(b) * uy - abs(b), 0), [-2, 0, 2])
            rows.append(Check("kernel quadrature d=1", abs(val - 0) < 1e-25,
                              "mpmath ∫ r(x,b) r(y,b) db = 0 for xy < 0"))
            ux, uy = mp.mpf(3) / 5, mp.mpf(7) / 5
            val = mp.quad(lambda b: max(ux - b, 0) * max(uy - b, 0), [0, ux, uy])
            rows.append(Check("kernel quadrature d=1 (x, y > 0)",
                              abs(val - float(0) - (ux * ux * uy / 2 - ux ** 3 / 6)) < 1e-25,
                              "mpmath ∫ r(x,b) r(y,b) db = x²y/2 − x³/6 (0 < x ≤ y)"))
        else:
            C3 = derive_sphere_moment(3, d)
            closed = lam * m2 * C3 * ((rxy ** 3 - rx ** 3 - ry ** 3) / 12
                                      + (rx ** 2 + ry ** 2 - rxy ** 2) / 2 * (rx + ry) / 4)
            rows.append(Check(f"autocovariance d={d}", _zero(e - closed),
                              "sphere averages of |wᵀz|³ and (wᵀx)|wᵀx|(wᵀy) (sympy) give the closed form"))
            rows.append(Check(f"C3 d={d}", _zero(C3 - sp.gamma(sp.Rational(d, 2))
                                                / (sp.sqrt(sp.pi) * sp.gamma(sp.Rational(d + 3, 2)))),
                              "∫|w₁|³ dν = Γ(d/2)Γ(2)/(√π Γ((d+3)/2)) (probability measure)"))
            ux, uy, phi = mp.mpf(3) / 5, mp.mpf(7) / 5, mp.mpf(1.1)
            rxy_v = mp.sqrt(ux ** 2 + uy ** 2 - 2 * ux * uy * mp.cos(phi))
            ref = sp.N((e / (lam * m2)).subs({rx: sp.Float(ux, 30), ry: sp.Float(uy, 30),
                                               rxy: sp.Float(rxy_v, 30)}), 30)
            quad = _quad_kernel(d, ux, uy, phi)
            rows.append(Check(f"sphere quadrature d={d}", bool(abs(quad - mp.mpf(str(ref))) < 1e-20),
                              "mpmath ∫ k(wᵀx, wᵀy) dν (piecewise kernel, plane reduction) = closed form"))
            rows.append(Check(f"antipodal d={d}", _zero(e.subs({ry: rx, rxy: 2 * rx})),
                              "E[s(x)s(−x)] = 0 (no neuron is active at both x and −x)"))
            s_ = sp.Symbol("s", positive=True)
            rows.append(Check(f"self-similarity d={d}",
                              _zero(e.subs({rx: s_ * rx, ry: s_ * ry, rxy: s_ * rxy}, simultaneous=True) - s_ ** 3 * e),
                              "E[s(ax)s(ay)] = a³E[s(x)s(y)]: H = 3/2"))
    return rows
