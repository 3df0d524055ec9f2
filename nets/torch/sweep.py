"""Resumable parameter sweeps: independent tasks through joblib or a Dask scheduler.

A sweep is a function ``fn(**task) -> dict`` and a list of tasks (dicts of JSON values:
seeds, dimensions, sample sizes, step sizes).  Each result is written, as soon as its
task finishes, to ``out_dir/<key>.json`` where ``key`` is a hash of the task; a rerun
skips tasks whose file exists, so an interrupted sweep resumes where it stopped.
Locally the tasks run through joblib (``n_jobs``); with ``scheduler="tcp://host:port"``
they are submitted to an existing Dask cluster (``dask.distributed``, imported only
then).  Nothing here starts a cluster (DESIGN.md, "Beyond one machine").
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from ridgekit._validation import check_int

__all__ = ["task_key", "run_sweep", "load_results"]


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"sweep tasks and results must be JSON values (numbers, strings, lists, dicts, "
                    f"numpy arrays), got {type(obj).__name__}")


def task_key(task: dict) -> str:
    """A stable 16-hex-digit key of a task (SHA-256 of its canonical JSON).

    Examples
    --------
    >>> task_key({"d": 2, "seed": 0}) == task_key({"seed": 0, "d": 2})
    True
    >>> len(task_key({"d": 2}))
    16
    """
    if not isinstance(task, dict):
        raise TypeError(f"a task must be a dict, got {type(task).__name__}")
    text = json.dumps(_jsonable(task), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _write_atomic(path: Path, payload: dict):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _run_one(fn, task, path):
    """Run one task and save its result (in the worker, so a finished task is never lost)."""
    result = _jsonable(fn(**task))
    _write_atomic(Path(path), {"task": _jsonable(task), "result": result})
    return result


def load_results(out_dir, tasks):
    """The saved results of ``tasks`` (None where a task has no result yet)."""
    out_dir = Path(out_dir)
    out = []
    for task in tasks:
        p = out_dir / f"{task_key(task)}.json"
        if p.exists():
            with open(p, encoding="utf-8") as fh:
                out.append(json.load(fh)["result"])
        else:
            out.append(None)
    return out


def _progress(iterable, total, desc, enable):
    if not enable:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        def plain():
            for i, item in enumerate(iterable):
                print(f"{desc}: {i + 1}/{total}", file=sys.stderr, flush=True)
                yield item
        return plain()
    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)


def run_sweep(fn, tasks, out_dir, *, n_jobs: int = 1, scheduler=None, progress: bool = True,
              desc: str = "sweep"):
    """Run ``fn(**task)`` for every task not yet saved in ``out_dir``; return all results.

    Parameters
    ----------
    fn : callable
        A module-level (picklable) function returning a dict of JSON values (numpy arrays
        and scalars are converted).
    tasks : list of dict
        Keyword arguments of ``fn``; JSON values only (they are hashed into file names).
    out_dir : path
        Directory of results (created); ``<task_key(task)>.json`` holds
        ``{"task": ..., "result": ...}``, written atomically by the worker when the task
        finishes.
    n_jobs : int
        joblib workers (1: run in this process, in order; no joblib needed).
    scheduler : str or None
        Address of a running Dask scheduler; then tasks are submitted there
        (``dask.distributed.Client(scheduler)``) and ``n_jobs`` is ignored.
    progress : bool
        Show a progress bar (tqdm if installed, else a line per task on stderr).

    Returns
    -------
    list of dict
        Results in the order of ``tasks`` (loaded from ``out_dir`` for finished tasks).

    Examples
    --------
    >>> import tempfile
    >>> def square(x):
    ...     return {"y": x * x}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = run_sweep(square, [{"x": 2}, {"x": 3}], tmp, progress=False)
    ...     again = run_sweep(None, [{"x": 2}, {"x": 3}], tmp, progress=False)   # all cached
    >>> first, first == again
    ([{'y': 4}, {'y': 9}], True)
    """
    tasks = list(tasks)
    n_jobs = check_int(n_jobs, "n_jobs", minimum=-1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = [task_key(t) for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("tasks must be distinct (two tasks have the same key)")
    todo = [(t, out_dir / f"{k}.json") for t, k in zip(tasks, keys) if not (out_dir / f"{k}.json").exists()]
    if todo and not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if todo:
        if scheduler is not None:
            try:
                from dask.distributed import Client, as_completed
            except ImportError as exc:
                raise ImportError("scheduler= needs dask.distributed: pip install 'ridgekit[dask]'") from exc
            with Client(scheduler) as client:
                futures = [client.submit(_run_one, fn, t, str(p), pure=False) for t, p in todo]
                for fut in _progress(as_completed(futures), len(futures), desc, progress):
                    fut.result()
        elif n_jobs == 1:
            for t, p in _progress(todo, len(todo), desc, progress):
                _run_one(fn, t, p)
        else:
            from joblib import Parallel, delayed

            gen = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_run_one)(fn, t, str(p)) for t, p in todo)
            for _ in _progress(gen, len(todo), desc, progress):
                pass
    return load_results(out_dir, tasks)
