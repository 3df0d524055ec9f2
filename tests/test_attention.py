"""nets.torch.attention: softmax, linear, window hybrid and LoLA (arXiv 2505.23666).

Every identity is checked against an independent computation: plain numpy loops over
positions (``ref_attention``) that keep the exact set and the folded set as Python lists and
evaluate the one-denominator formula directly (no state matrices, no log-sum-exp, no
chunking), and a plain Python simulation of the cache dynamics (``ref_lola_sets``) that
recomputes every self-recall error from the folded pairs themselves.

Tolerances: float64 results are compared at 1e-12 (sums of at most ~100 terms of size
O(1): ~100·eps = 2e-14 expected, the 1e-12 of the identity row of the tolerance table);
float32 at 1e-6 relative to float64 inputs rounded to float32 (the softmax of O(1) logits
loses a few eps32 = 1.2e-7 per operation).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ridgekit.nets.torch.attention import (  # noqa: E402
    HedgehogFeatureMap,
    KVCacheState,
    LoLAAttention,
    LoLAState,
    SoftmaxRandomFeatures,
    linear_attention,
    lola_attention,
    lola_layer,
    self_recall_error,
    softmax_attention,
    window_linear_attention,
)

TOL64 = 1e-12
TOL32 = 1e-6

pytestmark = pytest.mark.usefixtures("torch_one_thread")


# ----------------------------------------------------------------------------- references
def np_phi(name, x):
    if name == "elu":
        return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "exp":
        a, b = np.exp(x - x.max(-1, keepdims=True)), np.exp(-x - (-x).max(-1, keepdims=True))
        return np.concatenate([a / a.sum(-1, keepdims=True), b / b.sum(-1, keepdims=True)], -1)
    raise AssertionError(name)


def py_hash(pos, seed):
    """The documented "random" score, in Python integers."""
    M = 2 ** 32
    x = (pos * 2654435761 + seed * 40503 + 12345) % M
    x = ((x ^ (x >> 16)) * 73244475) % M
    x = ((x ^ (x >> 16)) * 73244475) % M
    return (x ^ (x >> 16)) / M


def ref_sre(c, folded, fk, v):
    """SRE of pair c against the state of the folded pairs, from the pairs themselves."""
    num = np.zeros(v.shape[1])
    den = 0.0
    for j in folded:
        w = float(fk[c] @ fk[j])
        num += w * v[j]
        den += w
    pred = num / den if den > 0 else np.zeros_like(num)
    return float(((pred - v[c]) ** 2).sum())


def ref_lola_sets(T, window, lam, C, fk, v, scoring="self_recall", seed=0):
    """Token-by-token simulation: per step the exact set, the folded set; the update log."""
    if lam == 0:
        C = 1
    W, P, G, folded = deque(), [], [], []
    sets, log = [], []
    for t in range(T):
        W.append(t)
        if len(W) > window:
            P.append(W.popleft())
        if len(P) == C:
            cands = G + P
            if len(cands) <= lam:
                G = cands
            else:
                if scoring == "self_recall":
                    sc = {c: ref_sre(c, folded, fk, v) for c in cands}
                elif scoring == "recent":
                    sc = {c: float(c) for c in cands}
                else:
                    sc = {c: py_hash(c, seed) for c in cands}
                order = sorted(cands, key=lambda c: (-sc[c], c))
                G = sorted(order[:lam])
                drop = sorted(order[lam:])
                folded = folded + drop
                log.append((t, drop, dict(sc)))
            P = []
        sets.append((G + P + list(W), list(folded)))
    return sets, log


def ref_attention(q, k, v, sets, phi_q, phi_k, tau, gate=None):
    """y_t from the exact/folded sets by the one-denominator formula (one (batch, head))."""
    we, wl = (1.0, 1.0) if gate is None else (gate, 1.0 - gate)
    out = np.zeros((q.shape[0], v.shape[1]))
    for t, (E, S) in enumerate(sets):
        num = np.zeros(v.shape[1])
        den = 0.0
        for j in E:
            e = math.exp(tau * float(q[t] @ k[j]))
            num += we * e * v[j]
            den += we * e
        for j in S:
            w = float(phi_q[t] @ phi_k[j])
            num += wl * w * v[j]
            den += wl * w
        out[t] = num / den
    return out


def window_sets(T, window):
    return [([j for j in range(t + 1) if j > t - window], [j for j in range(t + 1) if j <= t - window])
            for t in range(T)]


def qkv(B=2, Hh=2, T=23, d=4, dv=3, dtype=torch.float64, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    mk = lambda last: (scale * torch.randn(B, Hh, T, last, generator=g, dtype=torch.float64)).to(dtype)  # noqa: E731
    return mk(d), mk(d), mk(dv)


def ref_all(q, k, v, sets_fn, fm="elu", gate=None):
    """Apply a per-(batch, head) reference to float64 copies of the inputs."""
    Q, K, V = (x.double().numpy() for x in (q, k, v))
    B, Hh, T, d = Q.shape
    out = np.zeros(V.shape[:3] + (V.shape[3],))
    for b in range(B):
        for h in range(Hh):
            fq, fk = np_phi(fm, Q[b, h]), np_phi(fm, K[b, h])
            sets = sets_fn(fk, V[b, h])
            g = None if gate is None else float(gate[h])
            out[b, h] = ref_attention(Q[b, h], K[b, h], V[b, h], sets, fq, fk, 1 / math.sqrt(d), g)
    return out


def err(a, b):
    return float(np.max(np.abs(np.asarray(a.detach().double()) - b)))


# ----------------------------------------------------------------------------- identities
@pytest.mark.parametrize("dtype,tol", [(torch.float64, TOL64), (torch.float32, TOL32)])
def test_window_covering_sequence_is_softmax(dtype, tol):
    q, k, v = qkv(dtype=dtype)
    T = q.shape[2]
    ref = ref_all(q, k, v, lambda fk, vv: [(list(range(t + 1)), []) for t in range(T)])
    assert err(softmax_attention(q, k, v), ref) < tol
    assert err(window_linear_attention(q, k, v, T), ref) < tol
    assert err(window_linear_attention(q, k, v, T + 5), ref) < tol
    assert err(lola_attention(q, k, v, T, 4), ref) < tol
    # cache >= length: every pair that leaves the window is kept exactly
    assert err(lola_attention(q, k, v, 3, T), ref) < tol
    assert err(lola_attention(q, k, v, 0, T, chunk_size=2), ref) < tol


@pytest.mark.parametrize("fm", ["elu", "exp"])
def test_linear_and_window_against_loops(fm):
    q, k, v = qkv()
    T = q.shape[2]
    for window in (0, 1, 4, 9):
        ref = ref_all(q, k, v, lambda fk, vv, w=window: window_sets(T, w), fm)
        assert err(window_linear_attention(q, k, v, window, feature_map=fm), ref) < TOL64
        assert err(lola_attention(q, k, v, window, 0, feature_map=fm), ref) < TOL64
    ref = ref_all(q, k, v, lambda fk, vv: window_sets(T, 0), fm)
    assert err(linear_attention(q, k, v, feature_map=fm), ref) < TOL64


def test_gate_against_loops():
    q, k, v = qkv(Hh=3)
    gate = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    T = q.shape[2]
    ref = ref_all(q, k, v, lambda fk, vv: window_sets(T, 5), gate=gate)
    assert err(window_linear_attention(q, k, v, 5, gate=gate), ref) < TOL64
    ref = ref_all(q, k, v, lambda fk, vv: ref_lola_sets(T, 3, 4, 3, fk, vv)[0], gate=gate)
    assert err(lola_attention(q, k, v, 3, 4, chunk_size=3, gate=gate), ref) < TOL64


def test_linear_parallel_equals_recurrent():
    q, k, v = qkv(T=40)
    B, Hh, T, d = q.shape
    st = LoLAState(B, Hh, d, value_dim=v.shape[-1], window=0, cache_size=0, dtype=torch.float64)
    ys = torch.stack([st.step(q[:, :, t], k[:, :, t], v[:, :, t]) for t in range(T)], 2)
    # the recurrent state is H = sum phi(k) v^T, s = sum phi(k) over all tokens
    fk = torch.nn.functional.elu(k) + 1
    assert float((st.H - fk.transpose(-1, -2) @ v).abs().max()) < TOL64
    assert float((st.s - fk.sum(2)).abs().max()) < TOL64
    assert float((ys - linear_attention(q, k, v)).abs().max()) < TOL64
    # a long sequence: several chunks of the parallel mode
    q, k, v = qkv(B=1, Hh=1, T=300, d=3, dv=2)
    st = LoLAState(1, 1, 3, value_dim=2, window=0, cache_size=0, dtype=torch.float64)
    ys = torch.stack([st.step(q[:, :, t], k[:, :, t], v[:, :, t]) for t in range(300)], 2)
    assert float((ys - linear_attention(q, k, v)).abs().max()) < TOL64


@pytest.mark.parametrize("T", [1, 63, 64, 65, 200])
def test_linear_chunk_groups_and_padding(T, monkeypatch):
    """The parallel linear attention cut into groups of chunks (the state carried from group to
    group, forced here by a small state budget) and with a padded last chunk equals the loops
    and the token-by-token recurrence."""
    import ridgekit.nets.torch.attention as att

    q, k, v = qkv(B=1, Hh=2, T=T, d=3, dv=2, seed=T)
    ref = ref_all(q, k, v, lambda fk, vv: window_sets(T, 0))
    full = linear_attention(q, k, v)
    monkeypatch.setattr(att, "_LIN_STATE_MAX", 1)  # one chunk per group
    grouped = linear_attention(q, k, v)
    st = LoLAState(1, 2, 3, value_dim=2, window=0, cache_size=0, dtype=torch.float64)
    rec = torch.stack([st.step(q[:, :, t], k[:, :, t], v[:, :, t]) for t in range(T)], 2)
    for y in (full, grouped, rec):
        assert err(y, ref) < TOL64


def test_linear_chunk_groups_gradcheck(monkeypatch):
    """Autograd through the chunk states, the carried prefix and the padding agrees with
    finite differences (two chunks, the second padded, one chunk per group)."""
    import ridgekit.nets.torch.attention as att

    monkeypatch.setattr(att, "_LIN_STATE_MAX", 1)
    q, k, v = (x.clone().requires_grad_(True) for x in qkv(B=1, Hh=1, T=70, d=2, dv=1, seed=8))
    assert torch.autograd.gradcheck(lambda a, b, c: linear_attention(a, b, c), (q, k, v))


CONFIGS = [  # (window, cache, chunk)
    (0, 3, 1), (0, 3, 2), (2, 3, 1), (3, 4, None), (4, 2, 3), (1, 5, 4), (6, 1, 2), (5, 5, 5),
]


LOOP_CASES = ([(*c, "self_recall") for c in CONFIGS]
              + [(*c, s) for c in CONFIGS[1::2] for s in ("random", "recent")])


@pytest.mark.parametrize("window,cache,chunk,scoring", LOOP_CASES)
def test_lola_against_loops(window, cache, chunk, scoring):
    q, k, v = qkv(T=26, seed=window * 31 + cache)
    T = q.shape[2]
    C = max(window, 1) if chunk is None else chunk
    ref = ref_all(q, k, v, lambda fk, vv: ref_lola_sets(T, window, cache, C, fk, vv, scoring, seed=7)[0])
    y = lola_attention(q, k, v, window, cache, chunk_size=chunk, scoring=scoring, seed=7)
    assert err(y, ref) < TOL64


PREFILL_CASES = ([(*c, torch.float64, TOL64) for c in CONFIGS + [(0, 0, None), (3, 0, None)]]
                 + [(*c, torch.float32, TOL32) for c in CONFIGS[::2] + [(0, 0, None)]])


@pytest.mark.parametrize("window,cache,chunk,dtype,tol", PREFILL_CASES)
def test_prefill_equals_token_by_token(window, cache, chunk, dtype, tol):
    q, k, v = qkv(T=29, dtype=dtype, seed=3)
    B, Hh, T, d = q.shape
    kw = dict(value_dim=v.shape[-1], window=window, cache_size=cache, chunk_size=chunk, dtype=dtype)
    st = LoLAState(B, Hh, d, **kw)
    ys = torch.stack([st.step(q[:, :, t], k[:, :, t], v[:, :, t]) for t in range(T)], 2)
    pre = LoLAState(B, Hh, d, **kw)
    half = 17
    yp = pre.prefill(q[:, :, :half], k[:, :, :half], v[:, :, :half])
    yp = torch.cat([yp] + [pre.step(q[:, :, t], k[:, :, t], v[:, :, t]).unsqueeze(2) for t in range(half, T)], 2)
    scale = 1.0 if dtype == torch.float64 else float(ys.abs().max())
    assert float((ys - yp).abs().max()) < tol * max(scale, 1.0)
    ya = lola_attention(q, k, v, window, cache, chunk_size=chunk)
    assert float((ys - ya).abs().max()) < tol * max(scale, 1.0)
    assert torch.equal(st.G["pos"], pre.G["pos"])
    assert st.nbytes() == pre.nbytes()


@pytest.mark.parametrize("window,cache,chunk", [(0, 0, None), (3, 0, None), (2, 3, 2), (0, 3, 2), (4, 2, 3)])
def test_recurrent_gate_feature_map_and_bad_tokens(window, cache, chunk):
    """The recurrent mode with LoLCATs' gate and a Hedgehog map equals the parallel mode, reads
    non-contiguous token slices, and refuses a NaN token without touching its state."""
    q, k, v = qkv(T=31, seed=9)
    B, Hh, T, d = q.shape
    gate = torch.tensor([0.2, 0.7], dtype=torch.float64)
    fm = HedgehogFeatureMap(Hh, d, 6, seed=1, dtype=torch.float64)
    kw = dict(window=window, cache_size=cache, chunk_size=chunk, gate=gate, feature_map=fm)
    st = LoLAState(B, Hh, d, value_dim=v.shape[-1], dtype=torch.float64, **kw)
    with torch.no_grad():
        ys = torch.stack([st.step(q[:, :, t], k[:, :, t], v[:, :, t]) for t in range(T)], 2)
        ya = lola_attention(q, k, v, **kw)
    assert float((ys - ya).abs().max()) < TOL64
    t, n, H = st.t, st.n, st.H.clone()
    vn = v[:, :, 0].clone()
    vn[1, 0, 2] = float("nan")
    with pytest.raises(ValueError, match="v contains NaN"):
        st.step(q[:, :, 0], k[:, :, 0], vn)
    assert (st.t, st.n) == (t, n) and torch.equal(st.H, H)


def test_recurrent_zero_denominator():
    q, k, v = qkv(T=3, seed=2)
    st = LoLAState(2, 2, 4, value_dim=3, window=0, cache_size=0, feature_map="relu", dtype=torch.float64)
    with pytest.raises(ValueError, match="non-positive attention denominator"):
        st.step(-q[:, :, 0].abs() - 1, k[:, :, 0], v[:, :, 0])


def test_memory_independent_of_length():
    q, k, v = qkv(B=1, Hh=2, T=200, d=4, dv=4)
    st = LoLAState(1, 2, 4, window=8, cache_size=5, chunk_size=4, dtype=torch.float64)
    sizes = set()
    for t in range(200):
        st.step(q[:, :, t], k[:, :, t], v[:, :, t])
        assert st.G["pos"].shape[-1] <= 5 and st.n <= 8 + 4
        if t > 20:
            sizes.add(st.nbytes())
    assert len(sizes) == 1


def test_eviction_order_and_sre_against_python():
    q, k, v = qkv(B=1, Hh=1, T=40, d=3, dv=2, seed=11)
    fk = (torch.nn.functional.elu(k) + 1)[0, 0]
    T = 40
    sets, log = ref_lola_sets(T, 2, 3, 1, fk.numpy(), v[0, 0].numpy())
    assert len(log) > 20
    st = LoLAState(1, 1, 3, value_dim=2, window=2, cache_size=3, chunk_size=1, dtype=torch.float64)
    folded = []
    for t in range(T):
        before = st.G["pos"][0, 0].tolist()
        if log and log[0][0] == t:
            # scores of every candidate against the state before the update
            _, drop, sc = log.pop(0)
            cands = before + [t - 2]
            got = self_recall_error(fk[cands], v[0, 0, cands], st.H[0, 0], st.s[0, 0])
            assert np.max(np.abs(got.numpy() - np.array([sc[c] for c in cands]))) < TOL64
            folded += drop
        st.step(q[:, :, t], k[:, :, t], v[:, :, t])
        assert st.G["pos"][0, 0].tolist() == sorted(set(sets[t][0]) - set(range(t - 1, t + 1)))
    assert sorted(folded) == sorted(sets[-1][1])


def test_self_recall_of_a_single_pair_is_zero():
    g = torch.Generator().manual_seed(0)
    k, v = torch.randn(5, generator=g, dtype=torch.float64), torch.randn(3, generator=g, dtype=torch.float64)
    f = torch.nn.functional.elu(k) + 1
    H, s = torch.outer(f, v), f
    assert float(self_recall_error(f[None], v[None], H, s)[0]) < 1e-28
    # empty state: prediction 0, error |v|^2
    z = torch.zeros(5, dtype=torch.float64)
    assert float(self_recall_error(f[None], v[None], torch.zeros(5, 3, dtype=torch.float64), z)[0]) == \
        pytest.approx(float(v @ v), rel=1e-15)


def test_gradcheck_parallel_modes():
    q, k, v = qkv(B=1, Hh=2, T=7, d=2, dv=2, seed=5)
    q, k, v = (x.clone().requires_grad_(True) for x in (q, k, v))
    assert torch.autograd.gradcheck(lambda a, b, c: lola_attention(a, b, c, 2, 2, chunk_size=2), (q, k, v))
    assert torch.autograd.gradcheck(lambda a, b, c: window_linear_attention(a, b, c, 3), (q, k, v))
    assert torch.autograd.gradcheck(lambda a, b, c: linear_attention(a, b, c, feature_map="exp"), (q, k, v))
    assert torch.autograd.gradcheck(softmax_attention, (q, k, v))


def test_stable_for_large_logits():
    q, k, v = qkv(T=30, scale=30.0)   # logits of order 30²/2: exp would overflow without log-sum-exp
    T = q.shape[2]
    y = lola_attention(q, k, v, 4, 3, feature_map="exp")
    assert bool(torch.isfinite(y).all())
    y32 = lola_attention(q.float(), k.float(), v.float(), 4, 3, feature_map="exp")
    assert bool(torch.isfinite(y32).all())
    assert float((window_linear_attention(q, k, v, T) - softmax_attention(q, k, v)).abs().max()) < 1e-10


def test_softmax_random_features_approximate_softmax():
    g = torch.Generator().manual_seed(1)
    q = 0.5 * torch.randn(1, 1, 64, 8, generator=g, dtype=torch.float64)
    k = 0.5 * torch.randn(1, 1, 64, 8, generator=g, dtype=torch.float64)
    fm = SoftmaxRandomFeatures(8, 20000, seed=3)
    A = fm(q[0, 0]) @ fm(k[0, 0]).T
    exact = torch.exp(q[0, 0] @ k[0, 0].T / math.sqrt(8))
    # unbiased Monte Carlo: with x' = x/8^(1/4), each feature has relative variance
    # exp(|q'+k'|^2) - 1 (FAVOR+, arXiv 2009.14794, Lemma 2), so the estimate's sd is
    # exact·sqrt((exp(|q'+k'|^2) - 1)/m).  The per-feature terms are log-normal (heavy
    # tailed), so the extreme z-scores of the 4096 correlated entries converge slowly; we test
    # the bulk: the rms z-score is 1 up to the spread between seeds (0.7-1.3 over seeds 0-4)
    # and 99 % of the entries lie within 4 sd.
    qs, ks = q[0, 0] / 8 ** 0.25, k[0, 0] / 8 ** 0.25
    sd = exact * torch.sqrt((torch.exp(((qs[:, None] + ks[None]) ** 2).sum(-1)) - 1) / 20000)
    z = (A - exact) / sd
    assert 0.5 < float(z.pow(2).mean().sqrt()) < 2.0
    assert float(torch.quantile(z.abs().flatten(), 0.99)) < 4.0


def test_hedgehog_map_and_module_conversion():
    torch.manual_seed(0)
    E, Hh = 8, 2
    layer = torch.nn.TransformerEncoderLayer(E, Hh, dim_feedforward=16, dropout=0.0, batch_first=True,
                                             dtype=torch.float64)
    layer.eval()
    x = torch.randn(2, 11, E, dtype=torch.float64)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(11, dtype=torch.float64)
    with torch.no_grad():
        ref = layer(x, src_mask=mask, is_causal=True)
    mha = layer.self_attn
    with torch.no_grad():
        layer.self_attn = lola_layer(mha, mode="softmax")
        assert float((layer(x, src_mask=mask, is_causal=True) - ref).abs().max()) < TOL64
        layer.self_attn = lola_layer(mha, mode="lola", window=11, cache_size=2)
        assert float((layer(x, src_mask=mask, is_causal=True) - ref).abs().max()) < TOL64
    hh = HedgehogFeatureMap(Hh, E // Hh, dtype=torch.float64)
    att = lola_layer(mha, mode="lola", window=2, cache_size=3, feature_map=hh)
    assert any(p is hh.W for p in att.parameters())
    with torch.no_grad():
        q, k, v = att.heads(x)
        direct = lola_attention(q, k, v, 2, 3, feature_map=hh)
        # Hedgehog at W = I is the named map "exp"
        assert float((direct - lola_attention(q, k, v, 2, 3, feature_map="exp")).abs().max()) < TOL64
        y, w = att(x, x, x, attn_mask=mask)
    assert w is None and y.shape == x.shape


def test_kv_cache_state_equals_softmax_and_grows():
    """Token-by-token softmax with a growing key-value cache equals the parallel softmax
    attention (itself checked against loops above); the cache doubles when full."""
    q, k, v = qkv(T=23, seed=4)
    B, Hh, T, d = q.shape
    st = KVCacheState(B, Hh, d, value_dim=v.shape[-1], capacity=1, dtype=torch.float64)
    sizes = []
    ys = []
    for t in range(T):
        ys.append(st.step(q[:, :, t], k[:, :, t], v[:, :, t]))
        sizes.append(st.nbytes())
    ref = softmax_attention(q, k, v)
    assert float((torch.stack(ys, 2) - ref).abs().max()) < TOL64
    per_pair = B * Hh * (d + v.shape[-1]) * 8
    assert sizes[0] == per_pair and sizes[-1] == 32 * per_pair  # capacity 1, 2, 4, ..., 32 >= 23
    pre = KVCacheState(B, Hh, d, value_dim=v.shape[-1], capacity=4, dtype=torch.float64)
    yp = pre.prefill(q[:, :, :15], k[:, :, :15], v[:, :, :15])
    yp = torch.cat([yp] + [pre.step(q[:, :, t], k[:, :, t], v[:, :, t]).unsqueeze(2) for t in range(15, T)], 2)
    assert float((yp - ref).abs().max()) < TOL64
    app = KVCacheState(B, Hh, d, value_dim=v.shape[-1], capacity=3, dtype=torch.float64)
    app.append(k[:, :, :15], v[:, :, :15])
    ya = torch.stack([app.step(q[:, :, t], k[:, :, t], v[:, :, t]) for t in range(15, T)], 2)
    assert float((ya - ref[:, :, 15:]).abs().max()) < TOL64
    with pytest.raises(ValueError, match="append expects"):
        app.append(k[:, :, :2, :2], v[:, :, :2])
    vn = v[:, :, 0].clone()
    vn[0, 1, 0] = float("inf")
    with pytest.raises(ValueError, match="v contains NaN or infinite"):
        pre.step(q[:, :, 0], k[:, :, 0], vn)
    assert pre.t == T


@pytest.mark.parametrize("mode", ["softmax", "linear", "window", "lola"])
def test_layer_generation_equals_forward(mode):
    """LoLAAttention.prefill + step over a sequence equal forward on the whole sequence; in
    mode "softmax" both equal torch's own nn.MultiheadAttention with a causal mask."""
    torch.manual_seed(1)
    E, Hh, T = 12, 3, 30
    mha = torch.nn.MultiheadAttention(E, Hh, batch_first=True, dtype=torch.float64)
    layer = lola_layer(mha, mode=mode, window=4, cache_size=5, chunk_size=3)
    x = torch.randn(2, T, E, dtype=torch.float64)
    with torch.no_grad():
        ref = layer(x, is_causal=True)[0]
        if mode == "softmax":
            mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
            torch_ref = mha(x, x, x, attn_mask=mask, need_weights=False)[0]
            assert float((ref - torch_ref).abs().max()) < TOL64
    st = layer.new_state(2, capacity=2)
    ys = torch.stack([layer.step(x[:, t], st) for t in range(T)], 1)
    assert float((ys - ref).abs().max()) < TOL64
    st = layer.new_state(2)
    half = 13
    yp = torch.cat([layer.prefill(x[:, :half], st)] + [layer.step(x[:, t], st).unsqueeze(1) for t in range(half, T)],
                   1)
    assert float((yp - ref).abs().max()) < TOL64
    assert isinstance(st, KVCacheState if mode == "softmax" else LoLAState)
    if mode != "softmax":  # the mechanism of the state is the layer's
        assert (st.window, st.lam) == {"linear": (0, 0), "window": (4, 0), "lola": (4, 5)}[mode]
    with pytest.raises(ValueError, match="x must have shape"):
        layer.step(x[:, 0, :5], st)
    with pytest.raises(TypeError, match="x must be torch.float64"):
        layer.step(x[:, 0].float(), st)
    xn = x[:, 0].clone()
    xn[1, 3] = float("nan")
    t_before = st.t
    with pytest.raises(ValueError, match="contains NaN"):
        layer.step(xn, st)
    assert st.t == t_before  # refused before the state changed
    with pytest.raises(ValueError, match="fresh"):
        layer.prefill(x[:, :3], st)
    other = LoLAAttention(E, Hh, mode="lola" if mode == "softmax" else "softmax", dtype=torch.float64)
    with pytest.raises(ValueError, match="does not belong"):
        layer.step(x[:, 0], other.new_state(2))
    with pytest.raises(TypeError, match="new_state"):
        layer.step(x[:, 0], None)


