"""The runs screen's compare table: the settings that differ between the selected runs, and their results.

:class:`CompareTable` is a mixin of :class:`~tuidl.ui.screens.runs.RunsScreen`:
``c`` switches the bottom pane between the chart and this table.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import ContentSwitcher, DataTable

from tuidl.core.runs import config_diff, metric_mode, read_spec_dict
from tuidl.core.text import format_duration
from tuidl.ui.widgets.compare_chart import fmt_value

__all__ = ["CompareTable"]


class CompareTable:
    """The compare table (mixed into :class:`~tuidl.ui.screens.runs.RunsScreen`, which owns
    ``all_runs``, ``selected``, ``followers``, ``chart_names`` and ``marker``)."""

    all_runs: Any
    selected: dict[str, int]
    followers: dict[str, Any]
    chart_names: Any
    marker: Any
    query_one: Any

    def action_toggle_compare(self) -> None:
        """Switch the bottom pane between the chart and the compare table."""
        sw = self.query_one("#runs-bottom", ContentSwitcher)
        sw.current = "runs-diff" if sw.current == "runs-chart" else "runs-chart"
        self._update_diff()

    def compare_rows(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows of the compare table: differing settings, then results.

        Settings come from :func:`~tuidl.core.runs.config_diff` (layers matched by
        name). The best ``val_loss`` and best metric are marked ``★``; "best at
        epoch" is 1-based, as the chart's x axis.
        """
        runs = [r for r in self.all_runs if r.run_id in self.selected]
        names = self.chart_names()
        header = ["setting", *(f"{self.marker(r.run_id)} {names[r.run_id]}" for r in runs)]
        rows: list[list[str]] = []
        if not runs:
            return header, rows
        specs = [read_spec_dict(r.dir) for r in runs]
        for key, values in config_diff(specs):
            rows.append([key, *("—" if v is None else str(v) for v in values)])
        if len(runs) > 1 and not rows:
            rows.append(["(settings)", *("identical" for _ in runs)])

        def starred(vals: list[float | None], mode: str) -> list[str]:
            have = [v for v in vals if v is not None]
            best = (min(have) if mode == "min" else max(have)) if have else None
            return [fmt_value(v) + (" ★" if v is not None and v == best and len(runs) > 1 else "") for v in vals]

        rows.append(["status", *(r.status for r in runs)])
        rows.append(["epochs", *(str(r.epochs_done) for r in runs)])
        rows.append(["best val_loss", *starred([r.best_val_loss for r in runs], "min")])
        rows.append(["best at epoch", *(self._best_epoch(r.run_id, "val_loss") for r in runs)])
        metrics = {r.metric for r in runs if r.metric}
        if len(metrics) == 1:
            m = metrics.pop()
            rows.append([f"best {m}", *starred([r.best_metric for r in runs], metric_mode(m))])
        else:
            rows.append(["best metric", *(f"{r.metric} {fmt_value(r.best_metric)}" if r.metric else "-" for r in runs)])
        rows.append(["params", *(f"{r.params:,}" if r.params is not None else "-" for r in runs)])
        rows.append(["duration", *(format_duration(r.duration) for r in runs)])
        return header, rows

    def _best_epoch(self, run_id: str, key: str) -> str:
        """The 1-based epoch of the run's best ``key`` value, or ``"-"``."""
        f = self.followers.get(run_id)
        best = f.history.best(key, metric_mode(key)) if f is not None else None  # type: ignore[arg-type]
        return "-" if best is None else str(best[0] + 1)

    def _update_diff(self) -> None:
        diff = self.query_one("#runs-diff", DataTable)
        if self.query_one("#runs-bottom", ContentSwitcher).current != "runs-diff":
            return
        header, rows = self.compare_rows()
        diff.clear(columns=True)
        # Text, not str: a DataTable reads str cells as markup, which would eat "[dense]"
        diff.add_columns(*(Text(h) for h in header))
        if not rows:
            diff.add_row("select runs with space", *([""] * (len(header) - 1)))
        for row in rows:
            diff.add_row(*(Text(c) for c in row))
