"""The runs table's columns and cell formatting (used by :mod:`tuidl.ui.screens.runs`).

Cells are plain text built from a :class:`~tuidl.core.runs.RunSummary`; the
screen wraps them as :class:`rich.text.Text` (names and tags come from run
folders: never markup).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from textual.binding import Binding
from textual.widgets import DataTable

from tuidl.core.runs import STATUSES, UNREADABLE, RunSummary
from tuidl.core.text import format_duration
from tuidl.ui.widgets.compare_chart import fmt_value

__all__ = ["COLUMNS", "KEPT", "STATUS_FILTERS", "ColumnFit", "RunsTable", "cell", "clip", "fit_columns"]


class RunsTable(DataTable[str]):
    """The runs table: a row-cursor :class:`~textual.widgets.DataTable` whose ``home`` and
    ``end`` move the cursor to the first and last run (a DataTable's own ``home``/``end``
    scroll sideways in row mode; ``ctrl+home``/``ctrl+end`` still do what they did)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First run", show=False),
        Binding("end", "scroll_bottom", "Last run", show=False),
    ]


COLUMNS: tuple[tuple[str, str], ...] = (
    ("sel", " "),
    ("name", "name"),
    ("status", "status"),
    ("best_val_loss", "best val_loss"),
    ("best_metric", "best metric"),
    ("optimizer", "optimizer"),
    ("initializer", "initializer"),
    ("regularizer", "regularizer"),
    ("epochs_done", "epochs"),
    ("tags", "tags"),
    ("dataset", "dataset"),
    ("params", "params"),
    ("duration", "duration"),
    ("started_ts", "started"),
)
"""(key, header) of the runs table; every key but ``sel`` is a sort column. The results
come first, then what the runs were trained with, so that at 80 columns who won, and
with what, is visible without scrolling sideways (:data:`KEPT`)."""

KEPT: tuple[str, ...] = (
    "sel",
    "name",
    "status",
    "best_val_loss",
    "best_metric",
    "optimizer",
    "initializer",
    "regularizer",
)
"""The columns :func:`fit_columns` fits into the table's width (down to 80 columns): made
compact and cut with ``…`` rather than pushed off; the columns after them are cut from the
end (the table scrolls sideways to them)."""

_COMPACT_HEADERS = {
    "best_val_loss": "best val",
    "optimizer": "optim",
    "initializer": "init",
    "regularizer": "reg",
}
# cut first, as far as needed, down to these widths (cells, without padding)
_SHRINK = (
    ("name", 24),
    ("optimizer", 10),
    ("initializer", 8),
    ("regularizer", 8),
    ("best_metric", 6),
    ("name", 12),
)

STATUS_FILTERS: tuple[str, ...] = ("all", *STATUSES, UNREADABLE)
"""The status filter's values, in the order ``f`` cycles through them."""


@dataclass(frozen=True)
class ColumnFit:
    """How one column is shown: its ``header``, the ``width`` its cells are cut to (``None``:
    as wide as they are) and whether its cells are ``compact`` (see :func:`cell`)."""

    header: str
    width: int | None = None
    compact: bool = False


