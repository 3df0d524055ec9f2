"""k-plane and Radon transforms split over the frames, on a Dask cluster or block by block.

The discrete transform is a sum over frames Θ_j (backprojection) or a stack of
independent projections, one per frame (forward).  Here the frames are cut into
contiguous blocks; each block is a transform of its own (the same grid, offsets, kernel
and quadrature weights, restricted to its frames: :func:`frame_block`) and runs as one
task:

* forward: the volume is scattered once to every worker (``client.scatter(...,
  broadcast=True)``); block j returns rows ``lo:hi`` of the sinogram.  The blocks are
  assembled lazily as a dask array (persisted on the cluster), or each task writes its
  rows to a Zarr array whose chunks are the blocks.  Each frame's projection is computed
  by the same kernel, over the same grid rows, in the same order as on one machine, so
  the result is *identical* (bit for bit).
* backprojection and filtered backprojection: block j sends its rows of the sinogram to
  one worker, which returns the partial volume Σ_{j in block} w_j R_j^* g_j; partial
  volumes are added pairwise in a binary tree (⌈log₂ B⌉ levels for B blocks), so at most a
  few volumes per worker are alive.  Only the order of the sum over frames differs from
  one machine: |Δ| ≤ (⌈log₂ B⌉ + m)·ε·Σ_j w_j |R_j^* g_j| pointwise (the classical bound
  for a reordered floating-point sum), which the tests check with a margin.

Memory on a worker: the scattered volume (or the partial volume) plus one block of the
sinogram, b·Tⁿ·8 bytes for b frames per block, plus the kernels' scratch, which does not
depend on b (measured in benchmarks/RESULTS.md).

Without a client (only ``zarr_store`` given) the blocks run one after another in this
process, each written to the store as it finishes: the sinogram never has to fit in memory.
"""

from __future__ import annotations

import copy
import math
import numbers
import os

import numpy as np

from ridgekit._dask import get_client, is_client

__all__ = ["adjoint", "block_bounds", "forward", "frame_block", "inverse"]


def frame_block(transform, lo: int, hi: int):
    """The same transform restricted to frames ``lo:hi`` (and their quadrature weights).

    Everything else (grid, offsets, kernel, measure, discretisation method) is shared, so
    ``frame_block(R, lo, hi).forward(f)`` equals ``R.forward(f)[lo:hi]`` exactly.
    """
    sub = copy.copy(transform)
    sub.frames = np.ascontiguousarray(transform.frames[lo:hi])
    sub.weights = np.ascontiguousarray(transform.weights[lo:hi])
    fp = getattr(transform, "_footprints", None)
    sub._footprints = None if fp is None else np.ascontiguousarray(fp[lo:hi])
    return sub


