"""splines package."""

from .besov import besov_norm, besov_sequence_norm
from .rates import crossover_sample_size, nla_minimax_rate, optimal_recovery_rate

__all__ = ["besov_norm", "besov_sequence_norm", "nla_minimax_rate", "optimal_recovery_rate",
           "crossover_sample_size"]
