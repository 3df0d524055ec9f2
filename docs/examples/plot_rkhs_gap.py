r"""
Gaussian R-norms and the Gaussian-RKHS gap
==========================================

The Radon-domain total variation (R-norm) of the Gaussian :math:`e^{-|x|^2/2}` is known in
closed form in every dimension (for odd :math:`d` as a finite sum over the zeros of
Hermite polynomials); the grid computation — Radon transform of
:math:`(-\Delta)^{(d+1)/2} f` — is compared with it for :math:`d = 1, \dots, 5`.

On all of :math:`\mathbb R^d` some functions of the Gaussian RKHS have infinite R-norm
(Kumar, Parhi & Belkin, arXiv 2502.16331).  The construction here (ours, since the
paper's could not be read): :math:`f_N = \sum_{j\le N} j^{-1} k(\cdot - x_j)` with
well-separated centres has RKHS norm below a fixed bound while its R-norm is
:math:`H_N \|k\|_{\mathcal R}`, growing like :math:`\log N`.  See :doc:`/theory/rnorm`.
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
# Run the reproduction at its quick size (``ridgekit reproduce rkhs-gap --quick``).
show(load("rkhs-gap")(Path(tempfile.mkdtemp()), quick=True))
