"""nets.torch.hessian: Lanczos against the dense Hessian, Prop. I.2 of arXiv 2506.20779,
Hutchinson's trace, PyHessian's power iteration."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ridgekit.nets.torch import (  # noqa: E402
    HessianOperator,
    LanczosNoConvergence,
    TwoLayerReLU,
    half_mse,
    hessian_eigenvalues,
    hessian_trace,
    train_gd,
)

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def _data(n, d, seed):
    gen = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=gen, dtype=torch.float64) * 2 - 1
    X = X / X.norm(dim=1, keepdim=True).clamp(min=1.0)          # inside the unit ball
    y = X[:, 0] + 0.3 * torch.randn(n, generator=gen, dtype=torch.float64)
    return X, y


def _dense_hessian(model, X, y):
    """∇²L by torch.autograd.functional.hessian on the flattened parameters (the reference)."""
    params = list(model.parameters())
    sizes, shapes = [p.numel() for p in params], [p.shape for p in params]

    def loss(flat):
        W, b, V, c0 = (t.reshape(s) for t, s in zip(torch.split(flat, sizes), shapes))
        return half_mse((torch.relu(X @ W.T - b) @ V + c0)[:, 0], y)

    flat = torch.cat([p.detach().reshape(-1) for p in params])
    return torch.autograd.functional.hessian(loss, flat).numpy()


@pytest.mark.parametrize("seed,epochs", [(0, 0), (1, 150), (2, 400)])
def test_lanczos_matches_dense_hessian(seed, epochs):
    X, y = _data(30, 3, seed)
    model = TwoLayerReLU(3, 8, seed=seed)
    if epochs:
        train_gd(model, X, y, lr=0.3, epochs=epochs)
    H = _dense_hessian(model, X, y)
    exact = np.linalg.eigvalsh(H)[::-1]
    vals, vecs, info = hessian_eigenvalues(lambda: half_mse(model(X), y), list(model.parameters()), k=3,
                                           return_eigenvectors=True, return_info=True)
    # tol = 1e-8 relative residual; for separated eigenvalues the error is residual²/gap
    np.testing.assert_allclose(vals, exact[:3], rtol=1e-8, atol=0)
    assert info["n_hvp"] <= H.shape[0]
    # the Ritz vector of λ_max is an eigenvector of the dense H
    v = vecs[:, 0].numpy()
    assert np.linalg.norm(H @ v - vals[0] * v) <= 1e-7 * abs(vals[0])


def test_lanczos_float32_tolerance():
    X, y = _data(40, 4, 3)
    model = TwoLayerReLU(4, 10, seed=3)
    train_gd(model, X, y, lr=0.3, epochs=100)
    exact = np.linalg.eigvalsh(_dense_hessian(model, X, y))[-1]
    m32 = TwoLayerReLU.from_tensors(model.W, model.b, model.V, model.c0, dtype=torch.float32)
    X32, y32 = X.float(), y.float()
    lam = hessian_eigenvalues(lambda: half_mse(m32(X32), y32), list(m32.parameters()))[0]
    # default float32 tolerance 1e-4 on the residual; the data themselves are rounded to eps32
    assert abs(lam - exact) <= 1e-4 * abs(exact)


@pytest.mark.parametrize("d,width,n", [(2, 5, 10), (10, 64, 200)])
def test_prop_I2_inactive_network_has_unit_sharpness(d, width, n):
    """arXiv 2506.20779, Prop. I.2 (docs/theory/flat_minima.md): a network with no neuron active on any
    data point that interpolates y = 0 has λ_max(∇²L) = 1, L = (1/2n)Σ(f − y)².

    [derived] Every neuron has wᵀxᵢ − bᵢ < 0, so f(xᵢ) = β = 0, the residuals vanish and
    ∇²L = (1/n)Σ∇f∇fᵀ with ∇_θ f(xᵢ) = e_β (the ReLU factors and their derivatives are 0):
    ∇²L = e_β e_βᵀ, eigenvalues 1 (once) and 0.  With the loss (1/n)Σ(f − y)² it is 2.
    """
    gen = torch.Generator().manual_seed(d)
    W = torch.randn(width, d, generator=gen, dtype=torch.float64)
    b = 1.25 * W.norm(dim=1)                          # hyperplanes outside the unit ball
    V = torch.randn(width, generator=gen, dtype=torch.float64) * 5
    model = TwoLayerReLU.from_tensors(W, b, V, torch.zeros(1, dtype=torch.float64))
    X, _ = _data(n, d, d)
    assert torch.all(model.preactivations(X) < 0)
    zero = torch.zeros(n, dtype=torch.float64)
    params = list(model.parameters())
    vals = hessian_eigenvalues(lambda: half_mse(model(X), zero), params, k=2)
    np.testing.assert_allclose(vals, [1.0, 0.0], rtol=0, atol=1e-12)
    mse = lambda: ((model(X) - zero) ** 2).mean()
    assert abs(hessian_eigenvalues(mse, params)[0] - 2.0) <= 1e-12
    # the trace is 1 too, and every Rademacher probe gives it (z_β² = 1)
    tr, se = hessian_trace(lambda: half_mse(model(X), zero), params, n_samples=5)
    assert abs(tr - 1.0) <= 1e-12 and se <= 1e-12


def test_hutchinson_trace_against_dense():
    X, y = _data(30, 3, 7)
    model = TwoLayerReLU(3, 8, seed=7)
    train_gd(model, X, y, lr=0.2, epochs=100)
    exact = np.trace(_dense_hessian(model, X, y))
    est, se = hessian_trace(lambda: half_mse(model(X), y), list(model.parameters()), n_samples=400, seed=1)
    # unbiased estimator; 5 standard errors
    assert abs(est - exact) <= 5 * se
    assert se > 0


def test_operator_and_no_convergence():
    X, y = _data(30, 3, 8)
    model = TwoLayerReLU(3, 8, seed=8)
    params = list(model.parameters())
    H = HessianOperator(lambda: half_mse(model(X), y), params)
    dense = _dense_hessian(model, X, y)
    e = torch.zeros(H.size, dtype=torch.float64)
    e[5] = 1.0
    np.testing.assert_allclose(H.matvec(e).numpy(), dense[:, 5], rtol=0, atol=1e-13)
    lin = H.aslinearoperator()
    np.testing.assert_allclose(lin.matvec(e.numpy()), dense[:, 5], rtol=0, atol=1e-13)
    with pytest.raises(LanczosNoConvergence) as info:
        hessian_eigenvalues(lambda: half_mse(model(X), y), params, k=2, max_iter=3)
    assert info.value.values.shape == (2,)


def test_bad_input():
    th = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="requires? grad"):
        hessian_eigenvalues(lambda: (th ** 2).sum(), [th])
    th.requires_grad_(True)
    with pytest.raises(ValueError, match="scalar"):
        hessian_eigenvalues(lambda: th ** 2, [th])
    with pytest.raises(ValueError, match="k must be"):
        hessian_eigenvalues(lambda: (th ** 2).sum(), [th], k=4)
    with pytest.raises(ValueError, match="non-empty"):
        hessian_eigenvalues(lambda: (th ** 2).sum(), [])


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_against_pyhessian_power_iteration():
    """Same model and data as PyHessian's power iteration.

    PyHessian 0.1 normalises with v/(‖v‖ + 1e-6) (pyhessian/utils.py, ``normalization``),
    applied to an already unit vector in ``orthnormal`` before each product: the vector it
    uses has ‖v‖ = 1/(1 + 1e-6), so its converged estimate vᵀHv is low by a factor
    (1 + 1e-6)⁻² ≈ 1 − 2e-6.  Lanczos matches the dense Hessian to 1e-8; PyHessian's value
    divided by that factor matches it to 1e-8 too.
    """
    pyhessian = pytest.importorskip("pyhessian")
    X, y = _data(60, 3, 11)
    model = TwoLayerReLU(3, 16, seed=11)
    train_gd(model, X, y, lr=0.3, epochs=200)
    exact = np.linalg.eigvalsh(_dense_hessian(model, X, y))[-1]
    lam = hessian_eigenvalues(lambda: half_mse(model(X), y), list(model.parameters()), k=1)[0]
    copy = TwoLayerReLU.from_tensors(model.W, model.b, model.V, model.c0)
    with torch.random.fork_rng():          # PyHessian draws from the global generator
        torch.manual_seed(0)
        hc = pyhessian.hessian(copy, half_mse, data=(X, y), cuda=False)
        top, _ = hc.eigenvalues(maxIter=1000, tol=1e-12)
    assert abs(lam - exact) <= 1e-8 * exact
    assert abs(top[0] * (1 + 1e-6) ** 2 - exact) <= 1e-8 * exact
