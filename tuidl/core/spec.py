"""The experiment spec: data + model + compile + fit, stored as TOML.

An :class:`Experiment` is plain, validated data (pydantic). Its TOML form is
what a person reads and hand-edits::

    name = "digits-mlp"

    [data]
    name = "digits"
    validation_split = 0.2

    [[model.layers]]
    class_name = "Dense"
    config = { units = 64, activation = "relu", kernel_initializer = "he-normal" }

    [compile]
    optimizer = "adam"                       # a preset name, or { class_name, config }
    loss = "sparse_categorical_crossentropy"
    metrics = ["accuracy"]

    [fit]
    epochs = 10
    batch_size = 32
    seed = 0

Layer items use Keras's own ``{class_name, config}`` form with Keras argument
names. Initializers, regularizers and optimizers are given by preset name (see
:mod:`tuidl.core.presets`) or inline as ``{class_name, config}``; only the
engine turns them into Keras objects. The input shape is not part of the spec:
it comes from the data.

Errors are :class:`~tuidl.core.errors.SpecError` whose message names the file,
the field path (``model.layers[2].config.units``), the bad value and what is
allowed.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, Strict, ValidationError,
                      ValidationInfo, field_validator, model_serializer)

from tuidl.core.catalog import LAYERS, OPTIMIZERS
from tuidl.core.errors import SpecError
from tuidl.core.safeio import nested_depth_problem, path_problem, read_regular_file

MAX_SPEC_BYTES = 4 * 1024 * 1024
"""Largest experiment file read (bytes); the built-in presets are about 1 KiB."""

MAX_NESTING = 32
"""Deepest nesting of tables and lists in an experiment (a schedule inside an optimizer is 6 deep)."""

MAX_SEED = 2**32 - 1
"""Largest ``fit.seed``: ``keras.utils.set_random_seed`` and NumPy's legacy seeding take 32-bit seeds."""

StrictInt = Annotated[int, Strict()]
"""An integer field that refuses ``3.0``, ``"3"`` and ``true`` (pydantic's lax mode would take them)."""
StrictFloat = Annotated[float, Strict()]
"""A number field that refuses ``"0.2"`` and ``true`` (integers are numbers and are taken)."""
StrictBool = Annotated[bool, Strict()]
"""A boolean field that refuses ``"yes"``, ``"true"`` and ``1``."""

