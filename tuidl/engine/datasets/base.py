"""The raw form every dataset source returns, before the shared pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KINDS = ("points", "table", "images", "sequences")
"""``Raw.kind`` values: 2-D point sets, tabular features, images ``(H, W, C)``,
integer token sequences."""


@dataclass
class Raw:
    """All samples of a source in their natural dtype, plus what the UI shows.

    Attributes:
        x: ``(n, ...)`` features: float (points, tables), uint8 (images,
            ``(n, H, W, C)``) or int32 (sequences).
        y: ``(n,)`` labels: integer class ids 0..k-1 for classification
            (already mapped, unless a label check is wanted; see
            ``check_labels``), float targets for regression.
        task: ``"classification"`` or ``"regression"``.
        kind: one of :data:`KINDS`.
        class_names: class id -> name (classification).
        description: one line for the UI.
        source: where the data came from (file path, generator formula).
        feature_names: one per feature column (tables and points).
        x_test, y_test: a fixed test split the source defines (Keras datasets,
            NPZ files with ``x_test``), else ``None``.
        pixel_scale: images: divide by this to get [0, 1] (255 for uint8).
        points: 2-D sets: ``(n, 2)`` raw coordinates aligned with ``x`` (for
            the scatter plot when engineered features replace x1, x2).
        check_labels: run the label range check (user files), with
            ``remap_labels`` honoured.
        notes: lines for the data panel (hash mismatch, ignored options ...).
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    kind: str
    class_names: list[str] = field(default_factory=list)
    description: str = ""
    source: str = ""
    feature_names: list[str] = field(default_factory=list)
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    pixel_scale: float | None = None
    points: np.ndarray | None = None
    check_labels: bool = False
    notes: list[str] = field(default_factory=list)
