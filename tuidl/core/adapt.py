"""Fitting an experiment to its data: the data screen's ``a`` (adapt) and its data-field messages.

Pure model/data logic over the spec and the registry; the UI calls it and
shows the result.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tuidl.core.catalog import STRUCTURED_INPUT_LAYERS
from tuidl.core.checks import layer_names, output_activation, where
from tuidl.core.registry import CLASSIFICATION_METRICS, LOSS_INFO, loss_info
from tuidl.core.spec import Experiment, LayerSpec, format_loc, problem_text

__all__ = ["adapt_model", "data_problems"]


def data_problems(err: ValidationError) -> list[tuple[str, str]]:
    """``[(path inside data, message)]`` for the ``data`` errors of an Experiment's ValidationError."""
    out: list[tuple[str, str]] = []
    for e in err.errors(include_url=False):
        loc = list(e["loc"])
        if loc and loc[0] == "data":
            loc = loc[1:]
        path = format_loc(loc)
        msg = problem_text(e)  # tuidl's words, never pydantic's
        shown = e.get("input")
        value = "" if shown is None or isinstance(shown, dict) else f" = {shown!r}"
        out.append((path, f"data.{path}{value}: {msg}"))
    return out


def adapt_model(exp: Experiment, data: dict[str, Any]) -> tuple[Experiment, list[str]]:
    """Fit ``exp``'s model to the data described by ``data`` (``Summary.data``); nothing else changes.

    * Flat data (``kind`` ``points`` or ``table``, one input axis): layers in
      :data:`~tuidl.core.catalog.STRUCTURED_INPUT_LAYERS` (convolutions, pooling, recurrent, Reshape,
      Embedding) are removed; the Dense stack stays.
    * Classification with ``k`` classes: the output layer gets ``k`` units and
      ``softmax`` (1 unit and ``sigmoid`` for a binary loss on two classes;
      linear when the loss has ``from_logits``); a regression loss, or a
      binary one on more than two classes, becomes
      ``sparse_categorical_crossentropy`` (metrics: ``accuracy``).
    * Regression: one linear output unit; a classification loss becomes
      ``mean_squared_error`` and classification metrics ``mean_absolute_error``.

    The output layer is the last Dense (one is appended when there is none).

    Returns:
        The adapted copy (``source`` kept) and one line per change, naming the
        layer and old and new values (empty when nothing had to change).
    """
    changes: list[str] = []
    layers = [l.model_dump(mode="python") for l in exp.model.layers]
    compile_ = exp.compile.model_dump(mode="python")
    shape = list(data.get("input_shape") or [])
    if data.get("kind") in ("points", "table") and len(shape) == 1:
        names = layer_names(exp.model.layers)
        removed = [
            where(i, names[i], l["class_name"])
            for i, l in enumerate(layers)
            if l["class_name"] in STRUCTURED_INPUT_LAYERS
        ]
        if removed:
            layers = [l for l in layers if l["class_name"] not in STRUCTURED_INPUT_LAYERS]
            changes.append(f"removed {', '.join(removed)}: the data is flat ({shape[0]} features per sample)")
    task, n = data.get("task"), data.get("n_classes")
    linfo, logits = loss_info(exp.compile.loss)
    metrics = list(compile_.get("metrics") or [])
    want_units: int | None = None
    want_act: str | None = "keep"
    if task == "classification" and n:
        if linfo is not None and (linfo.task == "regression" or (linfo.labels in ("binary", "signed") and n > 2)):
            compile_["loss"] = "sparse_categorical_crossentropy"
            changes.append(f"loss {linfo.name} → sparse_categorical_crossentropy ({n} classes)")
            linfo, logits = LOSS_INFO["sparse_categorical_crossentropy"], False
            kept = [m for m in metrics if m in CLASSIFICATION_METRICS]
            if kept != metrics or not kept:
                metrics = kept or ["accuracy"]
        binary = linfo is not None and linfo.labels in ("binary", "signed")
        want_units = 1 if binary else int(n)
        if linfo is not None and linfo.labels != "signed":
            want_act = None if logits else ("sigmoid" if binary else "softmax")
    elif task == "regression":
        if linfo is not None and linfo.task == "classification":
            compile_["loss"] = "mean_squared_error"
            changes.append(f"loss {linfo.name} → mean_squared_error (real-valued targets)")
        kept = [m for m in metrics if m not in CLASSIFICATION_METRICS]
        if kept != metrics:
            metrics = kept or ["mean_absolute_error"]
        want_units, want_act = 1, None
    if metrics != list(compile_.get("metrics") or []):
        changes.append(f"metrics {compile_.get('metrics')} → {metrics}")
        compile_["metrics"] = metrics
    if want_units is not None:
        specs = [LayerSpec.model_validate(l) for l in layers]
        names = layer_names(specs)
        dense = [i for i, l in enumerate(layers) if l["class_name"] == "Dense"]
        if not dense:
            cfg: dict[str, Any] = {"units": want_units}
            if want_act not in (None, "keep"):
                cfg["activation"] = want_act
            layers.append({"class_name": "Dense", "config": cfg})
            changes.append(
                f"added an output Dense with {want_units} units"
                + (f" and activation {want_act!r}" if "activation" in cfg else "")
            )
        else:
            h = dense[-1]
            cfg = layers[h]["config"]
            old = cfg.get("units")
            if old != want_units:
                cfg["units"] = want_units
                changes.append(f"output {where(h, names[h], 'Dense')}: units {old} → {want_units}")
            act_i, act = output_activation(specs)
            target = act_i if act_i is not None and act_i > h and layers[act_i]["class_name"] == "Activation" else h
            tcfg = layers[target]["config"]
            if want_act != "keep" and (act if target != h else tcfg.get("activation") or "linear") != (
                want_act or "linear"
            ):
                before = tcfg.get("activation") or "linear"
                if want_act is None:
                    if target == h:
                        tcfg.pop("activation", None)
                    else:
                        tcfg["activation"] = "linear"
                else:
                    tcfg["activation"] = want_act
                changes.append(
                    f"output {where(target, names[target], layers[target]['class_name'])}: "
                    f"activation {before} → {want_act or 'linear'}"
                )
    if not changes:
        return exp, []
    dumped = exp.model_dump(mode="python")
    dumped["model"]["layers"] = layers
    dumped["compile"] = compile_
    new = Experiment.model_validate(dumped)
    new._source = exp.source
    return new, changes
