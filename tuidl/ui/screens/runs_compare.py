"""The runs screen's compare table: the settings that differ between the selected runs, and their results.

:class:`CompareTable` is a mixin of :class:`~tuidl.ui.screens.runs.RunsScreen`:
``c`` switches the bottom pane between the chart and this table.
"""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.text import Text
from textual.widgets import ContentSwitcher, DataTable

from tuidl.core.runs import config_diff, metric_mode, read_spec_dict
from tuidl.core.text import format_duration
from tuidl.ui.widgets.compare_chart import fmt_value

__all__ = ["CompareTable", "fit_compare", "wrap_cell"]

_BREAK = re.compile(r"(?<=[,( =])|(?<=\.)(?=\D)")


def wrap_cell(text: str, width: int, max_lines: int | None = None, *, breaks: bool = True) -> str:
    """``text`` in lines of at most ``width`` cells, broken after ``,``, ``(``, ``=``, a space or
    a ``.`` that is not a decimal point where it can (``layers[dense].`` / ``kernel_initializer``),
    else (or without ``breaks``) folded; past ``max_lines`` lines the last one ends in ``…``."""
    lines: list[str] = []
    cur = ""
    for part in _BREAK.split(text) if breaks else [text]:
        if cur and cell_len(cur) + cell_len(part) > width:
            lines.append(cur)
            cur = ""
        cur += part
        while cell_len(cur) > width:
            head, *_ = chop_cells(cur, width)
            lines.append(head)
            cur = cur[len(head) :]
    if cur or not lines:
        lines.append(cur)
    if max_lines is not None and len(lines) > max_lines:
        last = set_cell_size("".join(lines[max_lines - 1 :]), width - 1) + "…"
        lines = [*lines[: max_lines - 1], last]
    return "\n".join(line.rstrip() for line in lines)


def fit_compare(natural: list[int], width: int, padding: int = 1) -> list[int]:
    """Column widths (cells) of the compare table: the key column, then one per run.

    Each column is as wide as its widest cell (``natural``) when they all fit in ``width``
    cells (the table's width less its scroll bar; each column also takes ``2 * padding``).
    Otherwise the key column gets at most about a third of the room, and the runs share
    what is left evenly: a run that needs less than its share gives the rest to the
    others, so every run's values show (wrapped), none is pushed off to the right.

    Args:
        natural: widest cell of each column, key column first (at least one column).
        width: cells the table may take.
        padding: the DataTable's ``cell_padding``.

    Returns:
        One width per column (at least 4 cells each).
    """
    room = width - 2 * padding * len(natural)
    if sum(natural) <= room:
        return list(natural)
    runs = natural[1:]
    key = max(4, min(natural[0], max(12, room // 3) if runs else room))
    left = room - key
    widths = [0] * len(runs)
    todo = sorted(range(len(runs)), key=lambda i: runs[i])
    while todo:
        share = left // len(todo)
        i = todo[0]
        if runs[i] <= share:
            widths[i] = runs[i]
        else:  # every run left needs more than its share: split the rest evenly
            for k, j in enumerate(todo):
                widths[j] = share + (1 if k < left - share * len(todo) else 0)
            break
        left -= widths[i]
        todo.pop(0)
    return [key, *(max(4, w) for w in widths)]


class CompareTable:
    """The compare table (mixed into :class:`~tuidl.ui.screens.runs.RunsScreen`, which owns
    ``all_runs``, ``selected``, ``followers``, ``chart_names`` and ``marker``)."""

    all_runs: Any
    selected: dict[str, int]
    followers: dict[str, Any]
    chart_names: Any
    marker: Any
    query_one: Any
    app: Any

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
        if not rows:
            rows = [["select runs with space", *([""] * (len(header) - 1))]]
        # every run gets a share of the width; a cell too wide for it wraps (rows grow), the
        # run's name in the header wraps onto a second header line
        space = (diff.size.width or self.app.size.width) - diff.styles.scrollbar_size_vertical
        natural = [max(cell_len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        widths = fit_compare(natural, space, diff.cell_padding)
        diff.header_height = 2 if any(cell_len(h) > w for h, w in zip(header, widths)) else 1
        # Text, not str: a DataTable reads str cells as markup, which would eat "[dense]"
        for h, w in zip(header, widths):
            diff.add_column(Text(wrap_cell(h, w, 2, breaks=False)), width=w)
        for row in rows:
            diff.add_row(*(Text(wrap_cell(c, w)) for c, w in zip(row, widths)), height=None)
