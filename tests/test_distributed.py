"""ridgekit on a real Dask cluster: sweeps, transforms and solver paths.

One ``dask.distributed.LocalCluster`` (two worker processes, one thread each, as in CI on
two cores) is started for the module; every test keeps its work small.  What is checked:

* sweeps (``ridgekit.sweep``): an interrupted sweep resumes and computes only the
  missing tasks, with results identical to an uninterrupted run; a worker killed
  mid-sweep loses no stored result and the sweep completes; a store of another sweep
  definition is refused; an unreachable scheduler fails within seconds;
* transforms: a 3-D Radon / X-ray transform split over the workers equals the
  single-machine result (forward exactly, backprojection and inverse to the rounding of
  a reordered sum), also block by block through a Zarr store;
* solver paths: scikit-learn's ``GridSearchCV`` on ``RidgeSplineRegressor`` and
  ``TV2Spline`` through ``joblib.parallel_backend("dask")``, and
  ``ridgekit.sweep.cross_validate_path`` equal to the local run.
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from ridgekit.sweep import SweepDefinitionError, grid, load_results, run_sweep, sweep_definition, task_key  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each; the dashboard on a free port (":0"): a fixed port
    may be taken on a shared host, and distributed then warns (an error under filterwarnings)."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


# ------------------------------------------------------------------ sweep tasks (module level: picklable)

def slow_task(x, marker_dir, delay=0.05):
    """Deterministic result; leaves a marker file per call so tests count executions."""
    with open(os.path.join(marker_dir, f"{x}-{os.getpid()}-{time.monotonic_ns()}"), "w"):
        pass
    time.sleep(delay)
    rng = np.random.default_rng(x)
    return {"y": x * x, "noise": rng.standard_normal(3)}


def _calls(marker_dir):
    return sorted(int(name.split("-")[0]) for name in os.listdir(marker_dir))


class Stop(Exception):
    """Raised by a callback to interrupt a sweep (as Ctrl-C would)."""


# ------------------------------------------------------------------ sweeps

@pytest.mark.parametrize("where", ["local", "joblib", "dask"])
def test_interrupted_sweep_resumes_only_missing(tmp_path, client, where):
    markers = tmp_path / "markers"
    markers.mkdir()
    tasks = grid(x=list(range(8)), marker_dir=[str(markers)])
    scheduler = client if where == "dask" else None
    n_jobs = 2 if where == "joblib" else 1

    def stop_after_three(done, total, task, result):
        if done == 3:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(slow_task, tasks, tmp_path / "store", scheduler=scheduler, n_jobs=n_jobs, progress=False,
                  callback=stop_after_three)
    first = load_results(tmp_path / "store", tasks)
    finished = [t["x"] for t, r in zip(tasks, first) if r is not None]
    assert len(finished) == 3
    # pending futures were cancelled: let any task that was already running end, then count
    time.sleep(0.3)
    before = _calls(markers)
    seen = []
    results = run_sweep(slow_task, tasks, tmp_path / "store", scheduler=scheduler, n_jobs=n_jobs, progress=False,
                        callback=lambda done, total, task, result: seen.append((done, total, task["x"])))
    rerun = sorted(x for _, _, x in seen)
    assert rerun == sorted(set(range(8)) - set(finished))
    assert all(total == 5 for _, total, _ in seen)
    assert _calls(markers) == sorted(before + rerun)  # the rerun called fn for the missing tasks only
    # identical to an uninterrupted run (the stored JSON round-trips float64 exactly)
    reference = run_sweep(slow_task, tasks, tmp_path / "reference", progress=False)
    assert results == reference
    for r, x in zip(results, range(8)):
        assert r["y"] == x * x
        assert r["noise"] == np.random.default_rng(x).standard_normal(3).tolist()


def test_worker_killed_mid_sweep(tmp_path, client):
    markers = tmp_path / "markers"
    markers.mkdir()
    tasks = grid(x=list(range(12)), marker_dir=[str(markers)], delay=[0.3])
    pids = client.run(os.getpid)
    stored_at_kill = {}

    def kill_one_worker(done, total, task, result):
        if done == 3:
            for name in os.listdir(tmp_path / "store"):
                if name != "sweep.json":
                    stored_at_kill[name] = (tmp_path / "store" / name).read_bytes()
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)

    results = run_sweep(slow_task, tasks, tmp_path / "store", scheduler=client, progress=False,
                        callback=kill_one_worker)
    assert [r["y"] for r in results] == [x * x for x in range(12)]
    assert len(stored_at_kill) == 3
    for name, content in stored_at_kill.items():  # no finished result lost or rewritten
        assert (tmp_path / "store" / name).read_bytes() == content
    # the nanny restarts the killed worker; wait so later tests see two workers again
    client.wait_for_workers(2, timeout=180)


def test_store_of_another_definition_refused(tmp_path, client):
    markers = tmp_path / "markers"
    markers.mkdir()
    tasks = grid(x=[1, 2], marker_dir=[str(markers)])
    run_sweep(slow_task, tasks, tmp_path / "store", progress=False)
    other = grid(x=[1, 2, 3], marker_dir=[str(markers)])
    n_before = len(_calls(markers))
    with pytest.raises(SweepDefinitionError, match="different sweep.*never mixed"):
        run_sweep(slow_task, other, tmp_path / "store", scheduler=client, progress=False)
    with pytest.raises(SweepDefinitionError, match="function"):
        run_sweep(_calls_wrapper, tasks, tmp_path / "store", progress=False)
    assert len(_calls(markers)) == n_before  # nothing ran
    # task order does not change the definition
    assert run_sweep(slow_task, tasks[::-1], tmp_path / "store", progress=False)[0]["y"] == 4
    # a store without a manifest holding results of other tasks is refused too
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / f"{task_key({'x': 99})}.json").write_text('{"task": {"x": 99}, "result": {}}')
    with pytest.raises(SweepDefinitionError, match="outside this sweep"):
        run_sweep(slow_task, tasks, legacy, progress=False)


def _calls_wrapper(**task):
    return slow_task(**task)


def test_unreachable_scheduler_fails_fast(tmp_path):
    # port 9 (discard) on localhost: nothing listens; the connection is refused and retried
    t0 = time.perf_counter()
    with pytest.raises(ConnectionError, match="could not reach a Dask scheduler.*within 2 s"):
        run_sweep(slow_task, [{"x": 1, "marker_dir": str(tmp_path)}], tmp_path / "store",
                  scheduler="tcp://127.0.0.1:9", connect_timeout=2.0, progress=False)
    assert time.perf_counter() - t0 < 30  # generous: the bound is the timeout, not a hang
    with pytest.raises(TypeError, match="scheduler must be a Dask scheduler address"):
        run_sweep(slow_task, [{"x": 1, "marker_dir": str(tmp_path)}], tmp_path / "s2", scheduler=8786,
                  progress=False)


def test_sweep_definition_is_order_free():
    a = sweep_definition(slow_task, grid(x=[1, 2], marker_dir=["m"]))
    b = sweep_definition(slow_task, grid(x=[2, 1], marker_dir=["m"]))
    assert a["definition"] == b["definition"]
    assert a["function"].endswith("test_distributed.slow_task")


# ------------------------------------------------------------------ transforms

def _volume(R):
    x = R.grid_points()
    return np.exp(-(x ** 2).sum(-1)) * (1.0 + 0.5 * x[..., 0])  # not radial: projections differ


def _reorder_bound(R, g, c=1.0):
    """Bound on |single machine − tree sum| for a backprojection of g (any frame blocks).

    Both are floating-point sums over the m frames of terms t_j(x) = c·w_j·Σ_i h_tⁿ K g_j,i
    with |t_j(x)| ≤ c·w_j·max_i |g_j,i| (the kernel K ≥ 0 has unit mass in t); each sum is
    within (m − 1)·ε·Σ_j |t_j| of the exact one (recursive summation, Higham, Accuracy and
    Stability of Numerical Algorithms, 2nd ed., eq. (4.4)); the tree of B ≤ m blocks
    adds ⌈log₂ B⌉ ≤ m levels, so the two differ by at most 2m·ε·Σ_j |t_j|.
    """
    gmax = np.abs(np.asarray(g)).reshape(R.m, -1).max(axis=1)
    return 2 * R.m * np.finfo(float).eps * abs(c) * float(R.weights @ gmax)


@pytest.mark.parametrize("case", ["radon-3d", "xray-3d"])
def test_transform_over_workers_equals_single_machine(client, tmp_path, case):
    from ridgekit.kplane import KPlaneTransform
    from ridgekit.kplane.closed_forms import inversion_constant
    from ridgekit.radon import RadonTransform

    if case == "radon-3d":
        R = RadonTransform((24, 24, 24), 40, extent=4.0)   # n = 1, distance-driven box kernel
    else:
        R = KPlaneTransform((16, 16, 16), 24, k=1, extent=4.0)  # n = 2, hat kernel
    f = _volume(R)
    g = R.forward(f)
    gd = R.forward(f, client=client, block_size=7)
    assert gd.chunks[0] == tuple(hi - lo for lo, hi in [(lo, min(R.m, lo + 7)) for lo in range(0, R.m, 7)])
    np.testing.assert_array_equal(gd.compute(), g)  # same kernel per frame: identical
    bound = _reorder_bound(R, g)
    a = R.adjoint(g)
    for blocks, gin in ((7, g), (5, gd)):  # a numpy sinogram, and the dask array itself
        ad = R.adjoint(gin, client=client, block_size=blocks)
        assert ad.shape == a.shape
        assert np.abs(ad - a).max() <= bound
    assert np.abs(a).max() > 1e3 * bound  # the bound is far below the signal
    filtered = R.filter(g)
    c = inversion_constant(R.d, R.k, R.measure)
    rec, recd = R.inverse(g), R.inverse(g, client=client, block_size=6)
    assert np.abs(recd - rec).max() <= _reorder_bound(R, filtered, c)


def test_forward_to_zarr_store(client, tmp_path):
    zarr = pytest.importorskip("zarr")
    from ridgekit.radon import RadonTransform

    R = RadonTransform((20, 20, 20), 30, extent=4.0)
    f = _volume(R)
    g = R.forward(f)
    on_cluster = R.forward(f, client=client, block_size=8, zarr_store=str(tmp_path / "sino.zarr"))
    np.testing.assert_array_equal(on_cluster.compute(), g)
    stored = zarr.open_array(str(tmp_path / "sino.zarr"), mode="r")
    assert stored.chunks == (8, R.n_offsets)
    np.testing.assert_array_equal(stored[:], g)
    local = R.forward(f, block_size=11, zarr_store=tmp_path / "local.zarr")  # no client: block by block here
    np.testing.assert_array_equal(local.compute(), g)


@pytest.mark.slow  # one more kernel (point evaluation) to compile in three processes
def test_backprojection_at_points(client):
    from ridgekit.radon import RadonTransform

    R = RadonTransform((12, 12, 12), 10, extent=2.0)
    g = R.forward(_volume(R))
    pts = np.random.default_rng(3).uniform(-1, 1, (50, 3))
    np.testing.assert_allclose(R.adjoint(g, points=pts, client=client, block_size=3), R.adjoint(g, points=pts),
                               rtol=0, atol=_reorder_bound(R, g))


def test_bad_arguments(client):
    from ridgekit.radon import RadonTransform

    R = RadonTransform((12, 12, 12), 10, extent=2.0)
    g = np.zeros(R.sinogram_shape)
    with pytest.raises(ValueError, match="block_size"):
        R.forward(_volume(R), client=client, block_size=0)
    with pytest.raises(ValueError, match="needs client"):
        R.adjoint(g, block_size=4)
    with pytest.raises(ValueError, match="f must have shape"):
        R.forward(np.zeros((5, 5, 5)), client=client)
    with pytest.raises(ValueError, match="g must have shape"):
        R.adjoint(np.zeros((3, 4)), client=client)
    with pytest.raises(TypeError, match="client must be"):
        R.adjoint(g, client=3.5)
    with pytest.raises(ConnectionError, match="could not reach"):
        R.forward(_volume(R), client="tcp://127.0.0.1:9")


# ------------------------------------------------------------------ solver paths

def _ridge_data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, np.maximum(X @ np.array([1.0, -0.5]), 0.0) + 0.05 * rng.standard_normal(n)


def _tv2_data(n=30, seed=1):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n))
    return x[:, None], np.abs(x) + 0.05 * rng.standard_normal(n)


@pytest.mark.parametrize("which", ["ridge", "tv2"])
def test_grid_search_through_dask_joblib_backend(client, which):
    joblib = pytest.importorskip("joblib")
    sklearn_ms = pytest.importorskip("sklearn.model_selection")
    from ridgekit.splines import RidgeSplineRegressor, TV2Spline

    if which == "ridge":
        est, (X, y), lams, folds = RidgeSplineRegressor(), _ridge_data(), [1e-2, 1e-1], 2
    else:
        est, (X, y), lams, folds = TV2Spline(), _tv2_data(), [1e-3, 1e-2, 1e-1], 3
    cv = sklearn_ms.KFold(folds, shuffle=True, random_state=0)
    on_cluster = sklearn_ms.GridSearchCV(est, {"lam": lams}, cv=cv, n_jobs=2)
    with joblib.parallel_backend("dask"):
        on_cluster.fit(X, y)
    here = sklearn_ms.GridSearchCV(est, {"lam": lams}, cv=cv).fit(X, y)
    # the same deterministic fits in other processes: equal up to the last bits that a
    # different thread count can change in numba's parallel reductions (1e-9 relative)
    np.testing.assert_allclose(on_cluster.cv_results_["mean_test_score"], here.cv_results_["mean_test_score"],
                               rtol=1e-9)
    assert on_cluster.best_params_ == here.best_params_
    np.testing.assert_allclose(on_cluster.predict(X), here.predict(X), rtol=1e-9, atol=1e-12)


def test_cross_validate_path_matches_sklearn(client, tmp_path):
    sklearn_ms = pytest.importorskip("sklearn.model_selection")
    from ridgekit.splines import TV2Spline
    from ridgekit.sweep import cross_validate_path

    X, y = _tv2_data()
    lams = [1e-3, 1e-2, 1e-1]
    seen = []
    path = cross_validate_path(TV2Spline(), X, y, {"lam": lams}, tmp_path / "cv", cv=3, seed=0, scheduler=client,
                               callback=lambda *a: seen.append(a))
    assert len(seen) == 9
    # oracle: scikit-learn's own cross-validation with the same folds
    ref = sklearn_ms.GridSearchCV(TV2Spline(), {"lam": lams},
                                  cv=sklearn_ms.KFold(3, shuffle=True, random_state=0)).fit(X, y)
    for k in range(3):
        np.testing.assert_allclose(path["scores"][:, k], ref.cv_results_[f"split{k}_test_score"], rtol=1e-9)
    assert path["best_params"] == ref.best_params_
    # a rerun (here locally) reads everything from the store
    again = cross_validate_path(TV2Spline(), X, y, {"lam": lams}, tmp_path / "cv", cv=3, seed=0,
                                callback=lambda *a: seen.append(a))
    assert len(seen) == 9
    np.testing.assert_array_equal(again["scores"], path["scores"])
    # other data are another sweep: refused, not mixed
    with pytest.raises(SweepDefinitionError):
        cross_validate_path(TV2Spline(), X, y + 1.0, {"lam": lams}, tmp_path / "cv", cv=3, seed=0)


def test_cli_reproduce_unreachable_scheduler(tmp_path, capsys):
    from ridgekit.cli import main

    t0 = time.perf_counter()
    code = main(["reproduce", "flat-minima", "--quick", "--scheduler", "tcp://127.0.0.1:9", "--out",
                 str(tmp_path / "out")])
    assert code == 2
    assert "could not reach a Dask scheduler" in capsys.readouterr().err
    assert time.perf_counter() - t0 < 60  # the connect timeout (5 s) plus imports, never a hang


def test_gallery_sweeps_on_the_cluster_equal_the_loop(tmp_path, client):
    """The reproductions' sweeps (NLA rates, width bounds, random-ReLU Monte Carlo) on the
    cluster give the plain loop's numbers (tiny sizes; one task per size and replicate,
    per panel, per Monte Carlo experiment)."""
    from ridgekit.gallery.nla import experiment, sweep_experiment
    from ridgekit.gallery.random_relu import monte_carlo_task, monte_carlo_tasks
    from ridgekit.splines.vv import width_bound_experiment
    from ridgekit.sweep import _jsonable

    cfg = dict(d=1, s=1.0, wavelet="db4", extra_levels=1, J_values=range(4, 6), replicates=2, sigmas=(0.0, 0.1))
    for a, b in zip(experiment(**cfg), sweep_experiment(tmp_path / "nla", scheduler=client, **cfg)):
        np.testing.assert_array_equal(b, a)
    tasks = [dict(N=4, K=20, D=2, rank=None, n_trials=2, rng=4), dict(N=6, K=20, D=2, rank=2, n_trials=2, rng=102)]
    results = run_sweep(width_bound_experiment, tasks, tmp_path / "width", scheduler=client, progress=False)
    assert results == [_jsonable(width_bound_experiment(**t)) for t in tasks]
    tasks = monte_carlo_tasks(300, 3, n_limit=200)[3:5]       # antipodal covariance, Hurst exponent
    results = run_sweep(monte_carlo_task, tasks, tmp_path / "mc", scheduler=client, progress=False)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]
    assert strip(results) == strip([_jsonable(monte_carlo_task(**t)) for t in tasks])
