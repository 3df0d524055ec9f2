"""Resumable parameter sweeps: one engine for every reproduction, local or on a Dask cluster.

A sweep is a function ``fn(**task) -> dict`` and a list of tasks, dicts of JSON values
(seeds, dimensions, sample sizes, step sizes, regularisation weights).  Each task is keyed
by a hash of its parameters (:func:`task_key`); its result is written to the *store*, a
directory, the moment it arrives, so an interrupted sweep (a crash, Ctrl-C, a lost
worker) resumes where it stopped: a rerun computes only the tasks whose result is missing.

Where the tasks run:

* locally, in this process (``n_jobs=1``, the default) or through joblib
  (``n_jobs > 1`` or ``-1``);
* on an existing Dask cluster when ``scheduler`` is given: a ``dask.distributed.Client``
  or a scheduler address ``"tcp://HOST:PORT"`` (imported only then; nothing here starts a
  cluster).  Results come back to this process as they finish
  (``distributed.as_completed``) and this process writes them, so workers need no shared
  file system, and a result once written survives the loss of the worker that made it.

The store holds ``sweep.json``, the sweep definition (the function's qualified name, the
task list and a hash of both), and one ``<task_key>.json`` per finished task.  A store
written by a different definition is refused (:class:`SweepDefinitionError`), never mixed.

Solver paths (regularisation paths and cross-validation of the representer estimators)
run through the same engine: :func:`cross_validate_path`.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from ._dask import DEFAULT_CONNECT_TIMEOUT, get_client
from ._validation import check_int

__all__ = ["SweepDefinitionError", "cross_validate_path", "grid", "load_results", "run_sweep",
           "sweep_definition", "task_key"]

#: File name of the sweep definition inside a store.
MANIFEST = "sweep.json"
_FORMAT = "ridgekit-sweep/1"


class SweepDefinitionError(ValueError):
    """A results store belongs to a different sweep (another function or task list)."""


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"sweep tasks and results must be JSON values (numbers, strings, lists, dicts, "
                    f"numpy arrays), got {type(obj).__name__}")


def _canonical(obj) -> str:
    return json.dumps(_jsonable(obj), sort_keys=True, separators=(",", ":"))


def task_key(task: dict) -> str:
    """A stable 16-hex-digit key of a task: SHA-256 of its canonical JSON.

    Key order does not matter; numpy scalars hash like the Python numbers they equal.

    Examples
    --------
    >>> task_key({"d": 2, "seed": 0}) == task_key({"seed": 0, "d": 2})
    True
    >>> import numpy as np
    >>> task_key({"d": np.int64(2)}) == task_key({"d": 2})
    True
    >>> len(task_key({"d": 2}))
    16
    """
    if not isinstance(task, dict):
        raise TypeError(f"a task must be a dict of keyword arguments, got {type(task).__name__}")
    return hashlib.sha256(_canonical(task).encode()).hexdigest()[:16]


def grid(**axes) -> list:
    """All combinations of the given parameter values, as a list of task dicts.

    Examples
    --------
    >>> grid(d=[1, 2], seed=[0, 1])
    [{'d': 1, 'seed': 0}, {'d': 1, 'seed': 1}, {'d': 2, 'seed': 0}, {'d': 2, 'seed': 1}]
    """
    names = list(axes)
    values = []
    for name in names:
        v = axes[name]
        if isinstance(v, (str, bytes, dict)) or not hasattr(v, "__iter__"):
            raise TypeError(f"grid axis {name!r} must be a list of values, got {type(v).__name__} {v!r:.60}")
        values.append(list(v))
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


def _callable_name(fn) -> str:
    if isinstance(fn, _Named):
        return fn.name
    if isinstance(fn, functools.partial):
        return f"partial({_callable_name(fn.func)}, args={_canonical(list(fn.args))}, kw={_canonical(fn.keywords)})"
    module = getattr(fn, "__module__", None) or type(fn).__module__
    qual = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{qual}"


def sweep_definition(fn, tasks) -> dict:
    """The definition a store records: function name, task list and their hash.

    ``definition`` is SHA-256 over the function's qualified name and the sorted task keys,
    so it does not depend on the order of ``tasks``.

    Examples
    --------
    >>> def f(x):
    ...     return {"y": x}
    >>> a = sweep_definition(f, [{"x": 1}, {"x": 2}])
    >>> a["definition"] == sweep_definition(f, [{"x": 2}, {"x": 1}])["definition"]
    True
    >>> a["definition"] == sweep_definition(f, [{"x": 1}, {"x": 3}])["definition"]
    False
    """
    name = fn if isinstance(fn, str) else _callable_name(fn)
    tasks = [_jsonable(t) for t in tasks]
    keys = sorted(task_key(t) for t in tasks)
    digest = hashlib.sha256(_canonical({"function": name, "tasks": keys}).encode()).hexdigest()[:16]
    return {"format": _FORMAT, "function": name, "definition": digest, "n_tasks": len(tasks), "tasks": tasks}


def _write_json_atomic(path: Path, payload):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_json(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _result_files(store: Path):
    return {p.stem: p for p in store.glob("*.json") if p.name != MANIFEST and not p.name.startswith(".")}


def _open_store(store: Path, definition: dict, keys) -> None:
    """Create the store or check that it holds this sweep (raise SweepDefinitionError)."""
    if store.exists() and not store.is_dir():
        raise ValueError(f"store must be a directory, got the file {str(store)!r}")
    store.mkdir(parents=True, exist_ok=True)
    manifest = store / MANIFEST
    if manifest.exists():
        try:
            old = _read_json(manifest)
        except (OSError, ValueError) as exc:
            raise SweepDefinitionError(f"store {str(store)!r} has an unreadable {MANIFEST} ({exc}); "
                                       f"use another directory") from None
        if old.get("definition") != definition["definition"]:
            why = []
            if old.get("function") != definition["function"]:
                why.append(f"function {old.get('function')!r}, not {definition['function']!r}")
            if old.get("n_tasks") != definition["n_tasks"] or old.get("definition") != definition["definition"]:
                why.append(f"{old.get('n_tasks')} tasks (definition {old.get('definition')}), not "
                           f"{definition['n_tasks']} tasks (definition {definition['definition']})")
            raise SweepDefinitionError(
                f"store {str(store)!r} holds results of a different sweep ({'; '.join(why)}); results are "
                f"never mixed: pass another directory for this sweep, or delete that one to start over")
        return
    # no manifest: a new store, or one written before stores recorded their definition
    stray = sorted(set(_result_files(store)) - set(keys))
    if stray:
        raise SweepDefinitionError(
            f"store {str(store)!r} has no {MANIFEST} and holds {len(stray)} result(s) of tasks outside this "
            f"sweep (e.g. {stray[0]}.json); results are never mixed: pass another directory")
    _write_json_atomic(manifest, definition)


def load_results(store, tasks=None) -> list:
    """The stored results of a sweep, in task order (None where a task is not finished).

    Parameters
    ----------
    store : path
        A directory written by :func:`run_sweep`.
    tasks : list of dict, optional
        Which tasks to load; default every task of the store's definition.
    """
    store = Path(store)
    if tasks is None:
        manifest = store / MANIFEST
        if not manifest.exists():
            raise ValueError(f"store {str(store)!r} has no {MANIFEST}; pass tasks= to load it")
        tasks = _read_json(manifest)["tasks"]
    out = []
    for task in tasks:
        p = store / f"{task_key(task)}.json"
        out.append(_read_json(p)["result"] if p.exists() else None)
    return out


def _call(fn, task):
    """Run one task (on a worker) and convert its result to JSON values there."""
    result = fn(**task)
    if not isinstance(result, dict):
        raise TypeError(f"a sweep function must return a dict, {_callable_name(fn)} returned "
                        f"{type(result).__name__}")
    return _jsonable(result)


def _call_keyed(fn, key, task):
    return key, _call(fn, task)


class _Progress:
    """tqdm bar on stderr (a line per task without tqdm) plus an optional callback."""

    def __init__(self, total, desc, show, callback):
        self.total, self.done, self.callback, self.bar = total, 0, callback, None
        self.desc, self.show = desc, show
        if show:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(self, task, result):
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.show:
            print(f"{self.desc}: {self.done}/{self.total}", file=sys.stderr, flush=True)
        if self.callback is not None:
            self.callback(self.done, self.total, task, result)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run_sweep(fn, tasks, store, *, scheduler=None, n_jobs: int = 1, progress=True, callback=None,
              desc: str = "sweep", connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> list:
    """Run ``fn(**task)`` for every task whose result is not yet in ``store``; return all results.

    Parameters
    ----------
    fn : callable
        A picklable (module-level) function returning a dict of JSON values (numpy arrays
        and scalars are converted on the worker).
    tasks : list of dict
        Keyword arguments of ``fn``, JSON values only, pairwise distinct (they are hashed
        into the task keys; :func:`grid` builds a Cartesian product).
    store : path
        Results directory (created).  ``sweep.json`` records the definition
        (:func:`sweep_definition`); ``<task_key(task)>.json`` holds
        ``{"task": ..., "result": ...}``, written atomically by this process as soon as the
        result arrives.  A store of another definition raises
        :class:`SweepDefinitionError` before anything runs.
    scheduler : None, str or dask.distributed.Client
        None: run locally (``n_jobs``).  Otherwise a running client or the address of a
        running Dask scheduler (``"tcp://HOST:PORT"``): tasks are submitted there, one
        future per task, and ``n_jobs`` is ignored.
    n_jobs : int
        Local workers: 1 runs in this process, in task order; more (or -1, all cores) runs
        through joblib.
    progress : bool
        Show a progress bar on stderr (tqdm if installed, else one line per task).
    callback : callable, optional
        ``callback(done, total, task, result)`` after each result is stored (progress
        reported from the cluster as tasks finish).  An exception raised here (or Ctrl-C)
        stops the sweep: pending tasks are cancelled, stored results stay.
    desc : str
        Label of the progress bar.
    connect_timeout : float
        Seconds to wait for ``scheduler`` (an address) before raising ``ConnectionError``.

    Returns
    -------
    list of dict
        The results in the order of ``tasks``.

    Notes
    -----
    A task that raises stops the sweep with its exception (after the results already
    stored); rerun to resume.  On a cluster, a task lost with its worker is recomputed by
    the scheduler (``distributed.scheduler.allowed-failures`` times), and results already
    stored are never recomputed.

    Examples
    --------
    >>> import tempfile
    >>> def square(x):
    ...     return {"y": x * x}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = run_sweep(square, grid(x=[2, 3]), tmp, progress=False)
    ...     seen = []
    ...     again = run_sweep(square, grid(x=[2, 3]), tmp, progress=False,
    ...                       callback=lambda *a: seen.append(a))   # all stored: nothing runs
    >>> first, first == again, seen
    ([{'y': 4}, {'y': 9}], True, [])
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(tasks, dict):
        raise TypeError("tasks must be a list of dicts, got a single dict (wrap it in a list)")
    tasks = list(tasks)
    for i, t in enumerate(tasks):
        if not isinstance(t, dict):
            raise TypeError(f"tasks[{i}] must be a dict of keyword arguments, got {type(t).__name__}")
    keys = [task_key(t) for t in tasks]
    if len(set(keys)) != len(keys):
        seen = {}
        for t, k in zip(tasks, keys):
            if k in seen:
                raise ValueError(f"tasks must be distinct: {seen[k]!r} and {t!r} have the same parameters")
            seen[k] = t
    n_jobs = check_int(n_jobs, "n_jobs", minimum=-1)
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of workers or -1 (all cores), got 0")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    store = Path(store)
    definition = sweep_definition(fn, tasks)
    _open_store(store, definition, keys)
    done = set(_result_files(store))
    todo = [(k, t) for k, t in zip(keys, tasks) if k not in done]
    if todo:
        bar = _Progress(len(todo), desc, progress, callback)
        try:
            if scheduler is not None:
                _run_dask(fn, todo, store, scheduler, connect_timeout, bar, definition["definition"])
            elif n_jobs == 1:
                for k, t in todo:
                    _store(store, k, t, _call(fn, t), bar)
            else:
                from joblib import Parallel, delayed

                by_key = dict(todo)
                gen = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                    delayed(_call_keyed)(fn, k, t) for k, t in todo)
                try:
                    for k, result in gen:
                        _store(store, k, by_key[k], result, bar)
                finally:
                    with warnings.catch_warnings():
                        # an interrupted sweep cancels its pending tasks on purpose; joblib
                        # warns that they were cancelled
                        warnings.filterwarnings("ignore", message=r".*tasks which were still being processed",
                                                category=UserWarning)
                        gen.close()
        finally:
            bar.close()
    return load_results(store, tasks)


