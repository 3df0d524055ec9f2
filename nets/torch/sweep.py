"""Deprecated alias: the sweep engine is :mod:`ridgekit.sweep` (it needs no torch).

``task_key``, ``run_sweep`` and ``load_results`` are looked up there on first use, with a
``DeprecationWarning``; import them from ``ridgekit.sweep``.
"""

from __future__ import annotations

import warnings

__all__: list = []

_MOVED = ("task_key", "run_sweep", "load_results")


def __getattr__(name):
    if name in _MOVED:
        warnings.warn(f"ridgekit.nets.torch.sweep.{name} moved to ridgekit.sweep.{name}",
                      DeprecationWarning, stacklevel=2)
        from ridgekit import sweep  # the top layer, imported only through this alias

        return getattr(sweep, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
