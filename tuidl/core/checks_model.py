"""Pre-flight rules of the model: layer arguments and component presets, constant initializers on hidden
layers, and the output head against the loss and the labels (units, activation, ``from_logits``, label
form, task)."""

from __future__ import annotations

from typing import Sequence

from tuidl.core.catalog import CONSTANT_INITIALIZERS, LAYERS
from tuidl.core.checks_base import DataInfo, _Collector, _resolve
from tuidl.core.errors import TuidlError
from tuidl.core.registry import COMPONENT_KEYS, loss_info
from tuidl.core.shapes import ERROR, WARNING, Shape, fmt_shape, layer_arg
from tuidl.core.spec import Experiment, LayerSpec


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
