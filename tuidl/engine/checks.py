"""Pre-flight checks on the engine side: the pure rules of :mod:`tuidl.core.checks` fed with real data.

:func:`tuidl.engine.build.summarize` calls :func:`preflight` after it has
tried to build the model, and joins Keras's own build message (if any) with
tuidl's findings through :func:`merge_findings`: when a tuidl rule already
explains the problem on a layer, Keras's message for that layer is left out;
otherwise it is kept, after tuidl's findings, and names the layer 1-based like
them (``layer 1 conv2d (Conv2D): Keras says: ...``). This module adds every
rule of ``tuidl.core.checks``, using the shapes Keras computed when the whole
model built, and shape inference otherwise. Nothing here imports Keras.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Sequence

from tuidl.core.checks import ERROR, DataInfo, check, where
from tuidl.core.events import Finding, LayerRow
from tuidl.core.spec import Experiment

if TYPE_CHECKING:  # pragma: no cover
    from tuidl.engine.data import Dataset


def data_info(exp: Experiment, dataset: "Dataset") -> DataInfo:
    """What the model of ``exp`` is fed from ``dataset``.

    The input shape is the dataset's sample shape fitted to the first layer
    (``tuidl.engine.data.fit_to_model``: images are flattened for a Dense
    first layer); labels are described by ``y_train``'s shape and dtype after
    ``tuidl.engine.data.labels_for_loss``, i.e.
    as they will be fed for this loss.
    """
    from tuidl.engine.data import fit_to_model, labels_for_loss

    first = exp.model.layers[0].class_name if exp.model.layers else None
    x = fit_to_model(dataset.x_train[:1], first)
    y = dataset.y_train[:64]
    if dataset.task == "classification":
        try:  # the labels as the pipeline will feed them for this loss
            y = labels_for_loss(y, exp.compile.loss, dataset.n_classes)
        except Exception:  # noqa: BLE001 - the rules below report what does not fit
            pass
    return DataInfo(
        input_shape=tuple(int(d) for d in x.shape[1:]),
        task=dataset.task,
        n_classes=dataset.n_classes,
        label_shape=tuple(int(d) for d in y.shape[1:]),
        integer_labels=y.dtype.kind in "iub",
        n_val=int(len(dataset.x_val)),
    )


def preflight(exp: Experiment, dataset: "Dataset | None", rows: Sequence[LayerRow] | None) -> list[Finding]:
    """Every pre-flight finding for ``exp`` on ``dataset``.

    Args:
        exp: the experiment (preset names allowed).
        dataset: the loaded data, or ``None`` when it could not be loaded
            (then only the rules that need no data run).
        rows: the engine's layer rows; when they cover every layer their
            output shapes and names are used, otherwise (``None`` or a partial
            tuple because the build failed) shapes are inferred.

    Returns:
        Findings, errors first (see :func:`tuidl.core.checks.check`). The
        "no layers" finding is left to the engine's own build message.
    """
    data = data_info(exp, dataset) if dataset is not None else None
    complete = rows is not None and len(rows) == len(exp.model.layers) and len(rows) > 0
    shapes = [r.output_shape for r in rows] if complete else None  # type: ignore[union-attr]
    names = [r.name for r in rows] if complete else None  # type: ignore[union-attr]
    return [f for f in check(exp, data, shapes, names) if f.field != "model.layers"]


KERAS_SAYS = "Keras says: "
"""Marks a finding whose text is Keras's own (see :func:`merge_findings`)."""

_KERAS_LAYER = re.compile(r"^model\.layers\[(\d+)\] \(([^,()]+), (\w+)\): (.*)$", re.S)


def keras_finding(f: Finding) -> Finding:
    """Keras's build message as a finding phrased like tuidl's.

    ``model.layers[0] (conv2d, Conv2D): <Keras's text>`` (0-based, as
    :func:`tuidl.engine.build.summarize` reports it) becomes ``layer 1 conv2d
    (Conv2D): Keras says: <Keras's text>``; other findings are returned as they are.
    """
    m = _KERAS_LAYER.match(f.message)
    if m is None:
        return f
    i, name, cls, text = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    return Finding(f.severity, f"{where(i, name, cls)}: {KERAS_SAYS}{text}", f.hint, f.layer, f.field)


def is_keras(f: Finding) -> bool:
    """True for a finding that carries Keras's own message (after :func:`keras_finding`)."""
    return KERAS_SAYS in f.message or bool(_KERAS_LAYER.match(f.message))


def _explains(own: Finding, build: Finding) -> bool:
    """Whether tuidl's error ``own`` is the reason for Keras's build failure ``build`` (same layer)."""
    if own.layer != build.layer:
        return False
    if own.field == f"model.layers[{build.layer}]":
        return True  # a shape rule about the whole layer
    prefix = f"model.layers[{build.layer}].config."
    if own.field.startswith(prefix):
        arg = own.field[len(prefix) :].split(".")[0]
        return bool(arg) and arg in build.message
    return False


def merge_findings(build: Iterable[Finding], own: Iterable[Finding]) -> list[Finding]:
    """tuidl's findings (``own``, from :func:`preflight`), then the build's that they do not explain.

    A build finding is left out when a tuidl *error* explains it: a shape rule
    on the same layer (field ``model.layers[i]``), an argument rule on the same
    layer whose argument Keras's message names, or the same field (an unknown
    preset named in both). An unrelated tuidl error on that layer (say, the
    output activation against the loss) does not hide Keras's message. The ones
    kept come after tuidl's, Keras's messages rephrased by :func:`keras_finding`.
    """
    own = list(own)
    errors = [f for f in own if f.severity == ERROR]
    kept = []
    for b in build:
        same_layer = b.layer is not None and any(_explains(o, b) for o in errors)
        whole_layer = b.layer is not None and b.field == f"model.layers[{b.layer}]"  # judged by _explains
        same_field = (
            bool(b.field)
            and not whole_layer
            and any(o.field and (o.field.startswith(b.field) or b.field.startswith(o.field)) for o in errors)
        )
        if not (same_layer or same_field):
            kept.append(keras_finding(b))
    return own + kept


def size_errors(exp: Experiment, dataset: "Dataset") -> list[Finding]:
    """Errors for a model too large to train on this machine, from the Keras-free estimate.

    Run before Keras builds anything (``tuidl check``, :func:`tuidl.engine.build.summarize`,
    training), since building such a model allocates its weights at once.
    See :func:`tuidl.core.checks.size_findings`.
    """
    from tuidl.core.checks import size_findings

    return size_findings(exp, data_info(exp, dataset).input_shape)


def raise_on_errors(exp: Experiment, dataset: "Dataset", rows: Sequence[LayerRow] | None) -> list[Finding]:
    """Stop a run before training when a pre-flight check finds an error (issue 3: errors block training).

    With ``rows=None`` the shapes are inferred without Keras (training calls it so
    before Keras loads, then again with the built model's rows).

    Returns:
        the warnings (training goes on with them).

    Raises:
        BuildError: listing every error finding with its fix.
    """
    from tuidl.core.checks import ERROR, format_finding
    from tuidl.core.errors import BuildError

    findings = preflight(exp, dataset, rows)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        text = "\n".join(format_finding(f) for f in errors)
        raise BuildError(
            f"{len(errors)} pre-flight error(s):\n{text}",
            title="Pre-flight check failed",
            hint="fix these in the builder (b) or the preset file; `tuidl check` lists them",
        )
    return [f for f in findings if f.severity != ERROR]
