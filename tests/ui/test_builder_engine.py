"""The builder in the real app with the real engine process: summaries come from Keras."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from tuidl.core.presets import load_experiment
from tuidl.ui.app import TuidlApp
from tuidl.ui.screens.builder import BuilderScreen

pytestmark = [pytest.mark.keras, pytest.mark.slow]


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await pilot.pause(0.05)


async def test_builder_with_real_engine(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    app = TuidlApp(load_experiment("digits-cnn"), runs_dir=tmp_path)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), 10)
            b: BuilderScreen = app.screen  # type: ignore[assignment]
            await wait_for(pilot, lambda: b.summary is not None and b.pending_id is None, 120)
            assert b.summary.total_params == 13706 and b.summary.requester == "builder"
            assert [r.name for r in b.summary.rows][:2] == ["conv2d", "max_pooling2d"]
            # an edit: the engine answers within a fraction of a second once warm
            await pilot.press(*["down"] * 6, "x")
            await wait_for(
                pilot,
                lambda: (
                    b.pending_id is None and b._timer is None and b.summary is not None and len(b.summary.rows) == 6
                ),
                30,
            )
            assert "the model outputs" not in b.findings_text()
            assert b.blocked and "has 64 units but the data has 10 classes" in b.findings_text()
            await pilot.press("ctrl+z")
            await wait_for(pilot, lambda: b.pending_id is None and b._timer is None and len(b.summary.rows) == 7, 30)
            assert not b.blocked
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen), 10)
            assert app.exp == load_experiment("digits-cnn")
    finally:
        app.shutdown_engine()


async def test_export_key_with_real_engine_writes_script_and_data(tmp_path, monkeypatch) -> None:
    """E asks the engine process, which loads the data and writes the script and its .npz (the UI
    process imports no data pipeline: the import-linter contract)."""
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    exp = load_experiment("spiral-mlp")
    app = TuidlApp(exp, runs_dir=tmp_path / "runs")
    target = tmp_path / "out" / "spiral.py"
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), 10)
            await pilot.press("E")
            await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen), 10)
            await pilot.press("ctrl+u", *str(target), "enter")
            await wait_for(pilot, lambda: any(n.title == "Exported" for n in app._notifications), 120)
            assert target.is_file() and target.with_suffix(".npz").is_file()
            assert "Exported by tuidl" in target.read_text() and "from spiral-mlp.toml" in target.read_text()
    finally:
        app.shutdown_engine()
