"""Input validation shared by every ridgekit package.

Public functions validate and convert their inputs once, here, and hand contiguous
float64 (or documented float32) arrays to private kernels that never check anything.
Every error names the argument, echoes the offending value and says what is allowed.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

__all__ = [
    "as_float_array",
    "as_generator",
    "check_bool",
    "check_choice",
    "check_int",
    "check_orthonormal_frames",
    "check_positive",
    "check_real",
    "check_size",
    "memory_budget",
]


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_float_array(value, name: str, *, ndim=None, dtype=np.float64, allow_empty=False,
                   finite=True, copy=False) -> np.ndarray:
    """Convert ``value`` to a C-contiguous floating array, with clear errors.

    Parameters
    ----------
    value : array_like
        Input to convert.
    name : str
        Argument name used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    dtype : numpy dtype
        Target floating dtype (float64 by default).
    allow_empty : bool
        Whether an array with zero elements is acceptable.
    finite : bool
        Reject NaN and infinite entries.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__} {_describe(value)}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real-valued, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                             f"got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    out = np.asarray(arr, dtype=dtype, order="C")  # keeps 0-d input 0-d
    if copy and out is arr:
        out = out.copy()
    if finite and out.size and not np.all(np.isfinite(out)):
        bad = int(np.size(out) - np.count_nonzero(np.isfinite(out)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite entr{'y' if bad == 1 else 'ies'}")
    return out


def as_generator(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None``, an int seed or a Generator.

    This is the one place where ridgekit turns a user's ``rng`` argument into a
    generator; there are no global seeds anywhere.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, numbers.Integral) and rng < 0:
            raise ValueError(f"rng seed must be non-negative, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")


def check_int(value, name: str, *, minimum=None, maximum=None) -> int:
    """Validate an integer argument (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_positive(value, name: str, *, strict=True) -> float:
    """Validate a finite positive (or non-negative) real scalar."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {_describe(value)}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (strict and value == 0):
        kind = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be finite and {kind}, got {value}")
    return value


def check_choice(value, name: str, choices) -> str:
    """Validate a string option against the allowed choices."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {_describe(value)}")
    return value


def check_orthonormal_frames(frames, name: str = "frames", *, d=None, n=None, atol=1e-10) -> np.ndarray:
    """Validate normal frames Θ of shape (m, d, n) with orthonormal columns.

    A (m, d) array is read as m unit vectors (n = 1).
    """
    arr = as_float_array(frames, name, ndim=(2, 3))
    if arr.ndim == 2:
        arr = arr[:, :, None]
    _m, dd, nn = arr.shape
    if d is not None and dd != d:
        raise ValueError(f"{name} must have shape (m, {d}, n), got {arr.shape}")
    if n is not None and nn != n:
        raise ValueError(f"{name} must have {n} column(s) (codimension n = d - k), got shape {arr.shape}")
    if nn > dd:
        raise ValueError(f"{name}: a frame in R^{dd} has at most {dd} orthonormal columns, got {nn}")
    gram = np.einsum("mdi,mdj->mij", arr, arr)
    err = np.abs(gram - np.eye(nn)).max(axis=(1, 2))
    worst = int(np.argmax(err))
    if err[worst] > atol:
        raise ValueError(f"{name} must have orthonormal columns (Θᵀ Θ = I), frame {worst} deviates by "
                         f"{err[worst]:.3g} (allowed {atol:g}); orthonormalise with numpy.linalg.qr")
    return np.ascontiguousarray(arr)


def check_bool(value, name: str) -> bool:
    """Validate a boolean flag: ``True``/``False`` or a numpy bool, nothing else.

    Strings such as ``"False"`` are truthy in Python; accepting them silently inverts the
    caller's intent, so they are a ``TypeError`` here.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {_describe(value)}")


def check_real(value, name: str, *, minimum=None, maximum=None, finite=True,
               strict_min=False) -> float:
    """Validate a real scalar (Python or numpy number, not bool) and return a float.

    ``minimum``/``maximum`` bound the value (``strict_min`` makes the lower bound strict).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {_describe(value)}")
    value = float(value)
    if finite and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if np.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    if minimum is not None and (value < minimum or (strict_min and value == minimum)):
        raise ValueError(f"{name} must be {'>' if strict_min else '>='} {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def memory_budget() -> int:
    """Largest allocation (bytes) a ridgekit function starts without being asked twice.

    Half the physical memory (at least 1 GiB), or the integer environment variable
    ``RIDGEKIT_MAX_BYTES`` when set.
    """
    env = os.environ.get("RIDGEKIT_MAX_BYTES")
    if env:
        try:
            return max(int(float(env)), 1)
        except ValueError:
            raise ValueError(f"RIDGEKIT_MAX_BYTES must be a number of bytes, got {env!r}") from None
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        phys = 16 * 2 ** 30
    return max(int(phys) // 2, 2 ** 30)


def _format_bytes(n: float) -> str:
    for unit, scale in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"


def check_size(n_elements, name: str, *, itemsize: int = 8) -> int:
    """Refuse, before any work, an array of ``n_elements`` that would not fit in memory.

    ``n_elements`` may be a Python int of any size (products of user sizes are computed
    exactly, without overflow).  Raises ``ValueError`` naming ``name`` and the number of
    bytes the request would need, against :func:`memory_budget`.
    """
    n = int(n_elements)
    need = n * int(itemsize)
    budget = memory_budget()
    if need > budget:
        raise ValueError(f"{name} would need {_format_bytes(need)} ({n if n < 10 ** 12 else float(n):.4g} elements of "
                         f"{itemsize} bytes), "
                         f"more than the {_format_bytes(budget)} allowed (half the physical memory; "
                         f"set RIDGEKIT_MAX_BYTES to change it)")
    return n
