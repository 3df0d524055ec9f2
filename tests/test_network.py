"""ShallowNetwork: evaluation, canonical form, norms and their invariances, save/load, bad input."""

import math

import numpy as np
import pytest

from ridgekit.nets import NormActivation, ShallowNetwork
from ridgekit.radon.norms import Ball, Cube


def _random_relu(rng, m=12, d=3, D=None):
    W = rng.standard_normal((m, d))
    b = rng.standard_normal(m)
    V = rng.standard_normal(m) if D is None else rng.standard_normal((m, D))
    return W, b, V


def _naive(W, b, V, X, c0=0.0, C=None):
    out = np.maximum(X @ W.T - b, 0.0) @ V + c0
    return out if C is None else out + X @ C


def test_evaluation_backends_agree():
    rng = np.random.default_rng(0)
    W, b, V = _random_relu(rng, m=30, d=4, D=2)
    c0, C = rng.standard_normal(2), rng.standard_normal((4, 2))
    net = ShallowNetwork(W, b, V, skip=(c0, C))
    X = rng.standard_normal((500, 4))
    ref = _naive(W, b, V, X, c0, C)
    np.testing.assert_allclose(net(X), ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(net(X, backend="numpy"), ref, rtol=1e-13, atol=1e-13)


def test_chunked_evaluation(monkeypatch):
    import ridgekit.nets.network as nn
    rng = np.random.default_rng(1)
    W, b, V = _random_relu(rng, m=50, d=3)
    net = ShallowNetwork(W, b, V)
    X = rng.standard_normal((333, 3))
    full = net(X, backend="numpy")
    monkeypatch.setattr(nn, "_CHUNK_ELEMENTS", 64)       # blocks of one point
    np.testing.assert_allclose(net(X, backend="numpy"), full, rtol=1e-14)


def test_frames_norm_activation_evaluation_and_gradient():
    rng = np.random.default_rng(2)
    m, d, n = 7, 4, 2
    Th = np.linalg.qr(rng.standard_normal((m, d, n)))[0]
    t = rng.standard_normal((m, n))
    v = rng.standard_normal(m)
    net = ShallowNetwork(Th, t, v, activation="norm")
    X = rng.standard_normal((20, d))
    ref = np.array([sum(v[i] * np.linalg.norm(Th[i].T @ x - t[i]) for i in range(m)) for x in X])
    np.testing.assert_allclose(net(X), ref, rtol=1e-13)
    G = net.gradient(X)
    eps = 1e-6
    fd = np.stack([(net(X + eps * e) - net(X - eps * e)) / (2 * eps) for e in np.eye(d)], axis=1)
    np.testing.assert_allclose(G, fd, rtol=1e-6, atol=1e-7)


def test_relu_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    W, b, V = _random_relu(rng, m=15, d=3, D=2)
    net = ShallowNetwork(W, b, V, skip={"powers": np.array([[0, 0, 0], [1, 0, 0], [0, 2, 1]]),
                                        "coef": rng.standard_normal((3, 2))})
    X = rng.standard_normal((40, 3))
    G = net.gradient(X)
    assert G.shape == (40, 2, 3)
    eps = 1e-6
    fd = np.stack([(net(X + eps * e) - net(X - eps * e)) / (2 * eps) for e in np.eye(3)], axis=2)
    np.testing.assert_allclose(G, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.gradient(X, backend="numpy"), G, rtol=1e-13, atol=1e-13)


def _tricky_relu(rng, d=3):
    """Random neurons plus duplicates (rescaled copies), antipodal partners and zeros."""
    W, b, V = _random_relu(rng, m=10, d=d)
    s = rng.uniform(0.5, 2.0, 4)
    W = np.vstack([W, W[:4] * s[:, None], -W[4:7] * 1.7, W[7:8]])
    b = np.concatenate([b, b[:4] * s, -b[4:7] * 1.7, b[7:8]])
    V = np.concatenate([V, rng.standard_normal(4), rng.standard_normal(3), [0.0]])
    return W, b, V


@pytest.mark.parametrize("D", [None, 3])
def test_canonical_preserves_function(D):
    rng = np.random.default_rng(4)
    W, b, V = _tricky_relu(rng)
    if D is not None:
        V = np.outer(V, rng.standard_normal(D))
    net = ShallowNetwork(W, b, V, skip=(np.ones(D or 1), np.ones((3, D or 1))))
    can = net.canonical()
    assert can.n_neurons == 10 - (1 if D is None else 0) or can.n_neurons <= 10
    X = rng.standard_normal((400, 3)) * 3
    f = net(X)
    np.testing.assert_allclose(can(X), f, rtol=1e-12, atol=1e-12 * np.abs(f).max())
    np.testing.assert_allclose(np.linalg.norm(can.W, axis=1), 1.0, rtol=1e-15)
    # canonical is idempotent
    np.testing.assert_allclose(can.canonical()(X), f, rtol=1e-12, atol=1e-12 * np.abs(f).max())
    assert can.canonical().n_neurons == can.n_neurons


@pytest.mark.parametrize("domain", [Ball(1.5), Cube(1.0), ("ball", 0.5), Ball(1.0, center=[0.5, 0.0, 0.0])])
def test_canonical_on_domain_preserves_function_there(domain):
    rng = np.random.default_rng(5)
    W, b, V = _tricky_relu(rng)
    b = b * 2.5                                       # many hyperplanes miss the domain
    net = ShallowNetwork(W, b, V)
    can = net.canonical(domain)
    dom = can.canonical(domain)
    from ridgekit.radon.norms import as_domain
    dm = as_domain(domain)
    X = rng.uniform(-2, 2, size=(20000, 3))
    X = X[dm.contains(X)]
    assert len(X) > 20
    np.testing.assert_allclose(can(X), net(X), rtol=1e-12, atol=1e-12)
    assert dom.n_neurons == can.n_neurons
    assert can.n_neurons < net.canonical().n_neurons


def test_rtv_unit_neuron_affine_antipodal_duplicates():
    rng = np.random.default_rng(6)
    u = rng.standard_normal(4)
    u /= np.linalg.norm(u)
    assert ShallowNetwork([u], [0.3], [1.0]).rtv_seminorm() == pytest.approx(1.0, rel=1e-15)
    # affine: [z]₊ − [−z]₊ with rescaled copies
    net = ShallowNetwork([2 * u, -3 * u], [0.6, -0.9], [1.5, -1.0])
    assert net.rtv_seminorm() <= 1e-14
    # antipodal pair a[z]₊ + a′[−z]₊ → |a + a′|
    a, ap = 1.3, 0.4
    assert ShallowNetwork([u, -u], [0.1, -0.1], [a, ap]).rtv_seminorm() == pytest.approx(a + ap, rel=1e-14)
    assert ShallowNetwork([u, -u], [0.1, -0.1], [a, -ap]).rtv_seminorm() == pytest.approx(a - ap, rel=1e-14)
    # duplicates: (u, t) and (2u, 2t) are one atom
    assert ShallowNetwork([u, 2 * u], [0.1, 0.2], [1.0, -0.25]).rtv_seminorm() == pytest.approx(0.5, rel=1e-14)
    # distinct non-antipodal neurons: Σ|v|‖w‖ = path norm
    W, b, V = _random_relu(rng, m=8, d=4)
    net = ShallowNetwork(W, b, V)
    assert net.rtv_seminorm() == pytest.approx(net.path_norm(), rel=1e-13)


def test_rtv_invariances():
    rng = np.random.default_rng(7)
    d = 3
    W, b, V = _tricky_relu(rng, d)
    net = ShallowNetwork(W, b, V)
    base = net.rtv_seminorm()
    O, _ = np.linalg.qr(rng.standard_normal((d, d)))
    c = rng.standard_normal(d)
    # f(Ox): neurons w·Ox = (Oᵀw)·x
    rot = ShallowNetwork(W @ O, b, V)
    X = rng.standard_normal((50, d))
    np.testing.assert_allclose(rot(X), net(X @ O.T), rtol=1e-12, atol=1e-12)
    assert rot.rtv_seminorm() == pytest.approx(base, rel=1e-12)
    # f(x + c)
    assert ShallowNetwork(W, b - W @ c, V).rtv_seminorm() == pytest.approx(base, rel=1e-12)
    # f(x / s): ‖f(·/s)‖ = ‖f‖/s
    s = 2.5
    assert ShallowNetwork(W / s, b, V).rtv_seminorm() == pytest.approx(base / s, rel=1e-12)
    # adding an affine function changes nothing
    assert ShallowNetwork(W, b, V, skip=([3.0], [[1.0], [2.0], [3.0]])).rtv_seminorm() == pytest.approx(base, rel=1e-14)


def test_vector_valued_norms():
    rng = np.random.default_rng(8)
    W, b, V = _random_relu(rng, m=6, d=3, D=4)
    net = ShallowNetwork(W, b, V)
    ref = np.sum(np.linalg.norm(V, axis=1) * np.linalg.norm(W, axis=1))
    assert net.rtv_seminorm() == pytest.approx(ref, rel=1e-13)
    vv = np.sum(np.linalg.norm(V, axis=1) * np.sqrt(np.sum(W ** 2, 1) + b ** 2))
    assert net.vv_norm() == pytest.approx(vv, rel=1e-14)


@pytest.mark.parametrize("include_bias", [False, True])
def test_rebalance_identity(include_bias):
    rng = np.random.default_rng(9)
    W, b, V = _random_relu(rng, m=20, d=5, D=2)
    V[3] = 0.0
    net = ShallowNetwork(W * rng.uniform(0.1, 10, (20, 1)), b, V)
    bal, wd, norm = net.rebalance(include_bias=include_bias)
    assert wd == pytest.approx(norm, rel=1e-13)
    assert norm == pytest.approx(net.vv_norm() if include_bias else net.path_norm(), rel=1e-13)
    assert net.weight_decay(include_bias=include_bias) >= wd
    X = rng.standard_normal((100, 5))
    np.testing.assert_allclose(bal(X), net(X), rtol=1e-12, atol=1e-12)
    # an unbalanced neuron (v = 4, w = (1, 0)) costs more than its path norm
    one = ShallowNetwork([[1.0, 0.0]], [0.0], [4.0])
    assert one.weight_decay() == 8.5 and one.path_norm() == 4.0


def test_weighted_variation():
    rng = np.random.default_rng(10)
    W, b, V = _random_relu(rng, m=15, d=2)
    net = ShallowNetwork(W, b * 2, V)
    assert net.weighted_variation("one", domain=Ball(1.0)) == pytest.approx(net.rtv_seminorm(domain=Ball(1.0)))
    can = net.canonical(Ball(1.0))
    ref = np.sum(np.abs(can.V) * (1 - np.abs(can.b)) ** 4)
    assert net.weighted_variation("stable") == pytest.approx(ref, rel=1e-13)
    X = rng.uniform(-1, 1, (300, 2))
    val = net.weighted_variation("data", X=X)
    assert 0 <= val <= net.weighted_variation("one") * 10
    with pytest.raises(ValueError, match="needs the sample"):
        net.weighted_variation("data")
    with pytest.raises(ValueError, match="one of"):
        net.weighted_variation("devore")


def test_kplane_norm_isotropy_and_scaling():
    rng = np.random.default_rng(11)
    d, n = 4, 2
    Th = np.linalg.qr(rng.standard_normal((3, d, n)))[0]
    t = rng.standard_normal((3, n))
    v = np.array([1.0, -2.0, 0.5])
    kappa = 2 * math.pi                 # |1/C(2, 3)| for the norm activation on ℝ²
    net = ShallowNetwork(Th, t, v, activation="norm")
    assert net.kplane_norm() == pytest.approx(kappa * 3.5, rel=1e-13)
    # (ΘO, Oᵀt) is the same k-plane: merged with the original
    O = np.linalg.qr(rng.standard_normal((n, n)))[0]
    Th2 = np.concatenate([Th, (Th[0] @ O)[None], 3.0 * Th[1:2]])
    t2 = np.concatenate([t, (O.T @ t[0])[None], 3.0 * t[1:2]])
    net2 = ShallowNetwork(Th2, t2, np.concatenate([v, [2.0, 1.0]]), activation="norm")
    # atom 0: 1 + 2 = 3; atom 1: −2 + 3·1 = 1; atom 2: 0.5
    assert net2.kplane_norm() == pytest.approx(kappa * 4.5, rel=1e-12)
    X = rng.standard_normal((50, d))
    np.testing.assert_allclose(net2.canonical()(X), net2(X), rtol=1e-12)
    assert net2.to_measure().frames.shape == (3, d, n)


def test_kplane_norm_polyharmonic_and_thin_plate():
    rng = np.random.default_rng(12)
    d = 3
    Th = np.linalg.qr(rng.standard_normal((2, d, 2)))[0]
    t = rng.standard_normal((2, 2))
    tp = ShallowNetwork(Th, t, [1.0, 1.0], activation="thin_plate")
    assert tp.kplane_norm() == pytest.approx(2 * 8 * math.pi, rel=1e-13)
    ph = ShallowNetwork(Th, t, [1.0, 1.0], activation="polyharmonic", order=3)
    assert ph.kplane_norm() == pytest.approx(2 * 2 * math.pi, rel=1e-13)   # = norm activation, n = 2
    with pytest.raises(ValueError, match="order g > n"):
        ShallowNetwork(Th, t, [1.0, 1.0], activation="polyharmonic", order=2)


def test_relu_kplane_norm_matches_norm_activation():
    # |z| = [z]₊ + [−z]₊
    net = ShallowNetwork([[[1.0], [0.0]]], [[0.2]], [1.5], activation="norm")
    relu = ShallowNetwork([[1.0, 0.0], [-1.0, 0.0]], [0.2, -0.2], [1.5, 1.5])
    assert net.kplane_norm() == pytest.approx(relu.rtv_seminorm(), rel=1e-15)
    assert relu.kplane_norm() == relu.rtv_seminorm()


@pytest.mark.parametrize("ext", ["npz", "json"])
@pytest.mark.parametrize("kind", ["relu", "poly"])
def test_save_load_bit_exact(tmp_path, ext, kind):
    rng = np.random.default_rng(13)
    if kind == "relu":
        W, b, V = _random_relu(rng, m=9, d=3, D=2)
        net = ShallowNetwork(W, b, V, skip=(rng.standard_normal(2), rng.standard_normal((3, 2))))
    else:
        W = np.linalg.qr(rng.standard_normal((4, 3, 2)))[0]
        net = ShallowNetwork(W, rng.standard_normal((4, 2)), rng.standard_normal(4) / 3,
                             activation="polyharmonic", order=5)
    path = tmp_path / f"net.{ext}"
    net.save(path)
    back = ShallowNetwork.load(path)
    for name in ("W", "b", "V", "skip_powers", "skip_coef"):
        a, c = getattr(net, name), getattr(back, name)
        assert a.dtype == c.dtype and a.shape == c.shape and np.array_equal(a, c)
    assert back.activation == net.activation


def test_save_rejects_custom_activation_and_bad_path(tmp_path):
    net = ShallowNetwork([[1.0]], [0.0], [1.0], activation=lambda y: np.tanh(y[..., 0]))
    with pytest.raises(TypeError, match="custom"):
        net.save(tmp_path / "x.npz")
    with pytest.raises(ValueError, match=".npz"):
        ShallowNetwork([[1.0]], [0.0], [1.0]).save(tmp_path / "x.txt")


def test_bad_input_is_rejected_before_kernels():
    with pytest.raises(ValueError, match="W must be finite"):
        ShallowNetwork([[np.nan, 1.0]], [0.0], [1.0])
    with pytest.raises(ValueError, match="V must be finite"):
        ShallowNetwork([[1.0, 1.0]], [0.0], [np.inf])
    with pytest.raises(ValueError, match="zero direction"):
        ShallowNetwork([[1.0, 1.0], [0.0, 0.0]], [0.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="b must have shape"):
        ShallowNetwork([[1.0, 1.0]], [0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="V must have 1 rows"):
        ShallowNetwork([[1.0, 1.0]], [0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="activation"):
        ShallowNetwork([[1.0, 1.0]], [0.0], [1.0], activation="tanh")
    with pytest.raises(TypeError, match="activation"):
        ShallowNetwork([[1.0, 1.0]], [0.0], [1.0], activation=3)
    with pytest.raises(ValueError, match="relu"):
        ShallowNetwork(np.ones((1, 3, 2)) / 2, np.zeros((1, 2)), [1.0])
    with pytest.raises(ValueError, match="skip"):
        ShallowNetwork([[1.0, 1.0]], [0.0], [1.0], skip=([0.0], [1.0, 2.0, 3.0]))
    net = ShallowNetwork([[1.0, 1.0]], [0.0], [1.0])
    with pytest.raises(ValueError, match="X must have shape"):
        net(np.ones((3, 3)))
    with pytest.raises(TypeError, match="domain"):
        net.canonical(domain="disk")
    with pytest.raises(TypeError, match="domain"):
        net.canonical(domain=lambda x: x[0] < 1)
    with pytest.raises(ValueError, match="ReLU"):
        ShallowNetwork([[[1.0]]], [[0.0]], [1.0], activation="norm").canonical(Ball(1.0))
    with pytest.raises(ValueError, match="orthonormal"):
        ShallowNetwork(np.array([[[1.0, 0.0], [0.0, 2.0]]]), np.zeros((1, 2)), [1.0],
                       activation="norm").canonical()


def test_torch_round_trip():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    W, b, V = _random_relu(rng, m=5, d=3)
    net = ShallowNetwork(W, b, V, skip=([0.5], rng.standard_normal((3, 1))))
    mod = net.to_torch()
    X = rng.standard_normal((10, 3))
    np.testing.assert_allclose(mod(torch.as_tensor(X)).detach().numpy(), net(X), rtol=1e-13)
    back = ShallowNetwork.from_torch(mod)
    np.testing.assert_allclose(back(X), net(X), rtol=1e-13)


def test_to_torch_without_torch_raises_clear_error():
    try:
        import torch  # noqa: F401
        pytest.skip("torch is installed")
    except ImportError:
        pass
    with pytest.raises(ImportError, match="PyTorch"):
        ShallowNetwork([[1.0]], [0.0], [1.0]).to_torch()


def test_norm_activation_object_and_measure():
    net = ShallowNetwork([[1.0, 0.0], [0.0, 2.0]], [0.0, 1.0], [1.0, 1.0])
    meas = net.to_measure()
    assert meas.frames.shape == (2, 2, 1)
    assert meas.total_variation() == pytest.approx(net.rtv_seminorm())
    assert NormActivation().green_scale(1) == -2.0
