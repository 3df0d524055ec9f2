"""Local classification tasks for the lottery-ticket experiments, and a CIFAR-10 reader.

Nothing here downloads anything:

* :func:`digits`: scikit-learn's 8×8 handwritten digits (1797 images, shipped with the
  package), pixels scaled to [0, 1].
* :func:`mnist1d`: MNIST-1D (Greydanus 2020), generated locally by the PyPI package
  ``mnist1d`` (``mnist1d.data.make_dataset``: templates, padding, shear, noise, all
  numpy/scipy; only its ``get_dataset`` downloads, and it is not used).  The package seeds
  numpy's global generator; the global state is saved and restored around the call.
* :func:`teacher_task`: labels given by a random two-layer ReLU teacher on Gaussian
  inputs (the fallback when ``mnist1d`` is not installed).
* :func:`read_cifar10`: the CIFAR-10 "python version" batches (``data_batch_1`` …
  ``data_batch_5``, ``test_batch``: pickled dicts with ``b"data"`` (10000, 3072) uint8,
  rows R, G, B planes of 32×32, and ``b"labels"``), read from a user directory with an
  unpickler that only admits the numpy reconstruction functions;
  :func:`write_cifar10_batch` writes the same format (for tests).
"""

from __future__ import annotations

import io
import pickle
import random
from pathlib import Path

import numpy as np
import torch

from ridgekit._validation import check_int

__all__ = ["digits", "mnist1d", "teacher_task", "read_cifar10", "write_cifar10_batch", "cifar10_tensors",
           "cifar_augment", "CIFAR10_MEAN", "CIFAR10_STD"]

#: Per-channel mean and standard deviation of the CIFAR-10 training images (in [0, 1]).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def _split(X, y, test_fraction, seed):
    """Stratified split: a fixed fraction of each class goes to the test set."""
    gen = np.random.default_rng(seed)
    tr, te = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        gen.shuffle(idx)
        k = int(round(test_fraction * idx.size))
        te.append(idx[:k])
        tr.append(idx[k:])
    tr, te = np.concatenate(tr), np.concatenate(te)
    gen.shuffle(tr)
    gen.shuffle(te)
    return {"X_train": X[tr], "y_train": y[tr], "X_test": X[te], "y_test": y[te]}


def digits(*, test_fraction: float = 0.25, seed: int = 0) -> dict:
    """scikit-learn's digits: ``X_*`` (n, 64) float32 in [0, 1], ``y_*`` int64, a
    stratified split; ``n_classes`` = 10.

    >>> d = digits()
    >>> d["X_train"].shape, d["X_test"].shape, d["n_classes"]
    ((1347, 64), (450, 64), 10)
    """
    from sklearn.datasets import load_digits

    raw = load_digits()
    out = _split((raw.data / 16.0).astype(np.float32), raw.target.astype(np.int64), test_fraction, seed)
    out.update(n_classes=10, name="digits")
    return out


