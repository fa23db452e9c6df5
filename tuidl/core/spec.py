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

import math
import re
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
)

from tuidl.core.catalog import LAYERS, OPTIMIZERS
from tuidl.core.components import Component, KerasRef
from tuidl.core.errors import SpecError
from tuidl.core.overrides import parse_override, set_path
from tuidl.core.registry import (
    DATASETS,
    FILE_SOURCES,
    LOSS_CLASSES,
    LOSSES,
    METRICS,
    PLAYGROUND_CLASSIFICATION,
    PLAYGROUND_FEATURES,
    PLAYGROUND_REGRESSION,
)
from tuidl.core.safeio import nested_depth_problem, path_problem, read_regular_file
from tuidl.core.tomlio import drop_none, dumps_toml, toml_repr
from tuidl.core.validation import (
    LAYER_NAME_ALLOWED,
    LAYER_NAME_RE,
    MAX_NESTING,
    Number,
    StrictBool,
    StrictFloat,
    StrictInt,
    arg_name_problem,
    control_problems,
    format_loc,
    pydantic_problems,
    spec_error,
)
from tuidl.core.validation import problem_text as _problem_text

__all__ = [
    # this module: the experiment models and reading them
    "CompileSpec",
    "DataOptions",
    "DataSpec",
    "Experiment",
    "FitSpec",
    "LayerSpec",
    "ModelSpec",
    "MAX_SEED",
    "MAX_SPEC_BYTES",
    "approx_equal",
    "from_dict",
    "load",
    "loads",
    "problem_text",
    # re-exported from the modules they moved to (registry, components, overrides, tomlio, validation)
    "Component",
    "DATASETS",
    "FILE_SOURCES",
    "KerasRef",
    "LAYER_NAME_ALLOWED",
    "LAYER_NAME_RE",
    "LOSSES",
    "LOSS_CLASSES",
    "MAX_NESTING",
    "METRICS",
    "Number",
    "PLAYGROUND_CLASSIFICATION",
    "PLAYGROUND_FEATURES",
    "PLAYGROUND_REGRESSION",
    "StrictBool",
    "StrictFloat",
    "StrictInt",
    "dumps_toml",
    "format_loc",
    "parse_override",
    "toml_repr",
]

MAX_SPEC_BYTES = 4 * 1024 * 1024
"""Largest experiment file read (bytes); the built-in presets are about 1 KiB."""

MAX_SEED = 2**32 - 1
"""Largest ``fit.seed``: ``keras.utils.set_random_seed`` and NumPy's legacy seeding take 32-bit seeds."""


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
            raise ValueError(
                f"data.name = {toml_repr(name)} reads your {what}: set data.path (relative to the experiment file)"
            )
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
                f"unknown loss class {toml_repr(v.class_name)}; allowed: {', '.join(LOSS_CLASSES.values())}"
            )
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
        train_eval: re-evaluate the model in inference mode (BatchNormalization's
            moving statistics, Dropout off) on a seeded subset of the training data
            (at most 1024 samples) at each epoch's end, logged as ``train_eval_loss``
            and ``train_eval_<metric>``: ``"on"``, ``"off"``, or ``"auto"`` (the
            default, also when unset): on when the model has BatchNormalization or
            Dropout layers.

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
    train_eval: Literal["auto", "on", "off"] | None = None


class InsightSpec(BaseModel):
    """What tuidl measures inside the model while it trains (``insight.jsonl``, ``batches.jsonl``).

    Attributes:
        enabled: measure at all (``tuidl run --no-insight`` turns it off).
        probe_size: samples of the fixed probe batch (drawn once from the training data with
            ``fit.seed``, the same every epoch), 1 to 4096.
        every_epochs: measure after every N-th epoch (and after the last), >= 1; always
            before training too.
        gradient_every_batches: write a ``batches.jsonl`` row every N batches, >= 1.

    Written to TOML only when it differs from the defaults.
    """

    model_config = ConfigDict(extra="forbid")
    enabled: StrictBool = True
    probe_size: Annotated[StrictInt, Number] = Field(default=256, ge=1, le=4096)
    every_epochs: Annotated[StrictInt, Number] = Field(default=1, ge=1, le=100_000)
    gradient_every_batches: Annotated[StrictInt, Number] = Field(default=10, ge=1, le=1_000_000)


