"""nets.random_symbolic: the sympy derivation against the float code and mpmath."""

import numpy as np
import pytest
import sympy as sp

import ridgekit.nets.random_symbolic as rs
from ridgekit.nets.random_relu import RandomReLUProcess, sphere_moment


def test_checks_all_pass():
    rows = rs.checks()
    failed = [r.name for r in rows if not r.passed]
    assert not failed, failed
    assert {r.name for r in rows} >= {"autocovariance d=1", "sphere quadrature d=5", "stable exponent"}


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("measure", ["probability", "surface"])
def test_symbolic_matches_float(d, measure):
    rng = np.random.default_rng(d)
    proc = RandomReLUProcess(d, 1.7, weights="uniform", scale=2.0, measure=measure)   # E V² = 4/3
    expr = rs.autocovariance_symbolic(d, measure)
    for _ in range(4):
        xv, yv = rng.uniform(-1, 1, d), rng.uniform(-1, 1, d)
        if d == 1:
            sub = {rs.x: float(xv[0]), rs.y: float(yv[0])}
        else:
            sub = {rs.rx: np.linalg.norm(xv), rs.ry: np.linalg.norm(yv), rs.rxy: np.linalg.norm(xv - yv)}
        sub.update({rs.lam: 1.7, rs.m2: sp.Rational(4, 3)})
        assert float(expr.subs(sub)) == pytest.approx(float(proc.autocovariance(xv, yv)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("d", [1, 2, 3, 6])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_sphere_moments(d, p):
    for measure in ("probability", "surface"):
        assert float(rs.derive_sphere_moment(p, d, measure)) == pytest.approx(sphere_moment(p, d, measure), rel=1e-13)


def test_bad_input():
    with pytest.raises(ValueError, match="d"):
        rs.autocovariance_symbolic(0)
    with pytest.raises(ValueError, match="measure"):
        rs.autocovariance_symbolic(2, "haar")
    with pytest.raises(TypeError, match="d"):
        rs.derive_sphere_moment(3, 2.0)


def test_method_on_process():
    from ridgekit import nets
    proc = nets.RandomReLUProcess(2, 3.0, weights="rademacher", scale=0.5)
    e = proc.autocovariance_symbolic()
    xv, yv = np.array([0.3, 0.4]), np.array([-0.2, 0.6])
    sub = {rs.rx: 0.5, rs.ry: np.linalg.norm(yv), rs.rxy: np.linalg.norm(xv - yv)}
    assert float(e.subs(sub)) == pytest.approx(float(proc.autocovariance(xv, yv)), rel=1e-12)
