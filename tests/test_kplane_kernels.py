"""The n >= 2 (codimension >= 2) kernels of the k-plane transform at their switch points.

The separable-hat kernels pick, per frame and offset axis, one of three weight formulas by
the footprint width w (in offset steps): the hat (w = 0, the inverse's interpolation),
closed forms for 0 < w <= 1 (the default grids: w = 1 for isotropic steps) and the
general Φ differences for w > 1 (offsets finer than the grid step).  Inside the offset
grid, n = 2 and n = 3 use unrolled tensor products (``splat_grid_2``, ``splat_grid_3``),
elsewhere (nodes outside the offset grid, mixed classes, n >= 4) the general loops.  Each switch
is checked against an independent reference and the adjoint identity.
"""

from __future__ import annotations

import numpy as np
import pytest

from ridgekit.kplane import KPlaneTransform, _kernels, stiefel_sample
from tests.adjoint import check_linear_operator


def _phi_ref(x):
    """Φ(x) = ∫_{−∞}^x max(0, 1 − |τ|) dτ, written piecewise (not the kernels' branch-free form)."""
    if x <= -1.0:
        return 0.0
    if x <= 0.0:
        return 0.5 * (x + 1.0) ** 2
    if x <= 1.0:
        return 1.0 - 0.5 * (1.0 - x) ** 2
    return 1.0


def _weight_ref(u, wf, i):
    """Weight of offset node i for a footprint box of width wf centred at u, against the
    node hat: (1/wf)∫ hat(τ − i) dτ over the box, or the hat itself for wf = 0."""
    if wf == 0.0:
        return max(0.0, 1.0 - abs(u - i))
    return (_phi_ref(u + wf / 2 - i) - _phi_ref(u - wf / 2 - i)) / wf


@pytest.mark.parametrize("wf", [0.0, 0.3, 0.7071067811865476, 1.0, 1.4, 2.6])
def test_row_weights_match_piecewise_reference(wf):
    # reference: the piecewise definition at every node near u; the kernel's closed forms
    # (0 < wf <= 1) and Φ differences (wf > 1) agree with it to rounding (1e-14 on weights
    # of size <= 1), miss no node with a nonzero weight, and sum to 1 (partition of unity)
    rng = np.random.default_rng(7)
    L = 40
    u0, du = rng.uniform(5, 10), rng.uniform(-0.9, 0.9)
    K = 2 if wf == 0.0 else 3 if wf <= 1.0 else int(np.ceil(wf)) + 2
    idx = np.zeros((1, L), dtype=np.int64)
    w = np.zeros((1, K, L))
    _kernels._row_weights(u0, du, wf, K, L, idx, w, 0)
    for l in range(L):
        u = u0 + l * du
        got = dict(zip(range(idx[0, l], idx[0, l] + K), w[0, :, l]))
        for i in range(int(np.floor(u)) - 4, int(np.floor(u)) + 5):
            assert abs(got.get(i, 0.0) - _weight_ref(u, wf, i)) < 1e-14, (u, wf, i)
        assert abs(w[0, :, l].sum() - 1.0) < 1e-14


def _transforms(d, k, offsets_kind, rng):
    n = d - k
    shape = {3: (9, 8, 7), 4: (6, 5, 5, 4), 5: (5, 4, 4, 4, 3)}[d]
    frames = stiefel_sample(d, n, 5, rng=rng)
    R = KPlaneTransform(shape, frames, k=k, extent=1.0)
    h = R.t_spacing
    radius = float(np.abs(R.offsets).max())
    if offsets_kind == "coarse":      # w < 1
        offs = np.arange(-radius - 2 * h, radius + 2 * h + 1e-9, 1.7 * h)
    elif offsets_kind == "fine":      # w > 1 (general Φ weights, 4-5 nodes per axis)
        offs = np.arange(-radius, radius + 1e-9, 0.45 * h)
    elif offsets_kind == "partial":   # offset grid narrower than the projections: nodes dropped
        offs = np.linspace(-0.5 * radius, 0.3 * radius, 11)
    else:                             # default: w = 1 on isotropic grids, w != 1 otherwise
        offs = R.offsets
    offs = offs - offs.mean() + 0.01 * h  # no symmetry that could hide an index error
    return KPlaneTransform(shape, frames, offs, k=k, extent=1.0)


