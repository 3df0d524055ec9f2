"""One estimator API: every fit/predict class of ridgekit.splines is a scikit-learn regressor.

scikit-learn's common estimator checks run on each estimator in the default test run,
with parameters that keep each fit small (the checks generate their own data, up to a
few hundred samples and ten features).  A check is listed as an expected failure only
where it is mathematically inapplicable, with the reason; the suite runs with
``xfail_strict``, so such a check must really fail.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import SkipTestWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from ridgekit.nets.network import ShallowNetwork
from ridgekit.splines import (
    COVERS,
    Certificate,
    KPlaneRegressor,
    MultiTaskRidgeSplineRegressor,
    PolyharmonicSpline,
    RidgeSplineRegressor,
    TV2LPSpline,
    TV2Spline,
    fit_tv2,
    fit_tv2_lp,
)
from ridgekit.splines.multitask import LassoConvergenceWarning

#: small, fast instances (the solvers' defaults target accuracy, not the checks' speed)
ESTIMATORS = [
    TV2Spline(lam=1e-2),
    TV2LPSpline(lam=1e-2),
    RidgeSplineRegressor(lam=1e-1, max_iter=2, max_atoms=8, exact_max_n=20, random_state=0),
    MultiTaskRidgeSplineRegressor(alpha=1e-3, n_directions=4, n_check=8, max_rounds=3, exact_max_n=20,
                                  tol=1e-4, max_iter=500, random_state=0),
    PolyharmonicSpline(smoothing=1e-3),
    KPlaneRegressor(alpha=1e-3, n_candidates=50, n_refine=1, max_atoms=3, sliding=False, lasso_tol=1e-6,
                    random_state=0),
]

#: checks that fit X with several features: a univariate (d = 1) spline rejects them
#: (ValueError naming the feature count), so they cannot pass for TV2Spline / TV2LPSpline
_MULTI_FEATURE_CHECKS = [
    "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self", "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_sample_weights_not_an_array",
    "check_sample_weights_list", "check_all_zero_sample_weights_error", "check_sample_weights_shape",
    "check_sample_weights_not_overwritten", "check_sample_weight_equivalence_on_dense_data",
    "check_dtype_object", "check_pipeline_consistency", "check_estimators_nan_inf", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_regressors_train", "check_regressor_data_not_an_array",
    "check_regressors_no_decision_function", "check_supervised_y_2d", "check_regressors_int",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_fit2d_1sample",
    "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in",
    "check_fit2d_predict1d",
]
_UNIVARIATE = "univariate spline (d = 1): the check fits X with several features, which it rejects"


def _expected_failed_checks(estimator):
    if isinstance(estimator, (TV2Spline, TV2LPSpline)):
        return dict.fromkeys(_MULTI_FEATURE_CHECKS, _UNIVARIATE)
    return {}


@pytest.fixture(autouse=True)
def _quiet_checks():
    # SkipTestWarning: checks that do not apply here (pandas or the array API not installed)
    # report themselves through it; RuntimeWarning and LassoConvergenceWarning: the small
    # max_iter / tol chosen for speed is reached on the checks' random data, which the
    # certificate reports (its duality gap)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkipTestWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", LassoConvergenceWarning)
        yield


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_common_checks(estimator, check):
    check(estimator)


# ------------------------------------------------------------------ shared conventions
def _data(rng, n, d, D=None):
    X = rng.uniform(-1, 1, (n, d))
    y = np.abs(X[:, 0]) + 0.5 * X[:, -1] + 0.01 * rng.standard_normal(n)
    if D:
        y = np.c_[y, X.sum(1) ** 2][:, :D]
    return X, y


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_network_certificate_and_fitted_attributes(estimator, rng):
    d = 1 if isinstance(estimator, (TV2Spline, TV2LPSpline)) else 2
    X, y = _data(rng, 25, d)
    est = clone(estimator).fit(X, y)
    # network_ is the fitted function
    assert isinstance(est.network_, ShallowNetwork)
    np.testing.assert_allclose(est.predict(X), np.asarray(est.network_(X)).reshape(est.predict(X).shape),
                               rtol=1e-12, atol=1e-12)
    # one certificate type, consistent with the estimator's own numbers
    c = est.certificate_
    assert isinstance(c, Certificate) and c.covers in COVERS
    assert c.objective == est.objective_ and c.duality_gap == est.duality_gap_
    assert c.duality_gap >= 0 and c.lower_bound == c.objective - c.duality_gap
    # fitted attributes end in "_"; parameters are untouched by fit
    assert est.get_params() == estimator.get_params()
    assert est.n_features_in_ == d
    est2 = pickle.loads(pickle.dumps(est))
    assert est2.certificate_ == c
    np.testing.assert_array_equal(est2.predict(X), est.predict(X))


def test_certificate_is_frozen_and_validated():
    c = Certificate.from_gap(2.0, 0.5, covers="global", problem="p", method="m")
    assert c.lower_bound == 1.5 and c.is_global and c.relative_gap == 0.25
    with pytest.raises(AttributeError):
        c.objective = 1.0
    with pytest.raises(ValueError, match="covers"):
        Certificate.from_gap(1.0, 0.0, covers="everything", problem="p", method="m")
    assert "duality gap" in str(c)


def test_functional_forms_equal_the_estimators(rng):
    x = np.sort(rng.uniform(0, 1, 30))
    y = np.sin(6 * x) + 0.05 * rng.standard_normal(30)
    a, b = fit_tv2(x, y, 1e-2), TV2Spline(1e-2).fit(x[:, None], y)
    np.testing.assert_array_equal(a.knots_, b.knots_)
    assert a.objective_ == b.objective_
    a, b = fit_tv2_lp(x, y, 1e-2), TV2LPSpline(1e-2).fit(x[:, None], y)
    np.testing.assert_array_equal(a.predict(x[:, None]), b.predict(x[:, None]))


@pytest.mark.parametrize("cls, bad, match", [
    (TV2Spline, {"lam": -1.0}, "'lam' parameter"),
    (TV2Spline, {"sparsest": "yes"}, "'sparsest' parameter"),
    (TV2LPSpline, {"loss": "squared"}, "'loss' parameter"),
    (RidgeSplineRegressor, {"solver": "bogus"}, "'solver' parameter"),
    (MultiTaskRidgeSplineRegressor, {"alpha": 0.0}, "'alpha' parameter"),
    (PolyharmonicSpline, {"kernel": "gaussian"}, "'kernel' parameter"),
    (KPlaneRegressor, {"random_state": -1}, "'random_state' parameter"),
])
def test_parameters_are_validated_in_fit(cls, bad, match, rng):
    est = cls(**bad)                              # construction stores, never validates
    X, y = _data(rng, 10, 1)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
