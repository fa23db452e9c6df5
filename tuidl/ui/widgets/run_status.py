"""The status line, the training progress (epoch x/N, batch b/steps, a bar) and the last epoch's numbers."""

from __future__ import annotations

import math
from typing import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, ProgressBar, Static

from tuidl.core.derived import PENALTY, TRAIN_EVAL
from tuidl.ui.text import plain

__all__ = ["EpochLine", "StatusLine", "TrainProgress", "STATES", "format_epoch_line"]

STATES = ("loading", "ready", "training", "stopping", "completed", "stopped", "failed", "diverged", "dead")
"""States the status line shows; each also sets the CSS class ``-<state>`` (colour only
adds to the words, which carry the meaning on their own: ``NO_COLOR`` works)."""


class StatusLine(Static):
    """One line: what the engine and the current run are doing.

    Set with :meth:`set_state`; ``state`` is one of :data:`STATES` and ``text``
    is shown as is, never read as markup (e.g. ``"training 20250101-120000-digits-mlp-ab12"``,
    or an engine error holding ``[T=DT_FLOAT]``), on one
    line: what does not fit is cut with ``…`` (it used to wrap, and a narrow
    terminal showed only its first word).
    """

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine.-failed, StatusLine.-dead, StatusLine.-diverged { background: $error 30%; }
    StatusLine.-training, StatusLine.-stopping { background: $accent 20%; }
    StatusLine.-completed { background: $success 20%; }
    """

    state: str = "loading"

    def set_state(self, state: str, text: str) -> None:
        """Show ``text`` and mark the line with ``state`` (see :data:`STATES`)."""
        for s in STATES:
            self.set_class(s == state, f"-{s}")
        self.state = state
        self.update(plain(text), layout=False)  # one line, fixed size: repaint only

    @property
    def text(self) -> str:
        """The text shown now (plain)."""
        return str(self.render())


class TrainProgress(Horizontal):
    """``epoch x/N · batch b/steps pct`` and a bar over all batches of the run.

    Updates repaint only (fixed widths, no percentage/ETA sub-widgets): a
    re-layout of the screen per batch would cost the event loop tens of ms.
    Where the full label would leave the bar fewer than :attr:`MIN_BAR` cells,
    the label is the compact ``ep x/N · b b/steps pct`` (the width is chosen once
    per run and on resize, never per batch).
    """

    DEFAULT_CSS = """
    TrainProgress { height: 1; }
    TrainProgress > Label { width: 26; padding: 0 1 0 0; }
    TrainProgress > ProgressBar { width: 1fr; }
    TrainProgress > ProgressBar > Bar { width: 1fr; }
    """

    MIN_BAR = 6
    """Cells the bar keeps at least, by shortening the label."""

    epochs: int = 1
    steps: int = 1
    compact: bool = False
    """The label is in its compact form."""

    def compose(self) -> ComposeResult:
        yield Label("epoch –/– · batch –/–", id="progress-label")  # fixed width: no re-layout
        yield ProgressBar(total=1, show_eta=False, show_percentage=False, id="progress-bar")

    def _format(self, epoch: int | str, batch: int | str, done: str, compact: bool) -> str:
        if compact:
            return f"ep {epoch}/{self.epochs} · b {batch}/{self.steps} {done}"
        return f"epoch {epoch}/{self.epochs} · batch {batch}/{self.steps} {done}"

    def _fit_label(self) -> None:
        """Choose the label's form and width for the widget's width and the run's numbers."""
        full = len(self._format(self.epochs, self.steps, "100%", False)) + 1
        short = len(self._format(self.epochs, self.steps, "100%", True)) + 1
        self.compact = self.size.width > 0 and self.size.width - full < self.MIN_BAR
        self.query_one("#progress-label", Label).styles.width = short if self.compact else full

    def on_resize(self) -> None:
        if self.size.width and self._shown is not None:  # before the first run: the placeholder
            was = self.compact
            self._fit_label()
            if was != self.compact:
                self._label(*self._shown)

    _shown: tuple[int, int] | None = None

    def reset(self, epochs: int, steps: int) -> None:
        """A run starts: ``epochs`` asked for, ``steps`` batches per epoch."""
        self.epochs, self.steps = max(1, epochs), max(1, steps)
        self._fit_label()  # one layout per run
        self.query_one(ProgressBar).update(total=self.epochs * self.steps, progress=0)
        self._label(0, 0)

    def batch(self, epoch: int, batch: int, step: int) -> None:
        """Batch ``batch`` (0-based) of epoch ``epoch`` (0-based) has ended; ``step`` is global."""
        self.query_one(ProgressBar).update(progress=step + 1)
        self._label(epoch + 1, batch + 1)

    def epoch_done(self, epoch: int) -> None:
        """Epoch ``epoch`` (0-based) has ended."""
        self.query_one(ProgressBar).update(progress=(epoch + 1) * self.steps)
        self._label(epoch + 1, self.steps)

    def _label(self, epoch: int, batch: int) -> None:
        self._shown = (epoch, batch)
        done = ((epoch - 1) * self.steps + batch) / (self.epochs * self.steps) if epoch else 0.0
        self.query_one("#progress-label", Label).update(
            self._format(epoch, batch, f"{done:4.0%}", self.compact), layout=False
        )

    @property
    def label_text(self) -> str:
        """The label as shown now (plain)."""
        return str(self.query_one("#progress-label", Label).render())


