"""Report sections made from the paper reproductions of :mod:`ridgekit.gallery`."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

from ..gallery import GALLERY, available, load, missing
from ..report import Check, Section

__all__ = ["gallery_section", "as_section", "demo_sections"]


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def as_section(result: dict) -> Section:
    """Convert a gallery ``run`` result (a dict) into a report :class:`Section`."""
    checks = []
    for row in result.get("checks", []):
        checks.append(Check(name=str(row["name"]), value=row.get("value"), reference=row.get("reference"),
                            error=_num(row.get("error")), tolerance=_num(row.get("tolerance")),
                            time=_num(row.get("time", 0.0)), note=str(row.get("note", "")),
                            verdict=row.get("passed")))
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
                   intro=result.get("intro", ""))


def gallery_section(name: str, *, always_quick: bool = False, **options):
    """A section function ``(out_dir, *, quick, show_progress) -> Section`` running the
    reproduction ``name`` (keyword ``options`` are passed to its ``run`` when it takes them;
    ``always_quick`` runs the quick size whatever the report asks)."""

    def section(out_dir, *, quick=True, show_progress=False):
        quick = quick or always_quick
        run = load(name)
        params = inspect.signature(run).parameters
        kw = {k: v for k, v in options.items() if k in params}
        if "show_progress" in params:
            kw["show_progress"] = show_progress
        return as_section(run(Path(out_dir), quick=quick, **kw))

    section.__name__ = f"gallery_{name.replace('-', '_')}"
    return section


def demo_sections() -> list:
    """Section functions of the gallery entries shown in ``ridgekit demo`` (quick size);
    entries whose optional dependencies are missing are reported on stderr and skipped."""
    import sys

    for name in GALLERY:
        if GALLERY[name][2] and missing(name):
            print(f"ridgekit demo: skipping {name!r}: needs {', '.join(missing(name))}", file=sys.stderr)
    return [gallery_section(name, always_quick=True) for name in available() if GALLERY[name][2]]
