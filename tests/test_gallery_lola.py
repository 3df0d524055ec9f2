"""The LoLA gallery entry (arXiv 2505.23666) at tiny sizes: it runs end to end, its exact
checks pass, it writes its numbers as JSON; the collision experiment's limits hold."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def test_lola_gallery_tiny(tmp_path):
    from ridgekit.gallery import GALLERY, resolve
    from ridgekit.gallery.lola import QUICK, run

    assert resolve("2505.23666") == "lola" and GALLERY["lola"][1] == "2505.23666"
    tiny = QUICK.__class__(**{**QUICK.__dict__, "coll_Ns": (32, 64), "coll_trials": 1, "coll_F": 32,
                              "coll_lams": (4, 8), "pk_steps": 3, "pk_batch": 4, "pk_fit_steps": 2,
                              "pk_Ts": (32, 64), "pk_n": 4, "pk_lams": (1, 2), "cost_lengths": (64, 128),
                              "cost_heads": 2, "cost_dim": 8, "cost_window": 4, "cost_cache": 4, "cost_tokens": 4})
    res = run(tmp_path, quick=True, sizes=tiny)
    by_name = {c.name: c for c in res["checks"]}
    for key in ("= softmax attention", "token-by-token", "state bytes", "KV cache bytes"):
        hits = [c for n, c in by_name.items() if key in n]
        assert hits and all(c.passed for c in hits), key
    data = json.loads((tmp_path / "lola.json").read_text())
    assert set(data["collisions"]) == {"32", "64"} and set(data["passkey"]) == {"32", "64"}
    assert data["collisions"]["64"]["softmax"] == 1.0
    assert len(data["cost"]) == 2 and data["cost"][0]["LoLA bytes"] == data["cost"][1]["LoLA bytes"]
    for path, caption in res["figures"]:
        assert (tmp_path / path.split("/")[-1]).is_file() and len(caption) > 60


def test_collision_recall_limits():
    from ridgekit.gallery.lola import collision_recall

    N = 48
    cfg = {"softmax": (N, 0, "self_recall"), "cache everything": (4, N, "self_recall"),
           "linear": (0, 0, "self_recall")}
    r = collision_recall(N, cfg, F=16, trials=2)
    # softmax and a cache holding every pair are the same memory (exact identity)
    assert r["softmax"] == r["cache everything"] == 1.0
    assert 0.0 <= r["linear"] < 1.0  # N = 48 pairs in D = 32 features collide
