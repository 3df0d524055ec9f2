"""The one numba policy module of ridgekit.

Every ``_kernels.py`` imports its decorators from here, so that caching, the error
model and the fastmath choice are set in one place (as numba-stats does in ``_util.py``).
fastmath stays off by default.  A kernel may pass ``fastmath=`` explicitly only with a
benchmark and an accuracy test that justify it, named in its docstring.  Three families
of kernels do, none with assumptions on NaN, infinities or signed zeros.  With
reassociation and contraction: the fused GD step of :mod:`nets.torch._kernels` (its
reductions vectorise, 0.25 ms instead of 3–4 ms per network-step, and batched training
equals one-at-a-time autograd training to 2e-15 in float64, tests/test_train.py), and the
interpolating gathers of :mod:`kplane._kernels` (``_lerp_sum_frames``,
``_bilerp_sum_frames``, ``_trilerp_sum_frames``: the sum over frames vectorises with
gathers, the 256² FBP backprojection of the 2-D ``iradon`` about 2× faster on one core;
equal to scikit-image's ``iradon`` to 1e-12 relative at 720 angles, tests/test_radon2d.py,
and to the frame-by-frame gathers within the reordering bound,
tests/test_kplane_kernels.py).  With contraction only (fused multiply-adds, every sum in
its order): the 3 × 3 × 3 run kernels of the codimension-3 k-plane transform
(``_splat_run_333``, ``_gather_run_333``: forward ~14 %, adjoint ~20–25 % faster on one
core; within 2·N·eps·Σ|terms| of the general kernels) and the n = 1 row splats
(``_splat_row_1``, ``_splat_rows4_narrow``: the 2-D ``radon`` ~10 % faster on one core;
within 2·N·eps·Σ|terms| of a pixel-by-pixel overlap reference), tests/test_kplane_kernels.py.

Caching (``cache=True``): numba checks a cached kernel against its own source file only.
A kernel that calls one from another file (``radon._kernels`` calls the row helpers of
``kplane._kernels``) keeps the compiled old callee after that file is edited in place: after
editing a ``_kernels.py``, delete the cache files (``find . -name '*.nbi' -o -name '*.nbc'
| xargs rm``).  Installing a new version replaces every file, so users are not affected.
"""

from __future__ import annotations

import numba

__all__ = ["njit", "pjit", "prange", "num_threads"]

_OPTIONS = dict(cache=True, error_model="numpy", fastmath=False, nogil=True)

prange = numba.prange


def njit(*args, **kwargs):
    """Serial kernel decorator with the project policy."""
    return numba.njit(*args, **{**_OPTIONS, **kwargs})


def pjit(*args, **kwargs):
    """Parallel kernel decorator with the project policy (loops use ``prange``)."""
    return numba.njit(*args, **{**_OPTIONS, "parallel": True, **kwargs})


def num_threads() -> int:
    """Threads for ridgekit's parallel work outside numba (``scipy.fft``'s ``workers``):
    numba's current setting, so that ``numba.set_num_threads(1)`` makes every part of a
    call run on one thread (a 2-thread FFT of the 256² ``iradon``'s 180 projections costs
    more CPU time than it saves wall time)."""
    return numba.get_num_threads()
