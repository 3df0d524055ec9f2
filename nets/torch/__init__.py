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
* :mod:`nets.torch.shattering`: activation fractions, :math:`|v|·‖w‖`, the data-dependent
  weight g, :math:`|f|_{V_g}` and the stability bound of Thm. 3.2;
* parameter sweeps moved to :mod:`ridgekit.sweep` (they need no torch);
  ``nets.torch.run_sweep``, ``task_key``, ``load_results`` remain as deprecated aliases.
"""

try:
    import torch as _torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError("nets.torch needs PyTorch: pip install 'ridgekit[torch]'") from exc

from . import hessian, models, shattering, sweep, train
from .hessian import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .shattering import *  # noqa: F401,F403
from .train import *  # noqa: F401,F403

__all__ = hessian.__all__ + models.__all__ + shattering.__all__ + sweep.__all__ + train.__all__


def __getattr__(name):
    # deprecated aliases of ridgekit.sweep (see nets.torch.sweep)
    if name in sweep._MOVED:
        return getattr(sweep, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