def _not_bool(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is meant (pydantic would read ``true`` as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


Number = BeforeValidator(_not_bool)
"""Attach to int/float fields: booleans are not numbers in a spec."""

LOSSES: tuple[str, ...] = (
    "mean_squared_error", "mean_absolute_error", "huber", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_focal_crossentropy", "hinge", "squared_hinge", "categorical_hinge",
    "kl_divergence", "log_cosh", "poisson",
)
"""Keras loss function names (``keras.losses``) accepted as a plain string."""

LOSS_CLASSES: dict[str, str] = {
    "mean_squared_error": "MeanSquaredError",
    "mean_absolute_error": "MeanAbsoluteError",
    "huber": "Huber",
    "binary_crossentropy": "BinaryCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "hinge": "Hinge",
    "squared_hinge": "SquaredHinge",
    "categorical_hinge": "CategoricalHinge",
    "kl_divergence": "KLDivergence",
    "log_cosh": "LogCosh",
    "poisson": "Poisson",
}
"""Loss name -> Keras loss class name."""

METRICS: tuple[str, ...] = (
    "accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "mean_squared_error", "mean_absolute_error", "root_mean_squared_error", "auc",
    "precision", "recall",
)
"""Metric names tuidl passes to ``model.compile(metrics=...)``."""


class KerasRef(BaseModel):
    """A Keras object in serialized form: ``{class_name, config}``.

    This is what ``keras.saving.serialize_keras_object`` writes, minus
    ``module`` and ``registered_name``; the engine rebuilds it with Keras's own
    ``get``/``deserialize_keras_object`` in safe mode.
    """

    model_config = ConfigDict(extra="forbid")
    class_name: str = Field(min_length=1)
    config: dict[str, Any] = Field(default_factory=dict)


Component = Union[str, KerasRef]
"""A preset name (``"he-normal"``) or an inline :class:`KerasRef`."""


PLAYGROUND_CLASSIFICATION: tuple[str, ...] = ("circle", "xor", "gauss", "spiral")
"""TF Playground's 2-D classification sets (``src/dataset.ts``)."""

PLAYGROUND_REGRESSION: tuple[str, ...] = ("plane", "multi-gauss")
"""TF Playground's 2-D regression sets (``reg-plane``, ``reg-gauss`` there)."""

PLAYGROUND_FEATURES: tuple[str, ...] = (
    "x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2")
"""Input features of the 2-D sets, in TF Playground's order (X₁, X₂, X₁², X₂², X₁X₂, sin X₁, sin X₂)."""

DATASETS: dict[str, str] = {
    "circle": "TF Playground circle: a disc of one class inside a ring of the other (2-D)",
    "xor": "TF Playground exclusive or: class = sign(x1*x2) (2-D)",
    "gauss": "TF Playground two Gaussian blobs (2-D)",
    "spiral": "TF Playground two interleaved spirals (2-D)",
    "plane": "TF Playground plane: target = (x1 + x2) / 10 (2-D regression)",
    "multi-gauss": "TF Playground six signed Gaussian bumps (2-D regression)",
    "digits": "scikit-learn digits: 1797 8x8 grey images, 10 classes",
    "iris": "scikit-learn iris: 150 flowers, 4 measurements, 3 species",
    "wine": "scikit-learn wine: 178 wines, 13 chemical measurements, 3 cultivars",
    "breast_cancer": "scikit-learn breast cancer (Wisconsin): 569 cases, 30 features, 2 classes",
    "diabetes": "scikit-learn diabetes: 442 patients, 10 features, disease progression (regression)",
    "mnist": "Keras MNIST: 70000 28x28 grey handwritten digits, 10 classes (cached file)",
    "fashion_mnist": "Keras Fashion-MNIST: 70000 28x28 grey clothing images, 10 classes (cached files)",
    "cifar10": "Keras CIFAR-10: 60000 32x32 colour images, 10 classes (cached files)",
    "cifar100": "Keras CIFAR-100: 60000 32x32 colour images, 100 (or 20 coarse) classes (cached files)",
    "boston_housing": "Keras Boston housing: 506 districts, 13 features, median price (regression, cached file)",
    "california_housing": "Keras California housing: 20640 districts, 8 features, median price (regression, cached file)",
    "imdb": "Keras IMDB reviews: 50000 word-index sequences, positive/negative (cached file)",
    "csv": "your CSV file: data.path, label column data.target",
    "npz": "your NPZ file: arrays x/y or x_train/y_train(/x_test/y_test)",
    "npy": "your pair of NPY files: data.path (features) and data.target (labels), or a folder with x.npy and y.npy",
    "images": "your image folder: one subfolder per class",
}
"""Dataset ids accepted as ``data.name`` -> one line for the UI (loaders live in ``tuidl.engine.data``)."""

FILE_SOURCES: tuple[str, ...] = ("csv", "npz", "npy", "images")
"""Dataset ids that read the user's own files from ``data.path``."""


class DataOptions(BaseModel):
    """Source-specific and preprocessing settings (``[data] options = {...}``).

    Every field defaults to ``None``, meaning "the source's default" (given per
    field), so a saved file lists only what was set. Options that do not apply
    to the chosen source are ignored and listed as such in the data panel.

    Attributes:
        n_samples: 2-D sets: points generated (TF Playground: 500 for
            classification, 1200 for regression), 10 to 1 000 000.
        noise: 2-D sets: noise as a fraction 0–0.5 (Playground's slider 0–50 %).
        features: 2-D sets: input features, from :data:`PLAYGROUND_FEATURES`
            (default ``["x1", "x2"]``).
        subset: use at most this many samples (taken after a seeded shuffle,
            before the validation split); the test split is capped alike.
        scaling: ``"none"`` (default), ``"minmax"`` (to [0, 1]) or
            ``"standardize"`` (zero mean, unit variance); statistics come from
            the training split only.
        target_scaling: regression only: ``"none"`` (default), ``"minmax"`` or
            ``"standardize"`` of the target, fitted on the training split.
        class_weight: ``"balanced"``: weights ``n / (k * count_c)`` for
            ``model.fit(class_weight=...)`` (scikit-learn's formula); default none.
        task: ``"classification"`` or ``"regression"`` for CSV/NPZ/NPY labels
            (default: guessed from the label values).
        remap_labels: map the sorted distinct labels to 0..k-1 (for 1-based or
            gappy labels); default false.
        columns: CSV: feature columns to use (default: all but the target).
        impute: CSV: fill missing cells with the column's ``"mean"``,
            ``"median"`` or ``"most_frequent"`` value, or ``"drop"`` such rows;
            default: refuse them.
        image_size: image folder: ``[height, width]`` images are resized to
            (default ``[64, 64]``).
        color_mode: image folder: ``"rgb"`` (default) or ``"grayscale"``.
        num_words: imdb: keep the most frequent words (default 10000).
        maxlen: imdb: pad/truncate reviews to this many words (default 200).
        label_mode: cifar100: ``"fine"`` (100 classes, default) or ``"coarse"`` (20).
        version: california_housing: ``"large"`` (20640 rows, default) or ``"small"`` (600).
        download: Keras datasets: try to download a missing file (default true).
    """

    model_config = ConfigDict(extra="forbid")
    n_samples: StrictInt | None = Field(default=None, ge=10, le=1_000_000)
    noise: StrictFloat | None = Field(default=None, ge=0.0, le=0.5)
    features: list[str] | None = Field(default=None, min_length=1)
    subset: StrictInt | None = Field(default=None, ge=1)
    scaling: Literal["none", "minmax", "standardize"] | None = None
    target_scaling: Literal["none", "minmax", "standardize"] | None = None
    class_weight: Literal["none", "balanced"] | None = None
    task: Literal["classification", "regression"] | None = None
    remap_labels: StrictBool | None = None
    columns: list[str] | None = Field(default=None, min_length=1)
    impute: Literal["mean", "median", "most_frequent", "drop"] | None = None
    image_size: list[StrictInt] | None = Field(default=None, min_length=2, max_length=2)
    color_mode: Literal["rgb", "grayscale"] | None = None
    num_words: StrictInt | None = Field(default=None, ge=10, le=1_000_000)
    maxlen: StrictInt | None = Field(default=None, ge=1, le=100_000)
    label_mode: Literal["fine", "coarse"] | None = None
    version: Literal["large", "small"] | None = None
    download: StrictBool | None = None

    @field_validator("features")
    @classmethod
    def _known_features(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        for f in v:
            if f not in PLAYGROUND_FEATURES:
                raise ValueError(f"unknown feature {toml_repr(f)}; allowed: {', '.join(PLAYGROUND_FEATURES)}")
        if len(set(v)) != len(v):
            raise ValueError("each feature at most once")
        return v

    @field_validator("image_size")
    @classmethod
    def _image_size(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and not all(4 <= s <= 2048 for s in v):
            raise ValueError("[height, width], each from 4 to 2048 pixels")
        return v


class DataSpec(BaseModel):
    """Where the data comes from, how it is split and preprocessed.

    Attributes:
        name: dataset id, one of :data:`DATASETS` (``digits`` by default).
        validation_split: fraction of samples held out for validation, in [0, 1).
        path: file or folder for the user's own data (``csv``, ``npz``, ``npy``,
            ``images``), relative to the preset file's folder.
        target: the label column of a CSV file; for ``npy`` the labels file.
        options: source-specific settings and preprocessing (:class:`DataOptions`).
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="digits", min_length=1)
    validation_split: Annotated[StrictFloat, Number] = Field(default=0.2, ge=0.0, lt=1.0)
    path: str | None = Field(default=None, validate_default=True)
    target: str | None = Field(default=None, validate_default=True)
    options: DataOptions = Field(default_factory=DataOptions)

    @field_validator("name")
    @classmethod
    def _known_dataset(cls, v: str) -> str:
        if v not in DATASETS:
            raise ValueError(f"unknown dataset; allowed: {', '.join(DATASETS)}")
        return v

    @field_validator("path")
    @classmethod
    def _path_for_files(cls, v: str | None, info: ValidationInfo) -> str | None:
        name = info.data.get("name")
        if name in FILE_SOURCES and not v:
            what = "folder" if name == "images" else "file"
            raise ValueError(f"data.name = {toml_repr(name)} reads your {what}: set data.path "
                             "(relative to the experiment file)")
        return v

    @field_validator("target")
    @classmethod
    def _target_for_csv(cls, v: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("name") == "csv" and not v:
            raise ValueError('data.name = "csv" needs the label column\'s name in data.target')
        return v

    @model_serializer(mode="wrap")
    def _drop_empty_options(self, handler: Any) -> Any:
        out = handler(self)
        if isinstance(out, dict) and isinstance(out.get("options"), dict):
            opts = {k: v for k, v in out["options"].items() if v is not None}
            if opts:
                out["options"] = opts
            else:
                out.pop("options")
        return out


class LayerSpec(BaseModel):
    """One layer in Keras's serialized shape: ``class_name`` + ``config``.

    ``config`` uses Keras argument names. ``name`` inside config is optional;
    the engine names layers explicitly (``dense_1`` style by position) when it
    is missing.
    """

    model_config = ConfigDict(extra="forbid")
    class_name: str
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("class_name")
    @classmethod
    def _known_layer(cls, v: str) -> str:
        if v not in LAYERS:
            raise ValueError(f"unknown layer class {toml_repr(v)}; allowed: {', '.join(LAYERS)}")
        return v


class ModelSpec(BaseModel):
    """The model: an ordered list of layers (a Keras ``Sequential``)."""

    model_config = ConfigDict(extra="forbid")
    layers: list[LayerSpec] = Field(default_factory=list)


class CompileSpec(BaseModel):
    """Arguments of ``model.compile``.

    Attributes:
        optimizer: optimizer preset name or ``{class_name, config}``.
        loss: Keras loss name (see :data:`LOSSES`) or ``{class_name, config}``.
        metrics: metric names (see :data:`METRICS`).
    """

    model_config = ConfigDict(extra="forbid")
    optimizer: Component = "adam"
    loss: Component = "sparse_categorical_crossentropy"
    metrics: list[str] = Field(default_factory=lambda: ["accuracy"])

    @field_validator("loss")
    @classmethod
    def _known_loss(cls, v: Component) -> Component:
        if isinstance(v, str) and v not in LOSSES:
            raise ValueError(f"unknown loss {toml_repr(v)}; allowed: {', '.join(LOSSES)}")
        if isinstance(v, KerasRef) and v.class_name not in LOSS_CLASSES.values():
            raise ValueError(
                f"unknown loss class {toml_repr(v.class_name)}; allowed: {', '.join(LOSS_CLASSES.values())}")
        return v

    @field_validator("optimizer")
    @classmethod
    def _known_optimizer(cls, v: Component) -> Component:
        if isinstance(v, KerasRef) and v.class_name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer class {toml_repr(v.class_name)}; allowed: {', '.join(OPTIMIZERS)}")
        return v

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, v: list[str]) -> list[str]:
        for m in v:
            if m not in METRICS:
                raise ValueError(f"unknown metric {toml_repr(m)}; allowed: {', '.join(METRICS)}")
        return v


class FitSpec(BaseModel):
    """Arguments of ``model.fit``.

    Attributes:
        epochs: number of passes over the training data, >= 1.
        batch_size: samples per gradient step, >= 1.
        seed: seeds ``keras.utils.set_random_seed`` and the data split, 0 to
            :data:`MAX_SEED` (32 bits).
        callbacks: extra Keras callbacks as ``{class_name, config}``, built by
            the engine as ``keras.callbacks.<class_name>(**config)``:
            ``EarlyStopping`` (monitor, patience, min_delta,
            restore_best_weights), ``ReduceLROnPlateau`` (monitor, factor,
            patience, min_delta, min_lr), ``TerminateOnNaN``. Default: one
            ``TerminateOnNaN`` (write ``callbacks = []`` to turn it off).
            Argument lists and defaults: ``tuidl.core.catalog.CALLBACKS``.

    Learning-rate schedules live in the optimizer, in Keras's serialized form:
    ``compile.optimizer = { class_name = "Adam", config = { learning_rate =
    { class_name = "ExponentialDecay", config = { initial_learning_rate = 0.001,
    decay_steps = 100, decay_rate = 0.9 } } } }`` (``keras.optimizers.get``
    builds the schedule); ``from_logits`` lives in the loss:
    ``compile.loss = { class_name = "SparseCategoricalCrossentropy", config =
    { from_logits = true } }``.
    """

    model_config = ConfigDict(extra="forbid")
    epochs: Annotated[StrictInt, Number] = Field(default=10, ge=1, le=100_000)
    batch_size: Annotated[StrictInt, Number] = Field(default=32, ge=1, le=1_000_000)
    seed: Annotated[StrictInt, Number] = Field(default=0, ge=0, le=MAX_SEED)
    callbacks: list[KerasRef] = Field(default_factory=lambda: [KerasRef(class_name="TerminateOnNaN")])


class Experiment(BaseModel):
    """A whole experiment: what to train on what, and how.

    Attributes:
        name: a short name; used in run ids (letters, digits, ``-``, ``_``, ``.``).
        description: free text shown in the UI.
        data, model, compile, fit: the four sections.

    ``source`` (not saved) is the file it was loaded from; relative data paths
    are resolved against its folder.
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="experiment", min_length=1, max_length=80)
    description: str = ""
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    compile: CompileSpec = Field(default_factory=CompileSpec)
    fit: FitSpec = Field(default_factory=FitSpec)
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", v):
            raise ValueError("a name of letters, digits, '.', '-' and '_' (starting with a letter or digit)")
        return v

    def __eq__(self, other: object) -> bool:
        """Equal when the saved content is equal (the source file is ignored)."""
        return isinstance(other, Experiment) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]

    @property
    def source(self) -> Path | None:
        """The file this experiment was loaded from, if any."""
        return self._source

    def to_dict(self) -> dict[str, Any]:
        """The TOML-ready dict (``None`` values dropped, as TOML has no null)."""
        return _drop_none(self.model_dump(mode="python"))

    def to_toml(self) -> str:
        """Serialize as TOML text in the hand-editable layout of the module docstring.

        Sections are ``[data]``, ``[[model.layers]]`` (each ``config`` an inline
        table), ``[compile]`` and ``[fit]``; :func:`loads` reads it back to an
        equal experiment.
        """
        return dumps_toml(self.to_dict())

    def save(self, path: str | Path) -> Path:
        """Write the experiment to ``path`` as TOML, atomically.

        Raises:
            SpecError: when the file cannot be written.
        """
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(self.to_toml(), encoding="utf-8")
            tmp.replace(path)
        except OSError as e:
            raise SpecError(f"{path}: cannot write: {e.strerror}", title="Cannot save experiment") from e
        return path

    def with_overrides(self, overrides: list[str] | dict[str, Any], origin: str = "--set") -> "Experiment":
        """A copy with dotted-path overrides applied and validated.

        A path that goes inside a component given by preset name
        (``compile.optimizer.config.learning_rate`` while ``compile.optimizer =
        "adam"``; ``model.layers[1].config.kernel_regularizer.config.l2``; a loss
        name) first replaces the name by its ``{class_name, config}``, then sets
        the key.

        Args:
            overrides: ``["fit.batch_size=64", "model.layers[0].config.units=8"]``
                (values parsed as TOML, else taken as strings) or a dict
                ``{path: value}``.
            origin: what the overrides came from, for messages (``--set``,
                ``--epochs``).

        Raises:
            SpecError: unknown path, bad syntax or an invalid value.
        """
        items = overrides.items() if isinstance(overrides, dict) else [parse_override(o) for o in overrides]
        data = self.model_dump(mode="python")
        for key, value in items:
            _set_path(data, key, value)
        exp = from_dict(data, origin=origin)
        exp._source = self._source
        return exp


def _toml_value(v: Any) -> str:
    """One TOML value; tables are written inline (``{ a = 1, b = "x" }``)."""
    import tomli_w

    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return tomli_w.dumps({"v": v})[len("v = "):].rstrip("\n")


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_value(k)


def toml_repr(value: Any) -> str:
    """A value as it would be written in the TOML file, for messages.

    ``True`` -> ``true``, ``"adam"`` -> ``"adam"`` (double quotes), ``0.01`` ->
    ``0.01``, ``[1, 2]`` -> ``[1, 2]``, a dict -> an inline table. Values TOML
    cannot hold (``None``, objects) fall back to Python's ``repr``.
    """
    try:
        return _toml_value(value)
    except Exception:  # tomli_w refuses it: not a TOML value
        return repr(value)


def dumps_toml(data: dict[str, Any]) -> str:
    """Write an experiment dict as TOML: top-level scalars, then one section per table.

    ``model.layers`` becomes ``[[model.layers]]`` blocks. Nested tables below a
    section are written inline so that each layer reads as one block.
    """
    lines: list[str] = []
    for k, v in data.items():
        if not isinstance(v, dict):
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in data.items():
        if not isinstance(v, dict):
            continue
        if k == "model":
            extra = {kk: vv for kk, vv in v.items() if kk != "layers"}
            if extra:
                lines += ["", "[model]"] + [f"{_toml_key(a)} = {_toml_value(b)}" for a, b in extra.items()]
            for layer in v.get("layers", []):
                lines += ["", "[[model.layers]]"]
                lines += [f"{_toml_key(a)} = {_toml_value(b)}" for a, b in layer.items()]
            continue
        lines += ["", f"[{_toml_key(k)}]"]
        lines += [f"{_toml_key(a)} = {_toml_value(b)}" for a, b in v.items()]
    return "\n".join(lines) + "\n"


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_drop_none(v) for v in obj]
    return obj


def format_loc(loc: tuple[Any, ...] | list[Any]) -> str:
    """``('model', 'layers', 2, 'config', 'units')`` -> ``model.layers[2].config.units``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "KerasRef", "function-after[_known_loss(), union[str,KerasRef]]"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


_UNION_TAGS = ("str", "KerasRef")


def _model_at(loc: list[Any]) -> type[BaseModel] | None:
    """The pydantic model class that holds the field at ``loc`` (list indexes and union tags skipped)."""
    parents: dict[tuple[str, ...], type[BaseModel]] = {
        (): Experiment, ("data",): DataSpec, ("data", "options"): DataOptions, ("model",): ModelSpec,
        ("model", "layers"): LayerSpec, ("compile",): CompileSpec, ("compile", "optimizer"): KerasRef,
        ("compile", "loss"): KerasRef, ("fit",): FitSpec, ("fit", "callbacks"): KerasRef,
    }
    names = tuple(p for p in loc[:-1] if isinstance(p, str) and p not in _UNION_TAGS and "[" not in p)
    return parents.get(names)


def _bounds(loc: list[Any]) -> str:
    """`` >= 1 and <= 100000`` from the constraints of the field at ``loc``; ``""`` when it has none."""
    model = _model_at(loc)
    name = next((p for p in reversed(loc) if isinstance(p, str) and p not in _UNION_TAGS and "[" not in p), None)
    info = model.model_fields.get(name) if model is not None and name else None
    if info is None:
        return ""
    out = []
    for m in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sign} {v:,}" if isinstance(v, int) and abs(v) >= 10_000 else f"{sign} {v}")
    return (" " + " and ".join(out)) if out else ""


def problem_text(e: dict[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in tuidl's words: what is allowed.

    Never pydantic's own text: the type of error picks a sentence, the field's
    constraints (``ge``/``le`` ...) and the error's context fill it in, e.g.
    ``"must be an integer >= 1 and <= 100,000 (not 3.0 or a string)"``,
    ``"unknown field; allowed: name, validation_split, path, target, options"``.
    """
    t, ctx, loc = e["type"], e.get("ctx") or {}, list(e["loc"])
    union = any(p in _UNION_TAGS or (isinstance(p, str) and "union[" in p) for p in loc)
    if union and t in ("string_type", "model_type", "model_attributes_type", "dict_type"):
        return "must be a preset name (a string) or a table { class_name = ..., config = {...} }"
    if t == "value_error":
        msg = str(e.get("msg", ""))
        return msg[len("Value error, "):] if msg.startswith("Value error, ") else msg
    if t == "extra_forbidden":
        model = _model_at(loc)
        allowed = f"; allowed: {', '.join(model.model_fields)}" if model is not None else ""
        return "unknown field" + allowed
    if t == "missing":
        return "is required"
    bounds = _bounds(loc)
    if t in ("int_type", "int_parsing", "int_from_float"):
        return f"must be an integer{bounds} (a whole number without quotes or a decimal point)"
    if t in ("float_type", "float_parsing", "finite_number"):
        return f"must be a {'finite ' if t == 'finite_number' else ''}number{bounds} (without quotes)"
    if t in ("bool_type", "bool_parsing"):
        return "must be true or false (without quotes)"
    if t in ("string_type", "string_sub_type"):
        return "must be a string (in quotes)"
    if t in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"must be{bounds}" if bounds else "is out of range"
    if t == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".rstrip()
    if t in ("list_type", "tuple_type"):
        return "must be a list [ ... ]"
    if t in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a table { ... }"
    if t == "too_short":
        return f"must have at least {ctx.get('min_length', 1)} item(s)"
    if t == "too_long":
        return f"must have at most {ctx.get('max_length', '?')} item(s)"
    if t == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else \
            f"must have at least {ctx.get('min_length')} characters"
    if t == "string_too_long":
        return f"must have at most {ctx.get('max_length', '?')} characters"
    return f"is not allowed here ({t.replace('_', ' ')})"


def _pydantic_problems(err: ValidationError) -> list[tuple[str, Any, str]]:
    """(path, value, message in tuidl's words) per pydantic error, one per field path."""
    seen: dict[str, tuple[str, Any, str]] = {}
    for e in err.errors(include_url=False):
        loc = [p for p in e["loc"] if not (isinstance(p, str) and ("[" in p or p in _UNION_TAGS))]
        path = format_loc(loc)
        seen.setdefault(path, (path, e.get("input"), problem_text(e)))
    union = problem_text({"type": "string_type", "loc": ("str",)})
    # "a name or a table" for a table whose own fields are named below it says nothing more
    return [p for p in seen.values()
            if not (p[2] == union and any(o.startswith((p[0] + ".", p[0] + "[")) for o in seen))]


LAYER_NAME_RE = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_.\\>-]*")
"""What a layer ``name`` may be: Keras 3 refuses ``/`` (``Operation.__init__``), and its
TensorFlow backend opens a name scope per layer, which must match
``[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*`` (``tf.name_scope``); ``"a b"`` or ``"a:b"`` build but fail
at the first training step."""

