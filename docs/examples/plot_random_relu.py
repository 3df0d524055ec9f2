r"""
Random ReLU networks as non-Gaussian processes
==============================================

A random ReLU network whose activation thresholds form a Poisson process with rate
:math:`\lambda` (arXiv 2405.10229) is, after the affine corrections that pin
:math:`s(0) = 0` and :math:`\nabla s(0) = 0`, a sum of neurons
:math:`r_{w,b}(x) = \mathrm{ReLU}(\operatorname{sgn}(b)\,w^\top x - |b|)`.  Campbell's
formula gives its autocovariance in closed form,

.. math::

   \mathbb E[s(x)s(y)] = \lambda\,\mathbb E[V^2]\,C_3(d)\Big[
   \frac{\|x-y\|^3 - \|x\|^3 - \|y\|^3}{12} + \frac{x^\top y\,(\|x\|+\|y\|)}{4}\Big],

so the process is self-similar in the wide sense with Hurst exponent :math:`H = 3/2`, and
Gaussian or :math:`\alpha`-stable in the wide limit depending on the law of the weights.
The reproduction samples exact realisations on a ball, compares empirical covariances
and the void probability :math:`P(s(x) = 0) = e^{-\lambda C_1(d)\|x\|}` with these
formulas, and fits the Hurst exponent.  Derivations: :doc:`/theory/random_relu`.
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
# Run the reproduction at its quick size (``ridgekit reproduce random-relu --quick``).
show(load("random-relu")(Path(tempfile.mkdtemp()), quick=True))
