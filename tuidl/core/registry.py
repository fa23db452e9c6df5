"""One registry of the Keras and dataset facts tuidl relies on: each fact once, read by every layer.

* Losses (:data:`LOSS_TABLE`): every loss name accepted as ``compile.loss``,
  its Keras class, task and label format, and whether the builder offers it.
  :data:`LOSSES`, :data:`LOSS_CLASSES`, :data:`LOSS_INFO` and
  :data:`LOSS_BY_CLASS` are views of it.
* Metrics (:data:`METRIC_TABLE`): every metric name accepted in
  ``compile.metrics``, whether it measures a classifier, and whether the
  builder offers it as a switch. :data:`METRICS`, :data:`METRIC_CHOICES` and
  :data:`CLASSIFICATION_METRICS` are views of it.
* Datasets (:data:`DATASET_TABLE`): every ``data.name``, its one-line
  description, its group in the data screen and whether its target is
  real-valued. :data:`DATASETS`, :data:`FILE_SOURCES`,
  :data:`PLAYGROUND_CLASSIFICATION`, :data:`PLAYGROUND_REGRESSION`,
  :data:`BUNDLED_SOURCES`, :data:`KERAS_CACHE_SOURCES`, :data:`DATASET_GROUPS`
  and :data:`REGRESSION_SETS` are views of it (the engine's loaders dispatch on
  these groups).
* Component arguments (:data:`COMPONENT_KEYS`): the layer config keys whose
  values are component presets, and their family.

What a layer needs as input (flat ``(features,)``, an image, a sequence or
token ids, and the ranks it accepts) is a property of each layer and lives on
its :class:`tuidl.core.catalog.LayerInfo` (``input_kind``, ``input_ranks``);
:data:`tuidl.core.catalog.FLAT_INPUT_LAYERS` and
:data:`tuidl.core.catalog.STRUCTURED_INPUT_LAYERS` are views of the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# --- losses ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossInfo:
    """What a loss expects.

    Attributes:
        name: Keras loss function name (``sparse_categorical_crossentropy``).
        class_name: Keras loss class (``SparseCategoricalCrossentropy``).
        task: ``classification`` or ``regression``.
        labels: label format: ``sparse`` (integer class ids, shape (n,)),
            ``onehot`` (shape (n, classes)), ``binary`` (0/1, one output unit),
            ``signed`` (-1/1 or 0/1 for hinge), ``real`` (regression targets),
            ``distribution`` (probabilities per class, for KL divergence).
        from_logits: whether the loss takes ``from_logits``.
        label: short display name.
        offered: the builder offers it in its loss chooser; the checks and the
            data screen reason about these only (see :data:`LOSS_INFO`).
    """

    name: str
    class_name: str
    task: str
    labels: str
    from_logits: bool
    label: str
    offered: bool = True


LOSS_TABLE: tuple[LossInfo, ...] = (
    LossInfo("mean_squared_error", "MeanSquaredError", "regression", "real", False, "MSE"),
    LossInfo("mean_absolute_error", "MeanAbsoluteError", "regression", "real", False, "MAE"),
    LossInfo("huber", "Huber", "regression", "real", False, "Huber"),
    LossInfo("binary_crossentropy", "BinaryCrossentropy", "classification", "binary", True, "BinaryCrossentropy"),
    LossInfo(
        "categorical_crossentropy",
        "CategoricalCrossentropy",
        "classification",
        "onehot",
        True,
        "CategoricalCrossentropy",
    ),
    LossInfo(
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        "classification",
        "sparse",
        True,
        "SparseCategoricalCrossentropy",
    ),
    LossInfo(
        "binary_focal_crossentropy",
        "BinaryFocalCrossentropy",
        "classification",
        "binary",
        True,
        "BinaryFocalCrossentropy",
    ),
    LossInfo("hinge", "Hinge", "classification", "signed", False, "Hinge"),
    LossInfo("squared_hinge", "SquaredHinge", "classification", "signed", False, "SquaredHinge", offered=False),
    LossInfo(
        "categorical_hinge", "CategoricalHinge", "classification", "onehot", False, "CategoricalHinge", offered=False
    ),
    LossInfo("kl_divergence", "KLDivergence", "classification", "distribution", False, "KLDivergence", offered=False),
    LossInfo("log_cosh", "LogCosh", "regression", "real", False, "LogCosh", offered=False),
    LossInfo("poisson", "Poisson", "regression", "real", False, "Poisson", offered=False),
)
"""Every Keras loss (``keras.losses``) accepted as ``compile.loss``, in the order offered."""

LOSSES: tuple[str, ...] = tuple(i.name for i in LOSS_TABLE)
"""Keras loss function names (``keras.losses``) accepted as a plain string."""

LOSS_CLASSES: dict[str, str] = {i.name: i.class_name for i in LOSS_TABLE}
"""Loss name -> Keras loss class name."""

LOSS_INFO: dict[str, LossInfo] = {i.name: i for i in LOSS_TABLE if i.offered}
"""The losses the builder offers, with their label format."""

LOSS_BY_CLASS: dict[str, LossInfo] = {i.class_name: i for i in LOSS_INFO.values()}
"""Same as :data:`LOSS_INFO`, keyed by Keras class name."""


def loss_info(loss: Any) -> tuple[LossInfo | None, bool]:
    """``(info, from_logits)`` for a loss given as a name or ``{class_name, config}``.

    ``info`` is ``None`` for losses outside :data:`LOSS_INFO`. Accepts a
    pydantic ``KerasRef`` too (anything with ``class_name`` and ``config``).
    """
    if isinstance(loss, str):
        return LOSS_INFO.get(loss), False
    if hasattr(loss, "class_name"):
        cls, cfg = loss.class_name, loss.config
    elif isinstance(loss, dict):
        cls, cfg = loss.get("class_name"), loss.get("config") or {}
    else:
        return None, False
    return LOSS_BY_CLASS.get(cls), bool(cfg.get("from_logits", False))


# --- metrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricInfo:
    """A metric name tuidl passes to ``model.compile(metrics=...)``.

    Attributes:
        name: the Keras metric name.
        classification: it measures a classifier (dropped when the data turns
            out to be a regression, see :func:`tuidl.core.adapt.adapt_model`).
        offered: the builder offers it as a switch.
    """

    name: str
    classification: bool
    offered: bool


METRIC_TABLE: tuple[MetricInfo, ...] = (
    MetricInfo("accuracy", True, True),
    MetricInfo("sparse_categorical_accuracy", True, True),
    MetricInfo("categorical_accuracy", True, True),
    MetricInfo("binary_accuracy", True, True),
    MetricInfo("top_k_categorical_accuracy", True, False),
    MetricInfo("sparse_top_k_categorical_accuracy", True, False),
    MetricInfo("mean_squared_error", False, True),
    MetricInfo("mean_absolute_error", False, True),
    MetricInfo("root_mean_squared_error", False, True),
    MetricInfo("auc", True, True),
    MetricInfo("precision", True, False),
    MetricInfo("recall", True, False),
)
"""Every metric accepted in ``compile.metrics``."""

METRICS: tuple[str, ...] = tuple(m.name for m in METRIC_TABLE)
"""Metric names tuidl passes to ``model.compile(metrics=...)``."""

_CHOICE_ORDER = (
    "accuracy",
    "sparse_categorical_accuracy",
    "categorical_accuracy",
    "binary_accuracy",
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "auc",
)
METRIC_CHOICES: tuple[str, ...] = tuple(n for n in _CHOICE_ORDER if n in {m.name for m in METRIC_TABLE if m.offered})
"""Metrics offered as switches in the builder (a subset of :data:`METRICS`), in the builder's order."""

