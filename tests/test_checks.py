"""ridgekit.checks: every kind of check fails on NaN, inf and wrong values, and refuses a
criterion that no value could fail."""

import math

import pytest

from ridgekit import checks as ck

NAN, INF = math.nan, math.inf


def _tol(value, ref=1.0, tol=1e-3, **kw):
    return ck.tolerance_check("t", value, ref, tol, reason="r", oracle="o", **kw)


def test_tolerance_abs_and_rel():
    assert _tol(1.0005).passed and not _tol(1.002).passed
    assert _tol(2.0, ref=2.0, tol=1e-3, error="rel").passed
    assert not _tol(2.003, ref=2.0, tol=1e-3, error="rel").passed
    assert _tol(2.0019, ref=2.0, tol=1e-3, error="rel").passed
    c = _tol(1.0, ref=4.0, tol=0.5, error="rel")
    assert c.discrepancy == pytest.approx(0.75) and not c.passed


@pytest.mark.parametrize("bad", [NAN, INF, -INF, None, "text"])
def test_non_finite_values_never_pass(bad):
    assert not _tol(bad).passed
    assert not ck.bound_check("b", bad, 1.0, reason="r", oracle="o").passed
    assert not ck.bound_check("b", bad, 1.0, ">=", reason="r", oracle="o").passed
    assert not ck.zscore_check("z", bad, 4.5, reason="r", oracle="o").passed
    assert not ck.interval_check("i", (bad, 1.0), 0.5, level=0.95, reason="r", oracle="o").passed
    assert not ck.interval_check("i", (0.0, bad), 0.5, level=0.95, reason="r", oracle="o").passed


@pytest.mark.parametrize("bad_ref", [NAN, INF])
def test_non_finite_reference_never_passes(bad_ref):
    assert not _tol(1.0, ref=bad_ref).passed
    assert not ck.bound_check("b", 0.0, bad_ref, reason="r", oracle="o").passed
    assert not ck.interval_check("i", (0.0, 1.0), bad_ref, level=0.95, reason="r", oracle="o").passed


def test_interval_covers():
    c = ck.interval_check("i", (0.9, 1.1), 1.0, value=1.02, level=0.95, reason="r", oracle="o")
    assert c.passed and c.discrepancy == 0 and "95% CI" in c.criterion
    miss = c.recheck((1.2, 1.3))
    assert not miss.passed and miss.discrepancy == pytest.approx(0.2)
    assert not c.recheck((1.1, 0.9)).passed          # reversed interval
    with pytest.raises(ValueError, match="level"):
        ck.interval_check("i", (0, 1), 0.5, level=95, reason="r", oracle="o")


def test_zscore_and_bound():
    z = ck.zscore_check("z", -4.4, 4.5, value=0.1, reference=0.0, reason="r", oracle="o")
    assert z.passed and z.discrepancy == pytest.approx(4.4) and z.criterion == "|z| ≤ 4.5"
    assert not z.recheck(4.6).passed and not z.recheck(-4.6).passed
    b = ck.bound_check("b", 27, 27, reason="r", oracle="o")
    assert b.passed and not b.recheck(28).passed and "≤ 27" in b.criterion
    s = ck.bound_check("s", 1.0 + 5e-7, 1.0, slack=1e-6, reason="r", oracle="o")
    assert s.passed and not s.recheck(1.0 + 2e-6).passed
    g = ck.bound_check("g", 0.9, 0.88, ">=", reason="r", oracle="o", domain=(0, 1))
    assert g.passed and not g.recheck(0.87).passed


def test_impossible_criteria_are_refused():
    with pytest.raises(ValueError, match="failure impossible"):
        ck.tolerance_check("ks", 0.02, 0.0, 1.0, domain=(0.0, 1.0), reason="r", oracle="o")
    with pytest.raises(ValueError, match="failure impossible"):
        ck.bound_check("p", 0.5, 1.0, domain=(0.0, 1.0), reason="r", oracle="o")
    with pytest.raises(ValueError, match="tolerance"):
        _tol(1.0, tol=NAN)
    with pytest.raises(ValueError, match="tolerance"):
        _tol(1.0, tol=INF)
    with pytest.raises(ValueError, match="tolerance"):
        _tol(1.0, tol=-1)
    with pytest.raises(ValueError, match="threshold"):
        ck.zscore_check("z", 0.0, 0.0, reason="r", oracle="o")
    with pytest.raises(ValueError, match="non-zero reference"):
        _tol(0.0, ref=0.0, error="rel")
    with pytest.raises(TypeError):
        ck.tolerance_check("", 1, 1, 0, reason="r", oracle="o")


@pytest.mark.parametrize("check", [
    _tol(1.0), _tol(0.0, ref=0.0, tol=0.0), _tol(3.0, ref=3.0, tol=1e-8, error="rel"),
    _tol(0.02, ref=0.0, tol=0.05, domain=(0.0, 1.0)),
    ck.interval_check("i", (0.9, 1.1), 1.0, level=0.95, reason="r", oracle="o"),
    ck.zscore_check("z", 0.3, 4.5, reason="r", oracle="o"),
    ck.bound_check("b", 0.1, 1.0, reason="r", oracle="o", domain=(0.0, math.inf)),
    ck.bound_check("b", 0.95, 0.9, ">=", reason="r", oracle="o", domain=(0.0, 1.0)),
], ids=lambda c: c.kind)
def test_failing_values_fail(check):
    assert check.passed
    values = check.failing_values()
    assert len(values) >= 3
    for v in values:
        assert not check.recheck(v).passed, (check.kind, v)


def test_reported_and_skipped():
    r = ck.reported("slope", 0.12, "paper: 0.1", reference=0.1)
    assert r.value == 0.12 and not hasattr(r, "passed")
    e = ck.SectionSkipped("needs torch", ck.install_hint("torch"))
    assert e.reason == "needs torch" and e.install == 'pip install "ridgekit[torch]"'


def test_format_number():
    assert ck.format_number(NAN) == "nan" and ck.format_number(INF) == "inf"
    assert ck.format_number(27) == "27" and ck.format_number((0.5, 1.5)) == "[0.5, 1.5]"
    assert ck.format_number(1.25e-6) == "1.250e-06"
