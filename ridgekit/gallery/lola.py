"""LoLA: linear attention with a sliding window and a sparse cache (arXiv 2505.23666).

LoLA (McDermott, Heath, Parhi) keeps three memories: a sliding window of recent key-value
pairs and a small cache of "hard to memorise" pairs, both attended exactly, and a linear
attention state for everything else; a pair leaving the window is cached when its
self-recall error against the state is large.  The paper converts linearised Llama models
(LoLCATs); these cannot be downloaded here, so the three experiments run on tasks and models
that this module generates and trains itself (:mod:`ridgekit.nets.torch.attention` implements
the mechanism; the LoLA theory page of the docs states it):

* **Memory collisions** (no training).  N random key-value pairs (unit keys in
  :math:`\\mathbb{R}^{32}`, Gaussian values) are written into each memory and read back with
  their own keys; a read is correct when the output is nearest to the right value.  The
  feature map is a sharp random Hedgehog map (``F`` softmax buckets and their mirror), with a
  constant factor that matches its total off-diagonal mass to that of the softmax kernel (a
  training-free stand-in for LoLCATs' fitted maps).  Curves: softmax, linear only, the window
  hybrid, LoLA with several cache sizes λ, a longer window of the same budget, and LoLA
  with random or most-recent instead of self-recall choice (the paper's ablation, its Table 4
  [secondary]).
* **Pass-key retrieval.**  A two-layer softmax transformer (``nn.TransformerEncoderLayer``,
  no positional encoding) is trained on short contexts to report a pass-key token hidden at
  a random depth among filler tokens; then each layer's attention is replaced
  (:func:`~ridgekit.nets.torch.attention.lola_layer`) by linear attention with a Hedgehog map
  per layer fitted so that the window hybrid mimics the softmax outputs (LoLCATs' attention
  transfer, arXiv 2410.10254), and evaluated at growing context lengths: softmax, linear
  only, window hybrid, LoLA (self-recall, random, recent); the window hybrid and LoLA also at
  one longer context (``pk_long_T``), where the window hybrid has lost the pass-key.  The
  paper's headline is 0.6 % → 97.4 % pass-key accuracy at 4K tokens on Llama 3.1 8B [paper
  abstract]: the checks test its claim, a gain of LoLA over the window hybrid of ≥ 0.3.
* **Cost.**  Tokens per second and memory held by recurrent LoLA generation
  (:class:`~ridgekit.nets.torch.attention.LoLAState`) against softmax attention with a
  key-value cache, at growing lengths: LoLA's memory is flat, the KV cache grows linearly.
  Memory is the bytes of the tensors each method holds (the state, or the KV cache), not the
  process's resident size.

Everything is written as ``lola.json`` beside the figures (including the cache-size curves
of every cache choice at the longest context, ``passkey_cache_curves``).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ridgekit.checks import SectionSkipped, bound_check, install_hint, reported, tolerance_check
from ridgekit.progress import status

__all__ = ["run", "QUICK", "FULL", "collision_recall", "passkey_batch"]

TITLE = "LoLA: sparse caching for linear attention (arXiv 2505.23666)"


@dataclass(frozen=True)
class _Sizes:
    coll_Ns: tuple          # numbers of stored pairs
    coll_trials: int        # independent memories per N (batch)
    coll_F: int             # softmax buckets of the feature map (D = 2F features)
    coll_window: int
    coll_lams: tuple        # cache sizes of the LoLA curves
    pk_steps: int           # training steps of the softmax transformer
    pk_batch: int
    pk_train_T: tuple       # (min, max) training context length
    pk_fit_steps: int       # Hedgehog attention-transfer steps
    pk_Ts: tuple            # evaluation context lengths
    pk_n: int               # evaluation sequences per length
    pk_window: int
    pk_lams: tuple
    pk_long_T: int          # a context long enough for the window hybrid to lose the pass-key
    cost_lengths: tuple
    cost_heads: int
    cost_dim: int
    cost_window: int
    cost_cache: int
    cost_tokens: int        # timed generation steps per length


FULL = _Sizes(coll_Ns=(32, 64, 128, 256, 512, 1024, 2048), coll_trials=8, coll_F=128, coll_window=16,
              coll_lams=(16, 64, 256), pk_steps=400, pk_batch=64, pk_train_T=(16, 64), pk_fit_steps=300,
              pk_Ts=(64, 128, 256, 512, 1024, 2048, 4096), pk_n=256, pk_window=16, pk_lams=(1, 2, 4, 8, 16, 64),
              pk_long_T=16384,
              cost_lengths=(512, 1024, 2048, 4096, 8192, 16384), cost_heads=8, cost_dim=64, cost_window=64,
              cost_cache=256, cost_tokens=64)
QUICK = replace(FULL, coll_Ns=(64, 128, 256, 512), coll_trials=2, pk_steps=80, pk_batch=32, pk_fit_steps=60,
                pk_Ts=(256, 1024, 4096), pk_n=32, pk_lams=(2, 8), cost_lengths=(256, 1024, 4096), cost_heads=4,
                cost_dim=32, cost_window=32, cost_cache=64, cost_tokens=16)


# ----------------------------------------------------------------------------- memory collisions
def _scaled(fm, c):
    import torch

    class Scaled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fm = fm

        def forward(self, x):
            return self.fm(x) * math.sqrt(c)

    return Scaled()


def collision_recall(N, configs, *, d=32, dv=32, F=128, sharpness=100.0, tau=12.0, trials=4, seed=0):
    """Recall accuracy of each memory configuration for N random key-value pairs.

    Parameters
    ----------
    N : int
        Pairs written (keys uniform on the unit sphere of :math:`\\mathbb{R}^d`, values
        :math:`N(0, I/d_v)`), then read back with their own keys as queries.
    configs : dict
        name -> (window, cache_size, scoring); ``window >= N`` is softmax attention.
    F, sharpness
        Feature map :math:`\\phi(x) = \\sqrt{c}\\,[\\mathrm{softmax}(\\beta xU),
        \\mathrm{softmax}(-\\beta xU)]` with :math:`U` (d × F) random unit columns,
        :math:`\\beta` = ``sharpness``, and :math:`c` matching
        :math:`\\sum_{i\\ne j}\\phi(k_i)^\\top\\phi(k_j)` to :math:`\\sum_{i\\ne j} e^{\\tau k_i^\\top k_j}`.
    tau : float
        Softmax scale :math:`\\tau` (logits :math:`\\tau q^\\top k`).

    Returns
    -------
    dict name -> fraction of the N·trials reads that return the nearest-to-correct value.
    """
    import torch

    from ridgekit.nets.torch.attention import HedgehogFeatureMap, LoLAState

    g = torch.Generator().manual_seed(seed)
    K = torch.randn(trials, 1, N, d, generator=g, dtype=torch.float64)
    K = K / K.norm(dim=-1, keepdim=True)
    V = torch.randn(trials, 1, N, dv, generator=g, dtype=torch.float64) / math.sqrt(dv)
    hh = HedgehogFeatureMap(1, d, F, seed=seed + 1, dtype=torch.float64)
    with torch.no_grad():
        hh.W.copy_(sharpness * hh.W / hh.W.norm(dim=1, keepdim=True))
        f = hh(K)[:, 0]
        off = ~torch.eye(N, dtype=torch.bool)
        A = (f @ f.transpose(-1, -2))[:, off].sum()
        E = torch.exp(tau * K[:, 0] @ K[:, 0].transpose(-1, -2))[:, off].sum()
        fm = _scaled(hh, float(E / A))
    res = {}
    for name, (window, lam, scoring) in configs.items():
        st = LoLAState(trials, 1, d, value_dim=dv, window=min(window, N), cache_size=lam, scoring=scoring,
                       feature_map=fm, scale=tau, seed=seed, dtype=torch.float64)
        with torch.no_grad():
            st.prefill(K, K, V)
            y = st.read(K)
        pred = torch.cdist(y[:, 0], V[:, 0]).argmin(-1)
        res[name] = float((pred == torch.arange(N)).double().mean())
    return res


def _collision_configs(sz, N):
    w = sz.coll_window
    mid = sz.coll_lams[len(sz.coll_lams) // 2]
    cfg = {"softmax": (N, 0, "self_recall"), "linear only": (0, 0, "self_recall"),
           f"window {w} + linear": (w, 0, "self_recall"),
           f"window {w + mid} + linear (same budget)": (w + mid, 0, "self_recall")}
    for lam in sz.coll_lams:
        cfg[f"LoLA λ={lam}"] = (w, lam, "self_recall")
    cfg[f"LoLA λ={mid}, random choice"] = (w, mid, "random")
    cfg[f"LoLA λ={mid}, most recent"] = (w, mid, "recent")
    return cfg


# ----------------------------------------------------------------------------- pass-key
_NF, _NP = 16, 16          # filler tokens 0..15, pass-key tokens 16..31
_QUERY = _NF + _NP         # the query token at the end
_VOCAB = _NF + _NP + 1


def passkey_batch(B, T, g):
    """B sequences of length T: filler tokens, one pass-key token at a uniform random depth
    in [0, T-2], the query token at T-1; returns (tokens (B, T), pass-key index (B,))."""
    import torch

    x = torch.randint(0, _NF, (B, T), generator=g)
    y = torch.randint(0, _NP, (B,), generator=g)
    pos = torch.randint(0, T - 1, (B,), generator=g)
    x[torch.arange(B), pos] = _NF + y
    x[:, -1] = _QUERY
    return x, y


def _model(seed, E=64, H=4, L=2):
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class PassKey(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(_VOCAB, E)
            self.layers = nn.ModuleList([nn.TransformerEncoderLayer(E, H, 2 * E, dropout=0.0, batch_first=True,
                                                                    norm_first=True) for _ in range(L)])
            self.norm = nn.LayerNorm(E)
            self.head = nn.Linear(E, _NP)

        def forward(self, x):
            T = x.shape[1]
            mask = nn.Transformer.generate_square_subsequent_mask(T)
            h = self.emb(x)
            for layer in self.layers:
                h = layer(h, src_mask=mask, is_causal=True)
            return self.head(self.norm(h[:, -1]))

    return PassKey()


def _train(model, sz, g):
    import torch

    opt = torch.optim.Adam(model.parameters(), 3e-3)
    lo, hi = sz.pk_train_T
    loss = None
    for _ in range(sz.pk_steps):
        T = int(torch.randint(lo, hi + 1, (1,), generator=g))
        x, y = passkey_batch(sz.pk_batch, T, g)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss.detach())


def _fit_maps(model, mhas, sz, g):
    """One Hedgehog map per layer, fitted so that the window hybrid mimics softmax attention
    on the trained model's own activations (LoLCATs' attention transfer, MSE on outputs)."""
    import torch

    from ridgekit.nets.torch.attention import HedgehogFeatureMap, lola_layer, softmax_attention, window_linear_attention

    x, _ = passkey_batch(sz.pk_batch, sz.pk_train_T[1], g)
    T = x.shape[1]
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T)
    qkv = []
    with torch.no_grad():
        h = model.emb(x)
        for layer, mha in zip(model.layers, mhas):
            att = lola_layer(mha, mode="softmax")
            qkv.append(att.heads(layer.norm1(h)))
            h = layer(h, src_mask=mask, is_causal=True)
    maps, losses = [], []
    E = model.emb.embedding_dim
    H = mhas[0].num_heads
    for q, k, v in qkv:
        target = softmax_attention(q, k, v)
        fm = HedgehogFeatureMap(H, E // H)
        opt = torch.optim.Adam(fm.parameters(), 1e-2)
        for _ in range(sz.pk_fit_steps):
            loss = ((window_linear_attention(q, k, v, sz.pk_window, feature_map=fm) - target) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        fm.requires_grad_(False)
        maps.append(fm)
        losses.append(float(loss.detach() / target.pow(2).mean()))
    return maps, losses


def _accuracy(model, mhas, maps, mode, window, lam, scoring, T, n, seed):
    import torch

    from ridgekit.nets.torch.attention import lola_layer

    for layer, mha, fm in zip(model.layers, mhas, maps):
        layer.self_attn = lola_layer(mha, mode=mode, window=window, cache_size=lam, feature_map=fm,
                                     scoring=scoring)
    g = torch.Generator().manual_seed(seed)
    x, y = passkey_batch(n, T, g)
    step = max(1, 2 ** 21 // T)  # sequences per forward pass: bounded activation memory
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + step]).argmax(-1) for i in range(0, n, step)])
    acc = float((pred == y).double().mean())
    for layer, mha in zip(model.layers, mhas):
        layer.self_attn = mha
    return acc


def _passkey_checks(pk, pk_long, sz, *, time_train=0.0, time_eval=0.0):
    """Checks and reported rows of the pass-key experiment.

    ``pk``: {T: {method: accuracy}} over ``sz.pk_Ts``; ``pk_long``: {method: accuracy} at
    ``sz.pk_long_T`` for the window hybrid and LoLA with the largest cache.  The paper's claim
    [paper abstract]: on pass-key retrieval at 4K tokens the window hybrid (LoLCATs) is at
    0.6 % and LoLA at 97.4 %, i.e. the sparse cache recovers retrieval that the window hybrid
    has lost.  The margin of 0.3 was fixed before the first run; it is tested at the longest
    evaluation length (where it failed at our sizes: the window hybrid kept 84 % there) and,
    with the same threshold, at ``pk_long_T``, a context where the window hybrid has lost the
    pass-key as the paper's baseline had.
    """
    W, lam_max = sz.pk_window, sz.pk_lams[-1]
    Tmax, TL = sz.pk_Ts[-1], sz.pk_long_T
    win, lola = f"window {W} + linear", f"LoLA λ={lam_max}"
    paper = "paper: window hybrid 0.6 % → LoLA 97.4 % pass-key accuracy at 4K tokens [paper abstract]"
    checks = [
        bound_check(
            f"pass-key: softmax model accuracy at T = {Tmax} (trained on T ≤ {sz.pk_train_T[1]})",
            pk[Tmax]["softmax"], 0.95, ">=", oracle="a trained model that solves the task (precondition)",
            reason="no positional encoding, so retrieval does not depend on the length; 5 % allowance",
            domain=(0, 1), time=time_train),
        bound_check(
            f"pass-key: LoLA (λ = {lam_max}) − window hybrid accuracy at T = {Tmax}",
            pk[Tmax][lola] - pk[Tmax][win], 0.3, ">=", oracle=paper,
            reason="the sparse cache recovers retrieval that the window hybrid loses (+96.8 points in the "
                   "paper); 0.3 fixed before the first run, far below the paper's gain",
            domain=(-1, 1), time=time_eval),
        bound_check(
            f"pass-key: LoLA (λ = {lam_max}) − window hybrid accuracy at T = {TL}",
            pk_long[lola] - pk_long[win], 0.3, ">=", oracle=paper,
            reason=f"the same claim where it applies: a context where the window hybrid has lost the pass-key, "
                   f"as the paper's baseline had at 4K; added after the check at T = {Tmax} failed there (the "
                   f"window hybrid kept 84 % at the quick size), threshold unchanged",
            domain=(-1, 1), time=time_eval),
        bound_check(
            f"pass-key: LoLA (λ = {lam_max}, window {W}) accuracy at T = {Tmax}", pk[Tmax][lola], 0.95, ">=",
            oracle="paper: 97.4 % at 4K tokens with the sparse cache [paper abstract]",
            reason="LoLA restores near-softmax retrieval; 5 % allowance as for the softmax model (this check "
                   "tests the paper's second number; it does not replace the margin checks)",
            domain=(0, 1), time=time_eval),
    ]
    rep = [reported(f"pass-key T = {TL}: accuracy (window / LoLA λ={lam_max})", [pk_long[win], pk_long[lola]],
                    note="window hybrid and LoLA only at this length (the cost grows with T)")]
    return checks, rep


# ----------------------------------------------------------------------------- cost
def _cost(sz, g):
    import torch

    from ridgekit.nets.torch.attention import KVCacheState, LoLAState

    H, d, B = sz.cost_heads, sz.cost_dim, 1
    rows = []
    for L in sz.cost_lengths:
        n = sz.cost_tokens
        q, k, v = (torch.randn(B, H, L, d, generator=g) for _ in range(3))
        res = {"length": L}
        for name, kw in (("LoLA", dict(window=sz.cost_window, cache_size=sz.cost_cache)),
                         ("linear", dict(window=0, cache_size=0))):
            st = LoLAState(B, H, d, feature_map="elu", dtype=torch.float32, **kw)
            with torch.no_grad():
                st.prefill(q[:, :, :L - n], k[:, :, :L - n], v[:, :, :L - n])
                t0 = time.perf_counter()
                for t in range(L - n, L):
                    st.step(q[:, :, t], k[:, :, t], v[:, :, t])
                res[f"{name} tokens/s"] = n / (time.perf_counter() - t0)
            res[f"{name} bytes"] = st.nbytes()
        kv = KVCacheState(B, H, d, capacity=L, dtype=torch.float32)
        kv.append(k[:, :, :L - n], v[:, :, :L - n])
        with torch.no_grad():
            t0 = time.perf_counter()
            for t in range(L - n, L):
                kv.step(q[:, :, t], k[:, :, t], v[:, :, t])
            res["softmax+KV tokens/s"] = n / (time.perf_counter() - t0)
        res["softmax+KV bytes"] = kv.nbytes()
        rows.append(res)
    return rows


# ----------------------------------------------------------------------------- run
def _identities(seed):
    """Exact identities on a small float64 input: LoLA with window ≥ length and with cache ≥
    length equal softmax attention, token-by-token LoLAState equals the parallel mode.
    Returns the three max abs differences and their checks."""
    import torch

    from ridgekit.nets.torch.attention import LoLAState, lola_attention, softmax_attention

    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(2, 2, 40, 8, generator=g, dtype=torch.float64) for _ in range(3))
    sm = softmax_attention(q, k, v)
    e1 = float((lola_attention(q, k, v, 40, 4) - sm).abs().max())
    e2 = float((lola_attention(q, k, v, 4, 40) - sm).abs().max())
    st = LoLAState(2, 2, 8, window=4, cache_size=3, dtype=torch.float64)
    ys = torch.stack([st.step(q[:, :, t], k[:, :, t], v[:, :, t]) for t in range(40)], 2)
    e3 = float((ys - lola_attention(q, k, v, 4, 3)).abs().max())
    dt = time.perf_counter() - t0
    reason = "exact identity in float64: sums of ≤ 40 terms of size O(1), rounding ~1e-14"
    checks = [
        tolerance_check("LoLA with window ≥ length = softmax attention (max abs difference)", e1, 0.0, 1e-12,
                        oracle="exact softmax attention", reason=reason, time=dt),
        tolerance_check("LoLA with cache ≥ length = softmax attention (max abs difference)", e2, 0.0, 1e-12,
                        oracle="exact softmax attention", reason=reason, time=dt),
        tolerance_check("LoLA token-by-token (LoLAState) = parallel chunked mode", e3, 0.0, 1e-12,
                        oracle="the parallel mode (same dynamics, other summation order)", reason=reason,
                        time=dt)]
    return e1, e2, e3, checks


def _collisions(sz, seed, out, plt, checks, rep, figures, *, scheduler, n_jobs, show_progress):
    """The memory-collision experiment (a sweep of :func:`collision_recall` over N): appends
    its checks, reported rows and figure; returns {N: {method: recall}}."""
    t0 = time.perf_counter()
    from ridgekit.sweep import run_sweep, sweep_definition

    tasks = [dict(N=N, configs=_collision_configs(sz, N), F=sz.coll_F, trials=sz.coll_trials, seed=seed)
             for N in sz.coll_Ns]
    store = out / f"lola_collisions-{sweep_definition(collision_recall, tasks)['definition']}"
    coll = dict(zip(sz.coll_Ns, run_sweep(collision_recall, tasks, store, scheduler=scheduler, n_jobs=n_jobs,
                                          progress=show_progress, desc="LoLA memory collisions")))
    dt_coll = time.perf_counter() - t0
    names = list(coll[sz.coll_Ns[0]].keys())
    Nmax = sz.coll_Ns[-1]
    mid = sz.coll_lams[len(sz.coll_lams) // 2]
    w = sz.coll_window
    checks.append(bound_check(
        f"memory collisions: softmax recall, worst over N ≤ {Nmax}", min(r["softmax"] for r in coll.values()),
        0.99, ">=", oracle="exact attention separates unit keys at τ = 12 (own logit 12, others ~N(0, 4.5))",
        reason="1 % allowance for the rare pair of keys closer than the softmax can resolve", domain=(0, 1),
        time=dt_coll))
    checks.append(bound_check(
        f"memory collisions: linear-only recall at N = {Nmax} (D = {2 * sz.coll_F} features)",
        coll[Nmax]["linear only"], 0.5, "<=",
        oracle="collisions: N ≫ D pairs cannot be separated by D features (the paper's premise)",
        reason="collapse means at most half the pairs recalled", domain=(0, 1), time=dt_coll))
    gain = [coll[N][f"LoLA λ={mid}"] - coll[N][f"LoLA λ={mid}, random choice"] for N in sz.coll_Ns
            if N > w + mid]
    checks.append(bound_check(
        f"memory collisions: self-recall choice − random choice (λ = {mid}), mean over N > {w + mid}",
        float(np.mean(gain)), 0.0, ">=",
        oracle="paper's ablation (Table 4 [secondary]): self-recall error beats other cache scores",
        reason="a claim of sign: the self-recall choice is at least as good on average", time=dt_coll))
    for N in sz.coll_Ns:
        rep.append(reported(f"collisions N = {N}: recall (softmax / linear / window / LoLA λ={mid} / random / "
                            f"recent)", [coll[N][n] for n in ("softmax", "linear only", f"window {w} + linear",
                                                              f"LoLA λ={mid}", f"LoLA λ={mid}, random choice",
                                                              f"LoLA λ={mid}, most recent")]))
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for n in names:
        style = "--" if ("random" in n or "recent" in n or "same budget" in n) else "-"
        ax.semilogx(sz.coll_Ns, [coll[N][n] for N in sz.coll_Ns], style, marker="o", ms=3, label=n,
                    base=2)
    ax.set_xlabel("stored key-value pairs N")
    ax.set_ylabel("recall accuracy (fraction of pairs)")
    ax.set_title(f"Memory collisions (d = 32, D = {2 * sz.coll_F} features, window {w})")
    ax.legend(fontsize=7)
    fig.tight_layout()
    p = out / "lola_collisions.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    figures.append((str(p), (
        "Recall of N random key-value pairs read back with their own keys. Softmax attention recalls all; "
        "linear attention collapses once N exceeds what its D features separate; the window hybrid adds only "
        "its window; LoLA adds its λ cached pairs and more, because caching the pairs with the largest "
        "self-recall error removes collisions from the state. Dashed: the same budget spent on a longer "
        "window, a random cache or the most recent pairs (the paper's ablation).")))
    return coll


def _passkey_figure(out, plt, sz, pk, methods, model, mhas, maps, seed):
    """Pass-key accuracy against the context length and against the cache size (the
    cache-size curves for the random and most-recent choices are evaluated here);
    returns ((path, caption), curves), curves[choice][str(λ)] the accuracy at the longest
    context for λ = 0 (the window hybrid) and each cache size."""
    W = sz.pk_window
    lam_mid = sz.pk_lams[len(sz.pk_lams) // 2]
    Tmax = sz.pk_Ts[-1]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in methods:
        style = "--" if ("random" in name or "recent" in name) else "-"
        axes[0].semilogx(sz.pk_Ts, [pk[T][name] for T in sz.pk_Ts], style, marker="o", ms=3, label=name, base=2)
    axes[0].set_xlabel("context length T (tokens)")
    axes[0].set_ylabel("pass-key accuracy")
    axes[0].set_title(f"Pass-key retrieval (trained on T ≤ {sz.pk_train_T[1]})")
    axes[0].legend(fontsize=7)
    lams = [0] + list(sz.pk_lams)
    curves = {}
    for sc, lab in (("self_recall", "self-recall"), ("random", "random"), ("recent", "most recent")):
        known = {"self_recall": {lam: pk[Tmax][f"LoLA λ={lam}"] for lam in sz.pk_lams},
                 "random": {lam_mid: pk[Tmax][f"LoLA λ={lam_mid}, random choice"]},
                 "recent": {lam_mid: pk[Tmax][f"LoLA λ={lam_mid}, most recent"]}}[sc]
        accs = [pk[Tmax][f"window {W} + linear"]] + [
            known[lam] if lam in known else
            _accuracy(model, mhas, maps, "lola", W, lam, sc, Tmax, sz.pk_n, seed + 100 + Tmax)
            for lam in sz.pk_lams]
        curves[sc] = {str(lam): float(a) for lam, a in zip(lams, accs)}
        axes[1].plot([(2 * W - 1 + lam) / Tmax for lam in lams], accs, marker="o", ms=3, label=lab)
    axes[1].set_xscale("log")
    axes[1].set_xlabel(f"exact pairs held / full KV cache (T = {Tmax}); λ = {', '.join(map(str, lams))}")
    axes[1].set_ylabel("pass-key accuracy")
    axes[1].set_title("Accuracy against cache size")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    p = out / "lola_passkey.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    return (str(p), (
        "Left: pass-key accuracy of one trained softmax transformer with its attention replaced after "
        "training: softmax (reference), linear only, window hybrid and LoLA with cache sizes λ, at contexts "
        "longer than the training ones. Look for linear and window hybrid falling off as the pass-key leaves "
        "the window, and LoLA staying near softmax. Right: accuracy at the longest context against the "
        "memory held relative to the full KV cache, for self-recall, random and most-recent cache choice.")), curves


def _cost_study(sz, seed, threads, out, plt, checks, rep, figures):
    """Recurrent generation cost and memory against the length (LoLA, linear, softmax with a
    KV cache): appends its checks, reported rows and figure; returns the rows of :func:`_cost`."""
    import torch

    t0 = time.perf_counter()
    cost = _cost(sz, torch.Generator().manual_seed(seed + 2))
    dt_cost = time.perf_counter() - t0
    lola_bytes = {r["LoLA bytes"] for r in cost}
    checks.append(tolerance_check(
        "cost: LoLA state bytes, largest − smallest over the lengths", float(max(lola_bytes) - min(lola_bytes)),
        0.0, 0.0, oracle="memory O(window + chunk + cache + state), independent of the length",
        reason="exact: the same tensors are held at every length", time=dt_cost))
    kv_err = max(abs(r["softmax+KV bytes"] - 2 * r["length"] * sz.cost_heads * sz.cost_dim * 4) for r in cost)
    checks.append(tolerance_check(
        "cost: KV cache bytes − 2·T·heads·dim·4", float(kv_err), 0.0, 0.0,
        oracle="closed form of the float32 key and value cache", reason="exact count", time=dt_cost))
    for r in cost:
        rep.append(reported(f"cost T = {r['length']}: tokens/s LoLA / linear / softmax+KV",
                            [round(r["LoLA tokens/s"]), round(r["linear tokens/s"]),
                             round(r["softmax+KV tokens/s"])], note=f"threads = {threads}, under load"))
    Ls = [r["length"] for r in cost]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for key, lab in (("LoLA", f"LoLA (window {sz.cost_window}, cache {sz.cost_cache})"),
                     ("linear", "linear attention"), ("softmax+KV", "softmax + KV cache")):
        axes[0].loglog(Ls, [r[f"{key} tokens/s"] for r in cost], marker="o", label=lab, base=2)
        axes[1].loglog(Ls, [r[f"{key} bytes"] for r in cost], marker="o", label=lab, base=2)
    axes[0].set_xlabel("tokens generated so far T")
    axes[0].set_ylabel("generation throughput (tokens/s)")
    axes[0].set_title(f"Per-token cost ({sz.cost_heads} heads × {sz.cost_dim}, {threads} thread(s))")
    axes[1].set_xlabel("tokens generated so far T")
    axes[1].set_ylabel("memory held by attention (bytes)")
    axes[1].set_title("Memory: flat for LoLA, linear in T for the KV cache")
    for a in axes:
        a.legend(fontsize=8)
    fig.tight_layout()
    p = out / "lola_cost.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    figures.append((str(p), (
        "Recurrent generation on the CPU: throughput (left) and bytes held by the attention memory (right) "
        "against the number of tokens already seen. LoLA's memory is constant, the softmax KV cache grows "
        "linearly; softmax's per-token cost grows with T, LoLA's does not. Timings on a shared machine.")))
    return cost


def run(out_dir, quick=True, sizes=None, seed=0, threads=1, *, scheduler=None, n_jobs=1,
        show_progress=False) -> dict:
    """The three experiments; returns the dict described in :mod:`ridgekit.gallery` and writes
    ``lola.json`` and three figures into ``out_dir``.

    ``sizes`` overrides :data:`QUICK`/:data:`FULL`; ``threads`` sets torch's intra-op threads
    for the run (restored afterwards).  The memory-collision experiment is a resumable sweep
    (:func:`ridgekit.sweep.run_sweep`, one :func:`collision_recall` task per N, results under
    ``out_dir/lola_collisions-DEFINITION``): locally with ``n_jobs`` joblib workers or on the
    Dask cluster ``scheduler`` (a client or an address); ``show_progress`` shows its bar.
    """
    try:
        import torch
    except ImportError:
        raise SectionSkipped("needs torch", install=install_hint("torch")) from None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sz = sizes or (QUICK if quick else FULL)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_threads = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    checks, rep, figures = [], [], []
    try:
        # ---- identities on a small input (exact, float64)
        status("LoLA: identities")
        e1, e2, e3, c = _identities(seed)
        checks += c

        # ---- memory collisions
        status("LoLA: memory collisions")
        coll = _collisions(sz, seed, out, plt, checks, rep, figures, scheduler=scheduler, n_jobs=n_jobs,
                           show_progress=show_progress)

        # ---- pass-key
        status("LoLA: pass-key model (training)")
        t0 = time.perf_counter()
        g = torch.Generator().manual_seed(seed + 1)
        model = _model(seed)
        final_loss = _train(model, sz, g)
        model.eval()
        mhas = [layer.self_attn for layer in model.layers]
        maps, fit_err = _fit_maps(model, mhas, sz, g)
        dt_train = time.perf_counter() - t0
        rep.append(reported("pass-key model: final training loss (cross-entropy)", final_loss, time=dt_train))
        rep.append(reported("pass-key: relative MSE of the fitted window hybrid vs softmax, per layer", fit_err))
        status("LoLA: pass-key evaluation")
        t0 = time.perf_counter()
        W = sz.pk_window
        lam_mid = sz.pk_lams[len(sz.pk_lams) // 2]
        lam_max = sz.pk_lams[-1]
        methods = {"softmax": ("softmax", 0, 0, "self_recall"), "linear only": ("linear", 0, 0, "self_recall"),
                   f"window {W} + linear": ("window", W, 0, "self_recall")}
        for lam in sz.pk_lams:
            methods[f"LoLA λ={lam}"] = ("lola", W, lam, "self_recall")
        methods[f"LoLA λ={lam_mid}, random choice"] = ("lola", W, lam_mid, "random")
        methods[f"LoLA λ={lam_mid}, most recent"] = ("lola", W, lam_mid, "recent")
        pk = {T: {name: _accuracy(model, mhas, maps, *m, T, sz.pk_n, seed + 100 + T) for name, m in methods.items()}
              for T in sz.pk_Ts}
        # the paper's claim is about a context where the window hybrid has lost the pass-key
        # (0.6 % at 4K [paper]); ours keeps it longer, so the claim is also tested at pk_long_T,
        # on sequences of their own seed (only the window hybrid and LoLA λ_max: cost O(T))
        pk_long = {name: _accuracy(model, mhas, maps, *methods[name], sz.pk_long_T, sz.pk_n,
                                   seed + 1000 + sz.pk_long_T)
                   for name in (f"window {W} + linear", f"LoLA λ={lam_max}")}
        dt_pk = time.perf_counter() - t0
        Tmax = sz.pk_Ts[-1]
        c, r = _passkey_checks(pk, pk_long, sz, time_train=dt_train, time_eval=dt_pk)
        checks += c
        rep += r
        held = W + W - 1 + lam_max  # window, pending chunk (at most W − 1), cache
        kv_frac = held / Tmax
        rep.append(reported(f"pass-key: LoLA λ = {lam_max} holds at most {held} exact pairs at "
                            f"T = {Tmax}, a fraction of the full KV cache", kv_frac,
                            note="window + pending chunk + cache over T"))
        for T in sz.pk_Ts:
            rep.append(reported(f"pass-key T = {T}: accuracy (softmax / linear / window / LoLA λ={lam_max})",
                                [pk[T][n] for n in ("softmax", "linear only", f"window {W} + linear",
                                                    f"LoLA λ={lam_max}")]))
        fig_pk, cache_curves = _passkey_figure(out, plt, sz, pk, methods, model, mhas, maps, seed)
        figures.append(fig_pk)

        # ---- cost
        status("LoLA: cost of generation")
        cost = _cost_study(sz, seed, threads, out, plt, checks, rep, figures)
        payload = {"sizes": asdict(sz), "seed": seed, "threads": threads,
                   "collisions": {str(N): r for N, r in coll.items()},
                   "passkey": {str(T): r for T, r in pk.items()},
                   "passkey_long": {"length": sz.pk_long_T, **pk_long},
                   "passkey_cache_curves": {"length": Tmax, **cache_curves}, "passkey_fit_rel_mse": fit_err,
                   "passkey_final_loss": final_loss, "cost": cost,
                   "identities": {"window>=T": e1, "cache>=T": e2, "recurrent-parallel": e3}}
        (out / "lola.json").write_text(json.dumps(payload, indent=1, default=float))
    finally:
        torch.set_num_threads(n_threads)
    return {"title": TITLE, "figures": figures, "checks": checks, "reported": rep}