CLASSIFICATION_METRICS: frozenset[str] = frozenset(m.name for m in METRIC_TABLE if m.classification)
"""Metrics that measure a classifier."""


# --- datasets --------------------------------------------------------------------------------

DatasetGroup = Literal["playground", "bundled", "keras_cache", "files"]


@dataclass(frozen=True)
class DatasetInfo:
    """One ``data.name``.

    Attributes:
        name: the dataset id.
        description: one line for the UI.
        group: where its loader lives and where the data screen lists it:
            ``playground`` (generated 2-D sets, ``tuidl.engine.datasets.playground``),
            ``bundled`` (scikit-learn, ``...toy``), ``keras_cache`` (Keras's
            cache folder, ``...keras_cache``), ``files`` (the user's files, ``...files``).
        regression: the built-in set's target is real-valued (files: decided from the labels).
    """

    name: str
    description: str
    group: DatasetGroup
    regression: bool = False


DATASET_TABLE: tuple[DatasetInfo, ...] = (
    DatasetInfo("circle", "TF Playground circle: a disc of one class inside a ring of the other (2-D)", "playground"),
    DatasetInfo("xor", "TF Playground exclusive or: class = sign(x1*x2) (2-D)", "playground"),
    DatasetInfo("gauss", "TF Playground two Gaussian blobs (2-D)", "playground"),
    DatasetInfo("spiral", "TF Playground two interleaved spirals (2-D)", "playground"),
    DatasetInfo("plane", "TF Playground plane: target = (x1 + x2) / 10 (2-D regression)", "playground", True),
    DatasetInfo("multi-gauss", "TF Playground six signed Gaussian bumps (2-D regression)", "playground", True),
    DatasetInfo("digits", "scikit-learn digits: 1797 8x8 grey images, 10 classes", "bundled"),
    DatasetInfo("iris", "scikit-learn iris: 150 flowers, 4 measurements, 3 species", "bundled"),
    DatasetInfo("wine", "scikit-learn wine: 178 wines, 13 chemical measurements, 3 cultivars", "bundled"),
    DatasetInfo(
        "breast_cancer", "scikit-learn breast cancer (Wisconsin): 569 cases, 30 features, 2 classes", "bundled"
    ),
    DatasetInfo(
        "diabetes",
        "scikit-learn diabetes: 442 patients, 10 features, disease progression (regression)",
        "bundled",
        True,
    ),
    DatasetInfo("mnist", "Keras MNIST: 70000 28x28 grey handwritten digits, 10 classes (cached file)", "keras_cache"),
    DatasetInfo(
        "fashion_mnist",
        "Keras Fashion-MNIST: 70000 28x28 grey clothing images, 10 classes (cached files)",
        "keras_cache",
    ),
    DatasetInfo("cifar10", "Keras CIFAR-10: 60000 32x32 colour images, 10 classes (cached files)", "keras_cache"),
    DatasetInfo(
        "cifar100",
        "Keras CIFAR-100: 60000 32x32 colour images, 100 (or 20 coarse) classes (cached files)",
        "keras_cache",
    ),
    DatasetInfo(
        "boston_housing",
        "Keras Boston housing: 506 districts, 13 features, median price (regression, cached file)",
        "keras_cache",
        True,
    ),
    DatasetInfo(
        "california_housing",
        "Keras California housing: 20640 districts, 8 features, median price (regression, cached file)",
        "keras_cache",
        True,
    ),
    DatasetInfo(
        "imdb", "Keras IMDB reviews: 50000 word-index sequences, positive/negative (cached file)", "keras_cache"
    ),
    DatasetInfo("csv", "your CSV file: data.path, label column data.target", "files"),
    DatasetInfo("npz", "your NPZ file: arrays x/y or x_train/y_train(/x_test/y_test)", "files"),
    DatasetInfo(
        "npy",
        "your pair of NPY files: data.path (features) and data.target (labels), or a folder with x.npy and y.npy",
        "files",
    ),
    DatasetInfo("images", "your image folder: one subfolder per class", "files"),
)
"""Every dataset id accepted as ``data.name``, in the order the data screen lists them."""

