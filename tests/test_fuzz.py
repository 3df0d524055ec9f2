"""Every input handled: a fuzz harness over the public API of ridgekit.

Outcome required for every input: a ``ValueError``/``TypeError`` (naming the argument), or a
finite result of the right shape.  Never a crash of the process, a hang, a silent NaN, an
internal exception (IndexError, ZeroDivisionError, KeyError, AttributeError, OverflowError,
LinAlgError, numba errors) or a wrong shape.

Cases that reach numba kernels run in a separate worker process, so that a crash (an
out-of-bounds write aborting the interpreter) fails one test instead of killing the run,
and a hang fails on a timeout.  The default run is bounded (``max_examples`` per family);
``RIDGEKIT_SLOW=1`` runs a larger campaign.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_isolated(code: str, timeout: float = 240.0) -> str:
    """Run ``code`` in a fresh interpreter; fail the test on a crash or a hang.

    Returns the child's standard output.  The child must exit with status 0: a signal
    (negative status, e.g. SIGABRT from "double free or corruption") or an uncaught
    exception is a failure, reported with the child's standard error.
    """
    try:
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: the case ran longer than {timeout} s:\n{code}")
    if proc.returncode != 0:
        pytest.fail(f"the child process died with status {proc.returncode}:\n{code}\n--- stderr ---\n"
                    f"{proc.stderr[-3000:]}")
    return proc.stdout


# --------------------------------------------------------------------------- crashes
# 2e-300 extents: the grid radius underflowed to 0, the offset spacing became NaN and the NaN
# footprint reached the n = 1 kernel, which wrote out of bounds ("double free or corruption").
CRASH_CASES = [
    "KPlaneTransform((8, 8), 3, k=1, extent=1e-300)",
    "RadonTransform((8, 8), 3, extent=1e-300)",
    "KPlaneTransform((16, 16), 3, k=1, extent=1e-170)",
    "KPlaneTransform((6, 6, 6), 3, k=1, extent=1e-150)",
    "KPlaneTransform((6, 6, 6), 3, k=2, extent=1e300)",
    "KPlaneTransform((5, 5, 5, 5), 3, k=2, extent=[1e-100, 1, 1, 1e100])",
    "KPlaneTransform((8, 8), 3, np.array([0.0, 1e-320, 2e-320]), k=1)",
    "KPlaneTransform((8, 8), 3, np.array([-1e300, 0.0, 1e300]), k=1)",
    "RadonTransform(np.array([[1e300, 1e300], [0.0, 1.0]]), 3)",
    "KPlaneTransform((6, 6, 6), 3, np.linspace(-1, 1, 5) * 1e-9, k=1)",
]


@pytest.mark.parametrize("ctor", CRASH_CASES)
def test_extreme_geometry_is_refused_or_finite(ctor):
    """Extreme extents, offsets and points either give a named ValueError or finite
    transforms of the right shapes; never reach a kernel with NaN or overflowing indices."""
    out = run_isolated(f"""
        import numpy as np
        from ridgekit.kplane import KPlaneTransform
        from ridgekit.radon import RadonTransform
        try:
            R = {ctor}
        except ValueError as exc:
            print("refused", exc)
        else:
            a = R.adjoint(np.ones(R.sinogram_shape))
            f = R.forward(np.ones(R.domain_shape))
            assert a.shape == R.domain_shape and f.shape == R.sinogram_shape
            assert np.isfinite(a).all() and np.isfinite(f).all()
            print("finite")
    """)
    assert out.startswith(("refused", "finite")), out
    if out.startswith("refused"):
        assert any(word in out for word in ("extent", "shape_or_points", "offsets")), out
