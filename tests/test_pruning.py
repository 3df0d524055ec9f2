"""nets.torch.pruning: masks kept exact through training, exact sparsity accounting,
bit-for-bit rewinding, error barriers against a closed-form oracle, sharpness of tickets
against a dense Hessian, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from ridgekit.nets.torch.classifiers import MLP, TrainConfig, evaluate, train_classifier  # noqa: E402
from ridgekit.nets.torch.pruning import (  # noqa: E402
    Mask,
    error_barrier,
    imp,
    instability,
    magnitude_prune,
    prunable_weights,
    random_prune,
    snip_prune,
    sparsity_schedule,
    ticket_sharpness,
    train_subnetwork,
)

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def _data(n=120, d=6, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    y = (X[:, :c].argmax(1) + (X[:, -1] > 1.5).long()) % c
    return X, y


def _flat_abs(model):
    return np.concatenate([p.detach().abs().numpy().ravel() for _, p in prunable_weights(model)])


# ---------------------------------------------------------------- masks through training
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_mask_exact_through_training_including_optimizer_state(opt):
    X, y = _data()
    net = MLP([6, 16, 16, 3], seed=1)
    mask = magnitude_prune(net, 0.7)
    cfg = TrainConfig(steps=25, lr=0.05, batch_size=32, optimizer=opt, momentum=0.9, weight_decay=1e-2)
    optimizer = cfg.make_optimizer(net.parameters())
    handle = mask.attach(net, optimizer)
    for _ in range(cfg.steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(X), y).backward()
        for n, p in prunable_weights(net):           # gradients of pruned weights are exactly zero
            assert bool((p.grad[~mask.masks[n]] == 0).all())
        optimizer.step()
    handle.remove()
    assert mask.max_violation(net) == 0.0
    for n, p in prunable_weights(net):
        for v in optimizer.state[p].values():
            if isinstance(v, torch.Tensor) and v.shape == p.shape:
                assert bool((v[~mask.masks[n]] == 0).all())
        assert bool((p[mask.masks[n]] != 0).all())   # the kept weights did move / stay nonzero


def test_mask_attached_mid_training_clears_stale_momentum():
    """Momentum accumulated before pruning would move pruned weights without the post-step hook."""
    X, y = _data()
    net = MLP([6, 16, 3], seed=2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(net(X), y).backward()
        opt.step()
    mask = magnitude_prune(net, 0.5)
    handle = mask.attach(net, opt)
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(net(X), y).backward()
        opt.step()
    handle.remove()
    assert mask.max_violation(net) == 0.0
    # without the hook the stale momentum moves them: the check above can fail
    net2 = MLP([6, 16, 3], seed=2)
    opt2 = torch.optim.SGD(net2.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        opt2.zero_grad()
        nn.functional.cross_entropy(net2(X), y).backward()
        opt2.step()
    mask.apply(net2)
    opt2.zero_grad()
    nn.functional.cross_entropy(net2(X), y).backward()
    opt2.step()
    assert mask.max_violation(net2) > 0


def test_train_classifier_keeps_mask():
    X, y = _data()
    net = MLP([6, 12, 3], seed=3)
    mask = random_prune(net, 0.6, seed=4)
    log = train_classifier(net, X, y, TrainConfig(steps=30, lr=0.1, batch_size=50, weight_decay=1e-3),
                           mask=mask)
    assert mask.max_violation(net) == 0.0
    assert log.n_examples == 30 * 50 and log.n_distinct == 120


# ---------------------------------------------------------------- accounting
@pytest.mark.parametrize("scope", ["global", "layer"])
def test_magnitude_prune_exact_counts_against_numpy(scope):
    net = MLP([7, 11, 5, 3], seed=5)
    P = [p.numel() for _, p in prunable_weights(net)]
    s = 0.37
    mask = magnitude_prune(net, s, scope=scope)
    rows = mask.layer_table()
    if scope == "global":
        w = _flat_abs(net)
        k = math.floor(s * w.size + 0.5)
        pruned = np.zeros(w.size, bool)
        pruned[np.argsort(w, kind="stable")[:k]] = True
        expect = np.split(pruned, np.cumsum(P)[:-1])
        for r, e in zip(rows, expect):
            assert r["pruned"] == int(e.sum())
            assert np.array_equal(~mask.masks[r["name"]].numpy().ravel(), e)
        assert mask.n_total - mask.n_remaining == k
    else:
        for r, n in zip(rows, P):
            assert r["pruned"] == math.floor(s * n + 0.5)
    assert sum(r["total"] for r in rows) == mask.n_total == sum(P)
    assert sum(r["remaining"] for r in rows) == mask.n_remaining
    assert mask.sparsity == (mask.n_total - mask.n_remaining) / mask.n_total


def test_pruning_never_revives_and_schedule_is_exact():
    net = MLP([5, 9, 4], seed=6)
    m = Mask.ones(net)
    for s in sparsity_schedule(0.2, 5):
        new = magnitude_prune(net, s, mask=m)
        assert (new & m) == new                   # nested: nothing revived
        assert new.n_total - new.n_remaining == math.floor(s * new.n_total + 0.5)
        m = new
        m.apply(net)


def test_random_prune_like_keeps_layer_sparsities():
    net = MLP([8, 10, 6, 3], seed=7)
    ticket = magnitude_prune(net, 0.55)
    rnd = random_prune(net, None, like=ticket, seed=1)
    assert [r["pruned"] for r in rnd.layer_table()] == [r["pruned"] for r in ticket.layer_table()]
    assert rnd != ticket


def test_snip_scores_against_closed_form_gradient():
    """One linear layer: ∂L/∂W = (softmax(XWᵀ + b) − onehot(y))ᵀ X / n (mean cross-entropy)."""
    X, y = _data(n=40, d=5, c=3)
    net = nn.Linear(5, 3).double()
    X = X.double()
    mask = snip_prune(net, X, y, 0.4)
    W, b = net.weight.detach().numpy(), net.bias.detach().numpy()
    z = X.numpy() @ W.T + b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(40), y.numpy()] -= 1
    score = np.abs(p.T @ X.numpy() / 40 * W).ravel()
    k = math.floor(0.4 * 15 + 0.5)
    expect = np.ones(15, bool)
    expect[np.argsort(score, kind="stable")[:k]] = False
    assert np.array_equal(mask.masks["weight"].numpy().ravel(), expect)


def test_mask_save_load_roundtrip(tmp_path):
    net = MLP([6, 10, 3], seed=8)
    m = magnitude_prune(net, 0.3, scope="layer")
    path = m.save(tmp_path / "ticket.npz")
    m2 = Mask.load(path)
    assert m2 == m and m2.names == m.names
    m2.check(net)


# ---------------------------------------------------------------- IMP and rewinding
def test_imp_rewinds_bit_for_bit():
    X, y = _data()
    cfg = TrainConfig(steps=12, lr=0.1, batch_size=32)
    net = MLP([6, 16, 3], seed=9)
    init = {k: v.clone() for k, v in net.state_dict().items()}
    res = imp(net, (X, y), cfg, rounds=3, rate=0.2, rewind_iteration=4, seed=11)
    # θ_k is what 4 iterations from θ₀ with the same data order give
    ref = MLP([6, 16, 3], seed=9)
    log = train_classifier(ref, X, y, cfg, seed=11, mask=Mask.ones(ref), snapshot_at=(4,))
    for k, v in res.rewind_state.items():
        assert torch.equal(v, log.snapshots[4][k])
        assert torch.equal(res.init_state[k], init[k])
    # the model is θ_k with the final mask applied, exactly
    final = res.masks[-1]
    for k, v in net.state_dict().items():
        keep = final.masks.get(k)
        expect = res.rewind_state[k] if keep is None else torch.where(keep, res.rewind_state[k], 0.0)
        assert torch.equal(v, expect)
    # sparsities follow the schedule; masks are nested; budgets counted
    assert res.sparsities == [m.sparsity for m in res.masks]
    for s, m in zip(sparsity_schedule(0.2, 3), res.masks[1:]):
        assert m.n_total - m.n_remaining == math.floor(s * m.n_total + 0.5)
    for a, b in zip(res.masks[:-1], res.masks[1:]):
        assert (a & b) == b
    assert res.n_examples == [12 * 32, 8 * 32, 8 * 32] and res.n_distinct == 120


def test_train_subnetwork_and_instability_run():
    X, y = _data()
    cfg = TrainConfig(steps=10, lr=0.1, batch_size=40)
    net = MLP([6, 16, 3], seed=12)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    mask = magnitude_prune(net, 0.5)
    loss, err = train_subnetwork(net, state, mask, (X, y), cfg, eval_data=(X, y))
    assert mask.max_violation(net) == 0.0 and 0 <= err <= 1
    res, nets = instability(net, state, mask, (X, y), cfg, eval_data=(X, y), seeds=(0, 1), n_alpha=5)
    assert res.barrier >= 0 and len(res.errors) == 5
    assert not torch.equal(nets[0].layers[0].weight, nets[1].layers[0].weight)
    with pytest.raises(ValueError, match="seeds"):
        instability(net, state, mask, (X, y), cfg, eval_data=(X, y), seeds=(3, 3))


# ---------------------------------------------------------------- error barrier
def test_error_barrier_of_a_network_with_itself_is_zero():
    X, y = _data()
    net = MLP([6, 16, 3], seed=13)
    train_classifier(net, X, y, TrainConfig(steps=20, lr=0.1))
    res = error_barrier(net, net, (X, y), n_alpha=7)
    assert res.barrier == 0.0 and res.loss_barrier == 0.0
    assert np.all(res.errors == res.errors[0])


def _perm_pair(eps):
    """Two 1-2-2 ReLU nets computing the same logit difference f(x) = x − eps with their
    hidden units swapped; along the segment f_α(x) = (1 − 2α)² x − eps (derived)."""
    nets = []
    for sign in (1.0, -1.0):
        net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 2)).double()
        with torch.no_grad():
            net[0].weight.copy_(torch.tensor([[sign], [-sign]]))
            net[0].bias.zero_()
            net[2].weight.copy_(torch.tensor([[0.0, 0.0], [sign, -sign]]))
            net[2].bias.copy_(torch.tensor([0.0, -eps], dtype=torch.float64))
        nets.append(net)
    return nets


def test_error_barrier_against_closed_form():
    n, eps = 50, 0.1
    x = np.concatenate([np.arange(1, n + 1) / n, -np.arange(1, n + 1) / n])
    y = (x > 0).astype(np.int64)
    a, b = _perm_pair(eps)
    res = error_barrier(a, b, (torch.tensor(x[:, None]), torch.tensor(y)), n_alpha=11)
    alphas = np.linspace(0, 1, 11)
    errs, losses = [], []
    for al in alphas:
        f = (1 - 2 * al) ** 2 * x - eps
        errs.append(np.mean((f > 0) != (y == 1)))
        losses.append(np.mean(np.where(y == 1, np.logaddexp(0, -f), np.logaddexp(0, f))))
    errs, losses = np.array(errs), np.array(losses)
    np.testing.assert_allclose(res.alphas, alphas, rtol=0, atol=0)
    np.testing.assert_array_equal(res.errors, errs)
    np.testing.assert_allclose(res.losses, losses, rtol=1e-12)   # float64 rounding only
    assert res.barrier == pytest.approx(errs.max() - 0.5 * (errs[0] + errs[-1]), abs=0)
    assert res.barrier == pytest.approx(0.5 - 5 / 100, abs=1e-15)   # all 50 positives wrong at α = ½


# ---------------------------------------------------------------- sharpness
def test_ticket_sharpness_against_dense_restricted_hessian():
    X, y = _data(n=30, d=4, c=3)
    X = X.double()
    net = MLP([4, 5, 3], seed=14, dtype=torch.float64)
    mask = magnitude_prune(net, 0.4)
    mask.apply(net)
    lam = ticket_sharpness(net, X, y, mask=mask, tol=1e-10)
    names = [n for n, _ in net.named_parameters()]
    shapes = [p.shape for _, p in net.named_parameters()]
    sizes = [p.numel() for _, p in net.named_parameters()]
    theta = torch.cat([p.detach().reshape(-1) for _, p in net.named_parameters()])

    def loss(flat):
        ps = dict(zip(names, (t.reshape(s) for t, s in zip(torch.split(flat, sizes), shapes))))
        h = torch.relu(X @ ps["layers.0.weight"].T + ps["layers.0.bias"])
        return nn.functional.cross_entropy(h @ ps["layers.2.weight"].T + ps["layers.2.bias"], y)

    H = torch.autograd.functional.hessian(loss, theta).numpy()
    keep = np.concatenate([mask.masks[n].numpy().ravel() if n in mask.masks else np.ones(s, bool)
                           for n, s in zip(names, sizes)])
    top = np.linalg.eigvalsh(H[np.ix_(keep, keep)])[-1]
    assert top > 0
    assert lam == pytest.approx(top, rel=1e-8)   # Lanczos residual bound 1e-10 · ‖H‖, well separated top


# ---------------------------------------------------------------- bad input
def test_bad_input():
    net = MLP([4, 6, 3], seed=0)
    for s in (-0.1, 1.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="sparsity must lie in"):
            magnitude_prune(net, s)
    with pytest.raises(TypeError, match="sparsity"):
        magnitude_prune(net, "0.5")
    with pytest.raises(ValueError, match="no prunable weights"):
        Mask.ones(nn.Sequential(nn.ReLU(), nn.BatchNorm1d(3)))
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        Mask.ones(object())
    wrong = Mask({"layers.0.weight": torch.ones(6, 5, dtype=torch.bool),
                  "layers.2.weight": torch.ones(3, 6, dtype=torch.bool)})
    with pytest.raises(ValueError, match="layers.0.weight.*shape"):
        wrong.apply(net)
    with pytest.raises(ValueError, match="does not match"):
        Mask({"fc.weight": torch.ones(3, 6, dtype=torch.bool)}).apply(net)
    m = magnitude_prune(net, 0.5)
    with pytest.raises(ValueError, match="never revived"):
        magnitude_prune(net, 0.2, mask=m)
    with pytest.raises(ValueError, match="rate must lie in"):
        imp(net, _data(d=4), TrainConfig(steps=1), rate=1.0)
    with pytest.raises(ValueError, match="rewind_iteration"):
        imp(net, _data(d=4), TrainConfig(steps=3), rewind_iteration=5)
    X, y = _data(d=4)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        train_classifier(net, X, y + 5, TrainConfig(steps=1))
    with pytest.raises(ValueError, match="same architecture"):
        error_barrier(net, MLP([4, 7, 3]), (X, y))
    with pytest.raises(ValueError, match="0 and 1"):
        Mask({"w": torch.tensor([0.5, 1.0])})
    assert evaluate(net, X, y)[1] <= 1
