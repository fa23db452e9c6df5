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

What a person chose (selection, each run's colour and marker, filters, sort,
chart settings, chart or compare table) is kept per App and runs dir for the
session (:func:`view_state`): leaving the screen and coming back finds it as it
was, and a run keeps its colour and marker whatever else is selected.

Epochs: screens say "epoch N" 1-based (the chart's x for the record with
``"epoch": e`` is e + 1, as on the dashboard); files keep Keras's 0-based
``epoch`` (see :mod:`tuidl.core.runs`).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, ContentSwitcher, DataTable, Input, Label, Static

from tuidl.core.errors import TuidlError
from tuidl.core.history import X_AXES
from tuidl.core.runs import (
    STATUSES, UNREADABLE, RunError, RunFollower, RunIndex, RunSummary, config_diff, delete_run,
    export_csv, filter_runs, metric_mode, read_run_text, read_spec_dict, rename_run, set_tags, sort_runs,
)
from tuidl.core.text import format_duration
from tuidl.ui.text import plain
from tuidl.ui.widgets.compare_chart import (
    SMOOTHING_STEPS, SHOWS, Y_MODES, ChartRun, CompareChart, fmt_value, style_markers,
)
from tuidl.ui.widgets.footer import TuidlFooter

__all__ = ["RunsScreen", "ConfirmModal", "InputModal", "COLUMNS", "RunsViewState", "view_state"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("sel", " "), ("name", "name"), ("status", "status"), ("epochs_done", "epochs"),
    ("best_val_loss", "best val_loss"), ("best_metric", "best metric"), ("tags", "tags"),
    ("dataset", "dataset"), ("optimizer", "optimizer"), ("params", "params"),
    ("duration", "duration"), ("started_ts", "started"),
)
"""(key, header) of the runs table; every key but ``sel`` is a sort column. The results
come first, so that at 80 columns who won is visible without scrolling sideways."""

CHART_SETTINGS: tuple[str, ...] = ("metric", "x_axis", "smoothing", "log_y", "y_mode", "y_fixed", "show")
"""The :class:`CompareChart` reactives the screen remembers."""


class _StateField:
    """A screen attribute that reads and writes the same-named field of ``screen.state``
    (so the view outlives the screen: see :class:`RunsViewState`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, screen: Any, owner: type | None = None) -> Any:
        if screen is None:
            return self
        return getattr(screen.state, self.name)

    def __set__(self, screen: Any, value: Any) -> None:
        setattr(screen.state, self.name, value)


@dataclass
class RunsViewState:
    """What the runs screen keeps for one runs dir while the App runs.

    Attributes:
        selected: selected run id -> style index, in selection order.
        styles: every run id ever selected this session -> its style index
            (:func:`~tuidl.ui.widgets.compare_chart.style_markers`); given once,
            in order, never changed, so a run keeps its colour and marker.
        filter_text, status_filter, sort_column, sort_reverse: the table's view.
        chart: the chart's settings (:data:`CHART_SETTINGS`).
        compare: whether the compare table (not the chart) is shown.
    """

    selected: dict[str, int] = field(default_factory=dict)
    styles: dict[str, int] = field(default_factory=dict)
    filter_text: str = ""
    status_filter: str = "all"
    sort_column: str = "started_ts"
    sort_reverse: bool = True
    chart: dict[str, Any] = field(default_factory=dict)
    compare: bool = False

    def style_for(self, run_id: str) -> int:
        """The run's style index, given on first use (0, 1, 2 ... in order)."""
        if run_id not in self.styles:
            self.styles[run_id] = len(self.styles)
        return self.styles[run_id]


_VIEW_STATES: "weakref.WeakKeyDictionary[Any, dict[str, RunsViewState]]" = weakref.WeakKeyDictionary()


def view_state(app: Any, runs_dir: Path | str) -> RunsViewState:
    """The :class:`RunsViewState` of this App and runs dir (created on first use;
    forgotten with the App)."""
    per_app = _VIEW_STATES.setdefault(app, {})
    return per_app.setdefault(str(Path(runs_dir).resolve()), RunsViewState())

