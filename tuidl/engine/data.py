"""Dataset loaders: a :class:`~tuidl.core.spec.DataSpec` -> numpy arrays (and tf.data).

Every loader returns a :class:`Dataset` with features as float32 (token
sequences: int32 word ids) and class labels as int32 ids ``0..k-1``. Images
keep their natural shape ``(H, W, C)``; :func:`fit_to_model` flattens them
when the first layer wants flat input.

Sources (``data.name``; see :data:`tuidl.core.spec.DATASETS`):

* TF Playground 2-D sets ``circle``, ``xor``, ``gauss``, ``spiral``
  (classification) and ``plane``, ``multi-gauss`` (regression), generated
  with the seed — :mod:`tuidl.engine.datasets.playground`.
* scikit-learn's bundled ``digits`` (default), ``iris``, ``wine``,
  ``breast_cancer``, ``diabetes`` — :mod:`tuidl.engine.datasets.toy`.
* Keras's ``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``,
  ``boston_housing``, ``california_housing``, ``imdb``, read from Keras's
  cache folder — :mod:`tuidl.engine.datasets.keras_cache`.
* The user's ``csv``, ``npz``, ``npy`` and ``images`` —
  :mod:`tuidl.engine.datasets.files`.

The shared pipeline (:func:`load_data`): label range check (with
``options.remap_labels``), a seeded shuffle, ``options.subset``, the
validation split (stratified by class), conversion to float32 per split (so a uint8 image set is
never held as float32 twice), scaling fitted on the training split only,
regression target scaling, class weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tuidl.core.catalog import FLAT_INPUT_LAYERS
from tuidl.core.errors import DataError
from tuidl.core.text import printable_data
from tuidl.core.registry import DATASETS, FILE_SOURCES, PLAYGROUND_CLASSIFICATION, PLAYGROUND_REGRESSION
from tuidl.core.spec import DataSpec, toml_repr
from tuidl.engine.datasets import files, keras_cache, playground, toy
from tuidl.engine.datasets.base import Raw

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


# ------------------------------------------------------------------ split


def split_indices(
    n: int, validation_split: float, seed: int, subset: int | None = None, y: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded shuffle of ``range(n)``, cut to ``subset``, then ``validation_split`` held out.

    With class ids ``y`` (shape ``(n,)``) the hold-out is stratified: scikit-learn's
    ``train_test_split(stratify=...)`` over the kept indices, seeded with ``seed``,
    so every class has its share in both parts. Without ``y`` (regression), or
    when stratifying is impossible (a class with one sample, or fewer
    validation or training rows than classes), the last entries of the shuffle
    are held out.

    Returns:
        ``(train_idx, val_idx)`` int arrays; the validation part has
        ``round(m * validation_split)`` entries, ``m = min(n, subset)``.
    """
    rng = np.random.default_rng(seed)
    idx = rng.permutation(n)
    if subset is not None:
        idx = idx[:subset]
    n_val = int(round(len(idx) * validation_split))
    if y is not None and 0 < n_val < len(idx):
        strata = np.asarray(y)[idx]
        if strata.ndim == 1:
            _, counts = np.unique(strata, return_counts=True)
            k = len(counts)
            if counts.min() >= 2 and k <= n_val <= len(idx) - k:
                from sklearn.model_selection import train_test_split

                tr, va = train_test_split(idx, test_size=n_val, random_state=seed % 2**32, stratify=strata)
                return tr, va
    return idx[: len(idx) - n_val], idx[len(idx) - n_val :]


