"""Benchmark: LoLA attention (arXiv 2505.23666), recurrent generation and chunked prefill.

1. Recurrent generation, 8 heads of dimension 64, batch 1, float32, elu+1 features:
   per-token time of :class:`nets.torch.attention.LoLAState` (window 64, cache 256, chunk
   64) after a prompt of length T, against recurrent linear attention alone (the same
   class with window = cache = 0, and a bare four-operation recurrence
   H += φ(k)vᵀ, s += φ(k), y = φ(q)ᵀH / φ(q)ᵀs) and against softmax attention with a
   key-value cache.  Goal: LoLA within 2× of linear attention at T = 16k; the crossover
   length where LoLA becomes faster than softmax + KV cache is printed.
   The same at the level of a whole attention layer and of a transformer block, where a
   model pays it: :meth:`LoLAAttention.step` (embedding 512 = 8 heads × 64, the input and
   output projections of one ``nn.MultiheadAttention``, shared by every mechanism) and
   ``nn.TransformerEncoderLayer(512, 8)`` (its defaults: post-norm, feed-forward 2048, ReLU)
   with that layer as its ``self_attn``, stepped token by token (checked against the encoder
   layer's own forward with a causal mask before timing).
2. Prefill of T = 16k tokens (parallel mode, chunked): :func:`lola_attention` (window 64,
   cache 256) against :func:`window_linear_attention` (window 64, no cache).  Goal: within 3×.
3. Anchor: flash-linear-attention (``pip install --no-deps flash-linear-attention fla-core``
   plus ``einops``).  Its Triton kernels need a GPU; its naive reference functions
   ``naive_recurrent_linear_attn`` / ``naive_chunk_linear_attn`` (``fla/ops/linear_attn/naive.py``,
   loaded from the file so that the Triton package ``fla.ops`` is not imported) run on the
   CPU: our :func:`linear_attention` on precomputed features equals their normalised output
   (they add 1e-10 to the denominator), and the timings are printed side by side.

Run: python benchmarks/bench_attention.py [--length 16384] [--threads N] [--steps 128]
Generation: each state is prefilled once, then 3 rounds of ``steps`` tokens interleaved over
the methods (a change of load hits all alike), best round, in wall time and in CPU time of the
process (what the cores were busy for).  Prefill:
median of repeated runs; the first call of each function is timed separately (torch has no
compilation step here: it measures allocator warm-up).
"""

import argparse
import importlib.util
import json
import os
import statistics
import time

import torch

from ridgekit.nets.torch.attention import (
    KVCacheState,
    LoLAState,
    linear_attention,
    lola_attention,
    lola_layer,
    softmax_attention,
    window_linear_attention,
)

H, D = 8, 64
WINDOW, CACHE = 64, 256


def _median_time(fn, repeats=3):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


class BareLinear:
    """The minimum that recurrent linear attention costs per token."""

    def __init__(self):
        self.H = torch.zeros(1, H, D, D)
        self.s = torch.zeros(1, H, D)

    def step(self, q, k, v):
        fq, fk = torch.nn.functional.elu(q) + 1, torch.nn.functional.elu(k) + 1
        self.H += fk.unsqueeze(-1) * v.unsqueeze(-2)
        self.s += fk
        return (fq.unsqueeze(-2) @ self.H)[:, :, 0] / (fq * self.s).sum(-1, keepdim=True)


def _prompt(obj, q, k, v):
    """Leave ``obj`` (a state of any kind here) after the prompt (q, k, v)."""
    with torch.no_grad():
        if isinstance(obj, LoLAState):
            obj.prefill(q, k, v)
        elif isinstance(obj, KVCacheState):
            obj.append(k, v)  # the prompt's outputs are not needed
        else:
            fk = torch.nn.functional.elu(k) + 1
            obj.H += fk.transpose(-1, -2) @ v
            obj.s += fk.sum(2)


def per_token(make, L, steps, g):
    """Wall seconds per token of ``steps`` generation steps after a prompt of L - steps tokens."""
    q, k, v = (torch.randn(1, H, L, D, generator=g) for _ in range(3))
    obj = make(L)
    n0 = L - steps
    _prompt(obj, q[:, :, :n0], k[:, :, :n0], v[:, :, :n0])
    with torch.no_grad():
        t0 = time.perf_counter()
        for t in range(n0, L):
            obj.step(q[:, :, t], k[:, :, t], v[:, :, t])
        return (time.perf_counter() - t0) / steps