STATUS_FILTERS: tuple[str, ...] = ("all", *STATUSES, UNREADABLE)


def _duration(seconds: float | None) -> str:
    return format_duration(seconds)


def _cell(r: RunSummary, key: str) -> str:
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
        return _duration(r.duration)
    if key == "started_ts":
        return (r.started or "-").replace("T", " ")[:16]
    raise KeyError(key)


class InputModal(ModalScreen[str | None]):
    """Asks for one line of text; Enter gives it, Escape gives ``None``."""

    DEFAULT_CSS = """
    InputModal { align: center middle; }
    InputModal > Vertical { width: 70; max-width: 95%; height: auto; border: thick $accent;
                            background: $surface; padding: 0 1; }
    InputModal Label { width: 100%; margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="input.cancel")]

    def __init__(self, prompt: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt, markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="modal-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Asks yes or no: ``y`` / the Yes button confirm, ``n`` / Escape cancel."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical { width: 70; max-width: 95%; height: auto; border: thick $error;
                              background: $surface; padding: 0 1; }
    ConfirmModal Horizontal { height: auto; margin-top: 1; }
    ConfirmModal Button { margin-right: 2; }
    """
    BINDINGS = [Binding("y", "answer(True)", "Yes", id="confirm.yes"),
                Binding("n,escape", "answer(False)", "No", id="confirm.no")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.message, markup=False)
            with Horizontal():
                yield Button("Yes (y)", id="confirm-yes", variant="error")
                yield Button("No (n)", id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class RunsScreen(Screen["Any"]):
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
    RunsScreen #runs-filter { width: 1fr; min-width: 16; height: 1; border: none; padding: 0 1; }
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
        Binding("space", "toggle_select", "Select ↓", id="runs.select",
                tooltip="Select or unselect the run under the cursor, then move down; "
                        "selected runs are overlaid on the chart"),
        Binding("c", "toggle_compare", "Diff", id="runs.compare",
                tooltip="Chart or compare table: the settings that differ between the selected "
                        "runs (layers matched by name) and their results, best marked ★"),
        Binding("e", "export_csv", "CSV", id="runs.export_csv",
                tooltip="Write the per-epoch metrics of the selected runs (or the run under the "
                        "cursor) to a CSV file; its epoch column is 0-based, as in Keras's CSVLogger"),
        Binding("escape,q", "close", "Back", id="runs.close",
                tooltip="Back to the dashboard; the selection and view are kept"),
        Binding("enter", "open_run", "Open in builder", id="runs.open", show=False,
                tooltip="Load the run under the cursor into the builder, to change and re-run it"),
        Binding("a", "select_all", "Select all / none", id="runs.select_all", show=False,
                tooltip="Select every run shown (after filters); when all are selected, select none"),
        Binding("r", "rename", "Rename run", id="runs.rename", show=False,
                tooltip="Rename the run under the cursor (its folder keeps its id)"),
        Binding("g", "tag", "Tag runs", id="runs.tag", show=False,
                tooltip="Edit the tags of the selected runs, or of the run under the cursor when "
                        "none is selected"),
        Binding("delete,d", "delete", "Delete runs", id="runs.delete", show=False,
                tooltip="Delete the selected runs, or the run under the cursor when none is "
                        "selected, after a confirmation"),
        Binding("slash", "focus_filter", "Filter runs", id="runs.filter", show=False,
                tooltip="Type words to keep only runs whose name, dataset, optimizer, status "
                        "or tags contain them all"),
        Binding("f", "cycle_status", "Status filter", id="runs.status", show=False,
                tooltip="Show runs of one status: all, running, completed, stopped, failed, diverged"),
        Binding("o", "cycle_sort(1)", "Sort by next column", id="runs.sort", show=False,
                tooltip="Sort the table by the next column (or click a column header)"),
        Binding("O", "reverse_sort", "Reverse sort", id="runs.reverse", show=False,
                tooltip="Reverse the table's sort order"),
        Binding("m", "cycle_metric", "Chart metric", id="runs.metric", show=False,
                tooltip="Chart the next logged metric: loss, accuracy, ..."),
        Binding("x", "cycle_x", "Chart x axis", id="runs.x_axis", show=False,
                tooltip="Chart x axis: epoch (1-based), step (batches), wall time (s)"),
        Binding("s", "cycle_smoothing(1)", "Smooth more", id="runs.smoothing", show=False,
                tooltip="More smoothing: TensorBoard's debiased exponential moving average, "
                        "0 to 0.99 (wraps to 0)"),
        Binding("S", "cycle_smoothing(-1)", "Smooth less", id="runs.smoothing_down", show=False,
                tooltip="Less smoothing"),
        Binding("l", "toggle_log", "Log y", id="runs.log_y", show=False,
                tooltip="Log or linear y axis (values <= 0 are counted, not drawn)"),
        Binding("y", "cycle_y_range", "Y range", id="runs.y_range", show=False,
                tooltip="Y range: auto, ignore outliers, fixed LO HI (asked for)"),
        Binding("v", "cycle_show", "Val / train curves", id="runs.show", show=False,
                tooltip="Curves: validation and training, validation only, training only"),
        Binding("comma", "chart('cursor', -1)", "Value cursor ←", id="runs.cursor_left", show=False,
                tooltip="Move the value cursor to the previous logged x; the line under the chart "
                        "reads out every run there"),
        Binding("full_stop", "chart('cursor', 1)", "Value cursor →", id="runs.cursor_right", show=False,
                tooltip="Move the value cursor to the next logged x; the line under the chart "
                        "reads out every run there"),
        Binding("plus,equals_sign", "chart('zoom', 0.5)", "Zoom in", id="runs.zoom_in", show=False,
                tooltip="Zoom the chart's x axis in, around the value cursor"),
        Binding("minus", "chart('zoom', 2.0)", "Zoom out", id="runs.zoom_out", show=False,
                tooltip="Zoom the chart's x axis out"),
        Binding("left_square_bracket", "chart('pan', -0.25)", "Pan ←", id="runs.pan_left", show=False,
                tooltip="Move the zoomed x window left by a quarter"),
        Binding("right_square_bracket", "chart('pan', 0.25)", "Pan →", id="runs.pan_right", show=False,
                tooltip="Move the zoomed x window right by a quarter"),
        Binding("0", "chart('reset_zoom')", "Reset zoom", id="runs.reset_zoom", show=False,
                tooltip="Show the whole x range"),
        Binding("p", "screenshot", "Screenshot SVG", id="runs.screenshot", show=False,
                tooltip="Save an SVG screenshot of this screen in the export folder"),
    ]

    def __init__(self, runs_dir: Path | str, *, export_dir: Path | str | None = None,
                 poll_interval: float = 1.0) -> None:
        super().__init__()
        self.runs_dir = Path(runs_dir)
        self.export_dir = Path(export_dir) if export_dir is not None else Path.cwd()
        self.poll_interval = poll_interval
        self.index = RunIndex(self.runs_dir)
        self.all_runs: list[RunSummary] = []
        self.shown: list[RunSummary] = []
        self.state = RunsViewState()
        """The view kept for the session; the App's own one from :meth:`on_mount` on."""
        self.followers: dict[str, RunFollower] = {}
        self.polls = 0
        self._row_stamps: dict[str, tuple[RunSummary, int | None]] = {}

    # The view lives in self.state, so it outlives the screen (see view_state).
    @property
    def selected(self) -> dict[str, int]:
        """Selected run id -> style index (stable colour and marker for the session)."""
        return self.state.selected

    filter_text = _StateField("filter_text")
    status_filter = _StateField("status_filter")
    sort_column = _StateField("sort_column")
    sort_reverse = _StateField("sort_reverse")

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="runs-filterbar"):
            yield Input(placeholder="/ filter runs by name, dataset, optimizer, tag…", id="runs-filter")
            yield Label("", id="runs-status")
        table: DataTable[str] = DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield table
        with ContentSwitcher(initial="runs-chart", id="runs-bottom"):
            yield CompareChart(id="runs-chart")
            diff: DataTable[str] = DataTable(id="runs-diff", cursor_type="row")
            yield diff
        yield Static("", id="runs-info", markup=False)
        yield TuidlFooter(compact=True)

    def on_mount(self) -> None:
        self.state = view_state(self.app, self.runs_dir)
        table = self.query_one("#runs-table", DataTable)
        for key, header in COLUMNS:
            table.add_column(header, key=key)
        if self.state.filter_text:
            with self.prevent(Input.Changed):
                self.query_one("#runs-filter", Input).value = self.state.filter_text
        chart = self.chart
        for name, value in self.state.chart.items():
            chart.set_reactive(getattr(CompareChart, name), value)
        if self.state.compare:
            self.query_one("#runs-bottom", ContentSwitcher).current = "runs-diff"
        self.all_runs = self.index.refresh()
        ids = {r.run_id for r in self.all_runs}
        for run_id in [k for k in self.selected if k not in ids]:
            self.selected.pop(run_id)
        for r in self.all_runs:
            if r.run_id in self.selected:
                self._follow(r)
        self._update_chart_runs()
        self._apply_view()
        table.focus()
        self.set_interval(self.poll_interval, self.poll, name="runs-poll")

    @property
    def chart(self) -> CompareChart:
        return self.query_one("#runs-chart", CompareChart)

    @property
    def table(self) -> DataTable:
        return self.query_one("#runs-table", DataTable)

    # -- data ----------------------------------------------------------------------------
    def poll(self) -> None:
        """Timer: re-read the runs dir and the selected runs' new epochs."""
        self.polls += 1
        self.reload()
        grew = False
        for f in self.followers.values():
            if f.poll():
                grew = True
        if grew:
            self.chart.refresh_data()
            self._update_diff()

    def reload(self) -> None:
        """Re-read the runs dir (changed files only) and update the table."""
        self.all_runs = self.index.refresh()
        ids = {r.run_id for r in self.all_runs}
        for gone in [k for k in self.selected if k not in ids]:
            self.selected.pop(gone)
            self.followers.pop(gone, None)
            self._update_chart_runs()
        self._apply_view()

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
            f"o {header} {arrow} · {len(self.selected)} selected")
        self._update_info()  # the cursor's run may have changed, or its notes

    def marker(self, run_id: str) -> str:
        """The selected run's validation marker (its legend and table marker), else ``""``."""
        style = self.selected.get(run_id)
        return "" if style is None else style_markers(style)[0]

    def _row(self, r: RunSummary) -> list[str | Text]:
        # a DataTable reads str cells as markup: names and tags like "exp [v2]" are Text (escaping
        # is not enough: a trailing backslash came out doubled)
        return [self.marker(r.run_id), *(plain(_cell(r, k)) for k, _ in COLUMNS[1:])]

    def _fill_table(self, runs: list[RunSummary]) -> None:
        table = self.table
        new_keys = [r.run_id for r in runs]
        old_keys = [rk.value for rk in table.rows]
        if new_keys == old_keys:
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
        cursor_key = self.current_run_id()
        table.clear()
        for r in runs:
            table.add_row(*self._row(r), key=r.run_id)
        if cursor_key in new_keys:
            table.move_cursor(row=new_keys.index(cursor_key), animate=False)

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
                self.selected[run_id] = self.state.style_for(run_id)
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
        runs = [ChartRun(k, names.get(k, k), self.followers[k].history, style)
                for k, style in self.selected.items() if k in self.followers]
        self.chart.set_runs(runs)
        self._update_diff()
        self._update_info()

    def _update_info(self) -> None:
        """The chart's settings, each after the key that changes it; and remember them.
        Under them, what is wrong with the run under the cursor: why it is unreadable, what
        was skipped while reading it (plain text, never markup)."""
        c = self.chart
        show = {"both": "val+train", "val": "val only", "train": "train only"}.get(c.show, c.show)
        text = (f"m {c.metric} · x {c.x_axis} · s smoothing {c.smoothing:g} · "
                f"l {'log' if c.log_y else 'linear'} y · y {c.y_mode} · v {show}")
        r = self.current_run() if self.is_mounted else None
        if r is not None:
            problems = ([f"unreadable: {r.error}"] if r.status == UNREADABLE else []) + list(r.notes)
            if problems:
                text += "\n⚠ " + "; ".join(problems)
        self.query_one("#runs-info", Static).update(Text(text))
        self.state.chart = {name: getattr(c, name) for name in CHART_SETTINGS}

    @on(CompareChart.Changed)
    def _chart_changed(self) -> None:
        self._update_info()

    @on(DataTable.RowHighlighted, "#runs-table")
    def _row_highlighted(self) -> None:
        self._update_info()

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
                    self.notify(f"fixed y range {text!r}: give two numbers LO HI with LO < HI",
                                severity="error", markup=False)
                    c.y_mode = "auto"
                else:
                    c.y_fixed = (lo, hi)
                    c.y_mode = "fixed"
            self._update_info()

        cur = f"{c.y_fixed[0]:g} {c.y_fixed[1]:g}" if c.y_fixed else ""
        self.app.push_screen(InputModal("Fixed y range (data units): LO HI", cur, "0 1.5"), got)

    # -- compare table -------------------------------------------------------------------
    def action_toggle_compare(self) -> None:
        """Switch the bottom pane between the chart and the compare table."""
        sw = self.query_one("#runs-bottom", ContentSwitcher)
        sw.current = "runs-diff" if sw.current == "runs-chart" else "runs-chart"
        self.state.compare = sw.current == "runs-diff"
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
            return [fmt_value(v) + (" ★" if v is not None and v == best and len(runs) > 1 else "")
                    for v in vals]

        rows.append(["status", *(r.status for r in runs)])
        rows.append(["epochs", *(str(r.epochs_done) for r in runs)])
        rows.append(["best val_loss", *starred([r.best_val_loss for r in runs], "min")])
        rows.append(["best at epoch", *(self._best_epoch(r.run_id, "val_loss") for r in runs)])
        metrics = {r.metric for r in runs if r.metric}
        if len(metrics) == 1:
            m = metrics.pop()
            rows.append([f"best {m}", *starred([r.best_metric for r in runs], metric_mode(m))])
        else:
            rows.append(["best metric", *(f"{r.metric} {fmt_value(r.best_metric)}" if r.metric else "-"
                                          for r in runs)])
        rows.append(["params", *(f"{r.params:,}" if r.params is not None else "-" for r in runs)])
        rows.append(["duration", *(_duration(r.duration) for r in runs)])
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

    # -- open, rename, tag, delete -------------------------------------------------------
    @on(DataTable.RowSelected, "#runs-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_run()

    def action_open_run(self) -> None:
        """Dismiss with the run's experiment (its ``spec.toml``) for the builder."""
        r = self.current_run()
        if r is None:
            return
        from tuidl.core.spec import loads

        path = r.dir / "spec.toml"
        try:  # read like every run file: no link followed, size checked, UTF-8
            exp = loads(read_run_text(r.dir, "spec.toml"), origin=str(path))
        except TuidlError as e:
            self._error(e)
            return
        exp._source = path.resolve()
        self.dismiss(exp)

    def action_close(self) -> None:
        """Close the runs screen."""
        self.dismiss(None)

    def _error(self, e: TuidlError) -> None:
        from tuidl.ui.screens.error_modal import ErrorModal

        self.app.push_screen(ErrorModal(e.title, e.message, e.hint))

    def action_rename(self) -> None:
        """Give the run under the cursor a display name (the folder keeps its id).

        Always the cursor's run, also when runs are selected (one name for several
        runs would make them indistinguishable); the prompt names the run.
        """
        r = self.current_run()
        if r is None:
            return

        def done(name: str | None) -> None:
            if name is None:
                return
            try:
                rename_run(r.dir, name)
            except TuidlError as e:
                self._error(e)
            self.reload()
            if r.run_id in self.followers:
                self._rename_follower(r.run_id)

        self.app.push_screen(InputModal(
            f"Rename the run under the cursor, {r.run_id} (empty: back to the experiment's name)",
            r.name), done)

    def _rename_follower(self, run_id: str) -> None:
        self.followers[run_id].history.name = self.chart_names().get(run_id, run_id)
        self._update_chart_runs()

    def tag_prompt(self, targets: list[RunSummary]) -> tuple[str, str]:
        """The tag prompt's text and its pre-filled value for these runs: one run's tags,
        or the tags all the selected runs share."""
        sep = "space or comma separated"
        if len(targets) == 1 and not self.selected:
            r = targets[0]
            return f"Tags of the run under the cursor, {r.name} ({sep}; empty: none)", " ".join(r.tags)
        shared = [t for t in targets[0].tags if all(t in r.tags for r in targets[1:])]
        what = "the selected run" if len(targets) == 1 else f"the {len(targets)} selected runs"
        return (f"Tags of {what}: {', '.join(r.name for r in targets[:4])}"
                f"{' …' if len(targets) > 4 else ''} ({sep}). Shown: the tags they all have; "
                f"adding or removing one changes every selected run, other tags are kept",
                " ".join(shared))

    def action_tag(self) -> None:
        """Edit the tags of the selected runs, or of the run under the cursor when none is
        selected (the prompt says which).

        With several runs the field holds the tags they all share; a tag added there is
        added to each run, a shared tag removed is removed from each, and a tag only
        some of them have is kept.
        """
        targets = self._targets()
        if not targets:
            return
        prompt, current = self.tag_prompt(targets)
        before = current.split()

        def done(text: str | None) -> None:
            if text is None:
                return
            entered = text.replace(",", " ").split()
            removed = [t for t in before if t not in entered]
            for r in targets:
                tags = [t for t in r.tags if t not in removed] + [t for t in entered if t not in r.tags]
                if len(targets) == 1:
                    tags = entered  # one run: the field is its whole tag list, in this order
                try:
                    set_tags(r.dir, tags)
                except TuidlError as e:
                    self._error(e)
                    break
            self.reload()

        self.app.push_screen(InputModal(prompt, current), done)

    def action_delete(self) -> None:
        """Delete the selected runs (or the run under the cursor when none is selected),
        after a confirmation that names them."""
        targets = self._targets()
        if not targets:
            return
        names = ", ".join(r.name for r in targets[:5]) + (" …" if len(targets) > 5 else "")

        def done(yes: bool | None) -> None:
            if not yes:
                return
            failed: list[str] = []
            for r in targets:
                try:
                    delete_run(r.dir)
                except RunError as e:
                    failed.append(e.message)
                    continue
                self.selected.pop(r.run_id, None)
                self.followers.pop(r.run_id, None)
            self._update_chart_runs()
            self.reload()
            if failed:
                self.notify("; ".join(failed), title="Not deleted", severity="error", markup=False)
            else:
                self.notify(f"deleted {len(targets)} run(s)", markup=False)

        what = (f"the {len(targets)} selected run(s)" if self.selected
                else "the run under the cursor")
        self.app.push_screen(ConfirmModal(
            f"Delete {what} and all their files?\n{names}\nThis cannot be undone."), done)

    # -- exports -------------------------------------------------------------------------
    def _stamp(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S")

    def action_export_csv(self, path: str | None = None) -> None:
        """Write the selected runs' (or the cursor run's) per-epoch metrics to a CSV file."""
        targets = self._targets()
        if not targets:
            self.notify("select runs with space first", severity="warning", markup=False)
            return
        dest = Path(path) if path else self.export_dir / f"tuidl-runs-{self._stamp()}.csv"
        try:
            n = export_csv([r.dir for r in targets], dest)
        except TuidlError as e:
            self._error(e)
            return
        self.last_export = dest
        self.notify(f"wrote {n} rows of {len(targets)} run(s) to {dest} "
                    "(epoch column 0-based, as in Keras's CSVLogger)", title="CSV exported", markup=False)

    def action_screenshot(self) -> None:
        """Save an SVG screenshot of the screen."""
        name = f"tuidl-runs-{self._stamp()}.svg"
        try:
            path = self.app.save_screenshot(filename=name, path=str(self.export_dir))
        except OSError as e:
            self._error(RunError(f"{self.export_dir / name}: cannot write: {e.strerror}",
                                 title="Screenshot failed"))
            return
        self.last_export = Path(path)
        self.notify(f"saved {path}", title="Screenshot", markup=False)

    last_export: Path | None = None
    """The file the last export wrote (for tests and the status line)."""
