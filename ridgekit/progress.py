"""Progress lines for long commands (``ridgekit demo``, ``reproduce``, ``verify``, ``fit``).

Nothing is printed unless a caller switched progress on with :func:`activate` (the command
line does; library calls and tests stay silent).  Inside an active block

* :func:`status` prints one line saying what is being done now;
* :func:`progress` wraps an iterable: a tqdm bar when stderr is a terminal, one plain line
  per item otherwise (logs and pipes get lines, not carriage returns);
* every check made through :mod:`ridgekit.checks` prints its verdict as it is made;
* a background ticker prints ``… still <last status> (N s)`` when nothing was printed
  for :data:`HEARTBEAT` seconds (a long kernel, a compilation, a wait on workers), so the
  output never goes quiet for long.

Lines go to stderr, prefixed by ``ridgekit:``.  With the environment variable
``RIDGEKIT_PROGRESS_STAMP=1`` each line starts with ``[wall=… cpu=…]``: the seconds since
:func:`activate` and the CPU seconds of the main thread (a load-independent clock, used by
the test that checks that the demo's own progress lines come at least every few seconds of
work); ticker lines are marked ``still``.

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
import threading
import time

__all__ = ["activate", "active", "status", "note", "progress", "timed", "set_prefix", "HEARTBEAT"]

#: seconds without output after which the ticker prints a "still …" line
HEARTBEAT = 3.0

_STATE = {"on": False, "stream": None, "prefix": "", "t0": 0.0, "stamp": False, "tty": False,
          "last": 0.0, "what": "", "since": 0.0}
_LOCK = threading.RLock()


def _main_cpu() -> float:
    """CPU seconds of the main thread (from any thread)."""
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(threading.main_thread().ident))
    except (AttributeError, OSError):  # pragma: no cover - platforms without per-thread clocks
        return time.process_time()


def _ticker(stop: threading.Event):
    while not stop.wait(0.25):
        with _LOCK:
            if not _STATE["on"]:
                continue
            now = time.perf_counter()
            if _STATE["what"] and now - _STATE["last"] >= HEARTBEAT:
                _emit(f"… still {_STATE['what']} ({now - _STATE['since']:.0f} s)")


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
    with _LOCK:
        old = dict(_STATE)
        stream = sys.stderr if stream is None else stream
        now = time.perf_counter()
        _STATE.update(on=bool(enabled), stream=stream, prefix=prefix,
                      t0=old["t0"] if old["on"] else now, last=now, since=now,
                      stamp=os.environ.get("RIDGEKIT_PROGRESS_STAMP", "") not in ("", "0"),
                      tty=bool(getattr(stream, "isatty", lambda: False)()))
    stop, thread = None, None
    if enabled and not old["on"]:
        stop = threading.Event()
        thread = threading.Thread(target=_ticker, args=(stop,), daemon=True, name="ridgekit-progress")
        thread.start()
    try:
        yield
    finally:
        if thread is not None:
            stop.set()
            thread.join()
        with _LOCK:
            _STATE.clear()
            _STATE.update(old)


def active() -> bool:
    """Whether progress lines are printed now."""
    return bool(_STATE["on"])


def set_prefix(prefix: str) -> None:
    """Change the prefix of the following lines (inside an active block)."""
    if _STATE["on"]:
        _STATE["prefix"] = prefix


def _emit(message: str) -> None:
    head = "ridgekit: " + (f"{_STATE['prefix']}: " if _STATE["prefix"] else "")
    if _STATE["stamp"]:
        head = f"[wall={time.perf_counter() - _STATE['t0']:.2f} cpu={_main_cpu():.2f}] " + head
    print(head + message, file=_STATE["stream"], flush=True)
    _STATE["last"] = time.perf_counter()


def note(message: str) -> None:
    """Print one progress line that does not change what the ticker repeats (a check's
    verdict, a reported number)."""
    if not _STATE["on"]:
        return
    with _LOCK:
        _emit(message)


def status(message: str) -> None:
    """Print ``message`` as one progress line (only inside an active block); the ticker
    repeats it as ``… still <message>`` while nothing else is printed."""
    if not _STATE["on"]:
        return
    with _LOCK:
        _emit(message)
        _STATE["what"] = message
        _STATE["since"] = _STATE["last"]


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
