r"""
Noise-level-aware minimax rates
===============================

DeVore, Nowak, Parhi, Petrova & Siegel (arXiv 2502.17671) reconcile minimax estimation and
optimal recovery: for :math:`m` noisy point samples (noise variance :math:`\sigma^2`) of a
function in a Besov ball :math:`B^s_{p}` on a domain of dimension :math:`d`, the error in
:math:`L_q` behaves like

.. math::

   m^{-s/d + (1/p - 1/q)_+} + \min\{1, (\sigma^2/m)^{s/(2s+d)}\},

which tends to the optimal recovery rate as :math:`\sigma \to 0` (rate from a secondary
summary; see :doc:`/theory/nla`).  The reproduction runs a hard-thresholding wavelet
estimator on equispaced samples at several noise levels and compares the fitted error
exponents with the two terms, seed by seed, as confidence intervals.
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
# Run the reproduction at its quick size (``ridgekit reproduce nla --quick``).
show(load("nla")(Path(tempfile.mkdtemp()), quick=True))
