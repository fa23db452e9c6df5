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

The rules live in :mod:`tuidl.core.checks_model` (layer arguments, initializers, the output head against
the loss and labels) and :mod:`tuidl.core.checks_compile` (optimizer, learning rate, callbacks); what they
share (:class:`DataInfo`, the findings' text form) in :mod:`tuidl.core.checks_base`. This module runs them
(:func:`check`, :func:`estimate_summary`) and re-exports their public names.

Nothing here imports Keras or Textual; the engine (:mod:`tuidl.engine.checks`)
adds Keras's own build messages and prefers the shapes Keras computed.
"""

from __future__ import annotations

from typing import Sequence

from tuidl.core.checks_base import DataInfo, _Collector, format_finding, has_errors
from tuidl.core.checks_compile import _check_callbacks, _check_optimizer, float_optimizer_config
from tuidl.core.checks_model import _check_args, _check_head, _check_inits, output_activation
from tuidl.core.errors import TuidlError
from tuidl.core.events import Finding, Summary
from tuidl.core.presets import resolved
from tuidl.core.spec import Experiment
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
