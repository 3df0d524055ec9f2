"""The HTML report (``ridgekit demo``) and its section registry."""

import math
import re

import pytest

from ridgekit import report as rep
from ridgekit.cli import main


def _fake_section(passed=True):
    def section(out_dir, *, quick, show_progress):
        png = out_dir / "fake.png"
        png.write_bytes(b"\x89PNG\r\n\x1a\n")
        err = 0.0 if passed else 1.0
        checks = [rep.Check("identity <x>", 1.0, 1.0, err, 1e-12, 0.01, "exact")]
        return rep.Section("Fake section", checks=checks, figures=[(png, "a figure")],
                           tables=[("timings", ["", "s"], [["step", 0.5]])], intro="text")
    return section


def test_check_passed_rule():
    assert rep.Check("a", 1, 1, 0.5, 0.5).passed
    assert not rep.Check("a", 1, 1, 0.6, 0.5).passed
    assert not rep.Check("a", 1, 1, math.nan, 0.5).passed


def test_html_has_metadata_tables_and_figures(tmp_path):
    r = rep.build_report(tmp_path, sections=[_fake_section(True), _fake_section(False)], show_progress=False)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert r.path == tmp_path / "index.html" and not r.passed and len(r.checks) == 2
    for text in ("Date:", "ridgekit version:", "Machine:", "cores", "Total time:", "1 of 2 checks passed",
                 "identity &lt;x&gt;", "FAIL", "<img src=\"fake.png\"", "timings"):
        assert text in html
    assert not re.search(r"(src|href)=\"(https?:|/)", html)  # self-contained apart from local PNGs


def test_demo_command_exit_code_follows_checks(tmp_path, monkeypatch, capsys):
    import ridgekit.sections

    monkeypatch.setattr(ridgekit.sections, "all_sections", lambda: [_fake_section(True)])
    assert main(["demo", "--out", str(tmp_path / "ok"), "--quiet"]) == 0
    assert "1 of 1 checks passed" in capsys.readouterr().out
    monkeypatch.setattr(ridgekit.sections, "all_sections", lambda: [_fake_section(False)])
    assert main(["demo", "--out", str(tmp_path / "bad")]) == 1
    assert "FAILED: identity <x>" in capsys.readouterr().out


def test_demo_quick_writes_report_and_every_check_passes(tmp_path):
    """The real transforms section at --quick size (a few seconds once numba's cache is warm)."""
    r = rep.build_report(tmp_path, quick=True)
    assert (tmp_path / "index.html").is_file()
    figures = [p for s in r.sections for p, _ in s.figures]
    assert figures and all(p.is_file() and p.read_bytes()[:4] == b"\x89PNG" for p in figures)
    names = [c.name for c in r.checks]
    for needle in ("exact ellipse projections", "adjointness", "mass conservation", "FBP recovers",
                   "k = 1", "k = 2", "d = 3"):
        assert any(needle in n for n in names), needle
    failed = [(c.name, c.error, c.tolerance) for c in r.checks if not c.passed]
    assert not failed
    assert r.total_time < 60


def test_demo_quick_through_the_cli(tmp_path, capsys):
    """The main job end to end: every section (transforms and each paper's reproduction at
    quick size) runs and every check in the report passes."""
    pytest.importorskip("matplotlib")
    assert main(["demo", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "index.html").is_file()
    assert list(tmp_path.glob("*.png"))
    from ridgekit.gallery import available

    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert html.count("<h2>") == 1 + len(available())
