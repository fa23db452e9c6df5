"""Pre-flight checks: find mistakes in an experiment before any training, without Keras.

Two parts:

* :mod:`tuidl.core.shapes` (re-exported here: :func:`infer_shapes`,
  :func:`size_findings`, :func:`layer_names` ...) follows a tensor through the
  layers without Keras and counts parameters and training memory.
* :func:`check` applies every rule to an experiment and a :class:`DataInfo`
  (what the data looks like) and returns :class:`~tuidl.core.events.Finding`
  objects. Each finding names the layer by position (1-based, as the builder
  shows it) and name, the values involved and the fix. ``error`` findings block
  training, ``warning`` findings do not.

Rules (the error/warning split follows issue 3):

errors
    no layers; an argument outside its range or a required one missing; an
    unknown component preset; learning rate negative or not finite (also inside
    a schedule); a layer that cannot take its input's rank (Conv2D on a flat
    tensor, ...); a kernel or pool window larger than its input; a Reshape whose
    size does not match; a classifier whose output is not one vector per sample
    (Dense head on a 4-D tensor); output units vs number of classes; softmax on
    one unit; softmax with binary crossentropy; ``from_logits`` not matching the
    output activation; integer labels with categorical crossentropy and one-hot
    labels with sparse categorical crossentropy; a classification loss on
    regression targets; a layer (or the model) whose estimated training memory
    exceeds the budget (:func:`size_findings`).
warnings
    zeros / constant kernel initializer on a hidden layer; relu (or another
    non-negative activation) on a regression output; learning rate 0; sigmoid
    with categorical crossentropy; EarlyStopping / ReduceLROnPlateau watching a
    ``val_`` log without validation data.

Nothing here imports Keras or Textual; the engine (:mod:`tuidl.engine.checks`)
adds Keras's own build messages and prefers the shapes Keras computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from tuidl.core.catalog import CALLBACKS, CONSTANT_INITIALIZERS, LAYERS, OPTIMIZERS, SCHEDULES
from tuidl.core.components import resolve_component
from tuidl.core.errors import TuidlError
from tuidl.core.events import Finding, Summary
from tuidl.core.presets import resolved
from tuidl.core.registry import COMPONENT_KEYS, loss_info
from tuidl.core.spec import Experiment, LayerSpec
from tuidl.core.shapes import (
    BYTES_PER_ACTIVATION,
    BYTES_PER_PARAM,
    ERROR,
    WARNING,
    Inferred,
    Shape,
    fmt_shape,
    infer_layer,
    infer_shapes,
    layer_arg,
    layer_memory,
    layer_names,
    size_findings,
    snake_case,
    where,
)

__all__ = [
    "DataInfo",
    "check",
    "estimate_summary",
    "float_optimizer_config",
    "format_finding",
    "has_errors",
    "output_activation",
    # re-exported from tuidl.core.shapes
    "BYTES_PER_ACTIVATION",
    "BYTES_PER_PARAM",
    "ERROR",
    "Inferred",
    "Shape",
    "WARNING",
    "fmt_shape",
    "infer_layer",
    "infer_shapes",
    "layer_memory",
    "layer_names",
    "size_findings",
    "snake_case",
    "where",
]


@dataclass(frozen=True)
class DataInfo:
    """What the model will be fed, as far as the checks need it.

    Attributes:
        input_shape: shape of one sample as the model receives it (no batch
            axis), e.g. ``(64,)`` or ``(8, 8, 1)``.
        task: ``"classification"`` or ``"regression"``.
        n_classes: number of classes (``None`` for regression).
        label_shape: shape of one label without the batch axis: ``()`` for
            integer class ids, ``(k,)`` for one-hot rows or ``k`` targets.
        integer_labels: labels have an integer dtype.
        n_val: number of validation samples (0 when there is no validation data).
    """

    input_shape: Shape
    task: str = "classification"
    n_classes: int | None = None
    label_shape: tuple[int, ...] = ()
    integer_labels: bool = True
    n_val: int = 1


# --- the rules ------------------------------------------------------------------------------

_IDENTITY = frozenset({"Dropout", "SpatialDropout2D", "GaussianNoise", "Flatten", "Reshape"})
_PROB_ACTS = frozenset({"softmax", "sigmoid", "log_softmax"})
_NONNEG_ACTS = frozenset({"relu", "relu6", "softplus", "sigmoid", "softmax", "exponential", "hard_sigmoid"})


def output_activation(layers: Sequence[LayerSpec]) -> tuple[int | None, str]:
    """``(index, activation)`` of the layer that decides the output's activation.

    Layers that do not change values (Dropout, Flatten, Reshape ...) are
    skipped from the end. A layer without an ``activation`` setting counts as
    ``linear`` (LeakyReLU -> ``leaky_relu``, PReLU -> ``prelu``).
    """
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        if layer.class_name in _IDENTITY:
            continue
        if layer.class_name == "LeakyReLU":
            return i, "leaky_relu"
        if layer.class_name == "PReLU":
            return i, "prelu"
        if LAYERS[layer.class_name].arg("activation") is None:
            return i, "linear"
        return i, layer_arg(layer, "activation") or "linear"
    return None, "linear"


class _Collector:
    def __init__(self, names: Sequence[str], layers: Sequence[LayerSpec], labels: dict[str, str]) -> None:
        self.names = names
        self.layers = layers
        self.labels = labels  # field path -> the preset name it held (Experiment.preset_labels)
        self.items: list[Finding] = []

    def at(self, i: int) -> str:
        return where(i, self.names[i], self.layers[i].class_name)

    def add(self, severity: str, message: str, hint: str = "", layer: int | None = None, field: str = "") -> None:
        self.items.append(Finding(severity, message, hint, layer, field))


def _resolve(family: str, value: Any, field: str) -> dict[str, Any] | None:
    """``value`` as ``{class_name, config}``: inline once :func:`check` has resolved the experiment; a preset
    name is looked up only when resolving failed (to name the unknown one)."""
    return resolve_component(family, value, field)  # type: ignore[arg-type]


def _check_args(c: _Collector) -> None:
    for i, layer in enumerate(c.layers):
        info = LAYERS[layer.class_name]
        for arg in info.args:
            field = f"model.layers[{i}].config.{arg.name}"
            if arg.name not in layer.config:
                if arg.required and arg.default is not None:
                    c.add(
                        ERROR,
                        f"{c.at(i)}: {arg.name} is not set (Keras needs it)",
                        f"set {arg.name}, e.g. {arg.name} = {arg.default!r}",
                        i,
                        field,
                    )
                continue
            value = layer.config[arg.name]
            allowed = arg.check(value)
            if allowed is not None:
                c.add(ERROR, f"{c.at(i)}: {arg.name} = {value!r} is out of range", f"allowed: {allowed}", i, field)
        for key, family in COMPONENT_KEYS.items():
            if key in layer.config and isinstance(layer.config[key], str):
                try:
                    _resolve(family, layer.config[key], f"model.layers[{i}].config.{key}")
                except TuidlError as e:
                    c.add(
                        ERROR,
                        f"{c.at(i)}: {key} = {layer.config[key]!r} is not a known {family[:-1]} preset",
                        e.hint or e.message,
                        i,
                        f"model.layers[{i}].config.{key}",
                    )


def _lr_values(lr: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(lr, dict):
        cfg = lr.get("config") or {}
        if "initial_learning_rate" in cfg:
            yield "learning_rate.config.initial_learning_rate", cfg["initial_learning_rate"]
        if "warmup_target" in cfg and cfg["warmup_target"] is not None:
            yield "learning_rate.config.warmup_target", cfg["warmup_target"]
        for j, v in enumerate(cfg.get("values") or ()):
            yield f"learning_rate.config.values[{j}]", v
    else:
        yield "learning_rate", lr


def _check_optimizer(c: _Collector, exp: Experiment) -> None:
    try:
        ref = _resolve("optimizers", exp.compile.optimizer, "compile.optimizer")
    except TuidlError as e:
        c.add(
            ERROR,
            f"compile.optimizer = {exp.compile.optimizer!r} is not a known optimizer preset",
            e.hint or e.message,
            None,
            "compile.optimizer",
        )
        return
    if ref is None:
        return
    cfg = ref.get("config") or {}
    info = OPTIMIZERS.get(ref["class_name"])
    lr = cfg.get("learning_rate", info.arg("learning_rate").default if info and info.arg("learning_rate") else 0.001)
    for path, v in _lr_values(lr):
        field = f"compile.optimizer.config.{path}"
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            c.add(
                ERROR,
                f"optimizer {ref['class_name']}: {path} = {v!r} is not a finite number",
                "set a learning rate such as 0.001",
                None,
                field,
            )
        elif v < 0:
            c.add(
                ERROR,
                f"optimizer {ref['class_name']}: {path} = {v!r} is negative",
                "a learning rate must be > 0, e.g. 0.001",
                None,
                field,
            )
        elif v == 0:
            c.add(
                WARNING,
                f"optimizer {ref['class_name']}: {path} = 0, so the weights never change",
                "set a learning rate > 0, e.g. 0.001",
                None,
                field,
            )
    if isinstance(lr, dict):
        sched = SCHEDULES.get(lr.get("class_name", ""))
        scfg = lr.get("config") or {}
        if sched is None:
            c.add(
                ERROR,
                f"optimizer {ref['class_name']}: unknown learning-rate schedule {lr.get('class_name')!r}",
                "allowed: " + ", ".join(SCHEDULES),
                None,
                "compile.optimizer.config.learning_rate",
            )
        else:
            for a in sched.args:
                if a.name in scfg and a.name not in ("initial_learning_rate", "values"):
                    allowed = a.check(scfg[a.name])
                    if allowed is not None:
                        c.add(
                            ERROR,
                            f"schedule {sched.class_name}: {a.name} = {scfg[a.name]!r} is out of range",
                            f"allowed: {allowed}",
                            None,
                            f"compile.optimizer.config.learning_rate.config.{a.name}",
                        )
            if sched.class_name == "PiecewiseConstantDecay":
                b, v = list(scfg.get("boundaries") or []), list(scfg.get("values") or [])
                if len(v) != len(b) + 1:
                    c.add(
                        ERROR,
                        f"schedule PiecewiseConstantDecay: {len(b)} boundaries need {len(b) + 1} values, got {len(v)}",
                        "give one more value than boundaries",
                        None,
                        "compile.optimizer.config.learning_rate.config.values",
                    )
                elif any(x >= y for x, y in zip(b, b[1:])):
                    c.add(
                        ERROR,
                        f"schedule PiecewiseConstantDecay: boundaries {b} are not increasing",
                        "list the step boundaries in increasing order",
                        None,
                        "compile.optimizer.config.learning_rate.config.boundaries",
                    )
    if info is not None:
        for a in info.args:
            if a.name != "learning_rate" and a.name in cfg:
                allowed = a.check(cfg[a.name])
                if allowed is not None:
                    c.add(
                        ERROR,
                        f"optimizer {info.class_name}: {a.name} = {cfg[a.name]!r} is out of range",
                        f"allowed: {allowed}",
                        None,
                        f"compile.optimizer.config.{a.name}",
                    )


def _check_callbacks(c: _Collector, exp: Experiment, data: DataInfo | None) -> None:
    val = exp.data.validation_split > 0 and (data is None or data.n_val > 0)
    for j, cb in enumerate(exp.fit.callbacks):
        info = CALLBACKS.get(cb.class_name)
        field = f"fit.callbacks[{j}]"
        if info is None:
            c.add(
                ERROR,
                f"fit.callbacks[{j}]: unknown callback {cb.class_name!r}",
                "allowed: " + ", ".join(CALLBACKS),
                None,
                field,
            )
            continue
        for a in info.args:
            if a.name in cb.config and a.kind != "choice":
                allowed = a.check(cb.config[a.name])
                if allowed is not None:
                    c.add(
                        ERROR,
                        f"{cb.class_name}: {a.name} = {cb.config[a.name]!r} is out of range",
                        f"allowed: {allowed}",
                        None,
                        f"{field}.config.{a.name}",
                    )
        monitor = cb.config.get("monitor", "val_loss")
        if isinstance(monitor, str) and monitor.startswith("val_") and not val:
            c.add(
                WARNING,
                f"{cb.class_name} watches {monitor!r} but there is no validation data "
                f"(data.validation_split = {exp.data.validation_split})",
                f"set data.validation_split > 0 or monitor = {monitor[4:]!r}",
                None,
                f"{field}.config.monitor",
            )


def _check_inits(c: _Collector) -> None:
    weighted = [i for i, l in enumerate(c.layers) if "kernel_initializer" in LAYERS[l.class_name].accepts]
    hidden = weighted[:-1]
    for i in hidden:
        value = c.layers[i].config.get("kernel_initializer")
        if value is None:
            continue
        try:
            ref = _resolve("initializers", value, f"model.layers[{i}].config.kernel_initializer")
        except TuidlError:
            continue  # reported by _check_args
        if ref and ref["class_name"] in CONSTANT_INITIALIZERS:
            field = f"model.layers[{i}].config.kernel_initializer"
            shown = value if isinstance(value, str) else c.labels.get(field, ref["class_name"])
            c.add(
                WARNING,
                f"{c.at(i)}: kernel_initializer = {shown!r} gives every unit the same weights, "
                "so they all learn the same thing (symmetry is never broken)",
                "use a random initializer such as 'glorot-uniform' or 'he-normal'",
                i,
                f"model.layers[{i}].config.kernel_initializer",
            )


def _check_head(c: _Collector, exp: Experiment, data: DataInfo, shapes: Sequence[Shape | None]) -> None:
    layers = c.layers
    out_shape = shapes[-1]
    linfo, logits = loss_info(exp.compile.loss)
    loss_name = exp.compile.loss if isinstance(exp.compile.loss, str) else exp.compile.loss.class_name
    act_i, act = output_activation(layers)
    last = len(layers) - 1
    if out_shape is None:
        return
    label_rank = len(data.label_shape)
    # a classifier whose output is not one vector per sample
    if data.task == "classification" and len(out_shape) > 1:
        dense = None  # the earliest Dense of the trailing run of multi-axis outputs
        for i in range(last, -1, -1):
            shp = shapes[i]
            if shp is None or len(shp) < 2:
                break
            if layers[i].class_name == "Dense":
                dense = i
        in_shape = (shapes[dense - 1] if dense > 0 else data.input_shape) if dense is not None else None
        if dense is not None and in_shape is not None and len(in_shape) >= 2:
            c.add(
                ERROR,
                f"{c.at(dense)} gets a {len(in_shape) + 1}-D tensor {fmt_shape(in_shape)}, so the model "
                f"outputs {fmt_shape(out_shape)} instead of one prediction per sample",
                f"add Flatten or GlobalAveragePooling2D before layer {dense + 1}",
                dense,
                f"model.layers[{dense}]",
            )
        else:
            c.add(
                ERROR,
                f"the model outputs {fmt_shape(out_shape)}, not one prediction per sample",
                "add Flatten or GlobalAveragePooling2D and a Dense output layer at the end",
                last,
                f"model.layers[{last}]",
            )
        return
    units = out_shape[-1]
    head = act_i if act_i is not None else last
    ufield = f"model.layers[{head}].config.units" if "units" in layers[head].config else f"model.layers[{head}]"
    if data.task == "regression":
        if linfo is not None and linfo.task == "classification":
            c.add(
                ERROR,
                f"loss {loss_name} is for classification but the data has real-valued targets",
                "use mean_squared_error, mean_absolute_error or huber",
                None,
                "compile.loss",
            )
        want = data.label_shape[-1] if data.label_shape else 1
        if units is not None and units != want:
            c.add(
                ERROR,
                f"output {c.at(head)} has {units} units but the targets have {want} value(s) per sample",
                f"set units = {want}",
                head,
                ufield,
            )
        if act in _NONNEG_ACTS:
            c.add(
                WARNING,
                f"output {c.at(head)} uses activation {act!r}, which cannot predict negative targets "
                "(and relu stops learning once its input goes below 0)",
                "use activation 'linear' (unset) on a regression output",
                head,
                f"model.layers[{head}].config.activation",
            )
        return
    # classification
    n = data.n_classes
    if linfo is None:
        return
    if linfo.task == "regression":
        c.add(
            WARNING,
            f"loss {loss_name} is a regression loss but the data has {n} classes",
            "use sparse_categorical_crossentropy (integer labels) for classification",
            None,
            "compile.loss",
        )
        return
    # label format vs loss
    if linfo.labels == "onehot" and label_rank == 0:
        c.add(
            ERROR,
            f"loss {loss_name} needs one-hot labels but the labels are integer class ids (shape (None,))",
            "use sparse_categorical_crossentropy, or one-hot encode the labels",
            None,
            "compile.loss",
        )
    elif linfo.labels == "sparse" and label_rank == 1 and (data.label_shape[0] or 0) > 1:
        c.add(
            ERROR,
            f"loss {loss_name} needs integer class ids but the labels are one-hot rows {fmt_shape(data.label_shape)}",
            "use categorical_crossentropy with one-hot labels",
            None,
            "compile.loss",
        )
    binary = linfo.labels in ("binary", "signed")
    if binary and n is not None and n > 2:
        c.add(
            ERROR,
            f"loss {loss_name} is for two classes but the data has {n} classes",
            f"use sparse_categorical_crossentropy with a softmax output of {n} units",
            None,
            "compile.loss",
        )
    elif binary:
        if units is not None and units != 1 and not (label_rank == 1 and data.label_shape[0] == units):
            c.add(
                ERROR,
                f"output {c.at(head)} has {units} units but {loss_name} on two classes needs 1",
                "set units = 1 with activation 'sigmoid'",
                head,
                ufield,
            )
    elif n is not None and units is not None and units != n:
        c.add(
            ERROR,
            f"output {c.at(head)} has {units} units but the data has {n} classes",
            f"set units = {n}",
            head,
            ufield,
        )
    # output activation vs loss
    afield = f"model.layers[{head}].config.activation"
    if act == "softmax" and units == 1:
        c.add(
            ERROR,
            f"output {c.at(head)} applies softmax to 1 unit, which always outputs 1.0",
            "use activation 'sigmoid' for one unit, or as many units as classes with softmax",
            head,
            afield,
        )
    elif act == "softmax" and linfo.labels == "binary":
        c.add(
            ERROR,
            f"output {c.at(head)} uses softmax with {loss_name}",
            "use activation 'sigmoid' with binary crossentropy, or sparse_categorical_crossentropy with softmax",
            head,
            afield,
        )
    elif act == "sigmoid" and linfo.labels in ("sparse", "onehot") and (units or 0) > 1:
        c.add(
            WARNING,
            f"output {c.at(head)} uses sigmoid with {loss_name}: the class scores do not sum to 1",
            "use activation 'softmax'",
            head,
            afield,
        )
    if linfo.from_logits:
        if logits and act in _PROB_ACTS:
            c.add(
                ERROR,
                f"loss {loss_name} has from_logits = true but output {c.at(head)} already applies "
                f"{act!r}, so it would be applied twice",
                f"set from_logits = false, or remove the {act} activation (linear output)",
                head,
                "compile.loss.config.from_logits",
            )
        elif not logits and act not in _PROB_ACTS:
            want = "sigmoid" if linfo.labels == "binary" else "softmax"
            c.add(
                ERROR,
                f"output {c.at(head)} has activation {act!r}, so its outputs are not probabilities, "
                f"but loss {loss_name} has from_logits = false",
                f"set activation '{want}' on the output layer, or set from_logits = true in the loss",
                head,
                afield,
            )
    elif linfo.labels == "signed" and act in ("softmax",):
        c.add(
            WARNING,
            f"output {c.at(head)} uses softmax with {loss_name}",
            "use activation 'tanh' or 'linear' with hinge",
            head,
            afield,
        )


def check(
    exp: Experiment,
    data: DataInfo | None,
    shapes: Sequence[Shape | None] | None = None,
    names: Sequence[str] | None = None,
) -> list[Finding]:
    """Run every pre-flight rule on ``exp``.

    Args:
        exp: the experiment.
        data: what the data looks like; ``None`` skips the rules that need it
            (shapes, classes, labels).
        shapes: per-layer output shapes computed by Keras (the engine's
            ``LayerRow.output_shape``); when ``None`` they are inferred here
            from ``data.input_shape``.
        names: layer names as Keras has them; default :func:`layer_names`.

    Returns:
        findings, errors first, each naming the layer (1-based position and
        name), the values and the fix. Never raises for a bad experiment.
    """
    try:  # presets resolved once here, unless the caller did (then this is a no-op)
        exp = resolved(exp)
    except TuidlError:
        pass  # an unknown preset name: reported per field by the rules below
    layers = exp.model.layers
    names = list(names) if names is not None and len(names) == len(layers) else layer_names(layers)
    c = _Collector(names, layers, exp.preset_labels)
    if not layers:
        c.add(
            ERROR,
            "the model has no layers",
            "add layers, ending with an output layer (e.g. Dense)",
            None,
            "model.layers",
        )
    _check_args(c)
    _check_optimizer(c, exp)
    _check_callbacks(c, exp, data)
    _check_inits(c)
    args_ok = not any(f.severity == ERROR for f in c.items)
    if data is not None and layers and args_ok:
        inferred = infer_shapes(layers, data.input_shape)
        for i, r in enumerate(inferred):
            if r.problem:
                c.add(ERROR, f"{c.at(i)} {r.problem}", r.hint, i, f"model.layers[{i}]")
        c.items.extend(size_findings(exp, data.input_shape, names, inferred))
        if shapes is None or len(shapes) != len(layers):
            shapes = [r.output_shape for r in inferred]
        if all(s is not None for s in shapes):
            _check_head(c, exp, data, shapes)
    return sorted(c.items, key=lambda f: (f.severity != ERROR,))


_KERAS_FLOAT_KEYS = frozenset(
    {
        a.name
        for info in (*OPTIMIZERS.values(), *SCHEDULES.values())
        for a in info.args
        if a.kind in ("float", "optional_float")
    }
    | {
        "clipvalue",
        "global_clipnorm",
        "ema_momentum",
        "learning_rate_power",
        "l1_regularization_strength",
        "l2_regularization_strength",
        "initial_accumulator_value",
    }
)
"""Optimizer and schedule arguments that Keras wants as floats (it rejects ``learning_rate=0``)."""


def float_optimizer_config(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of an optimizer's ``{class_name, config}`` with integers given for float
    arguments turned into floats, also inside a learning-rate schedule.

    TOML writes ``learning_rate = 1`` as an integer, and Keras 3 refuses an int
    learning rate ("Argument `learning_rate` should be float, or an instance of
    LearningRateSchedule ..."). Booleans are left alone. ``None`` -> ``None``.
    """
    if ref is None:
        return None

    def fix(cfg: dict[str, Any]) -> dict[str, Any]:
        out = dict(cfg)
        for key, v in cfg.items():
            if isinstance(v, dict) and key == "learning_rate":
                out[key] = {**v, "config": fix(dict(v.get("config") or {}))}
            elif key in _KERAS_FLOAT_KEYS and isinstance(v, int) and not isinstance(v, bool):
                out[key] = float(v)
            elif key == "values" and isinstance(v, list):
                out[key] = [float(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]
        return out

    return {**ref, "config": fix(dict(ref.get("config") or {}))}


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error (training must not start)."""
    return any(f.severity == ERROR for f in findings)


def format_finding(f: Finding) -> str:
    """One finding as text: ``error: <message>\\n  fix: <hint>``."""
    text = f"{f.severity}: {f.message}"
    if f.hint:
        text += f"\n  fix: {f.hint}"
    return text


def estimate_summary(exp: Experiment, data: DataInfo, request_id: int = 0) -> Summary:
    """A :class:`~tuidl.core.events.Summary` computed here, without Keras.

    Shapes and parameter counts come from :func:`infer_shapes` (the formulas of
    Keras 3; ``tests/engine`` compares them with ``model.summary()`` for every
    catalog layer) and findings from :func:`check`. Used as a fast path while
    the engine is loading, and as the summary source of UI tests.
    """
    from tuidl.core.events import LayerRow

    layers = exp.model.layers
    names = layer_names(layers)
    rows: list[LayerRow] = []
    try:
        inferred = (
            infer_shapes(layers, data.input_shape)
            if not any(f.severity == ERROR and f.layer is not None for f in check(exp, None))
            else []
        )
    except Exception:  # noqa: BLE001 - an estimate must never raise
        inferred = []
    for i, r in enumerate(inferred):
        if r.output_shape is None:
            break
        rows.append(LayerRow(i, names[i], layers[i].class_name, tuple(r.output_shape), r.params, r.trainable_params))
    total = sum(r.params for r in rows)
    trainable = sum(r.trainable_params for r in rows)
    return Summary(
        request_id=request_id,
        input_shape=tuple(data.input_shape),
        rows=tuple(rows),
        total_params=total,
        trainable_params=trainable,
        non_trainable_params=total - trainable,
        data={"task": data.task, "n_classes": data.n_classes, "model_input_shape": list(data.input_shape)},
        findings=tuple(check(exp, data)),
    )
