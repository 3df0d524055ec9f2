"""Every input handled: a fuzz harness over the public API of ridgekit.

Outcome required for every input: a ``ValueError``/``TypeError`` (naming the argument), or a
finite result of the right shape.  Never a crash of the process, a hang, a silent NaN, an
internal exception (IndexError, ZeroDivisionError, KeyError, AttributeError, OverflowError,
LinAlgError, numba errors) or a wrong shape.

Cases that reach numba kernels run in a separate worker process, so that a crash (an
out-of-bounds write aborting the interpreter) fails one test instead of killing the run,
and a hang fails on a timeout.  The default run is bounded (``max_examples`` per family);
``RIDGEKIT_SLOW=1`` runs a larger campaign.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_isolated(code: str, timeout: float = 240.0) -> str:
    """Run ``code`` in a fresh interpreter; fail the test on a crash or a hang.

    Returns the child's standard output.  The child must exit with status 0: a signal
    (negative status, e.g. SIGABRT from "double free or corruption") or an uncaught
    exception is a failure, reported with the child's standard error.
    """
    try:
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: the case ran longer than {timeout} s:\n{code}")
    if proc.returncode != 0:
        pytest.fail(f"the child process died with status {proc.returncode}:\n{code}\n--- stderr ---\n"
                    f"{proc.stderr[-3000:]}")
    return proc.stdout


# --------------------------------------------------------------------------- crashes
# 2e-300 extents: the grid radius underflowed to 0, the offset spacing became NaN and the NaN
# footprint reached the n = 1 kernel, which wrote out of bounds ("double free or corruption").
CRASH_CASES = [
    "KPlaneTransform((8, 8), 3, k=1, extent=1e-300)",
    "RadonTransform((8, 8), 3, extent=1e-300)",
    "KPlaneTransform((16, 16), 3, k=1, extent=1e-170)",
    "KPlaneTransform((6, 6, 6), 3, k=1, extent=1e-150)",
    "KPlaneTransform((6, 6, 6), 3, k=2, extent=1e300)",
    "KPlaneTransform((5, 5, 5, 5), 3, k=2, extent=[1e-100, 1, 1, 1e100])",
    "KPlaneTransform((8, 8), 3, np.array([0.0, 1e-320, 2e-320]), k=1)",
    "KPlaneTransform((8, 8), 3, np.array([-1e300, 0.0, 1e300]), k=1)",
    "RadonTransform(np.array([[1e300, 1e300], [0.0, 1.0]]), 3)",
    "KPlaneTransform((6, 6, 6), 3, np.linspace(-1, 1, 5) * 1e-9, k=1)",
]


@pytest.mark.parametrize("ctor", CRASH_CASES)
def test_extreme_geometry_is_refused_or_finite(ctor):
    """Extreme extents, offsets and points either give a named ValueError or finite
    transforms of the right shapes; never reach a kernel with NaN or overflowing indices."""
    out = run_isolated(f"""
        import numpy as np
        from ridgekit.kplane import KPlaneTransform
        from ridgekit.radon import RadonTransform
        try:
            R = {ctor}
        except ValueError as exc:
            print("refused", exc)
        else:
            a = R.adjoint(np.ones(R.sinogram_shape))
            f = R.forward(np.ones(R.domain_shape))
            assert a.shape == R.domain_shape and f.shape == R.sinogram_shape
            assert np.isfinite(a).all() and np.isfinite(f).all()
            print("finite")
    """)
    assert out.startswith(("refused", "finite")), out
    if out.startswith("refused"):
        assert any(word in out for word in ("extent", "shape_or_points", "offsets")), out


# --------------------------------------------------------------------------- fuzz harness
import multiprocessing as mp  # noqa: E402
import os  # noqa: E402

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SLOW = os.environ.get("RIDGEKIT_SLOW", "") == "1"
MAX_EXAMPLES = 300 if SLOW else 8
# a hang: none of these small cases needs more than a few seconds, but on a loaded machine
# the first call of a kernel in a fresh worker loads numba's cache
CALL_TIMEOUT = 180.0


class _Worker:
    """One persistent child process that runs the cases; restarted after a crash or a hang."""

    def __init__(self):
        self.proc = None

    def _start(self):
        from tests import _fuzz_worker
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_fuzz_worker.serve, args=(child,), daemon=True)
        self.proc.start()
        child.close()

    def call(self, module, qualname, args, kwargs):
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send((module, qualname, args, kwargs))
        if not self.conn.poll(CALL_TIMEOUT):
            self.proc.kill()
            self.proc.join()
            self.proc = None
            return "hang", f"no answer within {CALL_TIMEOUT} s"
        try:
            return self.conn.recv()
        except EOFError:
            self.proc.join()
            code = self.proc.exitcode
            self.proc = None
            return "crash", f"the worker died with exit code {code}"

    def close(self):
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(10)


@pytest.fixture(scope="module")
def worker():
    w = _Worker()
    # warm up: imports and numba cache loads of the transforms happen here, not in a case
    assert w.call("tests._fuzz_worker", "kplane_roundtrip", [(8, 8), 3, 1.0, 1], {})[0] == "ok"
    yield w
    w.close()


def _rng_array(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _unit_rows(m, d, seed=0):
    a = _rng_array((m, d), seed)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


# Array families: each maps a valid template array to a variant.
ARRAY_VARIANTS = {
    "valid": lambda a: a,
    "float32": lambda a: a.astype(np.float32),
    "float16": lambda a: a.astype(np.float16),
    "int": lambda a: np.round(a * 3).astype(np.int64),
    "bool": lambda a: a > 0,
    "empty": lambda a: a[:0],
    "single": lambda a: a[:1],
    "nan": lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a) if a.size else a,
    "inf": lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.inf, a) if a.size else a,
    "huge": lambda a: a * 1e300,
    "tiny": lambda a: a * 1e-300,
    "denormal": lambda a: a * 5e-324,
    "extra_dim": lambda a: a[None],
    "fewer_dim": lambda a: a.ravel()[0] if a.ndim == 1 else a.reshape(-1),
    "shorter": lambda a: a[:-1],
    "noncontiguous": lambda a: np.repeat(a, 2, axis=0)[::2],
    "fortran": lambda a: np.asfortranarray(a),
    "list": lambda a: a.tolist(),
    "constant": lambda a: np.full_like(a, 0.5),
    "zeros": lambda a: np.zeros_like(a),
    "duplicated": lambda a: np.repeat(a[:1], len(a), axis=0) if a.ndim else a,
    "none": lambda a: None,
    "string": lambda a: "abc",
    "object": lambda a: np.array([object()] * 2, dtype=object),
}
INT_VARIANTS = [0, -1, 1, 2, 10 ** 12, np.int64(3), 2.5, True, None, "3", float("nan")]
REAL_VARIANTS = [0.0, -1.0, float("nan"), float("inf"), 1e300, 1e-300, np.float64(0.5), "1", None, True, 0]
BOOL_VARIANTS = [True, False, "False", 1, None, np.bool_(True)]

X30 = np.sort(np.random.default_rng(1).uniform(0, 1, 30))
Y30 = np.sin(6 * X30) + 0.1 * np.random.default_rng(2).standard_normal(30)

# (module, qualname, positional template, keyword template, {arg: kind}) with kind one of
# "array", "int", "real", "bool"; positional args are addressed by index.
CASES = [
    ("ridgekit.kplane", "stiefel_sample", [3, 2, 4], {"rng": 0}, {0: "int", 1: "int", 2: "int"}),
    ("ridgekit.kplane", "frames_from_angles", [np.linspace(0, 3, 5)], {}, {0: "array"}),
    ("ridgekit.kplane", "complete_frame", [_unit_rows(4, 3)[:, :, None]], {}, {0: "array"}),
    ("ridgekit.kplane", "measure_mass", [3, 1, "surface"], {}, {0: "int", 1: "int"}),
    ("ridgekit.kplane", "sphere_area", [5], {}, {0: "int"}),
    ("ridgekit.kplane", "fourier_filter", [_rng_array((3, 16)), 1.0], {"order": 1}, {0: "array", 1: "real"}),
    ("ridgekit.kplane", "gaussian_transform", [_unit_rows(5, 3), _rng_array(5)], {"k": 2}, {0: "array", 1: "array"}),
    ("tests._fuzz_worker", "kplane_roundtrip", [(8, 8), 3, 1.0, 1], {}, {2: "real", 1: "int"}),
    ("tests._fuzz_worker", "kplane_roundtrip", [_rng_array((6, 3)), 3, 1.0, 1], {}, {0: "array"}),
    ("tests._fuzz_worker", "kplane_adjoint", [np.ones((3, 13))], {}, {0: "array"}),
    ("ridgekit.radon", "radon", [np.outer(np.hanning(16), np.hanning(16))], {"theta": np.arange(0, 180, 30.0)},
     {0: "array", "theta": "array", "circle": "bool"}),
    ("ridgekit.radon", "iradon", [np.abs(_rng_array((16, 6)))], {}, {0: "array", "output_size": "int",
                                                                   "circle": "bool"}),
    ("ridgekit.radon", "directions_from_degrees", [np.arange(0, 180, 45.0)], {}, {0: "array"}),
    ("ridgekit.radon", "rtv_seminorm", [np.outer(np.hanning(9), np.hanning(9))], {"n_directions": 8},
     {0: "array", "n_directions": "int", "spacing": "real"}),
    ("ridgekit.radon", "stable_weight", [_unit_rows(4, 2), np.linspace(-0.5, 0.5, 4)], {}, {0: "array", 1: "array"}),
    ("tests._fuzz_worker", "ball_contains", [_rng_array((5, 2))], {}, {0: "array"}),
    ("tests._fuzz_worker", "cube_support", [_rng_array((5, 2))], {}, {0: "array"}),
    ("ridgekit.nets", "fundamental_solution", [_rng_array((5, 2)), 3.0], {}, {0: "array", 1: "real"}),
    ("ridgekit.nets", "gaussian_rkhs_norm", [_rng_array((3, 2)), _rng_array(3)], {}, {0: "array", 1: "array"}),
    ("ridgekit.nets", "symmetric_stable_rvs", [1.5, 10], {"rng": 0, "scale": 1.0},
     {0: "real", 1: "int", "scale": "real"}),
    ("tests._fuzz_worker", "weight_law_rvs", [4, 0], {}, {0: "int", 1: "int"}),
    ("ridgekit.nets", "hurst_exponent", [np.abs(_rng_array((40, 3))) + 0.1, np.array([0.5, 1.0, 2.0])],
     {"rng": 0, "n_boot": 20}, {0: "array", 1: "array"}),
    ("ridgekit.nets", "gaussianity_test", [_rng_array(50)], {}, {0: "array"}),
    ("ridgekit.nets", "fit_symmetric_stable", [_rng_array(200)], {}, {0: "array"}),
    ("ridgekit.nets", "variogram", [_rng_array((10, 2)), _rng_array((10, 2), 1)], {}, {0: "array", 1: "array"}),
    ("tests._fuzz_worker", "network_eval", [_unit_rows(4, 2), _rng_array(4), _rng_array(4), _rng_array((6, 2))], {},
     {0: "array", 1: "array", 2: "array", 3: "array"}),
    ("ridgekit.splines", "fit_tv2", [X30, Y30], {"lam": 1e-3}, {0: "array", 1: "array", "lam": "real"}),
    ("ridgekit.splines", "lambda_max", [X30, Y30], {}, {0: "array", 1: "array"}),
    ("ridgekit.splines", "multitask_lasso", [_rng_array((10, 4)), _rng_array((10, 2))], {"alpha": 0.1},
     {0: "array", 1: "array", "alpha": "real"}),
    ("ridgekit.splines", "compress_layer", [_rng_array((12, 6)), _rng_array((12, 2))], {"rtol": 0.1},
     {0: "array", 1: "array", "rtol": "real"}),
    ("ridgekit.splines", "nla_minimax_rate", [1000, 0.1, 1.0, 2.0, 2.0, 1], {},
     {0: "int", 1: "real", 2: "real", 3: "real", 4: "real", 5: "int"}),
    ("ridgekit.splines", "optimal_recovery_rate", [1000, 1.0, 2.0, 2.0, 1], {},
     {0: "int", 1: "real", 2: "real", 3: "real", 4: "int"}),
]


def _variant(kind, template, draw):
    if kind == "array":
        name = draw(st.sampled_from(sorted(ARRAY_VARIANTS)))
        try:
            with np.errstate(all="ignore"):
                return ARRAY_VARIANTS[name](np.asarray(template))
        except (ValueError, IndexError, TypeError):
            return None
    pool = {"int": INT_VARIANTS, "real": REAL_VARIANTS, "bool": BOOL_VARIANTS}[kind]
    return draw(st.sampled_from(pool))


@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=not SLOW,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_input_handled(worker, case, data):
    module, qualname, args, kwargs, kinds = case
    args, kwargs = list(args), dict(kwargs)
    key = data.draw(st.sampled_from(sorted(kinds, key=str)), label="argument")
    template = args[key] if isinstance(key, int) else kwargs.get(key, {"int": 4, "real": 1.0, "bool": True,
                                                                       "array": np.zeros(3)}[kinds[key]])
    value = _variant(kinds[key], template, data.draw)
    if isinstance(key, int):
        args[key] = value
    else:
        kwargs[key] = value
    kind, detail = worker.call(module, qualname, args, kwargs)
    assert kind in ("named", "ok"), f"{qualname}({key} = {value!r:.80}): {kind}: {detail}"
    assert kind == "named" or detail == "finite", f"{qualname}({key} = {value!r:.80}): silent non-finite result"


# --------------------------------------------------------------------------- pinned cases
# Each defect found by the campaign, as a plain test (in-process: none of these reach a
# kernel that can crash).
def _named(fn, *words):
    with pytest.raises((ValueError, TypeError)) as info:
        fn()
    assert any(w in str(info.value) for w in words), str(info.value)


def test_pinned_kplane_and_radon():
    from ridgekit import kplane as K
    from ridgekit import radon as R
    _named(lambda: K.measure_mass("x", None, "probability"), "d")
    _named(lambda: K.frames_from_angles(None), "theta")
    _named(lambda: K.frames_from_angles([np.inf]), "theta")
    assert K.complete_frame([[1.0, 0.0]]).shape == (1, 2, 1)
    assert K.sphere_area(10 ** 6) == 0.0 and np.isfinite(K.ball_volume(5000))
    assert abs(K.sphere_area(3) - 4 * np.pi) <= 1e-15 * 4 * np.pi
    _named(lambda: K.stiefel_sample(3, 1, 10 ** 12), "size")
    _named(lambda: R.directions_from_degrees(None), "theta")
    _named(lambda: R.directions_from_degrees([np.inf]), "theta")
    _named(lambda: R.radon(np.ones((8, 8)), circle="False"), "circle")
    _named(lambda: R.iradon(np.ones((8, 4)), output_size=200000), "output_size")
    sino = np.abs(_rng_array((8, 5)))
    assert np.array_equal(R.iradon(sino, output_size=3), R.iradon(sino, output_size=np.int64(3)))
    v = np.outer(np.hanning(9), np.hanning(9))
    assert R.rtv_seminorm(v, n_directions=3) == R.rtv_seminorm(v, n_directions=np.int64(3))
    _named(lambda: R.Ball(1.0).contains([[np.nan, 0.0]]), "X")
    _named(lambda: R.Cube(1.0).support([[np.nan, 0.0]]), "U")
    _named(lambda: R.stable_weight(np.ones((3, 2)), np.ones(2)), "T")
    _named(lambda: R.stable_weight(np.ones((2, 2)), [np.nan, 0.0]), "T")


def test_pinned_nets(tmp_path):
    from ridgekit import nets as N
    assert N.WeightLaw().rvs(3, 0).shape == (3,)
    np.testing.assert_array_equal(N.WeightLaw().rvs(3, 0), N.WeightLaw().rvs(3, np.random.default_rng(0)))
    _named(lambda: N.symmetric_stable_rvs(1.5, 5, scale=np.nan, rng=0), "scale")
    _named(lambda: N.symmetric_stable_rvs(1.5, 5, scale=-2, rng=0), "scale")
    _named(lambda: N.fundamental_solution(np.array([[np.nan, 1.0]]), 3), "y")
    _named(lambda: N.ReLU()(np.array([[np.nan]])), "y")
    _named(lambda: N.fundamental_solution(np.ones((2, 2)), 1e300), "g")
    # |c| ~ 1e200: the norm is |c|·√(cᵀKc/|c|²), finite
    assert N.gaussian_rkhs_norm([[0.0, 0.0]], [1e200]) == 1e200
    assert N.gaussian_rkhs_norm([[1e200, 0.0], [0.0, 1.0]], [3.0, 4.0]) == 5.0
    _named(lambda: N.hurst_exponent(np.zeros((50, 3)), np.array([1.0, 2.0, 3.0]), rng=0), "values")
    _named(lambda: N.gaussianity_test(np.ones(100)), "values")
    _named(lambda: N.fit_symmetric_stable(np.ones(100)), "values")
    _named(lambda: N.variogram(np.full((10, 2), 1e200), np.full((10, 2), -1e200)), "U")
    P = N.RandomReLUProcess(2, 1.0)
    _named(lambda: P.sample(size=10 ** 12), "size")
    _named(lambda: P.sample_values(np.zeros((3, 2)), 10 ** 13), "size")
    _named(lambda: P.sample_grid(10 ** 6, 3), "size")
    net = N.ShallowNetwork(np.ones((2, 1)), [0.0, 1.0], [1.0, 2.0])
    net.save(tmp_path / "n.npz")
    data = (tmp_path / "n.npz").read_bytes()
    for name, content in [("t.npz", data[: len(data) // 2]), ("e.npz", b""), ("f.json", b"[1, 2]"),
                          ("p.json", b'{"format": "x"}'), ("g.json", b'{"format": 1, "arrays": {}')]:
        (tmp_path / name).write_bytes(content)
        _named(lambda n=name: N.ShallowNetwork.load(tmp_path / n), "path")
    np.savez(tmp_path / "foreign.npz", a=np.ones(3))
    _named(lambda: N.ShallowNetwork.load(tmp_path / "foreign.npz"), "path")
    _named(lambda: N.ShallowNetwork(np.full((2, 2), 1e200), [0.0, 1.0], [1.0, 2.0]), "W")
    big = N.ShallowNetwork(np.full((2, 2), 1e140), [0.0, 1.0], [1e140, 2.0])
    assert np.isfinite(big.path_norm()) and np.isfinite(big.weight_decay())


def test_pinned_splines():
    from ridgekit import splines as S
    Phi = _rng_array((12, 6))
    for out in (np.zeros((12, 1)), np.full((12, 2), 0.1)):
        c = S.compress_layer(Phi, out, rtol=1e-3)
        assert c.n_after == 0 and c.relative_error == 0.0
        np.testing.assert_allclose(c.intercept, out[0], rtol=1e-15)
    X = _rng_array((6, 3))
    r = S.multitask_lasso(X, np.ones((6, 2)), 1e300)
    assert not r.coef.any() and np.isfinite(r.objective)
    _named(lambda: S.multitask_lasso(X, np.ones((6, 2)), 1e-300), "alpha")
    assert S.nla_minimax_rate(1000, 1e300, 1.0, 2.0, 2.0, 1) == 1.0 + 1000.0 ** -1.0
    _named(lambda: S.nla_minimax_rate(1000, 0.1, 1.0, 2.0, 0.5, 1), "q_err")
    _named(lambda: S.optimal_recovery_rate(1000, 1.0, 2.0, 0.5, 1), "q_err")
    _named(lambda: S.fit_tv2_lp(np.array([0.0, 5e-324, 1e-323, 1.5e-323]), np.array([0, 1.0, 0, 1]), 0.1), "x")
    from ridgekit.kplane import fourier_filter
    _named(lambda: fourier_filter(np.full((2, 8), 1e308), 1.0, order=1), "g")
    s0, s1 = S.fit_tv2(X30, Y30, lam=0), S.fit_tv2(X30, Y30, lam=np.float64(0))
    np.testing.assert_array_equal(s0.fitted_, s1.fitted_)
