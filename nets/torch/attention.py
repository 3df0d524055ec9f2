"""Causal attention layers: softmax, linear, sliding-window hybrid and LoLA (arXiv 2505.23666).

All functions take queries, keys and values of shape ``(batch, heads, length, dim)``
(values may have their own last dimension), float32 or float64, on any device, and are
causal: the output at position :math:`t` depends on the pairs :math:`j \\le t` only.

Notation (used in every docstring of this module): :math:`\\tau` is the softmax scale
(default :math:`1/\\sqrt{d}`), :math:`\\phi:\\mathbb{R}^d\\to\\mathbb{R}_{\\ge 0}^D` the
feature map, :math:`e_{tj} = \\exp(\\tau\\, q_t^\\top k_j)` the softmax weight of pair
:math:`j` for query :math:`t`, and for a set :math:`S` of pairs folded into a linear state

.. math::

    H_S = \\sum_{j\\in S} \\phi(k_j) v_j^\\top \\in \\mathbb{R}^{D\\times d_v},\\qquad
    s_S = \\sum_{j\\in S} \\phi(k_j) \\in \\mathbb{R}^{D}.

Every layer here is one formula with three memories, normalised by **one** denominator:
an exact set :math:`E_t` of pairs attended with softmax weights and a linear state
:math:`S_t` (:math:`E_t \\cup S_t = \\{0,\\dots,t\\}`, disjoint),

.. math::

    y_t = \\frac{w_e \\sum_{j\\in E_t} e_{tj} v_j + w_\\ell\\, \\phi(q_t)^\\top H_{S_t}}
               {w_e \\sum_{j\\in E_t} e_{tj} + w_\\ell\\, \\phi(q_t)^\\top s_{S_t}},

with :math:`w_e = w_\\ell = 1`, or :math:`w_e = g_h`, :math:`w_\\ell = 1-g_h` with a
per-head gate :math:`g_h\\in(0,1)` (LoLCATs, arXiv 2410.10254; in LoLA's code
:math:`g_h = \\mathrm{sigmoid}(\\cdot)`, initialised near 0.1 [code]).  Softmax attention is
:math:`E_t = \\{0..t\\}`; linear attention is :math:`E_t = \\emptyset`; the sliding-window
hybrid (LoLCATs) is :math:`E_t = \\{j: t-\\eta < j \\le t\\}`; LoLA adds a sparse cache
(see :func:`lola_attention`).  Numerically, numerator and denominator are both multiplied by
:math:`e^{-m_t}` with :math:`m_t = \\max(\\max_{j\\in E_t}\\tau q_t^\\top k_j,\\
\\log(w_\\ell\\phi(q_t)^\\top s_{S_t}))` (log-sum-exp over the window, the cache and the
state together), so no exponential overflows.  Unlike LoLA's code we add no
:math:`10^{-6}` to the denominator: a zero denominator (possible only when :math:`E_t` is
empty and :math:`\\phi(q_t)^\\top s_{S_t} = 0`, e.g. with ReLU features) raises
``ValueError``.

Provenance tags: [paper] read in 2505.23666's abstract; [code] read in the authors'
repository ``lukemcdermotttt/LoLA`` (a fork of HazyResearch/lolcats); [derived] our own
definition or derivation, stated where it is used.  The theory page "LoLA" of the docs
gives the derivations of the identities the tests check.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "FEATURE_MAPS",
    "HedgehogFeatureMap",
    "KVCacheState",
    "SoftmaxRandomFeatures",
    "LoLAAttention",
    "LoLAState",
    "SCORINGS",
    "linear_attention",
    "lola_attention",
    "lola_layer",
    "resolve_feature_map",
    "self_recall_error",
    "softmax_attention",
    "window_linear_attention",
]

#: feature-map names accepted by every function of this module
FEATURE_MAPS = ("elu", "relu", "exp", "softmax_rf")
#: cache scoring rules of :func:`lola_attention`
SCORINGS = ("self_recall", "random", "recent")

_BLOCK = 128  # queries per block in the parallel (chunked) modes
_LIN_CHUNK = 64  # chunk length of the parallel linear attention
_LIN_STATE_MAX = 2 ** 24  # numbers in the chunk states formed at once by the parallel linear attention
_ZERO_DEN = ("non-positive attention denominator: a query saw no exact pair and phi(q)^T s = 0 (feature_map "
             "gives zero features, e.g. 'relu' on negative inputs); use a strictly positive feature map such as "
             "'elu' or 'exp', or a window >= 1")


# ----------------------------------------------------------------------------- feature maps
def _elu1(x):
    return F.elu(x) + 1.0


def _exp_hedgehog(x):
    return torch.cat([torch.softmax(x, dim=-1), torch.softmax(-x, dim=-1)], dim=-1)


class SoftmaxRandomFeatures(nn.Module):
    """Positive random features of the softmax kernel (FAVOR+, arXiv 2009.14794, Lemma 1).

    .. math::

        \\phi(x) = \\frac{1}{\\sqrt{m}} \\exp\\!\\Big(W \\sqrt{\\tau}\\, x - \\frac{\\tau\\|x\\|^2}{2}\\Big),
        \\qquad W \\in \\mathbb{R}^{m\\times d},\\ W_{ij}\\sim N(0,1),

    so that :math:`\\mathbb{E}_W[\\phi(q)^\\top\\phi(k)] = \\exp(\\tau q^\\top k)`: linear
    attention with these features is an unbiased estimate of the softmax numerator and
    denominator.  ``W`` is drawn once from ``seed`` (a fixed buffer, not trained).
    """

    def __init__(self, dim: int, n_features: int = 128, *, scale=None, seed: int = 0):
        super().__init__()
        dim = _check_int(dim, "dim", 1)
        n_features = _check_int(n_features, "n_features", 1)
        g = torch.Generator().manual_seed(int(seed))
        self.register_buffer("W", torch.randn(n_features, dim, generator=g, dtype=torch.float64))
        self.scale = 1.0 / math.sqrt(dim) if scale is None else float(scale)

    def forward(self, x):
        W = self.W.to(dtype=x.dtype, device=x.device)
        xs = x * math.sqrt(self.scale)
        z = xs @ W.T - 0.5 * (xs * xs).sum(-1, keepdim=True)
        return torch.exp(z) / math.sqrt(W.shape[0])


class HedgehogFeatureMap(nn.Module):
    """Learnable Hedgehog feature map (arXiv 2402.04347; LoLCATs 2410.10254; LoLA [code]).

    .. math::

        \\phi_h(x) = \\big[\\mathrm{softmax}(x W_h),\\ \\mathrm{softmax}(-x W_h)\\big]
        \\in \\mathbb{R}_{>0}^{2F},

    one :math:`W_h\\in\\mathbb{R}^{d\\times F}` per head (LoLA's ``softmax_dim`` map with
    ``fullspace: true`` [code]).  Initialised at the identity (``F = d``) or at random
    orthonormal columns; the untrained map with :math:`W = I` is the name ``"exp"``.
    Input ``(batch, heads, length, d)``.
    """

    def __init__(self, heads: int, dim: int, feature_dim=None, *, seed: int = 0, dtype=None, device=None):
        super().__init__()
        heads = _check_int(heads, "heads", 1)
        dim = _check_int(dim, "dim", 1)
        feature_dim = dim if feature_dim is None else _check_int(feature_dim, "feature_dim", 1)
        if feature_dim == dim:
            W = torch.eye(dim, dtype=torch.float64).expand(heads, dim, dim).clone()
        else:
            g = torch.Generator().manual_seed(int(seed))
            W = torch.linalg.qr(torch.randn(heads, max(dim, feature_dim), max(dim, feature_dim), generator=g,
                                            dtype=torch.float64))[0][:, :dim, :feature_dim]
        self.W = nn.Parameter(W.to(dtype=dtype or torch.get_default_dtype(), device=device))

    def forward(self, x):
        if x.dim() != 4 or x.shape[1] != self.W.shape[0]:
            raise ValueError(f"HedgehogFeatureMap expects input (batch, {self.W.shape[0]}, length, "
                             f"{self.W.shape[1]}), got shape {tuple(x.shape)}")
        return _exp_hedgehog(torch.einsum("bhtd,hdf->bhtf", x, self.W.to(x.dtype)))


def resolve_feature_map(feature_map, dim=None):
    """The callable behind ``feature_map``.

    Parameters
    ----------
    feature_map : str or callable
        ``"elu"``: :math:`\\phi(x) = \\mathrm{elu}(x)+1` (Katharopoulos et al., arXiv
        2006.16236); ``"relu"``: :math:`\\max(x, 0)`; ``"exp"``: the untrained Hedgehog map
        :math:`[\\mathrm{softmax}(x), \\mathrm{softmax}(-x)]`; ``"softmax_rf"``:
        :class:`SoftmaxRandomFeatures` with 128 features, seed 0 and scale
        :math:`1/\\sqrt{d}`; or any callable (e.g. :class:`HedgehogFeatureMap`) acting on the
        last axis and returning non-negative features.
    dim : int, optional
        Key dimension (needed for ``"softmax_rf"``).
    """
    if callable(feature_map):
        return feature_map
    if feature_map == "elu":
        return _elu1
    if feature_map == "relu":
        return F.relu
    if feature_map == "exp":
        return _exp_hedgehog
    if feature_map == "softmax_rf":
        if dim is None:
            raise ValueError("feature_map='softmax_rf' needs the key dimension")
        return SoftmaxRandomFeatures(dim)
    raise ValueError(f"feature_map must be one of {FEATURE_MAPS} or a callable, got {feature_map!r}")


# ----------------------------------------------------------------------------- validation
def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _all_finite(x):
    """Whether every entry of ``x`` is finite: one reduction (a finite sum means finite
    entries, since inf and NaN propagate through a sum), the entrywise test only when the sum
    is not finite (NaN, inf, or an overflow of finite entries)."""
    return math.isfinite(float(x.detach().sum())) or bool(torch.isfinite(x).all())


def _check_qkv(q, k, v, causal=True):
    if causal is not True:
        raise ValueError(f"causal={causal!r}: only causal attention is defined here (the linear state and the "
                         "sliding window are prefix sums); pass causal=True")
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 4:
            raise ValueError(f"{name} must have shape (batch, heads, length, dim), got shape {tuple(x.shape)}")
        if x.dtype not in (torch.float32, torch.float64):
            raise TypeError(f"{name} must be float32 or float64, got {x.dtype}")
    if k.shape != q.shape:
        raise ValueError(f"q and k must have the same shape, got q {tuple(q.shape)} and k {tuple(k.shape)}")
    if v.shape[:3] != k.shape[:3]:
        raise ValueError(f"v must have shape (batch, heads, length, dv) matching k {tuple(k.shape[:3])}, "
                         f"got {tuple(v.shape)}")
    if not (q.dtype == k.dtype == v.dtype):
        raise TypeError(f"q, k, v must share one dtype, got {q.dtype}, {k.dtype}, {v.dtype}")
    if not (q.device == k.device == v.device):
        raise ValueError(f"q, k, v must be on one device, got {q.device}, {k.device}, {v.device}")
    if q.shape[2] < 1 or q.shape[3] < 1 or v.shape[3] < 1:
        raise ValueError(f"empty input: q {tuple(q.shape)}, v {tuple(v.shape)}")
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not _all_finite(x):
            raise ValueError(f"{name} contains NaN or infinite entries")


def _check_finite_tokens(total, named):
    """Raise ``ValueError`` naming the first of ``named`` ((name, tensor) pairs) with a NaN or
    infinite entry, unless ``total`` (their sum) is finite: one reduction and one host read per
    token when all entries are finite (inf and NaN propagate through a sum)."""
    if math.isfinite(float(total)):
        return
    for name, x in named:
        if not bool(torch.isfinite(x).all()):
            raise ValueError(f"{name} contains NaN or infinite entries")


def _check_token(x, name, shape, dtype):
    """One token's q, k or v for a recurrent state: shape ``shape`` (or with a length-1 axis 2)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() == 4 and x.shape[2] == 1:
        x = x[:, :, 0]
    if tuple(x.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)} (or with a length-1 axis), got {tuple(x.shape)}")
    if x.dtype != dtype:
        raise TypeError(f"{name} must be {dtype}, got {x.dtype}")
    return x