class Experiment(BaseModel):
    """A whole experiment: what to train on what, and how.

    Attributes:
        name: a short name; used in run ids (letters, digits, ``-``, ``_``, ``.``).
        description: free text shown in the UI.
        data, model, compile, fit: the four sections.
        insight: what is measured inside the model while it trains (:class:`InsightSpec`).

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
    insight: InsightSpec = Field(default_factory=InsightSpec)
    _source: Path | None = PrivateAttr(default=None)
    _preset_labels: dict[str, str] = PrivateAttr(default_factory=dict)

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

    @property
    def preset_labels(self) -> dict[str, str]:
        """Field path -> the component preset name it held before resolving (for display only).

        Set by :func:`tuidl.core.presets.resolved` on the resolved copy, e.g.
        ``{"compile.optimizer": "adam", "model.layers[0].config.kernel_initializer": "he-normal"}``;
        empty for an experiment that was not resolved (its names are still in place).
        """
        return dict(self._preset_labels)

    def to_dict(self) -> dict[str, Any]:
        """The TOML-ready dict (``None`` values dropped, as TOML has no null; ``insight`` only
        when it differs from the defaults)."""
        out = drop_none(self.model_dump(mode="python"))
        if self.insight == InsightSpec():
            out.pop("insight", None)
        return out

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
            set_path(data, key, value, tuple(Experiment.model_fields))
        exp = from_dict(data, origin=origin)
        exp._source = self._source
        return exp


def problem_text(e: dict[str, Any]) -> str:
    """One pydantic error of validating an :class:`Experiment`, in tuidl's words (see
    :func:`tuidl.core.validation.problem_text`)."""
    return _problem_text(e, Experiment)


def _layer_problems(exp: Experiment) -> list[tuple[str, Any, str]]:
    """(path, value, message) for layer config keys and values the catalog refuses."""
    problems = []
    for i, layer in enumerate(exp.model.layers):
        info = LAYERS[layer.class_name]
        for name, value in layer.config.items():
            bad_key = arg_name_problem(name)
            if bad_key is not None:
                problems.append((f"model.layers[{i}].config", None, f"key {toml_repr(name)}: {bad_key}"))
                continue
            if name == "name":
                if (
                    value is not None
                    and value != ""
                    and not (isinstance(value, str) and LAYER_NAME_RE.fullmatch(value))
                ):
                    problems.append(
                        (
                            f"model.layers[{i}].config.name",
                            value,
                            f"a {layer.class_name} layer name is made of {LAYER_NAME_ALLOWED}",
                        )
                    )
                continue
            arg = info.arg(name)
            if arg is None:
                continue  # other Keras arguments are passed through and checked by Keras
            allowed = arg.check(value)
            if allowed is not None:
                problems.append(
                    (f"model.layers[{i}].config.{name}", value, f"{layer.class_name}.{name} must be {allowed}")
                )
    return problems


def _object_name_problems(exp: Experiment) -> list[tuple[str, Any, str]]:
    """(path, value, message) for a ``name`` in the config of an optimizer, schedule, loss or callback
    that TensorFlow would refuse as a scope name (``"x y"`` passes Keras's constructor and fails at the first
    training step), by the same rule as layer names."""
    problems: list[tuple[str, Any, str]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("config"), dict) and "class_name" in value:
                name = value["config"].get("name")
                if name not in (None, "") and not (isinstance(name, str) and LAYER_NAME_RE.fullmatch(name)):
                    problems.append(
                        (f"{path}.config.name", name, f"a Keras object name is made of {LAYER_NAME_ALLOWED}")
                    )
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    data = exp.model_dump(mode="python")
    walk(data["compile"], "compile")
    walk(data["fit"], "fit")
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
        raise SpecError(
            f"{origin}: {deep[0]}: tables and lists nest deeper than {MAX_NESTING} levels",
            hint=f"an experiment nests at most {MAX_NESTING} levels; check the file's brackets",
        )
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as e:
        raise spec_error(origin, pydantic_problems(e, Experiment)) from None
    problems = _layer_problems(exp) + _object_name_problems(exp)
    seen = {path for path, _, _ in problems}
    problems += [p for p in control_problems(exp.model_dump(mode="python")) if p[0] not in seen]
    if problems:
        raise spec_error(origin, problems)
    return exp


def loads(text: str, origin: str = "<string>") -> Experiment:
    """Parse TOML text into an :class:`Experiment`.

    Raises:
        SpecError: TOML syntax error (with line and column) or invalid fields.
    """
    if text.startswith("\ufeff"):  # a byte-order mark some Windows editors write: not part of the TOML
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{origin}: not valid TOML: {e}", hint="check quotes, brackets and '=' on that line") from None
    except ValueError:  # tomllib lets int()'s limit through: a whole number of thousands of digits
        raise SpecError(
            f"{origin}: a whole number of more than {sys.get_int_max_str_digits()} digits",
            hint="check the file's numbers",
        ) from None
    except RecursionError:
        raise SpecError(
            f"{origin}: tables or lists nested thousands deep; an experiment nests at most {MAX_NESTING} levels",
            hint="check the file's brackets",
        ) from None
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
        raise SpecError(
            f"{path}: {problem}; an experiment is a .toml file", hint="give a preset name or the path of a .toml file"
        )
    try:
        text = read_regular_file(path, MAX_SPEC_BYTES).decode("utf-8")
    except OSError as e:
        raise SpecError(f"{path}: cannot read: {e.strerror or e}") from None
    except ValueError as e:  # not a regular file after all, too large, or not UTF-8
        why = f"is not UTF-8 text ({e})" if isinstance(e, UnicodeDecodeError) else str(e)
        raise SpecError(
            f"{path}: {why}; an experiment is a UTF-8 .toml file of at most {MAX_SPEC_BYTES // 1024**2} MiB"
        ) from None
    exp = loads(text, origin=str(path))
    exp._source = path.resolve()
    return exp


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
