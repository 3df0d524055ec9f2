"""The lottery gallery entry (arXiv 2503.17905) at tiny sizes: it runs end to end, its
exact checks pass, it writes its numbers as JSON; the CIFAR-10 / ResNet-18 path runs on a
few generated images in CIFAR-10's file format."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def test_lottery_gallery_tiny(tmp_path):
    from ridgekit.gallery import GALLERY, resolve
    from ridgekit.gallery.lottery import _Sizes, run

    assert resolve("2503.17905") == "lottery" and GALLERY["lottery"][1] == "2503.17905"
    tiny = _Sizes(seeds=2, rounds=2, steps=30, distill_steps=20, dm_iterations=10, rewind=5, rewinds=(0, 5),
                  hidden=16, sharp_points=100, tasks=("digits",))
    res = run(tmp_path, quick=True, sizes=tiny)
    by_name = {c.name: c for c in res["checks"]}
    for key in ("max |w| over pruned positions", "pruned-weight counts", "with itself", "distinct training points"):
        hits = [c for n, c in by_name.items() if key in n]
        assert hits and all(c.passed for c in hits), key
    for c in res["checks"]:                      # every check can fail (NaN, inf, values past its limit)
        assert c.oracle and c.reason
        assert not any(c.recheck(v).passed for v in c.failing_values()), c.name
    data = json.loads((tmp_path / "lottery.json").read_text())
    st = data["studies"][0]
    assert st["task"] == "digits" and len(st["sparsity"]) == 2
    assert np.allclose(st["sparsity"], [0.2, 0.36], atol=1e-4)
    assert st["cost"]["distilled IMP"][0]["distinct"] == 20 and st["cost"]["IMP"][0]["distinct"] == 1347
    assert set(data["instability"][0]["barrier"]) == {"dense", "IMP mask", "distilled-IMP mask"}
    for path, _ in res["figures"]:
        assert (tmp_path / path.split("/")[-1]).is_file()


def test_lottery_cifar_path_on_generated_batches(tmp_path):
    from ridgekit.gallery.lottery import CifarSetup, run
    from ridgekit.nets.torch.datasets import write_cifar10_batch

    rng = np.random.default_rng(1)
    root = tmp_path / "data"
    root.mkdir()
    write_cifar10_batch(root / "data_batch_1", rng.integers(0, 256, (20, 3, 32, 32), dtype=np.uint8),
                        np.arange(20) % 10)
    write_cifar10_batch(root / "test_batch", rng.integers(0, 256, (10, 3, 32, 32), dtype=np.uint8), np.arange(10))
    tiny = CifarSetup(ipc=1, dm_iterations=2, inner_epochs=1, inner_batch=10, rounds=1, val_epochs=1, val_batch=10,
                      milestones=(), width=2, imp_rewind_epochs=0.5)
    res = run(tmp_path / "out", data="cifar10", data_dir=root, cifar=tiny)
    assert all(c.passed for c in res["checks"])
    out = json.loads((tmp_path / "out" / "lottery_cifar10.json").read_text())
    assert out["n_train"] == 20 and len(out["seeds"][0]["rows"]) == 1
    assert (tmp_path / "out" / "cifar10_dm_ipc1_seed0.npz").is_file()
    with pytest.raises(ValueError, match="data_dir"):
        run(tmp_path / "o2", data="cifar10")
    with pytest.raises(ValueError, match="cifar10"):
        run(tmp_path / "o2", data="imagenet", data_dir=root)
