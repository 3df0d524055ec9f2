"""Paper reproductions.

Each module has ``run(out_dir, quick=True, ...) -> dict`` with keys ``"title"``,
``"figures"`` (``(png_path, caption)`` pairs; the caption says what is shown and what to
look for), ``"checks"`` (:class:`ridgekit.checks.Check` objects, made with
:func:`~ridgekit.checks.tolerance_check`, :func:`~ridgekit.checks.interval_check`,
:func:`~ridgekit.checks.zscore_check` or :func:`~ridgekit.checks.bound_check`), and
optionally ``"reported"`` (:func:`ridgekit.checks.reported` numbers, no claim) and
``"tables"``.  A module that cannot run raises :class:`ridgekit.checks.SectionSkipped`.  :data:`GALLERY` maps the
names accepted by ``ridgekit reproduce NAME`` to those modules (imported on demand, so
that torch or matplotlib load only when an entry runs).
"""

from __future__ import annotations

import importlib
import importlib.util

__all__ = ["GALLERY", "ALIASES", "available", "missing", "install_command", "resolve", "load"]

#: name -> (module, paper, in the demo, importable modules it needs beyond the core)
GALLERY = {
    "random-relu": ("ridgekit.gallery.random_relu", "2405.10229", True, ("matplotlib",)),
    "nla": ("ridgekit.gallery.nla", "2502.17671", True, ("matplotlib", "pywt")),
    "weighted-variation": ("ridgekit.gallery.weighted_variation", "2307.15772", True, ("matplotlib",)),
    "flat-minima": ("ridgekit.gallery.flat_minima", "2506.20779", True, ("matplotlib", "torch")),
    "vv": ("ridgekit.gallery.vv", "2305.16534", True, ("matplotlib", "sklearn")),
    "splines": ("ridgekit.gallery.splines", "representer theorems", True, ("matplotlib",)),
    "rkhs-gap": ("ridgekit.gallery.rkhs_gap", "2502.16331", True, ("matplotlib",)),
    "lottery": ("ridgekit.gallery.lottery", "2503.17905", True, ("matplotlib", "torch", "sklearn")),
    "lola": ("ridgekit.gallery.lola", "2505.23666", True, ("matplotlib", "torch")),
}

#: arXiv ids accepted in place of the names
ALIASES = {entry[1]: name for name, entry in GALLERY.items() if entry[1][:1].isdigit()}


def missing(name: str) -> list:
    """The modules that entry ``name`` needs and this installation lacks."""
    mod, _, _, requires = GALLERY[name]
    return [m for m in (mod,) + tuple(requires) if importlib.util.find_spec(m) is None]


#: optional modules -> the extra of ridgekit that installs them
EXTRAS = {"torch": "torch", "matplotlib": "report", "pywt": "report", "sklearn": "report", "skimage": "report",
          "tqdm": "report", "joblib": "dask", "dask": "dask", "zarr": "dask"}


def install_command(modules) -> str:
    """The pip command that installs the extras providing ``modules``, e.g.
    ``pip install "ridgekit[torch]"``."""
    extras = sorted({EXTRAS.get(m, "report") for m in modules})
    return " ".join(f'pip install "ridgekit[{e}]"' if i == 0 else f'"ridgekit[{e}]"'
                    for i, e in enumerate(extras))


def available() -> list:
    """Names whose module and requirements are importable in this installation."""
    return [name for name in GALLERY if not missing(name)]


def resolve(name: str) -> str:
    """Canonical entry name for ``name`` (a name or an arXiv id); ValueError otherwise."""
    key = ALIASES.get(name, name)
    if key not in GALLERY:
        raise ValueError(f"unknown reproduction {name!r}; available: {', '.join(available())} "
                         f"(or their arXiv ids)")
    lacking = missing(key)
    if lacking:
        raise ValueError(f"reproduction {key!r} needs {', '.join(lacking)}, which this installation lacks: "
                         f"{install_command(lacking)}")
    return key


def load(name: str):
    """The ``run`` function of entry ``name``."""
    return importlib.import_module(GALLERY[resolve(name)][0]).run
