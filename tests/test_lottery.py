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


def _study(imp=(0.90, 0.92), dimp=(0.90, 0.91), task="digits", **kw):
    """A two-seed, two-sparsity study and instability study as ``run`` assembles them."""
    m = ["IMP (rewind k = 10)", "distilled IMP (k = 0)", "random", "SNIP at init"]
    acc = {m[0]: [list(imp), list(imp)], m[1]: [list(dimp), list(dimp)],      # (seeds, sparsities)
           m[2]: [[0.8, 0.8], [0.8, 0.8]], m[3]: [[0.85, 0.85], [0.85, 0.85]]}
    cost = {"IMP": [{"seconds": 1.0, "examples": 100, "distinct": 1347}] * 2,
            "distilled IMP": [{"seconds": 0.1, "examples": 10, "distinct": 20}] * 2, "distillation": [0.5, 0.5]}
    st = {"task": task, "n_train": 1347, "distilled_points": 20, "sparsity": [0.2, 0.36], "methods": m,
          "accuracy": acc, "max_violation": 0.0, "max_count_error": 0, "distilled_set_accuracy": [0.7, 0.72],
          "random_real_accuracy": [0.6, 0.61], "cost": cost, "sharpness": {m[0]: 5.0, m[1]: 4.0}}
    it = {"self_barrier": 0.0, "rewinds": [0, 10], "barrier": {"dense": [0.01, 0.0]}}
    for k, v in kw.items():
        (it if k == "self_barrier" else st)[k] = v
    return st, it


@pytest.mark.parametrize("case,key", [
    (dict(max_violation=1e-7), "max |w| over pruned positions"),
    (dict(max_violation=float("nan")), "max |w| over pruned positions"),
    (dict(max_count_error=1), "pruned-weight counts"),
    (dict(self_barrier=0.002), "with itself"),
    (dict(self_barrier=float("nan")), "with itself"),
    (dict(distilled_points=30), "distinct training points"),     # 1347 / 30 = 45 < 50
    (dict(dimp=(0.85, 0.91)), "combined standard error"),         # 5 points behind, se 0.7 points
    (dict(dimp=(float("nan"), 0.91)), "combined standard error"),
    (dict(distilled_set_accuracy=[0.6, 0.6]), "DM set − on as many random real"),
])
def test_lottery_checks_fail_on_failing_values(case, key):
    """Each check of the lottery section fails on a value on its wrong side (and on NaN);
    the others pass."""
    from ridgekit.gallery.lottery import _study_checks

    st, it = _study(**case)
    # the seeds differ a little so that the standard errors are finite
    for m in st["methods"][:2]:
        st["accuracy"][m][1] = [a + 0.01 for a in st["accuracy"][m][1]]
    checks, _ = _study_checks(st, it, quick=True)
    assert len(checks) == 6
    failed = [c.name for c in checks if not c.passed]
    assert len(failed) == 1 and key in failed[0], failed


def test_lottery_claim_check_statistic():
    """z = worst (IMP − dIMP) / sqrt(se_IMP² + se_dIMP²) at sparsity ≤ 80 %, bound 2 fixed before
    the run; one seed (no error bar) fails; quick MNIST-1D reports it without a claim."""
    from ridgekit.gallery.lottery import _gap_z, _study_checks

    st, it = _study()
    a = st["accuracy"]
    m0, m1 = st["methods"][:2]
    a[m0] = [[0.90, 0.92], [0.92, 0.94]]
    a[m1] = [[0.89, 0.90], [0.91, 0.90]]
    gap, z = _gap_z(st)
    # by hand: sparsity 0.2: gap 0.01, se_IMP = se_dIMP = 0.01 → z = 0.01 / sqrt(2e-4); sparsity 0.36: gap
    # 0.03, se_IMP 0.01, se_dIMP 0 → z = 3
    assert gap == pytest.approx(0.03) and z == pytest.approx(3.0)
    claim = [c for c in _study_checks(st, it, quick=True)[0] if "combined standard error" in c.name]
    assert len(claim) == 1 and not claim[0].passed and claim[0].params["bound"] == 2.0
    st1, _ = _study()
    for m in st1["methods"]:
        st1["accuracy"][m] = st1["accuracy"][m][:1]
    assert np.isnan(_gap_z(st1)[1])
    st2, it2 = _study(task="mnist1d", dimp=(0.5, 0.5))
    checks, rep = _study_checks(st2, it2, quick=True)
    assert not any("combined standard error" in c.name for c in checks)
    assert any("NO CLAIM at quick size" in r.name for r in rep)
    checks, _ = _study_checks(st2, it2, quick=False)
    assert any("combined standard error" in c.name and not c.passed for c in checks)
