"""The tuidl Textual app: owns the experiment and the engine client.

The UI process never imports TensorFlow or Keras. On mount the App starts an
engine client (:class:`tuidl.engine.client.EngineClient` by default, which
spawns the engine process and returns at once) and one thread worker that owns
the receiving end: it turns each engine event into an
:class:`~tuidl.ui.messages.EngineEvent` with ``post_message`` (non-blocking,
safe after exit; never ``call_from_thread``). The App keeps the state (engine
ready, the run in progress) and passes what to show down to the
:class:`~tuidl.ui.screens.dashboard.DashboardScreen`.

Keys: ``t`` train, ``s`` stop, ``ctrl+q`` quit, ``?``/``F1`` the key reference of the screen
(:mod:`tuidl.ui.keys_help`); all are also in the command palette.
Quitting during a run stops it, shuts the engine down (killing it after
2.5 s) and marks the run ``stopped`` on disk if the engine could not.

Other screens are added with a :class:`~textual.binding.Binding` (with an
``id``) in :attr:`TuidlApp.BINDINGS` and an ``action_...`` that pushes the
screen; the command palette lists every shown binding automatically.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.reactive import var
from textual.screen import Screen
from textual.worker import get_current_worker

from tuidl.core import events as ev
from tuidl.core.errors import TuidlError
from tuidl.core.protocol import DASHBOARD, Export, Request, Stop, Summarize, Train
from tuidl.core.runs import end_orphan_run, runs_dir as resolve_runs_dir
from tuidl.core.presets import preset_names
from tuidl.core.spec import Experiment
from tuidl.core.text import printable
from tuidl.ui.app_events import EngineEvents
from tuidl.ui.commands import binding_commands
from tuidl.ui.keys_help import KeysHelp, group_name, key_groups
from tuidl.ui.messages import EngineEvent, ExperimentChanged, ExportRequested, SummaryRequested
from tuidl.ui.screens.dashboard import DashboardScreen
from tuidl.ui.modals import ErrorModal

__all__ = ["EngineClientLike", "TuidlApp", "run_app"]

QUIT_ENGINE_TIMEOUT = 2.5
"""Seconds the engine gets to stop and exit on quit before it is killed (quit <= 3 s)."""


class EngineClientLike(Protocol):
    """What the App needs of an engine client (``tuidl.engine.client.EngineClient``)."""

    def start(self) -> None: ...
    def send(self, request: Request) -> bool: ...
    def recv(self, timeout: float | None = None) -> ev.Event | None: ...
    @property
    def alive(self) -> bool: ...
    def close(self, timeout: float = 3.0) -> None: ...


def _default_client() -> EngineClientLike:
    from tuidl.core.enginelog import engine_log_path
    from tuidl.engine.client import EngineClient  # stdlib + core only; the engine imports TF

    return EngineClient(log_path=engine_log_path())


class TuidlApp(EngineEvents, App[int]):
    """The tuidl dashboard.

    Args:
        exp: the experiment to show and train.
        runs_dir: where runs are written (``None``: ``$TUIDL_RUNS_DIR`` or ``./runs``).
        client_factory: makes an engine client (tests pass a fake); called again
            for a fresh engine when one dies.
    """

    CSS_PATH = "app.tcss"
    TITLE = "tuidl"
    SUB_TITLE = "deep learning dashboard"

    BINDINGS = [
        Binding("t", "train", "Train", id="train", tooltip="Train the experiment"),
        Binding("s", "stop", "Stop", id="stop", tooltip="Stop the run after the current batch"),
        Binding(
            "b",
            "builder",
            "Builder",
            id="builder",
            tooltip="Assemble the model: layers, compile and fit settings, checks, export",
        ),
        Binding(
            "r", "runs", "Runs", id="runs", tooltip="Browse and compare runs; opening one loads it into the builder"
        ),
        Binding(
            "d",
            "data",
            "Data",
            id="data",
            tooltip="Choose the dataset and its options; see shapes, classes and samples",
        ),
        Binding(
            "ctrl+q", "quit", "Quit", id="quit", priority=True, tooltip="Stop any run, shut the engine down and quit"
        ),
        # not a priority binding: a text field that has focus takes "?" as text (F1 still opens it)
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="Every key of this screen, with what it does"),
    ]

    exp: var[Experiment] = var(None, init=False, always_update=False)  # type: ignore[arg-type]
    """The experiment shown; setting it shows it and asks the engine for a Summary."""

    def __init__(
        self,
        exp: Experiment,
        runs_dir: str | os.PathLike[str] | None = None,
        *,
        client_factory: Callable[[], EngineClientLike] | None = None,
    ) -> None:
        super().__init__()
        self.set_reactive(TuidlApp.exp, exp)
        self.runs_dir = resolve_runs_dir(runs_dir).resolve()
        self._client_factory = client_factory or _default_client
        self.client: EngineClientLike | None = None
        self.generation = 0
        self.engine_ready = False
        self.training = False
        """A Train request was sent and its run has not ended."""
        self.current_run: ev.RunStarted | None = None
        """The run in progress (after RunStarted)."""
        self.last_status: str = ""
        self._summary_id = 0
        self._export_id = 0
        self._engine_closing = threading.Event()
        self._client_lock = threading.Lock()
        self._quitting = False
        self._started_at = time.time()
        self._presets = preset_names()
        self._dashboard: DashboardScreen | None = None

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, except on Linux/macOS :class:`~tuidl.ui.driver.TolerantLinuxDriver`
        (input that is not UTF-8, such as a legacy mouse report past column 95, is replaced, not fatal).
        ``TEXTUAL_DRIVER`` still chooses another driver."""
        driver_class = super().get_driver_class()
        if (driver_class.__module__, driver_class.__name__) == ("textual.drivers.linux_driver", "LinuxDriver"):
            from tuidl.ui.driver import TolerantLinuxDriver

            return TolerantLinuxDriver
        return driver_class

    # -- screens and commands ------------------------------------------------------------
    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        """Textual's toast, always plain text: never read as markup, and control characters in
        ``message`` and ``title`` shown as ``\\x1b``-style text (toasts quote run names, file paths
        and engine errors)."""
        kwargs.pop("markup", None)
        super().notify(printable(message, lines=True), title=printable(title), markup=False, **kwargs)

    def get_default_screen(self) -> Screen:
        self._dashboard = DashboardScreen(self._presets)
        return self._dashboard

    @property
    def dashboard(self) -> DashboardScreen:
        """The dashboard screen (the default screen)."""
        assert self._dashboard is not None, "the app is not running"
        return self._dashboard

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: every shown binding with an id (train, stop, ...), then Textual's."""
        own = list(binding_commands(self, screen))
        titles = {c.title for c in own}
        yield from own
        for cmd in super().get_system_commands(screen):
            if cmd.title not in titles:
                yield cmd

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim ``train`` while a run is in progress and ``stop`` when none is; on the builder,
        hide the keys that would open a builder, runs or data screen over it."""
        if getattr(self.screen, "id", None) == "builder" and (
            action in ("builder", "runs", "data") or (action == "stop" and not self.training)
        ):
            return False
        if action == "train" and self.training:
            return None
        if action == "stop" and not self.training:
            return None
        return True

    # -- lifecycle -----------------------------------------------------------------------
    def on_ready(self) -> None:
        """The first frame is painted: now start the engine (its spawn never delays that frame)."""
        self._start_engine()
        if not self.is_headless and _has_tty():
            self.set_interval(5.0, self._watch_tty, name="tty-watchdog")

    def _start_engine(self) -> None:
        """Start a (fresh) engine client and its reader worker, and ask for a Summary."""
        self.generation += 1
        self.engine_ready = False
        client = self._client_factory()
        self._new_engine_log(client)
        with self._client_lock:
            self.client = client
        try:
            with _real_stdio():
                client.start()
        except Exception as e:  # noqa: BLE001 - shown to the person, never a traceback
            self._set_status("dead", f"engine failed to start: {e}")
            self.push_screen(
                ErrorModal("Engine failed to start", str(e), "see the log pane; check the TensorFlow install")
            )
            return
        self._set_status("loading", "engine loading… (TensorFlow is importing; the UI works meanwhile)")
        self._read_engine(client, self.generation)
        self._request_summary()

    @work(
        thread=True,
        group="engine",
        exclusive=True,
        exit_on_error=False,
        name="engine-reader",
        description="Reads engine events and posts them as messages",
    )
    def _read_engine(self, client: EngineClientLike, generation: int) -> None:
        """Own the receiving end: engine events -> EngineEvent messages (post_message only)."""
        worker = get_current_worker()
        while not worker.is_cancelled and not self._engine_closing.is_set():
            try:
                event = client.recv(0.1)
            except (EOFError, OSError):
                event = ev.EngineExited(None, expected=self._engine_closing.is_set())
            if event is None:
                continue
            if not self.post_message(EngineEvent(event, generation)):
                return  # the app is closing
            if isinstance(event, ev.EngineExited):
                return

    def shutdown_engine(self, timeout: float = QUIT_ENGINE_TIMEOUT) -> None:
        """Stop any run, shut the engine down (kill it after ``timeout`` s), fix up run.json.

        Blocking (up to ``timeout`` + 0.5 s); idempotent; safe from any thread.
        Finished epochs are kept; a run the engine could not finish is marked
        ``stopped``.
        """
        with self._client_lock:
            client, self.client = self.client, None
        self._engine_closing.set()
        if client is None:
            return
        try:
            if self.training:
                client.send(Stop())
            client.close(timeout=timeout)
        except Exception:  # noqa: BLE001 - quitting must not fail
            pass
        self._fix_orphan_runs("stopped", None)

    def _fix_orphan_runs(self, status: str, error: dict[str, str] | None) -> None:
        """Mark runs this session started that are still ``running`` with a dead engine."""
        dirs: list[Path] = []
        if self.current_run is not None:
            dirs.append(Path(self.current_run.run_dir))
        try:
            for d in self.runs_dir.iterdir():
                if d.is_dir() and d.stat().st_mtime >= self._started_at - 1 and d not in dirs:
                    dirs.append(d)
        except OSError:
            pass
        for d in dirs:  # a folder that is not a run, a link, broken JSON ...: left alone
            end_orphan_run(d, status, error)

    async def action_quit(self) -> None:
        """Stop any run, shut the engine down, and exit (within about 3 s)."""
        if self._quitting:
            return
        self._quitting = True
        self._set_status("stopping", "quitting: stopping the engine…")
        await asyncio.to_thread(self.shutdown_engine)
        self.exit(0)

    def _watch_tty(self) -> None:
        """Leave when the terminal is gone (SSH dropped without SIGHUP; Dolphie's watchdog)."""
        if not _has_tty():
            self.run_worker(self._terminal_gone(), group="quit")

    async def _terminal_gone(self) -> None:
        """Stop the run and the engine, then end the process without drawing again.

        Textual 8.2.8 can block for ever writing to or restoring a terminal that
        has hung up (seen in its output thread's ``stop()``), so this does not go
        through ``exit()``: the run is finished first (the engine also ends it by
        itself when our pipe closes), then the process ends at once.
        """
        if self._quitting:
            return
        self._quitting = True
        await asyncio.to_thread(self.shutdown_engine)
        os._exit(0)

    def _handle_exception(self, error: Exception) -> None:
        # Harlequin's guard (Textual #5325, Textual 8.2.8): no tracebacks after exit().
        if self._exit:
            return
        super()._handle_exception(error)

    # -- experiment ----------------------------------------------------------------------
    def watch_exp(self, exp: Experiment) -> None:
        if self._dashboard is not None and self._dashboard.is_mounted:
            self._dashboard.show_experiment(exp)
        self._request_summary()

    def on_experiment_changed(self, message: ExperimentChanged) -> None:
        """Apply a picker's (or another screen's) overrides to the experiment."""
        try:
            new = self.exp.with_overrides(message.overrides)
        except TuidlError as e:
            self.push_screen(ErrorModal(e.title, e.message, e.hint))
            return
        if message.reason:
            self.dashboard.log_line(f"tuidl: {message.reason}")
        self.exp = new

    def _base_dir(self) -> str | None:
        return str(self.exp.source.parent) if self.exp.source else None

    def _send(self, request: Request) -> bool:
        client = self.client
        return bool(client is not None and client.send(request))

    def _request_summary(self) -> None:
        self._summary_id += 1
        self._send(Summarize(self._summary_id, self.exp.model_dump(), self._base_dir(), DASHBOARD))

    def on_summary_requested(self, message: SummaryRequested) -> None:
        """A screen (builder, data screen) asks for a Summary: send it to the engine under the
        screen's id; the answer goes back to that screen (see :meth:`_summary_to_screen`)."""
        exp = message.exp
        assert isinstance(exp, Experiment)
        base = str(exp.source.parent) if exp.source else self._base_dir()
        self._send(Summarize(message.request_id, exp.model_dump(), base, message.requester))

    def on_export_requested(self, message: ExportRequested) -> None:
        """A screen (the builder's ``E``) asks for a script: send an ``Export`` to the engine, which
        writes it (and loads the data its ``.npz`` needs); the answer is shown by
        :meth:`~tuidl.ui.app_events.EngineEvents._engine_exported` or ``_engine_export_failed``."""
        exp = message.exp
        assert isinstance(exp, Experiment)
        base = str(exp.source.parent) if exp.source else self._base_dir()
        source = str(exp.source) if exp.source else None
        self._export_id += 1
        if not self._send(Export(self._export_id, exp.model_dump(), message.path, base, source)):
            self.notify(
                "the engine is not running: nothing was exported", title="Export", severity="error", markup=False
            )
            return
        where = printable(message.path)
        self.dashboard.log_line(f"tuidl: export {exp.name} → {where}")
        if not self.engine_ready:
            self.notify(f"engine loading — {where} will be written when it is ready", title="Export", markup=False)

    # -- actions -------------------------------------------------------------------------
    def action_train(self) -> None:
        """Train the experiment (one run at a time)."""
        if self.training:
            if self.current_run is None and not self.engine_ready:
                self.notify(
                    "a run is queued: it will start when the engine is ready (s cancels it)",
                    severity="warning",
                    markup=False,
                )
            else:
                self.notify("a run is in progress; press s to stop it", severity="warning", markup=False)
            return
        name = self._run_name()
        if not self._send(Train(self.exp.model_dump(), str(self.runs_dir), self._base_dir(), name)):
            self.notify("the engine is not running", severity="error", markup=False)
            return
        self.training = True
        self.refresh_bindings()
        if self.engine_ready:
            self._set_status("training", "training: starting…")
        else:  # the engine queues the request and starts it once TensorFlow has loaded
            self._set_status("loading", "engine loading… the run is queued and will start when ready")
            self.notify("engine loading — the run will start when ready (s cancels it)", title="Train", markup=False)
        self.dashboard.log_line(f"tuidl: train {name} → {self.runs_dir}")

    def _run_name(self) -> str:
        """The next run's name: the experiment's, with how it differs from its preset
        (:func:`tuidl.core.presets.run_name_for`); the plain name when a component preset it
        names is unknown (the engine reports that)."""
        from tuidl.core.presets import run_name_for

        try:
            return run_name_for(self.exp)
        except TuidlError:
            return self.exp.name

    def action_stop(self) -> None:
        """Stop the run after the batch in progress (finished epochs are kept)."""
        if not self.training:
            self.notify("nothing is running · t starts a run", title="Stop", markup=False)
            return
        self._send(Stop())
        if self.current_run is None:
            self._set_status("stopping", "cancelling the queued run…")
        else:
            self._set_status("stopping", "stopping after this batch…")

    # -- builder (issue 3) ---------------------------------------------------------------
    def action_builder(self) -> None:
        """Open the builder on the experiment; its result becomes the experiment."""
        from tuidl.ui.screens.builder import BuilderScreen

        screen = BuilderScreen(self.exp, presets=self._presets)

        def done(exp: Experiment | None) -> None:
            if exp is not None and exp != self.exp:
                self.exp = exp
                self.dashboard.log_line(f"tuidl: experiment edited in the builder ({len(exp.model.layers)} layers)")
            if screen.train_after:  # t on the builder: train what was built
                self.action_train()

        self.push_screen(screen, done)

    def action_runs(self) -> None:
        """Open the runs browser (the same screen all session: what was selected and how it was
        shown is kept); opening a run loads its experiment into the builder."""
        from tuidl.ui.screens.runs import RunsScreen

        def opened(exp: Experiment | None) -> None:
            if exp is not None:
                self.exp = exp
                self.action_builder()

        # installed: the App keeps the screen, and with it the selection and view, for the session
        if not self.is_screen_installed("runs"):
            self.install_screen(RunsScreen(self.runs_dir), "runs")
        self.push_screen("runs", opened)

    def action_help(self) -> None:
        """Show the key reference of the current screen (``?``, ``F1``)."""
        screen = self.screen
        if isinstance(screen, KeysHelp):
            return
        self.push_screen(KeysHelp(group_name(screen), key_groups(self, screen)))

    def action_data(self) -> None:
        """Open the data screen on the experiment; its result becomes the experiment."""
        from tuidl.ui.screens.data import DataScreen

        if isinstance(self.screen, DataScreen):
            return
        screen = DataScreen(self.exp)

        def done(exp: Experiment | None) -> None:
            if exp is not None and exp != self.exp:
                self.exp = exp
                self.dashboard.log_line(f"tuidl: data set to {exp.data.name} on the data screen")
            if screen.train_after:
                self.action_train()

        self.push_screen(screen, done)


@contextlib.contextmanager
def _real_stdio() -> Iterator[None]:
    """Give ``sys.stdout``/``sys.stderr`` back their real files for a moment.

    Textual replaces them with capture objects whose ``fileno()`` is -1;
    multiprocessing's ``spawn`` (its resource tracker) passes
    ``sys.stderr.fileno()`` to the child and fails with "bad value(s) in
    fds_to_keep". Used on the UI thread only, around starting the engine.
    """
    saved = sys.stdout, sys.stderr
    try:
        if sys.__stdout__ is not None:
            sys.stdout = sys.__stdout__
        if sys.__stderr__ is not None:
            sys.stderr = sys.__stderr__
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _has_tty() -> bool:
    try:
        return bool(sys.__stdin__ and sys.__stdin__.isatty() and os.ttyname(sys.__stdin__.fileno()))
    except (OSError, ValueError):
        return False


def run_app(exp: Experiment, runs_dir: str | os.PathLike[str] | None = None, *, mouse: bool = True) -> int:
    """Run the dashboard on ``exp`` until the person quits; returns the exit code.

    ``mouse=False`` does not ask the terminal for mouse reports (``--no-mouse``).
    The engine is always shut down on the way out (even after an error), so no
    engine process outlives the UI.
    """
    app = TuidlApp(exp, runs_dir=runs_dir)
    try:
        app.run(mouse=mouse)
    finally:
        app.shutdown_engine()
    return int(app.return_code or 0)
