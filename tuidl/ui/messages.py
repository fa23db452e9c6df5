"""Textual messages of the tuidl UI.

Engine events (:mod:`tuidl.core.events`) reach the UI as one message type,
:class:`EngineEvent`, posted by the engine reader worker with
``post_message`` (thread-safe, non-blocking, ``False`` after exit). Batch
progress may be superseded by a newer batch of the same run when the UI is
behind (``can_replace``); epoch and run events never are.
"""

from __future__ import annotations

from textual.message import Message

from tuidl.core.events import BatchProgress, Event


class EngineEvent(Message):
    """An event from the engine process.

    Attributes:
        event: the engine event (a frozen dataclass from ``tuidl.core.events``).
        generation: which engine client sent it (the App starts a fresh client,
            with the next generation number, when the engine dies); events of an
            older generation are ignored.
    """

    def __init__(self, event: Event, generation: int = 0) -> None:
        super().__init__()
        self.event = event
        self.generation = generation

    def can_replace(self, message: Message) -> bool:
        """A pending newer batch of the same run supersedes this one (drop stale batches)."""
        return (
            isinstance(self.event, BatchProgress)
            and isinstance(message, EngineEvent)
            and isinstance(message.event, BatchProgress)
            and message.event.run_id == self.event.run_id
            and message.generation == self.generation
        )


class ExperimentChanged(Message):
    """A screen or widget asks the App to replace the experiment.

    Attributes:
        overrides: dotted-path overrides (``{"compile.optimizer": "sgd"}``),
            applied with ``Experiment.with_overrides``.
        reason: a short text for the log pane ("optimizer -> sgd").
    """

    def __init__(self, overrides: dict[str, object], reason: str = "") -> None:
        super().__init__()
        self.overrides = overrides
        self.reason = reason


class SummaryRequested(Message):
    """A screen asks the App for a Summary of ``exp`` (sent to the engine as a ``Summarize``).

    Posted by :class:`tuidl.ui.summaries.SummaryAsking`; the answer (a Summary,
    or a RunFailed with ``run_id == ""``) carries ``request_id`` and
    ``requester`` back, and the App hands it to the screen whose ``id`` is
    ``requester`` (its ``deliver_summary`` / ``deliver_failure``).

    Attributes:
        exp: the experiment to summarize (a ``tuidl.core.spec.Experiment``).
        request_id: the screen's number for the request (answers to older ones are dropped).
        requester: the asking screen's ``id``.
    """

    def __init__(self, exp: object, request_id: int, requester: str) -> None:
        super().__init__()
        self.exp = exp
        self.request_id = request_id
        self.requester = requester


class ExportRequested(Message):
    """A screen (the builder's ``E``) asks the App to export ``exp`` as a standalone Keras script
    at ``path``: sent to the engine as an ``Export``, which writes the script (and the ``.npz``
    of its data, loaded in the engine process); the App shows the answer.

    Attributes:
        exp: the experiment (a ``tuidl.core.spec.Experiment``; already checked with
            ``tuidl.core.script.export_problems``).
        path: the script's file, absolute.
    """

    def __init__(self, exp: object, path: str) -> None:
        super().__init__()
        self.exp = exp
        self.path = path
