r"""
Weighted variation and greedy approximation
===========================================

DeVore, Nowak, Parhi & Siegel (arXiv 2307.15772) define model classes for shallow ReLU
networks on a bounded domain by a weighted variation

.. math::

   |f|_{V_g} = \inf\Big\{\int g\,d|\mu| : f = \int [u^\top x - t]_+\,d\mu(u, t)
   + \text{affine}\Big\},

larger than the classical classes yet approximable at the same rates.  The reproduction
runs the orthogonal greedy algorithm with an :math:`L^2`-normalised ReLU dictionary on the
ball and the cube, for a target with a boundary singularity that has infinite classical
variation but finite weighted variation, and compares the error with the
:math:`(n+1)^{-1/2}` bound.  See :doc:`/theory/weighted_variation`.
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
# Run the reproduction at its quick size (``ridgekit reproduce weighted-variation --quick``).
show(load("weighted-variation")(Path(tempfile.mkdtemp()), quick=True))
