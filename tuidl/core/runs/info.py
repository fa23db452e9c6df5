"""What ``run.json`` holds: the :class:`RunInfo` model (``format_version`` 2), the statuses,
run ids and times, and the facts read from a run's ``spec.toml``.

The format is documented in ``docs/run-format.md``. The writer (:mod:`.store`) validates
every ``run.json`` through :meth:`RunInfo.for_writing`; readers take any older or foreign
``run.json`` with :meth:`RunInfo.lenient` (a folder without ``format_version`` is version
1; unknown fields are kept, fields of the wrong type are dropped and named, never an error).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


STATUSES = ("running", "completed", "stopped", "failed", "diverged")
"""The statuses a writer stores in ``run.json``."""
UNREADABLE = "unreadable"
"""The status a reader shows for a run whose ``run.json`` cannot be read (the reason is its error)."""
DEFAULT_RUNS_DIR = "runs"


def runs_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The runs folder: ``--runs-dir``, else ``$TUIDL_RUNS_DIR``, else ``./runs``."""
    if cli_value:
        return Path(cli_value)
    return Path(os.environ.get("TUIDL_RUNS_DIR") or DEFAULT_RUNS_DIR)


def new_run_id(name: str, now: float | None = None) -> str:
    """``<yyyymmdd-hhmmss>-<name>-<4 hex>``, sortable by start time; ``name`` made folder-safe
    (:func:`~tuidl.core.runs.naming.folder_safe`: ``digits-mlp sgd l2`` -> ``digits-mlp-sgd-l2``)."""
    from tuidl.core.runs.naming import folder_safe

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    return f"{stamp}-{folder_safe(name)}-{secrets.token_hex(2)}"


def iso(ts: float | None) -> str | None:
    """``time.time()`` seconds -> ISO 8601 UTC string (``None`` stays ``None``)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def _parse_iso(s: Any) -> float | None:
    if not isinstance(s, str):
        return None
    try:
        return datetime.fromisoformat(s).timestamp()
    except ValueError:
        return None


def describe_component(v: Any) -> str | None:
    """A short label for a spec component: ``"adam"``, or ``"SGD lr=0.01"`` for ``{class_name, config}``."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        name = str(v.get("class_name", "?"))
        cfg = v.get("config") or {}
        lr = cfg.get("learning_rate") if isinstance(cfg, dict) else None
        return f"{name} lr={lr:g}" if isinstance(lr, (int, float)) else name
    return str(v)


def _short_component(v: Any, numbers: bool) -> str:
    """A layer component in a few characters: ``HeNormal``; with ``numbers`` its numeric
    arguments too: ``L2 0.001``, ``L1L2 0.001/0.01``."""
    if isinstance(v, dict) and not numbers:
        return str(v.get("class_name", "?"))
    if isinstance(v, dict):
        cfg = v.get("config") if isinstance(v.get("config"), dict) else {}
        nums = [f"{x:g}" for x in cfg.values() if isinstance(x, (int, float)) and not isinstance(x, bool)]
        return " ".join([str(v.get("class_name", "?")), "/".join(nums)]).strip()
    return str(v)


def layer_component(layers: Any, key: str) -> str | None:
    """What the layers of a spec use for ``key`` (``kernel_initializer``, ``kernel_regularizer``):
    the one value they share (the class; a regularizer's with its factors: ``L2 0.001``),
    ``"mixed"`` when they differ, ``None`` when no layer sets it (Keras's default; for a
    regularizer: none)."""
    if not isinstance(layers, list):
        return None
    seen: list[str] = []
    for layer in layers:
        cfg = layer.get("config") if isinstance(layer, dict) else None
        if isinstance(cfg, dict) and cfg.get(key) is not None:
            text = _short_component(cfg[key], numbers=key.endswith("regularizer"))
            if text not in seen:
                seen.append(text)
    if not seen:
        return None
    return seen[0] if len(seen) == 1 else "mixed"


def spec_facts(spec_toml: str) -> dict[str, Any]:
    """``{"dataset", "optimizer", "initializer", "regularizer", "epochs_planned"}`` read from
    spec TOML text (``regularizer`` ``"none"`` when no layer has one, ``initializer`` absent
    when no layer sets one); ``{}`` when unreadable."""
    import tomllib

    try:
        d = tomllib.loads(spec_toml)
    except (ValueError, TypeError, RecursionError):  # ValueError: TOMLDecodeError, an integer of > 4300 digits
        return {}
    out: dict[str, Any] = {}
    data, comp, fit = d.get("data"), d.get("compile"), d.get("fit")
    if isinstance(data, dict) and "name" in data:
        out["dataset"] = str(data["name"])
    if isinstance(comp, dict):
        out["optimizer"] = describe_component(comp.get("optimizer", "adam"))
    if isinstance(fit, dict) and isinstance(fit.get("epochs"), int):
        out["epochs_planned"] = fit["epochs"]
    model = d.get("model")
    layers = model.get("layers") if isinstance(model, dict) else None
    if isinstance(layers, list):
        init = layer_component(layers, "kernel_initializer")
        if init is not None:
            out["initializer"] = init
        out["regularizer"] = layer_component(layers, "kernel_regularizer") or "none"
    return out


FORMAT_VERSION = 2
"""The ``format_version`` a writer puts in ``run.json`` now. Version 1 (no
``format_version`` field) stored non-finite metrics in ``metrics.jsonl`` as the strings
``"nan"``, ``"inf"``, ``"-inf"``; version 2 writes the JSON tokens ``NaN``,
``Infinity``, ``-Infinity``. Readers take both (``docs/run-format.md``)."""


