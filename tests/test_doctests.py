"""Run every docstring example of the installed ``ridgekit`` package.

The library's four packages live at the repository root but import as ``ridgekit.kplane``,
``ridgekit.radon``, ``ridgekit.nets`` and ``ridgekit.splines`` (see pyproject.toml), so the
examples are collected here from the imported modules rather than by pytest's
``--doctest-modules`` (which would import ``radon/transform.py`` as a top-level ``radon``,
the name of an unrelated PyPI package).  A module whose optional dependency (torch,
matplotlib, ...) is missing is skipped with the reason; any other import error fails.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import ridgekit

#: the packages whose modules carry examples; subpackages are walked
ROOTS = ("ridgekit", "ridgekit.kplane", "ridgekit.radon", "ridgekit.nets", "ridgekit.splines")

#: optional dependencies: a module that needs one of these is skipped when it is absent
OPTIONAL = {"torch", "matplotlib", "dask", "distributed", "skimage", "sklearn", "pywt", "cvxpy",
            "zarr", "tqdm"}


def _module_names():
    names = set()
    for root in ROOTS:
        pkg = importlib.import_module(root)
        names.add(root)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=root + ".", onerror=lambda n: None):
            names.add(info.name)
    return sorted(names)


def _collect():
    cases = []
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in _module_names():
        try:
            mod = importlib.import_module(name)
        except ImportError as exc:
            missing = (getattr(exc, "name", None) or "").split(".")[0]
            if missing in OPTIONAL:
                cases.append(pytest.param(name, None, marks=pytest.mark.skip(
                    reason=f"{name} needs {missing}"), id=name))
                continue
            raise
        for test in finder.find(mod, name):
            if test.examples and test.name.startswith(name):
                cases.append(pytest.param(name, test, id=test.name))
    return cases


def test_ridgekit_is_the_package_under_test():
    """The suite exercises the installed ``ridgekit``, whatever else is importable."""
    import ridgekit.radon as rk_radon

    assert rk_radon.__name__ == "ridgekit.radon"
    assert hasattr(rk_radon, "iradon")
    assert ridgekit.__name__ == "ridgekit"


@pytest.mark.parametrize("module, test", _collect())
def test_docstring_examples(module, test):
    runner = doctest.DocTestRunner(optionflags=0)
    failures = []

    def report_failure(out, t, example, got):
        failures.append(f"{t.name}, line {example.lineno + 1}:\n  {example.source.strip()}\n"
                        f"expected: {example.want!r}\ngot:      {got!r}")

    def report_exc(out, t, example, exc_info):
        failures.append(f"{t.name}, line {example.lineno + 1}:\n  {example.source.strip()}\n"
                        f"raised {exc_info[0].__name__}: {exc_info[1]}")

    runner.report_failure = report_failure
    runner.report_unexpected_exception = report_exc
    test.globs = dict(test.globs)
    runner.run(test, out=lambda s: None, clear_globs=True)
    assert not failures, "\n\n".join(failures)