def split(
    x: np.ndarray, y: np.ndarray, validation_split: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``seed`` and hold out the last ``validation_split`` fraction (not stratified).

    Returns:
        ``(x_train, y_train, x_val, y_val)``; the validation part has
        ``round(n * validation_split)`` rows.
    """
    tr, va = split_indices(len(x), validation_split, seed)
    return x[tr], y[tr], x[va], y[va]


# ------------------------------------------------------------------ labels


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


# ------------------------------------------------------------------ pipeline

_APPLIES: dict[str, Callable[[str, Raw], bool]] = {
    "n_samples": lambda n, r: r.kind == "points",
    "noise": lambda n, r: r.kind == "points",
    "features": lambda n, r: r.kind == "points",
    "subset": lambda n, r: True,
    "scaling": lambda n, r: r.kind != "sequences",
    "target_scaling": lambda n, r: r.task == "regression",
    "class_weight": lambda n, r: r.task == "classification",
    "task": lambda n, r: n in ("csv", "npz", "npy"),
    "remap_labels": lambda n, r: r.check_labels,
    "columns": lambda n, r: n == "csv",
    "impute": lambda n, r: n == "csv",
    "image_size": lambda n, r: n == "images",
    "color_mode": lambda n, r: n == "images",
    "num_words": lambda n, r: n == "imdb",
    "maxlen": lambda n, r: n == "imdb",
    "label_mode": lambda n, r: n == "cifar100",
    "version": lambda n, r: n == "california_housing",
    "download": lambda n, r: n in keras_cache.SOURCES,
}
"""Option name -> does it apply to this source (others are listed as ignored)."""


def _raw(spec: DataSpec, seed: int, base_dir: Path | None) -> Raw:
    if spec.name in PLAYGROUND_CLASSIFICATION or spec.name in PLAYGROUND_REGRESSION:
        return playground.load(spec, seed)
    if spec.name in toy.SOURCES:
        return toy.load(spec, seed)
    if spec.name in keras_cache.SOURCES:
        return keras_cache.load(spec, seed)
    if spec.name in FILE_SOURCES:
        return files.load(spec, seed, base_dir)
    raise DataError(f"data.name = {toml_repr(spec.name)}: unknown dataset; known: {', '.join(DATASETS)}")


def _to_float(x: np.ndarray, scale: float | None, kind: str) -> np.ndarray:
    """float32 copy of ``x`` (divided by ``scale`` in place); token sequences stay int32."""
    if kind == "sequences":
        return np.ascontiguousarray(x, dtype=np.int32)
    out = np.array(x, dtype=np.float32)
    if scale:
        out /= np.float32(scale)
    return out


def _fit_scaler(x: np.ndarray, method: str) -> dict[str, Any]:
    """Statistics on the training split: per column (tables) or per channel (images).

    scikit-learn's ``StandardScaler`` (mean, population std; a constant column
    gets scale 1) or ``MinMaxScaler`` (min, max - min; a constant column gets
    range 1) fitted on ``x`` seen as ``(samples * positions, channels)``.
    Returns ``{"method", "offset", "scale"}`` (float32 arrays, one entry per
    column/channel) that :func:`_apply_scaler` applies in place as
    ``(x - offset) / scale``.
    """
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    flat = x.reshape(-1, x.shape[-1]) if x.ndim > 2 else x
    if method == "standardize":
        sc = StandardScaler(copy=False).fit(flat)
        return {"method": method, "offset": sc.mean_.astype(np.float32), "scale": sc.scale_.astype(np.float32)}
    mm = MinMaxScaler(copy=False).fit(flat)
    rng = np.where(mm.data_range_ > 0, mm.data_range_, 1.0)
    return {"method": method, "offset": mm.data_min_.astype(np.float32), "scale": rng.astype(np.float32)}


def _apply_scaler(x: np.ndarray | None, s: dict[str, Any]) -> None:
    if x is not None and len(x):
        x -= s["offset"]
        x /= s["scale"]


def _ignored(spec: DataSpec, raw: Raw) -> list[str]:
    set_opts = [k for k, v in spec.options.model_dump().items() if v is not None]
    return [k for k in set_opts if not _APPLIES.get(k, lambda n, r: True)(spec.name, raw)]


def load_data(spec: DataSpec, seed: int = 0, base_dir: Path | None = None) -> Dataset:
    """Load, check, split and preprocess the dataset that ``spec`` names.

    Args:
        spec: the experiment's ``[data]`` section.
        seed: generates the 2-D sets and shuffles the split (the experiment's ``fit.seed``).
        base_dir: folder that relative ``spec.path`` values are resolved against
            (the experiment file's folder).

    Raises:
        DataError: unknown dataset id, a file that is missing, corrupt or
            unsuitable, labels out of range, options that do not fit the data.
    """
    raw = _raw(spec, seed, base_dir)
    o = spec.options
    notes = list(raw.notes)
    ignored = _ignored(spec, raw)
    if ignored:
        notes.append("ignored for this dataset: " + ", ".join(f"data.options.{k}" for k in ignored))
    if len(raw.x) == 0:
        raise DataError(f"{raw.source or spec.name}: no samples")

    class_names = list(raw.class_names)
    y_all, y_test = raw.y, raw.y_test
    if raw.task == "classification":
        if raw.check_labels:
            known = len(class_names) if class_names and not o.remap_labels else None
            y_all, y_test, names = check_labels(
                np.asarray(y_all), raw.source or spec.name, y_test, remap=bool(o.remap_labels), n_classes=known
            )
            if o.remap_labels:
                notes.append(
                    "labels remapped: "
                    + ", ".join(f"{v} -> {i}" for i, v in enumerate(names[:10]))
                    + (" ..." if len(names) > 10 else "")
                )
            if not class_names or len(class_names) != len(names):
                class_names = names
        n_classes = len(class_names) or int(np.max(y_all)) + 1
    else:
        n_classes = None

    tr, va = split_indices(
        len(raw.x), spec.validation_split, seed, o.subset, y=np.asarray(y_all) if n_classes is not None else None
    )
    if len(tr) == 0:
        raise DataError(
            f"data.validation_split = {spec.validation_split}: leaves no training samples out of {len(tr) + len(va)}",
            hint="lower validation_split or raise data.options.subset",
        )
    scale = raw.pixel_scale
    x_train, x_val = _to_float(raw.x[tr], scale, raw.kind), _to_float(raw.x[va], scale, raw.kind)
    y_train, y_val = np.asarray(y_all)[tr], np.asarray(y_all)[va]
    x_test = yt = None
    if raw.x_test is not None and y_test is not None:
        ti = np.arange(len(raw.x_test))
        if o.subset is not None and o.subset < len(ti):
            ti = np.sort(np.random.default_rng(seed + 1).permutation(len(ti))[: o.subset])
            x_test, yt = _to_float(raw.x_test[ti], scale, raw.kind), np.asarray(y_test)[ti]
        else:
            x_test, yt = _to_float(raw.x_test, scale, raw.kind), np.asarray(y_test)
    points = raw.points[tr] if raw.points is not None else None
    description, source, kind, feature_names = raw.description, raw.source, raw.kind, raw.feature_names
    del raw  # let the natural-dtype arrays go before scaling

    scaling = None
    if o.scaling and o.scaling != "none":
        if x_train.dtype.kind != "f":
            raise DataError(
                f"data.options.scaling = {toml_repr(o.scaling)}: {spec.name} holds integer token ids "
                "(for an Embedding layer), which are not scaled",
                hint="remove data.options.scaling",
            )
        scaling = _fit_scaler(x_train, o.scaling)
        for a in (x_train, x_val, x_test):
            _apply_scaler(a, scaling)
        scaling = {"method": o.scaling, "offset": scaling["offset"].tolist(), "scale": scaling["scale"].tolist()}

    target_transform = None
    if n_classes is None:
        y_train = y_train.astype(np.float32)
        y_val = y_val.astype(np.float32)
        yt = yt.astype(np.float32) if yt is not None else None
        if o.target_scaling and o.target_scaling != "none" and len(y_train):
            if o.target_scaling == "standardize":
                off, sc = float(y_train.mean()), float(y_train.std()) or 1.0
            else:
                off, sc = float(y_train.min()), float(y_train.max() - y_train.min()) or 1.0
            target_transform = (off, sc)
            y_train = (y_train - off) / np.float32(sc)
            y_val = (y_val - off) / np.float32(sc)
            yt = (yt - off) / np.float32(sc) if yt is not None else None
            notes.append(f"target scaled: (y - {off:.4g}) / {sc:.4g}")
    else:
        y_train, y_val = y_train.astype(np.int32), y_val.astype(np.int32)
        yt = yt.astype(np.int32) if yt is not None else None

    cw = class_weights(y_train, n_classes) if (n_classes and o.class_weight == "balanced") else None
    return Dataset(
        spec.name,
        x_train,
        y_train,
        x_val,
        y_val,
        "regression" if n_classes is None else "classification",
        n_classes,
        class_names,
        description,
        x_test=x_test,
        y_test=yt,
        kind=kind,
        feature_names=list(feature_names),
        source=source,
        class_weight=cw,
        points_train=points,
        scaling=scaling,
        target_transform=target_transform,
        notes=notes,
    )


def _loader(name: str) -> Callable[[DataSpec, int, Path | None], Dataset]:
    def load(spec: DataSpec, seed: int, base_dir: Path | None) -> Dataset:
        return load_data(spec.model_copy(update={"name": name}), seed, base_dir)

    load.__doc__ = f"Load {name!r}: {DATASETS[name]}."
    return load


LOADERS: dict[str, Callable[[DataSpec, int, Path | None], Dataset]] = {n: _loader(n) for n in DATASETS}
"""Dataset id -> loader(spec, seed, base_dir)."""


def fit_to_model(x: np.ndarray, first_layer: str | None) -> np.ndarray:
    """Reshape samples to what the first layer expects.

    Images ``(n, H, W, C)`` are flattened to ``(n, H*W*C)`` when the model starts
    with a flat-input layer (Dense, Dropout, ...); otherwise they are kept.
    Returns a view when possible (no copy).
    """
    if x.ndim > 2 and first_layer in FLAT_INPUT_LAYERS:
        return x.reshape(len(x), -1)
    return x
