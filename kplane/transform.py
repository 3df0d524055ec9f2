"""The k-plane transform, its dual (backprojection) and its filtered-backprojection inverse.

Definitions (2310.01233, Parhi & Unser; conventions of docs/theory/conventions.md, [derived] constants in
docs/theory/kplane.md, checked in ``tests/test_transform.py``):

* k-plane transform  R_k f(Θ, t) = ∫_{ℝᵏ} f(Θt + Θ_⊥ s) ds = ∫ f(x) δ(Θᵀx − t) dx,
  Θ ∈ V_n(ℝᵈ) a normal frame, t ∈ ℝⁿ, n = d − k;
* dual transform  R_k^* g(x) = ∫_{V_n} g(Θ, Θᵀx) dμ(Θ), μ the chosen measure;
* inversion  f = (c_{d,k}/M) R_k^* (−Δ_t)^{k/2} R_k f, with
  c_{d,k} = Γ((d−k)/2) / ((4π)^{k/2} Γ(d/2)) and M the total mass of μ (M = 1 for the
  probability measure, Vol V_n(ℝᵈ) for the surface measure).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ridgekit._validation import (
    as_float_array,
    check_choice,
    check_int,
    check_orthonormal_frames,
    check_positive,
    check_size,
)

from . import _kernels
from .closed_forms import inversion_constant
from .filters import fourier_filter
from .stiefel import MEASURES, complete_frame, measure_mass, stiefel_quadrature

__all__ = ["KPlaneTransform"]


def _no_blocks_without_client(block_size):
    if block_size is not None:
        raise ValueError(f"block_size={block_size!r} needs client= (a Dask client or scheduler address) or, "
                         f"for forward, zarr_store=")


def _check_finite_result(out, name):
    """Finite input can still overflow (values near the float64 maximum): say so."""
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name}: the result overflows float64 (values too large); rescale {name}")
    return out


class KPlaneTransform:
    r"""Discrete k-plane transform between a grid (or a point cloud) and V_n(ℝᵈ) × ℝⁿ.

    Parameters
    ----------
    shape_or_points : tuple of int or array_like (P, d)
        Either the shape (N₁, …, N_d) of a cell-centred regular grid on the box
        ∏[−extent_a, extent_a] (node a_i = −extent_a + (i + ½)·h_a, h_a = 2·extent_a/N_a),
        or P points in ℝᵈ (a point cloud: the forward transform then acts on masses at
        the points and the backprojection is evaluated at the points).
    frames : int or array_like (m, d, n) or (m, d)
        Normal frames Θ_j with orthonormal columns, or a number of quadrature nodes
        (``kplane.stiefel_quadrature`` with ``rule``).  A (m, d) array means n = 1.
    offsets : None, int or array_like (T,)
        The offset grid, shared by the n offset axes: a regular 1-D grid of values, a
        number T of offsets, or None.  Default: spacing equal to the smallest grid step
        (for point clouds: R/64), covering [−R, R] with R the radius of the
        circumscribed ball (grid) or :math:`max |x|` (points).
    k : int
        Plane dimension, 1 ≤ k ≤ d − 1 (n = d − k must match the frames).
    extent : float or sequence of float
        Half-width of the grid box per axis (grids only).
    measure : {"probability", "surface"}
        Measure μ on V_n(ℝᵈ); the quadrature weights sum to its mass.  Default
        ``"probability"`` (2310.01233 uses the O(d)-invariant probability measure).
    weights : array_like (m,), optional
        Quadrature weights for user-given frames; default equal weights summing to the
        mass of ``measure``.
    rule : str
        Quadrature rule when ``frames`` is an int (see ``stiefel_quadrature``).
    rng : None, int or Generator
        For randomised quadrature rules.
    kernel : {"box", "hat"}, optional
        Offset-node model of the discretisation (see Notes).  Default ``"box"`` for
        hyperplanes (n = 1, distance-driven) and ``"hat"`` otherwise.

    Notes
    -----
    *Discretisation.*  Grid values f_j are masses f_j·h^d at the nodes x_j.  Each mass is
    spread over a *footprint*, a box of width w_c along offset axis c (w_c is the spacing
    of the projected nodes of one grid line along the dominant axis: see
    :attr:`footprints`; point clouds have w = 0), and met by the offset nodes
    t_i = t_0 + i·h_t either through *bins* [t_i − h_t/2, t_i + h_t/2] (``kernel="box"``,
    the distance-driven model of De Man & Basu, 2004: footprints of a grid line tile the
    t axis, bins tile it too) or through the *hat* function of width h_t
    (``kernel="hat"``, separable over the n offset axes).  With K the resulting kernel
    (unit mass in t), the forward transform is R_k f(Θ_j, t_i) ≈ Σ_x h^d f(x) K(t_i − Θ_jᵀx)
    and the backprojection R_k^* g(x) ≈ Σ_j w_j Σ_i h_tⁿ K(t_i − Θ_jᵀx) g(Θ_j, t_i), with
    the same weights; hence, exactly (to rounding),

    ⟨R_k f, g⟩ = Σ_j w_j Σ_i h_tⁿ R_k f(Θ_j, t_i) g(Θ_j, t_i) = Σ_x h^d f(x) R_k^* g(x) = ⟨f, R_k^* g⟩,

    the discrete form of the continuous adjoint identity (Fubini).  The plain matrix
    transpose (used by :meth:`aslinearoperator`) is the backprojection with weights
    h^d/h_tⁿ in place of w_j.  The forward transform converges at second order in the
    grid step for smooth f (it is the exact transform convolved with K, whose width is
    O(h), up to aliasing).  The Fourier transform of K is sinc(τw/2)·sinc(τh_t/2) (box)
    or sinc(τw/2)·sinc²(τh_t/2) (hat) per offset axis.

    *Known limitation (n ≥ 2).*  The separable footprint does not tile the projected
    grid exactly, so planes along rational lattice directions alias: for the X-ray
    transform in d = 3 along (1, 1, 1)/√3 the maximum relative error for :math:`e^{−|x|²}` on
    [−4, 4]³ is 6.8 %, 3.5 %, 2.7 % at 24³, 48³, 96³ (a random direction: 5.4 %, 1.4 %,
    0.35 %, second order).  Hyperplanes (n = 1) tile exactly and have no such floor.

    Examples
    --------
    Mass conservation (Fourier slice at w = 0): every projection carries the mass of the
    grid function exactly, here :math:`∫ e^{−|x|²} dx = π^{3/2}` up to the tail outside the box.

    >>> import numpy as np
    >>> R = KPlaneTransform((48, 48, 48), 20, k=2, extent=4.0)
    >>> x = R.grid_points()
    >>> f = np.exp(-(x ** 2).sum(-1))
    >>> mass = R.forward(f).sum(axis=1) * R.t_spacing
    >>> bool(np.allclose(mass, f.sum() * R.cell_volume, rtol=1e-13))
    True
    >>> bool(np.allclose(mass, np.pi ** 1.5, rtol=1e-7))
    True
    """

    def __init__(self, shape_or_points, frames, offsets=None, *, k, extent=1.0,
                 measure="probability", weights=None, rule="auto", rng=None, kernel=None):
        check_choice(measure, "measure", MEASURES)
        self.measure = measure
        if kernel is not None:
            check_choice(kernel, "kernel", ("box", "hat"))
        if isinstance(shape_or_points, tuple) and all(isinstance(s, numbers.Integral) for s in shape_or_points):
            if len(shape_or_points) < 2:
                raise ValueError(f"shape_or_points must describe a grid in d >= 2 dimensions, got {shape_or_points}")
            self.grid_shape = tuple(check_int(s, "shape_or_points", minimum=1) for s in shape_or_points)
            d = len(self.grid_shape)
            try:
                ext = np.broadcast_to(np.asarray(extent, dtype=float), (d,)).copy()
            except (TypeError, ValueError):
                raise ValueError(f"extent must be a positive float or {d} positive floats, "
                                 f"got {extent!r:.60}") from None
            for e in ext:
                check_positive(float(e), "extent")
            self.extent = ext
            self.spacing = 2 * self.extent / np.array(self.grid_shape)
            self.origin = -self.extent + 0.5 * self.spacing
            self.points = None
            emax = float(self.extent.max())  # scaled norm: |extent| neither under- nor overflows
            radius = emax * float(np.linalg.norm(self.extent / emax))
            # the largest step: an n = 1 cell footprint spans up to max_a h_a|ξ_a| (see footprints)
            default_step = float(self.spacing.max())
        else:
            self.points = as_float_array(shape_or_points, "shape_or_points", ndim=2)
            d = self.points.shape[1]
            if d < 2:
                raise ValueError(f"points must be in d >= 2 dimensions, got shape {self.points.shape}")
            self.grid_shape = None
            pmax = float(np.abs(self.points).max())
            radius = (pmax * float(np.sqrt(((self.points / pmax) ** 2).sum(1).max()))) if pmax > 0 else 1.0
            if not radius >= np.finfo(float).tiny:
                radius = 1.0
            default_step = radius / 64
        self.d = d
        self.k = check_int(k, "k", minimum=1, maximum=d - 1)
        self.n = d - self.k
        if isinstance(frames, numbers.Integral) and not isinstance(frames, bool):
            fr, wts = stiefel_quadrature(d, self.n, check_int(frames, "frames", minimum=1), rule=rule,
                                         rng=rng, measure=measure)
            if weights is not None:
                raise ValueError("weights can only be given together with explicit frames")
        else:
            fr = check_orthonormal_frames(frames, "frames", d=d, n=self.n)
            mass = measure_mass(d, self.n, measure)
            if weights is None:
                wts = np.full(fr.shape[0], mass / fr.shape[0])
            else:
                wts = as_float_array(weights, "weights", ndim=1)
                if wts.shape[0] != fr.shape[0]:
                    raise ValueError(f"weights must have one entry per frame ({fr.shape[0]}), got shape {wts.shape}")
        self.frames = np.ascontiguousarray(fr)
        self.weights = np.ascontiguousarray(wts)
        if offsets is None or (isinstance(offsets, numbers.Integral) and not isinstance(offsets, bool)):
            if offsets is None:
                T = 2 * int(np.ceil(radius / default_step)) + 1
            else:
                T = check_int(offsets, "offsets", minimum=2)
            check_size(T, "offsets")
            half = radius if offsets is not None else default_step * (T // 2)
            self.offsets = np.linspace(-half, half, T)
        else:
            off = as_float_array(offsets, "offsets", ndim=1)
            if off.size < 2:
                raise ValueError(f"offsets must hold at least 2 values, got {off.size}")
            steps = np.diff(off)
            if steps.min() <= 0 or np.ptp(steps) > 1e-9 * abs(steps.mean()):
                raise ValueError("offsets must be a strictly increasing regular grid (equal steps)")
            self.offsets = off
        self.t0 = float(self.offsets[0])
        self.t_spacing = float((self.offsets[-1] - self.offsets[0]) / (self.offsets.size - 1))
        self.n_offsets = int(self.offsets.size)
        self._footprints = None
        self.kernel = kernel if kernel is not None else ("box" if self.n == 1 else "hat")
        if self.kernel == "box" and self.n != 1:
            raise ValueError(f"kernel='box' (distance-driven bins) is for hyperplanes (n = 1) only, got n = {self.n}")
        self._check_geometry(radius)

    def _check_geometry(self, radius):
        """Refuse geometries whose derived quantities leave float64 or the kernels' index range.

        The kernels trust that the offset grid, the grid steps, the scale factors and the
        footprints are finite positive numbers and that every projected coordinate, in
        offset steps, converts to an int64 index; everything is checked here, before any
        kernel runs (a NaN or an overflowing index would write out of bounds).
        """
        with np.errstate(over="ignore", under="ignore"):
            self._check_geometry_scaled(radius)

    def _check_geometry_scaled(self, radius):
        tiny = np.finfo(float).tiny
        what = "extent" if self.grid_shape is not None else "shape_or_points"
        if self.grid_shape is not None:
            if not (np.all(np.isfinite(self.spacing)) and self.spacing.min() >= tiny
                    and np.isfinite(radius) and tiny <= self.cell_volume < np.inf):
                raise ValueError(f"extent {self.extent.tolist()!r:.80} gives grid steps {self.spacing.tolist()!r:.80} "
                                 f"and cell volume {self.cell_volume:g} outside the normal float64 range; "
                                 f"rescale the problem")
        elif not np.isfinite(radius):
            raise ValueError("shape_or_points: the points' norms overflow float64; rescale the points")
        ht = self.t_spacing
        if not (self.n_offsets >= 2 and np.isfinite(self.t0) and np.isfinite(ht) and ht >= tiny):
            raise ValueError(f"{what}: the offset grid (t0 = {self.t0:g}, spacing {ht:g}, {self.n_offsets} nodes) "
                             f"is not a finite regular grid of positive spacing; rescale the problem")
        vol = ht ** self.n
        if not (tiny <= vol < np.inf and tiny <= self.cell_volume / vol < np.inf):
            raise ValueError(f"{what}: offset spacing {ht:g} to the power n = {self.n} leaves the normal float64 "
                             f"range; rescale the problem")
        # projected coordinates in offset steps must stay well inside int64 (2**52: exact integers)
        reach = (radius + max(abs(self.t0), abs(float(self.offsets[-1])))) / ht
        if not reach < 2.0 ** 52:
            raise ValueError(f"{what}: the domain (radius {radius:g}) spans {reach:.3g} offset steps of {ht:g}; "
                             f"at most 2**52 are supported")
        check_size(self.m * self.n_offsets ** self.n, "offsets: the transformed data (frames × offsets^n)")
        fw = self.footprints
        if not np.all(np.isfinite(fw)):
            raise ValueError(f"{what}: cell footprints are not finite (offset spacing {ht:g}); rescale the problem")
        if self.n >= 2:
            kmax = int(fw.max()) + 4
            check_size(kmax ** self.n, f"offsets: a grid cell spans {fw.max():.3g} offset steps of {ht:g}; "
                       f"the per-thread footprint table ((footprint/offset spacing + 4)^n)")

    # ------------------------------------------------------------------ geometry
    @property
    def m(self) -> int:
        """Number of frames."""
        return self.frames.shape[0]

    @property
    def sinogram_shape(self) -> tuple:
        """Shape (m, T, …, T) of transformed data (n offset axes)."""
        return (self.m,) + (self.n_offsets,) * self.n

    @property
    def cell_volume(self) -> float:
        """h^d for grids (the quadrature weight of a node), 1 for point clouds (masses)."""
        return float(np.prod(self.spacing)) if self.grid_shape is not None else 1.0

    @property
    def domain_shape(self) -> tuple:
        """Shape of the function (grid) or of the masses (point cloud)."""
        return self.grid_shape if self.grid_shape is not None else (self.points.shape[0],)

    def grid_axes(self):
        """Coordinates of the grid nodes along each axis (grids only)."""
        self._need_grid("grid_axes")
        return [self.origin[a] + self.spacing[a] * np.arange(N) for a, N in enumerate(self.grid_shape)]

    def grid_points(self) -> np.ndarray:
        """Grid nodes as an array of shape grid_shape + (d,)."""
        return np.stack(np.meshgrid(*self.grid_axes(), indexing="ij"), axis=-1)

    def offset_points(self) -> np.ndarray:
        """Offset nodes t as an array of shape (T,)*n + (n,)."""
        return np.stack(np.meshgrid(*([self.offsets] * self.n), indexing="ij"), axis=-1)

    def _need_grid(self, what):
        if self.grid_shape is None:
            raise ValueError(f"{what} needs a grid transform; this one acts on a point cloud")

    # ------------------------------------------------------------------ kernels
    def _kernel_args(self, footprint=None):
        fw = self.footprints if footprint is None else footprint
        # the kernels size their buffers from the footprints and index the offset grid
        # from t0 and the spacing: nothing non-finite may reach them
        if not (np.isfinite(self.t0) and np.isfinite(self.t_spacing) and self.t_spacing > 0
                and np.all(np.isfinite(fw)) and np.all(fw <= 1e6)):
            raise ValueError(f"the offset grid (first offset {self.t0!r}, spacing {self.t_spacing!r}) and the "
                             f"cell footprints (up to {np.max(fw)!r} offset steps) must be finite, the spacing "
                             f"positive and the footprints at most 1e6 steps; check extent and offsets")
        return (self.frames, fw, self.t0, self.t_spacing, self.n_offsets)

    @property
    def footprints(self) -> np.ndarray:
        """Footprint widths w_c (in offset steps) of a grid cell, per frame and offset axis.

        Along offset axis c the cell centres of one grid line along axis a project with
        spacing :math:`h_a|Θ_ac|`; the footprint is that spacing for the axis that maximises it
        (the dominant axis of the distance-driven model), so that footprints of a line
        of cells tile the offset axis.  Point clouds use w = 1 (hat function: linear
        interpolation in t).
        """
        if self._footprints is None:
            if self.grid_shape is None:
                fw = np.zeros((self.m, self.n))
            else:
                proj = np.abs(self.frames) * self.spacing[None, :, None]
                fw = (proj.max(axis=1) if self.n == 1 else np.sqrt((proj ** 2).sum(axis=1))) / self.t_spacing
                if self.n >= 2:
                    # a footprint that is an integer number of offset steps up to rounding
                    # (e.g. exactly 1 for orthonormal columns on a cubic grid with spacing
                    # ht = h) is that integer: 1 + 1 ulp would make the kernels visit
                    # ⌈w⌉ + 2 = 4 nodes per axis, one of them with a weight of order 1e-32
                    near = np.rint(fw)
                    fw = np.where(np.abs(fw - near) <= 16 * np.finfo(float).eps * near, near, fw)
            self._footprints = np.ascontiguousarray(fw)
        return self._footprints

    def _check_footprints_fit(self):
        if self.n == 1 and self.footprints.max() > _kernels.PAD - 1 + 1e-9:
            raise ValueError(f"offset spacing {self.t_spacing:g} is finer than the grid step allows: the "
                             f"cell footprint spans {self.footprints.max():.3g} offset steps (at most "
                             f"{_kernels.PAD - 1}); use offsets with spacing >= "
                             f"{self.footprints.max() * self.t_spacing / (_kernels.PAD - 1):g}")

    def _splat_grid(self, f2d, scale):
        shape = np.asarray(self.grid_shape, dtype=np.int64)
        if self.kernel == "box":
            self._check_footprints_fit()
            out = np.zeros((self.m, self.n_offsets + 2 * _kernels.PAD))
            _kernels.splat_grid_1(f2d, shape, self.origin, self.spacing, *self._kernel_args(), scale, out)
            return out[:, _kernels.PAD:_kernels.PAD + self.n_offsets]
        out = np.zeros((self.m, self.n_offsets ** self.n))
        splat = {2: _kernels.splat_grid_2, 3: _kernels.splat_grid_3}.get(self.n, _kernels.splat_grid_n)
        splat(f2d, shape, self.origin, self.spacing, *self._kernel_args(), scale, out)
        return out

    def _gather_grid(self, g2d, weights, lrange=None, footprint=None):
        out = np.zeros((int(np.prod(self.grid_shape[:-1])), self.grid_shape[-1]))
        shape = np.asarray(self.grid_shape, dtype=np.int64)
        if self.kernel == "box" or (self.n == 1 and footprint is not None and not footprint.any()):
            self._check_footprints_fit()
            gp = np.pad(g2d, ((0, 0), (_kernels.PAD, _kernels.PAD)))
            if lrange is None:
                lrange = np.zeros((out.shape[0], 2), dtype=np.int64)
                lrange[:, 1] = out.shape[1]
            frames, fw, t0, ht, T = self._kernel_args(footprint)
            if not fw.any():  # the hat (inverse): frames summed in a vectorised inner loop
                _kernels.backproject_grid_1_hat(gp, weights, shape, self.origin, self.spacing,
                                                frames, t0, ht, T, lrange, out)
            else:
                _kernels.backproject_grid_1(gp, weights, shape, self.origin, self.spacing,
                                            frames, fw, t0, ht, T, lrange, out)
        elif self.n in (2, 3) and footprint is not None and not footprint.any():
            # the hat (inverse): frames summed in a vectorised inner loop
            frames, _, t0, ht, T = self._kernel_args(footprint)
            _kernels.backproject_grid_hat(g2d, weights, shape, self.origin, self.spacing, frames, t0, ht, T, out)
        else:
            gather = {2: _kernels.backproject_grid_2, 3: _kernels.backproject_grid_3}.get(
                self.n, _kernels.backproject_grid_n)
            gather(g2d, weights, shape, self.origin, self.spacing, *self._kernel_args(footprint), out)
        return out.reshape(self.grid_shape)

    def _check_sinogram(self, g, name="g"):
        g = as_float_array(g, name)
        if g.shape != self.sinogram_shape:
            raise ValueError(f"{name} must have shape {self.sinogram_shape} (frames, offsets…), got {g.shape}")
        return np.ascontiguousarray(g.reshape(self.m, -1))

    def _check_points(self, points, name="points"):
        pts = as_float_array(points, name, ndim=2)
        if pts.shape[1] != self.d:
            raise ValueError(f"{name} must have shape (P, {self.d}), got {pts.shape}")
        reach = (float(np.abs(pts).max()) * np.sqrt(self.d) + abs(self.t0)) / self.t_spacing
        if not reach < 2.0 ** 52:
            raise ValueError(f"{name} lie up to {reach:.3g} offset steps of {self.t_spacing:g} from the origin; "
                             f"at most 2**52 are supported")
        return pts

    # ------------------------------------------------------------------ public
    def forward(self, f, *, quad_order=64, quad_radius=None, client=None, block_size=None, zarr_store=None):
        """k-plane transform R_k f on (frames × offset grid).

        Parameters
        ----------
        f : ndarray or callable
            Values on the grid (shape ``grid_shape``), masses at the points (shape (P,))
            for a point-cloud transform, or a callable f(x) taking an array (..., d) and
            returning (...); a callable is integrated over each k-plane with a tensor
            Gauss–Legendre rule of ``quad_order`` nodes per plane axis on
            [−quad_radius, quad_radius]ᵏ (default: the radius of the offset grid), so f
            should be negligible outside that ball.
        client : dask.distributed.Client or str, optional
            Split the frames into blocks computed on this Dask cluster (or the scheduler
            at this address); f is scattered once.  The result is then a dask array
            chunked by blocks, equal to the single-machine result bit for bit (see the
            cluster guide).
        block_size : int, optional
            Frames per block with ``client`` or ``zarr_store`` (default: four blocks per
            worker thread).
        zarr_store : path or URL, optional
            Write the sinogram block by block to a Zarr array there (by the workers with
            ``client``, so a path all workers share; in this process without) and return
            it as a dask array.

        Returns
        -------
        ndarray of shape ``sinogram_shape``: samples of R_k f(Θ_j, t) (a density in t); a
        dask array with ``client`` or ``zarr_store``.
        """
        if client is not None or zarr_store is not None:
            from . import _distributed

            return _distributed.forward(self, f, client=client, block_size=block_size, zarr_store=zarr_store,
                                        quad_order=quad_order, quad_radius=quad_radius)
        _no_blocks_without_client(block_size)
        if callable(f):
            return self._forward_callable(f, quad_order, quad_radius)
        f = as_float_array(f, "f")
        if f.shape != self.domain_shape:
            raise ValueError(f"f must have shape {self.domain_shape}, got {f.shape}")
        scale = self.cell_volume / self.t_spacing ** self.n
        if self.grid_shape is not None:
            out = self._splat_grid(np.ascontiguousarray(f.reshape(-1, self.grid_shape[-1])), scale)
        else:
            out = self._splat_points(self.points, f, scale)
        _check_finite_result(out, "f")
        return out.reshape(self.sinogram_shape)

    def _splat_points(self, points, masses, scale, footprint=None):
        out = np.zeros((self.m, self.n_offsets ** self.n))
        _kernels.splat_points(points, masses, *self._kernel_args(footprint), scale, out)
        return out

    def forward_measure(self, points, masses):
        """Transform of the atomic measure Σ_p masses_p δ_{x_p}: Σ_p masses_p δ(Θᵀx_p − t),
        each Dirac discretised by the hat function on the offset grid (mass preserved)."""
        pts = self._check_points(points)
        ms = as_float_array(masses, "masses", ndim=1)
        if ms.shape[0] != pts.shape[0]:
            raise ValueError(f"masses must have one entry per point ({pts.shape[0]}), got {ms.shape}")
        out = self._splat_points(pts, ms, 1.0 / self.t_spacing ** self.n, np.zeros((self.m, self.n)))
        _check_finite_result(out, "masses")
        return out.reshape(self.sinogram_shape)

    def _forward_callable(self, f, quad_order, quad_radius):
        q = check_int(quad_order, "quad_order", minimum=2)
        rad = float(np.abs(self.offsets).max()) if quad_radius is None else check_positive(quad_radius, "quad_radius")
        nodes, wq = np.polynomial.legendre.leggauss(q)
        nodes, wq = nodes * rad, wq * rad
        grids = np.meshgrid(*([nodes] * self.k), indexing="ij")
        S = np.stack([g.ravel() for g in grids], axis=1)  # (q^k, k)
        W = np.prod(np.meshgrid(*([wq] * self.k), indexing="ij"), axis=0).ravel()
        tp = self.offset_points().reshape(-1, self.n)  # (T^n, n)
        perp = complete_frame(self.frames)  # (m, d, k)
        out = np.empty((self.m, tp.shape[0]))
        for j in range(self.m):
            base = tp @ self.frames[j].T  # (T^n, d)
            along = S @ perp[j].T  # (q^k, d)
            for lo in range(0, tp.shape[0], max(1, 2 ** 20 // S.shape[0])):
                hi = min(tp.shape[0], lo + max(1, 2 ** 20 // S.shape[0]))
                x = base[lo:hi, None, :] + along[None, :, :]
                try:
                    vals = np.asarray(f(x), dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise TypeError(f"the callable f must return real numbers for points of shape "
                                    f"(..., {self.d}): {exc}") from None
                if vals.shape != x.shape[:-1]:
                    raise ValueError(f"the callable f must map points of shape (..., {self.d}) to shape (...), "
                                     f"got {vals.shape} for input {x.shape}")
                out[j, lo:hi] = vals @ W
        if not np.all(np.isfinite(out)):
            raise ValueError("the callable f returned NaN or infinite values")
        return out.reshape(self.sinogram_shape)

    def adjoint(self, g, points=None, *, client=None, block_size=None):
        """Backprojection R_k^* g(x) = Σ_j w_j g(Θ_j, Θ_jᵀx) (multilinear interpolation in t).

        Parameters
        ----------
        g : ndarray, shape ``sinogram_shape``
        points : array_like (P, d), optional
            Where to evaluate; default the grid (shape ``grid_shape``) or the point cloud.
        client : dask.distributed.Client or str, optional
            Backproject frame blocks on this Dask cluster and add the partial volumes in
            a binary tree; g may be a numpy or a dask array (e.g. from ``forward``).  Equal
            to the single-machine result up to the order of the sum over frames.
        block_size : int, optional
            Frames per block with ``client`` (default: four blocks per worker thread).

        Returns
        -------
        ndarray: R_k^* g on the grid, or at the points (P,).
        """
        if client is not None:
            from . import _distributed

            return _distributed.adjoint(self, g, points, client=client, block_size=block_size)
        _no_blocks_without_client(block_size)
        g2 = self._check_sinogram(g)
        return _check_finite_result(self._backproject(g2, self.weights, points), "g")

    def _backproject(self, g2, weights, points, footprint=None):
        if points is None and self.grid_shape is not None:
            return self._gather_grid(g2, weights, footprint=footprint)
        pts = self.points if points is None else self._check_points(points)
        out = np.empty(pts.shape[0])
        _kernels.backproject_points(g2, weights, pts, *self._kernel_args(np.zeros((self.m, self.n))), out)
        return out

    def filter(self, g, filter_name="ramp"):
        """Apply (−Δ_t)^{k/2} (multiplier :math:`|w|^k`, optionally windowed) to transformed data."""
        g = as_float_array(g, "g")
        if g.shape != self.sinogram_shape:
            raise ValueError(f"g must have shape {self.sinogram_shape}, got {g.shape}")
        return fourier_filter(g, self.t_spacing, order=self.k, n_axes=self.n, filter_name=filter_name)

    def inverse(self, g, *, filter_name="ramp", points=None, client=None, block_size=None):
        """Filtered backprojection f = (c_{d,k}/M) R_k^* (−Δ_t)^{k/2} g.

        c_{d,k} = Γ((d−k)/2)/((4π)^{k/2} Γ(d/2)) (probability measure; Helgason's k-plane
        inversion in the normalisation of 2310.01233, [derived] in docs/theory/kplane.md §Inversion and
        checked in the tests), M the total mass of the quadrature weights' measure.  The
        result does not depend on ``measure``.

        The backprojection here evaluates the filtered data by multilinear interpolation
        in t at each output point (footprint 0), which blurs less than the cell-footprint
        weights of :meth:`adjoint`; the inverse need not be a transpose.

        With ``client`` (and ``block_size``) each frame block is filtered and
        backprojected on a Dask worker and the partial volumes are tree-summed, as in
        :meth:`adjoint`.
        """
        if client is not None:
            from . import _distributed

            return _distributed.inverse(self, g, filter_name=filter_name, points=points, client=client,
                                        block_size=block_size)
        _no_blocks_without_client(block_size)
        filtered = self.filter(g, filter_name=filter_name)
        c = inversion_constant(self.d, self.k, self.measure)
        g2 = np.ascontiguousarray(filtered.reshape(self.m, -1))
        return c * self._backproject(g2, self.weights, points, footprint=np.zeros((self.m, self.n)))

    def aslinearoperator(self) -> LinearOperator:
        """scipy ``LinearOperator`` A with A·vec(f) = vec(R_k f) and Aᵀ its exact transpose.

        ``rmatvec`` is the backprojection with weights h^d/h_tⁿ per frame (the plain
        transpose of the forward matrix), so ``scipy.sparse.linalg.cg`` and ``lsqr`` solve
        least-squares problems with it directly.
        """
        nin = int(np.prod(self.domain_shape))
        nout = int(np.prod(self.sinogram_shape))
        tw = np.full(self.m, self.cell_volume / self.t_spacing ** self.n)

        def matvec(v):
            return self.forward(np.asarray(v, dtype=np.float64).reshape(self.domain_shape)).ravel()

        def rmatvec(v):
            g2 = np.ascontiguousarray(np.asarray(v, dtype=np.float64).reshape(self.m, -1))
            return self._backproject(g2, tw, None).ravel()

        return LinearOperator((nout, nin), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)

    def __repr__(self):
        where = f"grid {self.grid_shape}" if self.grid_shape is not None else f"{self.points.shape[0]} points"
        return (f"KPlaneTransform(d={self.d}, k={self.k}, {where}, {self.m} frames, "
                f"{self.n_offsets} offsets per axis, measure={self.measure!r})")