@pytest.mark.parametrize("offsets_kind", ["default", "coarse", "fine", "partial"])
@pytest.mark.parametrize("d, k", [(3, 1), (4, 1)])
def test_unrolled_kernels_equal_general_kernels(d, k, offsets_kind):
    # backproject_grid_2 performs the general kernel's sums in the same order (unrolled), so
    # it agrees to the last bit on every footprint class; splat_grid_2 sums odd and even
    # grid rows separately for 3 × 3 footprints (two independent chains of updates), a
    # reordered sum: within (N − 1)·eps·Σ|terms| of the exact sum, each way, N ≤ the number
    # of voxels, Σ|terms| = the splat of |f|.  splat_grid_3 / backproject_grid_3 keep the
    # order but fuse multiply-adds inside the grid (one rounding fewer per term): each is
    # within N·eps·Σ|terms| of the exact sum (N terms per value: the voxels for a node, or
    # 27 per frame plus the frame sum for a voxel), so the two within twice that; the bound
    # is not loose by construction: a wrong node or weight moves a value by O(|term|)
    rng = np.random.default_rng(3)
    n = d - k
    R = _transforms(d, k, offsets_kind, rng)
    splat, gather = {2: (_kernels.splat_grid_2, _kernels.backproject_grid_2),
                     3: (_kernels.splat_grid_3, _kernels.backproject_grid_3)}[n]
    shape = np.asarray(R.grid_shape, dtype=np.int64)
    f = rng.standard_normal(R.grid_shape).reshape(-1, R.grid_shape[-1])
    g = rng.standard_normal((R.m, R.n_offsets ** n))
    for fw in (R.footprints, np.zeros_like(R.footprints)):
        args = (shape, R.origin, R.spacing, R.frames, fw, R.t0, R.t_spacing, R.n_offsets)
        a, b = np.zeros((R.m, R.n_offsets ** n)), np.zeros((R.m, R.n_offsets ** n))
        _kernels.splat_grid_n(f, *args, 1.0, a)
        splat(f, *args, 1.0, b)
        eps = np.finfo(float).eps
        mag = np.zeros_like(a)
        _kernels.splat_grid_n(np.abs(f), *args, 1.0, mag)
        assert np.all(np.abs(a - b) <= 2 * f.size * eps * mag)
        assert np.abs(a).max() > 0
        p, q = np.zeros_like(f), np.zeros_like(f)
        _kernels.backproject_grid_n(g, R.weights, *args, p)
        gather(g, R.weights, *args, q)
        if n == 2:
            np.testing.assert_array_equal(p, q)
        else:
            pmag = np.zeros_like(f)
            _kernels.backproject_grid_n(np.abs(g), R.weights, *args, pmag)
            assert np.all(np.abs(p - q) <= 2 * (28 * R.m) * eps * pmag)
            assert np.abs(p).max() > 0


@pytest.mark.parametrize("offsets_kind", ["default", "coarse", "fine", "partial"])
@pytest.mark.parametrize("d, k", [(3, 1), (4, 2), (4, 1), (5, 2), (3, 2), (4, 3)])
def test_vectorised_hat_gathers_equal_frame_by_frame(d, k, offsets_kind):
    # backproject_grid_hat (n = 2, 3) / backproject_grid_1_hat (the inverse's interpolation) sum the
    # frames of a block in a vectorised, reassociated order on the columns inside the offset
    # grid, the rest frame by frame: equal to the general gathers within the reordering
    # bound (N − 1)·eps·Σ|terms| per value (N = frames), Σ|terms| = the gather of |g|.
    # "partial" puts most columns outside for some frames (the mixed path); 70 frames
    # span three frame blocks.
    rng = np.random.default_rng(17 + d + k)
    n = d - k
    R0 = _transforms(d, k, offsets_kind, rng)
    R = KPlaneTransform(R0.grid_shape, stiefel_sample(d, n, 70, rng=rng), R0.offsets, k=k, extent=1.0)
    shape = np.asarray(R.grid_shape, dtype=np.int64)
    rows = int(np.prod(R.grid_shape[:-1]))
    fw = np.zeros((R.m, n))
    g = rng.standard_normal((R.m, R.n_offsets ** n))
    ref, got, mag = (np.zeros((rows, R.grid_shape[-1])) for _ in range(3))
    if n >= 2:
        args = (shape, R.origin, R.spacing, R.frames)
        general = _kernels.backproject_grid_n  # the odometer: no unrolling, no vectorisation
        general(g, R.weights, *args, fw, R.t0, R.t_spacing, R.n_offsets, ref)
        general(np.abs(g), R.weights, *args, fw, R.t0, R.t_spacing, R.n_offsets, mag)
        _kernels.backproject_grid_hat(g, R.weights, *args, R.t0, R.t_spacing, R.n_offsets, got)
    else:
        pad = ((0, 0), (_kernels.PAD, _kernels.PAD))
        lrange = np.zeros((rows, 2), dtype=np.int64)
        lrange[:, 1] = R.grid_shape[-1]
        lrange[::3, 0] = 1  # restricted column ranges, as the 2-D iradon's circle
        args = (shape, R.origin, R.spacing, R.frames)
        _kernels.backproject_grid_1(np.pad(g, pad), R.weights, *args, fw, R.t0, R.t_spacing, R.n_offsets,
                                    lrange, ref)
        _kernels.backproject_grid_1(np.pad(np.abs(g), pad), R.weights, *args, fw, R.t0, R.t_spacing,
                                    R.n_offsets, lrange, mag)
        _kernels.backproject_grid_1_hat(np.pad(g, pad), R.weights, *args, R.t0, R.t_spacing, R.n_offsets,
                                        lrange, got)
        assert np.all(got[::3, 0] == 0.0)
    assert np.abs(ref).max() > 0
    bound = 2 * R.m * np.finfo(float).eps * mag
    assert np.all(np.abs(got - ref) <= bound)


