"""Progress lines for long commands (``ridgekit demo``, ``reproduce``, ``verify``, ``fit``).

Nothing is printed unless a caller switched progress on with :func:`activate` (the command
line does; library calls and tests stay silent).  Inside an active block

* :func:`status` prints one line saying what is being done now;
* :func:`progress` wraps an iterable: a tqdm bar when stderr is a terminal, one plain line
  per item otherwise (logs and pipes get lines, not carriage returns);
* every check made through :mod:`ridgekit.checks` prints its verdict as it is made.

Lines go to stderr, prefixed by ``ridgekit:``.  With the environment variable
``RIDGEKIT_PROGRESS_STAMP=1`` each line starts with ``[wall=… cpu=…]``: the seconds since
:func:`activate` and the CPU seconds of the calling thread (used by the test that checks
that the demo never goes quiet for long).

Examples
--------
>>> from ridgekit.progress import activate, status
>>> status("nothing is printed outside an active block")
>>> import io
>>> buf = io.StringIO()
>>> with activate(stream=buf, prefix="demo"):
...     status("fitting")
>>> buf.getvalue().strip()
'ridgekit: demo: fitting'
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

__all__ = ["activate", "active", "status", "progress", "timed", "set_prefix"]

_STATE = {"on": False, "stream": None, "prefix": "", "t0": 0.0, "stamp": False, "tty": False}


@contextlib.contextmanager
def activate(enabled: bool = True, *, stream=None, prefix: str = ""):
    """Switch progress output on (``enabled``) for the duration of the block.

    Parameters
    ----------
    enabled : bool
        False leaves progress off (``--quiet``).
    stream : file, optional
        Default ``sys.stderr``.
    prefix : str
        Shown after ``ridgekit:`` on each line (e.g. the section being run).
    """
    old = dict(_STATE)
    stream = sys.stderr if stream is None else stream
    _STATE.update(on=bool(enabled), stream=stream, prefix=prefix,
                  t0=old["t0"] if old["on"] else time.perf_counter(),
                  stamp=os.environ.get("RIDGEKIT_PROGRESS_STAMP", "") not in ("", "0"),
                  tty=bool(getattr(stream, "isatty", lambda: False)()))
    try:
        yield
    finally:
        _STATE.clear()
        _STATE.update(old)


def active() -> bool:
    """Whether progress lines are printed now."""
    return bool(_STATE["on"])


def set_prefix(prefix: str) -> None:
    """Change the prefix of the following lines (inside an active block)."""
    if _STATE["on"]:
        _STATE["prefix"] = prefix


def _line(message: str) -> str:
    head = "ridgekit: " + (f"{_STATE['prefix']}: " if _STATE["prefix"] else "")
    if _STATE["stamp"]:
        head = f"[wall={time.perf_counter() - _STATE['t0']:.2f} cpu={time.thread_time():.2f}] " + head
    return head + message


def status(message: str) -> None:
    """Print ``message`` as one progress line (only inside an active block)."""
    if not _STATE["on"]:
        return
    print(_line(message), file=_STATE["stream"], flush=True)


def progress(iterable, *, desc: str, total: int | None = None, enable: bool = True):
    """``iterable`` with progress: tqdm on a terminal, a line per item otherwise.

    Prints nothing when ``enable`` is false or progress is not active.
    """
    if not (enable and _STATE["on"]):
        return iterable
    if total is None:
        try:
            total = len(iterable)
        except TypeError:
            total = None
    if _STATE["tty"] and not _STATE["stamp"]:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            return tqdm(iterable, desc=desc, total=total, file=_STATE["stream"], leave=False,
                        dynamic_ncols=True)
    return _plain(iterable, desc, total)


def _plain(iterable, desc, total):
    of = f"/{total}" if total else ""
    for i, item in enumerate(iterable):
        status(f"{desc}: {i + 1}{of}")
        yield item
    status(f"{desc}: done")


class timed:
    """Context manager measuring wall time: ``with timed() as tm: ...; tm.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False
