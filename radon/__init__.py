"""radon: the hyperplane (k = d − 1) Radon transform in any dimension, the 2-D fast
path with scikit-image's call signature, and Radon-domain norms."""

from . import norms as _norms
from . import radon2d as _radon2d
from . import rtv as _rtv
from . import transform as _transform
from .norms import *  # noqa: F401,F403
from .radon2d import *  # noqa: F401,F403
from .rtv import *  # noqa: F401,F403
from .transform import *  # noqa: F401,F403

__all__ = _transform.__all__ + _radon2d.__all__ + _rtv.__all__ + _norms.__all__