@pytest.mark.parametrize("offsets_kind", ["default", "coarse", "fine", "partial"])
@pytest.mark.parametrize("d, k", [(3, 1), (4, 2), (4, 1), (5, 1)])
def test_adjoint_at_switch_points(d, k, offsets_kind, tolerances):
    # the plain transpose (aslinearoperator) at every footprint class and with nodes
    # dropped at the offset grid's edge, for n = 2, 3 (unrolled) and n = 4 (odometer)
    R = _transforms(d, k, offsets_kind, np.random.default_rng(d * 10 + k))
    rep = check_linear_operator(R.aslinearoperator(), rng=5)
    assert rep.error < tolerances["adjoint"], rep


@pytest.mark.parametrize("d, k", [(3, 1), (4, 1)])
def test_partial_offsets_agree_with_full_offsets(d, k):
    # dropping nodes outside a narrower offset grid keeps the values at the nodes it holds
    rng = np.random.default_rng(11)
    n = d - k
    shape = (7, 6, 6) if d == 3 else (5, 5, 4, 4)
    frames = stiefel_sample(d, n, 4, rng=rng)
    full = KPlaneTransform(shape, frames, np.linspace(-3, 3, 25), k=k, extent=1.0)
    part = KPlaneTransform(shape, frames, full.offsets[6:15], k=k, extent=1.0)
    f = rng.standard_normal(shape)
    sl = (slice(None),) + (slice(6, 15),) * n
    np.testing.assert_allclose(part.forward(f), full.forward(f)[sl], rtol=1e-13, atol=1e-13)
    g = rng.standard_normal(part.sinogram_shape)
    gf = np.zeros(full.sinogram_shape)
    gf[sl] = g
    np.testing.assert_allclose(part.adjoint(g), full.adjoint(gf), rtol=1e-13, atol=1e-13)


def test_huge_projections_write_nothing():
    # offsets far from every projection (|u| beyond 2^40 steps: the float-to-int clamp)
    R = KPlaneTransform((6, 5, 4), stiefel_sample(3, 2, 3, rng=1), np.linspace(1e14, 1e14 + 1, 5),
                        k=1, extent=1.0)
    np.testing.assert_array_equal(R.forward(np.ones((6, 5, 4))), 0.0)
    np.testing.assert_array_equal(R.adjoint(np.ones(R.sinogram_shape)), 0.0)


