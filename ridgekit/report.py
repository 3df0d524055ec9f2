"""The HTML report written by ``ridgekit demo``: sections of figures and checks.

A *section* is a function ``section(out_dir, *, quick, show_progress) -> Section`` that computes its
experiments, saves its figures as PNG files in ``out_dir`` and returns them with a table
of :class:`Check` rows.  The sections of the demo are listed, in order, in
:data:`ridgekit.sections.SECTIONS`; a later paper adds its section there.
:func:`build_report` runs the sections, writes ``out_dir/index.html`` (self-contained
apart from the PNG files beside it) and returns the :class:`Report`, so that tests can
assert on every check.

Each check compares a computed ``value`` with a ``reference`` (closed form, anchor
library, exact identity): ``error`` is the discrepancy the section defines (relative
unless the name says otherwise) and ``passed`` is ``error <= tolerance``.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Check", "Section", "Report", "build_report", "progress", "timed", "ridgekit_version"]


@dataclass
class Check:
    """One row of a section's table of checks.

    Attributes
    ----------
    name : str
        What is compared.
    value, reference : float or str
        The computed number and what it is compared with (a number, or a short text such
        as ``"exact identity"``).
    error : float
        The discrepancy (as defined by the section; non-negative).
    tolerance : float
        The largest accepted error.
    time : float
        Seconds spent computing the row.
    note : str
        Optional remark (method, source of the reference, why the tolerance).
    verdict : bool, optional
        Explicit pass/fail given by the section instead of ``error <= tolerance``.
    """

    name: str
    value: object
    reference: object
    error: float
    tolerance: float
    time: float = 0.0
    note: str = ""
    verdict: bool | None = None

    @property
    def passed(self) -> bool:
        """``error <= tolerance`` (a NaN error fails), unless the section gave an explicit
        ``verdict`` (e.g. a confidence-interval check, or a row reported only)."""
        if self.verdict is not None:
            return bool(self.verdict)
        return bool(self.error <= self.tolerance)


@dataclass
class Section:
    """What a section function returns.

    Attributes
    ----------
    title : str
    checks : list of Check
    figures : list of (path, caption)
        PNG files written into the output directory.
    tables : list of (title, header, rows)
        Extra tables (timings, sizes), rows of plain values.
    intro : str
        One paragraph of plain text shown under the title.
    time : float
        Wall time of the whole section (filled in by :func:`build_report`).
    """

    title: str
    checks: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    intro: str = ""
    time: float = 0.0


@dataclass
class Report:
    """The result of :func:`build_report`."""

    path: Path
    sections: list
    total_time: float
    date: str
    machine: str
    version: str

    @property
    def checks(self) -> list:
        """All checks of all sections, in order."""
        return [c for s in self.sections for c in s.checks]

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)


def ridgekit_version() -> str:
    """The installed distribution's version, or ``"unknown"``."""
    from importlib import metadata

    try:
        return metadata.version("ridgekit")
    except metadata.PackageNotFoundError:
        return "unknown"


def machine_description() -> str:
    """Platform, processor and the number of CPU cores available to this process."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {platform.release()} ({platform.machine()}), {cpu}, "
            f"{cores} cores available of {os.cpu_count()}, Python {platform.python_version()}")


def progress(iterable, *, desc: str, total: int | None = None, enable: bool = True):
    """Wrap ``iterable`` in a tqdm bar on stderr when tqdm is installed and ``enable``;
    otherwise print one line per item to stderr (or nothing when not ``enable``)."""
    if not enable:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return _plain_progress(iterable, desc)
    return tqdm(iterable, desc=desc, total=total, file=sys.stderr, leave=False,
                dynamic_ncols=True)


def _plain_progress(iterable, desc):
    for i, item in enumerate(iterable):
        print(f"{desc}: step {i + 1}", file=sys.stderr, flush=True)
        yield item


class timed:
    """Context manager measuring wall time: ``with timed() as tm: ...; tm.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False


# ------------------------------------------------------------------------ formatting
def _fmt(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v)
    try:
        x = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v))
    if math.isnan(x):
        return "nan"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    return f"{x:.2e}"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.name, td.note { text-align: left; }
