r"""
Lottery tickets from distilled data
===================================

McDermott & Parhi (arXiv 2503.17905) put a distilled data set in the inner loop of
iterative magnitude pruning: each round trains on a few synthetic points, removes the
smallest weights, and rewinds to initialisation.  The tickets it finds match iterative
magnitude pruning with rewinding while training on far fewer points, and they are stable
to SGD noise: two copies trained with different data orders end in one basin, i.e. the
error barrier

.. math::

   \max_{\alpha\in[0,1]} \operatorname{Err}((1-\alpha)\theta_1 + \alpha\theta_2)
   - \tfrac12\big(\operatorname{Err}(\theta_1) + \operatorname{Err}(\theta_2)\big)

is small, even inside an unstable dense initialisation.  The reproduction runs the
pruning loops on a small data set with ReLU MLPs on the CPU (torch) at its quick size, and
shows accuracy against sparsity, instability against the rewind point and the sharpness
of the tickets.  To keep the documentation build short it runs the quick sizes on one of
the two tasks (scikit-learn's digits); ``ridgekit reproduce lottery --quick`` runs both.  See :doc:`/theory/lottery`.
"""

# %%

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from ridgekit.gallery import missing


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
# Run the reproduction at its quick size (``ridgekit reproduce lottery --quick``); it needs
# torch, and says so when torch is not installed.
if missing("lottery"):
    print("this reproduction needs", ", ".join(missing("lottery")), "which is not installed")
else:
    import dataclasses

    from ridgekit.gallery import lottery

    sizes = dataclasses.replace(lottery.QUICK, tasks=("digits",))
    show(lottery.run(Path(tempfile.mkdtemp()), quick=True, sizes=sizes))