def test_integer_footprints_snap_to_the_integer():
    # orthonormal columns on a cubic grid with offset spacing = grid step give footprints
    # of exactly one step up to rounding; 1 + 1 ulp would select the general w > 1 weights
    # (4 nodes per axis, one of weight ~1e-32): the footprint is snapped to 1, which
    # changes the transform by rounding only (checked against the unsnapped footprints)
    rng = np.random.default_rng(2)
    R = KPlaneTransform((9, 9, 9), stiefel_sample(3, 2, 30, rng=rng), k=1, extent=1.0)
    np.testing.assert_array_equal(R.footprints, 1.0)
    f = rng.standard_normal(R.grid_shape)
    shape = np.asarray(R.grid_shape, dtype=np.int64)
    up = np.nextafter(np.nextafter(R.footprints, 2.0), 2.0)  # 1 + 2 ulp: the w > 1 branch
    ref = np.zeros((R.m, R.n_offsets ** 2))
    _kernels.splat_grid_n(f.reshape(-1, 9), shape, R.origin, R.spacing, R.frames, up, R.t0,
                          R.t_spacing, R.n_offsets, R.cell_volume / R.t_spacing ** 2, ref)
    got = R.forward(f).reshape(R.m, -1)
    assert np.abs(got - ref).max() <= 1e-14 * np.abs(ref).max()


def _box_splat_ref(f, R):
    """The n = 1 forward with the box kernel, pixel by pixel in numpy: node i of frame j
    gets f(x)·|[lo, lo + w] ∩ [i − ½, i + ½]|/w, lo = (θ_jᵀx − t0)/ht − w/2 (the
    distance-driven weights, written as an overlap, not the kernels' closed form)."""
    x = R.origin + np.stack(np.meshgrid(*[np.arange(n) for n in R.grid_shape], indexing="ij"), -1) * R.spacing
    x = x.reshape(-1, R.d)
    T = R.n_offsets
    out = np.zeros((R.m, T))
    nodes = np.arange(T)
    for j in range(R.m):
        wf = R.footprints[j, 0]
        lo = (x @ R.frames[j, :, 0] - R.t0) / R.t_spacing - 0.5 * wf
        ov = np.clip(np.minimum(lo[:, None] + wf, nodes + 0.5) - np.maximum(lo[:, None], nodes - 0.5), 0.0, None)
        out[j] = (f.reshape(-1)[:, None] * ov / wf).sum(0)
    return out


@pytest.mark.parametrize("offsets_kind", ["default", "coarse", "partial"])
@pytest.mark.parametrize("d", [2, 3])
def test_box_splat_matches_overlap_reference(d, offsets_kind):
    # splat_grid_1 (four rows interleaved, fused multiply-adds, rows at the offset grid's
    # rim one by one, each row over its nonzero extent) against the overlap reference: a sum of N = (pixels) terms per node
    # in another order and without fused multiply-adds, so within 2·N·eps·Σ|terms|;
    # "partial" puts many pixels' footprints across the grid's ends
    rng = np.random.default_rng(11 + d)
    shape = {2: (13, 11), 3: (7, 6, 9)}[d]
    R0 = KPlaneTransform(shape, stiefel_sample(d, 1, 9, rng=rng), k=d - 1, extent=1.0)
    h = R0.t_spacing
    radius = float(np.abs(R0.offsets).max())
    offs = {"default": R0.offsets, "coarse": np.arange(-radius - 2 * h, radius + 2 * h + 1e-9, 1.3 * h),
            "partial": np.arange(-0.5 * radius, 0.3 * radius, 1.1 * h)}[offsets_kind]
    R = KPlaneTransform(shape, R0.frames, offs - offs.mean() + 0.01 * h, k=d - 1, extent=1.0)
    # footprints of at most one offset step: the interleaved four-row path
    assert R.kernel == "box" and np.all((R.footprints > 0) & (R.footprints <= 1))
    f = rng.standard_normal(shape)
    rows = f.reshape(-1, shape[-1])  # zero rims and a zero row: the rows' nonzero extents
    rows[::3, :2] = 0.0
    rows[1::4, -3:] = 0.0
    rows[5] = 0.0
    out = np.zeros((R.m, R.n_offsets + 2 * _kernels.PAD))
    _kernels.splat_grid_1(f.reshape(-1, shape[-1]), np.asarray(shape, dtype=np.int64), R.origin, R.spacing,
                          *R._kernel_args(), 1.0, out)
    got = out[:, _kernels.PAD:_kernels.PAD + R.n_offsets]
    ref, mag = _box_splat_ref(f, R), _box_splat_ref(np.abs(f), R)
    assert np.abs(ref).max() > 0.1
    assert np.all(np.abs(got - ref) <= 2 * f.size * np.finfo(float).eps * mag + 1e-300)
