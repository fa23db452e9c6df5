"""One way for a screen to ask for a Summary: :class:`SummaryAsking`.

The builder and the data screen both show an engine
:class:`~tuidl.core.events.Summary` of the experiment being edited, asked
for after each (debounced) edit, newest answer only. This mixin holds that
plumbing once:

* :meth:`SummaryAsking.ask_summary` numbers the request and records it as
  pending; then either calls the screen's ``summary_source`` (tests and fast
  paths: it may return the Summary, an awaitable of it, or ``None`` and
  deliver later) or posts :class:`~tuidl.ui.messages.SummaryRequested`
  (requester: the screen's ``id``) to the App, which sends a ``Summarize`` to
  the engine and routes the answer back to the screen with that id.
* :meth:`SummaryAsking.take_answer` accepts an answer only for the pending
  request (older answers are dropped) and returns the experiment it was
  asked for.

The screen itself decides what to show (``deliver_summary`` /
``deliver_failure``).
"""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable, Union

from textual import work

from tuidl.core.events import RunFailed, Summary
from tuidl.core.spec import Experiment
from tuidl.ui.messages import SummaryRequested

__all__ = ["SummaryAsking", "SummarySource"]

SummarySource = Callable[[Experiment, int], Union[Summary, Awaitable[Summary], None]]
"""``(experiment, request_id) -> Summary | awaitable | None``: who answers instead of the engine."""


class SummaryAsking:
    """Mixin for a :class:`~textual.screen.Screen` that asks for Summaries of an experiment.

    The screen sets :attr:`summary_source` (or leaves it ``None`` for the
    engine, through the App) and implements ``deliver_summary(Summary) -> bool``;
    its ``id`` names it as the requester.
    """

    summary_source: SummarySource | None = None

    def deliver_summary(self, summary: Summary) -> bool:
        """Show ``summary`` when it answers the pending request (:meth:`take_answer`); returns whether."""
        raise NotImplementedError

    def deliver_failure(self, failure: RunFailed) -> bool:
        """Show why the pending request could not be answered, when ``failure`` answers it."""
        raise NotImplementedError

    pending_id: int | None = None
    """The request whose answer is awaited (``None``: none; older answers are dropped)."""
    _pending_exp: Experiment | None = None
    _next_id: int = 0

    def ask_summary(self, exp: Experiment) -> int:
        """Ask for ``exp``'s Summary; returns the request's id (now :attr:`pending_id`)."""
        self._next_id += 1
        rid = self._next_id
        self.pending_id, self._pending_exp = rid, exp
        screen: Any = self
        if self.summary_source is None:
            screen.app.post_message(SummaryRequested(exp, rid, str(screen.id)))
            return rid
        result = self.summary_source(exp, rid)
        if inspect.isawaitable(result):
            self._await_summary(result)
        elif isinstance(result, Summary):
            self.deliver_summary(result)
        return rid

    @work(exclusive=True, group="summary", exit_on_error=False)
    async def _await_summary(self, result: Awaitable[Summary]) -> None:
        summary = await result
        self.deliver_summary(summary)

    def take_answer(self, answer: Summary | RunFailed) -> tuple[bool, Experiment | None]:
        """``(True, the experiment it was asked for)`` when ``answer`` answers the pending
        request (which is then no longer pending), else ``(False, None)``."""
        if self.pending_id is None or answer.request_id != self.pending_id:
            return False, None
        self.pending_id = None
        return True, self._pending_exp
