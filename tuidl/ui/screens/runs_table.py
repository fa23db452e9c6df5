"""The runs table's columns and cell formatting (used by :mod:`tuidl.ui.screens.runs`).

Cells are plain text built from a :class:`~tuidl.core.runs.RunSummary`; the
screen wraps them as :class:`rich.text.Text` (names and tags come from run
folders: never markup).
"""

from __future__ import annotations

from tuidl.core.runs import STATUSES, UNREADABLE, RunSummary
from tuidl.core.text import format_duration
from tuidl.ui.widgets.compare_chart import fmt_value

__all__ = ["COLUMNS", "STATUS_FILTERS", "cell"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("sel", " "),
    ("name", "name"),
    ("status", "status"),
    ("epochs_done", "epochs"),
    ("best_val_loss", "best val_loss"),
    ("best_metric", "best metric"),
    ("tags", "tags"),
    ("dataset", "dataset"),
    ("optimizer", "optimizer"),
    ("params", "params"),
    ("duration", "duration"),
    ("started_ts", "started"),
)
"""(key, header) of the runs table; every key but ``sel`` is a sort column. The results
come first, so that at 80 columns who won is visible without scrolling sideways."""

STATUS_FILTERS: tuple[str, ...] = ("all", *STATUSES, UNREADABLE)
"""The status filter's values, in the order ``f`` cycles through them."""


def cell(r: RunSummary, key: str) -> str:
    """The text of run ``r``'s cell in column ``key`` (a key of :data:`COLUMNS` but ``sel``).

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
        return r.optimizer or "-"
    if key == "status":
        return r.status
    if key == "epochs_done":
        return f"{r.epochs_done}/{r.epochs_planned}" if r.epochs_planned else str(r.epochs_done)
    if key == "best_val_loss":
        return fmt_value(r.best_val_loss)
    if key == "best_metric":
        return f"{r.metric} {fmt_value(r.best_metric)}" if r.metric else "-"
    if key == "duration":
        return format_duration(r.duration)
    if key == "started_ts":
        return (r.started or "-").replace("T", " ")[:16]
    raise KeyError(key)
