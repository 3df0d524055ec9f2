"""Checks of the report: comparisons that mean what they say and that can fail.

A check compares a computed number with an *oracle* (a closed form, an anchor library,
an exact identity, a theorem's bound) under a criterion fixed *before* the number is
computed, with the reason for that criterion beside it.  Four kinds:

========================  =========================================  ======================
constructor               passes iff                                 discrepancy column
========================  =========================================  ======================
:func:`tolerance_check`   ``|value − reference| ≤ tol`` (``"abs"``)  the error
                          or ``≤ tol·|reference|`` (``"rel"``)
:func:`interval_check`    ``lo ≤ reference ≤ hi`` (the CI covers)    distance to the CI
:func:`zscore_check`      ``|z| ≤ threshold``                        ``|z|``
:func:`bound_check`       ``value ≤ bound`` (or ``≥``)               ``value − bound``
========================  =========================================  ======================

NaN or inf in the value, the reference or the interval never passes.  A criterion that no
value can fail is refused when the check is made (a tolerance covering the whole range
the value can take, e.g. tolerance 1 on a Kolmogorov–Smirnov distance, given
``domain=(0, 1)``).  Numbers without a claim are made with :func:`reported` and go to a
separate table; a section that cannot run raises :class:`SectionSkipped` with the reason
and the command that installs what it needs.

Every :class:`Check` keeps its criterion: :meth:`Check.recheck` applies it to another
value, and :meth:`Check.failing_values` lists values that must fail (NaN, inf, a value
wrong by twice the tolerance, an interval that misses) — the test suite feeds them to every
check of the report.

Examples
--------
Fix the tolerance first (with its reason), then compute, then check:

>>> from ridgekit.checks import tolerance_check, interval_check, zscore_check, bound_check
>>> tol = 1e-12          # exact identity: rounding only
>>> c = tolerance_check("adjointness <Af, g> = <f, A*g>", 3.0 + 1e-13, 3.0, tol,
...                     error="rel", oracle="exact identity", reason="same weights both ways")
>>> c.passed, c.kind
(True, 'tolerance')
>>> c.recheck(float("nan")).passed, c.recheck(3.1).passed
(False, False)
>>> interval_check("exponent", (-1.02, -0.97), -1.0, value=-0.995, level=0.95,
...                oracle="theory -s/d", reason="95% bootstrap CI").passed
True
>>> zscore_check("E[s(x)s(-x)] = 0", 1.3, 4.5, value=0.01, reference=0.0,
...              oracle="closed form 0", reason="4.5 standard errors").passed
True
>>> bound_check("active neurons / (rank·D)", 0.4, 1.0, side="<=",
...             oracle="Caratheodory bound", reason="theorem").passed
True
>>> tolerance_check("KS distance", 0.02, 0.0, 1.0, domain=(0.0, 1.0),
...                 oracle="N(0, 1)", reason="none")
Traceback (most recent call last):
    ...
ValueError: check 'KS distance': tolerance 1 makes failure impossible for values in [0, 1]

In a gallery module, return the checks in the ``"checks"`` list of the result and the
:func:`reported` numbers in ``"reported"``; raise :class:`SectionSkipped` when an optional
dependency is missing:

>>> from ridgekit.checks import reported, SectionSkipped
>>> r = reported("fitted slope at d = 5", 0.12, note="paper: about 0.1")
>>> r.value
0.12
>>> raise SectionSkipped("needs torch", install='pip install "ridgekit[torch]"')
Traceback (most recent call last):
    ...
ridgekit.checks.SectionSkipped: needs torch (install: pip install "ridgekit[torch]")
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from . import progress as _progress

__all__ = ["Check", "Reported", "Section", "SectionSkipped", "tolerance_check", "interval_check",
           "zscore_check", "bound_check", "reported", "format_number", "install_hint"]

KINDS = ("tolerance", "interval", "zscore", "bound")


def install_hint(extra: str) -> str:
    """The command that installs an optional extra of ridgekit, e.g.
    ``pip install "ridgekit[torch]"``."""
    return f'pip install "ridgekit[{extra}]"'


class SectionSkipped(Exception):
    """Raised by a section (or a gallery ``run``) that cannot run in this installation.

    Parameters
    ----------
    reason : str
        Short, e.g. ``"needs torch"``.
    install : str
        The command that makes it run, e.g. ``pip install "ridgekit[torch]"``.
    """

    def __init__(self, reason: str, install: str = ""):
        self.reason = str(reason)
        self.install = str(install)
        super().__init__(self.reason + (f" (install: {self.install})" if self.install else ""))


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _inside(v, edge, lo, hi):
    """``v`` if it lies in [lo, hi], else the midpoint between the criterion's ``edge`` and
    the domain's end on ``v``'s side (None when that end is the edge itself)."""
    if lo <= v <= hi:
        return v
    end = hi if v > hi else lo
    mid = 0.5 * (edge + end)
    return mid if mid != edge and lo <= mid <= hi else None


def _finite(*xs) -> bool:
    return all(math.isfinite(_num(x)) for x in xs)


def format_number(v) -> str:
    """Short text for a number in tables (``nan`` and ``inf`` spelled out)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(format_number(x) for x in v) + "]"
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if x == round(x) and abs(x) < 1e6:
        return str(int(x))
    if 1e-3 <= abs(x) < 1e4:
        short = f"{x:.4g}"
        # a non-integer that rounds to an integer (a sup of 1.0000003 against 1 + 1e-6) keeps its digits
        return short if any(ch in short for ch in ".e") else f"{x:.10g}"
    return f"{x:.3e}"


