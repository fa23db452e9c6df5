"""Several runs' curves overlaid on one chart, with TensorBoard-like controls.

Each run has its own colour (Okabe–Ito, colour-blind safe) AND its own marker
shape, so runs stay apart with ``NO_COLOR``; validation curves are drawn as a
solid braille line with the run's filled marker (``●``) at each point, training
curves as a dotted line of ``·`` with the run's open marker (``○``). A legend line
above the plot names the runs.

tuidl prepares every series before the plot library sees it
(:func:`tuidl.core.history.prepare_series`): points outside the zoom window
are cut (after smoothing, which runs over the whole run, incrementally), then
non-finite values are split off (and marked with a red ``✕`` on the top edge at
the x where they appeared, the first named in the title: ``✕ nan at epoch 7``), log10 is taken (values <= 0 counted and reported in the title), and
the series is decimated to the plot's pixel columns. So a redraw costs
O(points) numpy work plus plotting a few hundred points, whatever the length
of the runs.

Controls (keys bound on the widget while it has focus; the runs screen binds
the same keys but the arrows on the screen, so they work whatever has focus):

* ``,``/``.`` (or ``left``/``right`` while the chart has focus) move the value
  cursor (its readout lists every run's value at the cursor's x); ``+``/``-``
  zoom the x axis around the cursor; ``[``/``]`` (or ``shift+left``/
  ``shift+right`` while focused) pan; ``0`` resets zoom. The hint line under
  the plot names these keys.

The x axis ``epoch`` is 1-based, as on the dashboard's chart
(:class:`~tuidl.ui.widgets.loss_chart.LossChart`) and Keras's progress bar: the
record with ``"epoch": e`` in ``metrics.jsonl`` (0-based, as in Keras's
``CSVLogger``) is drawn at x = e + 1 and read out as "epoch e+1".

Both axes are ticked at round values (:mod:`tuidl.core.ticks`, as on the dashboard's
chart): whole epochs on the epoch axis, scientific labels where plain ones would be long.

Each run's colour and marker come from its *style* index (:func:`style_color`,
:func:`style_markers`): 64 distinct (colour, marker) pairs before one repeats.

Below :attr:`CompareChart.MIN_SIZE` the chart becomes a one-line text summary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tuidl.core.derived import includes_penalty
from tuidl.core.history import IncrementalEMA, RunHistory, X_AXES, clip_polyline, prepare_series, y_range
from tuidl.core.ticks import NONFINITE_MARK, epoch_ticks, log_ticks, nice_ticks, nonfinite_note
from tuidl.ui.widgets.chart_marks import SHARED_MARKER, draw_marks

__all__ = ["ChartRun", "CompareChart", "PALETTE", "MARKERS", "fmt_value", "style_color", "style_markers"]

PALETTE: tuple[tuple[int, int, int], ...] = (
    (86, 180, 233),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (240, 228, 66),
    (0, 114, 178),
    (213, 94, 0),
    (200, 200, 200),
)
"""Run colours: the Okabe–Ito colour-blind-safe palette (Okabe & Ito, 2008), grey last."""

MARKERS: tuple[tuple[str, str], ...] = (
    ("●", "○"),
    ("◆", "◇"),
    ("▲", "△"),
    ("■", "□"),
    ("★", "☆"),
    ("✚", "+"),
    ("◉", "◎"),
    ("✖", "x"),
)
"""Per-run (validation, training) marker pairs: filled for validation, open for training."""

Show = Literal["both", "val", "train"]
Y_MODES: tuple[str, ...] = ("auto", "outliers", "fixed")
SHOWS: tuple[str, ...] = ("both", "val", "train")
SMOOTHING_STEPS: tuple[float, ...] = (0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99)
"""Smoothing weights the ``s`` key cycles through (TensorBoard's slider goes 0–0.999)."""


def style_color(style: int) -> tuple[int, int, int]:
    """The RGB colour of a style index: :data:`PALETTE` in turn."""
    return PALETTE[style % len(PALETTE)]


def style_markers(style: int) -> tuple[str, str]:
    """The (validation, training) markers of a style index.

    The marker shifts by one each time the colours wrap around, so styles
    0..63 are 64 distinct (colour, marker) pairs.
    """
    n = len(PALETTE)
    return MARKERS[(style + style // n) % len(MARKERS)]


def fmt_value(v: float | None) -> str:
    """A metric value in at most 4 significant digits; ``"-"`` for ``None``."""
    if v is None:
        return "-"
    if not math.isfinite(v):
        return str(v)
    return f"{v:.4g}"


@dataclass
class ChartRun:
    """One run on the chart.

    Attributes:
        run_id: stable id (keys the style).
        name: legend name.
        history: its metrics.
        style: index into :data:`PALETTE` and :data:`MARKERS` (wraps around).
    """

    run_id: str
    name: str
    history: RunHistory
    style: int = 0
    diverged: tuple[int, int, str, float, int] | None = None
    """Where the run diverged: ``(epoch, batch, metric, value, steps per epoch)``, epoch and
    batch 0-based (``run.json``'s ``error``; that epoch is not in ``metrics.jsonl``); steps
    per epoch 0 when unknown."""

    def divergence_x(self, x_axis: str) -> float | None:
        """The x of :attr:`diverged` on ``x_axis`` (``None``: not diverged, or on the time axis)."""
        if self.diverged is None:
            return None
        epoch, batch, metric, _, steps = self.diverged
        if x_axis == "epoch":
            if metric.startswith("val_") or steps <= 0:
                return float(epoch + 1)  # in that epoch (1-based), at its end
            return epoch + (batch + 1) / steps
        if x_axis == "step" and steps > 0:
            return float(epoch * steps + batch)
        return None

    @property
    def color(self) -> tuple[int, int, int]:
        """The run's colour (:func:`style_color`)."""
        return style_color(self.style)

    @property
    def markers(self) -> tuple[str, str]:
        """The run's (validation, training) markers (:func:`style_markers`)."""
        return style_markers(self.style)


def metric_names(histories: list[RunHistory], source: str = "epoch") -> list[str]:
    """Base metric names over several runs: ``val_x`` and ``x`` both give ``x``; ``loss`` first."""
    names: set[str] = set()
    for h in histories:
        for k in h.keys(source):  # type: ignore[arg-type]
            names.add(k[4:] if k.startswith("val_") else k)
    return sorted(names, key=lambda k: (k != "loss", k))


class CompareChart(Widget, can_focus=True):
    """Overlaid metric curves of several runs.

    Attributes down: set :meth:`set_runs`, and the reactives ``metric``,
    ``x_axis``, ``smoothing``, ``log_y``, ``y_mode`` (with ``y_fixed``),
    ``show``; :meth:`refresh_data` after the histories grew.

    Posts :class:`CompareChart.Changed` when its own keys changed the view
    (zoom, pan, cursor), so a screen can update a status line.
    """

    DEFAULT_CSS = """
    CompareChart { height: 1fr; min-height: 1; }
    CompareChart PlotextPlot { height: 1fr; }
    CompareChart #compare-readout { height: auto; max-height: 3; color: $text-muted; }
    CompareChart #compare-legend { height: auto; max-height: 2; }
    CompareChart #compare-summary { height: 1; display: none; }
    CompareChart.-small PlotextPlot, CompareChart.-small #compare-readout,
    CompareChart.-small #compare-legend { display: none; }
    CompareChart.-small #compare-summary { display: block; }
    CompareChart:focus #compare-readout { color: $text; }
    """

    # No ids: a screen that hosts the chart binds these actions itself (with ids, for the
    # command palette); these make the chart usable on its own and add the arrows.
    BINDINGS = [
        Binding("left,comma", "cursor(-1)", "Cursor ←", show=False),
        Binding("right,full_stop", "cursor(1)", "Cursor →", show=False),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", show=False),
        Binding("minus", "zoom(2.0)", "Zoom out", show=False),
        Binding("shift+left,left_square_bracket", "pan(-0.25)", "Pan ←", show=False),
        Binding("shift+right,right_square_bracket", "pan(0.25)", "Pan →", show=False),
        Binding("0", "reset_zoom", "Reset zoom", show=False),
    ]

    HINT = ", . cursor · + - zoom · [ ] pan · 0 reset"
    """The keys line under the plot while the value cursor is hidden (true on its own
    and on the runs screen, which binds the same keys)."""

    MIN_SIZE = (30, 8)
    """Below (width, height) cells the chart is a one-line summary."""

    metric: reactive[str] = reactive("loss")
    x_axis: reactive[str] = reactive("epoch")
    smoothing: reactive[float] = reactive(0.0)
    log_y: reactive[bool] = reactive(False)
    y_mode: reactive[str] = reactive("auto")
    y_fixed: reactive[tuple[float, float] | None] = reactive(None)
    show: reactive[str] = reactive("both")
    source: reactive[str] = reactive("epoch")

    class Changed(Message):
        """The view changed by the chart's own keys (zoom, pan, cursor)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.runs: list[ChartRun] = []
        self.x_window: tuple[float, float] | None = None
        """Zoomed x range, or ``None`` for everything."""
        self.cursor_x: float | None = None
        """The value cursor's x, or ``None`` (hidden)."""
        self.draws = 0
        self.last_notes: list[str] = []
        """What the last draw reported: non-finite counts, hidden values, etc."""
        self.last_points = 0
        self.legend: list[tuple[str, tuple[int, int, int] | str]] = []
        """``(text, colour)`` legend entries of the last draw."""
        """Points handed to the plot library by the last draw (after decimation)."""
        self._ema: dict[tuple[str, int, str, str], IncrementalEMA] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="compare-legend")
        yield PlotextPlot()
        yield Static("", id="compare-readout", markup=False)
        yield Static("", id="compare-summary", markup=False)

    def on_mount(self) -> None:
        self._draw()

    # -- data ----------------------------------------------------------------------------
    def set_runs(self, runs: list[ChartRun]) -> None:
        """Replace the runs shown (their order is the legend order)."""
        self.runs = list(runs)
        live = {(r.run_id, id(r.history)) for r in self.runs}
        self._ema = {k: v for k, v in self._ema.items() if k[:2] in live}
        names = self.metrics()
        if names and self.metric not in names:
            self.set_reactive(CompareChart.metric, names[0])
        self.refresh_data()

    def refresh_data(self) -> None:
        """Redraw after the histories changed (new epochs)."""
        self._draw()

    def metrics(self) -> list[str]:
        """Base metric names the runs logged (``loss`` first)."""
        return metric_names([r.history for r in self.runs], self.source)

    def _keys(self) -> list[tuple[str, str]]:
        """``(kind, log key)`` pairs to draw for the current metric and ``show``."""
        m = self.metric
        out = []
        if self.show in ("both", "val"):
            out.append(("val", f"val_{m}"))
        if self.show in ("both", "train"):
            out.append(("train", m))
        return out

    # -- reactives -----------------------------------------------------------------------
    def _redraw(self) -> None:
        self._draw()

    watch_metric = watch_smoothing = watch_log_y = watch_y_mode = watch_y_fixed = _redraw
    watch_show = watch_source = _redraw

    def watch_x_axis(self) -> None:
        self.x_window = None
        self.cursor_x = None
        self._draw()

    def validate_smoothing(self, v: float) -> float:
        return min(0.99, max(0.0, float(v)))

    def validate_x_axis(self, v: str) -> str:
        if v not in X_AXES:
            raise ValueError(f"x axis {v!r} is not one of {', '.join(X_AXES)}")
        return v

    def validate_y_mode(self, v: str) -> str:
        if v not in Y_MODES:
            raise ValueError(f"y range {v!r} is not one of {', '.join(Y_MODES)}")
        return v

    def on_resize(self) -> None:
        self._draw()

    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)  # Textual applies the :focus rules there
        # the hint names the arrows only while they are the chart's (focused)
        if self.is_mounted:
            self.query_one("#compare-readout", Static).update(self.readout())

    def _series(self, r: ChartRun, key: str) -> tuple[np.ndarray, np.ndarray]:
        """``(xs, ys)`` of one run's log key, smoothed over the whole run (before any zoom).

        Smoothing is incremental (:class:`~tuidl.core.history.IncrementalEMA`), cached per
        run, key and weight: a redraw after new epochs or batches smooths only the new values.
        """
        xs, ys = r.history.series(key, x=self.x_axis, source=self.source)  # type: ignore[arg-type]
        if not self.smoothing:
            return xs, ys
        ck = (r.run_id, id(r.history), key, self.source)
        ema = self._ema.get(ck)
        if ema is None or ema.weight != self.smoothing:
            ema = self._ema[ck] = IncrementalEMA(self.smoothing)
        return xs, ema.update(ys)

    # -- zoom, pan, cursor ---------------------------------------------------------------
    def extent(self) -> tuple[float, float] | None:
        """The full x range of the current series, or ``None`` when empty."""
        lo, hi = math.inf, -math.inf
        for r in self.runs:
            for _, key in self._keys():
                xs, ys = r.history.series(key, x=self.x_axis, source=self.source)  # type: ignore[arg-type]
                ok = np.isfinite(xs)
                if ok.any():
                    lo, hi = min(lo, float(xs[ok].min())), max(hi, float(xs[ok].max()))
        return (lo, hi) if lo <= hi else None

    def action_zoom(self, factor: float) -> None:
        """Zoom the x window by ``factor`` (0.5 in, 2 out) around the cursor or the centre."""
        ext = self.extent()
        if ext is None:
            return
        lo, hi = self.x_window or ext
        centre = self.cursor_x if self.cursor_x is not None else (lo + hi) / 2
        half = (hi - lo) / 2 * factor
        min_half = max((ext[1] - ext[0]) / 1000, 1e-9)
        half = max(half, min_half)
        if 2 * half >= ext[1] - ext[0]:
            self.x_window = None
        else:
            lo = max(ext[0], centre - half)
            hi = min(ext[1], lo + 2 * half)
            self.x_window = (hi - 2 * half, hi)
        self._changed()

    def action_pan(self, fraction: float) -> None:
        """Move the zoomed window by ``fraction`` of its width (no-op when not zoomed)."""
        ext = self.extent()
        if ext is None or self.x_window is None:
            return
        lo, hi = self.x_window
        d = (hi - lo) * fraction
        d = min(max(d, ext[0] - lo), ext[1] - hi)
        self.x_window = (lo + d, hi + d)
        if self.cursor_x is not None:
            self.cursor_x = min(max(self.cursor_x + d, self.x_window[0]), self.x_window[1])
        self._changed()

    def action_reset_zoom(self) -> None:
        """Show the whole x range."""
        self.x_window = None
        self._changed()

    def _cursor_points(self) -> np.ndarray:
        pts: list[np.ndarray] = []
        for r in self.runs:
            for _, key in self._keys():
                xs, ys = r.history.series(key, x=self.x_axis, source=self.source)  # type: ignore[arg-type]
                pts.append(xs[np.isfinite(xs) & ~np.isnan(ys)])
        allx = np.unique(np.concatenate(pts)) if pts else np.empty(0)
        if self.x_window is not None and allx.size:
            lo, hi = self.x_window
            inside = allx[(allx >= lo) & (allx <= hi)]
            allx = inside if inside.size else allx
        return allx

    def action_cursor(self, step: int) -> None:
        """Move the value cursor to the next/previous logged x (``step`` = +-1)."""
        xs = self._cursor_points()
        if not xs.size:
            return
        if self.cursor_x is None:
            self.cursor_x = float(xs[0] if step > 0 else xs[-1])
        else:
            i = int(np.searchsorted(xs, self.cursor_x))
            if step > 0:
                j = i + 1 if i < xs.size and xs[i] == self.cursor_x else i
            else:
                j = i - 1
            self.cursor_x = float(xs[min(max(j, 0), xs.size - 1)])
        self._changed()

    def _changed(self) -> None:
        self._draw()
        self.post_message(self.Changed())

    def readout(self) -> str:
        """Every run's values at the cursor's x (nearest logged point at or before it)."""
        if self.cursor_x is None:
            return self.HINT.replace(", . cursor", ", . or ←/→ cursor") if self.has_focus else self.HINT
        x = self.cursor_x
        parts = [
            f"epoch {x:g}:" if self.x_axis == "epoch" else f"step {x:g}:" if self.x_axis == "step" else f"{x:.4g} s:"
        ]
        for r in self.runs:
            vals = []
            for kind, key in self._keys():
                xs, ys = self._series(r, key)
                i = int(np.searchsorted(xs, x, side="right")) - 1
                if 0 <= i < xs.size and not np.isnan(xs[i]):
                    vals.append(f"{kind} {fmt_value(float(ys[i]))}")
            parts.append(f"{r.markers[0]} {r.name} " + (" ".join(vals) if vals else "-"))
        return "  ".join(parts)

    def legend_text(self) -> Text:
        """The legend of the last draw: each run's marker and name in its colour."""
        t = Text(no_wrap=False, overflow="fold")
        for i, (label, colour) in enumerate(self.legend):
            if i:
                t.append("  ")
            style = f"rgb({colour[0]},{colour[1]},{colour[2]})" if isinstance(colour, tuple) else colour
            t.append(label, style=style)
        return t

    # -- summary -------------------------------------------------------------------------
    def summary_text(self) -> str:
        """One line: the best value of the current metric per run (validation when logged)."""
        if not self.runs:
            return "no runs selected"
        key = f"val_{self.metric}"
        if not any(key in r.history.keys(self.source) for r in self.runs):  # type: ignore[arg-type]
            key = self.metric
        from tuidl.core.runs import metric_mode

        mode = metric_mode(key)
        parts = []
        for r in self.runs:
            best = r.history.best(key, "min" if mode == "min" else "max")
            parts.append(f"{r.markers[0]} {r.name} {fmt_value(best[1]) if best else '-'}")
        return f"best {key}: " + " · ".join(parts)

    # -- drawing -------------------------------------------------------------------------
    def _draw(self) -> None:
        if not self.is_mounted:
            return
        w, h = self.size
        small = w < self.MIN_SIZE[0] or h < self.MIN_SIZE[1]
        self.set_class(small, "-small")
        self.query_one("#compare-summary", Static).update(self.summary_text())
        if small:
            return
        self.draws += 1
        plot = self.query_one(PlotextPlot)
        self.build_plot(plot.plt, max(10, w - 12) * 2)
        self.query_one("#compare-readout", Static).update(self.readout())
        self.query_one("#compare-legend", Static).update(self.legend_text())
        plot.refresh()

    def build_plot(self, plt, n_columns: int) -> None:
        """Fill a plotext figure with the current view.

        Args:
            plt: a plotext ``Plot`` (``PlotextPlot.plt``).
            n_columns: pixel columns to decimate to (braille: 2 per cell).
        """
        plt.clear_data()
        plt.clear_figure()
        window = self.x_window
        nonfinite = 0
        hidden = 0
        bad_x: list[float] = []
        bad: list[tuple[float, float]] = []
        all_y: list[np.ndarray] = []
        drawn: list[tuple[ChartRun, str, np.ndarray, np.ndarray]] = []
        legend: list[tuple[str, tuple[int, int, int] | str]] = []
        fixed = self.y_fixed if self.y_mode == "fixed" else None
        for r in self.runs:
            for kind, key in self._keys():
                xs, ys = self._series(r, key)
                if not xs.size:
                    continue
                if window is not None:
                    # keep one point on each side so lines run to the edges
                    i0 = max(0, int(np.searchsorted(xs, window[0])) - 1)
                    i1 = int(np.searchsorted(xs, window[1], side="right")) + 1
                    xs, ys = xs[i0:i1], ys[i0:i1]
                p = prepare_series(xs, ys, log_y=self.log_y, n_columns=n_columns, y_range=fixed)
                nonfinite += p.nonfinite_xs.size
                bad_x.extend(p.nonfinite_xs.tolist())
                bad.extend(zip(p.nonfinite_xs.tolist(), p.nonfinite_ys.tolist()))
                hidden += p.nonpositive_count
                if p.xs.size:
                    drawn.append((r, kind, p.xs, p.ys))
                    all_y.append(p.ys)
                x_div = r.divergence_x(self.x_axis)
                if x_div is not None and r.diverged is not None and r.diverged[2] == key:
                    if window is None or window[0] <= x_div <= window[1]:
                        nonfinite += 1
                        bad_x.append(x_div)
                        bad.append((x_div, r.diverged[3]))
        lo_hi = y_range(np.concatenate(all_y), self.y_mode, fixed, self.log_y) if all_y else None
        if lo_hi is not None:
            lo, hi = lo_hi
            plt.ylim(lo, hi)
            rows = max(3, self.size.height - 6)  # less the legend, readout, title, x ticks, frame
            ticks = log_ticks if self.log_y else nice_ticks
            yticks, ylabels = ticks(lo, hi, rows // 2 + 1)
            if yticks:
                plt.yticks(yticks, ylabels)
        xs_drawn = [float(v) for d in drawn for v in (d[2].min(), d[2].max())] + bad_x
        x_box = None
        if window is not None or xs_drawn:
            # round ticks as on the dashboard's chart (tuidl.core.ticks): whole epochs on the epoch axis
            cols = max(10, n_columns // 2)
            if window is None and self.x_axis == "epoch":
                x_lo, x_hi, ticks = epoch_ticks(min(xs_drawn), max(xs_drawn), cols)
                x_box = (x_lo, x_hi)
                plt.xlim(x_lo, x_hi)
                plt.xticks(ticks, [str(t) for t in ticks])
            else:
                x_lo, x_hi = window if window is not None else (min(xs_drawn), max(xs_drawn))
                if x_hi > x_lo:
                    x_box = (x_lo, x_hi)
                    plt.xlim(x_lo, x_hi)
                    xticks, xlabels = nice_ticks(x_lo, x_hi, max(2, cols // 9))
                    if xticks:
                        plt.xticks(xticks, xlabels)
        marks: list[tuple[str, tuple[list[float], list[float]], str, tuple[int, int, int]]] = []
        # training curves first, so validation curves (what runs are compared by) stay on top
        for r, kind, xs, ys in sorted(drawn, key=lambda d: d[1] == "val"):
            fill, hollow = r.markers
            x, y = xs.tolist(), ys.tolist()
            label = f"{r.name} {'val' if kind == 'val' else 'train'}"
            # No plotext labels: its legend code fails on a labelled series with no point
            # inside the canvas (zoom, fixed range); tuidl draws its own legend line.
            # Validation: a solid braille line; training: a dotted line of "·". Each run's
            # marker (filled for validation, open for training) sits on every point while
            # they are few, else on the last point only.
            few = len(x) <= n_columns // 4
            mx, my = (x, y) if few else (x[-1:], y[-1:])
            # plotext draws a line cell by cell, also outside the plot: cut to near the plot
            # (a loss of 1e6 under "outliers" made lines of millions of cells, minutes, gigabytes)
            for px, py in clip_polyline(x, y, x_box, lo_hi) if x_box and lo_hi else [(x, y)]:
                plt.plot(px, py, marker="braille" if kind == "val" else "·", color=r.color)
            if x_box and lo_hi:  # a marker far outside overflows plotext's arithmetic: near the plot only
                near = [p for p in zip(mx, my) if clip_polyline(*zip(p), x_box, lo_hi)]
                mx, my = [p[0] for p in near], [p[1] for p in near]
            marks.append((r.run_id, (mx, my), fill if kind == "val" else hollow, r.color))
            legend.append((f"{fill}⣀ {label}" if kind == "val" else f"{hollow}· {label}", r.color))
        # markers after every line; one ◈ where runs share a cell (else the last would hide the rest)
        canvas_rows = max(1, self.query_one(PlotextPlot).size.height - 5)  # less title, frame, x ticks, label
        if draw_marks(plt, marks, lo_hi or (math.inf, -math.inf), canvas_rows):
            legend.append((f"{SHARED_MARKER} runs overlap", "white"))
        if bad_x and lo_hi is not None:
            plt.scatter(bad_x, [lo_hi[1]] * len(bad_x), marker=NONFINITE_MARK, color="red")
            legend.append((f"{NONFINITE_MARK} non-finite ({nonfinite})", "red"))
        if self.cursor_x is not None and lo_hi is not None:
            plt.vline(self.cursor_x, "gray")
        notes = []
        if self.smoothing:
            notes.append(f"smoothing {self.smoothing:g}")
        if self.log_y:
            notes.append("log y")
        if self.y_mode != "auto":
            notes.append(f"y {self.y_mode}" + (f" {fixed[0]:g}..{fixed[1]:g}" if fixed else ""))
        if window is not None:
            notes.append(f"zoom {window[0]:.4g}..{window[1]:.4g}")
        if nonfinite:
            notes.append(nonfinite_note(bad, self.x_axis))
        if hidden:
            notes.append(f"{hidden} values <= 0 hidden (log)")
        if not drawn:
            notes.append("no data for this metric" if self.runs else "select runs with space")
        self.last_notes = notes
        self.legend = legend
        self.last_points = sum(len(d[2]) for d in drawn)
        pen = any(includes_penalty(self.metric, r.history.keys()) for r in self.runs)  # Keras's loss has it
        plt.title(" · ".join([f"{self.metric} incl. penalty" if pen else self.metric, *notes]))
        plt.xlabel({"epoch": "epoch", "step": "step", "time": "wall time (s)"}[self.x_axis])
