"""The HTML report written by ``ridgekit demo``: sections of figures and checks.

A *section* is a function ``section(out_dir, *, quick, show_progress) -> Section`` that computes its
experiments, saves its figures as PNG files in ``out_dir`` and returns them with a table
of checks (:mod:`ridgekit.checks`), a table of numbers reported without a claim, and extra
tables.  A section that cannot run in this installation raises
:class:`~ridgekit.checks.SectionSkipped`; the report then lists it with the reason and the
install command, and the summary counts it.  The sections of the demo are listed, in
order, by :func:`ridgekit.sections.all_sections`.  :func:`build_report` runs the sections,
writes ``out_dir/index.html`` (self-contained apart from the PNG files beside it) and
returns the :class:`Report`, so that tests can assert on every check.

Each check states its oracle and a criterion fixed before the value was computed (a
tolerance, a z-score threshold, a confidence interval that must cover, a bound); NaN
never passes (see :mod:`ridgekit.checks`).
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from . import progress as _progress
from .checks import Check, Reported, Section, SectionSkipped, format_number
from .progress import progress, timed

__all__ = ["Check", "Reported", "Section", "SectionSkipped", "Report", "build_report", "progress", "timed",
           "ridgekit_version", "summary_line", "render_html"]


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
    def skipped(self) -> list:
        """The sections that could not run (each has ``skipped.reason``, ``.install``)."""
        return [s for s in self.sections if s.skipped is not None]

    @property
    def passed(self) -> bool:
        """True when every check passed (skipped sections do not count as failures)."""
        return all(c.passed for c in self.checks)


def summary_line(report: Report) -> str:
    """E.g. ``"62 passed, 0 failed, 1 section skipped: needs torch"``."""
    n_ok = sum(c.passed for c in report.checks)
    text = f"{n_ok} passed, {len(report.checks) - n_ok} failed"
    sk = report.skipped
    if sk:
        reasons = "; ".join(f"{s.title}: {s.skipped.reason}" for s in sk)
        text += f", {len(sk)} section{'s' if len(sk) > 1 else ''} skipped ({reasons})"
    return text


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


# ------------------------------------------------------------------------ formatting
def _fmt(v) -> str:
    return html.escape(format_number(v))


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 80em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; vertical-align: top; }
th { background: #f3f3f3; } td.name, td.note, td.crit { text-align: left; }
td.note { color: #555; font-size: 0.9em; }
tr.fail td { background: #fde2e2; } td.pass { color: #0a6b0a; font-weight: bold; }
td.failmark { color: #a00; font-weight: bold; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #444; font-size: 0.9em; }
.meta { color: #555; } .summary { font-size: 1.1em; }
.skipped { background: #fff6d6; border: 1px solid #e6c200; padding: 0.5em 1em; }
"""

#: what the "value" and "discrepancy" columns hold, per kind of check
_KIND_TEXT = {"tolerance": ("value", "error"), "interval": ("estimate; CI", "distance of ref from CI"),
              "zscore": ("z (estimate)", "|z|"), "bound": ("value", "value − bound")}


def _value_cell(c: Check) -> str:
    if c.kind == "interval":
        est = "" if c.estimate is None else f"{_fmt(c.estimate)}; "
        return f"{est}CI {_fmt(c.value)}"
    if c.kind == "zscore":
        est = "" if c.estimate is None else f" ({_fmt(c.estimate)})"
        return f"z = {_fmt(c.value)}{est}"
    return _fmt(c.value)


def _checks_table(checks) -> str:
    head = ("<tr><th>check</th><th>kind</th><th>value</th><th>reference (oracle)</th>"
            "<th>discrepancy</th><th>criterion (fixed in advance)</th><th>verdict</th>"
            "<th>time (s)</th><th>why this criterion; note</th></tr>")
    rows = []
    for c in checks:
        ok = c.passed
        disc_label = _KIND_TEXT[c.kind][1]
        oracle = f"<br><span class=\"note\">{html.escape(c.oracle)}</span>" if c.oracle else ""
        why = html.escape(c.reason) + (f"; {html.escape(c.note)}" if c.note else "")
        rows.append(
            f"<tr class=\"{'pass' if ok else 'fail'}\"><td class=\"name\">{html.escape(c.name)}</td>"
            f"<td class=\"crit\">{html.escape(c.kind)}</td>"
            f"<td>{_value_cell(c)}</td><td>{_fmt(c.reference)}{oracle}</td>"
            f"<td title=\"{html.escape(disc_label)}\">{html.escape(disc_label)}: {_fmt(c.discrepancy)}</td>"
            f"<td class=\"crit\">{html.escape(c.criterion)}</td>"
            f"<td class=\"{'pass' if ok else 'failmark'}\">{'pass' if ok else 'FAIL'}</td>"
            f"<td>{c.time:.3f}</td><td class=\"note\">{why}</td></tr>")
    return "<table class=\"checks\">" + head + "".join(rows) + "</table>"