def _num(v: float) -> str:
    """3 significant digits (``0.0612``, ``0.982``, ``1.23e+03``); ``nan``/``inf`` as such."""
    return f"{v:.3g}" if math.isfinite(v) else str(v)


def format_epoch_line(epoch: int, logs: Mapping[str, float], best: tuple[int, float] | None, width: int = 78) -> Text:
    """One line of the last epoch's numbers that fits ``width`` cells.

    Args:
        epoch: the epoch that ended (0-based; shown 1-based, as Keras prints it).
        logs: that epoch's logs (``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``,
            ``learning_rate`` ...), floats.
        best: ``(epoch, value)`` (0-based epoch) of the lowest ``val_loss`` so far (of
            ``loss`` when there is no validation), or ``None``.
        width: cells available.

    Returns:
        e.g. ``ep 3 │ loss 0.667 val 0.733 gap +0.0667 best 0.733 @ep 3 │ accuracy 0.7 val 0.65 │ lr 0.001``:
        each metric with its validation value (``val``), the loss also with the gap
        between them (``val_loss − loss``: above 0, the model does worse on data it
        has not seen; growing, it overfits); parts that do not fit are
        left out from the end (loss and best first, then the metrics in logged order,
        the learning rate last) and counted as ``+N`` where that still fits. The loss's
        best value is left out where the first metric would not fit beside it, then (on a
        line too narrow for the loss part) the gap, then its ``val``. A model with a weight
        penalty (``regularization_loss`` logged) shows ``loss+pen`` (Keras's loss includes it)
        and the penalty as ``pen``; the ``train_eval_`` values are the chart's, not the line's.
    """

    def pair(name: str, shown: str, with_best: bool = False, with_val: bool = True, with_gap: bool = False) -> Text:
        t = Text(f"{shown} ")
        t.append(_num(float(logs[name])), style="bold")
        if with_val and f"val_{name}" in logs:
            t.append(" val ", style="dim")
            t.append(_num(float(logs[f"val_{name}"])), style="bold")
            gap = float(logs[f"val_{name}"]) - float(logs[name])
            if with_gap and math.isfinite(gap):
                t.append(" gap ", style="dim")
                t.append(f"{gap:+.3g}")
        if with_best and best is not None:
            t.append(" best ", style="dim")
            t.append(f"{_num(best[1])} @ep {best[0] + 1}")
        return t

    others: list[Text] = []
    for key in logs:
        if key in ("loss", "learning_rate") or key.startswith(("val_", TRAIN_EVAL)):
            continue
        others.append(pair(key, "pen" if key == PENALTY else key))
    loss_name = "loss+pen" if PENALTY in logs else "loss"
    if "learning_rate" in logs:
        others.append(pair("learning_rate", "lr"))
    parts: list[Text] = []
    if "loss" in logs:
        # the loss always shows: without the best value where the next metric would not fit
        # beside it, then without the gap, then without val
        sep_len = 3 + len(f"ep {epoch + 1}")
        after = 3 + others[0].cell_len if others else 0
        variants = [
            pair("loss", loss_name, with_best=b, with_val=v, with_gap=g)
            for b, g, v in ((True, True, True), (False, True, True), (False, False, True), (False, False, False))
        ]
        fits = [t for t in variants if sep_len + t.cell_len <= width] or variants[-1:]
        roomy = [t for t in variants[:2] if sep_len + t.cell_len + after <= width]  # never val for a metric
        loss = roomy[0] if roomy else fits[0]
        parts.append(loss)
    parts.extend(others)
    sep = Text(" │ ", style="dim")
    line = Text(f"ep {epoch + 1}")
    for i, part in enumerate(parts):
        if line.cell_len + sep.cell_len + part.cell_len > width:
            more = Text(f" │ +{len(parts) - i}", style="dim")
            if line.cell_len + more.cell_len > width:  # a metric shown beats the count of those left out
                more = Text(f" +{len(parts) - i}", style="dim") if line.cell_len + 3 <= width else Text()
            line.append(more)
            break
        line.append(sep)
        line.append(part)
    return line


