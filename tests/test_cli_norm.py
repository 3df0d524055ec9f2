"""`ridgekit norm MODEL`, zero-neuron networks, and the rkhs-gap reproduction."""

import numpy as np
import pytest

from ridgekit.cli import main
from ridgekit.nets import ShallowNetwork


def test_norm_prints_the_norms_of_a_saved_network(tmp_path, capsys):
    # [z]₊ − [−z]₊ is affine (R-norm 0); the third neuron 2[(x+y)/2 − 0.1]₊ has norm 2·‖w‖
    net = ShallowNetwork([[1.0, 2.0], [-1.0, -2.0], [0.5, 0.5]], [0.5, -0.5, 0.1], [1.0, -1.0, 2.0])
    path = tmp_path / "model.npz"
    net.save(path)
    assert main(["norm", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "Radon-domain TV" in ln)
    assert abs(float(line.split()[-1]) - 2 * np.hypot(0.5, 0.5)) < 1e-9
    line = next(ln for ln in out.splitlines() if "path norm" in ln)
    assert abs(float(line.split()[-1]) - (2 * np.sqrt(5) + 2 * np.hypot(0.5, 0.5))) < 1e-9


@pytest.mark.parametrize("name", ["missing.npz", "model.txt"])
def test_norm_bad_input(tmp_path, capsys, name):
    p = tmp_path / name
    if name.endswith(".txt"):
        p.write_text("not a model")
    assert main(["norm", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err


def test_zero_neuron_network_is_its_affine_part(tmp_path):
    net = ShallowNetwork(np.zeros((0, 3)), np.zeros(0), np.zeros(0),
                         skip=(np.array([1.5]), np.array([[1.0], [-2.0], [0.5]])))
    X = np.random.default_rng(0).standard_normal((5, 3))
    assert np.allclose(net(X), 1.5 + X @ [1.0, -2.0, 0.5])
    assert net.rtv_seminorm() == 0.0 and net.path_norm() == 0.0 and net.vv_norm() == 0.0
    assert net.canonical().n_neurons == 0
    net.save(tmp_path / "z.npz")
    back = ShallowNetwork.load(tmp_path / "z.npz")
    assert back.n_neurons == 0 and np.array_equal(back(X), net(X))


def test_rkhs_gap_reproduction_checks_pass(tmp_path):
    from ridgekit.gallery.rkhs_gap import run

    res = run(tmp_path, quick=True)
    assert res["checks"] and all(c.passed for c in res["checks"])
    assert all((tmp_path / "rkhs_gap.png").exists() for _ in res["figures"])


def test_fit_then_norm_round_trip(tmp_path, capsys):
    # |x| sampled exactly: with a small λ the sparsest fit has one knot at 0 with jump 2
    # (the R-norm of |x| on [−1, 1] is ∫|f''| = 2), shrunk by O(λ).
    x = np.linspace(-1, 1, 41)
    np.savetxt(tmp_path / "d.csv", np.c_[x, np.abs(x)], delimiter=",")
    model = tmp_path / "m.npz"
    assert main(["fit", str(tmp_path / "d.csv"), "--lam", "1e-6", "-o", str(model), "--no-plot"]) == 0
    assert main(["norm", str(model)]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "Radon-domain TV" in ln)
    assert abs(float(line.split()[-1]) - 2.0) < 1e-3


def test_fit_bad_input(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "none.csv")]) == 2
    (tmp_path / "d.csv").write_text("0,1\n1,2\n2,3\n")
    assert main(["fit", str(tmp_path / "d.csv"), "--lam", "-1"]) == 2
    assert "--lam" in capsys.readouterr().err


def test_vanishing_directions_do_not_overflow():
    # weight decay drives unused neurons to ‖w‖ ~ 1e-18 with O(1) biases: offsets b/‖w‖ ~ 1e18
    # must be grouped without an int64 overflow (pytest turns its RuntimeWarning into an error)
    W = np.array([[1e-18, 0.0], [1.0, 0.5], [-1e-18, 0.0]])
    net = ShallowNetwork(W, np.array([1.0, 0.2, -1.0]), np.array([1.0, 2.0, 3.0]))
    expected = 2 * np.hypot(1.0, 0.5) + abs(1.0 + 3.0) * 1e-18  # antipodal tiny pair: |a + a'|
    assert abs(net.rtv_seminorm() - expected) <= 1e-15
