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
* :mod:`nets.torch.attention`: causal softmax, linear, sliding-window hybrid and LoLA
  attention (arXiv 2505.23666), ``LoLAState`` (token-by-token generation), ``LoLAAttention``;
* :mod:`nets.torch.classifiers`: ``MLP``, ``ResNet18``, the seeded SGD trainer
  ``train_classifier`` and ``evaluate`` (lottery tickets, arXiv 2503.17905);
* :mod:`nets.torch.datasets`: local classification tasks (``digits``, ``mnist1d``,
  ``teacher_task``) and a CIFAR-10 reader;
* :mod:`nets.torch.pruning`: masks, iterative magnitude pruning with rewinding (``imp``),
  baselines, linear mode connectivity (``error_barrier``, ``instability``), ``ticket_sharpness``;
* :mod:`nets.torch.distill`: dataset distillation (``distribution_matching``,
  ``gradient_matching``) and distilled IMP (``distilled_imp``, ``stable_mask_then_imp``);
* parameter sweeps moved to :mod:`ridgekit.sweep` (they need no torch);
  ``nets.torch.run_sweep``, ``task_key``, ``load_results`` remain as deprecated aliases.
"""

try:
    import torch as _torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError("nets.torch needs PyTorch: pip install 'ridgekit[torch]'") from exc

from . import attention, classifiers, datasets, distill, hessian, models, pruning, shattering, sweep, train
from .attention import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .datasets import *  # noqa: F401,F403
from .distill import *  # noqa: F401,F403
from .hessian import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .pruning import *  # noqa: F401,F403
from .shattering import *  # noqa: F401,F403
from .train import *  # noqa: F401,F403

__all__ = (hessian.__all__ + models.__all__ + shattering.__all__ + sweep.__all__ + train.__all__
           + attention.__all__ + classifiers.__all__ + datasets.__all__ + pruning.__all__ + distill.__all__)


def __getattr__(name):
    # deprecated aliases of ridgekit.sweep (see nets.torch.sweep)
    if name in sweep._MOVED:
        return getattr(sweep, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
