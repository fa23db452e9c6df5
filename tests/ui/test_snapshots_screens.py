"""Snapshot tests of the builder, the runs browser, the data screen and the error modal at 80x24 and 160x48
(pytest-textual-snapshot; fake engine, fixed run ids and times, no blinking cursor).

Update after looking at the report: ``pytest tests/ui/test_snapshots_screens.py --snapshot-update``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import wait_for
from textual.app import App

from runfolders import write_finished_run
from tuidl.core.spec import Experiment
from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.screens.data import DataScreen
from tuidl.ui.modals import ErrorModal
from tuidl.ui.screens.runs import RunsScreen

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


async def _builder_open(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.engine_ready, what="ready")
    await wait_for(pilot, lambda: app.dashboard.query_one("#layers").row_count == 5, what="summary")
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="builder")
    screen = app.screen
    await wait_for(
        pilot,
        lambda: screen.pending_id is None and screen._timer is None and screen.summary is not None,
        what="builder summary",
    )
    await pilot.pause()


@SIZES
def test_builder(snap_compare, make_app, size):
    assert snap_compare(make_app(write_run_dir=False), terminal_size=size, run_before=_builder_open)


async def _data_open(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.engine_ready, what="ready")
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, DataScreen), what="data screen")
    screen = app.screen
    await wait_for(
        pilot,
        lambda: screen.summary is not None and screen.pending_id is None and screen._timer is None,
        timeout=30,
        what="data summary",
    )
    await pilot.pause()


@SIZES
def test_data_screen(snap_compare, tmp_path, size):
    from test_data_screen import _app  # a fake engine that loads the data for real (no TensorFlow)

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_data_open)


def _recs(vals: list[float], acc: list[float]) -> list[dict]:
    return [
        {
            "epoch": i,
            "loss": v * 1.2,
            "val_loss": v,
            "accuracy": a - 0.05,
            "val_accuracy": a,
            "step": (i + 1) * 45,
            "time": (i + 1) * 0.25,
        }
        for i, (v, a) in enumerate(zip(vals, acc))
    ]


def _three_runs(root: Path) -> None:
    """Three finished runs with fixed ids, start times and metrics (one diverged)."""
    spec = Experiment(name="digits-mlp")
    write_finished_run(
        root,
        spec.to_toml(),
        _recs([1.0, 0.6, 0.5, 0.55], [0.6, 0.8, 0.85, 0.84]),
        run_id="20240101-000000-none-0001",
        info={"name": "none", "params": 4810, "started": "2024-01-01T00:00:00+00:00"},
    )
    write_finished_run(
        root,
        spec.with_overrides({"fit.batch_size": 64}).to_toml(),
        _recs([0.9, 0.5, 0.4, 0.35], [0.7, 0.85, 0.9, 0.92]),
        run_id="20240102-000000-l2-0002",
        info={"name": "l2", "params": 4810, "started": "2024-01-02T00:00:00+00:00"},
    )
    write_finished_run(
        root,
        spec.with_overrides({"compile.optimizer": "sgd"}).to_toml(),
        _recs([2.0, float("nan")], [0.2, 0.1]),
        run_id="20240103-000000-sgd-0003",
        status="diverged",
        info={"name": "sgd", "params": 4810, "started": "2024-01-03T00:00:00+00:00"},
    )
    # a fixed end, so the duration column does not depend on today's date (finish() writes the time it ran)
    for d, ended, duration in (
        ("20240101-000000-none-0001", "2024-01-01T00:01:05+00:00", 65.0),
        ("20240102-000000-l2-0002", "2024-01-02T00:02:10+00:00", 130.0),
        ("20240103-000000-sgd-0003", "2024-01-03T00:00:30+00:00", 30.0),
    ):
        info_path = root / d / "run.json"
        info = json.loads(info_path.read_text(encoding="utf-8"))
        info["ended"], info["duration"] = ended, duration
        info_path.write_text(json.dumps(info), encoding="utf-8")


class _RunsHost(App):
    def __init__(self, runs_dir: Path) -> None:
        super().__init__()
        self.runs_dir_ = runs_dir

    def on_mount(self) -> None:
        self.push_screen(RunsScreen(self.runs_dir_, export_dir=self.runs_dir_.parent, poll_interval=3600))


@SIZES
def test_runs_browser(snap_compare, tmp_path, size):
    root = tmp_path / "runs"
    root.mkdir()
    _three_runs(root)

    async def listed(pilot) -> None:
        await wait_for(
            pilot,
            lambda: isinstance(pilot.app.screen, RunsScreen) and len(pilot.app.screen.shown) == 3,
            what="3 runs listed",
        )
        await pilot.pause()

    assert snap_compare(_RunsHost(root), terminal_size=size, run_before=listed)


class _ErrorHost(App):
    def on_mount(self) -> None:
        self.push_screen(
            ErrorModal(
                "Cannot build model",
                "model.layers[1]: Dense.units = 0: must be an integer >= 1",
                "set units to 1 or more",
            )
        )


@SIZES
def test_error_modal(snap_compare, size):
    async def shown(pilot) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ErrorModal), what="error modal")
        await pilot.pause()

    assert snap_compare(_ErrorHost(), terminal_size=size, run_before=shown)
