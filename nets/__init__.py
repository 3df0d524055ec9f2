"""nets: shallow networks as Radon-domain measures, their norms, and the Gaussian-RKHS gap.

Public surface (collected from each module's ``__all__``): :mod:`nets.network`
(``ShallowNetwork``, ``KPlaneMeasure``), :mod:`nets.activations` (activation profiles and
Green's-function constants), :mod:`nets.rkhs` (Gaussian RKHS norms and the gap of arXiv
2502.16331).  torch and matplotlib are imported only inside the functions that need them.
"""

from . import activations, network, process_stats, random_relu, rkhs  # noqa: E402
from .activations import *  # noqa: F401,F403
from .network import *  # noqa: F401,F403
from .process_stats import *  # noqa: F401,F403
from .random_relu import *  # noqa: F401,F403
from .rkhs import *  # noqa: F401,F403

__all__ = activations.__all__ + network.__all__ + rkhs.__all__ + random_relu.__all__ + process_stats.__all__