_TRUSTED = (_elu1, F.relu, _exp_hedgehog)  # finite, non-negative features of finite input


def _features(fm, x, name):
    f = fm(x)
    if fm in _TRUSTED and f.dtype == x.dtype:
        return f
    if not isinstance(f, torch.Tensor) or f.shape[:-1] != x.shape[:-1]:
        raise ValueError(f"feature_map must map {name} of shape {tuple(x.shape)} to (..., D) on the last axis, got "
                         f"{getattr(f, 'shape', type(f).__name__)}")
    f = f.to(x.dtype)
    if not _all_finite(f):
        raise ValueError(f"feature_map produced NaN or infinite features of {name}")
    if float(f.detach().amin()) < 0:
        raise ValueError(f"feature_map produced negative features of {name} (min {float(f.min()):.3g}); "
                         "linear attention needs phi >= 0 so that its denominator is positive")
    return f


def _scale(scale, d):
    if scale is None:
        return 1.0 / math.sqrt(d)
    if not isinstance(scale, numbers.Real) or not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    return float(scale)


def _weights(gate, heads, ref):
    """(w_exact, w_linear) broadcastable to (batch, heads, nq, 1)."""
    if gate is None:
        return 1.0, 1.0
    g = torch.as_tensor(gate, dtype=ref.dtype, device=ref.device)
    if g.dim() == 0:
        g = g.expand(heads)
    if g.shape != (heads,):
        raise ValueError(f"gate must be a scalar or have shape ({heads},) (one value per head), got {tuple(g.shape)}")
    if not bool(((g > 0) & (g < 1)).all()):
        raise ValueError(f"gate values must lie in (0, 1) (sigmoid of LoLCATs' window factors), got {g.tolist()}")
    g = g.view(1, heads, 1, 1)
    return g, 1.0 - g


# ----------------------------------------------------------------------------- one denominator
def _combine(parts, fq, H, s, w_e, w_l, lin_extra=None):
    """Stabilised evaluation of the one-denominator formula of the module docstring.

    ``parts``: list of (scores (..., nq, nk) with -inf where masked, values (..., nk, dv)).
    ``H`` (..., D, dv) / ``s`` (..., D): state shared by all queries of the block (or None);
    ``lin_extra``: optional (A (..., nq, nk), V (..., nk, dv)) of per-query linear terms
    :math:`\\phi(q_t)^\\top\\phi(k_j)` (masked to 0) added to the state.
    """
    # m only shifts numerator and denominator alike: it carries no gradient (detached), which
    # also keeps log(0) = -inf of an empty linear state out of the backward pass
    m = None
    for sc, _ in parts:
        if sc.shape[-1]:
            mi = sc.detach().amax(-1, keepdim=True)
            m = mi if m is None else torch.maximum(m, mi)
    lin_num = lin_den = None
    if H is not None:
        lin_num = fq @ H
        lin_den = (fq * s.unsqueeze(-2)).sum(-1, keepdim=True)
    if lin_extra is not None:
        A, V = lin_extra
        num_x, den_x = A @ V, A.sum(-1, keepdim=True)
        lin_num = num_x if lin_num is None else lin_num + num_x
        lin_den = den_x if lin_den is None else lin_den + den_x
    one_l = isinstance(w_l, float) and w_l == 1.0
    one_e = isinstance(w_e, float) and w_e == 1.0
    if lin_den is not None:
        if not one_l:
            lin_den = w_l * lin_den
            lin_num = w_l * lin_num
        ld = torch.log(lin_den.detach())  # -inf where the linear denominator is 0
        m = ld if m is None else torch.maximum(m, ld)
    if m is None:
        raise ValueError("nothing to attend to (empty exact set and no linear state)")
    m = torch.nan_to_num(m, neginf=0.0)  # rows with nothing to attend to: any shift will do
    num = den = 0.0
    for sc, val in parts:
        if sc.shape[-1]:
            p = torch.exp(sc - m)
            pv, ps = p @ val, p.sum(-1, keepdim=True)
            if not one_e:
                pv, ps = w_e * pv, w_e * ps
            num = num + pv
            den = den + ps
    if lin_den is not None:
        em = torch.exp(-m)
        num = num + em * lin_num
        den = den + em * lin_den
    if not isinstance(den, torch.Tensor) or not bool((den > 0).all()):
        raise ValueError(_ZERO_DEN)
    return num / den


