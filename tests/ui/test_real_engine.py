"""End to end: the app with the real engine process trains digits-mlp for two epochs."""

from __future__ import annotations

import math

import pytest
from conftest import wait_for
from fakes import read_run_json

from tuidl.core.presets import load_experiment


@pytest.mark.slow
@pytest.mark.keras
async def test_train_two_epochs_with_the_real_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    from tuidl.ui.app import TuidlApp

    exp = load_experiment("digits-mlp").with_overrides({"fit.epochs": 2})
    app = TuidlApp(exp, runs_dir=tmp_path / "runs")
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, timeout=120, what="engine ready (TensorFlow import)")
        table = app.dashboard.query_one("#layers")
        await wait_for(pilot, lambda: table.row_count == 5, timeout=60, what="summary of 4 layers + input")
        await pilot.press("t")
        chart = app.dashboard.chart
        await wait_for(pilot, lambda: chart.epochs == 2, timeout=120, what="two epochs on the chart")
        await wait_for(pilot, lambda: app.dashboard.status.state == "completed", timeout=30, what="completed")
        xs, val = chart.history.series("val_loss")
        assert xs.tolist() == [1.0, 2.0]
        assert all(math.isfinite(v) for v in val.tolist())
        _, loss = chart.history.series("loss")
        assert all(math.isfinite(v) for v in loss.tolist())
        run_dir = next((tmp_path / "runs").iterdir())
        assert read_run_json(run_dir)["status"] == "completed"
        # the engine names the run as the UI asked: how it differs from its preset
        assert read_run_json(run_dir)["name"] == "digits-mlp epochs=2" and "-digits-mlp-epochs-2-" in run_dir.name
        client = app.client
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app._exit, timeout=30, what="exit")
    assert client is not None and not client.alive
