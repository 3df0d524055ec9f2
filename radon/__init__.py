"""radon: the hyperplane (k = d − 1) Radon transform in any dimension, the 2-D fast
path with scikit-image's call signature, and Radon-domain norms."""

from . import radon2d as _radon2d
from . import transform as _transform
from .radon2d import *  # noqa: F401,F403
from .transform import *  # noqa: F401,F403

__all__ = _transform.__all__ + _radon2d.__all__
