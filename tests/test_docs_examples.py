"""The user guide's examples run: every ```python block of docs/guide/*.md, in order, one
namespace per page (later blocks of a page may use names of earlier ones)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
PAGES = sorted(GUIDE.glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_guide_pages_found():
    assert PAGES, f"no guide pages under {GUIDE}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_guide_examples_run(page):
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    if page.stem == "install":
        blocks = [b for b in blocks if "import" in b]
    namespace: dict = {"__name__": f"guide_{page.stem}"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"{page.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message names the block
            raise AssertionError(f"{page.name}, python block {i} failed: {exc!r}\n{code}") from exc
