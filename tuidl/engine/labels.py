"""Class labels: the ``0..k-1`` range check, the form each loss expects, balanced class weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.spec import toml_repr


def check_labels(
    y: np.ndarray, where: str, y_test: np.ndarray | None = None, remap: bool = False, n_classes: int | None = None
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Check that class ids are ``0..k-1``; optionally remap the distinct values to that range.

    Args:
        y, y_test: integer labels (train pool, optional test split).
        where: the file and array/column for messages.
        remap: map the sorted distinct values (of both) to ``0..k-1``.
        n_classes: the source's known number of classes (Keras datasets): then
            only the range ``0..n_classes-1`` is checked (a small file may
            lack some classes); without it, ``k`` = the largest label + 1 and
            every class in between must occur.

    Returns:
        ``(y, y_test, class_names)``; names are the original values.

    Raises:
        DataError: 1-based labels, negative labels or gaps (stray values),
            naming the values and proposing ``data.options.remap_labels = true``
            with the mapping it would apply.
    """
    allv = y if y_test is None else np.concatenate([y, y_test])
    values, counts = np.unique(allv, return_counts=True)
    if len(values) == 0:
        raise DataError(f"{where}: no labels")
    names = [str(int(v)) for v in values]
    if remap:
        lut = {int(v): i for i, v in enumerate(values)}
        f = np.vectorize(lut.__getitem__, otypes=[np.int32])
        return f(y) if len(y) else y, (f(y_test) if y_test is not None and len(y_test) else y_test), names
    k = int(values[-1]) + 1
    if n_classes is not None and values[0] >= 0 and k <= n_classes:
        return y, y_test, [str(i) for i in range(n_classes)]
    if n_classes is not None:
        stray = ", ".join(f"{int(v)} ({c} samples)" for v, c in zip(values, counts) if not 0 <= v < n_classes)
        raise DataError(
            f"{where}: labels {stray} are outside 0..{n_classes - 1} ({n_classes} classes)",
            title="Labels out of range",
            hint="the file does not match the dataset; replace it",
        )
    if values[0] >= 0 and len(values) == k:
        return y, y_test, [str(i) for i in range(k)]
    mapping = ", ".join(f"{int(v)} -> {i}" for i, v in enumerate(values[:6])) + (", ..." if len(values) > 6 else "")
    hint = f"set data.options.remap_labels = true to map them ({mapping}), or fix the labels"
    if values[0] == 1 and len(values) == int(values[-1]):
        raise DataError(
            f"{where}: labels run 1..{int(values[-1])} (1-based); Keras's losses want "
            f"class ids 0..{int(values[-1]) - 1}",
            title="Labels out of range",
            hint=hint,
        )
    if values[0] < 0:
        neg = ", ".join(f"{int(v)} ({c} samples)" for v, c in zip(values, counts) if v < 0)
        raise DataError(
            f"{where}: negative labels {neg}; class ids must be 0..k-1", title="Labels out of range", hint=hint
        )
    gaps = sorted(set(range(int(values[-1]) + 1)) - {int(v) for v in values})
    # the values above the first gap are the likely strays
    stray = [(int(v), int(c)) for v, c in zip(values, counts) if v > gaps[0]]
    shown = ", ".join(f"{v} ({c} samples)" for v, c in stray[:5])
    raise DataError(
        f"{where}: labels {', '.join(names[:12])}{' ...' if len(names) > 12 else ''} skip "
        f"{', '.join(map(str, gaps[:8]))}{' ...' if len(gaps) > 8 else ''}; values above the gap: "
        f"{shown}",
        title="Labels out of range",
        hint=hint,
    )


CATEGORICAL_LOSSES = frozenset(
    {
        "categorical_crossentropy",
        "categorical_hinge",
        "kl_divergence",
        "CategoricalCrossentropy",
        "CategoricalHinge",
        "KLDivergence",
        "categorical_focal_crossentropy",
        "CategoricalFocalCrossentropy",
    }
)
"""Losses that want one-hot label rows (names and class names)."""
SPARSE_LOSSES = frozenset({"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"})
"""Losses that want integer class ids."""


def _loss_key(loss: Any) -> str:
    """A loss given as a name, a ``{class_name, config}`` dict or a KerasRef -> its name."""
    if isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return str(loss.get("class_name", ""))
    return str(getattr(loss, "class_name", loss))


def labels_for_loss(y: np.ndarray, loss_name: Any, n_classes: int | None) -> np.ndarray:
    """Labels in the form the loss expects.

    * sparse categorical losses: int32 class ids ``(n,)``;
    * categorical losses (``categorical_crossentropy``, ``categorical_hinge``,
      ``kl_divergence``): float32 one-hot ``(n, n_classes)``;
    * binary losses (``binary_crossentropy``, focal, ``hinge``,
      ``squared_hinge``): float32 ``(n, 1)`` 0/1 for two classes (Keras's
      hinge maps 0/1 to -1/+1 itself), one-hot ``(n, k)`` for more (multi-label style);
    * regression losses on class labels (TF Playground trains with squared
      error): float32 ``(n, 1)`` 0/1 for two classes, one-hot for more.
    * regression targets (``n_classes`` None): float32, unchanged shape.

    ``loss_name`` is a Keras loss name, class name, or ``{class_name, config}``.

    Raises:
        DataError: a classification loss on regression targets, or class ids
            outside ``0..n_classes-1``.
    """
    key = _loss_key(loss_name)
    if n_classes is None:
        if key in CATEGORICAL_LOSSES or key in SPARSE_LOSSES:
            raise DataError(
                f"compile.loss = {toml_repr(key)} needs class labels, but the data is a regression target",
                hint="use mean_squared_error, mean_absolute_error or huber",
            )
        return np.asarray(y, dtype=np.float32)
    y = np.asarray(y)
    if len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise DataError(f"labels range {int(y.min())}..{int(y.max())} but there are {n_classes} classes")
    if key in SPARSE_LOSSES:
        return y.astype(np.int32)
    if key in CATEGORICAL_LOSSES or n_classes > 2:
        return np.eye(n_classes, dtype=np.float32)[y.astype(np.int64)]
    return y.astype(np.float32).reshape(-1, 1)


def class_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    """Balanced class weights ``n / (k * count_c)``, from scikit-learn's ``compute_class_weight``.

    Args:
        y: integer class ids ``0..n_classes-1`` of the training split, shape ``(n,)``.
        n_classes: ``k``, the number of classes of the task (classes absent from
            ``y`` count in ``k``, as they always have).

    Returns:
        ``{class id: weight}`` for every class; classes without samples get
        weight 1.0 (they never occur in a batch).
    """
    from sklearn.utils.class_weight import compute_class_weight

    y = np.asarray(y).astype(np.int64).ravel()
    present = np.unique(y)
    out = {c: 1.0 for c in range(n_classes)}
    if len(present):
        # scikit-learn's "balanced" divides by the number of classes it is given (those present); the
        # factor makes k every class of the task, as tuidl's weights always were
        w = compute_class_weight("balanced", classes=present, y=y) * (len(present) / n_classes)
        out.update({int(c): float(v) for c, v in zip(present, w) if c < n_classes})
    return out