@dataclass(frozen=True)
class Check:
    """One row of a section's table of checks (made by the constructors of this module).

    Attributes
    ----------
    name : str
        What is compared.
    kind : {"tolerance", "interval", "zscore", "bound"}
    value : float or tuple
        What was computed: a number, a z-score (``"zscore"``) or the interval (``"interval"``).
    reference : float or str
        The oracle's number (or the bound).
    discrepancy : float
        Error (``"tolerance"``), ``|z|``, distance of the reference from the interval (0 when
        it covers), or ``value − bound`` (``"bound"``, negative when inside).
    limit : float
        Tolerance (absolute: a relative tolerance is multiplied by ``|reference|`` only in
        :attr:`criterion`), threshold, or 0 for intervals and bounds.
    criterion : str
        The rule in words, e.g. ``"|value − ref| ≤ 1e-08·|ref|"``.
    passed : bool
    oracle : str
        Where the reference comes from.
    reason : str
        Why this tolerance / threshold / level.
    estimate : float or None
        The point estimate shown beside an interval or a z-score.
    time : float
        Seconds spent computing the row.
    note : str
    """

    name: str
    kind: str
    value: object
    reference: object
    discrepancy: float
    limit: float
    criterion: str
    passed: bool
    oracle: str = ""
    reason: str = ""
    estimate: object = None
    time: float = 0.0
    note: str = ""
    params: dict = field(default_factory=dict, repr=False, compare=False)

    # compatibility with the earlier report rows
    @property
    def error(self) -> float:
        return self.discrepancy

    @property
    def tolerance(self) -> float:
        return self.limit

    def recheck(self, value) -> Check:
        """The same criterion (same reference, tolerance, threshold, bound) applied to
        another ``value`` (an interval ``(lo, hi)`` for interval checks, a z for z-scores)."""
        p = dict(self.params)
        build = _BUILDERS[self.kind]
        return build(self.name, value, **p)

    def failing_values(self) -> list:
        """Values that this check must reject: NaN, inf, and values wrong by more than its
        tolerance (inside its ``domain`` when one was given)."""
        p = self.params
        if self.kind == "interval":
            ref = _num(p["reference"])
            lo, hi = (_num(x) for x in self.value)
            w = max(hi - lo if math.isfinite(hi - lo) else 0.0, abs(ref) * 1e-3 if math.isfinite(ref) else 0, 1e-9)
            out = [(math.nan, math.nan), (lo, math.inf) if math.isfinite(lo) else (0.0, math.inf)]
            if math.isfinite(ref):
                out += [(ref + w, ref + 2 * w), (ref - 2 * w, ref - w)]
            return out
        if self.kind == "zscore":
            t = p["threshold"]
            return [math.nan, math.inf, 2 * t + 1, -(2 * t + 1)]
        out = [math.nan, math.inf, -math.inf]
        lo_d, hi_d = p.get("domain") or (-math.inf, math.inf)
        if self.kind == "tolerance":
            ref = _num(p["reference"])
            if not math.isfinite(ref):
                return out
            tol = p["tolerance"] * (abs(ref) if p["error"] == "rel" else 1.0)
            step = 2 * tol if tol > 0 else max(abs(ref) * 1e-6, 1e-9)
            out += [_inside(ref + step, ref + tol, lo_d, hi_d), _inside(ref - step, ref - tol, lo_d, hi_d)]
        else:  # bound
            b = _num(p["bound"]) + (p["slack"] if p["side"] == "<=" else -p["slack"])
            step = max(abs(b) * 0.5, 1.0)
            out.append(_inside(b + step, b, lo_d, hi_d) if p["side"] == "<=" else _inside(b - step, b, lo_d, hi_d))
        return [v for v in out if v is not None]

    def row(self) -> dict:
        """Plain-text cells for tables and logs."""
        return {"check": self.name, "kind": self.kind, "value": format_number(self.value),
                "estimate": format_number(self.estimate), "reference": format_number(self.reference),
                "discrepancy": format_number(self.discrepancy), "criterion": self.criterion,
                "verdict": "pass" if self.passed else "FAIL", "oracle": self.oracle,
                "reason": self.reason, "note": self.note, "time": f"{self.time:.3f}"}


