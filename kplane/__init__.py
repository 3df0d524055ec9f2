"""kplane: Stiefel geometry, the k-plane transform, its dual and its inverse in any dimension.

Conventions (docs/theory/conventions.md): k is the plane dimension, n = d − k the codimension; a k-plane is
{x : Θᵀx = t} with Θ ∈ V_n(ℝᵈ) a d×n normal frame and t ∈ ℝⁿ; the measure on V_n(ℝᵈ) is
``"probability"`` or ``"surface"``.  The sympy closed forms live in the submodule
``kplane.symbolic`` (imported on demand).
"""

from . import closed_forms as _closed_forms
from . import filters as _filters
from . import stiefel as _stiefel
from . import transform as _transform
from .closed_forms import *  # noqa: F401,F403
from .filters import *  # noqa: F401,F403
from .stiefel import *  # noqa: F401,F403
from .transform import *  # noqa: F401,F403

__all__ = _stiefel.__all__ + _transform.__all__ + _filters.__all__ + _closed_forms.__all__