def clip(text: str, width: int | None, middle: bool = False) -> str:
    """``text`` cut to ``width`` cells with ``…`` at the end (``None``: as it is); ``middle``
    (a run's name, ``digits-mlp dropout l2 units=512``): its first word (the experiment) cut to
    a few cells so that the words after it, which say how the run differs, start early and are
    cut at their end (``digi… dropout l2…``)."""
    if width is None or cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    first, _, rest = text.partition(" ")
    if not middle or not rest:
        return set_cell_size(text, width - 1) + "…"
    keep = max(1, min(cell_len(first), width // 3))
    head = first if keep >= cell_len(first) else set_cell_size(first, keep) + "…"
    room = width - cell_len(head) - 1
    if room < 2:
        return set_cell_size(text, width - 1) + "…"
    tail = rest if cell_len(rest) <= room else set_cell_size(rest, room - 1) + "…"
    return head + " " + tail


def fit_columns(runs: list[RunSummary], width: int, padding: int = 1) -> dict[str, ColumnFit]:
    """Fit the :data:`KEPT` columns into ``width`` cells (the table's width), for ``runs``.

    Columns as wide as their widest cell when that fits. Otherwise, step by step until
    it does: the kept columns get short headers (``best val``, ``optim``, ``init``,
    ``reg``) and the best metric shows its value only (its name, when all runs share it,
    becomes the header, the optimizer drops ``lr=``: ``Adam 0.001``); then columns are cut
    (``…``; the name in the middle), each as far as needed: the name to 24 cells, the
    optimizer, initializer, regularizer and best metric to 10, 8, 8 and 6, the name to 12. The
    columns after the kept ones keep their width and are cut from the end by the table.

    Args:
        runs: the rows shown. width: the table's width in cells, scroll bar excluded.
        padding: the table's ``cell_padding`` (cells on each side of a column).

    Returns:
        A :class:`ColumnFit` for every key of :data:`COLUMNS`.
    """
    headers = dict(COLUMNS)
    fits = {k: ColumnFit(h) for k, h in COLUMNS}

    widest: dict[tuple[str, bool], int] = {}  # each column's widest cell, measured once (500 runs: every poll)

    def natural(key: str, fit: ColumnFit) -> int:
        if (key, fit.compact) not in widest:
            cells = [cell_len(cell(r, key, fit.compact)) for r in runs] if key != "sel" else [1]
            widest[key, fit.compact] = max([0, *cells])
        return max(cell_len(fit.header), widest[key, fit.compact])

    def total() -> int:
        return sum((fits[k].width if fits[k].width is not None else natural(k, fits[k])) + 2 * padding for k in KEPT)

    if total() <= width:
        return fits
    metrics = {r.metric for r in runs if r.metric}
    metric_header = metrics.pop() if len(metrics) == 1 else "metric"
    fits["best_metric"] = ColumnFit(metric_header, None, True)
    for key, short in _COMPACT_HEADERS.items():
        fits[key] = ColumnFit(short, None, key == "optimizer")
    for key, floor in _SHRINK:
        over = total() - width
        if over <= 0:
            break
        now = fits[key].width if fits[key].width is not None else natural(key, fits[key])
        if now <= floor:
            continue
        fits[key] = ColumnFit(fits[key].header, max(floor, now - over), fits[key].compact)
    return {
        k: ColumnFit(clip(f.header, f.width), f.width, f.compact) if k in KEPT else ColumnFit(headers[k])
        for k, f in fits.items()
    }


def cell(r: RunSummary, key: str, compact: bool = False) -> str:
    """The text of run ``r``'s cell in column ``key`` (a key of :data:`COLUMNS` but ``sel``);
    ``compact``: the best metric's value without its name, the optimizer's learning rate
    without ``lr=``.

    Raises:
        KeyError: for an unknown column key.
    """
    if key == "name":
        return r.name
    if key == "tags":
        return ", ".join(r.tags) if r.tags else "-"
    if key == "dataset":
        return r.dataset or "-"
    if key == "params":
        return f"{r.params:,}" if r.params is not None else "-"
    if key == "optimizer":
        return (r.optimizer.replace(" lr=", " ") if compact else r.optimizer) if r.optimizer else "-"
    if key == "initializer":
        return r.initializer or "-"
    if key == "regularizer":
        return r.regularizer or "-"
    if key == "status":
        return r.status
    if key == "epochs_done":
        return f"{r.epochs_done}/{r.epochs_planned}" if r.epochs_planned else str(r.epochs_done)
    if key == "best_val_loss":
        return fmt_value(r.best_val_loss)
    if key == "best_metric":
        if compact:
            return fmt_value(r.best_metric) if r.metric else "-"
        return f"{r.metric} {fmt_value(r.best_metric)}" if r.metric else "-"
    if key == "duration":
        return format_duration(r.duration)
    if key == "started_ts":
        return (r.started or "-").replace("T", " ")[:16]
    raise KeyError(key)
