"""Root pytest configuration: modules that need an optional dependency are not collected
(for their doctests) when it is missing; their tests skip through importorskip."""

import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("torch") is None:
    collect_ignore_glob += ["nets/torch/*", "ridgekit/gallery/flat_minima.py"]
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore_glob += ["ridgekit/gallery/*", "ridgekit/sections/*"]
