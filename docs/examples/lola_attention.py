r"""
LoLA: linear attention with a sparse cache
==========================================

LoLA (McDermott, Heath & Parhi, arXiv 2505.23666) splits the past key-value pairs of an
attention head into three memories: a sliding window of recent pairs and a small cache of
hard-to-memorise pairs, both attended exactly by softmax, and a linear-attention state
:math:`H = \sum_j \phi(k_j) v_j^\top`, :math:`s = \sum_j \phi(k_j)` for everything else.
A pair leaving the window is cached when its self-recall error

.. math::

   \mathrm{SRE}(k, v) = \Big\| \frac{\phi(k)^\top H}{\phi(k)^\top s} - v \Big\|

against the current state is among the largest, i.e. when the state would answer its own
key wrongly because of memory collisions.  The reproduction writes random key-value pairs
into each kind of memory and reads them back, and trains a small transformer for pass-key
retrieval whose attention is then replaced by the linear, hybrid and LoLA variants, at its
quick size on the CPU.  See :doc:`/theory/lola`.

This example is not executed when the documentation is built (its quick run trains
transformers for minutes on two cores); run it, or ``ridgekit reproduce lola --quick``,
to see the tables and figures.
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
# Run the reproduction at its quick size (``ridgekit reproduce lola --quick``); it needs
# torch, and says so when torch is not installed.
if missing("lola"):
    print("this reproduction needs", ", ".join(missing("lola")), "which is not installed")
else:
    show(load("lola")(Path(tempfile.mkdtemp()), quick=True))
