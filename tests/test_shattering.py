"""nets.torch.shattering: neuron statistics, |f|_{V_g}, and the stability bound of arXiv
2506.20779 (Thm. 3.2) on every network trained here; the shattering phenomenon at a small
size (Figs. 1, 3: large η without weight decay vs weight decay)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ridgekit.nets import ShallowNetwork  # noqa: E402
from ridgekit.nets.torch import (  # noqa: E402
    TwoLayerReLU,
    activation_fraction,
    atom_weights,
    data_weight_values,
    shattering_summary,
    stability_bound,
    stack_datasets,
    train_gd,
    train_gd_batched,
    weighted_variation_norm,
)
from ridgekit.radon.norms import data_weight  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def _linear_data(n, d, seed, sigma=1.0):
    """The paper's data: x ~ Unif(B^d), y = wᵀx + N(0, σ²), ‖w‖ = 1."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    g = rng.standard_normal((n, d))
    X = g / np.linalg.norm(g, axis=1, keepdims=True) * rng.random(n)[:, None] ** (1 / d)
    return X, X @ w + sigma * rng.standard_normal(n)


def test_statistics_against_direct_formulas(rng):
    X, y = _linear_data(60, 3, 0)
    model = TwoLayerReLU(3, 25, seed=4)
    train_gd(model, X, y, lr=0.3, epochs=100)
    W, b, V = (p.detach().numpy() for p in (model.W, model.b, model.V))
    np.testing.assert_array_equal(activation_fraction(model, X), np.mean(X @ W.T > b, axis=0))
    np.testing.assert_allclose(atom_weights(model), np.abs(V[:, 0]) * np.linalg.norm(W, axis=1), rtol=1e-15)
    nw = np.linalg.norm(W, axis=1)
    np.testing.assert_allclose(data_weight_values(model, X), data_weight(X)(W / nw[:, None], b / nw), rtol=1e-15)
    net = model.to_shallow()
    assert weighted_variation_norm(model, X) == net.weighted_variation("data", X=X)
    # distinct neurons inside the ball: |f|_Vg = Σ a_k g(u_k, t_k) (Example 3.1)
    inside = np.abs(b / nw) < 1
    direct = float(np.sum((atom_weights(model) * data_weight_values(model, X))[inside]))
    assert math.isclose(weighted_variation_norm(model, X), direct, rel_tol=1e-12)
    s = shattering_summary(model, X)
    assert 0 <= s["fraction_shattered"] <= 1 and math.isclose(s["path_norm"], net.path_norm(), rel_tol=1e-14)


def test_bound_is_tight_for_the_prop_I2_network():
    """All neurons miss the ball: |f|_Vg = 0 (affine there), λ_max = 1, L = 0, bound = 0."""
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(30, 5, generator=gen, dtype=torch.float64)
    model = TwoLayerReLU.from_tensors(W, 1.5 * W.norm(dim=1), torch.randn(30, generator=gen, dtype=torch.float64),
                                      torch.zeros(1, dtype=torch.float64))
    X, _ = _linear_data(80, 5, 1)
    sb = stability_bound(model, X, np.zeros(80))
    assert sb.norm == 0.0 and sb.loss == 0.0 and abs(sb.lam_max - 1.0) <= 1e-12
    assert abs(sb.bound) <= 1e-12 and sb.holds


def _check_theorem_3_2(model, X, y):
    """Thm. 3.2 and the [derived] stronger form λ_max ≥ 1 + 2|f|_Vg − √(1+R²)√(2L)."""
    sb = stability_bound(model, X, y)
    assert sb.holds, sb
    assert sb.lam_max >= 1 + 2 * sb.norm - math.sqrt(1 + sb.R ** 2) * math.sqrt(2 * sb.loss) - 1e-9, sb
    return sb


def test_theorem_3_2_on_trained_networks():
    """Every network of a batch (d ∈ {2, 5}, η ∈ {0.05, 0.5, 1.2}, λ ∈ {0, 0.1}) at
    initialisation and after training satisfies Thm. 3.2 (a statement for every θ)."""
    configs = [(d, lr, wd) for d in (2, 5) for lr, wd in ((0.05, 0.0), (0.5, 0.0), (1.2, 0.0), (0.05, 0.1))]
    for d in (2, 5):
        cfg = [c for c in configs if c[0] == d]
        data = [_linear_data(50, d, 10 * d + j) for j in range(len(cfg))]
        Xb, yb, n = stack_datasets(data)
        for epochs in (0, 400):
            nets = train_gd_batched(Xb, yb, seeds=list(range(len(cfg))), widths=40, lr=[c[1] for c in cfg],
                                    weight_decay=[c[2] for c in cfg], epochs=epochs, clip=50.0)
            for j in range(len(cfg)):
                _check_theorem_3_2(nets.model(j), *data[j])


def test_shattering_large_step_vs_weight_decay():
    """Figs. 1 and 3 at d = 10, n = 128, width 256, 1500 steps, seeds 0 and 1: with η = 0.9 and
    no weight decay most neurons are active on ≤ 10 % of the data, with larger atom weights;
    with η = 0.01 and weight decay 0.1 most neurons are active on a large fraction.  (Values
    seen on seeds 0–3: shattered 0.83 vs 0.13–0.16, median |v|‖w‖ ratio 40–60, median
    activation 0 vs 0.6; the thresholds below leave wide margins.)  Thm. 3.2 holds on all."""
    for seed in (0, 1):
        X, y = _linear_data(128, 10, 100 + seed)
        nets = train_gd_batched(X, y, seeds=[seed, seed], widths=256, lr=[0.9, 0.01], weight_decay=[0.0, 0.1],
                                epochs=1500, clip=50.0, dtype=torch.float32)
        big, wd = (shattering_summary(nets.model(j), X) for j in range(2))
        assert big["fraction_shattered"] >= 0.6 and wd["fraction_shattered"] <= 0.3
        assert wd["median_activation"] >= 0.4 and big["median_activation"] <= 0.1
        assert big["median_atom_weight"] >= 10 * wd["median_atom_weight"]
        for j in range(2):
            _check_theorem_3_2(nets.model(j), X, y)


def test_bad_input():
    model = TwoLayerReLU(2, 3)
    with pytest.raises(ValueError, match="shape"):
        activation_fraction(model, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="ball of radius"):
        stability_bound(model, [[2.0, 0.0]], [0.0], R=1.0)
    with pytest.raises(TypeError):
        atom_weights(object())
    with pytest.raises(ValueError, match="scalar"):
        stability_bound(TwoLayerReLU(2, 3, out_dim=2), [[0.1, 0.0]], [0.0])
    net = ShallowNetwork([[1.0, 0.0]], [0.0], [1.0])
    assert activation_fraction(net, [[0.5, 0.0], [-0.5, 0.0]]).tolist() == [0.5]