@dataclass(frozen=True)
class Reported:
    """A number shown without a claim (its own table, no verdict)."""

    name: str
    value: object
    note: str = ""
    reference: object = None
    time: float = 0.0


@dataclass
class Section:
    """What a section function returns.

    Attributes
    ----------
    title : str
    checks : list of Check
    reported : list of Reported
    figures : list of (path, caption)
        PNG files written into the output directory, each with a caption that says what
        is shown and what to look for.
    tables : list of (title, header, rows)
    intro : str
    time : float
        Wall time of the whole section (filled in by the report).
    skipped : SectionSkipped or None
        Set when the section could not run (the report lists the reason and the install
        command).
    """

    title: str
    checks: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    intro: str = ""
    time: float = 0.0
    reported: list = field(default_factory=list)
    skipped: SectionSkipped | None = None


def _statement(c: Check) -> str:
    """The measured quantity beside the criterion, e.g. ``"value 0.02 (value ≤ 0.05)"``."""
    if c.kind == "tolerance":
        what = f"error {format_number(c.discrepancy)}"
    elif c.kind == "interval":
        what = f"ref {format_number(c.reference)}"
    elif c.kind == "zscore":
        what = f"z {format_number(c.value)}"
    else:
        what = f"value {format_number(c.value)}"
    return f"{what} ({c.criterion})"


def _announce(c: Check) -> Check:
    if _progress.active():
        _progress.note(f"check {'pass' if c.passed else 'FAIL'}: {c.name}: {_statement(c)}")
    return c


def _check_name(name):
    if not isinstance(name, str) or not name:
        raise TypeError(f"a check needs a non-empty name, got {name!r}")
    return name


def _check_limit(name, what, x, *, positive=False):
    x = _num(x)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise ValueError(f"check {name!r}: {what} must be finite and {'>' if positive else '>='} 0, got {x}")
    return x


def _check_domain(name, domain):
    if domain is None:
        return None
    lo, hi = (float(v) for v in domain)
    if not lo < hi:
        raise ValueError(f"check {name!r}: domain must be (low, high) with low < high, got {domain!r}")
    return (lo, hi)


def tolerance_check(name, value, reference, tolerance, *, reason, oracle, error="abs", domain=None,
                    time=0.0, note="") -> Check:
    """``|value − reference| ≤ tolerance`` (``error="abs"``) or ``≤ tolerance·|reference|``
    (``error="rel"``).

    Parameters
    ----------
    name : str
    value, reference : float
        NaN or inf in either fails.
    tolerance : float
        Finite, ≥ 0; fixed before ``value`` is computed.
    reason : str
        Why this tolerance (order of the discretisation, rounding, a statistical level).
    oracle : str
        Where ``reference`` comes from.
    error : {"abs", "rel"}
    domain : (low, high), optional
        The range ``value`` can take; a tolerance that covers it is refused (ValueError).
    time : float
    note : str
    """
    name = _check_name(name)
    if error not in ("abs", "rel"):
        raise ValueError(f"check {name!r}: error must be 'abs' or 'rel', got {error!r}")
    tol = _check_limit(name, "tolerance", tolerance)
    dom = _check_domain(name, domain)
    ref = _num(reference)
    if error == "rel" and ref == 0:
        raise ValueError(f"check {name!r}: a relative error needs a non-zero reference")
    if dom is not None and math.isfinite(ref):
        width = tol * (abs(ref) if error == "rel" else 1.0)
        if ref - width <= dom[0] and ref + width >= dom[1]:
            raise ValueError(f"check {name!r}: tolerance {format_number(tol)} makes failure impossible for "
                             f"values in [{format_number(dom[0])}, {format_number(dom[1])}]")
    v = _num(value)
    err = abs(v - ref) if _finite(v, ref) else math.nan
    if error == "rel" and math.isfinite(err):
        err = err / abs(ref)
    passed = bool(math.isfinite(err) and err <= tol)
    crit = (f"|value − ref| ≤ {format_number(tol)}" if error == "abs"
            else f"|value − ref| ≤ {format_number(tol)}·|ref|")
    params = dict(reference=reference, tolerance=tol, reason=reason, oracle=oracle, error=error,
                  domain=dom, time=time, note=note)
    return _announce(Check(name, "tolerance", value, reference, err, tol, crit, passed, oracle, reason,
                           None, float(time), note, params))


