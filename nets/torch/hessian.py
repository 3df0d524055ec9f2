"""Hessian spectra of a loss through Hessian-vector products: Lanczos and Hutchinson.

Everything here works for *any* zero-argument closure ``loss_fn()`` returning a scalar
tensor and any list of parameter tensors (leaves with ``requires_grad``): the gradient
g = ∇L is built once with ``create_graph=True`` and each product Hv = ∇(gᵀv) is one
double-backward pass (Pearlmutter's trick), as in PyHessian.

Used for the sharpness λ_max(∇²L(θ)) of arXiv 2506.20779: linear stability of GD with
step η is λ_max ≤ 2/η (their Prop. 2.1, from Chemnitz & Engel 2025), and at the edge of
stability λ_max hovers around 2/η (docs/theory/flat_minima.md).  The paper does not say how it
measured λ_max; we use Lanczos with full reorthogonalisation.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import torch

from ridgekit._validation import check_int, check_positive

__all__ = ["LanczosNoConvergence", "HessianOperator", "hessian_eigenvalues", "hessian_trace"]


class LanczosNoConvergence(RuntimeError):
    """Lanczos did not reach the requested tolerance within ``max_iter`` products.

    Attributes ``values`` (the Ritz values reached) and ``residuals`` (their residual
    bounds) hold the last iterate.
    """

    def __init__(self, message, values=None, residuals=None):
        super().__init__(message)
        self.values = values
        self.residuals = residuals


def _check_params(params):
    params = list(params)
    if not params:
        raise ValueError("params must be a non-empty list of tensors")
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"params[{i}] must be a torch.Tensor, got {type(p).__name__}")
        if not p.requires_grad:
            raise ValueError(f"params[{i}] (shape {tuple(p.shape)}) does not require grad")
        if not p.is_floating_point():
            raise TypeError(f"params[{i}] must be floating point, got {p.dtype}")
    dtypes = {p.dtype for p in params}
    if len(dtypes) != 1:
        raise TypeError(f"params must share one dtype, got {sorted(map(str, dtypes))}")
    return params


class HessianOperator:
    """The Hessian ∇²L(θ) at the current parameter values, as a matrix-free operator.

    Parameters
    ----------
    loss_fn : callable
        Zero-argument closure returning the scalar loss L(θ) (a tensor).
    params : list of tensors
        The parameters θ (leaves with ``requires_grad=True``), one dtype.

    Notes
    -----
    The gradient graph is built once, at construction; build a new operator after the
    parameters change.  Vectors are flat tensors of length :attr:`size` (parameters
    concatenated in the order given, each flattened row-major), in the parameters' dtype
    and device.  :attr:`n_matvec` counts products.

    Examples
    --------
    L(x, y) = x²y + y³ at (1, 2): ∇²L = [[2y, 2x], [2x, 6y]] = [[4, 2], [2, 12]].

    >>> x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    >>> y = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    >>> H = HessianOperator(lambda: x ** 2 * y + y ** 3, [x, y])
    >>> H.matvec(torch.tensor([1.0, 0.0], dtype=torch.float64)).tolist()
    [4.0, 2.0]
    """

    def __init__(self, loss_fn, params):
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be a zero-argument callable, got {type(loss_fn).__name__}")
        self.params = _check_params(params)
        loss = loss_fn()
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError("loss_fn() must return a scalar tensor")
        grads = torch.autograd.grad(loss.reshape(()), self.params, create_graph=True, allow_unused=True)
        self._pairs = [(i, g) for i, g in enumerate(grads) if g is not None and g.requires_grad]
        self.shapes = [p.shape for p in self.params]
        self.sizes = [p.numel() for p in self.params]
        self.size = int(sum(self.sizes))
        self.dtype = self.params[0].dtype
        self.device = self.params[0].device
        self.loss = float(loss.detach())
        self.gradient = torch.cat([(torch.zeros_like(p) if g is None else g.detach()).reshape(-1)
                                   for p, g in zip(self.params, grads)])
        self.n_matvec = 0

    def split(self, v):
        """Flat vector → list of tensors shaped like the parameters."""
        return [t.reshape(s) for t, s in zip(torch.split(v, self.sizes), self.shapes)]

    def matvec(self, v):
        """H v for a flat vector v (length :attr:`size`)."""
        v = torch.as_tensor(v, dtype=self.dtype, device=self.device).reshape(-1)
        if v.numel() != self.size:
            raise ValueError(f"v must have {self.size} entries, got {v.numel()}")
        self.n_matvec += 1
        out = [torch.zeros_like(p).reshape(-1) for p in self.params]
        if self._pairs:
            vs = self.split(v)
            hv = torch.autograd.grad([g for _, g in self._pairs], self.params,
                                     grad_outputs=[vs[i] for i, _ in self._pairs],
                                     retain_graph=True, allow_unused=True)
            out = [o if h is None else h.reshape(-1) for o, h in zip(out, hv)]
        return torch.cat(out).detach()

    def aslinearoperator(self):
        """A ``scipy.sparse.linalg.LinearOperator`` (float64 numpy vectors, CPU round trip)."""
        from scipy.sparse.linalg import LinearOperator

        mv = lambda x: self.matvec(torch.as_tensor(np.asarray(x).reshape(-1))).cpu().double().numpy()
        return LinearOperator((self.size, self.size), matvec=mv, rmatvec=mv, dtype=np.float64)


def _default_tol(dtype):
    return 1e-8 if dtype == torch.float64 else 1e-4


def hessian_eigenvalues(loss_fn, params, k: int = 1, *, tol=None, max_iter=None, seed: int = 0,
                        v0=None, return_info: bool = False, return_eigenvectors: bool = False):
    """The k largest (algebraic) eigenvalues of ∇²L(θ) by Lanczos on Hessian-vector products.

    Parameters
    ----------
    loss_fn : callable
        Zero-argument closure returning the scalar loss (a tensor).
    params : list of tensors
        Parameters θ with ``requires_grad=True`` (one dtype, one device).
    k : int
        Number of eigenvalues, largest first (λ₁ = λ_max is the sharpness).
    tol : float, optional
        Relative residual tolerance: stop when every wanted Ritz pair (θᵢ, yᵢ) has
        ‖H yᵢ − θᵢ yᵢ‖ ≤ tol :math:`· maxⱼ |θⱼ|` (computed as :math:`βⱼ |e_jᵀ sᵢ|; maxⱼ |θⱼ| ≤ ‖H‖₂` is
        the spectral-radius estimate).  Default 1e-8 in float64, 1e-4 in float32.
    max_iter : int, optional
        Maximum number of Hessian-vector products (default min(size, 500)).
    seed : int
        Seed of the private generator for the start vector (and restarts).
    v0 : tensor or list of tensors, optional
        Start vector (e.g. the previous top eigenvector, for tracking during training).
    return_info : bool
        Also return a dict: ``n_hvp``, ``residuals`` (the bounds above), ``iterations``.
    return_eigenvectors : bool
        Also return the Ritz vectors, as a (size, k) tensor (flat, parameter order).

    Returns
    -------
    values : ndarray (k,), float64, descending
    [eigenvectors], [info]

    Raises
    ------
    LanczosNoConvergence
        If ``max_iter`` products do not reach ``tol``.

    Notes
    -----
    Lanczos with full reorthogonalisation (twice, classical Gram–Schmidt), Ritz values
    from the tridiagonal matrix in float64 (``scipy.linalg.eigh_tridiagonal``).  If the
    Krylov space becomes invariant (βⱼ ≈ 0, e.g. a rank-one Hessian) its Ritz values are
    exact eigenvalues and the iteration restarts from a random vector orthogonal to it.
    Accuracy: for a symmetric H each returned θᵢ lies within its residual bound of an
    eigenvalue of H (Kahan–Parlett), and within residual²/gap if the eigenvalue is
    separated by ``gap`` from the rest.  As with every Krylov method, that this eigenvalue
    is the i-th largest is not guaranteed in exact arithmetic; a random start makes a
    miss improbable.

    Examples
    --------
    L(θ) = ½ θᵀ A θ has Hessian A:

    >>> A = torch.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]], dtype=torch.float64)
    >>> th = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    >>> vals = hessian_eigenvalues(lambda: 0.5 * th @ A @ th, [th], k=2)
    >>> bool(np.allclose(vals, np.linalg.eigvalsh(A.numpy())[::-1][:2], rtol=1e-12))
    True
    """
    H = HessianOperator(loss_fn, params)
    k = check_int(k, "k", minimum=1, maximum=H.size)
    tol = _default_tol(H.dtype) if tol is None else check_positive(tol, "tol")
    max_iter = min(H.size, 500) if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
    gen = torch.Generator(device="cpu").manual_seed(check_int(seed, "seed", minimum=0))
    eps = torch.finfo(H.dtype).eps

    def random_vector():
        return torch.randn(H.size, generator=gen, dtype=torch.float64).to(device=H.device, dtype=H.dtype)

    if v0 is None:
        q = random_vector()
    else:
        q = torch.cat([torch.as_tensor(t).reshape(-1) for t in v0]) if isinstance(v0, (list, tuple)) \
            else torch.as_tensor(v0).reshape(-1)
        q = q.to(device=H.device, dtype=H.dtype).clone()
        if q.numel() != H.size:
            raise ValueError(f"v0 must have {H.size} entries, got {q.numel()}")
    q = q / torch.linalg.norm(q)
    n_max = min(max_iter, H.size)
    Q = torch.empty((min(n_max, 32) + 1, H.size), dtype=H.dtype, device=H.device)   # grown by doubling
    Q[0] = q
    alphas, betas = [], []
    theta = S = res = None
    beta = 0.0
    for j in range(n_max):
        w = H.matvec(Q[j])
        alpha = float(torch.dot(Q[j], w))
        w = w - alpha * Q[j]
        if j > 0:
            w = w - betas[-1] * Q[j - 1]
        for _ in range(2):                       # full reorthogonalisation, twice
            w = w - Q[:j + 1].T @ (Q[:j + 1] @ w)
        beta = float(torch.linalg.norm(w))
        alphas.append(alpha)
        if len(alphas) == 1:
            theta, S = np.array([alpha]), np.ones((1, 1))
        else:
            theta, S = scipy.linalg.eigh_tridiagonal(np.array(alphas), np.array(betas))
        theta, S = theta[::-1], S[:, ::-1]
        scale = max(abs(theta[0]), abs(theta[-1]), eps)
        res = beta * np.abs(S[-1, :])
        m = min(k, len(theta))
        ok = m == k and bool(np.all(res[:k] <= tol * scale))
        if ok or j + 1 == H.size:
            break
        if j + 2 > Q.shape[0]:
            Q = torch.cat([Q, torch.empty((min(Q.shape[0], n_max + 1 - Q.shape[0]), H.size),
                                          dtype=H.dtype, device=H.device)])
        if beta <= 64 * eps * scale * math.sqrt(H.size):     # invariant subspace: restart
            r = random_vector()
            for _ in range(2):
                r = r - Q[:j + 1].T @ (Q[:j + 1] @ r)
            nr = float(torch.linalg.norm(r))
            if nr <= eps:
                break
            Q[j + 1] = r / nr
            betas.append(0.0)
            beta = 0.0
        else:
            Q[j + 1] = w / beta
            betas.append(beta)
    else:
        raise LanczosNoConvergence(f"Lanczos did not reach tol={tol:g} in {max_iter} Hessian-vector products "
                                   f"(residual bounds {res[:k].tolist()})", values=theta[:k].copy(),
                                   residuals=res[:k].copy())
    if len(theta) < k:
        raise LanczosNoConvergence(f"the Krylov space has dimension {len(theta)} < k = {k}",
                                   values=theta.copy(), residuals=res.copy())
    values = np.ascontiguousarray(theta[:k], dtype=np.float64)
    out = [values]
    if return_eigenvectors:
        n = len(alphas)
        Sk = torch.as_tensor(S[:, :k].copy(), dtype=H.dtype, device=H.device)
        out.append(Q[:n].T @ Sk)
    if return_info:
        out.append({"n_hvp": H.n_matvec, "residuals": np.ascontiguousarray(res[:k]),
                    "iterations": len(alphas), "loss": H.loss})
    return out[0] if len(out) == 1 else tuple(out)


def hessian_trace(loss_fn, params, *, n_samples: int = 100, seed: int = 0):
    """Hutchinson's estimate of tr ∇²L(θ): the mean of zᵀHz over Rademacher vectors z.

    Parameters
    ----------
    loss_fn, params
        As in :func:`hessian_eigenvalues`.
    n_samples : int
        Number of probe vectors (one Hessian-vector product each).
    seed : int
        Seed of the private generator of the probes.

    Returns
    -------
    estimate, standard_error : float
        E[zᵀHz] = tr H for Rademacher z; Var(zᵀHz) = 2 Σ_{i≠j} H_ij² (Hutchinson 1990), so
        the standard error is the sample standard deviation over √n_samples.

    Examples
    --------
    A diagonal Hessian is recovered exactly by every Rademacher probe (zᵢ² = 1):

    >>> th = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    >>> d = torch.tensor([1.0, 2.0, 5.0], dtype=torch.float64)
    >>> hessian_trace(lambda: 0.5 * (d * th ** 2).sum(), [th], n_samples=4)
    (8.0, 0.0)
    """
    H = HessianOperator(loss_fn, params)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    gen = torch.Generator(device="cpu").manual_seed(check_int(seed, "seed", minimum=0))
    vals = np.empty(n_samples)
    for i in range(n_samples):
        z = (torch.randint(0, 2, (H.size,), generator=gen, dtype=torch.int64) * 2 - 1)
        z = z.to(device=H.device, dtype=H.dtype)
        vals[i] = float(torch.dot(z, H.matvec(z)))
    se = float(vals.std(ddof=1) / math.sqrt(n_samples)) if n_samples > 1 else float("inf")
    return float(vals.mean()), se