class _Open(BaseModel):
    """A part of ``run.json``: typed where tuidl writes it, open to fields it does not know
    (kept as they are), strict about types (``"5"`` is not an int, ``true`` is not a number)."""

    model_config = ConfigDict(extra="allow", strict=True)


class ErrorInfo(_Open):
    """``run.json``'s ``error``: why a run failed, stopped badly or diverged
    (:meth:`tuidl.core.errors.TuidlError.to_dict`). A diverged run's also says where:
    ``epoch`` and ``batch`` (0-based, as in ``metrics.jsonl``), ``metric`` (``loss``,
    ``val_loss``) and ``value`` (``"nan"``, ``"inf"``): the engine stops there, before
    that epoch reaches ``metrics.jsonl``."""

    kind: str | None = None
    title: str | None = None
    message: str | None = None
    hint: str | None = None
    epoch: int | None = None
    batch: int | None = None
    metric: str | None = None
    value: str | None = None


class FindingInfo(_Open):
    """One pre-flight warning stored in ``run.json``'s ``findings``
    (``tuidl.engine.train.finding_record``).

    Attributes:
        level: ``"warning"`` (errors stop a run before it has a folder).
        message, hint: the finding's text.
        field: the spec path the rule is about (``""`` when none).
        layer: 0-based layer index, ``None`` for the whole model.
    """

    level: str | None = None
    message: str | None = None
    hint: str | None = None
    field: str | None = None
    layer: int | None = None


class SummaryInfo(_Open):
    """``run.json``'s ``summary``: best values over the epochs, written when a run ends
    (:meth:`tuidl.core.runs.metrics.MetricsSummary.to_dict`; epochs 0-based)."""

    epochs: int | None = None
    best_val_loss: float | None = None
    best_val_loss_epoch: int | None = None
    metric: str | None = None
    best_metric: float | None = None
    best_metric_epoch: int | None = None
    last_time: float | None = None
    nonfinite: int | None = None


class RunInfo(_Open):
    """``run.json``: one run's facts (``docs/run-format.md`` lists every field).

    Every field is optional, so a ``run.json`` of any tuidl version (or a foreign one)
    reads; unknown fields are kept. Times are ISO 8601 strings (UTC); ``epochs_done``
    counts finished epochs.

    Attributes:
        format_version: 2 for what this writer writes; a file without it is version 1.
        run_id: the folder name. name: the run's name (the experiment's, then how it
            differs from its preset: :func:`tuidl.core.presets.run_name_for`). status: one of
            :data:`STATUSES` (a reader may meet others; it shows them as they are).
        started, ended: ISO 8601 times. duration: seconds from ``started`` to ``ended``
            (training, without loading TensorFlow and the data), to the millisecond. pid: the writing process (a ``running`` run
            whose process is gone reads as ``failed``). error: see :class:`ErrorInfo`.
        dataset: the dataset's description (a dict with ``name``; older runs: its name).
        optimizer: a short label (``"adam"``, ``"SGD lr=0.01"``).
        epochs_planned, epochs, batch_size, seed, steps_per_epoch: from the spec.
        params, trainable_params: parameter counts. epochs_done: finished epochs.
        findings: pre-flight warnings. summary: best values. model: ``"model.keras"``
            when the run kept its weights.
    """

    format_version: int = 1
    run_id: str | None = None
    name: str | None = None
    status: str | None = None
    started: str | None = None
    ended: str | None = None
    duration: float | None = None
    pid: int | None = None
    error: ErrorInfo | None = None
    dataset: str | dict[str, Any] | None = None
    optimizer: str | None = None
    epochs_planned: int | None = None
    epochs: int | None = None
    batch_size: int | None = None
    seed: int | None = None
    steps_per_epoch: int | None = None
    params: int | None = None
    trainable_params: int | None = None
    epochs_done: int | None = None
    findings: list[FindingInfo] | None = None
    summary: SummaryInfo | None = None
    model: str | None = None

    @classmethod
    def for_writing(cls, info: dict[str, Any]) -> "RunInfo":
        """Validate what a writer is about to store; sets ``format_version`` to
        :data:`FORMAT_VERSION`.

        Raises:
            ValueError: a field of the wrong type (``pydantic.ValidationError``, naming
                the field), or a status not in :data:`STATUSES`.
        """
        out = cls.model_validate({**info, "format_version": FORMAT_VERSION})
        if out.status not in STATUSES:
            raise ValueError(f"run.json: status {out.status!r} is not one of {', '.join(STATUSES)}")
        return out

    def to_json(self) -> str:
        """The ``run.json`` text: the fields that were given (explicit ``null`` included),
        unknown fields as they came, indented; values JSON cannot hold written as text."""
        return json.dumps(self.model_dump(exclude_unset=True), indent=2, default=str)

    @classmethod
    def lenient(cls, d: dict[str, Any]) -> tuple["RunInfo", tuple[str, ...]]:
        """Read any ``run.json`` object, never failing: a known field whose value has the
        wrong type (hand-edited, or from a foreign writer) is left out and named.

        Returns:
            ``(info, dropped)``: ``dropped`` lists the left-out fields (``("params",)``).
        """
        data = dict(d)
        dropped: list[str] = []
        while True:
            try:
                return cls.model_validate(data), tuple(dropped)
            except ValidationError as e:
                bad = {err["loc"][0] for err in e.errors() if err["loc"] and err["loc"][0] in data}
                if not bad:  # cannot happen with every field optional; keep the reader total
                    return cls(), tuple(sorted(data))
                for k in sorted(str(b) for b in bad):
                    dropped.append(k)
                    data.pop(k, None)
