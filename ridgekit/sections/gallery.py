"""Report sections made from the paper reproductions of :mod:`ridgekit.gallery`."""

from __future__ import annotations

import inspect
from pathlib import Path

from ..checks import Check, Reported, Section, SectionSkipped
from ..gallery import GALLERY, install_command, load, missing

__all__ = ["gallery_section", "as_section", "demo_sections"]


def as_section(result: dict) -> Section:
    """Convert a gallery ``run`` result (a dict) into a report :class:`Section`.

    ``result["checks"]`` must hold :class:`ridgekit.checks.Check` objects (a :class:`Reported`
    number found there is moved to the reported table); anything else is a TypeError.
    """
    checks, reported = [], list(result.get("reported", []))
    for row in result.get("checks", []):
        if isinstance(row, Check):
            checks.append(row)
        elif isinstance(row, Reported):
            reported.append(row)
        else:
            raise TypeError(f"gallery checks must be made with ridgekit.checks (tolerance_check, interval_check, "
                            f"zscore_check, bound_check) or reported(); got {type(row).__name__}: {row!r:.80}")
    for r in reported:
        if not isinstance(r, Reported):
            raise TypeError(f"reported numbers must be made with ridgekit.checks.reported(), got {r!r:.80}")
    figures = []
    for fig in result.get("figures", []):
        path, caption = (fig if isinstance(fig, (tuple, list)) else (fig, Path(fig).stem.replace("_", " ")))
        figures.append((str(path), str(caption)))
    tables = []
    for tab in result.get("tables", []):
        if isinstance(tab, dict):
            tables.append((tab.get("title", ""), tab.get("header", []), tab.get("rows", [])))
        else:
            tables.append(tuple(tab))
    return Section(title=result.get("title", ""), checks=checks, figures=figures, tables=tables,
                   intro=result.get("intro", ""), reported=reported)


def gallery_section(name: str, *, always_quick: bool = False, **options):
    """A section function ``(out_dir, *, quick, show_progress) -> Section`` running the
    reproduction ``name`` (keyword ``options`` are passed to its ``run`` when it takes them;
    ``always_quick`` runs the quick size whatever the report asks).  When the entry's
    optional dependencies are missing the section raises :class:`SectionSkipped` with the
    install command."""

    def section(out_dir, *, quick=True, show_progress=False):
        lacking = missing(name)
        if lacking:
            raise SectionSkipped(f"needs {', '.join(lacking)}", install_command(lacking))
        quick = quick or always_quick
        run = load(name)
        params = inspect.signature(run).parameters
        kw = {k: v for k, v in options.items() if k in params}
        if "show_progress" in params:
            kw["show_progress"] = show_progress
        return as_section(run(Path(out_dir), quick=quick, **kw))

    section.__name__ = f"gallery_{name.replace('-', '_')}"
    section.title = f"{name} (arXiv {GALLERY[name][1]})" if GALLERY[name][1][:1].isdigit() else name
    return section


def demo_sections() -> list:
    """Section functions of the gallery entries shown in ``ridgekit demo`` (quick size);
    an entry whose optional dependencies are missing becomes a skipped section (listed in
    the report with the install command)."""
    return [gallery_section(name, always_quick=True) for name in GALLERY if GALLERY[name][2]]
