"""The dashboard screen: the experiment, pickers, the live chart, progress, the last epoch's numbers, status and log.

The screen is a view. The App owns the experiment and the engine and calls
the methods here ("attributes down"); the pickers post
:class:`~tuidl.ui.messages.ExperimentChanged`, which bubbles up to the App.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Log

from tuidl.core import events as ev
from tuidl.core.spec import Experiment
from tuidl.core.text import printable
from tuidl.ui.text import plain
from tuidl.ui.widgets.engine_log import EngineLog
from tuidl.ui.widgets.experiment import ExperimentPanel, Pickers
from tuidl.ui.widgets.footer import TuidlFooter
from tuidl.ui.widgets.loss_chart import LossChart
from tuidl.ui.widgets.run_status import EpochLine, StatusLine, TrainProgress

__all__ = ["DashboardScreen"]


class DashboardScreen(Screen[None]):
    """The main screen of ``tuidl``.

    Args:
        presets: component preset names by family (``optimizers``, ``initializers``,
            ``regularizers``) for the pickers.
    """

    BINDINGS = [
        Binding(
            "l",
            "toggle_log_scale",
            "Log scale",
            id="dashboard.log_scale",
            tooltip="Plot log10 of the chart's values instead of the values",
        ),
        Binding(
            "m",
            "cycle_metric",
            "Metric",
            id="dashboard.metric",
            tooltip="Chart the next logged metric: loss, accuracy, ..., learning_rate, then loss again",
        ),
    ]

    FOOTER_ORDER = (
        "train",
        "stop",
        "quit",
        "builder",
        "data",
        "runs",
        "dashboard.log_scale",
        "dashboard.metric",
        "help",
    )
    """Binding ids in the order the footer (and palette) lists them: the primary keys first, so
    they are the ones left when a narrow terminal cuts the footer short. Bindings without an
    id, or with another, follow in Textual's order."""
    COMPACT_FOOTER_BELOW = 100
    """Below this many columns the footer is compact (one space between keys), so every key fits at 80."""
    NARROW_BELOW = 70
    """Below this many columns the experiment pane and the pickers are hidden (class ``-narrow``):
    the training pane (chart, progress) takes the width; the builder (``b``) shows the model and
    sets what the pickers set (at 40 columns the pickers cut their values short)."""
    SHORT_BELOW = 16
    """Below this many rows the log pane is hidden (class ``-short``): at 12 rows it had one line,
    taken by its scroll bar."""
    LOG_MAX_LINES = 5000
    """Lines the log pane keeps."""
    LOG_FLUSH_S = 0.2
    """Log lines are written to the pane in batches this often (each write re-lays out the pane)."""

    def __init__(self, presets: dict[str, list[str]]) -> None:
        super().__init__(id="dashboard")
        self._presets = presets
        self._log_buffer: list[str] = []
        self._log_flush_pending = False

    def compose(self) -> ComposeResult:
        yield Header(icon="≈")
        yield StatusLine("engine loading…", id="status")
        yield Pickers(self._presets, id="pickers")
        with Horizontal(id="main"):
            yield ExperimentPanel(id="experiment")
            with Vertical(id="training"):
                yield LossChart(id="chart")
                yield TrainProgress(id="progress")
        yield EpochLine(id="epoch-line")
        yield EngineLog(max_lines=self.LOG_MAX_LINES, id="log")
        yield TuidlFooter()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings, ordered by :attr:`FOOTER_ORDER` (what the footer shows).

        Textual lists the screen's bindings before the App's, and the App's
        ``ctrl+q`` where Textual's own ``App`` declares it (first), so the footer
        read ``l Log y  m Metric  ^q Quit  t Train ...`` and lost ``t`` at 40
        columns. Only the order changes; which key runs what does not (Textual
        dispatches keys through the binding chain, not this map).
        """
        bindings = super().active_bindings
        rank = {binding_id: i for i, binding_id in enumerate(self.FOOTER_ORDER)}
        last = len(rank)
        return dict(sorted(bindings.items(), key=lambda kv: rank.get(kv[1].binding.id or "", last)))

    def _fit(self) -> None:
        w, h = self.size
        self.query_one(Footer).compact = w < self.COMPACT_FOOTER_BELOW
        self.set_class(w < self.NARROW_BELOW, "-narrow")
        self.set_class(h < self.SHORT_BELOW, "-short")

    def on_resize(self) -> None:
        self._fit()

    def on_key(self, event: events.Key) -> None:
        """A key whose binding is dimmed (``s`` with nothing running, ``t`` during a run) says why.

        Textual does nothing for a disabled binding; the App's ``train`` and
        ``stop`` actions check their own state and explain it in a notification,
        so they are called directly here. Enabled keys pass on to the bindings.
        """
        active = self.active_bindings.get(event.key)
        if active is None or active.enabled or active.binding.id not in ("train", "stop"):
            return
        event.stop()
        action = getattr(self.app, f"action_{active.binding.action}", None)
        if callable(action):
            action()

    def on_mount(self) -> None:
        self._fit()
        self.query_one("#experiment").border_title = "experiment"
        self.query_one("#training").border_title = "training"
        self.query_one("#log").border_title = "engine log"
        self.query_one("#status", StatusLine).set_state("loading", "engine loading… (TensorFlow is importing)")
        exp = getattr(self.app, "exp", None)
        if exp is not None:
            self.show_experiment(exp)

    # -- attributes down -----------------------------------------------------------------
    @property
    def chart(self) -> LossChart:
        """The loss chart."""
        return self.query_one(LossChart)

    @property
    def status(self) -> StatusLine:
        """The status line."""
        return self.query_one(StatusLine)

    def set_status(self, state: str, text: str) -> None:
        """Show ``text`` in the status line with ``state`` (see ``run_status.STATES``); control
        characters in it (it quotes the engine and files) are shown as ``\\x1b``-style text."""
        self.status.set_state(state, printable(text))

    def log_line(self, text: str) -> None:
        """Append a line to the log pane (written in batches, at most 5 times a second).

        Engine output and messages quoting files are outside text: control characters
        are shown as ``\\x1b``-style text, never sent to the terminal."""
        self._log_buffer.append(printable(text, lines=True))
        if not self._log_flush_pending:
            self._log_flush_pending = True
            self.set_timer(self.LOG_FLUSH_S, self._flush_log)

    def _flush_log(self) -> None:
        self._log_flush_pending = False
        if self._log_buffer and self.is_mounted:
            lines, self._log_buffer = self._log_buffer, []
            self.query_one(Log).write_lines(lines)  # one re-layout for many lines

    @property
    def log_text(self) -> str:
        """Everything in the log pane, plus lines not yet flushed."""
        return "\n".join([*self.query_one(Log).lines, *self._log_buffer])

    def show_experiment(self, exp: Experiment) -> None:
        """Show a (new) experiment; shapes and params follow with the engine's Summary."""
        self.query_one(ExperimentPanel).show_experiment(exp)
        self.query_one(Pickers).show_experiment(exp)
        self.query_one("#experiment").border_title = plain(f"experiment · {exp.name}")

    def show_summary(self, summary: ev.Summary) -> None:
        """Show the engine's Summary (shapes, params, data, findings)."""
        self.query_one(ExperimentPanel).show_summary(summary)

    def show_summary_error(self, title: str, message: str, hint: str, kind: str = "") -> None:
        """The engine could not summarize the experiment (``kind`` ``"data"``: could not load its data):
        show why in the panel, in place of "loading…"."""
        self.query_one(ExperimentPanel).show_summary_failure(kind, title, message, hint)

    def run_started(self, e: ev.RunStarted) -> None:
        """A run starts: reset the chart and progress."""
        self.chart.reset(e.run_id, e.steps_per_epoch)
        self.query_one(TrainProgress).reset(e.epochs, e.steps_per_epoch)
        self.query_one(EpochLine).reset()
        if e.summary is not None:
            self.show_summary(e.summary)

    def show_batch(self, e: ev.BatchProgress) -> None:
        """A batch ended."""
        self.chart.add_batch(e.step, e.logs)
        self.query_one(TrainProgress).batch(e.epoch, e.batch, e.step)

    def show_epoch(self, e: ev.EpochEnded) -> None:
        """An epoch ended."""
        self.chart.add_epoch(e.epoch, e.logs, e.step)
        self.query_one(TrainProgress).epoch_done(e.epoch)
        self.query_one(EpochLine).show(e.epoch, e.logs)

    def run_diverged(self, e: ev.RunDiverged) -> None:
        """The run diverged in batch ``e.batch`` of epoch ``e.epoch`` (0-based): the progress goes
        to that batch and the chart marks it (the engine stops before it sends that batch)."""
        if e.metric.startswith("val_"):  # found in the validation pass: the epoch's batches all ran
            self.query_one(TrainProgress).epoch_done(e.epoch)
        else:
            progress = self.query_one(TrainProgress)
            progress.batch(e.epoch, e.batch, e.epoch * progress.steps + e.batch)
        self.chart.mark_diverged(e.epoch, e.batch, e.metric, e.value)

    @property
    def epoch_line(self) -> EpochLine:
        """The line with the last epoch's numbers and the best val_loss."""
        return self.query_one(EpochLine)

    def action_toggle_log_scale(self) -> None:
        """Switch the chart between its values and their log10."""
        self.chart.log_scale = not self.chart.log_scale

    def action_cycle_metric(self) -> None:
        """Chart the next logged metric (loss, accuracy, ..., learning_rate, then loss again)."""
        options = self.chart.metrics()
        metric = self.chart.cycle_metric()
        if len(options) == 1:
            self.notify("only loss is logged so far; metrics appear after the first epoch", markup=False)
        else:
            self.notify(f"chart: {metric} ({options.index(metric) + 1}/{len(options)})", timeout=2, markup=False)
