"""Pilot tests of the runs browser at 80x24 as a newcomer met it: the cursor opens on the newest
run and stays in view, Home/End, a compare table that gives every run a share of 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from runfolders import write_finished_run
from test_runs_screen import Host, _open_screen, _recs, _spec, _variants, wait_for
from textual.widgets import DataTable
from textual_plotext import PlotextPlot

from tuidl.ui.screens.runs import RunsScreen
from tuidl.ui.screens.runs_compare import fit_compare, wrap_cell
from tuidl.ui.widgets.chart_marks import SHARED_MARKER


def _runs(root: Path, first: int, last: int) -> list[str]:
    """Runs ``first..last`` (inclusive), each started a day after the one before; their ids."""
    ids = []
    for i in range(first, last + 1):
        run_id = f"202401{i:02d}-000000-run{i}-{i:04d}"
        write_finished_run(
            root,
            _spec(**{"fit.batch_size": 16 + i}),
            _recs([1.0 - 0.05 * i, 0.5], [0.6, 0.8]),
            run_id=run_id,
            info={"name": f"run{i}", "params": 4810, "started": f"2024-01-{i:02d}T00:00:00+00:00"},
        )
        ids.append(run_id)
    return ids


def _visible(table: DataTable, row: int) -> bool:
    """Whether ``row`` is inside the table's scrolled view (below its header, above a scroll bar)."""
    rows = table.scrollable_content_region.height - (table.header_height if table.show_header else 0)
    return table.scroll_y <= row < table.scroll_y + rows


async def test_opens_on_the_newest_run_in_view_and_keeps_the_cursors_run_on_refresh(tmp_path):
    root = tmp_path / "runs"
    old = _runs(root, 1, 3)
    app = Host(root, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_screen(app, pilot, 3)
        assert screen.current_run_id() == old[-1]
        await pilot.press("down", "down")  # the oldest run
        assert screen.current_run_id() == old[0]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is None)
        new = _runs(root, 4, 8)  # trained meanwhile
        app.push_screen("runs")
        screen = await _open_screen(app, pilot, 8)
        await wait_for(pilot, lambda: screen.current_run_id() == new[-1], what="the cursor on the newest run")
        await pilot.pause()
        table = screen.table
        assert table.cursor_row == 0 and _visible(table, 0)
        # refreshed while open: the cursor's run stays the same run, and in view
        await pilot.press("end")
        assert screen.current_run_id() == old[0]
        _runs(root, 9, 12)
        await wait_for(pilot, lambda: table.row_count == 12, what="12 rows")
        await pilot.pause()
        assert screen.current_run_id() == old[0] and table.cursor_row == 11
        assert _visible(table, table.cursor_row)


async def test_home_and_end_move_to_the_first_and_last_run_but_not_in_the_filter(tmp_path):
    root = tmp_path / "runs"
    ids = _runs(root, 1, 8)
    app = Host(root, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_screen(app, pilot, 8)
        table = screen.table
        await pilot.press("end")
        await pilot.pause()
        assert screen.current_run_id() == ids[0] and _visible(table, 7)
        await pilot.press("home")
        await pilot.pause()
        assert screen.current_run_id() == ids[-1] and _visible(table, 0)
        await pilot.press("slash", *"run", "home")  # typing in the filter: Home is the Input's
        assert isinstance(screen, RunsScreen) and screen.current_run_id() == ids[-1]
        assert screen.query_one("#runs-filter").cursor_position == 0


def test_fit_compare_gives_every_run_a_share():
    # everything fits: natural widths
    assert fit_compare([10, 8, 8], 40) == [10, 8, 8]
    # too wide: the key column takes about a third, the runs share the rest evenly
    widths = fit_compare([34, 25, 25, 25], 78)
    assert sum(widths) + 2 * 4 <= 78 and widths[0] <= 24 and max(widths[1:]) - min(widths[1:]) <= 1
    # a run that needs less than its share gives the rest to the others
    assert fit_compare([30, 4, 40, 40], 78) == [23, 4, 22, 21]
    assert wrap_cell("layers[dense_1].kernel_initializer", 20) == "layers[dense_1].\nkernel_initializer"
    assert wrap_cell("Adam(learning_rate=0.008)", 16) == "Adam(\nlearning_rate=\n0.008)"
    assert wrap_cell("● digits-mlp-he-uniform", 10, 2, breaks=False) == "● digits-m\nlp-he-uni…"


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_compare_table_shows_every_runs_values_at_80_columns(tmp_path, size):
    root = tmp_path / "runs"
    ids = _variants(root)
    app = Host(root, tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await _open_screen(app, pilot, 3)
        screen.set_many([ids["none"], ids["l2"], ids["dropout"]], True)
        await pilot.press("c")
        diff = screen.query_one("#runs-diff", DataTable)
        await wait_for(pilot, lambda: diff.row_count > 0)
        await pilot.pause()
        header, rows = screen.compare_rows()
        # no run is pushed off to the right: the columns fit the table's width
        assert diff.virtual_size.width <= diff.size.width and diff.max_scroll_x == 0
        # every value is there whole (wrapped onto more lines where its column is narrow)
        for i, row in enumerate(rows):
            shown = [str(c).replace("\n", "") for c in diff.get_row_at(i)]
            assert shown == row
        labels = [str(c.label).replace("\n", "") for c in diff.columns.values()]
        assert labels[1].startswith("▲ digits-mlp-d") and len(labels) == 4
        if size[0] >= 160:  # room for all: one line each, as wide as the widest cell
            assert diff.header_height == 1 and all("\n" not in str(c) for c in diff.get_row_at(0))


def _overlapping(root: Path) -> dict[str, str]:
    """he-normal learns; zeros-init stays at log(10), where he-normal starts: their markers meet."""
    curves = {"he-normal": [2.30, 2.29, 1.2, 0.6, 0.4, 0.3, 0.25, 0.22, 0.2, 0.19], "zeros": [2.30] * 10}
    ids = {}
    for i, (name, vals) in enumerate(curves.items()):
        recs = [{"epoch": k, "loss": v, "val_loss": v} for k, v in enumerate(vals)]
        run_id = f"2024010{i + 1}-000000-{name}-000{i}"
        write_finished_run(root, _spec(), recs, run_id=run_id, info={"name": name, "started": f"2024-01-0{i + 1}"})
        ids[name] = run_id
    return ids


async def test_compare_chart_marks_cells_that_runs_share_so_no_run_is_hidden(tmp_path):
    root = tmp_path / "runs"
    ids = _overlapping(root)
    app = Host(root, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_screen(app, pilot, 2)
        screen.set_many([ids["zeros"], ids["he-normal"]], True)
        await pilot.press("v")  # validation curves only
        chart = screen.chart
        await wait_for(pilot, lambda: chart.show == "val" and len(chart.runs) == 2)
        plot = chart.query_one(PlotextPlot)
        await pilot.pause()
        canvas = Text.from_ansi(plot.plt.build()).plain
        zeros, he = (r.markers[0] for r in sorted(chart.runs, key=lambda r: r.run_id != ids["zeros"]))
        # epochs 1 and 2: both runs at ~2.3, one combined glyph each; every other point keeps its own
        assert canvas.count(SHARED_MARKER) == 2
        assert canvas.count(zeros) == 8 and canvas.count(he) == 8
        assert any(text.startswith(f"{SHARED_MARKER} runs overlap") for text, _ in chart.legend)
