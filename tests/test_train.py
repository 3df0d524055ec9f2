"""nets.torch.train: full-batch GD (one network) against torch.optim.SGD, and the batched
trainer against one-at-a-time training with the same seeds."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nets.torch import (SharpnessTracker, TwoLayerReLU, half_mse, hessian_eigenvalues,  # noqa: E402
                        stack_datasets, train_gd, train_gd_batched)


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _ball(n, d, seed, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    X = X / X.norm(dim=1, keepdim=True) * torch.rand(n, 1, generator=gen, dtype=torch.float64) ** (1 / d)
    y = X.sum(1) / d ** 0.5 + 0.5 * torch.randn(n, generator=gen, dtype=torch.float64)
    return X.to(dtype), y.to(dtype)


def _max_diff(a, b):
    with torch.no_grad():
        return max(float((p - q).abs().max()) for p, q in zip(a.parameters(), b.parameters()))


def test_train_gd_is_sgd_with_clipping_and_weight_decay():
    """θ ← θ − η(clip(∇L) + λθ) is clip_grad_norm_ followed by torch.optim.SGD(weight_decay=λ)."""
    X, y = _ball(50, 3, 0)
    ours = TwoLayerReLU(3, 20, seed=1)
    ref = TwoLayerReLU(3, 20, seed=1)
    res = train_gd(ours, X, y, lr=0.4, weight_decay=0.05, epochs=200, clip=0.5)
    opt = torch.optim.SGD(ref.parameters(), lr=0.4, weight_decay=0.05)
    for _ in range(200):
        opt.zero_grad()
        loss = half_mse(ref(X), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ref.parameters(), 0.5)
        opt.step()
    assert res.clipped > 0
    assert _max_diff(ours, ref) <= 1e-12
    assert res.losses.shape == (201,)
    with torch.no_grad():
        assert abs(res.losses[-1] - float(half_mse(ref(X), y))) <= 1e-12


def test_batched_equals_one_at_a_time():
    """Different data sets (sizes 10, 25, 40), widths, step sizes, weight decays, clipping:
    network j of the batch follows train_gd on TwoLayerReLU(d, widths[j], seed=seeds[j])."""
    sets = [_ball(n, 4, 10 + n) for n in (10, 25, 40)]
    Xb, yb, n = stack_datasets(sets)
    seeds, widths, lr, wd = [3, 4, 5], [12, 30, 7], [0.5, 0.2, 0.05], [0.0, 0.01, 0.1]
    nets = train_gd_batched(Xb, yb, seeds=seeds, widths=widths, lr=lr, weight_decay=wd, epochs=300,
                            clip=0.3, n=n)
    assert nets.clipped.sum() > 0                    # the clip fires
    for j in range(3):
        one = TwoLayerReLU(4, widths[j], seed=seeds[j])
        res = train_gd(one, *sets[j], lr=lr[j], weight_decay=wd[j], epochs=300, clip=0.3)
        # float64, 300 steps: only the summation order differs
        assert _max_diff(one, nets.model(j)) <= 1e-12
        np.testing.assert_allclose(nets.losses[j], res.losses, rtol=1e-12, atol=1e-14)
        assert nets.clipped[j] == res.clipped
        # padding neurons stay exactly zero
        assert torch.all(nets.W[j, widths[j]:] == 0) and torch.all(nets.V[j, widths[j]:] == 0)
    # blocking the batch (chunk) changes nothing but the kernels' batch size
    for chunk in (1, 2):
        other = train_gd_batched(Xb, yb, seeds=seeds, widths=widths, lr=lr, weight_decay=wd, epochs=300,
                                 clip=0.3, n=n, chunk=chunk)
        assert float((other.W - nets.W).abs().max()) <= 1e-12 and np.array_equal(other.clipped, nets.clipped)


def test_batched_float32_shared_data_vector_output():
    X, _ = _ball(30, 3, 2, dtype=torch.float32)
    Y = torch.stack([X[:, 0], X[:, 1] - X[:, 2]], dim=1)
    nets = train_gd_batched(X, Y, seeds=[0, 1], widths=16, lr=0.3, epochs=100, dtype=torch.float32)
    assert not nets.scalar_output and nets.predict(X).shape == (2, 30, 2)
    for j in range(2):
        one = TwoLayerReLU(3, 16, seed=j, out_dim=2, dtype=torch.float32)
        train_gd(one, X, Y, lr=0.3, epochs=100)
        # float32: rounding (eps32 = 1.2e-7) amplified by 100 steps of GD
        assert _max_diff(one, nets.model(j)) <= 1e-5


def test_callbacks_and_sharpness_tracker():
    X, y = _ball(40, 3, 3)
    model = TwoLayerReLU(3, 16, seed=2)
    tracker = SharpnessTracker(X, y, lr=0.5, tol=1e-10)
    seen = []

    def stop(step, m, loss):
        seen.append(step)
        return step >= 20

    res = train_gd(model, X, y, lr=0.5, epochs=100, callbacks=[tracker, stop], callback_every=10)
    assert seen == [0, 10, 20] and res.stopped == 20 and len(res.losses) == 21
    assert tracker.steps == [0, 10, 20] and tracker.threshold == 4.0
    lam = hessian_eigenvalues(lambda: half_mse(model(X), y), list(model.parameters()), tol=1e-10)[0]
    assert abs(tracker.sharpness[-1] - lam) <= 1e-8 * lam
    calls = []
    nets = train_gd_batched(X, y, seeds=[0, 1], widths=8, lr=0.1, epochs=50, callback_every=25,
                            callbacks=[lambda s, st, ls: calls.append((s, ls.shape)) or False])
    assert calls == [(0, (2,)), (25, (2,)), (50, (2,))] and nets.losses.shape == (2, 51)


def test_bad_input():
    X, y = _ball(10, 2, 0)
    model = TwoLayerReLU(2, 4)
    with pytest.raises(ValueError, match="lr"):
        train_gd(model, X, y, lr=0.0, epochs=1)
    with pytest.raises(ValueError, match="same number of rows"):
        train_gd(model, X, y[:5], lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="lr must"):
        train_gd_batched(X, y, seeds=[0, 1], widths=4, lr=[0.1, 0.2, 0.3], epochs=1)
    with pytest.raises(ValueError, match="seeds"):
        train_gd_batched(X, y, seeds=[], widths=4, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="n must"):
        train_gd_batched(X, y, seeds=[0], widths=4, lr=0.1, epochs=1, n=[11])