def mnist1d(*, num_samples: int = 5000, seed: int = 42, test_fraction: float = 0.2) -> dict:
    """MNIST-1D generated locally (Greydanus 2020; package ``mnist1d``, default
    arguments: 40-sample signals, 10 classes); ``X_*`` (n, 40) float32.

    Raises ImportError, naming the install command, if the ``mnist1d`` package is not
    installed (it is in the ``report`` extra: ``pip install "ridgekit[report]"``; its own
    requirements are numpy, scipy, matplotlib and requests)."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:
        raise ImportError('mnist1d() needs the mnist1d package: pip install "ridgekit[report]" '
                          "(or pip install mnist1d); teacher_task() needs nothing") from exc
    args = get_dataset_args()
    args.num_samples = check_int(num_samples, "num_samples", minimum=20)
    args.seed = check_int(seed, "seed", minimum=0)
    args.train_split = 1.0 - test_fraction
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002 - mnist1d seeds the legacy global state
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
    return {"X_train": data["x"].astype(np.float32), "y_train": data["y"].astype(np.int64),
            "X_test": data["x_test"].astype(np.float32), "y_test": data["y_test"].astype(np.int64),
            "n_classes": 10, "name": "mnist1d"}


def teacher_task(*, n_train: int = 2000, n_test: int = 1000, d: int = 20, n_classes: int = 10,
                 width: int = 64, seed: int = 0) -> dict:
    """Labels y = argmax_c (V ReLU(W x + b))_c of a random teacher (W, b, V Gaussian,
    W scaled by 1/√d) on inputs x ~ N(0, I_d); ``X_*`` float32, ``y_*`` int64."""
    gen = np.random.default_rng(check_int(seed, "seed", minimum=0))
    n_train = check_int(n_train, "n_train", minimum=1)
    n_test = check_int(n_test, "n_test", minimum=1)
    d = check_int(d, "d", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    W = gen.standard_normal((width, d)) / np.sqrt(d)
    b = 0.5 * gen.standard_normal(width)
    V = gen.standard_normal((n_classes, width))
    X = gen.standard_normal((n_train + n_test, d))
    y = (np.maximum(X @ W.T + b, 0) @ V.T).argmax(1)
    return {"X_train": X[:n_train].astype(np.float32), "y_train": y[:n_train].astype(np.int64),
            "X_test": X[n_train:].astype(np.float32), "y_test": y[n_train:].astype(np.int64),
            "n_classes": n_classes, "name": "teacher"}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"CIFAR-10 batch refers to {module}.{name}, which is not a numpy array "
                                     f"constructor; refusing to load it")


def _read_batch(path: Path):
    with open(path, "rb") as f:
        d = _NumpyOnlyUnpickler(io.BytesIO(f.read()), encoding="bytes").load()
    if not isinstance(d, dict) or b"data" not in d or b"labels" not in d:
        raise ValueError(f"{path} is not a CIFAR-10 python batch (needs keys b'data' and b'labels')")
    data = np.asarray(d[b"data"], dtype=np.uint8)
    labels = np.asarray(d[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] != labels.shape[0]:
        raise ValueError(f"{path}: data must be (n, 3072) with n labels, got {data.shape} and {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels must lie in [0, 10), got range [{labels.min()}, {labels.max()}]")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar10(data_dir) -> dict:
    """Read CIFAR-10 from ``data_dir`` (the ``cifar-10-batches-py`` folder or its parent):
    ``X_train`` (n, 3, 32, 32) uint8 from the ``data_batch_*`` files present (1–5, in
    order), ``X_test`` from ``test_batch``; ``y_*`` int64."""
    root = Path(data_dir)
    if (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    train = sorted(root.glob("data_batch_*"))
    if not train or not (root / "test_batch").is_file():
        raise FileNotFoundError(f"no CIFAR-10 python batches in {data_dir} (expected data_batch_1..5 and "
                                f"test_batch, e.g. from cifar-10-python.tar.gz)")
    parts = [_read_batch(p) for p in train]
    Xte, yte = _read_batch(root / "test_batch")
    return {"X_train": np.concatenate([p[0] for p in parts]), "y_train": np.concatenate([p[1] for p in parts]),
            "X_test": Xte, "y_test": yte, "n_classes": 10, "name": "cifar10"}


def write_cifar10_batch(path, images, labels) -> Path:
    """Write ``images`` (n, 3, 32, 32) uint8 and ``labels`` in the CIFAR-10 python batch
    format (a pickled dict, protocol 2)."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (3, 32, 32):
        raise ValueError(f"images must be uint8 of shape (n, 3, 32, 32), got {images.dtype} {images.shape}")
    labels = [int(v) for v in np.asarray(labels).reshape(-1)]
    if len(labels) != images.shape[0]:
        raise ValueError(f"need one label per image, got {len(labels)} for {images.shape[0]}")
    payload = {b"batch_label": b"ridgekit test batch", b"labels": labels,
               b"data": images.reshape(images.shape[0], 3072),
               b"filenames": [f"img{i}.png".encode() for i in range(len(labels))]}
    path = Path(path)
    with open(path, "wb") as f:
        pickle.dump(payload, f, protocol=2)
    return path


def cifar10_tensors(X, *, device=None) -> torch.Tensor:
    """uint8 (n, 3, 32, 32) → float32 tensor normalised by :data:`CIFAR10_MEAN`/``STD``."""
    X = torch.as_tensor(np.asarray(X), device=device).to(torch.float32) / 255.0
    mean = torch.tensor(CIFAR10_MEAN, device=X.device).reshape(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD, device=X.device).reshape(1, 3, 1, 1)
    return (X - mean) / std


def cifar_augment(xb, generator):
    """Random crop (zero padding 4, 32×32) and horizontal flip of a batch (n, 3, 32, 32),
    the standard CIFAR augmentation; randomness from ``generator`` (CPU)."""
    n = xb.shape[0]
    padded = torch.nn.functional.pad(xb, (4, 4, 4, 4))
    ij = torch.randint(0, 9, (n, 2), generator=generator).to(xb.device)
    flip = (torch.rand(n, generator=generator) < 0.5).to(xb.device)
    ar = torch.arange(32, device=xb.device)
    rows = ij[:, :1] + ar                                            # (n, 32)
    cols = ij[:, 1:] + torch.where(flip[:, None], 31 - ar, ar)       # flipped columns read backwards
    b = torch.arange(n, device=xb.device)[:, None, None, None]
    c = torch.arange(xb.shape[1], device=xb.device)[None, :, None, None]
    return padded[b, c, rows[:, None, :, None], cols[:, None, None, :]]
