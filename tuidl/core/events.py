"""Events that the engine sends while it works: frozen, picklable dataclasses.

They travel over the engine process's pipe and, inside the UI, are wrapped in
one Textual message. Every run event carries ``run_id`` so that handlers can
drop events of a run they no longer show. Times are ``time.time()`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuidl.core.protocol import DASHBOARD


@dataclass(frozen=True)
class Event:
    """Base of all engine events."""


@dataclass(frozen=True)
class EngineReady(Event):
    """The engine process has imported TensorFlow and can take requests.

    Attributes:
        versions: e.g. ``{"tensorflow": "2.21.0", "keras": "3.15.1"}``.
        devices: device names Keras sees (``["CPU:0"]``).
        seconds: how long the import took, seconds.
    """

    versions: dict[str, str] = field(default_factory=dict)
    devices: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class LogLine(Event):
    """A line of the engine's log (TensorFlow, absl, warnings, tuidl)."""

    text: str


@dataclass(frozen=True)
class LayerRow:
    """One row of a model summary, as in ``model.summary()``.

    Attributes:
        index: position in ``model.layers`` (0-based).
        name: the Keras layer name.
        class_name: the Keras layer class.
        output_shape: without the batch axis, e.g. ``(8, 8, 16)``.
        params: number of weights (trainable and not).
        trainable_params: number of trainable weights.
    """

    index: int
    name: str
    class_name: str
    output_shape: tuple[int | None, ...]
    params: int
    trainable_params: int


@dataclass(frozen=True)
class Finding:
    """A pre-flight check result.

    Attributes:
        severity: ``"error"`` blocks training, ``"warning"`` does not.
        message: what is wrong, naming the layer (position and name) and values.
        hint: the fix.
        layer: index of the layer it concerns, or ``None`` for the whole model.
        field: spec field path, e.g. ``model.layers[2].config.units``.
    """

    severity: str
    message: str
    hint: str = ""
    layer: int | None = None
    field: str = ""


@dataclass(frozen=True)
class Summary(Event):
    """Result of a summarize request: shapes, parameter counts, data, findings.

    Attributes:
        request_id: echoes the request.
        requester: echoes the request's requester (see :class:`tuidl.core.protocol.Summarize`).
        input_shape: the model's input shape without the batch axis.
        rows: one :class:`LayerRow` per layer.
        total_params, trainable_params, non_trainable_params: totals.
        data: description of the dataset (name, shapes, classes, samples).
        findings: pre-flight findings (errors and warnings).
    """

    request_id: int
    input_shape: tuple[int | None, ...] = ()
    rows: tuple[LayerRow, ...] = ()
    total_params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    requester: str = DASHBOARD


@dataclass(frozen=True)
class RunStarted(Event):
    """Training has begun (data loaded, model built and compiled).

    Attributes:
        run_id: the run's id (its folder name).
        run_dir: the run's folder, as a string path.
        epochs: epochs asked for.
        steps_per_epoch: batches per epoch.
        summary: the model summary for this run.
    """

    run_id: str
    run_dir: str
    epochs: int
    steps_per_epoch: int
    summary: Summary | None = None


@dataclass(frozen=True)
class BatchProgress(Event):
    """A training batch has ended (throttled: at most 20 per second).

    Attributes:
        epoch: 0-based epoch.
        batch: 0-based batch within the epoch.
        steps: batches per epoch.
        step: global 0-based step (epoch * steps + batch).
        logs: running means Keras reports (``loss``, metrics), floats.
    """

    run_id: str
    epoch: int
    batch: int
    steps: int
    step: int
    logs: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class EpochEnded(Event):
    """An epoch has ended; never throttled or merged.

    Attributes:
        epoch: 0-based epoch.
        logs: every log Keras gives (``loss``, ``val_loss``, metrics, ``learning_rate``).
        seconds: wall time since the run started, seconds.
        step: global steps done so far.
    """

    run_id: str
    epoch: int
    logs: dict[str, float]
    seconds: float = 0.0
    step: int = 0


@dataclass(frozen=True)
class RunFinished(Event):
    """The run ended without error.

    Attributes:
        status: ``"completed"`` or ``"stopped"`` (by the user or a callback).
        epochs_done: number of finished epochs.
        seconds: the run's duration, seconds (``run.json``'s ``duration``: from the run's start,
            after loading, to its end).
    """

    run_id: str
    status: str
    epochs_done: int
    seconds: float = 0.0


@dataclass(frozen=True)
class RunDiverged(Event):
    """The loss became non-finite; training stopped at once.

    Attributes:
        epoch, batch: where it happened (0-based).
        metric: which log was non-finite (``loss``).
        value: its value (``nan`` or ``inf``) as a string.
        epochs_done: finished epochs kept.
    """

    run_id: str
    epoch: int
    batch: int
    metric: str
    value: str
    epochs_done: int


@dataclass(frozen=True)
class RunFailed(Event):
    """The run (or a request) failed.

    Attributes:
        run_id: the run, or ``""`` when no run had started.
        kind: error kind (``spec``, ``data``, ``build``, ``train``, ``engine``).
        title, message, hint: what to show.
        epochs_done: finished epochs kept.
        request_id, requester: the Summarize request that failed (``run_id == ""``).
    """

    run_id: str
    kind: str
    title: str
    message: str
    hint: str = ""
    epochs_done: int = 0
    request_id: int = 0
    requester: str = DASHBOARD


@dataclass(frozen=True)
class Exported(Event):
    """An :class:`~tuidl.core.protocol.Export` request was done: the script is written.

    Attributes:
        request_id: the request's number.
        path: the script written.
        data_path: the ``.npz`` of the data written next to it, or ``""`` (the script loads its data).
    """

    request_id: int
    path: str
    data_path: str = ""


@dataclass(frozen=True)
class ExportFailed(Event):
    """An :class:`~tuidl.core.protocol.Export` request failed; nothing or part of it was written.

    Attributes:
        request_id: the request's number.
        kind: error kind (``spec``, ``data``, ``engine``).
        title, message, hint: what to show (the message names the field or file and the value).
    """

    request_id: int
    kind: str
    title: str
    message: str
    hint: str = ""


@dataclass(frozen=True)
class EngineExited(Event):
    """The engine process ended (on purpose or not).

    Attributes:
        exitcode: the process's exit code (negative: killed by that signal).
        expected: ``True`` after a Shutdown request.
    """

    exitcode: int | None
    expected: bool = False