# ----------------------------------------------------------------------------- bad input
def test_bad_input():
    q, k, v = qkv(T=6)
    with pytest.raises(ValueError, match="q and k"):
        lola_attention(q, k[:, :, :5], v, 2, 2)
    with pytest.raises(ValueError, match="v must"):
        lola_attention(q, k, v[:, :1], 2, 2)
    with pytest.raises(ValueError, match="shape"):
        softmax_attention(q[0], k[0], v[0])
    with pytest.raises(ValueError, match="window"):
        lola_attention(q, k, v, -1, 2)
    with pytest.raises(ValueError, match="cache_size"):
        lola_attention(q, k, v, 1, -2)
    with pytest.raises(ValueError, match="chunk_size"):
        lola_attention(q, k, v, 1, 2, chunk_size=0)
    with pytest.raises(TypeError, match="window"):
        window_linear_attention(q, k, v, 1.5)
    with pytest.raises(ValueError, match="scoring"):
        lola_attention(q, k, v, 1, 2, scoring="attention")
    with pytest.raises(ValueError, match="feature_map"):
        linear_attention(q, k, v, feature_map="cos")
    with pytest.raises(ValueError, match="negative features"):
        linear_attention(q, k, v, feature_map=lambda x: x)
    with pytest.raises(ValueError, match="non-positive attention denominator"):
        linear_attention(-q.abs() - 1, k, v, feature_map="relu")
    qn = q.clone()
    qn[0, 0, 2, 1] = float("nan")
    with pytest.raises(ValueError, match="q contains NaN"):
        lola_attention(qn, k, v, 2, 2)
    with pytest.raises(ValueError, match="causal"):
        softmax_attention(q, k, v, causal=False)
    with pytest.raises(ValueError, match="causal"):
        lola_attention(q, k, v, 2, 2, causal=False)
    with pytest.raises(TypeError, match="dtype"):
        lola_attention(q, k.float(), v, 2, 2)
    with pytest.raises(ValueError, match="gate"):
        window_linear_attention(q, k, v, 2, gate=torch.tensor([0.5, 1.5]))
    st = LoLAState(2, 2, 4, value_dim=3, window=2, cache_size=2, dtype=torch.float64)
    with pytest.raises(ValueError, match="k must have shape"):
        st.step(q[:, :, 0], k[:, :, 0, :3], v[:, :, 0])
    st.step(q[:, :, 0], k[:, :, 0], v[:, :, 0])
    with pytest.raises(ValueError, match="fresh"):
        st.prefill(q, k, v)
    att = LoLAAttention(8, 2)
    x = torch.randn(1, 5, 8)
    with pytest.raises(ValueError, match="non-causal"):
        att(x, x, x)
    with pytest.raises(ValueError, match="causal mask"):
        att(x, x, x, attn_mask=torch.zeros(5, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="self-attention"):
        att(x, x.clone(), x, is_causal=True)
