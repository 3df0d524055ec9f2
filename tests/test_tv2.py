"""Tests of splines.tv2: exact sparsest univariate TV(f″) regression (docs/theory/representer.md).

Oracles: hand-solved KKT systems (docs/theory/representer.md §Worked examples), cvxpy + Clarabel on the generalised
lasso (objective to 1e-7 relative), a brute-force sparsest-knot search, and the closed form
of λ_max.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from ridgekit.splines.tv2 import TV2Spline, fit_tv2, lambda_max, tv2_path


def _cvxpy_objective(x, y, lam, w=None):
    cp = pytest.importorskip("cvxpy")
    xs, inv = np.unique(x, return_inverse=True)
    w = np.ones_like(y) if w is None else w
    u = cp.Variable(xs.shape[0])
    h = np.diff(xs)
    obj = 0.5 * cp.sum(cp.multiply(w, cp.square(u[inv] - y)))
    if xs.shape[0] >= 3:
        Lu = cp.multiply(1 / h[1:], u[2:] - u[1:-1]) - cp.multiply(1 / h[:-1], u[1:-1] - u[:-2])
        obj = obj + lam * cp.norm1(Lu)
    prob = cp.Problem(cp.Minimize(obj))
    with warnings.catch_warnings():
        # cvxpy may warn about solver accuracy or deprecated options; the value is what we test
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return prob.value


# ----------------------------------------------------------------------- hand-solvable
def test_three_points_closed_form():
    # KKT [derived]: one concave knot at x = 1, residuals (−λ, 2λ, −λ), jump 6λ − 2,
    # objective 2λ − 3λ² for λ < λ_max = 1/3; affine (mean 1/3, objective 1/3) beyond.
    x, y = [0.0, 1.0, 2.0], [0.0, 1.0, 0.0]
    assert lambda_max(x, y) == pytest.approx(1 / 3, rel=1e-14)
    for lam in (1e-6, 0.05, 0.2, 0.33):
        s = fit_tv2(x, y, lam)
        assert s.n_knots_ == 1
        assert s.jumps_[0] == pytest.approx(6 * lam - 2, rel=1e-12)
        assert s.objective_ == pytest.approx(2 * lam - 3 * lam ** 2, rel=1e-12)
        np.testing.assert_allclose(s.predict(np.reshape(x, (-1, 1))), [lam, 1 - 2 * lam, lam], rtol=1e-12, atol=1e-14)
    for lam in (1 / 3, 1.0, 1e6):
        s = fit_tv2(x, y, lam)
        assert s.n_knots_ == 0
        assert s.objective_ == pytest.approx(1 / 3, rel=1e-12)


def test_knot_merging_interpolation():
    # (0,0),(1,0),(2,1),(3,3): two convex kinks merge into one knot at 1.5 (crossing of
    # y = 0 and y = 2x − 3); TV(f″) = 2 unchanged (docs/theory/representer.md §Worked examples).
    s = fit_tv2([0, 1, 2, 3], [0, 0, 1, 3], lam=0)
    assert (s.n_knots_interpolant_, s.n_knots_) == (2, 1)
    assert s.knots_[0] == pytest.approx(1.5, abs=1e-15)
    assert s.rtv_ == pytest.approx(2.0, abs=1e-14)
    np.testing.assert_allclose(s.predict(np.reshape([0, 1, 2, 3], (-1, 1))), [0, 0, 1, 3], atol=1e-14)


def test_run_of_five_same_sign_needs_three():
    x = np.arange(7.0)
    y = x ** 2          # convex: slope change 2 at every interior point, a run of 5
    s = fit_tv2(x, y, lam=0)
    assert s.n_knots_interpolant_ == 5 and s.n_knots_ == 3
    np.testing.assert_allclose(s.predict(np.reshape(x, (-1, 1))), y, atol=1e-12)
    assert s.rtv_ == pytest.approx(10.0, rel=1e-14)


def test_opt_example_interpolant():
    # docs/theory/representer.md §Worked examples: x=(0,4,5,7,10,11), y=(0,0,0,2,3,3): slopes 0,0,1,1/3,0.
    x = [0, 4, 5, 7, 10, 11]
    y = [0, 0, 0, 2, 3, 3]
    s = fit_tv2(x, y, lam=0, sparsest=False)
    np.testing.assert_allclose(s.knots_, [5, 7, 10])
    np.testing.assert_allclose(s.jumps_, [1, -2 / 3, -1 / 3], rtol=1e-14)
    assert s.rtv_ == pytest.approx(2.0, rel=1e-14)


# ----------------------------------------------------------------------- cvxpy agreement
@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_cvxpy(seed):
    rng = np.random.default_rng(seed)
    N = int(rng.integers(5, 120))
    x = rng.uniform(-3, 3, N)
    y = np.sin(2 * x) + 0.3 * rng.standard_normal(N)
    w = rng.uniform(0.5, 2.0, N)
    lam = float(10 ** rng.uniform(-3, 0))
    s = fit_tv2(x, y, lam, sample_weight=w)
    ref = _cvxpy_objective(x, y, lam, w)
    assert abs(s.objective_ - ref) <= 1e-7 * abs(ref)
    # the certificate: a duality gap at rounding level
    assert s.duality_gap_ <= 1e-9 * s.objective_
    # the network reproduces the fitted values and its norm is the TV
    np.testing.assert_allclose(s.predict(np.reshape(s.x_unique_, (-1, 1))), s.fitted_, rtol=1e-9, atol=1e-9)
    assert s.network_.rtv_seminorm() == pytest.approx(s.rtv_, rel=1e-9)


def test_duplicates_are_weighted_averages():
    rng = np.random.default_rng(7)
    x = np.repeat(np.linspace(0, 1, 12), 3)
    y = np.cos(3 * x) + rng.standard_normal(x.shape[0])
    w = rng.uniform(0.5, 2, x.shape[0])
    lam = 1e-3
    s = fit_tv2(x, y, lam, sample_weight=w)
    assert s.x_unique_.shape[0] == 12
    assert abs(s.objective_ - _cvxpy_objective(x, y, lam, w)) <= 1e-7 * s.objective_
    # λ = 0: interpolation of the weighted means
    s0 = fit_tv2(x, y, 0.0, sample_weight=w)
    means = np.bincount(np.repeat(np.arange(12), 3), weights=w * y) / np.bincount(np.repeat(np.arange(12), 3), weights=w)
    np.testing.assert_allclose(s0.fitted_, means, rtol=1e-12)


# ----------------------------------------------------------------------- sparsest knots
def _brute_force_min_knots(x, u, tv, max_knots):
    """Smallest k such that a linear spline with k knots from a finite candidate set
    (interior data points and crossings of lines through pairs of fitted points)
    interpolates u with TV(f′) = tv; an upper bound of the true minimum."""
    N = len(x)
    cands = list(x[1:-1])
    for (i, j), (k, m) in itertools.combinations(itertools.combinations(range(N), 2), 2):
        s1 = (u[j] - u[i]) / (x[j] - x[i])
        s2 = (u[m] - u[k]) / (x[m] - x[k])
        if abs(s1 - s2) > 1e-12:
            t = (u[k] - u[i] + s1 * x[i] - s2 * x[k]) / (s1 - s2)
            if x[0] < t < x[-1]:
                cands.append(t)
    cands = np.unique(np.round(cands, 12))
    for k in range(0, max_knots + 1):
        for T in itertools.combinations(cands, k):
            A = np.column_stack([np.ones(N), x] + [np.maximum(x - t, 0) for t in T])
            coef, *_ = np.linalg.lstsq(A, u, rcond=None)
            if np.max(np.abs(A @ coef - u)) < 1e-9 and abs(np.sum(np.abs(coef[2:])) - tv) < 1e-9:
                return k
    return max_knots + 1


@pytest.mark.parametrize("seed", range(8))
def test_knot_count_never_exceeds_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    N = 6
    x = np.sort(rng.uniform(0, 5, N))
    y = rng.integers(-2, 3, N).astype(float) + (x if seed % 2 else 0.0)
    lam = 0.0 if seed < 4 else 0.05
    s = fit_tv2(x, y, lam)
    brute = _brute_force_min_knots(s.x_unique_, s.fitted_, s.rtv_, s.n_knots_interpolant_)
    assert s.n_knots_ <= brute
    np.testing.assert_allclose(s.predict(np.reshape(s.x_unique_, (-1, 1))), s.fitted_, atol=1e-10)
    assert s.n_knots_ <= N - 2


# ----------------------------------------------------------------------- path, λ limits
def test_path_and_lambda_max():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 200)
    y = np.sin(6 * x) + 0.2 * rng.standard_normal(200)
    lmax = lambda_max(x, y)
    lams = lmax * np.array([2.0, 1.0, 0.999, 0.3, 0.05, 1e-3, 1e-5])
    path = tv2_path(x, y, lams)
    assert path[0].n_knots_ == 0 and path[1].n_knots_ == 0
    assert path[2].n_knots_ >= 1
    for lam, s in zip(lams, path):
        ref = fit_tv2(x, y, lam)
        assert s.objective_ == pytest.approx(ref.objective_, rel=1e-10)
    obj = [s.objective_ for s in path]
    assert all(a >= b - 1e-12 for a, b in zip(obj, obj[1:]))     # objective decreases with λ


def test_tiny_lambda_approaches_interpolation():
    rng = np.random.default_rng(4)
    x = np.sort(rng.uniform(0, 1, 40))
    y = rng.standard_normal(40)
    s0 = fit_tv2(x, y, 0.0)
    s = fit_tv2(x, y, 1e-9)
    assert np.max(np.abs(s.fitted_ - y)) < 1e-5
    assert s.rtv_ <= s0.rtv_ + 1e-9


def test_small_n():
    s = fit_tv2([1.0], [2.0], 0.1)
    assert s.n_knots_ == 0 and s.predict(np.reshape([5.0], (-1, 1)))[0] == pytest.approx(2.0)
    s = fit_tv2([0.0, 2.0], [1.0, 3.0], 0.1)
    np.testing.assert_allclose(s.predict(np.reshape([0.0, 1.0, 2.0], (-1, 1))), [1.0, 2.0, 3.0])
    assert s.objective_ == pytest.approx(0.0, abs=1e-14)
    s = fit_tv2([0.0, 0.0, 1.0], [1.0, 3.0, 0.0], 0.0)      # duplicates → 2 distinct points
    np.testing.assert_allclose(s.predict(np.reshape([0.0, 1.0], (-1, 1))), [2.0, 0.0])
    assert s.objective_ == pytest.approx(1.0)


@pytest.mark.parametrize("bad", ["x", "y"])
def test_nan_is_a_clear_error(bad):
    x = np.linspace(0, 1, 5)
    y = np.ones(5)
    (x if bad == "x" else y)[2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit_tv2(x, y, 0.1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="'lam' parameter"):
        fit_tv2([0, 1, 2], [0, 1, 0], -1.0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fit_tv2([0, 1, 2], [0, 1], 0.1)
    with pytest.raises(ValueError, match=r"x must have 1 dimension"):
        fit_tv2(np.zeros((3, 2)), [0, 1, 0], 0.1)
    with pytest.raises(ValueError, match="univariate"):
        TV2Spline(0.1).fit(np.zeros((3, 2)), [0, 1, 0])


def test_jittered_grid_1e4_is_fast_and_certified():
    rng = np.random.default_rng(5)
    N = 10 ** 4
    x = (np.arange(N) + 0.5 * rng.uniform(size=N)) / N
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    s = fit_tv2(x, y, 1e-2)
    assert s.duality_gap_ <= 1e-9 * s.objective_
    assert 0 < s.n_knots_ <= s.n_knots_interpolant_


@pytest.mark.parametrize("e", [1, 2, 2.5, 3, 6, 8])
def test_uniform_random_2e4_certified(e):
    # a hard regime for the active set: uniform random x (gaps down to ~1e-9 of
    # the range, dual entries ~1/h²); certificate at full size
    rng = np.random.default_rng(11)
    N = 2 * 10 ** 4
    x = rng.uniform(0, 1, N)
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    lam = lambda_max(x, y) * 10.0 ** -e
    s = fit_tv2(x, y, lam)
    assert s.duality_gap_ <= 1e-7 * s.objective_
    if e < 8:
        # at 1e-8 λ_max the network sums thousands of ReLUs with slopes ~1/h and loses
        # digits when evaluated (open: evaluate the spline piecewise instead)
        np.testing.assert_allclose(s.predict(np.reshape(s.x_unique_, (-1, 1))), s.fitted_, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("e", [1, 3, 6])
def test_uniform_random_subsample_vs_cvxpy(e):
    rng = np.random.default_rng(12)
    N = 2000
    x = rng.uniform(0, 1, N)
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    lam = lambda_max(x, y) * 10.0 ** -e
    s = fit_tv2(x, y, lam)
    ref = _cvxpy_objective(x, y, lam)
    assert abs(s.objective_ - ref) <= 1e-7 * abs(ref)


@pytest.mark.slow
def test_million_points():
    # correctness at 10^6 points only: the speed goal (< 5 s) is measured in
    # benchmarks/bench_tv2.py, never asserted in a test
    rng = np.random.default_rng(6)
    N = 10 ** 6
    x = (np.arange(N) + 0.5 * rng.uniform(size=N)) / N
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    s = fit_tv2(x, y, 1.0)
    assert s.duality_gap_ <= 1e-8 * s.objective_
    assert 0 < s.n_knots_ <= s.n_knots_interpolant_


def _exact_working_set(seed, e, N):
    """Normalised data of a noisy sine on N uniform points, λ = 10^−e λ_max (normalised)
    and the exact solution's working set (knot signs), for the window-repair tests."""
    from ridgekit.splines import tv2 as T
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, N)
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    D = T._Data(x, y, None)
    lam = D.lam_n(lambda_max(x, y) * 10.0 ** -e)
    _, knots, _, z = T._solve(D, lam)
    s_ref = np.zeros(N, np.int8)
    s_ref[knots] = np.sign(z[knots - 1]).astype(np.int8)
    return D, lam, s_ref


