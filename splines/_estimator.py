"""The scikit-learn base shared by every estimator of :mod:`ridgekit.splines`.

Conventions (scikit-learn's): parameters are stored unchanged by ``__init__`` and
validated in ``fit`` against ``_parameter_constraints``; ``fit(X, y)`` takes X of shape
(n_samples, n_features) and returns ``self``; fitted attributes end in ``_``; the fitted
function is ``network_`` (a :class:`ridgekit.nets.ShallowNetwork`) and ``predict``
evaluates it; ``certificate_`` is a :class:`ridgekit.splines.Certificate`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["NetworkRegressor", "RANDOM_STATE"]

#: ``_parameter_constraints`` entry of ``random_state``: what :func:`ridgekit._validation.as_generator` takes.
RANDOM_STATE = [None, Interval(Integral, 0, None, closed="left"), np.random.Generator, np.random.SeedSequence]


class NetworkRegressor(RegressorMixin, BaseEstimator):
    """Base class: validation of (X, y, sample_weight) and ``predict`` through ``network_``.

    Subclasses set ``_multi_output`` (y of shape (n_samples, n_targets) accepted) and
    ``_n_features`` (a fixed number of input features, e.g. 1 for the univariate splines;
    None for any).
    """

    _multi_output = False
    _n_features = None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = self._multi_output
        tags.target_tags.single_output = True
        return tags

    def _validate_fit_data(self, X, y, sample_weight=None):
        """X (n, d) float64, y (n,) or (n, D) float64 and the sample weights (or None)."""
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, multi_output=self._multi_output)
        self._check_n_features(X)
        if self._multi_output and y.ndim == 2 and y.shape[1] == 0:
            raise ValueError(f"y must have at least one target column, got shape {y.shape}")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            if not np.any(sample_weight > 0):
                raise ValueError("sample_weight must have a positive entry (all weights are zero)")
        return X, y, sample_weight

    def _check_n_features(self, X):
        if self._n_features is not None and X.shape[1] != self._n_features:
            raise ValueError(f"{type(self).__name__} is univariate: X must have shape (n_samples, "
                             f"{self._n_features}), got {X.shape[1]} features")

    def _validate_predict_data(self, X):
        check_is_fitted(self, "network_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def predict(self, X):
        """The fitted function at the rows of X (n_samples, n_features): shape (n_samples,)
        or (n_samples, n_targets) as the training y."""
        X = self._validate_predict_data(X)
        return np.asarray(self.network_(X), dtype=np.float64)
