"""nets.torch.train: full-batch GD (one network) against torch.optim.SGD, and the batched
trainer against one-at-a-time training with the same seeds."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ridgekit.nets.torch import (  # noqa: E402
    SharpnessTracker,
    TwoLayerReLU,
    half_mse,
    hessian_eigenvalues,
    stack_datasets,
    train_gd,
    train_gd_batched,
)

pytestmark = pytest.mark.usefixtures("torch_one_thread")


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


@pytest.mark.parametrize("backend", ["torch", "fused"])
def test_batched_equals_one_at_a_time(backend):
    """Different data sets (sizes 10, 25, 40), widths, step sizes, weight decays, clipping:
    network j of the batch follows train_gd on TwoLayerReLU(d, widths[j], seed=seeds[j]),
    with both backends."""
    sets = [_ball(n, 4, 10 + n) for n in (10, 25, 40)]
    Xb, yb, n = stack_datasets(sets)
    seeds, widths, lr, wd = [3, 4, 5], [12, 30, 7], [0.5, 0.2, 0.05], [0.0, 0.01, 0.1]
    nets = train_gd_batched(Xb, yb, seeds=seeds, widths=widths, lr=lr, weight_decay=wd, epochs=300,
                            clip=0.3, n=n, backend=backend)
    assert nets.clipped.sum() > 0                    # the clip fires
    for j in range(3):
        one = TwoLayerReLU(4, widths[j], seed=seeds[j])
        res = train_gd(one, *sets[j], lr=lr[j], weight_decay=wd[j], epochs=300, clip=0.3)
        # float64, 300 steps: only the summation order differs (both backends measured at
        # ≤ 2e-15 in parameters and 7e-15 relative in the losses: the tolerances leave a
        # factor ≥ 100 for other BLAS builds and kernels' vector widths)
        assert _max_diff(one, nets.model(j)) <= 1e-12
        np.testing.assert_allclose(nets.losses[j], res.losses, rtol=1e-12, atol=1e-14)
        assert nets.clipped[j] == res.clipped
        # padding neurons stay exactly zero
        assert torch.all(nets.W[j, widths[j]:] == 0) and torch.all(nets.V[j, widths[j]:] == 0)
    # blocking the batch (chunk) changes nothing but the torch kernels' batch size
    for chunk in (1, 2):
        other = train_gd_batched(Xb, yb, seeds=seeds, widths=widths, lr=lr, weight_decay=wd, epochs=300,
                                 clip=0.3, n=n, chunk=chunk, backend="torch")
        assert float((other.W - nets.W).abs().max()) <= 1e-12 and np.array_equal(other.clipped, nets.clipped)


@pytest.mark.parametrize("backend", ["torch", "fused"])
def test_batched_float32_shared_data_vector_output(backend):
    X, _ = _ball(30, 3, 2, dtype=torch.float32)
    Y = torch.stack([X[:, 0], X[:, 1] - X[:, 2]], dim=1)
    nets = train_gd_batched(X, Y, seeds=[0, 1], widths=16, lr=0.3, epochs=100, dtype=torch.float32,
                            backend=backend)
    assert not nets.scalar_output and nets.predict(X).shape == (2, 30, 2)
    assert nets.W.dtype == torch.float32 and nets.losses.dtype == np.float32
    for j in range(2):
        one = TwoLayerReLU(3, 16, seed=j, out_dim=2, dtype=torch.float32)
        train_gd(one, X, Y, lr=0.3, epochs=100)
        # float32: rounding (eps32 = 1.2e-7) amplified by 100 steps of GD (the fused
        # kernel also sums in another order, with FMAs)
        assert _max_diff(one, nets.model(j)) <= 1e-5


def _autograd_step(model, X, y, *, lr, weight_decay, clip):
    """θ₁ = θ₀ − η (clip(∇L(θ₀)) + λθ₀) written out with torch.autograd (clip_grad_norm_'s
    rule: coef = clip/(‖g‖ + 1e-6) if < 1); returns θ₁, ∇L(θ₀), L(θ₀), whether clipped."""
    params = list(model.parameters())
    loss = half_mse(model(X), y)
    grads = torch.autograd.grad(loss, params)
    coef = 1.0 if clip is None else clip / (float(torch.sqrt(sum((g * g).sum() for g in grads))) + 1e-6)
    scale = min(coef, 1.0)
    new = [(p - lr * (scale * g + weight_decay * p)).detach() for p, g in zip(params, grads)]
    return new, grads, float(loss.detach()), coef < 1.0


@pytest.mark.parametrize("out_dim", [None, 2])
def test_fused_step_is_autograd_step(out_dim):
    """One fused step (float64) against torch.autograd, two networks with different data
    sizes (padded rows) and widths (padded neurons), scalar and vector outputs."""
    D = 1 if out_dim is None else out_dim
    sets = []
    for j, nj in enumerate((13, 29)):
        X, y = _ball(nj, 3, 40 + j)
        sets.append((X, y if out_dim is None else torch.stack([y, X[:, 0] * y], dim=1)))
    Xb, yb, n = stack_datasets(sets)
    seeds, widths = [7, 8], [9, 6]
    models = [TwoLayerReLU(3, w, seed=s, out_dim=out_dim) for s, w in zip(seeds, widths)]
    # (a) the gradient: with λ = 0, no clip and a huge step, ∇L = (θ₀ − θ₁)/η up to
    # eps·|θ₀|/η ≈ 1e-20; the kernel's sums over ≤ 29 samples, in another order than
    # autograd's, leave ~1e-16 relative, so 1e-12 relative is a wide margin.
    eta = 1e4
    nets = train_gd_batched(Xb, yb, seeds=seeds, widths=widths, lr=eta, epochs=1, n=n, backend="fused")
    for j, model in enumerate(models):
        _, grads, loss0, _ = _autograd_step(model, *sets[j], lr=eta, weight_decay=0.0, clip=None)
        got = nets.model(j)
        scale = max(float(g.abs().max()) for g in grads)
        for p0, p1, g in zip(model.parameters(), got.parameters(), grads):
            assert float(((p0.detach() - p1.detach()) / eta - g).abs().max()) <= 1e-12 * scale
        assert abs(nets.losses[j, 0] - loss0) <= 1e-14 * loss0
        assert nets.clipped[j] == 0
    # (b) the update with weight decay and clipping, the clip between the two gradient
    # norms (so it fires on exactly one network)
    lr, wd = [0.7, 0.3], [0.05, 0.2]
    norms = []
    for j, model in enumerate(models):
        _, grads, _, _ = _autograd_step(model, *sets[j], lr=1.0, weight_decay=0.0, clip=None)
        norms.append(float(torch.sqrt(sum((g * g).sum() for g in grads))))
    assert abs(norms[0] - norms[1]) >= 0.01 * max(norms)     # far from rounding either way
    clip = 0.5 * (norms[0] + norms[1])
    nets = train_gd_batched(Xb, yb, seeds=seeds, widths=widths, lr=lr, weight_decay=wd, epochs=1, n=n,
                            clip=clip, backend="fused")
    fired = []
    for j, model in enumerate(models):
        new, _, loss0, hit = _autograd_step(model, *sets[j], lr=lr[j], weight_decay=wd[j], clip=clip)
        fired.append(hit)
        for p1, q in zip(nets.model(j).parameters(), new):
            assert float((p1.detach() - q).abs().max()) <= 1e-14      # |θ| ≤ 1: a few eps
        assert nets.clipped[j] == int(hit)
        with torch.no_grad():
            loss1 = float(half_mse(TwoLayerReLU.from_tensors(*new, scalar_output=out_dim is None)(sets[j][0]),
                                   sets[j][1]))
        np.testing.assert_allclose(nets.losses[j], [loss0, loss1], rtol=1e-13)
        # padding neurons stay exactly zero
        assert torch.all(nets.W[j, widths[j]:] == 0) and torch.all(nets.V[j, widths[j]:] == 0)
    assert sorted(fired) == [False, True]
    # "auto" on a CPU is the fused kernel, bit for bit
    auto = train_gd_batched(Xb, yb, seeds=seeds, widths=widths, lr=lr, weight_decay=wd, epochs=1, n=n, clip=clip)
    assert torch.equal(auto.W, nets.W) and torch.equal(auto.V, nets.V) and nets.V.shape[2] == D


def test_fused_callbacks_see_live_parameters():
    """Callbacks at the same steps with the same losses for both backends; an edit of the
    state inside a callback (zeroing network 0's output weights at step 10) is trained on;
    stopping at step 20 leaves the parameters θ₂₀."""
    X, y = _ball(40, 3, 5)
    out = {}
    for backend in ("torch", "fused"):
        calls = []

        def cb(step, state, losses, calls=calls):
            calls.append((step, losses.copy()))
            if step == 10:
                state.V[0].zero_()
            return step >= 20

        nets = train_gd_batched(X, y, seeds=[0, 1], widths=8, lr=0.1, epochs=50, callback_every=10,
                                callbacks=[cb], backend=backend)
        out[backend] = (nets, calls)
    (tn, tc), (fn, fc) = out["torch"], out["fused"]
    assert [c[0] for c in fc] == [c[0] for c in tc] == [0, 10, 20]
    for (_, a), (_, b) in zip(tc, fc):
        np.testing.assert_allclose(b, a, rtol=1e-13)
    assert fn.losses.shape == (2, 21) and float((fn.W - tn.W).abs().max()) <= 1e-13
    np.testing.assert_allclose(fn.losses, tn.losses, rtol=1e-13)
    one = TwoLayerReLU(3, 8, seed=1)
    train_gd(one, X, y, lr=0.1, epochs=20)
    assert _max_diff(one, fn.model(1)) <= 1e-13


def _fused_job(seed):
    X, y = _ball(30, 3, 6)
    nets = train_gd_batched(X, y, seeds=[seed, seed + 1], widths=10, lr=0.2, epochs=20, clip=1.0, backend="fused")
    return nets.W.numpy().copy(), nets.losses.copy()


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")   # Python ≥ 3.12
def test_fused_in_forked_child():
    """After the parallel kernel ran, a forked child (multiprocessing's default on Linux
    before 3.14) must not open a GNU-OpenMP region (numba would terminate it): it runs the
    serial kernel, with bit-identical results (the same per-network code)."""
    import multiprocessing

    here = _fused_job(3)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        there = pool.apply_async(_fused_job, (3,)).get(timeout=120)
    assert np.array_equal(here[0], there[0]) and np.array_equal(here[1], there[1])


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
    with pytest.raises(ValueError, match="backend must be one of"):
        train_gd_batched(X, y, seeds=[0], widths=4, lr=0.1, epochs=1, backend="numba")
    with pytest.raises(ValueError, match="CPU only"):       # checked before anything touches the device
        train_gd_batched(X, y, seeds=[0], widths=4, lr=0.1, epochs=1, backend="fused", device="cuda")
    with pytest.raises(ValueError, match="chunk"):
        train_gd_batched(X, y, seeds=[0], widths=4, lr=0.1, epochs=1, chunk=0)
