"""The runs screen's listing: reading the runs dir off the UI thread and showing it in the table.

:class:`RunListing` is a mixin of :class:`~tuidl.ui.screens.runs.RunsScreen`. A timer calls :meth:`RunListing.poll`;
:meth:`RunListing.reload` starts a thread worker that calls ``RunIndex.refresh()`` (network file systems on GPU
boxes are slow) and posts the runs back as a ``RunsScreen.Listed`` message, whose ``@on`` handler (on the screen:
Textual collects ``@on`` only from the screen class) calls :meth:`RunListing._show_runs`. The table is filled in
place: a run whose files did not change keeps its row untouched.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import work
from textual.widgets import Label

from tuidl.core.runs import RunFollower, RunIndex, RunSummary, filter_runs, sort_runs
from tuidl.ui.screens.runs_table import COLUMNS, ColumnFit, cell, clip, fit_columns
from tuidl.ui.text import plain
from tuidl.ui.widgets.compare_chart import style_markers

__all__ = ["RunListing"]


class RunListing:
    """Listing the runs dir and filling the table (mixed into :class:`~tuidl.ui.screens.runs.RunsScreen`)."""

    # provided by RunsScreen
    index: RunIndex
    all_runs: list[RunSummary]
    shown: list[RunSummary]
    followers: dict[str, RunFollower]
    selected: dict[str, int]
    filter_text: str
    status_filter: str
    sort_column: str
    sort_reverse: bool
    _row_stamps: dict[str, tuple[RunSummary, int | None]]
    _fits: dict[str, ColumnFit] | None
    _index_lock: threading.Lock
    _listing: bool
    _list_again: bool
    _to_newest: bool
    _opening: int
    Listed: Any
    chart: Any
    table: Any
    post_message: Any
    query_one: Any
    current_run_id: Any
    _update_chart_runs: Any
    _update_diff: Any
    _update_info: Any

    def poll(self) -> None:
        """Timer: re-read the runs dir (off the UI thread; the table follows) and the selected
        runs' new epochs."""
        self.reload()
        grew = False
        for f in self.followers.values():
            if f.poll():
                grew = True
        if grew:
            self.chart.refresh_data()
            self._update_diff()

    def reload(self) -> None:
        """Re-read the runs dir (changed files only) in a thread worker; the table is updated
        when its :class:`Listed` message arrives. While one read is under way, one more is
        made after it (a change made meanwhile is never missed)."""
        if self._listing:
            self._list_again = True
            return
        self._listing = True
        self._list_runs(self._opening)

    @work(
        thread=True,
        group="runs-index",
        exit_on_error=False,
        name="runs-index",
        description="Reads the runs dir (RunIndex.refresh) off the UI thread",
    )
    def _list_runs(self, opening: int = 0) -> None:
        runs: list[RunSummary] | None = None
        try:
            with self._index_lock:
                runs = self.index.refresh()
        finally:
            self.post_message(self.Listed(runs, opening))

    def _show_runs(self, runs: list[RunSummary], latest: bool = True) -> None:
        """Show a fresh listing: forget runs that are gone, update the table. ``latest``: read
        since the screen was last opened (a read begun before it was closed does not move the
        cursor to the newest run)."""
        self.all_runs = runs
        ids = {r.run_id for r in runs}
        gone = [k for k in self.selected if k not in ids]
        for run_id in gone:
            self.selected.pop(run_id)
            self.followers.pop(run_id, None)
        if gone:
            self._update_chart_runs()
        self._apply_view()
        if self._to_newest and latest and self.shown:
            # the screen was just opened: the cursor on the newest run, scrolled into view
            self._to_newest = False
            newest = max(self.shown, key=lambda r: (r.started_ts or 0.0, r.run_id))
            self.table.move_cursor(row=self.shown.index(newest), animate=False)

    def _apply_view(self) -> None:
        statuses = None if self.status_filter == "all" else {self.status_filter}
        runs = filter_runs(self.all_runs, self.filter_text, statuses)
        runs = sort_runs(runs, self.sort_column, reverse=self.sort_reverse)
        self._fill_table(runs)
        self.shown = runs
        arrow = "↓" if self.sort_reverse else "↑"
        header = dict(COLUMNS)[self.sort_column]
        # each setting with the key that changes it (the footer has no room for them)
        self.query_one("#runs-status", Label).update(
            f"{len(runs)}/{len(self.all_runs)} runs · f {self.status_filter} · "
            f"o {header} {arrow} · {len(self.selected)} selected"
        )
        self._update_info()  # the cursor's run may have changed, or its notes

    def marker(self, run_id: str) -> str:
        """The selected run's validation marker (its legend and table marker), else ``""``."""
        style = self.selected.get(run_id)
        return "" if style is None else style_markers(style)[0]

    def _row(self, r: RunSummary) -> list[str | Text]:
        # a DataTable reads str cells as markup: names and tags like "exp [v2]" are Text (escaping
        # is not enough: a trailing backslash came out doubled)
        fits = self._fits or {}
        out: list[str | Text] = [self.marker(r.run_id)]
        for k, _ in COLUMNS[1:]:
            fit = fits.get(k, ColumnFit(""))
            out.append(plain(clip(cell(r, k, fit.compact), fit.width, middle=k == "name")))
        return out

    def on_resize(self, event: Any) -> None:
        """The screen's size changed: fit the tables' columns to the new width once laid out."""
        self.call_after_refresh(self._refit)  # type: ignore[attr-defined]

    def _refit(self) -> None:
        if self._fits is not None and self.is_mounted:  # type: ignore[attr-defined]
            self._fill_table(self.shown)
            self._update_diff()  # the compare table's columns share the new width

    def _table_width(self) -> int:
        """The cells the table's columns can take: its width less a vertical scroll bar."""
        table = self.table
        width = table.size.width or self.app.size.width  # type: ignore[attr-defined]
        return width - table.styles.scrollbar_size_vertical

    def _set_columns(self, runs: list[RunSummary]) -> bool:
        """Fit the columns to the table's width (:func:`fit_columns`); when that changes
        them, the table is emptied and its columns made again. Returns whether it did."""
        fits = fit_columns(runs, self._table_width(), self.table.cell_padding)
        if fits == self._fits:
            return False
        self._fits = fits
        table = self.table
        table.clear(columns=True)
        for key, fit in fits.items():
            table.add_column(plain(fit.header), key=key)
        return True

    def _fill_table(self, runs: list[RunSummary]) -> None:
        table = self.table
        cursor_key = self.current_run_id() if table.row_count else None
        rebuilt = self._set_columns(runs)
        new_keys = [r.run_id for r in runs]
        old_keys = [rk.value for rk in table.rows]
        if new_keys == old_keys and not rebuilt:
            for r in runs:
                # RunIndex hands back the same object for a run whose files did not change
                # (the stamp holds the object itself, so its id cannot be reused meanwhile)
                prev = self._row_stamps.get(r.run_id)
                sel = self.selected.get(r.run_id)
                if prev is not None and prev[0] is r and prev[1] == sel:
                    continue
                self._row_stamps[r.run_id] = (r, sel)
                for (key, _), value in zip(COLUMNS, self._row(r)):
                    if table.get_cell(r.run_id, key) != value:
                        table.update_cell(r.run_id, key, value)
            return
        self._row_stamps = {r.run_id: (r, self.selected.get(r.run_id)) for r in runs}
        table.clear()
        for r in runs:
            table.add_row(*self._row(r), key=r.run_id)
        if cursor_key in new_keys:
            table.move_cursor(row=new_keys.index(cursor_key), animate=False)
