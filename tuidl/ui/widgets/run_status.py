"""The status line and the training progress (epoch x/N, batch b/steps, a bar)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar, Static

__all__ = ["StatusLine", "TrainProgress", "STATES"]

STATES = ("loading", "ready", "training", "stopping", "completed", "stopped", "failed", "diverged", "dead")
"""States the status line shows; each also sets the CSS class ``-<state>`` (colour only
adds to the words, which carry the meaning on their own: ``NO_COLOR`` works)."""


class StatusLine(Static):
    """One line: what the engine and the current run are doing.

    Set with :meth:`set_state`; ``state`` is one of :data:`STATES` and ``text``
    is shown as is (e.g. ``"training 20250101-120000-digits-mlp-ab12"``).
    """

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $boost; }
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
        self.update(text, layout=False)  # one line, fixed size: repaint only

    @property
    def text(self) -> str:
        """The text shown now (plain)."""
        return str(self.render())


class TrainProgress(Horizontal):
    """``epoch x/N · batch b/steps pct`` and a bar over all batches of the run.

    Updates repaint only (fixed widths, no percentage/ETA sub-widgets): a
    re-layout of the screen per batch would cost the event loop tens of ms.
    """

    DEFAULT_CSS = """
    TrainProgress { height: 1; }
    TrainProgress > Label { width: 26; padding: 0 1 0 0; }
    TrainProgress > ProgressBar { width: 1fr; }
    TrainProgress > ProgressBar > Bar { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Label("epoch –/– · batch –/–", id="progress-label")  # fixed width: no re-layout
        yield ProgressBar(total=1, show_eta=False, show_percentage=False, id="progress-bar")

    def reset(self, epochs: int, steps: int) -> None:
        """A run starts: ``epochs`` asked for, ``steps`` batches per epoch."""
        self.epochs, self.steps = max(1, epochs), max(1, steps)
        widest = f"epoch {self.epochs}/{self.epochs} · batch {self.steps}/{self.steps} 100%"
        self.query_one("#progress-label", Label).styles.width = len(widest) + 1  # one layout per run
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
        done = ((epoch - 1) * self.steps + batch) / (self.epochs * self.steps) if epoch else 0.0
        self.query_one("#progress-label", Label).update(
            f"epoch {epoch}/{self.epochs} · batch {batch}/{self.steps} {done:4.0%}", layout=False)

    epochs: int = 1
    steps: int = 1