def block_bounds(m: int, block_size: int) -> list:
    """Contiguous (lo, hi) frame ranges of at most ``block_size`` frames covering 0..m.

    Examples
    --------
    >>> block_bounds(10, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    return [(lo, min(m, lo + block_size)) for lo in range(0, m, block_size)]


def _check_block_size(block_size, m, n_threads):
    if block_size is None:
        # four blocks per worker thread: load balance without tiny tasks
        return max(1, math.ceil(m / (4 * max(1, n_threads))))
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) or block_size < 1:
        raise ValueError(f"block_size must be a positive integer (frames per block), got {block_size!r}")
    return int(min(block_size, m))


def _n_threads(client):
    if client is None:
        return 1
    return max(1, sum(client.nthreads().values()))


def _resolve_client(client):
    if client is None:
        return None, False
    if not is_client(client) and not isinstance(client, str):
        raise TypeError(f"client must be a dask.distributed.Client or a scheduler address, got "
                        f"{type(client).__name__} {client!r:.60}")
    return get_client(client, "client")


def _threads_here():
    """Worker threads of the Dask worker running this task (numba follows that budget)."""
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return None


class _numba_threads:
    """Limit numba's threads in this thread to the worker's thread count, then restore."""

    def __enter__(self):
        import numba

        self.old = numba.get_num_threads()
        n = _threads_here()
        if n is not None:
            numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        return self

    def __exit__(self, *exc):
        import numba

        numba.set_num_threads(self.old)
        return False


# ---------------------------------------------------------------- tasks (run on workers)

def _forward_block(transform, f, lo, hi, kwargs):
    with _numba_threads():
        return frame_block(transform, lo, hi).forward(f, **kwargs)


def _forward_block_zarr(transform, f, lo, hi, kwargs, store):
    import zarr

    block = _forward_block(transform, f, lo, hi, kwargs)
    zarr.open_array(store, mode="r+")[lo:hi] = block
    return hi - lo


def _adjoint_block(transform, g_block, lo, hi, points, filter_name):
    sub = frame_block(transform, lo, hi)
    g_block = np.asarray(g_block).reshape((hi - lo,) + transform.sinogram_shape[1:])
    with _numba_threads():
        if filter_name is None:
            return sub.adjoint(g_block, points=points)
        return sub.inverse(g_block, filter_name=filter_name, points=points)


def _add(a, b):
    return a + b  # a new array: inputs may be reused if the scheduler retries a task


# ---------------------------------------------------------------- drivers

def _check_volume(transform, f):
    if callable(f):
        return f
    from ridgekit._validation import as_float_array

    f = as_float_array(f, "f")
    if f.shape != transform.domain_shape:
        raise ValueError(f"f must have shape {transform.domain_shape}, got {f.shape}")
    return f


def _create_zarr(transform, store, block_size):
    import zarr

    if not isinstance(store, (str, os.PathLike)):
        raise TypeError(f"zarr_store must be a path or URL, got {type(store).__name__} {store!r:.60}")
    store = os.fspath(store)
    shape = transform.sinogram_shape
    zarr.create_array(store=store, shape=shape, chunks=(block_size,) + shape[1:], dtype="f8",
                      fill_value=np.nan, overwrite=True)
    return store


def forward(transform, f, *, client=None, block_size=None, zarr_store=None, quad_order=64, quad_radius=None):
    """Forward transform split into frame blocks (see the module docstring).

    Returns a dask array of shape ``transform.sinogram_shape`` chunked by blocks: persisted
    on ``client`` (computing as soon as this returns), or read from ``zarr_store`` once
    every block has been written there.
    """
    f = _check_volume(transform, f)
    if getattr(transform, "kernel", None) == "box" and transform.grid_shape is not None:
        transform._check_footprints_fit()  # the full frame set, before any work
    if block_size is not None:
        _check_block_size(block_size, transform.m, 1)
    client, owned = _resolve_client(client)
    try:
        b = _check_block_size(block_size, transform.m, _n_threads(client))
        bounds = block_bounds(transform.m, b)
        kwargs = {"quad_order": quad_order, "quad_radius": quad_radius} if callable(f) else {}
        store = _create_zarr(transform, zarr_store, b) if zarr_store is not None else None
        if client is None:  # block by block in this process, into the store
            for lo, hi in bounds:
                _forward_block_zarr(transform, f, lo, hi, kwargs, store)
            return _from_zarr(store)
        tpl = client.scatter(transform, broadcast=True, hash=False)
        vol = f if callable(f) else client.scatter(f, broadcast=True, hash=False)
        if store is not None:
            futs = [client.submit(_forward_block_zarr, tpl, vol, lo, hi, kwargs, store, pure=False)
                    for lo, hi in bounds]
            written = sum(client.gather(futs))
            if written != transform.m:  # pragma: no cover - defensive
                raise RuntimeError(f"only {written} of {transform.m} frames were written to {store!r}")
            return _from_zarr(store)
        import dask.array as da

        futs = [client.submit(_forward_block, tpl, vol, lo, hi, kwargs, pure=False) for lo, hi in bounds]
        rest = transform.sinogram_shape[1:]
        blocks = [da.from_delayed(fut, shape=(hi - lo,) + rest, dtype=np.float64)
                  for fut, (lo, hi) in zip(futs, bounds)]
        return da.concatenate(blocks, axis=0)
    finally:
        if owned:
            client.close()


def _from_zarr(store):
    import dask.array as da

    return da.from_zarr(store)


def _backproject(transform, g, points, filter_name, client, block_size):
    if client is None:
        raise ValueError("block-wise backprojection needs client= (a dask.distributed.Client or an address)")
    # validate everything before the first message to the cluster
    if _is_dask_array(g):
        if g.shape != transform.sinogram_shape:
            raise ValueError(f"g must have shape {transform.sinogram_shape} (frames, offsets…), got {g.shape}")
    else:
        g = transform._check_sinogram(g)
    if points is not None:
        points = transform._check_points(points)
    if block_size is not None:
        _check_block_size(block_size, transform.m, 1)
    client, owned = _resolve_client(client)
    try:
        m = transform.m
        b = _check_block_size(block_size, m, _n_threads(client))
        bounds = block_bounds(m, b)
        tpl = client.scatter(transform, broadcast=True, hash=False)
        pts = None if points is None else client.scatter(points, broadcast=True, hash=False)
        if _is_dask_array(g):
            g = g.rechunk((tuple(hi - lo for lo, hi in bounds),) + tuple((s,) for s in g.shape[1:]))
            parts = [client.compute(blk, optimize_graph=False) for blk in g.to_delayed().ravel()]
        else:
            parts = client.scatter([g[lo:hi] for lo, hi in bounds], hash=False)
        parts = [client.submit(_adjoint_block, tpl, blk, lo, hi, pts, filter_name, pure=False)
                 for blk, (lo, hi) in zip(parts, bounds)]
        while len(parts) > 1:  # binary tree: ⌈log₂ B⌉ levels, every partial consumed once
            nxt = [client.submit(_add, parts[i], parts[i + 1], pure=False) for i in range(0, len(parts) - 1, 2)]
            if len(parts) % 2:
                nxt.append(parts[-1])
            parts = nxt
        return parts[0].result()
    finally:
        if owned:
            client.close()


def _is_dask_array(g) -> bool:
    return type(g).__module__.startswith("dask.array") and hasattr(g, "to_delayed")


def adjoint(transform, g, points=None, *, client=None, block_size=None):
    """Backprojection R_k^* g as a tree-sum of per-block partial volumes (numpy result)."""
    return _backproject(transform, g, points, None, client, block_size)


def inverse(transform, g, *, filter_name="ramp", points=None, client=None, block_size=None):
    """Filtered backprojection, each block filtered and backprojected on a worker, then tree-summed."""
    from .filters import FILTERS

    if filter_name not in FILTERS:
        raise ValueError(f"filter_name must be one of {sorted(FILTERS)}, got {filter_name!r}")
    return _backproject(transform, g, points, filter_name, client, block_size)
