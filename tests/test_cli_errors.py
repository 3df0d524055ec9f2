"""Every ``ridgekit`` command refuses bad input before any work: one line on stderr naming
the file and the problem, exit code 2, no traceback, no warning leaking."""

import json
import subprocess
import sys

import numpy as np
import pytest

from ridgekit import gallery
from ridgekit.cli import main


def _one_line_error(capsys):
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert err, "no error message"
    assert "\n" not in err, err
    assert "Traceback" not in err and "Warning" not in err
    return err


@pytest.fixture
def files(tmp_path):
    """A directory of good and bad inputs; returns its path."""
    t = tmp_path
    img = np.zeros((8, 8))
    img[3:5, 3:5] = 1
    np.save(t / "img.npy", img)
    np.save(t / "sino.npy", np.ones((8, 6)))
    (t / "empty.npy").write_bytes(b"")
    (t / "adir.npy").mkdir()
    (t / "adir.npz").mkdir()
    (t / "afile").write_text("x")
    (t / "good.csv").write_text("x,y\n0,0\n1,1\n2,0\n")
    (t / "badcell.csv").write_text("x,y\n0,0\n1,oops\n2,0\n")
    (t / "empty.csv").write_text("")
    (t / "header.csv").write_text("x,y\n")
    (t / "ragged.csv").write_text("0,0\n1,1,1\n2,0\n")
    (t / "onecol.csv").write_text("1\n2\n3\n")
    (t / "nonfinite.csv").write_text("0,0\n1,inf\n")
    (t / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    (t / "empty.npz").write_bytes(b"")
    np.savez(t / "foreign.npz", a=np.arange(3))
    full = t / "full.npz"
    from ridgekit.nets import ShallowNetwork

    ShallowNetwork(np.ones((2, 1)), np.zeros(2), np.ones(2)).save(full)
    (t / "truncated.npz").write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    (t / "foreign.json").write_text(json.dumps({"hello": [1, 2]}))
    (t / "list.json").write_text("[1, 2, 3]")
    (t / "broken.json").write_text("{not json")
    return t


BAD = {
    # output paths
    "radon output in a missing directory": (["radon", "{t}/img.npy", "-o", "{t}/nodir/s.npy"], "does not exist"),
    "radon output under a file": (["radon", "{t}/img.npy", "-o", "{t}/afile/s.npy"], "is a file"),
    "radon output is a directory": (["radon", "{t}/img.npy", "-o", "{t}/adir.npy"], "is a directory"),
    "iradon output in a missing directory": (["iradon", "{t}/sino.npy", "-o", "{t}/nodir/r.png"], "does not exist"),
    "fit output in a missing directory": (["fit", "{t}/good.csv", "-o", "{t}/nodir/m.npz"], "does not exist"),
    "fit output is a directory": (["fit", "{t}/good.csv", "-o", "{t}/adir.npz"], "is a directory"),
    "fit output suffix": (["fit", "{t}/good.csv", "-o", "{t}/m.txt"], ".npz or .json"),
    "demo output is a file": (["demo", "--out", "{t}/afile", "--quiet"], "is a file"),
    "demo output in a missing directory": (["demo", "--out", "{t}/no/such/dir", "--quiet"], "does not exist"),
    "demo unknown section": (["demo", "--out", "{t}/rep", "--only", "nosuch", "--quiet"], "unknown section"),
    "reproduce output is a file": (["reproduce", "splines", "--out", "{t}/afile", "--quiet"], "is a file"),
    # input files
    "radon on a 0-byte .npy": (["radon", "{t}/empty.npy", "-o", "{t}/s.npy"], "empty"),
    "iradon on a 0-byte .npy": (["iradon", "{t}/empty.npy", "-o", "{t}/r.npy"], "empty"),
    "fit on a bad cell": (["fit", "{t}/badcell.csv", "-o", "{t}/m.npz"], "row 3, column 2"),
    "fit on an empty CSV": (["fit", "{t}/empty.csv", "-o", "{t}/m.npz"], "empty"),
    "fit on a header-only CSV": (["fit", "{t}/header.csv", "-o", "{t}/m.npz"], "no data rows"),
    "fit on ragged rows": (["fit", "{t}/ragged.csv", "-o", "{t}/m.npz"], "row 2 has 3 columns"),
    "fit on one column": (["fit", "{t}/onecol.csv", "-o", "{t}/m.npz"], "at least two"),
    "fit on a non-finite cell": (["fit", "{t}/nonfinite.csv", "-o", "{t}/m.npz"], "row 2, column 2"),
    "fit on a binary file": (["fit", "{t}/binary.csv", "-o", "{t}/m.npz"], "not a text"),
    "norm on an empty file": (["norm", "{t}/empty.npz"], "empty"),
    "norm on a truncated file": (["norm", "{t}/truncated.npz"], "not a saved ShallowNetwork"),
    "norm on a foreign .npz": (["norm", "{t}/foreign.npz"], "not a saved ShallowNetwork"),
    "norm on a foreign JSON object": (["norm", "{t}/foreign.json"], "not a saved ShallowNetwork"),
    "norm on a JSON list": (["norm", "{t}/list.json"], "not a saved ShallowNetwork"),
    "norm on broken JSON": (["norm", "{t}/broken.json"], "not a saved ShallowNetwork"),
    # sizes refused up front
    "iradon --output-size 200000": (["iradon", "{t}/sino.npy", "-o", "{t}/r.npy", "--output-size", "200000"],
                                    "memory"),
    "radon --n-angles 100000000": (["radon", "{t}/img.npy", "-o", "{t}/s.npy", "--n-angles", "100000000"],
                                   "--n-angles"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2(files, capsys, case):
    argv, needle = BAD[case]
    assert main([a.format(t=files) for a in argv]) == 2
    err = _one_line_error(capsys)
    assert err.startswith("ridgekit") and needle in err, err
    # nothing was written
    assert not (files / "s.npy").exists() and not (files / "m.npz").exists() and not (files / "r.npy").exists()


@pytest.mark.parametrize("case", ["fit on a header-only CSV", "norm on a truncated file", "radon on a 0-byte .npy"])
def test_bad_input_in_a_subprocess(files, case):
    """The installed entry point: exit code 2, one line on stderr, no traceback or warning."""
    argv, needle = BAD[case]
    proc = subprocess.run([sys.executable, "-m", "ridgekit.cli", *[a.format(t=files) for a in argv]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert "\n" not in err and "Traceback" not in err and "Warning" not in err and needle in err, err


def test_fit_constant_y_writes_model_and_plot(files, capsys):
    (files / "const.csv").write_text("x,y\n0,2\n1,2\n2,2\n3,2\n")
    assert main(["fit", str(files / "const.csv"), "-o", str(files / "c.npz")]) == 0
    out = capsys.readouterr().out
    assert (files / "c.npz").is_file() and (files / "c.png").is_file()
    assert f"wrote {files / 'c.npz'}" in out and f"wrote {files / 'c.png'}" in out


def test_fit_without_output_says_where_it_wrote(files, capsys, monkeypatch):
    monkeypatch.chdir(files)
    assert main(["fit", "good.csv", "--no-plot"]) == 0
    assert "wrote model.npz" in capsys.readouterr().out
    assert (files / "model.npz").is_file()


def test_install_hint_names_the_extra(monkeypatch):
    assert gallery.install_command(["torch"]) == 'pip install "ridgekit[torch]"'
    monkeypatch.setattr(gallery, "missing", lambda name: ["torch"] if name == "flat-minima" else [])
    with pytest.raises(ValueError, match=r'pip install "ridgekit\[torch\]"'):
        gallery.resolve("flat-minima")


def test_reproduce_without_torch_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(gallery, "missing", lambda name: ["torch"])
    assert main(["reproduce", "flat-minima", "--out", str(tmp_path / "o")]) == 2
    assert 'pip install "ridgekit[torch]"' in _one_line_error(capsys)