def _store(store, key, task, result, bar):
    _write_json_atomic(store / f"{key}.json", {"task": _jsonable(task), "result": result})
    bar.update(task, result)


def _run_dask(fn, todo, store, scheduler, timeout, bar, definition):
    from distributed import as_completed

    client, owned = get_client(scheduler, "scheduler", timeout=timeout)
    futures = {}
    try:
        fn_future = client.scatter(fn, broadcast=False, hash=False) if _is_heavy(fn) else fn
        for k, t in todo:
            fut = client.submit(_call, fn_future, t, key=f"ridgekit-sweep-{definition}-{k}", pure=False)
            futures[fut.key] = (fut, k, t)
        for fut in as_completed([f for f, _, _ in futures.values()]):
            _, k, t = futures.pop(fut.key)
            _store(store, k, t, fut.result(), bar)
    finally:
        if futures:
            client.cancel([f for f, _, _ in futures.values()])
        if owned:
            client.close()


def _is_heavy(fn) -> bool:
    """A callable holding data (a partial, a named partial): scatter it once, not with every task."""
    return isinstance(fn, (_Named, functools.partial))


# ---------------------------------------------------------------- solver paths

def _cv_task(estimator, X, y, params, fold, n_splits, seed, scoring):
    """Fit ``estimator`` with ``params`` on all folds but ``fold``; score on ``fold``."""
    from sklearn.base import clone
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold

    X, y = np.asarray(X), np.asarray(y)
    train, test = list(KFold(n_splits, shuffle=True, random_state=seed).split(X))[fold]
    est = clone(estimator).set_params(**params)
    t0 = time.perf_counter()
    est.fit(X[train], y[train])
    fit_time = time.perf_counter() - t0
    score = get_scorer(scoring)(est, X[test], y[test]) if scoring is not None else est.score(X[test], y[test])
    return {"score": float(score), "fit_time": fit_time}


