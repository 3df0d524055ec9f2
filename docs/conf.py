"""Sphinx configuration of the ridgekit documentation.

Build: ``python -m pip install -e ".[docs]" && python -m sphinx -W -b html docs docs/_build/html``.

The API reference is generated here, at configuration time, from the packages' and
modules' ``__all__``: every public module of the packages in :data:`API_PACKAGES` gets a
section, and every name in its ``__all__`` gets a page (autosummary), filed under the
package when the package re-exports it and under the module otherwise, so that each
object is documented once and a new module or name needs no edit here.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent

project = "ridgekit"
author = "the ridgekit developers"
copyright = "the ridgekit developers"

import ridgekit  # noqa: E402

release = ridgekit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/GALLERY_HEADER.rst", "**.ipynb_checkpoints",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.json", "auto_examples/*.md5", "auto_examples/*.codeobj.json"]

# -- MyST (Markdown pages) ---------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- autodoc / autosummary / numpydoc ----------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set = set()

# -- sphinx-gallery ----------------------------------------------------------------------
# Every reproduction runs at its quick size (well under a minute each on two cores).
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 1,
    "copyfile_regex": "",
}

# -- HTML --------------------------------------------------------------------------------
html_theme = "alabaster"
html_static_path: list = []
html_title = f"ridgekit {release}"
html_show_sourcelink = False
html_theme_options = {"description": "Radon-domain theory of neural networks", "fixed_sidebar": True}

# -- the API reference, generated from __all__ -------------------------------------------
#: Packages whose public modules and names get API pages (optional ones are skipped with a
#: note when their requirement is not installed).
API_PACKAGES = [
    ("ridgekit", None),
    ("ridgekit.kplane", None),
    ("ridgekit.radon", None),
    ("ridgekit.nets", None),
    ("ridgekit.nets.torch", "torch"),
    ("ridgekit.splines", None),
    ("ridgekit.gallery", None),
    ("ridgekit.sections", None),
]

_API_INTRO = """\
API reference
=============

Every public name of ridgekit, package by package.  A package's page lists its public
modules; each name has its own page, under the package when the package exports it (the
name to import) and under its module otherwise.

.. toctree::
   :maxdepth: 1

"""


def _public_names(mod) -> list:
    names = getattr(mod, "__all__", None)
    if names is not None:
        return list(names)
    return [n for n, obj in vars(mod).items()
            if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == mod.__name__]


def _title(text: str, char: str) -> str:
    return f"{text}\n{char * len(text)}\n"


def _autosummary(package: str, names) -> str:
    # names relative to the package: autosummary prefixes entries with the current module
    lines = [f".. currentmodule:: {package}", "", ".. autosummary::", "   :toctree: generated/", ""]
    lines += [f"   {n[len(package) + 1:]}" for n in names]
    return "\n".join(lines) + "\n"


_ENTRIES: set = set()


def _package_page(pkg_name: str, requirement) -> str:
    if requirement is not None and importlib.util.find_spec(requirement) is None:
        return (_title(f"``{pkg_name}``", "=") + f"\nThis package needs ``{requirement}``, "
                "which is not installed where these pages were built.\n")
    pkg = importlib.import_module(pkg_name)
    exported = set(_public_names(pkg))
    sections, covered = [], set()
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.ispkg:
            continue
        mod_name = f"{pkg_name}.{info.name}"
        mod = importlib.import_module(mod_name)
        entries = []
        for name in _public_names(mod):
            if name in exported and getattr(pkg, name, None) is getattr(mod, name, object()):
                entries.append(f"{pkg_name}.{name}")
                covered.add(name)
            else:
                entries.append(f"{mod_name}.{name}")
        body = _title(f"``{mod_name}``", "-") + f"\n.. automodule:: {mod_name}\n\n"
        if entries:
            body += _autosummary(pkg_name, entries)
            _ENTRIES.update(entries)
        sections.append(body)
    rest = [f"{pkg_name}.{n}" for n in _public_names(pkg) if n not in covered]
    page = _title(f"``{pkg_name}``", "=") + f"\n.. automodule:: {pkg_name}\n\n"
    if rest:
        page += _autosummary(pkg_name, rest) + "\n"
        _ENTRIES.update(rest)
    return page + "\n".join(sections)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_api_pages(out_dir: Path = HERE / "api") -> None:
    """Write ``api/index.rst`` and one page per package of :data:`API_PACKAGES`."""
    out_dir.mkdir(exist_ok=True)
    index = _API_INTRO
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for pkg_name, requirement in API_PACKAGES:
            _write_if_changed(out_dir / f"{pkg_name}.rst", _package_page(pkg_name, requirement))
            index += f"   {pkg_name}\n"
    _write_if_changed(out_dir / "index.rst", index)
    # pages of names that no longer exist would be orphans (a warning under -W)
    for page in (out_dir / "generated").glob("*.rst"):
        if page.stem not in _ENTRIES:
            page.unlink()


write_api_pages()


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn's metadata-routing helpers (set_fit_request, ...) are generated per
    # estimator and documented by scikit-learn, with references into its own docs
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
