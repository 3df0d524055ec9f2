"""Fig. 2 of arXiv 2506.20779 as reproduced by ridgekit.gallery.flat_minima: the slope estimator
and its bootstrap interval, the claim checks (which must fail when the slopes disagree with the
paper), and the quick run being a subset of the full run's cells."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

from ridgekit.gallery import flat_minima as fm  # noqa: E402


def test_bootstrap_slope_recovers_a_power_law_and_covers():
    """MSE = C·n^(−a)·e^(ε), ε ~ N(0, 0.3²) per seed: the point estimate is unbiased in log space
    and the percentile interval (95 %) covers a = 0.6 in most repetitions.  With 200 repetitions a
    true coverage of 0.95 gives fewer than 170 covers with probability < 1e-6 (binomial), and the
    percentile bootstrap of a median of 5 under-covers somewhat, so the threshold 0.80 (160) is
    far from both a correct interval and a broken one (a broken interval covers ~never)."""
    ns = np.array([32, 64, 128, 256, 512], dtype=float)
    gen = np.random.default_rng(20506)
    covers, est = 0, []
    for rep in range(200):
        mse = 2.0 * ns[:, None] ** -0.6 * np.exp(0.3 * gen.standard_normal((5, 5)))
        slope, (lo, hi), boot = fm.bootstrap_slope(ns, mse, n_boot=400, rng=rep)
        assert lo <= slope <= hi or math.isclose(lo, hi)
        covers += lo <= 0.6 <= hi
        est.append(slope)
    assert covers >= 160, covers
    # mean of 200 estimates; each has sd ≲ 0.3/√5/std(log n) ≈ 0.14, so the mean's sd ≈ 0.01
    assert abs(np.mean(est) - 0.6) < 0.05


def _fake_sweep(slopes_gd, slopes_wd):
    """A run_sweep stand-in returning exact power laws with the given slopes per d."""
    def run_sweep(fn, tasks, store, **kw):
        out = []
        for t in tasks:
            d, n, s = t["d"], t["n"], t["seeds"]
            wd = 1e-2 * n ** -slopes_wd[d] * np.exp(0.01 * np.arange(s))
            res = {"mse_wd": wd.tolist(), "c_wd": [0.9] * s}
            if t.get("include_gd", True):
                res["mse_gd"] = (1e-1 * n ** -slopes_gd[d] * np.exp(0.01 * np.arange(s))).tolist()
                res["bound"] = [[0.5, 1.0, 2.0]] * (2 * s)
            out.append(res)
        return out
    return run_sweep


@pytest.mark.parametrize("wd_slope, gd5, expect", [
    (0.7, 0.1, True),     # the paper's picture: every claim holds
    (0.3, 0.1, False),    # weight decay too flat: its checks fail
    (0.7, 0.4, False),    # GD not collapsing at d = 5: fails
])
def test_fig2_claims_fail_when_the_slopes_disagree(tmp_path, monkeypatch, wd_slope, gd5, expect):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import ridgekit.sweep

    dims = (1, 2, 3, 4, 5)
    gd = {d: 0.8 - (0.8 - gd5) * (d - 1) / 4 for d in dims}
    monkeypatch.setattr(ridgekit.sweep, "run_sweep", _fake_sweep(gd, {d: wd_slope for d in dims}))
    out = fm._curse(tmp_path, fm.FULL, "cpu", plt, scheduler=None, n_jobs=1, show_progress=False)
    claims = [c for c in out["checks"] if "slope" in c.name]
    assert len(claims) == len(dims) + 2
    assert all(c.passed for c in claims) is expect
    for c in claims:                      # every claim check rejects NaN
        assert not c.recheck(float("nan")).passed
    # quick never claims the paper's slopes: all slope numbers are reported only
    quick = fm._curse(tmp_path, fm.QUICK, "cpu", plt, scheduler=None, n_jobs=1, show_progress=False)
    assert not [c for c in quick["checks"] if "slope" in c.name]
    assert any("slope" in r.name for r in quick["reported"])


def test_quick_cells_are_full_cells(torch_one_thread):
    """A cell computed with fewer seeds equals the first seeds of the same cell with more seeds,
    bit for bit (same data, same initialisation, same steps): the quick run is a subset of the
    full run, not a different experiment."""
    kw = dict(d=2, n=8, width_factor=2, epochs=30, n_test=50, dtype="float64", device="cpu", check_bound=False)
    small = fm.fig2_task(seeds=2, **kw)
    large = fm.fig2_task(seeds=3, **kw)
    assert small["mse_gd"] == large["mse_gd"][:2]
    assert small["mse_wd"] == large["mse_wd"][:2]
    assert small["c_wd"] == large["c_wd"][:2]


def test_wd_floor_minimises_the_one_neuron_objective():
    """wd_floor's c minimises (1 − c)²/(2(d + 2)) + √2·λ·c over c ≥ 0 (checked on a fine grid)."""
    for d in (1, 2, 5):
        for lam in (0.01, 0.1, 1.0):
            c, floor = fm.wd_floor(d, lam)
            grid = np.linspace(0, 1.5, 150001)
            obj = (1 - grid) ** 2 / (2 * (d + 2)) + math.sqrt(2) * lam * grid
            assert abs(grid[np.argmin(obj)] - c) < 2e-5
            assert floor == pytest.approx((1 - c) ** 2 / (d + 2), rel=1e-15)