# ----------------------------------------------------------------------------- softmax
def softmax_attention(q, k, v, *, scale=None, causal=True):
    """Exact causal softmax attention.

    .. math::

        y_t = \\frac{\\sum_{j\\le t} e^{\\tau q_t^\\top k_j} v_j}{\\sum_{j\\le t} e^{\\tau q_t^\\top k_j}},
        \\qquad \\tau = 1/\\sqrt{d} \\text{ by default}.

    Parameters
    ----------
    q, k : torch.Tensor, shape (batch, heads, length, d)
    v : torch.Tensor, shape (batch, heads, length, dv)
    scale : float, optional
        :math:`\\tau`.
    causal : bool
        Must be True (only causal attention is defined in this module).

    Returns
    -------
    torch.Tensor, shape (batch, heads, length, dv)

    Examples
    --------
    >>> import torch
    >>> from ridgekit.nets.torch.attention import softmax_attention
    >>> q = k = torch.zeros(1, 1, 3, 2, dtype=torch.float64)
    >>> v = torch.arange(3.0, dtype=torch.float64).view(1, 1, 3, 1)
    >>> softmax_attention(q, k, v).flatten().tolist()   # equal logits: running means
    [0.0, 0.5, 1.0]
    """
    _check_qkv(q, k, v, causal)
    tau = _scale(scale, q.shape[-1])
    B, Hh, T, _ = q.shape
    rows = max(1, min(1024, 2 ** 24 // (B * Hh * T)))  # score blocks of at most 2^24 entries
    out = []
    for a in range(0, T, rows):
        b = min(a + rows, T)
        sc = tau * (q[:, :, a:b] @ k[:, :, :b].transpose(-1, -2))
        mask = torch.arange(b, device=q.device)[None, :] > torch.arange(a, b, device=q.device)[:, None]
        sc = sc.masked_fill(mask, float("-inf"))
        out.append(torch.softmax(sc, dim=-1) @ v[:, :, :b])
    return torch.cat(out, dim=2)


# ----------------------------------------------------------------------------- linear, window hybrid
def _linear_chunked(fq, fk, v, C=_LIN_CHUNK):
    """Causal linear attention, all chunks at once [derived]: with the sequence cut into chunks
    of C positions, ``[v | 1]`` the values with a column of ones (numerator and denominator in
    one product), chunk c's output is ``phi(Q_c) S_c + tril(phi(Q_c) phi(K_c)^T) [V_c | 1]``,
    ``S_c`` the sum of ``phi(K_b)^T [V_b | 1]`` over the chunks b < c (an exclusive prefix sum,
    formed as a cumulative sum of the chunk states shifted by one).  Groups of chunks are
    processed in turn (the state carried over) so that the chunk states stay below
    ``_LIN_STATE_MAX`` numbers."""
    B, Hh, T, D = fq.shape
    dv = v.shape[-1]
    n = -(-T // C)
    pad = n * C - T
    v1 = torch.cat([v, torch.ones_like(v[..., :1])], -1)
    if pad:  # zero features: padded keys add nothing, padded queries are cut off
        fq, fk = F.pad(fq, (0, 0, 0, pad)), F.pad(fk, (0, 0, 0, pad))
        v1 = F.pad(v1, (0, 0, 0, pad))
    Q, K, V = (x.reshape(B, Hh, n, C, x.shape[-1]) for x in (fq, fk, v1))
    causal = torch.ones(C, C, dtype=torch.bool, device=fq.device).tril()
    group = max(1, _LIN_STATE_MAX // (B * Hh * D * (dv + 1)))
    carry = None
    out = []
    for g0 in range(0, n, group):
        Qg, Kg, Vg = Q[:, :, g0:g0 + group], K[:, :, g0:g0 + group], V[:, :, g0:g0 + group]
        KV = Kg.transpose(-1, -2) @ Vg  # (B, Hh, chunks, D, dv + 1)
        S = torch.cat([torch.zeros_like(KV[:, :, :1]), KV[:, :, :-1]], 2).cumsum(2)
        if carry is not None:
            S = S + carry.unsqueeze(2)
        carry = S[:, :, -1] + KV[:, :, -1]
        A = (Qg @ Kg.transpose(-1, -2)).masked_fill(~causal, 0.0)
        out.append(Qg @ S + A @ Vg)
    y = torch.cat(out, 2).reshape(B, Hh, n * C, dv + 1)[:, :, :T]
    num, den = y[..., :dv], y[..., dv:]
    if not bool((den > 0).all()):
        raise ValueError(_ZERO_DEN)
    return num / den


def _hybrid(q, k, v, fq, fk, window, tau, w_e, w_l, block=_BLOCK):
    """Chunked parallel evaluation of E_t = {t-window < j <= t}, S_t = {j <= t-window}."""
    if window == 0:  # no exact pair: the gate cancels (w_l in numerator and denominator)
        return _linear_chunked(fq, fk, v)
    B, Hh, T, _ = q.shape
    D, dv = fk.shape[-1], v.shape[-1]
    H = torch.zeros(B, Hh, D, dv, dtype=q.dtype, device=q.device)
    s = torch.zeros(B, Hh, D, dtype=q.dtype, device=q.device)
    folded = 0  # H, s hold the pairs j < folded
    out = []
    for a in range(0, T, block):
        b = min(a + block, T)
        r0 = max(0, a - window + 1)
        if r0 > folded:  # fold the pairs [folded, r0) into the state
            H = H + fk[:, :, folded:r0].transpose(-1, -2) @ v[:, :, folded:r0]
            s = s + fk[:, :, folded:r0].sum(-2)
            folded = r0
        t = torch.arange(a, b, device=q.device)[:, None]
        j = torch.arange(r0, b, device=q.device)[None, :]
        exact = (j <= t) & (j > t - window)
        lin = j <= t - window
        sc = (tau * (q[:, :, a:b] @ k[:, :, r0:b].transpose(-1, -2))).masked_fill(~exact, float("-inf"))
        A = (fq[:, :, a:b] @ fk[:, :, r0:b].transpose(-1, -2)) * lin
        state = (H, s) if folded > 0 else (None, None)
        out.append(_combine([(sc, v[:, :, r0:b])], fq[:, :, a:b], *state, w_e, w_l,
                            lin_extra=(A, v[:, :, r0:b]) if bool(lin.any()) else None))
    return torch.cat(out, dim=2)


def linear_attention(q, k, v, *, feature_map="elu", causal=True):
    """Causal linear attention (Katharopoulos et al., arXiv 2006.16236, Eq. 5-6).

    .. math::

        y_t = \\frac{\\phi(q_t)^\\top H_t}{\\phi(q_t)^\\top s_t},\\qquad
        H_t = \\sum_{j\\le t}\\phi(k_j)v_j^\\top,\\quad s_t = \\sum_{j\\le t}\\phi(k_j).

    Evaluated in chunks of 64 positions, all at once (masked products inside a chunk, an
    exclusive prefix sum of the chunk states across chunks); the recurrent mode (update
    :math:`H \\leftarrow H + \\phi(k)v^\\top`, :math:`s \\leftarrow s + \\phi(k)`) is
    :class:`LoLAState` with ``window=0, cache_size=0``.

    Parameters
    ----------
    q, k : torch.Tensor, shape (batch, heads, length, d)
    v : torch.Tensor, shape (batch, heads, length, dv)
    feature_map : str or callable
        See :func:`resolve_feature_map`; must return non-negative features.

    Raises
    ------
    ValueError
        If a denominator :math:`\\phi(q_t)^\\top s_t` is 0 (e.g. ReLU features).
    """
    _check_qkv(q, k, v, causal)
    fm = resolve_feature_map(feature_map, q.shape[-1])
    fq, fk = _features(fm, q, "q"), _features(fm, k, "k")
    return _hybrid(q, k, v, fq, fk, 0, 1.0, 1.0, 1.0)


def window_linear_attention(q, k, v, window, *, feature_map="elu", gate=None, scale=None, causal=True):
    """Sliding window of softmax attention plus linear attention, one denominator (LoLCATs).

    .. math::

        E_t = \\{j : t-\\eta < j \\le t\\},\\qquad S_t = \\{j : j \\le t-\\eta\\},

    inserted into the one-denominator formula of the module docstring: the
    :math:`\\eta` most recent pairs (including the current one) are attended exactly, the
    older ones through the linear state (LoLCATs, arXiv 2410.10254, sliding-window
    variant; LoLA's Eq. for :math:`\\lambda = 0` [code]).  ``window >= length`` gives softmax
    attention, ``window = 0`` linear attention [derived: :math:`S_t` or :math:`E_t` is
    empty].

    Parameters
    ----------
    q, k, v : torch.Tensor
        Shapes (batch, heads, length, d), (…, d), (…, dv).
    window : int
        :math:`\\eta \\ge 0`.
    feature_map : str or callable
    gate : None, float or tensor of shape (heads,)
        LoLCATs' mixing weight :math:`g_h \\in (0,1)`: :math:`w_e = g_h`,
        :math:`w_\\ell = 1-g_h`.  None: :math:`w_e = w_\\ell = 1`.
    scale : float, optional
        :math:`\\tau` (default :math:`1/\\sqrt{d}`).
    """
    _check_qkv(q, k, v, causal)
    window = _check_int(window, "window", 0)
    tau = _scale(scale, q.shape[-1])
    w_e, w_l = _weights(gate, q.shape[1], q)
    fm = resolve_feature_map(feature_map, q.shape[-1])
    fq, fk = _features(fm, q, "q"), _features(fm, k, "k")
    return _hybrid(q, k, v, fq, fk, window, tau, w_e, w_l)


# ----------------------------------------------------------------------------- LoLA
def self_recall_error(fk, v, H, s):
    """Self-recall error of pairs against a linear state (LoLA, 2505.23666 [code, secondary]).

    .. math::

        \\mathrm{SRE}(k, v\\mid H, s) = \\Big\\| \\frac{\\phi(k)^\\top H}{\\phi(k)^\\top s} - v \\Big\\|_2^2,

    with the prediction :math:`\\phi(k)^\\top H/\\phi(k)^\\top s` taken as 0 where
    :math:`\\phi(k)^\\top s = 0` (empty state).  LoLA's code uses the unsquared norm and adds
    :math:`10^{-6}` to the denominator; the ranking is the same (squaring is monotone).

    Parameters
    ----------
    fk : torch.Tensor, shape (..., n, D)
        Features :math:`\\phi(k)` of the pairs.
    v : torch.Tensor, shape (..., n, dv)
    H : torch.Tensor, shape (..., D, dv)
    s : torch.Tensor, shape (..., D)

    Returns
    -------
    torch.Tensor, shape (..., n)
    """
    num = fk @ H
    den = fk @ s.unsqueeze(-1)  # (..., n, 1)
    # 1/den where den > 0, else 0 (prediction 0): formed on the small (..., n, 1) tensor
    inv = torch.where(den > 0, 1.0 / torch.where(den > 0, den, torch.ones_like(den)), torch.zeros_like(den))
    diff = num * inv - v
    return (diff * diff).sum(-1)


def _hash_scores(pos, seed):
    """Deterministic pseudo-random score in [0, 1) per (seed, position) (32-bit integer hash)."""
    x = (pos * 2654435761 + int(seed) * 40503 + 12345) % 4294967296
    x = ((x ^ (x >> 16)) * 73244475) % 4294967296
    x = ((x ^ (x >> 16)) * 73244475) % 4294967296
    x = x ^ (x >> 16)
    return x.to(torch.float64) / 4294967296.0


def _update(G, P, H, s, lam, scoring, seed):
    """One cache update: keep the top ``lam`` of G ∪ P by score, fold the rest into (H, s).

    G, P: dicts of tensors k (..., n, d), v (..., n, dv), f (..., n, D), pos (..., n) (long),
    each in position order with every G position < every P position.
    """
    if lam == 0:  # nothing can be kept: fold every pending pair, no scores needed
        return G, H + P["f"].transpose(-1, -2) @ P["v"], s + P["f"].sum(-2)
    C = {key: torch.cat([G[key], P[key]], dim=-2 if key != "pos" else -1) for key in G}
    n = C["pos"].shape[-1]
    if n <= lam:
        return C, H, s
    if scoring == "self_recall":
        score = self_recall_error(C["f"], C["v"], H, s)
    elif scoring == "recent":
        score = C["pos"].to(H.dtype)
    else:
        score = _hash_scores(C["pos"], seed).to(H.dtype)
    order = torch.sort(score, dim=-1, descending=True, stable=True).indices
    # flag the dropped candidates; a stable sort of the flags lists the kept ones first, then
    # the dropped ones, each group in position order
    dropped = torch.ones_like(order, dtype=torch.uint8).scatter_(-1, order[..., :lam], 0)
    idx = torch.sort(dropped, dim=-1, stable=True).indices
    keep, drop = idx[..., :lam], idx[..., lam:]
    # rows of the flattened (batch * heads * n, e) tensors: index_select copies whole rows,
    # much cheaper than gather with an index expanded over the last axis
    base = torch.arange(0, idx.shape[:-1].numel() * n, n, device=idx.device).view(*idx.shape[:-1], 1)
    keep_rows, drop_rows = (keep + base).reshape(-1), (drop + base).reshape(-1)

    def take(x, rows):
        e = x.shape[-1]
        return x.reshape(-1, e).index_select(0, rows).view(*x.shape[:-2], -1, e)

    fE, vE = take(C["f"], drop_rows), take(C["v"], drop_rows)
    H = H + fE.transpose(-1, -2) @ vE
    s = s + fE.sum(-2)
    newG = {"k": take(C["k"], keep_rows), "v": take(C["v"], keep_rows), "f": take(C["f"], keep_rows),
            "pos": C["pos"].gather(-1, keep)}
    return newG, H, s


def _check_lola_args(window, cache_size, chunk_size, scoring, seed):
    window = _check_int(window, "window", 0)
    cache_size = _check_int(cache_size, "cache_size", 0)
    if chunk_size is None:
        chunk_size = max(window, 1)
    chunk_size = _check_int(chunk_size, "chunk_size", 1)
    if cache_size == 0:
        chunk_size = 1  # nothing to choose: leaving pairs go straight to the state
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {SCORINGS}, got {scoring!r}")
    seed = _check_int(seed, "seed", 0)
    return window, cache_size, chunk_size, seed


def _empty_cache(B, Hh, d, dv, D, dtype, device):
    z = torch.zeros
    return {"k": z(B, Hh, 0, d, dtype=dtype, device=device), "v": z(B, Hh, 0, dv, dtype=dtype, device=device),
            "f": z(B, Hh, 0, D, dtype=dtype, device=device),
            "pos": z(B, Hh, 0, dtype=torch.long, device=device)}


def _lola_parallel(q, k, v, fq, fk, window, lam, C, scoring, seed, tau, w_e, w_l):
    """Blockwise evaluation of LoLA; returns (y, final state dict)."""
    B, Hh, T, d = q.shape
    D, dv = fk.shape[-1], v.shape[-1]
    G = _empty_cache(B, Hh, d, dv, D, q.dtype, q.device)
    H = torch.zeros(B, Hh, D, dv, dtype=q.dtype, device=q.device)
    s = torch.zeros(B, Hh, D, dtype=q.dtype, device=q.device)
    n_upd = max(T - window, 0) // C
    out = []
    for m in range(n_upd + 1):
        if m >= 1:  # update m at step window + m*C - 1: pending pairs [(m-1)C, mC)
            a0, b0 = (m - 1) * C, m * C
            P = {"k": k[:, :, a0:b0], "v": v[:, :, a0:b0], "f": fk[:, :, a0:b0],
                 "pos": torch.arange(a0, b0, device=q.device).expand(B, Hh, C)}
            G, H, s = _update(G, P, H, s, lam, scoring, seed)
        qa = 0 if m == 0 else window + m * C - 1
        qb = min(window + (m + 1) * C - 1, T)
        if qa >= qb:
            continue
        band = m * C
        for a in range(qa, qb, _BLOCK):
            b = min(a + _BLOCK, qb)
            t = torch.arange(a, b, device=q.device)[:, None]
            j = torch.arange(band, b, device=q.device)[None, :]
            qq = q[:, :, a:b]
            sb = (tau * (qq @ k[:, :, band:b].transpose(-1, -2))).masked_fill(j > t, float("-inf"))
            sg = tau * (qq @ G["k"].transpose(-1, -2))
            state = (H, s) if m >= 1 else (None, None)
            out.append(_combine([(sg, G["v"]), (sb, v[:, :, band:b])], fq[:, :, a:b], *state, w_e, w_l))
    band = n_upd * C
    buf = {"k": k[:, :, band:], "v": v[:, :, band:], "f": fk[:, :, band:]}
    return torch.cat(out, dim=2), {"G": G, "H": H, "s": s, "buf": buf, "t": T}


def lola_attention(q, k, v, window, cache_size, *, feature_map="elu", scoring="self_recall", chunk_size=None,
                   gate=None, scale=None, seed=0, causal=True):
    """LoLA: sliding window + sparse cache + linear state, one denominator (arXiv 2505.23666).

    Three memories [paper]: the :math:`\\eta` most recent pairs, a cache :math:`G` of at most
    :math:`\\lambda` older pairs, both attended exactly, and the linear state
    :math:`(H, s)` for every other pair.  Dynamics (token-level statement [derived]; with
    ``chunk_size = window`` it reproduces the chunked schedule of LoLA's ``_lola_forward``
    [code]): at step :math:`t` pair :math:`t` enters the window and pair :math:`t-\\eta`
    (if :math:`t \\ge \\eta`) leaves it for a *pending* list :math:`P`; when :math:`|P|`
    reaches the chunk size :math:`c` an update runs before query :math:`t` reads:

    1. candidates :math:`G \\cup P`; if there are at most :math:`\\lambda` of them, all stay
       in the cache;
    2. otherwise each candidate gets a score: its self-recall error
       :math:`\\|\\phi(k)^\\top H/\\phi(k)^\\top s - v\\|^2` against the *current* state
       (``"self_recall"``, :func:`self_recall_error`; cached pairs are re-scored [code]),
       a pseudo-random number fixed by ``(seed, position)`` (``"random"``), or its position
       (``"recent"``) — the ablation of the paper's Table 4 [secondary];
    3. the :math:`\\lambda` highest-scoring candidates (ties: earlier position first) form the
       new cache, the others are folded into :math:`H \\mathrel{+}= \\sum \\phi(k)v^\\top`,
       :math:`s \\mathrel{+}= \\sum \\phi(k)`; :math:`P = \\emptyset`.

    The output uses :math:`E_t = G_t \\cup P_t \\cup W_t` (exact) and :math:`S_t` (state) in the
    one-denominator formula of the module docstring.  Pending pairs are exact, so query
    :math:`t` sees between :math:`\\eta` and :math:`\\eta + c - 1` recent pairs exactly,
    plus :math:`\\le\\lambda` cached ones: memory :math:`O(\\eta + c + \\lambda)` pairs plus
    :math:`D(d_v+1)` state numbers, independent of the length.

    Identities [derived, tested]: ``window >= length`` or ``cache_size >= length``: softmax
    attention; ``cache_size = 0``: :func:`window_linear_attention` (the chunk size is then
    irrelevant and set to 1); ``window = cache_size = 0``: :func:`linear_attention`.

    Parameters
    ----------
    q, k : torch.Tensor, shape (batch, heads, length, d)
    v : torch.Tensor, shape (batch, heads, length, dv)
    window : int
        :math:`\\eta \\ge 0`.
    cache_size : int
        :math:`\\lambda \\ge 0`.
    feature_map : str or callable
        See :func:`resolve_feature_map`.
    scoring : {"self_recall", "random", "recent"}
    chunk_size : int, optional
        :math:`c \\ge 1`, pairs scored together (default ``max(window, 1)``, as LoLA's code).
        ``chunk_size=1`` makes one decision per token.
    gate : None, float or tensor (heads,)
        LoLCATs' mixing weight, see :func:`window_linear_attention`.
    scale : float, optional
        :math:`\\tau` (default :math:`1/\\sqrt{d}`).
    seed : int
        Seed of the ``"random"`` scores.

    Returns
    -------
    torch.Tensor, shape (batch, heads, length, dv)
    """
    _check_qkv(q, k, v, causal)
    window, cache_size, chunk_size, seed = _check_lola_args(window, cache_size, chunk_size, scoring, seed)
    tau = _scale(scale, q.shape[-1])
    w_e, w_l = _weights(gate, q.shape[1], q)
    fm = resolve_feature_map(feature_map, q.shape[-1])
    fq, fk = _features(fm, q, "q"), _features(fm, k, "k")
    if cache_size == 0:
        return _hybrid(q, k, v, fq, fk, window, tau, w_e, w_l)
    return _lola_parallel(q, k, v, fq, fk, window, cache_size, chunk_size, scoring, seed, tau, w_e, w_l)[0]


class LoLAState:
    """Recurrent (generation) mode of :func:`lola_attention`, one token at a time.

    Holds the window and pending pairs (a buffer of capacity :math:`\\eta + c`), the cache
    (at most :math:`\\lambda` pairs) and the state :math:`H\\in\\mathbb{R}^{D\\times d_v}`,
    :math:`s\\in\\mathbb{R}^D` per (batch, head): memory independent of the number of tokens
    (:meth:`nbytes`).  ``step`` and ``prefill`` follow exactly the dynamics stated in
    :func:`lola_attention` (the same update routine, on the same pairs and state, so the
    same cache decisions), so ``prefill`` of a sequence and ``step`` over its tokens give the
    same outputs up to rounding.  ``window=0, cache_size=0`` is recurrent linear attention;
    ``cache_size=0`` the window hybrid.

    Implementation [derived]: every exact pair lives in one preallocated key tensor and one
    value tensor, slot 0 holding the linear prediction :math:`\\phi(q_t)^\\top H/\\phi(q_t)^\\top
    s` with logit :math:`\\log(w_\\ell\\phi(q_t)^\\top s/w_e)`, then the cache, then the
    window and pending pairs in position order; the one-denominator formula of the module
    docstring is then a single softmax over the live slots (cache slots not yet filled carry
    a logit of :math:`-\\infty`).  :math:`H` and :math:`s` are stored side by side,
    :math:`[H\\,|\\,s]\\in\\mathbb{R}^{D\\times(d_v+1)}`, and each value slot carries a
    trailing 1, so one product gives both linear terms and one rank-one update folds a pair.
    A step is a fixed number of small tensor operations (no reallocation, no concatenation);
    the cache update (scoring, sort, fold, shift of the buffer) runs once per chunk of
    :math:`c` tokens.  Without a cache the window is a ring whose oldest pair is folded, then
    overwritten.  ``step`` runs without autograd (generation is inference).

    Parameters
    ----------
    batch, heads, dim : int
        Shape of the per-token queries/keys ``(batch, heads, dim)``.
    value_dim : int, optional
        :math:`d_v` (default ``dim``).
    window, cache_size, feature_map, scoring, chunk_size, gate, scale, seed
        As in :func:`lola_attention`.
    dtype, device
        Of the buffers.
    """

    def __init__(self, batch, heads, dim, *, value_dim=None, window=64, cache_size=64, feature_map="elu",
                 scoring="self_recall", chunk_size=None, gate=None, scale=None, seed=0, dtype=torch.float32,
                 device=None):
        self.B = _check_int(batch, "batch", 1)
        self.Hh = _check_int(heads, "heads", 1)
        self.d = _check_int(dim, "dim", 1)
        self.dv = self.d if value_dim is None else _check_int(value_dim, "value_dim", 1)
        (self.window, self.lam, self.C, self.seed) = _check_lola_args(window, cache_size, chunk_size, scoring,
                                                                      seed)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        self.scoring = scoring
        self.tau = _scale(scale, self.d)
        self.dtype, self.device = dtype, torch.device(device) if device is not None else torch.device("cpu")
        self.fm = resolve_feature_map(feature_map, self.d)
        ref = torch.zeros((), dtype=dtype, device=self.device)
        self.w_e, self.w_l = _weights(gate, self.Hh, ref)
        self.D = int(_features(self.fm, torch.zeros(1, self.Hh, 1, self.d, dtype=dtype, device=self.device),
                               "k").shape[-1])
        B, Hh, d, dv, D = self.B, self.Hh, self.d, self.dv, self.D
        BH = B * Hh
        # buffer of window + pending pairs; with no cache a leaving pair is folded at once, so the
        # buffer is a ring holding the window only (its oldest slot is folded, then overwritten)
        self.cap = self.window + self.C if self.lam else self.window
        self._b0 = 1 + self.lam  # slots: linear prediction 0, cache [1, 1 + lam), buffer [1 + lam, 1 + lam + cap)
        slots = self._b0 + self.cap
        kw = {"dtype": dtype, "device": self.device}
        self._K = torch.zeros(B, Hh, slots, d, **kw)
        self._V = torch.zeros(B, Hh, slots, dv + 1, **kw)  # last column 1: [v, 1] folds H and s at once
        self._V[..., dv] = 1.0
        self._F = torch.zeros(B, Hh, max(self.cap, 1), D, **kw)  # features of the buffer's pairs
        self._HS = torch.zeros(B, Hh, D, dv + 1, **kw)  # [H | s]
        self._mask = torch.zeros(1, 1, slots, **kw)  # -inf on cache slots not yet filled
        self._mask[..., 1:self._b0] = -math.inf
        self._K3T = self._K.view(BH, slots, d).transpose(1, 2)
        self._V3 = self._V.view(BH, slots, dv + 1)
        self._HS3 = self._HS.view(BH, D, dv + 1)
        self._lin = self._V[:, :, 0, :dv]  # value of the linear slot
        if isinstance(self.w_e, float):  # no gate: w_e = w_l = 1
            self._log_w = None
        else:
            self._log_w = torch.log(self.w_l / self.w_e).expand(B, Hh, 1, 1).reshape(BH, 1, 1)
        self._tiny = torch.finfo(dtype).tiny
        self._Kw = None  # per-slot views reused by every step, made by the first step
        self._live_views = {}
        self._shape_qk, self._shape_v = (B, Hh, d), (B, Hh, dv)
        self.n = 0  # pairs in the buffer (window + pending)
        self.t = 0  # tokens seen
        self.G = _empty_cache(B, Hh, d, dv, D, dtype, self.device)

    @property
    def H(self):
        """:math:`H = \\sum_{j\\in S}\\phi(k_j)v_j^\\top`, shape (batch, heads, D, dv) (a view)."""
        return self._HS[..., :self.dv]

    @property
    def s(self):
        """:math:`s = \\sum_{j\\in S}\\phi(k_j)`, shape (batch, heads, D) (a view)."""
        return self._HS[..., self.dv]

    def nbytes(self) -> int:
        """Bytes held by the state (slots, cache, H, s): independent of the tokens seen."""
        ts = [self._K, self._V, self._F, self._HS, self._mask] + list(self.G.values())
        return int(sum(x.numel() * x.element_size() for x in ts))

    def _store_cache(self):
        g = self.G["pos"].shape[-1]
        if g:
            self._K[:, :, 1:1 + g] = self.G["k"]
            self._V[:, :, 1:1 + g, :self.dv] = self.G["v"]
        self._mask[..., 1:1 + g] = 0.0

    def _chunk_update(self):
        """|pending| reached the chunk size: score G ∪ P, keep the best lam, fold the rest, shift."""
        C, b0, n = self.C, self._b0, self.n
        t0 = self.t - n  # position of buffer slot b0; pending = positions t0 .. t0 + C - 1
        P = {"k": self._K[:, :, b0:b0 + C], "v": self._V[:, :, b0:b0 + C, :self.dv], "f": self._F[:, :, :C],
             "pos": torch.arange(t0, t0 + C, device=self.device).expand(self.B, self.Hh, C)}
        H0, s0 = self.H.contiguous(), self.s.contiguous()
        self.G, H, s = _update(self.G, P, H0, s0, self.lam, self.scoring, self.seed)
        if H is not H0:
            self._HS[..., :self.dv] = H
            self._HS[..., self.dv] = s
        self._store_cache()
        rest = n - C
        if rest:
            self._K[:, :, b0:b0 + rest] = self._K[:, :, b0 + C:b0 + n].clone()
            self._V[:, :, b0:b0 + rest] = self._V[:, :, b0 + C:b0 + n].clone()
            self._F[:, :, :rest] = self._F[:, :, C:n].clone()
        self.n = rest

    def step(self, q, k, v):
        """Consume one token's (q, k, v), each (batch, heads, dim); return y (batch, heads, dv)."""
        if torch.is_grad_enabled():
            with torch.no_grad():
                return self._step(q, k, v)
        return self._step(q, k, v)

    def _views(self, m):
        """(mask, keys^T, values) of the live slots [0, m), cached per m."""
        vw = self._live_views.get(m)
        if vw is None:
            vw = self._live_views[m] = (self._mask.narrow(2, 0, m), self._K3T.narrow(2, 0, m),
                                        self._V3.narrow(1, 0, m))
        return vw

    def _slot_views(self):
        # indexing a tensor costs as much as a small kernel at these sizes: make each view once
        ring, b0, BH = range(self.cap), self._b0, self.B * self.Hh
        self._Kw = [self._K.select(2, b0 + r) for r in ring]
        self._Vw = [self._V.select(2, b0 + r).narrow(-1, 0, self.dv) for r in ring]
        self._Fw = [self._F.select(2, r) for r in ring]
        self._fold = [(self._F.select(2, r).reshape(BH, self.D, 1), self._V3.narrow(1, b0 + r, 1)) for r in ring]

    def _step(self, q, k, v):
        if self._Kw is None:
            self._slot_views()
        tensors = isinstance(q, torch.Tensor) and isinstance(k, torch.Tensor) and isinstance(v, torch.Tensor)
        if not (tensors and q.shape == self._shape_qk and k.shape == self._shape_qk and v.shape == self._shape_v
                and q.dtype == k.dtype == v.dtype == self.dtype):
            q = _check_token(q, "q", self._shape_qk, self.dtype)
            k = _check_token(k, "k", self._shape_qk, self.dtype)
            v = _check_token(v, "v", self._shape_v, self.dtype)
        qk = torch.stack((q, k), 2)  # (B, H, 2, d): one feature-map call for both
        _check_finite_tokens(qk.sum() + v.sum(), (("q", q), ("k", k), ("v", v)))
        f = _features(self.fm, qk, "q and k")
        fq, fk = f.unbind(2)
        t, dv, b0, D = self.t, self.dv, self._b0, self.D
        if self.lam == 0:  # window hybrid / linear attention: the pair leaving the window is folded now
            if self.window == 0:
                self._lin.copy_(v)
                self._HS3.baddbmm_(fk.reshape(-1, D, 1), self._V3[:, :1])
            else:
                r = t % self.window
                if t >= self.window:  # slot r holds pair t - window: fold it, then overwrite
                    self._HS3.baddbmm_(*self._fold[r])
                self._Kw[r].copy_(k)
                self._Vw[r].copy_(v)
                self._Fw[r].copy_(fk)
                self.n = min(t + 1, self.window)
            self.t = t + 1
        else:
            n = self.n
            self._Kw[n].copy_(k)
            self._Vw[n].copy_(v)
            self._Fw[n].copy_(fk)
            self.n, self.t = n + 1, t + 1
            if self.n == self.cap:  # update before the query reads
                self._chunk_update()
        BH = self.B * self.Hh
        lin = torch.bmm(fq.reshape(BH, 1, D), self._HS3)  # (BH, 1, dv + 1): [phi(q)^T H, phi(q)^T s]
        num, den = lin.split((dv, 1), 2)
        m = b0 + self.n  # live slots [0, m) (masked: cache slots not yet filled)
        if m == 1:  # no exact pair: linear attention alone
            if not bool((den > 0).all()):
                raise ValueError(_ZERO_DEN)
            return (num / den).view(self.B, self.Hh, dv)
        mask, KT, V = self._views(m)
        sc = torch.baddbmm(mask, q.reshape(BH, 1, self.d), KT, alpha=self.tau)
        lsc = torch.log(den)  # -inf where the state is empty: weight 0
        sc.narrow(2, 0, 1).copy_(lsc if self._log_w is None else lsc + self._log_w)
        self._lin.copy_((num / den.clamp_min(self._tiny)).view(self.B, self.Hh, dv))
        y = torch.bmm(torch.softmax(sc, -1), V)
        return y.view(self.B, self.Hh, dv + 1).narrow(2, 0, dv)

    def read(self, q):
        """Outputs for queries ``q`` (batch, heads, n, dim) against the current memory, without
        writing a pair: every query sees the whole exact set (cache, pending and window
        pairs) and the state, as the next token's query would apart from its own pair."""
        if not isinstance(q, torch.Tensor) or q.dim() != 4 or tuple(q.shape[:2]) != (self.B, self.Hh) \
                or q.shape[3] != self.d:
            raise ValueError(f"q must have shape ({self.B}, {self.Hh}, n, {self.d}), got "
                             f"{tuple(getattr(q, 'shape', ()))}")
        if q.dtype != self.dtype:
            raise TypeError(f"q must be {self.dtype}, got {q.dtype}")
        if not _all_finite(q):
            raise ValueError("q contains NaN or infinite entries")
        if self.t == 0:
            raise ValueError("read on an empty memory: step or prefill first")
        fq = _features(self.fm, q, "q")
        m = self._b0 + self.n
        sc = self.tau * (q @ self._K[:, :, 1:m].transpose(-1, -2)) + self._mask[..., 1:m]
        folded = self.t - self.n - self.G["pos"].shape[-1] > 0
        state = (self.H, self.s) if folded else (None, None)
        return _combine([(sc, self._V[:, :, 1:m, :self.dv])], fq, *state, self.w_e, self.w_l)

    def prefill(self, q, k, v):
        """Run a whole prompt in parallel mode (chunked) and leave the state after it.

        Only on a fresh state.  Returns y of shape (batch, heads, length, dv), equal (up to
        rounding) to calling :meth:`step` on each token.
        """
        if self.t:
            raise ValueError(f"prefill needs a fresh state; this one has seen {self.t} tokens")
        _check_qkv(q, k, v)
        if q.shape[:2] != (self.B, self.Hh) or q.shape[3] != self.d or v.shape[3] != self.dv:
            raise ValueError(f"prefill expects q, k of shape ({self.B}, {self.Hh}, length, {self.d}) and v with "
                             f"last axis {self.dv}, got {tuple(q.shape)} and {tuple(v.shape)}")
        fq, fk = _features(self.fm, q, "q"), _features(self.fm, k, "k")
        T, b0 = q.shape[2], self._b0
        if self.lam == 0:  # window hybrid: the pairs older than the window are in the state
            y = _hybrid(q, k, v, fq, fk, self.window, self.tau, self.w_e, self.w_l)
            band = max(T - self.window, 0)
            G, H, s = self.G, fk[:, :, :band].transpose(-1, -2) @ v[:, :, :band], fk[:, :, :band].sum(-2)
        else:
            y, st = _lola_parallel(q, k, v, fq, fk, self.window, self.lam, self.C, self.scoring, self.seed,
                                   self.tau, self.w_e, self.w_l)
            band = T - st["buf"]["k"].shape[2]
            G, H, s = st["G"], st["H"], st["s"]
        with torch.no_grad():
            for p in range(band, T):  # buffer slot of position p (a ring without cache)
                r = p % self.cap if self.lam == 0 else p - band
                self._K[:, :, b0 + r] = k[:, :, p]
                self._V[:, :, b0 + r, :self.dv] = v[:, :, p]
                self._F[:, :, r] = fk[:, :, p]
            self.n, self.t = T - band, T
            self.G = G
            self._store_cache()
            self._HS[..., :self.dv] = H
            self._HS[..., self.dv] = s
        return y


class KVCacheState:
    """Recurrent (generation) mode of :func:`softmax_attention`: a key-value cache.

    Step :math:`t` appends :math:`(k_t, v_t)` and returns
    :math:`y_t = \\sum_{j\\le t} e_{tj} v_j / \\sum_{j\\le t} e_{tj}` over every pair seen, so a
    step costs :math:`O(t)` and the memory grows with the tokens (the cache doubles its
    capacity when full; :meth:`nbytes`).  The reference against which the flat memory and
    per-token cost of :class:`LoLAState` are measured.

    Parameters
    ----------
    batch, heads, dim : int
    value_dim : int, optional
        :math:`d_v` (default ``dim``).
    capacity : int
        Initial number of pairs the cache holds before it grows.
    scale : float, optional
        :math:`\\tau` (default :math:`1/\\sqrt{d}`).
    dtype, device
        Of the cache.
    """

    def __init__(self, batch, heads, dim, *, value_dim=None, capacity=256, scale=None, dtype=torch.float32,
                 device=None):
        self.B = _check_int(batch, "batch", 1)
        self.Hh = _check_int(heads, "heads", 1)
        self.d = _check_int(dim, "dim", 1)
        self.dv = self.d if value_dim is None else _check_int(value_dim, "value_dim", 1)
        cap = _check_int(capacity, "capacity", 1)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        self.tau = _scale(scale, self.d)
        self.dtype, self.device = dtype, torch.device(device) if device is not None else torch.device("cpu")
        self._K = torch.zeros(self.B, self.Hh, cap, self.d, dtype=dtype, device=self.device)
        self._V = torch.zeros(self.B, self.Hh, cap, self.dv, dtype=dtype, device=self.device)
        self.t = 0

    def nbytes(self) -> int:
        """Bytes held by the cache (grows with the tokens seen)."""
        return int(self._K.numel() * self._K.element_size() + self._V.numel() * self._V.element_size())

    def _reserve(self, n):
        cap = self._K.shape[2]
        if n <= cap:
            return
        while cap < n:
            cap *= 2
        K = self._K.new_zeros(self.B, self.Hh, cap, self.d)
        V = self._V.new_zeros(self.B, self.Hh, cap, self.dv)
        K[:, :, :self.t], V[:, :, :self.t] = self._K[:, :, :self.t], self._V[:, :, :self.t]
        self._K, self._V = K, V

    def step(self, q, k, v):
        """Consume one token's (q, k, v), each (batch, heads, dim); return y (batch, heads, dv)."""
        q = _check_token(q, "q", (self.B, self.Hh, self.d), self.dtype)
        k = _check_token(k, "k", (self.B, self.Hh, self.d), self.dtype)
        v = _check_token(v, "v", (self.B, self.Hh, self.dv), self.dtype)
        with torch.no_grad():
            _check_finite_tokens(q.sum() + k.sum() + v.sum(), (("q", q), ("k", k), ("v", v)))
            self._reserve(self.t + 1)
            self._K[:, :, self.t] = k
            self._V[:, :, self.t] = v
            self.t += 1
            K, V = self._K[:, :, :self.t], self._V[:, :, :self.t]
            sc = self.tau * (q.unsqueeze(2) @ K.transpose(-1, -2))
            return (torch.softmax(sc, -1) @ V)[:, :, 0]

    def _check_prompt(self, k, v, what):
        if k.shape[:2] != (self.B, self.Hh) or k.shape[3] != self.d or v.shape[3] != self.dv:
            raise ValueError(f"{what} expects q, k of shape ({self.B}, {self.Hh}, length, {self.d}) and v with last "
                             f"axis {self.dv}, got k {tuple(k.shape)} and v {tuple(v.shape)}")
        if k.dtype != self.dtype:
            raise TypeError(f"q, k, v must be {self.dtype}, got {k.dtype}")

    def _store(self, k, v):
        n = k.shape[2]
        with torch.no_grad():
            self._reserve(self.t + n)
            self._K[:, :, self.t:self.t + n], self._V[:, :, self.t:self.t + n] = k, v
        self.t += n

    def append(self, k, v):
        """Store pairs ``k`` (batch, heads, n, dim), ``v`` (batch, heads, n, dv) without reading
        them (a prompt whose outputs are not needed)."""
        _check_qkv(k, k, v)
        self._check_prompt(k, v, "append")
        self._store(k, v)

    def prefill(self, q, k, v):
        """Run a whole prompt (parallel softmax attention) and keep its pairs; only on a fresh
        state.  Returns y of shape (batch, heads, length, dv)."""
        if self.t:
            raise ValueError(f"prefill needs a fresh state; this one has seen {self.t} tokens")
        _check_qkv(q, k, v)
        self._check_prompt(k, v, "prefill")
        y = softmax_attention(q, k, v, scale=self.tau)
        self._store(k, v)
        return y


# ----------------------------------------------------------------------------- module / conversion
_MODES = ("softmax", "linear", "window", "lola")


class LoLAAttention(nn.Module):
    """Causal multi-head self-attention with a choice of mechanism, a drop-in for
    ``nn.MultiheadAttention`` inside ``nn.TransformerEncoderLayer``.

    ``y = out_proj(attn(q, k, v))`` with ``q, k, v`` the heads of ``x W_{in}^\\top + b_{in}``
    (``nn.MultiheadAttention``'s packed ``in_proj_weight``/``in_proj_bias`` layout) and
    ``attn`` one of :func:`softmax_attention`, :func:`linear_attention`,
    :func:`window_linear_attention` or :func:`lola_attention` (``mode``).  Called as
    ``nn.MultiheadAttention`` (``forward(query, key, value, attn_mask=..., is_causal=...)``
    returning ``(output, None)``), self-attention only, with a causal mask or
    ``is_causal=True``; anything else is refused.

    Parameters
    ----------
    embed_dim, num_heads : int
    mode : {"softmax", "linear", "window", "lola"}
    window, cache_size, chunk_size, scoring, gate, seed
        As in :func:`lola_attention`.
    feature_map : str, callable or nn.Module
        A module (e.g. :class:`HedgehogFeatureMap`) is registered, so that its parameters
        can be fitted.
    batch_first : bool
        Input layout ``(batch, length, embed)`` if True, else ``(length, batch, embed)``.

    Notes
    -----
    Token-by-token generation through the layer: ``state = layer.new_state(batch)`` (a
    :class:`LoLAState`, or a :class:`KVCacheState` in mode ``"softmax"``), then
    ``layer.prefill(x, state)`` on a prompt ``x`` (batch, length, embed) and
    ``layer.step(x_t, state)`` on each new token ``x_t`` (batch, embed): the outputs equal
    ``forward`` on the whole sequence up to rounding, at a memory that does not grow with
    the length except in mode ``"softmax"``.

    Examples
    --------
    Convert a multi-head attention, then generate token by token after a prompt:

    >>> import torch
    >>> from ridgekit.nets.torch.attention import lola_layer
    >>> _ = torch.manual_seed(0)
    >>> mha = torch.nn.MultiheadAttention(16, 2, batch_first=True, dtype=torch.float64)
    >>> layer = lola_layer(mha, mode="lola", window=4, cache_size=3)
    >>> x = torch.randn(1, 20, 16, dtype=torch.float64)
    >>> state = layer.new_state(1)
    >>> y = torch.cat([layer.prefill(x[:, :8], state)]
    ...               + [layer.step(x[:, t], state)[:, None] for t in range(8, 20)], dim=1)
    >>> bool((y - layer(x, is_causal=True)[0]).abs().max() < 1e-12)
    True
    """

    def __init__(self, embed_dim, num_heads, *, mode="lola", window=64, cache_size=64, chunk_size=None,
                 feature_map="elu", scoring="self_recall", gate=None, seed=0, bias=True, batch_first=True,
                 dtype=None, device=None):
        super().__init__()
        embed_dim = _check_int(embed_dim, "embed_dim", 1)
        num_heads = _check_int(num_heads, "num_heads", 1)
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        _check_lola_args(window, cache_size, chunk_size, scoring, seed)
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.mode, self.window, self.cache_size, self.chunk_size = mode, window, cache_size, chunk_size
        self.scoring, self.gate, self.seed = scoring, gate, seed
        self.batch_first = bool(batch_first)
        # nn.TransformerEncoderLayer's fused inference path bypasses self_attn.forward when it
        # finds these attributes of an nn.MultiheadAttention; False sends it through forward.
        self._qkv_same_embed_dim = False
        kw = {"dtype": dtype, "device": device}
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **kw))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim, **kw)) if bias else None
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias, **kw)
        nn.init.xavier_uniform_(self.in_proj_weight)
        if isinstance(feature_map, nn.Module):
            self.feature_map = feature_map
        else:
            self._fm = feature_map
            self.feature_map = None

    def _phi(self):
        return self.feature_map if self.feature_map is not None else self._fm

    def heads(self, x):
        """q, k, v of shape (batch, heads, length, head_dim) from x (batch, length, embed)."""
        B, T, _ = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        qkv = qkv.view(B, T, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        return qkv[0], qkv[1], qkv[2]

    def attend(self, q, k, v):
        """The chosen mechanism on heads (batch, heads, length, head_dim)."""
        fm = self._phi()
        if self.mode == "softmax":
            return softmax_attention(q, k, v)
        if self.mode == "linear":
            return linear_attention(q, k, v, feature_map=fm)
        if self.mode == "window":
            return window_linear_attention(q, k, v, self.window, feature_map=fm, gate=self.gate)
        return lola_attention(q, k, v, self.window, self.cache_size, feature_map=fm, scoring=self.scoring,
                              chunk_size=self.chunk_size, gate=self.gate, seed=self.seed)

    def new_state(self, batch, *, capacity=256):
        """A fresh recurrent state for :meth:`step` / :meth:`prefill` with ``batch`` sequences.

        :class:`LoLAState` with this layer's mechanism (mode ``"linear"``: window = cache = 0;
        ``"window"``: cache 0), or, in mode ``"softmax"``, a :class:`KVCacheState` of initial
        ``capacity`` pairs.  Dtype and device are those of the layer's weights.
        """
        p = self.in_proj_weight
        hd = self.head_dim
        if self.mode == "softmax":
            return KVCacheState(batch, self.num_heads, hd, capacity=capacity, dtype=p.dtype, device=p.device)
        window = 0 if self.mode == "linear" else self.window
        cache = self.cache_size if self.mode == "lola" else 0
        return LoLAState(batch, self.num_heads, hd, window=window, cache_size=cache, feature_map=self._phi(),
                         scoring=self.scoring, chunk_size=self.chunk_size, gate=self.gate, seed=self.seed,
                         dtype=p.dtype, device=p.device)

    def _check_state(self, state):
        if not isinstance(state, (LoLAState, KVCacheState)):
            raise TypeError(f"state must come from new_state(), got {type(state).__name__}")
        p = self.in_proj_weight
        want = KVCacheState if self.mode == "softmax" else LoLAState
        if (not isinstance(state, want) or state.Hh != self.num_heads or state.d != self.head_dim
                or state.dtype != p.dtype):
            raise ValueError(f"state does not belong to this layer (mode {self.mode!r}, {self.num_heads} heads of "
                             f"dimension {self.head_dim}, {p.dtype}): make it with new_state()")

    def step(self, x, state):
        """One token through the layer: ``x`` of shape (batch, embed) → output (batch, embed).

        ``out_proj(attn_t(q_t, k_t, v_t))`` with the heads of ``x W_in^T + b_in`` and
        ``attn_t`` one step of ``state`` (:meth:`new_state`); equal to row ``t`` of
        :meth:`forward` on the sequence so far.  Runs without autograd (generation).
        """
        self._check_state(state)
        if not isinstance(x, torch.Tensor) or tuple(x.shape) != (state.B, self.embed_dim):
            raise ValueError(f"x must have shape ({state.B}, {self.embed_dim}) (one token per sequence), got "
                             f"{tuple(getattr(x, 'shape', ())) or type(x).__name__}")
        if x.dtype != state.dtype:
            raise TypeError(f"x must be {state.dtype} (the layer's weights), got {x.dtype}")
        with torch.no_grad():
            qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias).view(state.B, 3, self.num_heads,
                                                                           self.head_dim)
            y = state.step(qkv[:, 0], qkv[:, 1], qkv[:, 2])
            return self.out_proj(y.reshape(state.B, self.embed_dim))

    def prefill(self, x, state):
        """A prompt ``x`` (batch, length, embed; batch first whatever ``batch_first``) through
        the layer in parallel mode, leaving ``state`` ready for :meth:`step`.  Only on a fresh
        state; returns the layer's output (batch, length, embed)."""
        self._check_state(state)
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[0] != state.B or x.shape[2] != self.embed_dim:
            raise ValueError(f"x must have shape ({state.B}, length, {self.embed_dim}), got "
                             f"{tuple(getattr(x, 'shape', ())) or type(x).__name__}")
        if x.dtype != state.dtype:
            raise TypeError(f"x must be {state.dtype} (the layer's weights), got {x.dtype}")
        with torch.no_grad():
            q, k, v = self.heads(x)
            y = state.prefill(q, k, v)
            return self.out_proj(y.transpose(1, 2).reshape(x.shape))

    def forward(self, query, key=None, value=None, attn_mask=None, key_padding_mask=None, need_weights=False,
                is_causal=False, average_attn_weights=True):
        if (key is not None and key is not query) or (value is not None and value is not query):
            raise ValueError("LoLAAttention is self-attention only: key and value must be the query tensor")
        if key_padding_mask is not None:
            raise ValueError("key_padding_mask is not supported (causal attention over whole sequences only)")
        if need_weights:
            raise ValueError("need_weights=True is not supported: linear attention forms no weight matrix")
        if query.dim() != 3 or query.shape[-1] != self.embed_dim:
            raise ValueError(f"query must have shape ({'batch, length' if self.batch_first else 'length, batch'}, "
                             f"{self.embed_dim}), got {tuple(query.shape)}")
        T = query.shape[1] if self.batch_first else query.shape[0]
        if attn_mask is not None:
            causal_mask = torch.ones(T, T, dtype=torch.bool, device=query.device).triu(1)
            m = attn_mask if attn_mask.dtype == torch.bool else torch.isneginf(attn_mask)
            if tuple(m.shape) != (T, T) or not bool((m == causal_mask).all()):
                raise ValueError("attn_mask must be the causal mask (only causal attention is defined)")
        elif not is_causal:
            raise ValueError("non-causal attention requested: pass the causal attn_mask or is_causal=True")
        x = query if self.batch_first else query.transpose(0, 1)
        q, k, v = self.heads(x)
        y = self.attend(q, k, v).transpose(1, 2).reshape(x.shape)
        y = self.out_proj(y)
        return (y if self.batch_first else y.transpose(0, 1)), None


