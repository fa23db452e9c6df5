"""Requests the UI sends to the engine process (see ``tuidl.engine.host``).

Requests are frozen, picklable dataclasses sent over a
``multiprocessing.Pipe``; the engine answers with events from
:mod:`tuidl.core.events`. Train requests run one at a time on the engine's
main thread; Summarize requests run on a separate summary thread, so they are
answered while a run trains (of several queued, only the newest per requester
is built: the UI's ids are positive, the builder's negative); control requests
(stop, pause, set learning rate) are acted on at once by its reader thread and
take effect after the current batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    """Base of all requests."""


@dataclass(frozen=True)
class Summarize(Request):
    """Build the model of ``spec`` (a dict as ``Experiment.model_dump()``) and answer with a Summary.

    ``base_dir`` resolves relative data paths.
    """

    request_id: int
    spec: dict[str, Any]
    base_dir: str | None = None


@dataclass(frozen=True)
class Train(Request):
    """Train ``spec`` and write the run under ``runs_dir``; events stream back."""

    spec: dict[str, Any]
    runs_dir: str
    base_dir: str | None = None


@dataclass(frozen=True)
class Stop(Request):
    """Stop the current run after the batch in progress (status ``stopped``)."""


@dataclass(frozen=True)
class Shutdown(Request):
    """Stop any run and end the engine process."""
