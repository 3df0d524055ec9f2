"""ridgekit: the command line, the HTML report and the paper reproductions, on top of the
libraries ``kplane``, ``radon``, ``nets`` and ``splines``.

``ridgekit demo`` writes ``ridgekit-report/index.html`` (:func:`ridgekit.report.build_report`);
``ridgekit radon|iradon`` transform images; ``ridgekit verify`` runs the symbolic checks.
Importing this package imports nothing heavy (numpy, numba and matplotlib load on use).
"""

from .report import ridgekit_version as _ridgekit_version

__all__ = ["__version__"]

#: Version of the installed ridgekit distribution.
__version__ = _ridgekit_version()
