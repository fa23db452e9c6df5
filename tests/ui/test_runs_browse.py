"""Pilot tests of the runs browser at 80x24 as a newcomer met it: the cursor opens on the newest
run and stays in view, Home/End, a compare table that gives every run a share of 80 columns."""

from __future__ import annotations

from pathlib import Path

from runfolders import write_finished_run
from test_runs_screen import Host, _open_screen, _recs, _spec, wait_for
from textual.widgets import DataTable

from tuidl.ui.screens.runs import RunsScreen


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