def interleaved(steppers, steps, rounds):
    """Per-token wall and CPU time of each ``steppers[name](i)`` (generation step i, i in
    range(rounds * steps)), measured in ``rounds`` rounds of ``steps`` tokens interleaved over
    the names (a change of load hits every method alike), each continuing its state; best
    round.  CPU time of the process is what the cores were busy for: on a loaded machine it
    leaves out the waiting for a core; with two threads it counts both."""
    wall = {m: [] for m in steppers}
    cpu = {m: [] for m in steppers}
    with torch.no_grad():
        for r in range(rounds):
            for m, f in steppers.items():
                w0, c0 = time.perf_counter(), time.process_time()
                for i in range(r * steps, (r + 1) * steps):
                    f(i)
                wall[m].append((time.perf_counter() - w0) / steps)
                cpu[m].append((time.process_time() - c0) / steps)
    res = {m: min(ts) for m, ts in wall.items()}
    res.update({f"{m} [CPU]": min(ts) for m, ts in cpu.items()})
    return res


def generation(L, steps, g, rounds=3):
    """The attention alone: the states after a prompt of L - rounds * steps tokens, then
    interleaved generation rounds (:func:`interleaved`)."""
    states = {
        "LoLA": LoLAState(1, H, D, window=WINDOW, cache_size=CACHE),
        "linear (LoLAState)": LoLAState(1, H, D, window=0, cache_size=0),
        "linear (bare)": BareLinear(),
        "window hybrid": LoLAState(1, H, D, window=WINDOW, cache_size=0),
    }
    n0 = L - rounds * steps
    q, k, v = (torch.randn(1, H, L, D, generator=g) for _ in range(3))
    for st in states.values():
        _prompt(st, q[:, :, :n0], k[:, :, :n0], v[:, :, :n0])

    def stepper(st):
        return lambda i: st.step(q[:, :, n0 + i], k[:, :, n0 + i], v[:, :, n0 + i])

    res = interleaved({m: stepper(st) for m, st in states.items()}, steps, rounds)
    lengths = [n for n in (256, 512, 1024, 2048, 4096, 8192) if n < L] + [L]
    soft = {n: min(per_token(lambda n_: KVCacheState(1, H, D, capacity=n_), n, min(steps, n // 2), g)
                   for _ in range(2))
            for n in sorted(set(lengths))}
    lola_at = {n: min(per_token(lambda _n: LoLAState(1, H, D, window=WINDOW, cache_size=CACHE), n,
                                min(steps, n // 2), g) for _ in range(2))
               for n in sorted(set(lengths))}
    cross = next((n for n in sorted(soft) if lola_at[n] < soft[n]), None)
    return res, soft, lola_at, cross


def block_step(enc, x, state):
    """One token through ``enc``, an ``nn.TransformerEncoderLayer`` (post-norm, its defaults)
    whose ``self_attn`` is a :class:`LoLAAttention`: norm1(x + attn(x)), then
    norm2(h + linear2(relu(linear1(h))))."""
    with torch.no_grad():
        h = enc.norm1(x + enc.self_attn.step(x, state))
        return enc.norm2(h + enc.linear2(enc.activation(enc.linear1(h))))


def check_block_step(enc, g, T=40):
    """The stepped block equals the encoder layer's own forward with a causal mask (float32:
    sums of ~2048 products of O(1) terms, a few 1e-6 expected; 1e-4 allows 30x that)."""
    x = torch.randn(1, T, enc.self_attn.embed_dim, generator=g)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T)
    with torch.no_grad():
        ref = enc(x, src_mask=mask, is_causal=True)
    st = enc.self_attn.new_state(1)
    ys = torch.stack([block_step(enc, x[:, t], st) for t in range(T)], 1)
    err = float((ys - ref).abs().max())
    if not err < 1e-4:
        raise AssertionError(f"stepped block differs from nn.TransformerEncoderLayer by {err:.2e} (> 1e-4)")
    return err


def layered(L, steps, g, rounds=3):
    """Per-token time (wall and CPU) of generation through one attention layer and through a
    block (:func:`interleaved`), after a prompt of L - rounds * steps tokens whose pairs are
    random heads (the cost of a step does not depend on their values).  Every mechanism has
    the same projections and the same block around it."""
    E = H * D
    torch.manual_seed(0)
    enc = torch.nn.TransformerEncoderLayer(E, H, dropout=0.0, batch_first=True)  # feed-forward 2048
    enc.eval()
    mha = enc.self_attn
    modes = ("lola", "linear", "window", "softmax")
    layers = {m: lola_layer(mha, mode=m, window=WINDOW, cache_size=CACHE) for m in modes}
    block_err = {}
    for m in modes:
        enc.self_attn = layers[m]
        block_err[m] = check_block_step(enc, g)
    n0 = L - rounds * steps
    q, k, v = (torch.randn(1, H, n0, D, generator=g) for _ in range(3))
    xs = torch.randn(rounds * steps, 1, E, generator=g)

    def layer_stepper(lay, st):
        return lambda i: lay.step(xs[i], st)

    def block_stepper(lay, st):
        def f(i):
            enc.self_attn = lay
            block_step(enc, xs[i], st)
        return f

    res = {}
    for level, mk in (("layer", layer_stepper), ("block", block_stepper)):
        steppers = {}
        for m in modes:
            st = layers[m].new_state(1, capacity=L)
            _prompt(st, q, k, v)
            steppers[f"{level} {m}"] = mk(layers[m], st)
        res.update(interleaved(steppers, steps, rounds))
    return res, block_err


def prefill(L, g):
    q, k, v = (torch.randn(1, H, L, D, generator=g) for _ in range(3))
    with torch.no_grad():
        t_first = _median_time(lambda: lola_attention(q[:, :, :256], k[:, :, :256], v[:, :, :256], WINDOW, CACHE),
                               1)
        t_lola = _median_time(lambda: lola_attention(q, k, v, WINDOW, CACHE))
        t_hyb = _median_time(lambda: window_linear_attention(q, k, v, WINDOW))
        t_lin = _median_time(lambda: linear_attention(q, k, v))
    return {"LoLA": t_lola, "window hybrid": t_hyb, "linear": t_lin, "first call (256 tokens)": t_first}


def fla_anchor(g):
    spec = importlib.util.find_spec("fla")
    if spec is None or not spec.submodule_search_locations:
        return {"status": "flash-linear-attention not installed"}
    path = os.path.join(list(spec.submodule_search_locations)[0], "ops", "linear_attn", "naive.py")
    if not os.path.isfile(path):
        return {"status": f"no {path} (pip install --no-deps fla-core)"}
    try:
        mod_spec = importlib.util.spec_from_file_location("fla_naive_linear_attn", path)
        naive = importlib.util.module_from_spec(mod_spec)
        mod_spec.loader.exec_module(naive)
    except Exception as exc:  # noqa: BLE001 - report any import failure as the reason
        return {"status": f"naive reference does not import: {type(exc).__name__}: {exc}"}
    out = {"status": "ran on CPU: fla/ops/linear_attn/naive.py"}
    for L in (1024, 4096):
        q, k, v = (torch.randn(1, H, L, D, generator=g) for _ in range(3))
        fq, fk = torch.nn.functional.elu(q) + 1, torch.nn.functional.elu(k) + 1
        ident = lambda x: x  # noqa: E731 - features are precomputed
        with torch.no_grad():
            ours = linear_attention(fq, fk, v, feature_map=ident)
            to_fla = lambda x: x.transpose(1, 2).contiguous()  # noqa: E731 - (B, T, H, D) layout
            rec = naive.naive_recurrent_linear_attn(to_fla(fq), to_fla(fk), to_fla(v), normalize=True)[0]
            chk = naive.naive_chunk_linear_attn(to_fla(fq), to_fla(fk), to_fla(v), normalize=True)
            out[f"T={L} max|ours - fla recurrent|"] = float((ours - rec.transpose(1, 2)).abs().max())
            out[f"T={L} max|ours - fla chunk|"] = float((ours - chk.transpose(1, 2)).abs().max())
            out[f"T={L} ours [s]"] = _median_time(lambda: linear_attention(fq, fk, v, feature_map=ident))
            out[f"T={L} fla naive recurrent [s]"] = _median_time(
                lambda: naive.naive_recurrent_linear_attn(to_fla(fq), to_fla(fk), to_fla(v), normalize=True), 1)
            out[f"T={L} fla naive chunk [s]"] = _median_time(
                lambda: naive.naive_chunk_linear_attn(to_fla(fq), to_fla(fk), to_fla(v), normalize=True))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--length", type=int, default=16384)
    ap.add_argument("--steps", type=int, default=128)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--skip-fla", action="store_true")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    print(f"threads = {torch.get_num_threads()}, load: {os.getloadavg()}")
    res, soft, lola_at, cross = generation(a.length, a.steps, g)
    L = a.length
    print(f"\n1. generation at T = {L} (per token, {H} heads x {D}, window {WINDOW}, cache {CACHE})")
    for name, t in res.items():
        print(f"   {name:22s} {1e6 * t:9.1f} us/token  {1 / t:9.0f} tokens/s")
    for sfx, what in (("", "wall"), (" [CPU]", "CPU time")):
        print(f"   {what}: LoLA / linear (LoLAState) = {res['LoLA' + sfx] / res['linear (LoLAState)' + sfx]:.2f}, "
              f"LoLA / linear (bare) = {res['LoLA' + sfx] / res['linear (bare)' + sfx]:.2f}  (goal <= 2)")
    print("   T        softmax+KV us/token   LoLA us/token")
    for n in sorted(soft):
        print(f"   {n:6d}   {1e6 * soft[n]:12.1f}        {1e6 * lola_at[n]:10.1f}")
    print(f"   crossover: LoLA faster than softmax + KV cache from T = {cross}")
    lay, block_err = layered(L, a.steps, g)
    print(f"\n1b. generation at T = {L} through a layer ({H * D} wide: projections + attention) and an "
          "nn.TransformerEncoderLayer block (+ LayerNorms, feed-forward 2048)")
    print("   stepped block = the encoder layer's forward (causal mask), max abs difference: "
          + ", ".join(f"{m} {e:.1e}" for m, e in block_err.items()) + " (claim < 1e-4)")
    for key, t in lay.items():
        print(f"   {key:26s} {1e6 * t:9.1f} us/token  {1 / t:9.0f} tokens/s")
    for level in ("layer", "block"):
        for sfx, what in (("", "wall"), (" [CPU]", "CPU time")):
            r = lay[f"{level} lola{sfx}"] / lay[f"{level} linear{sfx}"]
            print(f"   {level} {what}: LoLA / linear = {r:.2f} (goal <= 2), softmax + KV / LoLA = "
                  f"{lay[f'{level} softmax{sfx}'] / lay[f'{level} lola{sfx}']:.2f}")
    pf = prefill(L, g)
    print(f"\n2. prefill of {L} tokens")
    for name, t in pf.items():
        print(f"   {name:24s} {t:8.3f} s")
    print(f"   LoLA / window hybrid = {pf['LoLA'] / pf['window hybrid']:.2f}  (goal <= 3)")
    anchor = {"status": "skipped"} if a.skip_fla else fla_anchor(g)
    print("\n3. flash-linear-attention anchor:")
    for key, val in anchor.items():
        print(f"   {key}: {val}")
    # sanity: softmax identity at the benchmark's shapes (short)
    q, k, v = (torch.randn(1, H, 128, D, generator=g) for _ in range(3))
    e = float((lola_attention(q, k, v, 128, CACHE) - softmax_attention(q, k, v)).abs().max())
    print(f"\nLoLA (window >= T) vs softmax, float32: max abs difference {e:.2e}")
    print(json.dumps({"threads": torch.get_num_threads(), "generation": res, "layered": lay,
                      "block_check": block_err, "softmax_kv": soft, "lola_by_length": lola_at, "crossover": cross,
                      "prefill": pf, "fla": anchor}, default=float))


if __name__ == "__main__":
    main()
