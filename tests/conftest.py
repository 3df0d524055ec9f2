"""Shared fixtures of the test suite: the one tolerance table, seeded generators, the
opt-in switch for slow tests and small helpers used by several test files.

Tolerance policy (one dtype policy, one tolerance table): every tolerance that
expresses *rounding* comes from ``TOLERANCES`` keyed by dtype; tolerances that express a
*discretisation* error (grid step, number of frames) are derived in a comment next to the
assertion that uses them, never loosened without saying why.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

#: Rounding tolerances by dtype.  ``adjoint``: relative adjoint error
#: |⟨Af,g⟩ − ⟨f,A*g⟩|/(‖A‖‖f‖‖g‖) — a sum of N products loses ~√N·eps in expectation and
#: N·eps in the worst case; for N ≲ 10⁶ and eps = 2.2e-16 the worst case is 2e-10, the
#: expected ~2e-13, the required 1e-12 sits between.  ``identity``: exact
#: algebraic identities (mass conservation, symmetries) computed along two different
#: summation orders.  ``orthonormal``: ΘᵀΘ = I after a Householder QR (a few eps·d).
TOLERANCES = {
    np.dtype(np.float64): {"adjoint": 1e-12, "identity": 1e-12, "orthonormal": 1e-13},
    # float32 input is converted to float64 by ridgekit._validation.as_float_array; the
    # float32 row only bounds the representation error of the input itself (eps32 = 1.2e-7).
    np.dtype(np.float32): {"adjoint": 1e-5, "identity": 1e-5, "orthonormal": 1e-5},
}

#: The six (d, k) pairs on which every transform is tested.
DK_PAIRS = [(2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3)]

#: Quadrature rule used in each dimension: uniform angles in 2-D,
#: the spherical Fibonacci lattice in 3-D, randomised QMC in 4-D.
RULE_FOR_D = {2: "half", 3: "fibonacci", 4: "qmc"}


def tol(dtype, kind: str) -> float:
    """Look up a rounding tolerance in the table."""
    return TOLERANCES[np.dtype(dtype)][kind]


@pytest.fixture
def tolerances():
    """The tolerance table for float64 (the library's working precision)."""
    return TOLERANCES[np.dtype(np.float64)]


@pytest.fixture
def torch_one_thread():
    """torch limited to one intra-op thread for the test (restored afterwards): the
    suite's torch tests compare trajectories and must not depend on the pool size, and
    on 2 shared cores a threaded pool busy-waits."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def rng(request):
    """A generator seeded from the test's node id: stable across runs and test orders,
    different between tests, never global."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


def pytest_configure(config):
    # hypothesis' failure report imports mypy_extensions, whose TypedDict DeprecationWarning
    # becomes an INTERNALERROR under filterwarnings=error and hides the falsifying example
    config.addinivalue_line("filterwarnings",
                            "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.slow`` tests run only with RIDGEKIT_SLOW=1 (as PYWT_XSLOW in PyWavelets)."""
    if os.environ.get("RIDGEKIT_SLOW", "") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set RIDGEKIT_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

