"""nets.torch: the PyTorch backend for trained-network experiments (arXiv 2506.20779).

Imported only on demand (``import nets.torch``): ``import nets`` never imports torch.
Public surface, collected from each module's ``__all__``:

* :mod:`nets.torch.models`: ``TwoLayerReLU`` (two-layer ReLU network as a module, float32
  or float64, any device, exact conversion to and from :class:`nets.ShallowNetwork`),
  ``init_parameters`` (seeded Kaiming initialisation);
* :mod:`nets.torch.train`: ``train_gd`` (full-batch GD with weight decay, clipping,
  callbacks), ``train_gd_batched`` (many independent networks as one tensor program),
  ``SharpnessTracker`` (λ_max against 2/η during training);
* :mod:`nets.torch.hessian`: ``hessian_eigenvalues`` (Lanczos on Hessian-vector
  products), ``hessian_trace`` (Hutchinson), ``HessianOperator``;
* :mod:`nets.torch.shattering`: activation fractions, |v|·‖w‖, the data-dependent weight
  g, |f|_{V_g} and the stability bound of Thm. 3.2;
* :mod:`nets.torch.sweep`: resumable parameter sweeps (joblib or a Dask scheduler).
"""

try:
    import torch as _torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError("nets.torch needs PyTorch: pip install 'ridgekit[torch]'") from exc

from . import hessian, models, shattering, sweep, train
from .hessian import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .shattering import *  # noqa: F401,F403
from .sweep import *  # noqa: F401,F403
from .train import *  # noqa: F401,F403

__all__ = hessian.__all__ + models.__all__ + shattering.__all__ + sweep.__all__ + train.__all__
