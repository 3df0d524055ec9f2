"""nets.torch.models: TwoLayerReLU, its initialisation and the ShallowNetwork bridge; and
that ``import nets`` never imports torch (torch is an optional extra)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ridgekit.nets import ShallowNetwork  # noqa: E402
from ridgekit.nets.torch import TwoLayerReLU, init_parameters  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def test_import_nets_without_torch():
    code = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch blocked")
                return None
        sys.meta_path.insert(0, Block())
        from ridgekit import nets
        assert "torch" not in sys.modules, "import nets imported torch"
        net = nets.ShallowNetwork([[1.0, 0.0]], [0.0], [2.0])
        assert net.path_norm() == 2.0
        try:
            import ridgekit.nets.torch
        except ImportError as exc:
            assert "ridgekit[torch]" in str(exc), exc
        else:
            raise AssertionError("nets.torch imported with torch blocked")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_init_is_seeded_and_dtype_independent():
    a = init_parameters(4, 7, seed=3)
    b = init_parameters(4, 7, seed=3)
    c = init_parameters(4, 7, seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[0], c[0])
    m64 = TwoLayerReLU(4, 7, seed=3)
    m32 = TwoLayerReLU(4, 7, seed=3, dtype=torch.float32)
    for p, q in zip(m64.parameters(), m32.parameters()):
        assert q.dtype == torch.float32
        assert torch.equal(p.float(), q)
    # Kaiming-uniform bounds 1/√fan_in (nn.Linear's default)
    W, b_, V, c0 = a
    assert W.abs().max() <= 0.5 and b_.abs().max() <= 0.5 and V.abs().max() <= 7 ** -0.5
    Wn = init_parameters(4, 2000, seed=0, init="kaiming_normal")[0]
    # He normal: Var W = 2/d = 0.5; 8000 samples, 5 standard errors (√(2/8000)·0.5 ≈ 0.008)
    assert abs(float(Wn.var()) - 0.5) < 5 * 0.5 * (2 / 8000) ** 0.5


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_round_trip_exact(dtype):
    model = TwoLayerReLU(3, 9, seed=5, dtype=dtype)
    net = model.to_shallow()
    assert isinstance(net, ShallowNetwork) and net.n_neurons == 9
    np.testing.assert_array_equal(net.W, model.W.detach().double().numpy())
    np.testing.assert_array_equal(net.b, model.b.detach().double().numpy())
    np.testing.assert_array_equal(net.V, model.V.detach().double().numpy()[:, 0])
    back = TwoLayerReLU.from_shallow(net, dtype=dtype)
    for p, q in zip(model.parameters(), back.parameters()):
        assert torch.equal(p, q)
    X = np.random.default_rng(0).uniform(-1, 1, (50, 3))
    ref = net(X)
    got = model(torch.as_tensor(X, dtype=dtype)).detach().double().numpy()
    tol = 1e-13 if dtype == torch.float64 else 1e-5     # summation order; eps32 · scale
    np.testing.assert_allclose(got, ref, rtol=0, atol=tol * max(1.0, np.abs(ref).max()))


def test_from_shallow_linear_skip_and_vector_output():
    rng = np.random.default_rng(1)
    net = ShallowNetwork(rng.standard_normal((5, 2)), rng.standard_normal(5), rng.standard_normal((5, 3)),
                         skip=(rng.standard_normal(3), rng.standard_normal((2, 3))))
    with pytest.raises(ValueError, match="linear_skip"):
        TwoLayerReLU.from_shallow(net, linear_skip=False)
    model = TwoLayerReLU.from_shallow(net)
    assert model.linear_skip and isinstance(model.C, torch.nn.Parameter) and not model.scalar_output
    X = rng.uniform(-1, 1, (20, 2))
    np.testing.assert_allclose(model(torch.as_tensor(X)).detach().numpy(), net(X), rtol=0, atol=1e-13)
    back = model.to_shallow()
    np.testing.assert_allclose(back(X), net(X), rtol=0, atol=1e-13)
    # the paper's model: C is a zero buffer, not a parameter
    plain = TwoLayerReLU(2, 4)
    assert [n for n, _ in plain.named_parameters()] == ["W", "b", "V", "c0"]
    assert "C" in dict(plain.named_buffers())


def test_sequential_and_to_torch_bridge():
    net = ShallowNetwork([[1.0, -2.0], [0.5, 0.5]], [0.3, -0.1], [1.5, -0.7])
    model = TwoLayerReLU.from_shallow(net)
    ref = net.to_torch()
    X = torch.tensor([[0.2, -0.4], [1.0, 0.1], [-0.3, 0.9]], dtype=torch.float64)
    assert torch.equal(model(X), ref(X))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():     # pragma: no cover - needs a GPU
    cpu = TwoLayerReLU(3, 16, seed=1)
    gpu = TwoLayerReLU(3, 16, seed=1, device="cuda")
    X = torch.rand(10, 3, dtype=torch.float64)
    torch.testing.assert_close(gpu(X.cuda()).cpu(), cpu(X), rtol=0, atol=1e-13)


def test_bad_input():
    with pytest.raises(ValueError, match="init"):
        TwoLayerReLU(2, 3, init="xavier")
    with pytest.raises(ValueError, match="dtype"):
        TwoLayerReLU(2, 3, dtype=torch.float16)
    with pytest.raises(ValueError, match="width"):
        TwoLayerReLU(2, 0)
