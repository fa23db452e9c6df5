"""The runs screen's chart keys: metric, x axis, smoothing, log y, y range, curves, value cursor; and the
info line under the chart (the settings with their keys, what is wrong with the run under the cursor).

:class:`ChartControls` is a mixin of :class:`~tuidl.ui.screens.runs.RunsScreen`
(whose ``BINDINGS`` name these actions); it acts on the screen's
:class:`~tuidl.ui.widgets.compare_chart.CompareChart` (``self.chart``) and
shows the settings with :meth:`ChartControls._update_info`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tuidl.core.history import X_AXES
from tuidl.core.runs import UNREADABLE
from tuidl.ui.modals import InputModal
from tuidl.ui.widgets.compare_chart import SHOWS, SMOOTHING_STEPS, Y_MODES

__all__ = ["ChartControls"]


class ChartControls:
    """Actions on the runs screen's chart (mixed into :class:`~tuidl.ui.screens.runs.RunsScreen`)."""

    chart: Any
    app: Any
    notify: Any
    is_mounted: Any
    query_one: Any
    current_run: Any

    def action_chart(self, action: str, *args: Any) -> None:
        """Run a chart action (cursor, zoom, pan, reset_zoom) whatever has focus."""
        getattr(self.chart, f"action_{action}")(*args)

    def action_cycle_metric(self) -> None:
        """Show the next logged metric (loss, accuracy, …)."""
        names = self.chart.metrics()
        if names:
            c = self.chart
            c.metric = names[(names.index(c.metric) + 1) % len(names)] if c.metric in names else names[0]
        self._update_info()

    def action_cycle_x(self) -> None:
        """X axis: epoch → step → wall time."""
        c = self.chart
        c.x_axis = X_AXES[(X_AXES.index(c.x_axis) + 1) % len(X_AXES)]
        self._update_info()

    def action_cycle_smoothing(self, step: int) -> None:
        """Next (or previous) smoothing weight: 0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99."""
        c = self.chart
        i = min(range(len(SMOOTHING_STEPS)), key=lambda j: abs(SMOOTHING_STEPS[j] - c.smoothing))
        c.smoothing = SMOOTHING_STEPS[(i + step) % len(SMOOTHING_STEPS)]
        self._update_info()

    def action_toggle_log(self) -> None:
        """Log / linear y axis."""
        self.chart.log_y = not self.chart.log_y
        self._update_info()

    def action_cycle_show(self) -> None:
        """Curves: validation and training → validation only → training only."""
        c = self.chart
        c.show = SHOWS[(SHOWS.index(c.show) + 1) % len(SHOWS)]
        self._update_info()

    def action_cycle_y_range(self) -> None:
        """Y range: auto → ignore outliers → fixed (asks for LO HI)."""
        c = self.chart
        nxt = Y_MODES[(Y_MODES.index(c.y_mode) + 1) % len(Y_MODES)]
        if nxt != "fixed":
            c.y_mode = nxt
            self._update_info()
            return

        def got(text: str | None) -> None:
            if text is None:
                c.y_mode = "auto"
            else:
                try:
                    lo, hi = (float(v) for v in text.replace(",", " ").split())
                    if not lo < hi:
                        raise ValueError
                except ValueError:
                    self.notify(
                        f"fixed y range {text!r}: give two numbers LO HI with LO < HI", severity="error", markup=False
                    )
                    c.y_mode = "auto"
                else:
                    c.y_fixed = (lo, hi)
                    c.y_mode = "fixed"
            self._update_info()

        cur = f"{c.y_fixed[0]:g} {c.y_fixed[1]:g}" if c.y_fixed else ""
        self.app.push_screen(InputModal("Fixed y range (data units): LO HI", cur, "0 1.5"), got)

    def _update_info(self) -> None:
        """The chart's settings, each after the key that changes it.
        Under them, what is wrong with the run under the cursor: why it is unreadable, what
        was skipped while reading it (plain text, never markup)."""
        c = self.chart
        show = {"both": "val+train", "val": "val only", "train": "train only"}.get(c.show, c.show)
        text = (
            f"m {c.metric} · x {c.x_axis} · s smoothing {c.smoothing:g} · "
            f"l {'log' if c.log_y else 'linear'} y · y {c.y_mode} · v {show}"
        )
        r = self.current_run() if self.is_mounted else None
        if r is not None:
            problems = ([f"unreadable: {r.error}"] if r.status == UNREADABLE else []) + list(r.notes)
            if problems:
                text += "\n⚠ " + "; ".join(problems)
        self.query_one("#runs-info", Static).update(Text(text))
