"""The :class:`Dataset` that the data pipeline hands to training, and its description for the data panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuidl.core.text import printable_data

MAX_SAMPLE_IMAGES = 16
"""Images that :meth:`Dataset.describe` includes for the data panel."""

MAX_SAMPLE_POINTS = 500
"""2-D points that :meth:`Dataset.describe` includes for the scatter plot."""

MAX_SAMPLE_SIDE = 32
"""Sample images larger than this (pixels) are subsampled for the panel."""


@dataclass
class Dataset:
    """Arrays ready for ``model.fit``.

    Attributes:
        name: dataset id (``digits``).
        x_train: (n_train, *input_shape) float32 (int32 for token sequences).
        y_train: (n_train,) int32 class ids for classification, or
            (n_train,) float32 targets for regression.
        x_val, y_val: the validation split, same layout (may have 0 rows).
        task: ``"classification"`` or ``"regression"``.
        n_classes: number of classes (``None`` for regression).
        class_names: label names, index = class id.
        description: one line for the UI ("scikit-learn digits, 1797 8x8 images").
        x_test, y_test: the source's fixed test split (Keras datasets, NPZ with
            ``x_test``), same preprocessing, or ``None``.
        kind: ``points``, ``table``, ``images`` or ``sequences``.
        feature_names: names of the feature columns (tables, points).
        source: file/folder read, or how it was generated.
        class_weight: ``{class id: weight}`` for ``model.fit(class_weight=...)``
            when ``options.class_weight = "balanced"``, else ``None``.
        points_train: 2-D sets: ``(n_train, 2)`` raw coordinates (for plots).
        scaling: ``{"method", "axis", ...}`` feature scaling fitted on train, or ``None``.
        target_transform: regression: ``(offset, scale)`` with ``y_scaled =
            (y - offset) / scale``, or ``None``.
        notes: lines for the data panel (ignored options, imputed cells ...).
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
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    kind: str = "table"
    feature_names: list[str] = field(default_factory=list)
    source: str = ""
    class_weight: dict[int, float] | None = None
    points_train: np.ndarray | None = None
    scaling: dict[str, Any] | None = None
    target_transform: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample (no batch axis)."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    def describe(self, samples: bool = True) -> dict[str, Any]:
        """Plain, JSON- and pickle-friendly dict for the data panel.

        With ``samples=False`` the image/point samples are left out (for
        ``run.json``, where a few hundred bytes are enough).

        Keys: ``name``, ``description``, ``source``, ``task``, ``kind``,
        ``input_shape``, ``x_dtype``, ``y_dtype``, ``n_train``, ``n_val``,
        ``n_test``, ``n_classes``, ``class_names``, ``feature_names`` (at most
        32), ``notes``; for classification ``class_counts`` (train),
        ``val_class_counts``, ``baseline_accuracy`` (share of the majority
        training class in the validation split, or in train without one) and
        ``baseline_class``; for regression ``target`` (min, max, mean, std of
        train) and ``baseline_mse`` (predicting the training mean). Samples:
        ``images`` (up to :data:`MAX_SAMPLE_IMAGES` nested lists of uint8
        0–255, ``[H][W]`` grey or ``[H][W][3]`` RGB, subsampled to at most
        :data:`MAX_SAMPLE_SIDE` pixels a side) with ``image_labels``, or
        ``points`` (up to :data:`MAX_SAMPLE_POINTS` ``[x1, x2]``) with
        ``point_labels`` (class ids or targets) and ``point_axes``.
        """
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "task": self.task,
            "kind": self.kind,
            "input_shape": list(self.input_shape),
            "x_dtype": str(self.x_train.dtype),
            "y_dtype": str(self.y_train.dtype),
            "n_train": int(len(self.x_train)),
            "n_val": int(len(self.x_val)),
            "n_test": int(len(self.x_test)) if self.x_test is not None else 0,
            "n_classes": self.n_classes,
            "class_names": list(self.class_names),
            "feature_names": list(self.feature_names[:32]),
            "n_features": int(np.prod(self.input_shape)) if self.input_shape else 0,
            "notes": list(self.notes),
        }
        if self.scaling:
            out["scaling"] = self.scaling["method"]
        if self.class_weight:
            out["class_weight"] = {str(k): round(v, 4) for k, v in self.class_weight.items()}
        if self.task == "classification" and self.n_classes:
            k = self.n_classes
            counts = np.bincount(self.y_train.astype(np.int64).ravel(), minlength=k)[:k]
            out["class_counts"] = counts.tolist()
            vcounts = np.bincount(self.y_val.astype(np.int64).ravel(), minlength=k)[:k]
            out["val_class_counts"] = vcounts.tolist()
            major = int(np.argmax(counts)) if counts.sum() else 0
            ref, split_name = (vcounts, "validation") if vcounts.sum() else (counts, "train")
            out["baseline_accuracy"] = float(ref[major] / ref.sum()) if ref.sum() else 0.0
            out["baseline_class"] = self.class_names[major] if major < len(self.class_names) else str(major)
            out["baseline_split"] = split_name
        elif self.task == "regression" and len(self.y_train):
            y = self.y_train.astype(np.float64)
            out["target"] = {
                "min": float(y.min()),
                "max": float(y.max()),
                "mean": float(y.mean()),
                "std": float(y.std()),
            }
            ref = self.y_val if len(self.y_val) else self.y_train
            out["baseline_mse"] = float(np.mean((ref.astype(np.float64) - y.mean()) ** 2))
        if samples:
            out.update(self._samples())
        # class and feature names come from the data file (a CSV header, a label column): text from
        # outside, so escape codes in them are made printable before any screen shows them
        return printable_data(out)

    def _samples(self) -> dict[str, Any]:
        """Images or points for the data panel (see :meth:`describe`)."""
        if self.kind == "images" and self.x_train.ndim == 4 and len(self.x_train):
            idx = _sample_indices(
                self.y_train if self.task == "classification" else None, MAX_SAMPLE_IMAGES, len(self.x_train)
            )
            imgs = self.x_train[idx].astype(np.float32)
            h, w = imgs.shape[1:3]
            step = max(1, int(np.ceil(max(h, w) / MAX_SAMPLE_SIDE)))
            imgs = imgs[:, ::step, ::step, :]
            if self.scaling is None and imgs.min() >= 0 and imgs.max() <= 1:
                imgs = imgs * 255.0
            else:
                lo, hi = float(imgs.min()), float(imgs.max())
                imgs = (imgs - lo) / (hi - lo if hi > lo else 1.0) * 255.0
            imgs = np.clip(np.round(imgs), 0, 255).astype(np.uint8)
            c = imgs.shape[-1]
            imgs = imgs[..., :3] if c >= 3 else imgs[..., 0]
            labels = [self._label_name(self.y_train[i]) for i in idx]
            return {"images": imgs.tolist(), "image_labels": labels}
        pts = None
        axes = ["x1", "x2"]
        if self.points_train is not None:
            pts = self.points_train
        elif self.x_train.ndim == 2 and self.x_train.shape[1] == 2:
            pts = self.x_train
            axes = list(self.feature_names[:2]) or axes
        if pts is not None and len(pts):
            n = min(len(pts), MAX_SAMPLE_POINTS)
            p = np.round(pts[:n].astype(np.float64), 4).tolist()
            if self.task == "classification":
                labels: list[Any] = self.y_train[:n].astype(int).tolist()
            else:
                labels = np.round(self.y_train[:n].astype(np.float64), 4).tolist()
            return {"points": p, "point_labels": labels, "point_axes": axes}
        return {}

    def _label_name(self, y: Any) -> str:
        if self.task != "classification":
            return f"{float(y):.3g}"
        i = int(y)
        return self.class_names[i] if i < len(self.class_names) else str(i)


def _sample_indices(y: np.ndarray | None, k: int, n: int) -> list[int]:
    """Up to ``k`` of ``n`` indices, one per class round-robin (first occurrences) when labels are given."""
    if y is None:
        return list(range(min(k, n)))
    firsts: dict[int, list[int]] = {}
    for i in range(min(n, 5000)):
        firsts.setdefault(int(y[i]), []).append(i)
    out: list[int] = []
    depth = 0
    while len(out) < min(k, n) and depth < k:
        for c in sorted(firsts):
            if depth < len(firsts[c]) and len(out) < k:
                out.append(firsts[c][depth])
        depth += 1
    return out or list(range(min(k, n)))