@pytest.mark.parametrize("seed,e", [(0, 1), (1, 3), (2, 2), (3, 6)])
def test_local_window_solve_matches_global(seed, e):
    # the window kernel of the local repair (outside knots condensed into the window's end
    # nodes, outside data through their moments): clearing a window of the exact working
    # set and re-solving only that window must give back the exact knots there
    from ridgekit.splines import _kernels as K
    N = 2000
    D, lam, s_ref = _exact_working_set(seed, e, N)
    for lo, hi in [(1, N - 1), (300, 700), (1000, 1400), (1500, N - 1)]:
        s = s_ref.copy()
        s[lo:hi] = 0
        steps = K.local_murty(D.xn, D.wn, D.yn, s, lam, lo, hi, 100000, 12, 0.0)
        assert steps >= 0
        np.testing.assert_array_equal(s, s_ref)


@pytest.mark.parametrize("seed,e", [(0, 1), (1, 3), (2, 2), (3, 6)])
def test_sweep_repair_matches_global(seed, e):
    # the one-sweep repair (all windows' outsides condensed by one running forward
    # elimination and one backward pass): clearing several windows of the exact working set
    # and repairing them in one sweep gives back the exact knots, and the same working set
    # as repairing them one at a time with local_murty (outside condensed per window)
    from ridgekit.splines import _kernels as K
    N = 3000
    D, lam, s_ref = _exact_working_set(seed, e, N)
    wins = [(1, 200), (400, 600), (1000, 1400), (2500, N - 1)]
    s = s_ref.copy()
    for lo, hi in wins:
        s[lo:hi] = 0
    s_seq = s.copy()
    for lo, hi in wins:
        assert K.local_murty(D.xn, D.wn, D.yn, s_seq, lam, lo, hi, 100000, 12, 0.0) >= 0
    # clusters [lo + m, hi − 1 − m] with windows of half-width m = 0 (no narrow window)
    starts = np.array([lo for lo, hi in wins], np.int64)
    ends = np.array([hi - 1 for lo, hi in wins], np.int64)
    left = K.sweep_repair(D.xn, D.wn, D.yn, s, lam, starts, ends, 0, 0, 1e12, 1e12, 0.0)
    assert left < 1e12
    np.testing.assert_array_equal(s_seq, s_ref)
    np.testing.assert_array_equal(s, s_ref)


