"""splines package."""

from ._certificate import COVERS, Certificate
from .arrangements import enumerate_patterns, sample_patterns
from .besov import besov_norm, besov_sequence_norm
from .compress import compress_layer
from .kplane_regressor import KPlaneRegressor, frame_distance
from .multitask import multitask_lasso, multitask_lasso_path
from .polyharmonic import PolyharmonicSpline
from .rates import crossover_sample_size, nla_minimax_rate, optimal_recovery_rate
from .ridge import RidgeSplineRegressor, relu_sup_norm
from .tv2 import ConvergenceError, TV2Spline, fit_tv2, lambda_max, tv2_path
from .tv2_lp import TV2LPSpline, fit_tv2_lp
from .vv import MultiTaskRidgeSplineRegressor, width_bound_experiment

__all__ = ["besov_norm", "besov_sequence_norm", "nla_minimax_rate", "optimal_recovery_rate",
           "crossover_sample_size", "fit_tv2", "TV2Spline", "tv2_path", "lambda_max",
           "fit_tv2_lp", "TV2LPSpline",
           "ConvergenceError", "multitask_lasso", "multitask_lasso_path",
           "MultiTaskRidgeSplineRegressor", "width_bound_experiment", "compress_layer",
           "PolyharmonicSpline", "KPlaneRegressor", "frame_distance",
           "RidgeSplineRegressor", "relu_sup_norm", "enumerate_patterns", "sample_patterns",
           "Certificate", "COVERS"]
