"""Experiment -> compiled ``keras.Model``, and the per-layer summary the UI shows.

This is the only module that turns tuidl's plain data into Keras objects:

* layers: ``{class_name, config}`` -> ``keras.saving.deserialize_keras_object``
  (module ``keras.layers``, ``safe_mode=True``, so no Python lambdas);
* initializers, regularizers, optimizer: component presets are resolved with
  :func:`tuidl.core.presets.resolved` and turned into objects only with
  ``keras.initializers.get(dict)``, ``keras.regularizers.get(dict)`` and
  ``keras.optimizers.get(dict)`` — never with string shortcuts (in Keras 3.15
  ``regularizers.get("l1l2")`` silently gives a zero penalty);
* loss: :data:`tuidl.core.spec.LOSS_CLASSES` maps a loss name to its class,
  built with ``keras.losses.get({"class_name", "config"})``.

Layers get explicit, deterministic names: the config's ``name`` when given,
else Keras's snake-case class name counted per class by position (``dense``,
``dense_1``, ...), so names do not depend on Keras's global name counter.

Keras is imported inside functions only (see ARCHITECTURE.md).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from tuidl.core.checks import float_optimizer_config
from tuidl.core.checks import layer_names as _core_layer_names
from tuidl.core.checks import snake_case  # noqa: F401  (re-exported: engine callers use it)
from tuidl.core.errors import BuildError, TuidlError
from tuidl.core.events import Finding, LayerRow, Summary
from tuidl.core.components import KerasRef
from tuidl.core.presets import resolved
from tuidl.core.registry import COMPONENT_KEYS, LOSS_CLASSES
from tuidl.core.spec import Experiment
from tuidl.core.text import printable

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from tuidl.engine.data import Dataset


def layer_names(exp: Experiment) -> list[str]:
    """Explicit, deterministic Keras layer names for ``exp``'s layers, in order.

    The naming rule lives in :func:`tuidl.core.checks.layer_names` so that the
    builder, the pre-flight checks, the export and the engine agree; Keras's own
    global counter (``dense_7``) is never used.
    """
    return _core_layer_names(exp.model.layers)


_SGR_RE = re.compile(r"\x1b\[[0-9;]*m")


def keras_message(err: BaseException) -> str:
    """The useful part of a Keras exception's text (one paragraph, no config dumps).

    Keras wraps constructor errors as "... could not be deserialized properly ...
    Exception encountered: <the real message>"; this returns the innermost
    message.
    """
    text = str(err).strip() or type(err).__name__
    text = _SGR_RE.sub("", text)  # Keras bolds parts of its messages with terminal escape codes
    marker = "Exception encountered: "
    if marker in text:
        text = text.rsplit(marker, 1)[1]
    text = text.split("\n\nconfig=")[0].split(" Full object config:")[0]
    text = printable(" ".join(text.split()))  # no other control characters either (they quote values)
    return text if len(text) <= 600 else text[:597] + "..."


def _layer_label(i: int, name: str, class_name: str) -> str:
    return f"model.layers[{i}] ({name}, {class_name})"


def _component(family: str, ref: dict[str, Any] | None) -> Any:
    """``{class_name, config}`` -> Keras object via the family's own ``get(dict)``."""
    import keras

    if ref is None:
        return None
    ident = {"class_name": ref["class_name"], "config": dict(ref.get("config") or {})}
    getter = {
        "initializers": keras.initializers.get,
        "regularizers": keras.regularizers.get,
        "optimizers": keras.optimizers.get,
    }[family]
    return getter(ident)


def make_layer(class_name: str, config: dict[str, Any], name: str, where: str = "") -> "keras.layers.Layer":
    """Build one Keras layer from its (resolved) ``{class_name, config}``.

    Component values in ``config`` (``kernel_initializer`` ...) must already be
    ``{class_name, config}`` dicts (see :func:`tuidl.core.presets.resolved`) or
    ``None``; they become objects through ``keras.<family>.get(dict)``.

    Raises:
        BuildError: Keras rejects the class or an argument; the message names
            ``where`` (the layer) and Keras's message.
    """
    import keras

    cfg = dict(config)
    cfg["name"] = name
    try:
        for key, family in COMPONENT_KEYS.items():
            if key in cfg:
                value = cfg[key]
                if isinstance(value, str):
                    raise BuildError(
                        f"{where or class_name}.config.{key} = {value!r}: a component preset name "
                        "reached the engine unresolved",
                        hint="resolve the experiment first (tuidl.core.presets.resolved)",
                    )
                if isinstance(value, KerasRef):
                    value = value.model_dump()
                if value is None:
                    del cfg[key]
                else:
                    cfg[key] = _component(family, value)
        return keras.saving.deserialize_keras_object(
            {"module": "keras.layers", "class_name": class_name, "config": cfg, "registered_name": None}, safe_mode=True
        )
    except TuidlError:
        raise
    except Exception as e:  # Keras raises TypeError/ValueError with its own text
        raise BuildError(f"{where or class_name}: {keras_message(e)}", hint="check this layer's arguments") from None


