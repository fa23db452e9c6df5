"""Snapshot tests of the dashboard (pytest-textual-snapshot) at fixed sizes, fake engine, no clocks.

Update after looking at the report: ``pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest
from conftest import wait_for
from fakes import RUN_ID, epoch_logs

from tuidl.core import events as ev


async def _a_finished_run(pilot) -> None:
    """Engine ready and summarized, then a scripted 3-epoch run (events only, no Train request)."""
    app = pilot.app
    await wait_for(pilot, lambda: app.engine_ready, what="ready")
    await wait_for(pilot, lambda: app.dashboard.query_one("#layers").row_count == 5, what="summary")
    fake = app.fakes[0]
    fake.emit(ev.RunStarted(RUN_ID, "/nonexistent/" + RUN_ID, 3, 4))
    # epochs only: which batch messages the UI coalesces (can_replace) depends on timing
    for e, logs in enumerate(epoch_logs(3)):
        fake.emit(ev.EpochEnded(RUN_ID, e, logs, 0.1 * (e + 1), 4 * (e + 1)))
    fake.emit(ev.RunFinished(RUN_ID, "completed", 3, 1.5))
    await wait_for(pilot, lambda: app.dashboard.status.state == "completed", what="completed")
    chart = app.dashboard.chart
    # a chart below its minimum size is a summary line and sparkline: no plot is rendered
    await wait_for(
        pilot,
        lambda: chart.epochs == 3 and chart.settled and (chart.rendered > 0 or chart.has_class("-small")),
        what="3 epochs drawn",
    )
    await pilot.pause()


@pytest.mark.parametrize("size", [(40, 12), (80, 24), (120, 40)], ids=["40x12", "80x24", "120x40"])
def test_dashboard_after_a_run(snap_compare, make_app, size):
    assert snap_compare(make_app(write_run_dir=False), terminal_size=size, run_before=_a_finished_run)


def test_dashboard_loading(snap_compare, make_app):
    async def loading(pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.fakes and pilot.app.fakes[0].started, what="engine started")
        await pilot.pause()

    assert snap_compare(make_app(ready=False), terminal_size=(80, 24), run_before=loading)
