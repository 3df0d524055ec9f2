"""Paper reproductions.

Each module has ``run(out_dir, quick=True, ...) -> dict`` with keys ``"title"``,
``"figures"`` (PNG paths), ``"checks"`` (rows with name, value, reference, error,
tolerance, passed, time, note) and optionally ``"tables"``.  :data:`GALLERY` maps the
names accepted by ``ridgekit reproduce NAME`` to those modules (imported on demand, so
that torch or matplotlib load only when an entry runs).
"""

from __future__ import annotations

import importlib
import importlib.util

__all__ = ["GALLERY", "ALIASES", "resolve", "load"]

#: name -> (module, paper, in the demo)
GALLERY = {
    "random-relu": ("ridgekit.gallery.random_relu", "2405.10229", True),
    "nla": ("ridgekit.gallery.nla", "2502.17671", True),
    "weighted-variation": ("ridgekit.gallery.weighted_variation", "2307.15772", True),
    "flat-minima": ("ridgekit.gallery.flat_minima", "2506.20779", True),
    "vv": ("ridgekit.gallery.vv", "2305.16534", True),
    "splines": ("ridgekit.gallery.splines", "representer theorems", True),
    "rkhs-gap": ("ridgekit.gallery.rkhs_gap", "2502.16331", True),
}

#: arXiv ids accepted in place of the names
ALIASES = {paper: name for name, (_, paper, _) in GALLERY.items() if paper[:1].isdigit()}


def available() -> list:
    """Names whose module exists in this installation."""
    out = []
    for name, (mod, _, _) in GALLERY.items():
        if importlib.util.find_spec(mod) is not None:
            out.append(name)
    return out


def resolve(name: str) -> str:
    """Canonical entry name for ``name`` (a name or an arXiv id); ValueError otherwise."""
    key = ALIASES.get(name, name)
    if key not in GALLERY or key not in available():
        raise ValueError(f"unknown reproduction {name!r}; available: {', '.join(available())} "
                         f"(or their arXiv ids)")
    return key


def load(name: str):
    """The ``run`` function of entry ``name``."""
    return importlib.import_module(GALLERY[resolve(name)][0]).run