DATASETS: dict[str, str] = {d.name: d.description for d in DATASET_TABLE}
"""Dataset ids accepted as ``data.name`` -> one line for the UI (loaders live in ``tuidl.engine.data``)."""


def _group(group: DatasetGroup) -> tuple[str, ...]:
    return tuple(d.name for d in DATASET_TABLE if d.group == group)


PLAYGROUND_SOURCES: tuple[str, ...] = _group("playground")
"""TF Playground's generated 2-D sets."""

PLAYGROUND_CLASSIFICATION: tuple[str, ...] = tuple(
    d.name for d in DATASET_TABLE if d.group == "playground" and not d.regression
)
"""TF Playground's 2-D classification sets (``src/dataset.ts``)."""

PLAYGROUND_REGRESSION: tuple[str, ...] = tuple(
    d.name for d in DATASET_TABLE if d.group == "playground" and d.regression
)
"""TF Playground's 2-D regression sets (``reg-plane``, ``reg-gauss`` there)."""

BUNDLED_SOURCES: tuple[str, ...] = _group("bundled")
"""scikit-learn's bundled sets (no download; ``tuidl.engine.datasets.toy``)."""

KERAS_CACHE_SOURCES: tuple[str, ...] = _group("keras_cache")
"""Keras's datasets, read from its cache folder (``tuidl.engine.datasets.keras_cache``)."""

FILE_SOURCES: tuple[str, ...] = _group("files")
"""Dataset ids that read the user's own files from ``data.path``."""

DATASET_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Playground 2-D (generated)", PLAYGROUND_SOURCES),
    ("Bundled (scikit-learn)", BUNDLED_SOURCES),
    ("Keras cache (~/.keras/datasets)", KERAS_CACHE_SOURCES),
    ("Your files", FILE_SOURCES),
)
"""The dataset chooser's groups, in order; together they hold every key of :data:`DATASETS` once."""

REGRESSION_SETS: frozenset[str] = frozenset(d.name for d in DATASET_TABLE if d.regression)
"""Built-in sets whose target is real-valued."""

PLAYGROUND_FEATURES: tuple[str, ...] = ("x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2")
"""Input features of the 2-D sets, in TF Playground's order (X₁, X₂, X₁², X₂², X₁X₂, sin X₁, sin X₂)."""


# --- component arguments ---------------------------------------------------------------------

ComponentFamily = Literal["optimizers", "initializers", "regularizers"]

COMPONENT_KEYS: dict[str, ComponentFamily] = {
    "kernel_initializer": "initializers",
    "bias_initializer": "initializers",
    "embeddings_initializer": "initializers",
    "recurrent_initializer": "initializers",
    "kernel_regularizer": "regularizers",
    "bias_regularizer": "regularizers",
    "activity_regularizer": "regularizers",
    "embeddings_regularizer": "regularizers",
    "recurrent_regularizer": "regularizers",
}
"""Layer config keys whose values are component presets, and their family."""
