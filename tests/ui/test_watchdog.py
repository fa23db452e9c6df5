"""The terminal-gone watchdog: the run is stopped and kept, and the process ends without drawing again."""

from __future__ import annotations

import pytest
from conftest import wait_for
from fakes import RUN_ID, read_run_json

from tuidl.core.protocol import Stop
from tuidl.ui import app as app_module


async def test_terminal_gone_stops_the_run_and_ends_the_process(
    make_app, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exits: list[int] = []
    monkeypatch.setattr(app_module.os, "_exit", exits.append)
    app = make_app(hold_after=1, ignore_stop=True)  # an engine that has to be killed
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: app.dashboard.chart.epochs == 1, what="first epoch")
        monkeypatch.setattr(app_module, "_has_tty", lambda: True)
        app._watch_tty()
        await pilot.pause()
        assert not exits, "a terminal that is still there must not end the app"
        monkeypatch.setattr(app_module, "_has_tty", lambda: False)
        app._watch_tty()
        await wait_for(pilot, lambda: exits == [0], timeout=10, what="os._exit(0)")
    fake = app.fakes[0]
    assert fake.closed and any(isinstance(r, Stop) for r in fake.requests)
    info = read_run_json(tmp_path / "runs" / RUN_ID)
    assert info["status"] == "stopped" and info["epochs_done"] == 1