def _build_layers(exp: Experiment, input_shape: tuple[int, ...]) -> tuple[list[Any], list[Any], BuildError | None]:
    """Create and symbolically call each layer in turn.

    Returns ``(layers, outputs, error)``: the layers built so far, their
    symbolic outputs, and the first :class:`BuildError` (``None`` if all built).
    """
    import keras

    names = layer_names(exp)
    layers, outputs = [], []
    x = keras.Input(shape=tuple(input_shape), name="input")
    for i, (spec, name) in enumerate(zip(exp.model.layers, names)):
        where = _layer_label(i, name, spec.class_name)
        try:
            layer = make_layer(spec.class_name, spec.config, name, where)
            x = layer(x)
        except BuildError as e:
            e.layer, e.field = i, e.field or f"model.layers[{i}]"
            return layers, outputs, e
        except TuidlError as e:
            return (
                layers,
                outputs,
                BuildError(e.message, title=e.title, hint=e.hint, field=e.field or f"model.layers[{i}]", layer=i),
            )
        except Exception as e:
            shape = tuple(x.shape[1:])
            return (
                layers,
                outputs,
                BuildError(
                    f"{where}: input shape {shape}: {keras_message(e)}",
                    hint="change this layer or the one before it so that the shapes fit",
                    field=f"model.layers[{i}]",
                    layer=i,
                ),
            )
        layers.append(layer)
        outputs.append(x)
    return layers, outputs, None


def build_model(exp: Experiment, input_shape: tuple[int, ...]) -> "keras.Sequential":
    """Build (not compile) the ``keras.Sequential`` that ``exp`` describes.

    Args:
        exp: the experiment; preset names are resolved here.
        input_shape: one sample's shape without the batch axis, e.g. ``(64,)``
            or ``(8, 8, 1)`` (from the data, see ``fit_to_model``).

    Returns:
        A built ``keras.Sequential`` named ``exp.name``, starting with
        ``keras.Input(shape=input_shape)``, layers named as :func:`layer_names`.

    Raises:
        SpecError: an unknown component preset name.
        BuildError: the model has no layers, or Keras rejects a layer (the
            message names ``model.layers[i] (name, Class)`` and Keras's text).
    """
    import keras

    r = resolved(exp)
    if not r.model.layers:
        raise BuildError("the model has no layers", hint="add at least one layer (e.g. Dense)")
    layers, _, err = _build_layers(r, input_shape)
    if err is not None:
        raise err
    try:
        return keras.Sequential([keras.Input(shape=tuple(input_shape), name="input"), *layers], name=exp.name)
    except Exception as e:
        raise BuildError(f"model: {keras_message(e)}", field="model") from None


def make_optimizer(exp: Experiment) -> "keras.optimizers.Optimizer":
    """The optimizer of ``exp.compile.optimizer`` via ``keras.optimizers.get(dict)``.

    Integers given for float arguments (``learning_rate = 0`` in TOML) are made
    floats first (:func:`tuidl.core.checks.float_optimizer_config`).

    Raises:
        SpecError: unknown optimizer preset name.
        BuildError: Keras rejects the class or its config (names ``compile.optimizer``).
    """
    optimizer = resolved(exp).compile.optimizer  # a no-op for the resolved experiment callers hand down
    ref = float_optimizer_config(optimizer.model_dump() if isinstance(optimizer, KerasRef) else None)
    lr = (ref or {}).get("config", {}).get("learning_rate")
    if isinstance(lr, dict) and "module" not in lr:  # a schedule: Keras finds it only with its module
        ref["config"]["learning_rate"] = {"module": "keras.optimizers.schedules", "registered_name": None, **lr}
    try:
        return _component("optimizers", ref)
    except Exception as e:
        raise BuildError(
            f"compile.optimizer = {ref}: {keras_message(e)}",
            hint="use an optimizer preset name or a valid { class_name, config }",
            field="compile.optimizer",
        ) from None


def make_loss(exp: Experiment) -> "keras.losses.Loss":
    """The loss of ``exp.compile.loss`` via ``keras.losses.get({class_name, config})``.

    Raises:
        BuildError: Keras rejects the loss config (names ``compile.loss``).
    """
    import keras

    loss = exp.compile.loss
    if isinstance(loss, str):
        ident = {"class_name": LOSS_CLASSES[loss], "config": {}}
    else:
        ident = {"class_name": loss.class_name, "config": dict(loss.config)}
    try:
        return keras.losses.get(ident)
    except Exception as e:
        raise BuildError(f"compile.loss = {ident}: {keras_message(e)}", field="compile.loss") from None


