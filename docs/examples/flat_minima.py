r"""
Stable minima and neural shattering
===================================

Liang, Qiao, Wang & Parhi (arXiv 2506.20779) show that minima that gradient descent with
step :math:`\eta` can stay at (linearly stable: :math:`\lambda_{\max}(\nabla^2 L)\le 2/\eta`)
have bounded weighted variation,

.. math::

   |f_\theta|_{V_g} \le \frac{\lambda_{\max}(\nabla^2 L(\theta))}{2} - \frac12
   + (R + 1)\sqrt{2L(\theta)},

with a weight :math:`g` that vanishes like :math:`(1-|t|)^{d+2}` at the boundary of the ball,
and that this costs rates exponential in the dimension: large steps produce *neural
shattering* (neurons active on few points, with large weights).  The reproduction trains
two-layer networks by full-batch gradient descent in torch (CPU) at a small size, measures
:math:`\lambda_{\max}` by Lanczos iterations, checks the bound, and shows activation
fractions against weight norms.  See :doc:`/theory/flat_minima`.

This example is not executed when the documentation is built: its quick run trains many
networks (over three minutes of CPU time on two cores); run it, or
``ridgekit reproduce flat-minima --quick``, to see the tables and figures.
"""

# %%

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from ridgekit.gallery import load, missing


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
# Run the reproduction at its quick size (``ridgekit reproduce flat-minima --quick``); it needs
# torch, and says so when torch is not installed.
if missing("flat-minima"):
    print("this reproduction needs", ", ".join(missing("flat-minima")), "which is not installed")
else:
    show(load("flat-minima")(Path(tempfile.mkdtemp()), quick=True))
