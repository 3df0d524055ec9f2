"""The sections of the ``ridgekit demo`` report, in the order they appear.

Each entry is a function ``section(out_dir, *, quick, show_progress) ->
ridgekit.report.Section`` (see :mod:`ridgekit.report`).  The transform core has its own
module; the papers' reproductions (:mod:`ridgekit.gallery`) are added through
:func:`ridgekit.sections.gallery.demo_sections`, always at their quick size.
"""

from . import transforms
from .gallery import demo_sections

__all__ = ["SECTIONS", "all_sections"]

#: Section functions of the transform core, run first by ``ridgekit demo``.
SECTIONS = [
    transforms.section,
]


def all_sections() -> list:
    """The core sections followed by every available gallery entry."""
    return SECTIONS + demo_sections()
