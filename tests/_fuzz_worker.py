"""Worker process of tests/test_fuzz.py: runs one public call per request and classifies it.

A request is ``(module, qualname, args, kwargs)``; the reply is ``(kind, detail)`` with kind

* ``"named"``: ValueError or TypeError (the required outcome for bad input);
* ``"ok"``: returned; detail says whether every float in the result is finite;
* ``"internal"``: any other exception, or a RuntimeWarning (overflow, invalid value:
  the precursor of a silent NaN).

The parent kills and restarts the worker on a hang and reports a crash when the pipe
closes (the process died, e.g. SIGABRT from an out-of-bounds write).
"""

from __future__ import annotations

import importlib
import numbers
import traceback
import warnings

import numpy as np


def _finite(obj, depth=0):
    """True if every float reachable in ``obj`` (arrays, numbers, tuples, lists, dicts and
    the public array attributes of result objects) is finite."""
    if depth > 3:
        return True
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            return bool(np.all(np.isfinite(obj)))
        return True
    if isinstance(obj, (bool, np.bool_)):
        return True
    if isinstance(obj, numbers.Real):
        return bool(np.isfinite(float(obj)))
    if isinstance(obj, (list, tuple)):
        return all(_finite(o, depth + 1) for o in obj[:64])
    if isinstance(obj, dict):
        return all(_finite(o, depth + 1) for o in list(obj.values())[:64])
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        vals = [v for k, v in vars(obj).items() if not k.startswith("_") and isinstance(v, (np.ndarray, float))]
        return all(_finite(v, depth + 1) for v in vals)
    return True


def call(module, qualname, args, kwargs):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = obj(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            return "named", f"{type(exc).__name__}: {exc}"[:300]
        except Exception as exc:  # noqa: BLE001 - classifying is the point
            tb = traceback.format_exc(limit=4)
            return "internal", f"{type(exc).__name__}: {exc}\n{tb}"[:2000]
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if runtime:
        return "internal", f"RuntimeWarning: {runtime[0].message} ({runtime[0].filename}:{runtime[0].lineno})"
    return "ok", "finite" if _finite(out) else "non-finite"


def serve(conn):
    # numpy's defaults: overflow, invalid and divide warn (caught above), gradual underflow
    # is silent (denormal results are correct results)
    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        if req is None:
            return
        conn.send(call(*req))


# --------------------------------------------------------------------------- wrappers
# Calls that need an object first (a transform, a domain, a network): importable by name.
def kplane_roundtrip(shape_or_points, n_frames, extent, k):
    from ridgekit.kplane import KPlaneTransform
    R = KPlaneTransform(shape_or_points, n_frames, k=k, extent=extent)
    f = R.forward(np.ones(R.domain_shape))
    a = R.adjoint(np.ones(R.sinogram_shape))
    assert f.shape == R.sinogram_shape and a.shape == R.domain_shape, "wrong shape"
    return f, a


def kplane_adjoint(g):
    from ridgekit.kplane import KPlaneTransform
    R = KPlaneTransform((8, 8), 3, k=1)
    out = R.adjoint(g)
    assert out.shape == (8, 8), "wrong shape"
    return out


def ball_contains(X):
    from ridgekit.radon import Ball
    return Ball(1.0).contains(X)


def cube_support(U):
    from ridgekit.radon import Cube
    return Cube(1.0).support(U)


def network_eval(W, b, V, X):
    from ridgekit.nets import ShallowNetwork
    net = ShallowNetwork(W, b, V)
    out = net(X)
    return out, net.path_norm()


def weight_law_rvs(size, rng):
    from ridgekit.nets import WeightLaw
    return WeightLaw().rvs(size, rng)
