"""Dataset loaders: a :class:`~tuidl.core.spec.DataSpec` -> numpy arrays.

Every loader returns a :class:`Dataset` with features as float32 and class
labels as int32. Images keep their natural shape ``(H, W, C)``;
:func:`fit_to_model` flattens them when the first layer wants flat input.

Sources:

* ``digits`` (default): scikit-learn's ``load_digits`` — 1797 8x8 grey images of
  handwritten digits 0–9 (UCI ML hand-written digits, Alpaydin & Kaynak 1998),
  pixel values 0–16 scaled to [0, 1], shaped (8, 8, 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.spec import DataSpec


@dataclass
class Dataset:
    """Arrays ready for ``model.fit``.

    Attributes:
        name: dataset id (``digits``).
        x_train: (n_train, *input_shape) float32.
        y_train: (n_train,) int32 class ids for classification, or
            (n_train,) / (n_train, k) float32 targets for regression.
        x_val, y_val: the validation split, same layout (may have 0 rows).
        task: ``"classification"`` or ``"regression"``.
        n_classes: number of classes (``None`` for regression).
        class_names: label names, index = class id.
        description: one line for the UI ("scikit-learn digits, 1797 8x8 images").
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    task: str = "classification"
    n_classes: int | None = None
    class_names: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample (no batch axis)."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    def describe(self) -> dict[str, Any]:
        """Plain dict for the UI: name, shapes, dtypes, samples per split, classes."""
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "task": self.task,
            "input_shape": list(self.input_shape),
            "x_dtype": str(self.x_train.dtype),
            "y_dtype": str(self.y_train.dtype),
            "n_train": int(len(self.x_train)),
            "n_val": int(len(self.x_val)),
            "n_classes": self.n_classes,
        }
        if self.task == "classification" and self.n_classes:
            out["class_counts"] = np.bincount(self.y_train.astype(np.int64).ravel(),
                                              minlength=self.n_classes).tolist()
        return out


def split(x: np.ndarray, y: np.ndarray, validation_split: float, seed: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``seed`` and hold out the last ``validation_split`` fraction.

    Returns:
        ``(x_train, y_train, x_val, y_val)``; the validation part has
        ``round(n * validation_split)`` rows.
    """
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(x))
    n_val = int(round(len(x) * validation_split))
    tr, va = idx[: len(x) - n_val], idx[len(x) - n_val:]
    return x[tr], y[tr], x[va], y[va]


def _digits(spec: DataSpec, seed: int, base_dir: Path | None) -> Dataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0).reshape(-1, 8, 8, 1)
    y = d.target.astype(np.int32)
    xt, yt, xv, yv = split(x, y, spec.validation_split, seed)
    return Dataset("digits", xt, yt, xv, yv, "classification", 10, [str(i) for i in range(10)],
                   "scikit-learn digits: 1797 8x8 grey images of handwritten digits, 10 classes")


LOADERS: dict[str, Callable[[DataSpec, int, Path | None], Dataset]] = {
    "digits": _digits,
}
"""Dataset id -> loader(spec, seed, base_dir)."""


def load_data(spec: DataSpec, seed: int = 0, base_dir: Path | None = None) -> Dataset:
    """Load and split the dataset that ``spec`` names.

    Args:
        spec: the experiment's ``[data]`` section.
        seed: shuffles the split (the experiment's ``fit.seed``).
        base_dir: folder that relative ``spec.path`` values are resolved against.

    Raises:
        DataError: unknown dataset id, or a file that is missing or unsuitable.
    """
    loader = LOADERS.get(spec.name)
    if loader is None:
        raise DataError(f"data.name = {spec.name!r}: unknown dataset; known: {', '.join(LOADERS)}")
    return loader(spec, seed, base_dir)


FLAT_INPUT_LAYERS = frozenset({"Dense", "Dropout", "GaussianNoise", "BatchNormalization",
                               "LayerNormalization", "Activation", "LeakyReLU", "PReLU"})
"""First layers that expect a flat ``(features,)`` input rather than an image."""


def fit_to_model(x: np.ndarray, first_layer: str | None) -> np.ndarray:
    """Reshape samples to what the first layer expects.

    Images ``(n, H, W, C)`` are flattened to ``(n, H*W*C)`` when the model starts
    with a flat-input layer (Dense, Dropout, ...); otherwise they are kept.
    Returns a view when possible (no copy).
    """
    if x.ndim > 2 and first_layer in FLAT_INPUT_LAYERS:
        return x.reshape(len(x), -1)
    return x