def _reported_table(rows) -> str:
    head = "<tr><th>quantity</th><th>value</th><th>for comparison</th><th>note</th></tr>"
    body = "".join(
        f"<tr><td class=\"name\">{html.escape(r.name)}</td><td>{_fmt(r.value)}</td>"
        f"<td>{_fmt(r.reference)}</td><td class=\"note\">{html.escape(r.note)}</td></tr>" for r in rows)
    return ("<h3>Reported (no pass/fail claim)</h3><table class=\"reported\">" + head + body + "</table>")


def _extra_table(title, header, rows) -> str:
    h = "".join(f"<th>{html.escape(str(x))}</th>" for x in header)
    body = "".join("<tr>" + "".join(
        f"<td class=\"name\">{html.escape(str(v))}</td>" if i == 0 else f"<td>{_fmt(v)}</td>"
        for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<h3>{html.escape(title)}</h3><table><tr>{h}</tr>{body}</table>"


def render_html(report: Report) -> str:
    """The report as one HTML document (CSS inline, figures referenced by file name)."""
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>ridgekit report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>ridgekit report</h1>",
        f"<p class=\"meta\">Date: {html.escape(report.date)}<br>ridgekit version: "
        f"{html.escape(report.version)}<br>Machine: {html.escape(report.machine)}<br>"
        f"Total time: {report.total_time:.1f} s</p>",
        f"<p class=\"summary\">{html.escape(summary_line(report))}.</p>",
    ]
    for sec in report.sections:
        parts.append(f"<h2>{html.escape(sec.title)}</h2>")
        if sec.skipped is not None:
            parts.append(f"<p class=\"skipped\">Section skipped: {html.escape(sec.skipped.reason)}. "
                         f"To run it: <code>{html.escape(sec.skipped.install)}</code></p>")
            continue
        if sec.intro:
            parts.append(f"<p>{html.escape(sec.intro)}</p>")
        parts.append(f"<p class=\"meta\">Section time: {sec.time:.1f} s</p>")
        for path, caption in sec.figures:
            name = html.escape(Path(path).name)
            parts.append(f"<figure><img src=\"{name}\" alt=\"{html.escape(caption)}\">"
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        parts.append("<h3>Checks</h3>" + _checks_table(sec.checks))
        if sec.reported:
            parts.append(_reported_table(sec.reported))
        for title, header, rows in sec.tables:
            parts.append(_extra_table(title, header, rows))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _section_title(func) -> str:
    return getattr(func, "title", None) or func.__name__.replace("_", " ")


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
        Default :func:`ridgekit.sections.all_sections`.
    show_progress : bool
        Progress lines on stderr: the section being run, what it is doing, each check's
        verdict as it is made (see :mod:`ridgekit.progress`).

    Returns
    -------
    Report
        With every section's checks (``report.checks``, ``report.passed``) and the skipped
        sections (``report.skipped``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if sections is None:
        from .sections import all_sections

        sections = all_sections()
    start = time.perf_counter()
    results = []
    with _progress.activate(show_progress):
        for i, func in enumerate(sections):
            title = _section_title(func)
            _progress.set_prefix("")
            _progress.status(f"section {i + 1}/{len(sections)}: {title}")
            _progress.set_prefix(title)
            t0 = time.perf_counter()
            try:
                sec = func(out, quick=quick, show_progress=show_progress)
            except SectionSkipped as exc:
                sec = Section(title=title, skipped=exc)
                _progress.status(f"skipped: {exc}")
            sec.time = time.perf_counter() - t0
            n_ok = sum(c.passed for c in sec.checks)
            if sec.skipped is None:
                _progress.status(f"done in {sec.time:.1f} s: {n_ok} of {len(sec.checks)} checks passed")
            results.append(sec)
        _progress.set_prefix("")
    report = Report(path=out / "index.html", sections=results,
                    total_time=time.perf_counter() - start,
                    date=_dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
                    machine=machine_description(), version=ridgekit_version())
    report.path.write_text(render_html(report), encoding="utf-8")
    return report