def _kkt_violations(x, y, lam):
    """Exact KKT check of the solver's working set (the certificate of the module
    docstring): |zₖ| ≤ λ(1 + 1e-9) + rounding off the knots, sₖJₖ ≥ −rounding on them."""
    from ridgekit.splines import _kernels as K
    from ridgekit.splines import tv2 as T
    D = T._Data(x, y, None)
    lam_n = D.lam_n(lam)
    u, knots, jumps, z = T._solve(D, lam_n)
    s = np.zeros(D.N, np.int8)
    s[knots] = np.sign(z[knots - 1]).astype(np.int8)
    buf = [np.empty(D.N) for _ in range(3)]
    return K.pdas_iter(D.xn, D.wn, D.yn, s, lam_n, *buf, np.empty(D.N, np.int8), 0)


@pytest.mark.slow
@pytest.mark.parametrize("e", [1, 1.5, 8])
def test_million_uniform_random_points(e):
    # the hardest λ for the active set on uniform random points (benchmarks/RESULTS.md);
    # at 10^-1.5 the multilevel start cycles (stopped by the cycle check) and the
    # continuation certifies
    rng = np.random.default_rng(11)
    N = 10 ** 6
    x = rng.uniform(0, 1, N)
    y = np.sin(8 * x) + 0.1 * rng.standard_normal(N)
    lam = lambda_max(x, y) * 10.0 ** -e
    s = fit_tv2(x, y, lam)
    assert s.duality_gap_ <= 1e-8 * s.objective_
    assert 0 < s.n_knots_ <= s.n_knots_interpolant_
    assert _kkt_violations(x, y, lam) == 0


