"""Estimators for realisations of random processes: moments with standard errors,
variogram, Hurst-exponent fit, Gaussianity of marginals, symmetric-stable fit.

Data layout: ``values`` (n, ...) holds n independent realisations (rows) at fixed
points.  Every estimate comes with its Monte Carlo standard error, so tests can assert
at a stated number of standard errors instead of a loose rtol (tests/test_random_relu.py
uses 4.5).  Used with :class:`nets.RandomReLUProcess` (arXiv 2405.10229).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ridgekit._validation import as_float_array, as_generator, check_int, check_positive

__all__ = [
    "Estimate",
    "HurstFit",
    "GaussianityTest",
    "StableFit",
    "empirical_autocovariance",
    "variogram",
    "hurst_exponent",
    "gaussianity_test",
    "fit_symmetric_stable",
]


class Estimate(NamedTuple):
    """A Monte Carlo estimate and its standard error (elementwise arrays or floats)."""

    value: np.ndarray
    stderr: np.ndarray

    def zscore(self, reference):
        """(value − reference)/stderr; where stderr = 0 (a degenerate, deterministic
        sample) the z-score is 0 if value = reference and ±inf otherwise."""
        diff = np.asarray(self.value, dtype=float) - reference
        se = np.asarray(self.stderr, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = diff / se
        z = np.where(se == 0, np.where(diff == 0, 0.0, np.copysign(np.inf, diff)), z)
        return z if z.ndim else float(z)


class HurstFit(NamedTuple):
    """H with a (bootstrap percentile) confidence interval [low, high] and stderr."""

    H: float
    low: float
    high: float
    stderr: float
    level: float


class GaussianityTest(NamedTuple):
    statistic: float
    pvalue: float
    method: str
    excess_kurtosis: float


class StableFit(NamedTuple):
    """Symmetric α-stable fit: :math:`E e^{iξV} = exp(−(scale |ξ|)^α)`."""

    alpha: float
    scale: float


def _pair(U, V, name_u, name_v):
    U = as_float_array(U, name_u, ndim=None)
    V = U if V is None else as_float_array(V, name_v)
    if U.ndim == 0 or U.shape[0] < 2:
        raise ValueError(f"{name_u} must hold at least 2 realisations along axis 0, got shape {U.shape}")
    if V.shape != U.shape:
        raise ValueError(f"{name_v} must have the shape of {name_u} {U.shape}, got {V.shape}")
    return U, V


def empirical_autocovariance(U, V=None, *, centered: bool = False) -> Estimate:
    """Estimate E[s(x)s(y)] (or Cov) from paired realisations U = s(x), V = s(y).

    Parameters
    ----------
    U, V : array (n, ...)
        n independent realisations at the points x (U) and y (V); V defaults to U
        (second moment).
    centered : bool
        Subtract the sample means (covariance); the standard error then ignores the
        O(1/n) effect of the estimated means.

    Returns
    -------
    Estimate
        value = mean of U·V over axis 0, stderr = std(U·V, ddof=1)/√n.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((100_000, 2))
    >>> est = empirical_autocovariance(z[:, 0], z[:, 0] + z[:, 1])   # E = 1
    >>> bool(abs(est.zscore(1.0)) < 4.5), round(float(est.stderr), 3)
    (True, 0.006)
    """
    U, V = _pair(U, V, "U", "V")
    if centered:
        U = U - U.mean(axis=0)
        V = V - V.mean(axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        P = U * V
        n = P.shape[0]
        est = Estimate(P.mean(axis=0), P.std(axis=0, ddof=1) / np.sqrt(n))
    _check_finite_estimate(est, "U, V")
    return est


def _check_finite_estimate(est, names):
    if not (np.all(np.isfinite(est.value)) and np.all(np.isfinite(est.stderr))):
        raise ValueError(f"{names}: the estimate overflows float64 (values too large); rescale them")


def variogram(U, V) -> Estimate:
    """γ(x, y) = ½ E[(s(x) − s(y))²] from paired realisations, with standard error."""
    U, V = _pair(U, V, "U", "V")
    with np.errstate(over="ignore", invalid="ignore"):
        D = 0.5 * (U - V) ** 2
        est = Estimate(D.mean(axis=0), D.std(axis=0, ddof=1) / np.sqrt(D.shape[0]))
    _check_finite_estimate(est, "U, V")
    return est


def hurst_exponent(values, radii, *, n_boot: int = 200, level: float = 0.95, rng=None) -> HurstFit:
    """Fit H from E[s(r u)²] ∝ r^{2H} along a ray (self-similarity about 0).

    Least squares of log m̂(r_k) on log r_k, m̂ the sample second moments; H = slope/2.
    The confidence interval is the bootstrap percentile interval over realisations
    (rows are resampled together, so the correlation between radii is kept).

    Parameters
    ----------
    values : array (n, K)
        n realisations at the K points r_k u (u a fixed unit vector).
    radii : array (K,)
        r_k > 0 (K ≥ 2, at least two distinct).
    n_boot : int
        Bootstrap replicates.
    level : float
        Confidence level of [low, high].
    rng : None, int or numpy.random.Generator

    Examples
    --------
    Brownian motion has H = 1/2:

    >>> rng = np.random.default_rng(1)
    >>> r = np.linspace(0.2, 1.0, 5)
    >>> B = np.cumsum(rng.standard_normal((4000, 5)) * np.sqrt(np.diff(r, prepend=0.0)), axis=1)
    >>> fit = hurst_exponent(B, r, rng=2)
    >>> bool(fit.low < 0.5 < fit.high)
    True
    """
    values = as_float_array(values, "values", ndim=2)
    radii = as_float_array(radii, "radii", ndim=1)
    n, K = values.shape
    if radii.shape != (K,) or K < 2 or np.any(radii <= 0) or np.ptp(radii) == 0:
        raise ValueError(f"radii must be {K} positive values, not all equal (one per column of values), "
                         f"got {radii.tolist()}")
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    level = check_positive(level, "level")
    if level >= 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    rng = as_generator(rng)
    lr = np.log(radii)
    lr_c = lr - lr.mean()
    den = float(lr_c @ lr_c)

    def slope(sq):
        m = sq.mean(axis=-2)
        return (np.log(m) - np.log(m).mean(axis=-1, keepdims=True)) @ lr_c / den

    with np.errstate(over="ignore"):
        sq = values ** 2
    m = sq.mean(axis=0)
    if not np.all(np.isfinite(m)) or np.any(m <= 0):
        bad = int(np.flatnonzero(~np.isfinite(m) | (m <= 0))[0])
        raise ValueError(f"values: column {bad} has second moment {m[bad]:g}; E[s(r u)²] must be positive "
                         f"and finite at every radius to fit r^(2H)")
    H = 0.5 * float(slope(sq))
    boot = np.empty(n_boot)
    for i in range(n_boot):
        boot[i] = 0.5 * slope(sq[rng.integers(0, n, n)])
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return HurstFit(H, float(lo), float(hi), float(boot.std(ddof=1)), level)


def gaussianity_test(values, *, mean=None, variance=None) -> GaussianityTest:
    """Test that a sample of marginals s(x) is Gaussian.

    With ``variance`` (and optionally ``mean``, default 0) given: one-sample
    Kolmogorov–Smirnov test against N(mean, variance) (simple hypothesis: the
    closed-form variance of a Gaussian limit).  Without: D'Agostino–Pearson K² test
    (composite hypothesis).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> gaussianity_test(2.0 * rng.standard_normal(5000), variance=4.0).pvalue > 0.01
    True
    >>> gaussianity_test(rng.standard_cauchy(5000)).pvalue < 1e-10
    True
    """
    from scipy import stats

    v = as_float_array(values, "values").reshape(-1)
    if v.size < 8:
        raise ValueError(f"values must hold at least 8 samples, got {v.size}")
    if variance is not None:
        check_positive(variance, "variance")
    elif mean is not None:
        raise ValueError("mean is only used together with variance (simple-hypothesis KS test)")
    if np.ptp(v) <= 1e-12 * float(np.max(np.abs(v))) or not np.isfinite(np.ptp(v)):
        raise ValueError(f"values must not be (numerically) constant, got {v.size} samples in "
                         f"[{v.min():g}, {v.max():g}]: no spread to test")
    kurt = float(stats.kurtosis(v))
    if variance is not None:
        var = check_positive(variance, "variance")
        mu = 0.0 if mean is None else float(mean)
        res = stats.kstest(v, "norm", args=(mu, np.sqrt(var)))
        return GaussianityTest(float(res.statistic), float(res.pvalue), "kolmogorov-smirnov", kurt)
    if mean is not None:
        raise ValueError("mean is only used together with variance (simple-hypothesis KS test)")
    res = stats.normaltest(v)
    return GaussianityTest(float(res.statistic), float(res.pvalue), "dagostino-pearson", kurt)


def fit_symmetric_stable(values, *, xi=None) -> StableFit:
    """Fit (α, scale) of a symmetric α-stable sample by its empirical characteristic function.

    For SαS, :math:`log(−log|φ(ξ)|) = α log` scale + α log ξ; regress the empirical version on
    log ξ (Koutrouvelis 1980) at ξ_k = k/(10 s̃), k = 1..10, s̃ a robust scale (half the
    interquartile range), unless ``xi`` is given.

    Examples
    --------
    >>> from ridgekit.nets.random_relu import symmetric_stable_rvs
    >>> fit = fit_symmetric_stable(symmetric_stable_rvs(1.3, 50_000, rng=0, scale=2.0))
    >>> round(fit.alpha, 1), round(fit.scale, 1)
    (1.3, 2.0)
    """
    v = as_float_array(values, "values").reshape(-1)
    if v.size < 100:
        raise ValueError(f"values must hold at least 100 samples, got {v.size}")
    if np.ptp(v) == 0:
        raise ValueError(f"values must not be constant (all {v[0]:g}): a stable law has no atom")
    if xi is None:
        q1, q3 = np.quantile(v, [0.25, 0.75])
        s = max(0.5 * (q3 - q1), np.finfo(float).tiny)
        xi = np.arange(1, 11) / (10 * s)
    xi = as_float_array(xi, "xi", ndim=1)
    phi = np.abs(np.mean(np.cos(np.outer(xi, v)), axis=1))      # symmetric: imaginary part ≈ 0
    ok = (phi > 0) & (phi < 1)
    if ok.sum() < 2:
        raise ValueError("empirical characteristic function is degenerate at the chosen xi")
    yv = np.log(-np.log(phi[ok]))
    lx = np.log(xi[ok])
    alpha, icpt = np.polyfit(lx, yv, 1)
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"values: the fitted index alpha = {alpha:g} is not in (0, 2]; the sample does "
                         f"not look symmetric stable at the chosen xi")
    return StableFit(float(alpha), float(np.exp(icpt / alpha)))