LAYER_NAME_ALLOWED = ("letters A-Z/a-z, digits, '_', '.', '-', '>' and '\\', starting with a letter, a digit "
                      "or '.' (Keras's rule for its TensorFlow name scopes; no '/')")
"""The rule of :data:`LAYER_NAME_RE` in words, for messages."""


def _arg_name_problem(key: Any) -> str | None:
    """Why ``key`` cannot be a Keras constructor argument name, or ``None``."""
    import keyword

    if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key) or not key.isascii():
        return "not a Keras argument name: argument names are Python identifiers (letters, digits and '_')"
    return None


def _layer_problems(exp: Experiment) -> list[tuple[str, Any, str]]:
    problems = []
    for i, layer in enumerate(exp.model.layers):
        info = LAYERS[layer.class_name]
        for name, value in layer.config.items():
            bad_key = _arg_name_problem(name)
            if bad_key is not None:
                problems.append((f"model.layers[{i}].config", None, f"key {toml_repr(name)}: {bad_key}"))
                continue
            if name == "name":
                if value is not None and value != "" and not (
                        isinstance(value, str) and LAYER_NAME_RE.fullmatch(value)):
                    problems.append((f"model.layers[{i}].config.name", value,
                                     f"a {layer.class_name} layer name is made of {LAYER_NAME_ALLOWED}"))
                continue
            arg = info.arg(name)
            if arg is None:
                continue  # other Keras arguments are passed through and checked by Keras
            allowed = arg.check(value)
            if allowed is not None:
                problems.append((f"model.layers[{i}].config.{name}", value,
                                 f"{layer.class_name}.{name} must be {allowed}"))
    return problems


