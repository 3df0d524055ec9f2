"""The ``ridgekit`` command line, run in-process through ``ridgekit.cli.main``."""

import sys
import types

import numpy as np
import pytest

from ridgekit import cli
from ridgekit.cli import main
from ridgekit.radon import iradon, radon


def _disk(n=32, r=10):
    rr = np.hypot(*(np.mgrid[:n, :n] - n // 2 + 0.5))
    return (rr < r).astype(float)


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    return err


def test_radon_iradon_round_trip_equals_library(tmp_path):
    img = _disk()
    np.save(tmp_path / "img.npy", img)
    assert main(["radon", str(tmp_path / "img.npy"), "-o", str(tmp_path / "s.npy"), "--n-angles", "60"]) == 0
    theta = np.linspace(0, 180, 60, endpoint=False)
    sino = np.load(tmp_path / "s.npy")
    np.testing.assert_array_equal(sino, radon(img, theta))
    assert main(["iradon", str(tmp_path / "s.npy"), "-o", str(tmp_path / "r.npy")]) == 0
    rec = np.load(tmp_path / "r.npy")
    np.testing.assert_array_equal(rec, iradon(sino, theta))
    inside = np.hypot(*(np.mgrid[:32, :32] - 16)) <= 16
    assert np.linalg.norm((rec - img)[inside]) / np.linalg.norm(img[inside]) < 0.25


def test_theta_step_and_options(tmp_path):
    img = _disk()
    np.save(tmp_path / "img.npy", img)
    args = ["radon", str(tmp_path / "img.npy"), "-o", str(tmp_path / "s.npy"), "--theta-step", "4", "--no-circle"]
    assert main(args) == 0
    sino = np.load(tmp_path / "s.npy")
    np.testing.assert_array_equal(sino, radon(img, np.arange(0, 180, 4.0), circle=False))
    args = ["iradon", str(tmp_path / "s.npy"), "-o", str(tmp_path / "r.npy"), "--filter", "hann",
            "--no-circle", "--output-size", "32"]
    assert main(args) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "r.npy"),
                                  iradon(sino, np.arange(0, 180, 4.0), output_size=32, filter_name="hann",
                                         circle=False))


def test_chunked_transforms_match_one_call(tmp_path, monkeypatch):
    """Large inputs run in chunks of angles: radon exactly, iradon to rounding."""
    monkeypatch.setattr(cli, "CHUNK_WORK", 2000)
    img = _disk()
    np.save(tmp_path / "img.npy", img)
    assert main(["radon", str(tmp_path / "img.npy"), "-o", str(tmp_path / "s.npy"), "--n-angles", "30"]) == 0
    theta = np.linspace(0, 180, 30, endpoint=False)
    sino = np.load(tmp_path / "s.npy")
    np.testing.assert_array_equal(sino, radon(img, theta))
    assert main(["iradon", str(tmp_path / "s.npy"), "-o", str(tmp_path / "r.npy"), "--quiet"]) == 0
    ref = iradon(sino, theta)
    np.testing.assert_allclose(np.load(tmp_path / "r.npy"), ref, rtol=0, atol=1e-13 * np.abs(ref).max())


