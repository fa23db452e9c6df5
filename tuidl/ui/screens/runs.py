"""The runs screen: browse every run in the runs dir, compare the selected ones.

Top: a filter line (text filter, status filter) and a :class:`DataTable` of
runs (name, dataset, params, optimizer, status, epochs, best ``val_loss``,
best metric, duration, start time). The table is refreshed from disk by a
timer (:class:`~tuidl.core.runs.RunIndex`: only changed files are read), so a
headless ``tuidl run`` in another terminal appears and updates live.

Bottom: the selected runs (``space``) overlaid on a
:class:`~tuidl.ui.widgets.compare_chart.CompareChart`, or (``c``) a compare
table: only the settings that differ between the selected runs ("diff only")
and their results side by side, the best marked with ``★``.

Opening a run (``enter``) dismisses the screen with the run's
:class:`~tuidl.core.spec.Experiment` (loaded from its ``spec.toml``), for the
builder to change and re-run; ``escape`` dismisses it with ``None``.

Keys: every action has a :class:`~textual.binding.Binding` with an ``id``, a
description and a tooltip, so each one is in the command palette (``ctrl+p``)
by name; the footer shows the few that fit in 80 columns, the line under the
chart names the chart's keys (``m`` metric, ``s`` smoothing ...), the value
cursor's keys (``,`` ``.``) work whatever has focus.

The table is refreshed off the UI thread: a thread worker calls
:meth:`~tuidl.core.runs.RunIndex.refresh` (network file systems on GPU boxes
are slow) and posts the runs back as a :class:`RunsScreen.Listed` message.

What a person chose (selection, each run's colour and marker, filters, sort,
chart settings, chart or compare table) lives on the screen itself, and the
App keeps the screen for the session (``App.install_screen``): leaving it and
coming back finds it as it was, and a run keeps its colour and marker
whatever else is selected.

The screen's parts: :mod:`~tuidl.ui.screens.runs_listing` (the listing worker, filling the table),
:mod:`~tuidl.ui.screens.runs_table` (columns, cells),
:mod:`~tuidl.ui.screens.runs_chart` (chart keys, the info line),
:mod:`~tuidl.ui.screens.runs_compare` (compare table) and
:mod:`~tuidl.ui.screens.runs_manage` (open, rename, tag, delete, exports).

Epochs: screens say "epoch N" 1-based (the chart's x for the record with
``"epoch": e`` is e + 1, as on the dashboard); files keep Keras's 0-based
``epoch`` (see :mod:`tuidl.core.runs`).
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, DataTable, Input, Label, Static

from tuidl.core.runs import RunFollower, RunIndex, RunSummary, UnreadableFile, read_run_info
from tuidl.ui.screens.runs_chart import ChartControls
from tuidl.ui.screens.runs_compare import CompareTable
from tuidl.ui.screens.runs_listing import RunListing
from tuidl.ui.screens.runs_manage import RunActions
from tuidl.ui.screens.runs_table import COLUMNS, STATUS_FILTERS, ColumnFit, RunsTable
from tuidl.ui.widgets.compare_chart import ChartRun, CompareChart
from tuidl.ui.widgets.footer import TuidlFooter

__all__ = ["COLUMNS", "RunsScreen"]


class RunsScreen(RunListing, ChartControls, CompareTable, RunActions, Screen["Any"]):
    """Browse, filter, manage and compare runs.

    Args:
        runs_dir: the runs folder.
        export_dir: where CSV and SVG exports go (default: the current directory).
        poll_interval: seconds between re-reads of the runs dir (live follow).

    Dismisses with the opened run's :class:`~tuidl.core.spec.Experiment`, or
    ``None`` when closed.
    """

    DEFAULT_CSS = """
    RunsScreen { layout: vertical; }
    RunsScreen #runs-filterbar { height: 1; }
    RunsScreen #runs-filter { width: 1fr; min-width: 16; height: 1; border: none; padding: 0 1 0 0; }
    RunsScreen #runs-status { width: auto; height: 1; padding: 0 1; color: $text-muted; }
    RunsScreen #runs-table { height: auto; max-height: 40%; min-height: 3; }
    RunsScreen #runs-bottom { height: 1fr; min-height: 1; }
    RunsScreen #runs-diff { height: 1fr; }
    RunsScreen #runs-info { height: auto; max-height: 4; color: $text-muted; padding: 0 1; }
    """

    # Every action: an id, a description (the palette's title, the footer's label) and a
    # tooltip (the palette's help). show=True only for what fits the footer at 80 columns
    # next to the App's keys; the chart's keys are named on the line under the chart.
    BINDINGS = [
        Binding(
            "space",
            "toggle_select",
            "Select ↓",
            id="runs.select",
            tooltip="Select or unselect the run under the cursor, then move down; "
            "selected runs are overlaid on the chart",
        ),
        Binding(
            "c",
            "toggle_compare",
            "Diff",
            id="runs.compare",
            tooltip="Chart or compare table: the settings that differ between the selected "
            "runs (layers matched by name) and their results, best marked ★",
        ),
        Binding(
            "e",
            "export_csv",
            "CSV",
            id="runs.export_csv",
            tooltip="Write the per-epoch metrics of the selected runs (or the run under the "
            "cursor) to a CSV file; its epoch column is 0-based, as in Keras's CSVLogger",
        ),
        Binding(
            "escape,q",
            "close",
            "Back",
            id="runs.close",
            tooltip="Back to the dashboard; the selection and view are kept",
        ),
        Binding(
            "enter",
            "open_run",
            "Open in builder",
            id="runs.open",
            show=False,
            tooltip="Load the run under the cursor into the builder, to change and re-run it",
        ),
        Binding(
            "a",
            "select_all",
            "Select all / none",
            id="runs.select_all",
            show=False,
            tooltip="Select every run shown (after filters); when all are selected, select none",
        ),
        Binding(
            "r",
            "rename",
            "Rename run",
            id="runs.rename",
            show=False,
            tooltip="Rename the run under the cursor (its folder keeps its id)",
        ),
        Binding(
            "g",
            "tag",
            "Tag runs",
            id="runs.tag",
            show=False,
            tooltip="Edit the tags of the selected runs, or of the run under the cursor when none is selected",
        ),
        Binding(
            "delete,d",
            "delete",
            "Delete runs",
            id="runs.delete",
            show=False,
            tooltip="Delete the selected runs, or the run under the cursor when none is selected, after a confirmation",
        ),
        Binding(
            "slash",
            "focus_filter",
            "Filter runs",
            id="runs.filter",
            show=False,
            tooltip="Type words to keep only runs whose name, dataset, optimizer, status or tags contain them all",
        ),
        Binding(
            "f",
            "cycle_status",
            "Status filter",
            id="runs.status",
            show=False,
            tooltip="Show runs of one status: all, running, completed, stopped, failed, diverged",
        ),
        Binding(
            "o",
            "cycle_sort(1)",
            "Sort by next column",
            id="runs.sort",
            show=False,
            tooltip="Sort the table by the next column (or click a column header)",
        ),
        Binding(
            "O", "reverse_sort", "Reverse sort", id="runs.reverse", show=False, tooltip="Reverse the table's sort order"
        ),
        Binding(
            "m",
            "cycle_metric",
            "Chart metric",
            id="runs.metric",
            show=False,
            tooltip="Chart the next logged metric: loss, accuracy, ...",
        ),
        Binding(
            "x",
            "cycle_x",
            "Chart x axis",
            id="runs.x_axis",
            show=False,
            tooltip="Chart x axis: epoch (1-based), step (batches), wall time (s)",
        ),
        Binding(
            "s",
            "cycle_smoothing(1)",
            "Smooth more",
            id="runs.smoothing",
            show=False,
            tooltip="More smoothing: TensorBoard's debiased exponential moving average, 0 to 0.99 (wraps to 0)",
        ),
        Binding(
            "S", "cycle_smoothing(-1)", "Smooth less", id="runs.smoothing_down", show=False, tooltip="Less smoothing"
        ),
        Binding(
            "l",
            "toggle_log",
            "Log scale",
            id="runs.log_y",
            show=False,
            tooltip="Log or linear y axis (values <= 0 are counted, not drawn)",
        ),
        Binding(
            "y",
            "cycle_y_range",
            "Y range",
            id="runs.y_range",
            show=False,
            tooltip="Y range: auto, ignore outliers, fixed LO HI (asked for)",
        ),
        Binding(
            "v",
            "cycle_show",
            "Val / train curves",
            id="runs.show",
            show=False,
            tooltip="Curves: validation and training, validation only, training only",
        ),
        Binding(
            "comma",
            "chart('cursor', -1)",
            "Value cursor ←",
            id="runs.cursor_left",
            show=False,
            tooltip="Move the value cursor to the previous logged x; the line under the chart "
            "reads out every run there",
        ),
        Binding(
            "full_stop",
            "chart('cursor', 1)",
            "Value cursor →",
            id="runs.cursor_right",
            show=False,
            tooltip="Move the value cursor to the next logged x; the line under the chart reads out every run there",
        ),
        Binding(
            "plus,equals_sign",
            "chart('zoom', 0.5)",
            "Zoom in",
            id="runs.zoom_in",
            show=False,
            tooltip="Zoom the chart's x axis in, around the value cursor",
        ),
        Binding(
            "minus",
            "chart('zoom', 2.0)",
            "Zoom out",
            id="runs.zoom_out",
            show=False,
            tooltip="Zoom the chart's x axis out",
        ),
        Binding(
            "left_square_bracket",
            "chart('pan', -0.25)",
            "Pan ←",
            id="runs.pan_left",
            show=False,
            tooltip="Move the zoomed x window left by a quarter",
        ),
        Binding(
            "right_square_bracket",
            "chart('pan', 0.25)",
            "Pan →",
            id="runs.pan_right",
            show=False,
            tooltip="Move the zoomed x window right by a quarter",
        ),
        Binding(
            "0", "chart('reset_zoom')", "Reset zoom", id="runs.reset_zoom", show=False, tooltip="Show the whole x range"
        ),
        Binding(
            "p",
            "screenshot",
            "Screenshot SVG",
            id="runs.screenshot",
            show=False,
            tooltip="Save an SVG screenshot of this screen in the export folder",
        ),
    ]

    class Listed(Message):
        """A thread worker read the runs dir: ``runs`` (``RunIndex.refresh()``), or ``None`` when it failed."""

        def __init__(self, runs: list[RunSummary] | None, opening: int = 0) -> None:
            super().__init__()
            self.runs = runs
            self.opening = opening
            """:attr:`RunsScreen._opening` when the read began."""

    def __init__(
        self, runs_dir: Path | str, *, export_dir: Path | str | None = None, poll_interval: float = 1.0
    ) -> None:
        super().__init__()
        self.runs_dir = Path(runs_dir)
        self.export_dir = Path(export_dir) if export_dir is not None else Path.cwd()
        self.poll_interval = poll_interval
        self.index = RunIndex(self.runs_dir)
        """Read by the listing worker only (one at a time, under :attr:`_index_lock`)."""
        self.all_runs: list[RunSummary] = []
        self.shown: list[RunSummary] = []
        self.followers: dict[str, RunFollower] = {}
        self.selected: dict[str, int] = {}
        """Selected run id -> style index, in selection order."""
        self.run_styles: dict[str, int] = {}
        """Every run id selected this session -> its style index
        (:func:`~tuidl.ui.widgets.compare_chart.style_markers`): given once, in order, never
        changed, so a run keeps its colour and marker."""
        self.filter_text = ""
        self.status_filter = "all"
        self.sort_column = "started_ts"
        self.sort_reverse = True
        self._row_stamps: dict[str, tuple[RunSummary, int | None]] = {}
        self._fits: dict[str, ColumnFit] | None = None  # the table's columns as last fitted
        self._index_lock = threading.Lock()
        self._listing = False
        self._list_again = False
        self._poll_timer: Timer | None = None
        self._to_newest = True
        """The next listing puts the cursor on the newest run (on opening the screen)."""
        self._opening = 0
        """How many times the screen was closed: a listing read before the last close is older than
        the opening and does not place the cursor."""

    def style_for(self, run_id: str) -> int:
        """The run's style index, given on first use (0, 1, 2 ... in order)."""
        if run_id not in self.run_styles:
            self.run_styles[run_id] = len(self.run_styles)
        return self.run_styles[run_id]

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="runs-filterbar"):
            yield Input(placeholder="/ filter runs by name, dataset, optimizer, tag…", id="runs-filter")
            yield Label("", id="runs-status")
        table = RunsTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield table
        with ContentSwitcher(initial="runs-chart", id="runs-bottom"):
            yield CompareChart(id="runs-chart")
            diff: DataTable[str] = DataTable(id="runs-diff", cursor_type="row")
            yield diff
        yield Static("", id="runs-info", markup=False)
        yield TuidlFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        self._set_columns([])
        self._update_chart_runs()
        self._apply_view()
        table.focus()
        self._poll_timer = self.set_interval(self.poll_interval, self.poll, name="runs-poll")
        self.reload()

    def on_screen_suspend(self) -> None:
        """Left (the App keeps the screen): stop reading the runs dir meanwhile. Closed (not
        merely under a modal): opened again, the cursor goes to the newest run."""
        if self._poll_timer is not None:
            self._poll_timer.pause()
        if self not in self.app.screen_stack:
            self._to_newest = True
            self._opening += 1

    def on_screen_resume(self) -> None:
        """Shown again: read the runs dir now, and every :attr:`poll_interval` s."""
        if self._poll_timer is not None and self.is_mounted:
            self._poll_timer.resume()
            self.reload()

    @property
    def chart(self) -> CompareChart:
        return self.query_one("#runs-chart", CompareChart)

    @property
    def table(self) -> DataTable:
        return self.query_one("#runs-table", DataTable)

    # -- data ----------------------------------------------------------------------------
    @on(Listed)
    def _listed(self, message: Listed) -> None:
        self._listing = False
        if message.runs is not None:
            self._show_runs(message.runs, latest=message.opening == self._opening)
        if self._list_again:
            self._list_again = False
            self.reload()

    def current_run(self) -> RunSummary | None:
        """The run under the table's cursor."""
        key = self.current_run_id()
        return next((r for r in self.shown if r.run_id == key), None)

    def current_run_id(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - cursor outside the rows while the table changes
            return None

    def _targets(self) -> list[RunSummary]:
        """Selected runs, or the run under the cursor when none is selected."""
        if self.selected:
            return [r for r in self.all_runs if r.run_id in self.selected]
        cur = self.current_run()
        return [cur] if cur else []

    # -- selection and chart -------------------------------------------------------------
    def action_toggle_select(self) -> None:
        """Select or unselect the run under the cursor (selected runs are charted), then
        move the cursor down, so repeated presses select consecutive runs."""
        r = self.current_run()
        if r is None:
            return
        self.set_selected(r.run_id, r.run_id not in self.selected)
        self.table.action_cursor_down()

    def action_select_all(self) -> None:
        """Select every run shown (after filters); when all are already selected, select none
        of them."""
        if self.shown and all(r.run_id in self.selected for r in self.shown):
            self.set_many([r.run_id for r in self.shown], False)
        else:
            self.set_many([r.run_id for r in self.shown], True)

    def set_selected(self, run_id: str, on: bool) -> None:
        """Select (chart) or unselect a run by id."""
        self.set_many([run_id], on)

    def set_many(self, run_ids: list[str], on: bool) -> None:
        """Select or unselect several runs, then redraw once. A run's style (colour and
        marker) is given the first time it is selected and kept for the session."""
        by_id = {r.run_id: r for r in self.all_runs}
        for run_id in run_ids:
            if on and run_id not in self.selected and run_id in by_id:
                self.selected[run_id] = self.style_for(run_id)
                self._follow(by_id[run_id])
            elif not on and run_id in self.selected:
                self.selected.pop(run_id)
                self.followers.pop(run_id, None)
        self._update_chart_runs()
        self._apply_view()

    def _follow(self, run: RunSummary) -> None:
        f = RunFollower(run.dir, name=run.name)
        f.poll()
        self.followers[run.run_id] = f

    def _divergence(self, run_id: str) -> tuple[int, int, str, float, int] | None:
        """Where a diverged run stopped (``run.json``'s ``error``), for the chart to mark it."""
        run = next((r for r in self.all_runs if r.run_id == run_id), None)
        if run is None or run.status != "diverged":
            return None
        try:
            info, _ = read_run_info(run.dir)
        except (UnreadableFile, OSError):
            return None
        e = info.error
        if e is None or e.epoch is None or e.metric is None:
            return None
        try:
            value = float(e.value or "nan")
        except ValueError:
            value = math.nan
        return (e.epoch, e.batch or 0, e.metric, value, info.steps_per_epoch or 0)

    def chart_names(self) -> dict[str, str]:
        """Legend names of the selected runs: the run name, plus the id's last 4 characters
        when several selected runs share a name."""
        runs = [r for r in self.all_runs if r.run_id in self.selected]
        counts: dict[str, int] = {}
        for r in runs:
            counts[r.name] = counts.get(r.name, 0) + 1
        return {r.run_id: r.name if counts[r.name] == 1 else f"{r.name}#{r.run_id[-4:]}" for r in runs}

    def _update_chart_runs(self) -> None:
        names = self.chart_names()
        runs = [
            ChartRun(k, names.get(k, k), self.followers[k].history, style, self._divergence(k))
            for k, style in self.selected.items()
            if k in self.followers
        ]
        self.chart.set_runs(runs)
        self._update_diff()
        self._update_info()

    @on(CompareChart.Changed)
    def _chart_changed(self) -> None:
        self._update_info()

    @on(DataTable.RowHighlighted, "#runs-table")
    def _row_highlighted(self) -> None:
        self._update_info()

    # -- filter and sort -----------------------------------------------------------------
    def action_focus_filter(self) -> None:
        """Focus the text filter."""
        self.query_one("#runs-filter", Input).focus()

    @on(Input.Changed, "#runs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._apply_view()

    @on(Input.Submitted, "#runs-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def action_cycle_status(self) -> None:
        """Status filter: all → running → completed → stopped → failed → diverged."""
        i = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(i + 1) % len(STATUS_FILTERS)]
        self._apply_view()

    def sort_by(self, column: str, reverse: bool | None = None) -> None:
        """Sort the table by a column key of :data:`COLUMNS` (toggle direction when repeated)."""
        if column == "sel":
            return
        if reverse is None:
            reverse = (not self.sort_reverse) if column == self.sort_column else False
        self.sort_column, self.sort_reverse = column, reverse
        self._apply_view()

    def action_cycle_sort(self, step: int) -> None:
        """Sort by the next column."""
        keys = [k for k, _ in COLUMNS[1:]]
        i = keys.index(self.sort_column) if self.sort_column in keys else -1
        self.sort_by(keys[(i + step) % len(keys)], reverse=False)

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.sort_by(self.sort_column, not self.sort_reverse)

    @on(DataTable.HeaderSelected, "#runs-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    # -- open --------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#runs-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_run()
