"""Packaging: one importable name.

The four packages ``kplane``, ``radon``, ``nets`` and ``splines`` sit at the repository
root but install as ``ridgekit.kplane``, ``ridgekit.radon``, ... through setuptools'
package-dir mapping, because PyPI has unrelated distributions that install top-level
``radon`` (the code-metrics tool), ``splines`` and ``nets``.  These tests build the wheel
from a copy of the sources, inspect it, install it into a scratch directory and import it
from a fresh interpreter started outside the repository, beside PyPI's ``radon`` when that
is installed (CI installs it before the suite).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"

#: repository folder -> the import name it installs as
SOURCE_DIRS = {"ridgekit": "ridgekit", "kplane": "ridgekit.kplane", "radon": "ridgekit.radon",
               "nets": "ridgekit.nets", "splines": "ridgekit.splines"}

pytestmark = pytest.mark.skipif(not PYPROJECT.is_file(), reason="needs the source tree (pyproject.toml)")


def _source_packages() -> dict[str, Path]:
    """Every directory with an ``__init__.py`` under the five source folders, by import name."""
    found = {}
    for folder, name in SOURCE_DIRS.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if "__pycache__" in rel.parts:
                continue
            found[".".join((name, *rel.parts)) if rel.parts else name] = init.parent
    return found


def _source_modules() -> set[str]:
    """Wheel paths of every ``.py`` file the packages should ship."""
    out = set()
    for name, folder in _source_packages().items():
        prefix = name.replace(".", "/")
        out.update(f"{prefix}/{p.name}" for p in folder.glob("*.py"))
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources (no build isolation, no network)."""
    pytest.importorskip("setuptools")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
    for folder in SOURCE_DIRS:
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--no-index", "-q", "-w", str(dist), str(src)],
                          capture_output=True, text=True, cwd=src, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(dist.glob("ridgekit-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_pyproject_lists_every_package():
    """The explicit ``packages`` list names exactly the package directories of the tree."""
    cfg = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(cfg["packages"])
    on_disk = set(_source_packages())
    assert on_disk - listed == set(), f"package directories missing from pyproject's packages: {on_disk - listed}"
    assert listed - on_disk == set(), f"pyproject lists packages with no directory: {listed - on_disk}"
    assert cfg["package-dir"] == {name: folder for folder, name in SOURCE_DIRS.items()}


def test_wheel_top_level_is_ridgekit_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert len(dist_info) == 1
    assert top - dist_info == {"ridgekit"}
    # every module of every package is shipped, in the place the mapping says
    missing = _source_modules() - set(names)
    assert missing == set(), f"modules missing from the wheel: {sorted(missing)}"
    top_level = f"{dist_info.pop()}/top_level.txt"
    if top_level in names:
        assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["ridgekit"]


_PROBE = r"""
import importlib.util, json, sys
import ridgekit, ridgekit.kplane, ridgekit.radon, ridgekit.nets, ridgekit.splines
from ridgekit import radon
out = {"ridgekit": ridgekit.__file__, "radon": radon.__file__,
       "has_iradon": callable(getattr(radon, "iradon", None)),
       "has_transform": hasattr(ridgekit.kplane, "KPlaneTransform")}
for top in ("kplane", "splines", "nets", "radon"):
    spec = importlib.util.find_spec(top)
    out["top_" + top] = None if spec is None else spec.origin
try:
    from radon.complexity import cc_visit      # PyPI's radon: the code-metrics tool
    out["pypi_radon"] = [b.name for b in cc_visit("def f(x):\n    return x\n")]
except ImportError:
    out["pypi_radon"] = None
print(json.dumps(out))
"""


def _probe(cwd: Path, pythonpath: str | None) -> dict:
    import json

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check_probe(out: dict, home: Path):
    assert Path(out["ridgekit"]).resolve().is_relative_to(home.resolve())
    assert Path(out["radon"]).resolve().is_relative_to(home.resolve())
    assert out["has_iradon"] and out["has_transform"]
    # nothing of ridgekit is importable under the bare names
    for top in ("kplane", "splines", "nets", "radon"):
        origin = out["top_" + top]
        assert origin is None or not Path(origin).resolve().is_relative_to(ROOT), (top, origin)
    if out["top_radon"] is not None:
        # a top-level radon exists outside the repository: it must be PyPI's, untouched
        assert out["pypi_radon"] == ["f"], "import radon must give PyPI's code-metrics tool"


def test_installed_wheel_imports_beside_pypi_radon(wheel, tmp_path):
    """The wheel installed into a scratch directory, imported from outside the repository."""
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                           "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # bin/ holds the ``ridgekit`` console script
    installed = {p.name for p in target.iterdir()} - {p.name for p in target.glob("*.dist-info")} - {"bin"}
    assert installed == {"ridgekit"}
    work = tmp_path / "elsewhere"
    work.mkdir()
    _check_probe(_probe(work, str(target)), target)


def test_environment_install_imports_beside_pypi_radon(tmp_path):
    """The installed ridgekit (editable in development, regular in CI) from outside the repository.

    PyPI's ``radon`` stays the code-metrics tool; the test says so when it is not installed
    (CI installs it, so there the coexistence is always checked).
    """
    out = _probe(tmp_path, None)
    home = Path(out["ridgekit"]).resolve().parents[1]
    _check_probe(out, home)
    if out["top_radon"] is None:
        pytest.skip("PyPI's radon is not installed here: only ridgekit's side was checked")
