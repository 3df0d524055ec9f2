"""The sections of the ``ridgekit demo`` report, in the order they appear.

Each entry is a function ``section(out_dir, *, quick, show_progress) ->
ridgekit.checks.Section`` (see :mod:`ridgekit.report`).  The transform core has its own
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


def all_sections(only=None) -> list:
    """The core sections followed by every gallery entry of the demo (entries missing an
    optional dependency are skipped sections).

    ``only``: a list of names (``"transforms"`` or gallery names such as ``"splines"``)
    to keep, in the order of the demo; ValueError for an unknown name.
    """
    secs = SECTIONS + demo_sections()
    if only is None:
        return secs
    names = {"transforms": transforms.section}
    names.update({f.__name__.removeprefix("gallery_").replace("_", "-"): f for f in secs[len(SECTIONS):]})
    unknown = [n for n in only if n not in names]
    if unknown:
        raise ValueError(f"unknown section {', '.join(map(repr, unknown))}; choose from {', '.join(names)}")
    keep = {id(names[n]) for n in only}
    return [f for f in secs if id(f) in keep]
