"""The live loss chart: training loss per batch and per epoch, validation loss per epoch.

The plot library (textual-plotext, chosen by measurement; see ``docs/design.md``)
draws what it is given. tuidl itself prepares every series before plotting:

* non-finite points (NaN, +-inf, and values <= 0 on a log axis) are removed and
  marked: their count shows in the chart title and an ``x`` is drawn on the
  top edge at their x position;
* the log scale is applied here (``log10`` of the values, axis labelled so);
* long series are decimated to about two points per pixel column, keeping the
  minimum and maximum of each column so spikes stay visible.

Below :attr:`LossChart.MIN_SIZE` the chart becomes a one-line text summary.
Train and validation curves differ by marker, not only by colour, so the chart
reads the same with ``NO_COLOR``.
"""

from __future__ import annotations

import math
import numpy as np
from textual.app import ComposeResult
from textual.containers import Container
from textual.reactive import reactive
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tuidl.core.history import RunHistory, prepare_series

__all__ = ["LossChart"]


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    return f"{v:.4g}"


class LossChart(Container):
    """Live chart of ``loss`` per batch, ``loss`` and ``val_loss`` per epoch.

    The data lives in a :class:`~tuidl.core.history.RunHistory` (``history``).
    The x axis is the epoch: an epoch's end is at ``epoch + 1`` (1-based, as
    Keras prints it) and batch ``step`` (global, 0-based) is at
    ``(step + 1) / steps_per_epoch``. Feed it with :meth:`add_batch` and
    :meth:`add_epoch`; batches redraw at most :attr:`MAX_FPS` times per second,
    epochs at once. Curves: batch loss as a grey braille line, epoch ``loss``
    as ``●`` points, ``val_loss`` as ``◆`` points, each joined by a line, so
    they differ without colour (``NO_COLOR``).
    """

    DEFAULT_CSS = """
    LossChart { height: 1fr; min-height: 1; }
    LossChart > PlotextPlot { height: 1fr; }
    LossChart > #chart-summary { height: 1; display: none; }
    LossChart.-small > PlotextPlot { display: none; }
    LossChart.-small > #chart-summary { display: block; }
    """

    MIN_SIZE = (30, 8)
    """Below this (columns, rows) the chart is a one-line text summary."""
    MAX_FPS = 10.0
    """Redraws per second at most while batches stream in."""

    log_scale: reactive[bool] = reactive(False)
    """Plot log10(loss) instead of loss."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.history = RunHistory()
        self.steps_per_epoch = 1
        self._dirty = False
        self._title = "loss"
        self.draws = 0
        """Number of full redraws so far (for tests and benchmarks)."""
        self.title_text = ""
        """The chart title as last drawn (run id, scale, removed points)."""

    def compose(self) -> ComposeResult:
        yield PlotextPlot()
        yield Static("loss: no data yet", id="chart-summary")

    def on_mount(self) -> None:
        self._draw()
        self.set_interval(1.0 / self.MAX_FPS, self._tick)

    # -- data in -------------------------------------------------------------------------
    def reset(self, title: str = "loss", steps_per_epoch: int = 1) -> None:
        """Forget all points: a new run starts.

        Args:
            title: chart title (the run id).
            steps_per_epoch: batches per epoch, to place batch points on the epoch axis.
        """
        self.history = RunHistory(name=title)
        self.steps_per_epoch = max(1, int(steps_per_epoch))
        self._title = title
        self._dirty = True
        self._draw()

    def add_batch(self, step: int, logs: dict[str, float]) -> None:
        """Add one batch's logs (Keras's running means; ``step`` global, 0-based)."""
        self.history.add_batch(step, logs)
        self._dirty = True

    def add_epoch(self, epoch: int, logs: dict[str, float], step: int | None = None) -> None:
        """Add one epoch's logs (``loss``, ``val_loss``, metrics); drawn at once."""
        self.history.add_epoch(epoch, logs, step)
        self._dirty = True
        self._draw()

    @property
    def epochs(self) -> int:
        """Number of epochs on the chart."""
        return self.history.epochs_done

    def watch_log_scale(self) -> None:
        self._dirty = True
        self._draw()

    def on_resize(self) -> None:
        self._dirty = True
        self._draw()

    def _tick(self) -> None:
        if self._dirty:
            self._draw()

    # -- drawing -------------------------------------------------------------------------
    def summary_text(self) -> str:
        """The one-line summary shown when the chart is too small."""
        h = self.history
        parts = []
        if h.epochs_done:
            parts.append(f"ep {h.epochs_done} loss {_fmt(h.last('loss'))}")
            if h.last("val_loss") is not None:
                parts.append(f"val_loss {_fmt(h.last('val_loss'))}")
        elif h.batches_logged:
            _, ys = h.series("loss", x="step", source="batch")
            parts.append(f"batch loss {_fmt(float(ys[-1]))}")
        return " · ".join(parts) or "loss: no data yet"

    def _series(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        h = self.history
        out = []
        if h.batches_logged and "loss" in h.keys("batch"):
            xs, ys = h.series("loss", x="step", source="batch")
            out.append(("batch loss", (xs + 1.0) / self.steps_per_epoch, ys))
        for key in ("loss", "val_loss"):
            if h.epochs_done and key in h.keys("epoch"):
                xs, ys = h.series(key, x="epoch", source="epoch")
                out.append((key, xs, ys))
        return out

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        self._dirty = False
        w, h = self.size
        small = w < self.MIN_SIZE[0] or h < self.MIN_SIZE[1]
        self.set_class(small, "-small")
        self.query_one("#chart-summary", Static).update(self.summary_text())
        if small:
            return
        self.draws += 1
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        cols = max(10, w - 10)  # plot area: the width less the y tick labels
        log = self.log_scale
        style = {
            "batch loss": ("braille", "gray", False),
            "loss": ("●", "blue", True),
            "val_loss": ("◆", "orange", True),
        }
        bad_x: list[float] = []
        dropped = 0
        tops: list[float] = []
        for label, xs, ys in self._series():
            p = prepare_series(xs, ys, log_y=log, n_columns=cols)
            bad_x.extend(p.nonfinite_xs.tolist())
            dropped += p.nonpositive_count
            if not p.xs.size:
                continue
            tops.append(float(p.ys.max()))
            marker, color, points = style[label]
            x, y = p.xs.tolist(), p.ys.tolist()
            if points:
                plt.plot(x, y, marker="braille", color=color)
                plt.scatter(x, y, marker=marker, color=color, label=f"{marker} {label}")
            else:
                plt.plot(x, y, marker=marker, color=color, label=f"⠒ {label}")
        if bad_x and tops:
            plt.scatter(bad_x, [max(tops)] * len(bad_x), marker="x", color="red", label="x non-finite")
        title = self._title + (" · log10(loss)" if log else "")
        if bad_x:
            title += f" · {len(bad_x)} non-finite removed"
        if dropped:
            title += f" · {dropped} <= 0 hidden"
        self.title_text = title
        plt.title(title)
        plt.xlabel("epoch")
        plot.refresh()
