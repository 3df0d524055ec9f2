r"""
Representer theorems: exact sparsest splines
============================================

Minimising :math:`\tfrac12\sum_i (f(x_i) - y_i)^2 + \lambda\,\mathrm{TV}(f'')` over all
functions is a finite generalised lasso on the values :math:`u_i = f(x_i)`,

.. math::

   \min_u \tfrac12\|u - y\|^2 + \lambda\|Lu\|_1,

with :math:`L` the slope-change operator; its solutions are linear splines, i.e. shallow
ReLU networks with at most :math:`N - 2` neurons, and in :math:`d` dimensions the
Radon-domain total variation plays the same role.  The reproduction fits univariate data
exactly (certified by the KKT conditions) against an independent convex solver and fits a
bivariate ridge spline with an exact dual certificate.  See :doc:`/theory/representer` and
:doc:`/theory/solvers`.
"""

# %%

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from ridgekit.gallery import load


def field(row, key, default=None):
    return row.get(key, default) if isinstance(row, dict) else getattr(row, key, default)


def show(result):
    """Print the table of checks, then show the figures the reproduction wrote."""
    print(result["title"])
    for row in result["checks"]:
        passed = field(row, "passed")
        verdict = "reported" if passed is None else "pass" if passed else "FAIL"
        print(f"[{verdict}] {field(row, 'name')}: {field(row, 'value')!s:.12} "
              f"vs {field(row, 'reference')!s:.12}")
    for row in result.get("reported", []) or []:
        print(f"[reported] {field(row, 'name')}: {field(row, 'value')}")
    for figure in result["figures"]:
        # a figure is a PNG path, or (path, caption) with what to look for
        png, caption = (figure, "") if isinstance(figure, (str, Path)) else (figure[0], figure[1])
        if caption:
            print(caption)
        image = plt.imread(png)
        fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100)
        ax.imshow(image)
        ax.set_axis_off()
        fig.subplots_adjust(0, 0, 1, 1)


# %%
# Run the reproduction at its quick size (``ridgekit reproduce splines --quick``).
show(load("splines")(Path(tempfile.mkdtemp()), quick=True))
