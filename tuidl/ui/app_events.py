"""The App's engine-event handlers: each engine event type has one method, dispatched by a table.

:class:`EngineEvents` is a mixin of :class:`~tuidl.ui.app.TuidlApp`. :meth:`EngineEvents.on_engine_event`
(a Textual message handler, found through the class's MRO) takes the
:class:`~tuidl.ui.messages.EngineEvent` the reader worker posts, drops one from an older engine, hands a
screen's Summary (or failed Summarize) to that screen, and calls the handler that
:attr:`EngineEvents._EVENT_HANDLERS` names for the event's type: state (training, the run in progress) and
what the dashboard shows.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from tuidl.core import events as ev
from tuidl.core.enginelog import EngineLogFolder
from tuidl.core.protocol import DASHBOARD
from tuidl.core.runs import mark_run_ended
from tuidl.core.text import format_duration, plural, printable
from tuidl.ui.messages import EngineEvent
from tuidl.ui.modals import ErrorModal
from tuidl.ui.summaries import SummaryAsking

__all__ = ["EngineEvents"]


class EngineEvents:
    """Engine event handlers and the run-state helpers they share (mixed into :class:`~tuidl.ui.app.TuidlApp`)."""

    # provided by TuidlApp
    generation: int
    engine_ready: bool
    training: bool
    current_run: ev.RunStarted | None
    last_status: str
    client: Any
    dashboard: Any
    screen_stack: Any
    _dashboard: Any
    _summary_id: int
    _engine_closing: threading.Event
    refresh_bindings: Any
    push_screen: Any
    notify: Any
    _fix_orphan_runs: Any
    _start_engine: Any

    def _set_status(self, state: str, text: str) -> None:
        self.last_status = f"{state}: {text}"
        if self._dashboard is not None and self._dashboard.is_mounted:
            self._dashboard.set_status(state, text)

    def _run_ended(self) -> None:
        self.training = False
        self.current_run = None
        self.refresh_bindings()

    def _is_current(self, run_id: str) -> bool:
        return self.current_run is not None and run_id == self.current_run.run_id

    _EVENT_HANDLERS: dict[type[ev.Event], str] = {
        ev.BatchProgress: "_engine_batch",
        ev.EpochEnded: "_engine_epoch",
        ev.LogLine: "_engine_log_line",
        ev.EngineReady: "_engine_ready",
        ev.Summary: "_engine_summary",
        ev.RunStarted: "_engine_run_started",
        ev.RunFinished: "_engine_run_finished",
        ev.RunDiverged: "_engine_run_diverged",
        ev.RunFailed: "_on_failed",
        ev.Exported: "_engine_exported",
        ev.ExportFailed: "_engine_export_failed",
        ev.EngineExited: "_on_engine_exited",
    }
    """Engine event type -> the method that handles it (one per type; unknown types are ignored)."""

    def on_engine_event(self, message: EngineEvent) -> None:
        """Turn one engine event into state and display (epochs are never dropped): hand it to
        its type's handler (:attr:`_EVENT_HANDLERS`); a screen's Summary (or failed Summarize)
        goes to that screen."""
        if message.generation != self.generation:
            return
        e = message.event
        if isinstance(e, (ev.Summary, ev.RunFailed)) and e.requester != DASHBOARD:
            self._summary_to_screen(e)
            return
        name = self._EVENT_HANDLERS.get(type(e))
        if name is not None:
            getattr(self, name)(e)

    def _engine_batch(self, e: ev.BatchProgress) -> None:
        if self._is_current(e.run_id):
            self.dashboard.show_batch(e)

    def _engine_epoch(self, e: ev.EpochEnded) -> None:
        if self._is_current(e.run_id):
            d = self.dashboard
            d.show_epoch(e)
            logs = " ".join(f"{k}={v:.4g}" for k, v in e.logs.items() if isinstance(v, float))
            d.log_line(f"epoch {e.epoch + 1}: {logs}")

    def _engine_log_line(self, e: ev.LogLine) -> None:
        # each message once: TensorFlow's start-up folded, records an event also reports left out
        for line in self._engine_log().feed(e.text):
            self.dashboard.log_line(line)

    def _engine_log(self) -> EngineLogFolder:
        """The folder of this engine's log lines (a fresh one per engine, :meth:`_new_engine_log`)."""
        folder = getattr(self, "_log_folder", None)
        if folder is None:
            folder = self._log_folder = EngineLogFolder()
        return folder

    def _new_engine_log(self, client: Any) -> None:
        """Start folding the log of a new engine ``client``; the fold line names its log file."""
        path = getattr(client, "log_path", None)
        name = "engine.log"
        if isinstance(path, str) and path:
            home = os.path.expanduser("~")
            name = "~" + path[len(home) :] if home not in ("", "/") and path.startswith(home + os.sep) else path
        self._log_folder = EngineLogFolder(name)

    def _engine_ready(self, e: ev.EngineReady) -> None:
        self.engine_ready = True
        versions = " ".join(f"{k} {v}" for k, v in e.versions.items())
        short = " · ".join(f"{k} {e.versions[k]}" for k in ("tensorflow", "keras") if k in e.versions)
        devices = ", ".join(e.devices) or "no devices"
        for line in self._engine_log().flush():  # "TensorFlow started (N lines ...)" before "ready"
            self.dashboard.log_line(line)
        self.dashboard.log_line(f"tuidl: engine ready in {e.seconds:.1f} s: {versions} on {devices}")
        if self.training and self.current_run is None:
            self._set_status("training", "training: starting…")
        else:
            self._set_status("ready", f"ready · {short or versions} · {devices} · t to train")

    def _engine_summary(self, e: ev.Summary) -> None:
        if e.request_id == self._summary_id:
            self.dashboard.show_summary(e)

    def _engine_run_started(self, e: ev.RunStarted) -> None:
        self.current_run = e
        if not self.training:  # a Footer refresh re-composes it: only when the state changes
            self.training = True
            self.refresh_bindings()
        self.dashboard.run_started(e)
        self._set_status("training", f"training {e.run_id} · {e.epochs} epochs × {e.steps_per_epoch} batches")

    def _engine_run_finished(self, e: ev.RunFinished) -> None:
        if not (self.current_run is None or self._is_current(e.run_id)):
            return
        d = self.dashboard
        self._run_ended()
        state = "completed" if e.status == "completed" else "stopped"
        if not e.run_id:  # stopped before it began (e.g. queued while the engine loaded)
            self._set_status(state, "queued run cancelled before it started · t to train")
            d.log_line("tuidl: the queued run was cancelled before it started")
            return
        done = plural(e.epochs_done, "epoch")
        self._set_status(state, f"{e.status} {e.run_id} · {done} in {format_duration(e.seconds)}")
        d.log_line(f"tuidl: run {e.run_id} {e.status} after {plural(e.epochs_done, 'epoch')}")

    def _engine_run_diverged(self, e: ev.RunDiverged) -> None:
        if self.current_run is None or self._is_current(e.run_id):
            self._run_ended()
            self.dashboard.run_diverged(e)
            self._set_status(
                "diverged",
                f"diverged {e.run_id}: {e.metric}={e.value} at epoch {e.epoch + 1} "
                f"batch {e.batch + 1}; {plural(e.epochs_done, 'epoch')} kept",
            )
            self.dashboard.log_line(f"tuidl: run {e.run_id} diverged ({e.metric}={e.value})")

    def _on_failed(self, e: ev.RunFailed) -> None:
        d = self.dashboard
        if not e.run_id and e.request_id:
            # a Summarize failed: show it with the experiment (no run was affected)
            if e.request_id == self._summary_id:
                d.show_summary_error(e.title, e.message, e.hint, e.kind)
                d.log_line(f"tuidl: summary failed: {e.title}: {e.message}")
            return
        if self.current_run is not None and e.run_id and not self._is_current(e.run_id):
            return
        self._run_ended()
        self._set_status("failed", f"failed: {e.title}: {e.message}")
        d.log_line(f"tuidl: run {e.run_id or '(not started)'} failed: {e.title}: {e.message}")
        self.push_screen(ErrorModal(e.title, e.message, e.hint))

    def _engine_exported(self, e: ev.Exported) -> None:
        path = printable(e.path)
        data = f" (data: {printable(e.data_path)})" if e.data_path else ""
        self.dashboard.log_line(f"tuidl: exported {path}{data}")
        self.notify(f"wrote {path}{data}; run it with: python {path}", title="Exported", markup=False)

    def _engine_export_failed(self, e: ev.ExportFailed) -> None:
        self.dashboard.log_line(f"tuidl: export failed: {e.title}: {e.message}")
        self.push_screen(ErrorModal(e.title, e.message, e.hint))

    def _on_engine_exited(self, e: ev.EngineExited) -> None:
        if e.expected or self._engine_closing.is_set():
            return
        run = self.current_run
        message = f"The engine process ended unexpectedly (exit code {e.exitcode})" + (
            f" during run {run.run_id}; its finished epochs are kept and it is marked failed." if run else "."
        )
        error = {
            "kind": "engine",
            "title": "Engine died",
            "message": message,
            "hint": "see the run's engine.log; a fresh engine has been started",
        }
        self._fix_orphan_runs("failed", error)
        if run is not None:
            mark_run_ended(run.run_dir, "failed", error)
        old = self.client
        self._run_ended()
        self.dashboard.log_line(f"tuidl: {message} Starting a fresh engine.")
        self.push_screen(ErrorModal("Engine died", message, error["hint"]))
        if old is not None:
            threading.Thread(target=old.close, kwargs={"timeout": 1.0}, daemon=True).start()
        self._start_engine()
        self._set_status("dead", f"engine died (exit code {e.exitcode}); a fresh engine is loading…")

    def _summary_to_screen(self, e: ev.Summary | ev.RunFailed) -> None:
        """Hand a screen's Summary (or failed Summarize) to the screen whose id is its requester."""
        for screen in self.screen_stack:
            if screen.id == e.requester and isinstance(screen, SummaryAsking):
                if isinstance(e, ev.Summary):
                    screen.deliver_summary(e)
                else:
                    screen.deliver_failure(e)