def test_image_files_rgb_to_grey_and_png_output(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image

    img = _disk()
    matplotlib.image.imsave(tmp_path / "img.png", img, cmap="gray", vmin=0, vmax=1)  # RGBA, R = G = B
    assert main(["radon", str(tmp_path / "img.png"), "-o", str(tmp_path / "s.npy"), "--n-angles", "20"]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"),
                               radon(img, np.linspace(0, 180, 20, endpoint=False)), atol=1e-6)
    assert main(["iradon", str(tmp_path / "s.npy"), "-o", str(tmp_path / "r.png")]) == 0
    out = matplotlib.image.imread(tmp_path / "r.png")
    assert out.shape[:2] == (32, 32)


@pytest.mark.parametrize("argv", [
    [],
    ["radon"],
    ["bogus"],
    ["radon", "{tmp}/missing.npy", "-o", "{tmp}/s.npy"],
    ["radon", "{tmp}/img.npy", "-o", "{tmp}/s.txt"],
    ["radon", "{tmp}/img.npy", "-o", "{tmp}/no/such/dir/s.npy"],
    ["radon", "{tmp}/img.npy", "-o", "{tmp}/s.npy", "--theta-step", "7"],
    ["radon", "{tmp}/img.npy", "-o", "{tmp}/s.npy", "--theta-step", "-1"],
    ["radon", "{tmp}/img.npy", "-o", "{tmp}/s.npy", "--n-angles", "0"],
    ["radon", "{tmp}/img.npy", "-o", "{tmp}/s.npy", "--n-angles", "x"],
    ["radon", "{tmp}/img.npy", "-o", "{tmp}/s.npy", "--n-angles", "3", "--theta-step", "2"],
    ["radon", "{tmp}/vec.npy", "-o", "{tmp}/s.npy"],
    ["radon", "{tmp}/nan.npy", "-o", "{tmp}/s.npy"],
    ["radon", "{tmp}/text.npy", "-o", "{tmp}/s.npy"],
    ["radon", "{tmp}/fake.png", "-o", "{tmp}/s.npy"],
    ["radon", "{tmp}/img.txt", "-o", "{tmp}/s.npy"],
    ["iradon", "{tmp}/img.npy", "-o", "{tmp}/r.npy", "--filter", "nope"],
    ["iradon", "{tmp}/img.npy", "-o", "{tmp}/r.jpg"],
    ["iradon", "{tmp}/img.npy", "-o", "{tmp}/r.npy", "--output-size", "0"],
    ["iradon", "{tmp}/fake.png", "-o", "{tmp}/r.npy"],
    ["iradon", "{tmp}/vec.npy", "-o", "{tmp}/r.npy"],
])
def test_bad_input_one_line_and_exit_2(tmp_path, capsys, argv):
    np.save(tmp_path / "img.npy", _disk(8, 3))
    np.save(tmp_path / "vec.npy", np.zeros(5))
    bad = _disk(8, 3)
    bad[4, 4] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    (tmp_path / "fake.png").write_bytes(b"not a png")
    (tmp_path / "img.txt").write_text("1 2 3")
    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    assert _one_line_error(capsys).startswith("ridgekit")


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    assert main(["--version"]) == 0
    assert "ridgekit" in capsys.readouterr().out


def test_radon_warns_on_data_outside_the_circle(tmp_path, capsys):
    np.save(tmp_path / "img.npy", np.ones((8, 8)))
    assert main(["radon", str(tmp_path / "img.npy"), "-o", str(tmp_path / "s.npy")]) == 0
    assert "warning" in capsys.readouterr().err


def _fake_symbolic(monkeypatch, rows):
    """Replace the modules ``ridgekit verify`` reads with one fake module of ``rows``."""
    import ridgekit.cli as cli

    Check = types.SimpleNamespace
    module = types.ModuleType("fake_symbolic")
    module.checks = lambda: [Check(name=n, result=r, description=d, passed=p) for n, r, d, p in rows]
    monkeypatch.setitem(sys.modules, "fake_symbolic", module)
    monkeypatch.setattr(cli, "VERIFY_MODULES", ("fake_symbolic",))


def test_verify_table_and_exit_codes(monkeypatch, capsys):
    _fake_symbolic(monkeypatch, [("a", 0, "identity a", True), ("b", 1, "identity b", True)])
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "identity a" in out and "2 of 2" in out
    _fake_symbolic(monkeypatch, [("a", 0, "identity a", True), ("b", "x - 1", "identity b", False)])
    assert main(["verify"]) == 1
    assert "1 of 2" in capsys.readouterr().out


def test_verify_without_symbolic_modules(monkeypatch, capsys):
    import ridgekit.cli as cli

    monkeypatch.setattr(cli, "VERIFY_MODULES", ("no_such_module_for_ridgekit",))
    assert main(["verify"]) == 2
    assert "no symbolic checks" in capsys.readouterr().err


def test_verify_runs_the_library_checks(monkeypatch, capsys):
    """The real kplane.symbolic rows, for one (d, k) pair to keep the test short."""
    import ridgekit.cli as cli

    symbolic = pytest.importorskip("ridgekit.kplane.symbolic")
    checks = symbolic.checks
    monkeypatch.setattr(symbolic, "checks", lambda: checks(pairs=[(3, 2)]))
    monkeypatch.setattr(cli, "VERIFY_MODULES", ("ridgekit.kplane.symbolic",))
    assert main(["verify"]) == 0
    assert "symbolic checks passed" in capsys.readouterr().out


def test_verify_prints_a_progress_line_per_check(monkeypatch, capsys):
    """Each symbolic check announces itself on stderr as it completes (plain lines: the
    captured stream is not a terminal); --quiet prints none."""
    import ridgekit.cli as cli

    symbolic = pytest.importorskip("ridgekit.kplane.symbolic")
    checks = symbolic.checks
    monkeypatch.setattr(symbolic, "checks", lambda: checks(pairs=[(3, 2)]))
    monkeypatch.setattr(cli, "VERIFY_MODULES", ("ridgekit.kplane.symbolic",))
    names = [row.name for row in checks(pairs=[(3, 2)])]
    assert main(["verify"]) == 0
    err = capsys.readouterr().err.splitlines()
    done = [line for line in err if " done: " in line]
    assert done == [f"ridgekit: symbolic check {i} done: {n}" for i, n in enumerate(names, 1)]
    assert "ridgekit: verify: running the symbolic checks of ridgekit.kplane.symbolic" in err
    assert main(["verify", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_fit_shows_the_solver_progress(tmp_path, capsys):
    """``ridgekit fit`` passes progress to fit_tv2: its phase lines reach stderr; --quiet
    silences them."""
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 5000)
    np.savetxt(tmp_path / "d.csv", np.c_[x, np.sin(8 * x) + 0.3 * rng.standard_normal(x.size)], delimiter=",")
    args = ["fit", str(tmp_path / "d.csv"), "--lam", "1e-3", "-o", str(tmp_path / "m.npz"), "--no-plot"]
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert "ridgekit: fit_tv2: 5000 distinct points, λ = " in "\n".join(err)
    assert any(ln.startswith("ridgekit: fit_tv2: multilevel start, level 1 of 2") for ln in err)
    assert any(ln.startswith("ridgekit: fit_tv2: done, ") for ln in err)
    assert main(args + ["--quiet"]) == 0
    assert "fit_tv2" not in capsys.readouterr().err


def test_reproduce_runs_a_gallery_entry(tmp_path, capsys):
    assert main(["reproduce", "2405.10229", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "index.html").exists()
    out = capsys.readouterr().out
    assert " passed, 0 failed" in out and f"wrote {tmp_path / 'index.html'}" in out


def test_reproduce_unknown_entry(capsys):
    assert main(["reproduce", "no-such-paper"]) == 2
    assert "unknown reproduction" in capsys.readouterr().err