def test_fit_csv_roundtrip(tmp_path, capsys):
    from ridgekit.nets.network import ShallowNetwork
    from ridgekit.splines.cli_support import fit_csv
    rng = np.random.default_rng(8)
    x = np.sort(rng.uniform(0, 1, 60))
    y = np.sin(6 * x) + 0.1 * rng.standard_normal(60)
    csv = tmp_path / "d.csv"
    np.savetxt(csv, np.c_[x, y], delimiter=",", header="x,y", comments="")
    out = fit_csv(str(csv), 1e-2, str(tmp_path / "m.npz"))
    assert "objective" in capsys.readouterr().out
    net = ShallowNetwork.load(str(tmp_path / "m.npz"))
    ref = fit_tv2(x, y, 1e-2)
    np.testing.assert_allclose(net(x[:, None]), ref.predict(np.reshape(x, (-1, 1))), rtol=1e-12, atol=1e-12)
    assert out["neurons"] == ref.n_knots_ and (tmp_path / "m.png").exists()


def test_fit_progress_lines(capsys):
    # progress=True: one line per phase (here the three multilevel levels) with its first
    # iteration, then the result; the fit itself is unchanged, and progress is off by default
    rng = np.random.default_rng(10)
    x = rng.uniform(0, 1, 40_000)
    y = np.sin(8 * x) + 0.5 * rng.standard_normal(x.size)
    lam = 1e-4 * lambda_max(x, y)
    ref = fit_tv2(x, y, lam)
    assert capsys.readouterr().err == ""
    s = fit_tv2(x, y, lam, progress=True)
    err = capsys.readouterr().err.splitlines()
    np.testing.assert_array_equal(s.knots_, ref.knots_)
    assert err[0] == "ridgekit: fit_tv2: 40000 distinct points, λ = 0.0001·λ_max"
    for level in (1, 2, 3):
        assert any(ln.startswith(f"ridgekit: fit_tv2: multilevel start, level {level} of 3 (") for ln in err)
        assert any(f"level {level} of 3" in ln and "iteration 1, " in ln and "KKT violations" in ln for ln in err)
    assert err[-1].startswith(f"ridgekit: fit_tv2: done, {ref.n_knots_} knots, duality gap ")
    with pytest.raises(TypeError, match="progress"):
        fit_tv2(x, y, lam, progress="yes")


def test_working_set_key_tells_working_sets_apart():
    # the cycle check of the pivoting heuristics: equal working sets hash equally; a sign
    # flip or a one-point shift of a knot changes the key
    from ridgekit.splines import _kernels as K
    rng = np.random.default_rng(9)
    s = np.zeros(5000, np.int8)
    k = rng.choice(np.arange(1, 4998), 40, replace=False)
    s[k] = rng.choice(np.array([-1, 1], np.int8), 40)
    assert K.working_set_key(s) == K.working_set_key(s.copy())
    flip = s.copy()
    flip[k[7]] *= -1
    shift = s.copy()
    shift[k[7]], shift[k[7] + 1] = 0, s[k[7]]
    keys = {K.working_set_key(s), K.working_set_key(flip), K.working_set_key(shift),
            K.working_set_key(np.zeros(5000, np.int8))}
    assert len(keys) == 4
