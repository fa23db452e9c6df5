"""The live chart: a metric (loss by default) per batch and per epoch, its validation value per epoch.

The plot library (textual-plotext's ``Plot``, chosen by measurement; see
``docs/design.md``) draws what it is given, in a thread worker: building a
plot costs 5-25 ms of pure Python, which on the UI thread showed as event-loop
lag; in a worker the GIL is handed back every few ms, and the finished text is
posted back as a message. tuidl itself prepares every series before plotting:

* non-finite points (NaN, +-inf) are removed and marked: a ``✕`` on the top edge
  at their x, and the first one in the title (``✕ nan at epoch 7 +2 more``); the
  batch where a run diverged too (:meth:`LossChart.mark_diverged`; the engine
  stops before sending it); values <= 0 on a log axis are counted in the title;
* the log scale is applied here (``log10`` of the values, axis labelled so);
* long series are decimated to about two points per pixel column, keeping the
  minimum and maximum of each column so spikes stay visible.

Below :attr:`LossChart.MIN_SIZE` the chart becomes a one-line text summary,
with a sparkline of the metric under it where there are rows for one.
Train and validation curves differ by marker, not only by colour, so the chart
reads the same with ``NO_COLOR``. The legend is one line under the plot, drawn
by tuidl (:func:`legend_line`), never over the curves (plotext draws its legend
inside the plot area, over the top-left corner where the first, highest losses
are); the x axis is ticked at whole epochs, the y axis at round values, with labels
in scientific notation where plain ones would be long (:mod:`tuidl.core.ticks`,
shared with the runs browser's chart). An epoch whose train and validation
points would share a cell gets one ``◈`` (both) instead of ``◆`` over ``●``.
:attr:`LossChart.metric` picks what is
plotted: ``loss`` or any other logged key (``accuracy``, ``learning_rate``,
...); :meth:`LossChart.cycle_metric` steps through them.
"""

from __future__ import annotations

import math
import numpy as np
import threading

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Container
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Sparkline, Static
from textual_plotext.plot import Plot

from tuidl.core.derived import TRAIN_EVAL, curve_labels, includes_penalty
from tuidl.core.history import RunHistory, prepare_series
from tuidl.core.ticks import NONFINITE_MARK, epoch_ticks, fmt_number, nice_ticks, nonfinite_note
from tuidl.ui.text import plain

__all__ = ["LossChart", "epoch_ticks", "legend_line", "value_ticks"]


def fit_title(run: str, extras: list[str], width: int) -> str:
    """The chart title within ``width`` cells (plotext leaves out a title that is too long).

    ``run · extra · extra`` when it fits; else the extras alone (the metric, scale and
    notes matter more than the run id, which the status line also shows); else cut
    with ``…``.
    """
    full = " · ".join([run, *extras] if run else extras)
    if len(full) <= width:
        return full
    short = " · ".join(extras) or run
    return short if len(short) <= width else short[: max(0, width - 1)] + "…"


LegendEntry = tuple[str, str, str, str]
"""``(marker, label, short label, colour)`` of one curve in the legend line."""


def legend_line(entries: list[LegendEntry], width: int, x_label: str = "epoch") -> Text:
    """The chart's legend and x-axis label on one line of at most ``width`` cells.

    Each entry is its marker (in the curve's colour, so the marker, not the hue,
    tells the curves apart with ``NO_COLOR``) and its label, two spaces apart;
    ``x_label`` is right-aligned (dim) when it fits. What does not fit falls back
    to the short labels (``batch``, ``train``, ``val``; the title names the
    metric), then drops ``x_label``, then is cut with ``…``.

    Args:
        entries: the curves drawn, in drawing order (see :data:`LegendEntry`).
        width: cells available.
        x_label: the x axis' name.

    Returns:
        A :class:`rich.text.Text` of at most ``width`` cells (``no data yet`` when
        ``entries`` is empty).
    """

    def build(short: bool) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        for i, (marker, label, short_label, colour) in enumerate(entries):
            if i:
                t.append("  ")
            t.append(marker, style=colour)
            t.append(f" {short_label if short else label}")
        return t

    if not entries:
        line = Text("no data yet", style="dim", no_wrap=True, overflow="ellipsis")
    else:
        line = build(False)
        if line.cell_len > width:
            line = build(True)
    if x_label and line.cell_len + 2 + len(x_label) <= width:
        line.append(" " * (width - line.cell_len - len(x_label)))
        line.append(x_label, style="dim")
    line.truncate(max(0, width), overflow="ellipsis")
    return line