def lola_layer(mha, *, mode="lola", window=64, cache_size=64, chunk_size=None, feature_map="elu",
               scoring="self_recall", gate=None, seed=0):
    """A :class:`LoLAAttention` with the weights of a trained ``nn.MultiheadAttention``.

    Inference-time conversion (as LoLA converts LoLCATs models [paper]): the projections are
    copied, only the attention mechanism changes.  ``mode="softmax"`` reproduces ``mha``
    (with a causal mask) to rounding.  Replace ``layer.self_attn = lola_layer(layer.self_attn,
    ...)`` in each ``nn.TransformerEncoderLayer``.
    """
    if not isinstance(mha, nn.MultiheadAttention):
        raise TypeError(f"mha must be an nn.MultiheadAttention, got {type(mha).__name__}")
    if not mha._qkv_same_embed_dim or mha.bias_k is not None or mha.add_zero_attn:
        raise ValueError("mha must use one packed in_proj (kdim = vdim = embed_dim) without bias_k/add_zero_attn")
    p = mha.in_proj_weight
    new = LoLAAttention(mha.embed_dim, mha.num_heads, mode=mode, window=window, cache_size=cache_size,
                        chunk_size=chunk_size, feature_map=feature_map, scoring=scoring, gate=gate, seed=seed,
                        bias=mha.in_proj_bias is not None, batch_first=mha.batch_first, dtype=p.dtype,
                        device=p.device)
    with torch.no_grad():
        new.in_proj_weight.copy_(mha.in_proj_weight)
        if mha.in_proj_bias is not None:
            new.in_proj_bias.copy_(mha.in_proj_bias)
        new.out_proj.weight.copy_(mha.out_proj.weight)
        if mha.out_proj.bias is not None:
            new.out_proj.bias.copy_(mha.out_proj.bias)
    return new