td.note { color: #555; font-size: 0.9em; }
tr.fail td { background: #fde2e2; } td.pass { color: #0a6b0a; font-weight: bold; }
td.failmark { color: #a00; font-weight: bold; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #444; font-size: 0.9em; }
.meta { color: #555; } .summary { font-size: 1.1em; }
"""


def _checks_table(checks) -> str:
    head = ("<tr><th>check</th><th>value</th><th>reference</th><th>error</th>"
            "<th>tolerance</th><th>passed</th><th>time (s)</th><th>note</th></tr>")
    rows = []
    for c in checks:
        ok = c.passed
        rows.append(
            f"<tr class=\"{'pass' if ok else 'fail'}\"><td class=\"name\">{html.escape(c.name)}</td>"
            f"<td>{_fmt(c.value)}</td><td>{_fmt(c.reference)}</td><td>{_fmt(c.error)}</td>"
            f"<td>{_fmt(c.tolerance)}</td>"
            f"<td class=\"{'pass' if ok else 'failmark'}\">{'pass' if ok else 'FAIL'}</td>"
            f"<td>{c.time:.3f}</td><td class=\"note\">{html.escape(c.note)}</td></tr>")
    return "<table>" + head + "".join(rows) + "</table>"


def _extra_table(title, header, rows) -> str:
    h = "".join(f"<th>{html.escape(str(x))}</th>" for x in header)
    body = "".join("<tr>" + "".join(
        f"<td class=\"name\">{html.escape(str(v))}</td>" if i == 0 else f"<td>{_fmt(v)}</td>"
        for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<h3>{html.escape(title)}</h3><table><tr>{h}</tr>{body}</table>"


def render_html(report: Report) -> str:
    """The report as one HTML document (CSS inline, figures referenced by file name)."""
    n = len(report.checks)
    n_ok = sum(c.passed for c in report.checks)
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>ridgekit report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>ridgekit report</h1>",
        f"<p class=\"meta\">Date: {html.escape(report.date)}<br>ridgekit version: "
        f"{html.escape(report.version)}<br>Machine: {html.escape(report.machine)}<br>"
        f"Total time: {report.total_time:.1f} s</p>",
        f"<p class=\"summary\">{n_ok} of {n} checks passed.</p>",
    ]
    for sec in report.sections:
        parts.append(f"<h2>{html.escape(sec.title)}</h2>")
        if sec.intro:
            parts.append(f"<p>{html.escape(sec.intro)}</p>")
        parts.append(f"<p class=\"meta\">Section time: {sec.time:.1f} s</p>")
        for path, caption in sec.figures:
            name = html.escape(Path(path).name)
            parts.append(f"<figure><img src=\"{name}\" alt=\"{html.escape(caption)}\">"
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        parts.append("<h3>Checks</h3>" + _checks_table(sec.checks))
        for title, header, rows in sec.tables:
            parts.append(_extra_table(title, header, rows))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def build_report(out_dir="ridgekit-report", *, quick: bool = False, sections=None,
                 show_progress: bool = True) -> Report:
    """Run the report's sections and write ``out_dir/index.html``.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; figures are written beside ``index.html``.
    quick : bool
        Smaller grids (for tests and a first look); tolerances follow the sizes.
    sections : sequence of callables, optional
        Default :data:`ridgekit.sections.SECTIONS`.
    show_progress : bool
        Progress bars on stderr.

    Returns
    -------
    Report
        With every section's checks (``report.checks``, ``report.passed``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if sections is None:
        from .sections import SECTIONS

        sections = SECTIONS
    start = time.perf_counter()
    results = []
    for func in sections:
        t0 = time.perf_counter()
        sec = func(out, quick=quick, show_progress=show_progress)
        sec.time = time.perf_counter() - t0
        results.append(sec)
    report = Report(path=out / "index.html", sections=results,
                    total_time=time.perf_counter() - start,
                    date=_dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
                    machine=machine_description(), version=ridgekit_version())
    report.path.write_text(render_html(report), encoding="utf-8")
    return report