value_ticks = nice_ticks
"""The y ticks: :func:`tuidl.core.ticks.nice_ticks` (the runs browser's chart uses it too)."""
_fmt = fmt_number


class LossChart(Container):
    """Live chart of a metric per batch, the metric and its ``val_`` twin per epoch (default ``loss``).

    The data lives in a :class:`~tuidl.core.history.RunHistory` (``history``).
    The x axis is the epoch: an epoch's end is at ``epoch + 1`` (1-based, as
    Keras prints it) and batch ``step`` (global, 0-based) is at
    ``(step + 1) / steps_per_epoch``. Feed it with :meth:`add_batch` and
    :meth:`add_epoch`; every point is kept, and the chart redraws at most
    :attr:`MAX_FPS` times per second, building the plot in a thread worker and
    repainting only the plot (no re-layout). Curves (for ``metric`` m): batch
    m as a grey braille line (when the batch logs have it), epoch m as ``●``
    points, ``val_m`` as ``◆`` points, each joined by a line, so they differ
    without colour (``NO_COLOR``).
    """

    DEFAULT_CSS = """
    LossChart { height: 1fr; min-height: 1; }
    LossChart > #chart-plot { height: 1fr; }
    LossChart > #chart-summary { height: 1; display: none; }
    LossChart > #chart-spark { height: 1fr; display: none; }
    LossChart.-small > #chart-plot { display: none; }
    LossChart.-small > #chart-summary { display: block; }
    LossChart.-small.-spark > #chart-spark { display: block; }
    """

    MIN_SIZE = (30, 8)
    """Below this (columns, rows) the chart is a one-line text summary."""
    MAX_FPS = 10.0
    """Redraws per second at most while data streams in."""

    STYLE = {
        "batch": ("braille", "gray", False),
        "train": ("●", "blue", True),
        "val": ("◆", "orange", True),
        "eval": ("▲", "cyan", True),
    }
    """Per role of a curve (batch values, epoch train values, epoch validation values, epoch train values
    re-evaluated in inference mode, ``train_eval_<m>``):
    marker, colour (plotext's name), and whether epoch points get their own marker."""
    BOTH_MARKER = "◈"
    """Marks an epoch whose train and validation values fall in one cell (either marker would hide the other)."""
    LEGEND_COLOUR = {
        "gray": "color(8)",
        "blue": "color(4)",
        "orange": "color(3)",
        "red": "color(1)",
        "green": "color(2)",
        "cyan": "color(6)",
    }
    """The Rich colour plotext draws each of its colour names with (under its ``clear`` theme)."""

    log_scale: reactive[bool] = reactive(False)
    """Plot log10 of the values instead of the values."""
    metric: reactive[str] = reactive("loss")
    """The logged key plotted (``loss``, ``accuracy``, ...; without ``val_``)."""

    class Rendered(Message):
        """A plot built in the render worker (``generation`` orders them)."""

        def __init__(self, generation: int, text: Text, title: str) -> None:
            super().__init__()
            self.generation = generation
            self.text = text
            self.title = title

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.history = RunHistory()
        self.diverged: list[tuple[float, str, float]] = []
        """``(x, metric, value)`` where the run diverged (:meth:`mark_diverged`)."""
        self.steps_per_epoch = 1
        self._dirty = False
        self._title = "loss"
        self._plot = Plot()
        self._plot.theme("clear")  # no colours of its own: the widget's background and text colour show
        self._plot_lock = threading.Lock()
        self._epoch_keys: tuple[str, ...] = ()  # the epoch keys as of the last redraw (curve labels)
        self.draws = 0
        """Redraws started so far (for tests and benchmarks)."""
        self.rendered = 0
        """Generation of the last plot shown (equals ``draws`` when settled)."""
        self.title_text = ""
        """The chart title as last shown (run id, scale, removed points)."""
        self.plot_text = ""
        """The plot as last shown, as plain text."""

    def compose(self) -> ComposeResult:
        yield Static("", id="chart-plot")
        yield Static("loss: no data yet", id="chart-summary")
        yield Sparkline([], id="chart-spark", summary_function=lambda v: sum(v) / len(v))

    def on_mount(self) -> None:
        self._dirty = True
        self.set_interval(1.0 / self.MAX_FPS, self._tick)

    # -- data in -------------------------------------------------------------------------
    def reset(self, title: str = "loss", steps_per_epoch: int = 1) -> None:
        """Forget all points: a new run starts.

        Args:
            title: chart title (the run id).
            steps_per_epoch: batches per epoch, to place batch points on the epoch axis.
        """
        self.history = RunHistory(name=title)
        self.diverged = []
        self.steps_per_epoch = max(1, int(steps_per_epoch))
        self._title = title
        self._dirty = True

    def add_batch(self, step: int, logs: dict[str, float]) -> None:
        """Add one batch's logs (Keras's running means; ``step`` global, 0-based)."""
        self.history.add_batch(step, logs)
        self._dirty = True

    def add_epoch(self, epoch: int, logs: dict[str, float], step: int | None = None) -> None:
        """Add one epoch's logs (``loss``, ``val_loss``, metrics); kept always, drawn on the next tick."""
        self.history.add_epoch(epoch, logs, step)
        self._dirty = True

    def mark_diverged(self, epoch: int, batch: int, metric: str, value: str) -> None:
        """The run diverged: ``metric`` became ``value`` (``nan``, ``inf``) in batch ``batch`` of
        epoch ``epoch`` (both 0-based). The engine stops before it sends that batch, so the
        chart marks it itself (``✕`` on the top edge, "✕ nan at epoch 7" in the title)."""
        try:
            v = float(value)
        except ValueError:
            v = math.nan
        x = (epoch * self.steps_per_epoch + batch + 1) / self.steps_per_epoch
        if metric.startswith("val_"):  # found at the epoch's end
            x = float(epoch + 1)
        self.diverged.append((x, metric, v))
        self._dirty = True

    @property
    def epochs(self) -> int:
        """Number of epochs on the chart."""
        return self.history.epochs_done

    @property
    def settled(self) -> bool:
        """No redraw pending or in flight: what is shown is the data held."""
        return not self._dirty and self.rendered == self.draws

    def watch_log_scale(self) -> None:
        self._dirty = True

    def watch_metric(self) -> None:
        self._dirty = True

    def metrics(self) -> list[str]:
        """Keys the chart can show: ``loss`` first, then the other logged metrics, ``learning_rate`` last.

        Taken from the epoch logs (and the batch logs before the first epoch);
        ``val_`` and ``train_eval_`` keys are not listed on their own (they are drawn with their
        metric); ``data_loss`` (derived) and ``regularization_loss`` are, when the run logs a penalty.
        """
        h = self.history
        keys = set(h.keys("epoch")) | set(h.keys("batch"))
        keys |= {k[4:] for k in keys if k.startswith("val_")}
        keys = {k for k in keys if not k.startswith(("val_", TRAIN_EVAL))}
        names = sorted(k for k in keys if k not in ("loss", "learning_rate"))
        return ["loss", *names, *(["learning_rate"] if "learning_rate" in keys else [])]

    def cycle_metric(self) -> str:
        """Show the next metric of :meth:`metrics` (after the last, ``loss`` again); returns it."""
        options = self.metrics()
        i = options.index(self.metric) if self.metric in options else -1
        self.metric = options[(i + 1) % len(options)]
        return self.metric

    def on_resize(self) -> None:
        self._dirty = True

    def _tick(self) -> None:
        if self._dirty:
            self._draw()

    # -- drawing -------------------------------------------------------------------------
    def summary_text(self) -> str:
        """The one-line summary shown when the chart is too small."""
        h = self.history
        m = self.metric
        parts = []
        if h.epochs_done and h.last(m) is not None:
            pen = "+pen" if includes_penalty(m, h.keys("epoch")) else ""
            parts.append(f"ep {h.epochs_done} {m}{pen} {_fmt(h.last(m))}")
            if h.last(f"val_{m}") is not None:
                parts.append(f"val_{m} {_fmt(h.last(f'val_{m}'))}")
        elif h.batches_logged and m in h.keys("batch"):
            _, ys = h.series(m, x="step", source="batch")
            parts.append(f"batch {m} {_fmt(float(ys[-1]))}")
        return " · ".join(parts) or f"{m}: no data yet"

    def spark_values(self, columns: int) -> list[float]:
        """What the small chart's sparkline shows under the summary line: :attr:`metric`
        per batch (per epoch when the batch logs lack it), finite values only, log10
        under :attr:`log_scale`, decimated to about ``columns`` points."""
        h = self.history
        m = self.metric
        if h.batches_logged and m in h.keys("batch"):
            xs, ys = h.series(m, x="step", source="batch")
        elif h.epochs_done and m in h.keys("epoch"):
            xs, ys = h.series(m, x="epoch", source="epoch")
        else:
            return []
        return prepare_series(xs, ys, log_y=self.log_scale, n_columns=max(1, columns)).ys.tolist()

    def _series(self) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
        """Copies of the curves' (role, label, x, y) as they are now, for :attr:`metric`
        (labels: :func:`tuidl.core.derived.curve_labels`)."""
        h = self.history
        m = self.metric
        keys = h.keys("epoch")
        labels = curve_labels(m, keys)
        out = []
        if h.batches_logged and m in h.keys("batch"):
            xs, ys = h.series(m, x="step", source="batch")
            out.append(("batch", labels["batch"][0], (xs + 1.0) / self.steps_per_epoch, ys.copy()))
        # the inference-mode curve next to the train curve it corrects, drawn under the val markers
        for role, key in (("train", m), ("eval", f"{TRAIN_EVAL}{m}"), ("val", f"val_{m}")):
            if h.epochs_done and key in keys:
                xs, ys = h.series(key, x="epoch", source="epoch")
                out.append((role, labels[role][0], xs.copy(), ys.copy()))
        return out

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        self._dirty = False
        w, h = self.size
        small = w < self.MIN_SIZE[0] or h < self.MIN_SIZE[1]
        self.set_class(small, "-small")
        if small:
            self.query_one("#chart-summary", Static).update(plain(self.summary_text()), layout=False)
            spark = self.spark_values(w)
            self.set_class(len(spark) > 1, "-spark")
            self.query_one("#chart-spark", Sparkline).data = spark
            return
        self.draws += 1
        self._epoch_keys = tuple(self.history.keys("epoch"))  # read by the render thread (labels)
        marks = [(x, v) for x, m, v in self.diverged if m in (self.metric, f"val_{self.metric}")]
        self._render_plot(self.draws, self._series(), (w, h), self.log_scale, self._title, self.metric, marks)

    @work(
        thread=True,
        group="chart-render",
        exit_on_error=False,
        name="chart-render",
        description="Builds the loss plot off the UI thread",
    )
    def _render_plot(
        self,
        generation: int,
        series: list[tuple[str, str, np.ndarray, np.ndarray]],
        size: tuple[int, int],
        log: bool,
        title: str,
        metric: str = "loss",
        marks: list[tuple[float, float]] | None = None,
    ) -> None:
        """Prepare the series and build the plot text; post it back (stale ones are skipped)."""
        with self._plot_lock:
            if generation != self.draws:
                return  # a newer redraw is queued
            text, title = self._build(series, size, log, title, metric, marks)
        self.post_message(self.Rendered(generation, text, title))

    def _build(
        self,
        series: list[tuple[str, str, np.ndarray, np.ndarray]],
        size: tuple[int, int],
        log: bool,
        title: str,
        metric: str = "loss",
        marks: list[tuple[float, float]] | None = None,
    ) -> tuple[Text, str]:
        """The plot (``h - 1`` rows: title, plot area, x ticks) and the legend line under it.

        ``marks``: ``(x, value)`` of non-finite values that are not in ``series`` (the
        batch where a run diverged: the engine stops before sending it).
        """
        w, h = size
        plt = self._plot
        plt.clear_data()
        plt.clear_figure()
        plt.theme("clear")
        plt.plotsize(w, h - 1)  # the last row is tuidl's legend line
        rows = max(1, h - 5)  # the plot area: less the legend, title, x ticks and the frame
        bad: list[tuple[float, float]] = list(marks or [])
        dropped = 0
        tops: list[float] = []
        bottoms: list[float] = []
        x_lo, x_hi = math.inf, -math.inf
        legend: list[LegendEntry] = []
        prepared: list[tuple[str, str, list[float], list[float]]] = []
        for role, label, xs, ys in series:
            p = prepare_series(xs, ys, log_y=log, n_columns=max(10, w - 10))
            bad.extend(zip(p.nonfinite_xs.tolist(), p.nonfinite_ys.tolist()))
            dropped += p.nonpositive_count
            if not p.xs.size:
                continue
            tops.append(float(p.ys.max()))
            bottoms.append(float(p.ys.min()))
            x_lo, x_hi = min(x_lo, float(p.xs.min())), max(x_hi, float(p.xs.max()))
            prepared.append((role, label, p.xs.tolist(), p.ys.tolist()))
        for x, _ in bad:
            x_lo, x_hi = min(x_lo, x), max(x_hi, x)
        yticks: list[float] = []
        ylabels: list[str] = []
        y_lim = (min(bottoms), max(tops)) if tops else (0.0, 0.0)
        if tops and y_lim[1] <= y_lim[0]:  # one value (a run that diverged in its first batches)
            d = abs(y_lim[0]) * 0.05 or 1.0
            y_lim = (y_lim[0] - d, y_lim[1] + d)
        if tops:
            yticks, ylabels = value_ticks(*y_lim, (h - 5) // 2 + 1)
        # the plot area: the width less the y tick labels (plotext sizes them to the longest) and the frame
        cols = max(10, w - 3 - max((len(t) for t in ylabels), default=5))
        both = self._overlaps(prepared, y_lim, rows)
        markers: list[tuple[list[float], list[float], str, str]] = []
        short = {role: s for role, (_, s) in curve_labels(metric, self._epoch_keys).items()}
        for role, label, x, y in prepared:
            marker, color, points = self.STYLE[role]
            # no plotext labels: its legend is drawn inside the plot area, over the curves
            if points:
                plt.plot(x, y, marker="braille", color=color)
                keep = [i for i, xi in enumerate(x) if xi not in both]
                markers.append(([x[i] for i in keep], [y[i] for i in keep], marker, color))
                legend.append((marker, label, short[role], self.LEGEND_COLOUR[color]))
            else:
                plt.plot(x, y, marker=marker, color=color)
                legend.append(("⠒", label, short[role], self.LEGEND_COLOUR[color]))
        for x, y, marker, color in markers:  # after every line, so no line is drawn over a marker
            if x:
                plt.scatter(x, y, marker=marker, color=color)
        if both:  # train and validation points in one cell: one mark that says both, not ◆ over ●
            xb = sorted(both)
            yb = [y for x in xb for y in both[x]]
            plt.scatter([x for x in xb for _ in both[x]], yb, marker=self.BOTH_MARKER, color="green")
            legend.append((self.BOTH_MARKER, f"{metric}≈val", "both", self.LEGEND_COLOUR["green"]))
        if bad and tops:
            plt.scatter([x for x, _ in bad], [max(tops)] * len(bad), marker=NONFINITE_MARK, color="red")
            brief = "nan" if any(math.isnan(v) for _, v in bad) else "inf"  # the title says which, where
            legend.append((NONFINITE_MARK, "non-finite", brief, self.LEGEND_COLOUR["red"]))
        if tops or bad:
            lo, hi, ticks = epoch_ticks(x_lo, x_hi, cols)
            plt.xlim(lo, hi)
            plt.xticks(ticks, [str(t) for t in ticks])
            if yticks:
                plt.yticks(yticks, ylabels)
            if y_lim[1] > y_lim[0]:
                plt.ylim(*y_lim)  # as plotext would, but known here: _overlaps maps values to rows with it
        pen = includes_penalty(metric, self._epoch_keys)
        named = f"{metric} incl. penalty" if pen else metric if metric != "loss" else ""
        extras = [f"log10({named or metric})" if log else named]
        if not series and metric != "loss":
            extras.append(f"no {metric} logged yet")
        if bad:
            extras.append(nonfinite_note(bad))
        if dropped:
            extras.append(f"{dropped} <= 0 hidden")
        extras = [e for e in extras if e]
        run = "" if title == "loss" else title  # "loss": the placeholder before the first run
        title = " · ".join([run, *extras] if run else extras) or metric
        # plotext centres the title on the plot area (right of the y tick labels) and drops it if it overflows
        plt.title(fit_title(run, extras, cols) or metric)
        text = Text.from_ansi(plt.build(), no_wrap=True)
        if not text.plain.endswith("\n"):  # plotext ends its last line with one
            text.append("\n")
        text.append_text(legend_line(legend, w))
        return text, title

    @staticmethod
    def _overlaps(
        prepared: list[tuple[str, str, list[float], list[float]]], y_lim: tuple[float, float], rows: int
    ) -> dict[float, tuple[float, float]]:
        """Epochs whose train and validation points fall in one row: ``{x: (train y, val y)}``.

        Both are drawn at the same x (the epoch's end), so in one row one marker would hide
        the other (plotext keeps a cell's last marker). Rows as plotext maps them
        (``plotext._utility.get_matrix_data``) for the y range ``y_lim`` over ``rows`` rows."""
        by_role = {role: dict(zip(x, y)) for role, _, x, y in prepared if role in ("train", "val")}
        train, val = by_role.get("train", {}), by_role.get("val", {})
        lo, hi = y_lim

        def row(y: float) -> int:
            return math.floor(round(0.5 + (rows - 1) * (y - lo) / (hi - lo), 8)) if hi > lo else 0

        return {x: (train[x], val[x]) for x in train if x in val and row(train[x]) == row(val[x])}

    def on_loss_chart_rendered(self, message: "LossChart.Rendered") -> None:
        message.stop()
        if message.generation < self.rendered:
            return
        self.rendered = message.generation
        self.title_text = message.title
        self.plot_text = message.text.plain
        self.query_one("#chart-plot", Static).update(message.text, layout=False)
