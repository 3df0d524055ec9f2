"""splines package."""

from .besov import besov_norm, besov_sequence_norm
from .rates import crossover_sample_size, nla_minimax_rate, optimal_recovery_rate
from .tv2 import ConvergenceError, TV2Spline, fit_tv2, lambda_max, tv2_path

__all__ = ["besov_norm", "besov_sequence_norm", "nla_minimax_rate", "optimal_recovery_rate",
           "crossover_sample_size", "fit_tv2", "TV2Spline", "tv2_path", "lambda_max",
           "ConvergenceError"]