def from_dict(data: dict[str, Any], origin: str = "<dict>") -> Experiment:
    """Validate a dict (as read from TOML) into an :class:`Experiment`.

    Args:
        data: the parsed document.
        origin: the file name or source, used in messages.

    Raises:
        SpecError: listing every problem as ``origin: path = value: what is allowed``.
    """
    deep = nested_depth_problem(data, MAX_NESTING)
    if deep is not None:
        raise SpecError(f"{origin}: {deep[0]}: tables and lists nest deeper than {MAX_NESTING} levels",
                        hint=f"an experiment nests at most {MAX_NESTING} levels; check the file's brackets")
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as e:
        raise _spec_error(origin, _pydantic_problems(e)) from None
    problems = _layer_problems(exp)
    seen = {path for path, _, _ in problems}
    problems += [p for p in _control_problems(exp.model_dump(mode="python")) if p[0] not in seen]
    if problems:
        raise _spec_error(origin, problems)
    return exp


_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_TEXT_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _control_problems(data: Any, path: str = "") -> list[tuple[str, Any, str]]:
    """Strings (values and keys) holding terminal control characters, by field path.

    C0/C1 controls, DEL, lone surrogates and bidi overrides have no use in a spec
    and would drive the terminal of whoever shows it (``tuidl check``, the
    builder, a run's ``spec.toml`` in the runs screen); ``description`` may hold
    newlines and tabs.
    """
    out: list[tuple[str, Any, str]] = []
    if isinstance(data, str):
        pattern = _CONTROL_IN_TEXT_RE if path == "description" else _CONTROL_RE
        if pattern.search(data):
            out.append((path, data, "text without control characters (escape codes, line breaks, DEL, "
                                    "U+0080-U+009F)" + (" other than newlines and tabs" if path == "description"
                                                         else "")))
    elif isinstance(data, dict):
        for k, v in data.items():
            sub = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and _CONTROL_RE.search(k):
                out.append((path or "(top level)", None, f"key {toml_repr(k)}: a name without control characters"))
                continue
            out += _control_problems(v, sub)
    elif isinstance(data, (list, tuple)):
        for i, v in enumerate(data):
            out += _control_problems(v, f"{path}[{i}]")
    return out


