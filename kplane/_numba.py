"""The one numba policy module of ridgekit.

Every ``_kernels.py`` imports its decorators from here, so that caching, the error
model and the fastmath choice are set in one place (as numba-stats does in ``_util.py``).
fastmath stays off: no benchmark and accuracy test has justified it.
"""

from __future__ import annotations

import numba

__all__ = ["njit", "pjit", "prange"]

_OPTIONS = dict(cache=True, error_model="numpy", fastmath=False, nogil=True)

prange = numba.prange


def njit(*args, **kwargs):
    """Serial kernel decorator with the project policy."""
    return numba.njit(*args, **{**_OPTIONS, **kwargs})


def pjit(*args, **kwargs):
    """Parallel kernel decorator with the project policy (loops use ``prange``)."""
    return numba.njit(*args, **{**_OPTIONS, "parallel": True, **kwargs})