def compile_model(model: "keras.Model", exp: Experiment) -> "keras.Model":
    """``model.compile(optimizer, loss, metrics)`` from ``exp.compile``.

    Raises:
        SpecError / BuildError: as :func:`make_optimizer`, :func:`make_loss`,
            or Keras rejecting a metric.
    """
    optimizer, loss = make_optimizer(exp), make_loss(exp)
    try:
        model.compile(optimizer=optimizer, loss=loss, metrics=list(exp.compile.metrics))
    except Exception as e:
        raise BuildError(f"compile: {keras_message(e)}", field="compile") from None
    return model


def _count(weights: list[Any]) -> int:
    return int(sum(math.prod(int(d) for d in w.shape) for w in weights))


def layer_rows(model: "keras.Model") -> list[LayerRow]:
    """One :class:`LayerRow` per layer of a built model (numbers as in ``model.summary()``)."""
    rows = []
    for i, layer in enumerate(model.layers):
        rows.append(
            LayerRow(
                index=i,
                name=layer.name,
                class_name=type(layer).__name__,
                output_shape=tuple(None if d is None else int(d) for d in layer.output.shape[1:]),
                params=int(layer.count_params()),
                trainable_params=_count(layer.trainable_weights),
            )
        )
    return rows


def _rows_of(layers: list[Any], outputs: list[Any]) -> list[LayerRow]:
    return [
        LayerRow(
            i,
            l.name,
            type(l).__name__,
            tuple(None if d is None else int(d) for d in o.shape[1:]),
            int(l.count_params()),
            _count(l.trainable_weights),
        )
        for i, (l, o) in enumerate(zip(layers, outputs))
    ]


class _TooLarge(Exception):
    """The model is over the memory budget: :func:`summarize` does not build it."""


def summarize(exp: Experiment, dataset: "Dataset", request_id: int = 0) -> Summary:
    """Build ``exp``'s model for ``dataset`` and describe it, without raising.

    Args:
        exp: the experiment (preset names allowed).
        dataset: the loaded data (its input shape is fitted to the first layer).
        request_id: echoed in the result.

    Returns:
        A :class:`Summary`: input shape and one row per layer (output shape
        without the batch axis, params as ``layer.count_params()``), totals
        (``model.count_params()``, trainable / non-trainable), ``dataset.describe()``
        and findings. A build problem gives an error :class:`Finding` naming the
        layer (and rows for the layers before it) instead of an exception. The
        pre-flight checks of ``tuidl.engine.checks.preflight`` are appended when
        that module is available.
    """
    from tuidl.engine.data import fit_to_model

    first = exp.model.layers[0].class_name if exp.model.layers else None
    input_shape = tuple(int(d) for d in fit_to_model(dataset.x_train[:1], first).shape[1:])
    data = dataset.describe()
    data["model_input_shape"] = list(input_shape)
    findings: list[Finding] = []
    rows: list[LayerRow] = []
    totals = (0, 0, 0)
    r = exp
    try:
        r = resolved(exp)  # once, for the build, the compile and the checks below
        if not r.model.layers:
            raise BuildError("the model has no layers", hint="add at least one layer (e.g. Dense)")
        from tuidl.engine.checks import size_errors

        if size_errors(r, dataset):  # named by preflight below; building it would allocate it all
            raise _TooLarge
        layers, outputs, err = _build_layers(r, input_shape)
        rows = _rows_of(layers, outputs)
        if err is not None:
            raise err
        total = sum(row.params for row in rows)
        trainable = sum(row.trainable_params for row in rows)
        totals = (total, trainable, total - trainable)
        make_optimizer(r)
        make_loss(r)
    except _TooLarge:
        pass
    except TuidlError as e:  # the error carries the field and layer it is about (set where it is raised)
        findings.append(Finding("error", e.message, e.hint, layer=e.layer, field=e.field))
    from tuidl.engine.checks import merge_findings, preflight

    try:  # tuidl's findings first; Keras's message only where no tuidl rule explains it
        findings = merge_findings(findings, preflight(r, dataset, tuple(rows)))
    except Exception as e:  # a broken check must not break the summary
        findings.append(Finding("warning", f"pre-flight checks failed: {type(e).__name__}: {e}"))
    return Summary(
        request_id=request_id,
        input_shape=input_shape,
        rows=tuple(rows),
        total_params=totals[0],
        trainable_params=totals[1],
        non_trainable_params=totals[2],
        data=data,
        findings=tuple(findings),
    )
