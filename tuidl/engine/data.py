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

The :class:`Dataset` type and its description for the data panel are in
:mod:`tuidl.engine.dataset`, the label checks and conversions in
:mod:`tuidl.engine.labels`; their names stay importable from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from tuidl.core.catalog import FLAT_INPUT_LAYERS
from tuidl.core.errors import DataError
from tuidl.core.registry import DATASETS, FILE_SOURCES, PLAYGROUND_CLASSIFICATION, PLAYGROUND_REGRESSION
from tuidl.core.spec import DataSpec, toml_repr
from tuidl.engine.dataset import MAX_SAMPLE_IMAGES, MAX_SAMPLE_POINTS, MAX_SAMPLE_SIDE, Dataset
from tuidl.engine.datasets import files, keras_cache, playground, toy
from tuidl.engine.datasets.base import Raw
from tuidl.engine.labels import CATEGORICAL_LOSSES, SPARSE_LOSSES, check_labels, class_weights, labels_for_loss

__all__ = [
    "FLAT_INPUT_LAYERS",
    "LOADERS",
    "fit_to_model",
    "load_data",
    "split",
    "split_indices",
    # re-exported from the modules they moved to (dataset, labels)
    "CATEGORICAL_LOSSES",
    "Dataset",
    "MAX_SAMPLE_IMAGES",
    "MAX_SAMPLE_POINTS",
    "MAX_SAMPLE_SIDE",
    "SPARSE_LOSSES",
    "check_labels",
    "class_weights",
    "labels_for_loss",
]


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