def interval_check(name, interval, reference, *, level, reason, oracle, value=None, time=0.0,
                   note="") -> Check:
    """The confidence interval ``interval = (lo, hi)`` covers ``reference``.

    ``level`` (e.g. 0.95) is the nominal coverage, stated in the criterion; ``value`` is the
    point estimate shown beside the interval.  A NaN bound or reference fails.
    """
    name = _check_name(name)
    level = _num(level)
    if not 0 < level < 1:
        raise ValueError(f"check {name!r}: level must be in (0, 1), got {level}")
    try:
        lo, hi = (_num(x) for x in interval)
    except (TypeError, ValueError):
        raise TypeError(f"check {name!r}: interval must be a pair (lo, hi), got {interval!r}") from None
    ref = _num(reference)
    ok = _finite(lo, hi, ref) and lo <= hi
    dist = (max(lo - ref, ref - hi, 0.0) if ok else math.nan)
    passed = bool(ok and lo <= ref <= hi)
    crit = f"ref in the {100 * level:g}% CI [{format_number(lo)}, {format_number(hi)}]"
    params = dict(reference=reference, level=level, reason=reason, oracle=oracle, value=value, time=time,
                  note=note)
    return _announce(Check(name, "interval", (lo, hi), reference, dist, 0.0, crit, passed, oracle, reason,
                           value, float(time), note, params))


def zscore_check(name, z, threshold, *, reason, oracle, value=None, reference=None, time=0.0,
                 note="") -> Check:
    """``|z| ≤ threshold`` for a z-score ``z = (estimate − reference)/standard error``.

    ``value`` and ``reference`` (optional) are the estimate and the oracle's number behind
    the z-score, shown beside it.  A NaN z fails.
    """
    name = _check_name(name)
    thr = _check_limit(name, "threshold", threshold, positive=True)
    zz = _num(z)
    passed = bool(math.isfinite(zz) and abs(zz) <= thr)
    crit = f"|z| ≤ {format_number(thr)}"
    params = dict(threshold=thr, reason=reason, oracle=oracle, value=value, reference=reference,
                  time=time, note=note)
    return _announce(Check(name, "zscore", zz, reference, abs(zz), thr, crit, passed, oracle, reason, value,
                           float(time), note, params))


def bound_check(name, value, bound, side="<=", *, reason, oracle, slack=0.0, domain=None, time=0.0,
                note="") -> Check:
    """``value ≤ bound + slack`` (``side="<="``) or ``value ≥ bound − slack`` (``">="``).

    ``slack`` (≥ 0, default 0) absorbs rounding and is stated in the criterion; ``domain``
    as in :func:`tolerance_check` (a bound no value in it can cross is refused).
    """
    name = _check_name(name)
    if side not in ("<=", ">="):
        raise ValueError(f"check {name!r}: side must be '<=' or '>=', got {side!r}")
    slack = _check_limit(name, "slack", slack)
    dom = _check_domain(name, domain)
    b = _num(bound)
    if dom is not None and math.isfinite(b):
        if (side == "<=" and b + slack >= dom[1]) or (side == ">=" and b - slack <= dom[0]):
            raise ValueError(f"check {name!r}: bound {format_number(b)} makes failure impossible for values in "
                             f"[{format_number(dom[0])}, {format_number(dom[1])}]")
    v = _num(value)
    ok = _finite(v, b)
    margin = (v - b if side == "<=" else b - v) if ok else math.nan
    passed = bool(ok and margin <= slack)
    crit = f"value {'≤' if side == '<=' else '≥'} {format_number(b)}" + (
        f" {'+' if side == '<=' else '−'} {format_number(slack)}" if slack else "")
    params = dict(bound=bound, side=side, reason=reason, oracle=oracle, slack=slack, domain=dom, time=time,
                  note=note)
    return _announce(Check(name, "bound", value, bound, margin, slack, crit, passed, oracle, reason, None,
                           float(time), note, params))


def reported(name, value, note="", *, reference=None, time=0.0) -> Reported:
    """A number shown in the "reported" table, with no pass/fail claim."""
    r = Reported(_check_name(name), value, str(note), reference, float(time))
    if _progress.active():
        _progress.note(f"reported: {name} = {format_number(value)}")
    return r


def _rebuild_tolerance(name, value, **p):
    return tolerance_check(name, value, **p)


def _rebuild_interval(name, interval, **p):
    return interval_check(name, interval, **p)


def _rebuild_zscore(name, z, **p):
    return zscore_check(name, z, **p)


def _rebuild_bound(name, value, **p):
    return bound_check(name, value, **p)


_BUILDERS = {"tolerance": _rebuild_tolerance, "interval": _rebuild_interval, "zscore": _rebuild_zscore,
             "bound": _rebuild_bound}


def with_time(c: Check, seconds: float) -> Check:
    """``c`` with its ``time`` set (for rows timed after they were made)."""
    p = dict(c.params, time=float(seconds))
    return replace(c, time=float(seconds), params=p)