def cross_validate_path(estimator, X, y, param_grid, store, *, cv: int = 5, seed: int = 0, scoring=None,
                        scheduler=None, n_jobs: int = 1, progress=False, callback=None):
    """K-fold cross-validation over a parameter grid (a regularisation path), as a sweep.

    Every (parameter combination, fold) pair is one task of :func:`run_sweep`, keyed by the
    parameters, the fold and the estimator's other parameters, so a path interrupted
    half-way resumes, and runs locally or on a Dask cluster like every sweep.  The data
    are sent once (a ``functools.partial`` holding them, scattered to the cluster).

    Parameters
    ----------
    estimator : scikit-learn estimator
        Unfitted; cloned for every task (e.g. ``RidgeSplineRegressor(lam=...)``,
        ``TV2Spline``).
    X, y : array_like
        Data; folds are ``KFold(cv, shuffle=True, random_state=seed)``.
    param_grid : dict of lists
        Values per parameter, e.g. ``{"lam": np.logspace(-3, 0, 8)}`` (a λ grid).
    store : path
        Results directory of the sweep.
    cv, seed : int
        Number of folds and the shuffling seed.
    scoring : str or None
        A scikit-learn scorer name; default the estimator's ``score``.
    scheduler, n_jobs, progress, callback
        As in :func:`run_sweep`.

    Returns
    -------
    dict with ``params`` (list of dicts, grid order), ``mean_test_score``,
    ``std_test_score`` (arrays over the grid), ``scores`` (grid × folds),
    ``best_params`` and ``best_index`` (highest mean score; first on ties), like
    ``GridSearchCV.cv_results_``.
    """
    try:
        from sklearn.base import clone
    except ImportError as exc:  # pragma: no cover
        raise ImportError("cross_validate_path needs scikit-learn") from exc
    cv = check_int(cv, "cv", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    if not isinstance(param_grid, dict) or not param_grid:
        raise TypeError(f"param_grid must be a non-empty dict of lists, got {param_grid!r:.60}")
    combos = grid(**param_grid)
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0] or X.shape[0] < cv:
        raise ValueError(f"X and y must have the same number of samples, at least cv = {cv}; got "
                         f"{X.shape[0]} and {y.shape[0]}")
    base = clone(estimator)
    fixed = {k: v for k, v in base.get_params(deep=False).items() if k not in param_grid}
    try:
        fixed = _jsonable(fixed)
    except TypeError:
        fixed = {k: repr(v) for k, v in fixed.items()}
    data_hash = hashlib.sha256(np.ascontiguousarray(X).tobytes() + np.ascontiguousarray(y).tobytes()).hexdigest()[:16]
    tasks = [{"params": p, "fold": f, "n_splits": cv, "seed": seed, "scoring": scoring} for p in combos
             for f in range(cv)]
    # the definition names the estimator, its fixed parameters and the data, not the arrays
    name = (f"{__name__}.cross_validate_path[{type(base).__module__}.{type(base).__qualname__}, "
            f"{_canonical(fixed)}, data {data_hash}]")
    fn = _Named(functools.partial(_cv_task, base, X, y), name)
    results = run_sweep(fn, tasks, store, scheduler=scheduler, n_jobs=n_jobs, progress=progress,
                        callback=callback, desc="cross-validation")
    scores = np.array([r["score"] for r in results]).reshape(len(combos), cv)
    mean = scores.mean(axis=1)
    best = int(np.argmax(mean))
    return {"params": combos, "mean_test_score": mean, "std_test_score": scores.std(axis=1), "scores": scores,
            "best_params": combos[best], "best_index": best}


class _Named:
    """A callable with an explicit sweep-definition name, around a partial holding data."""

    def __init__(self, fn, name):
        self.fn, self.name = fn, name

    def __call__(self, **task):
        return self.fn(**task)