def _spec_error(origin: str, problems: list[tuple[str, Any, str]]) -> SpecError:
    lines = []
    for path, value, msg in problems:
        text = toml_repr(value)
        if len(text) > 80:
            text = text[:77] + "..."
        shown = "" if value is None or isinstance(value, dict) and len(text) > 60 else f" = {text}"
        lines.append(f"{path or '(top level)'}{shown}: {msg}")
    head = lines[0] if len(lines) == 1 else f"{len(lines)} problems:\n  " + "\n  ".join(lines)
    hint = (f"fix the {origin} value and try again" if origin.startswith("--")
            else "fix the field in the file (or the --set value) and try again")
    return SpecError(f"{origin}: {head}", hint=hint)


def loads(text: str, origin: str = "<string>") -> Experiment:
    """Parse TOML text into an :class:`Experiment`.

    Raises:
        SpecError: TOML syntax error (with line and column) or invalid fields.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{origin}: not valid TOML: {e}", hint="check quotes, brackets and '=' on that line") from None
    except RecursionError:
        raise SpecError(f"{origin}: tables or lists nested thousands deep; an experiment nests at most "
                        f"{MAX_NESTING} levels", hint="check the file's brackets") from None
    return from_dict(data, origin=origin)


def load(path: str | Path) -> Experiment:
    """Load an experiment TOML file.

    Raises:
        SpecError: the file is missing, unreadable, not TOML, or invalid.
    """
    path = Path(path)
    problem = path_problem(path, "file")
    if problem == "does not exist":
        raise SpecError(f"{path}: no such file", title="Experiment not found") from None
    if problem is not None:
        raise SpecError(f"{path}: {problem}; an experiment is a .toml file",
                        hint="give a preset name or the path of a .toml file")
    try:
        text = read_regular_file(path, MAX_SPEC_BYTES).decode("utf-8")
    except OSError as e:
        raise SpecError(f"{path}: cannot read: {e.strerror or e}") from None
    except ValueError as e:  # not a regular file after all, too large, or not UTF-8
        why = f"is not UTF-8 text ({e})" if isinstance(e, UnicodeDecodeError) else str(e)
        raise SpecError(f"{path}: {why}; an experiment is a UTF-8 .toml file of at most "
                        f"{MAX_SPEC_BYTES // 1024**2} MiB") from None
    exp = loads(text, origin=str(path))
    exp._source = path.resolve()
    return exp


_PATH_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[-?\d+\])*)")


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"fit.epochs=3"`` into ``("fit.epochs", 3)``.

    The value is parsed as a TOML value (numbers, booleans, ``"strings"``,
    arrays, inline tables); anything that is not valid TOML is taken as a bare
    string, so ``compile.optimizer=sgd`` works.

    Raises:
        SpecError: no ``=`` or an empty key.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SpecError(f"--set {text}: expected KEY=VALUE, e.g. fit.batch_size=64")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    except RecursionError:
        raise SpecError(f"--set {key}: the value nests lists or tables thousands deep; at most "
                        f"{MAX_NESTING} levels") from None
    return key, value


_COMPONENT_AT = re.compile(r"model\.layers\[-?\d+\]\.config\.([A-Za-z_]+)")


def _expand_component(trail: str, name: Any, key: str) -> dict[str, Any] | None:
    """``{class_name, config}`` for a component given by name at ``trail``, or ``None`` if none is there.

    Lets ``--set compile.optimizer.config.learning_rate=0.01`` work when the
    optimizer is the preset ``"adam"``: the preset is expanded first.

    Raises:
        SpecError: an unknown preset name, or the ``none`` regularizer (nothing to set a key in).
    """
    if not isinstance(name, str):
        return None
    from tuidl.core.presets import COMPONENT_KEYS, resolve_component  # presets imports this module

    if trail == "compile.loss":
        if name in LOSS_CLASSES:
            return {"class_name": LOSS_CLASSES[name], "config": {}}
        return None
    if trail == "compile.optimizer":
        family = "optimizers"
    else:
        m = _COMPONENT_AT.fullmatch(trail)
        if not m or m.group(1) not in COMPONENT_KEYS:
            return None
        family = COMPONENT_KEYS[m.group(1)]
    ref = resolve_component(family, name, f"--set {key}: {trail}")  # type: ignore[arg-type]
    if ref is None:
        raise SpecError(f"--set {key}: {trail} = {toml_repr(name)} means no {family[:-1]}: there is no "
                        f"config to set", hint=f"choose one first, e.g. --set {trail}=l2")
    return ref


def _set_path(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node: Any = data
    trail = ""

    def child(container: Any, slot: Any, trail: str) -> Any:
        """``container[slot]``, a named component there expanded to ``{class_name, config}``."""
        ref = _expand_component(trail, container[slot], key)
        if ref is not None:
            container[slot] = ref
        return container[slot]

    for n, part in enumerate(parts):
        m = _PATH_RE.fullmatch(part)
        if not m:
            raise SpecError(f"--set {key}: {toml_repr(part)} is not a field name")
        name, idx = m.group(1), [int(i) for i in re.findall(r"-?\d+", m.group(2))]
        last = n == len(parts) - 1 and not idx
        if not isinstance(node, dict):
            raise SpecError(f"--set {key}: {trail} = {toml_repr(node)} is not a table, so it has no field "
                            f"{toml_repr(name)}")
        trail += ("." if trail else "") + name
        if last:
            node[name] = copy.deepcopy(value)
            return
        if name not in node or node[name] is None:
            if n == 0 and name not in Experiment.model_fields:
                raise SpecError(f"--set {key}: unknown section {toml_repr(name)}; allowed: "
                                + ", ".join(Experiment.model_fields))
            node[name] = {}
        node = child(node, name, trail)
        for j, i in enumerate(idx):
            if not isinstance(node, list) or not -len(node) <= i < len(node):
                size = len(node) if isinstance(node, list) else 0
                raise SpecError(f"--set {key}: {trail}[{i}] does not exist ({trail} has {size} items)")
            trail += f"[{i}]"
            if n == len(parts) - 1 and j == len(idx) - 1:
                node[i] = copy.deepcopy(value)
                return
            node = node[i]


def approx_equal(a: Any, b: Any, rel: float = 1e-6) -> bool:
    """Structural equality with floats compared relatively (float32 round trips)."""
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(approx_equal(a[k], b[k], rel) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(approx_equal(x, y, rel) for x, y in zip(a, b))
    return a == b
