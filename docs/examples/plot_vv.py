r"""
Vector-valued variation spaces and the multi-task lasso
=======================================================

Shenouda, Parhi, Lee & Nowak (arXiv 2305.16534) show that weight decay on multi-output
ReLU networks is, after the AM–GM rescaling
:math:`\min_t \tfrac12(\|v\|^2/t^2 + t^2\|w\|^2) = \|v\|\,\|w\|`, the group
norm :math:`\sum_k \|v_k\|_2\|w_k\|_2`, and that fitting data in the resulting space is a
multi-task lasso over a ReLU dictionary, with solutions of bounded width.  The
reproduction fits vector-valued ridge splines with a certified duality gap, compresses a
layer by the multi-task lasso, and records the widths reached against the rank bound.
See :doc:`/theory/vv`.
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
# Run the reproduction at its quick size (``ridgekit reproduce vv --quick``).
show(load("vv")(Path(tempfile.mkdtemp()), quick=True))