class EpochLine(Widget):
    """The last epoch's logs and the best ``val_loss`` so far, on one line that fits its width.

    Hidden until the first run of the session starts (so the idle dashboard keeps
    the row for the model), then always shown: cleared by :meth:`reset` when a run
    starts, fed by :meth:`show` after each epoch. The text is laid out for the
    widget's width on each render, so a resize re-fits it without a new message;
    updates repaint only (no re-layout). See :func:`format_epoch_line`.
    """

    DEFAULT_CSS = """
    EpochLine { height: 1; padding: 0 1; display: none; }
    EpochLine.-shown { display: block; }
    EpochLine.-empty { color: $text-muted; }
    """

    PLACEHOLDER = "ep – │ waiting for the first epoch…"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.epoch: int | None = None
        """The epoch shown (0-based), or ``None``."""
        self.logs: dict[str, float] = {}
        """Its logs."""
        self.best: tuple[int, float] | None = None
        """``(epoch, value)`` of the lowest ``val_loss`` (or ``loss`` without validation) so far."""
        self._best_key = ""
        self.add_class("-empty")

    def reset(self) -> None:
        """A run starts: nothing to show yet (the line appears with the first run)."""
        self.epoch, self.logs, self.best, self._best_key = None, {}, None, ""
        self.add_class("-empty", "-shown")
        self.refresh()

    def show(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Epoch ``epoch`` (0-based) ended with ``logs``; updates the best value and repaints."""
        self.epoch = epoch
        self.logs = {k: float(v) for k, v in logs.items() if isinstance(v, (int, float))}
        key = "val_loss" if "val_loss" in self.logs else "loss"
        if key != self._best_key:  # validation appeared (validation_freq > 1): best val_loss from now on
            self._best_key, self.best = key, None
        v = self.logs.get(key)
        if v is not None and math.isfinite(v) and (self.best is None or v < self.best[1]):
            self.best = (epoch, v)
        self.remove_class("-empty")
        self.add_class("-shown")  # a no-op (no layout) after the first run
        self.refresh()  # one line, fixed size: repaint only

    def render(self) -> Text:
        if self.epoch is None:
            return Text(self.PLACEHOLDER)
        return format_epoch_line(self.epoch, self.logs, self.best, max(10, self.content_size.width))

    @property
    def text(self) -> str:
        """The line as shown now (plain)."""
        return self.render().plain
