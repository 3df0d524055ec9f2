"""The repository is self-contained: no file cites notes that live outside it or issue
numbers a reader cannot look up, and every cited documentation page exists.

Citations go to papers (arXiv id with section, equation or theorem) and to pages of the
documentation site (``docs/theory/*.md``, ``docs/guide/*.md``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT_SUFFIXES = {".py", ".md", ".rst", ".toml", ".txt", ".cfg", ".ini", ".yml", ".yaml", ".json"}
TEXT_NAMES = {"run", "Makefile", ".gitignore"}


def _forbidden():
    # Built from pieces so that this file's own source does not match the patterns.
    notes = "|".join(re.escape(name + ".md") for name in
                     ("trans" + "forms", "ne" + "ts", "experi" + "ments", "abst" + "racts",
                      "DES" + "IGN", "STY" + "LE", "MIS" + "SION"))
    return {
        "a note outside the repository": re.compile(r"(?<![\w/])(?:" + notes + r")"),
        "the shared folder outside the repository": re.compile(r"(?<![\w.])(?:\.\./)?" + "sha" + r"red/"),
        "an issue number": re.compile(r"\b[Ii]ss" + r"ues? #?\d"),
    }


def _files():
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
        paths = [ROOT / p for p in out.splitlines()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        paths = [p for p in ROOT.rglob("*") if ".git" not in p.parts and "_build" not in p.parts]
    me = Path(__file__).resolve()
    return sorted(p for p in paths
                  if p.is_file() and p.resolve() != me
                  and (p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES))


FILES = _files()


def test_text_files_found():
    assert any(p.suffix == ".py" for p in FILES) and any(p.suffix == ".md" for p in FILES)


def test_no_citation_outside_the_repository():
    patterns = _forbidden()
    found = []
    for path in FILES:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            for what, rx in patterns.items():
                if rx.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{lineno}: {what}: {line.strip()[:100]}")
    assert not found, "cite a paper or a docs page instead:\n" + "\n".join(found)


DOC_REF = re.compile(r"docs/(theory|guide)/([\w-]+)\.(md|rst)")


@pytest.mark.parametrize("suffix", [".py", ".md", ".rst"])
def test_cited_docs_pages_exist(suffix):
    missing = []
    for path in FILES:
        if path.suffix != suffix:
            continue
        for m in DOC_REF.finditer(path.read_text(encoding="utf-8", errors="replace")):
            if not (ROOT / m.group(0)).is_file():
                missing.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not missing, "cited pages that do not exist:\n" + "\n".join(sorted(set(missing)))
