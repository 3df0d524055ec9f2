"""The sections of the ``ridgekit demo`` report, in the order they appear.

Each entry is a function ``section(out_dir, *, quick, show_progress) ->
ridgekit.report.Section`` (see :mod:`ridgekit.report`).  A paper's issue adds its own
module here and appends its function to :data:`SECTIONS`.
"""

from . import transforms

__all__ = ["SECTIONS"]

#: Section functions run by ``ridgekit demo``, in order.
SECTIONS = [
    transforms.section,
]
