"""Requests the UI sends to the engine process (see ``tuidl.engine.host``).

Requests are frozen, picklable dataclasses sent over a
``multiprocessing.Pipe``; the engine answers with events from
:mod:`tuidl.core.events`. Train requests run one at a time on the engine's
main thread; Summarize requests run on a separate summary thread, so they are
answered while a run trains (of several queued, only the newest per requester
is built: each request names its ``requester``, the dashboard or the screen
that asked, and the answer names it back); control requests
(stop, pause, set learning rate) are acted on at once by its reader thread and
take effect after the current batch. Export requests run on an export
thread of their own (neither behind a training run nor coalesced).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DASHBOARD = "dashboard"
"""The requester of the dashboard's own summaries (screens use their Textual ``id``)."""


@dataclass(frozen=True)
class Request:
    """Base of all requests."""


@dataclass(frozen=True)
class Summarize(Request):
    """Build the model of ``spec`` (a dict as ``Experiment.model_dump()``) and answer with a Summary.

    ``base_dir`` resolves relative data paths. ``requester`` names who asked
    (:data:`DASHBOARD` or a screen's id): the engine builds only the newest
    queued request of each requester, and its answer (a Summary, or a RunFailed
    with ``run_id == ""``) carries ``request_id`` and ``requester`` back.
    """

    request_id: int
    spec: dict[str, Any]
    base_dir: str | None = None
    requester: str = DASHBOARD


@dataclass(frozen=True)
class Train(Request):
    """Train ``spec`` and write the run under ``runs_dir``; events stream back. ``run_name``:
    the run's name (``digits-mlp sgd l2``), default the experiment's."""

    spec: dict[str, Any]
    runs_dir: str
    base_dir: str | None = None
    run_name: str | None = None


@dataclass(frozen=True)
class Export(Request):
    """Write ``spec`` as a standalone Keras script at ``path`` (and its data, where the
    script cannot load them itself, as ``<path>.npz``); answered with an
    :class:`~tuidl.core.events.Exported` or an :class:`~tuidl.core.events.ExportFailed`
    carrying ``request_id``.

    ``path`` should be absolute (the engine's current folder is not the UI's
    concern). ``base_dir`` resolves relative data paths; ``source`` is the file
    the experiment came from, named in the script's docstring (``None``: "the
    tuidl builder"). See :func:`tuidl.engine.export.write_script`.
    """

    request_id: int
    spec: dict[str, Any]
    path: str
    base_dir: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Stop(Request):
    """Stop the current run after the batch in progress (status ``stopped``)."""


@dataclass(frozen=True)
class Shutdown(Request):
    """Stop any run and end the engine process."""
