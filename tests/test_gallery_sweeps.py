"""Gallery reproductions on the sweep engine (ridgekit.sweep): the sweep gives the numbers of
the plain loop, number for number, locally and through joblib, and resumes.

Oracles: the loop itself (``nla.experiment``, direct calls of
``splines.vv.width_bound_experiment`` and of ``random_relu.monte_carlo_task``), at tiny
sizes.  The run on a Dask cluster is in tests/test_distributed.py (its LocalCluster).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from ridgekit.sweep import _jsonable, load_results, run_sweep, task_key

NLA_TINY = dict(d=1, s=1.0, wavelet="db4", extra_levels=2, J_values=range(5, 8), replicates=3,
                sigmas=(0.0, 0.01, 0.1), seed=2)


def _strip_seconds(results):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in results]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_nla_sweep_equals_loop(tmp_path, n_jobs):
    from ridgekit.gallery.nla import experiment, sweep_experiment

    E0, J0, L0 = experiment(**NLA_TINY)
    E1, J1, L1 = sweep_experiment(tmp_path / "s", n_jobs=n_jobs, **NLA_TINY)
    np.testing.assert_array_equal(E1, E0)   # same noise draws, replayed per task: bit for bit
    np.testing.assert_array_equal(J1, J0)
    np.testing.assert_array_equal(L1, L0)
    assert np.all(np.isfinite(E1)) and np.all(E1 > 0)


def test_nla_sweep_2d_equals_loop(tmp_path):
    from ridgekit.gallery.nla import experiment, sweep_experiment

    cfg = dict(d=2, s=0.5, wavelet="db2", extra_levels=1, J_values=range(3, 5), replicates=2, sigmas=(0.0, 0.1))
    for a, b in zip(experiment(**cfg), sweep_experiment(tmp_path / "s", **cfg)):
        np.testing.assert_array_equal(b, a)


def test_nla_sweep_resumes_only_missing(tmp_path):
    from ridgekit.gallery.nla import experiment_task, experiment_tasks, sweep_experiment

    store = tmp_path / "s"
    E0 = sweep_experiment(store, **NLA_TINY)[0]
    tasks = experiment_tasks(**NLA_TINY)
    lost = tasks[4]
    (store / f"{task_key(lost)}.json").unlink()          # as if the sweep had stopped before it
    seen = []
    run_sweep(experiment_task, tasks, store, progress=False, callback=lambda *a: seen.append(a[2]))
    assert seen == [lost]
    np.testing.assert_array_equal(sweep_experiment(store, **NLA_TINY)[0], E0)


def test_width_bound_sweep_equals_direct_calls(tmp_path):
    from ridgekit.gallery.vv import width_tasks
    from ridgekit.splines.vv import width_bound_experiment

    # the gallery's tasks keep the loop's seeds: rng = N for the N panels, 100 + r for the rank panels
    quick = width_tasks(quick=True)
    assert [t["rng"] for t in quick] == [5, 10, 15, 102, 105, 110]
    tasks = [dict(N=4, K=20, D=2, rank=None, n_trials=2, rng=4), dict(N=6, K=20, D=2, rank=2, n_trials=2, rng=102)]
    results = run_sweep(width_bound_experiment, tasks, tmp_path / "s", n_jobs=2, progress=False)
    for t, r in zip(tasks, results):
        ref = width_bound_experiment(**t)
        assert set(r) == set(ref)
        for k in ref:
            np.testing.assert_array_equal(np.asarray(r[k]), np.asarray(ref[k]), err_msg=k)
        assert np.all(np.asarray(r["active"]) <= np.asarray(r["bound"]))


def test_random_relu_sweep_equals_direct_calls(tmp_path):
    from ridgekit.gallery.random_relu import monte_carlo_task, monte_carlo_tasks

    tasks = monte_carlo_tasks(400, 7, n_limit=300, n_stable=300)
    assert [t["stream"] for t in tasks] == list(range(9))
    results = run_sweep(monte_carlo_task, tasks, tmp_path / "s", n_jobs=2, progress=False)
    direct = [_jsonable(monte_carlo_task(**t)) for t in tasks]   # numpy -> JSON values, as the store does
    assert _strip_seconds(results) == _strip_seconds(direct)
    assert all(np.all(np.isfinite(np.asarray(v, dtype=float))) for r in _strip_seconds(results)
               for v in r.values())
    # each task has its own stream: another root seed changes every result
    other = [monte_carlo_task(**dict(t, seed=8)) for t in tasks[:2]]
    assert all(not np.array_equal(o["value"], r["value"]) for o, r in zip(other, results[:2]))
    # the stored results are what load_results returns
    assert load_results(tmp_path / "s") == results


def test_converted_reproductions_take_sweep_options():
    from ridgekit.gallery import load, missing

    for name in ("flat-minima", "nla", "vv", "random-relu", "lola", "lottery"):
        if missing(name):
            continue
        params = inspect.signature(load(name)).parameters
        assert {"scheduler", "n_jobs", "show_progress"} <= set(params), name


def test_cli_reproduce_rejects_bad_n_jobs(tmp_path, capsys):
    from ridgekit.cli import main

    assert main(["reproduce", "nla", "--quick", "--n-jobs", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--n-jobs must be a positive number of workers or -1" in capsys.readouterr().err


def test_lola_collision_sweep_equals_direct_calls(tmp_path):
    pytest.importorskip("torch")
    from ridgekit.gallery.lola import QUICK, _collision_configs, collision_recall

    sz = QUICK
    tasks = [dict(N=N, configs=_collision_configs(sz, N), F=16, trials=1, seed=3) for N in (8, 16)]
    # in this process (joblib workers would each import torch: tens of seconds on a loaded CI box)
    results = run_sweep(collision_recall, tasks, tmp_path / "s", progress=False)
    direct = [collision_recall(**t) for t in tasks]
    assert results == direct
    seen = []   # a rerun reads the store and computes nothing
    assert run_sweep(collision_recall, tasks, tmp_path / "s", progress=False, callback=lambda *a: seen.append(a)) \
        == results and seen == []
    assert list(results[0]) == list(_collision_configs(sz, 8))   # names keep their order through the store
    assert all(0.0 <= v <= 1.0 for r in results for v in r.values())


def _without_timings(r):
    r = {k: v for k, v in r.items() if k != "seconds"}
    r["cost"] = {k: {kk: vv for kk, vv in v.items() if kk != "seconds"} for k, v in r["cost"].items()
                 if k != "distillation"}
    return r


@pytest.mark.parametrize("n_jobs", [1, pytest.param(2, marks=pytest.mark.slow)])   # 2: torch in two processes
def test_lottery_seed_sweep_equals_direct_calls(tmp_path, n_jobs):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from dataclasses import asdict

    from ridgekit.gallery.lottery import _Sizes, accuracy_seed

    S = _Sizes(seeds=2, rounds=2, steps=12, distill_steps=5, dm_iterations=3, rewind=2, rewinds=(0, 2),
               hidden=8, sharp_points=30, tasks=("digits",))
    tasks = [dict(task="digits", sizes=asdict(S), seed=s) for s in range(S.seeds)]
    results = run_sweep(accuracy_seed, tasks, tmp_path / "s", n_jobs=n_jobs, progress=False)
    direct = [_jsonable(accuracy_seed(**t)) for t in tasks]
    assert [_without_timings(r) for r in results] == [_without_timings(r) for r in direct]
    assert "sharpness" in results[0] and "final_masks" in results[1] and "final_masks" not in results[0]
    for r in results:
        assert all(0.0 <= a <= 1.0 for accs in r["accuracy"].values() for a in accs)
